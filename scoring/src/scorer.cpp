#include "scoring/scorer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>

#include "detail/score_parts.h"

namespace assess {

namespace {

constexpr exact::Int kMax64 = static_cast<exact::Int>(std::numeric_limits<std::int64_t>::max());

bool fits64(exact::Int v) {
  return v <= kMax64 && v >= -kMax64;
}

// What a computed value's 64-bit program reads for an answer: its exact form, worked out when its
// value was set (Answer::value64); null when absent or not applicable, as the lookups give.
exact::Value64 value64_of(const Answer& a) {
  if (!a.present || a.not_applicable) return exact::Value64{};
  return a.value64;
}

// A JSON number or null set without destroying and rebuilding the value when it is already one.
void set_number(Json& j, double value) {
  if (j.is_number_float())
    j.get_ref<double&>() = value;
  else
    j = value;
}

void set_null(Json& j) {
  if (!j.is_null()) j = nullptr;
}

}  // namespace

// What does not depend on the answers, worked out once: the parts of the definition that scoring
// reads, laid out flat (a Question or Section also holds texts, provenance and ids that scoring never
// looks at). Every figure is the definition's own double, used in the same order as score.cpp uses
// it, so sums come out bit for bit the same.
struct Scorer::Plan {
  struct QuestionPlan {
    const Question* question = nullptr;
    QuestionType type = QuestionType::kSingle;
    bool conditions = false;  // visible_if or required_if
    bool required = false;
    bool asked = true;
    bool scored = false;
    bool max_points = false;
    bool graded = false;  // some count/share requirement looks at it
    int value_from = -1;
    double cap = 0;  // max_points
    double best = 0;
    std::uint32_t first_option = 0;  // option_points[first_option ...]
    std::uint32_t options = 0;
    // A derived band whose bounds all have 64-bit exact forms: looked up in bands[first_option ...].
    bool bands64 = false;
  };
  // A band option's bounds as 64-bit rationals (Range::contains with exact bounds).
  struct Bound {
    bool present = false;
    bool inclusive = false;
    std::int64_t num = 0;
    std::int64_t den = 1;
  };
  struct BandPlan {
    bool ranged = false;
    Bound lower;
    Bound upper;
  };
  struct Child {
    bool is_section = false;
    bool scored = true;  // a section child: counts in its parent
    int index = 0;
    double weight = 1;
  };
  struct SectionPlan {
    Aggregation aggregation = Aggregation::kSum;
    bool count_until_failed = false;
    double pass_mark = 0;
    std::uint32_t first = 0;  // children[first .. first + count)
    std::uint32_t count = 0;
  };
  struct RequirementPlan {
    RequirementKind kind = RequirementKind::kScore;
    Comparison comparison = Comparison::kGe;
    double threshold = 0;
    double at_least = 0;
    int section = -1;
    std::uint32_t first = 0;  // selected[first .. first + count)
    std::uint32_t count = 0;
  };

  const Questionnaire* q = nullptr;
  std::vector<QuestionPlan> questions;
  std::vector<double> option_points;
  std::vector<double> option_levels;  // ladder: the option's level
  std::vector<BandPlan> bands;        // per option (derived bands64 questions only filled)
  std::vector<SectionPlan> sections;
  std::vector<Child> children;
  std::vector<std::vector<RequirementPlan>> requirements;  // per level
  std::vector<int> selected;                               // count/share selectors
  // The question slots that some computed value's exact rule reads (converted once per answer set).
  std::vector<int> answer_slots;

  // Scratch, overwritten by every call.
  std::vector<exact::Value64> values;  // every logic slot in 64-bit form (exact::Program)
  std::vector<exact::Value64> registers;
  std::vector<exact::Slot> slots;        // every logic slot converted for Expr::evaluate, when a program gives up
  std::vector<double> grades;            // graded questions: question_grade when considered and answered, else −∞
  std::vector<std::uint8_t> considered;  // graded questions: visible and applicable

