#include "scoring/assessment.h"

#include <doctest/doctest.h>

#include <random>
#include <stdexcept>

#include "random_answers.h"
#include "scoring/code_list.h"
#include "scoring/explain.h"
#include "scoring/profile.h"
#include "support.h"

namespace {
const std::string kDir = ASSESS_SOURCE_DIR "/tests/data/assessment/";

struct Fixture {
  assess::Library library = assess::Library::load_dir(kDir + "lib");
  assess::Crosswalk crosswalk =
      assess::load_crosswalk(assess::read_json_file(kDir + "lib/crosswalk.json"), "crosswalk.json", library);
};
}  // namespace

TEST_CASE("a library loads every definition below a folder and skips other JSON") {
  Fixture f;
  CHECK(f.library.ids() == std::vector<std::string>{"mod-a", "mod-b"});
}

TEST_CASE("a library hands out a code list its definitions loaded, by the name they declare") {
  const assess::Library shipped = assess::Library::load_dir(ASSESS_SOURCE_DIR "/questionnaires");
  const auto regions = shipped.code_list("region");
  REQUIRE(regions != nullptr);
  // questionnaires/profile/profile.json declares "region": "regions.json", which lists 锡山区.
  REQUIRE(regions->find("320205") != nullptr);
  CHECK(regions->find("320205")->name == "锡山区");
  CHECK(regions == shipped.find("profile")->code_lists.at("region"));  // the same list, not a copy
  CHECK(shipped.code_list("no-such-list") == nullptr);
}

TEST_CASE("crosswalk links feed a fact asked once into other modules") {
  Fixture f;
  auto doc = assess::read_json_file(kDir + "assessment.json");
  auto result = assess::score_assessment(f.library, f.crosswalk, doc, "assessment.json");
  REQUIRE(result.errors.empty());
  SUBCASE("modules are scored after the modules they read from") {
    CHECK(result.order == std::vector<std::string>{"mod-a", "mod-b"});
  }
  const auto& b = result.modules.at("mod-b");
  SUBCASE("an unanswered target takes the linked answer and records where it came from") {
    const int qi = b.questionnaire->question_index("revenue");
    CHECK(b.answers.answers[static_cast<std::size_t>(qi)].value == 2500);
    CHECK(b.answers.answers[static_cast<std::size_t>(qi)].note == "crosswalk:revenue");
    REQUIRE(b.filled.size() == 2);
    CHECK(b.filled[0].link == "revenue");
  }
  SUBCASE("a module's level flows through the value map") {
    const int qi = b.questionnaire->question_index("a_level");
    CHECK(b.answers.answers[static_cast<std::size_t>(qi)].value == "one");  // mod-a scores 5 -> A1
    CHECK(b.result.sections[0].score == 2);                                 // above_size 1 + a_level 1
  }
  SUBCASE("text formats normalise a USCC and check region codes") {
    const auto& a = result.modules.at("mod-a");
    const int qi = a.questionnaire->question_index("uscc");
    CHECK(a.answers.answers[static_cast<std::size_t>(qi)].value == "91110000600037341L");
  }
}

TEST_CASE("a target answered differently keeps its own answer and reports a conflict") {
  Fixture f;
  auto doc = assess::read_json_file(kDir + "assessment.json");
  doc["modules"]["mod-b"]["answers"]["revenue"] = 1800;
  auto result = assess::score_assessment(f.library, f.crosswalk, doc, "assessment.json");
  const auto& b = result.modules.at("mod-b");
  REQUIRE(b.conflicts.size() == 1);
  CHECK(b.conflicts[0].link == "revenue");
  CHECK(b.conflicts[0].given == 1800);
  CHECK(b.conflicts[0].from_link == 2500);
  const int qi = b.questionnaire->question_index("revenue");
  CHECK(b.answers.answers[static_cast<std::size_t>(qi)].value == 1800);
}

