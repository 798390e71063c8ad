// Sync (issue 16, item 3) through the App handler over a real store (SQLite, or the PostgreSQL of
// ASSESS_TEST_DATABASE): machine tokens, pushed batches written by hand (the expected state is worked
// out from the rules in docs/api.md, not read from the program), conflicts and their resolution,
// idempotence, and hostile batches. tests/server/sync_test.py runs the real client between processes.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "api.h"
#include "store_support.h"

namespace {

using assess::App;
using assess::HttpRequest;
using assess::HttpResponse;
using assess::Json;
using assess::Store;

constexpr std::int64_t kNow = 1'790'000'000;  // 2026-09-21T14:13:20Z
constexpr const char* kPassword = "correct horse battery";
constexpr const char* kSme = "sme-digital-2024";
constexpr const char* kUscc = "91320205MA1Y8KQ38L";

struct SyncFixture {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("assess-sync-test-" + assess::random_token(6));
  std::unique_ptr<Store> store = assess::testing::open_test_store();
  std::unique_ptr<App> app;
  std::string cookie, csrf;

  SyncFixture() {
    std::filesystem::create_directories(dir / "web");
    assess::AppConfig config;
    config.data_dir = (dir / "data").string();
    config.web_dir = (dir / "web").string();
    config.questionnaires_dir = ASSESS_SOURCE_DIR "/questionnaires";
    config.policies_dir = ASSESS_SOURCE_DIR "/policies";
    config.templates_dir = ASSESS_SOURCE_DIR "/templates";
    app = std::make_unique<App>(config, *store);
    store->add_user("zhang", kPassword, "consultant");
    const HttpResponse r = send("POST", "/api/login", Json{{"name", "zhang"}, {"password", kPassword}}.dump());
    REQUIRE(r.status == 200);
    cookie = r.header("Set-Cookie").substr(0, r.header("Set-Cookie").find(';'));
    csrf = Json::parse(r.body)["csrf"];
  }
  ~SyncFixture() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  HttpResponse send(const std::string& method, const std::string& target, const std::string& body = "",
                    const std::string& bearer = "", const std::string& type = "application/json") {
    HttpRequest r;
    r.method = method;
    r.target = target;
    r.body = body;
    if (!body.empty()) r.headers["content-type"] = type;
    if (!bearer.empty()) {
      r.headers["authorization"] = "Bearer " + bearer;
    } else if (!cookie.empty()) {
      r.headers["cookie"] = cookie;
      r.headers["x-csrf-token"] = csrf;
    }
    return app->handle(r, kNow);
  }
  std::string token() {
    const HttpResponse r = send("POST", "/api/machine-tokens", Json{{"name", "laptop"}}.dump());
    REQUIRE(r.status == 201);
    return Json::parse(r.body)["token"];
  }
};

// A laptop's first batch: one enterprise, one assessment, two answers saved one after the other.
Json first_batch() {
  return Json::parse(std::string(R"({"node": "lap1",
    "enterprises": [{"uscc": ")") +
                     kUscc + R"(", "name": "苏州精密机械", "region": "320205"}],
    "assessments": [{"id": "lap1.7", "uscc": ")" +
                     kUscc + R"(", "modules": ["sme-digital-2024"], "date": "2026-11-02"}],
    "audit": [
      {"id": "lap1.1", "assessment": "lap1.7", "module": "sme-digital-2024", "question": "raw_equipment_total",
       "old": null, "new": 280, "at": "2026-11-02T09:00:00Z", "by": "li"},
      {"id": "lap1.2", "assessment": "lap1.7", "module": "sme-digital-2024", "question": "raw_equipment_total",
       "old": 280, "new": 300, "at": "2026-11-02T09:05:00Z", "by": "li"}]})");
}

Json row(const std::string& id, const std::string& question, const Json& old, const Json& value) {
  return {{"id", id},     {"assessment", "lap1.7"},       {"module", kSme}, {"question", question}, {"old", old},
          {"new", value}, {"at", "2026-11-03T10:00:00Z"}, {"by", "li"}};
}

}  // namespace

