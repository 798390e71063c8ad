#include "store.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "db.h"
#include "scoring/error.h"

namespace assess {

namespace {

// Versioned migrations: index i brings the schema from version i to i + 1. Never edit a shipped
// step; add a new one.
const char* const kMigrations[] = {
    // 1: the first schema.
    R"sql(
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
)sql",
    // 2: projects per assessment, which the reward rules read.
    R"sql(
ALTER TABLE assessments ADD COLUMN projects TEXT NOT NULL DEFAULT '[]';
)sql",
    // 3: invite links that let an enterprise create its own account, scoped to itself.
    R"sql(
CREATE TABLE invites(
  token TEXT PRIMARY KEY,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,
  created_by INTEGER REFERENCES users(id),
  expires_at INTEGER NOT NULL,
  used_by INTEGER REFERENCES users(id));
)sql",
    // 4: bureau records imported in bulk: one row per enterprise (by USCC) and assessment round.
    R"sql(
CREATE TABLE bureau_records(
  uscc TEXT NOT NULL,
  round INTEGER NOT NULL,
  name TEXT NOT NULL,
  region TEXT NOT NULL DEFAULT '',
  facts TEXT NOT NULL,
  source TEXT NOT NULL,
  imported_at TEXT NOT NULL,
  PRIMARY KEY (uscc, round));
)sql",
    // 5: accounts that can be disabled, a first password that must be changed, session tokens kept
    // only as their SHA-256 (the step rehashes the stored ones, see migrate()), the role beside the
    // user id in the audit, and an audit of changes that are not answers.
    R"sql(
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit ADD COLUMN role TEXT NOT NULL DEFAULT '';
CREATE TABLE events(
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  user_id INTEGER,
  role TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL,
  target TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '{}');
)sql",
    // 6: the facts that ranking criteria and the dashboard read, as typed columns beside each bureau
    // record (fact_table.h), and a summary the peer benchmark counts with an index. `latest` marks
    // an enterprise's latest round; `typed` = 0 when a fact did not fit its column (the record is
    // then read from its JSON). Fact columns have no declared type, so SQLite keeps each value as
    // bound (an integer stays an integer, a float a float). Filled from the records by migrate().
    R"sql(
CREATE TABLE bureau_facts(
  uscc TEXT NOT NULL,
  round INTEGER NOT NULL,
  latest INTEGER NOT NULL,
  typed INTEGER NOT NULL,
  name TEXT NOT NULL,
  region TEXT NOT NULL,
  industry TEXT NOT NULL,
  division TEXT NOT NULL,
  size_class TEXT NOT NULL,
  sme_total_q INTEGER,
  sf_total_q INTEGER,
  cmmm_total_q INTEGER,
  f_region, f_industry, f_size_class, f_is_sme, f_above_designated_size, f_employees, f_revenue_last_year,
  f_sme_quality_tier, f_smart_factory_tier, f_provincial_labels, f_green_factory_level, f_specialty_park,
  f_park_fits_positioning, f_resource_rating, f_digital_rd_tools, f_key_process_cnc_rate,
  f_tech_investment_two_years, f_high_tech_enterprise, f_single_champion, f_sme_present, f_sme_level, f_sme_total,
  f_sf_present, f_sf_level, f_sf_total, f_cmmm_present, f_cmmm_level, f_cmmm_total, f_projects_count,
  PRIMARY KEY (uscc, round),
  FOREIGN KEY (uscc, round) REFERENCES bureau_records(uscc, round) ON DELETE CASCADE) WITHOUT ROWID;
CREATE INDEX bureau_facts_region ON bureau_facts(latest, region);
CREATE INDEX bureau_facts_peers_sme ON bureau_facts(latest, division, size_class, sme_total_q) WHERE sme_total_q IS NOT NULL;
CREATE INDEX bureau_facts_peers_sf ON bureau_facts(latest, division, size_class, sf_total_q) WHERE sf_total_q IS NOT NULL;
CREATE INDEX bureau_facts_peers_cmmm ON bureau_facts(latest, division, size_class, cmmm_total_q) WHERE cmmm_total_q IS NOT NULL;
)sql",
    // 7 (issue 15): where each bureau record came from — `origin` is JSON: {"kind": "import", "file",
    // "row"} or {"kind": "assessment", "assessment_id", "date", "verified"} — and the date its figures
    // describe (`as_of`, "YYYY-MM-DD" or ""), which puts a round in a year.
    R"sql(
ALTER TABLE bureau_records ADD COLUMN origin TEXT NOT NULL DEFAULT '{}';
ALTER TABLE bureau_records ADD COLUMN as_of TEXT NOT NULL DEFAULT '';
)sql",
    // 8: several servers on one database: a version per assessment that every change raises (a
    // server's cached document is valid while its version is the stored one), and failed-login
    // counts as rows (App's throttling, when the database is shared).
    R"sql(
ALTER TABLE assessments ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
CREATE TABLE login_attempts(
  key TEXT PRIMARY KEY,
  count INTEGER NOT NULL,
  next_allowed INTEGER NOT NULL,
  last INTEGER NOT NULL);
)sql",
    // 9 (issue 15 item 8): the technical projects on record of a bureau record (facts "projects.count",
    // fact_table.h), which the dashboard's project-count proxy sums; earlier rows: null, none on record.
    // Step 6 creates the column since (its typed facts are filled with every column of fact_table.h),
    // so migrate() adds it here only to a table step 6 made before.
    R"sql(
-- f_projects_count: added by migrate() when missing
)sql",
    // 10 (issue 16, laptop <-> server sync): global ids of rows that came from another database
    // (`origin`; rows made here are "<node>.<id>", the node id is made once by migrate()), the name of
    // the author of a synced audit row (no local user id), machine tokens (their SHA-256 only), sync
    // cursors per server, and the conflicts a push found.
    R"sql(
CREATE TABLE sync_node(id TEXT NOT NULL);
ALTER TABLE assessments ADD COLUMN origin TEXT;
CREATE UNIQUE INDEX assessments_origin ON assessments(origin);
ALTER TABLE audit ADD COLUMN origin TEXT;
ALTER TABLE audit ADD COLUMN user_name TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX audit_origin ON audit(origin);
CREATE INDEX evidence_by_file ON evidence(assessment_id, module, question, sha256);
CREATE TABLE machine_tokens(
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  last_used_at TEXT NOT NULL DEFAULT '',
  revoked_at TEXT NOT NULL DEFAULT '');
CREATE TABLE sync_cursors(
  server TEXT NOT NULL,
  direction TEXT NOT NULL,
  cursor TEXT NOT NULL,
  PRIMARY KEY (server, direction));
CREATE TABLE sync_conflicts(
  id INTEGER PRIMARY KEY,
  assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
  module TEXT NOT NULL,
  question TEXT NOT NULL,
  kept TEXT,
  kept_at TEXT NOT NULL,
  kept_by TEXT NOT NULL,
  incoming TEXT,
  incoming_at TEXT NOT NULL,
  incoming_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  resolved_at TEXT NOT NULL DEFAULT '',
  resolved_by TEXT NOT NULL DEFAULT '',
  resolution TEXT NOT NULL DEFAULT '');
CREATE INDEX sync_conflicts_by_answer ON sync_conflicts(assessment_id, module, question, resolved_at);
)sql",
    // 11 (issue 15): an enterprise's latest round is the last by (year, round) — the year its figures
    // describe (of as_of, else of the day it was saved), then the round within the year —, not the
    // highest round number: last year's file imported after this year's as a new round left the
    // flag on last year's round. The flags are marked again by that order.
    R"sql(
UPDATE bureau_facts SET latest = CASE WHEN round = (
  SELECT r.round FROM bureau_records r WHERE r.uscc = bureau_facts.uscc
  ORDER BY CAST(substr(CASE WHEN r.as_of <> '' THEN r.as_of ELSE r.imported_at END, 1, 4) AS INTEGER) DESC,
    r.round DESC
  LIMIT 1) THEN 1 ELSE 0 END;
)sql",
    // 12: an enterprise's assessments, and the enterprise list in its order, through an index (with
    // 200,000 assessments, both were scans: 32–100 ms of the server's CPU a request on SQLite).
    R"sql(
CREATE INDEX IF NOT EXISTS assessments_by_enterprise ON assessments(enterprise_id, id);
CREATE INDEX IF NOT EXISTS enterprises_by_name ON enterprises(name, id);
)sql",
    // 13 (issue 16): the few records whose facts do not fit the typed columns, by region — the
    // dashboard counts the others in the database and reads these one by one.
    R"sql(
CREATE INDEX IF NOT EXISTS bureau_facts_untyped ON bureau_facts(latest, region) WHERE typed = 0;
)sql",
};

// The same steps in PostgreSQL's dialect (same version numbers): identity keys, BIGINT for
// SQLite's INTEGER, typed fact columns (NUMERIC keeps an integer an integer and a float a float,
// as SQLite's untyped columns do), `rowid` for the invites' order of creation.
const char* const kPostgresMigrations[] = {
    // 1: the first schema.
    R"sql(
CREATE TABLE enterprises(
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  name TEXT NOT NULL,
  uscc TEXT UNIQUE,
  region TEXT NOT NULL DEFAULT '',
  industry TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL);
CREATE TABLE users(
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('admin', 'consultant', 'enterprise', 'bureau')),
  password_hash TEXT NOT NULL,
  enterprise_id BIGINT REFERENCES enterprises(id),
  created_at TEXT NOT NULL DEFAULT (to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')));
CREATE TABLE sessions(
  token TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf TEXT NOT NULL,
  expires_at BIGINT NOT NULL);
CREATE TABLE assessments(
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
  modules TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'submitted')),
  date TEXT NOT NULL DEFAULT '',
  assessor TEXT NOT NULL DEFAULT '',
  previous_id BIGINT REFERENCES assessments(id),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL);
CREATE TABLE answers(
  assessment_id BIGINT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
  module TEXT NOT NULL,
  question TEXT NOT NULL,
  answer TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by BIGINT REFERENCES users(id),
  PRIMARY KEY (assessment_id, module, question));
CREATE TABLE audit(
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  at TEXT NOT NULL,
  user_id BIGINT,
  assessment_id BIGINT NOT NULL,
  module TEXT NOT NULL,
  question TEXT NOT NULL,
  old TEXT,
  new TEXT);
CREATE INDEX audit_by_assessment ON audit(assessment_id, id);
CREATE TABLE evidence(
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  assessment_id BIGINT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
  module TEXT NOT NULL,
  question TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size BIGINT NOT NULL,
  mime TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')));
)sql",
    // 2: projects per assessment.
    R"sql(
ALTER TABLE assessments ADD COLUMN projects TEXT NOT NULL DEFAULT '[]';
)sql",
    // 3: invite links.
    R"sql(
CREATE TABLE invites(
  token TEXT PRIMARY KEY,
  enterprise_id BIGINT NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,
  created_by BIGINT REFERENCES users(id),
  expires_at BIGINT NOT NULL,
  used_by BIGINT REFERENCES users(id),
  rowid BIGINT GENERATED BY DEFAULT AS IDENTITY);
)sql",
    // 4: bureau records.
    R"sql(
CREATE TABLE bureau_records(
  uscc TEXT NOT NULL,
  round BIGINT NOT NULL,
  name TEXT NOT NULL,
  region TEXT NOT NULL DEFAULT '',
  facts TEXT NOT NULL,
  source TEXT NOT NULL,
  imported_at TEXT NOT NULL,
  PRIMARY KEY (uscc, round));
)sql",
    // 5: disabled accounts, first passwords, hashed session tokens, roles in the audit, events.
    R"sql(
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit ADD COLUMN role TEXT NOT NULL DEFAULT '';
CREATE TABLE events(
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  at TEXT NOT NULL,
  user_id BIGINT,
  role TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL,
  target TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '{}');
)sql",
    // 6: typed facts of the bureau records (kinds as in fact_table.cpp: bool and present as 0/1).
    R"sql(
CREATE TABLE bureau_facts(
  uscc TEXT NOT NULL,
  round BIGINT NOT NULL,
  latest INTEGER NOT NULL,
  typed INTEGER NOT NULL,
  name TEXT NOT NULL,
  region TEXT NOT NULL,
  industry TEXT NOT NULL,
  division TEXT NOT NULL,
  size_class TEXT NOT NULL,
  sme_total_q BIGINT,
  sf_total_q BIGINT,
  cmmm_total_q BIGINT,
  f_region TEXT, f_industry TEXT, f_size_class TEXT, f_is_sme BIGINT, f_above_designated_size BIGINT,
  f_employees NUMERIC, f_revenue_last_year NUMERIC, f_sme_quality_tier TEXT, f_smart_factory_tier TEXT,
  f_provincial_labels TEXT, f_green_factory_level TEXT, f_specialty_park BIGINT, f_park_fits_positioning BIGINT,
  f_resource_rating TEXT, f_digital_rd_tools BIGINT, f_key_process_cnc_rate NUMERIC,
  f_tech_investment_two_years NUMERIC, f_high_tech_enterprise BIGINT, f_single_champion BIGINT,
  f_sme_present BIGINT, f_sme_level TEXT, f_sme_total NUMERIC, f_sf_present BIGINT, f_sf_level TEXT,
  f_sf_total NUMERIC, f_cmmm_present BIGINT, f_cmmm_level TEXT, f_cmmm_total NUMERIC, f_projects_count NUMERIC,
  PRIMARY KEY (uscc, round),
  FOREIGN KEY (uscc, round) REFERENCES bureau_records(uscc, round) ON DELETE CASCADE);
CREATE INDEX bureau_facts_region ON bureau_facts(latest, region);
CREATE INDEX bureau_facts_peers_sme ON bureau_facts(latest, division, size_class, sme_total_q) WHERE sme_total_q IS NOT NULL;
CREATE INDEX bureau_facts_peers_sf ON bureau_facts(latest, division, size_class, sf_total_q) WHERE sf_total_q IS NOT NULL;
CREATE INDEX bureau_facts_peers_cmmm ON bureau_facts(latest, division, size_class, cmmm_total_q) WHERE cmmm_total_q IS NOT NULL;
)sql",
    // 7 (issue 15): where each bureau record came from, and the date its figures describe.
    R"sql(
ALTER TABLE bureau_records ADD COLUMN origin TEXT NOT NULL DEFAULT '{}';
ALTER TABLE bureau_records ADD COLUMN as_of TEXT NOT NULL DEFAULT '';
)sql",
    // 8: assessment versions and failed-login counts.
    R"sql(
