#include <doctest/doctest.h>

#include "scoring/policy.h"
#include "scoring/policy_tests.h"
#include "support.h"

namespace {
// A computation line may be looked for in either shipped language.
std::vector<assess::Wording> both_languages() {
  return {{"zh-CN", assess::testing::shipped_words("zh-CN")}, {"en", assess::testing::shipped_words("en")}};
}
}  // namespace

// The catalogue's rule tests (policies/tests/*.json) run here too, so CI proves every rule at its
// thresholds and caps; a rule without a case fails.
TEST_CASE("every rule of the policy catalogue passes its data-driven cases") {
  const auto catalogue = assess::load_catalogue_dir(ASSESS_SOURCE_DIR "/policies");
  REQUIRE(catalogue.documents.size() == 6);  // the five seeds and the national tax rules they restate
  const auto report = assess::run_policy_tests(catalogue, ASSESS_SOURCE_DIR "/policies/tests", both_languages());
  for (const auto& c : report.cases) {
    CHECK_MESSAGE(c.passed, c.file << c.pointer << " " << c.rule << " \"" << c.name << "\": " << c.message);
  }
  CHECK(report.cases.size() >= 270);
  CHECK_MESSAGE(report.untested_rules.empty(), "rules without a test case: " << report.untested_rules.size());
}

TEST_CASE("a rule without a test case is reported") {
  const auto catalogue = assess::load_catalogue_dir(ASSESS_SOURCE_DIR "/tests/data/rewards");
  const auto report =
      assess::run_policy_tests(catalogue, ASSESS_SOURCE_DIR "/tests/data/rewards/tests", both_languages());
  CHECK(report.untested_rules == std::vector<std::string>{"testdoc.award", "testdoc.fixed", "testprov.interest",
                                                          "testprov.range", "testprov.coefficient",
                                                          "testprov.support"});
  CHECK(report.passed() == 1);
}

TEST_CASE("the national tax rules sit under 100000 and cite the local texts that restate them") {
  // 嘉兴 三、13 restates the national one-off deduction in narrower words; the national rule applies.
  const auto catalogue = assess::load_catalogue_dir(ASSESS_SOURCE_DIR "/policies");
  const assess::PolicyDocument* doc = nullptr;
  const assess::PolicyRule* rule = catalogue.find_rule("national-tax.one-off-deduction", &doc);
  REQUIRE(rule);
  CHECK(rule->jurisdiction == "100000");
  CHECK(rule->cite == "财政部 税务总局公告2023年第37号");
  REQUIRE(rule->restated_by.size() == 1);
  CHECK(rule->restated_by[0].document == "jiaxing-equipment");
  CHECK(rule->restated_by[0].cite == "三、13");
  CHECK_FALSE(catalogue.find_rule("jiaxing-equipment.tax-one-off-deduction"));
}

TEST_CASE("profile facts that sit under every project are loaded with the catalogue") {
  const auto catalogue = assess::load_catalogue_dir(ASSESS_SOURCE_DIR "/policies");
  bool park = false;
  for (const auto& d : catalogue.project_defaults) {
    park = park || (d.project == "in_specialty_park" && d.profile == "specialty_park" && d.every_project);
  }
  CHECK(park);
}