TEST_CASE("a machine token is kept as its hash, opens only the sync routes, and is revocable") {
  SyncFixture f;
  const std::string token = f.token();
  CHECK(token.size() == 64);
  CHECK(assess::testing::query_text(*f.store, "SELECT token_hash FROM machine_tokens") == assess::sha256_hex(token));
  CHECK(f.send("GET", "/api/sync/conflicts", "", token).status == 200);
  const HttpResponse other = f.send("GET", "/api/enterprises", "", token);
  CHECK(other.status == 401);
  CHECK(Json::parse(other.body)["error"]["message"] ==
        "a machine token opens only the sync routes (/api/sync/…); log in for the rest");
  const Json list = Json::parse(f.send("GET", "/api/machine-tokens").body);
  REQUIRE(list.size() == 1);
  CHECK(list[0]["name"] == "laptop");
  CHECK_FALSE(list[0].contains("token"));
  CHECK(f.send("DELETE", "/api/machine-tokens/" + std::to_string(list[0]["id"].get<int>())).status == 200);
  CHECK(f.send("GET", "/api/sync/conflicts", "", token).status == 401);
  CHECK(f.send("DELETE", "/api/machine-tokens/" + std::to_string(list[0]["id"].get<int>())).status == 404);
}

TEST_CASE("a pushed batch is applied once; a change on both sides is a conflict a person resolves") {
  SyncFixture f;
  const std::string token = f.token();
  HttpResponse r = f.send("POST", "/api/sync/push", first_batch().dump(), token);
  REQUIRE_MESSAGE(r.status == 200, r.body);
  CHECK(Json::parse(r.body) == Json::parse(R"({"enterprises": 1, "assessments": 1, "changes": 2, "evidence": 0,
                                               "conflicts": 0, "missing": []})"));
  const auto e = f.store->enterprise_by_uscc(kUscc);
  REQUIRE(e);
  const auto assessments = f.store->assessments_of(e->id);
  REQUIRE(assessments.size() == 1);
  const std::int64_t a = assessments[0].id;
  CHECK(f.store->answers(a) == Json::parse(R"({"sme-digital-2024": {"raw_equipment_total": 300}})"));

  SUBCASE("the same batch again changes nothing") {
    r = f.send("POST", "/api/sync/push", first_batch().dump(), token);
    CHECK(Json::parse(r.body) == Json::parse(R"({"enterprises": 0, "assessments": 0, "changes": 0, "evidence": 0,
                                                 "conflicts": 0, "missing": []})"));
    CHECK(f.store->audit(a, 100).size() == 2);
  }

  SUBCASE("both sides changed one answer: the server's value stays, both are listed and audited") {
    // Here: 300 -> 320 by zhang. The laptop, offline: 300 -> 350, then 350 -> 360; and another
    // question only there.
    REQUIRE(
        f.send("PUT", "/api/assessments/" + std::to_string(a) + "/answers/sme-digital-2024/raw_equipment_total", "320")
            .status == 200);
    Json batch = {{"node", "lap1"},
                  {"audit",
                   {row("lap1.3", "raw_equipment_total", 300, 350), row("lap1.4", "raw_equipment_total", 350, 360),
                    row("lap1.5", "raw_equipment_digitised", nullptr, 100)}}};
    r = f.send("POST", "/api/sync/push", batch.dump(), token);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    CHECK(Json::parse(r.body)["conflicts"] == 1);
    CHECK(f.store->answers(a) ==
          Json::parse(R"({"sme-digital-2024": {"raw_equipment_total": 320, "raw_equipment_digitised": 100}})"));
    Json conflicts = Json::parse(f.send("GET", "/api/sync/conflicts").body);
    REQUIRE(conflicts.size() == 1);
    CHECK(conflicts[0]["question"] == "raw_equipment_total");
    CHECK(conflicts[0]["server"] == Json{{"value", 320}, {"at", "2026-09-21T14:13:20Z"}, {"by", "zhang"}});
    CHECK(conflicts[0]["incoming"] == Json{{"value", 360}, {"at", "2026-11-03T10:00:00Z"}, {"by", "li"}});
    std::vector<Json> news;
    for (const auto& x : f.store->audit(a, 100)) {
      if (x["question"] == "raw_equipment_total") news.push_back(x["new"]);
    }
    // Newest first: both laptop rows after zhang's save, then the first two.
    CHECK(news == std::vector<Json>{360, 350, 320, 300, 280});

    SUBCASE("keep the incoming value") {
      const std::string id = std::to_string(conflicts[0]["id"].get<int>());
      r = f.send("POST", "/api/sync/conflicts/" + id + "/resolve", Json{{"keep", "incoming"}}.dump());
      REQUIRE_MESSAGE(r.status == 200, r.body);
      CHECK(f.store->answer(a, kSme, "raw_equipment_total") == 360);
      const Json latest = f.store->audit(a, 1)[0];
      CHECK(latest["old"] == 320);
      CHECK(latest["new"] == 360);
      CHECK(latest["user"] == "zhang");
      CHECK(Json::parse(f.send("GET", "/api/sync/conflicts").body) == Json::array());
      const Json all = Json::parse(f.send("GET", "/api/sync/conflicts?state=all").body);
      REQUIRE(all.size() == 1);
      CHECK(all[0]["resolution"] == "incoming");
      CHECK(all[0]["resolved_by"] == "zhang");
      CHECK(f.send("POST", "/api/sync/conflicts/" + id + "/resolve", Json{{"keep", "server"}}.dump()).status == 409);
    }
    SUBCASE("keep the server's value") {
      const std::string id = std::to_string(conflicts[0]["id"].get<int>());
      REQUIRE(f.send("POST", "/api/sync/conflicts/" + id + "/resolve", Json{{"keep", "server"}}.dump()).status == 200);
      CHECK(f.store->answer(a, kSme, "raw_equipment_total") == 320);
      CHECK(f.store->audit(a, 1)[0]["new"] == 320);
    }
  }

  SUBCASE("the pull gives the rows after a cursor with the current values, and nothing after the last") {
    r = f.send("POST", "/api/sync/pull", Json{{"limit", 3}}.dump(), token);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    Json page = Json::parse(r.body);
    // 1 enterprise + 1 assessment + 1 of the 2 rows fill the first page of 3.
    CHECK(page["changes"]["enterprises"].size() == 1);
    CHECK(page["changes"]["assessments"].size() == 1);
    CHECK(page["changes"]["audit"].size() == 1);
    CHECK(page["changes"]["current"] ==
          Json::parse(R"([{"assessment": "lap1.7", "module": "sme-digital-2024", "question": "raw_equipment_total",
                           "value": 300}])"));
    r = f.send("POST", "/api/sync/pull", Json{{"cursor", page["next"]}, {"limit", 3}}.dump(), token);
    page = Json::parse(r.body);
    CHECK(page["changes"]["audit"].size() == 1);
    CHECK(page["changes"]["audit"][0]["id"] == "lap1.2");
    r = f.send("POST", "/api/sync/pull", Json{{"cursor", page["next"]}, {"limit", 3}}.dump(), token);
    page = Json::parse(r.body);
    CHECK(page["changes"]["audit"].empty());
    CHECK(page["changes"]["enterprises"].empty());
  }
}

