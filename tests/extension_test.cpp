// extension_test.cpp — a new questionnaire and a new language are data (issue 12, items 3 and 4).
//
// tests/data/extension holds a made-up fifth questionnaire and a partial French catalogue. Copied next
// to the shipped questionnaires and catalogues (as a deployment would add them), they load, are
// offered by the API, scored, reported and spoken, with no code change.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "api.h"
#include "languages.h"
#include "scoring/dashboard.h"
#include "scoring/error.h"
#include "scoring/explain.h"
#include "scoring/profile.h"
#include "scoring/questionnaire.h"
#include "scoring/score.h"
#include "store.h"
#include "support.h"

using assess::App;
using assess::HttpRequest;
using assess::HttpResponse;
using assess::Json;
using assess::Languages;
using assess::Store;

namespace {

constexpr std::int64_t kNow = 1'790'000'000;
constexpr const char* kPassword = "correct horse battery";
constexpr const char* kEnergy = "made-up-energy";
const std::filesystem::path kSource = ASSESS_SOURCE_DIR;
const std::filesystem::path kFixture = kSource / "tests/data/extension";

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() / ("assess-extension-test-" + assess::random_token(8));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// The shipped data with the fixture's files added: questionnaires/ and web/i18n/ are copies.
struct Extended {
  TempDir dir;
  std::unique_ptr<Store> store = Store::open(":memory:");
  std::unique_ptr<App> app;

  // `dashboard`: a policies/facts/dashboard.json to serve in place of the shipped one (the policies
  // are then a copy).
  explicit Extended(const std::filesystem::path& dashboard = {}) {
    namespace fs = std::filesystem;
    const auto opts = fs::copy_options::recursive;
    fs::copy(kSource / "questionnaires", dir.path / "questionnaires", opts);
    fs::copy(kFixture / "questionnaires", dir.path / "questionnaires", opts);
    fs::create_directories(dir.path / "web/i18n");
    for (const auto& from : {kSource / "web/i18n", kFixture / "web/i18n"}) {
      for (const auto& e : fs::directory_iterator(from)) {
        if (e.path().extension() == ".json") fs::copy_file(e.path(), dir.path / "web/i18n" / e.path().filename());
      }
    }
    assess::AppConfig config;
    config.data_dir = (dir.path / "data").string();
    config.web_dir = (dir.path / "web").string();
    config.questionnaires_dir = (dir.path / "questionnaires").string();
    config.policies_dir = (kSource / "policies").string();
    if (!dashboard.empty()) {
      fs::copy(kSource / "policies", dir.path / "policies", opts);
      fs::copy_file(dashboard, dir.path / "policies/facts/dashboard.json", fs::copy_options::overwrite_existing);
      config.policies_dir = (dir.path / "policies").string();
    }
    config.templates_dir = (kSource / "templates").string();
    app = std::make_unique<App>(config, *store);
    store->add_user("zhang", kPassword, "consultant");
  }

  HttpResponse send(const std::string& method, const std::string& target, const std::string& body = "",
                    const std::string& token = "", const std::string& csrf = "") const {
    HttpRequest r;
    r.method = method;
    r.target = target;
    r.body = body;
    if (!body.empty()) r.headers.emplace("content-type", "application/json");
    if (!token.empty()) r.headers.emplace("cookie", "assess_session=" + token);
    if (!csrf.empty()) r.headers.emplace("x-csrf-token", csrf);
    return app->handle(r, kNow);
  }

  // Logs zhang in and opens an assessment of a made-up enterprise with the profile and `module`.
  struct Opened {
    std::string token;
    std::string csrf;
    std::string assessment;
  };
  Opened open_assessment(const std::string& module) const;
};

Json body_of(const HttpResponse& r) {
  return Json::parse(r.body);
}

Extended::Opened Extended::open_assessment(const std::string& module) const {
  const HttpResponse login = send("POST", "/api/login", Json{{"name", "zhang"}, {"password", kPassword}}.dump());
  REQUIRE_MESSAGE(login.status == 200, login.body);
  const std::string cookie = login.header("Set-Cookie");
  Opened o;
  o.token = cookie.substr(15, cookie.find(';') - 15);
  o.csrf = body_of(login)["csrf"].get<std::string>();
  const HttpResponse ent = send("POST", "/api/enterprises", Json{{"name", "虚构企业"}}.dump(), o.token, o.csrf);
  const std::string e = std::to_string(body_of(ent)["id"].get<std::int64_t>());
  const HttpResponse as = send("POST", "/api/enterprises/" + e + "/assessments",
                               Json{{"modules", {"profile", module}}}.dump(), o.token, o.csrf);
  REQUIRE_MESSAGE(as.status == 201, as.body);
  o.assessment = std::to_string(body_of(as)["id"].get<std::int64_t>());
  return o;
}

}  // namespace