ALTER TABLE assessments ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
CREATE TABLE login_attempts(
  key TEXT PRIMARY KEY,
  count INTEGER NOT NULL,
  next_allowed BIGINT NOT NULL,
  last BIGINT NOT NULL);
)sql",
    // 9: the technical projects on record of a bureau record (step 6 creates the column since).
    R"sql(
ALTER TABLE bureau_facts ADD COLUMN IF NOT EXISTS f_projects_count NUMERIC;
)sql",
    // 10: sync (global ids, synced authors, machine tokens, cursors, conflicts).
    R"sql(
CREATE TABLE sync_node(id TEXT NOT NULL);
ALTER TABLE assessments ADD COLUMN origin TEXT;
CREATE UNIQUE INDEX assessments_origin ON assessments(origin);
ALTER TABLE audit ADD COLUMN origin TEXT;
ALTER TABLE audit ADD COLUMN user_name TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX audit_origin ON audit(origin);
CREATE INDEX evidence_by_file ON evidence(assessment_id, module, question, sha256);
CREATE TABLE machine_tokens(
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  last_used_at TEXT NOT NULL DEFAULT '',
  revoked_at TEXT NOT NULL DEFAULT '');
CREATE TABLE sync_cursors(
  server TEXT NOT NULL,
  direction TEXT NOT NULL,
  cursor TEXT NOT NULL,
  PRIMARY KEY (server, direction));
CREATE TABLE sync_conflicts(
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  assessment_id BIGINT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
  module TEXT NOT NULL,
  question TEXT NOT NULL,
  kept TEXT,
  kept_at TEXT NOT NULL,
  kept_by TEXT NOT NULL,
  incoming TEXT,
  incoming_at TEXT NOT NULL,
  incoming_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  resolved_at TEXT NOT NULL DEFAULT '',
  resolved_by TEXT NOT NULL DEFAULT '',
  resolution TEXT NOT NULL DEFAULT '');
CREATE INDEX sync_conflicts_by_answer ON sync_conflicts(assessment_id, module, question, resolved_at);
)sql",
    // 11 (issue 15): an enterprise's latest round is the last by (year, round) — the year its figures
    // describe (of as_of, else of the day it was saved), then the round within the year —, not the
    // highest round number: last year's file imported after this year's as a new round left the
    // flag on last year's round. The flags are marked again by that order.
    R"sql(
UPDATE bureau_facts SET latest = CASE WHEN round = (
  SELECT r.round FROM bureau_records r WHERE r.uscc = bureau_facts.uscc
  ORDER BY CAST(substr(CASE WHEN r.as_of <> '' THEN r.as_of ELSE r.imported_at END, 1, 4) AS INTEGER) DESC,
    r.round DESC
  LIMIT 1) THEN 1 ELSE 0 END;
)sql",
    // 12: an enterprise's assessments, and the enterprise list in its order, through an index (with
    // 200,000 assessments, both were scans: 32–100 ms of the server's CPU a request on SQLite).
    R"sql(
CREATE INDEX IF NOT EXISTS assessments_by_enterprise ON assessments(enterprise_id, id);
CREATE INDEX IF NOT EXISTS enterprises_by_name ON enterprises(name, id);
)sql",
    // 13 (issue 16): the few records whose facts do not fit the typed columns, by region — the
    // dashboard counts the others in the database and reads these one by one.
    R"sql(
CREATE INDEX IF NOT EXISTS bureau_facts_untyped ON bureau_facts(latest, region) WHERE typed = 0;
)sql",
};

// A prepared statement borrowed from the database's cache: prepared once per SQL text, reset after
// each use (preparing was a seventh of the time of an answer save).
class Statement {
 public:
  Statement(Database& db, const std::string& sql) : c_(db.prepare(sql)) {}
  ~Statement() { c_.reset(); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, const std::string& v) {
    c_.bind_text(i, v);
    return *this;
  }
  Statement& bind(int i, std::int64_t v) {
    c_.bind_int(i, v);
    return *this;
  }
  Statement& bind_null(int i) {
    c_.bind_null(i);
    return *this;
  }
  Statement& bind_double(int i, double v) {
    c_.bind_double(i, v);
    return *this;
  }
  // The rows as they arrive (db.h Cursor::stream); call before the first step.
  Statement& stream() {
    c_.stream();
    return *this;
  }
  // True while there is a row.
  bool step() { return c_.step(); }
  void run() {
    while (step()) {
    }
  }
  std::string text(int col) const { return std::string(c_.text(col)); }
  std::int64_t integer(int col) const { return c_.integer(col); }
  double real(int col) const { return c_.real(col); }
  std::string_view view(int col) const { return c_.text(col); }
  bool null(int col) const { return c_.type(col) == ColumnType::kNull; }
  ColumnType type(int col) const { return c_.type(col); }
  std::int64_t changes() const { return c_.changes(); }
  // Runs an INSERT … RETURNING id and gives the id.
  std::int64_t insert() {
    std::int64_t id = 0;
    if (step()) id = integer(0);
    run();
    return id;
  }

 private:
  Cursor& c_;
};

// A transaction that rolls back unless committed.
class Transaction {
 public:
  explicit Transaction(Database& db) : db_(db) { db.begin(); }
  ~Transaction() {
    if (!done_) db_.rollback();
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    db_.commit();
    done_ = true;
  }

 private:
  Database& db_;
  bool done_ = false;
};

User read_user(const Statement& s, int first) {
  User u;
  u.id = s.integer(first);
  u.name = s.text(first + 1);
  u.role = s.text(first + 2);
  if (!s.null(first + 3)) u.enterprise_id = s.integer(first + 3);
  u.disabled = s.integer(first + 4) != 0;
  u.must_change_password = s.integer(first + 5) != 0;
  return u;
}

// The columns read_user reads, in its order.
constexpr const char* kUserColumns = "id, name, role, enterprise_id, disabled, must_change_password";

AssessmentRow read_assessment(const Statement& s) {
  AssessmentRow a;
  a.id = s.integer(0);
  a.enterprise_id = s.integer(1);
  a.modules = Json::parse(s.text(2)).get<std::vector<std::string>>();
  a.status = s.text(3);
  a.date = s.text(4);
  a.assessor = s.text(5);
  if (!s.null(6)) a.previous_id = s.integer(6);
  a.created_at = s.text(7);
  a.updated_at = s.text(8);
  a.version = s.integer(9);
  return a;
}

constexpr const char* kAssessmentColumns =
    "SELECT id, enterprise_id, modules, status, date, assessor, previous_id, created_at, updated_at, version FROM "
    "assessments";

bool ensure_sodium() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

}  // namespace

std::string random_token(std::size_t bytes) {
  ensure_sodium();
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::string sha256_hex(const std::string& bytes) {
  ensure_sodium();
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : digest) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::unique_ptr<Store> Store::open(const std::string& target) {
  std::unique_ptr<Store> store(new Store(Database::open(target)));
  store->migrate();
  return store;
}

Store::Store(std::unique_ptr<Database> db) : db_(std::move(db)) {}

Store::~Store() = default;

Store::Guard::Guard(const Store& store) : store_(store) {
  store_.mutex_.lock();
  if (store_.writer_depth_++ == 0) store_.writer_.store(std::this_thread::get_id());
}

Store::Guard::~Guard() {
  if (--store_.writer_depth_ == 0) store_.writer_.store(std::thread::id());
  store_.mutex_.unlock();
}

// One read-only connection of the pool. `owner` and `depth` change under readers_mutex_; only the
// owning thread uses the connection and `snapshot`.
struct Store::Reader {
  explicit Reader(std::unique_ptr<Database> d) : db(std::move(d)) {}
  std::unique_ptr<Database> db;
  std::thread::id owner;
  int depth = 0;          // Readings of the owner on it (a method calling another)
  bool snapshot = false;  // a read transaction is open
};

// Where a method that only reads runs its statements: on the connection that writes when this
// thread holds it (a read inside a write method sees the write) or when there are no readers
// (":memory:"), else on a read-only connection of the pool — the one this thread already uses, a
// free one, or a new one while there are fewer than kReaders. It waits only when all are in use.
class Store::Reading {
 public:
  explicit Reading(const Store& store) : store_(store) {
    const std::thread::id me = std::this_thread::get_id();
    if (store.writer_.load() != me) {
      std::unique_lock<std::mutex> lock(store.readers_mutex_);
      reader_ = take(me, lock);
      if (reader_) {
        reader_->owner = me;
        ++reader_->depth;
        db_ = reader_->db.get();
        return;
      }
    }
    guard_.emplace(store);
    db_ = store.db_.get();
  }
  ~Reading() {
    if (began_) {
      db_->rollback();  // nothing was written: the end of the snapshot
      reader_->snapshot = false;
    }
    if (!reader_) return;
    {
      const std::lock_guard<std::mutex> lock(store_.readers_mutex_);
      if (--reader_->depth > 0) return;
      reader_->owner = std::thread::id();
    }
    store_.reader_free_.notify_one();
  }
  Reading(const Reading&) = delete;
  Reading& operator=(const Reading&) = delete;
  Reading(Reading&&) = delete;
  Reading& operator=(Reading&&) = delete;

  Database& db() const { return *db_; }
  // The statements from here to the end of the outermost Reading read one state of the database (a
  // method of several statements). On the connection that writes, the lock already keeps this
  // process's writers out (and a write method's own transaction is the snapshot).
  void snapshot() const {
    if (!reader_ || reader_->snapshot) return;
    db_->begin_read();
    reader_->snapshot = true;
    began_ = true;
  }

 private:
  // The reader this thread is to use, or null for the connection that writes.
  Reader* take(std::thread::id me, std::unique_lock<std::mutex>& lock) const {
    auto& readers = store_.readers_;
    for (auto& r : readers) {
      if (r->depth > 0 && r->owner == me) return r.get();
    }
    while (store_.readers_possible_) {
      for (auto& r : readers) {
        if (r->depth == 0) return r.get();
      }
      if (readers.size() < kReaders) {
        std::unique_ptr<Database> db;
        try {
          db = store_.db_->open_reader();
        } catch (const std::exception&) {
          // Refused (PostgreSQL's connection limit): wait for one of those open, or read on the
          // connection that writes when there is none.
          if (readers.empty()) return nullptr;
          store_.reader_free_.wait(lock);
          continue;
        }
        if (!db) {
          store_.readers_possible_ = false;
          return nullptr;
        }
        readers.push_back(std::make_unique<Reader>(std::move(db)));
        return readers.back().get();
      }
      store_.reader_free_.wait(lock);
    }
    return nullptr;
  }

  const Store& store_;
  std::optional<Guard> guard_;  // when reading on the connection that writes
  Reader* reader_ = nullptr;
  Database* db_ = nullptr;
  mutable bool began_ = false;
};

Store::Reading Store::reading() const {
  return Reading(*this);
}

std::size_t Store::readers_opened() const {
  const std::lock_guard<std::mutex> lock(readers_mutex_);
  return readers_.size();
}

bool Store::shared() const {
  return db_->postgres();
}

int Store::latest_schema_version() {
  static_assert(std::size(kMigrations) == std::size(kPostgresMigrations));
  return static_cast<int>(std::size(kMigrations));
}

int Store::schema_version() const {
  const auto lock = guard();
  return db_->schema_version();
}

void Store::migrate() {
  const auto lock = guard();
  // Several servers may start at once on one PostgreSQL: one migrates, the others wait for it.
  struct SchemaLock {
    Database& db;
    explicit SchemaLock(Database& d) : db(d) {
      if (db.postgres()) db.exec("SELECT pg_advisory_lock(4242016)");
    }
    ~SchemaLock() {
      if (db.postgres()) {
        try {
          db.exec("SELECT pg_advisory_unlock(4242016)");
        } catch (const Error&) {
        }
      }
    }
    SchemaLock(const SchemaLock&) = delete;
    SchemaLock& operator=(const SchemaLock&) = delete;
  } schema_lock(*db_);
  const int from = schema_version();
  if (from > latest_schema_version()) {
    throw Error("database", "",
                "the database has schema version " + std::to_string(from) + ", newer than this program knows (" +
                    std::to_string(latest_schema_version()) + "); use a newer assess");
  }
  for (int v = from; v < latest_schema_version(); ++v) {
    Transaction t(*db_);
    db_->exec(db_->postgres() ? kPostgresMigrations[static_cast<std::size_t>(v)]
                              : kMigrations[static_cast<std::size_t>(v)]);
    if (v == 8 && !db_->postgres()) {
      bool present = false;
      {
        Statement s(*db_, "SELECT 1 FROM pragma_table_info('bureau_facts') WHERE name = 'f_projects_count'");
        present = s.step();
      }
      if (!present) db_->exec("ALTER TABLE bureau_facts ADD COLUMN f_projects_count");
    }
    if (v == 4) {
      // Session tokens were stored as given; keep only their SHA-256 from now on.
      std::vector<std::string> tokens;
      {
        Statement s(*db_, "SELECT token FROM sessions");
        while (s.step()) tokens.push_back(s.text(0));
      }
      for (const auto& token : tokens) {
        Statement u(*db_, "UPDATE sessions SET token = ? WHERE token = ?");
        u.bind(1, sha256_hex(token)).bind(2, token).run();
      }
    }
    if (v == 5) {
      // The typed facts of every record imported before this step.
      std::vector<BureauRecord> records;
      std::vector<std::int64_t> rounds;
      {
        Statement s(*db_, "SELECT uscc, round, name, facts FROM bureau_records ORDER BY uscc, round");
        while (s.step()) {
          BureauRecord r;
          r.uscc = s.text(0);
          rounds.push_back(s.integer(1));
          r.name = s.text(2);
          r.facts = Json::parse(s.text(3));
          records.push_back(std::move(r));
        }
      }
      for (std::size_t i = 0; i < records.size(); ++i) {
        const bool latest = i + 1 == records.size() || records[i + 1].uscc != records[i].uscc;
        save_facts(records[i], rounds[i], latest);
      }
    }
    if (v == 9) {
      // This database's node id: the prefix of the global ids of the rows it makes.
      Statement s(*db_, "INSERT INTO sync_node(id) VALUES (?)");
      s.bind(1, random_token(12)).run();
    }
    db_->set_schema_version(v + 1);
    t.commit();
  }
}

std::string hash_password(const std::string& password) {
  ensure_sodium();
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    throw Error("database", "", "out of memory while hashing a password");
  }
  return hash;
}

