#include "formats/import.h"

#include <iconv.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "detail/xlsx_reader.h"
#include "scoring/answers.h"
#include "scoring/dashboard.h"
#include "scoring/profile.h"
#include "scoring/score.h"
#include "scoring/text.h"

namespace assess {

namespace {

// Length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF), or 0. Strictness matters: GBK text such as 联通 (C1 AA CD A8) passes a
// lax check.
std::size_t utf8_sequence(const std::string& s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const auto c = b(0);
  if (c < 0x80) return 1;
  const std::size_t len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
  }
  if (c == 0xE0 && b(1) < 0xA0) return 0;  // overlong
  if (c == 0xED && b(1) > 0x9F) return 0;  // surrogates
  if (c == 0xF0 && b(1) < 0x90) return 0;  // overlong
  if (c == 0xF4 && b(1) > 0x8F) return 0;  // above U+10FFFF
  return len;
}

// How a row's bytes read: plain ASCII, UTF-8 with characters of 3 or 4 bytes (Chinese text), or not UTF-8.
enum class RowEncoding { kAscii, kUtf8, kOther };

RowEncoding row_encoding(const std::vector<std::string>& row) {
  RowEncoding out = RowEncoding::kAscii;
  for (const auto& cell : row) {
    for (std::size_t i = 0; i < cell.size();) {
      const std::size_t len = utf8_sequence(cell, i);
      if (len == 0) return RowEncoding::kOther;
      if (len >= 3) out = RowEncoding::kUtf8;
      i += len;
    }
  }
  return out;
}

// A row of the file by its index, numbered as a spreadsheet shows it (the header is row 1).
std::string row_name(std::size_t index, const Words& words) {
  return index == 0 ? words("srv_import_header_row") : words("srv_import_row", {{"n", std::to_string(index + 1)}});
}

}  // namespace

bool is_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = utf8_sequence(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

namespace {

// GBK bytes as UTF-8 in `out`, or the offset of the first byte that is not GBK either.
std::optional<std::size_t> convert_gbk(const std::string& bytes, const std::string& file, std::string& out) {
  iconv_t cd = iconv_open("UTF-8", "GB18030");  // GB18030 is a superset of GBK
  if (cd == reinterpret_cast<iconv_t>(-1)) throw Error(file, "", "this system cannot convert GBK text (iconv)");
  out.assign(bytes.size() * 2 + 16, '\0');
  char* in_ptr = const_cast<char*>(bytes.data());
  std::size_t in_left = bytes.size();
  char* out_ptr = out.data();
  std::size_t out_left = out.size();
  const std::size_t rc = iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left);
  iconv_close(cd);
  if (rc == static_cast<std::size_t>(-1)) return bytes.size() - in_left;
  out.resize(out.size() - out_left);
  return std::nullopt;
}

}  // namespace

std::string gbk_to_utf8(const std::string& bytes, const std::string& file) {
  std::string out;
  if (const auto bad = convert_gbk(bytes, file, out)) {
    throw Error(file, "", "the file is neither UTF-8 nor GBK (byte " + std::to_string(*bad) + ")");
  }
  return out;
}

std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false;
  bool any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    any = true;
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(cell));
      cell.clear();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(std::move(cell));
      cell.clear();
      rows.push_back(std::move(row));
      row.clear();
      any = false;
    } else {
      cell += c;
    }
  }
  if (any) {
    row.push_back(std::move(cell));
    rows.push_back(std::move(row));
  }
  return rows;
}

namespace {

std::string param_text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ", ") + param_text(x);
    return out;
  }
  if (v.is_number()) return format_number(v.get<double>());
  return v.dump();
}

// `pattern` with each "{name}" replaced by the phrase of that name worded in `lang` and `words`, else
// by the param of that name.
std::string fill(const std::string& pattern, const Json& params, const std::map<std::string, Phrase>& phrases,
                 const std::string& lang, const Words& words) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '{') {
      const auto end = pattern.find('}', i);
      if (end != std::string::npos) {
        const std::string name = pattern.substr(i + 1, end - i - 1);
        if (const auto phrase = phrases.find(name); phrase != phrases.end()) {
          out += phrase->second.in(lang, words);
          i = end;
          continue;
        }
        if (params.contains(name)) {
          out += param_text(params[name]);
          i = end;
          continue;
        }
      }
    }
    out += pattern[i];
  }
  return out;
}

