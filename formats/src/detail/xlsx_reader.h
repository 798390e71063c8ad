// xlsx_reader.h — the cells of an XLSX file's first worksheet, read for the bulk importer.
//
// An XLSX upload is hostile input: the archive is unpacked in memory (no temporary file) with
// Debian's minizip, and the sheet XML is parsed as a stream by Debian's expat (SAX), never by string
// searches. Every part is capped in inflated bytes and in compression ratio (zip bombs), the sheet in
// rows (Excel's 1,048,576), columns (Excel's XFD = 16,384), total cells and the text they hold (a
// shared string is copied into every cell that refers to it); a DOCTYPE is refused.
// Every refusal is an assess::Error naming the file and the place (part, row, cell).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace assess::detail {

struct XlsxLimits {
  std::size_t max_part_bytes = 100u << 20;  // inflated bytes of one part (sheet, shared strings)
  std::size_t max_ratio = 100;              // inflated : compressed, checked once past ratio_floor bytes
  std::size_t ratio_floor = 10u << 20;
  std::size_t max_rows = 1048576;           // Excel's last row
  std::size_t max_columns = 16384;          // Excel's last column, XFD
  std::size_t max_cells = 4000000;          // rows × width once padded; bounds memory
  std::size_t max_text_bytes = 100u << 20;  // text of all cells: one shared string can fill many cells
  std::size_t max_shared_strings = 2000000;
};

// Rows of text cells (numbers as written in the sheet, booleans as "true"/"false"), every row padded
// to the first row's width. `bytes` is the XLSX file's content; `file` names it in errors. Rows the
// sheet leaves out (a writer omits an empty row) are not in the result; `row_numbers`, when given,
// receives each row's number as the spreadsheet shows it (1-based), so messages can name it.
std::vector<std::vector<std::string>> read_xlsx(const std::string& bytes, const std::string& file,
                                                const XlsxLimits& limits = {},
                                                std::vector<std::size_t>* row_numbers = nullptr);

}  // namespace assess::detail
