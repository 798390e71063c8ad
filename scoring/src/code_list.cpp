#include "scoring/code_list.h"

#include <set>

#include "detail/reader.h"
#include "scoring/questionnaire.h"

namespace assess {

std::vector<std::string> CodeList::ancestry(const std::string& code) const {
  std::vector<std::string> out;
  for (const Code* c = find(code); c != nullptr && out.size() <= codes.size(); c = find(c->parent)) {
    out.push_back(c->code);
    if (c->parent.empty()) break;
  }
  return out;
}

CodeList load_code_list(const nlohmann::json& document, const std::string& file) {
  detail::Reader r(document, file);
  r.expect_object();
  r.allow_only({"$schema", "id", "title", "source", "license", "note", "codes"});
  CodeList list;
  list.file = file;
  list.id = r.at("id").identifier();
  list.title = r.at("title").text();
  list.source = r.at("source").string();
  if (auto l = r.find("license")) list.license = l->string();
  detail::Reader codes = r.at("codes");
  codes.expect_array();
  std::map<std::string, std::string> pointers;
  for (std::size_t i = 0; i < codes.size(); ++i) {
    detail::Reader c = codes.at(i);
    c.expect_object();
    Code code;
    code.code = c.at("code").string();
    code.name = c.at("name").string();
    if (auto p = c.find("parent")) code.parent = p->string();
    for (auto it = c.json().begin(); it != c.json().end(); ++it) {
      if (it.key() != "code" && it.key() != "name" && it.key() != "parent") code.extra[it.key()] = it.value();
    }
    if (code.code.empty()) c.at("code").fail("a code must not be empty");
    if (!pointers.emplace(code.code, c.pointer()).second) {
      c.at("code").fail("duplicate code \"" + code.code + "\" (first at " + pointers[code.code] + ")");
    }
    list.codes.emplace(code.code, std::move(code));
  }
  for (const auto& [key, code] : list.codes) {
    if (!code.parent.empty() && !list.find(code.parent)) {
      throw Error(file, pointers[key], "parent \"" + code.parent + "\" of code \"" + key + "\" is not in the list");
    }
    // Walk up: a cycle would never reach the top.
    std::set<std::string> seen;
    for (const Code* c = &code; c && !c->parent.empty(); c = list.find(c->parent)) {
      if (!seen.insert(c->code).second) {
        throw Error(file, pointers[key], "the parents of code \"" + key + "\" form a cycle");
      }
    }
  }
  return list;
}

CodeList load_code_list_file(const std::string& path) {
  return load_code_list(read_json_file(path), path);
}

}  // namespace assess
