#include "api.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "formats/export.h"
#include "formats/import.h"
#include "scoring/dashboard.h"
#include "scoring/explain.h"
#include "scoring/gap.h"
#include "scoring/profile.h"
#include "scoring/rank.h"
#include "scoring/rewards.h"
#include "scoring/text.h"
#include "sync.h"

namespace assess {

std::string HttpResponse::header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "";
}

namespace {

// Thrown inside handlers, turned into a JSON error response once.
struct HttpError {
  int status;
  std::string message;
  std::string pointer;
  std::vector<std::pair<std::string, std::string>> headers = {};
};

[[noreturn]] void http_fail(int status, const std::string& message, const std::string& pointer = "") {
  throw HttpError{status, message, pointer};
}

void security_headers(HttpResponse& r) {
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back(
      "Content-Security-Policy",
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
      "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  // Immutable definitions set their own caching; everything else is never stored.
  if (r.header("Cache-Control").empty()) r.headers.emplace_back("Cache-Control", "no-store");
}

// A cacheable immutable body: 304 when the client's copy is current; under a versioned URL
// (?v=<hash>) the browser keeps it without asking again.
HttpResponse cached_response(const std::string& etag, const std::string& body, const HttpRequest& request,
                             bool versioned) {
  HttpResponse r;
  r.headers.emplace_back("ETag", etag);
  r.headers.emplace_back("Cache-Control", versioned ? "private, max-age=31536000, immutable" : "private, no-cache");
  const auto inm = request.headers.find("if-none-match");
  if (inm != request.headers.end() && inm->second == etag) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  r.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
  r.body = body;
  return r;
}

HttpResponse json_response(int status, const Json& body) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
  // Invalid UTF-8 (from a hostile path or file name) is replaced, never thrown.
  r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return r;
}

std::string now_text(std::int64_t now) {
  const std::time_t t = static_cast<std::time_t>(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

// The report's generation time for its reader (issue 14, item 13: no raw UTC stamps): `tz` is the
// browser's offset in minutes east of UTC, which the web app sends ("480" in Beijing). Without a
// valid offset (a whole number from -840 to 840) the time is UTC and says so.
std::string report_time(std::int64_t now, const std::string& tz) {
  char* end = nullptr;
  const long minutes = tz.empty() ? 0 : std::strtol(tz.c_str(), &end, 10);
  const bool local = !tz.empty() && end != nullptr && *end == '\0' && minutes >= -840 && minutes <= 840;
  const std::string t = now_text(now + (local ? minutes * 60 : 0));
  return t.substr(0, 10) + " " + t.substr(11, 5) + (local ? "" : " UTC");
}

// Keeps valid UTF-8 sequences, replaces anything else with "?", and cuts at a character boundary
// at most `max` bytes long.
std::string clean_utf8(const std::string& s, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 2;
    const std::size_t take = ok ? len : 1;
    if (out.size() + (ok ? len : 1) > max) break;
    out += ok ? s.substr(i, len) : std::string("?");
    i += take;
  }
  return out;
}

std::string url_decode(const std::string& s, bool plus_is_space = false) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::map<std::string, std::string> parse_query(const std::string& q) {
  std::map<std::string, std::string> out;
  std::stringstream ss(q);
  std::string pair;
  while (std::getline(ss, pair, '&')) {
    const auto eq = pair.find('=');
    out[url_decode(pair.substr(0, eq), true)] = eq == std::string::npos ? "" : url_decode(pair.substr(eq + 1), true);
  }
  return out;
}

std::string cookie(const HttpRequest& r, const std::string& name) {
  auto it = r.headers.find("cookie");
  if (it == r.headers.end()) return "";
  std::stringstream ss(it->second);
  std::string part;
  while (std::getline(ss, part, ';')) {
    while (!part.empty() && part.front() == ' ') part.erase(0, 1);
    if (part.rfind(name + "=", 0) == 0) return part.substr(name.size() + 1);
  }
  return "";
}

std::int64_t to_id(const std::string& s, const std::string& what) {
  if (s.empty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    http_fail(404, "no " + what + " \"" + s + "\"");
  }
  return std::stoll(s);
}

// The media type of a request, lower-case, without parameters.
std::string media_type(const HttpRequest& r) {
  auto it = r.headers.find("content-type");
  if (it == r.headers.end()) return "";
  std::string t = it->second.substr(0, it->second.find(';'));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  while (!t.empty() && t.front() == ' ') t.erase(0, 1);
  for (auto& ch : t) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return t;
}

Json parse_body(const HttpRequest& r) {
  if (r.body.empty()) http_fail(400, "the request needs a JSON body");
  // A JSON route reads only JSON: a form or text/plain post (what a foreign page can send without
  // asking) is refused before the body is parsed.
  if (media_type(r) != "application/json") {
    http_fail(415, "send the body as JSON with \"Content-Type: application/json\"");
  }
  try {
    return parse_json_text(r.body, "request");
  } catch (const Error& e) {
    http_fail(400, e.message());
  }
}

std::string text_field(const Json& body, const std::string& key, bool required, std::size_t max = 500) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    if (required) http_fail(400, "missing required field \"" + key + "\"", "/" + key);
    return "";
  }
  if (!it->is_string()) http_fail(400, "\"" + key + "\" must be a string", "/" + key);
  const std::string v = it->get<std::string>();
  if (v.size() > max) http_fail(400, "\"" + key + "\" is longer than " + std::to_string(max) + " bytes", "/" + key);
  if (required && v.empty()) http_fail(400, "\"" + key + "\" must not be empty", "/" + key);
  return v;
}

Json user_json(const User& u) {
  Json j = {{"id", u.id}, {"name", u.name}, {"role", u.role}};
  if (u.enterprise_id) j["enterprise_id"] = *u.enterprise_id;
  if (u.disabled) j["disabled"] = true;
  return j;
}

Json enterprise_json(const EnterpriseRow& e) {
  return {{"id", e.id},         {"name", e.name},         {"uscc", e.uscc},
          {"region", e.region}, {"industry", e.industry}, {"created_at", e.created_at}};
}

Json assessment_json(const AssessmentRow& a) {
  Json j = {
      {"id", a.id},     {"enterprise_id", a.enterprise_id}, {"modules", a.modules},       {"status", a.status},
      {"date", a.date}, {"assessor", a.assessor},           {"created_at", a.created_at}, {"updated_at", a.updated_at}};
  j["previous_id"] = a.previous_id ? Json(*a.previous_id) : Json();
  return j;
}