bool verify_password(const std::string& hash, const std::string& password) {
  ensure_sodium();
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string password_problem(const std::string& password) {
  if (password.size() < 10) return "a password needs at least 10 characters";
  // The most common passwords of public leak lists that are 10 characters or longer.
  static const char* kCommon[] = {
      "1234567890",    "0123456789",    "12345678910", "1234567890a",  "123456789a",  "a123456789",  "qwertyuiop",
      "1q2w3e4r5t",    "1qaz2wsx3edc",  "password123", "password1234", "passw0rd123", "iloveyou123", "qwerty1234",
      "qwerty12345",   "qwertyuiop123", "abcdefghij",  "abc1234567",   "1111111111",  "0000000000",  "aaaaaaaaaa",
      "administrator", "admin12345",    "admin123456", "adminadmin",   "welcome123",  "letmein123",  "changeme123",
      "woaini1314",    "woaini520520",  "5201314520",  "1314520520",   "a1234567890", "88888888888", "6666666666",
      "1234qwerasdf",  "qazwsxedcrfv",  "zxcvbnm123",  "asdfghjkl123", "p@ssw0rd123"};
  std::string lower;
  for (char c : password) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* c : kCommon) {
    if (lower == c) return "this password is on the list of common passwords; choose another";
  }
  if (std::all_of(password.begin(), password.end(), [&](char c) { return c == password[0]; })) {
    return "a password of one repeated character is too easy to guess";
  }
  return "";
}

std::string user_name_problem(const std::string& name) {
  static const std::string kRule =
      "a user name has 1 to 64 characters: ASCII letters, digits, \".\", \"_\", \"-\" and Chinese characters";
  if (name.empty()) return kRule;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < name.size();) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x80) {
      if (!std::isalnum(c) && c != '.' && c != '_' && c != '-') return kRule;
      ++i;
    } else {
      // Decode one UTF-8 sequence; only CJK unified ideographs (and their extensions) are allowed.
      const std::size_t len = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
      if (len < 3 || i + len > name.size()) return kRule;
      char32_t cp = len == 3 ? (c & 0x0F) : (c & 0x07);
      for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(name[i + k]);
        if ((b >> 6) != 2) return kRule;
        cp = (cp << 6) | (b & 0x3F);
      }
      const bool cjk = (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
                       (cp >= 0x20000 && cp <= 0x2EBEF) || (cp >= 0x30000 && cp <= 0x323AF);
      if (!cjk || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return kRule;
      i += len;
    }
    if (++chars > 64) return kRule;
  }
  return "";
}

User Store::add_user(const std::string& name, const std::string& password, const std::string& role,
                     std::optional<std::int64_t> enterprise_id) {
  const auto lock = guard();
  return add_user_hash(name, hash_password(password), role, enterprise_id);
}

User Store::add_user_hash(const std::string& name, const std::string& hash, const std::string& role,
                          std::optional<std::int64_t> enterprise_id, bool must_change_password) {
  const auto lock = guard();
  Statement s(
      *db_, "INSERT INTO users(name, role, password_hash, enterprise_id, must_change_password) VALUES (?, ?, ?, ?, ?)");
  s.bind(1, name).bind(2, role).bind(3, hash).bind(5, static_cast<std::int64_t>(must_change_password ? 1 : 0));
  if (enterprise_id) {
    s.bind(4, *enterprise_id);
  } else {
    s.bind_null(4);
  }
  try {
    s.run();
  } catch (const Error&) {
    throw Error("users", "/name",
                "user \"" + name + "\" exists already or the role is not one of admin, consultant, enterprise, bureau");
  }
  return *find_user(name);
}

void Store::set_password(const std::string& name, const std::string& password) {
  const auto lock = guard();
  const auto u = find_user(name);
  if (!u) throw Error("users", "", "no user \"" + name + "\"", ErrorKind::kNotFound);
  set_password_hash(u->id, hash_password(password));
}

void Store::set_password_hash(std::int64_t user_id, const std::string& hash, const std::string& keep_token) {
  const auto lock = guard();
  Transaction t(*db_);
  Statement s(*db_, "UPDATE users SET password_hash = ?, must_change_password = 0 WHERE id = ?");
  s.bind(1, hash).bind(2, user_id).run();
  if (s.changes() == 0) throw Error("users", "", "no user " + std::to_string(user_id), ErrorKind::kNotFound);
  Statement d(*db_, "DELETE FROM sessions WHERE user_id = ? AND token <> ?");
  d.bind(1, user_id).bind(2, keep_token.empty() ? std::string() : sha256_hex(keep_token)).run();
  t.commit();
}

std::optional<std::pair<User, std::string>> Store::credentials(const std::string& name) {
  const auto read = reading();
  Statement s(read.db(), std::string("SELECT ") + kUserColumns + ", password_hash FROM users WHERE name = ?");
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return std::make_pair(read_user(s, 0), s.text(6));
}

std::optional<User> Store::check_password(const std::string& name, const std::string& password) {
  // No lock while the hash is checked (about 0.5 s): credentials() reads the row.
  auto found = credentials(name);
  if (!found) {
    // Spend the same time as a real check, so response times do not reveal which names exist.
    static const std::string dummy = hash_password("x");
    (void)verify_password(dummy, password);
    return std::nullopt;
  }
  if (!verify_password(found->second, password)) return std::nullopt;
  return found->first;
}

std::optional<User> Store::find_user(const std::string& name) {
  const auto read = reading();
  Statement s(read.db(), std::string("SELECT ") + kUserColumns + " FROM users WHERE name = ?");
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return read_user(s, 0);
}

std::optional<User> Store::user(std::int64_t id) {
  const auto read = reading();
  Statement s(read.db(), std::string("SELECT ") + kUserColumns + " FROM users WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_user(s, 0);
}

std::vector<User> Store::users() {
  const auto read = reading();
  Statement s(read.db(), std::string("SELECT ") + kUserColumns + " FROM users ORDER BY name");
  std::vector<User> out;
  while (s.step()) out.push_back(read_user(s, 0));
  return out;
}

void Store::set_disabled(std::int64_t user_id, bool disabled) {
  const auto lock = guard();
  Transaction t(*db_);
  Statement s(*db_, "UPDATE users SET disabled = ? WHERE id = ?");
  s.bind(1, static_cast<std::int64_t>(disabled ? 1 : 0)).bind(2, user_id).run();
  if (s.changes() == 0) throw Error("users", "", "no user " + std::to_string(user_id), ErrorKind::kNotFound);
  if (disabled) {
    Statement d(*db_, "DELETE FROM sessions WHERE user_id = ?");
    d.bind(1, user_id).run();
  }
  t.commit();
}

void Store::set_role(std::int64_t user_id, const std::string& role, std::optional<std::int64_t> enterprise_id) {
  const auto lock = guard();
  Statement s(*db_, "UPDATE users SET role = ?, enterprise_id = ? WHERE id = ?");
  s.bind(1, role).bind(3, user_id);
  if (enterprise_id) {
    s.bind(2, *enterprise_id);
  } else {
    s.bind_null(2);
  }
  s.run();
  if (s.changes() == 0) throw Error("users", "", "no user " + std::to_string(user_id), ErrorKind::kNotFound);
}

void Store::reset_password_hash(std::int64_t user_id, const std::string& hash) {
  const auto lock = guard();
  Transaction t(*db_);
  Statement s(*db_, "UPDATE users SET password_hash = ?, must_change_password = 1 WHERE id = ?");
  s.bind(1, hash).bind(2, user_id).run();
  if (s.changes() == 0) throw Error("users", "", "no user " + std::to_string(user_id), ErrorKind::kNotFound);
  Statement d(*db_, "DELETE FROM sessions WHERE user_id = ?");
  d.bind(1, user_id).run();
  t.commit();
}

void Store::log_event(const std::string& at, std::optional<std::int64_t> user_id, const std::string& role,
                      const std::string& action, const std::string& target, const Json& detail) {
  const auto lock = guard();
  Statement s(*db_, "INSERT INTO events(at, user_id, role, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)");
  s.bind(1, at).bind(3, role).bind(4, action).bind(5, target).bind(
      6, detail.dump(-1, ' ', false, Json::error_handler_t::replace));
  if (user_id) {
    s.bind(2, *user_id);
  } else {
    s.bind_null(2);
  }
  s.run();
}

Json Store::events(int limit) {
  const auto read = reading();
  Statement s(read.db(),
              "SELECT e.at, e.user_id, coalesce(u.name, ''), e.role, e.action, e.target, e.detail FROM events e "
              "LEFT JOIN users u ON u.id = e.user_id ORDER BY e.id DESC LIMIT ?");
  s.bind(1, static_cast<std::int64_t>(limit));
  Json out = Json::array();
  while (s.step()) {
    out.push_back({{"at", s.text(0)},
                   {"user_id", s.null(1) ? Json() : Json(s.integer(1))},
                   {"user", s.text(2)},
                   {"role", s.text(3)},
                   {"action", s.text(4)},
                   {"target", s.text(5)},
                   {"detail", Json::parse(s.text(6))}});
  }
  return out;
}

std::int64_t Store::user_count() {
  const auto read = reading();
  Statement s(read.db(), "SELECT count(*) FROM users");
  s.step();
  return s.integer(0);
}

Session Store::create_session(const User& user, std::int64_t now, std::int64_t lifetime_seconds) {
  const auto lock = guard();
  Session session{random_token(), random_token(16), user};
  Statement s(*db_, "INSERT INTO sessions(token, user_id, csrf, expires_at) VALUES (?, ?, ?, ?)");
  s.bind(1, sha256_hex(session.token)).bind(2, user.id).bind(3, session.csrf).bind(4, now + lifetime_seconds).run();
  Statement cleanup(*db_, "DELETE FROM sessions WHERE expires_at < ?");
  cleanup.bind(1, now).run();
  return session;
}

std::optional<Session> Store::find_session(const std::string& token, std::int64_t now) {
  const auto read = reading();
  Statement s(
      read.db(),
      "SELECT s.csrf, u.id, u.name, u.role, u.enterprise_id, u.disabled, u.must_change_password FROM sessions s "
      "JOIN users u ON u.id = s.user_id WHERE s.token = ? AND s.expires_at >= ? AND u.disabled = 0");
  s.bind(1, sha256_hex(token)).bind(2, now);
  if (!s.step()) return std::nullopt;
  return Session{token, s.text(0), read_user(s, 1)};
}

void Store::delete_session(const std::string& token) {
  const auto lock = guard();
  Statement s(*db_, "DELETE FROM sessions WHERE token = ?");
  s.bind(1, sha256_hex(token)).run();
}

EnterpriseRow Store::add_enterprise(const EnterpriseRow& e) {
  const auto lock = guard();
  // Times are ISO 8601 UTC: the request time when the caller gives one, else SQLite's clock.
  Statement s(*db_,
              "INSERT INTO enterprises(name, uscc, region, industry, created_at) VALUES (?, ?, ?, ?, "
              "coalesce(nullif(?, ''), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))) RETURNING id");
  s.bind(1, e.name);
  if (e.uscc.empty()) {
    s.bind_null(2);
  } else {
    s.bind(2, e.uscc);
  }
  s.bind(3, e.region).bind(4, e.industry).bind(5, e.created_at);
  std::int64_t id = 0;
  try {
    id = s.insert();
  } catch (const Error&) {
    throw Error("enterprises", "/uscc", "an enterprise with unified social credit code " + e.uscc + " exists already");
  }
  return *enterprise(id);
}

namespace {
EnterpriseRow read_enterprise(const Statement& s) {
  return {s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5)};
}
constexpr const char* kEnterpriseColumns =
    "SELECT id, name, coalesce(uscc, ''), region, industry, created_at FROM enterprises";
}  // namespace

std::optional<EnterpriseRow> Store::enterprise(std::int64_t id) {
  const auto read = reading();
  Statement s(read.db(), (std::string(kEnterpriseColumns) + " WHERE id = ?").c_str());
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_enterprise(s);
}

std::optional<EnterpriseRow> Store::enterprise_by_uscc(const std::string& uscc) {
  const auto read = reading();
  Statement s(read.db(), (std::string(kEnterpriseColumns) + " WHERE uscc = ?").c_str());
  s.bind(1, uscc);
  if (!s.step()) return std::nullopt;
  return read_enterprise(s);
}

std::vector<EnterpriseRow> Store::enterprises(const std::string& search, int limit, int offset) {
  const auto read = reading();
  // Parameterised LIKE with the user's text escaped, so % and _ match themselves.
  std::string pattern = "%";
  for (char c : search) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  pattern += "%";
  // Without a search, the list's order is an index's (enterprises_by_name): a page reads its rows.
  // (?1 stays in both forms, so that both bind the same parameters on PostgreSQL too.)
  const std::string where =
      search.empty()    ? " WHERE ?1 = '%%'"
      : db_->postgres() ? " WHERE name ILIKE ?1 ESCAPE '\\' OR uscc ILIKE ?1 ESCAPE '\\' OR region ILIKE ?1 ESCAPE '\\'"
                        : " WHERE name LIKE ?1 ESCAPE '\\' OR uscc LIKE ?1 ESCAPE '\\' OR region LIKE ?1 ESCAPE '\\'";
  Statement s(read.db(), std::string(kEnterpriseColumns) + where + " ORDER BY name, id LIMIT ?2 OFFSET ?3");
  s.bind(1, pattern).bind(2, static_cast<std::int64_t>(limit)).bind(3, static_cast<std::int64_t>(offset));
  std::vector<EnterpriseRow> out;
  while (s.step()) out.push_back(read_enterprise(s));
  return out;
}

AssessmentRow Store::add_assessment(const AssessmentRow& a) {
  const auto lock = guard();
  Statement s(
      *db_,
      "INSERT INTO assessments(enterprise_id, modules, status, date, assessor, previous_id, created_at, updated_at) "
      "VALUES (?, ?, 'open', ?, ?, ?, coalesce(nullif(?6, ''), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')), "
      "coalesce(nullif(?6, ''), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))) RETURNING id");
  s.bind(1, a.enterprise_id).bind(2, Json(a.modules).dump()).bind(3, a.date).bind(4, a.assessor).bind(6, a.created_at);
  if (a.previous_id) {
    s.bind(5, *a.previous_id);
  } else {
    s.bind_null(5);
  }
  const std::int64_t id = s.insert();
  return *assessment(id);
}

std::optional<AssessmentRow> Store::assessment(std::int64_t id) {
  const auto read = reading();
  Statement s(read.db(), (std::string(kAssessmentColumns) + " WHERE id = ?").c_str());
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_assessment(s);
}

