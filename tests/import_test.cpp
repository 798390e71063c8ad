#include "assess/import.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <doctest/doctest.h>

#include "../bench/synthetic_enterprises.h"
#include "assess/export.h"
#include "commands.h"
#include "store.h"

namespace {

const assess::Library& library() {
  static const assess::Library lib = assess::Library::load_dir(ASSESS_SOURCE_DIR "/questionnaires");
  return lib;
}

// The 1,000-enterprise fixture as the CSV a bureau would export from its own system: profile columns
// that are questions (computed ones such as size_class are derived on import) and module results.
std::string fixture_csv(const std::vector<assess::Candidate>& candidates) {
  const std::vector<std::string> columns = {"uscc", "name", "region", "industry", "employees", "revenue_last_year",
                                            "sme_quality_tier", "smart_factory_tier", "green_factory_level",
                                            "digital_rd_tools", "key_process_cnc_rate"};
  std::vector<std::string> header = columns;
  header.push_back("sme-digital-2024.level");
  header.push_back("sme-digital-2024.total");
  std::vector<std::vector<assess::Json>> rows;
  for (const auto& c : candidates) {
    std::vector<assess::Json> row;
    for (const auto& col : columns) {
      const auto& p = c.facts["profile"];
      row.push_back(p.contains(col) ? (p[col].is_boolean() ? assess::Json(p[col].get<bool>() ? "true" : "false") : p[col]) : assess::Json());
    }
    const auto& sme = c.facts["results"].value("sme-digital-2024", assess::Json::object());
    row.push_back(sme.value("level", assess::Json()));
    row.push_back(sme.value("total", assess::Json()));
    rows.push_back(row);
  }
  return assess::to_csv(header, rows);
}

}  // namespace

TEST_CASE("a 1,000-enterprise import keeps the good rows and reports each bad one by row and column") {
  const auto candidates = assess::bench::synthetic_enterprises(1000, 11);
  std::string csv = fixture_csv(candidates);
  auto rows = assess::parse_csv(csv.substr(3));  // without the BOM
  REQUIRE(rows.size() == 1001);
  // Three bad rows: a wrong check character, an unknown region, a level that does not exist.
  const auto col = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(rows[0].begin(), rows[0].end(), name) - rows[0].begin());
  };
  rows[10][col("uscc")].back() = rows[10][col("uscc")].back() == '0' ? '1' : '0';
  rows[20][col("region")] = "999999";
  rows[30][col("sme-digital-2024.level")] = "L9";
  std::string broken;
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) broken += (i ? "," : "") + row[i];
    broken += "\n";
  }
  const auto result = assess::import_table(broken, "bureau.csv", library());
  CHECK(result.rows == 1000);
  CHECK(result.candidates.size() == 997);
  REQUIRE(result.issues.size() == 3);
  CHECK(result.issues[0].row == 10);
  CHECK(result.issues[0].column == "uscc");
  CHECK(result.issues[0].reason.rfind("unified social credit code", 0) == 0);
  CHECK(result.issues[1].row == 20);
  CHECK(result.issues[1].column == "region");
  CHECK(result.issues[1].reason == "unknown code \"999999\" in gbt2260");
  CHECK(result.issues[2].row == 30);
  CHECK(result.issues[2].reason == "\"L9\" is not a level of sme-digital-2024");
  // Good rows come back with the profile's computed facts.
  const auto& first = result.candidates.front();
  CHECK(first.facts["profile"].contains("size_class"));
  CHECK(first.facts["profile"].contains("above_designated_size"));
  CHECK(first.facts["region"] == first.facts["profile"]["region"]);
}

TEST_CASE("a GBK-encoded CSV, as Excel writes it on Chinese Windows, imports correctly") {
  const std::string utf8 =
      "uscc,name,region,smart_factory_tier\n91320205MA1Y8KQ38L,无锡锡泰汽车零部件有限公司,320205,basic\n";
  // The GBK bytes of the row above, produced with iconv -t GBK.
  std::string encoded;
  {
    const std::string path = (std::filesystem::temp_directory_path() / "assess-gbk-test.csv").string();
    std::ofstream(path, std::ios::binary) << utf8;
    REQUIRE(std::system(("iconv -f UTF-8 -t GBK " + path + " > " + path + ".gbk").c_str()) == 0);
    std::ifstream in(path + ".gbk", std::ios::binary);
    encoded.assign(std::istreambuf_iterator<char>(in), {});
  }
  REQUIRE_FALSE(assess::is_utf8(encoded));
  const auto result = assess::import_table(encoded, "gbk.csv", library());
  CHECK(result.encoding == "gbk");
  REQUIRE(result.candidates.size() == 1);
  CHECK(result.candidates[0].name == "无锡锡泰汽车零部件有限公司");
  CHECK(result.candidates[0].facts["profile"]["smart_factory_tier"] == "basic");
}

