// db.h — the narrow connection interface the Store runs its SQL through, with two implementations:
// SqliteDatabase (the embedded default, one file or ":memory:") and PostgresDatabase (libpq, a
// "postgresql://…" or "postgres://…" URL).
//
// The Store writes its SQL once, in the portable subset of SQLite's dialect: `?` and `?N`
// placeholders, `strftime('%Y-%m-%dT%H:%M:%SZ', 'now')` for the current UTC time, `INSERT OR IGNORE`,
// `ON CONFLICT … DO UPDATE SET … = excluded.…`, `RETURNING id`. PostgresDatabase rewrites those few
// forms once per statement text (placeholders to $N, the time to to_char(now() …), OR IGNORE to
// ON CONFLICT DO NOTHING). What cannot be rewritten (JSON functions, prefix ranges, case-insensitive
// LIKE, schema DDL) the Store asks of `kind()` and writes per dialect. Versioned migrations live in
// store.cpp, one list per dialect, with the same version numbers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace assess {

enum class ColumnType : std::uint8_t { kNull, kInteger, kFloat, kText };

// One prepared statement of a connection, reused: bind, step through the rows, reset.
class Cursor {
 public:
  virtual ~Cursor() = default;
  virtual void bind_text(int i, std::string_view v) = 0;
  virtual void bind_int(int i, std::int64_t v) = 0;
  virtual void bind_double(int i, double v) = 0;
  virtual void bind_null(int i) = 0;
  // Runs the statement on the first call; true while there is a row. Throws Error on failure.
  virtual bool step() = 0;
  // Forgets the result and the bindings.
  virtual void reset() = 0;
  // The next run gives its rows as they arrive instead of the whole result at once (PostgreSQL's
  // single-row mode: the client works while the server still sends, in constant memory). Until its
  // last row or reset() the connection runs no other statement. SQLite always streams.
  virtual void stream() {}
  virtual ColumnType type(int col) const = 0;
  virtual std::int64_t integer(int col) const = 0;
  virtual double real(int col) const = 0;
  virtual std::string_view text(int col) const = 0;
  // Rows inserted, updated or deleted by the statement (after its last step).
  virtual std::int64_t changes() const = 0;
};

class Database {
 public:
  enum class Kind : std::uint8_t { kSqlite, kPostgres };
  virtual ~Database() = default;
  // A "postgresql://" or "postgres://" URL opens PostgreSQL, anything else is an SQLite file path.
  static std::unique_ptr<Database> open(const std::string& target);
  static bool is_url(const std::string& target);

  virtual Kind kind() const = 0;
  bool postgres() const { return kind() == Kind::kPostgres; }
  // The statement for this SQL text, prepared once per connection and cached.
  virtual Cursor& prepare(const std::string& sql) = 0;
  // One or more statements without parameters (DDL, BEGIN …).
  virtual void exec(const std::string& sql) = 0;
  // A write transaction: SQLite's BEGIN IMMEDIATE, PostgreSQL's BEGIN.
  virtual void begin() = 0;
  // A read transaction: the statements until commit() or rollback() read one snapshot (SQLite's
  // BEGIN, which takes its snapshot at the first read; PostgreSQL's REPEATABLE READ, READ ONLY).
  virtual void begin_read() = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
  // The schema version (SQLite's user_version; PostgreSQL's one-row table assess_schema).
  virtual int schema_version() = 0;
  virtual void set_schema_version(int version) = 0;
  // A second connection to the same database that only reads (SQLite: the file opened read-only,
  // which in WAL mode reads the last committed state while this connection writes; PostgreSQL: a
  // connection whose transactions are read-only), with its own statement cache. Null when there
  // can be none: an SQLite ":memory:" database lives in this connection only.
  virtual std::unique_ptr<Database> open_reader() const = 0;
  // A consistent copy of the whole database in `path`: SQLite's online backup API, or pg_dump's
  // custom format for PostgreSQL.
  virtual void backup_to(const std::string& path) = 0;
};

}  // namespace assess