std::vector<AssessmentRow> Store::assessments_of(std::int64_t enterprise_id) {
  const auto read = reading();
  Statement s(read.db(), (std::string(kAssessmentColumns) + " WHERE enterprise_id = ? ORDER BY id").c_str());
  s.bind(1, enterprise_id);
  std::vector<AssessmentRow> out;
  while (s.step()) out.push_back(read_assessment(s));
  return out;
}

void Store::set_status(std::int64_t id, const std::string& status, const std::string& now,
                       std::optional<std::int64_t> user_id, const std::string& role) {
  const auto lock = guard();
  Transaction t(*db_);
  const auto before = assessment(id);
  Statement s(*db_,
              "UPDATE assessments SET status = ?1, version = version + 1, updated_at = coalesce(nullif(?3, ''), "
              "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) WHERE id = ?2");
  s.bind(1, status).bind(2, id).bind(3, now).run();
  if (before) audit_row(id, "", "#status", before->status, status, user_id, role, now);
  t.commit();
}

void Store::audit_row(std::int64_t assessment_id, const std::string& module, const std::string& question,
                      const Json& old, const Json& now_value, std::optional<std::int64_t> user_id,
                      const std::string& role, const std::string& at) {
  Statement s(*db_,
              "INSERT INTO audit(at, user_id, assessment_id, module, question, old, new, role) VALUES "
              "(coalesce(nullif(?, ''), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')), ?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, at).bind(3, assessment_id).bind(4, module).bind(5, question).bind(8, role);
  if (user_id) {
    s.bind(2, *user_id);
  } else {
    s.bind_null(2);
  }
  if (old.is_null()) {
    s.bind_null(6);
  } else {
    s.bind(6, old.dump(-1, ' ', false, Json::error_handler_t::replace));
  }
  if (now_value.is_null()) {
    s.bind_null(7);
  } else {
    s.bind(7, now_value.dump(-1, ' ', false, Json::error_handler_t::replace));
  }
  s.run();
}

Json Store::answers(std::int64_t assessment_id) {
  const auto read = reading();
  Statement s(read.db(),
              "SELECT module, question, answer FROM answers WHERE assessment_id = ? ORDER BY module, question");
  s.bind(1, assessment_id);
  Json out = Json::object();
  while (s.step()) out[s.text(0)][s.text(1)] = Json::parse(s.text(2));
  return out;
}

Store::AssessmentState Store::state(std::int64_t assessment_id) {
  const auto read = reading();
  // One statement, so one snapshot on both databases: the version belongs to exactly these answers.
  Statement s(read.db(),
              "SELECT a.version, a.projects, x.module, x.question, x.answer FROM assessments a "
              "LEFT JOIN answers x ON x.assessment_id = a.id WHERE a.id = ? ORDER BY x.module, x.question");
  s.bind(1, assessment_id);
  AssessmentState out;
  out.answers = Json::object();
  out.projects = Json::array();
  bool first = true;
  while (s.step()) {
    if (first) {
      out.version = s.integer(0);
      out.projects = Json::parse(s.text(1));
      first = false;
    }
    if (!s.null(2)) out.answers[s.text(2)][s.text(3)] = Json::parse(s.text(4));
  }
  return out;
}

Json Store::answer(std::int64_t assessment_id, const std::string& module, const std::string& question) {
  const auto read = reading();
  Statement s(read.db(), "SELECT answer FROM answers WHERE assessment_id = ? AND module = ? AND question = ?");
  s.bind(1, assessment_id).bind(2, module).bind(3, question);
  return s.step() ? Json::parse(s.text(0)) : Json();
}

Json Store::save_answer(std::int64_t assessment_id, const std::string& module, const std::string& question,
                        const Json& answer, std::optional<std::int64_t> user_id, const std::string& now,
                        const std::string& role, std::int64_t* version) {
  AnswerSave save;
  save.assessment_id = assessment_id;
  save.module = module;
  save.question = question;
  save.answer = answer;
  save.user_id = user_id;
  save.now = now;
  save.role = role;
  std::vector<AnswerSave*> one{&save};
  save_answers(one);
  if (save.error) std::rethrow_exception(save.error);
  if (version) *version = save.version;
  return std::move(save.old);
}

// One transaction for the whole batch (the server's group commit: one BEGIN/COMMIT, SQLite's locks
// and WAL frames or PostgreSQL's round trips, serves many saves). If it fails, each save runs again
// in its own transaction, so one bad save never takes the others with it.
void Store::save_answers(std::vector<AnswerSave*>& batch) {
  const auto lock = guard();
  // By assessment, each one's saves in the order they came: PostgreSQL then locks the rows of two
  // batches in one order, and saves to one assessment still follow each other.
  std::stable_sort(batch.begin(), batch.end(),
                   [](const AnswerSave* a, const AnswerSave* b) { return a->assessment_id < b->assessment_id; });
  try {
    Transaction t(*db_);
    for (AnswerSave* p : batch) save_one(*p);
    t.commit();
  } catch (...) {
    for (AnswerSave* p : batch) {
      try {
        Transaction t(*db_);
        save_one(*p);
        t.commit();
      } catch (...) {
        p->error = std::current_exception();
      }
    }
  }
}

void Store::save_one(AnswerSave& p) {
  // The assessment's row first: on PostgreSQL it locks the row, so saves to one assessment from
  // several servers follow each other and each reads the old value the one before it left.
  {
    Statement s(*db_, p.require_open ? "UPDATE assessments SET updated_at = ?, version = version + 1 WHERE id = ? "
                                       "AND status = 'open' RETURNING version"
                                     : "UPDATE assessments SET updated_at = ?, version = version + 1 WHERE id = ? "
                                       "RETURNING version");
    s.bind(1, p.now).bind(2, p.assessment_id);
    p.version = s.insert();
    if (p.version == 0 && p.require_open) throw NotOpen();
  }
  p.old = Json();
  {
    Statement s(*db_, "SELECT answer FROM answers WHERE assessment_id = ? AND module = ? AND question = ?");
    s.bind(1, p.assessment_id).bind(2, p.module).bind(3, p.question);
    if (s.step()) p.old = Json::parse(s.text(0));
  }
  // Read and changed in this transaction, so that a value and an evidence file saved at once both stay.
  const bool old_evidence = p.old.is_object() && p.old.contains("evidence") && p.old["evidence"].is_array();
  if (p.add_evidence.is_object()) {
    p.answer = p.old.is_object() ? p.old : p.old.is_null() ? Json::object() : Json{{"value", p.old}};
    if (old_evidence && p.old["evidence"].size() >= p.max_evidence) throw TooMuchEvidence();
    p.answer["evidence"].push_back(p.add_evidence);
  } else if (p.keep_evidence && old_evidence && !(p.answer.is_object() && p.answer.contains("evidence"))) {
    // A changed value keeps the files attached to the answer (they are removed by their own route).
    if (!p.answer.is_object()) p.answer = Json{{"value", p.answer}};
    p.answer["evidence"] = p.old["evidence"];
  }
  if (p.answer.is_null()) {
    Statement s(*db_, "DELETE FROM answers WHERE assessment_id = ? AND module = ? AND question = ?");
    s.bind(1, p.assessment_id).bind(2, p.module).bind(3, p.question).run();
  } else {
    Statement s(*db_,
                "INSERT INTO answers(assessment_id, module, question, answer, updated_at, updated_by) VALUES (?, ?, ?, "
                "?, ?, ?) "
                "ON CONFLICT(assessment_id, module, question) DO UPDATE SET answer = excluded.answer, "
                "updated_at = excluded.updated_at, updated_by = excluded.updated_by");
    s.bind(1, p.assessment_id)
        .bind(2, p.module)
        .bind(3, p.question)
        .bind(4, p.answer.dump(-1, ' ', false, Json::error_handler_t::replace))
        .bind(5, p.now);
    if (p.user_id) {
      s.bind(6, *p.user_id);
    } else {
      s.bind_null(6);
    }
    s.run();
  }
  audit_row(p.assessment_id, p.module, p.question, p.old, p.answer, p.user_id, p.role, p.now);
}

void Store::copy_answers(std::int64_t from_assessment, std::int64_t to_assessment, const std::string& now) {
  const auto lock = guard();
  Transaction t(*db_);
  Statement s(*db_, db_->postgres()
                        ? "INSERT INTO answers(assessment_id, module, question, answer, updated_at, updated_by) "
                          "SELECT ?1, module, question, answer, ?2, NULL FROM answers WHERE assessment_id = ?3 AND "
                          "module IN (SELECT json_array_elements_text((SELECT modules FROM assessments WHERE id = "
                          "?1)::json))"
                        : "INSERT INTO answers(assessment_id, module, question, answer, updated_at, updated_by) "
                          "SELECT ?1, module, question, answer, ?2, NULL FROM answers WHERE assessment_id = ?3 AND "
                          "module IN (SELECT value FROM json_each((SELECT modules FROM assessments WHERE id = ?1)))");
  s.bind(1, to_assessment).bind(2, now).bind(3, from_assessment).run();
  Statement p(
      *db_,
      "UPDATE assessments SET projects = (SELECT projects FROM assessments WHERE id = ?), version = version + 1 "
      "WHERE id = ?");
  p.bind(1, from_assessment).bind(2, to_assessment).run();
  // The copied values are audited like saves (role "copy"), so the audit explains every stored
  // answer and a sync that replays the audit (issue 16) carries them.
  Statement au(*db_,
               "INSERT INTO audit(at, user_id, assessment_id, module, question, old, new, role) SELECT "
               "coalesce(nullif(?1, ''), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')), NULL, ?2, module, question, NULL, "
               "answer, 'copy' FROM answers WHERE assessment_id = ?2 ORDER BY module, question");
  au.bind(1, now).bind(2, to_assessment).run();
  const Json copied = projects(to_assessment);
  if (copied != Json::array())
    audit_row(to_assessment, "", "#projects", Json::array(), copied, std::nullopt, "copy", now);
  t.commit();
}

Json Store::audit(std::int64_t assessment_id, int limit) {
  const auto read = reading();
  Statement s(
      read.db(),
      "SELECT a.at, coalesce(u.name, a.user_name), a.module, a.question, a.old, a.new, a.user_id, a.role FROM audit a "
      "LEFT JOIN users u ON u.id = a.user_id "
      "WHERE a.assessment_id = ? ORDER BY a.id DESC LIMIT ?");
  s.bind(1, assessment_id).bind(2, static_cast<std::int64_t>(limit));
  Json out = Json::array();
  while (s.step()) {
    out.push_back({{"at", s.text(0)},
                   {"user", s.text(1)},
                   {"user_id", s.null(6) ? Json() : Json(s.integer(6))},
                   {"role", s.text(7)},
                   {"module", s.text(2)},
                   {"question", s.text(3)},
                   {"old", s.null(4) ? Json() : Json::parse(s.text(4))},
                   {"new", s.null(5) ? Json() : Json::parse(s.text(5))}});
  }
  return out;
}

Json Store::projects(std::int64_t assessment_id) {
  const auto read = reading();
  Statement s(read.db(), "SELECT projects FROM assessments WHERE id = ?");
  s.bind(1, assessment_id);
  return s.step() ? Json::parse(s.text(0)) : Json::array();
}

void Store::set_projects(std::int64_t assessment_id, const Json& projects, const std::string& now,
                         std::optional<std::int64_t> user_id, const std::string& role) {
  const auto lock = guard();
  Transaction t(*db_);
  const Json before = this->projects(assessment_id);
  Statement s(*db_,
              "UPDATE assessments SET projects = ?1, version = version + 1, updated_at = coalesce(nullif(?3, ''), "
              "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) WHERE id = ?2");
  s.bind(1, projects.dump(-1, ' ', false, Json::error_handler_t::replace)).bind(2, assessment_id).bind(3, now).run();
  if (before != projects) audit_row(assessment_id, "", "#projects", before, projects, user_id, role, now);
  t.commit();
}

EvidenceRow Store::add_evidence(const EvidenceRow& e) {
  const auto lock = guard();
  Statement s(*db_,
              "INSERT INTO evidence(assessment_id, module, question, sha256, size, mime, name) VALUES (?, ?, ?, ?, ?, "
              "?, ?) RETURNING id");
  s.bind(1, e.assessment_id)
      .bind(2, e.module)
      .bind(3, e.question)
      .bind(4, e.sha256)
      .bind(5, e.size)
      .bind(6, e.mime)
      .bind(7, e.name);
  EvidenceRow out = e;
  out.id = s.insert();
  return out;
}

std::vector<EvidenceRow> Store::evidence(std::int64_t assessment_id) {
  const auto read = reading();
  Statement s(read.db(),
              "SELECT id, assessment_id, module, question, sha256, size, mime, name FROM evidence WHERE assessment_id "
              "= ? ORDER BY id");
  s.bind(1, assessment_id);
  std::vector<EvidenceRow> out;
  while (s.step()) {
    out.push_back({s.integer(0), s.integer(1), s.text(2), s.text(3), s.text(4), s.integer(5), s.text(6), s.text(7)});
  }
  return out;
}

std::vector<std::pair<std::int64_t, std::string>> Store::evidence_owners(const std::string& sha256) {
  const auto read = reading();
  Statement s(
      read.db(),
      "SELECT a.enterprise_id, e.mime FROM evidence e JOIN assessments a ON a.id = e.assessment_id WHERE e.sha256 = ?");
  s.bind(1, sha256);
  std::vector<std::pair<std::int64_t, std::string>> out;
  while (s.step()) out.emplace_back(s.integer(0), s.text(1));
  return out;
}

std::string Store::create_invite(std::int64_t enterprise_id, std::optional<std::int64_t> created_by,
                                 std::int64_t expires_at) {
  const auto lock = guard();
  const std::string token = random_token(24);
  Statement s(*db_, "INSERT INTO invites(token, enterprise_id, created_by, expires_at) VALUES (?, ?, ?, ?)");
  s.bind(1, token).bind(2, enterprise_id);
  if (created_by) {
    s.bind(3, *created_by);
  } else {
    s.bind_null(3);
  }
  s.bind(4, expires_at).run();
  return token;
}

std::optional<std::int64_t> Store::invite_enterprise(const std::string& token, std::int64_t now) {
  const auto read = reading();
  Statement s(read.db(), "SELECT enterprise_id FROM invites WHERE token = ? AND used_by IS NULL AND expires_at >= ?");
  s.bind(1, token).bind(2, now);
  if (!s.step()) return std::nullopt;
  return s.integer(0);
}

User Store::accept_invite(const std::string& token, const std::string& name, const std::string& password_hash,
                          std::int64_t now) {
  const auto lock = guard();
  Transaction t(*db_);
  const auto enterprise_id = invite_enterprise(token, now);
  if (!enterprise_id) throw Error("invite", "", "this invite link is unknown, used or expired", ErrorKind::kNotFound);
  User u;
  try {
    u = add_user_hash(name, password_hash, "enterprise", enterprise_id);
  } catch (const Error&) {
    throw Error("invite", "/name", "this name cannot be used; choose another");
  }
  Statement s(*db_, "UPDATE invites SET used_by = ? WHERE token = ?");
  s.bind(1, u.id).bind(2, token).run();
  t.commit();
  return u;
}

std::vector<Store::InviteRow> Store::open_invites(std::int64_t enterprise_id, std::int64_t now) {
  const auto read = reading();
  Statement s(read.db(),
              "SELECT token, expires_at FROM invites WHERE enterprise_id = ? AND used_by IS NULL AND expires_at >= ? "
              "ORDER BY expires_at DESC, rowid DESC");
  s.bind(1, enterprise_id).bind(2, now);
  std::vector<InviteRow> out;
  while (s.step()) out.push_back({s.text(0), s.integer(1)});
  return out;
}

bool Store::revoke_invite(std::int64_t enterprise_id, const std::string& token) {
  const auto lock = guard();
  Statement s(*db_, "DELETE FROM invites WHERE token = ? AND enterprise_id = ? AND used_by IS NULL");
  s.bind(1, token).bind(2, enterprise_id).run();
  return s.changes() > 0;
}

namespace {

// The year a round stands in: of the date its figures describe, else of the day it was saved.
// Plain SQL (substr and CASE), the same in SQLite and PostgreSQL. Rounds are ordered by (year,
// round): the year first, then the round within the year (round numbers only count up per USCC).
constexpr const char* kRoundYear =
    "CAST(substr(CASE WHEN r.as_of <> '' THEN r.as_of ELSE r.imported_at END, 1, 4) AS INTEGER)";

// kRoundYear of one date: the number its first four characters start with (0 when none).
std::int64_t round_year(const std::string& date) {
  std::int64_t year = 0;
  for (std::size_t i = 0; i < date.size() && i < 4 && date[i] >= '0' && date[i] <= '9'; ++i)
    year = year * 10 + (date[i] - '0');
  return year;
}

}  // namespace

Store::ImportCounts Store::save_bureau_records(const std::vector<BureauRecord>& records, bool new_round,
                                               const std::string& source, const std::string& now) {
  const auto lock = guard();
  ImportCounts counts;
  Transaction t(*db_);
  for (const auto& r : records) {
    // The enterprise's rounds: the highest round number, the latest by (year, round), and the last
    // round of the record's year.
    const std::int64_t year = round_year(r.as_of.empty() ? now : r.as_of);
    std::int64_t highest = 0;
    std::int64_t latest = 0;
    std::int64_t latest_year = 0;
    std::int64_t in_year = 0;
    {
      Statement s(*db_, std::string("SELECT r.round, ") + kRoundYear + " FROM bureau_records r WHERE r.uscc = ?");
      s.bind(1, r.uscc);
      while (s.step()) {
        const std::int64_t n = s.integer(0);
        const std::int64_t y = s.integer(1);
        highest = std::max(highest, n);
        if (latest == 0 || std::pair(y, n) > std::pair(latest_year, latest)) {
          latest = n;
          latest_year = y;
        }
        if (y == year) in_year = std::max(in_year, n);
      }
    }
    const bool other_year = latest != 0 && !new_round && in_year == 0;
    const std::int64_t round = latest == 0 ? 1 : (new_round || other_year ? highest + 1 : in_year);
    if (latest == 0) {
      ++counts.added;
    } else if (new_round || other_year) {
      ++counts.new_rounds;
      if (new_round && in_year != 0) ++counts.same_year;
      if (other_year) ++counts.other_year;
    } else {
      ++counts.updated;
    }
    // The round saved is the latest when no round stands after it by (year, round).
    const bool is_latest = latest == 0 || std::pair(year, round) >= std::pair(latest_year, latest);
    Statement s(*db_,
                "INSERT INTO bureau_records(uscc, round, name, region, facts, source, imported_at, origin, as_of) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(uscc, round) DO UPDATE SET name = excluded.name, region = excluded.region, "
                "facts = excluded.facts, source = excluded.source, imported_at = excluded.imported_at, "
                "origin = excluded.origin, as_of = excluded.as_of");
    // The facts are typed as bureau_candidates() will read them back: a text that is not UTF-8 is
    // stored with U+FFFD in its place, so the typed columns are made from the stored text then.
    std::string text;
    std::optional<BureauRecord> replaced;
    try {
      text = r.facts.dump();
    } catch (const Json::type_error&) {
      text = r.facts.dump(-1, ' ', false, Json::error_handler_t::replace);
      replaced = BureauRecord{r.uscc, r.name, r.region, Json::parse(text), r.origin, r.as_of};
    }
    const Json origin = r.origin.is_object() ? r.origin : Json{{"kind", "import"}, {"file", source}};
    s.bind(1, r.uscc)
        .bind(2, round)
        .bind(3, r.name)
        .bind(4, r.region)
        .bind(5, text)
        .bind(6, source)
        .bind(7, now)
        .bind(8, origin.dump(-1, ' ', false, Json::error_handler_t::replace))
        .bind(9, r.as_of)
        .run();
    if (is_latest && latest != 0 && round != latest) {
      Statement old(*db_, "UPDATE bureau_facts SET latest = 0 WHERE uscc = ? AND latest = 1 AND round <> ?");
      old.bind(1, r.uscc).bind(2, round).run();
    }
    save_facts(replaced ? *replaced : r, round, is_latest);
    // One record per enterprise (issue 15): an imported USCC the enterprise list does not hold yet
    // joins it, so consultants and the bureau see the same enterprises (an existing row is kept as
    // the consultants entered it).
    Statement e(*db_,
                "INSERT INTO enterprises(name, uscc, region, industry, created_at) SELECT ?, ?, ?, ?, ? WHERE NOT "
                "EXISTS (SELECT 1 FROM enterprises WHERE uscc = ?)");
    const Json& profile = r.facts.contains("profile") ? r.facts["profile"] : Json::object();
    const std::string industry = profile.is_object() && profile.contains("industry") && profile["industry"].is_string()
                                     ? profile["industry"].get<std::string>()
                                     : std::string();
    e.bind(1, r.name).bind(2, r.uscc).bind(3, r.region).bind(4, industry).bind(5, now).bind(6, r.uscc).run();
  }
  t.commit();
  return counts;
}

void Store::save_facts(const BureauRecord& r, std::int64_t round, bool latest) {
  const auto lock = guard();
  const FactSummary summary = fact_summary(r.facts);
  const auto values = fact_values(r.facts);
  const auto& columns = fact_columns();
  static const std::string sql = [&] {
    std::string names;
    std::string marks;
    for (const auto& c : columns) {
      names += ", " + c.column;
      marks += ", ?";
    }
    return "INTO bureau_facts(uscc, round, latest, typed, name, region, industry, division, "
           "size_class, "
           "sme_total_q, sf_total_q, cmmm_total_q" +
           names + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?" + marks + ")";
  }();
  static const std::string sqlite_sql = "INSERT OR REPLACE " + sql;
  // PostgreSQL: the same replacement as an upsert on the primary key.
  static const std::string postgres_sql = [&] {
    std::string set =
        "latest = excluded.latest, typed = excluded.typed, name = excluded.name, region = "
        "excluded.region, industry = excluded.industry, division = excluded.division, size_class = "
        "excluded.size_class, sme_total_q = excluded.sme_total_q, sf_total_q = excluded.sf_total_q, "
        "cmmm_total_q = excluded.cmmm_total_q";
    for (const auto& c : columns) set += ", " + c.column + " = excluded." + c.column;
    return "INSERT " + sql + " ON CONFLICT (uscc, round) DO UPDATE SET " + set;
  }();
  Statement s(*db_, db_->postgres() ? postgres_sql : sqlite_sql);
  s.bind(1, r.uscc)
      .bind(2, round)
      .bind(3, std::int64_t{latest ? 1 : 0})
      .bind(4, std::int64_t{values ? 1 : 0})
      .bind(5, r.name);
  s.bind(6, summary.region).bind(7, summary.industry).bind(8, summary.division).bind(9, summary.size_class);
  int i = 10;
  for (const auto& q : {summary.sme_total_q, summary.sf_total_q, summary.cmmm_total_q}) {
    if (q) {
      s.bind(i, *q);
    } else {
      s.bind_null(i);
    }
    ++i;
  }
  for (std::size_t c = 0; c < columns.size(); ++c, ++i) {
    if (!values) {
      s.bind_null(i);
      continue;
    }
    const Json& v = (*values)[c];
    if (v.is_null()) {
      s.bind_null(i);
    } else if (v.is_boolean()) {
      s.bind(i, std::int64_t{v.get<bool>() ? 1 : 0});
    } else if (v.is_number_integer()) {
      s.bind(i, v.get<std::int64_t>());
    } else if (v.is_number()) {
      s.bind_double(i, v.get<double>());
    } else {
      s.bind(i, v.get<std::string>());
    }
  }
  s.run();
}

