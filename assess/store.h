// store.h — the database that holds everything a consultant's laptop or a bureau server keeps:
// users and sessions, enterprises, assessments with their answers (one row per answer, saved one
// change at a time), the audit log of every change (old and new value), and evidence file records
// (the files themselves live beside the database, named by their SHA-256).
//
// One SQLite file (WAL journal, foreign keys on, a busy timeout) on a laptop, or a PostgreSQL database
// shared by several server processes (db.h): the methods and their SQL are the same for both, and
// versioned migrations (one list per dialect) are applied at open. A narrow interface: the HTTP
// layer and the CLI call these methods, nothing else touches SQL.
//
// Threads: the methods that write run one at a time on one connection (guard()). The methods that
// only read run on read-only connections of their own (up to kReaders, opened when first needed), so
// a session lookup or a score's loads never wait for a batch of saves inside its transaction, nor for
// each other: they read the last committed state (SQLite's WAL, PostgreSQL's READ COMMITTED; a read
// of several statements takes one snapshot). A read made by a thread that holds guard() — a write
// method reading, as inside its transaction — stays on the writing connection and sees its own
// writes. An SQLite ":memory:" database (the tests) has no second connection: every method runs on
// its one connection, one at a time, as before.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "scoring/dashboard.h"
#include "scoring/rank.h"

namespace assess {

class Database;

using Json = nlohmann::json;

struct User {
  std::int64_t id = 0;
  std::string name;
  std::string role;                           // admin, consultant, enterprise, bureau
  std::optional<std::int64_t> enterprise_id;  // the only enterprise an enterprise user sees
  bool disabled = false;                      // an admin switched the account off: no login, no session
  bool must_change_password = false;          // the first-start admin: only a password change is allowed
};

struct Session {
  std::string token;  // as the client holds it; the store keeps only its SHA-256
  std::string csrf;
  User user;
};

struct EnterpriseRow {
  std::int64_t id = 0;
  std::string name;
  std::string uscc;
  std::string region;
  std::string industry;
  std::string created_at;
};

struct AssessmentRow {
  std::int64_t id = 0;
  std::int64_t enterprise_id = 0;
  std::vector<std::string> modules;
  std::string status;  // open, submitted
  std::string date;
  std::string assessor;
  std::optional<std::int64_t> previous_id;
  std::string created_at;
  std::string updated_at;
  std::int64_t version = 0;  // raised by every change of the assessment or its answers
};

struct EvidenceRow {
  std::int64_t id = 0;
  std::int64_t assessment_id = 0;
  std::string module;
  std::string question;
  std::string sha256;
  std::int64_t size = 0;
  std::string mime;
  std::string name;
};

class Store {
 public:
  // Opens (creating when needed) and migrates: an SQLite file path (":memory:" works for tests) or a
  // "postgresql://…" URL.
  static std::unique_ptr<Store> open(const std::string& target);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  int schema_version() const;
  // True when other processes may write the same database (PostgreSQL): what a process keeps in
  // memory must then be checked against the database.
  bool shared() const;
  static int latest_schema_version();

  // Users and sessions. Passwords are hashed with libsodium's crypto_pwhash (Argon2id); the
  // `_hash` variants take a hash made by hash_password() outside any lock (it takes ~0.5 s).
  User add_user(const std::string& name, const std::string& password, const std::string& role,
                std::optional<std::int64_t> enterprise_id = std::nullopt);
  User add_user_hash(const std::string& name, const std::string& hash, const std::string& role,
                     std::optional<std::int64_t> enterprise_id = std::nullopt, bool must_change_password = false);
  // Replaces the password and ends every session of the user except `keep_token` (the caller's own).
  void set_password(const std::string& name, const std::string& password);
  void set_password_hash(std::int64_t user_id, const std::string& hash, const std::string& keep_token = "");
  std::optional<User> check_password(const std::string& name, const std::string& password);
  // The user and the stored hash, for a check made outside the lock.
  std::optional<std::pair<User, std::string>> credentials(const std::string& name);
  std::optional<User> user(std::int64_t id);
  // Disables (ending every session) or enables an account.
  void set_disabled(std::int64_t user_id, bool disabled);
  // Changes the role (and the enterprise an enterprise user sees; none for other roles).
  void set_role(std::int64_t user_id, const std::string& role, std::optional<std::int64_t> enterprise_id);
  // An admin's reset: the new password must be changed at the next login; every session ends.
  void reset_password_hash(std::int64_t user_id, const std::string& hash);
  // Audit rows of changes that are not answers: {at, user_id, role, action, target, detail}.
  void log_event(const std::string& at, std::optional<std::int64_t> user_id, const std::string& role,
                 const std::string& action, const std::string& target, const Json& detail);
  Json events(int limit);
  std::optional<User> find_user(const std::string& name);
  std::vector<User> users();
  std::int64_t user_count();
  Session create_session(const User& user, std::int64_t now, std::int64_t lifetime_seconds);
  std::optional<Session> find_session(const std::string& token, std::int64_t now);
  void delete_session(const std::string& token);

