// export_test.cpp — XLSX and CSV export (formats/export.h) and `assess rank` / `assess dashboard --export`,
// read back with Debian's xlsx2csv (installed by `make setup`).
#include "formats/export.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "../bench/synthetic_enterprises.h"
#include "commands.h"
#include "scoring/error.h"
#include "scoring/rank.h"

namespace {

namespace fs = std::filesystem;
using assess::Json;
using Table = std::vector<std::vector<std::string>>;

const std::string kCriteria = ASSESS_SOURCE_DIR "/policies/criteria/sme-digital-pilot-l2.json";

// A fresh folder under the system temp dir, removed at the end of the test case.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "assess-export-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

std::string slurp(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF); a leading UTF-8 BOM is skipped.
Table parse_csv(std::string text) {
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
  Table table;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  bool any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
      any = true;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(field);
      table.push_back(row);
      row.clear();
      field.clear();
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  if (any || !field.empty()) {
    row.push_back(field);
    table.push_back(row);
  }
  return table;
}

// Runs xlsx2csv on `file`; fails the test with a clear message when it is not installed.
std::string xlsx2csv(const std::string& file, const std::string& extra = "") {
  const bool installed = std::system("command -v xlsx2csv >/dev/null 2>&1") == 0;
  if (!installed) {
    FAIL(
        "xlsx2csv is not installed: the XLSX export is checked by reading files back with Debian's xlsx2csv; "
        "run 'make setup' (or 'apt-get install xlsx2csv')");
  }
  const std::string cmd = "xlsx2csv " + extra + " " + shell_quote(file) + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  const int status = pclose(pipe);
  INFO("xlsx2csv output: ", output);
  REQUIRE(status == 0);
  return output;
}

// The first worksheet's XML, unzipped with python3's zipfile.
std::string sheet_xml(const std::string& xlsx) {
  const std::string target = xlsx + ".sheet1.xml";
  const std::string cmd =
      "python3 -c \"import sys, zipfile; open(sys.argv[2], 'wb').write(zipfile.ZipFile(sys.argv[1])"
      ".read('xl/worksheets/sheet1.xml'))\" " +
      shell_quote(xlsx) + " " + shell_quote(target);
  REQUIRE(std::system(cmd.c_str()) == 0);
  return slurp(target);
}

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run run(const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  const int code = assess::cli::run(args, out, err);
  return {code, out.str(), err.str()};
}

bool is_number(const std::string& s, double& value) {
  if (s.empty()) return false;
  char* end = nullptr;
  value = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

// Cell by cell: numbers equal to 1e-9 relative, booleans case-insensitively, everything else exactly.
void check_same_table(const Table& csv, const Table& xlsx) {
  REQUIRE(csv.size() == xlsx.size());
  for (std::size_t r = 0; r < csv.size(); ++r) {
    // xlsx2csv leaves out trailing empty cells of a row.
    std::vector<std::string> a = csv[r];
    std::vector<std::string> b = xlsx[r];
    while (!a.empty() && a.back().empty()) a.pop_back();
    while (!b.empty() && b.back().empty()) b.pop_back();
    INFO("row ", r);
    REQUIRE(a.size() == b.size());
    for (std::size_t c = 0; c < a.size(); ++c) {
      INFO("column ", c, ": csv \"", a[c], "\", xlsx \"", b[c], "\"");
      double x = 0;
      double y = 0;
      if (is_number(a[c], x) && r > 0) {
        REQUIRE(is_number(b[c], y));
        CHECK(std::fabs(x - y) <= 1e-9 * std::max(1.0, std::fabs(x)));
      } else if (a[c] == "true" || a[c] == "false") {
        CHECK(b[c] == (a[c] == "true" ? "TRUE" : "FALSE"));
      } else {
        CHECK(a[c] == b[c]);
      }
    }
  }
}

}  // namespace

TEST_CASE("write_xlsx: numbers come back as numbers, Chinese text intact, null as an empty cell") {
  TempDir dir;
  const std::string file = dir / "t.xlsx";
  const std::vector<std::string> header = {"id", "名称", "amount", "note", "flag"};
  const std::vector<std::vector<Json>> rows = {
      {"A1", "无锡市锡山区智能制造企业（虚构）", 1234.5, nullptr, true},
      {"A2", "a, \"quoted\" name", 42, "=1+1", false},
      {"A3", nullptr, -0.25, Json::array({1, 2}), nullptr},
  };
  assess::write_xlsx(file, "排名", header, rows);
  REQUIRE(fs::exists(file));
  const Table table = parse_csv(xlsx2csv(file));
  REQUIRE(table.size() == 4);
  CHECK(table[0] == std::vector<std::string>{"id", "名称", "amount", "note", "flag"});
  CHECK(table[1][0] == "A1");
  CHECK(table[1][1] == "无锡市锡山区智能制造企业（虚构）");
  CHECK(table[1][2] == "1234.5");  // not "'1234.5": a number cell, not text
  CHECK(table[1][3] == "");
  CHECK(table[1][4] == "TRUE");
  CHECK(table[2][1] == "a, \"quoted\" name");
  CHECK(table[2][2] == "42");
  CHECK(table[2][3] == "=1+1");  // written as text, never as a formula
  CHECK(table[3][1] == "");
  CHECK(table[3][2] == "-0.25");
  CHECK(table[3][3] == "[1,2]");

  // The type check proper: in the sheet XML a number cell is <c r="C2"><v>1234.5</v></c>, while text
  // would be a shared string (t="s") or an inline string.
  const std::string xml = sheet_xml(file);
  CHECK(xml.find("<c r=\"C2\"><v>1234.5</v></c>") != std::string::npos);
  CHECK(xml.find("<c r=\"C3\"><v>42</v></c>") != std::string::npos);
  CHECK(xml.find("<c r=\"C4\"><v>-0.25</v></c>") != std::string::npos);
  CHECK(xml.find("<c r=\"D2\"") == std::string::npos);  // null: no cell at all
  CHECK(xml.find("<c r=\"A2\" t=\"s\">") != std::string::npos);
  // Frozen header row and fitted columns.
  CHECK(xml.find("state=\"frozen\"") != std::string::npos);
  CHECK(xml.find("topLeftCell=\"A2\"") != std::string::npos);
  CHECK(xml.find("<cols>") != std::string::npos);
}

TEST_CASE("write_xlsx: a file that cannot be written is an assess::Error naming the path") {
  const std::string file = "/nonexistent-folder-for-assess/out.xlsx";
  try {
    assess::write_xlsx(file, "s", {"a"}, {{1}});
    FAIL("expected an error");
  } catch (const assess::Error& e) {
    CHECK(e.file() == file);
    CHECK(e.kind() == assess::ErrorKind::kNotFound);
    CHECK(std::string(e.what()).find(file) != std::string::npos);
  }
  CHECK_THROWS_AS(assess::write_csv("/nonexistent-folder-for-assess/out.csv", {"a"}, {{1}}), assess::Error);
}

TEST_CASE("to_csv: UTF-8 BOM, CRLF, RFC 4180 quoting of commas, quotes and newlines") {
  const std::string csv = assess::to_csv({"id", "名称", "note"}, {
                                                                     {"E1", "企业，甲", "plain"},
                                                                     {"E2", "a,b", "say \"hi\""},
                                                                     {"E3", "two\nlines", "cr\rhere"},
                                                                     {1234.5, nullptr, true},
                                                                 });
  CHECK(csv.rfind("\xEF\xBB\xBF", 0) == 0);
  CHECK(csv ==
        "\xEF\xBB\xBF"
        "id,名称,note\r\n"
        "E1,企业，甲,plain\r\n"
        "E2,\"a,b\",\"say \"\"hi\"\"\"\r\n"
        "E3,\"two\nlines\",\"cr\rhere\"\r\n"
        "1234.5,,true\r\n");
  const Table back = parse_csv(csv);
  REQUIRE(back.size() == 5);
  CHECK(back[2][2] == "say \"hi\"");
  CHECK(back[3][1] == "two\nlines");
  CHECK(assess::to_csv({}, {}) == "\xEF\xBB\xBF\r\n");
}

TEST_CASE("to_csv neutralises text a spreadsheet would run as a formula (= + - @ tab CR), never numbers") {
  const std::string csv = assess::to_csv({"=header", "name"}, {
                                                                  {"=HYPERLINK(\"http://x\")", "+1"},
                                                                  {"-2+3", "@SUM(A1)"},
                                                                  {"\tcmd", "\rcmd"},
                                                                  {-5, 1.5},
                                                                  {"a=b", "甲-乙"},
                                                              });
  CHECK(csv ==
        "\xEF\xBB\xBF"
        "'=header,name\r\n"
        "\"'=HYPERLINK(\"\"http://x\"\")\",'+1\r\n"
        "'-2+3,'@SUM(A1)\r\n"
        "'\tcmd,\"'\rcmd\"\r\n"
        "-5,1.5\r\n"
        "a=b,甲-乙\r\n");
}

TEST_CASE("assess rank --export writes the same ranking to CSV and XLSX") {
  TempDir dir;
  const std::string candidates = dir / "candidates.json";
  {
    std::ofstream out(candidates, std::ios::binary);
    out << assess::candidates_to_json(assess::bench::synthetic_enterprises(300, 42)).dump();
  }
  const Run csv_run =
      run({"rank", "--criteria", kCriteria, "--candidates", candidates, "--top", "5", "--export", dir / "rank.csv"});
  INFO(csv_run.err);
  REQUIRE(csv_run.code == 0);
  CHECK(csv_run.out.find("wrote " + (dir / "rank.csv")) != std::string::npos);
  const Run xlsx_run =
      run({"rank", "--criteria", kCriteria, "--candidates", candidates, "--top", "5", "--export", dir / "rank.xlsx"});
  REQUIRE(xlsx_run.code == 0);
  CHECK(xlsx_run.out.find("敏感性：") != std::string::npos);
  const Run en_run = run({"rank", "--criteria", kCriteria, "--candidates", candidates, "--top", "5", "--export",
                          dir / "rank-en.xlsx", "--lang", "en"});
  REQUIRE(en_run.code == 0);
  CHECK(en_run.out.find("Sensitivity: ") != std::string::npos);
  // Issue 10, item 17: "`assess rank` prints each criteria file's note as the web page does."
  CHECK(csv_run.out.find("说明：试点在改造前选定企业，二级是改造后的验收目标") != std::string::npos);
  CHECK(en_run.out.find(
            "Note: Pilots choose their firms before the retrofit, and level 2 is the acceptance target afterwards") !=
        std::string::npos);
  CHECK(parse_csv(xlsx2csv(dir / "rank-en.xlsx"))[0][0] == "rank");

  // The same ranking computed directly.
  const auto criteria = assess::load_criteria(assess::read_json_file(kCriteria), kCriteria);
  assess::RankOptions options;
  options.top = 5;
  const auto result =
      assess::rank(criteria, assess::candidates_from_json(assess::read_json_file(candidates), candidates), options);
  REQUIRE(result.rows.size() >= 5);

  const std::string csv_text = slurp(dir / "rank.csv");
  CHECK(csv_text.rfind("\xEF\xBB\xBF", 0) == 0);
  const Table csv = parse_csv(csv_text);
  REQUIRE(csv.size() == 1 + result.rows.size() + result.ineligible.size());
  CHECK(csv[0][0] == "名次");
  CHECK(csv[0][1] == "id");
  CHECK(csv[0].size() == 6 + 2 * criteria.score.size() + criteria.tie_breakers.size() + 2);
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK(csv[i + 1][0] == std::to_string(i + 1));
    CHECK(csv[i + 1][1] == result.rows[i].id);
    CHECK(csv[i + 1][2] == result.rows[i].name);
    double score = 0;
    REQUIRE(is_number(csv[i + 1][3], score));
    CHECK(std::fabs(score - result.rows[i].score) < 1e-6);
    CHECK(csv[i + 1][4] == "true");
  }
  CHECK(csv[6][4] == (result.rows.size() > 5 ? "false" : csv[6][4]));
  if (!result.ineligible.empty()) {
    const auto& last = csv.back();
    CHECK(last[0] == "");
    CHECK(last[1] == result.ineligible.back().id);
    CHECK(last[5] == "false");
    CHECK(!last.back().empty());  // the failed conditions
  }