std::string mime_of(const std::string& path) {
  const auto ext = std::filesystem::path(path).extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json") return "application/json; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  return "application/octet-stream";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The host of a Host header or of an Origin's authority, lower-case, without the port ("[::1]"
// keeps its brackets).
std::string host_only(std::string h) {
  for (auto& ch : h) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (!h.empty() && h[0] == '[') return h.substr(0, h.find(']') + 1);
  const auto colon = h.rfind(':');
  return colon == std::string::npos ? h : h.substr(0, colon);
}

// An evidence file stored under its SHA-256: written to a private temporary file (mkstemp, 0600)
// in the same folder, flushed to disk, checked for size and hash, then renamed into place and the
// folder flushed, so no reader ever sees a half file under the final name. A file already there
// with the right size and hash is kept; a damaged one (e.g. 0 bytes after a full disk) is replaced.
// A full disk answers 507 and leaves nothing behind.
void store_evidence_file(const std::string& dir, const std::string& sha, const std::string& bytes) {
  const std::string file = dir + "/" + sha;
  std::error_code ec;
  if (std::filesystem::file_size(file, ec) == bytes.size() && !ec && sha256_hex(read_file(file)) == sha) return;
  std::string tmp = dir + "/.upload-XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) {
    const int e = errno;
    if (e == ENOSPC || e == EDQUOT) http_fail(507, "the server's disk is full; the evidence file was not stored");
    http_fail(500, "cannot store the evidence file");
  }
  auto fail = [&](int e) {
    ::close(fd);
    ::unlink(tmp.c_str());
    if (e == ENOSPC || e == EDQUOT || e == EFBIG)
      http_fail(507, "the server's disk is full; the evidence file was not stored");
    http_fail(500, "cannot store the evidence file");
  };
  for (std::size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(n < 0 ? errno : ENOSPC);
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) fail(errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || static_cast<std::size_t>(st.st_size) != bytes.size()) fail(EIO);
  if (::close(fd) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    if (e == ENOSPC || e == EDQUOT) http_fail(507, "the server's disk is full; the evidence file was not stored");
    http_fail(500, "cannot store the evidence file");
  }
  if (sha256_hex(read_file(tmp)) != sha) {
    ::unlink(tmp.c_str());
    http_fail(500, "the stored evidence file does not match what was sent; nothing was kept");
  }
  if (::rename(tmp.c_str(), file.c_str()) != 0) {
    ::unlink(tmp.c_str());
    http_fail(500, "cannot store the evidence file");
  }
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

// The client's address: the peer, or behind a TLS proxy on this machine (--behind-tls-proxy) the
// address the proxy appended last to X-Forwarded-For.
std::string client_address(const HttpRequest& r, bool behind_proxy) {
  auto it = r.headers.find("x-forwarded-for");
  if (!behind_proxy || it == r.headers.end() || (r.remote != "127.0.0.1" && r.remote != "::1")) return r.remote;
  std::string last = it->second.substr(it->second.rfind(',') == std::string::npos ? 0 : it->second.rfind(',') + 1);
  while (!last.empty() && last.front() == ' ') last.erase(0, 1);
  while (!last.empty() && last.back() == ' ') last.pop_back();
  return last.empty() ? r.remote : last.substr(0, 64);
}

std::vector<std::string> api_parts(const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream ss(path.substr(5));
  std::string part;
  while (std::getline(ss, part, '/')) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

constexpr int kFreeAttempts = 5;           // failed logins per address or name before backoff
constexpr std::int64_t kMaxBackoff = 900;  // seconds
constexpr std::int64_t kForgetAfter = 3600;

}  // namespace

struct App::Context {
  const HttpRequest& request;
  std::int64_t now;
  std::string path;
  std::map<std::string, std::string> query;
  std::optional<Session> session;
  std::vector<std::pair<std::string, std::string>> extra_headers;
  std::unique_lock<std::mutex>* lock = nullptr;  // the write lock (held for state changes only)
  std::vector<std::string> parts;                // an API path's segments after /api/
  std::string method;                            // HEAD reads as GET
  bool machine = false;                          // the user comes from a machine token, not a session

  const User& user() const {
    if (!session) http_fail(401, "log in first");
    return session->user;
  }
  bool writes() const { return request.method != "GET" && request.method != "HEAD"; }
};

App::App(AppConfig config, Store& store) : config_(std::move(config)), store_(store) {
  library_ = Library::load_dir(config_.questionnaires_dir);
  const std::string cw = config_.questionnaires_dir + "/crosswalk.json";
  if (std::filesystem::exists(cw)) crosswalk_ = load_crosswalk(read_json_file(cw), cw, library_);
  if (std::filesystem::exists(config_.policies_dir)) catalogue_ = load_catalogue_dir(config_.policies_dir);
  check_dashboard_ladders(catalogue_.dashboard, library_);
  renderer_ = std::make_unique<ReportRenderer>(config_.templates_dir);
  languages_ = Languages::load_dir(config_.web_dir + "/i18n");
  const std::string regions = config_.questionnaires_dir + "/profile/regions.json";
  if (std::filesystem::exists(regions)) regions_ = std::make_unique<CodeList>(load_code_list_file(regions));
  const std::string industries = config_.questionnaires_dir + "/profile/industries.json";
  if (std::filesystem::exists(industries)) industries_ = std::make_unique<CodeList>(load_code_list_file(industries));
  // Each module's level names in every catalogue language, as that language's score view names them
  // (the definition's text read in the language's text_lang; "no level" in the definition's words,
  // else the catalogue's: Questionnaire::below_name), for the live summary of every save.
  for (const Language& l : languages_.list()) {
    const std::string text_lang = languages_.text_lang(l.tag);
    const Words words = languages_.words(l.tag);
    for (const auto& id : library_.ids()) {
      const Questionnaire& q = *library_.find(id);
      Json& names = level_names_[id];
      if (names.is_null()) names = Json::array();
      for (std::size_t k = 0; k <= q.levels.size(); ++k) {
        if (names.size() <= k) names.push_back(Json::object());
        names[k][l.tag] = k == 0 ? q.below_name(text_lang, words) : q.levels[k - 1].name.in(text_lang);
      }
    }
  }
  for (const auto& id : library_.ids()) {
    const Questionnaire& q = *library_.find(id);
    // The served document's own hash: the content hash leaves out metadata the browser reads
    // ("at_most", "next_year"), which must not stay cached under an old version.
    const Json definition = read_json_file(q.file);
    definitions_[id] = {"\"" + content_hash(definition) + "\"", definition.dump()};
  }
  for (const auto& [id, file] : {std::pair<std::string, std::string>{"region", regions},
                                 std::pair<std::string, std::string>{"industry", industries}}) {
    if (!std::filesystem::exists(file)) continue;
    const Json list = read_json_file(file);
    code_lists_[id] = {"\"" + content_hash(list) + "\"", list.dump()};
  }
  std::filesystem::create_directories(evidence_dir());
}

HttpResponse App::handle(const HttpRequest& request, std::int64_t now) {
  HttpResponse response;
  // State changes run one at a time; reads take no App-wide lock.
  std::unique_lock<std::mutex> lock(write_mutex_, std::defer_lock);
  if (request.method != "GET" && request.method != "HEAD") lock.lock();
  try {
    if (request.target.empty() || request.target[0] != '/') http_fail(400, "the request target must start with \"/\"");
    const auto q = request.target.find('?');
    Context c{request,
              now,
              clean_utf8(url_decode(request.target.substr(0, q)), 2048),
              q == std::string::npos ? std::map<std::string, std::string>{} : parse_query(request.target.substr(q + 1)),
              std::nullopt,
              {},
              &lock,
              {},
              {}};
    // DNS rebinding: a foreign name that resolves to this machine must not reach the API.
    auto host = request.headers.find("host");
    if (host != request.headers.end() && !config_.allowed_hosts.empty() &&
        std::find(config_.allowed_hosts.begin(), config_.allowed_hosts.end(), host_only(host->second)) ==
            config_.allowed_hosts.end()) {
      http_fail(421, "this server does not answer to the host \"" + clean_utf8(host->second, 100) +
                         "\"; start it with --allowed-host NAME to allow a name");
    }
    // A state change sent by a browser names the page's origin; it must be this server.
    auto origin = request.headers.find("origin");
    if (c.writes() && origin != request.headers.end()) {
      const std::string& o = origin->second;
      const auto scheme = o.find("://");
      const std::string scheme_name = scheme == std::string::npos ? "" : o.substr(0, scheme);
      const std::string origin_host = scheme == std::string::npos ? "" : host_only(o.substr(scheme + 3));
      bool same = scheme_name == "http" || scheme_name == "https";
      if (same && !config_.allowed_hosts.empty()) {
        same = std::find(config_.allowed_hosts.begin(), config_.allowed_hosts.end(), origin_host) !=
               config_.allowed_hosts.end();
      } else if (same) {
        same = host != request.headers.end() && host_only(host->second) == origin_host;
      }
      if (!same) http_fail(403, "the request comes from another site (Origin \"" + clean_utf8(o, 100) + "\")");
    }
    if (request.body.size() > config_.max_body) {
      http_fail(413, "the request body is " + std::to_string(request.body.size()) + " bytes; the limit is " +
                         std::to_string(config_.max_body));
    }
    const std::string token = cookie(request, "assess_session");
    auto authorization = request.headers.find("authorization");
    if (authorization != request.headers.end() && authorization->second.rfind("Bearer ", 0) == 0) {
      // A machine token (sync): no cookie, so no CSRF; only routes marked `machine` accept it.
      const auto user = store_.machine_token_user(authorization->second.substr(7), now_text(now));
      if (!user) http_fail(401, "the machine token is unknown or revoked");
      c.session = Session{"", "", *user};
      c.machine = true;
    } else if (!token.empty()) {
      c.session = store_.find_session(token, now);
    }
    response = route(c);
    for (auto& h : c.extra_headers) response.headers.push_back(std::move(h));
  } catch (const HttpError& e) {
    response = keyed_error(e.status, e.message, e.pointer);
    for (const auto& h : e.headers) response.headers.push_back(h);
  } catch (const Error& e) {
    response = keyed_error(e.kind() == ErrorKind::kNotFound ? 404
                           : e.kind() == ErrorKind::kLimit  ? 413
                                                            : 400,
                           e.message(), e.pointer());
  } catch (const Json::exception&) {
    // A value of the wrong type that a check above missed: the client's fault, and no library text.
    response = keyed_error(400, "a field of the request has the wrong type", "");
  } catch (const std::exception&) {
    response = keyed_error(500, "internal error", "");
  }
  security_headers(response);
  return response;
}

// An error response whose English message also carries its catalogue key and parameters (see
// languages.h), so that the UI shows it in the user's language.
HttpResponse App::keyed_error(int status, const std::string& message, const std::string& pointer) const {
  Json e = {{"status", status}, {"message", message}};
  if (!pointer.empty()) e["pointer"] = pointer;
  if (const Languages::Key k = languages_.key_of(message); !k.key.empty()) {
    e["key"] = k.key;
    e["params"] = k.params;
  }
  return json_response(status, {{"error", e}});
}

HttpResponse App::route(Context& c) {
  const std::string& path = c.path;
  if (path.find("..") != std::string::npos || path.find('\0') != std::string::npos ||
      path.find('\\') != std::string::npos) {
    http_fail(400, "the path must not contain \"..\"");
  }
  if (path.rfind("/api/", 0) == 0) {
    c.parts = api_parts(path);
    c.method = c.request.method == "HEAD" ? std::string("GET") : c.request.method;
    // CSRF: every state change carries the session's token in a header a foreign page cannot set.
    if (c.writes() && c.session && !c.machine && !(c.parts.size() == 1 && c.parts[0] == "login")) {
      auto it = c.request.headers.find("x-csrf-token");
      if (it == c.request.headers.end() || it->second != c.session->csrf) http_fail(403, "missing or wrong CSRF token");
    }
    return api(c);
  }
  if (c.request.method != "GET" && c.request.method != "HEAD") http_fail(405, "static files are read-only");
  return static_file(path == "/" ? "/index.html" : path);
}

HttpResponse App::static_file(const std::string& path) {
  // error_code overloads: a name the file system refuses (too long, …) is a missing file, not a 500
  // (found by tests/fuzz/api_fuzz).
  std::error_code ec;
  const auto full = std::filesystem::weakly_canonical(std::filesystem::path(config_.web_dir) / path.substr(1), ec);
  if (ec) http_fail(404, "no file " + path);
  const auto root = std::filesystem::weakly_canonical(config_.web_dir, ec);
  if (ec) http_fail(404, "no file " + path);
  const auto rel = full.lexically_relative(root);
  if (rel.empty() || rel.native().rfind("..", 0) == 0 || !std::filesystem::is_regular_file(full, ec)) {
    http_fail(404, "no file " + path);
  }
  HttpResponse r;
  r.headers.emplace_back("Content-Type", mime_of(full.string()));
  r.body = read_file(full.string());
  return r;
}

std::shared_ptr<App::Cached> App::cached(const AssessmentRow& a) {
  for (;;) {
    std::shared_ptr<Cached> wait_for;
    {
      std::lock_guard<std::mutex> lock(cache_mutex_);
      if (auto it = cache_.find(a.id); it != cache_.end()) {
        // Valid while it holds at least the version of the row read before: this server's saves
        // advance it in the batch that wrote them. A change it did not see (another server's, `assess
        // sync` writing a laptop's SQLite file beside its server) leaves it behind, and it is built
        // again. While a batch of this App is between its commit and its update of the entry, the row
        // is ahead of the entry for a moment: wait for the batch rather than build again (built
        // again, the entry would miss the saves of the batches written while it was built, and those
        // would leave the next entry behind in turn).
        const auto& e = it->second;
        if (!e->stale && e->version.load() >= a.version) return e;
        if (!e->stale && e->in_batch) {
          wait_for = e;
        } else {
          cache_.erase(it);
        }
      }
      if (!wait_for) return build_entry(a);
    }
    // Until the batch has applied its saves (or given the entry up): its commit is not waited for
    // by readers whose row it does not concern.
    std::unique_lock<std::mutex> wait(wait_for->mutex);
    wait_for->applied.wait(wait, [&] { return !wait_for->in_batch || wait_for->version.load() >= a.version; });
  }
}

std::shared_ptr<App::Cached> App::build_entry(const AssessmentRow& a) {
  ++entries_built_;
  if (cache_.size() > 2000) cache_.clear();  // bounded: a bureau server may open thousands
  // The whole-assessment document the scoring library reads, from the stored answers.
  const auto e = store_.enterprise(a.enterprise_id);
  Store::AssessmentState state = store_.state(a.id);
  Json doc = {
      {"assessment",
       {{"id", std::to_string(a.id)}, {"date", a.date}, {"assessor", a.assessor}, {"enterprise", e ? e->name : ""}}},
      {"modules", Json::object()},
      {"projects", std::move(state.projects)}};
  for (const auto& m : a.modules) {
    doc["modules"][m] = {{"answers", state.answers.contains(m) ? state.answers[m] : Json::object()}};
  }
  auto entry = std::make_shared<Cached>();
  entry->parsed = parse_assessment(library_, doc, "assessment");
  // The version these answers belong to (newer than a.version when a save came in between).
  entry->version = state.version;
  return cache_.emplace(a.id, std::move(entry)).first->second;
}

AssessmentResult App::score_cached(const AssessmentRow& a) {
  return snapshot(a).result;
}

void App::score_once(Cached& entry) {
  if (entry.result) return;
  entry.result = score_assessment(crosswalk_, entry.parsed);
  entry.live = live_summary(*entry.result);
}

App::Snapshot App::snapshot(const AssessmentRow& a) {
  Snapshot out;
  out.entry = cached(a);
  std::lock_guard<std::mutex> lock(out.entry->mutex);
  score_once(*out.entry);
  out.result = *out.entry->result;
  out.versions = out.entry->versions;
  for (const auto& id : out.result.order) out.versions.try_emplace(id, 0);  // never rescored yet
  return out;
}

std::shared_ptr<const GapResult> App::gap_cached(Cached& entry, const std::string& module, std::uint64_t version,
                                                 const ModuleResult& m, int next) {
  {
    std::lock_guard<std::mutex> lock(entry.mutex);
    auto it = entry.gaps.find(module);
    if (it != entry.gaps.end() && it->second.first == version && it->second.second->target == next) {
      return it->second.second;
    }
  }
  GapOptions options;
  options.max_nodes = 50'000;  // interactive: the plan arrives fast, marked when not proven
  auto gap = std::make_shared<const GapResult>(find_gap(*m.questionnaire, m.answers, next, options));
  std::lock_guard<std::mutex> lock(entry.mutex);
  if (entry.versions[module] == version) entry.gaps[module] = {version, gap};
  return gap;
}

std::shared_ptr<const Json> App::explain_cached(Cached& entry, const std::string& module, std::uint64_t version,
                                                const ModuleResult& m, const std::string& view_key,
                                                const std::string& lang, const Words& words) {
  {
    std::lock_guard<std::mutex> lock(entry.mutex);
    auto it = entry.explained.find(module);
    if (entry.explained_in == view_key && it != entry.explained.end() && it->second.first == version) {
      return it->second.second;
    }
  }
  auto explained = std::make_shared<const Json>(explain_score(*m.questionnaire, m.answers, m.result, lang, words));
  std::lock_guard<std::mutex> lock(entry.mutex);
  if (entry.versions[module] == version) {
    // Kept for one catalogue at a time (about 1.8 MB for the demo's four modules): a reader in
    // another language replaces them rather than doubling what the entry holds.
    if (entry.explained_in != view_key) {
      entry.explained.clear();
      entry.explained_in = view_key;
    }
    entry.explained[module] = {version, explained};
  }
  return explained;
}

void App::save_batched(PendingSave& job) {
  std::unique_lock<std::mutex> q(save_mutex_);
  save_queue_.push_back(&job);
  if (writing_) {
    // Woken once: when a batch has written this save, or to write the queue (the writer before
    // hands over). Waking every waiting thread at the end of each batch woke those still queued
    // for nothing, one context switch each.
    job.wake.wait(q, [&] { return job.done || job.lead; });
  } else {
    writing_ = true;
  }
  if (!job.done) {
    // This thread writes the queue, its own save with it.
    std::vector<PendingSave*> batch;
    batch.swap(save_queue_);
    q.unlock();
    try {
      write_batch(batch);
    } catch (...) {
      for (PendingSave* p : batch) {
        if (!p->save.error) p->save.error = std::current_exception();
      }
    }
    q.lock();
    // Notified under the lock: a waiting thread returns (and its job, with `wake`, ends) only
    // once it has the lock again.
    for (PendingSave* p : batch) {
      p->done = true;
      if (p != &job) p->wake.notify_one();
    }
    if (save_queue_.empty()) {
      writing_ = false;
    } else {
      save_queue_.front()->lead = true;  // writing_ stays set: the writer's turn passes
      save_queue_.front()->wake.notify_one();
    }
  }
  if (job.save.error) std::rethrow_exception(job.save.error);
}

void App::write_batch(std::vector<PendingSave*>& batch) {
  std::vector<Store::AnswerSave*> saves;
  saves.reserve(batch.size());
  for (PendingSave* p : batch) saves.push_back(&p->save);
  // The saves by assessment, and the cached entry of each (when there is one), marked from before
  // the commit until the saves are applied to it and locked only while they are (see cached()).
  std::map<std::int64_t, std::vector<PendingSave*>> jobs;
  for (PendingSave* p : batch) jobs[p->save.assessment_id].push_back(p);
  // An entry this batch holds. When the batch lets it go, the entry leaves the batch; if the batch
  // did not bring it up to date (a failed write, an exception while rescoring), it is marked to be
  // built again on the next read.
  struct Held {
    std::shared_ptr<Cached> entry;
    std::unique_lock<std::mutex> lock;  // taken to apply the saves, after the commit
    bool applied = false;
    explicit Held(std::shared_ptr<Cached> e) : entry(std::move(e)) { entry->in_batch = true; }
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;
    Held(Held&&) = delete;
    Held& operator=(Held&&) = delete;
    ~Held() {
      if (!lock.owns_lock()) lock = std::unique_lock<std::mutex>(entry->mutex);
      if (!applied) entry->stale = true;
      entry->in_batch = false;
      lock.unlock();
      entry->applied.notify_all();
    }
  };
  std::map<std::int64_t, std::unique_ptr<Held>> held;
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    for (const auto& [id, list] : jobs) {
      auto it = cache_.find(id);
      if (it == cache_.end() || it->second->stale) continue;
      held.emplace(id, std::make_unique<Held>(it->second));
    }
  }
  store_.save_answers(saves);         // on an exception, `held` lets every entry go, marked to be built again
  std::vector<std::int64_t> rebuild;  // assessments with no entry that could take the batch
  for (auto& [id, list] : jobs) {
    std::stable_sort(list.begin(), list.end(),
                     [](const PendingSave* a, const PendingSave* b) { return a->save.version < b->save.version; });
    auto h = held.find(id);
    if (h == held.end()) {
      rebuild.push_back(id);
      continue;
    }
    Cached& entry = *h->second->entry;
    h->second->lock = std::unique_lock<std::mutex>(entry.mutex);
    // The entry takes the written saves only if they follow its version without a gap (a gap is
    // another writer's change, which only the database has).
    std::int64_t version = entry.version.load();
    bool in_order = true;
    std::vector<std::string> modules;
    for (PendingSave* p : list) {
      if (p->save.error) continue;
      if (p->save.version != version + 1) in_order = false;
      version = p->save.version;
    }
    if (!in_order) {  // left stale when let go
      held.erase(h);
      rebuild.push_back(id);
      continue;
    }
    for (PendingSave* p : list) {
      if (p->save.error) continue;
      set_answer(entry.parsed, p->save.module, p->save.question, p->save.answer);
      if (std::find(modules.begin(), modules.end(), p->save.module) == modules.end()) modules.push_back(p->save.module);
    }
    if (entry.result) {  // result and live are always set together (score_once)
      for (const auto& module : modules) {
        for (const auto& mid : rescore_module(crosswalk_, entry.parsed, module, *entry.result, &scorers_)) {
          entry.live[mid] = live_module(entry.result->modules.at(mid));
          ++entry.versions[mid];
        }
      }
    } else {  // never read yet: scored whole, once
      score_once(entry);
      for (const auto& mid : entry.result->order) ++entry.versions[mid];
    }
    entry.version = version;
    auto live = std::make_shared<const std::string>(entry.live.dump(-1, ' ', false, Json::error_handler_t::replace));
    for (PendingSave* p : list) p->live = live;
    h->second->applied = true;
    held.erase(h);  // lets readers in
  }
  held.clear();
  // An assessment no entry could take the batch for: its entry is built from the database, which
  // holds the batch.
  for (const std::int64_t id : rebuild) {
    auto& list = jobs[id];
    const auto it = std::find_if(list.rbegin(), list.rend(), [](const PendingSave* p) { return !p->save.error; });
    if (it == list.rend()) continue;
    AssessmentRow row = *(*it)->row;
    row.version = (*it)->save.version;  // the last written: the entry must hold at least that
    const auto entry = cached(row);
    std::lock_guard<std::mutex> lock(entry->mutex);
    score_once(*entry);
    auto live = std::make_shared<const std::string>(entry->live.dump(-1, ' ', false, Json::error_handler_t::replace));
    for (PendingSave* p : list) p->live = live;
  }
}

void App::forget(std::int64_t id) {
  std::lock_guard<std::mutex> lock(cache_mutex_);
  cache_.erase(id);
}

Json App::live_summary(const AssessmentResult& result) {
  Json out = Json::object();
  for (const auto& id : result.order) out[id] = live_module(result.modules.at(id));
  return out;
}

Json App::live_module(const ModuleResult& m) const {
  const Questionnaire& q = *m.questionnaire;
  const int level = m.result.levels.level;
  // The level's name in every catalogue language (level_names_, worked out at start): the summary is
  // written once for a batch of saves, whoever reads it, so each reader's UI picks its own language,
  // as with an import's messages.
  Json out = {{"total", m.result.sections[0].score},
              {"max", m.result.sections[0].max},
              {"level", level < 0 ? Json() : Json(q.levels[static_cast<std::size_t>(level)].id)},
              {"level_names", level_names_.at(q.id)[level < 0 ? 0 : static_cast<std::size_t>(level) + 1]},
              {"has_levels", !q.levels.empty()},
              {"missing_required", m.result.missing_required.size()}};
  // The computed values as the server has them (exact where they come from typed decimals): the
  // browser's preview takes them where its floating-point figures agree (web/rules.js).
  Json computed = Json::object();
  for (std::size_t ci = 0; ci < q.computed.size(); ++ci) computed[q.computed[ci].id] = m.result.computed[ci];
  out["computed"] = std::move(computed);
  return out;
}

std::optional<App::Attempts> App::attempts_of(const std::string& key) {
  if (store_.shared()) {
    const auto a = store_.login_attempts(key);
    if (!a) return std::nullopt;
    return Attempts{a->count, a->next_allowed, a->last};
  }
  auto it = attempts_.find(key);
  if (it == attempts_.end()) return std::nullopt;
  return it->second;
}

void App::keep_attempts(const std::string& key, const Attempts& a, std::int64_t now) {
  if (store_.shared()) {
    store_.set_login_attempts(key, {a.count, a.next_allowed, a.last});
    return;
  }
  (void)now;
  attempts_[key] = a;
}

void App::forget_attempts(const std::string& key) {
  if (store_.shared()) {
    store_.forget_login_attempts(key);
    return;
  }
  attempts_.erase(key);
}

