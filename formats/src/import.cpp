#include "formats/import.h"

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>

#include "detail/xlsx_reader.h"
#include "scoring/answers.h"
#include "scoring/profile.h"
#include "scoring/score.h"

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

std::string row_name(std::size_t index) {
  return index == 0 ? "the header row" : "row " + std::to_string(index);
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

std::string gbk_to_utf8(const std::string& bytes, const std::string& file) {
  iconv_t cd = iconv_open("UTF-8", "GB18030");  // GB18030 is a superset of GBK
  if (cd == reinterpret_cast<iconv_t>(-1)) throw Error(file, "", "this system cannot convert GBK text (iconv)");
  std::string out(bytes.size() * 2 + 16, '\0');
  char* in_ptr = const_cast<char*>(bytes.data());
  std::size_t in_left = bytes.size();
  char* out_ptr = out.data();
  std::size_t out_left = out.size();
  const std::size_t rc = iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left);
  iconv_close(cd);
  if (rc == static_cast<std::size_t>(-1)) {
    throw Error(file, "", "the file is neither UTF-8 nor GBK (byte " + std::to_string(bytes.size() - in_left) + ")");
  }
  out.resize(out.size() - out_left);
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

std::vector<std::vector<std::string>> import_template() {
  return {{"uscc", "name", "region", "industry", "employees", "revenue_last_year", "sme_quality_tier",
           "smart_factory_tier", "green_factory_level", "digital_rd_tools", "key_process_cnc_rate",
           "sme-digital-2024.level", "sme-digital-2024.total", "smart-factory-2025.level", "cmmm.level"},
          {"91320205MA1Y8KQ38L", "无锡锡泰汽车零部件有限公司", "320205", "367", "560", "36000", "provincial_zjtx",
           "basic", "municipal", "true", "68", "L2", "55.6", "SF1", "CMMM2"}};
}

namespace {

// A cell typed for the question it fills: numbers for number/percent, booleans for yes/no,
// a level number for ladders, arrays (";"-separated) for multiple choice, text otherwise.
Json typed_cell(const Question& q, const std::string& cell) {
  switch (q.type) {
    case QuestionType::kNumber:
    case QuestionType::kPercent:
    case QuestionType::kLadder: {
      char* end = nullptr;
      errno = 0;
      const double v = std::strtod(cell.c_str(), &end);
      if (end == cell.c_str() || *end != '\0' || errno != 0) return cell;  // reported as a type error
      return v;
    }
    case QuestionType::kYesNo:
      if (cell == "true" || cell == "是" || cell == "yes" || cell == "1") return true;
      if (cell == "false" || cell == "否" || cell == "no" || cell == "0") return false;
      return cell;
    case QuestionType::kMulti: {
      Json ids = Json::array();
      std::size_t start = 0;
      while (start <= cell.size()) {
        const auto sep = cell.find(';', start);
        ids.push_back(cell.substr(start, sep == std::string::npos ? std::string::npos : sep - start));
        if (sep == std::string::npos) break;
        start = sep + 1;
      }
      return ids;
    }
    default:
      return cell;
  }
}

}  // namespace

ImportResult import_table(const std::string& bytes, const std::string& file, const Library& library,
                          const std::function<void(std::size_t, std::size_t)>& progress) {
  ImportResult result;
  const Questionnaire* profile = library.find("profile");
  if (!profile) throw Error(file, "", "importing needs the profile questionnaire");

  // Rows as (column -> cell) maps, from CSV or JSON.
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> cells;
  const bool json = file.size() >= 5 && file.substr(file.size() - 5) == ".json";
  if (json) {
    result.encoding = "utf-8";
    const Json doc = parse_json_text(bytes, file);
    if (!doc.is_array()) throw Error(file, "", "a JSON import is an array of objects keyed by column");
    for (const auto& row : doc) {
      if (!row.is_object()) throw Error(file, "", "a JSON import is an array of objects keyed by column");
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
    }
  } else if (file.size() >= 5 && file.substr(file.size() - 5) == ".xlsx") {
    result.encoding = "xlsx";
    auto rows = detail::read_xlsx(bytes, file);
    if (rows.empty())
      throw Error(file, "", "the sheet is empty; the first row names the columns (see assess import --template)");
    header = rows.front();
    rows.erase(rows.begin());
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
                    "mixed encodings: " + row_name(utf8_row) + " is UTF-8 but " + row_name(other_row) +
                        " is not (GBK?); save the whole file in one encoding, preferably UTF-8");
      }
      text = gbk_to_utf8(text, file);
      result.encoding = "gbk";
    }
    auto rows = parse_csv(text);
    if (rows.empty())
      throw Error(file, "", "the file is empty; the first row names the columns (see assess import --template)");
    header = rows.front();
    rows.erase(rows.begin());
    cells = std::move(rows);
  }
  for (auto& h : header) {
    while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.pop_back();
    while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.erase(0, 1);
  }
  // Every column must be a profile question or <module>.level / <module>.total.
  for (const auto& h : header) {
    const auto dot = h.find('.');
    if (dot != std::string::npos) {
      const std::string module = h.substr(0, dot);
      const std::string field = h.substr(dot + 1);
      if (!library.find(module) || (field != "level" && field != "total")) {
        throw Error(file, "", "unknown column \"" + h + "\" (module results are <questionnaire id>.level or .total)");
      }
    } else if (profile->question_index(h) < 0) {
      throw Error(file, "",
                  "unknown column \"" + h + "\" (columns are profile question ids; see assess import --template)");
    }
  }
  if (std::find(header.begin(), header.end(), "uscc") == header.end()) {
    throw Error(file, "", "the column \"uscc\" is required: rows are matched by unified social credit code");
  }

  result.rows = cells.size();
  for (std::size_t r = 0; r < cells.size(); ++r) {
    if (progress && (r % 1000 == 0 || r + 1 == cells.size())) progress(r + 1, cells.size());
    const auto& line = cells[r];
    if (line.size() == 1 && line[0].empty()) continue;  // blank line
    const std::size_t row_number = r + 1;
    bool bad = false;
    auto issue = [&](const std::string& column, const std::string& reason) {
      result.issues.push_back({row_number, column, reason});
      bad = true;
    };
    if (line.size() != header.size()) {
      issue("", "has " + std::to_string(line.size()) + " cells; the header has " + std::to_string(header.size()));
      continue;
    }
    AnswerSet answers;
    answers.answers.resize(profile->questions.size());
    Json results = Json::object();
    for (std::size_t c = 0; c < header.size(); ++c) {
      const std::string& column = header[c];
      const std::string& cell = line[c];
      if (cell.empty()) continue;
      const auto dot = column.find('.');
      if (dot != std::string::npos) {
        const std::string module = column.substr(0, dot);
        const Questionnaire& q = *library.find(module);
        if (column.substr(dot + 1) == "level") {
          const int li = q.level_index(cell);
          if (li < 0 && cell != "none") {
            issue(column, "\"" + cell + "\" is not a level of " + module);
            continue;
          }
          results[module]["level"] = li < 0 ? Json() : Json(q.levels[static_cast<std::size_t>(li)].id);
        } else {
          char* end = nullptr;
          const double v = std::strtod(cell.c_str(), &end);
          if (end == cell.c_str() || *end != '\0') {
            issue(column, "\"" + cell + "\" is not a number");
            continue;
          }
          results[module]["total"] = v;
        }
        continue;
      }
      const int qi = profile->question_index(column);
      try {
        answers.answers[static_cast<std::size_t>(qi)] =
            parse_answer(*profile, qi, typed_cell(profile->questions[static_cast<std::size_t>(qi)], cell), file, "");
      } catch (const Error& e) {
        // "question \"x\": reason" → the reason; the column already names the question.
        const std::string& reason = e.message();
        const auto colon = reason.find(": ");
        issue(column, colon == std::string::npos ? reason : reason.substr(colon + 2));
      }
    }
    const int uscc = profile->question_index("uscc");
    const bool uscc_reported = !result.issues.empty() && result.issues.back().row == row_number &&
                               std::any_of(result.issues.begin(), result.issues.end(), [&](const ImportIssue& i) {
                                 return i.row == row_number && i.column == "uscc";
                               });
    if (!answers.answers[static_cast<std::size_t>(uscc)].present && !uscc_reported) issue("uscc", "is empty");
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
    if (p.contains("region")) candidate.facts["region"] = p["region"];
    result.candidates.push_back(std::move(candidate));
  }
  return result;
}

}  // namespace assess
