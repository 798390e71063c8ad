// sync.cpp — the laptop side of sync (sync.h): a small HTTP/1.1 client over POSIX sockets and the
// push-then-pull loop with cursors saved after each finished batch.
#include "sync.h"

#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "scoring/error.h"

namespace assess {

namespace {

struct Url {
  std::string host;
  std::string port = "80";
  std::string base;  // path prefix without the trailing slash
};

Url parse_url(const std::string& server) {
  const std::string scheme = "http://";
  if (server.rfind(scheme, 0) != 0) {
    throw Error("sync", "/server",
                "the server URL must start with http:// (this client has no TLS; reach an https server through a "
                "tunnel to this computer)");
  }
  Url u;
  std::string rest = server.substr(scheme.size());
  const auto slash = rest.find('/');
  if (slash != std::string::npos) {
    u.base = rest.substr(slash);
    rest = rest.substr(0, slash);
    while (!u.base.empty() && u.base.back() == '/') u.base.pop_back();
  }
  if (!rest.empty() && rest[0] == '[') {
    const auto close = rest.find(']');
    if (close == std::string::npos) throw Error("sync", "/server", "the server URL has a bad IPv6 address");
    u.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') u.port = rest.substr(close + 2);
  } else {
    const auto colon = rest.find(':');
    u.host = rest.substr(0, colon);
    if (colon != std::string::npos) u.port = rest.substr(colon + 1);
  }
  if (u.host.empty() || u.port.empty() || u.port.size() > 5 ||
      u.port.find_first_not_of("0123456789") != std::string::npos) {
    throw Error("sync", "/server", "the server URL needs a host and, if given, a numeric port: " + server);
  }
  return u;
}

bool loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

struct Response {
  int status = 0;
  std::string body;
};

// One request on its own connection (Connection: close), the response read to its end.
Response http(const Url& url, const std::string& method, const std::string& target, const std::string& token,
              const std::string& content_type, const std::string& body) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(url.host.c_str(), url.port.c_str(), &hints, &found) != 0 || !found) {
    throw Error("sync", "/server", "cannot find the server " + url.host);
  }
  int fd = -1;
  std::string why = "no address";
  for (addrinfo* a = found; a; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    timeval timeout{120, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    why = std::strerror(errno);
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(found);
  if (fd < 0) throw Error("sync", "/server", "cannot reach the server " + url.host + ":" + url.port + ": " + why);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  const std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  std::string request = method + " " + url.base + target + " HTTP/1.1\r\nHost: " + host + ":" + url.port +
                        "\r\nAuthorization: Bearer " + token + "\r\nConnection: close\r\n";
  if (!content_type.empty()) request += "Content-Type: " + content_type + "\r\n";
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  request += body;
  for (std::size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error("sync", "/server", "the connection to the server broke while sending");
    sent += static_cast<std::size_t>(n);
  }
  std::string raw;
  char chunk[65536];
  for (;;) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error("sync", "/server", "no answer from the server: " + std::string(std::strerror(errno)));
    if (n == 0) break;
    raw.append(chunk, static_cast<std::size_t>(n));
  }
  const auto end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || end == std::string::npos) {
    throw Error("sync", "/server", "the server's answer is not HTTP");
  }
  Response r;
  r.status = std::atoi(raw.c_str() + raw.find(' ') + 1);
  std::string head = raw.substr(0, end);
  for (auto& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::string rest = raw.substr(end + 4);
  if (head.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
    // A proxy may chunk the body.
    std::string out;
    std::size_t pos = 0;
    for (;;) {
      const auto eol = rest.find("\r\n", pos);
      if (eol == std::string::npos) throw Error("sync", "/server", "the server's answer is cut off");
      const std::size_t size = std::strtoull(rest.c_str() + pos, nullptr, 16);
      if (size == 0) break;
      if (eol + 2 + size > rest.size()) throw Error("sync", "/server", "the server's answer is cut off");
      out += rest.substr(eol + 2, size);
      pos = eol + 2 + size + 2;
    }
    rest = std::move(out);
  } else if (const auto cl = head.find("\r\ncontent-length:"); cl != std::string::npos) {
    const std::size_t length = std::strtoull(head.c_str() + cl + 17, nullptr, 10);
    if (rest.size() < length) throw Error("sync", "/server", "the server's answer is cut off");
    rest.resize(length);
  }
  r.body = std::move(rest);
  return r;
}

// The server's error message of a refused request, with its place.
[[noreturn]] void refused(const std::string& what, const Response& r) {
  if (r.status == 401) throw Error("sync", "/token", "the server refused the machine token: it is unknown or revoked");
  std::string message = "HTTP " + std::to_string(r.status);
  std::string pointer;
  try {
    const Json j = Json::parse(r.body);
    if (j.contains("error")) {
      message = j["error"].value("message", message);
      pointer = j["error"].value("pointer", "");
    }
  } catch (const Json::exception&) {
  }
  throw Error("sync", pointer, what + " refused by the server (" + std::to_string(r.status) + "): " + message);
}

Json json_of(const std::string& what, const Response& r) {
  if (r.status != 200) refused(what, r);
  try {
    return Json::parse(r.body);
  } catch (const Json::exception&) {
    throw Error("sync", "", what + ": the server's answer is not JSON");
  }
}

std::string read_bytes(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  *ok = static_cast<bool>(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Stores a downloaded file under its SHA-256: a temporary file in the folder, flushed, renamed.
void write_evidence(const std::string& dir, const std::string& sha, const std::string& bytes) {
  std::filesystem::create_directories(dir);
  std::string tmp = dir + "/.sync-XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) throw Error("sync", "", "cannot write into the evidence folder " + dir);
  bool ok = true;
  for (std::size_t done = 0; ok && done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ok = false;
    if (n > 0) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(tmp.c_str(), (dir + "/" + sha).c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw Error("sync", "", "cannot store the evidence file " + sha + " in " + dir);
  }
}

bool empty_batch(const Json& b) {
  for (const char* key : {"enterprises", "assessments", "audit", "evidence"}) {
    if (b.contains(key) && !b[key].empty()) return false;
  }
  return true;
}

void add_counts(Json& total, const Json& counts) {
  for (const char* key : {"enterprises", "assessments", "changes", "evidence", "conflicts"}) {
    if (counts.contains(key)) total[key] = total.value(key, 0) + counts[key].get<std::int64_t>();
  }
}

std::string now_text() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

}  // namespace

Json SyncReport::json() const {
  return {{"pushed", pushed},
          {"pulled", pulled},
          {"batches", batches},
          {"files_sent", files_sent},
          {"bytes_sent", bytes_sent},
          {"files_received", files_received},
          {"bytes_received", bytes_received},
          {"conflicts_open", conflicts_open},
          {"interrupted", interrupted},
          {"warnings", warnings}};
}

SyncReport sync_with_server(Store& store, const SyncOptions& o) {
  const Url url = parse_url(o.server);
  if (!loopback(url.host) && !o.allow_remote) {
    throw Error("sync", "/server",
                "plain HTTP would send the machine token and the answers unencrypted to " + url.host +
                    "; use a tunnel to this computer (ssh -L) or allow it explicitly");
  }
  if (o.token.empty()) throw Error("sync", "/token", "no machine token");
  const std::size_t batch = std::clamp<std::size_t>(o.batch, 1, kMaxSyncBatch);
  // Cursors are kept per server (without a trailing slash, so one server is one set of cursors).
  std::string key = o.server;
  while (!key.empty() && key.back() == '/') key.pop_back();
  SyncReport report;
  auto stop_here = [&] {
    ++report.batches;
    if (o.stop_after > 0 && report.batches >= o.stop_after) {
      report.interrupted = true;
      return true;
    }
    return false;
  };

  // Push: this laptop's changes, oldest first; the files the server lacks after each batch.
  Store::SyncCursor cursor = store.sync_cursor(key, "push");
  for (;;) {
    Store::SyncCursor next;
    const Json changes = store.sync_changes(cursor, batch, std::nullopt, false, &next);
    if (empty_batch(changes)) break;
    const Json answer = json_of("push", http(url, "POST", "/api/sync/push", o.token, "application/json",
                                             changes.dump(-1, ' ', false, Json::error_handler_t::replace)));
    add_counts(report.pushed, answer);
    for (const auto& s : answer.value("missing", Json::array())) {
      const std::string sha = s.get<std::string>();
      bool ok = false;
      const std::string bytes = read_bytes(o.evidence_dir + "/" + sha, &ok);
      if (!ok || sha256_hex(bytes) != sha) {
        report.warnings.push_back("evidence file " + sha + " is missing or damaged on this computer; not sent");
        continue;
      }
      const Response r = http(url, "PUT", "/api/sync/files/" + sha, o.token, "application/octet-stream", bytes);
      if (r.status != 200) refused("evidence file " + sha, r);
      ++report.files_sent;
      report.bytes_sent += static_cast<std::int64_t>(bytes.size());
    }
    if (stop_here()) return report;
    store.set_sync_cursor(key, "push", next);
    cursor = next;
  }

  // Pull: what this user may see on the server, with the files this laptop lacks.
  cursor = store.sync_cursor(key, "pull");
  for (;;) {
    const Json request = {{"cursor", Store::cursor_json(cursor)}, {"limit", batch}};
    const Json answer =
        json_of("pull", http(url, "POST", "/api/sync/pull", o.token, "application/json", request.dump()));
    const Json& changes = answer.at("changes");
    const Store::SyncCursor next = Store::cursor_from(answer.at("next"), "/next");
    if (empty_batch(changes)) break;
    std::set<std::string> wanted;
    for (const auto& e : changes.value("evidence", Json::array())) {
      const std::string sha = e.at("sha256").get<std::string>();
      std::error_code ec;
      const auto size = std::filesystem::file_size(o.evidence_dir + "/" + sha, ec);
      if (ec || static_cast<std::int64_t>(size) != e.at("size").get<std::int64_t>()) wanted.insert(sha);
    }
    for (const auto& sha : wanted) {
      const Response r = http(url, "GET", "/api/sync/files/" + sha, o.token, "", "");
      if (r.status != 200) refused("evidence file " + sha, r);
      if (sha256_hex(r.body) != sha) throw Error("sync", "", "the evidence file " + sha + " arrived damaged");
      write_evidence(o.evidence_dir, sha, r.body);
      ++report.files_received;
      report.bytes_received += static_cast<std::int64_t>(r.body.size());
    }
    const Json applied = store.sync_apply(changes, true, now_text());
    add_counts(report.pulled, applied);
    if (stop_here()) return report;
    store.set_sync_cursor(key, "pull", next);
    cursor = next;
  }

  const Json open = json_of("conflicts", http(url, "GET", "/api/sync/conflicts?state=open", o.token, "", ""));
  report.conflicts_open = static_cast<std::int64_t>(open.size());
  return report;
}

}  // namespace assess
