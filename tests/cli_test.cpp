#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "commands.h"
#include "formats/import.h"

namespace {

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run run(const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  int code = assess::cli::run(args, out, err);
  return {code, out.str(), err.str()};
}

const std::string kDir = ASSESS_SOURCE_DIR "/tests/data/cli/";

}  // namespace

TEST_CASE("assess help lists every command of the table") {
  Run r = run({"help"});
  CHECK(r.code == 0);
  for (const auto& c : assess::cli::commands()) CHECK(r.out.find("  " + c.name) != std::string::npos);
}

TEST_CASE("the data root is the one --data-root names, wherever the option stands") {
  const std::string source = ASSESS_SOURCE_DIR;
  Run r = run({"--data-root", source, "where"});
  CHECK(r.code == 0);
  CHECK(r.out == "data root: " + source + " (--data-root)\n");
  r = run({"where", "--data-root=" + source});
  CHECK(r.out == "data root: " + source + " (--data-root)\n");
  // The option holds for one command line only.
  r = run({"where"});
  CHECK(r.code == 0);
  CHECK(r.out.find("(--data-root)") == std::string::npos);
}

TEST_CASE("an unusable --data-root is refused with the reason, never replaced by another folder") {
  Run r = run({"report", "--assessment", std::string(ASSESS_SOURCE_DIR) + "/questionnaires/demo/assessment.json", "-o",
               "/nonexistent/report.html", "--data-root", "/nonexistent/assess-root"});
  CHECK(r.code == assess::cli::kNotFound);
  CHECK(r.err == "/nonexistent/assess-root: the data root given by --data-root is unusable: no such folder\n");
  r = run({"where", "--data-root", std::string(ASSESS_SOURCE_DIR) + "/docs"});
  CHECK(r.code == assess::cli::kNotFound);
  CHECK(r.err == std::string(ASSESS_SOURCE_DIR) +
                     "/docs: the data root given by --data-root is unusable: no questionnaires/ in it\n");
  r = run({"where", "--data-root"});
  CHECK(r.code == assess::cli::kUsage);
  CHECK(r.err == "assess: --data-root needs a folder\n");
}

TEST_CASE("an unknown command is a usage error naming the command") {
  Run r = run({"frobnicate"});
  CHECK(r.code == assess::cli::kUsage);
  CHECK(r.err == "assess: unknown command \"frobnicate\"; run 'assess help' for the list\n");
}

TEST_CASE("assess lint reports every error and exits 1") {
  SUBCASE("a valid definition is ok") {
    Run r = run({"lint", kDir + "questionnaire.json"});
    CHECK(r.code == 0);
    CHECK(r.out.find("ok (cli-demo 1.0, 2 questions, 2 levels, sha256:") != std::string::npos);
  }
  SUBCASE("an answer set is checked against its definition") {
    Run r = run({"lint", kDir + "questionnaire.json", kDir + "answers.json", kDir + "bad-answers.json"});
    CHECK(r.code == assess::cli::kInvalidData);
    CHECK(r.out.find(kDir + "answers.json: ok (answers for cli-demo, 2 answered)") != std::string::npos);
    CHECK(r.err.find(kDir + "bad-answers.json:/answers/network: question \"network\": unknown option") !=
          std::string::npos);
    CHECK(r.err.find("1 of 3 files have errors") != std::string::npos);
  }
  SUBCASE("an answer set finds its definition beside it") {
    Run r = run({"lint", kDir + "answers.json"});
    CHECK(r.code == 0);
  }
  SUBCASE("a JSON Schema is only parsed") {
    Run r = run({"lint", std::string(ASSESS_SOURCE_DIR) + "/questionnaires/schema/questionnaire.schema.json"});
    CHECK(r.code == 0);
    CHECK(r.out.find("ok (JSON Schema)") != std::string::npos);
  }
}