// Names of the columns that are not questions.
constexpr const char* kAsOf = "as_of";
// The technical projects the bureau has on record for the enterprise (dashboard.h, project_facts).
constexpr const char* kProjects = "projects.count";

// The codes a name stands for in a code list: the name itself, and the name after each ancestor's
// ("锡山区", "无锡市锡山区", "江苏省无锡市锡山区"). Built once per list and import.
class NameIndex {
 public:
  explicit NameIndex(const CodeList& list) : list_(list) {
    for (const auto& [code, entry] : list.codes) {
      std::string name = entry.name;
      add(name, code);
      const auto chain = list.ancestry(code);
      for (std::size_t i = 1; i < chain.size(); ++i) {
        const Code* parent = list.find(chain[i]);
        if (!parent || parent->parent.empty()) break;  // the root (中华人民共和国 / C) is not part of a name
        name = parent->name + name;
        add(name, code);
      }
    }
  }
  // The codes `text` names: itself when it is a code, else by name (a leading code before a space
  // or a name, as in "367 汽车零部件及配件制造", counts as the code).
  std::vector<std::string> resolve(const std::string& text) const {
    if (list_.find(text)) return {text};
    std::size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
    if (digits > 0 && digits < text.size() && list_.find(text.substr(0, digits))) return {text.substr(0, digits)};
    auto it = by_name_.find(text);
    if (it == by_name_.end()) return {};
    return {it->second.begin(), it->second.end()};
  }
  std::string describe(const std::string& code) const {
    const Code* c = list_.find(code);
    if (!c) return code;
    std::string out = code + " " + c->name;
    const Code* parent = list_.find(c->parent);
    if (parent && !parent->parent.empty()) out += "（" + parent->name + "）";
    return out;
  }

 private:
  void add(const std::string& name, const std::string& code) { by_name_[name].insert(code); }
  const CodeList& list_;
  std::map<std::string, std::set<std::string>> by_name_;
};

// Days since 1899-12-30 (Excel's serial dates, 1900 system) as YYYY-MM-DD.
std::string excel_date(long serial) {
  // Civil-from-days (Howard Hinnant's algorithm), day 0 = 1970-01-01; Excel's day 25569 is 1970-01-01.
  long z = serial - 25569 + 719468;
  const long era = (z >= 0 ? z : z - 146096) / 146097;
  const long doe = z - era * 146097;
  const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long y = yoe + era * 400;
  const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long mp = (5 * doy + 2) / 153;
  const long d = doy - (153 * mp + 2) / 5 + 1;
  const long m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04ld-%02ld-%02ld", y, m, d);
  return buf;
}

// A date cell: "YYYY-MM-DD" (also with "/" or "." or a time after it), or an Excel serial number
// (what a date cell holds in XLSX). "" when it is neither.
std::string date_cell(const std::string& cell) {
  std::string c = cell.substr(0, cell.find_first_of(" T"));
  for (auto& ch : c) {
    if (ch == '/' || ch == '.') ch = '-';
  }
  int y = 0;
  int m = 0;
  int d = 0;
  char tail = 0;
  if (std::sscanf(c.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && y >= 1900 && m >= 1 && m <= 12 && d >= 1 &&
      d <= 31) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    return buf;
  }
  char* end = nullptr;
  const double serial = std::strtod(cell.c_str(), &end);
  if (end != cell.c_str() && *end == '\0' && serial >= 1 && serial < 2958466) {
    return excel_date(static_cast<long>(serial));
  }
  return "";
}

// The option a cell names: its id, or its Chinese or English label.
int option_by_name(const Question& q, const std::string& cell) {
  const int i = q.option_index(cell);
  if (i >= 0) return i;
  for (std::size_t k = 0; k < q.options.size(); ++k) {
    if (q.options[k].label.zh == cell || q.options[k].label.en == cell) return static_cast<int>(k);
  }
  return -1;
}

// A question's options, for a cell that names none of them: their ids (the issue's params) and
// their labels with their ids, worded in the language the problem is shown in (its phrases).
Json option_ids(const Question& q) {
  Json out = Json::array();
  for (const auto& o : q.options) out.push_back(o.id);
  return out;
}