  // Enterprises. Times are ISO 8601 UTC ("2026-09-21T14:13:20Z"): the row's created_at when set
  // (the request time), else SQLite's clock.
  EnterpriseRow add_enterprise(const EnterpriseRow& e);
  std::optional<EnterpriseRow> enterprise(std::int64_t id);
  std::optional<EnterpriseRow> enterprise_by_uscc(const std::string& uscc);
  std::vector<EnterpriseRow> enterprises(const std::string& search, int limit, int offset);

  // Assessments and answers.
  AssessmentRow add_assessment(const AssessmentRow& a);
  std::optional<AssessmentRow> assessment(std::int64_t id);
  std::vector<AssessmentRow> assessments_of(std::int64_t enterprise_id);
  // Status and project changes are audited like answers (module "", question "#status" or
  // "#projects"), in the same transaction.
  void set_status(std::int64_t id, const std::string& status, const std::string& now = "",
                  std::optional<std::int64_t> user_id = std::nullopt, const std::string& role = "");
  // Answers of one assessment: {module: {question: answer}}.
  Json answers(std::int64_t assessment_id);
  // Answers and projects of one assessment with the version they belong to, read at one moment.
  struct AssessmentState {
    std::int64_t version = 0;
    Json answers;
    Json projects;
  };
  AssessmentState state(std::int64_t assessment_id);
  // One stored answer as saved (null when there is none).
  Json answer(std::int64_t assessment_id, const std::string& module, const std::string& question);
  // Saves one answer (null clears it) and its audit row in one transaction; returns the old value
  // and sets `*version` (when given) to the assessment's version after the save.
  Json save_answer(std::int64_t assessment_id, const std::string& module, const std::string& question,
                   const Json& answer, std::optional<std::int64_t> user_id, const std::string& now,
                   const std::string& role = "", std::int64_t* version = nullptr);
  // One answer save of a batch: what to write, and what the write left (the answer as stored, the
  // old value, the assessment's version after it, or the error that stopped it).
  struct AnswerSave {
    std::int64_t assessment_id = 0;
    std::string module, question;
    Json answer;  // the value to store (null clears it); after the save, the answer as stored
    std::optional<std::int64_t> user_id;
    std::string now, role;
    bool require_open = false;     // refuse (NotOpen) unless the assessment is open, checked in the transaction
    bool keep_evidence = false;    // an answer without "evidence" keeps the files of the old one
    Json add_evidence;             // an object: append it to the stored answer's evidence instead of `answer`
    std::size_t max_evidence = 0;  // with add_evidence: refuse (TooMuchEvidence) when the answer has this many
    Json old;
    std::int64_t version = 0;
    std::exception_ptr error;
  };
  struct NotOpen : std::runtime_error {
    NotOpen() : std::runtime_error("the assessment is submitted; reopen it to change answers") {}
  };
  struct TooMuchEvidence : std::runtime_error {
    TooMuchEvidence() : std::runtime_error("the answer already lists the most evidence files allowed") {}
  };
  // Writes a batch in one transaction (saves to one assessment in their order); a save that fails
  // gets its error and the others are still written.
  void save_answers(std::vector<AnswerSave*>& batch);
  void copy_answers(std::int64_t from_assessment, std::int64_t to_assessment, const std::string& now);
  Json audit(std::int64_t assessment_id, int limit);
  Json projects(std::int64_t assessment_id);
  void set_projects(std::int64_t assessment_id, const Json& projects, const std::string& now = "",
                    std::optional<std::int64_t> user_id = std::nullopt, const std::string& role = "");

  // Evidence records.
  EvidenceRow add_evidence(const EvidenceRow& e);
  std::vector<EvidenceRow> evidence(std::int64_t assessment_id);
  // Enterprises whose assessments reference a stored file, with its media type.
  std::vector<std::pair<std::int64_t, std::string>> evidence_owners(const std::string& sha256);

