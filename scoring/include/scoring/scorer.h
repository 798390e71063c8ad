// scorer.h — a questionnaire compiled once for scoring many answer sets.
//
// `score(q, answers)` (score.h) is the reference: it walks the definition and builds a fresh result
// every time. A Scorer prepares what does not depend on the answers once — each question's points
// per option, the slots every computed value reads, the questions each count requirement looks at
// — and scores into a result the caller keeps, so that scoring one answer set after another
// allocates nothing once the result has its sizes. Computed values run as flat programs over 64-bit
// values (exact.h, exact::Program) that each answer carries from its parsing (Answer::value64), so
// a score converts no answer; when a figure leaves 64 bits the exact tree evaluation
// (Expr::evaluate) decides, and beyond that the floating-point engine, as in score(). Answers hold
// their selected options inline (answers.h, Selection), so an answer set is read front to back
// without a pointer to follow per answer. The result is the one score() gives for the same
// answers, bit for bit (tests/scorer_test.cpp compares them on thousands of random answer sets of
// every shipped questionnaire and on chains of computed values that leave the 64-bit path part
// way).
//
// A Scorer keeps scratch buffers: use one per thread.
#pragma once

#include <memory>

#include "scoring/answers.h"
#include "scoring/questionnaire.h"
#include "scoring/score.h"

namespace assess {

class Scorer {
 public:
  // `q` must outlive the Scorer.
  explicit Scorer(const Questionnaire& q);
  ~Scorer();
  Scorer(Scorer&&) noexcept;
  Scorer& operator=(Scorer&&) noexcept;
  Scorer(const Scorer&) = delete;
  Scorer& operator=(const Scorer&) = delete;

  // Scores `answers` into `out`, reusing its storage. Equal to `out = score(q, answers)`.
  void score(const AnswerSet& answers, ScoreResult& out);
  [[nodiscard]] ScoreResult score(const AnswerSet& answers);

  [[nodiscard]] const Questionnaire& questionnaire() const;

 private:
  struct Plan;
  std::unique_ptr<Plan> plan_;
};

}  // namespace assess
