#include "scoring/gap.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <optional>
#include <tuple>

#include "scoring/incremental.h"
#include "scoring/text.h"

namespace assess {
namespace {

constexpr double kEps = 1e-9;
constexpr int kInfinite = 1 << 28;

int current_position(const Question& question, const Answer& a, const QuestionResult& r) {
  if (question.type == QuestionType::kBand) return r.answered ? r.band : -1;
  return a.present && !a.selected.empty() ? a.selected[0] : -1;
}

// Where an option stands on the question's scale, counted from 0 at the lowest: ladders by level,
// yes/no as no < yes, every other choice by points (options with equal points share a rank). Steps
// follow this scale, never the order the options happen to be listed in (some list best first).
int option_rank(const Question& question, int option) {
  const Option& o = question.options[static_cast<std::size_t>(option)];
  if (question.type == QuestionType::kYesNo) return option;
  int rank = 0;
  std::vector<double> below;
  for (const Option& other : question.options) {
    const double key = question.type == QuestionType::kLadder ? other.level : other.points;
    const double mine = question.type == QuestionType::kLadder ? o.level : o.points;
    if (key < mine - kEps &&
        std::none_of(below.begin(), below.end(), [&](double b) { return std::fabs(b - key) <= kEps; })) {
      below.push_back(key);
      ++rank;
    }
  }
  return rank;
}

double option_points(const Question& question, const std::vector<int>& selected) {
  double total = 0;
  for (int i : selected) total += question.options[static_cast<std::size_t>(i)].points;
  if (question.max_points) total = std::min(total, *question.max_points);
  return total;
}

void set_selection(const Question& question, Answer& a, const std::vector<int>& to) {
  a.present = true;
  a.not_applicable = false;
  if (question.type == QuestionType::kBand) {
    a.what_if_band = to[0];
    return;
  }
  a.selected.assign(to.begin(), to.end());
  a.set_value(selection_value(question, to));
}

}  // namespace

namespace {
// Whether a rule reads a scored question, directly or through computed values.
bool reads_scored(const Questionnaire& q, const std::vector<std::string>& names, int depth = 0) {
  if (depth > static_cast<int>(q.computed.size())) return false;  // computed values have no cycles
  for (const auto& name : names) {
    const int qi = q.question_index(name);
    if (qi >= 0 && q.questions[static_cast<std::size_t>(qi)].scored()) return true;
    const int ci = q.computed_index(name);
    if (ci >= 0 && reads_scored(q, q.computed[static_cast<std::size_t>(ci)].expr.references(), depth + 1)) return true;
  }
  return false;
}
}  // namespace

std::vector<Move> improvement_moves(const Questionnaire& q, const AnswerSet& answers, const ScoreResult& now, int qi) {
  std::vector<Move> moves;
  const Question& question = q.questions[static_cast<std::size_t>(qi)];
  const Answer& a = answers.answers[static_cast<std::size_t>(qi)];
  const QuestionResult& r = now.questions[static_cast<std::size_t>(qi)];
  if (!question.scored() || a.not_applicable) return moves;
  // A hidden question is a candidate only when raising another answer can show it.
  if (!r.visible && !(question.visible_if && reads_scored(q, question.visible_if->references()))) return moves;
  const double current = r.answered ? r.points : 0;
  if (question.type == QuestionType::kMulti) {
    std::vector<int> base;
    for (int i : a.selected) {
      if (!question.options[static_cast<std::size_t>(i)].exclusive) base.push_back(i);
    }
    std::vector<int> candidates;
    for (std::size_t i = 0; i < question.options.size(); ++i) {
      const Option& o = question.options[i];
      if (o.exclusive || o.points <= 0 || std::find(base.begin(), base.end(), static_cast<int>(i)) != base.end()) {
        continue;
      }
      candidates.push_back(static_cast<int>(i));
    }
    // Only points matter to the requirements, so adding k options is best done with the k that
    // weigh most (earliest first among equals).
    std::stable_sort(candidates.begin(), candidates.end(), [&](int x, int y) {
      return question.options[static_cast<std::size_t>(x)].points >
             question.options[static_cast<std::size_t>(y)].points;
    });
    std::vector<int> to = base;
    for (std::size_t k = 0; k < candidates.size(); ++k) {
      to.push_back(candidates[k]);
      std::vector<int> sorted = to;
      std::sort(sorted.begin(), sorted.end());
      const double gained = option_points(question, sorted) - current;
      if (gained > kEps) moves.push_back({qi, sorted, static_cast<int>(k + 1), gained});
    }
    return moves;
  }
  const int position = current_position(question, a, r);
  const int current_level = question.type == QuestionType::kLadder && position >= 0
                                ? question.options[static_cast<std::size_t>(position)].level
                                : -1;
  for (std::size_t j = 0; j < question.options.size(); ++j) {
    const int jj = static_cast<int>(j);
    if (jj == position) continue;
    const Option& o = question.options[j];
    const double gained = o.points - current;
    // Gates count ladder levels and yes/no answers, so a higher level is an improvement even
    // without points.
    const bool higher_level = (question.type == QuestionType::kLadder && o.level > current_level) ||
                              (question.type == QuestionType::kYesNo && jj > position);
    if (gained <= kEps && !higher_level) continue;
    if (question.type == QuestionType::kLadder && o.level < current_level) continue;
    // Steps count ranks on the question's scale; an unanswered question starts from its lowest
    // rank, and answering at all is one step.
    const int rank = option_rank(question, jj);
    const int steps = position < 0 ? std::max(rank, 1) : std::max(std::abs(rank - option_rank(question, position)), 1);
    moves.push_back({qi, {jj}, steps, gained});
  }
  std::stable_sort(moves.begin(), moves.end(), [](const Move& x, const Move& y) { return x.steps < y.steps; });
  return moves;
}

AnswerSet apply_moves(const Questionnaire& q, const AnswerSet& answers, const std::vector<Move>& moves) {
  AnswerSet out = answers;
  for (const Move& m : moves) {
    set_selection(q.questions[static_cast<std::size_t>(m.question)], out.answers[static_cast<std::size_t>(m.question)],
                  m.to);
  }
  return out;
}

const char* to_string(GapStop stop) {
  switch (stop) {
    case GapStop::kComplete:
      return "complete";
    case GapStop::kNoProgress:
      return "no_progress";
    case GapStop::kNodeLimit:
      return "node_limit";
  }
  return "?";
}

bool requirement_fixed(const Questionnaire& q, const Requirement& req) {
  switch (req.kind) {
    case RequirementKind::kScore: {
      for (const auto& question : q.questions) {
        for (int s = question.section; s >= 0; s = q.sections[static_cast<std::size_t>(s)].parent) {
          if (s == req.section && question.scored()) return false;
        }
      }
      return true;
    }
    case RequirementKind::kCount:
    case RequirementKind::kShare:
      for (int qi : req.selector.questions) {
        if (q.questions[static_cast<std::size_t>(qi)].scored()) return false;
      }
      return true;
    case RequirementKind::kValue:
      if (req.value_is_computed) {
        return !reads_scored(q, q.computed[static_cast<std::size_t>(req.value)].expr.references());
      }
      return !q.questions[static_cast<std::size_t>(req.value)].scored();
    case RequirementKind::kLogic:
      return !reads_scored(q, req.rule->references());
  }
  return true;
}

namespace {

// For one linear quantity (a section score, or a weighted sum of several): best(i, s) is the most
// the questions at search slots >= i can add with at most s steps, one move per question — a
// multiple-choice knapsack solved exactly by dynamic programming once per search. It gives the
// exact fewest steps any completion needs for a deficit (a lower bound for the search, as the
// other requirements are ignored) and the most a completion can gain within a budget.
class SuffixKnapsack {
 public:
  SuffixKnapsack() = default;
  // options[slot] = (steps, gain) of each move of that slot.
  SuffixKnapsack(const std::vector<std::vector<std::pair<int, double>>>& options, int max_steps)
      : slots_(options.size()), width_(static_cast<std::size_t>(max_steps) + 1), table_((slots_ + 1) * width_, 0.0) {
    for (std::size_t i = slots_; i-- > 0;) {
      for (std::size_t st = 0; st < width_; ++st) {
        double best = at(i + 1, st);
        for (const auto& [steps, gain] : options[i]) {
          if (gain > kEps && static_cast<std::size_t>(steps) <= st) {
            best = std::max(best, gain + at(i + 1, st - static_cast<std::size_t>(steps)));
          }
        }
        table_[i * width_ + st] = best;
      }
      for (const auto& o : options[i]) {
        if (o.second > kEps) {
          support_.push_back(static_cast<int>(i));
          break;
        }
      }
    }
  }

