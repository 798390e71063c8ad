#include "scoring/score.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "scoring/answers.h"
#include "scoring/error.h"
#include "scoring/questionnaire.h"
#include "support.h"

using assess::AnswerSet;
using assess::Json;
using assess::Questionnaire;
using assess::ScoreResult;

namespace {

namespace fs = std::filesystem;

const fs::path kScoringData = fs::path(ASSESS_SOURCE_DIR) / "tests" / "data" / "scoring";

Questionnaire define(const Json& definition) {
  return assess::load_questionnaire(definition, "inline.json");
}

AnswerSet answer(const Questionnaire& q, const Json& answers) {
  return assess::testing::answers_for(q, answers);
}

ScoreResult score_of(const Questionnaire& q, const Json& answers) {
  return assess::score(q, answer(q, answers));
}

const assess::QuestionResult& question(const Questionnaire& q, const ScoreResult& r, const std::string& id) {
  const int qi = q.question_index(id);
  REQUIRE_MESSAGE(qi >= 0, "no question ", id);
  return r.questions[static_cast<std::size_t>(qi)];
}

const assess::SectionResult& section(const Questionnaire& q, const ScoreResult& r, const std::string& id) {
  const int si = id == q.id ? 0 : q.section_index(id);
  REQUIRE_MESSAGE(si >= 0, "no section ", id);
  return r.sections[static_cast<std::size_t>(si)];
}

std::string level_id(const Questionnaire& q, const ScoreResult& r) {
  return r.levels.level < 0 ? std::string("(none)") : q.levels[static_cast<std::size_t>(r.levels.level)].id;
}

Json option(const std::string& id, double points) {
  return {{"id", id}, {"label", id}, {"points", points}};
}

Json single(const std::string& id, std::vector<double> points, double weight = 1) {
  Json options = Json::array();
  for (std::size_t i = 0; i < points.size(); ++i) {
    std::string option_id = "o";
    option_id += std::to_string(i);  // (not "o" + ...: GCC 12 reports a false -Wrestrict at -O3)
    options.push_back(option(option_id, points[i]));
  }
  return {{"id", id}, {"type", "single"}, {"title", id}, {"weight", weight}, {"options", options}};
}

Json root(Json body) {
  body["id"] = "t";
  body["version"] = "1";
  body["title"] = "T";
  return body;
}

// ---------------------------------------------------------------------------------------------
// The data-driven cases: tests/data/scoring/<case>/{questionnaire,answers,expected}.json

void compare_with_expected(const fs::path& dir) {
  const Questionnaire q = assess::load_questionnaire_file((dir / "questionnaire.json").string());
  const Json answers_doc = assess::read_json_file((dir / "answers.json").string());
  const Json expected = assess::read_json_file((dir / "expected.json").string());
  assess::ParsedAnswers parsed = assess::parse_answers(q, answers_doc, (dir / "answers.json").string());
  for (const auto& e : parsed.errors) FAIL_CHECK("unexpected answer error: ", e.what());
  const ScoreResult r = assess::score(q, parsed.set);

  CHECK_NEAR(r.sections[0].score, expected.at("total").get<double>());
  if (expected.at("level").is_null()) {
    CHECK(r.levels.level == -1);
  } else {
    CHECK(level_id(q, r) == expected.at("level").get<std::string>());
  }
  if (expected.contains("holds")) {
    const std::vector<bool> holds = expected.at("holds").get<std::vector<bool>>();
    CHECK(r.levels.holds == holds);
  }

  for (const auto& [id, e] : expected.at("sections").items()) {
    INFO("section ", id);
    const assess::SectionResult& s = section(q, r, id);
    CHECK_NEAR(s.score, e.at("score").get<double>());
    CHECK_NEAR(s.max, e.at("max").get<double>());
    if (e.contains("weight_total")) CHECK_NEAR(s.weight_total, e.at("weight_total").get<double>());
    if (e.contains("passed")) CHECK(s.passed == e.at("passed").get<bool>());
    if (e.contains("applicable")) CHECK(s.applicable == e.at("applicable").get<bool>());
  }

  for (const auto& [id, e] : expected.at("questions").items()) {
    INFO("question ", id);
    const assess::QuestionResult& qr = question(q, r, id);
    CHECK_NEAR(qr.points, e.at("points").get<double>());
    if (e.contains("max")) CHECK_NEAR(qr.max, e.at("max").get<double>());
    if (e.contains("visible")) CHECK(qr.visible == e.at("visible").get<bool>());
    if (e.contains("answered")) CHECK(qr.answered == e.at("answered").get<bool>());
    if (e.contains("counts")) CHECK(qr.counts == e.at("counts").get<bool>());
    if (e.contains("required")) CHECK(qr.required == e.at("required").get<bool>());
    if (e.contains("band")) CHECK(qr.band == e.at("band").get<int>());
    if (e.contains("value")) CHECK_NEAR(qr.value, e.at("value").get<double>());
  }

  if (expected.contains("computed")) {
    for (const auto& [id, e] : expected.at("computed").items()) {
      INFO("computed ", id);
      const int ci = q.computed_index(id);
      REQUIRE(ci >= 0);
      const Json& actual = r.computed[static_cast<std::size_t>(ci)];
      REQUIRE(actual.is_number());
      CHECK_NEAR(actual.get<double>(), e.get<double>());
    }
  }

  REQUIRE(expected.at("requirements").size() == q.levels.size());
  for (const auto& [level, reqs] : expected.at("requirements").items()) {
    INFO("level ", level);
    const int li = q.level_index(level);
    REQUIRE(li >= 0);
    const auto& actual = r.levels.requirements[static_cast<std::size_t>(li)];
    const auto& defined = q.levels[static_cast<std::size_t>(li)].requirements;
    REQUIRE(reqs.size() == actual.size());
    for (std::size_t k = 0; k < reqs.size(); ++k) {
      const Json& e = reqs[k];
      INFO("requirement ", e.at("id").get<std::string>());
      CHECK(defined[k].id == e.at("id").get<std::string>());
      CHECK(actual[k].met == e.at("met").get<bool>());
      CHECK_NEAR(actual[k].actual, e.at("actual").get<double>());
      if (e.contains("counted")) CHECK(actual[k].counted == e.at("counted").get<int>());
      if (e.contains("considered")) CHECK(actual[k].considered == e.at("considered").get<int>());
    }
  }

  std::vector<std::string> missing;
  for (int qi : r.missing_required) missing.push_back(q.questions[static_cast<std::size_t>(qi)].id);
  CHECK(missing == expected.at("missing_required").get<std::vector<std::string>>());
}

}  // namespace

