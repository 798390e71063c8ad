#include "store.h"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>

#include "bureau_support.h"
#include "commands.h"
#include "db.h"
#include "scoring/dashboard.h"
#include "scoring/error.h"
#include "scoring/fact_table.h"
#include "scoring/policy.h"
#include "store_support.h"
#include "support.h"

namespace {

using assess::Json;
using assess::Store;

// A fresh folder under the system temp directory, removed at the end of the test.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() / ("assess-store-test-" + assess::random_token(8));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

// The first schema exactly as version 1 of assess shipped it (store.cpp, kMigrations[0]). A copy, on
// purpose: migration tests must start from what old databases really contain.
constexpr const char* kSchemaVersion1 = R"sql(
CREATE TABLE enterprises(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  uscc TEXT UNIQUE,
  region TEXT NOT NULL DEFAULT '',
  industry TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL);
CREATE TABLE users(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('admin', 'consultant', 'enterprise', 'bureau')),
  password_hash TEXT NOT NULL,
  enterprise_id INTEGER REFERENCES enterprises(id),
  created_at TEXT NOT NULL DEFAULT (datetime('now')));
CREATE TABLE sessions(
  token TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf TEXT NOT NULL,
  expires_at INTEGER NOT NULL);
CREATE TABLE assessments(
  id INTEGER PRIMARY KEY,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  modules TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'submitted')),
  date TEXT NOT NULL DEFAULT '',
  assessor TEXT NOT NULL DEFAULT '',
  previous_id INTEGER REFERENCES assessments(id),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL);
CREATE TABLE answers(
  assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
  module TEXT NOT NULL,
  question TEXT NOT NULL,
  answer TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by INTEGER REFERENCES users(id),
  PRIMARY KEY (assessment_id, module, question));
CREATE TABLE audit(
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  user_id INTEGER,
  assessment_id INTEGER NOT NULL,
  module TEXT NOT NULL,
  question TEXT NOT NULL,
  old TEXT,
  new TEXT);
CREATE INDEX audit_by_assessment ON audit(assessment_id, id);
CREATE TABLE evidence(
  id INTEGER PRIMARY KEY,
  assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
  module TEXT NOT NULL,
  question TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  mime TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (datetime('now')));
PRAGMA user_version = 1;
)sql";

// Runs SQL on a database file without the Store, as an old or foreign program would.
void raw_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  const std::string error = message ? message : "";
  sqlite3_free(message);
  sqlite3_close(db);
  REQUIRE_MESSAGE(rc == SQLITE_OK, error);
}

using assess::testing::query_text;

assess::EnterpriseRow enterprise_named(const std::string& name, const std::string& uscc = "") {
  assess::EnterpriseRow e;
  e.name = name;
  e.uscc = uscc;
  e.region = "320205";
  e.industry = "367";
  return e;
}

assess::AssessmentRow assessment_of(std::int64_t enterprise_id) {
  assess::AssessmentRow a;
  a.enterprise_id = enterprise_id;
  a.modules = {"sme-digital-2024"};
  a.date = "2026-05-01";
  a.assessor = "张顾问";
  return a;
}

std::vector<std::string> names_of(const std::vector<assess::EnterpriseRow>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.name);
  return out;
}

}  // namespace

TEST_CASE("an empty database is migrated to the latest schema version") {
  SUBCASE("in memory") {
    auto store = assess::testing::open_test_store();
    CHECK(store->schema_version() == Store::latest_schema_version());
  }
  SUBCASE("in a new file, which is left in WAL mode") {
    TempDir dir;
    auto store = Store::open(dir.file("assess.db"));
    CHECK(store->schema_version() == Store::latest_schema_version());
    CHECK(query_text(*store, "PRAGMA journal_mode") == "wal");
    CHECK(query_text(*store, "PRAGMA foreign_keys") == "1");
  }
  SUBCASE("opening a migrated file again changes nothing") {
    TempDir dir;
    { Store::open(dir.file("assess.db"))->add_enterprise(enterprise_named("甲")); }
    auto store = Store::open(dir.file("assess.db"));
    CHECK(store->schema_version() == Store::latest_schema_version());
    CHECK(names_of(store->enterprises("", 10, 0)) == std::vector<std::string>{"甲"});
  }
}

TEST_CASE("a version-1 database is migrated to the latest version and keeps its rows") {
  TempDir dir;
  const std::string path = dir.file("old.db");
  raw_exec(path, kSchemaVersion1);
  raw_exec(path, R"sql(
INSERT INTO enterprises(id, name, uscc, region, industry, created_at)
  VALUES (7, '旧企业', '91320205MA1Y8KQ38L', '320205', '367', '2024-01-02 03:04:05');
INSERT INTO assessments(id, enterprise_id, modules, status, date, assessor, created_at, updated_at)
  VALUES (3, 7, '["sme-digital-2024"]', 'submitted', '2024-01-02', '老顾问', '2024-01-02', '2024-01-03');
INSERT INTO answers VALUES (3, 'sme-digital-2024', 'q05_information_systems', '"most"', '2024-01-03', NULL);
INSERT INTO audit(at, user_id, assessment_id, module, question, old, new)
  VALUES ('2024-01-03', NULL, 3, 'sme-digital-2024', 'q05_information_systems', NULL, '"most"');
)sql");

  auto store = Store::open(path);
  CHECK(store->schema_version() == Store::latest_schema_version());
  const auto e = store->enterprise(7);
  REQUIRE(e);
  CHECK(e->name == "旧企业");
  CHECK(e->uscc == "91320205MA1Y8KQ38L");
  const auto a = store->assessment(3);
  REQUIRE(a);
  CHECK(a->status == "submitted");
  CHECK(a->assessor == "老顾问");
  CHECK(a->modules == std::vector<std::string>{"sme-digital-2024"});
  CHECK(store->answers(3) == Json::parse(R"({"sme-digital-2024": {"q05_information_systems": "most"}})"));
  CHECK(store->audit(3, 10).size() == 1);
  SUBCASE("projects, added in version 2, default to an empty list") {
    CHECK(store->projects(3) == Json::array());
  }
  SUBCASE("the migrated database takes new rows") {
    store->set_projects(3, Json::parse(R"([{"kind": "tech_upgrade"}])"));
    CHECK(store->projects(3) == Json::parse(R"([{"kind": "tech_upgrade"}])"));
  }
}

TEST_CASE("sessions of an older database keep working, stored from then on only as SHA-256") {
  TempDir dir;
  const std::string path = dir.file("old.db");
  raw_exec(path, kSchemaVersion1);
  raw_exec(path, R"sql(
INSERT INTO users(id, name, role, password_hash) VALUES (1, 'zhang', 'consultant', 'x');
INSERT INTO sessions(token, user_id, csrf, expires_at) VALUES ('plain-token-of-an-old-session', 1, 'csrf-1', 5000);
)sql");
  auto store = Store::open(path);
  const auto session = store->find_session("plain-token-of-an-old-session", 1000);
  REQUIRE(session);
  CHECK(session->user.name == "zhang");
  CHECK(session->csrf == "csrf-1");
  CHECK(query_text(*store, "SELECT token FROM sessions") == assess::sha256_hex("plain-token-of-an-old-session"));
}

