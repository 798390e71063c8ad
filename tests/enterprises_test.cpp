#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "scoring/assessment.h"
#include "scoring/gap.h"
#include "scoring/policy.h"
#include "scoring/questionnaire.h"
#include "scoring/rewards.h"
#include "scoring/score.h"
#include "support.h"

// End-to-end cases: tests/data/enterprises/<case>/{assessment.json, expected.json, README.md}.
// Each case is a whole assessment of a fictional enterprise against the real questionnaires; the
// expectations were worked out by hand in the case's README.md (every point, band, section, gate and
// the smallest improvement set), not copied from the program.
//
// expected.json: {"modules": {"<questionnaire id>": {
//   "total", "level" (level id or null), "missing_required" (optional, question ids),
//   "computed": {computed id: value} (optional),
//   "sections": {section id: score}, "requirements": {requirement id: {"met", "actual"}},
//   "gap_target", "gap_steps", "gap_points_gained"   (only when the hand search proves minimality),
//   "gap_tie_break_unproven_by_search": true          the program proves the steps, not the points,
//   "gap_improvements": [{"question", "to": [option ids]}]   the whole set, when it is unique,
//   "gap_includes": [...]                                       moves every minimal set must contain,
//   "filled": [{"link", "question", "value"}], "conflicts": [{"link", "question", "given", "from_link"}]}},
//  "rewards": {"date", "total_exact", "total_up_to", "total_low", "total_high",   (元, as assess::RewardsResult defines
//  them)
//   "rules": {"<rule id>[@<project id>]": {                   every eligible and eligible-if outcome, no other
//     "status": "eligible" | "eligible_if",
//     "amount": 元 (exact sums), "max": 元 (ceilings, range tops, the "if" of two outcomes),
//     "min": 元 (range bottoms, the "otherwise" of two outcomes),
//     "flags": [...] (default none), "missing": [...] (optional, the facts an eligible-if waits for)}}}}
//  The rewards are those of the README's section "Rewards (assess rewards --assessment assessment.json
//  --date …)", worked out by hand from the seed clauses, with the catalogue in policies/.