Phrase options_phrase(const Question& q) {
  Phrase out;
  out.joiner = "srv_import_option_sep";
  for (const auto& o : q.options) {
    Phrase item;
    item.key = "srv_import_option";
    item.params = {{"id", o.id}};
    if (o.word.empty()) {
      item.texts = {{"label", o.label}};
    } else {
      item.worded = {{"label", o.word}};  // a built-in name (yes/no): a catalogue word
    }
    out.items.push_back(std::move(item));
  }
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

// Every text a definition gives: zh-CN, en and any other language, each once.
std::vector<std::string> texts_of(const Text& t) {
  std::vector<std::string> out;
  auto add = [&](const std::string& s) {
    if (!s.empty() && std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  };
  add(t.zh);
  add(t.en);
  for (const auto& [tag, text] : t.more) add(text);
  return out;
}

// Every name a column may be given by → its id: the id, a profile question's title in any language
// its definition gives, and the titles the catalogues' words make in each language.
std::map<std::string, std::string> column_names(const Library& library, const std::vector<Words>& languages) {
  std::map<std::string, std::string> out;
  const Questionnaire* profile = library.find("profile");
  for (const auto& q : profile->questions) {
    out[q.id] = q.id;
    for (const auto& title : texts_of(q.title)) out.emplace(title, q.id);
  }
  for (const auto& id : library.ids()) {
    if (id == "profile") continue;
    const Questionnaire& m = *library.find(id);
    for (const char* field : {"level", "total"}) {
      const std::string column = id + "." + field;
      out[column] = column;
      const std::string key = std::string("srv_import_col_") + field;
      for (const auto& l : languages) {
        if (!l.texts.contains(key)) continue;
        for (const auto& title : texts_of(m.title)) out.emplace(l(key, {{"module", title}}), column);
      }
    }
  }
  out[kAsOf] = kAsOf;
  out[kProjects] = kProjects;
  for (const auto& l : languages) {
    for (const auto& [key, column] : {std::pair<const char*, const char*>{"srv_import_col_as_of", kAsOf},
                                      std::pair<const char*, const char*>{"srv_import_col_projects", kProjects}}) {
      if (l.texts.contains(key)) out.emplace(l(key), column);
    }
  }
  return out;
}

// The inputs a computed profile value is made from, recursively ("above_designated_size" →
// revenue_last_year, …).
void computed_inputs(const Questionnaire& profile, const std::string& id, std::vector<std::string>& out,
                     int depth = 0) {
  const int ci = profile.computed_index(id);
  if (ci < 0 || depth > 8) {
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
    return;
  }
  for (const auto& p : profile.computed[static_cast<std::size_t>(ci)].expr.paths()) {
    computed_inputs(profile, p.substr(0, p.find('.')), out, depth + 1);
  }
}

// The columns a fact path needs ("profile.is_sme" → employees, revenue_last_year; "results.m.level"
// → m.level; "region" → region).
std::vector<std::string> columns_for_path(const Questionnaire& profile, const std::string& path) {
  std::vector<std::string> out;
  if (path.rfind("profile.", 0) == 0) {
    const std::string id =
        path.substr(8, path.find('.', 8) == std::string::npos ? std::string::npos : path.find('.', 8) - 8);
    computed_inputs(profile, id, out);
  } else if (path.rfind("results.", 0) == 0) {
    out.push_back(path.substr(8));
  } else if (path == "region") {
    out.push_back("region");
  } else if (path == kProjects) {
    out.push_back(kProjects);
  }
  return out;
}

std::vector<std::string> criteria_paths(const Criteria& criteria) {
  std::vector<std::string> out;
  auto add = [&](const logic::Rule& r) {
    for (const auto& p : r.paths()) {
      if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
    }
  };
  for (const auto& c : criteria.eligibility) add(c.logic);
  for (const auto& t : criteria.score) add(t.value);
  for (const auto& t : criteria.tie_breakers) add(t.value);
  return out;
}

}  // namespace

std::string import_message(const ImportIssue& issue, const std::string& lang, const Words& words) {
  auto it = words.texts.find("srv_import_" + issue.key);
  if (issue.key.empty() || it == words.texts.end()) return issue.reason;
  return fill(it->second, issue.params, issue.phrases, lang, words);
}

std::string import_column_title(const Library& library, const std::string& column, const std::string& lang,
                                const Words& words) {
  if (column == kAsOf) return words("srv_import_col_as_of");
  if (column == kProjects) return words("srv_import_col_projects");
  const auto dot = column.find('.');
  if (dot != std::string::npos) {
    const Questionnaire* m = library.find(column.substr(0, dot));
    if (!m) return column;
    const std::string field = column.substr(dot + 1) == "level" ? "level" : "total";
    return words("srv_import_col_" + field, {{"module", m->title.in(lang)}});
  }
  const Questionnaire* profile = library.find("profile");
  const int qi = profile ? profile->question_index(column) : -1;
  if (qi < 0) return column;
  const Text& t = profile->questions[static_cast<std::size_t>(qi)].title;
  return t.in(lang);
}

std::vector<std::string> criteria_missing_columns(const Criteria& criteria, const std::vector<std::string>& columns,
                                                  const Library& library) {
  const Questionnaire* profile = library.find("profile");
  std::vector<std::string> missing;
  for (const auto& path : criteria_paths(criteria)) {
    for (const auto& c : columns_for_path(*profile, path)) {
      if (std::find(columns.begin(), columns.end(), c) == columns.end() &&
          std::find(missing.begin(), missing.end(), c) == missing.end()) {
        missing.push_back(c);
      }
    }
  }
  return missing;
}

std::vector<TemplateColumn> import_columns(const Library& library, const std::vector<Criteria>& criteria,
                                           const DashboardLadders& ladders) {
  const Questionnaire* profile = library.find("profile");
  if (!profile) throw Error("import template", "", "the template needs the profile questionnaire");
  // The USCC (the import's key), then the profile's identity and size questions ("identity": true),
  // in the profile's order.
  std::vector<std::string> ids = {"uscc"};
  auto add = [&](const std::string& id) {
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  };
  for (const auto& q : profile->questions) {
    if (q.identity) add(q.id);
  }
  std::vector<std::string> paths = dashboard_fact_paths(ladders);  // facts the dashboard reads (dashboard.h)
  for (const auto& c : criteria) {
    for (const auto& p : criteria_paths(c)) paths.push_back(p);
  }
  for (const auto& p : paths) {
    for (const auto& c : columns_for_path(*profile, p)) {
      const auto dot = c.find('.');
      if (c == kProjects ||
          (dot != std::string::npos ? library.find(c.substr(0, dot)) != nullptr : profile->question_index(c) >= 0))
        add(c);
    }
  }
  // Every module with levels (the questionnaires the folder holds, in their `order`): its level and
  // total (the peer benchmark reads them); then the date.
  std::vector<const Questionnaire*> modules;
  for (const auto& id : library.ids()) {
    const Questionnaire* m = library.find(id);
    if (m != profile && !m->levels.empty()) modules.push_back(m);
  }
  std::stable_sort(modules.begin(), modules.end(), [](const Questionnaire* a, const Questionnaire* b) {
    return a->order != b->order ? a->order < b->order : a->id < b->id;
  });
  for (const Questionnaire* m : modules) {
    add(m->id + ".level");
    add(m->id + ".total");
  }
  add(kAsOf);
  // The example row comes from the definitions: a profile question's "example" (a made-up 无锡
  // auto-parts maker in the shipped profile), a module's "example" level and total (without one, its
  // first level: a valid cell); the projects count and the date are the template's own.
  std::vector<TemplateColumn> out;
  for (const auto& id : ids) {
    std::string example;
    const auto dot = id.find('.');
    if (id == kProjects) {
      example = "2";
    } else if (id == kAsOf) {
      example = "2025-12-31";
    } else if (dot != std::string::npos) {
      if (const Questionnaire* m = library.find(id.substr(0, dot))) {
        if (id.substr(dot + 1) == "level") {
          example = !m->example_level.empty() ? m->example_level : m->levels.empty() ? "" : m->levels[0].id;
        } else if (m->example_total) {
          example = format_number(*m->example_total);
        }
      }
    } else if (const int qi = profile->question_index(id); qi >= 0) {
      example = profile->questions[static_cast<std::size_t>(qi)].example;
    }
    out.push_back({id, example});
  }
  return out;
}

std::vector<std::vector<std::string>> import_template(const Library& library, const std::vector<Criteria>& criteria,
                                                      const DashboardLadders& ladders, const std::string& lang,
                                                      const Words& words) {
  std::vector<std::string> header;
  std::vector<std::string> example;
  for (const auto& c : import_columns(library, criteria, ladders)) {
    header.push_back(lang == "id" ? c.id : import_column_title(library, c.id, lang, words));
    example.push_back(c.example);
  }
  return {header, example};
}

namespace {

// A cell typed for the question it fills: numbers for number/percent, booleans for yes/no,
// a level number for ladders, option ids (by id or label) for choices, codes (by code or name)
// for code lists, text otherwise. An issue's key and params are set when the cell cannot be read.
struct Typed {
  Json value;
  std::string key;
  Json params = Json::object();
  std::map<std::string, Phrase> phrases{};  // ImportIssue::phrases
};

// What a yes/no cell may say, gathered once per file: the machine forms and the words
// "srv_option_yes" / "srv_option_no" of every language the file may be written in.
struct YesNoWords {
  std::set<std::string, std::less<>> yes = {"yes", "true", "TRUE", "1"};
  std::set<std::string, std::less<>> no = {"no", "false", "FALSE", "0"};
  explicit YesNoWords(const std::vector<Words>& languages) {
    for (const auto& l : languages) {
      if (auto it = l.texts.find("srv_option_yes"); it != l.texts.end()) yes.insert(it->second);
      if (auto it = l.texts.find("srv_option_no"); it != l.texts.end()) no.insert(it->second);
    }
  }
};

Typed typed_cell(const Question& q, const std::string& cell, const NameIndex* names, const YesNoWords& yes_no) {
  switch (q.type) {
    case QuestionType::kNumber:
    case QuestionType::kPercent:
    case QuestionType::kLadder: {
      std::string text = cell;
      if (q.type == QuestionType::kPercent && !text.empty() && text.back() == '%') text.pop_back();
      char* end = nullptr;
      errno = 0;
      const double v = std::strtod(text.c_str(), &end);
      if (end == text.c_str() || *end != '\0' || errno != 0 || !std::isfinite(v)) {
        return {cell, "not_number", {{"value", cell}}};
      }
      if (q.min && v < *q.min) return {v, "below_min", {{"value", v}, {"min", *q.min}}};
      if (q.max && v > *q.max) return {v, "above_max", {{"value", v}, {"max", *q.max}}};
      return {v, "", Json::object()};
    }
    case QuestionType::kYesNo:
      if (yes_no.yes.contains(cell)) return {true, "", {}};
      if (yes_no.no.contains(cell)) return {false, "", {}};
      return {cell, "not_yes_no", {{"value", cell}}};
    case QuestionType::kSingle: {
      const int i = option_by_name(q, cell);
      if (i < 0) {
        return {cell, "not_option", {{"value", cell}, {"options", option_ids(q)}}, {{"options", options_phrase(q)}}};
      }
      return {q.options[static_cast<std::size_t>(i)].id, "", {}};
    }
    case QuestionType::kMulti: {
      Json ids = Json::array();
      std::size_t start = 0;
      while (start <= cell.size()) {
        // Separators ";", "；" or "、" (the last two are three bytes in UTF-8).
        std::size_t len = 1;
        std::size_t sep = std::string::npos;
        for (const char* s : {";", "；", "、"}) {
          const auto at = cell.find(s, start);
          if (at != std::string::npos && (sep == std::string::npos || at < sep)) {
            sep = at;
            len = std::strlen(s);
          }
        }
        const std::string part = trim(cell.substr(start, sep == std::string::npos ? std::string::npos : sep - start));
        const int i = option_by_name(q, part);
        if (i < 0) {
          return {cell, "not_option", {{"value", part}, {"options", option_ids(q)}}, {{"options", options_phrase(q)}}};
        }
        ids.push_back(q.options[static_cast<std::size_t>(i)].id);
        if (sep == std::string::npos) break;
        start = sep + len;
      }
      return {ids, "", {}};
    }
    default:
      break;
  }
  if (names) {
    const auto codes = names->resolve(cell);
    if (codes.size() == 1) return {codes[0], "", {}};
    if (codes.size() > 1) {
      Json list = Json::array();
      for (const auto& c : codes) list.push_back(names->describe(c));
      return {cell, "ambiguous_name", {{"value", cell}, {"codes", list}}};
    }
    return {cell,
            q.format == "code:region" || (q.code_list && q.code_list->id == "gbt2260") ? "unknown_region"
                                                                                       : "unknown_industry",
            {{"value", cell}}};
  }
  if (cell.size() > q.max_length) return {cell, "too_long", {{"max", q.max_length}}};
  return {cell, "", {}};
}

// The key of an error parse_answer gave, for a cell typed_cell let through.
ImportIssue classify(const std::string& reason, const std::string& cell) {
  ImportIssue i;
  i.reason = reason;
  if (reason.rfind("unified social credit code", 0) == 0) {
    const auto colon = reason.find(": ");
    i.key = "bad_uscc";
    i.params = {{"value", cell}, {"detail", colon == std::string::npos ? reason : reason.substr(colon + 2)}};
  } else if (reason.rfind("text is longer than", 0) == 0) {
    i.key = "too_long";
    i.params = {{"max", reason.substr(20, reason.find(' ', 20) - 20)}};
  } else if (reason.rfind("expected a date", 0) == 0) {
    i.key = "bad_date";
    i.params = {{"value", cell}};
  } else {
    i.key = "invalid";
    i.params = {{"detail", reason}};
  }
  return i;
}

// An issue with its reason: its message in `words` (import_table's first language, its definitions'
// texts read in `lang`), the key itself when the words have none.
ImportIssue make_issue(std::size_t row, std::string column, std::string key, Json params,
                       std::map<std::string, Phrase> phrases, const std::string& lang, const Words& words) {
  ImportIssue i;
  i.row = row;
  i.column = std::move(column);
  i.key = std::move(key);
  i.params = std::move(params);
  i.phrases = std::move(phrases);
  i.reason = i.key;
  i.reason = import_message(i, lang, words);
  return i;
}

}  // namespace

ImportResult import_table(const std::string& bytes, const std::string& file, const Library& library,
                          const std::string& lang, const std::vector<Words>& languages,
                          const std::function<void(std::size_t, std::size_t)>& progress) {
  ImportResult result;
  const Words no_words;
  const Words& words = languages.empty() ? no_words : languages.front();
  const Questionnaire* profile = library.find("profile");
  if (!profile) throw Error(file, "", "importing needs the profile questionnaire");

  // Rows as (column -> cell) maps, from CSV, XLSX or JSON, with the row number each one shows.
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> cells;
  std::vector<std::size_t> numbers;
  const bool json = file.size() >= 5 && file.substr(file.size() - 5) == ".json";
  if (json) {
    result.encoding = "utf-8";
    const Json doc = parse_json_text(bytes, file);
    if (!doc.is_array()) throw Error(file, "", words("srv_import_json_shape"));
    for (const auto& row : doc) {
      if (!row.is_object()) throw Error(file, "", words("srv_import_json_shape"));
      for (auto it = row.begin(); it != row.end(); ++it) {
        if (std::find(header.begin(), header.end(), it.key()) == header.end()) header.push_back(it.key());
      }
    }
    for (const auto& row : doc) {
      std::vector<std::string> line;
      for (const auto& h : header) {
        auto it = row.find(h);
        line.push_back(it == row.end() || it->is_null() ? "" : it->is_string() ? it->get<std::string>() : it->dump());
      }
      cells.push_back(std::move(line));
      numbers.push_back(cells.size());
    }
  } else if (file.size() >= 5 && file.substr(file.size() - 5) == ".xlsx") {
    result.encoding = "xlsx";
    auto rows = detail::read_xlsx(bytes, file, {}, &numbers);
    if (rows.empty()) throw Error(file, "", words("srv_import_sheet_empty"));
    header = rows.front();
    rows.erase(rows.begin());
    numbers.erase(numbers.begin());
    cells = std::move(rows);
  } else {
    std::string text = bytes;
    if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
    if (is_utf8(text)) {
      result.encoding = "utf-8";
    } else {
      // Not UTF-8 as a whole: GBK, unless some rows are Chinese in UTF-8 and others are not (a file
      // pasted together from two sources), which GBK would turn into mojibake without a word.
      // The delimiters are ASCII and GBK's second bytes never are, so the raw bytes split into rows.
      const auto raw = parse_csv(text);
      std::size_t utf8_row = raw.size();
      std::size_t other_row = raw.size();
      for (std::size_t r = 0; r < raw.size() && (utf8_row == raw.size() || other_row == raw.size()); ++r) {
        const RowEncoding e = row_encoding(raw[r]);
        if (e == RowEncoding::kUtf8 && utf8_row == raw.size()) utf8_row = r;
        if (e == RowEncoding::kOther && other_row == raw.size()) other_row = r;
      }
      if (utf8_row < raw.size() && other_row < raw.size()) {
        throw Error(file, "",
                    words("srv_import_mixed_encodings",
                          {{"utf8_row", row_name(utf8_row, words)}, {"other_row", row_name(other_row, words)}}));
      }
      std::string converted;
      if (const auto bad = convert_gbk(text, file, converted)) {
        throw Error(file, "", words("srv_import_not_gbk", {{"byte", std::to_string(*bad)}}));
      }
      text = std::move(converted);
      result.encoding = "gbk";
    }
    auto rows = parse_csv(text);
    if (rows.empty()) throw Error(file, "", words("srv_import_file_empty"));
    header = rows.front();
    rows.erase(rows.begin());
    cells = std::move(rows);
    for (std::size_t r = 0; r < cells.size(); ++r) numbers.push_back(r + 2);  // the header is row 1
  }
  // Every column must be a profile question, <module>.level / <module>.total or as_of, by id or title.
  const auto names = column_names(library, languages);
  const YesNoWords yes_no(languages);
  for (auto& h : header) {
    h = trim(h);
    auto it = names.find(h);
    if (it == names.end()) {
      const auto dot = h.find('.');
      throw Error(file, "",
                  words(dot != std::string::npos ? "srv_import_unknown_result_column" : "srv_import_unknown_column",
                        {{"column", h}}));
    }
    h = it->second;
  }
  for (std::size_t a = 0; a < header.size(); ++a) {
    for (std::size_t b = a + 1; b < header.size(); ++b) {
      if (header[a] == header[b]) throw Error(file, "", words("srv_import_column_twice", {{"column", header[a]}}));
    }
  }
  if (std::find(header.begin(), header.end(), "uscc") == header.end()) {
    throw Error(file, "", words("srv_import_uscc_column_missing"));
  }
  result.columns = header;

  // Name indexes of the code lists the columns use, built once.
  std::map<const CodeList*, NameIndex> indexes;
  std::vector<const NameIndex*> column_index(header.size(), nullptr);
  for (std::size_t c = 0; c < header.size(); ++c) {
    const int qi = profile->question_index(header[c]);
    if (qi < 0) continue;
    const auto& list = profile->questions[static_cast<std::size_t>(qi)].code_list;
    if (!list) continue;
    auto it = indexes.find(list.get());
    if (it == indexes.end()) it = indexes.emplace(list.get(), NameIndex(*list)).first;
    column_index[c] = &it->second;
  }
  // Required: the USCC and the name in every row; the profile's other required questions (the
  // region) in every row of a file that has their column (a file without it still ranks).
  std::vector<std::string> required = {"uscc", "name"};
  for (const auto& q : profile->questions) {
    if (q.required && q.id != "uscc" && std::find(header.begin(), header.end(), q.id) != header.end()) {
      required.push_back(q.id);
    }
  }

  std::map<std::string, std::vector<std::size_t>> uscc_rows;  // USCC → the rows that give it
  result.rows = 0;
  for (std::size_t r = 0; r < cells.size(); ++r) {
    if (progress && (r % 1000 == 0 || r + 1 == cells.size())) progress(r + 1, cells.size());
    const auto& line = cells[r];
    if (std::all_of(line.begin(), line.end(), [](const std::string& x) { return trim(x).empty(); })) continue;
    ++result.rows;
    const std::size_t row_number = numbers[r];
    bool bad = false;
    auto issue = [&](const std::string& column, const std::string& key, const Json& params,
                     const std::map<std::string, Phrase>& phrases = {}) {
      result.issues.push_back(make_issue(row_number, column, key, params, phrases, lang, words));
      bad = true;
    };
    if (line.size() != header.size()) {
      issue("", "cell_count", {{"cells", line.size()}, {"header", header.size()}});
      continue;
    }
    AnswerSet answers;
    answers.answers.resize(profile->questions.size());
    Json results = Json::object();
    Json projects;
    std::string as_of;
    for (std::size_t c = 0; c < header.size(); ++c) {
      const std::string& column = header[c];
      const std::string cell = trim(line[c]);
      if (cell.empty()) continue;
      if (column == kAsOf) {
        as_of = date_cell(cell);
        if (as_of.empty()) issue(column, "bad_date", {{"value", cell}});
        continue;
      }
      if (column == kProjects) {
        char* end = nullptr;
        const double v = std::strtod(cell.c_str(), &end);
        if (end == cell.c_str() || *end != '\0' || !(v >= 0) || v != std::floor(v) || v > 1e9) {
          issue(column, "not_number", {{"value", cell}});
          continue;
        }
        projects = {{"count", static_cast<std::int64_t>(v)}};
        continue;
      }
      const auto dot = column.find('.');
      if (dot != std::string::npos) {
        const std::string module = column.substr(0, dot);
        const Questionnaire& q = *library.find(module);
        if (column.substr(dot + 1) == "level") {
          const int li = q.level_index(cell);
          if (li < 0 && cell != "none") {
            issue(column, "not_level", {{"value", cell}, {"module", module}});
            continue;
          }
          results[module]["level"] = li < 0 ? Json() : Json(q.levels[static_cast<std::size_t>(li)].id);
        } else {
          char* end = nullptr;
          const double v = std::strtod(cell.c_str(), &end);
          if (end == cell.c_str() || *end != '\0') {
            issue(column, "not_number", {{"value", cell}});
            continue;
          }
          results[module]["total"] = v;
        }
        continue;
      }
      const int qi = profile->question_index(column);
      const Question& question = profile->questions[static_cast<std::size_t>(qi)];
      Typed typed = typed_cell(question, cell, column_index[c], yes_no);
      if (!typed.key.empty()) {
        issue(column, typed.key, typed.params, typed.phrases);
        continue;
      }
      try {
        answers.answers[static_cast<std::size_t>(qi)] = parse_answer(*profile, qi, typed.value, file, "");
      } catch (const Error& e) {
        // "question \"x\": reason" → the reason; the column already names the question.
        const std::string& reason = e.message();
        const auto colon = reason.find(": ");
        ImportIssue i = classify(colon == std::string::npos ? reason : reason.substr(colon + 2), cell);
        i.row = row_number;
        i.column = column;
        result.issues.push_back(std::move(i));
        bad = true;
      }
    }
    const int uscc_q = profile->question_index("uscc");
    if (answers.answers[static_cast<std::size_t>(uscc_q)].present) {
      // Counted for duplicates whether or not the row has other problems.
      uscc_rows[answers.answers[static_cast<std::size_t>(uscc_q)].value.get<std::string>()].push_back(row_number);
    }
    for (const auto& id : required) {
      const int qi = profile->question_index(id);
      if (qi < 0 || answers.answers[static_cast<std::size_t>(qi)].present) continue;
      const bool reported = std::any_of(result.issues.begin(), result.issues.end(),
                                        [&](const ImportIssue& i) { return i.row == row_number && i.column == id; });
      if (!reported) issue(id, "required", Json::object());
    }
    if (bad) continue;
    const ScoreResult scored = score(*profile, answers);
    Json p = Json::object();
    for (std::size_t qi = 0; qi < profile->questions.size(); ++qi) {
      if (answers.answers[qi].present) p[profile->questions[qi].id] = answers.answers[qi].value;
    }
    for (std::size_t ci = 0; ci < profile->computed.size(); ++ci) {
      if (!scored.computed[ci].is_null()) p[profile->computed[ci].id] = scored.computed[ci];
    }
    Candidate candidate;
    candidate.id = p["uscc"].get<std::string>();
    candidate.name = p.value("name", candidate.id);
    candidate.facts = {{"profile", p}, {"results", results}};
    if (!projects.is_null()) candidate.facts["projects"] = projects;
    if (p.contains("region")) candidate.facts["region"] = p["region"];
    result.candidates.push_back(std::move(candidate));
    result.candidate_rows.push_back(row_number);
    result.candidate_dates.push_back(as_of);
  }
  // A USCC on two rows is an error on each of them, naming all of them; none of them is imported
  // (which of the two is right is for the bureau to say).
  std::set<std::string> duplicated;
  for (const auto& [uscc, rows] : uscc_rows) {
    if (rows.size() < 2) continue;
    duplicated.insert(uscc);
    for (const auto row : rows) {
      result.issues.push_back(
          make_issue(row, "uscc", "duplicate_uscc", {{"uscc", uscc}, {"rows", rows}}, {}, lang, words));
    }
  }
  if (!duplicated.empty()) {
    std::size_t keep = 0;
    for (std::size_t i = 0; i < result.candidates.size(); ++i) {
      if (duplicated.count(result.candidates[i].id)) continue;
      if (keep != i) {
        result.candidates[keep] = std::move(result.candidates[i]);
        result.candidate_rows[keep] = result.candidate_rows[i];
        result.candidate_dates[keep] = std::move(result.candidate_dates[i]);
      }
      ++keep;
    }
    result.candidates.resize(keep);
    result.candidate_rows.resize(keep);
    result.candidate_dates.resize(keep);
    std::stable_sort(result.issues.begin(), result.issues.end(),
                     [](const ImportIssue& a, const ImportIssue& b) { return a.row < b.row; });
  }
  return result;
}

}  // namespace assess