TEST_CASE("a database from a newer assess is refused with a message naming both versions") {
  TempDir dir;
  const std::string path = dir.file("future.db");
  raw_exec(path, "CREATE TABLE t(x); PRAGMA user_version = 99;");
  const std::string latest = std::to_string(Store::latest_schema_version());
  CHECK_THROWS_WITH_AS(Store::open(path),
                       ("database: the database has schema version 99, newer than this program knows (" + latest +
                        "); use a newer assess")
                           .c_str(),
                       assess::Error);
}

// The server's group commit (Store::save_answers): one transaction for the batch, and a save that
// is refused costs only itself.
TEST_CASE("a batch of saves is written in order, and a refused save does not stop the others") {
  auto store = assess::testing::open_test_store();
  const auto e = store->add_enterprise(enterprise_named("甲"));
  const auto open = store->add_assessment(assessment_of(e.id));
  const auto closed = store->add_assessment(assessment_of(e.id));
  store->set_status(closed.id, "submitted");
  const auto make = [](std::int64_t id, const char* q, Json value) {
    assess::Store::AnswerSave s;
    s.assessment_id = id;
    s.module = "sme-digital-2024";
    s.question = q;
    s.answer = std::move(value);
    s.now = "t1";
    s.require_open = true;
    return s;
  };
  auto first = make(open.id, "raw_equipment_total", 280);
  auto refused = make(closed.id, "raw_equipment_total", 5);
  auto second = make(open.id, "raw_equipment_total", 300);
  auto other = make(open.id, "q08_planning", "aware");
  std::vector<assess::Store::AnswerSave*> batch{&first, &refused, &second, &other};
  store->save_answers(batch);
  CHECK(!first.error);
  CHECK(!second.error);
  CHECK(!other.error);
  REQUIRE(refused.error);
  CHECK_THROWS_AS(std::rethrow_exception(refused.error), assess::Store::NotOpen);
  // In their order: the second save read the first's value as its old one, and the versions follow.
  CHECK(first.old.is_null());
  CHECK(second.old == 280);
  CHECK(second.version == first.version + 1);
  CHECK(other.version == second.version + 1);
  CHECK(store->answers(open.id) ==
        Json::parse(R"({"sme-digital-2024": {"raw_equipment_total": 300, "q08_planning": "aware"}})"));
  CHECK(store->answers(closed.id) == Json::object());
  CHECK(store->audit(open.id, 10).size() == 3);
  CHECK(store->audit(closed.id, 10).size() == 1);  // the submit only
}

TEST_CASE("a value and an evidence file saved in one batch both stay on the answer") {
  auto store = assess::testing::open_test_store();
  const auto e = store->add_enterprise(enterprise_named("甲"));
  const auto a = store->add_assessment(assessment_of(e.id));
  assess::Store::AnswerSave file;
  file.assessment_id = a.id;
  file.module = "sme-digital-2024";
  file.question = "q08_planning";
  file.add_evidence = Json{{"file", "sha256:ab"}, {"name", "plan.pdf"}};
  file.max_evidence = 2;
  assess::Store::AnswerSave value = file;
  value.add_evidence = Json();
  value.answer = "planned";
  value.keep_evidence = true;
  std::vector<assess::Store::AnswerSave*> batch{&file, &value};
  store->save_answers(batch);
  const Json both = Json::parse(R"({"value": "planned", "evidence": [{"file": "sha256:ab", "name": "plan.pdf"}]})");
  CHECK(store->answers(a.id)["sme-digital-2024"]["q08_planning"] == both);
  CHECK(value.answer == both);  // the answer as stored, which the server's cache applies
  SUBCASE("the evidence cap is checked in the same transaction") {
    auto more = file;
    auto again = file;
    std::vector<assess::Store::AnswerSave*> next{&more, &again};
    store->save_answers(next);
    CHECK(!more.error);
    REQUIRE(again.error);
    CHECK_THROWS_AS(std::rethrow_exception(again.error), assess::Store::TooMuchEvidence);
    CHECK(store->answers(a.id)["sme-digital-2024"]["q08_planning"]["evidence"].size() == 2);
  }
}

TEST_CASE("save_answer stores the answer and an audit row with the old and the new value") {
  auto store = assess::testing::open_test_store();
  const auto e = store->add_enterprise(enterprise_named("甲"));
  const auto a = store->add_assessment(assessment_of(e.id));
  const auto other = store->add_assessment(assessment_of(e.id));
  const auto user = store->add_user("zhang", "correct horse", "consultant");
  store->save_answer(other.id, "sme-digital-2024", "raw_equipment_total", 5, std::nullopt, "2026-05-01T08:00:00Z");

  CHECK(store->save_answer(a.id, "sme-digital-2024", "raw_equipment_total", 280, user.id, "2026-05-01T09:00:00Z")
            .is_null());
  CHECK(store->save_answer(a.id, "sme-digital-2024", "raw_equipment_total", 300, user.id, "2026-05-01T09:01:00Z") ==
        280);
  CHECK(store->answers(a.id) == Json::parse(R"({"sme-digital-2024": {"raw_equipment_total": 300}})"));
  CHECK(store->assessment(a.id)->updated_at == "2026-05-01T09:01:00Z");

  const Json audit = store->audit(a.id, 10);  // newest first
  REQUIRE(audit.size() == 2);
  CHECK(audit[0] == Json{{"at", "2026-05-01T09:01:00Z"},
                         {"user", "zhang"},
                         {"user_id", user.id},
                         {"role", ""},
                         {"module", "sme-digital-2024"},
                         {"question", "raw_equipment_total"},
                         {"old", 280},
                         {"new", 300}});
  CHECK(audit[1] == Json{{"at", "2026-05-01T09:00:00Z"},
                         {"user", "zhang"},
                         {"user_id", user.id},
                         {"role", ""},
                         {"module", "sme-digital-2024"},
                         {"question", "raw_equipment_total"},
                         {"old", nullptr},
                         {"new", 280}});

  SUBCASE("answers of another assessment are untouched") {
    CHECK(store->answers(other.id) == Json::parse(R"({"sme-digital-2024": {"raw_equipment_total": 5}})"));
    CHECK(store->audit(other.id, 10).size() == 1);
  }
  SUBCASE("null clears the answer and the audit row records the clearing") {
    CHECK(store->save_answer(a.id, "sme-digital-2024", "raw_equipment_total", nullptr, user.id,
                             "2026-05-01T09:02:00Z") == 300);
    CHECK(store->answers(a.id) == Json::object());
    const Json latest = store->audit(a.id, 1);
    REQUIRE(latest.size() == 1);
    CHECK(latest[0]["old"] == 300);
    CHECK(latest[0]["new"].is_null());
  }
  SUBCASE("a save without a user is audited with an empty user name") {
    store->save_answer(a.id, "sme-digital-2024", "q08_planning", "aware", std::nullopt, "2026-05-01T09:03:00Z");
    CHECK(store->audit(a.id, 1)[0]["user"] == "");
  }
  SUBCASE("object answers round-trip unchanged") {
    const Json answer = {{"value", 12}, {"verified", true}, {"note", "现场核对"}};
    store->save_answer(a.id, "sme-digital-2024", "raw_equipment_digitised", answer, user.id, "2026-05-01T09:04:00Z");
    CHECK(store->answers(a.id)["sme-digital-2024"]["raw_equipment_digitised"] == answer);
  }
}

