#include "api.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "assess/dashboard.h"
#include "assess/explain.h"
#include "assess/import.h"
#include "assess/rank.h"
#include "assess/gap.h"
#include "assess/profile.h"
#include "assess/rewards.h"
#include "assess/text.h"

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
};

[[noreturn]] void http_fail(int status, const std::string& message, const std::string& pointer = "") {
  throw HttpError{status, message, pointer};
}

void security_headers(HttpResponse& r) {
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                         "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  r.headers.emplace_back("Cache-Control", "no-store");
}

HttpResponse json_response(int status, const Json& body) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
  // Invalid UTF-8 (from a hostile path or file name) is replaced, never thrown.
  r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return r;
}

HttpResponse error_response(int status, const std::string& message, const std::string& pointer = "") {
  Json e = {{"status", status}, {"message", message}};
  if (!pointer.empty()) e["pointer"] = pointer;
  return json_response(status, {{"error", e}});
}

std::string now_text(std::int64_t now) {
  const std::time_t t = static_cast<std::time_t>(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
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

Json parse_body(const HttpRequest& r) {
  if (r.body.empty()) http_fail(400, "the request needs a JSON body");
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
  return j;
}

Json enterprise_json(const EnterpriseRow& e) {
  return {{"id", e.id}, {"name", e.name}, {"uscc", e.uscc}, {"region", e.region}, {"industry", e.industry},
          {"created_at", e.created_at}};
}

Json assessment_json(const AssessmentRow& a) {
  Json j = {{"id", a.id},         {"enterprise_id", a.enterprise_id}, {"modules", a.modules},
            {"status", a.status}, {"date", a.date},                   {"assessor", a.assessor},
            {"created_at", a.created_at}, {"updated_at", a.updated_at}};
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

}  // namespace

struct App::Context {
  const HttpRequest& request;
  std::int64_t now;
  std::string path;
  std::map<std::string, std::string> query;
  std::optional<Session> session;
  std::vector<std::pair<std::string, std::string>> extra_headers;

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
  renderer_ = std::make_unique<ReportRenderer>(config_.templates_dir);
  const std::string regions = config_.questionnaires_dir + "/profile/regions.json";
  if (std::filesystem::exists(regions)) regions_ = std::make_unique<CodeList>(load_code_list_file(regions));
  const std::string industries = config_.questionnaires_dir + "/profile/industries.json";
  if (std::filesystem::exists(industries)) industries_ = std::make_unique<CodeList>(load_code_list_file(industries));
  std::filesystem::create_directories(config_.data_dir + "/evidence");
}

HttpResponse App::handle(const HttpRequest& request, std::int64_t now) {
  HttpResponse response;
  try {
    if (request.target.empty() || request.target[0] != '/') http_fail(400, "the request target must start with \"/\"");
    const auto q = request.target.find('?');
    Context c{request, now, clean_utf8(url_decode(request.target.substr(0, q)), 2048),
              q == std::string::npos ? std::map<std::string, std::string>{} : parse_query(request.target.substr(q + 1)),
              std::nullopt,
              {}};
    if (request.body.size() > config_.max_body) {
      http_fail(413, "the request body is " + std::to_string(request.body.size()) + " bytes; the limit is " +
                         std::to_string(config_.max_body));
    }
    const std::string token = cookie(request, "assess_session");
    if (!token.empty()) c.session = store_.find_session(token, now);
    response = route(c);
    for (auto& h : c.extra_headers) response.headers.push_back(std::move(h));
  } catch (const HttpError& e) {
    response = error_response(e.status, e.message, e.pointer);
  } catch (const Error& e) {
    response = error_response(e.kind() == ErrorKind::kNotFound ? 404 : e.kind() == ErrorKind::kLimit ? 413 : 400,
                              e.message(), e.pointer());
  } catch (const std::exception& e) {
    response = error_response(500, std::string("internal error: ") + e.what());
  }
  security_headers(response);
  return response;
}

HttpResponse App::route(Context& c) {
  const std::string& path = c.path;
  if (path.find("..") != std::string::npos || path.find('\0') != std::string::npos || path.find('\\') != std::string::npos) {
    http_fail(400, "the path must not contain \"..\"");
  }
  if (path.rfind("/api/", 0) == 0) {
    std::vector<std::string> parts;
    std::stringstream ss(path.substr(5));
    std::string part;
    while (std::getline(ss, part, '/')) {
      if (!part.empty()) parts.push_back(part);
    }
    // CSRF: every state change carries the session's token in a header a foreign page cannot set.
    if (c.writes() && c.session && !(parts.size() == 1 && parts[0] == "login")) {
      auto it = c.request.headers.find("x-csrf-token");
      if (it == c.request.headers.end() || it->second != c.session->csrf) http_fail(403, "missing or wrong CSRF token");
    }
    return api(c, parts);
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

void App::remember_answer(std::int64_t id, const std::string& module, const std::string& question, const Json& answer) {
  auto it = documents_.find(id);
  if (it == documents_.end()) return;
  Json& answers = it->second["modules"][module]["answers"];
  if (answer.is_null()) {
    answers.erase(question);
  } else {
    answers[question] = answer;
  }
}

const Json& App::assessment_document(const AssessmentRow& a) {
  // The whole-assessment document the scoring library reads, from the stored answers.
  if (auto it = documents_.find(a.id); it != documents_.end()) return it->second;
  if (documents_.size() > 2000) documents_.clear();  // bounded: a bureau server may open thousands
  const auto e = store_.enterprise(a.enterprise_id);
  Json doc = {{"assessment", {{"id", std::to_string(a.id)}, {"date", a.date}, {"assessor", a.assessor},
                              {"enterprise", e ? e->name : ""}}},
              {"modules", Json::object()},
              {"projects", store_.projects(a.id)}};
  const Json answers = store_.answers(a.id);
  for (const auto& m : a.modules) {
    doc["modules"][m] = {{"answers", answers.contains(m) ? answers[m] : Json::object()}};
  }
  return documents_.emplace(a.id, std::move(doc)).first->second;
}

Json App::live_summary(const AssessmentResult& result) {
  Json out = Json::object();
  for (const auto& id : result.order) {
    const ModuleResult& m = result.modules.at(id);
    const Questionnaire& q = *m.questionnaire;
    const int level = m.result.levels.level;
    out[id] = {{"total", m.result.sections[0].score},
               {"max", m.result.sections[0].max},
               {"level", level < 0 ? Json() : Json(q.levels[static_cast<std::size_t>(level)].id)},
               {"level_name", level < 0 ? q.below_levels.zh : q.levels[static_cast<std::size_t>(level)].name.zh},
               {"level_name_en", level < 0 ? q.below_levels.in("en") : q.levels[static_cast<std::size_t>(level)].name.in("en")},
               {"has_levels", !q.levels.empty()},
               {"missing_required", m.result.missing_required.size()}};
  }
  return out;
}

HttpResponse App::api(Context& c, const std::vector<std::string>& p) {
  const std::string method = c.request.method == "HEAD" ? std::string("GET") : c.request.method;
  auto is = [&](std::initializer_list<const char*> shape, const char* m) {
    if (method != m || shape.size() != p.size()) return false;
    std::size_t i = 0;
    for (const char* s : shape) {
      if (std::string(s) != "*" && p[i] != s) return false;
      ++i;
    }
    return true;
  };
  auto require_role = [&](std::initializer_list<const char*> roles) {
    const User& u = c.user();
    for (const char* r : roles) {
      if (u.role == r) return;
    }
    http_fail(403, "the " + u.role + " role may not do this");
  };
  // Enterprise users see only their own enterprise; bureau users only read.
  auto can_see = [&](std::int64_t enterprise_id) {
    const User& u = c.user();
    if (u.role == "enterprise" && (!u.enterprise_id || *u.enterprise_id != enterprise_id)) {
      http_fail(403, "this enterprise is not yours");
    }
  };
  auto can_write = [&](std::int64_t enterprise_id) {
    can_see(enterprise_id);
    if (c.user().role == "bureau") http_fail(403, "the bureau role reads and ranks; it does not change assessments");
  };
  auto load_assessment = [&](const std::string& id) {
    auto a = store_.assessment(to_id(id, "assessment"));
    if (!a) http_fail(404, "no assessment " + id);
    can_see(a->enterprise_id);
    return *a;
  };

  if (is({"login"}, "POST")) {
    const Json body = parse_body(c.request);
    const std::string name = text_field(body, "name", true, 100);
    const std::string password = text_field(body, "password", true, 1000);
    auto user = store_.check_password(name, password);  // hashes even for unknown names (no timing hint)
    if (!user) http_fail(401, "wrong name or password");
    Session s = store_.create_session(*user, c.now, config_.session_seconds);
    c.extra_headers.emplace_back("Set-Cookie", "assess_session=" + s.token + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                                                   std::to_string(config_.session_seconds));
    return json_response(200, {{"user", user_json(s.user)}, {"csrf", s.csrf}});
  }
  if (is({"logout"}, "POST")) {
    if (c.session) store_.delete_session(c.session->token);
    c.extra_headers.emplace_back("Set-Cookie", "assess_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    return json_response(200, {{"ok", true}});
  }
  if (is({"invites", "*", "accept"}, "POST")) {
    // Anyone holding the link may create the enterprise's account once, before it expires.
    const Json body = parse_body(c.request);
    const std::string password = text_field(body, "password", true, 1000);
    if (password.size() < 8) http_fail(400, "a password needs at least 8 characters", "/password");
    User u = store_.accept_invite(p[1], text_field(body, "name", true, 100), password, c.now);
    Session s = store_.create_session(u, c.now, config_.session_seconds);
    c.extra_headers.emplace_back("Set-Cookie", "assess_session=" + s.token + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                                                   std::to_string(config_.session_seconds));
    return json_response(201, {{"user", user_json(u)}, {"csrf", s.csrf}});
  }
  if (is({"uscc"}, "GET")) {
    UsccCheck check = check_uscc(c.query["code"]);
    Json out = {{"valid", check.valid}, {"normalized", check.normalized}, {"error", check.error}, {"error_zh", check.error_zh},
                {"warnings", check.warnings}};
    if (check.expected_check) out["expected_check"] = std::string(1, check.expected_check);
    return json_response(200, out);
  }
  const User& user = c.user();  // everything below needs a session
  if (is({"me"}, "GET")) return json_response(200, {{"user", user_json(user)}, {"csrf", c.session->csrf}});
  if (is({"questionnaires"}, "GET")) {
    Json list = Json::array();
    for (const auto& id : library_.ids()) {
      const Questionnaire& q = *library_.find(id);
      list.push_back({{"id", q.id}, {"version", q.version}, {"title", q.title.zh}, {"title_en", q.title.in("en")},
                      {"questions", q.questions.size()}, {"levels", q.levels.size()}});
    }
    return json_response(200, list);
  }
  if (is({"questionnaires", "*"}, "GET")) {
    const Questionnaire* q = library_.find(p[1]);
    if (!q) http_fail(404, "no questionnaire \"" + p[1] + "\"");
    return json_response(200, read_json_file(q->file));
  }
  if (is({"enterprises"}, "GET")) {
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
  if (is({"enterprises"}, "POST")) {
    require_role({"admin", "consultant"});
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
    if (!e.region.empty() && regions_ && !regions_->find(e.region)) http_fail(400, "unknown region code \"" + e.region + "\"", "/region");
    e.industry = text_field(body, "industry", false, 10);
    if (!e.industry.empty() && industries_ && !industries_->find(e.industry)) {
      http_fail(400, "unknown industry code \"" + e.industry + "\" (GB/T 4754-2017 section C)", "/industry");
    }
    e.created_at = now_text(c.now);
    if (!e.uscc.empty() && store_.enterprise_by_uscc(e.uscc)) {
      http_fail(409, "an enterprise with unified social credit code " + e.uscc + " exists already", "/uscc");
    }
    return json_response(201, enterprise_json(store_.add_enterprise(e)));
  }
  if (is({"enterprises", "*"}, "GET")) {
    const std::int64_t id = to_id(p[1], "enterprise");
    can_see(id);
    auto e = store_.enterprise(id);
    if (!e) http_fail(404, "no enterprise " + p[1]);
    Json out = enterprise_json(*e);
    out["assessments"] = Json::array();
    for (const auto& a : store_.assessments_of(id)) out["assessments"].push_back(assessment_json(a));
    return json_response(200, out);
  }
  if (is({"enterprises", "*", "assessments"}, "POST")) {
    const std::int64_t id = to_id(p[1], "enterprise");
    can_write(id);
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
      if (!previous || previous->enterprise_id != id) http_fail(400, "\"copy_from\" names no assessment of this enterprise", "/copy_from");
      copy_from = previous->id;
      a.previous_id = previous->id;
    }
    AssessmentRow created = store_.add_assessment(a);
    if (copy_from) store_.copy_answers(*copy_from, created.id, now_text(c.now));
    return json_response(201, assessment_json(created));
  }
  if (is({"enterprises", "*", "invites"}, "POST")) {
    require_role({"admin", "consultant"});
    const std::int64_t id = to_id(p[1], "enterprise");
    if (!store_.enterprise(id)) http_fail(404, "no enterprise " + p[1]);
    const std::int64_t days = c.query.count("days") ? std::clamp<std::int64_t>(std::atoll(c.query["days"].c_str()), 1, 90) : 14;
    const std::int64_t expires = c.now + days * 86400;
    const std::string token = store_.create_invite(id, user.id, expires);
    return json_response(201, {{"token", token}, {"expires_at", now_text(expires)}, {"path", "/#/invite/" + token}});
  }
  if (is({"assessments", "*"}, "GET")) {
    AssessmentRow a = load_assessment(p[1]);
    Json out = assessment_json(a);
    out["answers"] = store_.answers(a.id);
    out["projects"] = store_.projects(a.id);
    Json ev = Json::array();
    for (const auto& e : store_.evidence(a.id)) {
      ev.push_back({{"id", e.id}, {"module", e.module}, {"question", e.question}, {"sha256", e.sha256}, {"size", e.size},
                    {"mime", e.mime}, {"name", e.name}});
    }
    out["evidence"] = ev;
    return json_response(200, out);
  }
  if ((is({"assessments", "*", "answers", "*", "*"}, "PUT") || is({"assessments", "*", "answers", "*", "*"}, "DELETE"))) {
    AssessmentRow a = load_assessment(p[1]);
    can_write(a.enterprise_id);
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
      // Evidence files are attached by their own route; a changed value keeps them.
      const Json& stored = assessment_document(a)["modules"][module]["answers"];
      auto previous = stored.find(question);
      if (previous != stored.end() && previous->is_object() && previous->contains("evidence") &&
          !(answer.is_object() && answer.contains("evidence"))) {
        if (!answer.is_object()) answer = Json{{"value", answer}};
        answer["evidence"] = (*previous)["evidence"];
      }
      // "Verified on site" is the assessor's word: only consultants and admins may set it.
      if (answer.is_object() && answer.value("verified", false) && user.role != "consultant" && user.role != "admin") {
        http_fail(403, "only a consultant or an admin marks an answer verified on site", "/verified");
      }
      // Validates exactly as the scoring library will read it; the error names question and pointer.
      (void)parse_answer(q, qi, answer, "request", "");
    }
    const Json old = store_.save_answer(a.id, module, question, answer, user.id, now_text(c.now));
    remember_answer(a.id, module, question, answer);
    AssessmentRow updated = *store_.assessment(a.id);
    AssessmentResult result = score_assessment(library_, crosswalk_, assessment_document(updated), "assessment");
    return json_response(200, {{"saved", true}, {"updated_at", updated.updated_at}, {"old", old},
                               {"live", live_summary(result)}});
  }
  if (is({"assessments", "*", "projects"}, "PUT")) {
    AssessmentRow a = load_assessment(p[1]);
    can_write(a.enterprise_id);
    const Json body = parse_body(c.request);
    if (!body.is_array() || body.size() > 100) http_fail(400, "projects must be an array of at most 100 projects");
    for (std::size_t i = 0; i < body.size(); ++i) {
      if (!body[i].is_object() || !body[i].contains("kind") || !body[i]["kind"].is_string()) {
        http_fail(400, "a project needs a \"kind\"", "/" + std::to_string(i));
      }
    }
    if (a.status != "open") http_fail(409, "the assessment is submitted; reopen it to change projects");
    store_.set_projects(a.id, body, now_text(c.now));
    documents_.erase(a.id);
    return json_response(200, {{"saved", true}});
  }
  if (is({"assessments", "*", "submit"}, "POST") || is({"assessments", "*", "reopen"}, "POST")) {
    AssessmentRow a = load_assessment(p[1]);
    can_write(a.enterprise_id);
    store_.set_status(a.id, p[2] == "submit" ? "submitted" : "open", now_text(c.now));
    return json_response(200, assessment_json(*store_.assessment(a.id)));
  }
  if (is({"assessments", "*", "score"}, "GET")) {
    AssessmentRow a = load_assessment(p[1]);
    const std::string lang = c.query["lang"] == "en" ? "en" : "zh-CN";
    AssessmentResult result = score_assessment(library_, crosswalk_, assessment_document(a), "assessment");
    Json out = {{"live", live_summary(result)}, {"modules", Json::object()}, {"errors", Json::array()}};
    for (const auto& e : result.errors) out["errors"].push_back({{"message", e.message()}, {"pointer", e.pointer()}});
    for (const auto& id : result.order) {
      const ModuleResult& m = result.modules.at(id);
      Json doc = explain_score(*m.questionnaire, m.answers, m.result, lang);
      const int next = m.result.levels.level + 1;
      if (next < static_cast<int>(m.questionnaire->levels.size())) {
        GapOptions options;
        options.max_nodes = 50'000;  // interactive: the plan arrives fast, marked when not proven
        doc["gaps"] = Json::array({explain_gap(*m.questionnaire, m.answers, find_gap(*m.questionnaire, m.answers, next, options), lang)});
      }
      Json filled = Json::array();
      for (const auto& f : m.filled) filled.push_back({{"link", f.link}, {"question", f.question}, {"value", f.value}});
      Json conflicts = Json::array();
      for (const auto& cf : m.conflicts) {
        conflicts.push_back({{"link", cf.link}, {"question", cf.question}, {"given", cf.given}, {"from_link", cf.from_link},
                             {"reason", cf.reason}});
      }
      doc["crosswalk"] = {{"filled", filled}, {"conflicts", conflicts}};
      out["modules"][id] = doc;
    }
    Json facts = enterprise_facts(result);
    if (facts.contains("region") && !catalogue_.documents.empty()) {
      out["rewards"] = rewards_to_json(evaluate_rewards(catalogue_, facts, result.projects, a.date), lang);
      // What each module's next level is worth.
      for (const auto& id : result.order) {
        const Questionnaire& q = *result.modules.at(id).questionnaire;
        const int next = result.modules.at(id).result.levels.level + 1;
        if (next >= static_cast<int>(q.levels.size())) continue;
        RewardsResult unlocked;
        const std::string level = q.levels[static_cast<std::size_t>(next)].id;
        for (auto& o : rewards_unlocked(catalogue_, facts, result.projects, a.date, id, level)) unlocked.outcomes.push_back(o);
        out["modules"][id]["next_level_unlocks"] = {{"level", level}, {"rewards", rewards_to_json(unlocked, lang)["outcomes"]}};
      }
    }
    return json_response(200, out);
  }
  if (is({"assessments", "*", "report"}, "GET")) {
    AssessmentRow a = load_assessment(p[1]);
    AssessmentResult result = score_assessment(library_, crosswalk_, assessment_document(a), "assessment");
    std::optional<AssessmentResult> previous;
    if (a.previous_id) {
      if (auto pa = store_.assessment(*a.previous_id)) {
        previous = score_assessment(library_, crosswalk_, assessment_document(*pa), "previous");
      }
    }
    Json facts = enterprise_facts(result);
    std::optional<RewardsResult> rewards;
    if (facts.contains("region") && !catalogue_.documents.empty()) {
      rewards = evaluate_rewards(catalogue_, facts, result.projects, a.date);
    }
    ReportOptions options;
    options.lang = c.query["lang"] == "en" ? "en" : "zh-CN";
    options.generated_at = now_text(c.now).substr(0, 16);
    options.previous = previous ? &*previous : nullptr;
    options.regions = regions_.get();
    options.max_gap_nodes = 50'000;
    const std::vector<Candidate> peers = candidates_from_json(store_.bureau_candidates(), "bureau records");
    if (!peers.empty()) options.peers = &peers;
    HttpResponse r;
    r.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
    if (c.query["download"] == "1") {
      r.headers.emplace_back("Content-Disposition", "attachment; filename=\"assessment-" + std::to_string(a.id) + ".html\"");
    }
    r.body = renderer_->render(report_view(result, rewards ? &*rewards : nullptr, &catalogue_, options));
    return r;
  }
  if (is({"assessments", "*", "audit"}, "GET")) {
    AssessmentRow a = load_assessment(p[1]);
    return json_response(200, store_.audit(a.id, 500));
  }
  if (is({"assessments", "*", "evidence", "*", "*"}, "POST")) {
    AssessmentRow a = load_assessment(p[1]);
    can_write(a.enterprise_id);
    if (a.status != "open") http_fail(409, "the assessment is submitted; reopen it to add evidence");
    const std::string& module = p[3];
    const std::string& question = p[4];
    if (std::find(a.modules.begin(), a.modules.end(), module) == a.modules.end()) http_fail(404, "no module \"" + module + "\"");
    const Questionnaire& q = *library_.find(module);
    if (q.question_index(question) < 0) http_fail(404, "no question \"" + question + "\"");
    if (c.request.body.empty()) http_fail(400, "the evidence file is empty");
    if (c.request.body.size() > config_.max_evidence) {
      http_fail(413, "an evidence file may have at most " + std::to_string(config_.max_evidence) + " bytes");
    }
    auto ct = c.request.headers.find("content-type");
    const std::string mime = ct == c.request.headers.end() ? "" : ct->second.substr(0, ct->second.find(';'));
    static const std::vector<std::string> kAllowed = {"image/jpeg", "image/png", "image/webp", "application/pdf"};
    if (std::find(kAllowed.begin(), kAllowed.end(), mime) == kAllowed.end()) {
      http_fail(415, "evidence must be a JPEG, PNG or WebP photo or a PDF, not \"" + mime + "\"");
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
    const std::string file = config_.data_dir + "/evidence/" + e.sha256;
    if (!std::filesystem::exists(file)) {
      // Write then rename, so a crash never leaves a half file under the final name.
      const std::string tmp = file + ".tmp";
      {
        std::ofstream out(tmp, std::ios::binary);
        out.write(c.request.body.data(), static_cast<std::streamsize>(c.request.body.size()));
        if (!out) http_fail(500, "cannot store the evidence file");
      }
      std::filesystem::rename(tmp, file);
    }
    EvidenceRow stored = store_.add_evidence(e);
    // Record it on the answer, so the grade reads "evidence attached".
    Json answers = store_.answers(a.id);
    Json answer = answers.contains(module) && answers[module].contains(question) ? answers[module][question] : Json();
    if (!answer.is_object()) answer = answer.is_null() ? Json::object() : Json{{"value", answer}};
    Json ref = {{"file", "sha256:" + e.sha256}, {"name", e.name}};
    if (!slot.empty()) ref["slot"] = slot;
    answer["evidence"].push_back(ref);
    store_.save_answer(a.id, module, question, answer, user.id, now_text(c.now));
    remember_answer(a.id, module, question, answer);
    return json_response(201, {{"id", stored.id}, {"sha256", e.sha256}, {"size", e.size}, {"mime", e.mime}, {"name", e.name}});
  }
  if (is({"evidence", "*"}, "GET")) {
    const std::string sha = p[1];
    if (sha.size() != 64 || !std::all_of(sha.begin(), sha.end(), [](char ch) { return std::isxdigit(static_cast<unsigned char>(ch)); })) {
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
    r.body = read_file(config_.data_dir + "/evidence/" + sha);
    return r;
  }
  // Bureau workspace: bulk import (the CSV or JSON file as the body), ranking and the dashboard
  // over the imported records.
  if (is({"bureau", "import"}, "POST")) {
    require_role({"admin", "bureau"});
    const std::string name = clean_utf8(c.query.count("name") ? c.query["name"] : "upload.csv", 200);
    ImportResult imported = import_table(c.request.body, name, library_);
    Json issues = Json::array();
    for (const auto& i : imported.issues) issues.push_back({{"row", i.row}, {"column", i.column}, {"reason", i.reason}});
    if (!imported.issues.empty() && c.query["on_error"] == "abort") {
      return json_response(400, {{"error", {{"status", 400}, {"message", "problems in the file; nothing imported"}}}, {"issues", issues}});
    }
    std::vector<Store::BureauRecord> records;
    for (const auto& cand : imported.candidates) records.push_back({cand.id, cand.name, cand.facts.value("region", std::string()), cand.facts});
    const auto counts = store_.save_bureau_records(records, c.query["round"] == "new", name, now_text(c.now));
    return json_response(200, {{"rows", imported.rows}, {"imported", records.size()}, {"encoding", imported.encoding},
                               {"added", counts.added}, {"updated", counts.updated}, {"new_rounds", counts.new_rounds},
                               {"issues", issues}});
  }
  if (is({"bureau", "criteria"}, "GET")) {
    require_role({"admin", "bureau", "consultant"});
    Json list = Json::array();
    for (const auto& cr : load_criteria_dir(config_.policies_dir + "/criteria")) {
      list.push_back({{"id", cr.id}, {"title", cr.title.zh}, {"title_en", cr.title.in("en")}});
    }
    return json_response(200, list);
  }
  if (is({"bureau", "rank"}, "GET")) {
    require_role({"admin", "bureau", "consultant"});
    const std::string id = c.query["criteria"];
    const auto all = load_criteria_dir(config_.policies_dir + "/criteria");
    auto it = std::find_if(all.begin(), all.end(), [&](const Criteria& cr) { return cr.id == id; });
    if (it == all.end()) http_fail(404, "no ranking criteria \"" + clean_utf8(id, 100) + "\"");
    RankOptions options;
    options.region = c.query["region"];
    options.industry = c.query["industry"];
    if (c.query.count("top")) options.top = static_cast<std::size_t>(std::clamp(std::atoi(c.query["top"].c_str()), 1, 10000));
    const auto candidates = candidates_from_json(store_.bureau_candidates(), "bureau records");
    const std::size_t limit = c.query.count("limit") ? static_cast<std::size_t>(std::clamp(std::atoi(c.query["limit"].c_str()), 1, 100000)) : 200;
    return json_response(200, rank_to_json(rank(*it, candidates, options), c.query["lang"] == "en" ? "en" : "zh-CN", limit));
  }
  if (is({"bureau", "dashboard"}, "GET")) {
    require_role({"admin", "bureau", "consultant"});
    const std::string region = c.query["region"];
    if (region.empty()) http_fail(400, "give ?region= a GB/T 2260 code or prefix");
    const auto candidates = candidates_from_json(store_.bureau_candidates(), "bureau records");
    return json_response(200, dashboard_to_json(dashboard(candidates, dashboard_targets(catalogue_), region),
                                                c.query["lang"] == "en" ? "en" : "zh-CN"));
  }
  if (is({"users"}, "GET")) {
    require_role({"admin"});
    Json list = Json::array();
    for (const auto& u : store_.users()) list.push_back(user_json(u));
    return json_response(200, list);
  }
  if (is({"users"}, "POST")) {
    require_role({"admin"});
    const Json body = parse_body(c.request);
    const std::string role = text_field(body, "role", true, 20);
    std::optional<std::int64_t> enterprise_id;
    if (body.contains("enterprise_id") && body["enterprise_id"].is_number_integer()) enterprise_id = body["enterprise_id"].get<std::int64_t>();
    if (role == "enterprise" && !enterprise_id) http_fail(400, "an enterprise user needs \"enterprise_id\"", "/enterprise_id");
    if (enterprise_id && !store_.enterprise(*enterprise_id)) {
      http_fail(400, "no enterprise " + std::to_string(*enterprise_id), "/enterprise_id");
    }
    const std::string password = text_field(body, "password", true, 1000);
    if (password.size() < 8) http_fail(400, "a password needs at least 8 characters", "/password");
    return json_response(201, user_json(store_.add_user(text_field(body, "name", true, 100), password, role, enterprise_id)));
  }
  http_fail(404, "no API route " + method + " /api/" + [&] {
    std::string s;
    for (const auto& x : p) s += (s.empty() ? "" : "/") + x;
    return s;
  }());
}

}  // namespace assess
