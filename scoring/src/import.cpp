#include "assess/import.h"

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <functional>

#include <filesystem>
#include <fstream>

#include <iconv.h>
#include <minizip/unzip.h>

#include "assess/answers.h"
#include "assess/profile.h"
#include "assess/score.h"

namespace assess {

bool is_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    }
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

namespace {

std::string xml_unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    const auto semi = s.find(';', i);
    if (semi == std::string::npos) {
      out += s[i];
      continue;
    }
    const std::string entity = s.substr(i + 1, semi - i - 1);
    if (entity == "amp") out += '&';
    else if (entity == "lt") out += '<';
    else if (entity == "gt") out += '>';
    else if (entity == "quot") out += '"';
    else if (entity == "apos") out += '\'';
    else if (!entity.empty() && entity[0] == '#') {
      const unsigned long cp = entity.size() > 1 && (entity[1] == 'x' || entity[1] == 'X')
                                   ? std::strtoul(entity.c_str() + 2, nullptr, 16)
                                   : std::strtoul(entity.c_str() + 1, nullptr, 10);
      // UTF-8 encode.
      if (cp < 0x80) out += static_cast<char>(cp);
      else if (cp < 0x800) { out += static_cast<char>(0xC0 | (cp >> 6)); out += static_cast<char>(0x80 | (cp & 0x3F)); }
      else if (cp < 0x10000) { out += static_cast<char>(0xE0 | (cp >> 12)); out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)); out += static_cast<char>(0x80 | (cp & 0x3F)); }
      else { out += static_cast<char>(0xF0 | (cp >> 18)); out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F)); out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)); out += static_cast<char>(0x80 | (cp & 0x3F)); }
    } else {
      out += s.substr(i, semi - i + 1);
    }
    i = semi;
  }
  return out;
}

// The text of every <t>…</t> inside `xml` (rich-text runs of one shared string), joined.
std::string t_texts(const std::string& xml) {
  std::string out;
  for (std::size_t at = 0; (at = xml.find("<t", at)) != std::string::npos;) {
    const auto open_end = xml.find('>', at);
    if (open_end == std::string::npos) break;
    if (xml[open_end - 1] == '/') {  // <t/>
      at = open_end;
      continue;
    }
    if (xml.compare(at, 2, "<t") == 0 && (xml[at + 2] == '>' || xml[at + 2] == ' ')) {
      const auto close = xml.find("</t>", open_end);
      if (close == std::string::npos) break;
      out += xml_unescape(xml.substr(open_end + 1, close - open_end - 1));
      at = close + 4;
    } else {
      at = open_end;
    }
  }
  return out;
}

std::string read_zip_entry(unzFile zip, const char* name) {
  if (unzLocateFile(zip, name, 0) != UNZ_OK) return "";
  if (unzOpenCurrentFile(zip) != UNZ_OK) return "";
  std::string out;
  char buffer[65536];
  int n;
  while ((n = unzReadCurrentFile(zip, buffer, sizeof buffer)) > 0) out.append(buffer, static_cast<std::size_t>(n));
  unzCloseCurrentFile(zip);
  return out;
}

