// export.h — tables for the bureau's spreadsheets: ranked shortlists and dashboards as XLSX (through
// libxlsxwriter) or CSV.
//
// A table is a header and rows of JSON scalars: numbers are written as numbers (so Excel sums and
// sorts them), strings as text, null as an empty cell, booleans as booleans (XLSX) or true/false
// (CSV); an array or object is written as its compact JSON text.
#pragma once

#include <string>
#include <vector>

#include "scoring/questionnaire.h"  // assess::Json

namespace assess {

// Writes one worksheet named `sheet` (characters Excel forbids in sheet names are replaced by "_" and
// the name cut to 31 characters) with a bold, filled header row frozen at the top and column widths
// fitted to the content (CJK characters count double, 8 to 60 wide). Throws Error (kNotFound) naming
// `path` when the file cannot be written.
void write_xlsx(const std::string& path, const std::string& sheet, const std::vector<std::string>& header,
                const std::vector<std::vector<Json>>& rows);

// RFC 4180 CSV: CRLF line ends; a field holding a comma, a double quote, CR or LF is enclosed in
// double quotes with inner quotes doubled. The text starts with a UTF-8 byte-order mark (EF BB BF):
// without it, Excel on Chinese Windows reads a CSV in the ANSI code page (GBK) and garbles every
// Chinese name; with it, Excel reads UTF-8. Tools that do not expect a BOM see it as part of the
// first header cell — strip the first three bytes for them.
// Text (header cells and string values, never numbers) that begins with = + - @, a tab or a CR is
// prefixed with a single quote, so that a spreadsheet shows it instead of running it as a formula
// (CSV injection; OWASP's advice). XLSX needs no such care: its strings are never formulas.
[[nodiscard]] std::string to_csv(const std::vector<std::string>& header, const std::vector<std::vector<Json>>& rows);

// Writes to_csv(header, rows) to `path`; throws Error (kNotFound) naming `path` when it cannot.
void write_csv(const std::string& path, const std::vector<std::string>& header,
               const std::vector<std::vector<Json>>& rows);

}  // namespace assess
