// serve_bench — answer saves per second through `assess serve`, with the latency each client sees.
//
// Starts `assess serve --port 0` on a temporary data folder (or uses a running server given by
// --url and --password), logs in as admin, creates an enterprise and an assessment, then runs
// --clients threads, each on its own keep-alive HTTP/1.1 connection, saving number answers one
// after another (PUT /api/assessments/{id}/answers/{module}/{question}) for --seconds. Prints
// saves/s and p50/p99/max latency. Not a test: it asserts nothing about time, it reports.
//
// Then it runs the same load a second time while --idle silent connections are open (default 300)
// and --guessers clients (default 16) post wrong passwords to /api/login as fast as they are
// answered, and reports both runs plus how the guesses were answered (401 checked, 429 throttled).
// A third run has one client polling GET score and another GET report of the assessment being
// written (reads must not wait behind the saves, nor the saves behind them), with their latencies.
//
//   serve_bench [--assess PATH | --url http://127.0.0.1:8080 --password PW]
//               [--clients 50] [--seconds 10] [--rate SAVES_PER_S] [--empty]
//               [--idle 300] [--guessers 16] [--no-readers] [--records N] [--trace FILE]
//
// --records N stores N synthetic bureau records (synthetic_enterprises.h) before the server starts, so
// that the report's peer percentile runs against them. Last, GET score and GET report are timed
// alone (one client, 20 requests each).
//
// By default the server is started with --demo and the clients write into a copy of the demo
// assessment (every module answered), so each save rescores a realistic assessment. --rate paces
// the clients to an offered load instead of a closed loop (latency then includes queueing).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../bench/synthetic_enterprises.h"
#include "store.h"

namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

struct Response {
  int status = 0;
  std::string set_cookie;
  std::string body;
};

// One keep-alive HTTP/1.1 connection over a plain POSIX socket. Enough HTTP for this server: every
// response has a Content-Length.
class Connection {
 public:
  Connection(const std::string& host, int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) throw std::runtime_error("bad address " + host);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("connect to " + host + ":" + std::to_string(port) + ": " + std::strerror(errno));
    }
  }
  ~Connection() { ::close(fd_); }
  int fd() const { return fd_; }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Response request(const std::string& method, const std::string& target, const std::string& body,
                   const std::string& extra_headers) {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
                      extra_headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    for (std::size_t sent = 0; sent < req.size();) {
      const ssize_t n = ::send(fd_, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send: " + std::string(std::strerror(errno)));
      sent += static_cast<std::size_t>(n);
    }
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) fill();
    const std::string head = buffer_.substr(0, end + 2);
    buffer_.erase(0, end + 4);
    Response r;
    r.status = std::atoi(head.c_str() + head.find(' ') + 1);
    std::size_t length = 0;
    for (std::size_t pos = head.find("\r\n") + 2; pos < head.size();) {
      const std::size_t eol = head.find("\r\n", pos);
      const std::string line = head.substr(pos, eol - pos);
      pos = eol + 2;
      const std::size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      if (name == "content-length") length = std::strtoull(value.c_str(), nullptr, 10);
      if (name == "set-cookie") r.set_cookie = value;
    }
    while (buffer_.size() < length) fill();
    r.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return r;
  }

 private:
  void fill() {
    char chunk[16384];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) throw std::runtime_error(n == 0 ? "the server closed the connection" : std::strerror(errno));
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
  int fd_ = -1;
  std::string buffer_;
};

pid_t server_pid = 0;  // the server this benchmark started; 0 with --url

// A server this benchmark started, stopped again at the end.
struct Child {
  pid_t pid = 0;
  std::filesystem::path dir;
  ~Child() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
    if (!dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  }
};