TEST_CASE("a made-up questionnaire copied next to the shipped ones is offered, scored and reported") {
  Extended x;
  const HttpResponse login = x.send("POST", "/api/login", Json{{"name", "zhang"}, {"password", kPassword}}.dump());
  REQUIRE_MESSAGE(login.status == 200, login.body);
  const std::string cookie = login.header("Set-Cookie");
  const std::string token = cookie.substr(15, cookie.find(';') - 15);
  const std::string csrf = body_of(login)["csrf"].get<std::string>();

  // Offered, with its metadata (order, indicative, short titles in every language it gives).
  const Json list = body_of(x.send("GET", "/api/questionnaires", "", token));
  Json energy;
  for (const auto& q : list) {
    if (q["id"] == kEnergy) energy = q;
  }
  REQUIRE(energy.is_object());
  CHECK(energy["order"] == 5);
  CHECK(energy["indicative"] == true);
  CHECK(energy["short_titles"] ==
        Json{{"zh-CN", "能源（虚构）"}, {"en", "Energy (made up)"}, {"fr", "Énergie (fictif)"}});
  CHECK(energy["titles"] == Json{{"zh-CN", "虚构的能源管理自评（测试用）"},
                                 {"en", "Made-up energy self-check (test fixture)"},
                                 {"fr", "Auto-évaluation énergie fictive (jeu d'essai)"}});
  CHECK_FALSE(energy.contains("title_en"));  // no zh/en pair beside the texts of every language
  for (const auto& q : list) {
    if (q["id"] == "cmmm") CHECK(q["indicative"] == true);
    if (q["id"] == "sme-digital-2024") CHECK(q["indicative"] == false);
  }
  // The definition the browser is sent carries its checks between answers and its year roll (the
  // form and the re-assessment read them: tests/browser/web_units.test.mjs).
  const Json def = body_of(x.send("GET", "/api/questionnaires/" + std::string(kEnergy), "", token));
  std::map<std::string, Json> figures;
  for (const auto& q : def["sections"][1]["questions"]) figures[q["id"].get<std::string>()] = q;
  CHECK(figures.at("meters_online")["at_most"] == "meters_total");
  CHECK(figures.at("energy_last_year")["next_year"] == "energy_year_before");
  CHECK(figures.at("figures_year")["next_year"] == "+1");
  CHECK(figures.at("meters_added_this_year").contains("next_year"));
  CHECK(figures.at("meters_added_this_year")["next_year"].is_null());

  // Scored: by hand (tests/data/extension/README.md) meters "all" 10 + online yes 5 = 15 → E2.
  const HttpResponse ent = x.send("POST", "/api/enterprises", Json{{"name", "虚构企业"}}.dump(), token, csrf);
  REQUIRE_MESSAGE(ent.status == 201, ent.body);
  const std::string e = std::to_string(body_of(ent)["id"].get<std::int64_t>());
  const HttpResponse as = x.send("POST", "/api/enterprises/" + e + "/assessments",
                                 Json{{"modules", {"profile", kEnergy}}}.dump(), token, csrf);
  REQUIRE_MESSAGE(as.status == 201, as.body);
  const std::string a = std::to_string(body_of(as)["id"].get<std::int64_t>());
  const std::string base = "/api/assessments/" + a + "/answers/" + kEnergy + "/";
  const HttpResponse some = x.send("PUT", base + "meters", "\"some\"", token, csrf);
  REQUIRE_MESSAGE(some.status == 200, some.body);
  CHECK(body_of(some)["live"][kEnergy]["total"] == 4);
  CHECK(body_of(some)["live"][kEnergy]["level"] == "E1");
  REQUIRE(x.send("PUT", base + "meters", "\"all\"", token, csrf).status == 200);
  const HttpResponse online = x.send("PUT", base + "online", "true", token, csrf);
  REQUIRE_MESSAGE(online.status == 200, online.body);
  CHECK(body_of(online)["live"][kEnergy]["total"] == 15);
  CHECK(body_of(online)["live"][kEnergy]["level"] == "E2");

  // Reported, labelled indicative because its definition says so.
  const HttpResponse report = x.send("GET", "/api/assessments/" + a + "/report?lang=en", "", token);
  REQUIRE_MESSAGE(report.status == 200, report.body.substr(0, 300));
  CHECK(report.body.find("Made-up energy self-check (test fixture)") != std::string::npos);
  CHECK(report.body.find("Mature") != std::string::npos);
  CHECK(report.body.find("indicative self-check, not a certified maturity assessment") != std::string::npos);
  // A language whose catalogue falls back to English gets the English report.
  const HttpResponse fr = x.send("GET", "/api/assessments/" + a + "/report?lang=fr", "", token);
  REQUIRE(fr.status == 200);
  CHECK(fr.body.find("Made-up energy self-check (test fixture)") != std::string::npos);
}

