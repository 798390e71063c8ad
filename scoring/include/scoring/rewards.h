// rewards.h — what an enterprise's position is worth under the local policies.
//
// `evaluate_rewards` is a pure function of the catalogue, the enterprise's facts (profile, region,
// module results), its projects and the date: for every rule of every document whose jurisdiction
// contains the enterprise's region (district → city → province → nation) it says eligible, not
// eligible (naming the failed condition or disqualifier) or eligible if (naming the missing facts),
// and the amount with its computation: basis × rate, which band and why, which bonus, which cap.
// Draft, expired and not-yet-in-force documents are flagged on every outcome that uses them. No
// number is invented: a ceiling is "up to", an unpublished base is "amount decided case by case".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "scoring/policy.h"
#include "scoring/text.h"

namespace assess {

enum class Eligibility { kEligible, kNotEligible, kEligibleIf };
[[nodiscard]] const char* to_string(Eligibility e);

// kExact: a sum; kUpTo: a ceiling, the sum decided case by case; kRange: low–value (a rate decided
// case by case); kEither: `value` if `condition` holds, else `low` (a bonus fact not yet known);
// kCaseByCase: money decided case by case with no published ceiling (一事一议); kNone: support
// without money, or a tax treatment.
enum class AmountShape { kExact, kUpTo, kRange, kEither, kCaseByCase, kNone };
[[nodiscard]] const char* to_string(AmountShape s);

struct RewardAmount {
  AmountShape shape = AmountShape::kNone;
  long long value = 0;        // kExact; kUpTo: the ceiling; kRange: the upper end; kEither: if `condition` holds
  long long low = 0;          // kRange: the lower end; kEither: otherwise
  Phrase condition;           // kEither: what decides between the two
  std::vector<Phrase> steps;  // the computation, one line each (worded when shown: text.h Phrase)
};

struct RuleOutcome {
  const PolicyDocument* document = nullptr;
  const PolicyRule* rule = nullptr;
  std::string project;  // project id for per-project rules ("" when no project was given)
  Eligibility status = Eligibility::kNotEligible;
  std::string failed;  // id of the failed condition or disqualifier, or "basis"
  Phrase failed_title;
  std::vector<std::string> missing;  // fact paths that would decide the rule
  RewardAmount amount;
  // "draft", "expired", "not_yet_in_force", "alternative", "stacking_not_stated", "from_profile"
  // (a stand-in project built from the profile's enterprise totals), "apply_for_recognition", and
  // the rule's own flags.
  std::vector<std::string> flags;
  // A recognition award the self-check reaches but no recognition is held: what to apply for
  // (flag "apply_for_recognition"); unlock_text() says "apply for … to unlock ≤ X" in words.
  Text apply_for;
};

// A per-enterprise cap applied over several outcomes of one rule.
struct CapApplied {
  std::string rule;
  long long before = 0;
  long long after = 0;
  Phrase explanation;
};

struct RewardsResult {
  std::string region;
  std::vector<std::string> regions;  // the jurisdiction walk, nearest first
  std::vector<RuleOutcome> outcomes;
  std::vector<CapApplied> caps;
  long long total_exact = 0;  // sum of exact amounts of eligible outcomes, after enterprise caps
  long long total_up_to = 0;  // sum of ceilings and range tops of eligible outcomes
  // The total as a range: `total_low` counts exact sums and range floors (of rules whose stacking the
  // text leaves open, only the largest); `total_high` adds range tops, ceilings and every open stack.
  // 50万 + (40–60万) = 90–110万.
  long long total_low = 0;
  long long total_high = 0;
  int case_by_case = 0;  // eligible outcomes paying money decided case by case, no ceiling (not in the totals)
};

// The GB/T 2260 walk: "320583" → 320583, 320500, 320000, 100000 (the code structure: province
// xx0000, city xxxx00).
[[nodiscard]] std::vector<std::string> region_walk(const std::string& code);

// `enterprise`: {"profile": {...}, "region": "320205", "results": {...}}; each project
// {"id", "kind", ...} (policies/README.md). `date` is YYYY-MM-DD.
[[nodiscard]] RewardsResult evaluate_rewards(const Catalogue& catalogue, const Json& enterprise,
                                             const std::vector<Json>& projects, const std::string& date);

// Rules whose outcome improves when a module reaches `level` (status becomes eligible or
// eligible-if, or the amount grows), and recognition awards the level makes the enterprise ready to
// apply for (flag "apply_for_recognition", `unlock` says what): what the next step is worth.
[[nodiscard]] std::vector<RuleOutcome> rewards_unlocked(const Catalogue& catalogue, const Json& enterprise,
                                                        const std::vector<Json>& projects, const std::string& date,
                                                        const std::string& module, const std::string& level);

// "150万", "12.5万", "8000元".
[[nodiscard]] std::string format_yuan(long long yuan);

// The amount as shown: "150万", "最高100万", "16万–24万", "200万（若…），否则150万", "资金支持，金额个案确定",
// "非资金支持" — the words around the figures are `words` ("srv_amount_*", text.h); `lang` chooses
// the definitions' texts and English money ("2,000,000 yuan") when it is "en".
[[nodiscard]] std::string amount_display(const RewardAmount& amount, const std::string& lang, const Words& words);
// "90万–110万", or "90万" when low == high.
[[nodiscard]] std::string total_display(const RewardsResult& result, const std::string& lang);
// An outcome's "apply for … to unlock ≤ X" ("srv_reward_unlock"); "" without `apply_for`.
[[nodiscard]] std::string unlock_text(const RuleOutcome& outcome, const std::string& lang, const Words& words);

[[nodiscard]] Json rewards_to_json(const RewardsResult& result, const std::string& lang, const Words& words);

}  // namespace assess