// Runs `assess serve --port 0 --demo` on the child's data folder until it prints its address; returns
// the port and, on a first start, the one-time password.
void run_server(const std::string& assess, Child& child, int& port, std::string& password) {
  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
  child.pid = ::fork();
  if (child.pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    const std::string data = (child.dir / "data").string();
    ::execl(assess.c_str(), assess.c_str(), "serve", "--port", "0", "--data-dir", data.c_str(), "--demo",
            static_cast<char*>(nullptr));
    std::perror("exec assess");
    std::_Exit(127);
  }
  ::close(out[1]);
  server_pid = child.pid;
  std::string text;
  char chunk[4096];
  // The address line, then (first start only) the password line; both are written at once.
  while (text.find("127.0.0.1:") == std::string::npos ||
         text.find("\n", text.find("127.0.0.1:")) == std::string::npos ||
         (text.find("first start") != std::string::npos &&
          text.find("\n", text.find("one-time password")) == std::string::npos)) {
    const ssize_t n = ::read(out[0], chunk, sizeof chunk);
    if (n <= 0) throw std::runtime_error("the server exited before it was ready: " + text);
    text.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  const auto at = text.find("127.0.0.1:");
  port = std::atoi(text.c_str() + at + 10);
  if (text.find("one-time password ") == std::string::npos) return;
  const auto pw = text.find("one-time password ") + 18;
  password = text.substr(pw, text.find_first_of(" \n", pw) - pw);
}

// Starts the server on a fresh data folder with the demo enterprise. With `records` > 0, that many
// synthetic bureau records (synthetic_enterprises.h) are stored too: after the first start has seeded
// the demo (it seeds only an empty database), then the server starts again.
void start_server(const std::string& assess, Child& child, int& port, std::string& password, int records) {
  char tmpl[] = "/tmp/serve-bench-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  child.dir = tmpl;
  run_server(assess, child, port, password);
  if (records <= 0) return;
  ::kill(child.pid, SIGTERM);
  ::waitpid(child.pid, nullptr, 0);
  // Stored the way an import stores them (bench/bureau_bench does the same).
  std::fprintf(stderr, "serve_bench: storing %d bureau records...\n", records);
  {
    auto store = assess::Store::open((child.dir / "data" / "assess.db").string());
    std::vector<assess::Store::BureauRecord> batch;
    for (int i = 0; i < records; ++i) {
      assess::Candidate c = assess::bench::synthetic_enterprise(2025, static_cast<std::size_t>(i));
      batch.push_back({c.id, c.name, c.facts.value("region", std::string()), std::move(c.facts), assess::Json(), ""});
      if (batch.size() == 20000 || i + 1 == records) {
        store->save_bureau_records(batch, false, "serve_bench", "2026-12-06");
        batch.clear();
      }
    }
  }
  std::string again;
  run_server(assess, child, port, again);
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto i = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

bool has(int argc, char** argv, const std::string& name) {
  for (int i = 1; i < argc; ++i) {
    if (argv[i] == name) return true;
  }
  return false;
}

std::string arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == name) return argv[i + 1];
  }
  return fallback;
}

// Number questions of the SME questionnaire (min 0, no max), cycled through by the clients.
const std::vector<std::string> kQuestions = {"raw_equipment_total",        "raw_equipment_digitised",
                                             "raw_equipment_networked",    "raw_revenue_last_year",
                                             "raw_revenue_year_before",    "raw_employees_last_year",
                                             "raw_employees_year_before",  "raw_digital_spend_avg3",
                                             "raw_energy_before",          "raw_revenue_before_retrofit",
                                             "raw_energy_after",           "raw_revenue_after_retrofit",
                                             "raw_cost_per_100_last_year", "raw_cost_per_100_year_before"};

// What one load run measured.
struct Figures {
  std::vector<double> latencies;  // sorted, ms
  double elapsed = 0;
  long errors = 0;
  std::string first_error;
  long guesses = 0;
  long refused = 0;
  long throttled = 0;
  std::vector<double> score_reads;   // sorted, ms: GET …/score while the saves run
  std::vector<double> report_reads;  // sorted, ms: GET …/report while the saves run
  double server_cpu = -1;            // CPU seconds the server process used during the run (-1: unknown)
};