TEST_CASE("answer errors in a whole assessment point into its module") {
  Fixture f;
  auto doc = assess::read_json_file(kDir + "assessment.json");
  doc["modules"]["mod-a"]["answers"]["uscc"] = "91110000600037342L";
  doc["modules"]["mod-a"]["answers"]["region"] = "999999";
  auto result = assess::score_assessment(f.library, f.crosswalk, doc, "assessment.json");
  REQUIRE(result.errors.size() == 2);
  CHECK(std::string(result.errors[0].what()) ==
        "assessment.json:/modules/mod-a/answers/region: question \"region\": unknown code \"999999\" in gbt2260-mini");
  CHECK(std::string(result.errors[1].what()) ==
        "assessment.json:/modules/mod-a/answers/uscc: question \"uscc\": unified social credit code "
        "\"91110000600037342L\": check character is \"L\" but the first 17 characters call for \"" +
            std::string(1, assess::uscc_check_character("91110000600037342")) + "\"");
}

TEST_CASE("an unknown module is named with the known ones") {
  Fixture f;
  auto doc = assess::read_json_file(kDir + "assessment.json");
  doc["modules"]["mod-z"] = {{"answers", nlohmann::json::object()}};
  CHECK_THROWS_WITH(assess::score_assessment(f.library, f.crosswalk, doc, "assessment.json"),
                    "assessment.json:/modules: unknown questionnaire \"mod-z\" (known: mod-a, mod-b)");
}

