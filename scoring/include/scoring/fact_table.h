// fact_table.h — the enterprise facts that ranking criteria and the dashboard read, as typed columns.
//
// The bureau keeps up to a million enterprise records. Reading each record's JSON document to rank
// or count them took 6 KB and ~50 µs per enterprise; these facts are stored beside the document as
// typed columns (the store's bureau_facts table), read without a JSON DOM and evaluated with
// logic::TypedRule. A record whose facts do not fit their columns (a number where a yes/no belongs)
// is marked untyped and read from its JSON, so the results never depend on the path taken.
// A criteria file that reads a fact outside this table is evaluated on JSON for every record.
//
// The columns name the shipped modules (sme-digital-2024, smart-factory-2025, cmmm) on purpose: they
// are an index, a physical table the database migrations create, chosen for the facts the shipped
// criteria and dashboard read. A questionnaire added as files (tests/data/extension) needs no column:
// its results are in each record's JSON, the import and its template take them, and criteria that
// read them are evaluated on JSON (same results, slower) — so a column is added, with a migration,
// only when a fact is read often enough for speed to matter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scoring/logic.h"

namespace assess {

using Json = nlohmann::json;

enum class FactKind : std::uint8_t {
  kBool,
  kNumber,  // integer or float, kept as given
  kString,
  kList,     // an array of strings
  kPresent,  // whether the path holds an object (a module result was recorded); not readable by rules
};

struct FactColumn {
  std::string path;    // dotted, as rules read it: "profile.employees"
  std::string column;  // SQL column name
  FactKind kind;
};

// The typed facts, in column order. Adding one is a new store migration.
const std::vector<FactColumn>& fact_columns();
// The column index of a rule-readable path, or -1.
int fact_slot(std::string_view path);
// The column index of any path, kPresent ones included, or -1.
int fact_column(std::string_view path);

// A fact column's stored value: null, a bool, an integer, a float, or a string (lists are encoded
// by encode_list).
using FactValue = Json;
// The stored values of one record's facts, in column order; nullopt when a fact has a type its column
// does not take (the record is then read from its JSON).
std::optional<std::vector<FactValue>> fact_values(const Json& facts);
// Lists as one string: each item followed by U+001F (an item containing it does not fit).
std::string encode_list(const Json& list);
// Splits an encoded list into `out` (views into `text`).
void decode_list(std::string_view text, std::vector<std::string_view>& out);

// Summary columns every record has, typed or not (the same reading the dashboard and the peer
// benchmark make of the JSON): region ("" when not a string), industry, division (two digits or ""),
// size class, and a module's total quantized at 6 decimals (as the peer benchmark compares totals).
struct FactSummary {
  std::string region;
  std::string industry;
  std::string division;
  std::string size_class;
  std::optional<std::int64_t> sme_total_q;
  std::optional<std::int64_t> sf_total_q;
  std::optional<std::int64_t> cmmm_total_q;
};
FactSummary fact_summary(const Json& facts);
// The quantized-total column of a module ("" when the module has none).
std::string total_column(const std::string& module);
std::optional<std::int64_t> quantized_total(const Json& facts, const std::string& module);
std::string division_of_industry(const std::string& industry);

// One record as a ranking or the dashboard reads it: typed values in fact_columns() order, or its
// JSON facts when it is untyped (or when the reader asked for JSON).
struct FactRow {
  std::string_view id;
  std::string_view name;
  const logic::Typed* values = nullptr;  // null when untyped
  const Json* facts = nullptr;           // set when untyped or JSON was asked for
};

}  // namespace assess
