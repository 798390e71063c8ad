// questionnaire.h — a versioned questionnaire definition, loaded and validated once.
//
// A definition is data (JSON, see questionnaires/README.md): a tree of sections of any depth, each
// aggregating its children with a method the official scheme uses (sum, weighted mean, weakest link,
// mean of requirement ratings); questions of nine types with per-option points; JsonLogic conditions;
// computed values that derive a fact instead of asking it twice; and ordered levels whose
// requirements combine score thresholds with gates. Loading validates everything and fails with one
// assess::Error naming the file and JSON pointer; after that the runtime only asserts invariants.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "scoring/code_list.h"
#include "scoring/exact.h"
#include "scoring/logic.h"
#include "scoring/text.h"

namespace assess {

using Json = nlohmann::json;

enum class QuestionType { kSingle, kMulti, kNumber, kPercent, kBand, kLadder, kYesNo, kText, kDate };
enum class Aggregation { kSum, kWeightedMean, kMin, kRatingMean };

[[nodiscard]] const char* to_string(QuestionType type);
[[nodiscard]] const char* to_string(Aggregation aggregation);

// How sure we are of a fact taken from a source we could not fully read. cite, confidence and note
// are surfaced in every output; maintainer_note stays in the data file (instructions for editors,
// e.g. "change both places together"), never shown to users.
struct Provenance {
  std::string cite;             // indicator, clause or document the item rests on
  std::string confidence;       // "", "high", "medium", "low" or "unconfirmed"
  Text note;                    // for users: what is uncertain and what it means for the result
  std::string maintainer_note;  // for whoever edits the data; read, never output
};

// A numeric range; absent bounds are open. Used by band options.
struct Range {
  std::optional<double> lower;
  bool lower_inclusive = false;
  std::optional<double> upper;
  bool upper_inclusive = false;
  [[nodiscard]] bool contains(double value) const;
  // Exact: the bounds read as the decimals they were written as (see exact.h).
  [[nodiscard]] bool contains(const exact::Rational& value) const;
  [[nodiscard]] std::string describe() const;  // "(10, 20]", "[500, +inf)"
  // Reads the bounds as exact decimals once (the loader calls it), so that exact lookups do not
  // convert them again at every call; a range built by hand converts them per call instead.
  void prepare_exact();

  std::optional<exact::Rational> lower_exact_;  // set by prepare_exact (nullopt: no exact form)
  std::optional<exact::Rational> upper_exact_;
  bool exact_ready_ = false;
};

struct Option {
  std::string id;
  Text label;
  double points = 0;
  bool exclusive = false;      // multi: the "none of these" option
  int level = 0;               // ladder: the level this option stands for
  std::optional<Range> range;  // band: the values that select this option
  // Ids this option had before a correction: saved answers that use one read as this option.
  std::vector<std::string> replaces;
  // A built-in option's catalogue key (yes/no: "srv_option_yes" / "srv_option_no"; empty label): its
  // label is the reader's words for it (text.h Words), so every catalogue language names it.
  std::string word{};
  // The label in `lang` (the definitions' language) and `words` (that language's catalogue).
  [[nodiscard]] std::string label_in(const std::string& lang, const Words& words) const {
    return word.empty() ? label.in(lang) : words(word);
  }
};

struct EvidenceSlot {
  std::string id;
  Text label;
  std::vector<std::string> accept;  // media types, e.g. "image/*", "application/pdf"
};

struct Question {
  std::string id;
  QuestionType type = QuestionType::kSingle;
  Text title;
  Text help;
  Provenance provenance;
  std::string pointer;  // where it stands in the definition
  int section = 0;      // parent section index
  double weight = 1;
  std::vector<Option> options;       // single, multi, band, ladder, yes/no (no, yes)
  std::optional<double> max_points;  // multi: cap on the sum
  std::optional<double> min;         // number, percent
  std::optional<double> max;
  std::string unit;
  std::size_t max_length = 2000;              // text
  std::string format;                         // text: "" (free), "uscc" (GB 32100 check), "code" (in code_list)
  std::shared_ptr<const CodeList> code_list;  // text with format "code"
  bool required = false;
  std::optional<logic::Rule> visible_if;
  std::optional<logic::Rule> required_if;
  bool allow_na = false;  // "not applicable" leaves the denominator
  int value_from = -1;    // band: index of the computed value that selects the band (not asked)
  std::vector<EvidenceSlot> evidence;
  std::vector<std::string> tags;
  // Metadata for the web UI and the bureau's template: not scored, left out of the content hash.
  std::string at_most;  // number, percent: the question (a whole) this answer (a part) must not exceed
  // A year later (a re-assessment copies the answers): nullopt stays; "" is asked afresh (cleared);
  // "+1" is a year and moves on by the years passed; any other value is the question it moves to.
  std::optional<std::string> next_year;
  std::string example;  // an example answer as a spreadsheet cell ("" none)
  // The profile's identity and size facts: the bureau's import template always has their columns,
  // after the USCC (the import's key), in the profile's order.
  bool identity = false;

  [[nodiscard]] bool scored() const {
    return type == QuestionType::kSingle || type == QuestionType::kMulti || type == QuestionType::kBand ||
           type == QuestionType::kLadder || type == QuestionType::kYesNo;
  }
  [[nodiscard]] bool asked() const { return value_from < 0; }
  [[nodiscard]] int option_index(const std::string& option_id) const;  // -1 when absent
  [[nodiscard]] int band_of(double value) const;                       // -1 when no band holds the value
  [[nodiscard]] int band_of(const exact::Rational& value) const;       // the same, exactly
  [[nodiscard]] double max_score() const { return best_; }             // best reachable points

