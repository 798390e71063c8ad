// api.h — the JSON API and static files of `assess serve`, as one pure request handler.
//
// `App::handle(request, now)` maps a request to a response without any socket: tests call it
// directly, and the Beast listener (server.h) only moves bytes and enforces connection limits. Every
// response carries the security headers (CSP without inline script, no sniffing, no framing).
// Errors are JSON {"error": {"status", "message", "pointer"}}. Routes are listed in docs/api.md.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "formats/report_render.h"
#include "languages.h"
#include "scoring/assessment.h"
#include "scoring/dashboard.h"
#include "scoring/policy.h"
#include "scoring/report.h"
#include "store.h"

namespace assess {

struct HttpRequest {
  std::string method;
  std::string target;                          // path and query, as received
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string remote;  // the client's address (login throttling, failed-login audit)
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string header(const std::string& name) const;
};

struct AppConfig {
  std::string data_dir = "var";
  // Evidence files named by their SHA-256; "" means <data_dir>/evidence. Servers sharing one
  // PostgreSQL database share this folder too.
  std::string evidence_dir;
  std::string web_dir;
  std::string questionnaires_dir;
  std::string policies_dir;
  std::string templates_dir;
  std::size_t max_body = 12u << 20;      // larger bodies are refused with 413
  std::size_t max_evidence = 10u << 20;  // one evidence file
  std::int64_t session_seconds = 12 * 3600;
  // Host names and addresses this server answers to (DNS rebinding); empty accepts any Host. The
  // Origin of a state change must name one of them (or, when empty, the request's own Host).
  std::vector<std::string> allowed_hosts;
  bool secure_cookie = false;  // behind a TLS reverse proxy: the session cookie gets `Secure`
  std::size_t max_evidence_per_answer = 20;
};

// App::handle may be called from several threads at once. State changes run one at a time (their
// SQLite writes and the cache updates stay in order) and release that lock only around slow work such
// as password hashing (Argon2 takes ~0.5 s); reads take no App-wide lock, so a report or a score
// with its gap search never holds up a save. Failed logins are throttled per client address and per
// user name with exponential backoff (429 with Retry-After).
class App {
 public:
  App(AppConfig config, Store& store);
  HttpResponse handle(const HttpRequest& request, std::int64_t now);
  // How many times an assessment was read from the database into the cache (for tests: saves keep
  // the cached assessment up to date, so they do not make it read again).
  std::uint64_t entries_built() const { return entries_built_; }

  // Where the server should run a request: on the connection's own thread (answers in well under a
  // millisecond), on the pool for slow work (reports, scores with their gap search, imports,
  // evidence files), on the password pool (Argon2), or on the writers' pool (answer saves: many wait
  // there together, so the store writes them in one transaction). Read from the route table.
  enum class Work { kInline, kHeavy, kPassword, kSave };
  static Work work_of(const std::string& method, const std::string& target);

  // Every API route as "METHOD /api/path" with "*" for a parameter, in table order (docs/api.md is
  // checked against it).
  static std::vector<std::string> route_names();

  const Library& library() const { return library_; }

 private:
  struct Context;
  // Who may call a route, checked before its handler runs.
  struct Access {
    bool session = true;                  // false: public (login, invite accept, USCC check)
    unsigned roles = 15;                  // bit set of the roles allowed (api.cpp: kAdmin …)
    bool before_password_change = false;  // allowed while the one-time password is unchanged
    bool changes_assessments = false;     // the bureau gets its own refusal: it reads and ranks
    bool machine = false;                 // also opened by a machine token (Authorization: Bearer; sync)
  };
  using Handler = HttpResponse (App::*)(Context&);
  struct Route {
    std::string method;
    std::vector<std::string> path;  // segments after /api/; "*" is a parameter
    Access access;
    Work work;
    Handler handler;
  };
  static const std::vector<Route>& routes();
  static const Route* find_route(const std::string& method, const std::vector<std::string>& parts);