TEST_CASE("copy_answers starts a re-assessment from the previous answers and projects") {
  auto store = assess::testing::open_test_store();
  const auto e = store->add_enterprise(enterprise_named("甲"));
  const auto before = store->add_assessment(assessment_of(e.id));
  store->save_answer(before.id, "sme-digital-2024", "raw_equipment_total", 280, std::nullopt, "t1");
  store->save_answer(before.id, "sme-digital-2024", "q08_planning", "planned", std::nullopt, "t1");
  store->set_projects(before.id, Json::parse(R"([{"kind": "tech_upgrade", "investment": 800}])"));
  auto next_row = assessment_of(e.id);
  next_row.previous_id = before.id;
  const auto next = store->add_assessment(next_row);

  store->copy_answers(before.id, next.id, "t2");
  CHECK(store->answers(next.id) == store->answers(before.id));
  CHECK(store->projects(next.id) == Json::parse(R"([{"kind": "tech_upgrade", "investment": 800}])"));
  CHECK(store->assessment(next.id)->previous_id == before.id);

  SUBCASE("changing the copy leaves the original as it was") {
    store->save_answer(next.id, "sme-digital-2024", "raw_equipment_total", 300, std::nullopt, "t3");
    CHECK(store->answers(before.id)["sme-digital-2024"]["raw_equipment_total"] == 280);
  }
}

TEST_CASE("enterprise search treats % and _ as ordinary characters") {
  auto store = assess::testing::open_test_store();
  for (const char* name : {"100% 数字化工厂", "1000 数字化工厂", "a_b 机械", "axb 机械", "back\\slash"}) {
    store->add_enterprise(enterprise_named(name));
  }
  CHECK(names_of(store->enterprises("%", 10, 0)) == std::vector<std::string>{"100% 数字化工厂"});
  CHECK(names_of(store->enterprises("0%", 10, 0)) == std::vector<std::string>{"100% 数字化工厂"});
  CHECK(names_of(store->enterprises("a_b", 10, 0)) == std::vector<std::string>{"a_b 机械"});
  CHECK(names_of(store->enterprises("_", 10, 0)) == std::vector<std::string>{"a_b 机械"});
  CHECK(names_of(store->enterprises("\\", 10, 0)) == std::vector<std::string>{"back\\slash"});
  CHECK(store->enterprises("", 10, 0).size() == 5);
  SUBCASE("limit and offset page through the names in order") {
    CHECK(names_of(store->enterprises("", 2, 0)) == std::vector<std::string>{"100% 数字化工厂", "1000 数字化工厂"});
    CHECK(names_of(store->enterprises("", 2, 2)) == std::vector<std::string>{"a_b 机械", "axb 机械"});
  }
  SUBCASE("search also matches the code and the region") {
    store->add_enterprise(enterprise_named("有代码", "91320205MA1Y8KQ38L"));
    CHECK(names_of(store->enterprises("MA1Y8", 10, 0)) == std::vector<std::string>{"有代码"});
    CHECK(store->enterprises("320205", 10, 0).size() == 6);
  }
}

TEST_CASE("SQL metacharacters are stored verbatim and found by search") {
  auto store = assess::testing::open_test_store();
  const std::string hostile = "Robert'); DROP TABLE enterprises;--";
  const auto e = store->add_enterprise(enterprise_named(hostile));
  CHECK(store->enterprise(e.id)->name == hostile);
  CHECK(names_of(store->enterprises("'); DROP", 10, 0)) == std::vector<std::string>{hostile});
  const auto a = store->add_assessment(assessment_of(e.id));
  store->save_answer(a.id, "profile", "name", hostile, std::nullopt, "t'; --");
  CHECK(store->answers(a.id)["profile"]["name"] == hostile);
  CHECK(store->audit(a.id, 1)[0]["at"] == "t'; --");
  CHECK(store->enterprises("", 10, 0).size() == 1);  // the table is still there
}

TEST_CASE("a second enterprise with the same credit code is refused") {
  auto store = assess::testing::open_test_store();
  store->add_enterprise(enterprise_named("甲", "91320205MA1Y8KQ38L"));
  CHECK_THROWS_WITH_AS(
      store->add_enterprise(enterprise_named("乙", "91320205MA1Y8KQ38L")),
      "enterprises:/uscc: an enterprise with unified social credit code 91320205MA1Y8KQ38L exists already",
      assess::Error);
  SUBCASE("enterprises without a code do not collide") {
    store->add_enterprise(enterprise_named("丙"));
    store->add_enterprise(enterprise_named("丁"));
    CHECK(store->enterprises("", 10, 0).size() == 3);
  }
}

TEST_CASE("sessions are found until they expire and not after") {
  auto store = assess::testing::open_test_store();
  const auto user = store->add_user("zhang", "correct horse", "consultant");
  const auto session = store->create_session(user, 1000, 60);
  CHECK(session.token.size() == 64);
  CHECK(session.csrf.size() == 32);
  CHECK(session.csrf != session.token);
  REQUIRE(store->find_session(session.token, 1000));
  CHECK(store->find_session(session.token, 1060)->user.name == "zhang");
  CHECK(store->find_session(session.token, 1060)->csrf == session.csrf);
  CHECK_FALSE(store->find_session(session.token, 1061));
  CHECK_FALSE(store->find_session("not-a-token", 1000));
  SUBCASE("a deleted session is gone at once") {
    store->delete_session(session.token);
    CHECK_FALSE(store->find_session(session.token, 1000));
  }
  SUBCASE("creating a session removes the expired ones") {
    store->create_session(user, 2000, 60);
    CHECK(query_text(*store, "SELECT count(*) FROM sessions WHERE token = '" + session.token + "'") == "0");
  }
}

TEST_CASE("passwords are verified against an Argon2id hash that is not the password") {
  auto store = assess::testing::open_test_store();
  store->add_user("zhang", "correct horse", "consultant");
  CHECK(store->check_password("zhang", "correct horse")->role == "consultant");
  CHECK_FALSE(store->check_password("zhang", "correct horsE"));
  CHECK_FALSE(store->check_password("zhang", ""));
  CHECK_FALSE(store->check_password("nobody", "correct horse"));
  const std::string hash = query_text(*store, "SELECT password_hash FROM users WHERE name = 'zhang'");
  CHECK(hash.rfind("$argon2id$", 0) == 0);
  CHECK(hash.find("correct horse") == std::string::npos);
  SUBCASE("set_password replaces the old password") {
    store->set_password("zhang", "battery staple");
    CHECK(store->check_password("zhang", "battery staple"));
    CHECK_FALSE(store->check_password("zhang", "correct horse"));
  }
  SUBCASE("set_password of an unknown user names the user") {
    CHECK_THROWS_WITH_AS(store->set_password("nobody", "battery staple"), "users: no user \"nobody\"", assess::Error);
  }
  SUBCASE("a second user of the same name is refused") {
    CHECK_THROWS_WITH_AS(
        store->add_user("zhang", "other password", "consultant"),
        "users:/name: user \"zhang\" exists already or the role is not one of admin, consultant, enterprise, bureau",
        assess::Error);
  }
}

