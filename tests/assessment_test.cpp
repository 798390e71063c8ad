#include "assess/assessment.h"

#include <doctest/doctest.h>

#include "assess/code_list.h"
#include "assess/profile.h"

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
    CHECK(b.result.sections[0].score == 2);                                  // above_size 1 + a_level 1
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
  auto level_target = nlohmann::json::parse(R"({"links": [{"id": "x", "from": "mod-a/revenue", "to": ["mod-b#level"]}]})");
  CHECK_THROWS_WITH(assess::load_crosswalk(level_target, "cw.json", f.library),
                    "cw.json:/links/0/to/0: a link can only write into questions");
}

TEST_CASE("code lists walk from a district up to the nation") {
  auto list = assess::load_code_list_file(kDir + "lib/regions-mini.json");
  CHECK(list.ancestry("320205") == std::vector<std::string>{"320205", "320200", "320000", "100000"});
  CHECK(list.ancestry("999999").empty());
  auto orphan = nlohmann::json::parse(
      R"({"id": "x", "title": "t", "source": "s", "codes": [{"code": "1", "name": "a", "parent": "9"}]})");
  CHECK_THROWS_WITH(assess::load_code_list(orphan, "x.json"), "x.json:/codes/0: parent \"9\" of code \"1\" is not in the list");
}
