#include "db.h"

#include <libpq-fe.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "scoring/error.h"

extern char** environ;

namespace assess {

namespace {

// ---------------------------------------------------------------------------------------------
// SQLite

[[noreturn]] void sqlite_fail(sqlite3* db, const std::string& what) {
  throw Error("database", "", what + ": " + sqlite3_errmsg(db));
}

class SqliteCursor final : public Cursor {
 public:
  SqliteCursor(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) sqlite_fail(db, "prepare");
  }
  ~SqliteCursor() override { sqlite3_finalize(stmt_); }
  SqliteCursor(const SqliteCursor&) = delete;
  SqliteCursor& operator=(const SqliteCursor&) = delete;

  void bind_text(int i, std::string_view v) override {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind_int(int i, std::int64_t v) override { sqlite3_bind_int64(stmt_, i, v); }
  void bind_double(int i, double v) override { sqlite3_bind_double(stmt_, i, v); }
  void bind_null(int i) override { sqlite3_bind_null(stmt_, i); }
  bool step() override {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) {
      changes_ = sqlite3_changes(db_);
      return false;
    }
    sqlite_fail(db_, "step");
  }
  void reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  ColumnType type(int col) const override {
    switch (sqlite3_column_type(stmt_, col)) {
      case SQLITE_NULL:
        return ColumnType::kNull;
      case SQLITE_INTEGER:
        return ColumnType::kInteger;
      case SQLITE_FLOAT:
        return ColumnType::kFloat;
      default:
        return ColumnType::kText;
    }
  }
  std::int64_t integer(int col) const override { return sqlite3_column_int64(stmt_, col); }
  double real(int col) const override { return sqlite3_column_double(stmt_, col); }
  std::string_view text(int col) const override {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string_view(reinterpret_cast<const char*>(p),
                                static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string_view();
  }
  std::int64_t changes() const override { return changes_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::int64_t changes_ = 0;
};

// Copies the write-ahead log back into the database file mostly on a thread of its own, with its
// own connection. SQLite's automatic checkpoint copies it inside the commit that fills the log (every
// 1,000 pages), with two fsyncs, while every save waiting on the store waits too; those were the
// server's slowest saves. A passive checkpoint does not stop writers, so the thread copies each new
// 1,000 pages while the saves go on. But the log only starts again from the beginning once it is
// copied completely when a writer begins, which never happens while writers keep appending: so when
// it reaches kRestartPages, the commit that finds it so copies the last pages itself, as the automatic
// checkpoint would, and the log is reused (one short wait every kRestartPages, not every 1,000). The
// thread starts the first time it is needed, so a short command never starts one.
class Checkpointer {
 public:
  static constexpr int kPages = 1000;          // SQLite's own automatic checkpoint size
  static constexpr int kRestartPages = 16384;  // 64 MiB of 4 KiB pages
  explicit Checkpointer(std::string path) : path_(std::move(path)) {}
  ~Checkpointer() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
  }
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // The commit hook (sqlite3_wal_hook), in the committing thread with the log's page count.
  static int on_commit(void* self, sqlite3* db, const char* name, int pages) {
    auto& c = *static_cast<Checkpointer*>(self);
    if (pages >= kRestartPages) {
      (void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      c.woken_at_ = 0;
    } else if (pages < c.woken_at_) {
      c.woken_at_ = 0;  // the log started again
    } else if (pages >= c.woken_at_ + kPages) {
      c.woken_at_ = pages;
      c.want();
    }
    return SQLITE_OK;
  }

 private:
  void want() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      wanted_ = true;
      if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    }
    wake_.notify_one();
  }
  void run() {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
      sqlite3_close(db);
      return;  // the commits still copy the log at kRestartPages
    }
    sqlite3_busy_timeout(db, 1000);
    // A first read opens the log (until then the connection does not know the database uses one).
    (void)sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stop_) {
      wake_.wait(lock, [this] { return stop_ || wanted_; });
      if (stop_) break;
      wanted_ = false;
      lock.unlock();
      (void)sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      lock.lock();
    }
    lock.unlock();
    sqlite3_close(db);
  }

  std::string path_;
  int woken_at_ = 0;  // the log's page count when the thread was last woken (the committing thread's)
  std::mutex mutex_;
  std::condition_variable wake_;
  bool wanted_ = false;
  bool stop_ = false;
  std::thread thread_;
};