TEST_CASE("an enterprise user is tied to its enterprise") {
  auto store = assess::testing::open_test_store();
  const auto e = store->add_enterprise(enterprise_named("甲"));
  const auto user = store->add_user("jia", "correct horse", "enterprise", e.id);
  CHECK(user.enterprise_id == e.id);
  CHECK(store->find_user("jia")->enterprise_id == e.id);
  CHECK_FALSE(store->find_user("consultant-nobody"));
}

TEST_CASE("backup_to writes a readable copy with the same rows") {
  TempDir dir;
  auto store = Store::open(dir.file("assess.db"));
  const auto e = store->add_enterprise(enterprise_named("甲", "91320205MA1Y8KQ38L"));
  const auto a = store->add_assessment(assessment_of(e.id));
  store->save_answer(a.id, "sme-digital-2024", "raw_equipment_total", 280, std::nullopt, "t1");
  store->add_user("zhang", "correct horse", "consultant");
  store->backup_to(dir.file("copy.db"));
  store->save_answer(a.id, "sme-digital-2024", "raw_equipment_total", 300, std::nullopt, "t2");  // after the backup

  auto copy = Store::open(dir.file("copy.db"));
  CHECK(copy->schema_version() == Store::latest_schema_version());
  CHECK(copy->enterprise(e.id)->uscc == "91320205MA1Y8KQ38L");
  CHECK(copy->answers(a.id) == Json::parse(R"({"sme-digital-2024": {"raw_equipment_total": 280}})"));
  CHECK(copy->audit(a.id, 10).size() == 1);
  CHECK(copy->check_password("zhang", "correct horse"));
}

TEST_CASE("evidence records list per assessment and name the owning enterprise") {
  auto store = assess::testing::open_test_store();
  const auto e = store->add_enterprise(enterprise_named("甲"));
  const auto a = store->add_assessment(assessment_of(e.id));
  assess::EvidenceRow row;
  row.assessment_id = a.id;
  row.module = "sme-digital-2024";
  row.question = "q05_information_systems";
  row.sha256 = assess::sha256_hex("abc");
  row.size = 3;
  row.mime = "image/png";
  row.name = "photo.png";
  const auto stored = store->add_evidence(row);
  CHECK(stored.id > 0);
  REQUIRE(store->evidence(a.id).size() == 1);
  CHECK(store->evidence(a.id)[0].name == "photo.png");
  CHECK(store->evidence_owners(row.sha256) == std::vector<std::pair<std::int64_t, std::string>>{{e.id, "image/png"}});
  CHECK(store->evidence_owners(assess::sha256_hex("abd")).empty());
}

TEST_CASE("sha256_hex and random_token give lower-case hex") {
  // FIPS 180-2 test vector.
  CHECK(assess::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string t = assess::random_token(4);
  CHECK(t.size() == 8);
  CHECK(t.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(assess::random_token() != assess::random_token());
}

TEST_CASE("a second connection to the database sees every change, each raising the assessment's version") {
  // Two Store objects on one database stand for two server processes: the SQLite file of a temporary
  // folder, or the PostgreSQL database of ASSESS_TEST_DATABASE.
  TempDir dir;
  std::unique_ptr<Store> first;
  std::string target;
  if (assess::testing::testing_postgres()) {
    first = assess::testing::open_test_store();
    target = assess::testing::test_database_url();
  } else {
    target = dir.file("shared.db");
    first = Store::open(target);
  }
  auto second = Store::open(target);
  const auto e = first->add_enterprise(enterprise_named("甲", "91320205MA1Y8KQ38L"));
  const auto a = first->add_assessment(assessment_of(e.id));
  CHECK(second->assessment(a.id)->version == 0);

  std::int64_t version = -1;
  CHECK(first
            ->save_answer(a.id, "sme-digital-2024", "q05_information_systems", "most", std::nullopt,
                          "2026-05-01T10:00:00Z", "", &version)
            .is_null());
  CHECK(version == 1);
  CHECK(second->assessment(a.id)->version == 1);
  CHECK(second->answer(a.id, "sme-digital-2024", "q05_information_systems") == "most");
  // The second connection's save reads the first one's value as the old value.
  CHECK(second->save_answer(a.id, "sme-digital-2024", "q05_information_systems", "all", std::nullopt,
                            "2026-05-01T10:01:00Z", "", &version) == "most");
  CHECK(version == 2);
  second->set_status(a.id, "submitted", "2026-05-01T10:02:00Z");
  CHECK(first->assessment(a.id)->version == 3);
  CHECK(first->assessment(a.id)->status == "submitted");
  first->set_projects(a.id, Json::array({{{"kind", "tech_upgrade"}}}), "2026-05-01T10:03:00Z");
  CHECK(second->assessment(a.id)->version == 4);
  CHECK(second->projects(a.id) == Json::array({{{"kind", "tech_upgrade"}}}));

  // Sessions and failed-login counts made through one are the other's too.
  const auto u = first->add_user_hash("zhang", "x", "consultant");
  const auto session = first->create_session(u, 1000, 3600);
  REQUIRE(second->find_session(session.token, 2000));
  CHECK(second->find_session(session.token, 2000)->user.name == "zhang");
  second->delete_session(session.token);
  CHECK_FALSE(first->find_session(session.token, 2000));
  CHECK_FALSE(first->login_attempts("name zhang"));
  first->set_login_attempts("name zhang", {6, 1100, 1000});
  const auto attempts = second->login_attempts("name zhang");
  REQUIRE(attempts);
  CHECK(attempts->count == 6);
  CHECK(attempts->next_allowed == 1100);
  CHECK(attempts->last == 1000);
  second->forget_login_attempts("name zhang");
  CHECK_FALSE(first->login_attempts("name zhang"));
}

TEST_CASE("a read goes on beside an open write transaction: it sees the committed state, the writer its own") {
  // An SQLite file (WAL) or the PostgreSQL database of ASSESS_TEST_DATABASE: the store reads on
  // connections of their own while its writer is inside a transaction (a batch of saves).
  TempDir dir;
  std::unique_ptr<Store> store =
      assess::testing::testing_postgres() ? assess::testing::open_test_store() : Store::open(dir.file("read.db"));
  const auto e = store->add_enterprise(enterprise_named("甲"));
  const auto a = store->add_assessment(assessment_of(e.id));
  const std::string module = "sme-digital-2024", question = "q05_information_systems";
  store->save_answer(a.id, module, question, "most", std::nullopt, "2026-05-01T10:00:00Z");
  const std::int64_t committed = store->assessment(a.id)->version;
  {
    // This thread writes, as save_answers() does, and holds the transaction open.
    const auto lock = store->guard();
    assess::Database& db = store->database();
    db.begin();
    assess::Cursor& answer = db.prepare("UPDATE answers SET answer = ? WHERE assessment_id = ? AND question = ?");
    answer.bind_text(1, "\"all\"");
    answer.bind_int(2, a.id);
    answer.bind_text(3, question);
    while (answer.step()) {
    }
    answer.reset();
    assess::Cursor& version = db.prepare("UPDATE assessments SET version = version + 1 WHERE id = ?");
    version.bind_int(1, a.id);
    while (version.step()) {
    }
    version.reset();
    // Its own reads see its write.
    CHECK(store->answer(a.id, module, question) == "all");
    CHECK(store->assessment(a.id)->version == committed + 1);
    // Another thread's reads do not wait for the commit: they read the state before the transaction.
    auto read = std::async(std::launch::async, [&] {
      return std::make_tuple(store->answer(a.id, module, question), store->assessment(a.id)->version,
                             store->state(a.id).version, store->answers(a.id)[module][question]);
    });
    // Not a measure of time: a read that waited for this transaction would wait forever, and the
    // commit below lets it go before the check fails.
    const bool finished = read.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
    db.commit();
    REQUIRE(finished);
    CHECK(read.get() == std::make_tuple(Json("most"), committed, committed, Json("most")));
  }
  // After the commit, a read on any thread sees it.
  CHECK(store->answer(a.id, module, question) == "all");
  CHECK(std::async(std::launch::async, [&] { return store->assessment(a.id)->version; }).get() == committed + 1);
  CHECK(store->readers_opened() >= 1);
}

TEST_CASE("an in-memory database has no second connection: its reads use the one connection") {
  auto store = Store::open(":memory:");
  const auto e = store->add_enterprise(enterprise_named("甲"));
  CHECK(std::async(std::launch::async, [&] { return store->enterprise(e.id)->name; }).get() == "甲");
  CHECK(store->readers_opened() == 0);
}

TEST_CASE("enterprise search ignores ASCII case and takes % and _ literally on both databases") {
  auto store = assess::testing::open_test_store();
  store->add_enterprise(enterprise_named("ABC机械"));
  store->add_enterprise(enterprise_named("abc电子"));
  store->add_enterprise(enterprise_named("100%_精密"));
  CHECK(names_of(store->enterprises("abc", 10, 0)) == std::vector<std::string>{"ABC机械", "abc电子"});
  CHECK(names_of(store->enterprises("%_", 10, 0)) == std::vector<std::string>{"100%_精密"});
  CHECK(names_of(store->enterprises("", 1, 1)) == std::vector<std::string>{"ABC机械"});
}

TEST_CASE("assess migrate and assess backup work on the test database (--data-dir or --database)") {
  TempDir dir;
  std::vector<std::string> where = {"--data-dir", dir.file("data")};
  if (assess::testing::testing_postgres()) {
    // An empty database: no schema yet.
    assess::Database::open(assess::testing::test_database_url())
        ->exec("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public");
    where = {"--database", assess::testing::test_database_url()};
  }
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.end(), where.begin(), where.end());
    std::ostringstream out;
    std::ostringstream err;
    const int code = assess::cli::run(args, out, err);
    return std::make_tuple(code, out.str(), err.str());
  };
  const std::string latest = std::to_string(Store::latest_schema_version());
  auto [code, out, err] = run({"migrate"});
  CHECK_MESSAGE(code == 0, err);
  CHECK(out.find("schema version 0 -> " + latest) != std::string::npos);
  std::tie(code, out, err) = run({"migrate"});
  CHECK(out.find("schema version " + latest + " -> " + latest) != std::string::npos);
  // A backup while the database holds a row: SQLite's backup is a database file, pg_dump's custom
  // format starts with "PGDMP".
  {
    auto store = assess::testing::testing_postgres() ? Store::open(assess::testing::test_database_url())
                                                     : Store::open(dir.file("data") + "/assess.db");
    store->add_enterprise(enterprise_named("备份企业"));
  }
  const std::string file = dir.file("backup.bin");
  std::tie(code, out, err) = run({"backup", file});
  CHECK_MESSAGE(code == 0, err);
  std::ifstream in(file, std::ios::binary);
  std::string head(16, '\0');
  in.read(head.data(), 16);
  if (assess::testing::testing_postgres()) {
    CHECK(head.rfind("PGDMP", 0) == 0);
  } else {
    CHECK(head.rfind("SQLite format 3", 0) == 0);
    CHECK(names_of(Store::open(file)->enterprises("", 10, 0)) == std::vector<std::string>{"备份企业"});
  }
}