TEST_CASE("a partial third language catalogue is listed and falls back key by key") {
  Extended x;
  const Json langs = body_of(x.send("GET", "/api/languages"));
  REQUIRE(langs["languages"].size() == 3);
  CHECK(langs["languages"][0]["tag"] == "zh-CN");
  CHECK(langs["languages"][1]["tag"] == "en");
  CHECK(langs["languages"][2] ==
        Json{{"tag", "fr"}, {"name", "Français"}, {"switch_to", "Passer au français"}, {"fallback", {"en"}}});

  const Languages l = Languages::load_dir((x.dir.path / "web/i18n").string());
  CHECK(l.chain("fr") == std::vector<std::string>{"fr", "en", "zh-CN"});
  CHECK(l.chain("de") == std::vector<std::string>{"zh-CN"});
  CHECK(l.text_lang("fr") == "en");
  CHECK(l.render("fr", "app_title", {}) == "Évaluation de la maturité numérique");
  CHECK(l.render("fr", "err_no_enterprise", {{"id", "7"}}) == "aucune entreprise 7");
  CHECK(l.render("fr", "err_wrong_login", {}) == "wrong name or password");  // from en
  CHECK(l.render("zh-CN", "err_no_enterprise", {{"id", "7"}}) == "找不到企业 7");

  SUBCASE("an error carries its key and parameters, so every language renders it") {
    const HttpResponse r = x.send("GET", "/api/enterprises");
    CHECK(r.status == 401);
    CHECK(
        body_of(r) ==
        Json{
            {"error",
             {{"status", 401}, {"message", "log in first"}, {"key", "err_log_in_first"}, {"params", Json::object()}}}});
    const HttpResponse login = x.send("POST", "/api/login", Json{{"name", "zhang"}, {"password", kPassword}}.dump());
    const std::string cookie = login.header("Set-Cookie");
    const HttpResponse missing = x.send("GET", "/api/enterprises/99999", "", cookie.substr(15, cookie.find(';') - 15));
    CHECK(missing.status == 404);
    CHECK(body_of(missing)["error"]["key"] == "err_no_enterprise");
    CHECK(body_of(missing)["error"]["params"] == Json{{"id", "99999"}});
  }
}

TEST_CASE("the shipped catalogues are complete and every server message has a Chinese text") {
  const Languages l = Languages::load_dir((kSource / "web/i18n").string());
  REQUIRE(l.list().size() >= 2);
  const Json& zh = l.list()[0].strings;
  for (const auto& lang : l.list()) {
    for (const auto& [key, value] : zh.items()) {
      const std::string what = lang.tag + " lacks " + key;
      CHECK_MESSAGE(lang.strings.contains(key), what);
    }
    for (const auto& [key, value] : lang.strings.items()) {
      const std::string what = "zh-CN lacks " + key;
      CHECK_MESSAGE(zh.contains(key), what);
    }
  }
  // A message's template and its parameters round-trip: the key found for a message rendered in
  // English gives back the same message.
  const std::vector<std::string> messages = {"no enterprise 12",
                                             "no questionnaire \"x\"",
                                             "\"name\" must not be empty",
                                             "log in first",
                                             "the request body is 900 bytes; the limit is 12",
                                             "unknown region code \"999999\""};
  for (const std::string& m : messages) {
    const Languages::Key k = l.key_of(m);
    CHECK_MESSAGE(!k.key.empty(), m);
    CHECK(l.render("en", k.key, k.params) == m);
    CHECK(!l.render("zh-CN", k.key, k.params).empty());
  }
  CHECK(l.key_of("no questionnaire \"x\"").key == "err_no_questionnaire");  // the closest template wins
  CHECK(l.key_of("something nobody wrote").key.empty());
}

TEST_CASE("a definition's text may give any language; a language it lacks falls back") {
  const Json doc = {{"id", "t"},
                    {"version", "1"},
                    {"title", {{"zh-CN", "标题"}, {"en", "Title"}, {"fr", "Titre"}, {"zh-TW", "標題"}}},
                    {"questions", {{{"id", "q"}, {"type", "yesno"}, {"title", "问"}}}}};
  const assess::Questionnaire q = assess::load_questionnaire(doc, "t.json");
  CHECK(q.title.in("fr") == "Titre");
  CHECK(q.title.in("zh-TW") == "標題");
  CHECK(q.title.in("de") == "Title");    // not Chinese: English
  CHECK(q.title.in("zh-HK") == "标题");  // Chinese: zh-CN
  CHECK(q.title.in("en") == "Title");
  Json bad = doc;
  bad["title"]["fr FR"] = "x";
  CHECK_THROWS_WITH_AS(assess::load_questionnaire(bad, "t.json"),
                       "t.json:/title/fr FR: is not a language tag (letters, digits and \"-\", e.g. \"zh-TW\")",
                       assess::Error);
}

TEST_CASE("server-side words come from the catalogues: French where the partial catalogue has them, else English") {
  Extended x;
  const Languages l = Languages::load_dir((x.dir.path / "web/i18n").string());
  const assess::Words fr = l.words("fr");
  CHECK(fr("srv_unanswered") == "sans réponse");                      // fr.json has it
  CHECK(fr("srv_explain_level", {{"name", "E1"}}) == "Niveau : E1");  // with its parameter
  CHECK(fr("srv_met") == "met");                                      // fr.json lacks it: @fallback en
  CHECK(fr("srv_amount_up_to", {{"amount", "20万"}}) == "up to 20万");
  CHECK(l.words("de")("srv_met") == "达到");  // no catalogue: zh-CN
  CHECK(l.words("en")("srv_unanswered") == "unanswered");
  CHECK(fr("srv_nobody_wrote_this") == "srv_nobody_wrote_this");  // a missing key shows as itself

  // In a report: an improvement that starts from an unanswered question (meters "some" gives E1 with
  // 4 points; E2 needs 15: meters "all" +6 and online, unanswered, "yes" +5).
  const Extended::Opened opened = x.open_assessment(kEnergy);
  const std::string& token = opened.token;
  const std::string& csrf = opened.csrf;
  const std::string& a = opened.assessment;
  REQUIRE(x.send("PUT", "/api/assessments/" + a + "/answers/" + kEnergy + "/meters", "\"some\"", token, csrf).status ==
          200);
  const auto report = [&](const std::string& lang) {
    const HttpResponse r = x.send("GET", "/api/assessments/" + a + "/report?lang=" + lang, "", token);
    REQUIRE(r.status == 200);
    return r.body;
  };
  const std::string in_fr = report("fr");
  CHECK(in_fr.find("<td>sans réponse</td>") != std::string::npos);
  CHECK(in_fr.find("<td>unanswered</td>") == std::string::npos);
  CHECK(in_fr.find("Are the readings collected online?") != std::string::npos);  // the definition: no fr text
  CHECK(report("en").find("<td>unanswered</td>") != std::string::npos);
  CHECK(report("zh-CN").find("<td>未作答</td>") != std::string::npos);
}