// CPU seconds (user + system) a process has used so far, from /proc/PID/stat; -1 when unknown.
// Per save, this is the server's cost independent of what else the machine runs.
double process_cpu_seconds(pid_t pid) {
  if (pid <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// --clients threads saving answers for `seconds`, while `idle` silent connections are open and
// `guessers` threads post wrong passwords to /api/login.
// --trace FILE: every save of the first run, as "<start ms since the run began> <latency ms> <client>"
// lines, to see whether slow saves come together (a stall) or alone.
std::string g_trace;

Figures run_load(int port, const std::string& base, const std::string& headers, int clients, double seconds,
                 double rate, int idle, int guessers, const std::string& readers = "") {
  std::vector<std::unique_ptr<Connection>> silent;
  for (int i = 0; i < idle; ++i) silent.push_back(std::make_unique<Connection>("127.0.0.1", port));
  std::atomic<bool> go{false};
  std::atomic<bool> stop{false};
  std::atomic<long> errors{0};
  std::atomic<int> ready{0};  // clients that have sent their first save
  std::atomic<long> guesses{0};
  std::atomic<long> refused{0};
  std::atomic<long> throttled{0};
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(clients));
  std::vector<std::vector<double>> starts(static_cast<std::size_t>(clients));  // ms since `began`, for --trace
  Clock::time_point began;
  std::vector<std::string> first_error(static_cast<std::size_t>(clients));
  std::vector<std::thread> threads;
  // With `readers` (an assessment's path), one client polls its score and another its report, one
  // request after another, while the saves run.
  std::vector<double> score_reads, report_reads;
  for (int k = 0; k < (readers.empty() ? 0 : 2); ++k) {
    threads.emplace_back([&, k] {
      auto& mine = k == 0 ? score_reads : report_reads;
      try {
        Connection c("127.0.0.1", port);
        while (!go) std::this_thread::yield();
        while (!stop) {
          const auto start = Clock::now();
          const Response r = c.request("GET", readers + (k == 0 ? "/score" : "/report"), "", headers);
          mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
          if (r.status != 200) ++errors;
        }
      } catch (const std::exception&) {
        ++errors;
      }
    });
  }
  for (int g = 0; g < guessers; ++g) {
    threads.emplace_back([&, g] {
      while (!go) std::this_thread::yield();
      long n = 0;
      while (!stop) {
        try {
          Connection c("127.0.0.1", port);
          while (!stop) {
            const Json body = {{"name", g % 2 == 0 ? "admin" : "guess" + std::to_string(g)},
                               {"password", "guess-" + std::to_string(g) + "-" + std::to_string(n++)}};
            const Response r = c.request("POST", "/api/login", body.dump(), "");
            ++guesses;
            if (r.status == 401) ++refused;
            if (r.status == 429) {
              ++throttled;
              std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
          }
        } catch (const std::exception&) {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));  // closed by the server: reconnect
        }
      }
    });
  }
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      auto& mine = latencies[static_cast<std::size_t>(i)];
      mine.reserve(100000);
      try {
        Connection c("127.0.0.1", port);
        // One save before the clock starts: the connection is open and the server has read the
        // assessment (its first read scores every module, once per server start).
        (void)c.request("PUT", base + kQuestions[static_cast<std::size_t>(i) % kQuestions.size()],
                        std::to_string(i * 1'000'000 - 1), headers);
        ready++;
        while (!go) std::this_thread::yield();
        // With --rate, each client sends at rate/clients per second on a fixed schedule (staggered),
        // and latency counts from the scheduled time, so queueing behind a slow save is not hidden.
        const auto interval = std::chrono::duration<double>(rate > 0 ? clients / rate : 0);
        auto next =
            Clock::now() + std::chrono::duration_cast<Clock::duration>(interval * (static_cast<double>(i) / clients));
        for (long n = 0; !stop; ++n) {
          if (rate > 0) {
            std::this_thread::sleep_until(next);
            if (stop) break;
          }
          const std::string& q = kQuestions[static_cast<std::size_t>(i + n) % kQuestions.size()];
          const auto start = rate > 0 ? next : Clock::now();
          if (rate > 0) next += std::chrono::duration_cast<Clock::duration>(interval);
          const Response r = c.request("PUT", base + q, std::to_string(i * 1'000'000 + n), headers);
          mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
          if (!g_trace.empty())
            starts[static_cast<std::size_t>(i)].push_back(
                std::chrono::duration<double, std::milli>(start - began).count());
          if (r.status != 200) {
            if (errors++ == 0) first_error[static_cast<std::size_t>(i)] = std::to_string(r.status) + " " + r.body;
          }
        }
      } catch (const std::exception& ex) {
        ++errors;
        first_error[static_cast<std::size_t>(i)] = ex.what();
      }
    });
  }
  while (ready < clients && errors == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const double cpu_before = process_cpu_seconds(server_pid);
  const auto start = Clock::now();
  began = start;
  go = true;
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu_after = process_cpu_seconds(server_pid);
  silent.clear();
  Figures f;
  f.elapsed = elapsed;
  if (cpu_before >= 0 && cpu_after >= 0) f.server_cpu = cpu_after - cpu_before;
  if (!g_trace.empty()) {
    std::ofstream trace(g_trace);
    trace << "# began " << std::chrono::duration<double>(began.time_since_epoch()).count() << " s (steady clock)\n";
    for (std::size_t c = 0; c < latencies.size(); ++c) {
      for (std::size_t k = 0; k < starts[c].size(); ++k)
        trace << starts[c][k] << ' ' << latencies[c][k] << ' ' << c << '\n';
    }
    g_trace.clear();  // the first run only
  }
  for (const auto& v : latencies) f.latencies.insert(f.latencies.end(), v.begin(), v.end());
  std::sort(f.latencies.begin(), f.latencies.end());
  f.errors = errors;
  for (const auto& m : first_error) {
    if (!m.empty()) {
      f.first_error = m;
      break;
    }
  }
  f.guesses = guesses;
  f.refused = refused;
  f.throttled = throttled;
  std::sort(score_reads.begin(), score_reads.end());
  std::sort(report_reads.begin(), report_reads.end());
  f.score_reads = std::move(score_reads);
  f.report_reads = std::move(report_reads);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    g_trace = arg(argc, argv, "--trace", "");
    const int clients = std::atoi(arg(argc, argv, "--clients", "50").c_str());
    const double seconds = std::atof(arg(argc, argv, "--seconds", "10").c_str());
    std::string url = arg(argc, argv, "--url", "");
    std::string password = arg(argc, argv, "--password", "");
    const double rate = std::atof(arg(argc, argv, "--rate", "0").c_str());
    Child child;
    int port = 0;
    if (url.empty()) {
      start_server(arg(argc, argv, "--assess", ASSESS_BINARY), child, port, password,
                   std::atoi(arg(argc, argv, "--records", "0").c_str()));
      url = "http://127.0.0.1:" + std::to_string(port);
    } else {
      port = std::atoi(url.c_str() + url.rfind(':') + 1);
    }

    // Log in and create what the clients write to.
    Connection setup("127.0.0.1", port);
    const Response login =
        setup.request("POST", "/api/login", Json{{"name", "admin"}, {"password", password}}.dump(), "");
    if (login.status != 200) throw std::runtime_error("login: " + std::to_string(login.status) + " " + login.body);
    const std::string headers = "Cookie: " + login.set_cookie.substr(0, login.set_cookie.find(';')) +
                                "\r\nX-CSRF-Token: " + Json::parse(login.body)["csrf"].get<std::string>() + "\r\n";
    if (Json::parse(login.body).value("must_change_password", false)) {
      // A fresh server: the one-time password must be replaced before anything else.
      const Response changed = setup.request(
          "POST", "/api/password",
          Json{{"current_password", password}, {"new_password", "serve-bench-" + password}}.dump(), headers);
      if (changed.status != 200) throw std::runtime_error("password change: " + changed.body);
    }
    // By default the clients write into a copy of the demo assessment (all its modules answered), so
    // every save rescores a full assessment; --empty writes into a new, empty SME-only assessment.
    Json modules = Json::array();
    std::string create;
    std::string create_body;
    // The demo enterprise by its USCC (questionnaires/demo/assessment.json): with --records the
    // bureau's enterprises are in the list too.
    const Json listed =
        Json::parse(setup.request("GET", "/api/enterprises?q=91320205MA1Y8KQ38L&limit=1", "", headers).body);
    if (!has(argc, argv, "--empty") && listed.is_array() && !listed.empty()) {
      const int enterprise = listed[0]["id"].get<int>();
      const Json detail =
          Json::parse(setup.request("GET", "/api/enterprises/" + std::to_string(enterprise), "", headers).body);
      if (!detail["assessments"].empty()) {
        const Json& demo = detail["assessments"][0];
        modules = demo["modules"];
        create = "/api/enterprises/" + std::to_string(enterprise) + "/assessments";
        create_body = Json{{"modules", modules}, {"copy_from", demo["id"]}}.dump();
      }
    }
    if (create.empty()) {
      const Response e = setup.request("POST", "/api/enterprises", R"({"name": "serve_bench"})", headers);
      if (e.status != 201) throw std::runtime_error("create enterprise: " + e.body);
      modules = Json::array({"sme-digital-2024"});
      create = "/api/enterprises/" + std::to_string(Json::parse(e.body)["id"].get<int>()) + "/assessments";
      create_body = Json{{"modules", modules}}.dump();
    }
    const Response a = setup.request("POST", create, create_body, headers);
    if (a.status != 201) throw std::runtime_error("create assessment: " + a.body);
    const int assessment = Json::parse(a.body)["id"].get<int>();
    const std::string base = "/api/assessments/" + std::to_string(assessment) + "/answers/sme-digital-2024/";
    const std::size_t answered = [&] {
      const Json doc =
          Json::parse(setup.request("GET", "/api/assessments/" + std::to_string(assessment), "", headers).body);
      std::size_t n = 0;
      for (const auto& [m, answers] : doc["answers"].items()) n += answers.size();
      return n;
    }();

    Json out_modules = modules;
    auto report = [&](const Figures& f, const std::string& label) {
      std::printf("serve_bench: %s, %d clients, %.1f s, %s, assessment of modules %s with %zu answers%s\n", url.c_str(),
                  clients, f.elapsed,
                  rate > 0 ? ("offered " + std::to_string(static_cast<int>(rate)) + " saves/s").c_str() : "closed loop",
                  out_modules.dump().c_str(), answered, label.c_str());
      std::printf("  saves:   %zu (%.0f saves/s), %ld errors\n", f.latencies.size(),
                  static_cast<double>(f.latencies.size()) / f.elapsed, f.errors);
      std::printf("  latency: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", percentile(f.latencies, 0.50),
                  percentile(f.latencies, 0.99), f.latencies.empty() ? 0.0 : f.latencies.back());
      if (f.guesses > 0) {
        std::printf("  guesses: %ld answered (%ld checked and refused with 401, %ld throttled with 429, %ld other)\n",
                    f.guesses, f.refused, f.throttled, f.guesses - f.refused - f.throttled);
      }
      for (const auto* reads : {&f.score_reads, &f.report_reads}) {
        if (reads->empty()) continue;
        std::printf("  GET %s: %zu answered, p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
                    reads == &f.score_reads ? "score " : "report", reads->size(), percentile(*reads, 0.50),
                    percentile(*reads, 0.99), reads->back());
      }
      if (f.server_cpu >= 0 && !f.latencies.empty()) {
        std::printf(
            "  server CPU: %.0f µs per request (saves and reads; %.2f cores busy)\n",
            f.server_cpu * 1e6 / static_cast<double>(f.latencies.size() + f.score_reads.size() + f.report_reads.size()),
            f.server_cpu / f.elapsed);
      }
      if (!f.first_error.empty()) std::printf("  first error: %s\n", f.first_error.c_str());
    };
    const Figures plain = run_load(port, base, headers, clients, seconds, rate, 0, 0);
    report(plain, "");
    const int idle = std::atoi(arg(argc, argv, "--idle", "300").c_str());
    const int guessers = std::atoi(arg(argc, argv, "--guessers", "16").c_str());
    long errors = plain.errors;
    if (idle > 0 || guessers > 0) {
      const Figures hostile = run_load(port, base, headers, clients, seconds, rate, idle, guessers);
      report(hostile, ", with " + std::to_string(idle) + " idle connections and " + std::to_string(guessers) +
                          " password-guessing clients");
      errors += hostile.errors;
    }
    if (!has(argc, argv, "--no-readers")) {
      const Figures read =
          run_load(port, base, headers, clients, seconds, rate, 0, 0, "/api/assessments/" + std::to_string(assessment));
      report(read, ", while one client polls GET score and another GET report of the same assessment");
      errors += read.errors;
    }
    // The reads alone: one client, nothing else running against the server.
    for (const std::string what : {"score", "report"}) {
      const std::string target = "/api/assessments/" + std::to_string(assessment) + "/" + what;
      std::vector<double> times;
      for (int i = 0; i < 20; ++i) {
        const auto t0 = Clock::now();
        const Response r = setup.request("GET", target, "", headers);
        times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        if (r.status != 200) ++errors;
      }
      std::sort(times.begin(), times.end());
      std::printf("GET %s alone (one client, 20 requests): p50 %.2f ms, max %.2f ms\n", what.c_str(),
                  percentile(times, 0.5), times.back());
    }
    return errors == 0 ? 0 : 1;
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "serve_bench: %s\n", ex.what());
    return 1;
  }
}
