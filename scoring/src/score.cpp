#include "scoring/score.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <functional>
#include <limits>
#include <span>

#include "detail/score_parts.h"

namespace assess {
namespace {

double points_of(const Question& question, std::span<const int> selected) {
  double total = 0;
  for (int i : selected) total += question.options[static_cast<std::size_t>(i)].points;
  if (question.max_points) total = std::min(total, *question.max_points);
  return total;
}

}  // namespace

void detail::aggregate_section(const Questionnaire& q, ScoreResult& r, std::size_t si) {
  const Section& section = q.sections[si];
  SectionResult& out = r.sections[si];
  out = SectionResult{};
  double score = 0;
  double max = 0;
  double weights = 0;
  double min_score = std::numeric_limits<double>::infinity();
  double min_max = std::numeric_limits<double>::infinity();
  bool any = false;
  bool failed_before = false;  // count_until_failed: a child section before this one did not pass
  for (const auto& child : section.children) {
    double s = 0;
    double m = 0;
    double w = 0;
    if (child.is_section) {
      const Section& cs = q.sections[static_cast<std::size_t>(child.index)];
      const SectionResult& cr = r.sections[static_cast<std::size_t>(child.index)];
      if (!cs.scored || !cr.applicable) continue;
      s = failed_before ? 0 : cr.score;
      m = cr.max;
      w = cs.weight;
      if (section.count_until_failed && !cr.passed) failed_before = true;
    } else {
      const QuestionResult& qr = r.questions[static_cast<std::size_t>(child.index)];
      if (!qr.counts) continue;
      s = qr.points;
      m = qr.max;
      w = q.questions[static_cast<std::size_t>(child.index)].weight;
    }
    any = true;
    score += w * s;
    max += w * m;
    weights += w;
    min_score = std::min(min_score, s);
    min_max = std::min(min_max, m);
  }
  out.applicable = any;
  out.weight_total = weights;
  if (!any) return;
  switch (section.aggregation) {
    case Aggregation::kSum:
      out.score = score;
      out.max = max;
      break;
    case Aggregation::kWeightedMean:
    case Aggregation::kRatingMean:
      out.score = weights > 0 ? score / weights : 0;
      out.max = weights > 0 ? max / weights : 0;
      break;
    case Aggregation::kMin:
      out.score = min_score;
      out.max = min_max;
      break;
  }
  out.passed = out.score >= section.pass_mark - 1e-9;
}

bool compare(double actual, Comparison comparison, double threshold) {
  // Scores are sums of decimal points (1.875, 0.7, ...): compare with a tolerance far below any
  // published precision so that 39.99999999 reads as the 40 it is.
  constexpr double kEps = 1e-9;
  switch (comparison) {
    case Comparison::kGe:
      return actual >= threshold - kEps;
    case Comparison::kGt:
      return actual > threshold + kEps;
    case Comparison::kLe:
      return actual <= threshold + kEps;
    case Comparison::kLt:
      return actual < threshold - kEps;
    case Comparison::kEq:
      return std::fabs(actual - threshold) <= kEps;
  }
  return false;
}

bool compare_exact(const exact::Rational& actual, Comparison comparison, double threshold) {
  const auto t = exact::from_double(threshold);
  const auto c = t ? exact::compare(actual, *t) : std::nullopt;
  if (!c) return compare(actual.to_double(), comparison, threshold);
  switch (comparison) {
    case Comparison::kGe:
      return *c >= 0;
    case Comparison::kGt:
      return *c > 0;
    case Comparison::kLe:
      return *c <= 0;
    case Comparison::kLt:
      return *c < 0;
    case Comparison::kEq:
      return *c == 0;
  }
  return false;
}

double question_grade(const Questionnaire& q, const AnswerSet& answers, const ScoreResult& result, int qi) {
  const Question& question = q.questions[static_cast<std::size_t>(qi)];
  const Answer& a = answers.answers[static_cast<std::size_t>(qi)];
  const QuestionResult& r = result.questions[static_cast<std::size_t>(qi)];
  switch (question.type) {
    case QuestionType::kLadder:
      return a.selected.empty() ? 0 : question.options[static_cast<std::size_t>(a.selected[0])].level;
    case QuestionType::kYesNo:
      return a.selected.empty() ? 0 : a.selected[0];
    case QuestionType::kNumber:
    case QuestionType::kPercent:
      return a.number;
    default:
      return r.points;
  }
}

void detail::decide_requirement(const Questionnaire& q, const AnswerSet& answers, ScoreResult& r, AnswerScope& scope,
                                std::size_t li, std::size_t ri) {
  const Requirement& req = q.levels[li].requirements[ri];
  RequirementResult& out = r.levels.requirements[li][ri];
  out = RequirementResult{};
  switch (req.kind) {
    case RequirementKind::kScore:
      out.actual = r.sections[static_cast<std::size_t>(req.section)].score;
      out.met = compare(out.actual, req.comparison, req.threshold);
      break;
    case RequirementKind::kCount:
    case RequirementKind::kShare:
      for (int qi : req.selector.questions) {
        const QuestionResult& qr = r.questions[static_cast<std::size_t>(qi)];
        const Answer& a = answers.answers[static_cast<std::size_t>(qi)];
        if (!qr.visible || a.not_applicable) continue;
        ++out.considered;
        if (qr.answered && question_grade(q, answers, r, qi) >= req.at_least - 1e-9) ++out.counted;
      }
      out.actual = req.kind == RequirementKind::kCount
                       ? out.counted
                       : (out.considered > 0 ? static_cast<double>(out.counted) / out.considered : 0.0);
      out.met = compare(out.actual, req.comparison, req.threshold);
      break;
    case RequirementKind::kValue:
      if (req.value_is_computed) {
        const Json& v = r.computed[static_cast<std::size_t>(req.value)];
        const auto& exact_value = r.computed_exact[static_cast<std::size_t>(req.value)];
        out.met = v.is_number() && (exact_value ? compare_exact(*exact_value, req.comparison, req.threshold)
                                                : compare(v.get<double>(), req.comparison, req.threshold));
        out.actual = v.is_number() ? v.get<double>() : 0;
      } else {
        const QuestionResult& qr = r.questions[static_cast<std::size_t>(req.value)];
        const bool has_value =
            qr.answered && qr.visible && !answers.answers[static_cast<std::size_t>(req.value)].not_applicable;
        out.actual = has_value ? question_grade(q, answers, r, req.value) : 0;
        out.met = has_value && compare(out.actual, req.comparison, req.threshold);
      }
      break;
    case RequirementKind::kLogic:
      scope.set_hidden_from(static_cast<int>(q.questions.size()));
      out.met = logic::truthy(req.rule->evaluate(scope));
      out.actual = out.met ? 1 : 0;
      break;
  }
}

void detail::decide_holds(const Questionnaire& q, ScoreResult& r) {
  LevelResult& lv = r.levels;
  lv.level = -1;
  for (std::size_t li = 0; li < q.levels.size(); ++li) {
    bool all = true;
    for (const RequirementResult& out : lv.requirements[li]) all = all && out.met;
    if (q.levels_cumulative && li > 0) all = all && lv.holds[li - 1];
    lv.holds[li] = all;
    if (all) lv.level = static_cast<int>(li);
  }
}

void detail::score_computed(const Questionnaire& q, ScoreResult& r, AnswerScope& scope, std::size_t ci) {
  // Computed values read every answer given (visibility comes after them). Arithmetic over typed
  // decimals is done exactly; the floating-point engine covers what the exact subset does not.
  scope.set_hidden_from(0);
  r.computed_exact[ci] = std::nullopt;
  const Computed& comp = q.computed[ci];
  if (comp.exact) {
    const std::function<const Json*(int)> slot_value = [&scope](int slot) { return scope.lookup(slot, {}); };
    const int first_computed = static_cast<int>(q.questions.size());
    const std::function<const exact::Rational*(int)> exact_slot = [&r,
                                                                   first_computed](int slot) -> const exact::Rational* {
      if (slot < first_computed) return nullptr;
      const auto& v = r.computed_exact[static_cast<std::size_t>(slot - first_computed)];
      return v ? &*v : nullptr;
    };
    if (auto v = comp.exact->evaluate(slot_value, exact_slot)) {
      if (v->kind == exact::Value::Kind::kNumber) {
        r.computed[ci] = v->number.to_double();
        r.computed_exact[ci] = v->number;
        return;
      }
      if (v->kind == exact::Value::Kind::kNull) {
        r.computed[ci] = nullptr;
        return;
      }
    }
  }
  Json v = comp.expr.evaluate(scope);
  if (v.is_number_float() && !std::isfinite(v.get<double>())) v = nullptr;
  r.computed[ci] = std::move(v);
}

bool detail::score_question(const Questionnaire& q, const AnswerSet& answers, ScoreResult& r, AnswerScope& scope,
                            std::size_t qi) {
  const Question& question = q.questions[qi];
  const Answer& a = answers.answers[qi];
  QuestionResult& out = r.questions[qi];
  out = QuestionResult{};
  // Document order: a condition sees earlier hidden questions as unanswered.
  scope.set_hidden_from(static_cast<int>(qi));
  out.visible = !question.visible_if || logic::truthy(question.visible_if->evaluate(scope));
  out.required = out.visible &&
                 (question.required || (question.required_if && logic::truthy(question.required_if->evaluate(scope))));
  out.answered = a.present;
  out.value = a.number;
  int derived = -1;  // the option of a band decided here rather than by the answer
  std::span<const int> selected(a.selected.data(), a.selected.size());
  if (question.type == QuestionType::kBand && a.what_if_band >= 0) {
    // Gap search and what-if: the band is forced, whatever the facts behind it.
    out.answered = true;
    derived = a.what_if_band;
  } else if (!question.asked()) {
    // A band computed from other facts: the question is answered when its value can be computed.
    const Json& v = r.computed[static_cast<std::size_t>(question.value_from)];
    const auto& exact_value = r.computed_exact[static_cast<std::size_t>(question.value_from)];
    out.answered = false;
    if (v.is_number()) {
      out.value = v.get<double>();
      derived = exact_value ? question.band_of(*exact_value) : question.band_of(out.value);
      out.answered = derived >= 0;
    }
  }
  if (!question.asked() || a.what_if_band >= 0) {
    selected = derived >= 0 ? std::span<const int>(&derived, 1) : std::span<const int>();
  }
  const bool missing = out.visible && out.required && !out.answered;
  if (question.type == QuestionType::kBand && !selected.empty()) out.band = selected[0];
  if (!question.scored() || !out.visible || a.not_applicable) return missing;
  out.counts = true;
  out.max = question.max_score();
  out.points = out.answered ? points_of(question, selected) : 0;
  return missing;
}

ScoreResult score(const Questionnaire& q, const AnswerSet& answers) {
  assert(answers.answers.size() == q.questions.size());
  ScoreResult r;
  r.questions.resize(q.questions.size());
  r.sections.resize(q.sections.size());
  r.computed.assign(q.computed.size(), Json());
  r.computed_exact.assign(q.computed.size(), std::nullopt);
  detail::AnswerScope scope(answers, r.computed, r.questions);
  for (std::size_t ci = 0; ci < q.computed.size(); ++ci) detail::score_computed(q, r, scope, ci);
  for (std::size_t qi = 0; qi < q.questions.size(); ++qi) {
    if (detail::score_question(q, answers, r, scope, qi)) r.missing_required.push_back(static_cast<int>(qi));
  }
  // Children always have larger indices than their parents, so one backward pass suffices.
  for (std::size_t si = q.sections.size(); si-- > 0;) detail::aggregate_section(q, r, si);
  LevelResult& lv = r.levels;
  lv.holds.assign(q.levels.size(), false);
  lv.requirements.resize(q.levels.size());
  for (std::size_t li = 0; li < q.levels.size(); ++li) {
    lv.requirements[li].assign(q.levels[li].requirements.size(), {});
    for (std::size_t ri = 0; ri < q.levels[li].requirements.size(); ++ri) {
      detail::decide_requirement(q, answers, r, scope, li, ri);
    }
  }
  detail::decide_holds(q, r);
  return r;
}

}  // namespace assess