TEST_CASE("a sentence composed in code is worded key by key: French where the catalogue has it, else English") {
  Extended x;
  const Languages l = Languages::load_dir((x.dir.path / "web/i18n").string());
  const assess::Words fr = l.words("fr");
  const std::string lang = l.text_lang("fr");  // the definitions' texts: fr falls back to en
  CHECK(lang == "en");
  // The dashboard of an empty region: every figure is there, withheld.
  const assess::DashboardLadders ladders = assess::load_catalogue_dir((kSource / "policies").string()).dashboard;
  const Json d = assess::dashboard_to_json(assess::dashboard({}, ladders, {}, "320205"), lang, fr);
  const auto figure = [&](const std::string& id) {
    for (const auto& f : d["figures"]) {
      if (f["id"] == id) return f;
    }
    FAIL("no figure " << id);
    return Json();
  };
  // fr.json gives the title and the first tier's name.
  CHECK(figure("sf_tier_share/SF1")["title"] == "part des entreprises au-dessus du seuil au niveau de base ou plus");
  // The title is French; the tier's name, which fr.json lacks, is English.
  CHECK(figure("sf_tier_share/SF2")["title"] == "part des entreprises au-dessus du seuil au niveau advanced ou plus");
  // The top tier's title ("srv_dash_sf_share_top") is not in fr.json: English throughout.
  CHECK(figure("sf_tier_share/SF4")["title"] == "share of above-size firms at the leading smart-factory tier");
  CHECK(figure("sf_tier_share/SF1")["reason"] == "fewer than 5 enterprises in this aggregate (0); value withheld");
  CHECK(assess::Phrase{"srv_rank_first", {{"score", "12"}}}.in(lang, fr) == "1er : score le plus élevé (12)");
  // A language without a catalogue reads zh-CN.
  const Json de =
      assess::dashboard_to_json(assess::dashboard({}, ladders, {}, "320205"), l.text_lang("de"), l.words("de"));
  CHECK(de["figures"][0]["title"] == "规上工业企业中基础级及以上智能工厂占比");
}

TEST_CASE("every server word the code asks for is in the shipped catalogues") {
  // The "srv_*" keys written in scoring/, formats/ and assess/ sources; a key missing from the
  // catalogues would show as itself (text.h).
  const Languages l = Languages::load_dir((kSource / "web/i18n").string());
  const Json& zh = l.list()[0].strings;
  std::size_t keys = 0;
  for (const char* dir : {"scoring/src", "formats/src", "assess"}) {
    for (const auto& entry : std::filesystem::directory_iterator(kSource / dir)) {
      if (entry.path().extension() != ".cpp") continue;
      std::ifstream in(entry.path());
      std::stringstream text;
      text << in.rdbuf();
      const std::string s = text.str();
      for (std::size_t at = s.find("\"srv_"); at != std::string::npos; at = s.find("\"srv_", at + 1)) {
        const std::size_t end = s.find('"', at + 1);
        const std::string key = s.substr(at + 1, end - at - 1);
        if (key.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos) continue;  // not a key
        if (key == "srv_") continue;                                                              // the prefix
        ++keys;
        const std::string what = entry.path().filename().string() + " asks for " + key;
        if (key.back() == '_') {
          // A key completed in code ("srv_dash_level_" + "<module>.<level>", "srv_cli_flag_" + a flag id): the
          // catalogue must hold keys that begin with it.
          bool some = false;
          for (const auto& item : zh.items()) some = some || item.key().rfind(key, 0) == 0;
          CHECK_MESSAGE(some, (what + "…"));
          continue;
        }
        CHECK_MESSAGE(zh.contains(key), what);
      }
    }
  }
  CHECK(keys >= 40);
}