std::int64_t App::throttle_wait(const std::string& key, std::int64_t now) {
  const auto a = attempts_of(key);
  if (!a) return 0;
  if (now - a->last > kForgetAfter && now >= a->next_allowed) {
    forget_attempts(key);
    return 0;
  }
  return std::max<std::int64_t>(0, a->next_allowed - now);
}

void App::throttle_count(const std::string& key, std::int64_t now) {
  if (store_.shared()) {
    // The database's rows: counted like the map below; old free keys are dropped as they go.
    Attempts a = attempts_of(key).value_or(Attempts{});
    ++a.count;
    a.last = now;
    if (a.count > kFreeAttempts) {
      const int doublings = std::min(a.count - kFreeAttempts - 1, 20);
      a.next_allowed = now + std::min<std::int64_t>(std::int64_t{1} << doublings, kMaxBackoff);
    }
    keep_attempts(key, a, now);
    return;
  }
  if (attempts_.size() > 100'000) {
    // Bounded: forget what no longer delays anyone.
    for (auto it = attempts_.begin(); it != attempts_.end();) {
      it = now >= it->second.next_allowed && now - it->second.last > 60 ? attempts_.erase(it) : std::next(it);
    }
  }
  Attempts& a = attempts_[key];
  ++a.count;
  a.last = now;
  if (a.count > kFreeAttempts) {
    const int doublings = std::min(a.count - kFreeAttempts - 1, 20);
    a.next_allowed = now + std::min<std::int64_t>(std::int64_t{1} << doublings, kMaxBackoff);
  }
}

// Counts one password attempt against the client's address and the user name, or refuses it with
// 429 while either is in its backoff. Counted before the check, so parallel guesses count too.
void App::throttle_attempt(Context& c, const std::string& name) {
  const std::string address = "address " + client_address(c.request, config_.secure_cookie);
  const std::string user = "name " + name;
  const std::int64_t wait = std::max(throttle_wait(address, c.now), throttle_wait(user, c.now));
  if (wait > 0) {
    throw HttpError{429,
                    "too many failed attempts; try again in " + std::to_string(wait) + " s",
                    "",
                    {{"Retry-After", std::to_string(wait)}}};
  }
  throttle_count(address, c.now);
  throttle_count(user, c.now);
}

// A right password: the name's count is forgotten, and the attempt itself no longer counts against
// the address (a backoff already running stays). Only failures build up the address's backoff, so
// the people of one laptop or one office behind NAT are not locked out by logging in (issue 14:
// the sixth login of an hour from 127.0.0.1 was refused, the fifteenth waited minutes).
void App::throttle_success(Context& c, const std::string& name) {
  forget_attempts("name " + name);
  const std::string address = "address " + client_address(c.request, config_.secure_cookie);
  if (auto a = attempts_of(address); a && a->count > 0) {
    --a->count;
    keep_attempts(address, *a, c.now);
  }
}

namespace {

// Enterprise users see only their own enterprise.
void check_sees(const User& u, std::int64_t enterprise_id) {
  if (u.role == "enterprise" && (!u.enterprise_id || *u.enterprise_id != enterprise_id)) {
    http_fail(403, "this enterprise is not yours");
  }
}

std::string new_password(const Json& body, const std::string& key) {
  const std::string password = text_field(body, key, true, 1000);
  if (const std::string problem = password_problem(password); !problem.empty()) http_fail(400, problem, "/" + key);
  return password;
}

// The "role" of a user being added or changed.
std::string role_field(const Json& body) {
  const std::string role = text_field(body, "role", true, 20);
  if (role != "admin" && role != "consultant" && role != "enterprise" && role != "bureau") {
    http_fail(400, "\"role\" must be one of admin, consultant, enterprise, bureau", "/role");
  }
  return role;
}

std::string new_user_name(const Json& body) {
  const std::string name = text_field(body, "name", true, 256);
  if (const std::string problem = user_name_problem(name); !problem.empty()) http_fail(400, problem, "/name");
  return name;
}

constexpr unsigned kAdmin = 1, kConsultant = 2, kEnterprise = 4, kBureau = 8;
constexpr unsigned kEveryRole = kAdmin | kConsultant | kEnterprise | kBureau;

unsigned role_bit(const std::string& role) {
  if (role == "admin") return kAdmin;
  if (role == "consultant") return kConsultant;
  if (role == "enterprise") return kEnterprise;
  if (role == "bureau") return kBureau;
  return 0;
}

}  // namespace

// The API, one row per route: method, path (segments; "*" is a parameter), who may call it, where the
// server runs it, and the handler. Authorization reads at a glance here; ownership (an enterprise
// user's own enterprise) is checked by load_assessment / can_see inside the handlers.
const std::vector<App::Route>& App::routes() {
  using W = Work;
  const Access kPublic{false, 0, true, false};
  const Access kAnyUser{};
  const Access kAnyUserFirst{true, kEveryRole, true, false};
  const Access kChanges{true, kAdmin | kConsultant | kEnterprise, false, true};
  auto only = [](unsigned roles) { return Access{true, roles, false, false}; };
  const Access kSync{true, kAdmin | kConsultant | kEnterprise, false, true, true};
  const Access kSyncRead{true, kEveryRole, false, false, true};
  static const std::vector<Route> table = {
      {"POST", {"login"}, kPublic, W::kPassword, &App::on_login},
      {"POST", {"logout"}, kPublic, W::kInline, &App::on_logout},
      {"POST", {"invites", "*", "accept"}, kPublic, W::kPassword, &App::on_invite_accept},
      {"GET", {"invites", "*"}, kPublic, W::kInline, &App::on_invite},
      {"GET", {"uscc"}, kPublic, W::kInline, &App::on_uscc},
      {"GET", {"languages"}, kPublic, W::kInline, &App::on_languages},
      {"GET", {"me"}, kAnyUserFirst, W::kInline, &App::on_me},
      {"POST", {"password"}, kAnyUserFirst, W::kPassword, &App::on_password},
      {"GET", {"questionnaires"}, kAnyUser, W::kInline, &App::on_questionnaires},
      {"GET", {"questionnaires", "*"}, kAnyUser, W::kInline, &App::on_questionnaire},
      {"GET", {"code-lists", "*"}, kAnyUser, W::kInline, &App::on_code_list},
      {"GET", {"enterprises"}, kAnyUser, W::kInline, &App::on_enterprises},
      {"POST", {"enterprises"}, only(kAdmin | kConsultant), W::kInline, &App::on_enterprise_add},
      {"GET", {"enterprises", "*"}, kAnyUser, W::kInline, &App::on_enterprise},
      {"POST", {"enterprises", "*", "assessments"}, kChanges, W::kInline, &App::on_assessment_add},
      {"POST", {"enterprises", "*", "invites"}, only(kAdmin | kConsultant), W::kInline, &App::on_invite_add},
      {"GET", {"enterprises", "*", "invites"}, only(kAdmin | kConsultant), W::kInline, &App::on_invites},
      {"DELETE", {"enterprises", "*", "invites", "*"}, only(kAdmin | kConsultant), W::kInline, &App::on_invite_revoke},
      {"GET", {"assessments", "*"}, kAnyUser, W::kInline, &App::on_assessment},
      {"PUT", {"assessments", "*", "answers", "*", "*"}, kChanges, W::kSave, &App::on_answer},
      {"DELETE", {"assessments", "*", "answers", "*", "*"}, kChanges, W::kSave, &App::on_answer},
      {"PUT", {"assessments", "*", "projects"}, kChanges, W::kInline, &App::on_projects},
      {"POST", {"assessments", "*", "what-if"}, kAnyUser, W::kHeavy, &App::on_what_if},
      {"POST", {"assessments", "*", "submit"}, kChanges, W::kInline, &App::on_status},
      {"POST", {"assessments", "*", "reopen"}, kChanges, W::kInline, &App::on_status},
      {"GET", {"assessments", "*", "score"}, kAnyUser, W::kHeavy, &App::on_score},
      {"GET", {"assessments", "*", "report"}, kAnyUser, W::kHeavy, &App::on_report},
      {"GET", {"assessments", "*", "audit"}, kAnyUser, W::kInline, &App::on_audit},
      {"POST", {"assessments", "*", "evidence", "*", "*"}, kChanges, W::kHeavy, &App::on_evidence_add},
      {"GET", {"evidence", "*"}, kAnyUser, W::kHeavy, &App::on_evidence},
      {"POST", {"bureau", "import"}, only(kAdmin | kBureau), W::kHeavy, &App::on_bureau_import},
      {"GET", {"bureau", "criteria"}, only(kAdmin | kBureau | kConsultant), W::kInline, &App::on_bureau_criteria},
      {"GET", {"bureau", "rank"}, only(kAdmin | kBureau | kConsultant), W::kHeavy, &App::on_bureau_rank},
      {"GET", {"bureau", "dashboard"}, only(kAdmin | kBureau | kConsultant), W::kHeavy, &App::on_bureau_dashboard},
      // bureau (issue 15): template, exports, one enterprise's record, drill-down
      {"GET", {"bureau", "template"}, only(kAdmin | kBureau | kConsultant), W::kHeavy, &App::on_bureau_template},
      {"GET",
       {"bureau", "rank", "export"},
       only(kAdmin | kBureau | kConsultant),
       W::kHeavy,
       &App::on_bureau_rank_export},
      {"GET",
       {"bureau", "dashboard", "export"},
       only(kAdmin | kBureau | kConsultant),
       W::kHeavy,
       &App::on_bureau_dashboard_export},
      {"GET", {"bureau", "dashboard", "drill"}, only(kAdmin | kBureau | kConsultant), W::kHeavy, &App::on_bureau_drill},
      {"GET", {"bureau", "records", "*"}, only(kAdmin | kBureau | kConsultant), W::kInline, &App::on_bureau_record},
      {"GET", {"users"}, only(kAdmin), W::kInline, &App::on_users},
      {"POST", {"users"}, only(kAdmin), W::kPassword, &App::on_user_add},
      {"POST", {"users", "*", "disable"}, only(kAdmin), W::kInline, &App::on_user_enable},
      {"POST", {"users", "*", "enable"}, only(kAdmin), W::kInline, &App::on_user_enable},
      {"POST", {"users", "*", "role"}, only(kAdmin), W::kInline, &App::on_user_role},
      {"POST", {"users", "*", "password"}, only(kAdmin), W::kPassword, &App::on_user_password},
      {"GET", {"events"}, only(kAdmin), W::kInline, &App::on_events},
      // sync (issue 16): machine tokens, push/pull, files, conflicts, the laptop's sync button
      {"GET", {"machine-tokens"}, only(kAdmin | kConsultant | kEnterprise), W::kInline, &App::on_tokens},
      {"POST", {"machine-tokens"}, only(kAdmin | kConsultant | kEnterprise), W::kInline, &App::on_token_add},
      {"DELETE", {"machine-tokens", "*"}, only(kAdmin | kConsultant | kEnterprise), W::kInline, &App::on_token_revoke},
      {"POST", {"sync", "push"}, kSync, W::kHeavy, &App::on_sync_push},
      {"POST", {"sync", "pull"}, kSync, W::kHeavy, &App::on_sync_pull},
      {"PUT", {"sync", "files", "*"}, kSync, W::kHeavy, &App::on_sync_file_put},
      {"GET", {"sync", "files", "*"}, kSync, W::kHeavy, &App::on_sync_file_get},
      {"GET", {"sync", "conflicts"}, kSyncRead, W::kInline, &App::on_sync_conflicts},
      {"POST", {"sync", "conflicts", "*", "resolve"}, kChanges, W::kInline, &App::on_sync_resolve},
      {"POST", {"sync", "run"}, only(kAdmin | kConsultant | kEnterprise), W::kHeavy, &App::on_sync_run},
  };
  return table;
}

const App::Route* App::find_route(const std::string& method, const std::vector<std::string>& parts) {
  const std::string m = method == "HEAD" ? std::string("GET") : method;
  for (const Route& r : routes()) {
    if (r.method != m || r.path.size() != parts.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < parts.size() && same; ++i) same = r.path[i] == "*" || r.path[i] == parts[i];
    if (same) return &r;
  }
  return nullptr;
}

std::vector<std::string> App::route_names() {
  std::vector<std::string> out;
  for (const Route& r : routes()) {
    std::string name = r.method + " /api";
    for (const auto& segment : r.path) name += "/" + segment;
    out.push_back(name);
  }
  return out;
}

App::Work App::work_of(const std::string& method, const std::string& target) {
  const std::string path = target.substr(0, target.find('?'));
  if (path.rfind("/api/", 0) != 0) return Work::kInline;  // static files: small, read from the page cache
  const Route* r = find_route(method, api_parts(path));
  return r ? r->work : Work::kInline;
}

HttpResponse App::api(Context& c) {
  const Route* route = find_route(c.request.method, c.parts);
  if (!route) {
    http_fail(
        404, "no API route " + c.method + " /api/" + [&] {
          std::string s;
          for (const auto& x : c.parts) s += (s.empty() ? "" : "/") + x;
          return s;
        }());
  }
  const Access& access = route->access;
  if (c.machine && !access.machine) {
    http_fail(401, "a machine token opens only the sync routes (/api/sync/…); log in for the rest");
  }
  if (access.session) {
    const User& user = c.user();  // 401 without a session
    // The first-start admin password is printed on a terminal: nothing else until it is changed.
    if (user.must_change_password && !access.before_password_change) {
      http_fail(403, "change the one-time password first (POST /api/password with current_password and new_password)");
    }
    if (!(role_bit(user.role) & access.roles)) {
      if (access.changes_assessments && user.role == "bureau") {
        http_fail(403, "the bureau role reads and ranks; it does not change assessments");
      }
      http_fail(403, "the " + user.role + " role may not do this");
    }
  }
  return (this->*(route->handler))(c);
}

void App::can_see(Context& c, std::int64_t enterprise_id) {
  check_sees(c.user(), enterprise_id);
}

void App::can_write(Context& c, std::int64_t enterprise_id) {
  check_sees(c.user(), enterprise_id);
  if (c.user().role == "bureau") http_fail(403, "the bureau role reads and ranks; it does not change assessments");
}

std::int64_t App::other_user(Context& c, const std::string& refuse_self) {
  const std::int64_t id = to_id(c.parts[1], "user");
  if (!store_.user(id)) http_fail(404, "no user " + c.parts[1]);
  if (!refuse_self.empty() && id == c.user().id) http_fail(409, refuse_self);
  return id;
}

AssessmentRow App::load_assessment(Context& c, const std::string& id) {
  auto a = store_.assessment(to_id(id, "assessment"));
  if (!a) http_fail(404, "no assessment " + id);
  can_see(c, a->enterprise_id);
  return *a;
}

void App::session_cookie(Context& c, const std::string& token, std::int64_t max_age) {
  c.extra_headers.emplace_back("Set-Cookie", "assess_session=" + token + "; Path=/; HttpOnly; SameSite=Strict; " +
                                                 (config_.secure_cookie ? "Secure; " : "") +
                                                 "Max-Age=" + std::to_string(max_age));
}

// Audit of a change that is not an answer.
void App::log(Context& c, const std::string& action, const std::string& target, const Json& detail) {
  const User* u = c.session ? &c.session->user : nullptr;
  store_.log_event(now_text(c.now), u ? std::optional<std::int64_t>(u->id) : std::nullopt, u ? u->role : "", action,
                   target, detail);
}

// Argon2 (and other slow work of a state change) runs with the write lock released, so other
// requests go on meanwhile.
template <class F>
auto App::without_lock(Context& c, F&& work) {
  if (!c.lock || !c.lock->owns_lock()) return work();
  c.lock->unlock();
  struct Relock {
    std::unique_lock<std::mutex>* lock;
    ~Relock() { lock->lock(); }
  } relock{c.lock};
  return work();
}