TEST_CASE("--database takes only a postgresql:// URL") {
  std::ostringstream out;
  std::ostringstream err;
  CHECK(assess::cli::run({"migrate", "--database", "/tmp/not-a-url.db"}, out, err) != 0);
  CHECK(err.str().find("postgresql://") != std::string::npos);
}

// db.cpp's Checkpointer: SQLite's automatic checkpoint copied the write-ahead log back into the
// database file inside the commit that filled it (every 1,000 pages, with two fsyncs), and every save
// waiting on the store waited for it. Now a thread of the connection's own copies it while commits go
// on, and the log is reused once it reaches 64 MiB, so its file never grows past that.
TEST_CASE("the write-ahead log is copied into the database while commits go on, and its file stays bounded") {
  if (assess::testing::testing_postgres()) return;  // SQLite's log
  TempDir dir;
  const std::string path = dir.file("log.db");
  auto db = assess::Database::open(path);
  db->exec("CREATE TABLE t(id INTEGER PRIMARY KEY, blob TEXT)");
  const std::string page(4000, 'x');  // one row per 4 KiB page
  auto insert = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      db->begin();
      auto& c = db->prepare("INSERT INTO t(id, blob) VALUES (?, ?)");
      c.bind_int(1, i);
      c.bind_text(2, page);
      c.step();
      c.reset();
      db->commit();
    }
  };
  // 3,000 commits of a page each: the thread copies them into the database file, which grows while
  // no commit runs (bounded wait, not a timing).
  insert(0, 3000);
  const auto db_size = [&] { return std::filesystem::file_size(path); };
  for (int i = 0; i < 500 && db_size() < 2000u * 4096u; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(db_size() >= 2000u * 4096u);
  // 20,000 more (about 80 MB through the log): the log's file stays at its 64 MiB limit (with a few
  // pages of headroom), where SQLite without a complete copy would keep appending.
  insert(3000, 23000);
  const std::uintmax_t limit = 64u * 1024u * 1024u;
  CHECK(std::filesystem::file_size(path + "-wal") <= limit + 64u * 4120u);
  // Nothing is lost: every row is there, from a second connection.
  auto other = assess::Database::open(path);
  auto& count = other->prepare("SELECT count(*) FROM t");
  REQUIRE(count.step());
  CHECK(count.integer(0) == 23000);
  count.reset();
}

// With 200,000 assessments stored, the enterprise list's first page and an enterprise's assessments
// were full scans (issue 16's benchmark: 32 and 34 ms of the server's CPU a request on SQLite, 135
// and 102 ms on PostgreSQL). Migration 12 gives both an index; SQLite's plan shows it is used.
TEST_CASE("the enterprise list and an enterprise's assessments are read through an index, not a scan") {
  if (assess::testing::testing_postgres()) return;  // SQLite's EXPLAIN QUERY PLAN
  TempDir dir;
  auto store = Store::open(dir.file("plan.db"));
  const auto e = store->add_enterprise(enterprise_named("索引"));
  CHECK(store->enterprises("", 50, 0).size() == 1);
  auto plan = [&](const std::string& sql) {
    const auto lock = store->guard();
    auto& c = store->database().prepare("EXPLAIN QUERY PLAN " + sql);
    c.bind_text(1, "%%");  // the list's parameter without a search, as Store::enterprises binds it
    std::string text;
    while (c.step()) text += std::string(c.text(3)) + "\n";
    c.reset();
    return text;
  };
  const std::string list = plan("SELECT id, name FROM enterprises WHERE ?1 = '%%' ORDER BY name, id LIMIT 50 OFFSET 0");
  CHECK_MESSAGE(list.find("enterprises_by_name") != std::string::npos, list);
  CHECK_MESSAGE(list.find("TEMP B-TREE") == std::string::npos, list);  // no sort of every row
  const std::string of = plan("SELECT id FROM assessments WHERE enterprise_id = 1 AND ?1 = '%%' ORDER BY id");
  CHECK_MESSAGE(of.find("assessments_by_enterprise") != std::string::npos, of);
  (void)e;
}

