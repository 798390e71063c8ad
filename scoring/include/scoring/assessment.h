// assessment.h — one enterprise assessed once: the profile plus any modules (SME digital level,
// smart-factory tiers, CMMM self-check), scored together from one file.
//
// The crosswalk (questionnaires/crosswalk.json) lets a fact asked once feed every module that needs
// it: each link copies an answer, or a module's level, into questions of other modules that were left
// unanswered, optionally through a value map. A target that was answered differently is kept and
// reported as a conflict, never silently overwritten. Modules are scored in dependency order.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "scoring/answers.h"
#include "scoring/error.h"
#include "scoring/questionnaire.h"
#include "scoring/score.h"
#include "scoring/scorer.h"

namespace assess {

// Every definition found under a folder, by id.
class Library {
 public:
  // Loads every *.json below `dir` that is a questionnaire definition (answer sets, schemas and code
  // lists are skipped). A broken definition is an error.
  [[nodiscard]] static Library load_dir(const std::string& dir);
  void add(Questionnaire q);
  [[nodiscard]] const Questionnaire* find(const std::string& id) const;
  [[nodiscard]] std::vector<std::string> ids() const;
  // The code list some definition declares under `name` ("region"), the first in id order; nullptr
  // when none does. Lets a command reuse what the definitions loaded instead of reading it again.
  [[nodiscard]] std::shared_ptr<const CodeList> code_list(const std::string& name) const;

 private:
  std::map<std::string, Questionnaire> by_id_;
};

struct CrosswalkEnd {
  std::string module;
  std::string question;  // empty with level = true
  bool level = false;    // the source is the module's level id ("cmmm#level")
};

struct CrosswalkLink {
  std::string id;
  Text title;
  CrosswalkEnd from;
  std::vector<CrosswalkEnd> to;
  Json map;  // optional: source value (as a string key) -> target value
  Provenance provenance;
};

struct Crosswalk {
  std::vector<CrosswalkLink> links;
};

// Validates links against the library: modules and questions must exist.
[[nodiscard]] Crosswalk load_crosswalk(const Json& document, const std::string& file, const Library& library);

struct CrosswalkFill {
  std::string link;
  std::string question;
  Json value;
};

struct CrosswalkConflict {
  std::string link;
  std::string question;
  Json given;      // what the module's own answer says
  Json from_link;  // what the linked fact says
  std::string reason;
};

struct ModuleResult {
  const Questionnaire* questionnaire = nullptr;
  AnswerSet answers;
  ScoreResult result;
  std::vector<CrosswalkFill> filled;
  std::vector<CrosswalkConflict> conflicts;
};

struct AssessmentResult {
  Json meta;                                    // "assessment": id, date, assessor, enterprise...
  std::vector<Json> projects;                   // planned or actual projects, for the rewards
  std::vector<std::string> order;               // modules in the order they were scored
  std::map<std::string, ModuleResult> modules;  // by questionnaire id
  std::vector<Error> errors;                    // answer errors, pointers under /modules/<id>/answers
};

// The facts reward rules read (policies/README.md): {"profile": answers and computed values of the
// "profile" module, "region": its region, "results": {module: {"level", "total"}}}.
[[nodiscard]] Json enterprise_facts(const AssessmentResult& result);

// Scores `{"assessment": {...}, "modules": {"<questionnaire id>": {"answers": {...}}, ...}}`.
// The same as score_assessment(crosswalk, parse_assessment(library, document, file)).
[[nodiscard]] AssessmentResult score_assessment(const Library& library, const Crosswalk& crosswalk,
                                                const Json& document, const std::string& file);

// One module's own answers as parsed, before the crosswalk fills anything in: the part of an
// assessment that a save changes one answer at a time (so a save re-parses one answer, not 261).
struct ParsedModule {
  const Questionnaire* questionnaire = nullptr;
  AnswerSet answers;
  std::vector<Error> document_errors;          // not tied to one answer (unknown field, no "answers")
  std::map<std::string, Error> answer_errors;  // by answer key, in the order parse_answers reports them
  bool has_answers_object = false;             // "answers" was an object: single answers may change
};

// A whole assessment, parsed and checked but not yet scored.
struct ParsedAssessment {
  std::string file;
  Json meta;
  std::vector<Json> projects;
  std::map<std::string, ParsedModule> modules;  // by questionnaire id
};

// Parses the document score_assessment reads; throws Error for what makes it unusable (not an
// object, no modules, an unknown questionnaire), as score_assessment does.
[[nodiscard]] ParsedAssessment parse_assessment(const Library& library, const Json& document, const std::string& file);

// Replaces one answer of a module (null clears it), exactly as if the document had been edited and
// parsed again. Throws std::logic_error when the module is not in the assessment or its "answers"
// is not an object (there is no single answer to change).
void set_answer(ParsedAssessment& assessment, const std::string& module, const std::string& question,
                const Json& answer);

// Applies the crosswalk and scores every module, in dependency order.
[[nodiscard]] AssessmentResult score_assessment(const Crosswalk& crosswalk, const ParsedAssessment& assessment);

// The compiled Scorer (scorer.h) of each questionnaire met, made on first use and kept: what scores
// modules again and again (a server's saves) keeps, so that a module is scored through its Scorer,
// with the result's storage reused, instead of by the reference score() (the same result, bit for
// bit). Not thread-safe, like a Scorer: one per thread. The questionnaires must outlive it.
class ModuleScorers {
 public:
  // `out = score(q, answers)`, through q's Scorer and into out's storage.
  void score(const Questionnaire& q, const AnswerSet& answers, ScoreResult& out);

 private:
  std::map<const Questionnaire*, Scorer> scorers_;
};

// After one module's own answers changed (set_answer), rescores that module and every module a
// crosswalk link carries its facts into, transitively, and keeps the others: `result` becomes what
// score_assessment(crosswalk, assessment) gives, for the cost of the modules reached. `result` must
// be a score of the same assessment (the same modules). Returns the modules rescored, in order.
// With `scorers`, the modules are scored through them (the same result).
std::vector<std::string> rescore_module(const Crosswalk& crosswalk, const ParsedAssessment& assessment,
                                        const std::string& module, AssessmentResult& result,
                                        ModuleScorers* scorers = nullptr);

}  // namespace assess