  HttpResponse route(Context& c);
  HttpResponse keyed_error(int status, const std::string& message, const std::string& pointer) const;
  HttpResponse api(Context& c);
  HttpResponse static_file(const std::string& path);

  // Route handlers (the table in api.cpp says who may call each).
  HttpResponse on_login(Context& c);
  HttpResponse on_logout(Context& c);
  HttpResponse on_invite_accept(Context& c);
  HttpResponse on_uscc(Context& c);
  HttpResponse on_me(Context& c);
  HttpResponse on_password(Context& c);
  HttpResponse on_languages(Context& c);
  HttpResponse on_questionnaires(Context& c);
  HttpResponse on_questionnaire(Context& c);
  HttpResponse on_code_list(Context& c);
  HttpResponse on_enterprises(Context& c);
  HttpResponse on_enterprise_add(Context& c);
  HttpResponse on_enterprise(Context& c);
  HttpResponse on_assessment_add(Context& c);
  HttpResponse on_invite_add(Context& c);
  HttpResponse on_assessment(Context& c);
  HttpResponse on_answer(Context& c);
  HttpResponse on_projects(Context& c);
  HttpResponse on_what_if(Context& c);
  HttpResponse on_status(Context& c);
  HttpResponse on_score(Context& c);
  HttpResponse on_report(Context& c);
  HttpResponse on_audit(Context& c);
  HttpResponse on_evidence_add(Context& c);
  HttpResponse on_evidence(Context& c);
  std::string evidence_dir() const {
    return config_.evidence_dir.empty() ? config_.data_dir + "/evidence" : config_.evidence_dir;
  }
  HttpResponse on_bureau_import(Context& c);
  HttpResponse on_bureau_criteria(Context& c);
  HttpResponse on_bureau_rank(Context& c);
  HttpResponse on_bureau_dashboard(Context& c);
  // bureau (issue 15)
  HttpResponse on_bureau_template(Context& c);
  HttpResponse on_bureau_rank_export(Context& c);
  HttpResponse on_bureau_dashboard_export(Context& c);
  HttpResponse on_bureau_drill(Context& c);
  HttpResponse on_bureau_record(Context& c);
  // A submitted assessment becomes its enterprise's latest bureau record (by USCC).
  void feed_bureau(const AssessmentRow& a, std::int64_t now);
  // Adds "origin" (where the record came from) and "enterprise_id" (when the enterprise is in the
  // enterprise list) to rows that carry a USCC as "id".
  void add_provenance(Json& rows, int year = 0);
  // The dashboard over each enterprise's latest round up to `year` (0: the latest round).
  Dashboard bureau_dashboard(const std::string& region, int year);
  HttpResponse on_users(Context& c);
  HttpResponse on_user_add(Context& c);
  HttpResponse on_user_enable(Context& c);
  HttpResponse on_invite(Context& c);
  HttpResponse on_invites(Context& c);
  HttpResponse on_invite_revoke(Context& c);
  HttpResponse on_user_role(Context& c);
  HttpResponse on_user_password(Context& c);
  HttpResponse on_events(Context& c);
  // Laptop <-> server sync (issue 16, item 3): machine tokens, push/pull batches, evidence files,
  // conflicts and their resolution, and the laptop UI's sync button.
  HttpResponse on_tokens(Context& c);
  HttpResponse on_token_add(Context& c);
  HttpResponse on_token_revoke(Context& c);
  HttpResponse on_sync_push(Context& c);
  HttpResponse on_sync_pull(Context& c);
  HttpResponse on_sync_file_put(Context& c);
  HttpResponse on_sync_file_get(Context& c);
  HttpResponse on_sync_conflicts(Context& c);
  HttpResponse on_sync_resolve(Context& c);
  HttpResponse on_sync_run(Context& c);
  // Checks a pushed batch (types, sizes, known questionnaires and questions, answers as the scoring
  // library reads them, the enterprise user's own enterprise); 400 naming the place otherwise.
  void check_sync_batch(Context& c, const Json& batch);