// ---------------------------------------------------------------------------------------------
// Rounds by year (issue 15): a bureau round stands for a year, and rounds are ordered by (year,
// round) — the year first, then the round within the year —, whatever order the files came in.

namespace {

// Three enterprises of 锡山区 whose employee count tells which file it came from: `base` + i.
std::vector<Store::BureauRecord> bureau_file(const std::string& as_of, int base) {
  std::vector<Store::BureauRecord> out;
  for (int i = 0; i < 3; ++i) {
    Json facts = {{"region", "320205"}, {"profile", {{"region", "320205"}, {"employees", base + i}}}};
    out.push_back(
        {"9132020" + std::to_string(i) + "MA1Y8KQ38X", "企业" + std::to_string(i), "320205", facts, Json(), as_of});
  }
  return out;
}

// Each enterprise's employees as the ranking and dashboard read them for `year` (0: the latest
// round), from the typed columns and, a second time, from the records' JSON.
std::map<std::string, int> employees_in(Store& store, int year) {
  static const int slot = assess::fact_slot("profile.employees");
  std::map<std::string, int> typed;
  store.bureau_rows_in(year, {}, [&](const assess::FactRow& row) {
    REQUIRE(row.values != nullptr);
    typed[std::string(row.id)] = static_cast<int>(row.values[slot].number);
  });
  std::map<std::string, int> json;
  assess::FactQuery want_json;
  want_json.want_json = true;
  store.bureau_rows_in(year, want_json, [&](const assess::FactRow& row) {
    REQUIRE(row.facts != nullptr);
    json[std::string(row.id)] = (*row.facts)["profile"]["employees"].get<int>();
  });
  CHECK(typed == json);
  return typed;
}

std::map<std::string, int> employees(int base) {
  std::map<std::string, int> out;
  for (int i = 0; i < 3; ++i) out["9132020" + std::to_string(i) + "MA1Y8KQ38X"] = base + i;
  return out;
}

// The employees of the ranking's candidates (the latest rounds, read as JSON).
std::map<std::string, int> candidates_employees(Store& store) {
  std::map<std::string, int> out;
  for (const auto& c : store.bureau_candidates()) out[c["id"]] = c["facts"]["profile"]["employees"].get<int>();
  return out;
}

}  // namespace

TEST_CASE("an older year imported after a newer one as a new round does not become the latest") {
  auto store = assess::testing::open_test_store();
  const std::string uscc = "91320200MA1Y8KQ38X";
  // This year's file first (2026: 200, 201, 202 employees), then last year's as a new round (2025:
  // 100, 101, 102).
  auto counts = store->save_bureau_records(bureau_file("2026-06-30", 200), false, "2026.csv", "2026-12-01");
  CHECK(counts.added == 3);
  counts = store->save_bureau_records(bureau_file("2025-12-31", 100), true, "2025.csv", "2026-12-02");
  CHECK(counts.new_rounds == 3);
  CHECK(counts.same_year == 0);  // no enterprise had a round in 2025
  CHECK(counts.other_year == 0);

  // The latest data is still 2026's: the ranking's candidates, the typed rows, the latest flags.
  CHECK(candidates_employees(*store) == employees(200));
  CHECK(employees_in(*store, 0) == employees(200));
  CHECK(assess::testing::query_text(*store, "SELECT count(*) FROM bureau_facts WHERE latest = 1") == "3");
  // Each year reads its own round; a year before any round reads nothing.
  CHECK(employees_in(*store, 2025) == employees(100));
  CHECK(employees_in(*store, 2026) == employees(200));
  CHECK(employees_in(*store, 2027) == employees(200));
  CHECK(employees_in(*store, 2024).empty());
  CHECK(store->bureau_years() == std::vector<int>{2025, 2026});
  // The history lists the years in order, the 2026 round (round 1) last and latest.
  const Json history = store->bureau_history(uscc);
  REQUIRE(history.size() == 2);
  CHECK(history[0]["year"] == 2025);
  CHECK(history[0]["round"] == 2);
  CHECK(history[0]["latest"] == false);
  CHECK(history[1]["year"] == 2026);
  CHECK(history[1]["round"] == 1);
  CHECK(history[1]["latest"] == true);
  // The provenance of the latest figures names the 2026 file.
  const auto origins = store->bureau_origins({uscc});
  REQUIRE(origins.count(uscc) == 1);
  CHECK(origins.at(uscc)["file"] == "2026.csv");
  CHECK(origins.at(uscc)["as_of"] == "2026-06-30");
  CHECK(origins.at(uscc)["round"] == 1);

  SUBCASE("an update of the latest year updates its round, and 2025 stays as it was") {
    counts = store->save_bureau_records(bureau_file("2026-09-30", 300), false, "2026b.csv", "2026-12-03");
    CHECK(counts.updated == 3);
    CHECK(counts.new_rounds == 0);
    CHECK(counts.other_year == 0);
    CHECK(store->bureau_history(uscc).size() == 2);
    CHECK(candidates_employees(*store) == employees(300));
    CHECK(employees_in(*store, 0) == employees(300));
    CHECK(employees_in(*store, 2026) == employees(300));
    CHECK(employees_in(*store, 2025) == employees(100));
    CHECK(assess::testing::query_text(*store, "SELECT count(*) FROM bureau_facts WHERE latest = 1") == "3");
  }
  SUBCASE("an update of the older year corrects its round, and the latest stays 2026's") {
    counts = store->save_bureau_records(bureau_file("2025-12-31", 150), false, "2025b.csv", "2026-12-03");
    CHECK(counts.updated == 3);
    CHECK(counts.new_rounds == 0);
    const Json after = store->bureau_history(uscc);
    REQUIRE(after.size() == 2);
    CHECK(after[0]["facts"]["profile"]["employees"] == 150);
    CHECK(after[1]["latest"] == true);
    CHECK(candidates_employees(*store) == employees(200));
    CHECK(employees_in(*store, 0) == employees(200));
    CHECK(employees_in(*store, 2025) == employees(150));
  }
  SUBCASE("a second round in the older year is kept beside the first, and the year reads the newer") {
    counts = store->save_bureau_records(bureau_file("2025-12-31", 160), true, "2025c.csv", "2026-12-03");
    CHECK(counts.new_rounds == 3);
    CHECK(counts.same_year == 3);  // each already had a round in 2025, though its latest is of 2026
    const Json after = store->bureau_history(uscc);
    REQUIRE(after.size() == 3);
    CHECK(after[0]["round"] == 2);
    CHECK(after[1]["round"] == 3);
    CHECK(after[1]["year"] == 2025);
    CHECK(after[2]["round"] == 1);
    CHECK(after[2]["latest"] == true);
    CHECK(employees_in(*store, 2025) == employees(160));
    CHECK(employees_in(*store, 0) == employees(200));
    CHECK(candidates_employees(*store) == employees(200));
  }
  SUBCASE("a new round of a later year becomes the latest") {
    counts = store->save_bureau_records(bureau_file("2027-03-31", 400), true, "2027.csv", "2027-04-01");
    CHECK(counts.new_rounds == 3);
    CHECK(counts.same_year == 0);
    CHECK(candidates_employees(*store) == employees(400));
    CHECK(employees_in(*store, 0) == employees(400));
    CHECK(employees_in(*store, 2026) == employees(200));
    CHECK(employees_in(*store, 2025) == employees(100));
    CHECK(store->bureau_history(uscc).back()["round"] == 3);
    CHECK(store->bureau_history(uscc).back()["latest"] == true);
    CHECK(assess::testing::query_text(*store, "SELECT count(*) FROM bureau_facts WHERE latest = 1") == "3");
  }
}