TEST_CASE("a hostile sync batch gets a 400 naming the place, and nothing is applied") {
  SyncFixture f;
  const std::string token = f.token();
  auto error_of = [&](const Json& batch) {
    const HttpResponse r = f.send("POST", "/api/sync/push", batch.dump(), token);
    const Json body = Json::parse(r.body);
    return std::make_pair(r.status, body["error"].value("pointer", std::string()));
  };
  Json b = first_batch();
  b["audit"][1]["new"] = "many";
  CHECK(error_of(b) == std::make_pair(400, std::string("/audit/1/new")));
  b = first_batch();
  b["audit"][0]["question"] = "no_such_question";
  CHECK(error_of(b) == std::make_pair(400, std::string("/audit/0/question")));
  b = first_batch();
  b["assessments"][0]["modules"][0] = "no-such-module";
  CHECK(error_of(b) == std::make_pair(400, std::string("/assessments/0/modules/0")));
  b = first_batch();
  b["enterprises"][0]["uscc"] = "91320205MA1Y8KQ38X";
  CHECK(error_of(b) == std::make_pair(400, std::string("/enterprises/0/uscc")));
  b = first_batch();
  b["evidence"] = {{{"assessment", "lap1.7"},
                    {"module", kSme},
                    {"question", "q08_planning"},
                    {"sha256", "../../etc/passwd"},
                    {"size", 10},
                    {"mime", "image/png"}}};
  CHECK(error_of(b) == std::make_pair(400, std::string("/evidence/0/sha256")));
  b = first_batch();
  b["audit"][0]["assessment"] = "nowhere.1";
  b["audit"][1]["assessment"] = "nowhere.1";
  CHECK(error_of(b) == std::make_pair(400, std::string("/audit/0/assessment")));
  Json big = {{"audit", Json::array()}};
  for (int i = 0; i < 1001; ++i) big["audit"].push_back(row("lap1." + std::to_string(i), "raw_equipment_total", 1, 2));
  CHECK(error_of(big).first == 400);
  CHECK_FALSE(f.store->enterprise_by_uscc(kUscc));  // each refused batch left nothing behind

  SUBCASE("a file must match its SHA-256 and be named by a record") {
    REQUIRE(f.send("POST", "/api/sync/push", first_batch().dump(), token).status == 200);
    const std::string bytes = "\x89PNG\r\n\x1a\nnot really a photo";
    const std::string sha = assess::sha256_hex(bytes);
    CHECK(f.send("PUT", "/api/sync/files/" + sha, bytes, token, "application/octet-stream").status == 404);
    Json ev = {{"node", "lap1"},
               {"evidence",
                {{{"assessment", "lap1.7"},
                  {"module", kSme},
                  {"question", "q08_planning"},
                  {"sha256", sha},
                  {"size", bytes.size()},
                  {"mime", "image/png"},
                  {"name", "plan.png"}}}}};
    const HttpResponse r = f.send("POST", "/api/sync/push", ev.dump(), token);
    CHECK(Json::parse(r.body)["missing"] == Json::array({sha}));
    CHECK(f.send("PUT", "/api/sync/files/" + sha, bytes + "x", token, "application/octet-stream").status == 400);
    CHECK(f.send("PUT", "/api/sync/files/" + sha, bytes, token, "application/octet-stream").status == 200);
    CHECK(Json::parse(f.send("POST", "/api/sync/push", ev.dump(), token).body)["missing"] == Json::array());
  }
}

