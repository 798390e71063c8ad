#include "store.h"

#include <algorithm>
#include <cctype>
#include <map>

#include <sodium.h>
#include <sqlite3.h>

#include "assess/error.h"

namespace assess {

namespace {

// Versioned migrations: index i brings the schema from version i to i + 1. Never edit a shipped
// step; add a new one.
const std::vector<const char*> kMigrations = {
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
};

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw Error("database", "", what + ": " + sqlite3_errmsg(db));
}

// A prepared statement borrowed from the store's cache: prepared once per SQL text, reset after
// each use (preparing was a seventh of the time of an answer save).
class Statement {
 public:
  Statement(sqlite3* db, std::map<std::string, sqlite3_stmt*>& cache, const std::string& sql) : db_(db) {
    auto it = cache.find(sql);
    if (it == cache.end()) {
      sqlite3_stmt* stmt = nullptr;
      if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) fail(db, "prepare");
      it = cache.emplace(sql, stmt).first;
    }
    stmt_ = it->second;
  }
  ~Statement() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& bind_null(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  // True while there is a row.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, "step");
  }
  void run() {
    while (step()) {
    }
  }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : "";
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

void exec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string m = message ? message : "unknown";
    sqlite3_free(message);
    throw Error("database", "", m);
  }
}

// A transaction that rolls back unless committed.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) { exec(db, "BEGIN IMMEDIATE"); }
  ~Transaction() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    exec(db_, "COMMIT");
    done_ = true;
  }

 private:
  sqlite3* db_;
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
  return a;
}

constexpr const char* kAssessmentColumns =
    "SELECT id, enterprise_id, modules, status, date, assessor, previous_id, created_at, updated_at FROM assessments";

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

std::unique_ptr<Store> Store::open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) !=
      SQLITE_OK) {
    std::string m = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw Error(path, "", "cannot open database: " + m, ErrorKind::kNotFound);
  }
  std::unique_ptr<Store> store(new Store(db));
  sqlite3_busy_timeout(db, 5000);
  exec(db, "PRAGMA foreign_keys = ON");
  if (path != ":memory:") {
    exec(db, "PRAGMA journal_mode = WAL");
    // WAL + NORMAL: a commit survives a crash of the process (SIGKILL); power loss may lose the last
    // commits before a checkpoint.
    exec(db, "PRAGMA synchronous = NORMAL");
  }
  store->migrate();
  return store;
}

Store::~Store() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

int Store::latest_schema_version() { return static_cast<int>(kMigrations.size()); }

int Store::schema_version() const {
  Statement s(db_, statements_, "PRAGMA user_version");
  s.step();
  return static_cast<int>(s.integer(0));
}

void Store::migrate() {
  const int from = schema_version();
  if (from > latest_schema_version()) {
    throw Error("database", "", "the database has schema version " + std::to_string(from) +
                                    ", newer than this program knows (" + std::to_string(latest_schema_version()) +
                                    "); use a newer assess");
  }
  for (int v = from; v < latest_schema_version(); ++v) {
    Transaction t(db_);
    exec(db_, kMigrations[static_cast<std::size_t>(v)]);
    if (v == 4) {
      // Session tokens were stored as given; keep only their SHA-256 from now on.
      std::vector<std::string> tokens;
      {
        Statement s(db_, statements_, "SELECT token FROM sessions");
        while (s.step()) tokens.push_back(s.text(0));
      }
      for (const auto& token : tokens) {
        Statement u(db_, statements_, "UPDATE sessions SET token = ? WHERE token = ?");
        u.bind(1, sha256_hex(token)).bind(2, token).run();
      }
    }
    exec(db_, ("PRAGMA user_version = " + std::to_string(v + 1)).c_str());
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
      "1234567890", "0123456789", "12345678910", "1234567890a", "123456789a", "a123456789", "qwertyuiop",
      "1q2w3e4r5t", "1qaz2wsx3edc", "password123", "password1234", "passw0rd123", "iloveyou123", "qwerty1234",
      "qwerty12345", "qwertyuiop123", "abcdefghij", "abc1234567", "1111111111", "0000000000", "aaaaaaaaaa",
      "administrator", "admin12345", "admin123456", "adminadmin", "welcome123", "letmein123", "changeme123",
      "woaini1314", "woaini520520", "5201314520", "1314520520", "a1234567890", "88888888888", "6666666666",
      "1234qwerasdf", "qazwsxedcrfv", "zxcvbnm123", "asdfghjkl123", "p@ssw0rd123"};
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
      const bool cjk = (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2EBEF) ||
                       (cp >= 0x30000 && cp <= 0x323AF);
      if (!cjk || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return kRule;
      i += len;
    }
    if (++chars > 64) return kRule;
  }
  return "";
}