  // The XLSX holds the same cells, numbers as numbers.
  const Table xlsx = parse_csv(xlsx2csv(dir / "rank.xlsx"));
  REQUIRE(xlsx.size() == csv.size());
  check_same_table(csv, xlsx);
  const std::string xml = sheet_xml(dir / "rank.xlsx");
  CHECK(xml.find("<c r=\"A2\"><v>1</v></c>") != std::string::npos);  // the rank, a number cell
  CHECK(xml.find("<c r=\"D2\"><v>") != std::string::npos);           // the score, a number cell
}

TEST_CASE("assess rank and dashboard: export errors and the dashboard export") {
  TempDir dir;
  const std::string candidates = dir / "candidates.json";
  {
    std::ofstream out(candidates, std::ios::binary);
    out << assess::candidates_to_json(assess::bench::synthetic_enterprises(400, 9)).dump();
  }
  const Run bad = run({"rank", "--criteria", kCriteria, "--candidates", candidates, "--export", dir / "rank.txt"});
  CHECK(bad.code == assess::cli::kUsage);
  CHECK(bad.err.find(".xlsx or .csv") != std::string::npos);
  const Run unwritable = run({"rank", "--criteria", kCriteria, "--candidates", candidates, "--export",
                              "/nonexistent-folder-for-assess/r.csv"});
  CHECK(unwritable.code == assess::cli::kNotFound);
  CHECK(unwritable.err.find("/nonexistent-folder-for-assess/r.csv") != std::string::npos);

  const Run text = run({"dashboard", "--region", "320205", "--candidates", candidates});
  INFO(text.err);
  REQUIRE(text.code == 0);
  CHECK(text.out.find("320205") != std::string::npos);
  const Run json =
      run({"dashboard", "--region", "320205", "--candidates", candidates, "--json", "--export", dir / "d.xlsx"});
  REQUIRE(json.code == 0);
  const Json doc = Json::parse(json.out.substr(json.out.find('\n') + 1));
  REQUIRE(doc["figures"].is_array());
  std::size_t expected_rows = 0;
  for (const auto& f : doc["figures"]) expected_rows += std::max<std::size_t>(1, f["targets"].size());
  const Table xlsx = parse_csv(xlsx2csv(dir / "d.xlsx"));
  CHECK(xlsx.size() == 1 + expected_rows);
  const Run csv = run({"dashboard", "--region", "320205", "--candidates", candidates, "--export", dir / "d.csv"});
  REQUIRE(csv.code == 0);
  Table csv_table = parse_csv(slurp(dir / "d.csv"));
  check_same_table(csv_table, xlsx);
}