// Rows of the first worksheet of an XLSX file, as text cells (numbers as written in the sheet).
std::vector<std::vector<std::string>> read_xlsx(const std::string& bytes, const std::string& file) {
  const auto tmp = std::filesystem::temp_directory_path() / ("assess-import-" + std::to_string(std::hash<std::string>{}(bytes)) + ".xlsx");
  {
    std::ofstream out(tmp, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  unzFile zip = unzOpen(tmp.string().c_str());
  if (!zip) {
    std::filesystem::remove(tmp);
    throw Error(file, "", "not an XLSX file (it is not a zip archive)");
  }
  const std::string shared = read_zip_entry(zip, "xl/sharedStrings.xml");
  const std::string sheet = read_zip_entry(zip, "xl/worksheets/sheet1.xml");
  unzClose(zip);
  std::filesystem::remove(tmp);
  if (sheet.empty()) throw Error(file, "", "the XLSX file has no first worksheet (xl/worksheets/sheet1.xml)");
  std::vector<std::string> strings;
  for (std::size_t at = 0; (at = shared.find("<si", at)) != std::string::npos;) {
    const auto end = shared.find("</si>", at);
    if (end == std::string::npos) break;
    strings.push_back(t_texts(shared.substr(at, end - at)));
    at = end + 5;
  }
  std::vector<std::vector<std::string>> rows;
  for (std::size_t at = 0; (at = sheet.find("<row", at)) != std::string::npos;) {
    const auto open_end = sheet.find('>', at);
    if (open_end == std::string::npos) break;
    if (sheet[open_end - 1] == '/') {  // <row .../>: an empty row
      rows.emplace_back();
      at = open_end;
      continue;
    }
    const auto end = sheet.find("</row>", open_end);
    if (end == std::string::npos) break;
    const std::string row_xml = sheet.substr(at, end - at);
    std::vector<std::string> row;
    for (std::size_t c = 0; (c = row_xml.find("<c ", c)) != std::string::npos;) {
      const auto tag_end = row_xml.find('>', c);
      const std::string tag = row_xml.substr(c, tag_end - c);
      std::size_t column = row.size();
      if (auto r = tag.find(" r=\""); r != std::string::npos) {
        column = 0;
        for (std::size_t k = r + 4; k < tag.size() && tag[k] >= 'A' && tag[k] <= 'Z'; ++k) column = column * 26 + static_cast<std::size_t>(tag[k] - 'A' + 1);
        column -= 1;
      }
      std::string type;
      if (auto t = tag.find(" t=\""); t != std::string::npos) type = tag.substr(t + 4, tag.find('"', t + 4) - t - 4);
      std::string value;
      std::size_t next = tag_end + 1;
      if (tag.back() != '/') {
        const auto close = row_xml.find("</c>", tag_end);
        const std::string inner = row_xml.substr(tag_end + 1, close - tag_end - 1);
        next = close + 4;
        if (type == "inlineStr") {
          value = t_texts(inner);
        } else if (auto v = inner.find("<v>"); v != std::string::npos) {
          value = xml_unescape(inner.substr(v + 3, inner.find("</v>", v) - v - 3));
          if (type == "s") {
            const auto index = static_cast<std::size_t>(std::strtoul(value.c_str(), nullptr, 10));
            value = index < strings.size() ? strings[index] : "";
          } else if (type == "b") {
            value = value == "1" ? "true" : "false";
          }
        }
      }
      if (row.size() <= column) row.resize(column + 1);
      row[column] = value;
      c = next;
    }
    rows.push_back(std::move(row));
    at = end + 6;
  }
  // Pad every row to the header's width (empty trailing cells are not written in XLSX).
  const std::size_t width = rows.empty() ? 0 : rows.front().size();
  for (auto& row : rows) {
    if (row.size() < width) row.resize(width);
  }
  return rows;
}

}  // namespace

std::vector<std::vector<std::string>> import_template() {
  return {{"uscc", "name", "region", "industry", "employees", "revenue_last_year", "sme_quality_tier",
           "smart_factory_tier", "green_factory_level", "digital_rd_tools", "key_process_cnc_rate",
           "sme-digital-2024.level", "sme-digital-2024.total", "smart-factory-2025.level", "cmmm.level"},
          {"91320205MA1Y8KQ38L", "无锡锡泰汽车零部件有限公司", "320205", "367", "560", "36000", "provincial_zjtx", "basic",
           "municipal", "true", "68", "L2", "55.6", "SF1", "CMMM2"}};
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
    auto rows = read_xlsx(bytes, file);
    if (rows.empty()) throw Error(file, "", "the sheet is empty; the first row names the columns (see assess import --template)");
    header = rows.front();
    rows.erase(rows.begin());
    cells = std::move(rows);
  } else {
    std::string text = bytes;
    if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
    if (is_utf8(text)) {
      result.encoding = "utf-8";
    } else {
      text = gbk_to_utf8(text, file);
      result.encoding = "gbk";
    }
    auto rows = parse_csv(text);
    if (rows.empty()) throw Error(file, "", "the file is empty; the first row names the columns (see assess import --template)");
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
      throw Error(file, "", "unknown column \"" + h + "\" (columns are profile question ids; see assess import --template)");
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
        std::string reason = e.message();
        const auto colon = reason.find(": ");
        issue(column, colon == std::string::npos ? reason : reason.substr(colon + 2));
      }
    }
    const int uscc = profile->question_index("uscc");
    const bool uscc_reported = !result.issues.empty() && result.issues.back().row == row_number &&
                               std::any_of(result.issues.begin(), result.issues.end(),
                                           [&](const ImportIssue& i) { return i.row == row_number && i.column == "uscc"; });
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