bool Store::has_bureau_records() {
  const auto read = reading();
  Statement s(read.db(), "SELECT EXISTS (SELECT 1 FROM bureau_facts WHERE latest = 1)");
  return s.step() && s.integer(0) != 0;
}

std::size_t Store::bureau_rows(const FactQuery& query, const FactRowVisitor& visit) {
  const auto read = reading();
  return bureau_rows_in(0, query, visit);
}

namespace {

// Which bureau_facts rows a read takes, as SQL over `f`: each enterprise's latest round (year 0), or
// its last round by (year, round) of that year or before; then the query's region filters, as ranges
// over the index: a prefix p holds p <= region < p + byte 0xFF (PostgreSQL refuses that byte in a
// text: there, starts_with over the same index range). The values to bind go to `binds`.
struct FactsWhere {
  std::string which;    // the rounds read
  std::string rows;     // the same, as the rows' query writes it (SQLite: with a hint against the index)
  std::string filters;  // "" or " AND …": the regions and ids
  std::vector<std::string> binds;
  void bind(Statement& s) const {
    for (std::size_t i = 0; i < binds.size(); ++i) s.bind(static_cast<int>(i + 1), binds[i]);
  }
};

FactsWhere facts_where(int year, const FactQuery& query, bool pg) {
  FactsWhere w;
  w.which = year > 0 ? std::string(
                           "f.round = (SELECT r.round FROM bureau_records r WHERE r.uscc = "
                           "f.uscc AND ") +
                           kRoundYear + " <= " + std::to_string(year) + " ORDER BY " + kRoundYear +
                           " DESC, r.round DESC LIMIT 1)"
                     : std::string("f.latest = 1");
  if (!pg && year == 0 && query.any_order) {
    // SQLite plans without statistics and takes the (latest, region) index for any latest = 1: a
    // random read of the table per row. Reading the table through is faster unless the regions are
    // small: 0.30 s against 2.56 s for 1,000,000 records, 0.24 s against 0.92 s for a province of
    // 410,000, a tie for a county of 160,000. So the index serves county codes (6 digits) only.
    bool any_short = query.regions_any.empty();
    for (const auto& r : query.regions_any) any_short = any_short || r.size() < 6;
    if (query.region.size() < 6 && any_short) w.rows = "+f.latest = 1";
  }
  if (w.rows.empty()) w.rows = w.which;
  auto range = [&](const std::string& prefix) {
    w.binds.push_back(prefix);
    if (pg) {
      w.binds.push_back(prefix);
      return "(f.region >= ? AND starts_with(f.region, ?))";
    }
    w.binds.push_back(prefix + std::string(1, static_cast<char>(0xff)));  // no UTF-8 text holds the byte 0xFF
    return "(f.region >= ? AND f.region < ?)";
  };
  if (!query.region.empty()) w.filters += std::string(" AND ") + range(query.region);
  // A few ids: those records only (a longer list is a hint the reader applies itself). The list is
  // padded to a power of two with its last id, so that few statement texts are prepared and cached.
  if (!query.ids.empty() && query.ids.size() <= 512) {
    std::size_t padded = 1;
    while (padded < query.ids.size()) padded *= 2;
    w.filters += " AND f.uscc IN (";
    for (std::size_t i = 0; i < padded; ++i) {
      w.filters += i ? ", ?" : "?";
      w.binds.push_back(query.ids[std::min(i, query.ids.size() - 1)]);
    }
    w.filters += ")";
  }
  if (!query.regions_any.empty()) {
    w.filters += " AND (";
    for (std::size_t i = 0; i < query.regions_any.size(); ++i)
      w.filters += (i ? " OR " : "") + std::string(range(query.regions_any[i]));
    w.filters += ")";
  }
  return w;
}

// One typed fact column of a row (fact_table.h kinds: bool and present stored as 0/1, lists encoded).
void read_typed(Statement& s, int col, const FactColumn& column, logic::Typed& v, std::vector<std::string_view>& list) {
  switch (s.type(col)) {
    case ColumnType::kNull:
      v = logic::Typed::null();
      break;
    case ColumnType::kInteger: {
      const std::int64_t x = s.integer(col);
      v = column.kind == FactKind::kBool || column.kind == FactKind::kPresent ? logic::Typed::of_bool(x != 0)
                                                                              : logic::Typed::of_int(x);
      break;
    }
    case ColumnType::kFloat:
      v = logic::Typed::of_double(s.real(col));
      break;
    default: {
      const std::string_view text = s.view(col);
      if (column.kind == FactKind::kList) {
        decode_list(text, list);
        v = logic::Typed();
        v.kind = logic::Typed::kList;
        v.items = list.data();
        v.count = static_cast<std::uint32_t>(list.size());
      } else {
        v = logic::Typed::of_string(text);
      }
    }
  }
}

}  // namespace