  int steps_to_gain(std::size_t from, double deficit) const {
    if (deficit <= kEps) return 0;
    if (at(from, width_ - 1) < deficit - kEps) return kInfinite;
    std::size_t lo = 0;
    std::size_t hi = width_ - 1;
    while (lo < hi) {
      const std::size_t mid = (lo + hi) / 2;
      if (at(from, mid) >= deficit - kEps) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return static_cast<int>(lo);
  }

  double gain_within(std::size_t from, int budget) const {
    if (budget <= 0) return 0;
    return at(from, std::min(static_cast<std::size_t>(budget), width_ - 1));
  }

  const std::vector<int>& support() const { return support_; }

 private:
  double at(std::size_t i, std::size_t st) const { return table_[i * width_ + st]; }
  std::size_t slots_ = 0;
  std::size_t width_ = 1;
  std::vector<double> table_;
  std::vector<int> support_;
};

// For the tie-break: the most the total can gain from the slots >= i with at most s steps while
// their moves also add at least c to one count requirement's count (every plan meets the count,
// so this bounds its points more tightly than the total's knapsack alone). -infinity: no
// completion reaches the count with s steps.
class CountedKnapsack {
 public:
  CountedKnapsack() = default;
  // options[slot] = (steps, gain on the total, gain on the count) of each move of that slot.
  CountedKnapsack(const std::vector<std::vector<std::tuple<int, double, int>>>& options, int max_steps, int max_count)
      : slots_(options.size()),
        width_(static_cast<std::size_t>(max_steps) + 1),
        depth_(static_cast<std::size_t>(std::max(max_count, 0)) + 1),
        table_((slots_ + 1) * width_ * depth_, kNone) {
    for (std::size_t st = 0; st < width_; ++st) cell(slots_, st, 0) = 0;
    for (std::size_t i = slots_; i-- > 0;) {
      for (std::size_t st = 0; st < width_; ++st) {
        for (std::size_t c = 0; c < depth_; ++c) {
          double best = cell(i + 1, st, c);
          for (const auto& [steps, gain, count] : options[i]) {
            if (static_cast<std::size_t>(steps) > st) continue;
            const std::size_t rest = c > static_cast<std::size_t>(count) ? c - static_cast<std::size_t>(count) : 0;
            const double after = cell(i + 1, st - static_cast<std::size_t>(steps), rest);
            if (after > kNone) best = std::max(best, gain + after);
          }
          cell(i, st, c) = best;
        }
      }
    }
  }

  bool empty() const { return table_.empty(); }

