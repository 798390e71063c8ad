// import_bench — 100,000 synthetic enterprises as a CSV: parse and check every cell (import_table),
// then store them in one transaction (a fresh SQLite file), and rank and build the dashboard from
// the stored records. Prints seconds; the issue's targets are import ≤ 60 s, ranking and dashboard ≤ 1 s.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "../bench/synthetic_enterprises.h"
#include "formats/export.h"
#include "formats/import.h"
#include "scoring/rank.h"
#include "store.h"

namespace {
double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}
}  // namespace

int main(int argc, char** argv) {
  using namespace assess;
  const std::size_t n = argc > 1 ? static_cast<std::size_t>(std::atol(argv[1])) : 100000;
  const std::string src = ASSESS_SOURCE_DIR;
  const Library library = Library::load_dir(src + "/questionnaires");
  const auto candidates = bench::synthetic_enterprises(n, 5);
  const std::vector<std::string> columns = {"uscc",
                                            "name",
                                            "region",
                                            "industry",
                                            "employees",
                                            "revenue_last_year",
                                            "sme_quality_tier",
                                            "smart_factory_tier",
                                            "green_factory_level",
                                            "digital_rd_tools",
                                            "key_process_cnc_rate"};
  std::vector<std::string> header = columns;
  const std::vector<std::string> modules = {"sme-digital-2024", "smart-factory-2025", "cmmm"};
  for (const auto& m : modules) {
    header.push_back(m + ".level");
    header.push_back(m + ".total");
  }
  std::vector<std::vector<Json>> rows;
  for (const auto& c : candidates) {
    std::vector<Json> row;
    for (const auto& col : columns) {
      const auto& p = c.facts["profile"];
      row.push_back(p.contains(col) ? (p[col].is_boolean() ? Json(p[col].get<bool>() ? "true" : "false") : p[col])
                                    : Json());
    }
    for (const auto& m : modules) {
      const auto& r = c.facts["results"].value(m, Json::object());
      row.push_back(r.value("level", Json()));
      row.push_back(r.value("total", Json()));
    }
    rows.push_back(std::move(row));
  }
  const std::string csv = to_csv(header, rows);
  std::printf("CSV: %zu enterprises, %.1f MB\n", n, static_cast<double>(csv.size()) / 1e6);

  auto start = std::chrono::steady_clock::now();
  const ImportResult imported = import_table(csv, "bench.csv", library, "zh-CN", {});  // headers by id
  const double parse = seconds_since(start);
  const auto db = std::filesystem::temp_directory_path() / "assess-import-bench.db";
  std::filesystem::remove(db);
  auto store = Store::open(db.string());
  start = std::chrono::steady_clock::now();
  std::vector<Store::BureauRecord> records;
  for (const auto& c : imported.candidates)
    records.push_back({c.id, c.name, c.facts.value("region", std::string()), c.facts, assess::Json(), ""});
  store->save_bureau_records(records, false, "bench.csv", "2026-11-24");
  const double save = seconds_since(start);
  std::printf("import: %zu rows checked in %.2f s, stored in %.2f s (one transaction): %.2f s in all, %zu problems\n",
              imported.rows, parse, save, parse + save, imported.issues.size());

  start = std::chrono::steady_clock::now();
  const auto stored = candidates_from_json(store->bureau_candidates(), db.string());
  std::printf("load stored records: %.2f s\n", seconds_since(start));
  const std::string criteria_file = src + "/policies/criteria/xishan-sf-advanced-recommendation.json";
  const Criteria criteria = load_criteria(read_json_file(criteria_file), criteria_file);
  start = std::chrono::steady_clock::now();
  RankOptions options;
  options.top = 10;
  const RankResult ranked = rank(criteria, stored, options);
  std::printf("rank (锡山 先进级 recommendation): %.2f s, %zu eligible\n", seconds_since(start), ranked.rows.size());
  std::filesystem::remove(db);
  return 0;
}