std::size_t Store::bureau_rows_in(int year, const FactQuery& query, const FactRowVisitor& visit) {
  const auto conn = reading();
  const bool count_left_out = query.count_left_out && !(query.region.empty() && query.regions_any.empty());
  if (count_left_out) conn.snapshot();  // the rows and the count of all: one state of the table
  const auto& columns = fact_columns();
  // The columns read (the query's, or all); the others stay null.
  std::vector<std::size_t> read;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    if (query.columns.empty() ||
        std::find(query.columns.begin(), query.columns.end(), static_cast<int>(c)) != query.columns.end())
      read.push_back(c);
  }
  std::string sql = std::string("SELECT f.uscc, ") + (query.names ? "f.name" : "''") + ", f.typed";
  for (const std::size_t c : read) sql += ", f." + columns[c].column;
  sql += std::string(", CASE WHEN f.typed = 0 OR 1 = ") + (query.want_json ? "1" : "0") +
         " THEN (SELECT r.facts FROM bureau_records r WHERE r.uscc = f.uscc AND r.round = f.round) END"
         " FROM bureau_facts f WHERE ";
  const FactsWhere where = facts_where(year, query, db_->postgres());
  sql += where.rows + where.filters + (query.any_order ? "" : " ORDER BY f.uscc");
  Statement s(conn.db(), sql);
  s.stream();
  where.bind(s);
  std::vector<logic::Typed> values(columns.size(), logic::Typed::null());
  std::vector<std::vector<std::string_view>> lists(columns.size());
  Json facts;
  const int json_col = static_cast<int>(3 + read.size());
  std::size_t visited = 0;
  while (s.step()) {
    FactRow row;
    row.id = s.view(0);
    row.name = s.view(1);
    const bool typed = s.integer(2) != 0;
    if (typed) {
      for (std::size_t k = 0; k < read.size(); ++k)
        read_typed(s, static_cast<int>(3 + k), columns[read[k]], values[read[k]], lists[read[k]]);
      row.values = values.data();
    }
    if (!typed || query.want_json) {
      facts = Json::parse(s.view(json_col));
      row.facts = &facts;
    }
    visit(row);
    ++visited;
  }
  if (!count_left_out) return 0;
  Statement all(conn.db(), "SELECT count(*) FROM bureau_facts f WHERE " + where.which);
  all.step();
  return static_cast<std::size_t>(all.integer(0)) - visited;
}

void Store::dashboard_groups(int year, const DashboardLadders& ladders, const FactQuery& query,
                             const DashboardGroupVisitor& visit) {
  const auto read = reading();
  read.snapshot();  // the typed groups and the untyped rows: one state of the table
  const bool pg = db_->postgres();
  const DashboardColumns dash(ladders);
  if (!pg || !dash.typed) {
    // SQLite runs in this process: reading the rows is the cost either way, and a GROUP BY adds a
    // sort (2.1 s against 0.8 s for a province of 1,000,000 records). The rows stream, with the
    // dashboard's columns only. A ladder whose module has no typed column (fact_table.h): every
    // row streams with its JSON facts, on either database.
    FactQuery q = query;
    q.columns = dash.typed ? dash.columns : std::vector<int>{fact_slot("region")};
    q.any_order = true;
    q.want_json = !dash.typed;
    q.names = false;
    bureau_rows_in(year, q, [&](const FactRow& row) {
      DashboardGroup g;
      g.values = row.values;
      g.facts = row.facts;
      g.row = true;
      g.count = 1;
      visit(g);
    });
    return;
  }
  const auto& columns = fact_columns();
  const FactsWhere where = facts_where(year, query, pg);
  // PostgreSQL: the typed rows, counted in the database by the columns the dashboard reads as ladders, with the
  // exact sums of the CNC rates (millionths, dashboard.h cnc_millionths) and project counts.
  std::vector<int> grouped;
  std::string keys;
  for (const auto& path : dash.group_paths) {
    const int c = fact_column(path);
    if (c < 0) throw std::logic_error("dashboard_groups: no fact column for " + path);
    grouped.push_back(c);
    keys += std::string(keys.empty() ? "" : ", ") + "f." + columns[static_cast<std::size_t>(c)].column;
  }
  const std::string cnc = "f." + columns[static_cast<std::size_t>(fact_slot("profile.key_process_cnc_rate"))].column;
  const std::string projects = "f." + columns[static_cast<std::size_t>(fact_slot("projects.count"))].column;
  const std::string cnc_in = cnc + " >= 0 AND " + cnc + " <= 100";
  // floor(rate × 10^6 + 0.5) in double arithmetic: the numeric column is read back as the double it
  // was written from (bind_double writes 17 digits).
  const std::string millionths = "floor(" + cnc + "::float8 * 1000000::float8 + 0.5::float8)::bigint";
  const std::string projects_in =
      projects + " >= 0 AND " + projects + " <= 2147483647 AND " + projects + " = trunc(" + projects + ")";
  const std::string projects_value = "trunc(" + projects + ")::bigint";
  // Aggregates with FILTER: 0.8 s against 1.0–1.3 s with sums over CASE, a province of 1,000,000.
  const std::string sql = "SELECT " + keys + ", count(*), count(*) FILTER (WHERE " + cnc_in + "), sum(" + millionths +
                          ") FILTER (WHERE " + cnc_in + "), count(*) FILTER (WHERE " + projects_in + "), sum(" +
                          projects_value + ") FILTER (WHERE " + projects_in + ") FROM bureau_facts f WHERE " +
                          where.which + " AND f.typed = 1" + where.filters + " GROUP BY " + keys;
  {
    Statement s(read.db(), sql);
    where.bind(s);
    std::vector<logic::Typed> values(columns.size(), logic::Typed::null());
    std::vector<std::vector<std::string_view>> lists(columns.size());
    const int n = static_cast<int>(grouped.size());
    while (s.step()) {
      for (int k = 0; k < n; ++k) {
        const auto c = static_cast<std::size_t>(grouped[static_cast<std::size_t>(k)]);
        read_typed(s, k, columns[c], values[c], lists[c]);
      }
      DashboardGroup g;
      g.values = values.data();
      g.count = s.integer(n);
      g.cnc_known = s.integer(n + 1);
      g.cnc_millionths = s.integer(n + 2);
      g.projects_known = s.integer(n + 3);
      g.projects = s.integer(n + 4);
      visit(g);
    }
  }
  // The rows whose facts do not fit the typed columns, one by one from their JSON (a partial index
  // holds them: migration 13).
  Statement u(read.db(),
              "SELECT r.facts FROM bureau_facts f JOIN bureau_records r ON r.uscc = f.uscc AND r.round = f.round "
              "WHERE " +
                  where.which + " AND f.typed = 0" + where.filters + " ORDER BY f.uscc");
  where.bind(u);
  Json facts;
  while (u.step()) {
    facts = Json::parse(u.view(0));
    DashboardGroup g;
    g.facts = &facts;
    g.count = 1;
    visit(g);
  }
}

PeerCounts Store::peer_counts(const std::string& module, const std::string& division, const std::string& size_class,
                              std::int64_t total_q, const std::string& except_uscc) {
  const auto read = reading();
  PeerCounts out;
  const std::string column = total_column(module);
  if (column.empty()) {
    // A module without a summary column: read the records (none of the shipped modules).
    Statement s(
        read.db(),
        "SELECT r.uscc, r.facts FROM bureau_records r JOIN bureau_facts f ON f.uscc = r.uscc AND f.round = r.round "
        "WHERE f.latest = 1 AND f.division = ? AND f.size_class = ?");
    s.bind(1, division).bind(2, size_class);
    while (s.step()) {
      if (s.text(0) == except_uscc) continue;
      const auto q = quantized_total(Json::parse(s.text(1)), module);
      if (!q) continue;
      ++out.group;
      if (*q < total_q) ++out.below;
      if (*q == total_q) ++out.same;
    }
    return out;
  }
  // An index range (latest, division, size_class, total): the whole group, those below, those equal.
  const std::string where =
      " FROM bureau_facts WHERE latest = 1 AND division = ? AND size_class = ? AND " + column + " IS NOT NULL";
  Statement s(read.db(), "SELECT (SELECT count(*)" + where + "), (SELECT count(*)" + where + " AND " + column +
                             " < ?), (SELECT count(*)" + where + " AND " + column + " = ?), (SELECT " + column +
                             " FROM bureau_facts WHERE latest = 1 AND uscc = ? AND division = ? AND size_class = ?)");
  s.bind(1, division).bind(2, size_class).bind(3, division).bind(4, size_class).bind(5, total_q);
  s.bind(6, division).bind(7, size_class).bind(8, total_q).bind(9, except_uscc).bind(10, division).bind(11, size_class);
  if (!s.step()) return out;
  out.group = static_cast<std::size_t>(s.integer(0));
  out.below = static_cast<std::size_t>(s.integer(1));
  out.same = static_cast<std::size_t>(s.integer(2));
  if (!s.null(3)) {
    // The enterprise's own imported record is not its peer: take it out of the counts.
    const std::int64_t own = s.integer(3);
    --out.group;
    if (own < total_q) --out.below;
    if (own == total_q) --out.same;
  }
  return out;
}

Store::ImportCounts Store::save_assessment_record(const BureauRecord& record, const std::string& now) {
  const auto lock = guard();
  BureauRecord r = record;
  bool same_assessment = false;
  bool any = false;
  {
    // The record the assessment is laid over: the enterprise's last round by (year, round) of the
    // assessment's year or before (a later year's figures are not its earlier values).
    const std::int64_t year = round_year(record.as_of.empty() ? now : record.as_of);
    Statement s(*db_, std::string("SELECT r.round, r.facts, r.origin, r.as_of FROM bureau_records r WHERE r.uscc = ? "
                                  "AND ") +
                          kRoundYear + " <= ? ORDER BY " + kRoundYear + " DESC, r.round DESC LIMIT 1");
    s.bind(1, r.uscc).bind(2, year);
    if (s.step()) {
      any = true;
      const Json before = Json::parse(s.text(1));
      const Json origin = Json::parse(s.text(2));
      same_assessment = origin.value("kind", "") == "assessment" &&
                        origin.value("assessment_id", Json()) == record.origin.value("assessment_id", Json());
      // A fact the assessment does not give keeps its earlier value (say, an imported investment).
      Json merged = same_assessment ? origin.value("carried", Json::object()) : before;
      if (!merged.is_object()) merged = Json::object();
      if (!same_assessment) {
        Json based = origin;
        based.erase("carried");
        based.erase("based_on");
        based["as_of"] = s.text(3);
        based["round"] = s.integer(0);
        r.origin["based_on"] = based;
        r.origin["carried"] = before;
      } else if (origin.contains("based_on")) {
        r.origin["based_on"] = origin["based_on"];
        r.origin["carried"] = merged;
      }
      for (const char* part : {"profile", "results"}) {
        if (!merged.contains(part) || !merged[part].is_object()) merged[part] = Json::object();
        if (record.facts.contains(part) && record.facts[part].is_object()) {
          for (auto it = record.facts[part].begin(); it != record.facts[part].end(); ++it) merged[part][it.key()] = *it;
        }
      }
      if (record.facts.contains("region")) merged["region"] = record.facts["region"];
      // The assessment's project list is the enterprise's projects now (dashboard.h, project_facts).
      if (record.facts.contains("projects")) merged["projects"] = record.facts["projects"];
      r.facts = merged;
    }
  }
  // "carried" (the record before) is kept only to redo the merge on a resubmission.
  ImportCounts counts = save_bureau_records({r}, any && !same_assessment, "assessment", now);
  return counts;
}

Json Store::bureau_history(const std::string& uscc) {
  const auto read = reading();
  Statement s(read.db(),
              std::string("SELECT r.round, r.name, r.region, r.facts, r.source, r.imported_at, r.origin, r.as_of, ") +
                  kRoundYear +
                  ", (SELECT f.latest FROM bureau_facts f WHERE f.uscc = r.uscc AND f.round = r.round)"
                  " FROM bureau_records r WHERE r.uscc = ? ORDER BY " +
                  kRoundYear + ", r.round");
  s.bind(1, uscc);
  Json out = Json::array();
  while (s.step()) {
    Json origin = Json::parse(s.text(6));
    origin.erase("carried");
    out.push_back({{"round", s.integer(0)},
                   {"latest", !s.null(9) && s.integer(9) == 1},
                   {"name", s.text(1)},
                   {"region", s.text(2)},
                   {"facts", Json::parse(s.text(3))},
                   {"source", s.text(4)},
                   {"imported_at", s.text(5)},
                   {"origin", origin},
                   {"as_of", s.text(7)},
                   {"year", s.integer(8)}});
  }
  return out;
}

std::vector<int> Store::bureau_years() {
  const auto read = reading();
  Statement s(read.db(), std::string("SELECT DISTINCT ") + kRoundYear + " AS y FROM bureau_records r ORDER BY y");
  std::vector<int> out;
  while (s.step()) out.push_back(static_cast<int>(s.integer(0)));
  return out;
}

std::map<std::string, Json> Store::bureau_origins(const std::vector<std::string>& usccs, int year) {
  const auto read = reading();
  read.snapshot();  // every USCC's origin as of one moment
  std::map<std::string, Json> out;
  // The round bureau_rows_in(year) reads: the last by (year, round), of that year or before.
  const std::string sql = std::string(
                              "SELECT r.origin, r.as_of, r.round, r.imported_at FROM bureau_records r WHERE "
                              "r.uscc = ?") +
                          (year > 0 ? std::string(" AND ") + kRoundYear + " <= " + std::to_string(year) : "") +
                          " ORDER BY " + kRoundYear + " DESC, r.round DESC LIMIT 1";
  for (const auto& uscc : usccs) {
    Statement s(read.db(), sql);
    s.bind(1, uscc);
    if (!s.step()) continue;
    Json origin = Json::parse(s.text(0));
    origin.erase("carried");
    if (origin.contains("based_on") && origin["based_on"].is_object()) origin["based_on"].erase("carried");
    origin["as_of"] = s.text(1);
    origin["round"] = s.integer(2);
    origin["saved_at"] = s.text(3);
    out[uscc] = origin;
  }
  return out;
}

Json Store::bureau_candidates() {
  const auto read = reading();
  // The latest round of every enterprise (by year, then round: the flag bureau_rows() reads), as
  // ranking candidates.
  Statement s(read.db(),
              "SELECT b.uscc, b.name, b.facts FROM bureau_records b JOIN bureau_facts f ON f.uscc = b.uscc AND f.round "
              "= b.round WHERE f.latest = 1 ORDER BY b.uscc");
  Json out = Json::array();
  while (s.step()) out.push_back({{"id", s.text(0)}, {"name", s.text(1)}, {"facts", Json::parse(s.text(2))}});
  return out;
}

