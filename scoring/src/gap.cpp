#include "assess/gap.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace assess {
namespace {

constexpr double kEps = 1e-9;

int current_position(const Question& question, const Answer& a, const QuestionResult& r) {
  if (question.type == QuestionType::kBand) return r.answered ? r.band : -1;
  return a.present && !a.selected.empty() ? a.selected[0] : -1;
}

double option_points(const Question& question, const std::vector<int>& selected) {
  double total = 0;
  for (int i : selected) total += question.options[static_cast<std::size_t>(i)].points;
  if (question.max_points) total = std::min(total, *question.max_points);
  return total;
}

Json value_of(const Question& question, const std::vector<int>& selected) {
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

void set_selection(const Question& question, Answer& a, const std::vector<int>& to) {
  a.present = true;
  a.not_applicable = false;
  if (question.type == QuestionType::kBand) {
    a.what_if_band = to[0];
    return;
  }
  a.selected = to;
  a.value = value_of(question, to);
}

}  // namespace

std::vector<Move> improvement_moves(const Questionnaire& q, const AnswerSet& answers, const ScoreResult& now,
                                    int qi) {
  std::vector<Move> moves;
  const Question& question = q.questions[static_cast<std::size_t>(qi)];
  const Answer& a = answers.answers[static_cast<std::size_t>(qi)];
  const QuestionResult& r = now.questions[static_cast<std::size_t>(qi)];
  if (!question.scored() || !r.visible || a.not_applicable) return moves;
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
      return question.options[static_cast<std::size_t>(x)].points > question.options[static_cast<std::size_t>(y)].points;
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
    const bool higher_level = question.type == QuestionType::kLadder && o.level > current_level;
    if (gained <= kEps && !higher_level) continue;
    if (question.type == QuestionType::kLadder && o.level < current_level) continue;
    const int steps = position < 0 ? jj + 1 : std::abs(jj - position);
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
      return req.value_is_computed || !q.questions[static_cast<std::size_t>(req.value)].scored();
    case RequirementKind::kLogic:
      return true;
  }
  return true;
}

namespace {

class Search {
 public:
  Search(const Questionnaire& q, const AnswerSet& answers, const ScoreResult& now, int target, long long max_nodes)
      : q_(q), original_(answers), work_(answers), now_(now), target_(target), max_nodes_(max_nodes) {
    for (std::size_t qi = 0; qi < q.questions.size(); ++qi) {
      auto moves = improvement_moves(q, answers, now, static_cast<int>(qi));
      if (moves.empty()) continue;
      questions_.push_back(static_cast<int>(qi));
      std::size_t best = 0;
      for (std::size_t k = 1; k < moves.size(); ++k) {
        if (moves[k].points_gained > moves[best].points_gained + kEps) best = k;
        if (std::fabs(moves[k].points_gained - moves[best].points_gained) <= kEps &&
            q.questions[qi].type == QuestionType::kLadder && moves[k].to[0] > moves[best].to[0]) {
          best = k;
        }
      }
      best_move_.push_back(best);
      moves_.push_back(std::move(moves));
    }
    choice_.assign(questions_.size(), -1);
  }

  bool run() {
    // Is the target reachable at all? Every question at its best.
    if (!reached_with_remaining_at_best(0)) return false;
    int total_steps = 0;
    for (std::size_t i = 0; i < moves_.size(); ++i) total_steps += moves_[i][best_move_[i]].steps;
    // All questions at their best reach the target, so the budget never needs to exceed that.
    for (budget_ = 1; budget_ <= total_steps; ++budget_) {
      dfs(0, 0);
      if (aborted_) return false;
      if (found_) return true;
    }
    return false;
  }

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
        imp.from = original_.answers[static_cast<std::size_t>(m.question)].selected;
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

 private:
  void set(std::size_t i, int choice) {
    const int qi = questions_[i];
    Answer& a = work_.answers[static_cast<std::size_t>(qi)];
    if (choice < 0) {
      a = original_.answers[static_cast<std::size_t>(qi)];
    } else {
      set_selection(q_.questions[static_cast<std::size_t>(qi)], a, moves_[i][static_cast<std::size_t>(choice)].to);
    }
  }

  bool reached(const ScoreResult& r) const { return r.levels.level >= target_; }

  bool reached_with_remaining_at_best(std::size_t from) {
    for (std::size_t i = from; i < questions_.size(); ++i) set(i, static_cast<int>(best_move_[i]));
    const bool ok = reached(score(q_, work_));
    for (std::size_t i = from; i < questions_.size(); ++i) set(i, choice_[i]);
    return ok;
  }

  void leaf(int used) {
    ScoreResult r = score(q_, work_);
    if (!reached(r)) return;
    const double total = r.sections[0].score;
    if (!found_ || used < best_steps_ || (used == best_steps_ && total > best_total_ + kEps)) {
      found_ = true;
      best_steps_ = used;
      best_total_ = total;
      best_choice_ = choice_;
    }
  }

  void dfs(std::size_t i, int used) {
    if (aborted_) return;
    if (++nodes_ > max_nodes_) {
      aborted_ = true;
      return;
    }
    if (i == questions_.size() || used == budget_) {
      leaf(used);
      return;
    }
    if (!reached_with_remaining_at_best(i)) return;
    // Leave this question as it is, then try each move that fits the budget, cheapest first.
    dfs(i + 1, used);
    for (std::size_t k = 0; k < moves_[i].size(); ++k) {
      const int steps = moves_[i][k].steps;
      if (used + steps > budget_) break;
      choice_[i] = static_cast<int>(k);
      set(i, choice_[i]);
      dfs(i + 1, used + steps);
      choice_[i] = -1;
      set(i, -1);
    }
  }

  const Questionnaire& q_;
  const AnswerSet& original_;
  AnswerSet work_;
  const ScoreResult& now_;
  int target_;
  long long max_nodes_;
  std::vector<int> questions_;
  std::vector<std::vector<Move>> moves_;
  std::vector<std::size_t> best_move_;
  std::vector<int> choice_;
  std::vector<int> best_choice_;
  int budget_ = 0;
  bool found_ = false;
  bool aborted_ = false;
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
  Search search(q, answers, now, target, options.max_nodes);
  gap.reachable = search.run();
  gap.nodes_searched = search.nodes();
  if (gap.reachable) {
    gap.improvements = search.improvements();
    gap.steps = search.best_steps();
    std::vector<Move> moves;
    for (const auto& imp : gap.improvements) moves.push_back({imp.question, imp.to, imp.steps, imp.points_gained});
    gap.after = score(q, apply_moves(q, answers, moves));
    gap.points_gained = gap.after.sections[0].score - now.sections[0].score;
  } else {
    gap.after = std::move(now);
  }
  return gap;
}

}  // namespace assess