User Store::add_user(const std::string& name, const std::string& password, const std::string& role,
                     std::optional<std::int64_t> enterprise_id) {
  return add_user_hash(name, hash_password(password), role, enterprise_id);
}

User Store::add_user_hash(const std::string& name, const std::string& hash, const std::string& role,
                          std::optional<std::int64_t> enterprise_id, bool must_change_password) {
  Statement s(db_, statements_,
              "INSERT INTO users(name, role, password_hash, enterprise_id, must_change_password) VALUES (?, ?, ?, ?, ?)");
  s.bind(1, name).bind(2, role).bind(3, hash).bind(5, static_cast<std::int64_t>(must_change_password ? 1 : 0));
  if (enterprise_id) {
    s.bind(4, *enterprise_id);
  } else {
    s.bind_null(4);
  }
  try {
    s.run();
  } catch (const Error&) {
    throw Error("users", "/name", "user \"" + name + "\" exists already or the role is not one of admin, consultant, enterprise, bureau");
  }
  return *find_user(name);
}

void Store::set_password(const std::string& name, const std::string& password) {
  const auto u = find_user(name);
  if (!u) throw Error("users", "", "no user \"" + name + "\"", ErrorKind::kNotFound);
  set_password_hash(u->id, hash_password(password));
}

void Store::set_password_hash(std::int64_t user_id, const std::string& hash, const std::string& keep_token) {
  Transaction t(db_);
  Statement s(db_, statements_, "UPDATE users SET password_hash = ?, must_change_password = 0 WHERE id = ?");
  s.bind(1, hash).bind(2, user_id).run();
  if (sqlite3_changes(db_) == 0) throw Error("users", "", "no user " + std::to_string(user_id), ErrorKind::kNotFound);
  Statement d(db_, statements_, "DELETE FROM sessions WHERE user_id = ? AND token <> ?");
  d.bind(1, user_id).bind(2, keep_token.empty() ? std::string() : sha256_hex(keep_token)).run();
  t.commit();
}

std::optional<std::pair<User, std::string>> Store::credentials(const std::string& name) {
  Statement s(db_, statements_, std::string("SELECT ") + kUserColumns + ", password_hash FROM users WHERE name = ?");
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return std::make_pair(read_user(s, 0), s.text(6));
}

std::optional<User> Store::check_password(const std::string& name, const std::string& password) {
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
  Statement s(db_, statements_, std::string("SELECT ") + kUserColumns + " FROM users WHERE name = ?");
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return read_user(s, 0);
}