HttpResponse App::on_login(Context& c) {
  const Json body = parse_body(c.request);
  const std::string name = text_field(body, "name", true, 100);
  const std::string password = text_field(body, "password", true, 1000);
  throttle_attempt(c, name);
  const auto found = store_.credentials(name);
  static const std::string dummy = hash_password("not a password");
  // Hashes even for unknown names, so response times do not reveal which names exist.
  const bool ok = without_lock(c, [&] { return verify_password(found ? found->second : dummy, password); }) && found;
  if (!ok) {
    store_.log_event(now_text(c.now), found ? std::optional<std::int64_t>(found->first.id) : std::nullopt, "",
                     "login_failed", clean_utf8(name, 100),
                     {{"address", client_address(c.request, config_.secure_cookie)}});
    http_fail(401, "wrong name or password");
  }
  const User user = *store_.user(found->first.id);
  if (user.disabled) http_fail(403, "this account is disabled; ask an admin");
  // A success clears the name's count and takes back its own count of the address; the address's
  // failures stay, or one valid account of the attacker's would reset the count of a client spraying
  // guesses across other names.
  throttle_success(c, name);
  Session s = store_.create_session(user, c.now, config_.session_seconds);
  session_cookie(c, s.token, config_.session_seconds);
  Json out = {{"user", user_json(s.user)}, {"csrf", s.csrf}};
  if (user.must_change_password) out["must_change_password"] = true;
  return json_response(200, out);
}

HttpResponse App::on_logout(Context& c) {
  if (c.session) store_.delete_session(c.session->token);
  session_cookie(c, "", 0);
  return json_response(200, {{"ok", true}});
}

HttpResponse App::on_invite_accept(Context& c) {
  const auto& p = c.parts;
  // Anyone holding the link may create the enterprise's account once, before it expires.
  const Json body = parse_body(c.request);
  const std::string password = new_password(body, "password");
  const std::string name = new_user_name(body);
  throttle_attempt(c, "invite " + p[1]);
  const auto enterprise_id = store_.invite_enterprise(p[1], c.now);
  if (!enterprise_id) http_fail(404, "this invite link is unknown, used or expired");
  const std::string hash = without_lock(c, [&] { return hash_password(password); });
  // A taken name gets the same answer as any other name the server will not use, without saying
  // whether an account of that name exists.
  if (store_.find_user(name)) http_fail(400, "this name cannot be used; choose another", "/name");
  User u = store_.accept_invite(p[1], name, hash, c.now);
  throttle_success(c, "invite " + p[1]);
  Session s = store_.create_session(u, c.now, config_.session_seconds);
  store_.log_event(now_text(c.now), u.id, u.role, "invite_accepted", "enterprise " + std::to_string(*enterprise_id),
                   {{"user", u.name}});
  session_cookie(c, s.token, config_.session_seconds);
  return json_response(201, {{"user", user_json(u)}, {"csrf", s.csrf}});
}

HttpResponse App::on_uscc(Context& c) {
  UsccCheck check = check_uscc(c.query["code"]);
  Json out = {{"valid", check.valid},
              {"normalized", check.normalized},
              {"error", check.error},
              {"error_zh", check.error_zh},
              {"warnings", check.warnings}};
  if (check.expected_check) out["expected_check"] = std::string(1, check.expected_check);
  return json_response(200, out);
}

HttpResponse App::on_me(Context& c) {
  const User& user = c.user();
  Json out = {{"user", user_json(user)}, {"csrf", c.session->csrf}};
  if (user.must_change_password) out["must_change_password"] = true;
  return json_response(200, out);
}

HttpResponse App::on_password(Context& c) {
  const User& user = c.user();
  // Changing one's password ends every other session of the user (this one stays).
  const Json body = parse_body(c.request);
  const std::string current = text_field(body, "current_password", true, 1000);
  const std::string next = new_password(body, "new_password");
  if (next == current) http_fail(400, "the new password must differ from the current one", "/new_password");
  throttle_attempt(c, user.name);
  const auto found = store_.credentials(user.name);
  if (!found) http_fail(401, "log in first");
  const std::string hash = without_lock(c, [&]() -> std::string {
    if (!verify_password(found->second, current)) return "";
    return hash_password(next);
  });
  if (hash.empty()) {
    log(c, "password_change_failed", "user " + std::to_string(user.id), Json::object());
    http_fail(403, "the current password is wrong", "/current_password");
  }
  throttle_success(c, user.name);
  store_.set_password_hash(user.id, hash, c.session->token);
  log(c, "password_changed", "user " + std::to_string(user.id), Json::object());
  return json_response(200, {{"ok", true}, {"user", user_json(*store_.user(user.id))}});
}

namespace {

// A definition's text in every language it gives: {"zh-CN": …, "en": …, "fr": …}.
Json texts_json(const Text& t) {
  Json out = {{"zh-CN", t.zh}};
  if (!t.en.empty()) out["en"] = t.en;
  for (const auto& [tag, text] : t.more) out[tag] = text;
  return out;
}

}  // namespace

HttpResponse App::on_languages(Context&) {
  Json list = Json::array();
  for (const Language& l : languages_.list()) {
    list.push_back({{"tag", l.tag}, {"name", l.name}, {"switch_to", l.switch_to}, {"fallback", l.fallback}});
  }
  return json_response(200, Json{{"languages", list}});
}

std::string App::served_hash(const std::string& id) const {
  const std::string& etag = definitions_.at(id).etag;
  return etag.substr(1, etag.size() - 2);
}

HttpResponse App::on_questionnaires(Context&) {
  Json list = Json::array();
  for (const auto& id : library_.ids()) {
    const Questionnaire& q = *library_.find(id);
    list.push_back({{"id", q.id},
                    {"version", q.version},
                    {"titles", texts_json(q.title)},
                    {"short_titles", texts_json(q.short_title.zh.empty() ? q.title : q.short_title)},
                    {"order", q.order},
                    {"indicative", q.indicative},
                    {"questions", q.questions.size()},
                    {"levels", q.levels.size()},
                    {"content_hash", q.content_hash},
                    {"definition_hash", served_hash(id)}});
  }
  return json_response(200, list);
}

HttpResponse App::on_questionnaire(Context& c) {
  const auto& p = c.parts;
  const auto it = definitions_.find(p[1]);
  if (it == definitions_.end()) http_fail(404, "no questionnaire \"" + p[1] + "\"");
  const std::string v = c.query["v"];
  return cached_response(it->second.etag, it->second.body, c.request, !v.empty() && "\"" + v + "\"" == it->second.etag);
}

HttpResponse App::on_code_list(Context& c) {
  const auto& p = c.parts;
  const auto it = code_lists_.find(p[1]);
  if (it == code_lists_.end()) http_fail(404, "no code list \"" + p[1] + "\" (region, industry)");
  const std::string v = c.query["v"];
  return cached_response(it->second.etag, it->second.body, c.request, !v.empty() && "\"" + v + "\"" == it->second.etag);
}

HttpResponse App::on_enterprises(Context& c) {
  const User& user = c.user();
  const int limit = std::clamp(c.query.count("limit") ? std::atoi(c.query["limit"].c_str()) : 50, 1, 500);
  const int offset = std::max(0, c.query.count("offset") ? std::atoi(c.query["offset"].c_str()) : 0);
  Json list = Json::array();
  if (user.role == "enterprise") {
    if (user.enterprise_id) {
      if (auto e = store_.enterprise(*user.enterprise_id)) list.push_back(enterprise_json(*e));
    }
  } else {
    for (const auto& e : store_.enterprises(c.query["q"], limit, offset)) list.push_back(enterprise_json(e));
  }
  return json_response(200, list);
}

HttpResponse App::on_enterprise_add(Context& c) {
  const Json body = parse_body(c.request);
  if (!body.is_object()) http_fail(400, "the body must be a JSON object");
  EnterpriseRow e;
  e.name = text_field(body, "name", true, 200);
  const std::string uscc = text_field(body, "uscc", false, 100);
  if (!uscc.empty()) {
    UsccCheck check = check_uscc(uscc);
    if (!check.valid) http_fail(400, "unified social credit code: " + check.error, "/uscc");
    e.uscc = check.normalized;
  }
  e.region = text_field(body, "region", false, 6);
  if (!e.region.empty() && regions_ && !regions_->find(e.region))
    http_fail(400, "unknown region code \"" + e.region + "\"", "/region");
  e.industry = text_field(body, "industry", false, 10);
  if (!e.industry.empty() && industries_ && !industries_->find(e.industry)) {
    http_fail(400, "unknown industry code \"" + e.industry + "\" (GB/T 4754-2017 section C)", "/industry");
  }
  e.created_at = now_text(c.now);
  if (!e.uscc.empty() && store_.enterprise_by_uscc(e.uscc)) {
    http_fail(409, "an enterprise with unified social credit code " + e.uscc + " exists already", "/uscc");
  }
  const EnterpriseRow created = store_.add_enterprise(e);
  log(c, "enterprise_added", "enterprise " + std::to_string(created.id),
      {{"name", created.name}, {"uscc", created.uscc}});
  return json_response(201, enterprise_json(created));
}

HttpResponse App::on_enterprise(Context& c) {
  const auto& p = c.parts;
  const std::int64_t id = to_id(p[1], "enterprise");
  can_see(c, id);
  auto e = store_.enterprise(id);
  if (!e) http_fail(404, "no enterprise " + p[1]);
  Json out = enterprise_json(*e);
  out["assessments"] = Json::array();
  for (const auto& a : store_.assessments_of(id)) out["assessments"].push_back(assessment_json(a));
  return json_response(200, out);
}

HttpResponse App::on_assessment_add(Context& c) {
  const auto& p = c.parts;
  const User& user = c.user();
  const std::int64_t id = to_id(p[1], "enterprise");
  can_write(c, id);
  if (!store_.enterprise(id)) http_fail(404, "no enterprise " + p[1]);
  const Json body = parse_body(c.request);
  AssessmentRow a;
  a.enterprise_id = id;
  if (!body.contains("modules") || !body["modules"].is_array() || body["modules"].empty()) {
    http_fail(400, "\"modules\" must be a non-empty array of questionnaire ids", "/modules");
  }
  for (std::size_t i = 0; i < body["modules"].size(); ++i) {
    const Json& m = body["modules"][i];
    if (!m.is_string() || !library_.find(m.get<std::string>())) {
      http_fail(400, "unknown questionnaire " + m.dump(), "/modules/" + std::to_string(i));
    }
    a.modules.push_back(m.get<std::string>());
  }
  a.date = text_field(body, "date", false, 10);
  if (a.date.empty()) a.date = now_text(c.now).substr(0, 10);
  if (!is_iso_date(a.date)) http_fail(400, "\"date\" must be a date as YYYY-MM-DD", "/date");
  a.created_at = now_text(c.now);
  a.assessor = text_field(body, "assessor", false, 100);
  if (a.assessor.empty()) a.assessor = user.name;
  std::optional<std::int64_t> copy_from;
  if (body.contains("copy_from") && !body["copy_from"].is_null()) {
    if (!body["copy_from"].is_number_integer()) http_fail(400, "\"copy_from\" must be an assessment id", "/copy_from");
    auto previous = store_.assessment(body["copy_from"].get<std::int64_t>());
    if (!previous || previous->enterprise_id != id)
      http_fail(400, "\"copy_from\" names no assessment of this enterprise", "/copy_from");
    copy_from = previous->id;
    a.previous_id = previous->id;
  }
  AssessmentRow created = store_.add_assessment(a);
  if (copy_from) store_.copy_answers(*copy_from, created.id, now_text(c.now));
  log(c, "assessment_added", "assessment " + std::to_string(created.id),
      {{"enterprise_id", id}, {"modules", a.modules}, {"copy_from", copy_from ? Json(*copy_from) : Json()}});
  return json_response(201, assessment_json(created));
}

HttpResponse App::on_invite_add(Context& c) {
  const auto& p = c.parts;
  const User& user = c.user();
  const std::int64_t id = to_id(p[1], "enterprise");
  if (!store_.enterprise(id)) http_fail(404, "no enterprise " + p[1]);
  const std::int64_t days =
      c.query.count("days") ? std::clamp<std::int64_t>(std::atoll(c.query["days"].c_str()), 1, 90) : 14;
  const std::int64_t expires = c.now + days * 86400;
  const std::string token = store_.create_invite(id, user.id, expires);
  log(c, "invite_created", "enterprise " + std::to_string(id), {{"expires_at", now_text(expires)}});
  return json_response(201, {{"token", token}, {"expires_at", now_text(expires)}, {"path", "/#/invite/" + token}});
}

HttpResponse App::on_assessment(Context& c) {
  const auto& p = c.parts;
  AssessmentRow a = load_assessment(c, p[1]);
  Json out = assessment_json(a);
  out["answers"] = store_.answers(a.id);
  out["projects"] = store_.projects(a.id);
  Json ev = Json::array();
  for (const auto& e : store_.evidence(a.id)) {
    ev.push_back({{"id", e.id},
                  {"module", e.module},
                  {"question", e.question},
                  {"sha256", e.sha256},
                  {"size", e.size},
                  {"mime", e.mime},
                  {"name", e.name}});
  }
  out["evidence"] = ev;
  return json_response(200, out);
}

HttpResponse App::on_answer(Context& c) {
  const auto& p = c.parts;
  const std::string& method = c.method;
  const User& user = c.user();
  AssessmentRow a = load_assessment(c, p[1]);
  can_write(c, a.enterprise_id);
  if (a.status != "open") http_fail(409, "the assessment is submitted; reopen it to change answers");
  const std::string& module = p[3];
  const std::string& question = p[4];
  if (std::find(a.modules.begin(), a.modules.end(), module) == a.modules.end()) {
    http_fail(404, "the assessment has no module \"" + module + "\"");
  }
  const Questionnaire& q = *library_.find(module);
  const int qi = q.question_index(question);
  if (qi < 0) http_fail(404, "questionnaire \"" + module + "\" has no question \"" + question + "\"");
  Json answer;
  if (method == "PUT") {
    answer = parse_body(c.request);
    // Evidence files are attached by their own route; a changed value keeps them (the store carries
    // them over in the save's transaction).
    if (answer.is_object()) {
      for (const char* flag : {"verified", "na"}) {
        if (answer.contains(flag) && !answer[flag].is_boolean()) {
          http_fail(400, "\"" + std::string(flag) + "\" must be true or false", "/" + std::string(flag));
        }
      }
      if (answer.contains("note") && !answer["note"].is_string()) http_fail(400, "\"note\" must be a string", "/note");
      if (answer.contains("evidence")) {
        // Only files uploaded to this assessment (or already on this answer, e.g. copied from the
        // previous assessment) may be claimed, and only so many.
        const Json& list = answer["evidence"];
        if (!list.is_array()) http_fail(400, "\"evidence\" must be an array", "/evidence");
        if (list.size() > config_.max_evidence_per_answer) {
          http_fail(400,
                    "an answer may list at most " + std::to_string(config_.max_evidence_per_answer) + " evidence files",
                    "/evidence");
        }
        // The stored answer is read to check the claims.
        const Json previous = store_.answer(a.id, module, question);
        std::set<std::string> known;
        for (const auto& e : store_.evidence(a.id)) known.insert("sha256:" + e.sha256);
        if (previous.is_object() && previous.contains("evidence") && previous["evidence"].is_array()) {
          for (const auto& e : previous["evidence"]) {
            if (e.is_object() && e.contains("file") && e["file"].is_string())
              known.insert(e["file"].get<std::string>());
          }
        }
        for (std::size_t i = 0; i < list.size(); ++i) {
          const std::string at = "/evidence/" + std::to_string(i);
          if (!list[i].is_object() || !list[i].contains("file") || !list[i]["file"].is_string()) {
            http_fail(400, "an evidence entry needs \"file\" (\"sha256:…\")", at);
          }
          if (!known.count(list[i]["file"].get<std::string>())) {
            http_fail(400,
                      "no evidence file " + clean_utf8(list[i]["file"].get<std::string>(), 80) +
                          " was uploaded to this assessment",
                      at + "/file");
          }
          for (const char* key : {"name", "slot"}) {
            if (list[i].contains(key) && (!list[i][key].is_string() || list[i][key].get<std::string>().size() > 200)) {
              http_fail(400, "\"" + std::string(key) + "\" must be a text of at most 200 bytes", at + "/" + key);
            }
          }
        }
      }
    }
    // "Verified on site" is the assessor's word: only consultants and admins may set it.
    if (answer.is_object() && answer.value("verified", false) && user.role != "consultant" && user.role != "admin") {
      http_fail(403, "only a consultant or an admin marks an answer verified on site", "/verified");
    }
    // Validates exactly as the scoring library will read it; the error names question and pointer.
    (void)parse_answer(q, qi, answer, "request", "");
  }
  // Validated: the save waits for its batch without holding up other state changes (whether the
  // assessment is still open is checked again in the batch's transaction).
  if (c.lock && c.lock->owns_lock()) c.lock->unlock();
  const std::string now = now_text(c.now);
  PendingSave job;
  job.row = &a;
  job.save.assessment_id = a.id;
  job.save.module = module;
  job.save.question = question;
  job.save.answer = std::move(answer);
  job.save.user_id = user.id;
  job.save.now = now;
  job.save.role = user.role;
  job.save.require_open = true;
  job.save.keep_evidence = true;
  try {
    save_batched(job);
  } catch (const Store::NotOpen& e) {
    http_fail(409, e.what());
  }
  // The body as json_response writes it (keys in order), with the live summary serialised once per batch.
  HttpResponse r = json_response(200, Json::object());
  r.body = "{\"live\":" + *job.live + ",\"old\":" + job.save.old.dump(-1, ' ', false, Json::error_handler_t::replace) +
           ",\"saved\":true,\"updated_at\":" + Json(now).dump() + "}";
  return r;
}

