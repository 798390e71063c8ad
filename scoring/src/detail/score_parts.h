// score_parts.h — the steps of score() one item at a time, shared by the full scorer (score.cpp)
// and the incremental one (incremental.cpp), so that both compute every figure with the same code
// in the same order and give bit-identical results. Internal to the scoring library.
#pragma once

#include "scoring/answers.h"
#include "scoring/questionnaire.h"
#include "scoring/score.h"

namespace assess::detail {

// Logic slots: answers of questions first, then computed values. A question's answer reads as
// absent when it is not applicable, or when it is hidden and its index is below `hidden_from`:
// score() decides visibility in document order, so a condition of question j sees the questions
// before j with their visibility and the others as visible (not yet decided). Computed values
// come before visibility (hidden_from = 0); level requirements after it (hidden_from = n).
class AnswerScope : public logic::Scope {
 public:
  AnswerScope(const AnswerSet& answers, const std::vector<Json>& computed, const std::vector<QuestionResult>& qs)
      : answers_(answers), computed_(computed), questions_(qs) {}

  void set_hidden_from(int index) { hidden_from_ = index; }

  const Json* lookup(int slot, std::string_view) const override {
    if (slot < 0) return nullptr;
    const auto n = answers_.answers.size();
    const auto s = static_cast<std::size_t>(slot);
    if (s < n) {
      const Answer& a = answers_.answers[s];
      if (!a.present || a.not_applicable || (slot < hidden_from_ && !questions_[s].visible)) return nullptr;
      return &a.value;
    }
    const Json& c = computed_[s - n];
    return c.is_null() ? nullptr : &c;
  }

 private:
  const AnswerSet& answers_;
  const std::vector<Json>& computed_;
  const std::vector<QuestionResult>& questions_;
  int hidden_from_ = 1 << 30;
};

// r.computed[ci] and r.computed_exact[ci] from the answers and the computed values before ci.
void score_computed(const Questionnaire& q, ScoreResult& r, AnswerScope& scope, std::size_t ci);
// r.questions[qi] (reset first). Returns whether the question is visible, required and unanswered.
bool score_question(const Questionnaire& q, const AnswerSet& answers, ScoreResult& r, AnswerScope& scope,
                    std::size_t qi);
// r.sections[si] from its children's results (reset first).
void aggregate_section(const Questionnaire& q, ScoreResult& r, std::size_t si);
// r.levels.requirements[li][ri] (reset first).
void decide_requirement(const Questionnaire& q, const AnswerSet& answers, ScoreResult& r, AnswerScope& scope,
                        std::size_t li, std::size_t ri);
// r.levels.holds and r.levels.level from the requirements' results.
void decide_holds(const Questionnaire& q, ScoreResult& r);

}  // namespace assess::detail