std::optional<User> Store::user(std::int64_t id) {
  Statement s(db_, statements_, std::string("SELECT ") + kUserColumns + " FROM users WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_user(s, 0);
}

std::vector<User> Store::users() {
  Statement s(db_, statements_, std::string("SELECT ") + kUserColumns + " FROM users ORDER BY name");
  std::vector<User> out;
  while (s.step()) out.push_back(read_user(s, 0));
  return out;
}

void Store::set_disabled(std::int64_t user_id, bool disabled) {
  Transaction t(db_);
  Statement s(db_, statements_, "UPDATE users SET disabled = ? WHERE id = ?");
  s.bind(1, static_cast<std::int64_t>(disabled ? 1 : 0)).bind(2, user_id).run();
  if (sqlite3_changes(db_) == 0) throw Error("users", "", "no user " + std::to_string(user_id), ErrorKind::kNotFound);
  if (disabled) {
    Statement d(db_, statements_, "DELETE FROM sessions WHERE user_id = ?");
    d.bind(1, user_id).run();
  }
  t.commit();
}

void Store::set_role(std::int64_t user_id, const std::string& role, std::optional<std::int64_t> enterprise_id) {
  Statement s(db_, statements_, "UPDATE users SET role = ?, enterprise_id = ? WHERE id = ?");
  s.bind(1, role).bind(3, user_id);
  if (enterprise_id) {
    s.bind(2, *enterprise_id);
  } else {
    s.bind_null(2);
  }
  s.run();
  if (sqlite3_changes(db_) == 0) throw Error("users", "", "no user " + std::to_string(user_id), ErrorKind::kNotFound);
}

void Store::reset_password_hash(std::int64_t user_id, const std::string& hash) {
  Transaction t(db_);
  Statement s(db_, statements_, "UPDATE users SET password_hash = ?, must_change_password = 1 WHERE id = ?");
  s.bind(1, hash).bind(2, user_id).run();
  if (sqlite3_changes(db_) == 0) throw Error("users", "", "no user " + std::to_string(user_id), ErrorKind::kNotFound);
  Statement d(db_, statements_, "DELETE FROM sessions WHERE user_id = ?");
  d.bind(1, user_id).run();
  t.commit();
}

void Store::log_event(const std::string& at, std::optional<std::int64_t> user_id, const std::string& role,
                      const std::string& action, const std::string& target, const Json& detail) {
  Statement s(db_, statements_, "INSERT INTO events(at, user_id, role, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)");
  s.bind(1, at).bind(3, role).bind(4, action).bind(5, target).bind(6, detail.dump(-1, ' ', false, Json::error_handler_t::replace));
  if (user_id) {
    s.bind(2, *user_id);
  } else {
    s.bind_null(2);
  }
  s.run();
}

Json Store::events(int limit) {
  Statement s(db_, statements_,
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
  Statement s(db_, statements_, "SELECT count(*) FROM users");
  s.step();
  return s.integer(0);
}

Session Store::create_session(const User& user, std::int64_t now, std::int64_t lifetime_seconds) {
  Session session{random_token(), random_token(16), user};
  Statement s(db_, statements_, "INSERT INTO sessions(token, user_id, csrf, expires_at) VALUES (?, ?, ?, ?)");
  s.bind(1, sha256_hex(session.token)).bind(2, user.id).bind(3, session.csrf).bind(4, now + lifetime_seconds).run();
  Statement cleanup(db_, statements_, "DELETE FROM sessions WHERE expires_at < ?");
  cleanup.bind(1, now).run();
  return session;
}

std::optional<Session> Store::find_session(const std::string& token, std::int64_t now) {
  Statement s(db_, statements_,
              "SELECT s.csrf, u.id, u.name, u.role, u.enterprise_id, u.disabled, u.must_change_password FROM sessions s "
              "JOIN users u ON u.id = s.user_id WHERE s.token = ? AND s.expires_at >= ? AND u.disabled = 0");
  s.bind(1, sha256_hex(token)).bind(2, now);
  if (!s.step()) return std::nullopt;
  return Session{token, s.text(0), read_user(s, 1)};
}

void Store::delete_session(const std::string& token) {
  Statement s(db_, statements_, "DELETE FROM sessions WHERE token = ?");
  s.bind(1, sha256_hex(token)).run();
}

EnterpriseRow Store::add_enterprise(const EnterpriseRow& e) {
  // Times are ISO 8601 UTC: the request time when the caller gives one, else SQLite's clock.
  Statement s(db_, statements_, "INSERT INTO enterprises(name, uscc, region, industry, created_at) VALUES (?, ?, ?, ?, coalesce(nullif(?, ''), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')))");
  s.bind(1, e.name);
  if (e.uscc.empty()) {
    s.bind_null(2);
  } else {
    s.bind(2, e.uscc);
  }
  s.bind(3, e.region).bind(4, e.industry).bind(5, e.created_at);
  try {
    s.run();
  } catch (const Error&) {
    throw Error("enterprises", "/uscc", "an enterprise with unified social credit code " + e.uscc + " exists already");
  }
  return *enterprise(sqlite3_last_insert_rowid(db_));
}

namespace {
EnterpriseRow read_enterprise(const Statement& s) {
  return {s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5)};
}
constexpr const char* kEnterpriseColumns = "SELECT id, name, coalesce(uscc, ''), region, industry, created_at FROM enterprises";
}  // namespace

std::optional<EnterpriseRow> Store::enterprise(std::int64_t id) {
  Statement s(db_, statements_, (std::string(kEnterpriseColumns) + " WHERE id = ?").c_str());
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_enterprise(s);
}

std::optional<EnterpriseRow> Store::enterprise_by_uscc(const std::string& uscc) {
  Statement s(db_, statements_, (std::string(kEnterpriseColumns) + " WHERE uscc = ?").c_str());
  s.bind(1, uscc);
  if (!s.step()) return std::nullopt;
  return read_enterprise(s);
}

std::vector<EnterpriseRow> Store::enterprises(const std::string& search, int limit, int offset) {
  // Parameterised LIKE with the user's text escaped, so % and _ match themselves.
  std::string pattern = "%";
  for (char c : search) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  pattern += "%";
  Statement s(db_, statements_, (std::string(kEnterpriseColumns) +
                    " WHERE name LIKE ?1 ESCAPE '\\' OR uscc LIKE ?1 ESCAPE '\\' OR region LIKE ?1 ESCAPE '\\'"
                    " ORDER BY name LIMIT ?2 OFFSET ?3")
                       .c_str());
  s.bind(1, pattern).bind(2, static_cast<std::int64_t>(limit)).bind(3, static_cast<std::int64_t>(offset));
  std::vector<EnterpriseRow> out;
  while (s.step()) out.push_back(read_enterprise(s));
  return out;
}

AssessmentRow Store::add_assessment(const AssessmentRow& a) {
  Statement s(db_, statements_,
              "INSERT INTO assessments(enterprise_id, modules, status, date, assessor, previous_id, created_at, updated_at) "
              "VALUES (?, ?, 'open', ?, ?, ?, coalesce(nullif(?6, ''), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')), coalesce(nullif(?6, ''), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')))");
  s.bind(1, a.enterprise_id).bind(2, Json(a.modules).dump()).bind(3, a.date).bind(4, a.assessor).bind(6, a.created_at);
  if (a.previous_id) {
    s.bind(5, *a.previous_id);
  } else {
    s.bind_null(5);
  }
  s.run();
  return *assessment(sqlite3_last_insert_rowid(db_));
}

std::optional<AssessmentRow> Store::assessment(std::int64_t id) {
  Statement s(db_, statements_, (std::string(kAssessmentColumns) + " WHERE id = ?").c_str());
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_assessment(s);
}

std::vector<AssessmentRow> Store::assessments_of(std::int64_t enterprise_id) {
  Statement s(db_, statements_, (std::string(kAssessmentColumns) + " WHERE enterprise_id = ? ORDER BY id").c_str());
  s.bind(1, enterprise_id);
  std::vector<AssessmentRow> out;
  while (s.step()) out.push_back(read_assessment(s));
  return out;
}

void Store::set_status(std::int64_t id, const std::string& status, const std::string& now,
                       std::optional<std::int64_t> user_id, const std::string& role) {
  Transaction t(db_);
  const auto before = assessment(id);
  Statement s(db_, statements_, "UPDATE assessments SET status = ?1, updated_at = coalesce(nullif(?3, ''), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) WHERE id = ?2");
  s.bind(1, status).bind(2, id).bind(3, now).run();
  if (before) audit_row(id, "", "#status", before->status, status, user_id, role, now);
  t.commit();
}

void Store::audit_row(std::int64_t assessment_id, const std::string& module, const std::string& question, const Json& old,
                      const Json& now_value, std::optional<std::int64_t> user_id, const std::string& role,
                      const std::string& at) {
  Statement s(db_, statements_,
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
  Statement s(db_, statements_, "SELECT module, question, answer FROM answers WHERE assessment_id = ? ORDER BY module, question");
  s.bind(1, assessment_id);
  Json out = Json::object();
  while (s.step()) out[s.text(0)][s.text(1)] = Json::parse(s.text(2));
  return out;
}

Json Store::save_answer(std::int64_t assessment_id, const std::string& module, const std::string& question,
                        const Json& answer, std::optional<std::int64_t> user_id, const std::string& now,
                        const std::string& role) {
  Transaction t(db_);
  Json old;
  {
    Statement s(db_, statements_, "SELECT answer FROM answers WHERE assessment_id = ? AND module = ? AND question = ?");
    s.bind(1, assessment_id).bind(2, module).bind(3, question);
    if (s.step()) old = Json::parse(s.text(0));
  }
  if (answer.is_null()) {
    Statement s(db_, statements_, "DELETE FROM answers WHERE assessment_id = ? AND module = ? AND question = ?");
    s.bind(1, assessment_id).bind(2, module).bind(3, question).run();
  } else {
    Statement s(db_, statements_,
                "INSERT INTO answers(assessment_id, module, question, answer, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(assessment_id, module, question) DO UPDATE SET answer = excluded.answer, "
                "updated_at = excluded.updated_at, updated_by = excluded.updated_by");
    s.bind(1, assessment_id).bind(2, module).bind(3, question).bind(4, answer.dump(-1, ' ', false, Json::error_handler_t::replace)).bind(5, now);
    if (user_id) {
      s.bind(6, *user_id);
    } else {
      s.bind_null(6);
    }
    s.run();
  }
  audit_row(assessment_id, module, question, old, answer, user_id, role, now);
  {
    Statement s(db_, statements_, "UPDATE assessments SET updated_at = ? WHERE id = ?");
    s.bind(1, now).bind(2, assessment_id).run();
  }
  t.commit();
  return old;
}

void Store::copy_answers(std::int64_t from_assessment, std::int64_t to_assessment, const std::string& now) {
  Transaction t(db_);
  Statement s(db_, statements_,
              "INSERT INTO answers(assessment_id, module, question, answer, updated_at, updated_by) "
              "SELECT ?1, module, question, answer, ?2, NULL FROM answers WHERE assessment_id = ?3 AND module IN "
              "(SELECT value FROM json_each((SELECT modules FROM assessments WHERE id = ?1)))");
  s.bind(1, to_assessment).bind(2, now).bind(3, from_assessment).run();
  Statement p(db_, statements_, "UPDATE assessments SET projects = (SELECT projects FROM assessments WHERE id = ?) WHERE id = ?");
  p.bind(1, from_assessment).bind(2, to_assessment).run();
  t.commit();
}

Json Store::audit(std::int64_t assessment_id, int limit) {
  Statement s(db_, statements_,
              "SELECT a.at, coalesce(u.name, ''), a.module, a.question, a.old, a.new, a.user_id, a.role FROM audit a "
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
  Statement s(db_, statements_, "SELECT projects FROM assessments WHERE id = ?");
  s.bind(1, assessment_id);
  return s.step() ? Json::parse(s.text(0)) : Json::array();
}

void Store::set_projects(std::int64_t assessment_id, const Json& projects, const std::string& now,
                         std::optional<std::int64_t> user_id, const std::string& role) {
  Transaction t(db_);
  const Json before = this->projects(assessment_id);
  Statement s(db_, statements_, "UPDATE assessments SET projects = ?1, updated_at = coalesce(nullif(?3, ''), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) WHERE id = ?2");
  s.bind(1, projects.dump(-1, ' ', false, Json::error_handler_t::replace)).bind(2, assessment_id).bind(3, now).run();
  if (before != projects) audit_row(assessment_id, "", "#projects", before, projects, user_id, role, now);
  t.commit();
}

EvidenceRow Store::add_evidence(const EvidenceRow& e) {
  Statement s(db_, statements_, "INSERT INTO evidence(assessment_id, module, question, sha256, size, mime, name) VALUES (?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, e.assessment_id).bind(2, e.module).bind(3, e.question).bind(4, e.sha256).bind(5, e.size).bind(6, e.mime).bind(7, e.name).run();
  EvidenceRow out = e;
  out.id = sqlite3_last_insert_rowid(db_);
  return out;
}

std::vector<EvidenceRow> Store::evidence(std::int64_t assessment_id) {
  Statement s(db_, statements_, "SELECT id, assessment_id, module, question, sha256, size, mime, name FROM evidence WHERE assessment_id = ? ORDER BY id");
  s.bind(1, assessment_id);
  std::vector<EvidenceRow> out;
  while (s.step()) {
    out.push_back({s.integer(0), s.integer(1), s.text(2), s.text(3), s.text(4), s.integer(5), s.text(6), s.text(7)});
  }
  return out;
}

std::vector<std::pair<std::int64_t, std::string>> Store::evidence_owners(const std::string& sha256) {
  Statement s(db_, statements_, "SELECT a.enterprise_id, e.mime FROM evidence e JOIN assessments a ON a.id = e.assessment_id WHERE e.sha256 = ?");
  s.bind(1, sha256);
  std::vector<std::pair<std::int64_t, std::string>> out;
  while (s.step()) out.emplace_back(s.integer(0), s.text(1));
  return out;
}

std::string Store::create_invite(std::int64_t enterprise_id, std::optional<std::int64_t> created_by, std::int64_t expires_at) {
  const std::string token = random_token(24);
  Statement s(db_, statements_, "INSERT INTO invites(token, enterprise_id, created_by, expires_at) VALUES (?, ?, ?, ?)");
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
  Statement s(db_, statements_, "SELECT enterprise_id FROM invites WHERE token = ? AND used_by IS NULL AND expires_at >= ?");
  s.bind(1, token).bind(2, now);
  if (!s.step()) return std::nullopt;
  return s.integer(0);
}

User Store::accept_invite(const std::string& token, const std::string& name, const std::string& password_hash, std::int64_t now) {
  Transaction t(db_);
  const auto enterprise_id = invite_enterprise(token, now);
  if (!enterprise_id) throw Error("invite", "", "this invite link is unknown, used or expired", ErrorKind::kNotFound);
  User u;
  try {
    u = add_user_hash(name, password_hash, "enterprise", enterprise_id);
  } catch (const Error&) {
    throw Error("invite", "/name", "this name cannot be used; choose another");
  }
  Statement s(db_, statements_, "UPDATE invites SET used_by = ? WHERE token = ?");
  s.bind(1, u.id).bind(2, token).run();
  t.commit();
  return u;
}

std::vector<Store::InviteRow> Store::open_invites(std::int64_t enterprise_id, std::int64_t now) {
  Statement s(db_, statements_,
              "SELECT token, expires_at FROM invites WHERE enterprise_id = ? AND used_by IS NULL AND expires_at >= ? "
              "ORDER BY expires_at DESC, rowid DESC");
  s.bind(1, enterprise_id).bind(2, now);
  std::vector<InviteRow> out;
  while (s.step()) out.push_back({s.text(0), s.integer(1)});
  return out;
}

bool Store::revoke_invite(std::int64_t enterprise_id, const std::string& token) {
  Statement s(db_, statements_, "DELETE FROM invites WHERE token = ? AND enterprise_id = ? AND used_by IS NULL");
  s.bind(1, token).bind(2, enterprise_id).run();
  return sqlite3_changes(db_) > 0;
}

Store::ImportCounts Store::save_bureau_records(const std::vector<BureauRecord>& records, bool new_round,
                                               const std::string& source, const std::string& now) {
  ImportCounts counts;
  Transaction t(db_);
  for (const auto& r : records) {
    std::int64_t latest = 0;
    {
      Statement s(db_, statements_, "SELECT max(round) FROM bureau_records WHERE uscc = ?");
      s.bind(1, r.uscc);
      if (s.step() && !s.null(0)) latest = s.integer(0);
    }
    const std::int64_t round = latest == 0 ? 1 : (new_round ? latest + 1 : latest);
    if (latest == 0) {
      ++counts.added;
    } else if (new_round) {
      ++counts.new_rounds;
    } else {
      ++counts.updated;
    }
    Statement s(db_, statements_,
                "INSERT INTO bureau_records(uscc, round, name, region, facts, source, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(uscc, round) DO UPDATE SET name = excluded.name, region = excluded.region, "
                "facts = excluded.facts, source = excluded.source, imported_at = excluded.imported_at");
    s.bind(1, r.uscc).bind(2, round).bind(3, r.name).bind(4, r.region)
        .bind(5, r.facts.dump(-1, ' ', false, Json::error_handler_t::replace)).bind(6, source).bind(7, now).run();
  }
  t.commit();
  return counts;
}

Json Store::bureau_candidates() {
  // The latest round of every enterprise, as ranking candidates.
  Statement s(db_, statements_,
              "SELECT b.uscc, b.name, b.facts FROM bureau_records b JOIN (SELECT uscc, max(round) AS round FROM bureau_records "
              "GROUP BY uscc) l ON l.uscc = b.uscc AND l.round = b.round ORDER BY b.uscc");
  Json out = Json::array();
  while (s.step()) out.push_back({{"id", s.text(0)}, {"name", s.text(1)}, {"facts", Json::parse(s.text(2))}});
  return out;
}

void Store::backup_to(const std::string& path) {
  sqlite3* target = nullptr;
  if (sqlite3_open(path.c_str(), &target) != SQLITE_OK) {
    std::string m = target ? sqlite3_errmsg(target) : "out of memory";
    sqlite3_close(target);
    throw Error(path, "", "cannot open backup file: " + m);
  }
  sqlite3_backup* b = sqlite3_backup_init(target, "main", db_, "main");
  if (!b) {
    std::string m = sqlite3_errmsg(target);
    sqlite3_close(target);
    throw Error(path, "", "cannot start backup: " + m);
  }
  int rc;
  do {
    rc = sqlite3_backup_step(b, 256);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(20);
  } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish(b);
  const bool ok = rc == SQLITE_DONE;
  std::string m = sqlite3_errmsg(target);
  sqlite3_close(target);
  if (!ok) throw Error(path, "", "backup failed: " + m);
}

}  // namespace assess