  // Helpers of the handlers.
  void can_see(Context& c, std::int64_t enterprise_id);
  void can_write(Context& c, std::int64_t enterprise_id);
  AssessmentRow load_assessment(Context& c, const std::string& id);
  // The user id a route about another account names (/api/users/{id}/…): 404 when unknown, 409 with
  // `refuse_self` when it is the caller's own (an empty `refuse_self` allows it).
  std::int64_t other_user(Context& c, const std::string& refuse_self);
  void session_cookie(Context& c, const std::string& token, std::int64_t max_age);
  void log(Context& c, const std::string& action, const std::string& target, const Json& detail);
  template <class F>
  auto without_lock(Context& c, F&& work);

  // A stored assessment parsed once and kept up to date by every save (all writes go through this
  // App): a save re-parses the one answer it changes, a read scores without parsing. Readers and the
  // save lock the entry only while they score it.
  // When other processes write the same database (Store::shared()), an entry is valid only while its
  // version is the assessment's stored version.
  struct Cached {
    std::mutex mutex;
    std::atomic<std::int64_t> version{-1};
    // A batch of this App marks the entry from before its commit until it has applied its saves here,
    // and holds `mutex` only while it applies them: a reader of the entry never waits for a commit.
    // A reader that finds the stored version ahead of the entry meanwhile (the batch has committed,
    // not yet applied) waits on `applied` for the batch instead of building the entry again.
    std::atomic<bool> in_batch{false};
    std::condition_variable applied;  // with `mutex`: notified when a batch lets the entry go
    std::atomic<bool> stale{false};   // a batch could not apply its saves in order: build again on the next read
    ParsedAssessment parsed;
    std::optional<AssessmentResult> result;  // scored when first read, then rescored by each save
    Json live;  // live_summary(*result), kept per module: a save rebuilds only the modules it rescored
    // GET score's part of a module that depends on that module alone (explanation, gap plan,
    // crosswalk), serialised, by "module\n<catalogue tag>"; with the module's version when it was built. A save
    // bumps the version of each module it rescored, so a view built from an older result is not kept.
    std::map<std::string, std::pair<std::uint64_t, std::string>> views;
    std::map<std::string, std::uint64_t> versions;
    // The gap plan of each module to its next level, shared by GET score and GET report, with the
    // module's version when it was searched.
    std::map<std::string, std::pair<std::uint64_t, std::shared_ptr<const GapResult>>> gaps;
    // The explanation of each module's score, shared the same way, in the catalogue `explained_in`
    // only (the last asked).
    std::map<std::string, std::pair<std::uint64_t, std::shared_ptr<const Json>>> explained;
    std::string explained_in;
  };
  // A copy of the cached result with the module versions it belongs to.
  struct Snapshot {
    std::shared_ptr<Cached> entry;
    AssessmentResult result;
    std::map<std::string, std::uint64_t> versions;
  };
  Snapshot snapshot(const AssessmentRow& a);
  // Scores the entry whole if it was never scored (the caller holds entry.mutex).
  void score_once(Cached& entry);
  // The plan of `module` to level `next` (GET score and GET report search with the same options),
  // kept in the entry while the module's version is `version`.
  std::shared_ptr<const GapResult> gap_cached(Cached& entry, const std::string& module, std::uint64_t version,
                                              const ModuleResult& m, int next);
  // The explanation of `module`'s score (explain_score) for the catalogue `view_key`, shared by GET
  // score and GET report, kept in the entry while the module's version is `version`.
  std::shared_ptr<const Json> explain_cached(Cached& entry, const std::string& module, std::uint64_t version,
                                             const ModuleResult& m, const std::string& view_key,
                                             const std::string& lang, const Words& words);
  // Whether the user may send or fetch the evidence file `sha` by sync.
  bool sync_file_allowed(const User& user, const std::string& sha);
  // Answer saves are written together (group commit): a save joins the queue; the first one that
  // finds no batch being written writes the whole queue in one transaction, applies it to the cached
  // assessments (each module a batch touched rescored once), wakes the saves it wrote and hands the
  // writing over to the first save queued meanwhile. Saves to one assessment keep their order.
  struct PendingSave {
    Store::AnswerSave save;
    const AssessmentRow* row = nullptr;       // the assessment, as the handler loaded it (required)
    std::shared_ptr<const std::string> live;  // the assessment's live summary after the batch, as JSON
    bool done = false;                        // under save_mutex_, as the two below
    bool lead = false;                        // the thread of this save is to write the queue next
    std::condition_variable wake;             // notified when done or lead is set
  };
  // Returns when `job` is written (or failed: then its error is rethrown).
  void save_batched(PendingSave& job);
  void write_batch(std::vector<PendingSave*>& batch);
  std::mutex save_mutex_;
  std::vector<PendingSave*> save_queue_;
  bool writing_ = false;  // a thread is writing a batch (under save_mutex_)
  std::shared_ptr<Cached> cached(const AssessmentRow& a);
  std::shared_ptr<Cached> build_entry(const AssessmentRow& a);  // under cache_mutex_
  AssessmentResult score_cached(const AssessmentRow& a);
  void forget(std::int64_t id);
  Json live_summary(const AssessmentResult& result);
  Json live_module(const ModuleResult& m) const;