HttpResponse App::on_projects(Context& c) {
  const auto& p = c.parts;
  const User& user = c.user();
  AssessmentRow a = load_assessment(c, p[1]);
  can_write(c, a.enterprise_id);
  const Json body = parse_body(c.request);
  if (!body.is_array() || body.size() > 100) http_fail(400, "projects must be an array of at most 100 projects");
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (!body[i].is_object() || !body[i].contains("kind") || !body[i]["kind"].is_string()) {
      http_fail(400, "a project needs a \"kind\"", "/" + std::to_string(i));
    }
  }
  if (a.status != "open") http_fail(409, "the assessment is submitted; reopen it to change projects");
  store_.set_projects(a.id, body, now_text(c.now), user.id, user.role);
  forget(a.id);
  return json_response(200, {{"saved", true}});
}

// "What if": the rewards the assessment's facts would bring with the projects of the body instead of
// the stored ones (a planned project tried out). Nothing is saved.
HttpResponse App::on_what_if(Context& c) {
  const auto& p = c.parts;
  AssessmentRow a = load_assessment(c, p[1]);
  const std::string lang = languages_.text_lang(c.query["lang"]);
  const Json body = parse_body(c.request);
  if (!body.is_object() || !body.contains("projects") || !body["projects"].is_array() || body["projects"].size() > 100)
    http_fail(400, "\"projects\" must be an array of at most 100 projects", "/projects");
  std::vector<Json> projects;
  for (std::size_t i = 0; i < body["projects"].size(); ++i) {
    const Json& pr = body["projects"][i];
    if (!pr.is_object() || !pr.contains("kind") || !pr["kind"].is_string())
      http_fail(400, "a project needs a \"kind\"", "/projects/" + std::to_string(i));
    projects.push_back(pr);
  }
  AssessmentResult result = score_cached(a);
  const Json facts = enterprise_facts(result);
  if (!facts.contains("region") || catalogue_.documents.empty())
    return json_response(200, {{"saved", false}, {"rewards", nullptr}});
  return json_response(200, {{"saved", false},
                             {"rewards", rewards_to_json(evaluate_rewards(catalogue_, facts, projects, a.date), lang,
                                                         languages_.words(c.query["lang"]))}});
}

HttpResponse App::on_status(Context& c) {
  const auto& p = c.parts;
  const User& user = c.user();
  AssessmentRow a = load_assessment(c, p[1]);
  can_write(c, a.enterprise_id);
  store_.set_status(a.id, p[2] == "submit" ? "submitted" : "open", now_text(c.now), user.id, user.role);
  if (p[2] == "submit") feed_bureau(*store_.assessment(a.id), c.now);
  return json_response(200, assessment_json(*store_.assessment(a.id)));
}

HttpResponse App::on_score(Context& c) {
  const auto& p = c.parts;
  AssessmentRow a = load_assessment(c, p[1]);
  const std::string lang = languages_.text_lang(c.query["lang"]);
  const Words words = languages_.words(c.query["lang"]);
  // Views are kept per catalogue language: two languages may read the definitions alike ("fr" and
  // "en") and still word the built-in names (yes/no, no level) differently.
  const std::string view_key = languages_.resolve(c.query["lang"]);
  // The result, and the module views already built for it (see Cached::views).
  Snapshot snap = snapshot(a);
  const auto& entry = snap.entry;
  const auto& versions = snap.versions;
  std::map<std::string, std::string> texts;
  {
    std::lock_guard<std::mutex> lock(entry->mutex);
    for (const auto& id : snap.result.order) {
      auto it = entry->views.find(id + "\n" + view_key);
      if (it != entry->views.end() && it->second.first == versions.at(id)) texts[id] = it->second.second;
    }
  }
  const AssessmentResult& result = snap.result;
  Json out = {{"live", live_summary(result)}, {"modules", Json::object()}, {"errors", Json::array()}};
  for (const auto& e : result.errors) out["errors"].push_back({{"message", e.message()}, {"pointer", e.pointer()}});
  std::vector<std::string> built;
  for (const auto& id : result.order) {
    if (texts.count(id)) continue;
    const ModuleResult& m = result.modules.at(id);
    Json doc = *explain_cached(*entry, id, versions.at(id), m, view_key, lang, words);
    const int next = m.result.levels.level + 1;
    if (next < static_cast<int>(m.questionnaire->levels.size())) {
      doc["gaps"] = Json::array(
          {explain_gap(*m.questionnaire, m.answers, *gap_cached(*entry, id, versions.at(id), m, next), lang, words)});
    }
    Json filled = Json::array();
    for (const auto& f : m.filled) {
      Json item = {{"link", f.link}, {"question", f.question}, {"value", f.value}};
      // Where the fact was given, so the form can say "from the profile: … (change)".
      for (const auto& link : crosswalk_.links) {
        if (link.id != f.link) continue;
        item["from"] = {{"module", link.from.module}, {"question", link.from.question}};
        if (link.from.level) item["from"]["level"] = true;
      }
      filled.push_back(item);
    }
    Json conflicts = Json::array();
    for (const auto& cf : m.conflicts) {
      conflicts.push_back({{"link", cf.link},
                           {"question", cf.question},
                           {"given", cf.given},
                           {"from_link", cf.from_link},
                           {"reason", cf.reason}});
    }
    doc["crosswalk"] = {{"filled", filled}, {"conflicts", conflicts}};
    texts[id] = doc.dump(-1, ' ', false, Json::error_handler_t::replace);
    built.push_back(id);
  }
  if (!built.empty()) {
    std::lock_guard<std::mutex> lock(entry->mutex);
    for (const auto& id : built) {
      if (entry->versions[id] == versions.at(id)) entry->views[id + "\n" + view_key] = {versions.at(id), texts[id]};
    }
  }
  Json facts = enterprise_facts(result);
  if (facts.contains("region") && !catalogue_.documents.empty()) {
    out["rewards"] = rewards_to_json(evaluate_rewards(catalogue_, facts, result.projects, a.date), lang, words);
    // What each module's next level is worth.
    for (const auto& id : result.order) {
      const Questionnaire& q = *result.modules.at(id).questionnaire;
      const int next = result.modules.at(id).result.levels.level + 1;
      if (next >= static_cast<int>(q.levels.size())) continue;
      RewardsResult unlocked;
      const std::string level = q.levels[static_cast<std::size_t>(next)].id;
      for (auto& o : rewards_unlocked(catalogue_, facts, result.projects, a.date, id, level))
        unlocked.outcomes.push_back(o);
      out["modules"][id]["next_level_unlocks"] = {{"level", level},
                                                  {"rewards", rewards_to_json(unlocked, lang, words)["outcomes"]}};
    }
  }
  // The module views are spliced in as text: {"modules":{"<id>":{<fields added here>,<view>},…},<the rest>}.
  std::string body = "{\"modules\":{";
  for (std::size_t k = 0; k < result.order.size(); ++k) {
    const std::string& id = result.order[k];
    const std::string& view = texts[id];
    body += (k ? "," : "") + Json(id).dump(-1, ' ', false, Json::error_handler_t::replace) + ":";
    const Json& extra = out["modules"].contains(id) ? out["modules"][id] : Json::object();
    if (extra.empty() || view.size() < 2) {
      body += view;
    } else {
      const std::string fields = extra.dump(-1, ' ', false, Json::error_handler_t::replace);
      body += fields.substr(0, fields.size() - 1) + (view == "{}" ? "}" : "," + view.substr(1));
    }
  }
  body += "}";
  out.erase("modules");
  const std::string rest = out.dump(-1, ' ', false, Json::error_handler_t::replace);
  body += rest == "{}" ? "}" : "," + rest.substr(1);
  HttpResponse r;
  r.status = 200;
  r.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
  r.body = std::move(body);
  return r;
}

HttpResponse App::on_report(Context& c) {
  const auto& p = c.parts;
  AssessmentRow a = load_assessment(c, p[1]);
  Snapshot snap = snapshot(a);
  const AssessmentResult& result = snap.result;
  std::optional<AssessmentResult> previous;
  std::optional<RewardsResult> previous_rewards;
  if (a.previous_id) {
    if (auto pa = store_.assessment(*a.previous_id)) {
      previous = score_cached(*pa);
      const Json before = enterprise_facts(*previous);
      if (before.contains("region") && !catalogue_.documents.empty())
        previous_rewards = evaluate_rewards(catalogue_, before, previous->projects, pa->date);
    }
  }
  Json facts = enterprise_facts(result);
  std::optional<RewardsResult> rewards;
  if (facts.contains("region") && !catalogue_.documents.empty()) {
    rewards = evaluate_rewards(catalogue_, facts, result.projects, a.date);
  }
  ReportOptions options;
  options.lang = languages_.text_lang(c.query["lang"]);
  options.words = languages_.words(c.query["lang"]);
  options.generated_at = report_time(c.now, c.query["tz"]);
  options.previous = previous ? &*previous : nullptr;
  options.previous_rewards = previous_rewards ? &*previous_rewards : nullptr;
  options.regions = regions_.get();
  options.max_gap_nodes = 50'000;
  options.gap = [&](const std::string& module, int next) {
    return gap_cached(*snap.entry, module, snap.versions.at(module), result.modules.at(module), next);
  };
  const std::string view_key = languages_.resolve(c.query["lang"]);
  options.explained = [&](const std::string& module) {
    return explain_cached(*snap.entry, module, snap.versions.at(module), result.modules.at(module), view_key,
                          options.lang, options.words);
  };
  options.status = a.status;  // an open assessment's report is marked as a draft
  // The peer percentile: counts over the indexed summary of the bureau records, not a scan.
  if (store_.has_bureau_records()) {
    options.peer_counts = [this](const std::string& module, const std::string& division, const std::string& size_class,
                                 std::int64_t total_q, const std::string& except_uscc) {
      return store_.peer_counts(module, division, size_class, total_q, except_uscc);
    };
  }
  HttpResponse r;
  r.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
  if (c.query["download"] == "1") {
    r.headers.emplace_back("Content-Disposition",
                           "attachment; filename=\"assessment-" + std::to_string(a.id) + ".html\"");
  }
  r.body = renderer_->render(report_view(result, rewards ? &*rewards : nullptr, &catalogue_, options));
  return r;
}

HttpResponse App::on_audit(Context& c) {
  const auto& p = c.parts;
  AssessmentRow a = load_assessment(c, p[1]);
  return json_response(200, store_.audit(a.id, 500));
}

namespace {

// The evidence types accepted (upload and sync). Acceptance reports are often Word, Excel or
// PowerPoint files; all evidence is served back as an attachment (never rendered inline).
const std::vector<std::string>& evidence_types() {
  static const std::vector<std::string> kAllowed = {
      "image/jpeg",
      "image/png",
      "image/webp",
      "application/pdf",
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      "application/vnd.openxmlformats-officedocument.presentationml.presentation"};
  return kAllowed;
}

}  // namespace

HttpResponse App::on_evidence_add(Context& c) {
  const auto& p = c.parts;
  const User& user = c.user();
  AssessmentRow a = load_assessment(c, p[1]);
  can_write(c, a.enterprise_id);
  if (a.status != "open") http_fail(409, "the assessment is submitted; reopen it to add evidence");
  const std::string& module = p[3];
  const std::string& question = p[4];
  if (std::find(a.modules.begin(), a.modules.end(), module) == a.modules.end())
    http_fail(404, "no module \"" + module + "\"");
  const Questionnaire& q = *library_.find(module);
  if (q.question_index(question) < 0) http_fail(404, "no question \"" + question + "\"");
  if (c.request.body.empty()) http_fail(400, "the evidence file is empty");
  if (c.request.body.size() > config_.max_evidence) {
    http_fail(413, "an evidence file may have at most " + std::to_string(config_.max_evidence) + " bytes");
  }
  auto ct = c.request.headers.find("content-type");
  const std::string mime = ct == c.request.headers.end() ? "" : ct->second.substr(0, ct->second.find(';'));
  const auto& allowed = evidence_types();
  if (std::find(allowed.begin(), allowed.end(), mime) == allowed.end()) {
    http_fail(415,
              "evidence must be a JPEG, PNG or WebP photo, a PDF or a Word, Excel or PowerPoint file (docx, xlsx, "
              "pptx), not \"" +
                  mime + "\"");
  }
  EvidenceRow e;
  e.assessment_id = a.id;
  e.module = module;
  e.question = question;
  e.sha256 = sha256_hex(c.request.body);
  e.size = static_cast<std::int64_t>(c.request.body.size());
  e.mime = mime;
  e.name = clean_utf8(c.query["name"], 200);
  const std::string slot = c.query["slot"];
  if (!slot.empty()) {
    const auto& slots = q.questions[static_cast<std::size_t>(q.question_index(question))].evidence;
    if (std::none_of(slots.begin(), slots.end(), [&](const EvidenceSlot& es) { return es.id == slot; })) {
      http_fail(400, "question \"" + question + "\" has no evidence slot \"" + clean_utf8(slot, 64) + "\"");
    }
  }
  const Json answer = store_.answer(a.id, module, question);
  if (answer.is_object() && answer.contains("evidence") && answer["evidence"].is_array() &&
      answer["evidence"].size() >= config_.max_evidence_per_answer) {
    http_fail(409, "an answer may list at most " + std::to_string(config_.max_evidence_per_answer) + " evidence files");
  }
  store_evidence_file(evidence_dir(), e.sha256, c.request.body);
  EvidenceRow stored = store_.add_evidence(e);
  // Record it on the answer, so the grade reads "evidence attached" (appended in the save's
  // transaction, so a value saved at the same time stays).
  Json ref = {{"file", "sha256:" + e.sha256}, {"name", e.name}};
  if (!slot.empty()) ref["slot"] = slot;
  PendingSave job;
  job.row = &a;
  job.save.assessment_id = a.id;
  job.save.module = module;
  job.save.question = question;
  job.save.user_id = user.id;
  job.save.now = now_text(c.now);
  job.save.role = user.role;
  job.save.require_open = true;
  job.save.add_evidence = std::move(ref);
  job.save.max_evidence = config_.max_evidence_per_answer;
  try {
    save_batched(job);
  } catch (const Store::NotOpen& err) {
    http_fail(409, err.what());
  } catch (const Store::TooMuchEvidence&) {
    http_fail(409, "an answer may list at most " + std::to_string(config_.max_evidence_per_answer) + " evidence files");
  }
  return json_response(201,
                       {{"id", stored.id}, {"sha256", e.sha256}, {"size", e.size}, {"mime", e.mime}, {"name", e.name}});
}