class SqliteDatabase final : public Database {
 public:
  // `read_only`: a reader beside the connection that writes (open_reader): no pragmas to set (the
  // journal mode is the file's), no checkpoints, and the caller serialises its use.
  explicit SqliteDatabase(const std::string& path, bool read_only = false) : path_(path) {
    const int flags = read_only ? SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
                                : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      std::string m = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      db_ = nullptr;
      throw Error(path, "", "cannot open database: " + m, ErrorKind::kNotFound);
    }
    sqlite3_busy_timeout(db_, 5000);
    if (read_only) return;
    exec("PRAGMA foreign_keys = ON");
    if (path != ":memory:") {
      exec("PRAGMA journal_mode = WAL");
      {
        Cursor& mode = prepare("PRAGMA journal_mode");
        wal_ = mode.step() && mode.text(0) == "wal";
        mode.reset();
      }
      // WAL + NORMAL: a commit survives a crash of the process (SIGKILL); power loss may lose the
      // last commits before a checkpoint.
      exec("PRAGMA synchronous = NORMAL");
      // The log file is cut back to this size when it starts again.
      exec("PRAGMA journal_size_limit = " + std::to_string(std::int64_t{Checkpointer::kRestartPages} * 4096));
      checkpointer_ = std::make_unique<Checkpointer>(path);
      sqlite3_wal_hook(db_, &Checkpointer::on_commit, checkpointer_.get());  // replaces the automatic checkpoint
    }
  }
  ~SqliteDatabase() override {
    checkpointer_.reset();  // before the connection: the last one to close checkpoints what is left
    statements_.clear();
    for (auto& [sql, stmt] : transactions_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  Kind kind() const override { return Kind::kSqlite; }
  Cursor& prepare(const std::string& sql) override {
    auto it = statements_.find(sql);
    if (it == statements_.end()) it = statements_.emplace(sql, std::make_unique<SqliteCursor>(db_, sql)).first;
    return *it->second;
  }
  void exec(const std::string& sql) override {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string m = message ? message : "unknown";
      sqlite3_free(message);
      throw Error("database", "", m);
    }
  }
  // Prepared once like the Store's statements (sqlite3_exec parsed them again for every batch).
  void begin() override { run("BEGIN IMMEDIATE"); }
  void begin_read() override { run("BEGIN"); }
  void commit() override { run("COMMIT"); }
  void rollback() noexcept override { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }
  std::unique_ptr<Database> open_reader() const override {
    // A ":memory:" or temporary ("") database is private to its connection, and neither is in WAL
    // mode, where readers do not wait for the writer (nor the writer for them).
    if (!wal_) return nullptr;
    return std::make_unique<SqliteDatabase>(path_, true);
  }
  int schema_version() override {
    Cursor& c = prepare("PRAGMA user_version");
    c.step();
    const int v = static_cast<int>(c.integer(0));
    c.reset();
    return v;
  }
  void set_schema_version(int version) override { exec("PRAGMA user_version = " + std::to_string(version)); }
  void backup_to(const std::string& path) override {
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

 private:
  // One cached statement without parameters or rows, failing as exec() does.
  void run(const std::string& sql) {
    auto it = transactions_.find(sql);
    if (it == transactions_.end()) {
      sqlite3_stmt* stmt = nullptr;
      if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) sqlite_fail(db_, "prepare");
      it = transactions_.emplace(sql, stmt).first;
    }
    if (sqlite3_step(it->second) != SQLITE_DONE) {
      const std::string m = sqlite3_errmsg(db_);
      sqlite3_reset(it->second);
      throw Error("database", "", m);
    }
    sqlite3_reset(it->second);
  }

  std::string path_;
  sqlite3* db_ = nullptr;
  std::map<std::string, std::unique_ptr<SqliteCursor>> statements_;  // prepared once, reused
  std::map<std::string, sqlite3_stmt*> transactions_;                // BEGIN, COMMIT (run())
  std::unique_ptr<Checkpointer> checkpointer_;
  bool wal_ = false;  // the file is in WAL mode (a temporary or in-memory database is not)
};