TEST_CASE("a fifth questionnaire added as files flows into the bureau's template, import and records") {
  Extended x;
  x.store->add_user("wang", kPassword, "bureau");
  const HttpResponse login = x.send("POST", "/api/login", Json{{"name", "wang"}, {"password", kPassword}}.dump());
  REQUIRE_MESSAGE(login.status == 200, login.body);
  const std::string cookie = login.header("Set-Cookie");
  const std::string token = cookie.substr(15, cookie.find(';') - 15);
  const std::string csrf = body_of(login)["csrf"].get<std::string>();

  // The template has its level and total after the shipped modules (order 5), with the example its
  // definition gives ("example": {"level": "E2", "total": 15}).
  const HttpResponse t = x.send("GET", "/api/bureau/template?format=csv", "", token);
  REQUIRE(t.status == 200);
  const std::string header = t.body.substr(0, t.body.find('\n'));
  const std::size_t level = header.find("虚构的能源管理自评（测试用）·等级");
  REQUIRE(level != std::string::npos);
  CHECK(header.find("虚构的能源管理自评（测试用）·得分") > level);
  CHECK(header.find("智能制造能力成熟度") < level);
  CHECK(t.body.find(",E2,15,") != std::string::npos);

  // A file with its column imports; the record keeps the level.
  const std::string csv =
      "统一社会信用代码,企业名称,生产经营所在地（区县）,虚构的能源管理自评（测试用）·等级\n"
      "91320205MA1Y8KQ38L,锡泰,无锡市锡山区,E2\n";
  const HttpResponse imported = x.send("POST", "/api/bureau/import?name=energy.csv", csv, token, csrf);
  REQUIRE_MESSAGE(imported.status == 200, imported.body);
  CHECK(body_of(imported)["issues"].empty());
  CHECK(body_of(imported)["added"] == 1);
  const Json record = body_of(x.send("GET", "/api/bureau/records/91320205MA1Y8KQ38L", "", token));
  REQUIRE(record["rounds"].size() == 1);
  CHECK(record["rounds"][0]["facts"]["results"][kEnergy]["level"] == "E2");
  // A level it does not have is refused, naming the column.
  const HttpResponse bad =
      x.send("POST", "/api/bureau/import?name=bad.csv",
             "uscc,name," + std::string(kEnergy) + ".level\n91320205MA1Y8KQ38L,锡泰,E9\n", token, csrf);
  REQUIRE(bad.status == 200);
  REQUIRE(body_of(bad)["issues"].size() == 1);
  CHECK(body_of(bad)["issues"][0]["column"] == std::string(kEnergy) + ".level");
}

TEST_CASE("a made-up questionnaire named as the dashboard's ladders: the server's figures and drill-down read it") {
  // tests/data/dashboard-ladders/made-up/dashboard.json: made-up-energy as both ladders, innovative →
  // E1 and provincial_zjtx → E2. Seven 规上 firms of 锡山 (revenue 36000万 ≥ 2000万), imported:
  //   r1 innovative E1, r2 provincial_zjtx E2, r3 little_giant E2, r4 innovative (not assessed),
  //   r5 none E1, r6 innovative E2, r7 provincial_zjtx E1.
  // innovative/E1, higher classes included: members r1 r2 r3 r4 r6 r7 = 6, assessed 5 (r4 not), all
  // 5 at E1 or higher → 100 %; by level E1 2 (r1 r7), E2 3 (r2 r3 r6), below_E1 0, not assessed 1.
  // provincial_zjtx/E2: members r2 r3 r7 = 3 < 5, withheld.
  Extended x(kSource / "tests/data/dashboard-ladders/made-up/dashboard.json");
  x.store->add_user("wang", kPassword, "bureau");
  const HttpResponse login = x.send("POST", "/api/login", Json{{"name", "wang"}, {"password", kPassword}}.dump());
  REQUIRE_MESSAGE(login.status == 200, login.body);
  const std::string cookie = login.header("Set-Cookie");
  const std::string token = cookie.substr(15, cookie.find(';') - 15);
  const std::string csrf = body_of(login)["csrf"].get<std::string>();
  std::string csv =
      "uscc,name,region,employees,revenue_last_year,sme_quality_tier," + std::string(kEnergy) + ".level\n";
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"innovative", "E1"}, {"provincial_zjtx", "E2"}, {"little_giant", "E2"},   {"innovative", ""},
      {"none", "E1"},       {"innovative", "E2"},      {"provincial_zjtx", "E1"}};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::string first17 = "91320205MA1Y8KQ3" + std::to_string(i + 1);
    csv += first17 + assess::uscc_check_character(first17) + ",r" + std::to_string(i + 1) + ",320205,560,36000," +
           rows[i].first + "," + rows[i].second + "\n";
  }
  const HttpResponse imported = x.send("POST", "/api/bureau/import?name=ladders.csv", csv, token, csrf);
  REQUIRE_MESSAGE(imported.status == 200, imported.body);
  REQUIRE_MESSAGE(body_of(imported)["issues"].empty(), imported.body);
  const HttpResponse r = x.send("GET", "/api/bureau/dashboard?region=320205&lang=en", "", token);
  REQUIRE_MESSAGE(r.status == 200, r.body);
  const Json d = body_of(r);
  CHECK(d["above_size"] == 7);
  std::map<std::string, Json> figures;
  for (const auto& f : d["figures"]) figures[f["id"].get<std::string>()] = f;
  REQUIRE(figures.count("sme_level_by_class/innovative/E1"));
  const Json& inn = figures["sme_level_by_class/innovative/E1"];
  CHECK(inn["denominator"] == 5);
  CHECK(inn["unknown"] == 1);
  CHECK(inn["value"] == 100);
  CHECK(inn["breakdown"] == Json{{"below_E1", 0}, {"E1", 2}, {"E2", 3}, {"not_assessed", 1}});
  CHECK(inn["formula"] ==
        "innovative SMEs (higher rungs included) whose made-up-energy level is E1 or higher ÷ those assessed");
  REQUIRE(figures.count("sme_level_by_class/provincial_zjtx/E2"));
  CHECK(figures["sme_level_by_class/provincial_zjtx/E2"]["suppressed"] == true);
  CHECK(figures.count("sf_tier_share/E1") == 1);
  CHECK(figures.count("sf_tier_share/E2") == 1);
  // The rung is worded by made-up-energy's own level name (E2: "Mature"): no catalogue has a key for it.
  CHECK(figures["sf_tier_share/E2"]["title"] == "share of above-size firms at the Mature smart-factory tier");
  CHECK(figures.count("sf_tier_share/SF1") == 0);
  CHECK(figures.count("sme_level_by_class/innovative/L1") == 0);
  // The drill-down counts each enterprise alone: five in the numerator, r4 left out unassessed, r5
  // (no SME class) outside the figure.
  const HttpResponse drill =
      x.send("GET", "/api/bureau/dashboard/drill?region=320205&figure=sme_level_by_class/innovative/E1", "", token);
  REQUIRE_MESSAGE(drill.status == 200, drill.body);
  const Json drilled = body_of(drill);
  std::map<std::string, std::string> parts;
  for (const auto& e : drilled["enterprises"]) parts[e["name"].get<std::string>()] = e["part"].get<std::string>();
  CHECK(parts == std::map<std::string, std::string>{{"r1", "numerator"},
                                                    {"r2", "numerator"},
                                                    {"r3", "numerator"},
                                                    {"r4", "unknown"},
                                                    {"r6", "numerator"},
                                                    {"r7", "numerator"}});
}

