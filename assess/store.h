// store.h — the one SQLite file that holds everything a consultant's laptop or a bureau server keeps:
// users and sessions, enterprises, assessments with their answers (one row per answer, saved one
// change at a time), the audit log of every change (old and new value), and evidence file records
// (the files themselves live beside the database, named by their SHA-256).
//
// WAL journal, foreign keys on, a busy timeout, and versioned migrations applied at open. A narrow
// interface: the HTTP layer and the CLI call these methods, nothing else touches SQL.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

struct sqlite3;
struct sqlite3_stmt;

namespace assess {

using Json = nlohmann::json;

struct User {
  std::int64_t id = 0;
  std::string name;
  std::string role;  // admin, consultant, enterprise, bureau
  std::optional<std::int64_t> enterprise_id;  // the only enterprise an enterprise user sees
};

struct Session {
  std::string token;
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
  // Opens (creating when needed) and migrates. ":memory:" works for tests.
  static std::unique_ptr<Store> open(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  int schema_version() const;
  static int latest_schema_version();

  // Users and sessions. Passwords are hashed with libsodium's crypto_pwhash (Argon2id).
  User add_user(const std::string& name, const std::string& password, const std::string& role,
                std::optional<std::int64_t> enterprise_id = std::nullopt);
  void set_password(const std::string& name, const std::string& password);
  std::optional<User> check_password(const std::string& name, const std::string& password);
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
  void set_status(std::int64_t id, const std::string& status, const std::string& now = "");
  // Answers of one assessment: {module: {question: answer}}.
  Json answers(std::int64_t assessment_id);
  // Saves one answer (null clears it) and its audit row in one transaction; returns the old value.
  Json save_answer(std::int64_t assessment_id, const std::string& module, const std::string& question,
                   const Json& answer, std::optional<std::int64_t> user_id, const std::string& now);
  void copy_answers(std::int64_t from_assessment, std::int64_t to_assessment, const std::string& now);
  Json audit(std::int64_t assessment_id, int limit);
  Json projects(std::int64_t assessment_id);
  void set_projects(std::int64_t assessment_id, const Json& projects, const std::string& now = "");

  // Evidence records.
  EvidenceRow add_evidence(const EvidenceRow& e);
  std::vector<EvidenceRow> evidence(std::int64_t assessment_id);
  // Enterprises whose assessments reference a stored file, with its media type.
  std::vector<std::pair<std::int64_t, std::string>> evidence_owners(const std::string& sha256);

  // Invite links: a token scoped to one enterprise, valid until `expires_at` (unix seconds), used once.
  std::string create_invite(std::int64_t enterprise_id, std::optional<std::int64_t> created_by, std::int64_t expires_at);
  // Creates the enterprise user the invite allows; throws Error (kNotFound) for a bad, used or old token.
  User accept_invite(const std::string& token, const std::string& name, const std::string& password, std::int64_t now);

  // Bureau records imported in bulk (one transaction per call): the latest round is updated, or a
  // new round is added with `new_round`.
  struct BureauRecord {
    std::string uscc;
    std::string name;
    std::string region;
    Json facts;
  };
  struct ImportCounts {
    std::size_t added = 0;
    std::size_t updated = 0;
    std::size_t new_rounds = 0;
  };
  ImportCounts save_bureau_records(const std::vector<BureauRecord>& records, bool new_round, const std::string& source,
                                   const std::string& now);
  // The latest round of every enterprise: [{"id": uscc, "name", "facts"}].
  Json bureau_candidates();

  // Online backup to another file (SQLite's backup API), safe while the server runs.
  void backup_to(const std::string& path);

  sqlite3* handle() { return db_; }

 private:
  explicit Store(sqlite3* db) : db_(db) {}
  void migrate();
  sqlite3* db_;
  mutable std::map<std::string, sqlite3_stmt*> statements_;  // prepared once, reused
};

// A random token of `bytes` bytes as hex (libsodium's randombytes).
std::string random_token(std::size_t bytes = 32);
// Lower-case hex SHA-256 of a byte string.
std::string sha256_hex(const std::string& bytes);

}  // namespace assess
