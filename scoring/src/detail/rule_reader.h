// rule_reader.h — compiles a JsonLogic rule found at a reader's place, so its errors name the file
// and the pointer within the document, and checks that it reads only the documented fact roots.
#pragma once

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "reader.h"
#include "scoring/logic.h"
#include "scoring/policy.h"

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

// A list of named conditions [{"id", "title", "logic", "cite"?, "note"?}] with unique ids: reward-rule
// conditions and disqualifiers, ranking eligibility.
inline std::vector<PolicyCondition> read_conditions(const Reader& list, const std::vector<std::string>& roots) {
  list.expect_array();
  std::vector<PolicyCondition> out;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < list.size(); ++i) {
    Reader c = list.at(i);
    c.expect_object();
    c.allow_only({"id", "title", "logic", "cite", "note"});
    PolicyCondition pc;
    pc.id = c.at("id").identifier();
    if (!ids.insert(pc.id).second) c.at("id").fail("duplicate condition id \"" + pc.id + "\"");
    pc.title = c.at("title").text();
    if (auto ci = c.find("cite")) pc.cite = ci->string();
    pc.pointer = c.pointer();
    pc.logic = read_rule(c.at("logic"), roots);
    out.push_back(std::move(pc));
  }
  return out;
}

}  // namespace assess::detail