  // Invite links: a token scoped to one enterprise, valid until `expires_at` (unix seconds), used once.
  std::string create_invite(std::int64_t enterprise_id, std::optional<std::int64_t> created_by,
                            std::int64_t expires_at);
  // The enterprise of a usable invite (known, unused, not expired).
  std::optional<std::int64_t> invite_enterprise(const std::string& token, std::int64_t now);
  // Creates the enterprise user the invite allows (the password as hash_password() made it);
  // throws Error (kNotFound) for a bad, used or old token.
  User accept_invite(const std::string& token, const std::string& name, const std::string& password_hash,
                     std::int64_t now);
  // The usable (unused, unexpired) invites of an enterprise, newest first, and the revocation of one
  // (false when it is not usable any more).
  struct InviteRow {
    std::string token;
    std::int64_t expires_at = 0;
  };
  std::vector<InviteRow> open_invites(std::int64_t enterprise_id, std::int64_t now);
  bool revoke_invite(std::int64_t enterprise_id, const std::string& token);

  // Bureau records imported in bulk (one transaction per call): the round of the record's year is
  // updated, or a new round is added with `new_round` (ImportCounts says how rounds and years meet).
  struct BureauRecord {
    std::string uscc;
    std::string name;
    std::string region;
    Json facts;
    Json origin;        // where the figures come from (migration 7); null: {"kind": "import", "file": source}
    std::string as_of;  // the date the figures describe ("YYYY-MM-DD"; "" when not known)
  };
  // A round stands for a year (the year of `as_of`, else of the day it was saved), and rounds are
  // ordered by (year, round): the year first, then the round within the year, whatever order the
  // files came in. An enterprise's latest round is the last in that order (last year's file imported
  // after this year's does not become the latest). With `new_round` every known enterprise gets a
  // new round; a second round in a year that already has one is added too (the year's figures then
  // read the newer round, the earlier stays in the history) and counted in `same_year`. Without
  // `new_round` the enterprise's last round of the record's year is updated (this year's, or an
  // earlier year's being corrected) — or, when it has no round in that year, a new round is added, so
  // that a year's round is never overwritten by another year's figures (counted in `new_rounds` and
  // `other_year`).
  struct ImportCounts {
    std::size_t added = 0;
    std::size_t updated = 0;
    std::size_t new_rounds = 0;
    std::size_t same_year = 0;   // of new_rounds: a second round in a year that already had one
    std::size_t other_year = 0;  // of new_rounds: an update that would have overwritten another year's round
  };
  ImportCounts save_bureau_records(const std::vector<BureauRecord>& records, bool new_round, const std::string& source,
                                   const std::string& now);
  // The latest round of every enterprise: [{"id": uscc, "name", "facts"}].
  Json bureau_candidates();
  // The latest round of every enterprise as typed rows (bureau_facts), filtered in SQL by the
  // query's regions, in USCC order: a FactRowSource for rank_rows() and dashboard_rows().
  // Returns the number of latest records the region filters left out (0 unless
  // query.count_left_out).
  std::size_t bureau_rows(const FactQuery& query, const FactRowVisitor& visit);
  bool has_bureau_records();
  // Peers of one enterprise by an index over the summary columns: latest records in the division
  // and size class with a total of `module`, those below and equal to `total_q` (a total quantized
  // at 6 decimals, fact_table.h), leaving out the record of `except_uscc`.
  PeerCounts peer_counts(const std::string& module, const std::string& division, const std::string& size_class,
                         std::int64_t total_q, const std::string& except_uscc);

