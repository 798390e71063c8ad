// score.h — scoring an answer set: points per question, the aggregate of every section, and the
// level reached.
//
// `score()` is a pure function of a loaded questionnaire and an answer set: conditions decide which
// questions count, computed values select bands, every section aggregates its children with the
// method the definition names, and levels are decided by their requirements (score thresholds and
// gates). The result keeps indices into the definition, so it is cheap to compute; `explain.h` turns
// it into a self-explaining document (question, option, points, weight, rule, citation, version).
//
// Aggregations over the children c that count (visible, answered or not, not "not applicable"),
// each with score s_c, best reachable score m_c and weight w_c:
//   sum            S = Σ w_c·s_c                  M = Σ w_c·m_c
//   weighted_mean  S = Σ w_c·s_c / Σ w_c          M = Σ w_c·m_c / Σ w_c
//   min            S = min s_c  (weakest link)    M = min m_c
//   rating_mean    as weighted_mean over ratings 0/0.5/0.8/1; passed when S >= pass_mark
#pragma once

#include <optional>
#include <vector>

#include "scoring/answers.h"
#include "scoring/questionnaire.h"

namespace assess {

struct QuestionResult {
  bool visible = true;
  bool required = false;  // required and visible
  bool answered = false;  // has a value (N/A counts as answered)
  bool counts = false;    // contributes to its section's aggregate
  int band = -1;          // band questions: the option the value selects
  double value = 0;       // number, percent and band: the value; derived bands: the computed value
  double points = 0;
  double max = 0;
};

struct SectionResult {
  bool applicable = false;  // at least one child counts
  double score = 0;
  double max = 0;
  double weight_total = 0;
  bool passed = false;  // rating_mean: score >= pass_mark
};

struct RequirementResult {
  bool met = false;
  double actual = 0;   // the compared value (logic: 1 when truthy)
  int counted = 0;     // count / share: questions that qualify
  int considered = 0;  // count / share: questions looked at
};

struct LevelResult {
  int level = -1;           // index into Questionnaire::levels, -1 for none
  std::vector<bool> holds;  // per level: every requirement met (and lower ones when cumulative)
  std::vector<std::vector<RequirementResult>> requirements;  // per level, per requirement
};

struct ScoreResult {
  std::vector<QuestionResult> questions;
  std::vector<SectionResult> sections;  // [0] is the total
  std::vector<Json> computed;           // in Questionnaire::computed order; null when not computable
  // The same values as exact rationals where the rule is arithmetic over typed decimals (see exact.h);
  // bands and thresholds are decided on these. nullopt: not computable, or only in floating point.
  std::vector<std::optional<exact::Rational>> computed_exact;
  std::vector<int> missing_required;  // visible, required, unanswered questions
  LevelResult levels;
};

[[nodiscard]] ScoreResult score(const Questionnaire& q, const AnswerSet& answers);

// The grade a count/share requirement compares with `at_least`: the level of a ladder, 1/0 for
// yes/no, the value of a number, the points of a choice.
[[nodiscard]] double question_grade(const Questionnaire& q, const AnswerSet& answers, const ScoreResult& result,
                                    int qi);

[[nodiscard]] bool compare(double actual, Comparison comparison, double threshold);
// The same for an exact computed value against a threshold written as a decimal: no tolerance.
[[nodiscard]] bool compare_exact(const exact::Rational& actual, Comparison comparison, double threshold);

}  // namespace assess
