#include "assess/policy_tests.h"

#include <doctest/doctest.h>

// The catalogue's rule tests (policies/tests/*.json) run here too, so CI proves every rule at its
// thresholds and caps; a rule without a case fails.
TEST_CASE("every rule of the policy catalogue passes its data-driven cases") {
  const auto catalogue = assess::load_catalogue_dir(ASSESS_SOURCE_DIR "/policies");
  REQUIRE(catalogue.documents.size() == 5);
  const auto report = assess::run_policy_tests(catalogue, ASSESS_SOURCE_DIR "/policies/tests");
  for (const auto& c : report.cases) {
    CHECK_MESSAGE(c.passed, c.file << c.pointer << " " << c.rule << " \"" << c.name << "\": " << c.message);
  }
  CHECK(report.cases.size() >= 150);
  CHECK_MESSAGE(report.untested_rules.empty(), "rules without a test case: " << report.untested_rules.size());
}

TEST_CASE("a rule without a test case is reported") {
  const auto catalogue = assess::load_catalogue_dir(ASSESS_SOURCE_DIR "/tests/data/rewards");
  const auto report = assess::run_policy_tests(catalogue, ASSESS_SOURCE_DIR "/tests/data/rewards/tests");
  CHECK(report.untested_rules == std::vector<std::string>{"testdoc.award", "testdoc.fixed", "testprov.interest",
                                                          "testprov.range", "testprov.coefficient", "testprov.support"});
  CHECK(report.passed() == 1);
}