// ---------------------------------------------------------------------------------------------
// PostgreSQL

constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kBoolOid = 16;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

// The Store's SQL in PostgreSQL's dialect: `?`/`?N` become $N (SQLite's numbering: a bare `?` takes
// the largest number so far plus one), the current time and INSERT OR IGNORE are rewritten.
// Returns the number of parameters in `count`.
std::string to_postgres(std::string sql, int& count) {
  replace_all(sql, "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
              "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')");
  if (sql.find("INSERT OR IGNORE INTO") != std::string::npos) {
    replace_all(sql, "INSERT OR IGNORE INTO", "INSERT INTO");
    sql += " ON CONFLICT DO NOTHING";
  }
  std::string out;
  out.reserve(sql.size() + 16);
  count = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'') quoted = !quoted;
    if (c != '?' || quoted) {
      out += c;
      continue;
    }
    std::size_t j = i + 1;
    while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') ++j;
    int n = 0;
    if (j > i + 1) {
      n = std::atoi(sql.substr(i + 1, j - i - 1).c_str());
      i = j - 1;
    } else {
      n = count + 1;
    }
    count = std::max(count, n);
    out += '$' + std::to_string(n);
  }
  return out;
}

std::string pg_message(const PGconn* conn, const PGresult* result) {
  std::string m = result ? PQresultErrorMessage(result) : PQerrorMessage(conn);
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m.empty() ? "unknown PostgreSQL error" : m;
}

class PostgresCursor final : public Cursor {
 public:
  PostgresCursor(PGconn* conn, const std::string& sql) : conn_(conn) {
    int count = 0;
    sql_ = to_postgres(sql, count);
    values_.resize(static_cast<std::size_t>(count));
    nulls_.assign(static_cast<std::size_t>(count), true);
    types_.assign(static_cast<std::size_t>(count), 0);
  }
  ~PostgresCursor() override { PQclear(result_); }
  PostgresCursor(const PostgresCursor&) = delete;
  PostgresCursor& operator=(const PostgresCursor&) = delete;

