// gap.h — what stands between an enterprise and a level, and the smallest change that closes it.
//
// For a target level, the gap lists the requirements that fail and finds the smallest set of answer
// improvements that reaches the level: fewest option steps first, then most points gained on the
// total, remaining ties broken in a fixed order. "Steps" count positions on a question's option list (a
// ladder from 1 to 3 is two steps; each option added to a multiple choice is one step).
//
// The search is exact (iterative deepening on steps with branch and bound), not a greedy guess:
// exact knapsack bounds for requirements on sums and means, cheapest-k bounds for count gates,
// symmetry breaking between interchangeable questions. Its pruning relies on requirements being
// monotone in answers (score, count and share thresholds over sum / mean / min aggregations are).
// Visibility and computed values are re-evaluated for every candidate. A greedy plan seeds the
// search; if the budget stops the search first (large gaps in large questionnaires), the plan is
// returned with proven_minimal=false, the step count below which no set exists, and why it stopped
// (see GapOptions). The search state is incremental (incremental.h): a move rescores only what the
// changed question reaches. docs/gap-search.md explains the design. Requirements
// that no answer change can meet (a fact about the enterprise) are reported as blocking.
#pragma once

#include <vector>

#include "scoring/answers.h"
#include "scoring/questionnaire.h"
#include "scoring/score.h"

namespace assess {

// One way to raise one question: the new selection and what it costs and gains.
struct Move {
  int question = -1;
  std::vector<int> to;  // new selected option indices
  int steps = 0;
  double points_gained = 0;
};

struct Improvement {
  int question = -1;
  std::vector<int> from;  // selected option indices before (empty when unanswered)
  std::vector<int> to;
  int steps = 0;
  double points_gained = 0;  // on the question itself
  // On the total, with the earlier improvements of the plan applied: the plan's items add up to
  // GapResult::points_gained. 0 for a question in an unscored section (it serves a gate only).
  double total_gained = 0;
};

// Why the search ended.
enum class GapStop {
  kComplete,    // it finished: the step count is proven and the tie-break done
  kNoProgress,  // with a plan of the steps tried: as many nodes as before it, none improving the plan
  kNodeLimit,   // GapOptions::max_nodes
};
const char* to_string(GapStop stop);  // "complete", "no_progress", "node_limit"

struct GapResult {
  int target = -1;  // level index
  bool already_reached = false;
  bool reachable = false;               // some set of answer improvements reaches the target
  std::vector<int> unmet;               // requirement indices of the target level that fail now
  std::vector<int> blocking;            // unmet requirements that answer changes cannot meet
  std::vector<int> unmet_lower_levels;  // cumulative levels: lower levels that fail too
  std::vector<Improvement> improvements;
  int steps = 0;
  double points_gained = 0;  // on the total score
  ScoreResult after;         // the result with the improvements applied
  long long nodes_searched = 0;
  bool search_complete = true;  // false: the search stopped before it finished (see stopped_by)
  GapStop stopped_by = GapStop::kComplete;
  bool proven_minimal = false;     // the improvement set is proven to have the fewest steps
  bool tie_break_complete = true;  // false: among sets of that many steps, more points may exist
  int lower_bound_steps = 0;       // no set with fewer steps exists (when not proven, the plan may have more)
};

// The node budget. The search goes on while it buys something: each step count refuted raises the
// lower bound, each better plan improves the answer. Once it holds a plan of the step count it is
// trying, it allows as many nodes again after the last progress as it had used until then (at least
// `min_patience`), then stops with the plan and the bound it has (stopped_by = kNoProgress);
// `max_nodes` caps it in any case.
struct GapOptions {
  long long max_nodes = 500'000;  // past this the search stops and says so (search_complete=false)
  long long min_patience = 100'000;
};

// The improving moves of one question from the given answers (empty when it cannot improve).
std::vector<Move> improvement_moves(const Questionnaire& q, const AnswerSet& answers, const ScoreResult& now,
                                    int question);

// Answers with `moves` applied.
AnswerSet apply_moves(const Questionnaire& q, const AnswerSet& answers, const std::vector<Move>& moves);

// The gap to `target` (a level index). The next level is `result.levels.level + 1`.
GapResult find_gap(const Questionnaire& q, const AnswerSet& answers, int target, const GapOptions& options = {});

// Whether no answer change can make the requirement hold (it reads no improvable question).
bool requirement_fixed(const Questionnaire& q, const Requirement& requirement);

}  // namespace assess