TEST_CASE("an unknown column is refused naming the columns that are allowed") {
  CHECK_THROWS_WITH(assess::import_table("uscc,turnover\n", "x.csv", library()),
                    "x.csv: unknown column \"turnover\" (columns are profile question ids; see assess import --template)");
  CHECK_THROWS_WITH(assess::import_table("name\n甲\n", "x.csv", library()),
                    "x.csv: the column \"uscc\" is required: rows are matched by unified social credit code");
}

TEST_CASE("re-importing an enterprise updates its latest round or adds a new one") {
  auto store = assess::Store::open(":memory:");
  const std::string csv = "uscc,name,sme-digital-2024.level\n91320205MA1Y8KQ38L,甲,L1\n";
  const auto first = assess::import_table(csv, "a.csv", library());
  std::vector<assess::Store::BureauRecord> records = {{first.candidates[0].id, "甲", "", first.candidates[0].facts}};
  auto counts = store->save_bureau_records(records, false, "a.csv", "2026-11-24");
  CHECK(counts.added == 1);
  records[0].facts["results"]["sme-digital-2024"]["level"] = "L2";
  counts = store->save_bureau_records(records, false, "b.csv", "2026-11-24");
  CHECK(counts.updated == 1);
  CHECK(store->bureau_candidates()[0]["facts"]["results"]["sme-digital-2024"]["level"] == "L2");
  records[0].facts["results"]["sme-digital-2024"]["level"] = "L3";
  counts = store->save_bureau_records(records, true, "c.csv", "2026-11-25");
  CHECK(counts.new_rounds == 1);
  const auto latest = store->bureau_candidates();
  REQUIRE(latest.size() == 1);
  CHECK(latest[0]["facts"]["results"]["sme-digital-2024"]["level"] == "L3");
}

TEST_CASE("assess import --template writes a header the importer accepts") {
  const auto dir = std::filesystem::temp_directory_path() / ("assess-import-" + assess::random_token(4));
  std::filesystem::create_directories(dir);
  std::ostringstream out;
  std::ostringstream err;
  REQUIRE(assess::cli::run({"import", "--template", "csv", "-o", (dir / "t.csv").string(), "--questionnaires",
                            ASSESS_SOURCE_DIR "/questionnaires"},
                           out, err) == 0);
  std::ifstream in(dir / "t.csv", std::ios::binary);
  const std::string content((std::istreambuf_iterator<char>(in)), {});
  const auto result = assess::import_table(content, "t.csv", library());
  CHECK(result.issues.empty());
  REQUIRE(result.candidates.size() == 1);
  CHECK(result.candidates[0].facts["results"]["cmmm"]["level"] == "CMMM2");
  std::filesystem::remove_all(dir);
}

TEST_CASE("an XLSX import reads the first sheet: shared strings, numbers and empty cells") {
  const auto path = std::filesystem::temp_directory_path() / ("assess-import-" + assess::random_token(4) + ".xlsx");
  assess::write_xlsx(path.string(), "import", {"uscc", "name", "region", "employees", "revenue_last_year", "sme-digital-2024.level"},
                     {{"91320205MA1Y8KQ38L", "无锡锡泰 & <甲>", "320205", 560, 36000, "L2"},
                      {"91110000600037341L", "北京乙", assess::Json(), 12, 250, "L9"}});
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  std::filesystem::remove(path);
  const auto result = assess::import_table(bytes, "bureau.xlsx", library());
  CHECK(result.encoding == "xlsx");
  CHECK(result.rows == 2);
  REQUIRE(result.candidates.size() == 1);
  CHECK(result.candidates[0].name == "无锡锡泰 & <甲>");
  CHECK(result.candidates[0].facts["profile"]["employees"] == 560);
  CHECK(result.candidates[0].facts["profile"]["size_class"] == "中型");
  REQUIRE(result.issues.size() == 1);
  CHECK(result.issues[0].row == 2);
  CHECK(result.issues[0].reason == "\"L9\" is not a level of sme-digital-2024");
  CHECK_THROWS_WITH(assess::import_table("not a zip", "x.xlsx", library()), "x.xlsx: not an XLSX file (it is not a zip archive)");
}