  void bind_text(int i, std::string_view v) override {
    // libpq passes text parameters as C strings, and PostgreSQL's text holds no NUL: refuse it
    // rather than store a shortened value.
    if (v.find('\0') != std::string_view::npos) {
      throw Error("database", "", "a text with a NUL character (U+0000) cannot be stored");
    }
    set(i, std::string(v), 0);
  }
  void bind_int(int i, std::int64_t v) override { set(i, std::to_string(v), kInt8Oid); }
  void bind_double(int i, double v) override {
    // Exact round trip, and a float stays a float when read back from a NUMERIC column ("3.0").
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%.17g", v);
    std::string text = buffer;
    if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
    set(i, std::move(text), 0);
  }
  void bind_null(int i) override {
    const auto k = static_cast<std::size_t>(i - 1);
    if (k >= values_.size()) return;
    nulls_[k] = true;
    types_[k] = 0;
  }
  void stream() override { stream_ = true; }
  bool step() override {
    if (stream_) return step_streaming();
    if (!result_) {
      const std::vector<const char*> params = param_values();
      result_ = PQexecParams(conn_, sql_.c_str(), static_cast<int>(params.size()), types_.data(), params.data(),
                             nullptr, nullptr, 0);
      const auto status = result_ ? PQresultStatus(result_) : PGRES_FATAL_ERROR;
      if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        const std::string m = pg_message(conn_, result_);
        PQclear(result_);
        result_ = nullptr;
        throw Error("database", "", m);
      }
      rows_ = PQntuples(result_);
      row_ = -1;
      const char* affected = PQcmdTuples(result_);
      changes_ = affected && *affected ? std::atoll(affected) : 0;
    }
    return ++row_ < rows_;
  }
  void reset() override {
    if (streaming_) {
      // Stopped before the last row: cancel the query and read what is left of it.
      if (PGcancel* cancel = PQgetCancel(conn_)) {
        char message[256];
        PQcancel(cancel, message, sizeof message);
        PQfreeCancel(cancel);
      }
      drain();
    }
    stream_ = false;
    ended_ = false;
    PQclear(result_);
    result_ = nullptr;
    std::fill(nulls_.begin(), nulls_.end(), true);
    std::fill(types_.begin(), types_.end(), 0);
  }
  ColumnType type(int col) const override {
    if (PQgetisnull(result_, row_, col)) return ColumnType::kNull;
    switch (PQftype(result_, col)) {
      case kInt8Oid:
      case kInt4Oid:
      case kInt2Oid:
      case kBoolOid:
        return ColumnType::kInteger;
      case kFloat4Oid:
      case kFloat8Oid:
        return ColumnType::kFloat;
      case kNumericOid:
        return text(col).find_first_of(".eEN") == std::string_view::npos ? ColumnType::kInteger : ColumnType::kFloat;
      default:
        return ColumnType::kText;
    }
  }
  std::int64_t integer(int col) const override {
    if (PQgetisnull(result_, row_, col)) return 0;
    const char* v = PQgetvalue(result_, row_, col);
    if (v[0] == 't') return 1;
    if (v[0] == 'f') return 0;
    return std::strtoll(v, nullptr, 10);
  }
  double real(int col) const override {
    return PQgetisnull(result_, row_, col) ? 0.0 : std::strtod(PQgetvalue(result_, row_, col), nullptr);
  }
  std::string_view text(int col) const override {
    if (PQgetisnull(result_, row_, col)) return {};
    return {PQgetvalue(result_, row_, col), static_cast<std::size_t>(PQgetlength(result_, row_, col))};
  }
  std::int64_t changes() const override { return changes_; }

 private:
  // The bound values as libpq takes them (null for SQL NULL).
  std::vector<const char*> param_values() const {
    std::vector<const char*> params(values_.size());
    for (std::size_t k = 0; k < values_.size(); ++k) params[k] = nulls_[k] ? nullptr : values_[k].c_str();
    return params;
  }
  bool step_streaming() {
    if (ended_) return false;
    if (!streaming_) {
      const std::vector<const char*> params = param_values();
      if (!PQsendQueryParams(conn_, sql_.c_str(), static_cast<int>(params.size()), types_.data(), params.data(),
                             nullptr, nullptr, 0)) {
        throw Error("database", "", pg_message(conn_, nullptr));
      }
      streaming_ = true;
      if (!PQsetSingleRowMode(conn_)) {
        drain();
        throw Error("database", "", "PostgreSQL refused single-row mode for a read");
      }
    }
    PQclear(result_);
    result_ = PQgetResult(conn_);
    const auto status = result_ ? PQresultStatus(result_) : PGRES_FATAL_ERROR;
    if (status == PGRES_SINGLE_TUPLE) {
      rows_ = 1;
      row_ = 0;
      return true;
    }
    // The end (a last, empty result), or an error: read the connection's remaining results.
    std::string error;
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) error = pg_message(conn_, result_);
    PQclear(result_);
    result_ = nullptr;
    drain();
    ended_ = true;
    rows_ = 0;
    row_ = -1;
    if (!error.empty()) throw Error("database", "", error);
    return false;
  }
  void drain() {
    while (PGresult* r = PQgetResult(conn_)) PQclear(r);
    streaming_ = false;
  }
  void set(int i, std::string v, Oid type) {
    const auto k = static_cast<std::size_t>(i - 1);
    if (k >= values_.size()) return;
    values_[k] = std::move(v);
    nulls_[k] = false;
    types_[k] = type;
  }
  PGconn* conn_;
  std::string sql_;
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
  std::vector<Oid> types_;
  PGresult* result_ = nullptr;
  int rows_ = 0;
  int row_ = -1;
  bool stream_ = false;     // stream() was asked for the next run
  bool streaming_ = false;  // a query sent in single-row mode is not read to its end yet
  bool ended_ = false;      // the streamed run gave its last row
  std::int64_t changes_ = 0;
};