  // The bound at slot `from` with `budget` steps left and `deficit` still to count.
  double gain_within(std::size_t from, int budget, int deficit) const {
    if (budget < 0) return kNone;
    const std::size_t st = std::min(static_cast<std::size_t>(budget), width_ - 1);
    const std::size_t c = static_cast<std::size_t>(std::max(deficit, 0));
    // More than the count lacked at the start cannot happen (counts only rise); no bound then.
    if (c >= depth_) return std::numeric_limits<double>::infinity();
    return table_[(from * width_ + st) * depth_ + c];
  }

  static constexpr double kNone = -std::numeric_limits<double>::infinity();

 private:
  double& cell(std::size_t i, std::size_t st, std::size_t c) { return table_[(i * width_ + st) * depth_ + c]; }
  std::size_t slots_ = 0;
  std::size_t width_ = 1;
  std::size_t depth_ = 1;
  std::vector<double> table_;
};

bool has_min_below(const Questionnaire& q, int section) {
  const Section& s = q.sections[static_cast<std::size_t>(section)];
  if (s.aggregation == Aggregation::kMin) return true;
  for (const auto& c : s.children) {
    if (c.is_section && q.sections[static_cast<std::size_t>(c.index)].scored && has_min_below(q, c.index)) return true;
  }
  return false;
}

double question_grade_after(const Question& question, const Move& m, double points_after) {
  switch (question.type) {
    case QuestionType::kLadder:
      return question.options[static_cast<std::size_t>(m.to[0])].level;
    case QuestionType::kYesNo:
      return m.to[0];
    default:
      return points_after;
  }
}

// Iterative deepening on steps with branch and bound. At each node the open questions are those at
// or after `i` in the search order; decided ones keep their choice. Bounds:
//  - requirements on sums and means (no weakest-link below) are linear in answers, so the LP
//    relaxation over the open questions' hulls bounds the steps still needed from below;
//  - a count requirement needs at least the cheapest k open questions that can reach the grade;
//  - requirements touching disjoint questions add up, the others take the maximum;
//  - the total's LP relaxation bounds the points any completion can still gain (tie-break).
// When improvable answers feed conditions or computed values, none of this is sound, and the
// search falls back to checking "everything open at its best" at each node.
class Search {
 public:
  Search(const Questionnaire& q, const AnswerSet& answers, const ScoreResult& now, int target,
         const GapOptions& options)
      : q_(q),
        original_(answers),
        work_(q, answers),
        now_(now),
        target_(target),
        max_nodes_(options.max_nodes),
        min_patience_(options.min_patience) {
    for (std::size_t qi = 0; qi < q.questions.size(); ++qi) {
      auto moves = improvement_moves(q, answers, now, static_cast<int>(qi));
      if (moves.empty()) continue;
      questions_.push_back(static_cast<int>(qi));
      moves_.push_back(std::move(moves));
    }
    choice_.assign(questions_.size(), -1);
    slot_of_.assign(q.questions.size(), -1);
    for (std::size_t i = 0; i < questions_.size(); ++i)
      slot_of_[static_cast<std::size_t>(questions_[i])] = static_cast<int>(i);
    detect_interactions();
    collect_goals();
    if (sound_) prepare_classes();  // reorders the slots
    find_best_moves();
  }

  // Iterative deepening from 1 step up to what a greedy plan needs. Past the node limit the greedy
  // plan stands, labelled as not proven minimal, with the smallest step count not yet refuted.
  bool run() {
    if (!reached_with_open_at_best(0)) return false;
    const bool have_plan = greedy();
    int limit = 0;
    if (have_plan) {
      limit = plan_steps_;
    } else {
      for (const auto& moves : moves_) {
        int most = 0;
        for (const auto& m : moves) most = std::max(most, m.steps);
        limit += most;
      }
    }
    // No round goes past `limit` steps, so the bounds' tables need no more.
    if (sound_) prepare_bounds(limit);
    if (!sound_) {
      probe_.emplace(q_, original_);
      for (std::size_t i = 0; i < questions_.size(); ++i) set_probe(i, best_move_[i]);
    }
    for (budget_ = 1; budget_ <= limit; ++budget_) {
      if (have_plan && budget_ == plan_steps_) {
        // Seed the last round with the plan, so only better-scoring sets are explored.
        found_ = true;
        best_steps_ = plan_steps_;
        best_total_ = plan_total_;
        best_choice_ = plan_choice_;
      }
      dfs(0, 0);
      if (aborted_) break;
      last_progress_ = nodes_;  // the round ended: either a plan of budget_ steps or budget_ refuted
      if (found_) {
        proven_ = true;
        lower_bound_ = best_steps_;
        return true;
      }
    }
    lower_bound_ = budget_;
    if (found_) {
      // Stopped in the round that already found sets of `budget_` steps: the step count is proven,
      // only the points tie-break among them is incomplete.
      proven_ = best_steps_ == lower_bound_;
      return true;
    }
    if (have_plan) {
      found_ = true;
      best_steps_ = plan_steps_;
      best_total_ = plan_total_;
      best_choice_ = plan_choice_;
      proven_ = plan_steps_ == lower_bound_;
    }
    return found_;
  }

  bool proven() const { return proven_; }
  int lower_bound_steps() const { return lower_bound_; }