HttpResponse App::on_evidence(Context& c) {
  const auto& p = c.parts;
  const User& user = c.user();
  const std::string& sha = p[1];
  if (sha.size() != 64 ||
      !std::all_of(sha.begin(), sha.end(), [](char ch) { return std::isxdigit(static_cast<unsigned char>(ch)); })) {
    http_fail(404, "no evidence " + sha);
  }
  // Only someone who can see an assessment that references the file may read it.
  bool allowed = false;
  std::string mime = "application/octet-stream";
  for (const auto& [enterprise_id, type] : store_.evidence_owners(sha)) {
    if (user.role != "enterprise" || (user.enterprise_id && *user.enterprise_id == enterprise_id)) {
      allowed = true;
      mime = type;
    }
  }
  if (!allowed) http_fail(404, "no evidence " + sha);
  HttpResponse r;
  r.headers.emplace_back("Content-Type", mime);
  r.headers.emplace_back("Content-Disposition", "attachment");
  r.body = read_file(evidence_dir() + "/" + sha);
  return r;
}

HttpResponse App::on_bureau_import(Context& c) {
  const std::string name = clean_utf8(c.query.count("name") ? c.query["name"] : "upload.csv", 200);
  const std::string lang = languages_.text_lang(c.query["lang"]);
  const Words words = languages_.words(c.query["lang"]);
  // A header in any catalogue language is read; an error about the whole file (an unknown column,
  // mixed encodings) is worded in the request's language.
  ImportResult imported = import_table(c.request.body, name, library_, lang, languages_.all_words(c.query["lang"]));
  // Each issue in every catalogue language (the UI shows the one it speaks).
  struct Spoken {
    std::string tag;
    std::string lang;
    Words words;
  };
  std::vector<Spoken> spoken;
  for (const auto& l : languages_.list()) {
    spoken.push_back({l.tag, languages_.text_lang(l.tag), languages_.words(l.tag)});
  }
  Json issues = Json::array();
  for (const auto& i : imported.issues) {
    Json messages = Json::object();
    for (const auto& s : spoken) messages[s.tag] = import_message(i, s.lang, s.words);
    issues.push_back({{"row", i.row},
                      {"column", i.column},
                      {"column_title", i.column.empty() ? "" : import_column_title(library_, i.column, lang, words)},
                      {"key", i.key},
                      {"params", i.params},
                      {"reason", import_message(i, lang, words)},
                      {"messages", messages}});
  }
  // Which ranking criteria the file's columns can serve, and what each one still lacks.
  Json served = Json::array();
  for (const auto& cr : load_criteria_dir(config_.policies_dir + "/criteria")) {
    Json missing = Json::array();
    for (const auto& m : criteria_missing_columns(cr, imported.columns, library_)) {
      missing.push_back({{"id", m}, {"title", import_column_title(library_, m, lang, words)}});
    }
    served.push_back({{"id", cr.id}, {"title", cr.title.in(lang)}, {"served", missing.empty()}, {"missing", missing}});
  }
  if (!imported.issues.empty() && c.query["on_error"] == "abort") {
    const std::string message = words("srv_import_aborted");
    return json_response(
        400, {{"error", {{"status", 400}, {"message", message}}}, {"issues", issues}, {"criteria", served}});
  }
  std::vector<Store::BureauRecord> records;
  for (std::size_t i = 0; i < imported.candidates.size(); ++i) {
    const auto& cand = imported.candidates[i];
    records.push_back({cand.id, cand.name, cand.facts.value("region", std::string()), cand.facts,
                       Json{{"kind", "import"}, {"file", name}, {"row", imported.candidate_rows[i]}},
                       imported.candidate_dates[i]});
  }
  const auto counts = store_.save_bureau_records(records, c.query["round"] == "new", name, now_text(c.now));
  log(c, "bureau_import", name,
      {{"rows", imported.rows},
       {"imported", records.size()},
       {"added", counts.added},
       {"updated", counts.updated},
       {"new_rounds", counts.new_rounds}});
  // How the rounds met the years (store.h, ImportCounts), said in words the UI renders by key.
  Json notes = Json::array();
  for (const auto& [key, n] : {std::pair<const char*, std::size_t>{"b_note_same_year", counts.same_year},
                               std::pair<const char*, std::size_t>{"b_note_other_year", counts.other_year}}) {
    if (n == 0) continue;
    const std::map<std::string, std::string> params = {{"n", std::to_string(n)}};
    notes.push_back({{"key", key}, {"params", params}, {"message", languages_.render(c.query["lang"], key, params)}});
  }
  return json_response(200, {{"rows", imported.rows},
                             {"imported", records.size()},
                             {"encoding", imported.encoding},
                             {"added", counts.added},
                             {"updated", counts.updated},
                             {"new_rounds", counts.new_rounds},
                             {"same_year", counts.same_year},
                             {"other_year", counts.other_year},
                             {"notes", notes},
                             {"issues", issues},
                             {"criteria", served}});
}

HttpResponse App::on_bureau_criteria(Context&) {
  Json list = Json::array();
  for (const auto& cr : load_criteria_dir(config_.policies_dir + "/criteria")) {
    list.push_back({{"id", cr.id}, {"titles", texts_json(cr.title)}});
  }
  return json_response(200, list);
}

namespace {

// A ranking request's scope: ?region, ?industry and ?top (1 to 10,000).
RankOptions rank_options(std::map<std::string, std::string>& query) {
  RankOptions options;
  options.region = query["region"];
  options.industry = query["industry"];
  if (query.count("top")) options.top = static_cast<std::size_t>(std::clamp(std::atoi(query["top"].c_str()), 1, 10000));
  return options;
}

}  // namespace

HttpResponse App::on_bureau_rank(Context& c) {
  const std::string id = c.query["criteria"];
  const auto all = load_criteria_dir(config_.policies_dir + "/criteria");
  auto it = std::find_if(all.begin(), all.end(), [&](const Criteria& cr) { return cr.id == id; });
  if (it == all.end()) http_fail(404, "no ranking criteria \"" + clean_utf8(id, 100) + "\"");
  const RankOptions options = rank_options(c.query);
  const std::size_t limit = c.query.count("limit")
                                ? static_cast<std::size_t>(std::clamp(std::atoi(c.query["limit"].c_str()), 1, 100000))
                                : 200;
  const RankResult ranked = rank_rows(
      *it, [this](const FactQuery& q, const FactRowVisitor& v) { return store_.bureau_rows(q, v); }, options, limit);
  Json out = rank_to_json(ranked, languages_.text_lang(c.query["lang"]), languages_.words(c.query["lang"]), limit);
  add_provenance(out["rows"]);
  return json_response(200, out);
}

// --- bureau (issue 15) ---------------------------------------------------------------------------

namespace {

// A file download: the body with its media type and a file name (RFC 6266, UTF-8 name).
HttpResponse download(std::string body, const std::string& type, const std::string& file) {
  HttpResponse r;
  r.headers.emplace_back("Content-Type", type);
  std::string encoded;
  static const char* hex = "0123456789ABCDEF";
  for (unsigned char ch : file) {
    if (std::isalnum(ch) || ch == '.' || ch == '-' || ch == '_') {
      encoded += static_cast<char>(ch);
    } else {
      encoded += '%';
      encoded += hex[ch >> 4];
      encoded += hex[ch & 15];
    }
  }
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"export\"; filename*=UTF-8''" + encoded);
  r.body = std::move(body);
  return r;
}

// A table as CSV or XLSX (`format`), named `base` + extension.
HttpResponse table_download(const std::string& format, const std::string& base, const std::string& sheet,
                            const std::vector<std::string>& header, const std::vector<std::vector<Json>>& rows) {
  if (format == "xlsx") {
    const auto path = std::filesystem::temp_directory_path() / ("assess-export-" + random_token(8) + ".xlsx");
    write_xlsx(path.string(), sheet, header, rows);
    std::ifstream in(path, std::ios::binary);
    std::string body((std::istreambuf_iterator<char>(in)), {});
    in.close();
    std::filesystem::remove(path);
    return download(std::move(body), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    base + ".xlsx");
  }
  if (format != "csv") http_fail(400, "give ?format=csv or ?format=xlsx", "/format");
  return download(to_csv(header, rows), "text/csv; charset=utf-8", base + ".csv");
}

// The provenance of a record in words ("srv_origin_*"), as an export cell.
std::string origin_text(const Json& o, const Words& words) {
  if (!o.is_object()) return "";
  const std::string kind = o.value("kind", "");
  std::string out;
  if (kind == "assessment") {
    out = words("srv_origin_assessment",
                {{"id", std::to_string(o.value("assessment_id", 0))}, {"date", o.value("date", "")}});
    if (o.value("verified", 0) > 0)
      out += words("srv_origin_verified", {{"n", std::to_string(o.value("verified", 0))}});
  } else {
    out = o.value("file", "");
    if (o.contains("row")) out += words("srv_origin_row", {{"row", o["row"].dump()}});
  }
  const std::string as_of = o.value("as_of", "");
  if (!as_of.empty()) out += words("srv_origin_as_of", {{"date", as_of}});
  return out;
}

}  // namespace

void App::add_provenance(Json& rows, int year) {
  if (!rows.is_array()) return;
  std::vector<std::string> ids;
  for (const auto& r : rows) ids.push_back(r.value("id", ""));
  const auto origins = store_.bureau_origins(ids, year);
  for (auto& r : rows) {
    const std::string id = r.value("id", "");
    auto it = origins.find(id);
    if (it != origins.end()) r["origin"] = it->second;
    if (auto e = store_.enterprise_by_uscc(id)) r["enterprise_id"] = e->id;
  }
}

void App::feed_bureau(const AssessmentRow& a, std::int64_t now) {
  const auto e = store_.enterprise(a.enterprise_id);
  if (!e || e->uscc.empty()) return;  // the bureau's records are keyed by USCC
  AssessmentResult result = score_cached(a);
  Json facts = enterprise_facts(result);
  if (!facts.contains("profile") || !facts["profile"].is_object()) facts["profile"] = Json::object();
  facts["profile"]["uscc"] = e->uscc;
  if (!facts["profile"].contains("name")) facts["profile"]["name"] = e->name;
  if (!facts.contains("region") && !e->region.empty()) facts["region"] = e->region;
  if (!facts["profile"].contains("region") && facts.contains("region")) facts["profile"]["region"] = facts["region"];
  facts["projects"] = project_facts(result.projects);  // the dashboard's project-count proxy
  std::size_t verified = 0;
  const Json answers = store_.answers(a.id);
  for (auto m = answers.begin(); m != answers.end(); ++m) {
    for (auto q = m->begin(); q != m->end(); ++q) {
      if (q->is_object() && q->value("verified", false)) ++verified;
    }
  }
  Store::BureauRecord r{e->uscc,
                        e->name,
                        facts.value("region", e->region),
                        facts,
                        Json{{"kind", "assessment"},
                             {"assessment_id", a.id},
                             {"enterprise_id", a.enterprise_id},
                             {"date", a.date},
                             {"assessor", a.assessor},
                             {"verified", verified}},
                        a.date};
  store_.save_assessment_record(r, now_text(now));
}

HttpResponse App::on_bureau_template(Context& c) {
  const std::string format = c.query.count("format") ? c.query["format"] : "xlsx";
  // "id": the columns' ids; a language tag: their titles in that language (zh-CN when it has no catalogue).
  const bool ids = c.query["lang"] == "id";
  const Words words = languages_.words(ids ? "zh-CN" : c.query["lang"]);
  const auto rows = import_template(library_, load_criteria_dir(config_.policies_dir + "/criteria"),
                                    catalogue_.dashboard, ids ? "id" : languages_.text_lang(c.query["lang"]), words);
  std::vector<std::vector<Json>> body;
  for (std::size_t i = 1; i < rows.size(); ++i) body.emplace_back(rows[i].begin(), rows[i].end());
  return table_download(format, words("srv_export_template_file"), "import", rows[0], body);
}

HttpResponse App::on_bureau_rank_export(Context& c) {
  const std::string id = c.query["criteria"];
  const std::string lang = languages_.text_lang(c.query["lang"]);
  const Words words = languages_.words(c.query["lang"]);
  const auto all = load_criteria_dir(config_.policies_dir + "/criteria");
  auto it = std::find_if(all.begin(), all.end(), [&](const Criteria& cr) { return cr.id == id; });
  if (it == all.end()) http_fail(404, "no ranking criteria \"" + clean_utf8(id, 100) + "\"");
  const RankOptions options = rank_options(c.query);
  const RankResult ranked = rank_rows(
      *it, [this](const FactQuery& q, const FactRowVisitor& v) { return store_.bureau_rows(q, v); }, options, 0);
  Json j = rank_to_json(ranked, lang, words, 0);
  add_provenance(j["rows"]);
  add_provenance(j["ineligible"]);
  std::vector<std::string> header;
  for (const char* column : {"position", "uscc", "enterprise", "score", "in_top", "eligible", "explanation"})
    header.push_back(words(std::string("srv_export_rank_") + column));
  for (const auto& t : it->score) header.push_back(t.title.in(lang));
  header.push_back(words("srv_export_source"));
  std::vector<std::vector<Json>> rows;
  for (const auto& r : j["rows"]) {
    std::vector<Json> line = {r["position"], r["id"], r["name"], r["score"], r["in_top"], true, r["explanation"]};
    for (const auto& t : r["terms"]) line.push_back(t.value("missing", false) ? Json() : t["value"]);
    line.push_back(origin_text(r.value("origin", Json()), words));
    rows.push_back(std::move(line));
  }
  for (const auto& r : j["ineligible"]) {
    std::vector<Json> line = {Json(), r["id"], r["name"], Json(), false, false, r["explanation"]};
    for (std::size_t k = 0; k < it->score.size(); ++k) line.push_back(Json());
    line.push_back(origin_text(r.value("origin", Json()), words));
    rows.push_back(std::move(line));
  }
  return table_download(c.query["format"], words("srv_export_rank_file", {{"id", it->id}}),
                        words("srv_export_rank_sheet"), header, rows);
}

Dashboard App::bureau_dashboard(const std::string& region, int year) {
  const auto groups = [this, year](const FactQuery& q, const DashboardGroupVisitor& v) {
    store_.dashboard_groups(year, catalogue_.dashboard, q, v);
  };
  return dashboard_groups(groups, catalogue_.dashboard, dashboard_targets(catalogue_), region);
}

HttpResponse App::on_bureau_dashboard_export(Context& c) {
  const std::string region = c.query["region"];
  if (region.empty()) http_fail(400, "give ?region= a GB/T 2260 code or prefix");
  const Words words = languages_.words(c.query["lang"]);
  const int year = std::atoi(c.query["year"].c_str());
  const Json d = dashboard_to_json(bureau_dashboard(region, year), languages_.text_lang(c.query["lang"]), words);
  std::vector<std::string> header;
  for (const char* column :
       {"figure", "id", "value", "unit", "numerator", "denominator", "unknown", "suppressed", "formula", "targets"})
    header.push_back(words(std::string("srv_export_dash_") + column));
  std::vector<std::vector<Json>> rows;
  for (const auto& f : d["figures"]) {
    std::string targets;
    for (const auto& t : f["targets"]) {
      if (!targets.empty()) targets += "; ";
      targets += t.value("comparator", "") + (t["target"].is_number() ? format_number(t["target"].get<double>()) : "") +
                 " " + t.value("by", "") + " " + t.value("document_title", "") + " " + t.value("cite", "");
    }
    rows.push_back({f["title"], f["id"], f["value"], f["unit"], f["numerator"], f["denominator"], f["unknown"],
                    f["suppressed"], f["formula"], targets});
  }
  return table_download(c.query["format"],
                        words("srv_export_dash_file", {{"region", region}}) + (year ? "-" + std::to_string(year) : ""),
                        words("srv_export_dash_sheet"), header, rows);
}