TEST_CASE("a bureau file headed and worded in a third language imports; its problems are worded in every language") {
  Extended x;
  x.store->add_user("wang", kPassword, "bureau");
  const HttpResponse login = x.send("POST", "/api/login", Json{{"name", "wang"}, {"password", kPassword}}.dump());
  REQUIRE_MESSAGE(login.status == 200, login.body);
  const std::string cookie = login.header("Set-Cookie");
  const std::string token = cookie.substr(15, cookie.find(';') - 15);
  const std::string csrf = body_of(login)["csrf"].get<std::string>();
  // fr.json gives "Données au" (srv_import_col_as_of) and "oui" / "non" (srv_option_yes / _no); the
  // rest of the header is ids. Row 2's employees are not a number; row 3 is good.
  const std::string csv =
      "uscc,name,digital_rd_tools,employees,Données au\n"
      "91320205MA1Y8KQ38L,锡泰,oui,beaucoup,2025-12-31\n"
      "91110000600037341L,乙,non,12,2025-06-30\n";
  const HttpResponse r = x.send("POST", "/api/bureau/import?name=fr.csv&lang=fr", csv, token, csrf);
  REQUIRE_MESSAGE(r.status == 200, r.body);
  const Json body = body_of(r);
  CHECK(body["added"] == 1);
  REQUIRE(body["issues"].size() == 1);
  const Json& issue = body["issues"][0];
  CHECK(issue["row"] == 2);
  CHECK(issue["column"] == "employees");
  CHECK(issue["key"] == "not_number");
  // fr.json's "« {value} » n'est pas un nombre"; en.json's and zh-CN.json's for the other two.
  CHECK(issue["reason"] == "« beaucoup » n'est pas un nombre");
  CHECK(issue["messages"] == Json{{"zh-CN", "“beaucoup”不是数字"},
                                  {"en", "\"beaucoup\" is not a number"},
                                  {"fr", "« beaucoup » n'est pas un nombre"}});
  // The column's title: the definition has no French text, so English (fr falls back to en).
  CHECK(issue["column_title"] == "Persons employed at the end of last year");
  const Json record = body_of(x.send("GET", "/api/bureau/records/91110000600037341L", "", token));
  REQUIRE(record["rounds"].size() == 1);
  CHECK(record["rounds"][0]["facts"]["profile"]["digital_rd_tools"] == false);
  CHECK(record["rounds"][0]["as_of"] == "2025-06-30");
}

TEST_CASE("built-in names — yes/no and no level — are catalogue words, so a third language names them") {
  Extended x;
  const Languages l = Languages::load_dir((x.dir.path / "web/i18n").string());
  // A definition without "below": no level reached is named by "srv_level_below".
  const assess::Questionnaire q = assess::load_questionnaire(Json::parse(R"({"id": "t", "version": "1", "title": "T",
        "questions": [{"id": "q", "type": "yesno", "title": "Q", "points": {"yes": 1}}],
        "levels": {"items": [{"id": "L1", "name": "一级", "requires": [{"id": "r", "score": "t", ">=": 1}]}]}})"),
                                                             "t.json");
  CHECK(q.below_levels.zh.empty());
  const assess::AnswerSet answers = assess::testing::answers_for(q, Json{{"q", false}});  // "no"
  const assess::ScoreResult scored = assess::score(q, answers);
  REQUIRE(scored.levels.level == -1);
  const auto named = [&](const std::string& tag) {
    const Json doc = assess::explain_score(q, answers, scored, l.text_lang(tag), l.words(tag));
    return std::pair<std::string, std::string>{doc["level"]["name"], doc["questions"][0]["chosen"][0]["label"]};
  };
  CHECK(named("zh-CN") == std::pair<std::string, std::string>{"未达级", "否"});
  CHECK(named("en") == std::pair<std::string, std::string>{"no level", "No"});
  CHECK(named("fr") == std::pair<std::string, std::string>{"aucun niveau", "non"});  // fr.json has both
  CHECK(q.questions[0].options[1].label_in("fr", l.words("fr")) == "oui");
  // A definition's own "below" wins.
  const assess::Questionnaire named_below =
      assess::load_questionnaire(Json::parse(R"({"id": "t", "version": "1", "title": "T",
        "questions": [{"id": "q", "type": "yesno", "title": "Q"}],
        "levels": {"below": {"zh-CN": "起步前", "en": "not started"},
                   "items": [{"id": "L1", "name": "一级", "requires": [{"id": "r", "score": "t", ">=": 1}]}]}})"),
                                 "t.json");
  CHECK(named_below.below_name("en", l.words("fr")) == "not started");
}