TEST_CASE("a pushed submission feeds the bureau; a submitted assessment takes a laptop's answer only as a conflict") {
  SyncFixture f;
  const std::string token = f.token();
  REQUIRE(f.send("POST", "/api/sync/push", first_batch().dump(), token).status == 200);
  const std::int64_t a = f.store->assessments_of(f.store->enterprise_by_uscc(kUscc)->id)[0].id;
  CHECK(f.store->bureau_history(kUscc).empty());
  Json submit = {{"node", "lap1"},
                 {"audit",
                  {{{"id", "lap1.3"},
                    {"assessment", "lap1.7"},
                    {"module", ""},
                    {"question", "#status"},
                    {"old", "open"},
                    {"new", "submitted"},
                    {"at", "2026-11-03T10:00:00Z"},
                    {"by", "li"}}}}};
  HttpResponse r = f.send("POST", "/api/sync/push", submit.dump(), token);
  REQUIRE_MESSAGE(r.status == 200, r.body);
  CHECK(f.store->assessment(a)->status == "submitted");
  CHECK(f.store->bureau_history(kUscc).size() == 1);  // as a submit through the UI

  // The laptop had reopened and changed an answer, but its reopen is not in the batch: the server's
  // assessment stays submitted and the answer waits as a conflict.
  r = f.send("POST", "/api/sync/push",
             Json{{"node", "lap1"}, {"audit", {row("lap1.4", "raw_equipment_total", 300, 310)}}}.dump(), token);
  REQUIRE_MESSAGE(r.status == 200, r.body);
  CHECK(Json::parse(r.body)["conflicts"] == 1);
  CHECK(f.store->answer(a, kSme, "raw_equipment_total") == 300);
  const Json conflicts = Json::parse(f.send("GET", "/api/sync/conflicts").body);
  REQUIRE(conflicts.size() == 1);
  CHECK(conflicts[0]["server"]["value"] == 300);
  CHECK(conflicts[0]["incoming"]["value"] == 310);
}