  std::vector<Improvement> improvements() const {
    std::vector<Improvement> out;
    for (std::size_t i = 0; i < questions_.size(); ++i) {
      if (best_choice_[i] < 0) continue;
      const Move& m = moves_[i][static_cast<std::size_t>(best_choice_[i])];
      Improvement imp;
      imp.question = m.question;
      const Question& question = q_.questions[static_cast<std::size_t>(m.question)];
      const QuestionResult& r = now_.questions[static_cast<std::size_t>(m.question)];
      if (question.type == QuestionType::kBand) {
        if (r.answered && r.band >= 0) imp.from = {r.band};
      } else if (original_.answers[static_cast<std::size_t>(m.question)].present) {
        imp.from = original_.answers[static_cast<std::size_t>(m.question)].selected.to_vector();
      }
      imp.to = m.to;
      imp.steps = m.steps;
      imp.points_gained = m.points_gained;
      out.push_back(std::move(imp));
    }
    return out;
  }

  int best_steps() const { return best_steps_; }
  long long nodes() const { return nodes_; }
  bool aborted() const { return aborted_; }
  GapStop stop() const { return stop_; }
  bool found() const { return found_; }

 private:
  // A requirement the bounds understand, relative to the current state at a node.
  // kLinear bounds one requirement on a sum/mean section, or a weighted sum of several (any
  // solution meets each g_r >= D_r, so it meets sum w_r g_r >= sum w_r max(D_r, 0) too: gains
  // are never negative). Combining is what makes the bound tight when a section threshold and
  // a total threshold must both hold. A count requirement is linear too: with visibility fixed,
  // the number of questions that reach a grade is the sum over questions of "reaches it", and a
  // move adds 1 when it lifts its question to the grade — so counts mix with scores.
  struct Part {
    int level = 0;
    int requirement = 0;
    int section = -1;    // a score requirement's section
    bool count = false;  // a count requirement
    double weight = 1;
  };
  struct Bounded {
    std::vector<Part> parts;
    int group = 0;
    enum Kind { kLinear, kOpaque } kind = kOpaque;
    SuffixKnapsack knapsack;  // kLinear
  };

  void detect_interactions() {
    // Improvable answers read by a condition or a computed value make scores non-linear in answers.
    std::vector<std::string> names;
    for (const auto& question : q_.questions) {
      if (question.visible_if)
        for (auto& n : question.visible_if->references()) names.push_back(n);
      if (question.required_if)
        for (auto& n : question.required_if->references()) names.push_back(n);
    }
    for (const auto& c : q_.computed)
      for (auto& n : c.expr.references()) names.push_back(n);
    for (const auto& n : names) {
      const int qi = q_.question_index(n);
      if (qi >= 0 && slot_of_[static_cast<std::size_t>(qi)] >= 0) sound_ = false;
    }
  }

  // The levels whose holding reaches the target: with cumulative levels every level up to the
  // target must hold; otherwise any one level at or above it will do.
  void collect_goals() {
    const int n = static_cast<int>(q_.levels.size());
    if (q_.levels_cumulative) {
      std::vector<int> all;
      for (int l = 0; l <= target_; ++l) all.push_back(l);
      goals_.push_back(all);
    } else {
      for (int l = target_; l < n; ++l) goals_.push_back({l});
    }
  }

  void prepare_classes() {
    // Gains of each move alone, on every section a linear requirement or the total reads.
    std::vector<std::vector<std::vector<double>>> alone(questions_.size());  // [slot][move][section]
    for (std::size_t i = 0; i < questions_.size(); ++i) {
      for (std::size_t k = 0; k < moves_[i].size(); ++k) {
        set(i, static_cast<int>(k));
        std::vector<double>& sections = alone[i].emplace_back();
        for (const auto& sr : work_.result().sections) sections.push_back(sr.score);
        set(i, -1);
      }
    }
    // Questions whose moves cost and gain the same on every section are interchangeable: the
    // search then only considers their choices in non-increasing order (symmetry breaking).
    reorder_by_class(alone);
    alone_ = std::move(alone);
  }

