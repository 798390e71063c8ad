#include "assess/assessment.h"
#include "assess/explain.h"

#include <doctest/doctest.h>

// The shipped questionnaires: every item cites its indicator, clause or standard, and every
// unconfirmed item says why.
TEST_CASE("every shipped questionnaire item has a citation") {
  const auto library = assess::Library::load_dir(ASSESS_SOURCE_DIR "/questionnaires");
  CHECK(library.ids() == std::vector<std::string>{"cmmm", "profile", "smart-factory-2025", "sme-digital-2024"});
  for (const auto& id : library.ids()) {
    const auto& q = *library.find(id);
    for (const auto& question : q.questions) {
      CHECK_MESSAGE(!question.provenance.cite.empty(), id << ": question " << question.id << " has no cite");
      if (question.provenance.confidence == "unconfirmed" || question.provenance.confidence == "low") {
        CHECK_MESSAGE(!question.provenance.note.zh.empty(), id << ": question " << question.id << " is unconfirmed without a note");
      }
    }
    for (const auto& level : q.levels) {
      for (const auto& req : level.requirements) {
        CHECK_MESSAGE(!req.provenance.cite.empty(), id << ": requirement " << req.id << " has no cite");
        if (req.provenance.confidence == "unconfirmed" || req.provenance.confidence == "low") {
          CHECK_MESSAGE(!req.provenance.note.zh.empty(), id << ": requirement " << req.id << " is unconfirmed without a note");
        }
      }
    }
  }
}

TEST_CASE("the crosswalk links facts between the shipped questionnaires") {
  const auto library = assess::Library::load_dir(ASSESS_SOURCE_DIR "/questionnaires");
  const auto crosswalk = assess::load_crosswalk(assess::read_json_file(ASSESS_SOURCE_DIR "/questionnaires/crosswalk.json"),
                                                "crosswalk.json", library);
  CHECK(crosswalk.links.size() >= 4);
  const auto doc = assess::read_json_file(ASSESS_SOURCE_DIR "/questionnaires/demo/assessment.json");
  const auto result = assess::score_assessment(library, crosswalk, doc, "demo");
  REQUIRE(result.errors.empty());
  const auto& sf = result.modules.at("smart-factory-2025");
  // The demo leaves these to the crosswalk: revenue and tier from the profile, maturity from CMMM.
  std::vector<std::string> filled;
  for (const auto& f : sf.filled) filled.push_back(f.question);
  CHECK(filled == std::vector<std::string>{"main_business_revenue_last_year", "recognised_tier", "mat_level", "mat_source"});
  CHECK(result.order.front() != "smart-factory-2025");  // its sources are scored first
}

TEST_CASE("derived outputs of the SME level: 专精特新 points and the city-pilot target") {
  const auto library = assess::Library::load_dir(ASSESS_SOURCE_DIR "/questionnaires");
  const auto& q = *library.find("sme-digital-2024");
  auto parsed = assess::parse_answers(q, assess::read_json_file(ASSESS_SOURCE_DIR "/questionnaires/sme-digital-2024/demo-answers.json"), "demo");
  REQUIRE(parsed.errors.empty());
  const auto doc = assess::explain_score(q, parsed.set, assess::score(q, parsed.set));
  REQUIRE(doc["level"]["id"] == "L2");
  REQUIRE(doc["derived"].size() == 2);
  for (const auto& d : doc["derived"]) {
    if (d["id"] == "zjtx_points") CHECK(d["value"] == 3);  // 二级 → 3 points
    if (d["id"] == "city_pilot_target") CHECK(d["met"] == true);  // 二级 or higher
  }
}