TEST_CASE("the score view is kept per catalogue language: French and English read the definitions alike") {
  Extended x;
  const Extended::Opened opened = x.open_assessment(kEnergy);
  const std::string& token = opened.token;
  const std::string& csrf = opened.csrf;
  const std::string& a = opened.assessment;
  // "online" no (0 points) and meters unanswered: 0, below E1 (needs 4); the definition has no "below".
  REQUIRE(x.send("PUT", "/api/assessments/" + a + "/answers/" + kEnergy + "/online", "false", token, csrf).status ==
          200);
  const auto named = [&](const std::string& lang) {
    const HttpResponse r = x.send("GET", "/api/assessments/" + a + "/score?lang=" + lang, "", token);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    const Json m = body_of(r)["modules"][kEnergy];
    std::string label;
    for (const auto& question : m["questions"]) {
      if (question["id"] == "online") label = question["chosen"][0]["label"].get<std::string>();
    }
    return std::pair<std::string, std::string>{m["level"]["name"], label};
  };
  CHECK(named("fr") == std::pair<std::string, std::string>{"aucun niveau", "non"});
  CHECK(named("en") == std::pair<std::string, std::string>{"no level", "No"});
  CHECK(named("fr") == std::pair<std::string, std::string>{"aucun niveau", "non"});
  CHECK(named("zh-CN") == std::pair<std::string, std::string>{"未达级", "否"});

  // The report reuses the explanations kept for the score view, of one catalogue at a time: a report
  // read after reads in other languages is the one read first, word for word.
  const auto report = [&](const std::string& lang) {
    const HttpResponse r = x.send("GET", "/api/assessments/" + a + "/report?lang=" + lang, "", token);
    REQUIRE(r.status == 200);
    return r.body;
  };
  const std::string zh = report("zh-CN");
  const std::string en = report("en");
  // The section's title (made-up-energy's "metering": 计量 / Metering) in the report's language only.
  CHECK(zh.find("计量") != std::string::npos);
  CHECK(zh.find("Metering") == std::string::npos);
  CHECK(en.find("Metering") != std::string::npos);
  CHECK(en.find("计量") == std::string::npos);
  CHECK(report("fr") != zh);
  CHECK(report("zh-CN") == zh);
  CHECK(named("en") == std::pair<std::string, std::string>{"no level", "No"});
  CHECK(report("en") == en);
  CHECK(report("zh-CN") == zh);
}

// --- issue 12 item 4: a third language is a catalogue ---------------------------------------------

namespace {

// Logs a bureau user in.
struct BureauLogin {
  std::string token;
  std::string csrf;
};
BureauLogin bureau_login(const Extended& x) {
  x.store->add_user("wang", kPassword, "bureau");
  const HttpResponse login = x.send("POST", "/api/login", Json{{"name", "wang"}, {"password", kPassword}}.dump());
  REQUIRE_MESSAGE(login.status == 200, login.body);
  const std::string cookie = login.header("Set-Cookie");
  return {cookie.substr(15, cookie.find(';') - 15), body_of(login)["csrf"].get<std::string>()};
}

}  // namespace

TEST_CASE("an import problem lists a question's options in every catalogue language") {
  Extended x;
  const BureauLogin login = bureau_login(x);
  const std::string& token = login.token;
  const std::string& csrf = login.csrf;
  // green_factory_level (profile.json): none 尚未认定 / None, municipal 市级绿色工厂 / Municipal green
  // factory, provincial 省级绿色工厂 / Provincial green factory, national 国家级绿色工厂 / National green
  // factory. The Chinese label is read as its option on row 3.
  const std::string csv =
      "uscc,name,green_factory_level\n"
      "91320205MA1Y8KQ38L,甲,区级绿色工厂\n"
      "91110000600037341L,乙,省级绿色工厂\n";
  const HttpResponse r = x.send("POST", "/api/bureau/import?name=o.csv&lang=fr", csv, token, csrf);
  REQUIRE_MESSAGE(r.status == 200, r.body);
  const Json body = body_of(r);
  CHECK(body["added"] == 1);
  REQUIRE(body["issues"].size() == 1);
  const Json& issue = body["issues"][0];
  CHECK(issue["key"] == "not_option");
  CHECK(issue["params"] ==
        Json{{"value", "区级绿色工厂"}, {"options", {"none", "municipal", "provincial", "national"}}});
  // zh-CN.json: "“{value}”不是可选项；可选：{options}", options "{label}（{id}）" joined by "、";
  // en.json: "\"{value}\" is not one of the options: {options}", "{label} ({id})" joined by ", ";
  // fr.json: "« {value} » ne fait pas partie des options : {options}", the rest from en.json (its
  // fallback), the labels as French reads the definitions: in English.
  const Json expected = {
      {"zh-CN",
       "“区级绿色工厂”不是可选项；可选：尚未认定（none）、市级绿色工厂（municipal）、省级绿色工厂（provincial）、"
       "国家级绿色工厂（national）"},
      {"en",
       "\"区级绿色工厂\" is not one of the options: None (none), Municipal green factory (municipal), "
       "Provincial green factory (provincial), National green factory (national)"},
      {"fr",
       "« 区级绿色工厂 » ne fait pas partie des options : None (none), Municipal green factory (municipal), "
       "Provincial green factory (provincial), National green factory (national)"}};
  CHECK(issue["messages"] == expected);
  CHECK(issue["reason"] == expected["fr"]);
  const HttpResponse zh = x.send("POST", "/api/bureau/import?name=o.csv&lang=zh-CN", csv, token, csrf);
  REQUIRE(zh.status == 200);
  CHECK(body_of(zh)["issues"][0]["reason"] == expected["zh-CN"]);
}