  // --- The bureau's records beside the consultants' work (issue 15; migration 7) ---
  // A submitted assessment as the bureau's record of its enterprise: `record.origin` is
  // {"kind": "assessment", "assessment_id", "date", …}. The facts are laid over the enterprise's
  // latest record of the assessment's year or before, by (year, round) (a fact the assessment does not give keeps its
  // earlier value; `origin.based_on` names where that record came from); a resubmission of the same assessment updates
  // its round, any other submission adds a round.
  ImportCounts save_assessment_record(const BureauRecord& record, const std::string& now);
  // Every round of one enterprise by (year, round), oldest first: [{"round", "latest", "name",
  // "region", "facts", "source", "imported_at", "origin", "as_of", "year"}] ("latest": the round the
  // ranking and dashboard read); empty when the USCC has no record.
  Json bureau_history(const std::string& uscc);
  // The years that hold a round (the year of as_of, else of imported_at), ascending.
  std::vector<int> bureau_years();
  // Where the latest record of each USCC came from (origin JSON with "as_of" and "round" added); with
  // a year, the record bureau_rows_in(year) reads.
  std::map<std::string, Json> bureau_origins(const std::vector<std::string>& usccs, int year = 0);
  // bureau_rows() as the bureau stood at the end of `year`: each enterprise's last round by (year,
  // round) of that year or before (year 0: the latest round). The rows stream from the database: the
  // visitor must not call the Store.
  std::size_t bureau_rows_in(int year, const FactQuery& query, const FactRowVisitor& visit);
  // The rows bureau_rows_in() reads, counted in the database for the dashboard (dashboard.h
  // DashboardGroup: the typed rows by group, then each untyped row with its facts): a
  // DashboardGroupSource for dashboard_groups().
  // `ladders`: the dashboard's (policies/facts/dashboard.json), whose columns are grouped by.
  void dashboard_groups(int year, const DashboardLadders& ladders, const FactQuery& query,
                        const DashboardGroupVisitor& visit);

  // Failed-login counts by key, for servers that share the database (App's throttling).
  struct LoginAttempts {
    int count = 0;
    std::int64_t next_allowed = 0;
    std::int64_t last = 0;
  };
  std::optional<LoginAttempts> login_attempts(const std::string& key);
  void set_login_attempts(const std::string& key, const LoginAttempts& attempts);
  // Forgets one key, and (idle_before > 0) every key idle and free since before that time.
  void forget_login_attempts(const std::string& key, std::int64_t idle_before = 0);

  // --- Laptop <-> server sync (issue 16, item 3; migration 9) ---
  // Global ids: an enterprise is its USCC (one without is not synced); an assessment and an audit row
  // carry `origin` when they came from another database, else they are "<node>.<id>" with this
  // database's node id (made once by the migration). Changes travel as audit rows (every answer,
  // #status and #projects change is one), so a receiver replays them in order.

  // Machine tokens: a revocable credential of one user for `assess sync` (only its SHA-256 is kept).
  struct MachineToken {
    std::int64_t id = 0;
    std::int64_t user_id = 0;
    std::string name;
    std::string created_at;
    std::string last_used_at;
    std::string revoked_at;
  };
  // Returns the token as the client will hold it (shown once).
  std::string create_machine_token(std::int64_t user_id, const std::string& name, const std::string& now);
  std::vector<MachineToken> machine_tokens(std::int64_t user_id);
  // False when the token is not the user's or already revoked.
  bool revoke_machine_token(std::int64_t user_id, std::int64_t id, const std::string& now);
  // The (enabled) user of an unrevoked token; notes its last use.
  std::optional<User> machine_token_user(const std::string& token, const std::string& now);

  // Where a batch of changes starts: the last local id of each kind already handled.
  struct SyncCursor {
    std::int64_t enterprise = 0;
    std::int64_t assessment = 0;
    std::int64_t audit = 0;
    std::int64_t evidence = 0;
  };
  static Json cursor_json(const SyncCursor& c);
  // Reads a cursor from JSON; throws Error naming `where` for a bad one.
  static SyncCursor cursor_from(const Json& j, const std::string& where);
  // The changes after `since`, at most `limit` items, enterprises first, then assessments, audit rows
  // and evidence records (a receiver meets what a row refers to before the row). Only enterprises
  // `only_enterprise` (when given) and enterprises with a USCC. With `currents` (the server's pull),
  // the value each touched answer has now. `*next` is the cursor after the batch.
  Json sync_changes(const SyncCursor& since, std::size_t limit, std::optional<std::int64_t> only_enterprise,
                    bool currents, SyncCursor* next);
  // Applies a batch another database sent, in one transaction; rows already here (by global id) are
  // skipped, so a batch applied twice changes nothing. `mirror` (a laptop's pull): every touched
  // answer takes the sender's current value. Otherwise (the server's push): a row whose old value is
  // the current one moves it on; a row whose old value is not (the same answer changed here since)
  // keeps the current value and opens a conflict, listing both values. Returns {"enterprises",
  // "assessments", "changes", "evidence", "conflicts": counts, "assessment_ids": touched local ids, "submitted_ids":
  // those a pushed row submitted}. An answer row for an assessment submitted here opens a conflict.
  Json sync_apply(const Json& batch, bool mirror, const std::string& now);
  // Sync cursors a laptop keeps per server URL (push: local ids; pull: the server's).
  SyncCursor sync_cursor(const std::string& server, const std::string& direction);
  void set_sync_cursor(const std::string& server, const std::string& direction, const SyncCursor& c);
  // Conflicts: [{id, assessment_id, enterprise_id, enterprise, module, question, server: {value, at, by},
  // incoming: {value, at, by}, resolved_at, resolved_by, resolution}], newest first.
  Json sync_conflicts(bool open_only, std::optional<std::int64_t> only_enterprise, int limit);
  // Keeps one value ("server" or "incoming"): the answer takes it with an audit row by `user_id`, and
  // the conflict is marked resolved; returns the conflict's assessment id. Throws Error (kNotFound)
  // for an unknown conflict, (kInvalid) for one already resolved.
  std::int64_t resolve_conflict(std::int64_t id, const std::string& keep, std::int64_t user_id, const std::string& role,
                                const std::string& user_name, const std::string& now);
  std::optional<std::int64_t> conflict_enterprise(std::int64_t id);
  // The local id of an assessment by its global id (sync), if it is here.
  std::optional<std::int64_t> assessment_by_global_id(const std::string& gid);
  // This database's node id (the prefix of the global ids of rows made here).
  std::string node_id();