TEST_CASE("a pull leaves out enterprises only an import listed; their first assessment brings them") {
  SyncFixture f;
  const std::string token = f.token();
  Store::BureauRecord record;
  record.uscc = "91110000600037341L";
  record.name = "导入的企业";
  record.region = "110000";
  record.facts = Json::object();
  f.store->save_bureau_records({record}, false, "bureau.csv", "2026-09-01T00:00:00Z");
  REQUIRE(f.store->enterprise_by_uscc(record.uscc));  // the import put it in the list
  auto pull = [&] {
    const HttpResponse r = f.send("POST", "/api/sync/pull", "{}", token);
    REQUIRE(r.status == 200);
    return Json::parse(r.body)["changes"];
  };
  CHECK(pull()["enterprises"].empty());
  const auto e = *f.store->enterprise_by_uscc(record.uscc);
  REQUIRE(f.send("POST", "/api/enterprises/" + std::to_string(e.id) + "/assessments",
                 Json{{"modules", {kSme}}, {"date", "2026-10-01"}}.dump())
              .status == 201);
  Json changes = pull();
  CHECK(changes["enterprises"].size() == 1);  // with an assessment it is pulled
  REQUIRE(changes["assessments"].size() == 1);
  CHECK(changes["assessments"][0]["enterprise"]["name"] == "导入的企业");
  // When a laptop's cursor has passed the enterprise's id (later enterprises were pulled before it got
  // its assessment), the assessment alone brings it: a second, empty database applies such a batch.
  changes["enterprises"] = Json::array();
  auto laptop = Store::open(":memory:");
  const Json applied = laptop->sync_apply(changes, true, "2026-10-02T00:00:00Z");
  CHECK(applied["enterprises"] == 1);
  CHECK(applied["assessments"] == 1);
  const auto there = laptop->enterprise_by_uscc(record.uscc);
  REQUIRE(there);
  CHECK(there->name == "导入的企业");
  CHECK(there->region == "110000");
  CHECK(laptop->assessments_of(there->id).size() == 1);
}

TEST_CASE("the bureau role makes no machine token (it does not change assessments)") {
  SyncFixture f;
  f.store->add_user("bureau", kPassword, "bureau");
  f.cookie.clear();
  const HttpResponse r = f.send("POST", "/api/login", Json{{"name", "bureau"}, {"password", kPassword}}.dump());
  f.cookie = r.header("Set-Cookie").substr(0, r.header("Set-Cookie").find(';'));
  f.csrf = Json::parse(r.body)["csrf"];
  CHECK(f.send("POST", "/api/machine-tokens", Json{{"name", "x"}}.dump()).status == 403);
  CHECK(f.send("POST", "/api/sync/run", Json{{"server", "http://127.0.0.1:1"}, {"token", "x"}}.dump()).status == 403);
}

TEST_CASE("an enterprise user's token pushes and pulls only its own enterprise") {
  SyncFixture f;
  const auto mine = f.store->add_enterprise({0, "自家", "91110000600037341L", "", "", ""});
  f.store->add_enterprise({0, "别家", "", "", "", ""});
  f.store->add_user("qiye", kPassword, "enterprise", mine.id);
  f.cookie.clear();
  HttpResponse r = f.send("POST", "/api/login", Json{{"name", "qiye"}, {"password", kPassword}}.dump());
  f.cookie = r.header("Set-Cookie").substr(0, r.header("Set-Cookie").find(';'));
  f.csrf = Json::parse(r.body)["csrf"];
  const std::string token = f.token();
  r = f.send("POST", "/api/sync/push", first_batch().dump(), token);
  CHECK(r.status == 403);
  CHECK(Json::parse(r.body)["error"]["pointer"] == "/enterprises/0/uscc");
  r = f.send("POST", "/api/sync/pull", "{}", token);
  const Json page = Json::parse(r.body);
  REQUIRE(page["changes"]["enterprises"].size() == 1);
  CHECK(page["changes"]["enterprises"][0]["uscc"] == "91110000600037341L");
}