  AppConfig config_;
  Store& store_;
  Library library_;
  Languages languages_;  // web/i18n/<tag>.json: the UI's and the server's messages
  Crosswalk crosswalk_;
  Catalogue catalogue_;
  std::unique_ptr<ReportRenderer> renderer_;
  std::unique_ptr<CodeList> regions_;
  std::unique_ptr<CodeList> industries_;
  // Immutable per version, served with an ETag (the document's hash) and cacheable under a versioned
  // URL: id → {etag, body}. Filled once at start, read without a lock.
  struct Immutable {
    std::string etag;
    std::string body;
  };
  std::map<std::string, Immutable> definitions_;
  // Per questionnaire, its level names by catalogue tag: [0] "no level", [k] level k − 1 (live_module).
  std::map<std::string, Json> level_names_;
  std::string served_hash(const std::string& id) const;  // a definition's ETag without its quotes
  std::map<std::string, Immutable> code_lists_;
  std::mutex write_mutex_;
  std::mutex cache_mutex_;
  std::atomic<std::uint64_t> entries_built_{0};
  std::map<std::int64_t, std::shared_ptr<Cached>> cache_;
  // The compiled scorers a batch rescores its modules with: used by the thread writing a batch only
  // (one at a time, save_batched). After library_, whose questionnaires they read.
  ModuleScorers scorers_;

  // Login throttling (under the write lock: every attempt is a POST): attempts per key
  // ("address …", "name …"); after kFreeAttempts the next attempt waits 1, 2, 4 … seconds (capped);
  // a success or an hour without attempts forgets them.
  struct Attempts {
    int count = 0;
    std::int64_t next_allowed = 0;
    std::int64_t last = 0;
  };
  std::int64_t throttle_wait(const std::string& key, std::int64_t now);
  void throttle_count(const std::string& key, std::int64_t now);
  void throttle_attempt(Context& c, const std::string& name);
  void throttle_success(Context& c, const std::string& name);
  std::map<std::string, Attempts> attempts_;
  // The attempts of a key: from attempts_, or from the database when servers share it.
  std::optional<Attempts> attempts_of(const std::string& key);
  void keep_attempts(const std::string& key, const Attempts& a, std::int64_t now);
  void forget_attempts(const std::string& key);
};

}  // namespace assess
