// answers.h — an answer set for one questionnaire, checked against its definition.
//
// Answers arrive as JSON keyed by question id (see questionnaires/README.md). Parsing checks types,
// ranges, option ids and the exclusive "none" option, and collects every problem as an Error naming
// the question id and the JSON pointer, so a form can show all of them at once. Answers to questions
// that a condition hides are kept (the user may change the condition back) but ignored by scoring.
// Each answer also carries how it is backed: self-declared, evidence attached, or verified on site.
#pragma once

#include <string>
#include <vector>

#include "scoring/error.h"
#include "scoring/questionnaire.h"

namespace assess {

enum class EvidenceGrade { kSelfDeclared, kEvidenceAttached, kVerified };
[[nodiscard]] const char* to_string(EvidenceGrade grade);

struct EvidenceRef {
  std::string slot;  // evidence slot id of the question
  std::string file;  // stored file reference, e.g. "sha256:…"
  std::string name;  // original file name
};

struct Answer {
  bool present = false;  // a value (or "not applicable") was given
  bool not_applicable = false;
  Json value;                 // the value as given; what conditions read (null when absent / N/A)
  std::vector<int> selected;  // option indices (single, multi, ladder, yes/no, band asked directly)
  double number = 0;          // number, percent and band answers
  int what_if_band = -1;      // gap search only: forces the option of a band computed from other facts
  std::vector<EvidenceRef> evidence;
  bool verified = false;  // checked on site by the assessor
  std::string note;

  [[nodiscard]] EvidenceGrade grade() const {
    if (verified) return EvidenceGrade::kVerified;
    return evidence.empty() ? EvidenceGrade::kSelfDeclared : EvidenceGrade::kEvidenceAttached;
  }
};

// Indexed like Questionnaire::questions.
struct AnswerSet {
  std::vector<Answer> answers;
};

struct ParsedAnswers {
  AnswerSet set;
  std::vector<Error> errors;  // empty when the answers are well-formed
};

// Parses `{"questionnaire": id, "answers": {...}}`. Never throws for content problems: every one is
// collected in `errors` and the offending answer is left out. Throws only when the document is not
// an object.
[[nodiscard]] ParsedAnswers parse_answers(const Questionnaire& q, const Json& document, const std::string& file);

// Parses the answer to question `qi` (a bare value or {"value", "na", "evidence", "verified",
// "note"}), as the web form sends it one change at a time. Throws Error at `file`:`pointer`.
[[nodiscard]] Answer parse_answer(const Questionnaire& q, int qi, const Json& given, const std::string& file,
                                  const std::string& pointer);

// The JSON form of an answer set (the inverse of parse_answers).
[[nodiscard]] Json answers_to_json(const Questionnaire& q, const AnswerSet& set);

}  // namespace assess
