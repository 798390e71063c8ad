// summary.h — the report's first page, for a general manager who reads it in two minutes: each
// module's level, the three next steps with what they are worth (the gap plan to a module's next
// level and the rewards that level unlocks), the reward total as the rules state it (exact sums,
// ranges, ceilings, amounts decided case by case) with the clause of each amount; and what else the
// report needs to keep to the enterprise's own jurisdiction (documents and citations of other
// places go to the appendix) and to compare T0 with T1 rule by rule.
//
// Pure functions over the report's view model (scoring/report.h) and the rewards; no number is
// invented here: every amount is a rule's outcome as `evaluate_rewards` computed it.
#pragma once

#include <string>
#include <vector>

#include "scoring/code_list.h"
#include "scoring/policy.h"
#include "scoring/questionnaire.h"  // assess::Json
#include "scoring/rewards.h"

namespace assess {

// The first page: {"steps": [...], "has_steps", "rewards": [...], "has_rewards", "totals": {...},
// "possible": n}. `modules` is the report view's "modules" array (each with its "next" plan and
// "unlocks"). Steps: one per module with a next level, those whose level unlocks money first, then
// the fewest changes, then the report's module order; at most three. Rewards: the eligible outcomes
// that pay money and count toward the totals (an "alternative" outcome is left out, as in the
// totals), each with its amount and clause.
[[nodiscard]] Json first_page(const Json& modules, const RewardsResult* rewards, const std::string& lang,
                              const Words& words);

// A policy document and whether it speaks for the enterprise's place: its own jurisdiction is on the
// enterprise's walk (district → city → province → nation), or, `through_rules`, only some of its
// rules are (a city's document restating its province's rule).
struct DocumentScope {
  const PolicyDocument* document = nullptr;
  bool covers = false;
  bool through_rules = false;
};
[[nodiscard]] std::vector<DocumentScope> documents_in_scope(const Catalogue& catalogue, const std::string& region);

// True when `text` names a prefecture-level city of `regions` (by its name without 市/地区/自治州/盟)
// that is not on the walk of `region`: "地方实施方案（东营、银川）" for a firm in 锡山.
[[nodiscard]] bool names_place_elsewhere(const std::string& text, const CodeList& regions, const std::string& region);

// T0 → T1 rule by rule: one row per rule (and project) that is eligible or eligible-if at either
// time, with each side's status and amount and the change ("new", "gone", "up", "down", "same",
// "changed"); the order of the T1 outcomes, then rules only T0 had.
[[nodiscard]] Json compare_rewards(const RewardsResult& before, const RewardsResult& after, const std::string& lang,
                                   const Words& words);

}  // namespace assess