TEST_CASE("migration 11 marks again each enterprise's latest round by (year, round)") {
  TempDir dir;
  const std::string url = assess::testing::test_database_url();
  const std::string target = url.empty() ? dir.file("assess.db") : url;
  {
    auto store = url.empty() ? Store::open(target) : assess::testing::open_test_store();
    store->save_bureau_records(bureau_file("2026-06-30", 200), false, "2026.csv", "2026-12-01");
    store->save_bureau_records(bureau_file("2025-12-31", 100), true, "2025.csv", "2026-12-02");
    // What version 10 left after these two files: the flag on the highest round number (2025's).
    const auto lock = store->guard();
    store->database().exec("UPDATE bureau_facts SET latest = CASE WHEN round = 2 THEN 1 ELSE 0 END");
    store->database().set_schema_version(10);
  }
  auto store = Store::open(target);
  CHECK(store->schema_version() == Store::latest_schema_version());
  CHECK(assess::testing::query_text(*store, "SELECT count(*) FROM bureau_facts WHERE latest = 1") == "3");
  CHECK(assess::testing::query_text(*store, "SELECT count(*) FROM bureau_facts WHERE latest = 1 AND round = 1") == "3");
  CHECK(candidates_employees(*store) == employees(200));
  CHECK(employees_in(*store, 0) == employees(200));
  CHECK(store->bureau_history("91320200MA1Y8KQ38X").back()["latest"] == true);
}

TEST_CASE("the dashboard counted in the database equals the dashboard over every row and in memory") {
  // A second method, not an independent one: on PostgreSQL (the store_and_api_on_postgresql run) it
  // checks the SQL that groups and sums against the tally over every row; on SQLite the rows stream
  // into the same tally, and the test checks the streaming and the region and year filters.
  // Mixed records (some untyped), with CNC rates and project counts at the edges of what the
  // dashboard adds up: rates just outside [0, 100], rates whose millionths end in a half, tiny ones,
  // an integer and the same as a float; counts at 2^31 − 1 and just past it, negative, fractional.
  auto candidates = assess::testing::mixed_candidates(1500, 31);
  const std::vector<Json> rates = {0,  100,  100.0000001, -0.5,   33.3333333, 12.3456785, 5e-7,
                                   85, 85.0, 99.9999995,  1e-300, 0.0000015,  72.3};
  const std::vector<Json> counts = {2147483647, 2147483648.0, -1, 3.0, 0, 7};
  for (std::size_t i = 0; i < 260; ++i) {
    Json& facts = candidates[i * 5 + 1].facts;
    if (!facts.contains("profile") || !facts["profile"].is_object()) continue;
    facts["profile"]["above_designated_size"] = true;
    facts["profile"]["key_process_cnc_rate"] = rates[i % rates.size()];
    facts["projects"] = {{"count", counts[i % counts.size()]}};
  }
  auto store = assess::testing::open_test_store();
  store->save_bureau_records(assess::testing::records_of(candidates), false, "test", "2026-01-01");
  const auto in_memory = assess::candidates_from_json(store->bureau_candidates(), "db");
  const auto catalogue = assess::load_catalogue_dir(ASSESS_SOURCE_DIR "/policies");
  const auto targets = assess::dashboard_targets(catalogue);
  const assess::DashboardLadders& ladders = catalogue.dashboard;
  const auto words = assess::testing::shipped_words("en");
  const auto rows = [&](const assess::FactQuery& q, const assess::FactRowVisitor& v) {
    return store->bureau_rows(q, v);
  };
  const auto groups = [&](const assess::FactQuery& q, const assess::DashboardGroupVisitor& v) {
    store->dashboard_groups(0, ladders, q, v);
  };
  std::size_t group_count = 0;
  store->dashboard_groups(0, ladders, {}, [&](const assess::DashboardGroup&) { ++group_count; });
  if (assess::testing::testing_postgres()) {
    CHECK(group_count < in_memory.size() / 2);  // counted in the database, not row by row
  } else {
    CHECK(group_count == in_memory.size());  // SQLite, in this process, streams the rows
  }
  for (const char* region : {"320205", "320000", "3304", "510400", "100000", "99"}) {
    INFO(region);
    const std::string grouped =
        assess::dashboard_to_json(assess::dashboard_groups(groups, ladders, targets, region), "en", words).dump();
    CHECK(grouped ==
          assess::dashboard_to_json(assess::dashboard_rows(rows, ladders, targets, region), "en", words).dump());
    CHECK(grouped ==
          assess::dashboard_to_json(assess::dashboard(in_memory, ladders, targets, region), "en", words).dump());
  }
  // A year's view: each enterprise's last round of that year or before.
  auto later = assess::testing::mixed_candidates(1500, 32);
  later.resize(700);
  store->save_bureau_records(assess::testing::records_of(later), true, "test", "2027-03-01");
  for (int year : {2026, 2027}) {
    INFO(year);
    const auto rows_in = [&](const assess::FactQuery& q, const assess::FactRowVisitor& v) {
      return store->bureau_rows_in(year, q, v);
    };
    const auto groups_in = [&](const assess::FactQuery& q, const assess::DashboardGroupVisitor& v) {
      store->dashboard_groups(year, ladders, q, v);
    };
    CHECK(assess::dashboard_to_json(assess::dashboard_groups(groups_in, ladders, targets, "320000"), "en", words)
              .dump() ==
          assess::dashboard_to_json(assess::dashboard_rows(rows_in, ladders, targets, "320000"), "en", words).dump());
  }
}