TEST_CASE("a bureau file refused as a whole is refused in the request's language") {
  Extended x;
  const BureauLogin login = bureau_login(x);
  const std::string& token = login.token;
  const std::string& csrf = login.csrf;
  const auto refusal = [&](const std::string& lang) {
    const HttpResponse r = x.send("POST", "/api/bureau/import?name=x.csv&lang=" + lang,
                                  "uscc,turnover\n91320205MA1Y8KQ38L,1\n", token, csrf);
    CHECK(r.status == 400);
    return body_of(r)["error"]["message"].get<std::string>();
  };
  // srv_import_unknown_column of zh-CN.json, en.json and the fixture's fr.json.
  CHECK(refusal("zh-CN") == "未知的列“turnover”（列名为企业概况问题的编号或标题；见 assess import --template）");
  CHECK(refusal("en") ==
        "unknown column \"turnover\" (columns are profile question ids or titles; see assess import --template)");
  CHECK(refusal("fr") ==
        "colonne inconnue « turnover » (les colonnes sont les identifiants ou les titres des questions "
        "du profil ; voir assess import --template)");
  // A refusal fr.json lacks reads in English, its fallback: srv_import_column_twice.
  const HttpResponse twice =
      x.send("POST", "/api/bureau/import?name=x.csv&lang=fr", "uscc,name,企业名称\n", token, csrf);
  CHECK(twice.status == 400);
  CHECK(body_of(twice)["error"]["message"] == "the column \"name\" is given twice");
}

TEST_CASE("the live summary of a save names the level in every catalogue language") {
  Extended x;
  const Extended::Opened opened = x.open_assessment(kEnergy);
  const std::string answers = "/api/assessments/" + opened.assessment + "/answers/" + std::string(kEnergy) + "/";
  // "online" no: 0 points, below E1 (needs 4); the definition has no "below", so each catalogue names
  // it: srv_level_below of zh-CN.json "未达级", en.json "no level", fr.json "aucun niveau".
  HttpResponse r = x.send("PUT", answers + "online", "false", opened.token, opened.csrf);
  REQUIRE_MESSAGE(r.status == 200, r.body);
  Json live = body_of(r)["live"][kEnergy];
  CHECK(live["level"].is_null());
  CHECK(live["level_names"] == Json{{"zh-CN", "未达级"}, {"en", "no level"}, {"fr", "aucun niveau"}});
  CHECK_FALSE(live.contains("level_name_en"));
  // "meters" all (10) and "online" yes (5): 15, level E2 "成熟" / "Mature"; French reads the definitions
  // as English does (its fallback), as its score view does.
  REQUIRE(x.send("PUT", answers + "meters", "\"all\"", opened.token, opened.csrf).status == 200);
  r = x.send("PUT", answers + "online", "true", opened.token, opened.csrf);
  REQUIRE_MESSAGE(r.status == 200, r.body);
  live = body_of(r)["live"][kEnergy];
  CHECK(live["level"] == "E2");
  CHECK(live["level_names"] == Json{{"zh-CN", "成熟"}, {"en", "Mature"}, {"fr", "Mature"}});
  // The score view's summary says the same.
  const HttpResponse score =
      x.send("GET", "/api/assessments/" + opened.assessment + "/score?lang=fr", "", opened.token);
  REQUIRE(score.status == 200);
  CHECK(body_of(score)["live"][kEnergy]["level_names"] == live["level_names"]);
  CHECK(body_of(score)["modules"][kEnergy]["level"]["name"] == "Mature");
}

TEST_CASE("the ranking criteria are listed with their titles in every language they give") {
  Extended x;
  const BureauLogin login = bureau_login(x);
  const std::string& token = login.token;
  const Json list = body_of(x.send("GET", "/api/bureau/criteria", "", token));
  REQUIRE(list.is_array());
  bool found = false;
  for (const auto& c : list) {
    CHECK_FALSE(c.contains("title_en"));
    if (c["id"] != "sme-digital-pilot-l2") continue;
    found = true;
    // policies/criteria/sme-digital-pilot-l2.json's title.
    CHECK(c["titles"] ==
          Json{{"zh-CN", "中小企业数字化转型试点：试点可带动达到二级的企业（尚未达到二级、差距最小者优先）"},
               {"en",
                "SME digital-transformation pilot: firms the pilot can lift to level 2 (below level 2, smallest "
                "gap first)"}});
  }
  CHECK(found);
}