// The enterprises behind one figure: each enterprise of the region counted alone with the same
// tally the dashboard uses (no suppression for one), so "in the numerator" means what the figure's
// formula means, without a second definition of it.
HttpResponse App::on_bureau_drill(Context& c) {
  const std::string region = c.query["region"];
  const std::string figure = c.query["figure"];
  if (region.empty()) http_fail(400, "give ?region= a GB/T 2260 code or prefix");
  if (figure.empty()) http_fail(400, "give ?figure= a figure id from the dashboard");
  const Words words = languages_.words(c.query["lang"]);
  const int year = std::atoi(c.query["year"].c_str());
  const auto targets = dashboard_targets(catalogue_);
  const DashboardLadders& ladders = catalogue_.dashboard;
  const DashboardColumns columns(ladders);
  DashboardOptions one;
  one.min_group = 0;
  Json list = Json::array();
  bool known_figure = false;
  FactQuery q;
  q.region = region_prefix(region);
  q.want_json = !columns.typed;  // a ladder without a typed column is read from the JSON facts
  store_.bureau_rows_in(year, q, [&](const FactRow& row) {
    static const int kRegion = fact_slot("region");
    std::string where;
    if (row.values != nullptr && (columns.typed || row.facts == nullptr)) {
      const logic::Typed& r = row.values[kRegion];
      if (r.kind == logic::Typed::kString) where = std::string(r.text);
    } else if (row.facts && row.facts->contains("region") && (*row.facts)["region"].is_string()) {
      where = (*row.facts)["region"].get<std::string>();
    }
    if (!region_within(where, region) || (row.values == nullptr && row.facts == nullptr)) return;
    DashboardTally tally(ladders, targets, region, one);
    tally.add(dashboard_facts(row, ladders, columns));
    const Dashboard d = tally.result();
    for (const auto& f : d.figures) {
      if (f.id != figure) continue;
      known_figure = true;
      const bool in_denominator = f.denominator > 0;
      const bool in_numerator = in_denominator && f.numerator && *f.numerator > 0;
      const char* part = in_numerator ? "numerator" : in_denominator ? "denominator" : f.unknown > 0 ? "unknown" : "";
      if (*part == 0) continue;  // outside the figure (e.g. not 规上)
      list.push_back({{"id", std::string(row.id)},
                      {"name", std::string(row.name)},
                      {"part", part},
                      {"value", f.unit == "percent" || !f.numerator ? Json() : Json(*f.numerator)}});
    }
  });
  if (!known_figure && list.empty()) {
    // Either no enterprise in the region or an unknown id: check the id against an empty tally.
    DashboardTally empty(ladders, targets, region, one);
    const Dashboard d = empty.result();
    if (std::none_of(d.figures.begin(), d.figures.end(), [&](const Figure& f) { return f.id == figure; })) {
      http_fail(404, "no dashboard figure \"" + clean_utf8(figure, 100) + "\"");
    }
  }
  add_provenance(list, year);
  if (c.query.count("format") && c.query["format"] != "json") {
    const std::vector<std::string> header = {words("srv_export_rank_uscc"), words("srv_export_rank_enterprise"),
                                             words("srv_export_drill_counted"), words("srv_export_drill_value"),
                                             words("srv_export_source")};
    std::vector<std::vector<Json>> rows;
    for (const auto& r : list) {
      // "srv_export_drill_numerator", "srv_export_drill_denominator", "srv_export_drill_unknown"
      const std::string where = words("srv_export_drill_" + r["part"].get<std::string>());
      rows.push_back({r["id"], r["name"], where, r["value"], origin_text(r.value("origin", Json()), words)});
    }
    return table_download(c.query["format"], words("srv_export_drill_file", {{"region", region}}),
                          words("srv_export_drill_sheet"), header, rows);
  }
  return json_response(200, {{"region", region}, {"figure", figure}, {"enterprises", list}});
}

HttpResponse App::on_bureau_record(Context& c) {
  const std::string uscc = clean_utf8(c.parts[2], 40);
  Json history = store_.bureau_history(uscc);
  auto e = store_.enterprise_by_uscc(uscc);
  if (history.empty() && !e) http_fail(404, "no record of " + uscc);
  Json out = {{"uscc", uscc}, {"rounds", history}};
  if (e) {
    out["enterprise"] = enterprise_json(*e);
    out["assessments"] = Json::array();
    for (const auto& a : store_.assessments_of(e->id)) out["assessments"].push_back(assessment_json(a));
  }
  return json_response(200, out);
}

HttpResponse App::on_bureau_dashboard(Context& c) {
  const std::string region = c.query["region"];
  if (region.empty()) http_fail(400, "give ?region= a GB/T 2260 code or prefix");
  const std::string lang = languages_.text_lang(c.query["lang"]);
  const Words words = languages_.words(c.query["lang"]);
  const int year = std::atoi(c.query["year"].c_str());
  Json out = dashboard_to_json(bureau_dashboard(region, year), lang, words);
  out["year"] = year;
  out["years"] = store_.bureau_years();
  // Each figure year by year (the latest round of each enterprise up to the year's end), for the
  // trajectories; asked for separately, as it reads the records once per year.
  if (c.query["history"] == "1") {
    Json history = Json::array();
    for (const int y : store_.bureau_years()) {
      Json figures = Json::object();
      const Json year_dashboard = dashboard_to_json(bureau_dashboard(region, y), lang, words);
      for (const auto& f : year_dashboard["figures"]) {
        figures[f["id"].get<std::string>()] = {{"value", f["value"]},
                                               {"numerator", f["numerator"]},
                                               {"denominator", f["denominator"]},
                                               {"suppressed", f["suppressed"]}};
      }
      history.push_back({{"year", y}, {"figures", figures}});
    }
    out["history"] = history;
    // The year each figure's trend reaches each of its targets at the current pace (dashboard.h).
    Json trends = Json::object();
    for (const auto& f : out["figures"]) {
      const std::string id = f["id"].get<std::string>();
      std::vector<YearValue> points;
      for (const auto& y : history) {
        const Json* v = y["figures"].contains(id) ? &y["figures"][id] : nullptr;
        const bool known = v && (*v)["value"].is_number() && !(*v)["suppressed"].get<bool>();
        points.push_back(
            {y["year"].get<int>(), known ? std::optional<double>((*v)["value"].get<double>()) : std::nullopt});
      }
      Json list = Json::array();
      for (const auto& t : f["targets"]) {
        if (!t["target"].is_number()) continue;
        const Trend trend = trend_to_target(points, t["target"].get<double>(), t["comparator"].get<std::string>());
        Json j = {{"target", t["id"]}, {"state", to_string(trend.state)}, {"pace", trend.pace}};
        if (trend.state == TrendState::kYear) j["year"] = trend.year;
        list.push_back(std::move(j));
      }
      trends[id] = std::move(list);
    }
    out["trends"] = trends;
  }
  return json_response(200, out);
}

HttpResponse App::on_users(Context&) {
  Json list = Json::array();
  for (const auto& u : store_.users()) {
    Json j = user_json(u);
    if (u.must_change_password) j["must_change_password"] = true;
    list.push_back(j);
  }
  return json_response(200, list);
}

HttpResponse App::on_user_add(Context& c) {
  const Json body = parse_body(c.request);
  if (!body.is_object()) http_fail(400, "the body must be a JSON object");
  const std::string role = role_field(body);
  std::optional<std::int64_t> enterprise_id;
  if (body.contains("enterprise_id") && !body["enterprise_id"].is_null()) {
    if (!body["enterprise_id"].is_number_integer())
      http_fail(400, "\"enterprise_id\" must be an enterprise id", "/enterprise_id");
    enterprise_id = body["enterprise_id"].get<std::int64_t>();
  }
  if (role == "enterprise" && !enterprise_id)
    http_fail(400, "an enterprise user needs \"enterprise_id\"", "/enterprise_id");
  if (enterprise_id && !store_.enterprise(*enterprise_id)) {
    http_fail(400, "no enterprise " + std::to_string(*enterprise_id), "/enterprise_id");
  }
  const std::string name = new_user_name(body);
  const std::string password = new_password(body, "password");
  if (store_.find_user(name)) http_fail(400, "user \"" + name + "\" exists already", "/name");
  const std::string hash = without_lock(c, [&] { return hash_password(password); });
  bool must_change = false;
  if (body.contains("must_change_password")) {
    if (!body["must_change_password"].is_boolean())
      http_fail(400, "\"must_change_password\" must be true or false", "/must_change_password");
    must_change = body["must_change_password"].get<bool>();
  }
  const User added = store_.add_user_hash(name, hash, role, enterprise_id, must_change);
  log(c, "user_added", "user " + std::to_string(added.id), user_json(added));
  return json_response(201, user_json(added));
}

HttpResponse App::on_user_enable(Context& c) {
  const auto& p = c.parts;
  // Disabling ends every session of the user at once; the account keeps its history.
  const bool disable = p[2] == "disable";
  const std::int64_t id = other_user(c, disable ? "an admin cannot disable their own account" : "");
  store_.set_disabled(id, disable);
  log(c, disable ? "user_disabled" : "user_enabled", "user " + std::to_string(id), Json::object());
  return json_response(200, user_json(*store_.user(id)));
}

HttpResponse App::on_invite(Context& c) {
  // The accept page names the enterprise and the expiry before anyone types a password.
  const auto& p = c.parts;
  const auto enterprise_id = store_.invite_enterprise(p[1], c.now);
  if (!enterprise_id) http_fail(404, "this invite link is unknown, used or expired");
  const auto e = store_.enterprise(*enterprise_id);
  Json out = {{"enterprise", e ? e->name : ""}};
  for (const auto& i : store_.open_invites(*enterprise_id, c.now)) {
    if (i.token == p[1]) out["expires_at"] = now_text(i.expires_at);
  }
  return json_response(200, out);
}

HttpResponse App::on_invites(Context& c) {
  const auto& p = c.parts;
  const std::int64_t id = to_id(p[1], "enterprise");
  if (!store_.enterprise(id)) http_fail(404, "no enterprise " + p[1]);
  Json list = Json::array();
  for (const auto& i : store_.open_invites(id, c.now)) {
    list.push_back({{"token", i.token}, {"expires_at", now_text(i.expires_at)}, {"path", "/#/invite/" + i.token}});
  }
  return json_response(200, list);
}

HttpResponse App::on_invite_revoke(Context& c) {
  const auto& p = c.parts;
  const std::int64_t id = to_id(p[1], "enterprise");
  if (!store_.enterprise(id)) http_fail(404, "no enterprise " + p[1]);
  if (!store_.revoke_invite(id, p[3])) http_fail(404, "this invite link is unknown, used or expired");
  log(c, "invite_revoked", "enterprise " + std::to_string(id), Json::object());
  return json_response(200, {{"ok", true}});
}

HttpResponse App::on_user_role(Context& c) {
  // Takes effect at the user's next request (sessions read the role afresh).
  const std::int64_t id = other_user(c, "an admin cannot change their own role");
  const Json body = parse_body(c.request);
  if (!body.is_object()) http_fail(400, "the body must be a JSON object");
  const std::string role = role_field(body);
  std::optional<std::int64_t> enterprise_id;
  if (role == "enterprise") {
    if (!body.contains("enterprise_id") || !body["enterprise_id"].is_number_integer()) {
      http_fail(400, "an enterprise user needs \"enterprise_id\"", "/enterprise_id");
    }
    enterprise_id = body["enterprise_id"].get<std::int64_t>();
    if (!store_.enterprise(*enterprise_id))
      http_fail(400, "no enterprise " + std::to_string(*enterprise_id), "/enterprise_id");
  }
  store_.set_role(id, role, enterprise_id);
  const User changed = *store_.user(id);
  log(c, "user_role_changed", "user " + std::to_string(id), user_json(changed));
  return json_response(200, user_json(changed));
}

HttpResponse App::on_user_password(Context& c) {
  // An admin's reset: the user must replace the new password at the next login.
  const std::int64_t id = other_user(c, "change your own password with POST /api/password");
  const std::string password = new_password(parse_body(c.request), "password");
  const std::string hash = without_lock(c, [&] { return hash_password(password); });
  store_.reset_password_hash(id, hash);
  log(c, "password_reset", "user " + std::to_string(id), Json::object());
  return json_response(200, user_json(*store_.user(id)));
}

HttpResponse App::on_events(Context& c) {
  const int limit = std::clamp(c.query.count("limit") ? std::atoi(c.query["limit"].c_str()) : 200, 1, 2000);
  return json_response(200, store_.events(limit));
}

// --- Laptop <-> server sync (issue 16, item 3) ---

