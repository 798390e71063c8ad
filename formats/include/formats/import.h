// import.h — bureau data in bulk: an XLSX (first sheet), CSV (UTF-8, with or without BOM, or the GBK
// that Excel writes on Chinese Windows) or JSON table of enterprises becomes ranking candidates.
//
// Columns are named by the profile questionnaire's ids (uscc, name, region, industry, employees,
// revenue_last_year, smart_factory_tier, …) and by `<module>.level` / `<module>.total` for module
// results. Every cell is checked by the same runtime that checks answers (types, options, USCC check
// character, GB/T 2260 region codes), and the profile's computed values (size class, 规上) are added.
// Bad rows are reported as (row, column, reason) without dropping the good ones.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "scoring/assessment.h"
#include "scoring/rank.h"

namespace assess {

struct ImportIssue {
  std::size_t row = 0;  // 1-based data row (the header is row 0)
  std::string column;
  std::string reason;
};

struct ImportResult {
  std::vector<Candidate> candidates;  // id = normalised USCC
  std::vector<ImportIssue> issues;    // rows with an issue are left out
  std::size_t rows = 0;
  std::string encoding;  // "utf-8" or "gbk"
};

// Converts GBK bytes to UTF-8 (iconv); throws Error when the bytes are not GBK either.
[[nodiscard]] std::string gbk_to_utf8(const std::string& bytes, const std::string& file);
[[nodiscard]] bool is_utf8(const std::string& bytes);

// Splits RFC 4180 CSV into rows of cells.
[[nodiscard]] std::vector<std::vector<std::string>> parse_csv(const std::string& text);

// `bytes` is the file's content, read by the file's extension: `.xlsx` (first worksheet; Debian's
// minizip unpacks it), `.json` (an array of objects with the same column names), else CSV.
[[nodiscard]] ImportResult import_table(const std::string& bytes, const std::string& file, const Library& library,
                                        const std::function<void(std::size_t done, std::size_t total)>& progress = {});

// The header row of the import template, with one example row.
[[nodiscard]] std::vector<std::vector<std::string>> import_template();

}  // namespace assess
