#include "scoring/incremental.h"

#include <algorithm>

#include "detail/score_parts.h"

namespace assess {

Json selection_value(const Question& question, std::span<const int> selected) {
  switch (question.type) {
    case QuestionType::kSingle:
      return question.options[static_cast<std::size_t>(selected[0])].id;
    case QuestionType::kMulti: {
      Json ids = Json::array();
      for (int i : selected) ids.push_back(question.options[static_cast<std::size_t>(i)].id);
      return ids;
    }
    case QuestionType::kLadder:
      return question.options[static_cast<std::size_t>(selected[0])].level;
    case QuestionType::kYesNo:
      return selected[0] == 1;
    default:
      return nullptr;
  }
}

IncrementalScore::IncrementalScore(const Questionnaire& q, AnswerSet answers)
    : q_(q), original_(answers), answers_(std::move(answers)), result_(score(q, answers_)) {
  const int n = static_cast<int>(q.questions.size());
  auto slots = [&](const logic::Rule& rule) {
    std::vector<int> out;
    for (const auto& name : rule.references()) {
      const int qi = q.question_index(name);
      const int ci = qi < 0 ? q.computed_index(name) : -1;
      if (qi >= 0) out.push_back(qi);
      if (ci >= 0) out.push_back(n + ci);
    }
    return out;
  };
  read_by_rule_.assign(q.questions.size(), 0);
  value_changed_.assign(q.questions.size(), 0);
  auto note_reads = [&](const std::vector<int>& reads) {
    for (int s : reads) {
      if (s < n) read_by_rule_[static_cast<std::size_t>(s)] = 1;
    }
  };
  for (const auto& c : q.computed) {
    computed_reads_.push_back(slots(c.expr));
    note_reads(computed_reads_.back());
  }
  for (const auto& question : q.questions) {
    std::vector<int> reads;
    if (question.visible_if) reads = slots(*question.visible_if);
    if (question.required_if) {
      for (int s : slots(*question.required_if)) reads.push_back(s);
    }
    note_reads(reads);
    condition_reads_.push_back(std::move(reads));
  }
  for (const auto& level : q.levels) {
    for (const auto& req : level.requirements) {
      logic_reads_.push_back(req.kind == RequirementKind::kLogic && req.rule ? slots(*req.rule) : std::vector<int>{});
      note_reads(logic_reads_.back());
    }
  }
  reach_.resize(q.questions.size());
  dirty_slot_.assign(static_cast<std::size_t>(q.slot_count()), 0);
  dirty_section_.assign(q.sections.size(), 0);
}

const IncrementalScore::Reach& IncrementalScore::reach(int qi) {
  auto& cached = reach_[static_cast<std::size_t>(qi)];
  if (cached) return *cached;
  Reach out;
  const int n = static_cast<int>(q_.questions.size());
  auto dirty = [&](int slot) { return dirty_slot_[static_cast<std::size_t>(slot)] != 0; };
  // Computed values read answers regardless of visibility: only the changed answer and the
  // computed values already reached matter.
  dirty_slot_[static_cast<std::size_t>(qi)] = 1;
  for (std::size_t ci = 0; ci < q_.computed.size(); ++ci) {
    const auto& reads = computed_reads_[ci];
    if (std::any_of(reads.begin(), reads.end(), dirty)) {
      dirty_slot_[static_cast<std::size_t>(n) + ci] = 1;
      out.computed.push_back(static_cast<int>(ci));
    }
  }
  // A question's result changes with its own answer, a derived band's computed value, or what its
  // conditions read: answers (only the changed one), computed values, and the visibility of earlier
  // questions (later ones read as visible while it is decided, as in score()).
  for (int j = 0; j < n; ++j) {
    const Question& question = q_.questions[static_cast<std::size_t>(j)];
    bool reached = j == qi || (question.value_from >= 0 && dirty(n + question.value_from));
    for (int s : condition_reads_[static_cast<std::size_t>(j)]) {
      if (reached) break;
      reached = s >= n ? dirty(s) : (s < j ? dirty(s) : s == qi);
    }
    if (!reached) continue;
    dirty_slot_[static_cast<std::size_t>(j)] = 1;
    out.questions.push_back(j);
    for (int s = question.section; s >= 0; s = q_.sections[static_cast<std::size_t>(s)].parent) {
      dirty_section_[static_cast<std::size_t>(s)] = 1;
    }
  }
  for (std::size_t si = q_.sections.size(); si-- > 0;) {
    if (dirty_section_[si]) out.sections.push_back(static_cast<int>(si));
  }
  std::size_t flat = 0;
  for (std::size_t li = 0; li < q_.levels.size(); ++li) {
    const auto& reqs = q_.levels[li].requirements;
    for (std::size_t ri = 0; ri < reqs.size(); ++ri, ++flat) {
      const Requirement& req = reqs[ri];
      bool reached = false;
      switch (req.kind) {
        case RequirementKind::kScore:
          reached = dirty_section_[static_cast<std::size_t>(req.section)] != 0;
          break;
        case RequirementKind::kCount:
        case RequirementKind::kShare:
          reached = std::any_of(req.selector.questions.begin(), req.selector.questions.end(), dirty);
          break;
        case RequirementKind::kValue:
          reached = dirty(req.value_is_computed ? n + req.value : req.value);
          break;
        case RequirementKind::kLogic:
          reached = std::any_of(logic_reads_[flat].begin(), logic_reads_[flat].end(), dirty);
          break;
      }
      if (reached) out.requirements.emplace_back(static_cast<int>(li), static_cast<int>(ri));
    }
  }
  std::fill(dirty_slot_.begin(), dirty_slot_.end(), 0);
  std::fill(dirty_section_.begin(), dirty_section_.end(), 0);
  cached = std::move(out);
  return *cached;
}

void IncrementalScore::update(int qi) {
  const Reach& r = reach(qi);
  detail::AnswerScope scope(answers_, result_.computed, result_.questions);
  for (int ci : r.computed) detail::score_computed(q_, result_, scope, static_cast<std::size_t>(ci));
  for (int j : r.questions) (void)detail::score_question(q_, answers_, result_, scope, static_cast<std::size_t>(j));
  for (int si : r.sections) detail::aggregate_section(q_, result_, static_cast<std::size_t>(si));
  for (const auto& [li, ri] : r.requirements) {
    detail::decide_requirement(q_, answers_, result_, scope, static_cast<std::size_t>(li),
                               static_cast<std::size_t>(ri));
  }
  if (!r.requirements.empty()) detail::decide_holds(q_, result_);
}

void IncrementalScore::set(int qi, const Answer& answer) {
  answers_.answers[static_cast<std::size_t>(qi)] = answer;
  value_changed_[static_cast<std::size_t>(qi)] = 1;
  update(qi);
}

void IncrementalScore::select(int qi, std::span<const int> options) {
  const Question& question = q_.questions[static_cast<std::size_t>(qi)];
  Answer& a = answers_.answers[static_cast<std::size_t>(qi)];
  a.present = true;
  a.not_applicable = false;
  if (question.type == QuestionType::kBand) {
    a.what_if_band = options[0];
  } else {
    a.selected.assign(options.begin(), options.end());
    if (read_by_rule_[static_cast<std::size_t>(qi)]) a.set_value(selection_value(question, options));
  }
  update(qi);
}

void IncrementalScore::reset(int qi) {
  const auto i = static_cast<std::size_t>(qi);
  const Answer& from = original_.answers[i];
  Answer& a = answers_.answers[i];
  a.present = from.present;
  a.not_applicable = from.not_applicable;
  a.selected.assign(from.selected.begin(), from.selected.end());
  a.number = from.number;
  a.what_if_band = from.what_if_band;
  if (read_by_rule_[i] || value_changed_[i]) {
    a.value = from.value;
    a.value64 = from.value64;
  }
  value_changed_[i] = 0;
  update(qi);
}

ScoreResult IncrementalScore::snapshot() const {
  ScoreResult out = result_;
  out.missing_required.clear();
  for (std::size_t qi = 0; qi < out.questions.size(); ++qi) {
    const QuestionResult& r = out.questions[qi];
    if (r.visible && r.required && !r.answered) out.missing_required.push_back(static_cast<int>(qi));
  }
  return out;
}

}  // namespace assess