namespace {

bool hex64(const std::string& sha) {
  return sha.size() == 64 && std::all_of(sha.begin(), sha.end(),
                                         [](char ch) { return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'); });
}

// A global id as sync sends it: "<node>.<id>" or an origin made the same way elsewhere.
bool global_id_ok(const Json& v) {
  if (!v.is_string()) return false;
  const std::string& s = v.get_ref<const std::string&>();
  return !s.empty() && s.size() <= 100 && std::all_of(s.begin(), s.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.';
  });
}

// A text field of a sync item: a string of at most `max` bytes (may be empty unless `required`).
void sync_text(const Json& item, const char* key, std::size_t max, bool required, const std::string& at) {
  if (!item.contains(key) || item[key].is_null()) {
    if (required) http_fail(400, "missing required field \"" + std::string(key) + "\"", at + "/" + key);
    return;
  }
  if (!item[key].is_string()) http_fail(400, "\"" + std::string(key) + "\" must be a string", at + "/" + key);
  const std::string& v = item[key].get_ref<const std::string&>();
  if (v.size() > max) {
    http_fail(400, "\"" + std::string(key) + "\" is longer than " + std::to_string(max) + " bytes", at + "/" + key);
  }
  if (required && v.empty()) http_fail(400, "\"" + std::string(key) + "\" must not be empty", at + "/" + key);
}

}  // namespace

HttpResponse App::on_tokens(Context& c) {
  Json list = Json::array();
  for (const auto& t : store_.machine_tokens(c.user().id)) {
    list.push_back({{"id", t.id},
                    {"name", t.name},
                    {"created_at", t.created_at},
                    {"last_used_at", t.last_used_at},
                    {"revoked_at", t.revoked_at}});
  }
  return json_response(200, list);
}

HttpResponse App::on_token_add(Context& c) {
  const Json body = parse_body(c.request);
  if (!body.is_object()) http_fail(400, "the body must be a JSON object");
  const std::string name = text_field(body, "name", true, 100);
  const std::string token = store_.create_machine_token(c.user().id, clean_utf8(name, 100), now_text(c.now));
  log(c, "machine_token_created", "user " + std::to_string(c.user().id), {{"name", clean_utf8(name, 100)}});
  // Shown once: only its SHA-256 is kept.
  return json_response(201, {{"token", token}, {"name", clean_utf8(name, 100)}});
}

HttpResponse App::on_token_revoke(Context& c) {
  const std::int64_t id = to_id(c.parts[1], "machine token");
  if (!store_.revoke_machine_token(c.user().id, id, now_text(c.now))) {
    http_fail(404, "no machine token " + c.parts[1] + " of yours that is still valid");
  }
  log(c, "machine_token_revoked", "user " + std::to_string(c.user().id), {{"id", id}});
  return json_response(200, {{"revoked", true}});
}

void App::check_sync_batch(Context& c, const Json& batch) {
  const User& user = c.user();
  if (!batch.is_object()) http_fail(400, "the sync batch must be a JSON object");
  std::size_t items = 0;
  for (const char* key : {"enterprises", "assessments", "audit", "evidence"}) {
    if (!batch.contains(key)) continue;
    if (!batch[key].is_array()) http_fail(400, "\"" + std::string(key) + "\" must be an array", "/" + std::string(key));
    items += batch[key].size();
  }
  if (batch.contains("node") && !global_id_ok(batch["node"])) {
    http_fail(400, "\"node\" must be the sender's node id (letters and digits)", "/node");
  }
  if (items > kMaxSyncBatch) {
    http_fail(400,
              "a sync batch holds at most " + std::to_string(kMaxSyncBatch) + " items, not " + std::to_string(items));
  }
  // An enterprise user sends only its own enterprise.
  std::string own_uscc;
  if (user.role == "enterprise") {
    const auto e = user.enterprise_id ? store_.enterprise(*user.enterprise_id) : std::nullopt;
    own_uscc = e ? e->uscc : "-";
  }
  auto own = [&](const std::string& uscc, const std::string& at) {
    if (user.role == "enterprise" && uscc != own_uscc) http_fail(403, "this enterprise is not yours", at);
  };
  std::map<std::string, std::string> batch_assessments;  // global id → USCC
  const Json empty = Json::array();
  const Json& es = batch.contains("enterprises") ? batch["enterprises"] : empty;
  for (std::size_t i = 0; i < es.size(); ++i) {
    const std::string at = "/enterprises/" + std::to_string(i);
    const Json& e = es[i];
    if (!e.is_object()) http_fail(400, "an enterprise must be an object", at);
    sync_text(e, "uscc", 18, true, at);
    const UsccCheck check = check_uscc(e["uscc"].get<std::string>());
    if (!check.valid || check.normalized != e["uscc"].get<std::string>()) {
      http_fail(400, "unified social credit code: " + (check.valid ? std::string("not normalized") : check.error),
                at + "/uscc");
    }
    own(check.normalized, at + "/uscc");
    sync_text(e, "name", 200, true, at);
    sync_text(e, "region", 6, false, at);
    sync_text(e, "industry", 10, false, at);
    sync_text(e, "created_at", 40, false, at);
  }
  const Json& as = batch.contains("assessments") ? batch["assessments"] : empty;
  for (std::size_t i = 0; i < as.size(); ++i) {
    const std::string at = "/assessments/" + std::to_string(i);
    const Json& a = as[i];
    if (!a.is_object()) http_fail(400, "an assessment must be an object", at);
    if (!global_id_ok(a.value("id", Json())))
      http_fail(400, "\"id\" must be a global id (letters, digits, dots)", at + "/id");
    sync_text(a, "uscc", 18, true, at);
    if (const UsccCheck check = check_uscc(a["uscc"].get<std::string>());
        !check.valid || check.normalized != a["uscc"].get<std::string>()) {
      http_fail(400, "unified social credit code: " + (check.valid ? std::string("not normalized") : check.error),
                at + "/uscc");
    }
    own(a["uscc"].get<std::string>(), at + "/uscc");
    if (!a.contains("modules") || !a["modules"].is_array() || a["modules"].empty() || a["modules"].size() > 20) {
      http_fail(400, "\"modules\" must be a non-empty array of questionnaire ids", at + "/modules");
    }
    for (std::size_t k = 0; k < a["modules"].size(); ++k) {
      const Json& m = a["modules"][k];
      if (!m.is_string() || !library_.find(m.get<std::string>())) {
        http_fail(400, "unknown questionnaire " + m.dump(-1, ' ', false, Json::error_handler_t::replace),
                  at + "/modules/" + std::to_string(k));
      }
    }
    sync_text(a, "date", 10, false, at);
    if (!a.value("date", std::string()).empty() && !is_iso_date(a["date"].get<std::string>())) {
      http_fail(400, "\"date\" must be a date as YYYY-MM-DD", at + "/date");
    }
    sync_text(a, "assessor", 100, false, at);
    sync_text(a, "created_at", 40, false, at);
    if (a.contains("previous") && !a["previous"].is_null() && !global_id_ok(a["previous"])) {
      http_fail(400, "\"previous\" must be a global id or null", at + "/previous");
    }
    if (a.contains("enterprise") && !a["enterprise"].is_null()) {
      const Json& e = a["enterprise"];
      if (!e.is_object()) http_fail(400, "an enterprise must be an object", at + "/enterprise");
      sync_text(e, "name", 200, true, at + "/enterprise");
      sync_text(e, "region", 6, false, at + "/enterprise");
      sync_text(e, "industry", 10, false, at + "/enterprise");
      sync_text(e, "created_at", 40, false, at + "/enterprise");
    }
    batch_assessments[a["id"].get<std::string>()] = a["uscc"].get<std::string>();
  }
  // The USCC of an assessment named by a row: from this batch or from the database.
  auto uscc_of = [&](const std::string& gid) -> std::string {
    if (auto it = batch_assessments.find(gid); it != batch_assessments.end()) return it->second;
    const auto id = store_.assessment_by_global_id(gid);
    if (!id) return "";
    const auto a = store_.assessment(*id);
    const auto e = a ? store_.enterprise(a->enterprise_id) : std::nullopt;
    return e ? e->uscc : "";
  };
  const Json& rows = batch.contains("audit") ? batch["audit"] : empty;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::string at = "/audit/" + std::to_string(i);
    const Json& r = rows[i];
    if (!r.is_object()) http_fail(400, "an audit row must be an object", at);
    if (!global_id_ok(r.value("id", Json())))
      http_fail(400, "\"id\" must be a global id (letters, digits, dots)", at + "/id");
    if (!global_id_ok(r.value("assessment", Json()))) {
      http_fail(400, "\"assessment\" must be a global id (letters, digits, dots)", at + "/assessment");
    }
    if (user.role == "enterprise") own(uscc_of(r["assessment"].get<std::string>()), at + "/assessment");
    sync_text(r, "module", 64, false, at);
    sync_text(r, "question", 128, true, at);
    sync_text(r, "at", 40, false, at);
    sync_text(r, "by", 100, false, at);
    sync_text(r, "role", 20, false, at);
    const std::string module = r.value("module", std::string());
    const std::string question = r["question"].get<std::string>();
    const Json value = r.contains("new") ? r["new"] : Json();
    if (module.empty()) {
      if (question == "#status") {
        for (const char* key : {"old", "new"}) {
          if (r.contains(key) && !r[key].is_null() && r[key] != "open" && r[key] != "submitted") {
            http_fail(400, "a status is \"open\" or \"submitted\"", at + "/" + key);
          }
        }
      } else if (question == "#projects") {
        if (!value.is_null() && (!value.is_array() || value.size() > 100)) {
          http_fail(400, "projects must be an array of at most 100 projects", at + "/new");
        }
        for (std::size_t k = 0; value.is_array() && k < value.size(); ++k) {
          if (!value[k].is_object() || !value[k].contains("kind") || !value[k]["kind"].is_string()) {
            http_fail(400, "a project needs a \"kind\"", at + "/new/" + std::to_string(k));
          }
        }
      } else {
        http_fail(400, "a row without a module changes \"#status\" or \"#projects\"", at + "/question");
      }
      continue;
    }
    const Questionnaire* q = library_.find(module);
    if (!q) http_fail(400, "unknown questionnaire \"" + clean_utf8(module, 64) + "\"", at + "/module");
    const int qi = q->question_index(question);
    if (qi < 0) {
      http_fail(400, "questionnaire \"" + module + "\" has no question \"" + clean_utf8(question, 128) + "\"",
                at + "/question");
    }
    if (!value.is_null()) {
      if (value.is_object() && value.value("verified", false) == true && user.role != "consultant" &&
          user.role != "admin") {
        http_fail(403, "only a consultant or an admin marks an answer verified on site", at + "/new/verified");
      }
      try {
        (void)parse_answer(*q, qi, value, "request", at + "/new");
      } catch (const Error& e) {
        http_fail(400, e.message(), e.pointer());
      }
    }
  }
  const Json& evs = batch.contains("evidence") ? batch["evidence"] : empty;
  for (std::size_t i = 0; i < evs.size(); ++i) {
    const std::string at = "/evidence/" + std::to_string(i);
    const Json& e = evs[i];
    if (!e.is_object()) http_fail(400, "an evidence record must be an object", at);
    if (!global_id_ok(e.value("assessment", Json()))) {
      http_fail(400, "\"assessment\" must be a global id (letters, digits, dots)", at + "/assessment");
    }
    if (user.role == "enterprise") own(uscc_of(e["assessment"].get<std::string>()), at + "/assessment");
    sync_text(e, "module", 64, true, at);
    sync_text(e, "question", 128, true, at);
    sync_text(e, "name", 200, false, at);
    if (!e.contains("sha256") || !e["sha256"].is_string() || !hex64(e["sha256"].get<std::string>())) {
      http_fail(400, "\"sha256\" must be 64 lower-case hex digits", at + "/sha256");
    }
    if (!e.contains("size") || !e["size"].is_number_integer() || e["size"].get<std::int64_t>() < 1 ||
        e["size"].get<std::int64_t>() > static_cast<std::int64_t>(config_.max_evidence)) {
      http_fail(400, "\"size\" must be 1 to " + std::to_string(config_.max_evidence) + " bytes", at + "/size");
    }
    const auto& types = evidence_types();
    if (!e.contains("mime") || !e["mime"].is_string() ||
        std::find(types.begin(), types.end(), e["mime"].get<std::string>()) == types.end()) {
      http_fail(400, "\"mime\" must be an evidence type (JPEG, PNG, WebP, PDF, docx, xlsx, pptx)", at + "/mime");
    }
  }
}

HttpResponse App::on_sync_push(Context& c) {
  const Json batch = parse_body(c.request);
  check_sync_batch(c, batch);
  Json applied;
  try {
    applied = store_.sync_apply(batch, false, now_text(c.now));
  } catch (const Error& e) {
    http_fail(e.kind() == ErrorKind::kNotFound ? 404 : 400, e.message(), e.pointer());
  }
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    for (const auto& id : applied["assessment_ids"]) cache_.erase(id.get<std::int64_t>());
  }
  applied.erase("assessment_ids");
  // A submission that arrived by sync feeds the bureau's records as a submit through the UI does.
  for (const auto& id : applied["submitted_ids"]) {
    if (const auto a = store_.assessment(id.get<std::int64_t>())) feed_bureau(*a, c.now);
  }
  applied.erase("submitted_ids");
  // The files the server lacks (by SHA-256): the laptop sends only these.
  std::set<std::string> missing;
  if (batch.contains("evidence")) {
    for (const auto& e : batch["evidence"]) {
      const std::string sha = e["sha256"].get<std::string>();
      std::error_code ec;
      const auto size = std::filesystem::file_size(evidence_dir() + "/" + sha, ec);
      if (ec || static_cast<std::int64_t>(size) != e["size"].get<std::int64_t>()) missing.insert(sha);
    }
  }
  applied["missing"] = missing;
  if (applied["changes"].get<std::size_t>() + applied["assessments"].get<std::size_t>() +
          applied["enterprises"].get<std::size_t>() + applied["evidence"].get<std::size_t>() >
      0) {
    log(c, "sync_push", "user " + std::to_string(c.user().id), applied);
  }
  return json_response(200, applied);
}

HttpResponse App::on_sync_pull(Context& c) {
  const User& user = c.user();
  const Json body = parse_body(c.request);
  if (!body.is_object()) http_fail(400, "the body must be a JSON object");
  Store::SyncCursor since;
  try {
    since = Store::cursor_from(body.contains("cursor") ? body["cursor"] : Json(), "/cursor");
  } catch (const Error& e) {
    http_fail(400, e.message(), e.pointer());
  }
  std::size_t limit = 200;
  if (body.contains("limit")) {
    if (!body["limit"].is_number_integer() || body["limit"].get<std::int64_t>() < 1 ||
        body["limit"].get<std::int64_t>() > static_cast<std::int64_t>(kMaxSyncBatch)) {
      http_fail(400, "\"limit\" must be 1 to " + std::to_string(kMaxSyncBatch), "/limit");
    }
    limit = body["limit"].get<std::size_t>();
  }
  std::optional<std::int64_t> only;
  if (user.role == "enterprise") only = user.enterprise_id.value_or(-1);  // -1: none
  Store::SyncCursor next;
  Json changes = store_.sync_changes(since, limit, only, true, &next);
  return json_response(200, {{"changes", changes}, {"next", Store::cursor_json(next)}});
}

// True when an evidence record names the file `sha` for an enterprise the user may reach (an
// enterprise user: only its own).
bool App::sync_file_allowed(const User& user, const std::string& sha) {
  for (const auto& [enterprise_id, type] : store_.evidence_owners(sha)) {
    (void)type;
    if (user.role != "enterprise" || (user.enterprise_id && *user.enterprise_id == enterprise_id)) return true;
  }
  return false;
}

HttpResponse App::on_sync_file_put(Context& c) {
  const User& user = c.user();
  const std::string& sha = c.parts[2];
  if (!hex64(sha)) http_fail(404, "no evidence " + clean_utf8(sha, 80));
  // Only a file an evidence record names (pushed first) of an enterprise the user may write.
  if (!sync_file_allowed(user, sha))
    http_fail(404, "no evidence record names the file " + sha + "; push its record first");
  if (c.request.body.empty()) http_fail(400, "the evidence file is empty");
  if (c.request.body.size() > config_.max_evidence) {
    http_fail(413, "an evidence file may have at most " + std::to_string(config_.max_evidence) + " bytes");
  }
  if (sha256_hex(c.request.body) != sha) http_fail(400, "the file's SHA-256 is not the one its path names");
  store_evidence_file(evidence_dir(), sha, c.request.body);
  return json_response(200, {{"stored", true}, {"size", c.request.body.size()}});
}

HttpResponse App::on_sync_file_get(Context& c) {
  const User& user = c.user();
  const std::string& sha = c.parts[2];
  if (!hex64(sha)) http_fail(404, "no evidence " + clean_utf8(sha, 80));
  const bool allowed = sync_file_allowed(user, sha);
  std::error_code ec;
  if (!allowed || !std::filesystem::is_regular_file(evidence_dir() + "/" + sha, ec)) {
    http_fail(404, "no evidence " + sha);
  }
  HttpResponse r;
  r.headers.emplace_back("Content-Type", "application/octet-stream");
  r.body = read_file(evidence_dir() + "/" + sha);
  return r;
}

HttpResponse App::on_sync_conflicts(Context& c) {
  const User& user = c.user();
  std::optional<std::int64_t> only;
  if (user.role == "enterprise") only = user.enterprise_id.value_or(-1);
  const std::string state = c.query.count("state") ? c.query["state"] : "open";
  if (state != "open" && state != "all") http_fail(400, "\"state\" is open or all");
  Json list = store_.sync_conflicts(state == "open", only, 500);
  // The question's title in each language, for the conflicts page.
  for (auto& item : list) {
    const Questionnaire* q = library_.find(item["module"].get<std::string>());
    const int qi = q ? q->question_index(item["question"].get<std::string>()) : -1;
    if (qi >= 0) item["title"] = texts_json(q->questions[static_cast<std::size_t>(qi)].title);
  }
  return json_response(200, list);
}

HttpResponse App::on_sync_resolve(Context& c) {
  const User& user = c.user();
  const std::int64_t id = to_id(c.parts[2], "conflict");
  const auto enterprise = store_.conflict_enterprise(id);
  if (!enterprise) http_fail(404, "no conflict " + c.parts[2]);
  can_write(c, *enterprise);
  const Json body = parse_body(c.request);
  if (!body.is_object()) http_fail(400, "the body must be a JSON object");
  const std::string keep = text_field(body, "keep", true, 20);
  if (keep != "server" && keep != "incoming") http_fail(400, "\"keep\" is \"server\" or \"incoming\"", "/keep");
  std::int64_t assessment = 0;
  try {
    assessment = store_.resolve_conflict(id, keep, user.id, user.role, user.name, now_text(c.now));
  } catch (const Error& e) {
    http_fail(409, e.message());
  }
  forget(assessment);
  log(c, "sync_conflict_resolved", "assessment " + std::to_string(assessment), {{"conflict", id}, {"keep", keep}});
  return json_response(200, {{"resolved", true}, {"assessment_id", assessment}});
}

HttpResponse App::on_sync_run(Context& c) {
  const Json body = parse_body(c.request);
  if (!body.is_object()) http_fail(400, "the body must be a JSON object");
  SyncOptions options;
  options.server = text_field(body, "server", true, 300);
  options.token = text_field(body, "token", true, 200);
  options.evidence_dir = evidence_dir();
  SyncReport report;
  try {
    report = sync_with_server(store_, options);
  } catch (const Error& e) {
    http_fail(502, e.message(), e.pointer());
  }
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    cache_.clear();
  }
  log(c, "sync_run", clean_utf8(options.server, 300), report.json());
  return json_response(200, report.json());
}

}  // namespace assess