std::optional<Store::LoginAttempts> Store::login_attempts(const std::string& key) {
  const auto read = reading();
  Statement s(read.db(), "SELECT count, next_allowed, last FROM login_attempts WHERE key = ?");
  s.bind(1, key);
  if (!s.step()) return std::nullopt;
  return LoginAttempts{static_cast<int>(s.integer(0)), s.integer(1), s.integer(2)};
}

void Store::set_login_attempts(const std::string& key, const LoginAttempts& a) {
  const auto lock = guard();
  Statement s(*db_,
              "INSERT INTO login_attempts(key, count, next_allowed, last) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO "
              "UPDATE SET count = excluded.count, next_allowed = excluded.next_allowed, last = excluded.last");
  s.bind(1, key).bind(2, std::int64_t{a.count}).bind(3, a.next_allowed).bind(4, a.last).run();
}

void Store::forget_login_attempts(const std::string& key, std::int64_t idle_before) {
  const auto lock = guard();
  Statement s(*db_, "DELETE FROM login_attempts WHERE key = ?");
  s.bind(1, key).run();
  if (idle_before > 0) {
    Statement old(*db_, "DELETE FROM login_attempts WHERE last < ? AND next_allowed < ?");
    old.bind(1, idle_before).bind(2, idle_before).run();
  }
}

void Store::backup_to(const std::string& path) {
  const auto lock = guard();
  db_->backup_to(path);
}

// --- Laptop <-> server sync (issue 16, item 3) ---

namespace {

// An answer's stored JSON text as a value (null for none).
Json json_or_null(const Statement& s, int col) {
  return s.null(col) ? Json() : Json::parse(s.text(col));
}

void bind_json(Statement& s, int i, const Json& v) {
  if (v.is_null()) {
    s.bind_null(i);
  } else {
    s.bind(i, v.dump(-1, ' ', false, Json::error_handler_t::replace));
  }
}

// What one change key holds now: an answer, or the assessment's status ("#status") or projects
// ("#projects") that are audited like answers.
Json current_value(Database& db, std::int64_t assessment_id, const std::string& module, const std::string& question) {
  if (module.empty() && (question == "#status" || question == "#projects")) {
    Statement s(db, question == "#status" ? "SELECT status FROM assessments WHERE id = ?"
                                          : "SELECT projects FROM assessments WHERE id = ?");
    s.bind(1, assessment_id);
    if (!s.step()) return Json();
    return question == "#status" ? Json(s.text(0)) : Json::parse(s.text(0));
  }
  Statement s(db, "SELECT answer FROM answers WHERE assessment_id = ? AND module = ? AND question = ?");
  s.bind(1, assessment_id).bind(2, module).bind(3, question);
  return s.step() ? Json::parse(s.text(0)) : Json();
}

// Sets what current_value() reads, raising the assessment's version (no audit row: the caller
// writes the row that explains the change).
void set_current(Database& db, std::int64_t assessment_id, const std::string& module, const std::string& question,
                 const Json& value, const std::string& now) {
  if (module.empty() && question == "#status") {
    Statement s(db, "UPDATE assessments SET status = ? WHERE id = ?");
    s.bind(1, value.is_string() && value == "submitted" ? std::string("submitted") : std::string("open"))
        .bind(2, assessment_id)
        .run();
  } else if (module.empty() && question == "#projects") {
    Statement s(db, "UPDATE assessments SET projects = ? WHERE id = ?");
    s.bind(1, (value.is_array() ? value : Json::array()).dump(-1, ' ', false, Json::error_handler_t::replace))
        .bind(2, assessment_id)
        .run();
  } else if (value.is_null()) {
    Statement s(db, "DELETE FROM answers WHERE assessment_id = ? AND module = ? AND question = ?");
    s.bind(1, assessment_id).bind(2, module).bind(3, question).run();
  } else {
    Statement s(db,
                "INSERT INTO answers(assessment_id, module, question, answer, updated_at, updated_by) VALUES (?, ?, ?, "
                "?, ?, NULL) ON CONFLICT(assessment_id, module, question) DO UPDATE SET answer = excluded.answer, "
                "updated_at = excluded.updated_at, updated_by = NULL");
    s.bind(1, assessment_id).bind(2, module).bind(3, question).bind(5, now);
    bind_json(s, 4, value);
    s.run();
  }
  Statement v(db, "UPDATE assessments SET version = version + 1, updated_at = ? WHERE id = ?");
  v.bind(1, now).bind(2, assessment_id).run();
}

// "<node>.<id>" of a row made here, or the row's origin when it came from elsewhere.
std::string global_id(const std::string& node, const Statement& s, int id_col, int origin_col) {
  return s.null(origin_col) ? node + "." + std::to_string(s.integer(id_col)) : s.text(origin_col);
}

// The local id of a global id in `table` (assessments or audit), if the row is here.
std::optional<std::int64_t> local_id(Database& db, const std::string& node, const std::string& table,
                                     const std::string& gid) {
  if (gid.size() > node.size() + 1 && gid.compare(0, node.size() + 1, node + ".") == 0) {
    const std::string digits = gid.substr(node.size() + 1);
    if (digits.size() <= 18 && std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      Statement s(db, "SELECT id FROM " + table + " WHERE id = ? AND origin IS NULL");
      s.bind(1, std::stoll(digits));
      if (s.step()) return s.integer(0);
    }
  }
  Statement s(db, "SELECT id FROM " + table + " WHERE origin = ?");
  s.bind(1, gid);
  if (s.step()) return s.integer(0);
  return std::nullopt;
}

}  // namespace

std::string Store::node_id() {
  const auto read = reading();
  Statement s(read.db(), "SELECT id FROM sync_node");
  return s.step() ? s.text(0) : std::string();
}

std::optional<std::int64_t> Store::assessment_by_global_id(const std::string& gid) {
  const auto read = reading();
  return local_id(read.db(), node_id(), "assessments", gid);
}

std::string Store::create_machine_token(std::int64_t user_id, const std::string& name, const std::string& now) {
  const auto lock = guard();
  const std::string token = random_token(32);
  Statement s(*db_, "INSERT INTO machine_tokens(user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)");
  s.bind(1, user_id).bind(2, name).bind(3, sha256_hex(token)).bind(4, now).run();
  return token;
}

std::vector<Store::MachineToken> Store::machine_tokens(std::int64_t user_id) {
  const auto read = reading();
  Statement s(read.db(),
              "SELECT id, user_id, name, created_at, last_used_at, revoked_at FROM machine_tokens WHERE user_id = ? "
              "ORDER BY id DESC");
  s.bind(1, user_id);
  std::vector<MachineToken> out;
  while (s.step()) out.push_back({s.integer(0), s.integer(1), s.text(2), s.text(3), s.text(4), s.text(5)});
  return out;
}

bool Store::revoke_machine_token(std::int64_t user_id, std::int64_t id, const std::string& now) {
  const auto lock = guard();
  Statement s(*db_, "UPDATE machine_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at = ''");
  s.bind(1, now).bind(2, id).bind(3, user_id).run();
  return s.changes() > 0;
}

std::optional<User> Store::machine_token_user(const std::string& token, const std::string& now) {
  const auto lock = guard();
  std::optional<User> out;
  {
    Statement s(*db_, std::string("SELECT u.id, u.name, u.role, u.enterprise_id, u.disabled, u.must_change_password "
                                  "FROM machine_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND "
                                  "t.revoked_at = '' AND u.disabled = 0"));
    s.bind(1, sha256_hex(token));
    if (!s.step()) return std::nullopt;
    out = read_user(s, 0);
  }
  Statement u(*db_, "UPDATE machine_tokens SET last_used_at = ? WHERE token_hash = ?");
  u.bind(1, now).bind(2, sha256_hex(token)).run();
  return out;
}

Json Store::cursor_json(const SyncCursor& c) {
  return {{"enterprise", c.enterprise}, {"assessment", c.assessment}, {"audit", c.audit}, {"evidence", c.evidence}};
}

Store::SyncCursor Store::cursor_from(const Json& j, const std::string& where) {
  SyncCursor c;
  if (j.is_null()) return c;
  if (!j.is_object()) throw Error("sync", where, "the cursor must be an object of four ids");
  auto field = [&](const char* key) -> std::int64_t {
    if (!j.contains(key)) return 0;
    const Json& v = j[key];
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0) {
      throw Error("sync", where + "/" + key, std::string("\"") + key + "\" must be an id (an integer >= 0)");
    }
    return v.get<std::int64_t>();
  };
  c.enterprise = field("enterprise");
  c.assessment = field("assessment");
  c.audit = field("audit");
  c.evidence = field("evidence");
  return c;
}

Json Store::sync_changes(const SyncCursor& since, std::size_t limit, std::optional<std::int64_t> only_enterprise,
                         bool currents, SyncCursor* next) {
  const auto lock = guard();
  Transaction t(*db_);
  // On a shared PostgreSQL database, a row with a smaller id may commit after one with a larger id:
  // SHARE mode waits for every writing transaction to end and holds new ones back meanwhile, so no
  // id at or below what this batch returns can appear later.
  if (db_->postgres()) db_->exec("LOCK TABLE enterprises, assessments, audit, evidence IN SHARE MODE");
  const std::string node = node_id();
  const std::int64_t only = only_enterprise.value_or(0);
  SyncCursor c = since;
  Json out = {{"node", node},
              {"enterprises", Json::array()},
              {"assessments", Json::array()},
              {"audit", Json::array()},
              {"evidence", Json::array()}};
  std::size_t room = limit;
  {
    // A server's pull leaves out the enterprises only a bureau import put in the list (a province's
    // tens of thousands): they reach a laptop with their first assessment, which carries them.
    Statement s(*db_,
                "SELECT id, name, uscc, region, industry, created_at FROM enterprises WHERE id > ?1 AND uscc IS NOT "
                "NULL AND (?2 = 0 OR id = ?2) AND (?4 = 0 OR EXISTS (SELECT 1 FROM assessments x WHERE "
                "x.enterprise_id = enterprises.id) OR NOT EXISTS (SELECT 1 FROM bureau_records b WHERE b.uscc = "
                "enterprises.uscc)) ORDER BY id LIMIT ?3");
    s.bind(1, c.enterprise)
        .bind(2, only)
        .bind(3, static_cast<std::int64_t>(room))
        .bind(4, static_cast<std::int64_t>(currents ? 1 : 0));
    while (s.step()) {
      out["enterprises"].push_back({{"uscc", s.text(2)},
                                    {"name", s.text(1)},
                                    {"region", s.text(3)},
                                    {"industry", s.text(4)},
                                    {"created_at", s.text(5)}});
      c.enterprise = s.integer(0);
      --room;
    }
  }
  if (room > 0) {
    Statement s(*db_,
                "SELECT a.id, a.origin, e.uscc, a.modules, a.date, a.assessor, a.created_at, p.id, p.origin, "
                "e.name, e.region, e.industry, e.created_at FROM "
                "assessments a JOIN enterprises e ON e.id = a.enterprise_id LEFT JOIN assessments p ON p.id = "
                "a.previous_id WHERE a.id > ?1 AND e.uscc IS NOT NULL AND (?2 = 0 OR a.enterprise_id = ?2) ORDER BY "
                "a.id LIMIT ?3");
    s.bind(1, c.assessment).bind(2, only).bind(3, static_cast<std::int64_t>(room));
    while (s.step()) {
      out["assessments"].push_back(
          {{"id", global_id(node, s, 0, 1)},
           {"uscc", s.text(2)},
           {"modules", Json::parse(s.text(3))},
           {"date", s.text(4)},
           {"assessor", s.text(5)},
           {"created_at", s.text(6)},
           {"previous", s.null(7) ? Json() : Json(global_id(node, s, 7, 8))},
           {"enterprise",
            {{"name", s.text(9)}, {"region", s.text(10)}, {"industry", s.text(11)}, {"created_at", s.text(12)}}}});
      c.assessment = s.integer(0);
      --room;
    }
  }
  std::set<std::tuple<std::int64_t, std::string, std::string>> touched;
  std::map<std::int64_t, std::string> gids;
  if (room > 0) {
    Statement s(*db_,
                "SELECT au.id, au.origin, a.id, a.origin, au.module, au.question, au.old, au.new, au.at, "
                "coalesce(u.name, au.user_name), au.role FROM audit au JOIN assessments a ON a.id = au.assessment_id "
                "JOIN enterprises e ON e.id = a.enterprise_id LEFT JOIN users u ON u.id = au.user_id WHERE au.id > ?1 "
                "AND e.uscc IS NOT NULL AND (?2 = 0 OR a.enterprise_id = ?2) ORDER BY au.id LIMIT ?3");
    s.bind(1, c.audit).bind(2, only).bind(3, static_cast<std::int64_t>(room));
    while (s.step()) {
      const std::string a = global_id(node, s, 2, 3);
      out["audit"].push_back({{"id", global_id(node, s, 0, 1)},
                              {"assessment", a},
                              {"module", s.text(4)},
                              {"question", s.text(5)},
                              {"old", json_or_null(s, 6)},
                              {"new", json_or_null(s, 7)},
                              {"at", s.text(8)},
                              {"by", s.text(9)},
                              {"role", s.text(10)}});
      touched.emplace(s.integer(2), s.text(4), s.text(5));
      gids[s.integer(2)] = a;
      c.audit = s.integer(0);
      --room;
    }
  }
  if (room > 0) {
    Statement s(*db_,
                "SELECT ev.id, a.id, a.origin, ev.module, ev.question, ev.sha256, ev.size, ev.mime, ev.name FROM "
                "evidence ev JOIN assessments a ON a.id = ev.assessment_id JOIN enterprises e ON e.id = "
                "a.enterprise_id WHERE ev.id > ?1 AND e.uscc IS NOT NULL AND (?2 = 0 OR a.enterprise_id = ?2) ORDER "
                "BY ev.id LIMIT ?3");
    s.bind(1, c.evidence).bind(2, only).bind(3, static_cast<std::int64_t>(room));
    while (s.step()) {
      out["evidence"].push_back({{"assessment", global_id(node, s, 1, 2)},
                                 {"module", s.text(3)},
                                 {"question", s.text(4)},
                                 {"sha256", s.text(5)},
                                 {"size", s.integer(6)},
                                 {"mime", s.text(7)},
                                 {"name", s.text(8)}});
      c.evidence = s.integer(0);
      --room;
    }
  }
  if (currents) {
    out["current"] = Json::array();
    for (const auto& [a, m, q] : touched) {
      out["current"].push_back(
          {{"assessment", gids[a]}, {"module", m}, {"question", q}, {"value", current_value(*db_, a, m, q)}});
    }
  }
  t.commit();
  if (next) *next = c;
  return out;
}