TEST_CASE("crosswalk links are checked against the library") {
  Fixture f;
  auto bad = nlohmann::json::parse(R"({"links": [{"id": "x", "from": "mod-a/nope", "to": ["mod-b/revenue"]}]})");
  CHECK_THROWS_WITH(assess::load_crosswalk(bad, "cw.json", f.library),
                    "cw.json:/links/0/from: questionnaire \"mod-a\" has no question \"nope\"");
  auto level_target =
      nlohmann::json::parse(R"({"links": [{"id": "x", "from": "mod-a/revenue", "to": ["mod-b#level"]}]})");
  CHECK_THROWS_WITH(assess::load_crosswalk(level_target, "cw.json", f.library),
                    "cw.json:/links/0/to/0: a link can only write into questions");
}

TEST_CASE("code lists walk from a district up to the nation") {
  auto list = assess::load_code_list_file(kDir + "lib/regions-mini.json");
  CHECK(list.ancestry("320205") == std::vector<std::string>{"320205", "320200", "320000", "100000"});
  CHECK(list.ancestry("999999").empty());
  auto orphan = nlohmann::json::parse(
      R"({"id": "x", "title": "t", "source": "s", "codes": [{"code": "1", "name": "a", "parent": "9"}]})");
  CHECK_THROWS_WITH(assess::load_code_list(orphan, "x.json"),
                    "x.json:/codes/0: parent \"9\" of code \"1\" is not in the list");
}

// A save changes one answer: the parsed assessment is updated in place (set_answer) instead of
// parsing every answer again. Checked against the whole-document path on the shipped questionnaires
// and the demo assessment: after every batch of random edits (valid options and numbers, values out
// of range or of the wrong type, unknown questions, not-applicable, clearing), both paths must give
// the same errors in the same order and the same explained scores, fills and conflicts.
TEST_CASE(
    "updating one answer of a parsed assessment and rescoring what it reaches equals scoring the edited document "
    "again") {
  const std::string root = ASSESS_SOURCE_DIR "/questionnaires/";
  const assess::Library library = assess::Library::load_dir(root);
  const assess::Crosswalk crosswalk =
      assess::load_crosswalk(assess::read_json_file(root + "crosswalk.json"), "crosswalk.json", library);
  assess::Json doc = assess::read_json_file(root + "demo/assessment.json");
  assess::ParsedAssessment parsed = assess::parse_assessment(library, doc, "assessment");
  std::mt19937_64 rng(20261206);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  std::vector<std::string> modules;
  for (auto it = doc["modules"].begin(); it != doc["modules"].end(); ++it) modules.push_back(it.key());
  REQUIRE(modules.size() >= 3);

  auto random_value = [&](const assess::Question& q) -> assess::Json {
    switch (pick(10)) {
      case 0:
        return nullptr;  // cleared
      case 1:
        return assess::Json{{"na", true}};  // not applicable (an error where not allowed)
      case 2:
        return "not a valid value";  // wrong type or unknown option
      case 3:
        return -12345.678;  // out of range for most numbers
      default:
        break;
    }
    if (!q.options.empty()) {
      const std::string id = q.options[pick(q.options.size())].id;
      if (q.type == assess::QuestionType::kMulti) return assess::Json::array({id});
      return id;
    }
    const double lo = q.min.value_or(0), hi = q.max.value_or(lo + 1000);
    const double v = lo + (hi - lo) * static_cast<double>(pick(1001)) / 1000.0;
    return pick(2) ? assess::Json(v) : assess::Json(assess::Json{{"value", v}, {"note", "typed on site"}});
  };
  auto explained = [&](const assess::AssessmentResult& r) {
    assess::Json out = {{"order", r.order}, {"errors", assess::Json::array()}, {"modules", assess::Json::object()}};
    for (const auto& e : r.errors) out["errors"].push_back(e.file() + e.pointer() + ": " + e.message());
    for (const auto& [id, m] : r.modules) {
      assess::Json filled = assess::Json::array(), conflicts = assess::Json::array();
      for (const auto& f : m.filled) filled.push_back({f.link, f.question, f.value});
      for (const auto& c : m.conflicts) conflicts.push_back({c.link, c.question, c.given, c.from_link, c.reason});
      out["modules"][id] = {
          {"score", assess::explain_score(*m.questionnaire, m.answers, m.result, "zh-CN", assess::testing::zh_words())},
          {"answers", assess::answers_to_json(*m.questionnaire, m.answers)},
          {"filled", filled},
          {"conflicts", conflicts}};
    }
    return out;
  };

  assess::AssessmentResult rescored = assess::score_assessment(crosswalk, parsed);
  // The same edits rescored through compiled scorers (scorer.h), as the server's saves are.
  assess::AssessmentResult compiled = rescored;
  assess::ModuleScorers scorers;
  int compared = 0, with_errors = 0;
  for (int edit = 1; edit <= 3000; ++edit) {
    const std::string module = modules[pick(modules.size())];
    const assess::Questionnaire& q = *library.find(module);
    std::string key;
    assess::Json value;
    if (pick(50) == 0) {
      key = "no_such_question_" + std::to_string(pick(3));
      value = 1;
    } else {
      const assess::Question& question = q.questions[pick(q.questions.size())];
      key = question.id;
      value = random_value(question);
    }
    assess::Json& answers = doc["modules"][module]["answers"];
    if (value.is_null()) {
      answers.erase(key);
    } else {
      answers[key] = value;
    }
    assess::set_answer(parsed, module, key, value);
    assess::rescore_module(crosswalk, parsed, module, rescored);
    assess::rescore_module(crosswalk, parsed, module, compiled, &scorers);
    for (const auto& [id, m] : rescored.modules)
      REQUIRE(assess_test::difference(compiled.modules.at(id).result, m.result) == "");
    if (edit % 30 == 0) {
      const auto whole = explained(assess::score_assessment(library, crosswalk, doc, "assessment"));
      const auto incremental = explained(assess::score_assessment(crosswalk, parsed));
      ++compared;
      if (!whole["errors"].empty()) ++with_errors;
      REQUIRE(whole.dump() == incremental.dump());
      REQUIRE(whole.dump() == explained(rescored).dump());  // only the modules the edit reaches were rescored
      REQUIRE(whole.dump() == explained(compiled).dump());
    }
  }
  CHECK(compared == 100);
  CHECK(with_errors > 10);  // the edits did reach the error paths
}

TEST_CASE("a single answer cannot change in a module the parsed assessment does not have") {
  const std::string root = ASSESS_SOURCE_DIR "/questionnaires/";
  const assess::Library library = assess::Library::load_dir(root);
  assess::ParsedAssessment parsed =
      assess::parse_assessment(library, {{"modules", {{"profile", {{"answers", assess::Json::object()}}}}}}, "a.json");
  CHECK_THROWS_AS(assess::set_answer(parsed, "cmmm", "x", 1), std::logic_error);
  assess::ParsedAssessment no_answers =
      assess::parse_assessment(library, {{"modules", {{"profile", assess::Json::object()}}}}, "a.json");
  CHECK_THROWS_AS(assess::set_answer(no_answers, "profile", "x", 1), std::logic_error);
}