void ignore_notice(void*, const char*) {}

class PostgresDatabase final : public Database {
 public:
  explicit PostgresDatabase(const std::string& url) : url_(url) {
    conn_ = PQconnectdb(url.c_str());
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
      const std::string m = pg_message(conn_, nullptr);
      PQfinish(conn_);
      conn_ = nullptr;
      throw Error("database", "", "cannot connect to PostgreSQL: " + m, ErrorKind::kNotFound);
    }
    PQsetNoticeProcessor(conn_, ignore_notice, nullptr);
    exec("SET TIME ZONE 'UTC'");
    // The store's queries are short or stream rows: compiling them (PostgreSQL's JIT, on for any
    // query its planner costs above 100,000) took 1.26 s of a district ranking's 1.95 s at
    // 1,000,000 records.
    exec("SET jit = off");
  }
  ~PostgresDatabase() override {
    statements_.clear();
    PQfinish(conn_);
  }
  PostgresDatabase(const PostgresDatabase&) = delete;
  PostgresDatabase& operator=(const PostgresDatabase&) = delete;

  Kind kind() const override { return Kind::kPostgres; }
  Cursor& prepare(const std::string& sql) override {
    auto it = statements_.find(sql);
    if (it == statements_.end()) it = statements_.emplace(sql, std::make_unique<PostgresCursor>(conn_, sql)).first;
    return *it->second;
  }
  void exec(const std::string& sql) override {
    PGresult* r = PQexec(conn_, sql.c_str());
    const auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      const std::string m = pg_message(conn_, r);
      PQclear(r);
      throw Error("database", "", m);
    }
    PQclear(r);
  }
  void begin() override { exec("BEGIN"); }
  void begin_read() override { exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"); }
  void commit() override { exec("COMMIT"); }
  void rollback() noexcept override { PQclear(PQexec(conn_, "ROLLBACK")); }
  std::unique_ptr<Database> open_reader() const override {
    auto reader = std::make_unique<PostgresDatabase>(url_);
    reader->exec("SET default_transaction_read_only = on");
    return reader;
  }
  int schema_version() override {
    exec("CREATE TABLE IF NOT EXISTS assess_schema(version INTEGER NOT NULL)");
    Cursor& c = prepare("SELECT max(version) FROM assess_schema");
    const int v = c.step() ? static_cast<int>(c.integer(0)) : 0;
    c.reset();
    return v;
  }
  void set_schema_version(int version) override {
    exec("DELETE FROM assess_schema; INSERT INTO assess_schema(version) VALUES (" + std::to_string(version) + ")");
  }
  void backup_to(const std::string& path) override {
    // pg_dump's custom format (restore with pg_restore): a consistent snapshot while servers run.
    std::vector<std::string> args = {"pg_dump", "--format=custom", "--file=" + path, "--dbname=" + url_};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawnp(&pid, "pg_dump", nullptr, nullptr, argv.data(), environ) != 0) {
      throw Error(path, "", "backup failed: cannot run pg_dump (Debian package postgresql-client)");
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw Error(path, "", "backup failed: pg_dump did not finish");
  }

 private:
  std::string url_;
  PGconn* conn_ = nullptr;
  std::map<std::string, std::unique_ptr<PostgresCursor>> statements_;
};

}  // namespace

bool Database::is_url(const std::string& target) {
  return target.rfind("postgresql://", 0) == 0 || target.rfind("postgres://", 0) == 0;
}

std::unique_ptr<Database> Database::open(const std::string& target) {
  if (is_url(target)) return std::make_unique<PostgresDatabase>(target);
  return std::make_unique<SqliteDatabase>(target);
}

}  // namespace assess