  void prepare_bounds(int max_steps) {
    const auto& alone = alone_;
    auto knapsack_for = [&](const std::vector<Part>& parts) {
      std::vector<std::vector<std::pair<int, double>>> options(questions_.size());
      for (std::size_t i = 0; i < questions_.size(); ++i) {
        for (std::size_t k = 0; k < moves_[i].size(); ++k) {
          double gain = 0;
          for (const Part& part : parts) {
            gain += part.weight * (part.count ? count_gain(part, i, k)
                                              : alone[i][k][static_cast<std::size_t>(part.section)] -
                                                    now_.sections[static_cast<std::size_t>(part.section)].score);
          }
          options[i].emplace_back(moves_[i][k].steps, gain);
        }
      }
      return SuffixKnapsack(options, max_steps);
    };
    auto knapsack_of_section = [&](int section) { return knapsack_for({Part{0, 0, section, false, 1}}); };
    total_linear_ = !has_min_below(q_, 0);
    if (total_linear_) {
      total_knapsack_ = knapsack_of_section(0);
      // Per count requirement of a goal: the total's gain while meeting that count.
      for (std::size_t l = 0; l < q_.levels.size(); ++l) {
        const auto& reqs = q_.levels[l].requirements;
        for (std::size_t ri = 0; ri < reqs.size(); ++ri) {
          const Requirement& req = reqs[ri];
          const bool in_a_goal = std::any_of(goals_.begin(), goals_.end(), [&](const std::vector<int>& goal) {
            return std::find(goal.begin(), goal.end(), static_cast<int>(l)) != goal.end();
          });
          if (!in_a_goal || req.kind != RequirementKind::kCount ||
              (req.comparison != Comparison::kGe && req.comparison != Comparison::kGt)) {
            continue;
          }
          const Part part{static_cast<int>(l), static_cast<int>(ri), -1, true, 1};
          const int lacking = static_cast<int>(std::lround(deficit_now(part)));
          if (lacking <= 0) continue;
          std::vector<std::vector<std::tuple<int, double, int>>> options(questions_.size());
          for (std::size_t i = 0; i < questions_.size(); ++i) {
            for (std::size_t k = 0; k < moves_[i].size(); ++k) {
              options[i].emplace_back(moves_[i][k].steps, alone[i][k][0] - now_.sections[0].score,
                                      static_cast<int>(std::lround(count_gain(part, i, k))));
            }
          }
          counted_totals_.push_back({part, CountedKnapsack(options, max_steps, lacking)});
        }
      }
    }

    // Union-find over search slots: requirements whose questions overlap share a group.
    std::vector<int> parent(questions_.size() + 1);
    std::iota(parent.begin(), parent.end(), 0);
    std::function<int(int)> find = [&](int x) {
      return parent[static_cast<std::size_t>(x)] == x
                 ? x
                 : parent[static_cast<std::size_t>(x)] = find(parent[static_cast<std::size_t>(x)]);
    };
    std::vector<std::vector<int>> supports;

    std::vector<bool> seen_level(q_.levels.size(), false);
    for (const auto& goal : goals_) {
      for (int l : goal) seen_level[static_cast<std::size_t>(l)] = true;
    }
    for (std::size_t l = 0; l < q_.levels.size(); ++l) {
      if (!seen_level[l]) continue;
      const auto& reqs = q_.levels[l].requirements;
      for (std::size_t ri = 0; ri < reqs.size(); ++ri) {
        const Requirement& req = reqs[ri];
        Bounded b;
        b.parts = {Part{static_cast<int>(l), static_cast<int>(ri), req.section, false, 1}};
        std::vector<int> support;
        if (req.kind == RequirementKind::kScore && !has_min_below(q_, req.section) &&
            (req.comparison == Comparison::kGe || req.comparison == Comparison::kGt)) {
          b.kind = Bounded::kLinear;
          b.knapsack = knapsack_of_section(req.section);
          support = b.knapsack.support();
        } else if (req.kind == RequirementKind::kCount &&
                   (req.comparison == Comparison::kGe || req.comparison == Comparison::kGt)) {
          b.kind = Bounded::kLinear;
          b.parts[0].count = true;
          b.knapsack = knapsack_for(b.parts);
          support = b.knapsack.support();
        }
        supports.push_back(support);
        bounded_.push_back(std::move(b));
      }
    }
    for (const auto& support : supports) {
      for (std::size_t k = 1; k < support.size(); ++k)
        parent[static_cast<std::size_t>(find(support[k]))] = find(support[0]);
    }
    for (std::size_t k = 0; k < bounded_.size(); ++k) {
      bounded_[k].group = supports[k].empty() ? static_cast<int>(questions_.size()) : find(supports[k][0]);
    }
    // Mixtures of two linear requirements of one group that both fail now, weighted by their
    // current deficits so that each mixture is a plausible binding combination.
    const std::size_t singles = bounded_.size();
    for (std::size_t a = 0; a < singles; ++a) {
      for (std::size_t b = a + 1; b < singles; ++b) {
        // Copies: bounded_ grows below.
        const Bounded::Kind kx = bounded_[a].kind;
        const Bounded::Kind ky = bounded_[b].kind;
        const int group = bounded_[a].group;
        if (kx != Bounded::kLinear || ky != Bounded::kLinear || group != bounded_[b].group) continue;
        const Part px = bounded_[a].parts[0];
        const Part py = bounded_[b].parts[0];
        // A mixture serves only a goal that holds both (otherwise no bound ever reads it).
        const bool shared = std::any_of(goals_.begin(), goals_.end(), [&](const std::vector<int>& goal) {
          return std::find(goal.begin(), goal.end(), px.level) != goal.end() &&
                 std::find(goal.begin(), goal.end(), py.level) != goal.end();
        });
        if (!shared) continue;
        const double dx = deficit_now(px);
        const double dy = deficit_now(py);
        if (dx <= kEps || dy <= kEps) continue;
        for (int step = 1; step < 10; ++step) {
          const double lambda = step / 10.0;
          Bounded mix;
          mix.kind = Bounded::kLinear;
          mix.group = group;
          mix.parts = {px, py};
          mix.parts[0].weight = lambda / dx;
          mix.parts[1].weight = (1 - lambda) / dy;
          mix.knapsack = knapsack_for(mix.parts);
          bounded_.push_back(std::move(mix));
        }
      }
    }
  }

  double deficit_now(const Part& part) const { return deficit(part, now_); }

  double deficit(const Part& part, const ScoreResult& r) const {
    const Requirement& req =
        q_.levels[static_cast<std::size_t>(part.level)].requirements[static_cast<std::size_t>(part.requirement)];
    const RequirementResult& rr =
        r.levels.requirements[static_cast<std::size_t>(part.level)][static_cast<std::size_t>(part.requirement)];
    if (rr.met) return 0;
    if (part.count) {
      // Whole questions: the count must reach the next integer the comparison accepts.
      const double needed =
          req.comparison == Comparison::kGt ? std::floor(req.threshold + 1e-9) + 1 : std::ceil(req.threshold - 1e-9);
      return std::max(0.0, needed - rr.actual);
    }
    return std::max(0.0, req.threshold - rr.actual + (req.comparison == Comparison::kGt ? 2 * kEps : 0));
  }

