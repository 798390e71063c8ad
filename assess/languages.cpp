#include "languages.h"

#include <algorithm>
#include <filesystem>

#include "scoring/error.h"
#include "scoring/questionnaire.h"

namespace assess {

namespace {

bool valid_tag(const std::string& tag) {
  if (tag.empty() || tag.size() > 35) return false;
  return std::all_of(tag.begin(), tag.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// Matches `text` from `at` against the template parts from `part` (even: literal, odd: placeholder
// name); a placeholder takes at least one character. Fills `params` on success.
bool match_parts(const std::vector<std::string>& parts, std::size_t part, const std::string& text, std::size_t at,
                 std::map<std::string, std::string>& params) {
  if (part == parts.size()) return at == text.size();
  if (part % 2 == 0) {
    if (text.compare(at, parts[part].size(), parts[part]) != 0) return false;
    return match_parts(parts, part + 1, text, at + parts[part].size(), params);
  }
  for (std::size_t end = at + 1; end <= text.size(); ++end) {
    if (match_parts(parts, part + 1, text, end, params)) {
      params[parts[part]] = text.substr(at, end - at);
      return true;
    }
  }
  return false;
}

// "no {what} \"{id}\"" → {"no ", "what", " \"", "id", "\""}.
std::vector<std::string> split_template(const std::string& t) {
  std::vector<std::string> parts(1);
  for (std::size_t i = 0; i < t.size(); ++i) {
    const std::size_t close = t[i] == '{' ? t.find('}', i) : std::string::npos;
    if (close != std::string::npos && close > i + 1) {
      parts.push_back(t.substr(i + 1, close - i - 1));
      parts.emplace_back();
      i = close;
    } else {
      parts.back() += t[i];
    }
  }
  return parts;
}

}  // namespace

Languages::Key Languages::key_of(const std::string& english) const {
  Key best;
  std::size_t best_literal = 0;
  const Language* en = find("en");
  if (!en) return best;
  for (const auto& [key, value] : en->strings.items()) {
    if (key.rfind("err_", 0) != 0) continue;
    const std::vector<std::string> parts = split_template(value.get<std::string>());
    std::size_t literal = 0;
    for (std::size_t i = 0; i < parts.size(); i += 2) literal += parts[i].size();
    if (literal <= best_literal && !best.key.empty()) continue;
    std::map<std::string, std::string> params;
    if (match_parts(parts, 0, english, 0, params)) {
      best = {key, std::move(params)};
      best_literal = literal;
    }
  }
  return best;
}

Languages Languages::load_dir(const std::string& dir) {
  Languages out;
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".json" && valid_tag(entry.path().stem().string())) files.push_back(entry.path());
  }
  for (const auto& path : files) {
    const std::string file = path.string();
    const Json doc = read_json_file(file);
    if (!doc.is_object()) throw Error(file, "", "a language catalogue is an object of key → string");
    Language l;
    l.tag = path.stem().string();
    l.strings = Json::object();
    for (const auto& [key, value] : doc.items()) {
      if (key == "@fallback") {
        if (!value.is_array()) throw Error(file, "/@fallback", "must be an array of language tags");
        for (std::size_t i = 0; i < value.size(); ++i) {
          if (!value[i].is_string() || !valid_tag(value[i].get<std::string>())) {
            throw Error(file, "/@fallback/" + std::to_string(i), "must be a language tag");
          }
          l.fallback.push_back(value[i].get<std::string>());
        }
        continue;
      }
      if (!value.is_string()) throw Error(file, "/" + key, "must be a string");
      if (key == "@name") {
        l.name = value.get<std::string>();
      } else if (key == "@switch_to") {
        l.switch_to = value.get<std::string>();
      } else if (!key.empty() && key[0] == '@') {
        throw Error(file, "/" + key, "unknown meta key (known: @name, @switch_to, @fallback)");
      } else {
        l.strings[key] = value;
      }
    }
    if (l.name.empty()) l.name = l.tag;
    out.list_.push_back(std::move(l));
  }
  if (!out.find("zh-CN")) out.list_.push_back({"zh-CN", "中文", "", {}, Json::object()});
  std::sort(out.list_.begin(), out.list_.end(), [](const Language& a, const Language& b) {
    if ((a.tag == "zh-CN") != (b.tag == "zh-CN")) return a.tag == "zh-CN";
    return a.tag < b.tag;
  });
  return out;
}

const Language* Languages::find(const std::string& tag) const {
  for (const Language& l : list_) {
    if (l.tag == tag) return &l;
  }
  return nullptr;
}

std::string Languages::resolve(const std::string& tag) const {
  return find(tag) ? tag : std::string("zh-CN");
}

std::vector<std::string> Languages::chain(const std::string& tag) const {
  std::vector<std::string> out;
  std::vector<std::string> todo = {resolve(tag)};
  while (!todo.empty()) {
    const std::string next = todo.front();
    todo.erase(todo.begin());
    const Language* l = find(next);
    if (!l || std::find(out.begin(), out.end(), next) != out.end()) continue;
    out.push_back(next);
    todo.insert(todo.begin(), l->fallback.begin(), l->fallback.end());
  }
  if (std::find(out.begin(), out.end(), "zh-CN") == out.end()) out.emplace_back("zh-CN");
  return out;
}

std::string Languages::text_lang(const std::string& tag) const {
  for (const std::string& t : chain(tag)) {
    if (t == "en") return "en";
    if (t == "zh-CN") return "zh-CN";
  }
  return "zh-CN";
}

Words Languages::words(const std::string& tag) const {
  Words out;
  for (const std::string& t : chain(tag)) {
    const Language* l = find(t);
    if (!l) continue;
    for (const auto& [key, value] : l->strings.items()) {
      if (key.rfind("srv_", 0) == 0) out.texts.emplace(key, value.get<std::string>());  // the first found stays
    }
  }
  return out;
}

std::vector<Words> Languages::all_words(const std::string& first) const {
  std::vector<Words> out = {words(first)};
  for (const Language& l : list_) {
    if (l.tag != resolve(first)) out.push_back(words(l.tag));
  }
  return out;
}

std::string Languages::tags() const {
  std::string out;
  for (const Language& l : list_) out += (out.empty() ? "" : ", ") + l.tag;
  return out;
}

std::string Languages::render(const std::string& tag, const std::string& key,
                              const std::map<std::string, std::string>& params) const {
  for (const std::string& t : chain(tag)) {
    const Language* l = find(t);
    if (!l) continue;
    auto it = l->strings.find(key);
    if (it == l->strings.end()) continue;
    std::string s = it->get<std::string>();
    for (const auto& [name, value] : params) {
      const std::string mark = "{" + name + "}";
      for (std::size_t at = s.find(mark); at != std::string::npos; at = s.find(mark, at + value.size())) {
        s.replace(at, mark.size(), value);
      }
    }
    return s;
  }
  return "";
}

}  // namespace assess