TEST_CASE("every scoring case under tests/data/scoring matches its hand-computed expected.json") {
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(kScoringData)) {
    if (entry.is_directory()) dirs.push_back(entry.path());
  }
  std::sort(dirs.begin(), dirs.end());
  REQUIRE(dirs.size() >= 4);
  for (const auto& dir : dirs) {
    INFO("case ", dir.filename().string());
    for (const char* file : {"questionnaire.json", "answers.json", "expected.json", "README.md"}) {
      CHECK_MESSAGE(fs::exists(dir / file), dir.filename().string(), " lacks ", file);
    }
    try {
      compare_with_expected(dir);
    } catch (const assess::Error& e) {
      FAIL_CHECK("case ", dir.filename().string(), " failed to load: ", e.what());
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Aggregations

TEST_CASE("a section aggregates the children that count with the method it names") {
  // Three questions answered 4 (of 10, weight 1), 6 (of 10, weight 2) and 0 (of 5, weight 1).
  auto def = [](const std::string& aggregation) {
    return root(
        {{"sections",
          {{{"id", "s"},
            {"title", "S"},
            {"aggregation", aggregation},
            {"questions", {single("a", {0, 4, 10}, 1), single("b", {0, 6, 10}, 2), single("c", {0, 5}, 1)}}}}}});
  };
  const Json given = {{"a", "o1"}, {"b", "o1"}, {"c", "o0"}};

  SUBCASE("sum adds weighted scores and weighted maxima") {
    const Questionnaire q = define(def("sum"));
    const ScoreResult r = score_of(q, given);
    CHECK_NEAR(section(q, r, "s").score, 1 * 4 + 2 * 6 + 1 * 0);  // 16
    CHECK_NEAR(section(q, r, "s").max, 1 * 10 + 2 * 10 + 1 * 5);  // 35
    CHECK_NEAR(section(q, r, "s").weight_total, 4);
  }
  SUBCASE("weighted_mean divides the weighted sum by the sum of weights") {
    const Questionnaire q = define(def("weighted_mean"));
    const ScoreResult r = score_of(q, given);
    CHECK_NEAR(section(q, r, "s").score, 16.0 / 4);  // 4
    CHECK_NEAR(section(q, r, "s").max, 35.0 / 4);    // 8.75
  }
  SUBCASE("min takes the weakest child and ignores weights") {
    const Questionnaire q = define(def("min"));
    const ScoreResult r = score_of(q, given);
    CHECK_NEAR(section(q, r, "s").score, 0);  // min(4, 6, 0)
    CHECK_NEAR(section(q, r, "s").max, 5);    // min(10, 10, 5)
  }
  SUBCASE("min over the children that count: a not-applicable weak child is left out") {
    Json d = def("min");
    d["sections"][0]["questions"][2]["not_applicable"] = true;
    const Questionnaire q = define(d);
    const ScoreResult r = score_of(q, {{"a", "o1"}, {"b", "o1"}, {"c", {{"na", true}}}});
    CHECK_NEAR(section(q, r, "s").score, 4);  // min(4, 6)
    CHECK_NEAR(section(q, r, "s").max, 10);
  }
  SUBCASE("the root sums its sections with their weights") {
    Json d = def("weighted_mean");
    d["sections"][0]["weight"] = 3;
    d["sections"].push_back({{"id", "s2"}, {"title", "S2"}, {"questions", {single("d", {0, 2})}}});
    const Questionnaire q = define(d);
    Json g = given;
    g["d"] = "o1";
    const ScoreResult r = score_of(q, g);
    CHECK_NEAR(r.sections[0].score, 3 * 4 + 1 * 2);   // 14
    CHECK_NEAR(r.sections[0].max, 3 * 8.75 + 1 * 2);  // 28.25
  }
}

TEST_CASE("rating_mean averages ratings and passes at pass_mark") {
  auto def = [](std::optional<double> pass_mark) {
    Json s = {{"id", "s"},
              {"title", "S"},
              {"aggregation", "rating_mean"},
              {"questions",
               {single("a", {0, 0.5, 0.8, 1}, 1), single("b", {0, 0.5, 0.8, 1}, 2), single("c", {0, 0.5, 0.8, 1}, 1)}}};
    if (pass_mark) s["pass_mark"] = *pass_mark;
    return root({{"sections", {s}}});
  };
  // a = 1 (w 1), b = 0.8 (w 2), c = 0.5 (w 1): S = (1 + 1.6 + 0.5) / 4 = 0.775.
  const Json given = {{"a", "o3"}, {"b", "o2"}, {"c", "o1"}};

  SUBCASE("the score is the weighted mean of the ratings") {
    const Questionnaire q = define(def(std::nullopt));
    const ScoreResult r = score_of(q, given);
    CHECK_NEAR(section(q, r, "s").score, 0.775);
    CHECK_NEAR(section(q, r, "s").max, 1);
  }
  SUBCASE("below the default pass_mark 0.8 the node does not pass") {
    const Questionnaire q = define(def(std::nullopt));
    CHECK_FALSE(section(q, score_of(q, given), "s").passed);
  }
  SUBCASE("at or above a custom pass_mark the node passes") {
    const Questionnaire q = define(def(0.775));
    CHECK(section(q, score_of(q, given), "s").passed);
  }
  SUBCASE("a score exactly at the default pass_mark passes") {
    const Questionnaire q = define(def(std::nullopt));
    CHECK(section(q, score_of(q, {{"a", "o2"}, {"b", "o2"}, {"c", "o2"}}), "s").passed);  // 0.8
  }
}

TEST_CASE("a section whose children all drop out is not applicable and leaves its parent's denominator") {
  Json a = single("a", {0, 10});
  a["not_applicable"] = true;
  const Questionnaire q = define(root({{"aggregation", "weighted_mean"},
                                       {"sections",
                                        {{{"id", "s1"}, {"title", "S1"}, {"questions", {a}}},
                                         {{"id", "s2"}, {"title", "S2"}, {"questions", {single("b", {0, 10})}}}}}}));
  const ScoreResult r = score_of(q, {{"a", {{"na", true}}}, {"b", "o1"}});
  CHECK_FALSE(section(q, r, "s1").applicable);
  CHECK(section(q, r, "s2").applicable);
  CHECK_NEAR(r.sections[0].score, 10);  // 10 / 1, not 10 / 2
  CHECK_NEAR(r.sections[0].weight_total, 1);
}

TEST_CASE("a section with scored: false is computed but left out of its parent") {
  const Questionnaire q =
      define(root({{"sections",
                    {{{"id", "s1"}, {"title", "S1"}, {"questions", {single("a", {0, 3})}}},
                     {{"id", "s2"}, {"title", "S2"}, {"scored", false}, {"questions", {single("b", {0, 7})}}}}}}));
  const ScoreResult r = score_of(q, {{"a", "o1"}, {"b", "o1"}});
  CHECK_NEAR(section(q, r, "s2").score, 7);
  CHECK_NEAR(r.sections[0].score, 3);
  CHECK_NEAR(r.sections[0].max, 3);
}

// ---------------------------------------------------------------------------------------------
// Which questions count

TEST_CASE("answers to hidden questions are kept but ignored") {
  Json x = single("x", {0, 10});
  x["visible_if"] = {{"==", {{{"var", "gate"}}, true}}};
  Json y = single("y", {0, 5});
  y["visible_if"] = {{"!!", {{"var", "x"}}}};
  const Questionnaire q =
      define(root({{"questions", {{{"id", "gate"}, {"type", "yesno"}, {"title", "G"}, {"points", {{"yes", 1}}}}, x, y}},
                   {"levels",
                    {{"items",
                      {{{"id", "L1"},
                        {"name", "L1"},
                        {"requires",
                         {{{"id", "r_count"}, {"count", {{"questions", {"x", "y"}}}}, {">=", 0}},
                          {{"id", "r_x"}, {"value", "x"}, {">=", 0}},
                          {{"id", "r_logic"}, {"logic", {{"!", {{"var", "x"}}}}}}}}}}}}}}));
  const AnswerSet given = answer(q, {{"gate", false}, {"x", "o1"}, {"y", "o1"}});
  const ScoreResult r = assess::score(q, given);

  SUBCASE("the answer stays in the answer set") {
    CHECK(given.answers[static_cast<std::size_t>(q.question_index("x"))].present);
    CHECK(assess::answers_to_json(q, given)["answers"]["x"] == "o1");
  }
  SUBCASE("the hidden question scores nothing and is left out of the aggregate") {
    CHECK_FALSE(question(q, r, "x").visible);
    CHECK_FALSE(question(q, r, "x").counts);
    CHECK_NEAR(question(q, r, "x").points, 0);
    CHECK_NEAR(r.sections[0].score, 0);
    CHECK_NEAR(r.sections[0].max, 1);  // gate only
  }
  SUBCASE("a later condition reads the hidden question as unanswered") {
    CHECK_FALSE(question(q, r, "y").visible);
  }
  SUBCASE("requirements do not consider hidden questions") {
    const auto& reqs = r.levels.requirements[0];
    CHECK(reqs[0].considered == 0);
    CHECK_FALSE(reqs[1].met);  // a value requirement on a hidden question fails
    CHECK(reqs[2].met);        // logic sees the hidden answer as absent
  }
  SUBCASE("showing the question again restores its points") {
    const ScoreResult shown = score_of(q, {{"gate", true}, {"x", "o1"}, {"y", "o1"}});
    CHECK(question(q, shown, "x").counts);
    CHECK_NEAR(shown.sections[0].score, 1 + 10 + 5);
  }
}

TEST_CASE("not applicable leaves the denominator, unanswered counts as zero") {
  Json b = single("b", {0, 10});
  b["not_applicable"] = true;
  const Questionnaire q = define(root({{"sections",
                                        {{{"id", "s"},
                                          {"title", "S"},
                                          {"aggregation", "weighted_mean"},
                                          {"questions", {single("a", {0, 5, 10}), b}}}}}}));

  SUBCASE("an N/A answer leaves a mean's denominator") {
    const ScoreResult r = score_of(q, {{"a", "o1"}, {"b", {{"na", true}}}});
    CHECK_FALSE(question(q, r, "b").counts);
    CHECK(question(q, r, "b").answered);
    CHECK_NEAR(section(q, r, "s").score, 5);  // 5 / 1
    CHECK_NEAR(section(q, r, "s").max, 10);
    CHECK_NEAR(section(q, r, "s").weight_total, 1);
  }
  SUBCASE("unanswered optional question contributes zero but keeps its weight") {
    const ScoreResult r = score_of(q, {{"a", "o1"}});
    CHECK(question(q, r, "b").counts);
    CHECK_FALSE(question(q, r, "b").answered);
    CHECK_NEAR(question(q, r, "b").points, 0);
    CHECK_NEAR(question(q, r, "b").max, 10);
    CHECK_NEAR(section(q, r, "s").score, 2.5);  // (5 + 0) / 2
    CHECK_NEAR(section(q, r, "s").max, 10);
    CHECK(r.missing_required.empty());
  }
}

TEST_CASE("question points follow the type's rule") {
  const Questionnaire q =
      define(root({{"questions",
                    {{{"id", "m"},
                      {"type", "multi"},
                      {"title", "M"},
                      {"max_points", 5},
                      {"options",
                       {option("x", 2),
                        option("y", 4),
                        {{"id", "none"}, {"label", "none"}, {"points", 0.5}, {"exclusive", true}}}}},
                     {{"id", "l"},
                      {"type", "ladder"},
                      {"title", "L"},
                      {"options",
                       {{{"id", "l0"}, {"label", "0"}, {"level", 0}},
                        {{"id", "l1"}, {"label", "1"}, {"level", 1}},
                        {{"id", "l2"}, {"label", "2"}, {"level", 2}}}}},
                     {{"id", "b"},
                      {"type", "band"},
                      {"title", "B"},
                      {"options",
                       {{{"id", "lo"}, {"label", "lo"}, {"points", 1}, {"range", {{"lt", 10}}}},
                        {{"id", "hi"}, {"label", "hi"}, {"points", 3}, {"range", {{"ge", 10}}}}}}},
                     {{"id", "yn"}, {"type", "yesno"}, {"title", "YN"}, {"points", {{"yes", 2}, {"no", 1}}}},
                     {{"id", "n"}, {"type", "number"}, {"title", "N"}}}}}));

  SUBCASE("multi adds the selected options and caps the sum at max_points") {
    CHECK_NEAR(question(q, score_of(q, {{"m", {"x", "y"}}}), "m").points, 5);  // min(6, 5)
    CHECK_NEAR(question(q, score_of(q, {{"m", {"x"}}}), "m").points, 2);
    CHECK_NEAR(question(q, score_of(q, {{"m", {"x"}}}), "m").max, 5);
  }
  SUBCASE("the exclusive none option scores its own points") {
    CHECK_NEAR(question(q, score_of(q, {{"m", {"none"}}}), "m").points, 0.5);
  }
  SUBCASE("ladder points default to the level") {
    CHECK_NEAR(question(q, score_of(q, {{"l", 2}}), "l").points, 2);
    CHECK_NEAR(question(q, score_of(q, {{"l", 2}}), "l").max, 2);
  }
  SUBCASE("a band's lower bound is inclusive when written ge") {
    const ScoreResult at = score_of(q, {{"b", 10}});
    CHECK(question(q, at, "b").band == 1);
    CHECK_NEAR(question(q, at, "b").points, 3);
    const ScoreResult below = score_of(q, {{"b", 9.999}});
    CHECK(question(q, below, "b").band == 0);
    CHECK_NEAR(question(q, below, "b").points, 1);
  }
  SUBCASE("yes/no scores its yes or no points") {
    CHECK_NEAR(question(q, score_of(q, {{"yn", true}}), "yn").points, 2);
    CHECK_NEAR(question(q, score_of(q, {{"yn", false}}), "yn").points, 1);
  }
  SUBCASE("number questions carry a value but no points") {
    const ScoreResult r = score_of(q, {{"n", 42}});
    CHECK_FALSE(question(q, r, "n").counts);
    CHECK_NEAR(question(q, r, "n").value, 42);
    CHECK_NEAR(question(q, r, "n").points, 0);
  }
}

TEST_CASE("a band computed from other answers") {
  const Questionnaire q = define(root(
      {{"questions",
        {{{"id", "staff"}, {"type", "number"}, {"title", "Staff"}, {"min", 0}},
         {{"id", "rd"}, {"type", "number"}, {"title", "R&D"}, {"min", 0}},
         {{"id", "ratio_band"},
          {"type", "band"},
          {"title", "Ratio"},
          {"value_from", "ratio"},
          {"options",
           {{{"id", "lo"}, {"label", "lo"}, {"points", 0}, {"range", {{"lt", 10}}}},
            {{"id", "hi"}, {"label", "hi"}, {"points", 4}, {"range", {{"ge", 10}}}}}}}}},
       {"computed", {{{"id", "ratio"}, {"expr", {{"/", {{{"*", {{{"var", "rd"}}, 100}}}, {{"var", "staff"}}}}}}}}}}));

  SUBCASE("selects its band from the computed value") {
    const ScoreResult r = score_of(q, {{"staff", 50}, {"rd", 5}});
    CHECK(question(q, r, "ratio_band").answered);
    CHECK_NEAR(question(q, r, "ratio_band").value, 10);
    CHECK(question(q, r, "ratio_band").band == 1);
    CHECK_NEAR(r.sections[0].score, 4);
  }
  SUBCASE("is unanswered (zero, max kept) when the value cannot be computed") {
    const ScoreResult missing = score_of(q, {{"staff", 50}});
    CHECK_FALSE(question(q, missing, "ratio_band").answered);
    CHECK(question(q, missing, "ratio_band").counts);
    CHECK_NEAR(missing.sections[0].score, 0);
    CHECK_NEAR(missing.sections[0].max, 4);
    const ScoreResult by_zero = score_of(q, {{"staff", 0}, {"rd", 5}});
    CHECK_FALSE(question(q, by_zero, "ratio_band").answered);
    CHECK(by_zero.computed[0].is_null());
  }
}

TEST_CASE("required and required_if decide the missing answers") {
  Json detail = {
      {"id", "detail"}, {"type", "text"}, {"title", "D"}, {"required_if", {{">", {{{"var", "staff"}}, 100}}}}};
  Json hidden = {{"id", "hidden"},
                 {"type", "text"},
                 {"title", "H"},
                 {"required", true},
                 {"visible_if", {{"==", {{{"var", "staff"}}, 0}}}}};
  const Questionnaire q = define(root(
      {{"questions", {{{"id", "staff"}, {"type", "number"}, {"title", "S"}, {"required", true}}, detail, hidden}}}));
  auto missing = [&](const Json& given) {
    std::vector<std::string> ids;
    for (int qi : score_of(q, given).missing_required) ids.push_back(q.questions[static_cast<std::size_t>(qi)].id);
    return ids;
  };
  SUBCASE("a required question left unanswered is missing") {
    CHECK(missing(Json::object()) == std::vector<std::string>{"staff"});
  }
  SUBCASE("required_if false: not required") {
    CHECK(missing({{"staff", 50}}).empty());
    CHECK_FALSE(question(q, score_of(q, {{"staff", 50}}), "detail").required);
  }
  SUBCASE("required_if true: required, missing until answered") {
    CHECK(missing({{"staff", 200}}) == std::vector<std::string>{"detail"});
    CHECK(question(q, score_of(q, {{"staff", 200}}), "detail").required);
    CHECK(missing({{"staff", 200}, {"detail", "说明"}}).empty());
  }
  SUBCASE("a hidden required question is not missing") {
    CHECK(missing({{"staff", 50}}).empty());
    CHECK(missing({{"staff", 0}}) == std::vector<std::string>{"hidden"});
  }
}

// ---------------------------------------------------------------------------------------------
// Levels

TEST_CASE("levels: cumulative or not") {
  // L1 needs a >= 1, L2 needs b >= 1, L3 needs c >= 1; answers meet L1 and L3 only.
  auto def = [](bool cumulative) {
    Json items = Json::array();
    for (const char* x : {"a", "b", "c"}) {
      std::string id = "L_";
      id += x;
      std::string rid = "r_";
      rid += x;
      items.push_back({{"id", id}, {"name", id}, {"requires", {{{"id", rid}, {"score", x}, {">=", 1}}}}});
    }
    return root({{"sections",
                  {{{"id", "a"}, {"title", "A"}, {"questions", {single("qa", {0, 1})}}},
                   {{"id", "b"}, {"title", "B"}, {"questions", {single("qb", {0, 1})}}},
                   {{"id", "c"}, {"title", "C"}, {"questions", {single("qc", {0, 1})}}}}},
                 {"levels", {{"cumulative", cumulative}, {"items", items}}}});
  };
  const Json given = {{"qa", "o1"}, {"qb", "o0"}, {"qc", "o1"}};

  SUBCASE("not cumulative: the highest level whose requirements hold, even above a gap") {
    const Questionnaire q = define(def(false));
    const ScoreResult r = score_of(q, given);
    CHECK(r.levels.holds == std::vector<bool>{true, false, true});
    CHECK(level_id(q, r) == "L_c");
  }
  SUBCASE("cumulative: a level counts only when every lower level holds") {
    const Questionnaire q = define(def(true));
    const ScoreResult r = score_of(q, given);
    CHECK(r.levels.holds == std::vector<bool>{true, false, false});
    CHECK(level_id(q, r) == "L_a");
    CHECK(r.levels.requirements[2][0].met);  // L3's own requirement still reports met
  }
  SUBCASE("cumulative: nothing holds when the lowest level fails") {
    const Questionnaire q = define(def(true));
    const ScoreResult r = score_of(q, {{"qa", "o0"}, {"qb", "o1"}, {"qc", "o1"}});
    CHECK(r.levels.level == -1);
  }
}

TEST_CASE("requirement kinds compare what they name") {
  const Questionnaire q = define(Json::parse(R"({
    "id": "t", "version": "1", "title": "T",
    "questions": [
      {"id": "l1", "type": "ladder", "title": "L1", "tags": ["t"], "options": [
        {"id": "a", "label": "0", "level": 0}, {"id": "b", "label": "1", "level": 1},
        {"id": "c", "label": "2", "level": 2}]},
      {"id": "l2", "type": "ladder", "title": "L2", "tags": ["t"], "options": [
        {"id": "a", "label": "0", "level": 0}, {"id": "b", "label": "1", "level": 1},
        {"id": "c", "label": "2", "level": 2}]},
      {"id": "yn", "type": "yesno", "title": "YN", "tags": ["t"]},
      {"id": "n", "type": "number", "title": "N"}
    ],
    "levels": {"items": [{"id": "L1", "name": "L1", "requires": [
      {"id": "count2", "count": {"tag": "t"}, "at_least": 2, ">=": 1},
      {"id": "share1", "share": {"tag": "t"}, ">=": 0.5},
      {"id": "num", "value": "n", "<": 10},
      {"id": "yes", "value": "yn", "==": 1}
    ]}]}
  })"));
  const ScoreResult r = score_of(q, {{"l1", 2}, {"l2", 1}, {"yn", false}, {"n", 10}});
  const auto& reqs = r.levels.requirements[0];
  SUBCASE("count: ladder grade is the level") {
    CHECK(reqs[0].counted == 1);  // l1 level 2
    CHECK(reqs[0].considered == 3);
    CHECK(reqs[0].met);
  }
  SUBCASE("share: the default at_least is 1; yes/no grades 1 for yes and 0 for no") {
    CHECK(reqs[1].counted == 2);  // l1, l2; not yn
    CHECK_NEAR(reqs[1].actual, 2.0 / 3);
    CHECK(reqs[1].met);
  }
  SUBCASE("value: a strict comparison at the threshold fails") {
    CHECK_NEAR(reqs[2].actual, 10);
    CHECK_FALSE(reqs[2].met);
  }
  SUBCASE("value: yes/no equals 1 only when answered yes") {
    CHECK_FALSE(reqs[3].met);
    CHECK(score_of(q, {{"yn", true}}).levels.requirements[0][3].met);
  }
}

TEST_CASE("compare tolerates float noise but keeps strict comparisons strict") {
  CHECK(assess::compare(0.1 + 0.2, assess::Comparison::kLe, 0.3));
  CHECK(assess::compare(0.1 + 0.2, assess::Comparison::kEq, 0.3));
  CHECK(assess::compare(39.9999999999, assess::Comparison::kGe, 40));
  CHECK_FALSE(assess::compare(40, assess::Comparison::kGt, 40));
  CHECK_FALSE(assess::compare(40, assess::Comparison::kLt, 40));
  CHECK(assess::compare(40.001, assess::Comparison::kGt, 40));
  CHECK_FALSE(assess::compare(39.999, assess::Comparison::kGe, 40));
}

TEST_CASE("parts of a change are shown so that they add up to the change shown") {
  // 2.25 → 2.8184 (+0.5684 shown) in 24 parts of 0.2/19, 0.5/19, 0.3/19 and 0.8/19 each: rounding
  // each part alone would not add up; the shown parts do.
  const std::vector<double> thirds = {1.0 / 3, 1.0 / 3, 1.0 / 3};
  CHECK(assess::format_parts(thirds, 0, 1) == std::vector<std::string>{"+0.3334", "+0.3333", "+0.3333"});
  CHECK(assess::format_parts({2.0 / 3, 1.0 / 3}, 1, 2) == std::vector<std::string>{"+0.6667", "+0.3333"});
  CHECK(assess::format_parts({0, 1}, 47, 48) == std::vector<std::string>{"+0", "+1"});
  // A part that lowers the total keeps its sign (a question shown by the plan joins a mean at 0).
  CHECK(assess::format_parts({2, -1.5}, 10, 10.5) == std::vector<std::string>{"+2", "-1.5"});
  // The change is taken as shown: 0.03125 is shown as 0.0312 (a half rounds to even), so the parts add up to 0.0312.
  CHECK(assess::format_parts({0.03125}, 0, 0.03125) == std::vector<std::string>{"+0.0312"});
  std::vector<double> parts;
  double after = 2.25;
  for (double p : {0.2, 0.5, 0.3, 0.8, 0.5, 0.5}) {
    for (int k = 0; k < 4; ++k) {
      parts.push_back(p / 19);
      after += p / 19;
    }
  }
  long long shown_sum = 0;
  for (const auto& s : assess::format_parts(parts, 2.25, after)) shown_sum += std::llround(std::stod(s) * 1e4);
  CHECK(shown_sum == std::llround(after * 1e4) - 22500);
}