  // What move k of slot i adds to a count requirement's count: 1 when it lifts a question of the
  // selector that counts now in the denominator (visible, not N/A) from below the grade to it.
  double count_gain(const Part& part, std::size_t i, std::size_t k) const {
    const Requirement& req =
        q_.levels[static_cast<std::size_t>(part.level)].requirements[static_cast<std::size_t>(part.requirement)];
    const int qi = questions_[i];
    const auto& selector = req.selector.questions;
    if (std::find(selector.begin(), selector.end(), qi) == selector.end()) return 0;
    const QuestionResult& r = now_.questions[static_cast<std::size_t>(qi)];
    if (!r.visible || original_.answers[static_cast<std::size_t>(qi)].not_applicable) return 0;
    if (r.answered && question_grade(q_, original_, now_, qi) >= req.at_least - 1e-9) return 0;
    const Question& question = q_.questions[static_cast<std::size_t>(qi)];
    const Move& m = moves_[i][k];
    return question_grade_after(question, m, r.points + m.points_gained) >= req.at_least - 1e-9 ? 1 : 0;
  }

  void reorder_by_class(std::vector<std::vector<std::vector<double>>>& alone) {
    std::vector<std::string> keys(questions_.size());
    for (std::size_t i = 0; i < questions_.size(); ++i) {
      std::string key;
      for (std::size_t k = 0; k < moves_[i].size(); ++k) {
        key += std::to_string(moves_[i][k].steps);
        key += ':';
        key += format_number(moves_[i][k].points_gained);
        key += '|';
        for (std::size_t sct = 0; sct < q_.sections.size(); ++sct) {
          key += format_number(alone[i][k][sct] - now_.sections[sct].score);
          key += ',';
        }
        // Count and share requirements read grades, so the grade after the move is part of the key.
        const Question& question = q_.questions[static_cast<std::size_t>(questions_[i])];
        const double before = now_.questions[static_cast<std::size_t>(questions_[i])].points;
        key += 'g';
        key += format_number(question_grade_after(question, moves_[i][k], before + moves_[i][k].points_gained));
        key += ';';
      }
      // Selectors name questions, so membership in every selector is part of the key too.
      for (const auto& level : q_.levels) {
        for (const auto& req : level.requirements) {
          const auto& qs = req.selector.questions;
          key += std::find(qs.begin(), qs.end(), questions_[i]) != qs.end() ? "1" : "0";
        }
      }
      keys[i] = key;
    }
    std::vector<std::size_t> order(questions_.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
    auto permute = [&](auto& v) {
      auto copy = v;
      for (std::size_t i = 0; i < order.size(); ++i) v[i] = std::move(copy[order[i]]);
    };
    permute(questions_);
    permute(moves_);
    permute(alone);
    permute(keys);
    same_as_previous_.assign(questions_.size(), false);
    for (std::size_t i = 1; i < questions_.size(); ++i) same_as_previous_[i] = keys[i] == keys[i - 1];
    for (std::size_t i = 0; i < questions_.size(); ++i)
      slot_of_[static_cast<std::size_t>(questions_[i])] = static_cast<int>(i);
  }

  // Lower bound on the steps still needed from this node to make every level of `goal` hold.
  int lower_bound(const std::vector<int>& goal, std::size_t from, const ScoreResult& r) const {
    std::vector<int>& per_group = per_group_scratch_;  // a member: no allocation per node
    per_group.assign(questions_.size() + 1, 0);
    auto in_goal = [&](const Bounded& b) {
      for (const Part& part : b.parts) {
        if (std::find(goal.begin(), goal.end(), part.level) == goal.end()) return false;
      }
      return true;
    };
    for (const Bounded& b : bounded_) {
      if (b.kind == Bounded::kOpaque || !in_goal(b)) continue;
      double d = 0;
      for (const Part& part : b.parts) d += part.weight * deficit(part, r);
      const int need = b.knapsack.steps_to_gain(from, d);
      int& g = per_group[static_cast<std::size_t>(b.group)];
      g = std::max(g, need);
    }
    long long sum = 0;
    for (int g : per_group) sum += g;
    return static_cast<int>(std::min<long long>(sum, kInfinite));
  }

  // The most the total can still gain from slot i on with `budget` steps, by a completion that
  // reaches one of the goals: within a goal, the least of the total's knapsack and of each count
  // requirement's counted knapsack; over the goals, the most.
  double total_gain_bound(std::size_t i, int budget, const ScoreResult& r) const {
    const double plain = total_knapsack_.gain_within(i, budget);
    if (counted_totals_.empty()) return plain;
    double best = CountedKnapsack::kNone;
    for (const auto& goal : goals_) {
      double bound = plain;
      for (const auto& [part, table] : counted_totals_) {
        if (std::find(goal.begin(), goal.end(), part.level) == goal.end()) continue;
        bound = std::min(bound, table.gain_within(i, budget, static_cast<int>(std::lround(deficit(part, r)))));
      }
      best = std::max(best, bound);
    }
    return best;
  }

  // How far a result is from the target: per goal, the sum of unmet requirements' deficits,
  // each relative to its deficit now; the goal closest to holding counts.
  double distance(const ScoreResult& r) const {
    double best = std::numeric_limits<double>::infinity();
    for (const auto& goal : goals_) {
      double d = 0;
      for (int l : goal) {
        const auto& reqs = q_.levels[static_cast<std::size_t>(l)].requirements;
        for (std::size_t ri = 0; ri < reqs.size(); ++ri) {
          const RequirementResult& rr = r.levels.requirements[static_cast<std::size_t>(l)][ri];
          if (rr.met) continue;
          const Requirement& req = reqs[ri];
          const RequirementResult& base = now_.levels.requirements[static_cast<std::size_t>(l)][ri];
          if (req.kind == RequirementKind::kLogic ||
              (req.comparison != Comparison::kGe && req.comparison != Comparison::kGt)) {
            d += 1;
            continue;
          }
          const double scale = std::max(std::fabs(req.threshold - base.actual), 1e-6);
          d += std::max(0.0, req.threshold - rr.actual) / scale + 1e-3;
        }
      }
      best = std::min(best, d);
    }
    return best;
  }

  // A plan that reaches the target, built by taking the move with the most progress per step and
  // then dropping or shrinking every move the target can do without.
  bool greedy() {
    std::vector<int> plan(questions_.size(), -1);
    auto steps_of = [&](std::size_t i, int k) { return k < 0 ? 0 : moves_[i][static_cast<std::size_t>(k)].steps; };
    for (std::size_t i = 0; i < questions_.size(); ++i) set(i, -1);
    const ScoreResult& r = work_.result();  // always the state of the plan so far, or of one candidate
    for (int round = 0; !reached(r); ++round) {
      if (round > 10000) return restore_after_plan(false);
      const double before = distance(r);
      const double total_before = r.sections[0].score;
      double best_value = -1;
      std::size_t best_i = 0;
      int best_k = -1;
      for (std::size_t i = 0; i < questions_.size(); ++i) {
        for (int k = 0; k < static_cast<int>(moves_[i].size()); ++k) {
          const int extra = steps_of(i, k) - steps_of(i, plan[i]);
          if (extra <= 0 || (plan[i] >= 0 && moves_[i][static_cast<std::size_t>(k)].points_gained <=
                                                 moves_[i][static_cast<std::size_t>(plan[i])].points_gained)) {
            continue;
          }
          set(i, k);
          const double progress = before - distance(r);
          const double value = (progress + 1e-9 * (r.sections[0].score - total_before)) / extra;
          set(i, plan[i]);
          if (value > best_value) {
            best_value = value;
            best_i = i;
            best_k = k;
          }
        }
      }
      if (best_k < 0) return restore_after_plan(false);
      plan[best_i] = best_k;
      set(best_i, best_k);
    }
    // Drop or shrink moves that the target does not need, largest first.
    for (bool changed = true; changed;) {
      changed = false;
      for (std::size_t i = 0; i < questions_.size(); ++i) {
        if (plan[i] < 0) continue;
        for (int k = -1; k < plan[i]; ++k) {
          if (steps_of(i, k) >= steps_of(i, plan[i])) continue;
          set(i, k);
          if (reached(r)) {
            plan[i] = k;
            changed = true;
            break;
          }
          set(i, plan[i]);
        }
      }
    }
    plan_choice_ = plan;
    plan_steps_ = 0;
    for (std::size_t i = 0; i < plan.size(); ++i) plan_steps_ += steps_of(i, plan[i]);
    plan_total_ = r.sections[0].score;
    return restore_after_plan(true);
  }

  bool restore_after_plan(bool ok) {
    for (std::size_t i = 0; i < questions_.size(); ++i) set(i, -1);
    return ok;
  }

  // Slot i takes move `choice` (-1: the answer as given). Only what the question reaches is rescored.
  void set(std::size_t i, int choice) {
    const int qi = questions_[i];
    if (choice < 0) {
      work_.reset(qi);
    } else {
      work_.select(qi, moves_[i][static_cast<std::size_t>(choice)].to);
    }
  }

  bool reached(const ScoreResult& r) const { return r.levels.level >= target_; }

  bool reached_with_open_at_best(std::size_t from) {
    for (std::size_t i = from; i < questions_.size(); ++i) set(i, best_move_[i]);
    const bool ok = reached(work_.result());
    for (std::size_t i = from; i < questions_.size(); ++i) set(i, choice_[i]);
    return ok;
  }

  // The move of each slot that gains most (the last listed among equals), for "everything open at
  // its best".
  void find_best_moves() {
    best_move_.assign(questions_.size(), 0);
    for (std::size_t i = 0; i < questions_.size(); ++i) {
      std::size_t best = 0;
      for (std::size_t k = 1; k < moves_[i].size(); ++k) {
        if (moves_[i][k].points_gained > moves_[i][best].points_gained + kEps ||
            (std::fabs(moves_[i][k].points_gained - moves_[i][best].points_gained) <= kEps &&
             moves_[i][k].to.size() >= moves_[i][best].to.size() &&
             moves_[i][k].to.back() > moves_[i][best].to.back())) {
          best = k;
        }
      }
      best_move_[i] = static_cast<int>(best);
    }
  }

  // The state (work_) holds the choices of the slots before i; the slots from i on are as given.
  void dfs(std::size_t i, int used) {
    if (aborted_) return;
    if (++nodes_ > max_nodes_) {
      aborted_ = true;
      stop_ = GapStop::kNodeLimit;
      return;
    }
    // The budget rule, once a plan of budget_ steps is in hand (the step count is then settled and
    // more nodes can only buy points): as many nodes without a better plan as were used until the
    // last progress. A round still refuting a step count runs to the node limit: only it can raise
    // the bound.
    if (found_ && nodes_ - last_progress_ > std::max(min_patience_, last_progress_)) {
      aborted_ = true;
      stop_ = GapStop::kNoProgress;
      return;
    }
    const ScoreResult& r = work_.result();
    const double total = r.sections[0].score;
    if (reached(r)) {
      if (!found_ || used < best_steps_ || (used == best_steps_ && total > best_total_ + kEps)) {
        found_ = true;
        best_steps_ = used;
        best_total_ = total;
        best_choice_ = choice_;
        last_progress_ = nodes_;
      }
      return;
    }
    if (used >= budget_ || i == questions_.size()) return;
    if (sound_) {
      int best_lb = kInfinite;
      for (const auto& goal : goals_) best_lb = std::min(best_lb, lower_bound(goal, i, r));
      if (used + best_lb > budget_) return;
      // A completion with more points than the best so far must still be possible.
      if (found_ && total_linear_ && total + total_gain_bound(i, budget_ - used, r) <= best_total_ + kEps) return;
    } else if (!reached(probe_->result())) {
      return;  // even every open slot at its best misses the target
    }
    // Interchangeable neighbours take non-increasing choices (-1, no change, is the lowest).
    const int cap = sound_ && i > 0 && same_as_previous_[i] ? choice_[i - 1] : static_cast<int>(moves_[i].size()) - 1;
    for (int k = cap; k >= 0; --k) {
      const int steps = moves_[i][static_cast<std::size_t>(k)].steps;
      if (used + steps > budget_) continue;
      choice_[i] = k;
      set(i, k);
      set_probe(i, k);
      dfs(i + 1, used + steps);
      choice_[i] = -1;
      set(i, -1);
      set_probe(i, best_move_[i]);
      if (aborted_) return;
    }
    set_probe(i, -1);
    dfs(i + 1, used);
    set_probe(i, best_move_[i]);
  }

  // Without sound bounds, probe_ holds the slots before i at their choices and the others at their
  // best moves, kept current one slot at a time like work_.
  void set_probe(std::size_t i, int choice) {
    if (sound_) return;
    const int qi = questions_[i];
    if (choice < 0) {
      probe_->reset(qi);
    } else {
      probe_->select(qi, moves_[i][static_cast<std::size_t>(choice)].to);
    }
  }

  const Questionnaire& q_;
  const AnswerSet& original_;
  IncrementalScore work_;                  // the answers with the current choices applied, and their score
  std::optional<IncrementalScore> probe_;  // without sound bounds: the open slots at their best
  const ScoreResult& now_;
  int target_;
  long long max_nodes_;
  long long min_patience_;
  long long last_progress_ = 0;  // node count when the plan last improved or the bound last rose
  GapStop stop_ = GapStop::kComplete;
  std::vector<int> questions_;          // search order -> question index
  std::vector<int> slot_of_;            // question index -> search order, -1 when not improvable
  std::vector<bool> same_as_previous_;  // interchangeable with the previous slot
  std::vector<std::vector<Move>> moves_;
  std::vector<int> choice_;
  std::vector<int> best_move_;                           // per slot: the move that gains most
  std::vector<std::vector<std::vector<double>>> alone_;  // [slot][move][section]: scores with that move alone
  mutable std::vector<int> per_group_scratch_;
  std::vector<int> best_choice_;
  std::vector<std::vector<int>> goals_;
  std::vector<Bounded> bounded_;
  SuffixKnapsack total_knapsack_;
  std::vector<std::pair<Part, CountedKnapsack>> counted_totals_;
  bool total_linear_ = false;
  bool sound_ = true;
  int budget_ = 0;
  bool found_ = false;
  bool aborted_ = false;
  bool proven_ = false;
  int lower_bound_ = 0;
  std::vector<int> plan_choice_;
  int plan_steps_ = 0;
  double plan_total_ = 0;
  int best_steps_ = 0;
  double best_total_ = 0;
  long long nodes_ = 0;
};

}  // namespace

GapResult find_gap(const Questionnaire& q, const AnswerSet& answers, int target, const GapOptions& options) {
  GapResult gap;
  gap.target = target;
  ScoreResult now = score(q, answers);
  if (target < 0 || target >= static_cast<int>(q.levels.size())) return gap;
  const auto& reqs = q.levels[static_cast<std::size_t>(target)].requirements;
  const auto& results = now.levels.requirements[static_cast<std::size_t>(target)];
  for (std::size_t ri = 0; ri < reqs.size(); ++ri) {
    if (results[ri].met) continue;
    gap.unmet.push_back(static_cast<int>(ri));
    if (requirement_fixed(q, reqs[ri])) gap.blocking.push_back(static_cast<int>(ri));
  }
  if (q.levels_cumulative) {
    for (int li = 0; li < target; ++li) {
      bool all = true;
      for (const auto& rr : now.levels.requirements[static_cast<std::size_t>(li)]) all = all && rr.met;
      if (!all) gap.unmet_lower_levels.push_back(li);
    }
  }
  if (now.levels.level >= target) {
    gap.already_reached = true;
    gap.reachable = true;
    gap.after = std::move(now);
    return gap;
  }
  Search search(q, answers, now, target, options);
  gap.reachable = search.run();
  gap.nodes_searched = search.nodes();
  gap.search_complete = !search.aborted();
  gap.stopped_by = search.stop();
  gap.proven_minimal = search.proven();
  gap.tie_break_complete = !search.aborted();
  gap.lower_bound_steps = search.lower_bound_steps();
  if (gap.reachable) {
    gap.improvements = search.improvements();
    gap.steps = search.best_steps();
    // Each improvement's effect on the total, applied in order: these add up to the plan's gain,
    // whereas the points on the questions need not (unscored sections, weights, means).
    std::vector<Move> moves;
    double before = now.sections[0].score;
    for (auto& imp : gap.improvements) {
      moves.push_back({imp.question, imp.to, imp.steps, imp.points_gained});
      const double total = score(q, apply_moves(q, answers, moves)).sections[0].score;
      imp.total_gained = total - before;
      before = total;
    }
    gap.after = score(q, apply_moves(q, answers, moves));
    gap.points_gained = gap.after.sections[0].score - now.sections[0].score;
  } else {
    gap.after = std::move(now);
  }
  return gap;
}

}  // namespace assess