TEST_CASE("assess score prints level, sections and the gap") {
  SUBCASE("text output names the level and the improvement to the next one") {
    Run r = run({"score", "-q", kDir + "questionnaire.json", "-a", kDir + "answers.json", "--lang", "en"});
    CHECK(r.code == 0);
    CHECK(r.out.find("Total: 5 / 15") != std::string::npos);
    CHECK(r.out.find("Level: Level 1") != std::string::npos);
    CHECK(r.out.find("Gap to Level 2") != std::string::npos);
  }
  SUBCASE("json output carries definition version and hash, requirements and the gap") {
    Run r = run({"score", "-q", kDir + "questionnaire.json", "-a", kDir + "answers.json", "--json"});
    REQUIRE(r.code == 0);
    auto doc = nlohmann::json::parse(r.out);
    CHECK(doc["definition"]["id"] == "cli-demo");
    CHECK(doc["definition"]["version"] == "1.0");
    CHECK(doc["definition"]["content_hash"].get<std::string>().rfind("sha256:", 0) == 0);
    CHECK(doc["total"]["score"] == 5);
    CHECK(doc["level"]["id"] == "L1");
    CHECK(doc["levels"][1]["requirements"][0]["actual"] == 5);
    CHECK(doc["levels"][1]["requirements"][0]["needed"] == 15);
    REQUIRE(doc["gaps"].size() == 1);
    const auto& gap = doc["gaps"][0];
    CHECK(gap["reachable"] == true);
    CHECK(gap["steps"] == 2);  // part -> full (1 step) and no -> yes (1 step): 5 + 5 + 5 = 15
    CHECK(gap["total_after"] == 15);
    CHECK(doc["uncertain"][0]["id"] == "security");
  }
  SUBCASE("an unknown target level is a usage error listing the levels") {
    Run r = run({"score", "-q", kDir + "questionnaire.json", "-a", kDir + "answers.json", "--target", "五级"});
    CHECK(r.code == assess::cli::kUsage);
    CHECK(r.err == "assess score: unknown level \"五级\" (levels: L1, L2)\n");
  }
  SUBCASE("invalid answers are all reported with question id and pointer") {
    Run r = run({"score", "-q", kDir + "questionnaire.json", "-a", kDir + "bad-answers.json"});
    CHECK(r.code == assess::cli::kInvalidData);
    CHECK(r.err.find(kDir + "bad-answers.json:/answers/network: question \"network\": unknown option \"everywhere\" "
                            "(options: none, part, full)") != std::string::npos);
    CHECK(r.err.find(kDir + "bad-answers.json:/answers/security: question \"security\": expected true or false, "
                            "got string") != std::string::npos);
  }
  SUBCASE("a missing file is reported as not found") {
    Run r = run({"score", "-q", kDir + "nope.json", "-a", kDir + "answers.json"});
    CHECK(r.code == assess::cli::kNotFound);
    CHECK(r.err == kDir + "nope.json: cannot open file\n");
  }
}

TEST_CASE("assess logic evaluates a rule against data") {
  Run r = run({"logic", R"({"+":[{"var":"a"},2]})", R"({"a":3})"});
  CHECK(r.code == 0);
  CHECK(r.out == "5\n");
  Run bad = run({"logic", R"({"frob":[1]})"});
  CHECK(bad.code == assess::cli::kInvalidData);
  CHECK(bad.err == "<rule>: unknown operator \"frob\"\n");
}

TEST_CASE("assess user takes no password on the command line (it would stay in the shell history)") {
  const Run r =
      run({"user", "add", "li", "--password", "a long secret here", "--data-dir", "/nonexistent/assess-cli-test"});
  CHECK(r.code == assess::cli::kUsage);
  CHECK(r.err.find("--password") != std::string::npos);
}