  int band64(const QuestionPlan& qp, std::int64_t num, std::int64_t den) const;
};

Scorer::Scorer(const Questionnaire& q) : plan_(std::make_unique<Plan>()) {
  Plan& p = *plan_;
  p.q = &q;
  const int n = static_cast<int>(q.questions.size());
  for (const auto& question : q.questions) {
    Plan::QuestionPlan qp;
    qp.question = &question;
    qp.type = question.type;
    qp.conditions = question.visible_if.has_value() || question.required_if.has_value();
    qp.required = question.required;
    qp.asked = question.asked();
    qp.scored = question.scored();
    qp.max_points = question.max_points.has_value();
    qp.cap = question.max_points.value_or(0);
    qp.best = question.max_score();
    qp.value_from = question.value_from;
    qp.first_option = static_cast<std::uint32_t>(p.option_points.size());
    qp.options = static_cast<std::uint32_t>(question.options.size());
    qp.bands64 = !question.asked();
    for (const auto& o : question.options) {
      p.option_points.push_back(o.points);
      p.option_levels.push_back(o.level);
      Plan::BandPlan band;
      if (o.range) {
        const Range& range = *o.range;
        band.ranged = true;
        // What Range::contains(Rational) compares with; without a prepared exact form it converts
        // per call or falls back to doubles, and the question keeps using Question::band_of.
        auto bound = [&](const std::optional<double>& written, const std::optional<exact::Rational>& ready,
                         bool inclusive, Plan::Bound& out) {
          if (!written) return;
          out.present = true;
          out.inclusive = inclusive;
          if (!range.exact_ready_ || !ready || !fits64(ready->num()) || !fits64(ready->den())) {
            qp.bands64 = false;
            return;
          }
          out.num = static_cast<std::int64_t>(ready->num());
          out.den = static_cast<std::int64_t>(ready->den());
        };
        bound(range.lower, range.lower_exact_, range.lower_inclusive, band.lower);
        bound(range.upper, range.upper_exact_, range.upper_inclusive, band.upper);
      }
      p.bands.push_back(band);
    }
    p.questions.push_back(qp);
  }
  for (const auto& section : q.sections) {
    Plan::SectionPlan sp;
    sp.aggregation = section.aggregation;
    sp.count_until_failed = section.count_until_failed;
    sp.pass_mark = section.pass_mark;
    sp.first = static_cast<std::uint32_t>(p.children.size());
    sp.count = static_cast<std::uint32_t>(section.children.size());
    for (const auto& child : section.children) {
      Plan::Child c;
      c.is_section = child.is_section;
      c.index = child.index;
      if (child.is_section) {
        const Section& cs = q.sections[static_cast<std::size_t>(child.index)];
        c.scored = cs.scored;
        c.weight = cs.weight;
      } else {
        c.weight = q.questions[static_cast<std::size_t>(child.index)].weight;
      }
      p.children.push_back(c);
    }
    p.sections.push_back(sp);
  }
  for (const auto& level : q.levels) {
    std::vector<Plan::RequirementPlan> reqs;
    for (const auto& req : level.requirements) {
      Plan::RequirementPlan rp;
      rp.kind = req.kind;
      rp.comparison = req.comparison;
      rp.threshold = req.threshold;
      rp.at_least = req.at_least;
      rp.section = req.section;
      rp.first = static_cast<std::uint32_t>(p.selected.size());
      if (req.kind == RequirementKind::kCount || req.kind == RequirementKind::kShare) {
        for (int qi : req.selector.questions) {
          p.selected.push_back(qi);
          p.questions[static_cast<std::size_t>(qi)].graded = true;
        }
      }
      rp.count = static_cast<std::uint32_t>(p.selected.size()) - rp.first;
      reqs.push_back(rp);
    }
    p.requirements.push_back(std::move(reqs));
  }
  std::vector<char> read(q.questions.size(), 0);
  for (const auto& c : q.computed) {
    if (!c.exact) continue;
    for (int s : c.exact->slots()) {
      if (s >= 0 && s < n) read[static_cast<std::size_t>(s)] = 1;
    }
  }
  for (int s = 0; s < n; ++s) {
    if (read[static_cast<std::size_t>(s)]) p.answer_slots.push_back(s);
  }
  std::size_t registers = 0;
  for (const auto& c : q.computed) {
    if (c.exact) registers = std::max(registers, c.exact->program().registers());
  }
  p.values.assign(static_cast<std::size_t>(q.slot_count()), exact::Value64{});
  p.registers.assign(registers, exact::Value64{});
  p.slots.assign(static_cast<std::size_t>(q.slot_count()), exact::Slot{});
  p.grades.assign(q.questions.size(), 0);
  p.considered.assign(q.questions.size(), 0);
}

// Question::band_of(const Rational&) when the value and every bound fit in 64 bits: the products of
// the comparison fit in 128 bits, so it never gives up and falls back as exact::compare might.
int Scorer::Plan::band64(const QuestionPlan& qp, std::int64_t num, std::int64_t den) const {
  // -1, 0 or 1 as value compares with the bound.
  auto order = [&](const Bound& b) {
    const exact::Int left = static_cast<exact::Int>(num) * b.den;
    const exact::Int right = static_cast<exact::Int>(b.num) * den;
    return left < right ? -1 : (left > right ? 1 : 0);
  };
  for (std::size_t i = 0; i < qp.options; ++i) {
    const auto& band = bands[qp.first_option + i];
    if (!band.ranged) continue;
    if (band.lower.present) {
      const int c = order(band.lower);
      if (band.lower.inclusive ? c < 0 : c <= 0) continue;
    }
    if (band.upper.present) {
      const int c = order(band.upper);
      if (band.upper.inclusive ? c > 0 : c >= 0) continue;
    }
    return static_cast<int>(i);
  }
  return -1;
}

Scorer::~Scorer() = default;
Scorer::Scorer(Scorer&&) noexcept = default;
Scorer& Scorer::operator=(Scorer&&) noexcept = default;

const Questionnaire& Scorer::questionnaire() const {
  return *plan_->q;
}

ScoreResult Scorer::score(const AnswerSet& answers) {
  ScoreResult out;
  score(answers, out);
  return out;
}

void Scorer::score(const AnswerSet& answers, ScoreResult& r) {
  Plan& p = *plan_;
  const Questionnaire& q = *p.q;
  const std::size_t n = q.questions.size();
  // The steps of score() (score.cpp), in the same order, into storage kept from the last call.
  r.questions.resize(n);
  r.sections.resize(q.sections.size());
  // Every computed value is set below; those after the one being computed are cleared only if the
  // floating-point engine or Expr::evaluate runs (a rule reads earlier values only, but as score()
  // does, a later one must read as null rather than as the previous answer set's).
  r.computed.resize(q.computed.size());
  r.computed_exact.assign(q.computed.size(), std::nullopt);
  r.missing_required.clear();
  detail::AnswerScope scope(answers, r.computed, r.questions);

  // Computed values (score_computed). The exact rules run as flat programs over 64-bit values
  // (exact::Program), each answer's worked out when it was parsed (Answer::value64) and copied into
  // its slot here, so nothing is converted per var or per score; a slot holds what score_computed's
  // lookups give: an answer when given and applicable (computed values read answers whatever their
  // visibility), a computed value exactly when it has an exact form, else as its JSON value. A rule
  // reads only computed values before its own (the loader orders them); clearing them keeps a value
  // of the previous answer set from being read. When a program gives up, Expr::evaluate decides
  // over exact::Slot values, converted only then.
  std::vector<exact::Value64>& values = p.values;
  for (std::size_t ci = 0; ci < q.computed.size(); ++ci) values[n + ci] = exact::Value64{};
  for (int s : p.answer_slots)
    values[static_cast<std::size_t>(s)] = value64_of(answers.answers[static_cast<std::size_t>(s)]);
  bool slots_ready = false;    // p.slots holds the answers, the computed values before ci, null after
  bool later_cleared = false;  // r.computed after ci is null
  for (std::size_t ci = 0; ci < q.computed.size(); ++ci) {
    const Computed& comp = q.computed[ci];
    bool done = false;
    if (comp.exact) {
      exact::Value64 v;
      if (comp.exact->program().run(values.data(), p.registers.data(), v)) {
        if (v.kind == exact::Value::Kind::kNumber) {
          set_number(r.computed[ci], exact::quotient_to_double(v.num, v.den));  // Rational::to_double's
          r.computed_exact[ci] = v.rational();
          exact::assign_fields(values[n + ci], v);  // v was just written by the program
          if (slots_ready) p.slots[n + ci] = exact::Slot::of(*r.computed_exact[ci]);
          continue;
        }
        if (v.kind == exact::Value::Kind::kNull) {
          // values[n + ci] is null already, and so is p.slots[n + ci] when filled.
          set_null(r.computed[ci]);
          continue;
        }
      } else {
        if (!slots_ready) {
          std::vector<exact::Slot>& slots = p.slots;
          for (int s : p.answer_slots) {
            const Answer& a = answers.answers[static_cast<std::size_t>(s)];
            slots[static_cast<std::size_t>(s)] = exact::Slot::of(!a.present || a.not_applicable ? nullptr : &a.value);
          }
          for (std::size_t before = 0; before < ci; ++before) {
            slots[n + before] = r.computed_exact[before]
                                    ? exact::Slot::of(*r.computed_exact[before])
                                    : exact::Slot::of(r.computed[before].is_null() ? nullptr : &r.computed[before]);
          }
          for (std::size_t after = ci; after < q.computed.size(); ++after) slots[n + after] = exact::Slot{};
          slots_ready = true;
        }
        if (auto e = comp.exact->evaluate(p.slots.data())) {
          if (e->kind == exact::Value::Kind::kNumber) {
            r.computed[ci] = e->number.to_double();
            r.computed_exact[ci] = e->number;
            done = true;
          } else if (e->kind == exact::Value::Kind::kNull) {
            r.computed[ci] = nullptr;
            done = true;
          }
        }
      }
    }
    if (!done) {
      if (!later_cleared) {
        for (std::size_t after = ci; after < q.computed.size(); ++after) set_null(r.computed[after]);
        later_cleared = true;
      }
      scope.set_hidden_from(0);
      Json v = comp.expr.evaluate(scope);
      if (v.is_number_float() && !std::isfinite(v.get<double>())) v = nullptr;
      r.computed[ci] = std::move(v);
    }
    values[n + ci] = r.computed_exact[ci] ? exact::Value64::of(*r.computed_exact[ci])
                                          : exact::Value64::of(r.computed[ci].is_null() ? nullptr : &r.computed[ci]);
    if (slots_ready) {
      p.slots[n + ci] = r.computed_exact[ci] ? exact::Slot::of(*r.computed_exact[ci])
                                             : exact::Slot::of(r.computed[ci].is_null() ? nullptr : &r.computed[ci]);
    }
  }

  // Questions (score_question). Each result is built in a local and stored once.
  for (std::size_t qi = 0; qi < n; ++qi) {
    const Plan::QuestionPlan& qp = p.questions[qi];
    const Answer& a = answers.answers[qi];
    QuestionResult out;
    if (qp.conditions) {
      const Question& question = *qp.question;
      // Document order: a condition sees earlier hidden questions as unanswered.
      scope.set_hidden_from(static_cast<int>(qi));
      out.visible = !question.visible_if || logic::truthy(question.visible_if->evaluate(scope));
      out.required = out.visible &&
                     (qp.required || (question.required_if && logic::truthy(question.required_if->evaluate(scope))));
    } else {
      out.visible = true;
      out.required = qp.required;
    }
    out.answered = a.present;
    out.value = a.number;
    const int* selected = a.selected.data();
    std::size_t count = a.selected.size();
    int derived = -1;
    if (qp.type == QuestionType::kBand && a.what_if_band >= 0) {
      out.answered = true;
      derived = a.what_if_band;
    } else if (!qp.asked) {
      const auto from = static_cast<std::size_t>(qp.value_from);
      const Json& v = r.computed[from];
      out.answered = false;
      if (v.is_number()) {
        out.value = v.get<double>();
        const auto& exact_value = r.computed_exact[from];
        const exact::Value64& value64 = values[n + from];  // exact_value in 64 bits, when it fits
        if (exact_value && qp.bands64 && !value64.outside) {
          derived = p.band64(qp, value64.num, value64.den);
        } else {
          const Question& question = *qp.question;
          derived = exact_value ? question.band_of(*exact_value) : question.band_of(out.value);
        }
        out.answered = derived >= 0;
      }
    }
    if (!qp.asked || a.what_if_band >= 0) {
      selected = &derived;
      count = derived >= 0 ? 1 : 0;
    }
    if (out.visible && out.required && !out.answered) r.missing_required.push_back(static_cast<int>(qi));
    if (qp.type == QuestionType::kBand && count > 0) out.band = selected[0];
    if (qp.scored && out.visible && !a.not_applicable) {
      out.counts = true;
      out.max = qp.best;
      if (out.answered) {
        const double* points = p.option_points.data() + qp.first_option;
        double total = 0;
        for (std::size_t i = 0; i < count; ++i) total += points[selected[i]];
        if (qp.max_points) total = std::min(total, qp.cap);
        out.points = total;
      }
    }
    if (qp.graded) {
      // question_grade (score.cpp), once per question rather than once per requirement, kept as what
      // a count/share requirement reads: whether the question is considered (visible, applicable),
      // and its grade when it is also answered (else −∞, which reaches no threshold).
      double grade = out.points;
      switch (qp.type) {
        case QuestionType::kLadder:
          grade = a.selected.empty() ? 0 : p.option_levels[qp.first_option + static_cast<std::uint32_t>(a.selected[0])];
          break;
        case QuestionType::kYesNo:
          grade = a.selected.empty() ? 0 : a.selected[0];
          break;
        case QuestionType::kNumber:
        case QuestionType::kPercent:
          grade = a.number;
          break;
        default:
          break;
      }
      const bool considered = out.visible && !a.not_applicable;
      p.considered[qi] = considered ? 1 : 0;
      p.grades[qi] = considered && out.answered ? grade : -std::numeric_limits<double>::infinity();
    }
    r.questions[qi] = out;
  }

  // Sections (aggregate_section); children always have larger indices than their parents.
  for (std::size_t si = q.sections.size(); si-- > 0;) {
    const Plan::SectionPlan& sp = p.sections[si];
    SectionResult& out = r.sections[si];
    out = SectionResult{};
    double score = 0;
    double max = 0;
    double weights = 0;
    double min_score = std::numeric_limits<double>::infinity();
    double min_max = std::numeric_limits<double>::infinity();
    bool any = false;
    bool failed_before = false;
    for (std::uint32_t k = sp.first; k < sp.first + sp.count; ++k) {
      const Plan::Child& child = p.children[k];
      double s = 0;
      double m = 0;
      if (child.is_section) {
        const SectionResult& cr = r.sections[static_cast<std::size_t>(child.index)];
        if (!child.scored || !cr.applicable) continue;
        s = failed_before ? 0 : cr.score;
        m = cr.max;
        if (sp.count_until_failed && !cr.passed) failed_before = true;
      } else {
        const QuestionResult& qr = r.questions[static_cast<std::size_t>(child.index)];
        if (!qr.counts) continue;
        s = qr.points;
        m = qr.max;
      }
      const double w = child.weight;
      any = true;
      score += w * s;
      max += w * m;
      weights += w;
      min_score = std::min(min_score, s);
      min_max = std::min(min_max, m);
    }
    out.applicable = any;
    out.weight_total = weights;
    if (!any) continue;
    switch (sp.aggregation) {
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
    out.passed = out.score >= sp.pass_mark - 1e-9;
  }

  // Levels (decide_requirement, decide_holds).
  LevelResult& lv = r.levels;
  lv.holds.assign(q.levels.size(), false);
  lv.requirements.resize(q.levels.size());
  for (std::size_t li = 0; li < q.levels.size(); ++li) {
    const auto& plans = p.requirements[li];
    lv.requirements[li].resize(plans.size());
    for (std::size_t ri = 0; ri < plans.size(); ++ri) {
      const Plan::RequirementPlan& rp = plans[ri];
      RequirementResult& out = lv.requirements[li][ri];
      out = RequirementResult{};
      switch (rp.kind) {
        case RequirementKind::kScore:
          out.actual = r.sections[static_cast<std::size_t>(rp.section)].score;
          out.met = compare(out.actual, rp.comparison, rp.threshold);
          break;
        case RequirementKind::kCount:
        case RequirementKind::kShare: {
          const double at_least = rp.at_least - 1e-9;
          int considered = 0;
          int counted = 0;
          for (std::uint32_t k = rp.first; k < rp.first + rp.count; ++k) {
            const auto qi = static_cast<std::size_t>(p.selected[k]);
            considered += p.considered[qi];
            counted += p.grades[qi] >= at_least ? 1 : 0;
          }
          out.considered = considered;
          out.counted = counted;
          out.actual = rp.kind == RequirementKind::kCount
                           ? out.counted
                           : (out.considered > 0 ? static_cast<double>(out.counted) / out.considered : 0.0);
          out.met = compare(out.actual, rp.comparison, rp.threshold);
          break;
        }
        default:
          detail::decide_requirement(q, answers, r, scope, li, ri);
          break;
      }
    }
  }
  detail::decide_holds(q, r);
}

}  // namespace assess
