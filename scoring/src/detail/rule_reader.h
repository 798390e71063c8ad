// rule_reader.h — compiles a JsonLogic rule found at a reader's place, so its errors name the file
// and the pointer within the document, and checks that it reads only the documented fact roots.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "assess/logic.h"
#include "reader.h"

namespace assess::detail {

// `roots`: the first var segments the document may read ("profile", "project", ...); empty = any.
inline logic::Rule read_rule(const Reader& r, const std::vector<std::string>& roots = {}) {
  logic::Rule rule;
  try {
    rule = logic::Rule::compile(r.json());
  } catch (const Error& e) {
    throw e.within(r.file(), r.pointer());
  }
  if (!roots.empty()) {
    for (const auto& name : rule.references()) {
      if (std::find(roots.begin(), roots.end(), name) == roots.end()) {
        std::string list;
        for (const auto& root : roots) list += (list.empty() ? "" : ", ") + root;
        r.fail("reads unknown fact \"" + name + "\" (facts: " + list + ")");
      }
    }
  }
  return rule;
}

}  // namespace assess::detail
