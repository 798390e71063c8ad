// reader.h — walks a JSON document while tracking the JSON pointer, so every load error names its
// place. Type errors are reported at the enclosing object and name the field
// (`/sections/2/questions/5: "points" must be a number`); semantic errors at the value itself.
#pragma once

#include <cctype>
#include <cmath>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "scoring/error.h"
#include "scoring/text.h"

namespace assess::detail {

class Reader {
 public:
  Reader(const nlohmann::json& value, const std::string& file) : value_(&value), file_(&file) {}

  const nlohmann::json& json() const { return *value_; }
  const std::string& pointer() const { return pointer_; }
  const std::string& file() const { return *file_; }

  [[noreturn]] void fail(const std::string& message, ErrorKind kind = ErrorKind::kInvalid) const {
    throw Error(*file_, pointer_, message, kind);
  }

  void expect_object() const {
    if (!value_->is_object()) fail_type("an object");
  }
  void expect_array() const {
    if (!value_->is_array()) fail_type("an array");
  }

  // Rejects keys outside `allowed`, which catches typos such as "pionts".
  void allow_only(std::initializer_list<const char*> allowed) const {
    for (auto it = value_->begin(); it != value_->end(); ++it) {
      bool ok = false;
      for (const char* a : allowed) ok = ok || it.key() == a;
      if (!ok) fail("unknown field \"" + it.key() + "\"");
    }
  }

  std::optional<Reader> find(const std::string& key) const {
    if (!value_->is_object()) return std::nullopt;
    auto it = value_->find(key);
    if (it == value_->end()) return std::nullopt;
    return child(*it, key, false);
  }

  Reader at(const std::string& key) const {
    expect_object();
    auto it = value_->find(key);
    if (it == value_->end()) fail("missing required field \"" + key + "\"");
    return child(*it, key, false);
  }

  Reader at(std::size_t index) const { return child((*value_)[index], std::to_string(index), true); }
  std::size_t size() const { return value_->size(); }

  std::string string() const {
    if (!value_->is_string()) fail_type("a string");
    return value_->get<std::string>();
  }

  // An id usable in JsonLogic var paths: letters, digits, "_" and "-", 1 to 64 characters.
  std::string identifier() const {
    std::string s = string();
    bool ok = !s.empty() && s.size() <= 64 && s[0] != '-';
    for (char c : s) {
      ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
    }
    if (!ok) fail("\"" + s + "\" is not a valid id (1 to 64 letters, digits, \"_\" or \"-\")");
    return s;
  }

  double number() const {
    if (!value_->is_number()) fail_type("a number");
    double v = value_->get<double>();
    if (!std::isfinite(v)) fail_type("a finite number");
    return v;
  }

  double non_negative_number(const char* what) const {
    double v = number();
    if (v < 0) fail("\"" + std::string(what) + "\" must not be negative");
    return v;
  }

  bool boolean() const {
    if (!value_->is_boolean()) fail_type("true or false");
    return value_->get<bool>();
  }

  std::vector<std::string> string_list() const {
    expect_array();
    std::vector<std::string> out;
    for (std::size_t i = 0; i < size(); ++i) out.push_back(at(i).string());
    return out;
  }

  // A text: "plain" (zh-CN only) or {"zh-CN": "...", "en": "...", any other language tag: "..."}.
  Text text() const {
    if (value_->is_string()) return Text{value_->get<std::string>(), "", {}};
    if (!value_->is_object() || !value_->contains("zh-CN")) {
      fail_type("a string or an object with \"zh-CN\" (and \"en\")");
    }
    Text t;
    t.zh = at("zh-CN").string();
    if (find("en")) t.en = at("en").string();
    for (const auto& [tag, value] : value_->items()) {
      if (tag == "zh-CN" || tag == "en") continue;
      if (!language_tag(tag)) at(tag).fail("is not a language tag (letters, digits and \"-\", e.g. \"zh-TW\")");
      t.more[tag] = at(tag).string();
    }
    return t;
  }

  static bool language_tag(const std::string& tag) {
    if (tag.empty() || tag.size() > 35 || !std::isalpha(static_cast<unsigned char>(tag[0]))) return false;
    for (char c : tag) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    }
    return true;
  }

 private:
  Reader child(const nlohmann::json& v, const std::string& key, bool element) const {
    Reader r(v, *file_);
    r.parent_ = pointer_;
    r.pointer_ = pointer_ + "/" + pointer_token(key);
    r.key_ = key;
    r.element_ = element;
    return r;
  }

  [[noreturn]] void fail_type(const std::string& expected) const {
    if (key_.empty() || element_) throw Error(*file_, pointer_, "must be " + expected);
    throw Error(*file_, parent_, "\"" + key_ + "\" must be " + expected);
  }

  const nlohmann::json* value_;
  const std::string* file_;
  std::string pointer_;
  std::string parent_;
  std::string key_;
  bool element_ = false;
};

}  // namespace assess::detail