TEST_CASE("assess rewards --results reads the module results file (the document outlives the loop)") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("assess-cli-results-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  const auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name, std::ios::binary) << text;
    return (dir / name).string();
  };
  const auto assessment = nlohmann::json::parse(
      std::ifstream(ASSESS_SOURCE_DIR "/tests/data/enterprises/xishan-auto-parts/assessment.json"));
  const std::string profile = write("profile.json", assessment["modules"]["profile"].dump());
  // 锡山 2025 equipment policy, 三、（二）"对新认定的国家领航级智能工厂…给予不超过100万元…奖励": the recognition
  // decides; a self-check (the results file) at SF4 without the recognition shows "apply for recognition".
  const auto outcome = [&](const std::string& results_text) {
    const std::string results = write("results.json", results_text);
    Run r = run({"rewards", "--profile", profile, "--results", results, "--json", "--questionnaires",
                 ASSESS_SOURCE_DIR "/questionnaires", "--policies", ASSESS_SOURCE_DIR "/policies"});
    REQUIRE_MESSAGE(r.code == 0, r.err);
    const auto doc = nlohmann::json::parse(r.out);
    for (const auto& o : doc["outcomes"]) {
      if (o["rule"] == "xishan-2025-equipment.sf-leading-national") return o;
    }
    FAIL("no outcome for xishan-2025-equipment.sf-leading-national");
    return nlohmann::json();
  };
  auto flagged = [](const nlohmann::json& o) {
    return o.contains("flags") &&
           std::find(o["flags"].begin(), o["flags"].end(), "apply_for_recognition") != o["flags"].end();
  };
  const auto reached = outcome(R"({"smart-factory-2025": {"level": "SF4"}, "cmmm": {"level": "CMMM2"}})");
  REQUIRE(reached.contains("failed"));
  CHECK(reached["failed"]["id"] == "recognised");
  CHECK(flagged(reached));
  const auto below = outcome(R"({"smart-factory-2025": {"level": "SF1"}})");
  CHECK(below["failed"]["id"] == "recognised");
  CHECK_FALSE(flagged(below));

  const std::string bad = write("bad.json", "[1, 2]");
  Run r = run({"rewards", "--profile", profile, "--results", bad, "--questionnaires",
               ASSESS_SOURCE_DIR "/questionnaires", "--policies", ASSESS_SOURCE_DIR "/policies"});
  CHECK(r.code == 1);
  CHECK(r.err == bad + ": the results file is an object keyed by questionnaire id\n");
  fs::remove_all(dir);
}

