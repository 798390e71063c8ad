// policy_tests.h — rule tests as data, OpenFisca style: policies/tests/<document>.json holds cases
// that name a rule, quote its clause, give facts and a date, and expect a status and an amount.
// The same runner serves `assess policies test` and ctest; a rule without any case is a failure.
#pragma once

#include <string>
#include <vector>

#include "scoring/policy.h"

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

// Runs every case in every *.json of `tests_dir` against `catalogue`.
[[nodiscard]] PolicyTestReport run_policy_tests(const Catalogue& catalogue, const std::string& tests_dir);

}  // namespace assess
