// api.h — the JSON API and static files of `assess serve`, as one pure request handler.
//
// `App::handle(request, now)` maps a request to a response without any socket: tests call it
// directly, and the Beast listener (server.h) only moves bytes and enforces connection limits. Every
// response carries the security headers (CSP without inline script, no sniffing, no framing).
// Errors are JSON {"error": {"status", "message", "pointer"}}. Routes are listed in docs/api.md.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "assess/assessment.h"
#include "assess/policy.h"
#include "assess/report.h"
#include "store.h"

namespace assess {

struct HttpRequest {
  std::string method;
  std::string target;  // path and query, as received
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

// App::handle may be called from several threads: it serializes its work (and so every SQLite
// write) on one mutex, which it releases only around password hashing, so a login never delays
// another request by the ~0.5 s an Argon2 check takes. Failed logins are throttled per client
// address and per user name with exponential backoff (429 with Retry-After).
class App {
 public:
  App(AppConfig config, Store& store);
  HttpResponse handle(const HttpRequest& request, std::int64_t now);

  const Library& library() const { return library_; }

 private:
  struct Context;
  HttpResponse route(Context& c);
  HttpResponse api(Context& c, const std::vector<std::string>& parts);
  HttpResponse static_file(const std::string& path);
  // The whole-assessment document of a stored assessment, kept in memory after the first read and
  // updated by every save (all writes go through this App), so a save does not re-read every answer.
  const Json& assessment_document(const AssessmentRow& a);
  void remember_answer(std::int64_t id, const std::string& module, const std::string& question, const Json& answer);
  Json live_summary(const AssessmentResult& result);

  AppConfig config_;
  Store& store_;
  Library library_;
  Crosswalk crosswalk_;
  Catalogue catalogue_;
  std::unique_ptr<ReportRenderer> renderer_;
  std::unique_ptr<CodeList> regions_;
  std::unique_ptr<CodeList> industries_;
  std::map<std::int64_t, Json> documents_;

  // Login throttling: attempts per key ("address …", "name …"); after kFreeAttempts the next
  // attempt waits 1, 2, 4 … seconds (capped); a success or an hour without attempts forgets them.
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
  std::mutex mutex_;
};

}  // namespace assess
