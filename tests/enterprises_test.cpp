#include "assess/assessment.h"

#include "support.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "assess/gap.h"
#include "assess/questionnaire.h"
#include "assess/score.h"

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
//   "filled": [{"link", "question", "value"}], "conflicts": [{"link", "question", "given", "from_link"}]}}}

namespace {

namespace fs = std::filesystem;

const fs::path kCases = fs::path(ASSESS_SOURCE_DIR) / "tests" / "data" / "enterprises";


struct Fixture {
  assess::Library library = assess::Library::load_dir(ASSESS_SOURCE_DIR "/questionnaires");
  assess::Crosswalk crosswalk = assess::load_crosswalk(
      assess::read_json_file(ASSESS_SOURCE_DIR "/questionnaires/crosswalk.json"), "crosswalk.json", library);
};

std::string level_id(const assess::Questionnaire& q, int level) {
  return level < 0 ? std::string("(none)") : q.levels[static_cast<std::size_t>(level)].id;
}

// Option ids of a selection, sorted, for comparing sets.
std::vector<std::string> option_ids(const assess::Questionnaire& q, int qi, const std::vector<int>& selected) {
  std::vector<std::string> ids;
  for (int i : selected) ids.push_back(q.questions[static_cast<std::size_t>(qi)].options[static_cast<std::size_t>(i)].id);
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

}  // namespace

TEST_CASE("every enterprise case under tests/data/enterprises matches the figures worked out by hand in its README") {
  const Fixture lib;
  std::vector<fs::path> cases;
  for (const auto& entry : fs::directory_iterator(kCases)) {
    if (entry.is_directory()) cases.push_back(entry.path());
  }
  std::sort(cases.begin(), cases.end());
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
