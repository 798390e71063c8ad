#include "formats/export.h"

#include <xlsxwriter.h>

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "scoring/error.h"

namespace assess {
namespace {

// How a scalar reads in a cell as text (CSV, or XLSX for non-scalars).
std::string cell_text(const Json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  return value.dump();  // numbers: shortest round-trip form; arrays and objects: compact JSON
}

// Display width of UTF-8 text: code points from U+1100 up (CJK, full-width forms) count 2.
std::size_t display_width(const std::string& text) {
  std::size_t width = 0;
  std::size_t line = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
    if (c == '\n') {
      width = std::max(width, line);
      line = 0;
    } else {
      line += len >= 3 ? 2 : 1;
    }
    i += len;
  }
  return std::max(width, line);
}

// Excel's sheet-name rules: no []:*?/\ and at most 31 characters; never empty.
std::string sheet_name(const std::string& given) {
  std::string out;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < given.size() && chars < 31;) {
    const auto c = static_cast<unsigned char>(given[i]);
    const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
    if (std::string("[]:*?/\\").find(static_cast<char>(c)) != std::string::npos) {
      out += '_';
    } else {
      out += given.substr(i, len);
    }
    i += len;
    ++chars;
  }
  if (out.empty()) return "Sheet1";
  if (out.front() == '\'') out.front() = '_';  // Excel forbids an apostrophe at either end
  if (out.back() == '\'') out.back() = '_';
  return out;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// A spreadsheet runs text beginning with these as a formula (CSV injection).
std::string neutralised(const std::string& text) {
  if (!text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos) return "'" + text;
  return text;
}

}  // namespace

void write_xlsx(const std::string& path, const std::string& sheet, const std::vector<std::string>& header,
                const std::vector<std::vector<Json>>& rows) {
  {
    // libxlsxwriter reports a file it cannot create on stderr at workbook_close(); find out first.
    std::ofstream probe(path, std::ios::binary);
    if (!probe) throw Error(path, "", "cannot write file", ErrorKind::kNotFound);
  }
  lxw_workbook* workbook = workbook_new(path.c_str());
  if (workbook == nullptr)
    throw Error(path, "", "cannot write file (XLSX workbook could not be created)", ErrorKind::kNotFound);
  auto fail = [&](const std::string& what) {
    workbook_close(workbook);  // frees it; the file may be left incomplete
    throw Error(path, "", what, ErrorKind::kNotFound);
  };
  lxw_worksheet* ws = workbook_add_worksheet(workbook, sheet_name(sheet).c_str());
  if (ws == nullptr) fail("cannot add worksheet \"" + sheet + "\"");
  lxw_format* bold = workbook_add_format(workbook);
  format_set_bold(bold);
  format_set_pattern(bold, LXW_PATTERN_SOLID);
  format_set_bg_color(bold, 0xD9E1F2);
  format_set_border(bold, LXW_BORDER_THIN);

  std::vector<std::size_t> widths(header.size(), 0);
  auto note_width = [&](std::size_t col, const std::string& text) {
    if (col >= widths.size()) widths.resize(col + 1, 0);
    widths[col] = std::max(widths[col], display_width(text));
  };
  for (std::size_t c = 0; c < header.size(); ++c) {
    worksheet_write_string(ws, 0, static_cast<lxw_col_t>(c), header[c].c_str(), bold);
    note_width(c, header[c]);
  }
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const auto row = static_cast<lxw_row_t>(r + 1);
    for (std::size_t c = 0; c < rows[r].size(); ++c) {
      const Json& v = rows[r][c];
      const auto col = static_cast<lxw_col_t>(c);
      lxw_error rc = LXW_NO_ERROR;
      if (v.is_null()) continue;
      if (v.is_number()) {
        rc = worksheet_write_number(ws, row, col, v.get<double>(), nullptr);
      } else if (v.is_boolean()) {
        rc = worksheet_write_boolean(ws, row, col, v.get<bool>() ? 1 : 0, nullptr);
      } else {
        std::string text = cell_text(v);
        if (text.size() > 32767) {  // Excel's cell limit (counted in bytes here, so it stays under it)
          std::size_t cut = 32767;
          while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // whole characters only
          text.resize(cut);
        }
        rc = worksheet_write_string(ws, row, col, text.c_str(), nullptr);
      }
      if (rc != LXW_NO_ERROR) fail(std::string("cannot write cell: ") + lxw_strerror(rc));
      note_width(c, cell_text(v));
    }
  }
  for (std::size_t c = 0; c < widths.size(); ++c) {
    const double width = static_cast<double>(std::clamp<std::size_t>(widths[c] + 2, 8, 60));
    worksheet_set_column(ws, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c), width, nullptr);
  }
  worksheet_freeze_panes(ws, 1, 0);
  const lxw_error rc = workbook_close(workbook);
  if (rc != LXW_NO_ERROR)
    throw Error(path, "", std::string("cannot write file: ") + lxw_strerror(rc), ErrorKind::kNotFound);
}

std::string to_csv(const std::vector<std::string>& header, const std::vector<std::vector<Json>>& rows) {
  std::string out = "\xEF\xBB\xBF";
  for (std::size_t c = 0; c < header.size(); ++c) out += (c ? "," : "") + csv_field(neutralised(header[c]));
  out += "\r\n";
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      const std::string text = cell_text(row[c]);
      out += (c ? "," : "") + csv_field(row[c].is_string() ? neutralised(text) : text);
    }
    out += "\r\n";
  }
  return out;
}

void write_csv(const std::string& path, const std::vector<std::string>& header,
               const std::vector<std::vector<Json>>& rows) {
  const std::string text = to_csv(header, rows);
  std::ofstream file(path, std::ios::binary);
  if (!file) throw Error(path, "", "cannot write file", ErrorKind::kNotFound);
  file << text;
  if (!file.flush()) throw Error(path, "", "cannot write file (write failed)", ErrorKind::kNotFound);
}

}  // namespace assess