namespace {

namespace fs = std::filesystem;

const fs::path kCases = fs::path(ASSESS_SOURCE_DIR) / "tests" / "data" / "enterprises";

struct Fixture {
  assess::Library library = assess::Library::load_dir(ASSESS_SOURCE_DIR "/questionnaires");
  assess::Crosswalk crosswalk = assess::load_crosswalk(
      assess::read_json_file(ASSESS_SOURCE_DIR "/questionnaires/crosswalk.json"), "crosswalk.json", library);
};

std::vector<fs::path> case_dirs() {
  std::vector<fs::path> cases;
  for (const auto& entry : fs::directory_iterator(kCases)) {
    if (entry.is_directory()) cases.push_back(entry.path());
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

std::string level_id(const assess::Questionnaire& q, int level) {
  return level < 0 ? std::string("(none)") : q.levels[static_cast<std::size_t>(level)].id;
}

// Option ids of a selection, sorted, for comparing sets.
std::vector<std::string> option_ids(const assess::Questionnaire& q, int qi, const std::vector<int>& selected) {
  std::vector<std::string> ids;
  for (int i : selected)
    ids.push_back(q.questions[static_cast<std::size_t>(qi)].options[static_cast<std::size_t>(i)].id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<std::string> sorted_strings(const assess::Json& array) {
  std::vector<std::string> out = array.get<std::vector<std::string>>();
  std::sort(out.begin(), out.end());
  return out;
}

bool gap_contains(const assess::Questionnaire& q, const assess::GapResult& gap, const assess::Json& move) {
  const int qi = q.question_index(move.at("question").get<std::string>());
  REQUIRE_MESSAGE(qi >= 0, "no question ", move.at("question").get<std::string>());
  for (const auto& imp : gap.improvements) {
    if (imp.question == qi && option_ids(q, qi, imp.to) == sorted_strings(move.at("to"))) return true;
  }
  return false;
}

void check_gap(const assess::ModuleResult& m, const assess::Json& e) {
  const assess::Questionnaire& q = *m.questionnaire;
  const int target = q.level_index(e.at("gap_target").get<std::string>());
  REQUIRE(target >= 0);
  const assess::GapResult gap = assess::find_gap(q, m.answers, target);
  std::string found;
  for (const auto& imp : gap.improvements) {
    found += q.questions[static_cast<std::size_t>(imp.question)].id + " -> [";
    for (const auto& id : option_ids(q, imp.question, imp.to)) found += id + " ";
    found += "] ";
  }
  INFO("gap to ", e.at("gap_target").get<std::string>(), ": ", found, "(", gap.nodes_searched, " nodes)");
  REQUIRE(gap.reachable);
  if (e.value("gap_tie_break_unproven_by_search", false)) {
    // The search proved the step count (no smaller set exists) but its node limit stopped the round
    // that looks for a better-scoring set of that size; the README proves the points by hand.
    CHECK(gap.lower_bound_steps == gap.steps);
  } else {
    CHECK(gap.proven_minimal);
  }
  CHECK(gap.steps == e.at("gap_steps").get<int>());
  CHECK_NEAR(gap.points_gained, e.at("gap_points_gained").get<double>());
  CHECK(gap.after.levels.level >= target);
  int steps = 0;
  for (const auto& imp : gap.improvements) steps += imp.steps;
  CHECK(steps == gap.steps);
  if (e.contains("gap_improvements")) {
    CHECK(gap.improvements.size() == e.at("gap_improvements").size());
    for (const auto& move : e.at("gap_improvements")) {
      INFO("expected move ", move.dump());
      CHECK(gap_contains(q, gap, move));
    }
  }
  if (e.contains("gap_includes")) {
    for (const auto& move : e.at("gap_includes")) {
      INFO("expected move ", move.dump());
      CHECK(gap_contains(q, gap, move));
    }
  }
}

void check_module(const assess::ModuleResult& m, const assess::Json& e) {
  const assess::Questionnaire& q = *m.questionnaire;
  const assess::ScoreResult& r = m.result;
  CHECK_NEAR(r.sections[0].score, e.at("total").get<double>());
  CHECK(level_id(q, r.levels.level) == (e.at("level").is_null() ? "(none)" : e.at("level").get<std::string>()));

  if (e.contains("missing_required")) {
    std::vector<std::string> missing;
    for (int qi : r.missing_required) missing.push_back(q.questions[static_cast<std::size_t>(qi)].id);
    std::sort(missing.begin(), missing.end());
    CHECK(missing == sorted_strings(e.at("missing_required")));
  }

  if (e.contains("computed")) {
    for (const auto& [id, value] : e.at("computed").items()) {
      INFO("computed ", id);
      const int ci = q.computed_index(id);
      REQUIRE(ci >= 0);
      const assess::Json& actual = r.computed[static_cast<std::size_t>(ci)];
      if (value.is_number()) {
        REQUIRE(actual.is_number());
        CHECK_NEAR(actual.get<double>(), value.get<double>());
      } else {
        CHECK(actual == value);
      }
    }
  }

  for (const auto& [id, score] : e.at("sections").items()) {
    INFO("section ", id);
    const int si = id == q.id ? 0 : q.section_index(id);
    REQUIRE(si >= 0);
    CHECK_NEAR(r.sections[static_cast<std::size_t>(si)].score, score.get<double>());
  }

  // Every requirement of every level is listed, so none is left unchecked.
  std::set<std::string> seen;
  for (std::size_t li = 0; li < q.levels.size(); ++li) {
    for (std::size_t ri = 0; ri < q.levels[li].requirements.size(); ++ri) {
      const std::string& id = q.levels[li].requirements[ri].id;
      INFO("requirement ", id);
      REQUIRE_MESSAGE(e.at("requirements").contains(id), "expected.json lacks requirement ", id);
      const assess::Json& er = e.at("requirements").at(id);
      const assess::RequirementResult& rr = r.levels.requirements[li][ri];
      CHECK(rr.met == er.at("met").get<bool>());
      CHECK_NEAR(rr.actual, er.at("actual").get<double>());
      seen.insert(id);
    }
  }
  CHECK(seen.size() == e.at("requirements").size());

  if (e.contains("filled")) {
    REQUIRE(m.filled.size() == e.at("filled").size());
    for (std::size_t i = 0; i < m.filled.size(); ++i) {
      const assess::Json& f = e.at("filled")[i];
      CHECK(m.filled[i].link == f.at("link").get<std::string>());
      CHECK(m.filled[i].question == f.at("question").get<std::string>());
      CHECK(m.filled[i].value == f.at("value"));
    }
  } else {
    CHECK(m.filled.empty());
  }
  if (e.contains("conflicts")) {
    REQUIRE(m.conflicts.size() == e.at("conflicts").size());
    for (std::size_t i = 0; i < m.conflicts.size(); ++i) {
      const assess::Json& c = e.at("conflicts")[i];
      CHECK(m.conflicts[i].link == c.at("link").get<std::string>());
      CHECK(m.conflicts[i].question == c.at("question").get<std::string>());
      CHECK(m.conflicts[i].given == c.at("given"));
      CHECK(m.conflicts[i].from_link == c.at("from_link"));
    }
  } else {
    CHECK(m.conflicts.empty());
  }

  if (e.contains("gap_steps")) check_gap(m, e);
}

std::string outcome_key(const assess::RuleOutcome& o) {
  return o.rule->id + (o.project.empty() ? "" : "@" + o.project);
}

std::vector<std::string> sorted_copy(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// One eligible or eligible-if outcome against its expected entry: status, amount by shape, flags and
// (when given) the missing facts.
void check_outcome(const assess::RuleOutcome& o, const assess::Json& e) {
  CHECK(std::string(assess::to_string(o.status)) == e.at("status").get<std::string>());
  const assess::RewardAmount& a = o.amount;
  INFO("shape ", std::string(assess::to_string(a.shape)), ", value ", a.value, ", low ", a.low);
  switch (a.shape) {
    case assess::AmountShape::kExact:
      CHECK_MESSAGE(e.contains("amount"), "an exact amount, not in expected.json");
      if (e.contains("amount")) CHECK(a.value == e.at("amount").get<long long>());
      CHECK_FALSE(e.contains("max"));
      CHECK_FALSE(e.contains("min"));
      break;
    case assess::AmountShape::kUpTo:
      CHECK_MESSAGE(e.contains("max"), "a ceiling, not in expected.json");
      if (e.contains("max")) CHECK(a.value == e.at("max").get<long long>());
      CHECK_FALSE(e.contains("amount"));
      CHECK_FALSE(e.contains("min"));
      break;
    case assess::AmountShape::kRange:
      CHECK_MESSAGE((e.contains("min") && e.contains("max")), "a range, not in expected.json");
      if (e.contains("min")) CHECK(a.low == e.at("min").get<long long>());
      if (e.contains("max")) CHECK(a.value == e.at("max").get<long long>());
      CHECK_FALSE(e.contains("amount"));
      break;
    case assess::AmountShape::kEither:
      CHECK_MESSAGE((e.contains("min") && e.contains("max")), "two outcomes, not in expected.json");
      if (e.contains("min")) CHECK(a.low == e.at("min").get<long long>());
      if (e.contains("max")) CHECK(a.value == e.at("max").get<long long>());
      CHECK_FALSE(e.contains("amount"));
      break;
    case assess::AmountShape::kCaseByCase:
    case assess::AmountShape::kNone:
      CHECK_FALSE(e.contains("amount"));
      CHECK_FALSE(e.contains("max"));
      CHECK_FALSE(e.contains("min"));
      break;
  }
  const std::vector<std::string> flags =
      e.contains("flags") ? sorted_strings(e.at("flags")) : std::vector<std::string>{};
  CHECK(sorted_copy(o.flags) == flags);
  if (e.contains("missing")) CHECK(sorted_copy(o.missing) == sorted_strings(e.at("missing")));
}

}  // namespace

TEST_CASE("every enterprise case under tests/data/enterprises matches the figures worked out by hand in its README") {
  const Fixture lib;
  const std::vector<fs::path> cases = case_dirs();
  CHECK(cases.size() >= 5);
  for (const fs::path& dir : cases) {
    const std::string name = dir.filename().string();
    CAPTURE(name);
    REQUIRE(fs::exists(dir / "README.md"));
    const assess::Json doc = assess::read_json_file((dir / "assessment.json").string());
    const assess::Json expected = assess::read_json_file((dir / "expected.json").string());
    const assess::AssessmentResult result =
        assess::score_assessment(lib.library, lib.crosswalk, doc, (dir / "assessment.json").string());
    for (const auto& error : result.errors) FAIL_CHECK("unexpected answer error: ", error.what());

    std::set<std::string> expected_modules;
    for (const auto& [id, e] : expected.at("modules").items()) expected_modules.insert(id);
    std::set<std::string> scored_modules;
    for (const auto& [id, m] : result.modules) scored_modules.insert(id);
    CHECK(scored_modules == expected_modules);

    for (const auto& [id, e] : expected.at("modules").items()) {
      CAPTURE(id);
      auto it = result.modules.find(id);
      REQUIRE(it != result.modules.end());
      check_module(it->second, e);
    }
  }
}

TEST_CASE("every enterprise case's rewards match the amounts worked out by hand in its README") {
  const Fixture lib;
  const assess::Catalogue catalogue = assess::load_catalogue_dir(ASSESS_SOURCE_DIR "/policies");
  const std::vector<fs::path> cases = case_dirs();
  CHECK(cases.size() >= 5);
  for (const fs::path& dir : cases) {
    const std::string name = dir.filename().string();
    CAPTURE(name);
    const assess::Json doc = assess::read_json_file((dir / "assessment.json").string());
    const assess::Json expected = assess::read_json_file((dir / "expected.json").string());
    REQUIRE_MESSAGE(expected.contains("rewards"), "expected.json has no \"rewards\"");
    const assess::Json& e = expected.at("rewards");
    const assess::AssessmentResult result =
        assess::score_assessment(lib.library, lib.crosswalk, doc, (dir / "assessment.json").string());
    for (const auto& error : result.errors) FAIL_CHECK("unexpected answer error: ", error.what());
    const assess::RewardsResult rewards = assess::evaluate_rewards(catalogue, assess::enterprise_facts(result),
                                                                   result.projects, e.at("date").get<std::string>());

    CHECK(rewards.total_exact == e.at("total_exact").get<long long>());
    CHECK(rewards.total_up_to == e.at("total_up_to").get<long long>());
    CHECK(rewards.total_low == e.at("total_low").get<long long>());
    CHECK(rewards.total_high == e.at("total_high").get<long long>());

    // Every eligible and eligible-if outcome is expected, and every expected one is there; the rest are
    // not eligible.
    const assess::Json& rules = e.at("rules");
    std::set<std::string> seen;
    for (const auto& o : rewards.outcomes) {
      const std::string key = outcome_key(o);
      CAPTURE(key);
      CHECK_MESSAGE(seen.insert(key).second, "two outcomes with the same key");
      if (o.status == assess::Eligibility::kNotEligible) {
        CHECK_MESSAGE(!rules.contains(key), "expected ", rules.contains(key) ? rules.at(key).dump() : "",
                      ", but not eligible: ", o.failed, " ",
                      o.failed_title.in("zh-CN", assess::testing::shipped_words("zh-CN")));
        continue;
      }
      if (!rules.contains(key)) {
        FAIL_CHECK("not in expected.json: ", std::string(assess::to_string(o.status)), " ",
                   assess::format_yuan(o.amount.value));
        continue;
      }
      check_outcome(o, rules.at(key));
    }
    for (const auto& [key, value] : rules.items()) {
      CAPTURE(key);
      CHECK_MESSAGE(seen.count(key) == 1, "expected ", value.dump(), ", but the rule gave no such outcome");
    }
  }
}