TEST_CASE(
    "a dashboard ladder without a typed column: the store gives the figures worked by hand, from the JSON facts") {
  // tests/data/dashboard-ladders/README.md: made-up-energy as both ladders, worked by hand for 锡山.
  const std::string dir = ASSESS_SOURCE_DIR "/tests/data/dashboard-ladders/made-up";
  const assess::DashboardLadders ladders =
      assess::load_dashboard_ladders(assess::read_json_file(dir + "/dashboard.json"), dir + "/dashboard.json");
  REQUIRE_FALSE(assess::DashboardColumns(ladders).typed);
  const auto candidates = assess::candidates_from_json(assess::read_json_file(dir + "/candidates.json"), "c");
  auto store = assess::testing::open_test_store();
  store->save_bureau_records(assess::testing::records_of(candidates), false, "test", "2026-01-01");
  const auto targets = assess::dashboard_targets(assess::load_catalogue_dir(ASSESS_SOURCE_DIR "/policies"));
  const auto groups = [&](const assess::FactQuery& q, const assess::DashboardGroupVisitor& v) {
    store->dashboard_groups(0, ladders, q, v);
  };
  const auto rows = [&](const assess::FactQuery& q, const assess::FactRowVisitor& v) {
    return store->bureau_rows(q, v);
  };
  // Every row comes alone with its facts, on either database.
  std::size_t with_facts = 0;
  store->dashboard_groups(0, ladders, {}, [&](const assess::DashboardGroup& g) {
    CHECK(g.count == 1);
    with_facts += g.facts != nullptr ? 1 : 0;
  });
  CHECK(with_facts == candidates.size());
  assess::DashboardOptions options;
  options.min_group = 1;
  options.tier_basis = assess::TierBasis::kAssessed;
  const auto figure = [](const assess::Dashboard& d, const std::string& id) {
    for (const auto& f : d.figures) {
      if (f.id == id) return f;
    }
    FAIL("no figure " << id);
    return assess::Figure{};
  };
  for (const auto& d : {assess::dashboard_groups(groups, ladders, targets, "320205", options),
                        assess::dashboard_rows(rows, ladders, targets, "320205", options)}) {
    CHECK(d.enterprises == 5);
    CHECK(d.above_size == 4);
    const auto e1 = figure(d, "sf_tier_share/E1");
    CHECK(e1.denominator == 4);
    CHECK(*e1.value == 75);
    CHECK(*figure(d, "sf_tier_share/E2").value == 50);
    const auto inn = figure(d, "sme_level_by_class/innovative/E1");
    CHECK(inn.denominator == 3);
    CHECK(inn.unknown == 1);
    CHECK(*inn.numerator == 2);
    CHECK(inn.breakdown == Json{{"below_E1", 1}, {"E1", 1}, {"E2", 1}, {"not_assessed", 1}});
    const auto prov = figure(d, "sme_level_by_class/provincial_zjtx/E2");
    CHECK(prov.denominator == 2);
    CHECK(*prov.value == 50);
    CHECK(*figure(d, "digital_transformation_share/proxy").numerator == 3);
  }
  // 510421 holds c6 alone.
  CHECK(assess::dashboard_groups(groups, ladders, targets, "510421", options).enterprises == 1);
}

TEST_CASE("a typed ladder beside one without a column: the store's figures equal those in memory") {
  // The shipped smart-factory ladder with made-up-energy as the SME ladder: every row is read from
  // its JSON, whatever the typed columns hold; mixed records, some with made-up-energy results
  // (levels, below the first, an id not on the ladder, a result that is not an object).
  assess::DashboardLadders ladders = assess::load_catalogue_dir(ASSESS_SOURCE_DIR "/policies").dashboard;
  ladders.sme_digital.module = "made-up-energy";
  ladders.sme_digital.levels = {"E1", "E2"};
  ladders.sme_classes[0].level = "E1";
  ladders.sme_classes[1].level = "E2";
  ladders.sme_classes[2].level = "E2";
  REQUIRE_FALSE(assess::DashboardColumns(ladders).typed);
  auto candidates = assess::testing::mixed_candidates(1200, 41);
  const std::vector<Json> results = {
      {{"level", "E1"}}, {{"level", "E2"}}, {{"level", nullptr}}, {{"level", "E9"}}, Json("E2")};
  for (std::size_t i = 0; i < candidates.size(); i += 2) {
    Json& facts = candidates[i].facts;
    if (!facts.is_object() || (facts.contains("results") && !facts["results"].is_object())) continue;
    facts["results"]["made-up-energy"] = results[(i / 2) % results.size()];
  }
  auto store = assess::testing::open_test_store();
  store->save_bureau_records(assess::testing::records_of(candidates), false, "test", "2026-01-01");
  const auto in_memory = assess::candidates_from_json(store->bureau_candidates(), "db");
  const auto targets = assess::dashboard_targets(assess::load_catalogue_dir(ASSESS_SOURCE_DIR "/policies"));
  const auto words = assess::testing::shipped_words("en");
  const auto groups = [&](const assess::FactQuery& q, const assess::DashboardGroupVisitor& v) {
    store->dashboard_groups(0, ladders, q, v);
  };
  const auto rows = [&](const assess::FactQuery& q, const assess::FactRowVisitor& v) {
    return store->bureau_rows(q, v);
  };
  for (const char* region : {"320205", "320000", "3304", "100000"}) {
    INFO(region);
    const std::string expected =
        assess::dashboard_to_json(assess::dashboard(in_memory, ladders, targets, region), "en", words).dump();
    CHECK(assess::dashboard_to_json(assess::dashboard_groups(groups, ladders, targets, region), "en", words).dump() ==
          expected);
    CHECK(assess::dashboard_to_json(assess::dashboard_rows(rows, ladders, targets, region), "en", words).dump() ==
          expected);
  }
  // Some SME figure is counted from made-up-energy results (not all withheld or empty).
  const auto d = assess::dashboard(in_memory, ladders, targets, "100000");
  bool counted = false;
  for (const auto& f : d.figures)
    counted = counted || (f.id == "sme_level_by_class/innovative/E1" && f.denominator > 0);
  CHECK(counted);
}

TEST_CASE("a bureau read stopped halfway by its reader leaves the connection usable") {
  // PostgreSQL streams the rows (single-row mode): a reader that throws leaves the query unread,
  // and the store cancels it and reads what is left before the next statement.
  auto store = assess::testing::open_test_store();
  const auto candidates = assess::testing::mixed_candidates(400, 5);
  store->save_bureau_records(assess::testing::records_of(candidates), false, "test", "2026-01-01");
  std::size_t seen = 0;
  CHECK_THROWS_AS(store->bureau_rows({},
                                     [&](const assess::FactRow&) {
                                       if (++seen == 10) throw std::runtime_error("stop");
                                     }),
                  std::runtime_error);
  CHECK(seen == 10);
  std::size_t all = 0;
  store->bureau_rows({}, [&](const assess::FactRow&) { ++all; });
  CHECK(all == candidates.size());
  CHECK(store->has_bureau_records());
}

TEST_CASE("a streamed read that fails midway, or is stopped early, leaves the PostgreSQL connection usable") {
  // PostgreSQL only (single-row mode); SQLite steps its statements in the process.
  if (!assess::testing::testing_postgres()) return;
  auto db = assess::Database::open(assess::testing::test_database_url());
  {
    // Division by zero at the fifth row: the rows before it arrive, then the error.
    assess::Cursor& c = db->prepare("SELECT 10 / (x - 5) FROM generate_series(1, 10) x");
    c.stream();
    int rows = 0;
    CHECK_THROWS_AS(
        [&] {
          while (c.step()) ++rows;
        }(),
        assess::Error);
    CHECK(rows < 5);
    c.reset();
  }
  {
    // Stopped after one row of five million: reset() cancels the query and reads what is left.
    assess::Cursor& c = db->prepare("SELECT x FROM generate_series(1, 5000000) x");
    c.stream();
    REQUIRE(c.step());
    CHECK(c.integer(0) == 1);
    c.reset();
  }
  assess::Cursor& after = db->prepare("SELECT 41 + 1");
  REQUIRE(after.step());
  CHECK(after.integer(0) == 42);
  after.reset();
}