Json Store::sync_apply(const Json& batch, bool mirror, const std::string& now) {
  const auto lock = guard();
  Transaction t(*db_);
  const std::string node = node_id();
  std::size_t enterprises = 0, assessments = 0, changes = 0, evidence = 0, conflicts = 0;
  std::set<std::int64_t> touched, submitted;
  auto assessment_of = [&](const Json& item, const std::string& where) {
    const auto id = local_id(*db_, node, "assessments", item.at("assessment").get<std::string>());
    if (!id)
      throw Error("sync", where + "/assessment",
                  "no assessment " + item.at("assessment").get<std::string>() + " in this batch or the database");
    return *id;
  };
  const Json empty = Json::array();
  const Json& es = batch.contains("enterprises") ? batch["enterprises"] : empty;
  for (std::size_t i = 0; i < es.size(); ++i) {
    const Json& e = es[i];
    const std::string uscc = e.at("uscc").get<std::string>();
    Statement f(*db_, "SELECT id FROM enterprises WHERE uscc = ?");
    f.bind(1, uscc);
    if (f.step()) continue;
    Statement s(*db_,
                "INSERT INTO enterprises(name, uscc, region, industry, created_at) VALUES (?, ?, ?, ?, "
                "coalesce(nullif(?, ''), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')))");
    s.bind(1, e.at("name").get<std::string>())
        .bind(2, uscc)
        .bind(3, e.value("region", ""))
        .bind(4, e.value("industry", ""))
        .bind(5, e.value("created_at", ""))
        .run();
    ++enterprises;
  }
  const Json& as = batch.contains("assessments") ? batch["assessments"] : empty;
  for (std::size_t i = 0; i < as.size(); ++i) {
    const Json& a = as[i];
    const std::string gid = a.at("id").get<std::string>();
    if (local_id(*db_, node, "assessments", gid)) continue;
    const std::string where = "/assessments/" + std::to_string(i);
    std::int64_t enterprise_id = 0;
    {
      Statement f(*db_, "SELECT id FROM enterprises WHERE uscc = ?");
      f.bind(1, a.at("uscc").get<std::string>());
      if (f.step()) enterprise_id = f.integer(0);
    }
    if (enterprise_id == 0) {
      // The assessment carries its enterprise (one the sender did not send on its own).
      if (!a.contains("enterprise") || !a["enterprise"].is_object()) {
        throw Error("sync", where + "/uscc",
                    "no enterprise " + a.at("uscc").get<std::string>() + " in this batch or the database");
      }
      const Json& e = a["enterprise"];
      Statement s(*db_,
                  "INSERT INTO enterprises(name, uscc, region, industry, created_at) VALUES (?, ?, ?, ?, "
                  "coalesce(nullif(?, ''), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))) RETURNING id");
      s.bind(1, e.at("name").get<std::string>())
          .bind(2, a.at("uscc").get<std::string>())
          .bind(3, e.value("region", ""))
          .bind(4, e.value("industry", ""))
          .bind(5, e.value("created_at", ""));
      enterprise_id = s.insert();
      ++enterprises;
    }
    std::optional<std::int64_t> previous;
    if (a.contains("previous") && a["previous"].is_string()) {
      previous = local_id(*db_, node, "assessments", a["previous"].get<std::string>());
    }
    Statement s(*db_,
                "INSERT INTO assessments(enterprise_id, modules, status, date, assessor, previous_id, created_at, "
                "updated_at, origin) VALUES (?1, ?2, 'open', ?3, ?4, ?5, ?6, ?6, ?7)");
    s.bind(1, enterprise_id)
        .bind(2, a.at("modules").dump())
        .bind(3, a.value("date", ""))
        .bind(4, a.value("assessor", ""))
        .bind(6, a.value("created_at", now))
        .bind(7, gid);
    if (previous) {
      s.bind(5, *previous);
    } else {
      s.bind_null(5);
    }
    s.run();
    ++assessments;
  }
  const Json& rows = batch.contains("audit") ? batch["audit"] : empty;
  const std::string sender =
      batch.contains("node") && batch["node"].is_string() ? batch["node"].get<std::string>() : "";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Json& r = rows[i];
    const std::string gid = r.at("id").get<std::string>();
    if (local_id(*db_, node, "audit", gid)) continue;
    const std::int64_t a = assessment_of(r, "/audit/" + std::to_string(i));
    {
      // Locks the assessment's row on PostgreSQL first, as save_answer() does: a save through
      // another server waits, so the value compared below is the value the row is applied to.
      Statement l(*db_, "UPDATE assessments SET version = version WHERE id = ?");
      l.bind(1, a).run();
    }
    const std::string module = r.at("module").get<std::string>();
    const std::string question = r.at("question").get<std::string>();
    const Json old = r.contains("old") ? r["old"] : Json();
    const Json value = r.contains("new") ? r["new"] : Json();
    const std::string at = r.value("at", now);
    const std::string by = r.value("by", "");
    if (mirror) {
      set_current(*db_, a, module, question, value, now);
    } else {
      std::optional<std::int64_t> open;
      {
        Statement f(*db_,
                    "SELECT id FROM sync_conflicts WHERE assessment_id = ? AND module = ? AND question = ? AND "
                    "resolved_at = ''");
        f.bind(1, a).bind(2, module).bind(3, question);
        if (f.step()) open = f.integer(0);
      }
      const Json cur = current_value(*db_, a, module, question);
      // A row the sender made itself, or one it got from a third database (relayed): a relayed row
      // tells of a history decided there, so it moves the value on when it fits and never opens a
      // conflict.
      const bool relayed = sender.empty() || gid.rfind(sender + ".", 0) != 0;
      // A submitted assessment changes only after a reopen: an answer the laptop changed meanwhile
      // waits as a conflict (the person who decides may keep it).
      const bool locked = !module.empty() && current_value(*db_, a, "", "#status") == "submitted";
      if (open && relayed) {
        // The conflict stays as it is: a person decides it here.
      } else if (open) {
        // Still in conflict: the incoming side moved on; the value kept here stays.
        Statement u(*db_, "UPDATE sync_conflicts SET incoming = ?, incoming_at = ?, incoming_by = ? WHERE id = ?");
        bind_json(u, 1, value);
        u.bind(2, at).bind(3, by).bind(4, *open).run();
      } else if (cur == old && !(locked && !relayed && cur != value)) {
        set_current(*db_, a, module, question, value, now);
        if (module.empty() && question == "#status" && value == "submitted") submitted.insert(a);
      } else if (cur != value && !relayed) {
        // Changed on both sides since the last sync: the value here stays, both are listed.
        std::string kept_at, kept_by;
        {
          Statement l(*db_,
                      "SELECT au.at, coalesce(u.name, au.user_name) FROM audit au LEFT JOIN users u ON u.id = "
                      "au.user_id WHERE au.assessment_id = ? AND au.module = ? AND au.question = ? ORDER BY au.id "
                      "DESC LIMIT 1");
          l.bind(1, a).bind(2, module).bind(3, question);
          if (l.step()) {
            kept_at = l.text(0);
            kept_by = l.text(1);
          }
        }
        Statement c(*db_,
                    "INSERT INTO sync_conflicts(assessment_id, module, question, kept, kept_at, kept_by, incoming, "
                    "incoming_at, incoming_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        c.bind(1, a)
            .bind(2, module)
            .bind(3, question)
            .bind(5, kept_at)
            .bind(6, kept_by)
            .bind(8, at)
            .bind(9, by)
            .bind(10, now);
        bind_json(c, 4, cur);
        bind_json(c, 7, value);
        c.run();
        ++conflicts;
      }
    }
    Statement s(*db_,
                "INSERT INTO audit(at, user_id, assessment_id, module, question, old, new, role, origin, user_name) "
                "VALUES (?, NULL, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, at).bind(2, a).bind(3, module).bind(4, question).bind(7, r.value("role", "")).bind(8, gid).bind(9, by);
    bind_json(s, 5, old);
    bind_json(s, 6, value);
    s.run();
    touched.insert(a);
    ++changes;
  }
  const Json& evs = batch.contains("evidence") ? batch["evidence"] : empty;
  for (std::size_t i = 0; i < evs.size(); ++i) {
    const Json& e = evs[i];
    const std::int64_t a = assessment_of(e, "/evidence/" + std::to_string(i));
    Statement f(*db_, "SELECT 1 FROM evidence WHERE assessment_id = ? AND module = ? AND question = ? AND sha256 = ?");
    f.bind(1, a)
        .bind(2, e.at("module").get<std::string>())
        .bind(3, e.at("question").get<std::string>())
        .bind(4, e.at("sha256").get<std::string>());
    if (f.step()) continue;
    Statement s(*db_,
                "INSERT INTO evidence(assessment_id, module, question, sha256, size, mime, name) VALUES (?, ?, ?, ?, "
                "?, ?, ?)");
    s.bind(1, a)
        .bind(2, e.at("module").get<std::string>())
        .bind(3, e.at("question").get<std::string>())
        .bind(4, e.at("sha256").get<std::string>())
        .bind(5, e.at("size").get<std::int64_t>())
        .bind(6, e.value("mime", ""))
        .bind(7, e.value("name", ""))
        .run();
    ++evidence;
  }
  if (mirror && batch.contains("current")) {
    // The sender's value now of every answer its rows touched (a change it kept in a conflict
    // travelled as a row too, and must not win here).
    const Json& cs = batch["current"];
    for (std::size_t i = 0; i < cs.size(); ++i) {
      const std::int64_t a = assessment_of(cs[i], "/current/" + std::to_string(i));
      const std::string module = cs[i].at("module").get<std::string>();
      const std::string question = cs[i].at("question").get<std::string>();
      const Json value = cs[i].contains("value") ? cs[i]["value"] : Json();
      if (current_value(*db_, a, module, question) != value) set_current(*db_, a, module, question, value, now);
      touched.insert(a);
    }
  }
  t.commit();
  return {{"enterprises", enterprises}, {"assessments", assessments}, {"changes", changes},
          {"evidence", evidence},       {"conflicts", conflicts},     {"assessment_ids", touched},
          {"submitted_ids", submitted}};
}

Store::SyncCursor Store::sync_cursor(const std::string& server, const std::string& direction) {
  const auto read = reading();
  Statement s(read.db(), "SELECT cursor FROM sync_cursors WHERE server = ? AND direction = ?");
  s.bind(1, server).bind(2, direction);
  if (!s.step()) return {};
  return cursor_from(Json::parse(s.text(0)), "/" + direction);
}

void Store::set_sync_cursor(const std::string& server, const std::string& direction, const SyncCursor& c) {
  const auto lock = guard();
  Statement s(*db_,
              "INSERT INTO sync_cursors(server, direction, cursor) VALUES (?, ?, ?) ON CONFLICT(server, direction) DO "
              "UPDATE SET cursor = excluded.cursor");
  s.bind(1, server).bind(2, direction).bind(3, cursor_json(c).dump()).run();
}

Json Store::sync_conflicts(bool open_only, std::optional<std::int64_t> only_enterprise, int limit) {
  const auto read = reading();
  Statement s(read.db(),
              "SELECT c.id, c.assessment_id, a.enterprise_id, e.name, c.module, c.question, c.kept, c.kept_at, "
              "c.kept_by, c.incoming, c.incoming_at, c.incoming_by, c.resolved_at, c.resolved_by, c.resolution, "
              "c.created_at FROM sync_conflicts c JOIN assessments a ON a.id = c.assessment_id JOIN enterprises e ON "
              "e.id = a.enterprise_id WHERE (?1 = 0 OR c.resolved_at = '') AND (?2 = 0 OR a.enterprise_id = ?2) "
              "ORDER BY c.id DESC LIMIT ?3");
  s.bind(1, static_cast<std::int64_t>(open_only ? 1 : 0))
      .bind(2, only_enterprise.value_or(0))
      .bind(3, static_cast<std::int64_t>(limit));
  Json out = Json::array();
  while (s.step()) {
    out.push_back({{"id", s.integer(0)},
                   {"assessment_id", s.integer(1)},
                   {"enterprise_id", s.integer(2)},
                   {"enterprise", s.text(3)},
                   {"module", s.text(4)},
                   {"question", s.text(5)},
                   {"server", {{"value", json_or_null(s, 6)}, {"at", s.text(7)}, {"by", s.text(8)}}},
                   {"incoming", {{"value", json_or_null(s, 9)}, {"at", s.text(10)}, {"by", s.text(11)}}},
                   {"resolved_at", s.text(12)},
                   {"resolved_by", s.text(13)},
                   {"resolution", s.text(14)},
                   {"created_at", s.text(15)}});
  }
  return out;
}

std::optional<std::int64_t> Store::conflict_enterprise(std::int64_t id) {
  const auto read = reading();
  Statement s(
      read.db(),
      "SELECT a.enterprise_id FROM sync_conflicts c JOIN assessments a ON a.id = c.assessment_id WHERE c.id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return s.integer(0);
}

std::int64_t Store::resolve_conflict(std::int64_t id, const std::string& keep, std::int64_t user_id,
                                     const std::string& role, const std::string& user_name, const std::string& now) {
  const auto lock = guard();
  Transaction t(*db_);
  std::int64_t a = 0;
  std::string module, question, resolved_at;
  Json kept, incoming;
  {
    Statement s(*db_,
                "SELECT assessment_id, module, question, kept, incoming, resolved_at FROM sync_conflicts WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) throw Error("sync", "", "no conflict " + std::to_string(id), ErrorKind::kNotFound);
    a = s.integer(0);
    module = s.text(1);
    question = s.text(2);
    kept = json_or_null(s, 3);
    incoming = json_or_null(s, 4);
    resolved_at = s.text(5);
  }
  if (!resolved_at.empty()) throw Error("sync", "", "conflict " + std::to_string(id) + " is resolved already");
  const Json chosen = keep == "server" ? kept : incoming;
  const Json before = current_value(*db_, a, module, question);
  set_current(*db_, a, module, question, chosen, now);
  // The resolution is an audit row like any change (old: the value before, new: the one kept), so
  // it travels to the laptops at their next sync.
  audit_row(a, module, question, before, chosen, user_id, role, now);
  Statement u(*db_, "UPDATE sync_conflicts SET resolved_at = ?, resolved_by = ?, resolution = ? WHERE id = ?");
  u.bind(1, now).bind(2, user_name).bind(3, keep).bind(4, id).run();
  t.commit();
  return a;
}

}  // namespace assess
