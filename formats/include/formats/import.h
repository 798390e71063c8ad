// import.h — bureau data in bulk: an XLSX (first sheet), CSV (UTF-8, with or without BOM, or the GBK
// that Excel writes on Chinese Windows) or JSON table of enterprises becomes ranking candidates.
//
// Columns are named by the profile questionnaire's ids (uscc, name, region, industry, employees,
// revenue_last_year, smart_factory_tier, …) or by their titles in any language the definitions or the
// language catalogues give (the template's header is Chinese by default), by `<module>.level` /
// `<module>.total` (or the catalogue's "<module title>·等级/得分", "srv_import_col_level/total") for
// module results, `projects.count` (登记的技术改造项目数: the technical projects on record, a whole
// number ≥ 0, which the dashboard's project-count proxy sums) and `as_of` (数据日期: the date the
// figures describe, "YYYY-MM-DD" or an Excel date). Every cell is checked by the same runtime that
// checks answers (types, options, USCC check character, GB/T 2260 region codes); options, regions and
// industries are also accepted by name ("无锡市锡山区" → 320205, "基础级" → basic), yes/no by the
// catalogues' words, and the profile's computed values (size class, 规上) are added. Bad rows are
// reported as (row as the spreadsheet numbers it, column, message key and its values) without dropping
// the good ones; import_message() words an issue in a language's catalogue words ("srv_import_<key>").
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "scoring/assessment.h"
#include "scoring/policy.h"
#include "scoring/rank.h"
#include "scoring/text.h"

namespace assess {

struct ImportIssue {
  // The row as the spreadsheet shows it: the header is row 1, the first data row 2 (CSV and XLSX;
  // an XLSX row keeps its sheet number when the writer left empty rows out). JSON: the object's
  // 1-based position in the array.
  std::size_t row = 0;
  std::string column;            // the column's id ("region", "sme-digital-2024.level"); "" for the whole row
  std::string reason;            // in import_table's first language (the CLI's: English)
  std::string key;               // the message's key ("not_number", "duplicate_uscc", … see import_message)
  Json params = Json::object();  // the values the message names ("value", "rows", "min", …)
  // Values worded in the language shown, which take the place of the param of the same name: a
  // question's options by their labels ("options": "srv_import_option" items joined by
  // "srv_import_option_sep"; params["options"] holds their ids).
  std::map<std::string, Phrase> phrases{};
};

// The issue worded in `words` ("srv_import_<key>" with its params and phrases, the definitions' texts
// read in `lang`); its reason when the words lack the key.
[[nodiscard]] std::string import_message(const ImportIssue& issue, const std::string& lang, const Words& words);
// A column's title: a profile question's title read in `lang`, a module's title in `lang` inside the
// words' "srv_import_col_level" / "_total", the words' "srv_import_col_as_of" / "_projects" (its id when
// it has no title).
[[nodiscard]] std::string import_column_title(const Library& library, const std::string& column,
                                              const std::string& lang, const Words& words);

struct ImportResult {
  std::vector<Candidate> candidates;         // id = normalised USCC
  std::vector<std::size_t> candidate_rows;   // the spreadsheet row of each candidate
  std::vector<std::string> candidate_dates;  // its as_of date ("" when the file has none)
  std::vector<ImportIssue> issues;           // rows with an issue are left out
  std::vector<std::string> columns;          // the header, as column ids
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
// `languages` are the server words (text.h Words) of the languages a file may be written in — the
// caller reads the catalogues (assess/languages.h, Languages::all_words); this layer reads none. A
// header cell is a column's id, a text a definition gives for a profile question or a module (in any
// language), or the title the words of one of `languages` make ("srv_import_col_*"); a yes/no cell is
// true/false, yes/no, 1/0 or a language's "srv_option_yes" / "srv_option_no". Each issue's `reason`
// and the message of an Error about the file as a whole (an unknown column, mixed encodings:
// "srv_import_*") are worded in the first language's words, the definitions' texts read in `lang`
// (Languages::text_lang of that language).
[[nodiscard]] ImportResult import_table(const std::string& bytes, const std::string& file, const Library& library,
                                        const std::string& lang, const std::vector<Words>& languages,
                                        const std::function<void(std::size_t done, std::size_t total)>& progress = {});

// The columns of the import template: the identity and size columns (the USCC, then the profile's
// questions marked "identity", in its order), then every fact a criteria file in `criteria` or a
// dashboard figure reads (profile questions and module results), each once; computed facts (size
// class, 规上) stand for the answers they are computed from.
struct TemplateColumn {
  std::string id;
  std::string example;
};
// `ladders`: the dashboard's (policy.h DashboardLadders), whose modules' levels it reads.
[[nodiscard]] std::vector<TemplateColumn> import_columns(const Library& library, const std::vector<Criteria>& criteria,
                                                         const DashboardLadders& ladders);
// The header row of the import template — the columns' titles (import_column_title in `lang` with
// `words`), or their ids when `lang` is "id" — with one example row.
[[nodiscard]] std::vector<std::vector<std::string>> import_template(const Library& library,
                                                                    const std::vector<Criteria>& criteria,
                                                                    const DashboardLadders& ladders,
                                                                    const std::string& lang, const Words& words);

// Which facts a criteria file reads that columns of a file cannot give ("profile.x" or
// "results.m.level"), in the file's order of first use; empty: the file can serve the criteria.
[[nodiscard]] std::vector<std::string> criteria_missing_columns(const Criteria& criteria,
                                                                const std::vector<std::string>& columns,
                                                                const Library& library);

}  // namespace assess