  double best_ = 0;  // computed once on load
};

struct Computed {
  std::string id;
  Text title;
  Provenance provenance;
  std::string pointer;
  std::string unit;
  logic::Rule expr;
  // The same rule for exact evaluation over decimals (null when it uses more than arithmetic).
  std::shared_ptr<const exact::Expr> exact;
};

// A section of the tree (index 0 is the whole questionnaire). Children are listed in document order.
struct Section {
  struct Child {
    bool is_section = false;
    int index = 0;
  };
  std::string id;
  Text title;
  Provenance provenance;
  std::string pointer;
  int parent = -1;
  int depth = 0;
  double weight = 1;
  Aggregation aggregation = Aggregation::kSum;
  bool scored = true;      // false: computed and shown, but left out of the parent's aggregate
  double pass_mark = 0.8;  // rating_mean: the node passes when its score reaches this
  // Child sections count in order up to and including the first one that does not pass; later
  // ones count 0 (GB/T 39117: a higher level's score counts only when the lower levels hold).
  bool count_until_failed = false;
  std::vector<Child> children;
};

// Which questions a count or share requirement looks at.
struct Selector {
  std::vector<int> questions;  // resolved question indices
  Json source;                 // as written, for explanations
};

enum class RequirementKind { kScore, kCount, kShare, kValue, kLogic };
enum class Comparison { kGe, kGt, kLe, kLt, kEq };
[[nodiscard]] const char* to_string(Comparison comparison);

struct Requirement {
  std::string id;
  Text title;
  Provenance provenance;
  std::string pointer;
  RequirementKind kind = RequirementKind::kScore;
  int section = -1;     // kScore: the node whose score is compared
  Selector selector;    // kCount, kShare: the questions looked at
  double at_least = 1;  // kCount, kShare: a question counts when its grade reaches this
  int value = -1;       // kValue: question index, or computed index when value_is_computed
  bool value_is_computed = false;
  std::optional<logic::Rule> rule;  // kLogic
  Comparison comparison = Comparison::kGe;
  double threshold = 0;
};

struct Level {
  std::string id;
  Text name;
  std::vector<std::string> aliases;
  Provenance provenance;
  std::string pointer;
  std::vector<Requirement> requirements;
};

struct Source {
  std::string id;
  Text title;
  std::string reference;  // 文号, standard number or URL
  std::string note;
};

struct Questionnaire {
  std::string file;  // where it was loaded from ("" for in-memory)
  std::string id;
  std::string version;
  Text title;
  Text short_title;         // a tab's label ("" = the title)
  int order = 100;          // where the module stands among others (lower first, then by id)
  bool indicative = false;  // a self-check for reference only: the report says so on its result
  Text description;
  std::vector<Source> sources;
  std::string content_hash;         // "sha256:<hex>" of the canonical JSON
  std::vector<Section> sections;    // [0] is the root
  std::vector<Question> questions;  // in document order (depth first)
  std::vector<Computed> computed;   // in evaluation order (dependencies first)
  std::vector<Level> levels;        // lowest first
  bool levels_cumulative = false;   // a level counts only when every lower level holds too
  Text below_levels;                // the definition's name of "no level reached" (empty: none given)
  Json parameters;                  // documented constants of the method (e.g. what counts as flat)
  Json labels;                      // free-form extras for reports (badges, derived outputs)
  std::string example_level;        // the bureau template's example: a level id ("" none) and a total
  std::optional<double> example_total;
  std::map<std::string, std::shared_ptr<const CodeList>> code_lists;  // by the name questions use

  // The name of "no level reached" in `lang`: the definition's "below", else the words'
  // "srv_level_below" (the catalogue's default, so every language has one).
  [[nodiscard]] std::string below_name(const std::string& lang, const Words& words) const {
    return below_levels.zh.empty() ? words("srv_level_below") : below_levels.in(lang);
  }

  [[nodiscard]] int question_index(const std::string& id) const;
  [[nodiscard]] int section_index(const std::string& id) const;
  [[nodiscard]] int computed_index(const std::string& id) const;
  [[nodiscard]] int level_index(const std::string& id_or_alias) const;  // id, zh/en name or alias; -1 when absent

  // Logic slots: questions take 0..n-1, computed values n..n+m-1.
  [[nodiscard]] int slot_count() const { return static_cast<int>(questions.size() + computed.size()); }

  std::unordered_map<std::string, int> question_ids_;
  std::unordered_map<std::string, int> section_ids_;
  std::unordered_map<std::string, int> computed_ids_;
};

// Limits that keep an absurd definition from exhausting memory; exceeding one is an Error of kind
// kLimit naming the place.
struct DefinitionLimits {
  std::size_t max_questions = 5000;
  std::size_t max_options = 200;
  std::size_t max_sections = 2000;
  int max_depth = 16;
  std::size_t max_levels = 20;
  std::size_t max_bytes = 8u << 20;
};

// Validates and compiles a parsed definition. `file` is used in error messages only.
[[nodiscard]] Questionnaire load_questionnaire(const Json& definition, const std::string& file,
                                               const DefinitionLimits& limits = {});
// Reads, parses and loads a file. Syntax errors name line and column.
[[nodiscard]] Questionnaire load_questionnaire_file(const std::string& path, const DefinitionLimits& limits = {});

// Reads a JSON file with the project's error shape: not found, too large, syntax error at line:col.
[[nodiscard]] Json read_json_file(const std::string& path, std::size_t max_bytes = 64u << 20);
// Parses JSON text with the same error shape; `file` names the origin in messages.
[[nodiscard]] Json parse_json_text(const std::string& text, const std::string& file);

// "sha256:<hex>" of the canonical serialisation (sorted keys, no spaces) of a JSON document.
[[nodiscard]] std::string content_hash(const Json& document);

}  // namespace assess
