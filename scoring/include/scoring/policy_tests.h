// policy_tests.h — rule tests as data, OpenFisca style: policies/tests/<document>.json holds cases
// that name a rule, quote its clause, give facts and a date, and expect a status and an amount.
// The same runner serves `assess policies test` and ctest; a rule without any case is a failure.
#pragma once

#include <string>
#include <vector>

#include "scoring/policy.h"
#include "scoring/text.h"

namespace assess {

struct PolicyCaseResult {
  std::string file;
  std::string pointer;
  std::string rule;
  std::string name;
  bool passed = false;
  std::string message;  // what differed
};

struct PolicyTestReport {
  std::vector<PolicyCaseResult> cases;
  std::vector<std::string> untested_rules;
  [[nodiscard]] int passed() const;
  [[nodiscard]] int failed() const;
};

// A language a computation line is worded in: the tag its definitions' texts are read in and its
// words (the "srv_*" catalogue entries, text.h).
struct Wording {
  std::string lang;
  Words words;
};

// Runs every case in every *.json of `tests_dir` against `catalogue`. A "steps_contain" text must
// appear in a computation line worded in one of `wordings` (zh-CN and en in practice).
[[nodiscard]] PolicyTestReport run_policy_tests(const Catalogue& catalogue, const std::string& tests_dir,
                                                const std::vector<Wording>& wordings);

}  // namespace assess