namespace {

// A data root with the shipped questionnaires, policies and templates and the shipped catalogues plus
// the fixture's partial French one (tests/data/extension/web/i18n/fr.json), as a deployment would
// add a language: a file in web/i18n.
struct RootWithFrench {
  std::filesystem::path dir;
  RootWithFrench() {
    namespace fs = std::filesystem;
    const fs::path source = ASSESS_SOURCE_DIR;
    std::random_device rd;
    dir = fs::temp_directory_path() / ("assess-lang-root-" + std::to_string(rd()));
    fs::create_directories(dir / "web/i18n");
    for (const char* d : {"questionnaires", "policies", "templates"}) fs::create_directory_symlink(source / d, dir / d);
    for (const auto& from : {source / "web/i18n/zh-CN.json", source / "web/i18n/en.json",
                             source / "tests/data/extension/web/i18n/fr.json"}) {
      fs::copy_file(from, dir / "web/i18n" / from.filename());
    }
  }
  ~RootWithFrench() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

}  // namespace

TEST_CASE("--lang takes any language with a catalogue in the data root's web/i18n, and names them for an unknown one") {
  RootWithFrench root;
  const std::string d = root.dir.string();
  // French where fr.json has the words: "srv_explain_level" "Niveau : {name}", "srv_option_no" "non",
  // "srv_option_yes" "oui"; the definition's texts in English (fr.json falls back to en): the level
  // "Level 1", the question "Has security rules" (tests/data/cli: security answered no, 5 points for yes).
  Run r =
      run({"score", "--data-root", d, "-q", kDir + "questionnaire.json", "-a", kDir + "answers.json", "--lang", "fr"});
  CHECK(r.code == 0);
  CHECK(r.out.find("\nNiveau : Level 1\n") != std::string::npos);
  CHECK(r.out.find("Has security rules: non → 0/5") != std::string::npos);
  CHECK(r.out.find("Has security rules: non → oui") != std::string::npos);
  // The same in English, from en.json.
  r = run({"score", "--data-root", d, "-q", kDir + "questionnaire.json", "-a", kDir + "answers.json", "--lang", "en"});
  CHECK(r.out.find("\nLevel: Level 1\n") != std::string::npos);
  CHECK(r.out.find("Has security rules: No → Yes") != std::string::npos);
  // A language without a catalogue is a usage error naming the folder and the tags it has, for every
  // command that takes --lang.
  for (const std::string command : {"score", "rewards", "report", "rank", "dashboard"}) {
    r = run({command, "--data-root", d, "--lang", "de"});
    CHECK(r.code == assess::cli::kUsage);
    CHECK(r.err == "assess " + command + ": --lang: no language catalogue \"de\" in " + d +
                       "/web/i18n (available: zh-CN, en, fr)\nRun 'assess " + command + " --help' for usage.\n");
  }
  // Without the French file, French is refused the same way.
  r = run({"score", "-q", kDir + "questionnaire.json", "-a", kDir + "answers.json", "--lang", "fr", "--data-root",
           ASSESS_SOURCE_DIR});
  CHECK(r.code == assess::cli::kUsage);
  CHECK(r.err.find("(available: zh-CN, en)") != std::string::npos);
}

TEST_CASE("assess import --template writes its header in the --lang catalogue language, Chinese by default") {
  RootWithFrench root;
  const std::string d = root.dir.string();
  const auto header = [&](const std::vector<std::string>& lang) {
    const std::string file = (root.dir / "template.csv").string();
    std::vector<std::string> args = {"import", "--data-root", d, "--template", "csv", "-o", file};
    args.insert(args.end(), lang.begin(), lang.end());
    const Run r = run(args);
    REQUIRE_MESSAGE(r.code == 0, r.err);
    CHECK(r.out == "wrote " + file + "\n");
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    std::string csv = text.str();
    if (csv.rfind("\xEF\xBB\xBF", 0) == 0) csv.erase(0, 3);  // the BOM Excel needs
    return assess::parse_csv(csv).at(0);
  };
  // profile.json's uscc and name titles; the last column "as_of" is the catalogue's
  // srv_import_col_as_of: zh-CN.json "数据日期", en.json "Data as of", fr.json "Données au" (French
  // reads the definitions' texts in English, its fallback).
  const auto zh = header({});
  REQUIRE(zh.size() > 3);
  CHECK(std::vector<std::string>(zh.begin(), zh.begin() + 2) ==
        std::vector<std::string>{"统一社会信用代码", "企业名称"});
  CHECK(zh.back() == "数据日期");
  CHECK(header({"--lang", "zh-CN"}) == zh);
  const auto en = header({"--lang", "en"});
  REQUIRE(en.size() == zh.size());
  CHECK(std::vector<std::string>(en.begin(), en.begin() + 2) ==
        std::vector<std::string>{"Unified social credit code", "Enterprise name"});
  CHECK(en.back() == "Data as of");
  const auto fr = header({"--lang", "fr"});
  REQUIRE(fr.size() == zh.size());
  CHECK(fr[0] == "Unified social credit code");
  CHECK(fr.back() == "Données au");
  // An unknown language is refused naming the catalogues there are.
  const Run r = run({"import", "--data-root", d, "--template", "csv", "--lang", "de"});
  CHECK(r.code == assess::cli::kUsage);
  CHECK(r.err == "assess import: --lang: no language catalogue \"de\" in " + d +
                     "/web/i18n (available: zh-CN, en, fr)\nRun 'assess import --help' for usage.\n");
}
