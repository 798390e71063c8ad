#include "formats/import.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "../bench/synthetic_enterprises.h"
#include "commands.h"
#include "formats/export.h"
#include "store.h"
#include "support.h"
#include "xlsx_builder.h"

namespace {

// The shipped catalogues' words, English first: a header may be in either language, and the issues'
// reasons are English (as the CLI prints them).
const std::vector<assess::Words>& shipped() {
  static const std::vector<assess::Words> words = {assess::testing::en_words(), assess::testing::zh_words()};
  return words;
}

const assess::Library& library() {
  static const assess::Library lib = assess::Library::load_dir(ASSESS_SOURCE_DIR "/questionnaires");
  return lib;
}

// The 1,000-enterprise fixture as the CSV a bureau would export from its own system: profile columns
// that are questions (computed ones such as size_class are derived on import) and module results.
std::string fixture_csv(const std::vector<assess::Candidate>& candidates) {
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
  header.push_back("sme-digital-2024.level");
  header.push_back("sme-digital-2024.total");
  std::vector<std::vector<assess::Json>> rows;
  for (const auto& c : candidates) {
    std::vector<assess::Json> row;
    for (const auto& col : columns) {
      const auto& p = c.facts["profile"];
      row.push_back(p.contains(col)
                        ? (p[col].is_boolean() ? assess::Json(p[col].get<bool>() ? "true" : "false") : p[col])
                        : assess::Json());
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
  const auto result = assess::import_table(broken, "bureau.csv", library(), "en", shipped());
  CHECK(result.rows == 1000);
  CHECK(result.candidates.size() == 997);
  REQUIRE(result.issues.size() == 3);
  // Rows as the spreadsheet numbers them: the header is row 1, so rows[10] is row 11.
  CHECK(result.issues[0].row == 11);
  CHECK(result.issues[0].column == "uscc");
  CHECK(result.issues[0].reason.rfind("unified social credit code", 0) == 0);
  CHECK(result.issues[1].row == 21);
  CHECK(result.issues[1].column == "region");
  CHECK(result.issues[1].key == "unknown_region");
  CHECK(result.issues[1].reason ==
        "\"999999\" is not a division code or name (GB/T 2260, e.g. 320205 or 无锡市锡山区)");
  CHECK(assess::import_message(result.issues[1], "zh-CN", assess::testing::zh_words()) ==
        "“999999”不是行政区划代码或名称（GB/T 2260，如 320205 或 无锡市锡山区）");
  CHECK(result.issues[2].row == 31);
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
  const auto result = assess::import_table(encoded, "gbk.csv", library(), "en", shipped());
  CHECK(result.encoding == "gbk");
  REQUIRE(result.candidates.size() == 1);
  CHECK(result.candidates[0].name == "无锡锡泰汽车零部件有限公司");
  CHECK(result.candidates[0].facts["profile"]["smart_factory_tier"] == "basic");
}

TEST_CASE("an unknown column is refused naming the columns that are allowed") {
  CHECK_THROWS_WITH(
      assess::import_table("uscc,turnover\n", "x.csv", library(), "en", shipped()),
      "x.csv: unknown column \"turnover\" (columns are profile question ids or titles; see assess import --template)");
  CHECK_THROWS_WITH(assess::import_table("name\n甲\n", "x.csv", library(), "en", shipped()),
                    "x.csv: the column \"uscc\" is required: rows are matched by unified social credit code");
}

TEST_CASE("re-importing an enterprise updates its latest round or adds a new one") {
  auto store = assess::Store::open(":memory:");
  const std::string csv = "uscc,name,sme-digital-2024.level\n91320205MA1Y8KQ38L,甲,L1\n";
  const auto first = assess::import_table(csv, "a.csv", library(), "en", shipped());
  std::vector<assess::Store::BureauRecord> records = {
      {first.candidates[0].id, "甲", "", first.candidates[0].facts, assess::Json(), ""}};
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
  const auto result = assess::import_table(content, "t.csv", library(), "en", shipped());
  CHECK(result.issues.empty());
  REQUIRE(result.candidates.size() == 1);
  CHECK(result.candidates[0].facts["results"]["cmmm"]["level"] == "CMMM2");
  std::filesystem::remove_all(dir);
}

TEST_CASE("an XLSX import reads the first sheet: shared strings, numbers and empty cells") {
  const auto path = std::filesystem::temp_directory_path() / ("assess-import-" + assess::random_token(4) + ".xlsx");
  assess::write_xlsx(path.string(), "import",
                     {"uscc", "name", "region", "employees", "revenue_last_year", "sme-digital-2024.level"},
                     {{"91320205MA1Y8KQ38L", "无锡锡泰 & <甲>", "320205", 560, 36000, "L2"},
                      {"91110000600037341L", "北京乙", assess::Json(), 12, 250, "L9"}});
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  std::filesystem::remove(path);
  const auto result = assess::import_table(bytes, "bureau.xlsx", library(), "en", shipped());
  CHECK(result.encoding == "xlsx");
  CHECK(result.rows == 2);
  REQUIRE(result.candidates.size() == 1);
  CHECK(result.candidates[0].name == "无锡锡泰 & <甲>");
  CHECK(result.candidates[0].facts["profile"]["employees"] == 560);
  CHECK(result.candidates[0].facts["profile"]["size_class"] == "中型");
  // The second data row (row 3: the header is row 1) has no region, which the file's region column
  // requires, and a level that does not exist.
  REQUIRE(result.issues.size() == 2);
  CHECK(result.issues[0].row == 3);
  CHECK(result.issues[0].reason == "\"L9\" is not a level of sme-digital-2024");
  CHECK(result.issues[1].row == 3);
  CHECK(result.issues[1].column == "region");
  CHECK(result.issues[1].key == "required");
  CHECK_THROWS_WITH(assess::import_table("not a zip", "x.xlsx", library(), "en", shipped()),
                    "x.xlsx: not an XLSX file (it is not a zip archive)");
}

namespace {

// A header row and one data row as inline strings, then `extra` (more rows, possibly broken).
std::string inline_cell(const std::string& ref, const std::string& text) {
  return "<c r=\"" + ref + "\" t=\"inlineStr\"><is><t>" + text + "</t></is></c>";
}
const std::string kHeaderRow = "<row r=\"1\">" + inline_cell("A1", "uscc") + inline_cell("B1", "name") + "</row>";

std::string import_error(const std::string& bytes, const std::string& file) {
  try {
    (void)assess::import_table(bytes, file, library(), "en", shipped());
  } catch (const assess::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("an XLSX sheet read by the XML parser: inline strings, phonetic runs left out, booleans, a cell without r") {
  const std::string bytes =
      assess::testing::xlsx_with_sheet(kHeaderRow.substr(0, kHeaderRow.size() - 6) +
                                           "<c t=\"inlineStr\"><is><t>digital_rd_tools</t></is></c></row>"
                                           "<row r=\"2\">" +
                                           inline_cell("A2", "91320205MA1Y8KQ38L") +
                                           "<c r=\"B2\" t=\"s\"><v>0</v></c><c r=\"C2\" t=\"b\"><v>1</v></c></row>",
                                       "<si><r><t>无锡</t></r><r><t xml:space=\"preserve\"> &amp; 甲</t></r><rPh "
                                       "sb=\"0\" eb=\"1\"><t>むしゃく</t></rPh></si>");
  const auto result = assess::import_table(bytes, "b.xlsx", library(), "en", shipped());
  CHECK(result.issues.empty());
  REQUIRE(result.candidates.size() == 1);
  CHECK(result.candidates[0].name == "无锡 & 甲");
  CHECK(result.candidates[0].facts["profile"]["digital_rd_tools"] == true);
}

TEST_CASE("hostile XLSX files are refused with the place named, never a crash, a loop or unbounded memory") {
  SUBCASE("a cell reference without column letters") {
    const auto bytes = assess::testing::xlsx_with_sheet(
        kHeaderRow + "<row r=\"2\"><c r=\"2\" t=\"inlineStr\"><is><t>x</t></is></c></row>");
    CHECK(import_error(bytes, "b.xlsx") ==
          "b.xlsx: xl/worksheets/sheet1.xml, row 2, cell 2: the cell reference \"2\" has no column letters");
  }
  SUBCASE("a reference that is not letters then a row number") {
    const auto bytes = assess::testing::xlsx_with_sheet(kHeaderRow + "<row r=\"2\"><c r=\"B\"><v>1</v></c></row>");
    CHECK(import_error(bytes, "b.xlsx") ==
          "b.xlsx: xl/worksheets/sheet1.xml, row 2, cell B: \"B\" is not a cell reference (column letters, then the "
          "row number)");
  }
  SUBCASE("a missing </c> before the row ends") {
    const std::string row = "<row r=\"2\"><c r=\"A2\"><v>1</v></row>";
    const auto bytes = assess::testing::xlsx_with_sheet(kHeaderRow + row);
    // expat stops at the </row> that does not match the open <c>, pointing at its name: the column
    // (1-based) of the "r" after "</".
    const std::string before =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet "
        "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>" +
        kHeaderRow + "<row r=\"2\"><c r=\"A2\"><v>1</v>";
    CHECK(import_error(bytes, "b.xlsx") == "b.xlsx: xl/worksheets/sheet1.xml line 1, column " +
                                               std::to_string(before.size() + 3) +
                                               ": invalid XML (mismatched tag), in row 2, cell A2");
  }
  SUBCASE("a missing </c> before the next cell") {
    const auto bytes = assess::testing::xlsx_with_sheet(
        kHeaderRow + "<row r=\"2\"><c r=\"A2\"><v>1</v><c r=\"B2\"><v>2</v></c></c></row>");
    CHECK(import_error(bytes, "b.xlsx") ==
          "b.xlsx: xl/worksheets/sheet1.xml, row 2, cell A2: a cell starts before this one is closed (missing </c>)");
  }
  SUBCASE("a cell at column ZZZZZZ, and the first column past XFD") {
    auto bytes = assess::testing::xlsx_with_sheet(kHeaderRow + "<row r=\"2\"><c r=\"ZZZZZZ2\"><v>1</v></c></row>");
    CHECK(import_error(bytes, "b.xlsx") ==
          "b.xlsx: xl/worksheets/sheet1.xml, row 2, cell ZZZZZZ2: column ZZZZZZ is beyond XFD, Excel's last column "
          "(16,384 columns)");
    bytes = assess::testing::xlsx_with_sheet(kHeaderRow + "<row r=\"2\"><c r=\"XFE2\"><v>1</v></c></row>");
    CHECK(import_error(bytes, "b.xlsx") ==
          "b.xlsx: xl/worksheets/sheet1.xml, row 2, cell XFE2: column XFE is beyond XFD, Excel's last column (16,384 "
          "columns)");
  }
  SUBCASE("a cell at XFD itself is read (and reported as a row longer than the header)") {
    const auto bytes = assess::testing::xlsx_with_sheet(
        kHeaderRow + "<row r=\"2\">" + inline_cell("A2", "91320205MA1Y8KQ38L") + "<c r=\"XFD2\"><v>1</v></c></row>");
    const auto result = assess::import_table(bytes, "b.xlsx", library(), "en", shipped());
    REQUIRE(result.issues.size() == 1);
    CHECK(result.issues[0].reason == "has 16384 cells; the header has 2");
  }
  SUBCASE("a row past Excel's last row") {
    const auto bytes =
        assess::testing::xlsx_with_sheet(kHeaderRow + "<row r=\"1048577\"><c r=\"A1048577\"><v>1</v></c></row>");
    CHECK(import_error(bytes, "b.xlsx") ==
          "b.xlsx: xl/worksheets/sheet1.xml, row 1048577: beyond row 1,048,576, Excel's last row");
  }
  SUBCASE("a shared string that does not exist") {
    const auto bytes = assess::testing::xlsx_with_sheet(
        kHeaderRow + "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>7</v></c></row>", "<si><t>a</t></si>");
    CHECK(import_error(bytes, "b.xlsx") ==
          "b.xlsx: xl/worksheets/sheet1.xml, row 2, cell A2: shared string 7 does not exist (the file has 1)");
  }
  SUBCASE("a DOCTYPE (entity expansion) is refused") {
    const auto bytes = assess::testing::zip_archive(
        {{"xl/worksheets/sheet1.xml",
          "<?xml version=\"1.0\"?><!DOCTYPE w [<!ENTITY a \"aaaaaaaaaa\">]><worksheet><sheetData/></worksheet>"}});
    CHECK(import_error(bytes, "b.xlsx") == "b.xlsx: a DOCTYPE is not allowed in an XLSX part");
  }
  SUBCASE("a zip bomb: 200 MB of blanks packed into a few hundred kB stops early") {
    // The bomb: one part of 200 × 1 MB of spaces (it inflates about 1,000 times its packed size).
    const auto bomb = assess::testing::zip_archive({{"xl/worksheets/sheet1.xml", std::string(1u << 20, ' '), 200}});
    CHECK(bomb.size() < (2u << 20));
    const std::string message = import_error(bomb, "b.xlsx");
    CHECK(message.rfind("b.xlsx: xl/worksheets/sheet1.xml: inflates more than 100 times its packed size (", 0) == 0);
    CHECK(message.find("); refused as a zip bomb") != std::string::npos);
  }
  SUBCASE("one shared string of 1 MB copied into 200 cells stops at 100 MB of text") {
    std::string cells;
    for (int c = 0; c < 200; ++c) cells += "<c t=\"s\"><v>0</v></c>";
    const auto bytes = assess::testing::xlsx_with_sheet(kHeaderRow + "<row r=\"2\">" + cells + "</row>",
                                                        "<si><t>" + std::string(1u << 20, 'a') + "</t></si>");
    // 1 MB (1,048,576 bytes) a cell after the header's 8 bytes (uscc, name): the 100th cell, column CV
    // (3 × 26 + 22), passes 100 MB.
    CHECK(import_error(bytes, "b.xlsx") ==
          "b.xlsx: xl/worksheets/sheet1.xml, row 2, cell CV2: the cells hold more than 100 MB of text; split the file");
  }
  SUBCASE("a truncated archive") {
    const auto bytes = assess::testing::xlsx_with_sheet(kHeaderRow);
    CHECK(import_error(bytes.substr(0, bytes.size() / 2), "b.xlsx") ==
          "b.xlsx: not an XLSX file (it is not a zip archive)");
  }
}

TEST_CASE("a CSV mixing UTF-8 and GBK rows is refused naming both rows") {
  // 无锡 in UTF-8 is E6 97 A0 E9 94 A1; in GBK it is CE DE CE FD (iconv -t GBK).
  const std::string utf8_row = "91320205MA1Y8KQ38L,\xE6\x97\xA0\xE9\x94\xA1\n";
  const std::string gbk_row = "91110000600037341L,\xCE\xDE\xCE\xFD\n";
  CHECK(import_error("uscc,name\n" + utf8_row + gbk_row, "m.csv") ==
        "m.csv: mixed encodings: row 2 is UTF-8 but row 3 is not (GBK?); save the whole file in one encoding, "
        "preferably UTF-8");
  CHECK(import_error("uscc,name\n" + gbk_row + utf8_row, "m.csv") ==
        "m.csv: mixed encodings: row 3 is UTF-8 but row 2 is not (GBK?); save the whole file in one encoding, "
        "preferably UTF-8");
  // GBK alone still imports; 联通 in GBK (C1 AA CD A8) looks like UTF-8 to a lax check (overlong C1 AA).
  const auto gbk = assess::import_table("uscc,name\n" + gbk_row + "91320205MA1Y8KQ38L,\xC1\xAA\xCD\xA8\n", "g.csv",
                                        library(), "en", shipped());
  CHECK(gbk.encoding == "gbk");
  REQUIRE(gbk.candidates.size() == 2);
  CHECK(gbk.candidates[0].name == "无锡");
  CHECK(gbk.candidates[1].name == "联通");
  CHECK_FALSE(assess::is_utf8("\xC1\xAA"));      // overlong
  CHECK_FALSE(assess::is_utf8("\xED\xA0\x80"));  // a surrogate
  CHECK(assess::is_utf8("\xE6\x97\xA0"));
}

// --- issue 15: import problems explained right ---------------------------------------------------

namespace {

const std::vector<assess::Criteria>& shipped_criteria() {
  static const auto all = assess::load_criteria_dir(ASSESS_SOURCE_DIR "/policies/criteria");
  return all;
}

// The dashboard's ladders (policies/facts/dashboard.json): the template offers their levels.
const assess::DashboardLadders& shipped_ladders() {
  static const auto ladders = assess::load_catalogue_dir(ASSESS_SOURCE_DIR "/policies").dashboard;
  return ladders;
}

const assess::ImportIssue* issue_at(const assess::ImportResult& r, std::size_t row, const std::string& column) {
  for (const auto& i : r.issues) {
    if (i.row == row && i.column == column) return &i;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("regions, industries and options are accepted by name as well as by code") {
  // 无锡市锡山区 is 320205 (GB/T 2260: 320200 无锡市 → 320205 锡山区); 367 is 汽车零部件及配件制造
  // (GB/T 4754-2017); 基础级 is the option "basic", 省级专精特新中小企业 "provincial_zjtx".
  const std::string csv =
      "uscc,name,region,industry,smart_factory_tier,sme_quality_tier\n"
      "91320205MA1Y8KQ38L,甲,无锡市锡山区,汽车零部件及配件制造,基础级,省级专精特新中小企业\n"
      "91110000600037341L,乙,锡山区,367 汽车零部件及配件制造,basic,none\n";
  const auto r = assess::import_table(csv, "n.csv", library(), "en", shipped());
  REQUIRE(r.issues.empty());
  REQUIRE(r.candidates.size() == 2);
  for (const auto& c : r.candidates) {
    CHECK(c.facts["region"] == "320205");
    CHECK(c.facts["profile"]["industry"] == "367");
    CHECK(c.facts["profile"]["smart_factory_tier"] == "basic");
  }
  CHECK(r.candidates[0].facts["profile"]["sme_quality_tier"] == "provincial_zjtx");
}

TEST_CASE("a region name that several divisions share is refused naming each of them") {
  // 鼓楼区 is a district of 南京 (320106) and of 徐州 (320302), among others.
  const auto r =
      assess::import_table("uscc,name,region\n91320205MA1Y8KQ38L,甲,鼓楼区\n", "a.csv", library(), "en", shipped());
  REQUIRE(r.issues.size() == 1);
  CHECK(r.issues[0].key == "ambiguous_name");
  const std::string codes = r.issues[0].params["codes"].dump();
  CHECK(codes.find("320106 鼓楼区（南京市）") != std::string::npos);
  CHECK(codes.find("320302 鼓楼区（徐州市）") != std::string::npos);
  // With the city's name it is one division.
  const auto ok = assess::import_table("uscc,name,region\n91320205MA1Y8KQ38L,甲,南京市鼓楼区\n", "a.csv", library(),
                                       "en", shipped());
  REQUIRE(ok.candidates.size() == 1);
  CHECK(ok.candidates[0].facts["region"] == "320106");
}

TEST_CASE("import problems are worded in Chinese and in English, named by spreadsheet row and column") {
  const std::string csv =
      "uscc,name,region,employees\n"
      "91320205MA1Y8KQ38L,甲,320205,很多\n"  // row 2: not a number
      "91110000600037341L,,320205,10\n"      // row 3: no name
      "91320205MA1Y8KQ38L,丙,320205,20\n"    // row 4: the USCC of row 2 again
      "91320583MA1MFXQ95K,丁,火星市,30\n";   // row 5: no such region
  const auto r = assess::import_table(csv, "p.csv", library(), "en", shipped());
  const auto* number = issue_at(r, 2, "employees");
  REQUIRE(number != nullptr);
  CHECK(assess::import_message(*number, "zh-CN", assess::testing::zh_words()) == "“很多”不是数字");
  CHECK(assess::import_message(*number, "en", assess::testing::en_words()) == "\"很多\" is not a number");
  const auto* name = issue_at(r, 3, "name");
  REQUIRE(name != nullptr);
  CHECK(assess::import_message(*name, "zh-CN", assess::testing::zh_words()) == "必填项为空");
  const auto* region = issue_at(r, 5, "region");
  REQUIRE(region != nullptr);
  CHECK(region->key == "unknown_region");
  // Row 2 is out for its employees; its USCC on row 4 is still reported on both rows, naming both,
  // and row 4 is not imported either (which of the two is right is for the bureau to say).
  const auto* dup2 = issue_at(r, 2, "uscc");
  const auto* dup4 = issue_at(r, 4, "uscc");
  REQUIRE(dup2 != nullptr);
  REQUIRE(dup4 != nullptr);
  CHECK(assess::import_message(*dup4, "zh-CN", assess::testing::zh_words()) ==
        "统一社会信用代码 91320205MA1Y8KQ38L 在第 2, 4 行重复出现；这些行均未导入");
  CHECK(r.candidates.empty());
  // Issues come in row order.
  CHECK(std::is_sorted(r.issues.begin(), r.issues.end(),
                       [](const assess::ImportIssue& a, const assess::ImportIssue& b) { return a.row < b.row; }));
}

TEST_CASE("a USCC given on two good rows is an error on both, naming both, and neither is imported") {
  const std::string csv =
      "uscc,name,region\n"
      "91320205MA1Y8KQ38L,甲,320205\n"
      "91110000600037341L,乙,110101\n"
      "91320205MA1Y8KQ38L,丙,320205\n";
  const auto r = assess::import_table(csv, "d.csv", library(), "en", shipped());
  REQUIRE(r.candidates.size() == 1);
  CHECK(r.candidates[0].name == "乙");
  REQUIRE(r.issues.size() == 2);
  CHECK(r.issues[0].row == 2);
  CHECK(r.issues[1].row == 4);
  CHECK(assess::import_message(r.issues[0], "zh-CN", assess::testing::zh_words()) ==
        "统一社会信用代码 91320205MA1Y8KQ38L 在第 2, 4 行重复出现；这些行均未导入");
  CHECK(assess::import_message(r.issues[1], "en", assess::testing::en_words()) ==
        "the unified social credit code 91320205MA1Y8KQ38L appears on rows 2, 4; none of them is imported");
}

TEST_CASE("an XLSX row keeps the number the sheet gives it when a writer leaves an empty row out; dates are read") {
  // Row 3 is not in the sheet (an empty row); row 4 has a bad region. C is a date column: 45658 is
  // Excel's serial of 2025-01-01 (days since 1899-12-30: 1900-01-01 is 2 and 2025-01-01 is 45658).
  const std::string sheet = "<row r=\"1\">" + inline_cell("A1", "统一社会信用代码") + inline_cell("B1", "企业名称") +
                            inline_cell("C1", "数据日期") + inline_cell("D1", "生产经营所在地（区县）") + "</row>" +
                            "<row r=\"2\">" + inline_cell("A2", "91320205MA1Y8KQ38L") + inline_cell("B2", "甲") +
                            "<c r=\"C2\" s=\"1\"><v>45658</v></c>" + inline_cell("D2", "无锡市锡山区") + "</row>" +
                            "<row r=\"4\">" + inline_cell("A4", "91110000600037341L") + inline_cell("B4", "乙") +
                            "<c r=\"C4\"><v>45658</v></c>" + inline_cell("D4", "999999") + "</row>";
  const auto r = assess::import_table(assess::testing::xlsx_with_sheet(sheet), "y.xlsx", library(), "en", shipped());
  REQUIRE(r.candidates.size() == 1);
  CHECK(r.candidates[0].facts["region"] == "320205");
  CHECK(r.candidate_dates[0] == "2025-01-01");
  CHECK(r.candidate_rows[0] == 2);
  REQUIRE(r.issues.size() == 1);
  CHECK(r.issues[0].row == 4);
  CHECK(r.issues[0].column == "region");
}

TEST_CASE("the template carries every fact a shipped criteria file or the dashboard reads, under Chinese titles") {
  const auto columns = assess::import_columns(library(), shipped_criteria(), shipped_ladders());
  std::vector<std::string> ids;
  for (const auto& c : columns) ids.push_back(c.id);
  for (const auto& cr : shipped_criteria()) {
    INFO(cr.id);
    CHECK(assess::criteria_missing_columns(cr, ids, library()).empty());
  }
  // The 技改补助 ranking reads profile.tech_investment_two_years
  // (policies/criteria/xishan-tech-subsidy-candidates.json).
  CHECK(std::find(ids.begin(), ids.end(), "tech_investment_two_years") != ids.end());
  // The dashboard's facts (dashboard.h, DashboardFacts).
  for (const char* id :
       {"smart_factory_tier", "sme_quality_tier", "digital_rd_tools", "green_factory_level", "key_process_cnc_rate",
        "employees", "revenue_last_year", "smart-factory-2025.level", "sme-digital-2024.level"}) {
    CHECK_MESSAGE(std::find(ids.begin(), ids.end(), id) != ids.end(), id);
  }
  // Header in Chinese, one example row, and the importer reads the template back without a problem.
  const auto rows =
      assess::import_template(library(), shipped_criteria(), shipped_ladders(), "zh-CN", assess::testing::zh_words());
  REQUIRE(rows.size() == 2);
  CHECK(rows[0][0] == "统一社会信用代码");
  CHECK(rows[0][1] == "企业名称");
  std::vector<std::vector<assess::Json>> body = {{rows[1].begin(), rows[1].end()}};
  const std::string csv = assess::to_csv(rows[0], body);
  const auto r = assess::import_table(csv, "t.csv", library(), "en", shipped());
  CHECK(r.issues.empty());
  REQUIRE(r.candidates.size() == 1);
  CHECK(r.candidates[0].facts["region"] == "320205");
  // A file with only USCC and name serves none of the criteria that read more, and says what is missing.
  const auto& tech = *std::find_if(shipped_criteria().begin(), shipped_criteria().end(),
                                   [](const assess::Criteria& c) { return c.id == "xishan-tech-subsidy-candidates"; });
  const auto missing = assess::criteria_missing_columns(tech, {"uscc", "name"}, library());
  CHECK(std::find(missing.begin(), missing.end(), "tech_investment_two_years") != missing.end());
}

// --- issue 12: the import's words are the catalogues' -------------------------------------------

TEST_CASE("a header in English titles is read like the Chinese one; yes/no cells by either language's words") {
  // Titles from the definitions (profile.json: uscc "Unified social credit code", name "Enterprise
  // name", region "Location (county-level division)", digital_rd_tools "Are digital tools used in R&D
  // and design?"; sme-digital-2024.json: "SME digital level assessment (2024 edition, manufacturing)")
  // and the catalogues (en.json: "{module} · level", "Data as of"; zh-CN.json: "{module}·得分").
  const std::string csv =
      "Unified social credit code,Enterprise name,Location (county-level division),"
      "Are digital tools used in R&D and design?,\"SME digital level assessment (2024 edition, manufacturing) · "
      "level\","
      "中小企业数字化水平评测（2024年版·制造业）·得分,Data as of\n"
      "91320205MA1Y8KQ38L,甲,320205,Yes,L2,55.6,2025-12-31\n"
      "91110000600037341L,乙,110101,否,L1,30,2025-06-30\n";
  const auto r = assess::import_table(csv, "en.csv", library(), "en", shipped());
  CHECK(r.columns == std::vector<std::string>{"uscc", "name", "region", "digital_rd_tools", "sme-digital-2024.level",
                                              "sme-digital-2024.total", "as_of"});
  REQUIRE(r.issues.empty());
  REQUIRE(r.candidates.size() == 2);
  CHECK(r.candidates[0].facts["profile"]["digital_rd_tools"] == true);
  CHECK(r.candidates[1].facts["profile"]["digital_rd_tools"] == false);
  CHECK(r.candidates[0].facts["results"]["sme-digital-2024"] == assess::Json{{"level", "L2"}, {"total", 55.6}});
  CHECK(r.candidate_dates == std::vector<std::string>{"2025-12-31", "2025-06-30"});
  // Without the catalogues' header words only ids and the definitions' own texts are headers (the
  // words given here word the refusal and name no column).
  assess::Words refusal;
  refusal.texts["srv_import_unknown_column"] = assess::testing::en_words().texts.at("srv_import_unknown_column");
  CHECK_THROWS_WITH(assess::import_table("uscc,Data as of\n", "x.csv", library(), "en", {refusal}),
                    "x.csv: unknown column \"Data as of\" (columns are profile question ids or titles; see assess "
                    "import --template)");
  // A yes/no cell no language says is an issue, worded by the catalogue ("srv_import_not_yes_no").
  const auto bad = assess::import_table("uscc,name,digital_rd_tools\n91320205MA1Y8KQ38L,甲,maybe\n", "b.csv", library(),
                                        "en", shipped());
  REQUIRE(bad.issues.size() == 1);
  CHECK(bad.issues[0].key == "not_yes_no");
  CHECK(bad.issues[0].reason == "\"maybe\" is not yes or no");  // the first language's words: English
  CHECK(assess::import_message(bad.issues[0], "zh-CN", assess::testing::zh_words()) == "“maybe”不是“是”或“否”");
}

TEST_CASE("an import's message and column title are worded by the words given; a key they lack reads the reason") {
  assess::ImportIssue issue;
  issue.key = "not_number";
  issue.params = {{"value", "很多"}};
  issue.reason = "the reason as recorded";
  assess::Words words;
  words.texts["srv_import_not_number"] = "<{value}> NaN";
  CHECK(assess::import_message(issue, "en", words) == "<很多> NaN");
  CHECK(assess::import_message(issue, "en", assess::Words{}) == "the reason as recorded");
  // Module results: the definition's title in the language inside the catalogue's pattern.
  CHECK(assess::import_column_title(library(), "sme-digital-2024.level", "en", assess::testing::en_words()) ==
        "SME digital level assessment (2024 edition, manufacturing) · level");
  CHECK(assess::import_column_title(library(), "sme-digital-2024.total", "zh-CN", assess::testing::zh_words()) ==
        "中小企业数字化水平评测（2024年版·制造业）·得分");
  CHECK(assess::import_column_title(library(), "projects.count", "en", assess::testing::en_words()) ==
        "Technical projects on record");
  CHECK(assess::import_column_title(library(), "as_of", "zh-CN", assess::testing::zh_words()) == "数据日期");
  CHECK(assess::import_column_title(library(), "uscc", "en", assess::testing::en_words()) ==
        "Unified social credit code");
}

TEST_CASE("the template in English reads back without a problem") {
  const auto rows =
      assess::import_template(library(), shipped_criteria(), shipped_ladders(), "en", assess::testing::en_words());
  REQUIRE(rows.size() == 2);
  CHECK(rows[0][0] == "Unified social credit code");
  CHECK(rows[0][1] == "Enterprise name");
  CHECK(rows[0].back() == "Data as of");
  const std::vector<std::vector<assess::Json>> body = {{rows[1].begin(), rows[1].end()}};
  const auto r = assess::import_table(assess::to_csv(rows[0], body), "t.csv", library(), "en", shipped());
  CHECK(r.issues.empty());
  REQUIRE(r.candidates.size() == 1);
  CHECK(r.candidates[0].facts["results"]["cmmm"]["level"] == "CMMM2");
  CHECK(r.candidate_dates[0] == "2025-12-31");
  // By ids.
  CHECK(assess::import_template(library(), shipped_criteria(), shipped_ladders(), "id", assess::Words{})[0][0] ==
        "uscc");
}

// --- issue 12 item 3: the identity columns are the profile's ------------------------------------

namespace {
std::vector<std::string> column_ids(const assess::Library& lib) {
  std::vector<std::string> out;
  for (const auto& c : assess::import_columns(lib, shipped_criteria(), shipped_ladders())) out.push_back(c.id);
  return out;
}
}  // namespace

TEST_CASE("the template opens with the USCC and the profile's identity questions, in the profile's order") {
  // profile.json marks name, uscc, region, industry, last_year, employees and revenue_last_year
  // "identity": the USCC (the import's key) comes first, then the others as the profile asks them.
  const auto ids = column_ids(library());
  REQUIRE(ids.size() > 7);
  CHECK(std::vector<std::string>(ids.begin(), ids.begin() + 7) ==
        std::vector<std::string>{"uscc", "name", "region", "industry", "last_year", "employees", "revenue_last_year"});
}

TEST_CASE("a profile question marked identity becomes a template column and is imported, with no code change") {
  const std::string file = ASSESS_SOURCE_DIR "/questionnaires/profile/profile.json";
  assess::Json profile = assess::read_json_file(file);
  // A made-up identity fact, asked last in the profile's first section (identity).
  profile["sections"][0]["questions"].push_back({{"id", "legal_representative"},
                                                 {"identity", true},
                                                 {"example", "王五"},
                                                 {"type", "text"},
                                                 {"title", {{"zh-CN", "法定代表人"}, {"en", "Legal representative"}}}});
  assess::Library lib = library();
  lib.add(assess::load_questionnaire(profile, file));
  const auto ids = column_ids(lib);
  REQUIRE(ids.size() > 8);
  CHECK(std::vector<std::string>(ids.begin(), ids.begin() + 8) ==
        std::vector<std::string>{"uscc", "name", "region", "industry", "last_year", "employees", "revenue_last_year",
                                 "legal_representative"});
  const auto rows =
      assess::import_template(lib, shipped_criteria(), shipped_ladders(), "en", assess::testing::en_words());
  CHECK(rows[0][7] == "Legal representative");
  CHECK(rows[1][7] == "王五");
  const auto r =
      assess::import_table("uscc,name,法定代表人\n91320205MA1Y8KQ38L,甲,王五\n", "r.csv", lib, "en", shipped());
  REQUIRE(r.issues.empty());
  REQUIRE(r.candidates.size() == 1);
  CHECK(r.candidates[0].facts["profile"]["legal_representative"] == "王五");
}

// --- issue 12 item 3: the example row comes from the definitions ---------------------------------

namespace {
std::map<std::string, std::string> example_row(const assess::Library& lib) {
  std::map<std::string, std::string> out;
  for (const auto& c : assess::import_columns(lib, shipped_criteria(), shipped_ladders())) out[c.id] = c.example;
  return out;
}
}  // namespace

TEST_CASE("the template's example row is the definitions' examples: profile answers, each module's level and total") {
  const auto row = example_row(library());
  // profile.json "example" (a made-up 无锡 auto-parts maker).
  CHECK(row.at("uscc") == "91320205MA1Y8KQ38L");
  CHECK(row.at("region") == "无锡市锡山区");
  CHECK(row.at("digital_rd_tools") == "是");
  CHECK(row.at("tech_investment_two_years") == "3200");
  // Each module's "example": sme-digital-2024 {"level": "L2", "total": 55.6}, smart-factory-2025
  // {"level": "SF1", "total": 48}, cmmm {"level": "CMMM2"} (no total).
  CHECK(row.at("sme-digital-2024.level") == "L2");
  CHECK(row.at("sme-digital-2024.total") == "55.6");
  CHECK(row.at("smart-factory-2025.level") == "SF1");
  CHECK(row.at("smart-factory-2025.total") == "48");
  CHECK(row.at("cmmm.level") == "CMMM2");
  CHECK(row.at("cmmm.total").empty());
  // The template's own columns.
  CHECK(row.at("projects.count") == "2");
  CHECK(row.at("as_of") == "2025-12-31");
}

TEST_CASE("a module added as a file brings its template example; without one its first level stands in") {
  const std::string file = ASSESS_SOURCE_DIR "/tests/data/extension/questionnaires/made-up-energy/made-up-energy.json";
  assess::Library lib = library();
  lib.add(assess::load_questionnaire_file(file));
  // made-up-energy.json: "example": {"level": "E2", "total": 15}.
  auto row = example_row(lib);
  CHECK(row.at("made-up-energy.level") == "E2");
  CHECK(row.at("made-up-energy.total") == "15");
  CHECK(row.at("sme-digital-2024.level") == "L2");  // the others keep theirs
  assess::Json bare = assess::read_json_file(file);
  bare.erase("example");
  lib.add(assess::load_questionnaire(bare, file));
  row = example_row(lib);
  CHECK(row.at("made-up-energy.level") == "E1");
  CHECK(row.at("made-up-energy.total").empty());
}

// --- issue 12 item 4: a language is a catalogue ----------------------------------------------------

TEST_CASE("an option no label names is refused listing the options by their labels in the problem's language") {
  // smart_factory_tier (profile.json): none 尚无 / None, basic 基础级 / Basic, advanced 先进级 / Advanced,
  // excellent 卓越级 / Excellent, leading 领航级 / Leading. provincial_labels is a multiple choice.
  const std::string csv =
      "uscc,name,smart_factory_tier,provincial_labels\n"
      "91320205MA1Y8KQ38L,甲,超级,省级智能工厂；火星工厂\n"  // row 2: no such option; the second label is none
      "91110000600037341L,乙,Advanced,省级数字化车间\n";     // row 3: good, by labels
  const auto r = assess::import_table(csv, "o.csv", library(), "en", shipped());
  REQUIRE(r.issues.size() == 2);
  const assess::ImportIssue& single = r.issues[0];
  CHECK(single.row == 2);
  CHECK(single.column == "smart_factory_tier");
  CHECK(single.key == "not_option");
  // The params name the options by id, whatever the language.
  CHECK(single.params ==
        assess::Json{{"value", "超级"}, {"options", {"none", "basic", "advanced", "excellent", "leading"}}});
  // en.json: "\"{value}\" is not one of the options: {options}", each "{label} ({id})", joined by ", ".
  CHECK(single.reason ==
        "\"超级\" is not one of the options: None (none), Basic (basic), Advanced (advanced), Excellent (excellent), "
        "Leading (leading)");
  CHECK(assess::import_message(single, "en", assess::testing::en_words()) == single.reason);
  // zh-CN.json: "“{value}”不是可选项；可选：{options}", each "{label}（{id}）", joined by "、".
  CHECK(assess::import_message(single, "zh-CN", assess::testing::zh_words()) ==
        "“超级”不是可选项；可选：尚无（none）、基础级（basic）、先进级（advanced）、卓越级（excellent）、领航级（leadin"
        "g）");
  const assess::ImportIssue& multi = r.issues[1];
  CHECK(multi.row == 2);
  CHECK(multi.column == "provincial_labels");
  CHECK(assess::import_message(multi, "zh-CN", assess::testing::zh_words()) ==
        "“火星工厂”不是可选项；可选：均未获得（none）、省级未来工厂（future_factory）、"
        "省级未来工厂培育（试点）企业（future_factory_pilot）、省级智能工厂（smart_factory）、"
        "省级数字化车间（digital_workshop）");
  CHECK(assess::import_message(multi, "en", assess::testing::en_words()) ==
        "\"火星工厂\" is not one of the options: None (none), Provincial future factory (future_factory), "
        "Provincial future-factory cultivation (pilot) (future_factory_pilot), Provincial smart factory "
        "(smart_factory), Provincial digital workshop (digital_workshop)");
  // Chinese and English labels are still read as the options they name.
  REQUIRE(r.candidates.size() == 1);
  CHECK(r.candidates[0].facts["profile"]["smart_factory_tier"] == "advanced");
  CHECK(r.candidates[0].facts["profile"]["provincial_labels"] == assess::Json{"digital_workshop"});
  const auto zh = assess::import_table("uscc,name,smart_factory_tier\n91320205MA1Y8KQ38L,甲,基础级\n", "z.csv",
                                       library(), "zh-CN", shipped());
  REQUIRE(zh.candidates.size() == 1);
  CHECK(zh.candidates[0].facts["profile"]["smart_factory_tier"] == "basic");
}

TEST_CASE("an error about the whole file is worded in the first language's catalogue words") {
  const std::vector<assess::Words> chinese_first = {assess::testing::zh_words(), assess::testing::en_words()};
  const auto refused = [&](const std::string& bytes, const std::string& file, const std::string& lang,
                           const std::vector<assess::Words>& words) -> std::string {
    try {
      (void)assess::import_table(bytes, file, library(), lang, words);
    } catch (const assess::Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  // zh-CN.json's and en.json's srv_import_unknown_column, srv_import_unknown_result_column,
  // srv_import_column_twice and srv_import_uscc_column_missing.
  CHECK(refused("uscc,turnover\n", "x.csv", "zh-CN", chinese_first) ==
        "x.csv: 未知的列“turnover”（列名为企业概况问题的编号或标题；见 assess import --template）");
  CHECK(refused("uscc,turnover\n", "x.csv", "en", shipped()) ==
        "x.csv: unknown column \"turnover\" (columns are profile question ids or titles; see assess import "
        "--template)");
  CHECK(refused("uscc,m.level\n", "x.csv", "zh-CN", chinese_first) ==
        "x.csv: 未知的列“m.level”（模块结果列为 <问卷编号>.level 或 .total）");
  CHECK(refused("uscc,m.level\n", "x.csv", "en", shipped()) ==
        "x.csv: unknown column \"m.level\" (module results are <questionnaire id>.level or .total)");
  // 企业名称 is name's Chinese title: the same column twice.
  CHECK(refused("uscc,name,企业名称\n", "x.csv", "zh-CN", chinese_first) == "x.csv: 列“name”出现了两次");
  CHECK(refused("uscc,name,企业名称\n", "x.csv", "en", shipped()) == "x.csv: the column \"name\" is given twice");
  CHECK(refused("name\n甲\n", "x.csv", "zh-CN", chinese_first) ==
        "x.csv: 缺少列“uscc”：各行按统一社会信用代码对应企业");
  // srv_import_file_empty, srv_import_json_shape.
  CHECK(refused("", "x.csv", "zh-CN", chinese_first) ==
        "x.csv: 文件为空；第一行应为列名（见 assess import --template）");
  CHECK(refused("", "x.csv", "en", shipped()) ==
        "x.csv: the file is empty; the first row names the columns (see assess import --template)");
  CHECK(refused("{}", "x.json", "zh-CN", chinese_first) == "x.json: JSON 导入文件应为对象数组，每个对象以列名为键");
  CHECK(refused("[1]", "x.json", "en", shipped()) == "x.json: a JSON import is an array of objects keyed by column");
  // srv_import_mixed_encodings naming rows by srv_import_row and srv_import_header_row: 无锡 in UTF-8
  // (E6 97 A0 E9 94 A1) in the header, 无锡 in GBK (CE DE CE FD) on row 2.
  const std::string mixed = "uscc,\xE6\x97\xA0\xE9\x94\xA1\n91110000600037341L,\xCE\xDE\xCE\xFD\n";
  CHECK(refused(mixed, "m.csv", "zh-CN", chinese_first) ==
        "m.csv: 编码不一致：第 1 行（表头）是 UTF-8，第 2 行却不是（GBK？）；请将整个文件保存为同一种编码，最好是 "
        "UTF-8");
  CHECK(refused(mixed, "m.csv", "en", shipped()) ==
        "m.csv: mixed encodings: row 1 (the header) is UTF-8 but row 2 is not (GBK?); save the whole file in one "
        "encoding, preferably UTF-8");
  // srv_import_not_gbk: the byte 0xFF (after "uscc\n", bytes 0-4) is neither UTF-8 nor GBK.
  CHECK(refused("uscc\n\xFF\n", "g.csv", "zh-CN", chinese_first) ==
        "g.csv: 文件既不是 UTF-8 也不是 GBK 编码（第 5 字节）");
  CHECK(refused("uscc\n\xFF\n", "g.csv", "en", shipped()) == "g.csv: the file is neither UTF-8 nor GBK (byte 5)");
}
