// incremental.h — a score kept current while single answers change (the gap search's state).
//
// `score()` recomputes every question, section and requirement. A gap search changes one answer at
// a time and undoes it again, millions of times; most of the questionnaire is not reached by the
// change. IncrementalScore holds an answer set and its ScoreResult, and on a change recomputes only
// what the changed question reaches: the computed values that read it (and those reading them), the
// questions whose conditions or derived band read any of these (in document order, as score()
// decides them), their sections up to the root, the requirements that read a recomputed item, and
// the levels' verdicts. Every recomputed item is computed by the same code as in score(), from the
// same inputs, so the result is bit-identical to score() of the same answers (exact decimals,
// bands and thresholds included); tests/incremental_test.cpp checks this on thousands of random
// answer sets and changes. What a question reaches is worked out once per question, on first use.
// After that a change whose question no rule reads allocates nothing.
#pragma once

#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "scoring/answers.h"
#include "scoring/questionnaire.h"
#include "scoring/score.h"

namespace assess {

// The JSON value an answer selecting `selected` options of `question` carries (what rules read): the
// option id of a single choice, the ids of a multiple choice, the level of a ladder, true/false for
// yes/no; null for other types.
Json selection_value(const Question& question, std::span<const int> selected);

class IncrementalScore {
 public:
  // Scores `answers` in full once. `q` must outlive this object.
  IncrementalScore(const Questionnaire& q, AnswerSet answers);

  // The current answers and their result. `missing_required` is not kept current (use snapshot()).
  const AnswerSet& answers() const { return answers_; }
  const ScoreResult& result() const { return result_; }
  // The current result with `missing_required` filled in: equal to score(q, answers()).
  ScoreResult snapshot() const;

  // Replaces the answer to question `qi` and updates what it reaches.
  void set(int qi, const Answer& answer);
  // Selects options of question `qi` as a gap move does: the option indices for a choice, the
  // forced band for a band question (see Answer::what_if_band). The answer's JSON value is only
  // rewritten when a rule reads the question (otherwise nothing looks at it).
  void select(int qi, std::span<const int> options);
  // Back to the answer given at construction (what scoring reads of it).
  void reset(int qi);

 private:
  struct Reach {
    std::vector<int> computed;                      // in evaluation order
    std::vector<int> questions;                     // in document order, the changed question included
    std::vector<int> sections;                      // descending (children before parents)
    std::vector<std::pair<int, int>> requirements;  // (level, requirement)
  };
  const Reach& reach(int qi);
  void update(int qi);

  const Questionnaire& q_;
  AnswerSet original_;
  AnswerSet answers_;
  ScoreResult result_;
  // Rules' references resolved once: slots read by each computed value and by each question's
  // conditions (questions 0..n-1, computed values n..).
  std::vector<std::vector<int>> computed_reads_;
  std::vector<std::vector<int>> condition_reads_;
  std::vector<std::vector<int>> logic_reads_;  // per requirement of kind logic, by flat index
  std::vector<char> read_by_rule_;             // per question: some rule reads its answer
  std::vector<char> value_changed_;            // per question: set() replaced its JSON value
  std::vector<std::optional<Reach>> reach_;
  // Scratch marks for working out a reach, kept to avoid allocating.
  std::vector<char> dirty_slot_;
  std::vector<char> dirty_section_;
};

}  // namespace assess
