// code_list.h — official code lists that answers are checked against: GB/T 2260 administrative
// divisions, GB/T 4754 industries. A list is data (JSON, see questionnaires/README.md), with its
// source and licence; codes form a tree through `parent`, so a region can be walked up from
// district to city to province to the nation, as reward rules need.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scoring/text.h"

namespace assess {

struct Code {
  std::string code;
  std::string name;
  std::string parent;    // empty at the top
  nlohmann::json extra;  // further fields of the entry (e.g. "kind")
};

struct CodeList {
  std::string file;
  std::string id;
  Text title;
  std::string source;
  std::string license;
  std::map<std::string, Code> codes;

  [[nodiscard]] const Code* find(const std::string& code) const {
    auto it = codes.find(code);
    return it == codes.end() ? nullptr : &it->second;
  }
  // The code and its ancestors, nearest first ("320205" → 320205, 320200, 320000, 100000).
  [[nodiscard]] std::vector<std::string> ancestry(const std::string& code) const;
};

// Validates and loads a code list; errors name file and JSON pointer (duplicate code, unknown
// parent, a cycle of parents).
[[nodiscard]] CodeList load_code_list(const nlohmann::json& document, const std::string& file);
[[nodiscard]] CodeList load_code_list_file(const std::string& path);

}  // namespace assess