  // Online backup to another file (SQLite's backup API, or pg_dump's custom format for
  // PostgreSQL), safe while the server runs.
  void backup_to(const std::string& path);

  // The lock of the connection that writes: a method that writes holds it, so that its statements
  // (a transaction) never interleave with another's on that connection and its cached statements. A
  // thread may take it again (a method calling another); while a thread holds it, the methods that
  // only read use that connection too, so that they see what the thread wrote and has not committed.
  class Guard {
   public:
    explicit Guard(const Store& store);
    ~Guard();
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    Guard(Guard&&) = delete;
    Guard& operator=(Guard&&) = delete;

   private:
    const Store& store_;
  };
  [[nodiscard]] Guard guard() const { return Guard(*this); }
  // The connection that writes, for tests that look at stored rows directly. Hold guard() while using it.
  Database& database() { return *db_; }
  // How many read-only connections the methods that only read have opened (0 for ":memory:").
  std::size_t readers_opened() const;

 private:
  class Reading;
  struct Reader;
  explicit Store(std::unique_ptr<Database> db);
  [[nodiscard]] Reading reading() const;
  void migrate();
  void save_facts(const BureauRecord& record, std::int64_t round, bool latest);
  void audit_row(std::int64_t assessment_id, const std::string& module, const std::string& question, const Json& old,
                 const Json& now_value, std::optional<std::int64_t> user_id, const std::string& role,
                 const std::string& at);
  void save_one(AnswerSave& save);
  std::unique_ptr<Database> db_;
  mutable std::recursive_mutex mutex_;
  mutable std::atomic<std::thread::id> writer_{};  // the thread holding mutex_, if any
  mutable int writer_depth_ = 0;                   // how many Guards that thread holds
  // Read-only connections (Database::open_reader), opened when first needed, up to kReaders; each
  // serves one thread at a time. Declared after db_: closed before it.
  static constexpr std::size_t kReaders = 4;
  mutable bool readers_possible_ = true;  // false once open_reader() gave none (":memory:")
  mutable std::mutex readers_mutex_;
  mutable std::condition_variable reader_free_;
  mutable std::vector<std::unique_ptr<Reader>> readers_;
};

// A random token of `bytes` bytes as hex (libsodium's randombytes).
std::string random_token(std::size_t bytes = 32);
// Lower-case hex SHA-256 of a byte string.
std::string sha256_hex(const std::string& bytes);
// Argon2id hash of a password (libsodium crypto_pwhash_str, interactive limits), and its check.
std::string hash_password(const std::string& password);
bool verify_password(const std::string& hash, const std::string& password);
// Why a new password is refused ("" when it is fine): under 10 characters, or on a short list of
// common passwords.
std::string password_problem(const std::string& password);
// Why a user name is refused ("" when it is fine): 1-64 characters of ASCII letters, digits, ". _ -"
// and CJK ideographs; nothing else, so no control, zero-width, format or look-alike characters.
std::string user_name_problem(const std::string& name);

}  // namespace assess
