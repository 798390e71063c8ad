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
//               [--database postgresql://… [--processes K]]
//               [--clients 50] [--seconds 10] [--rate SAVES_PER_S] [--empty]
//               [--idle 300] [--guessers 16] [--no-readers] [--records N] [--assessments N]
//               [--own-assessments] [--trace FILE]
//
// --records N stores N synthetic bureau records (synthetic_enterprises.h) before the server starts, so
// that the report's peer percentile runs against them. Last, GET score and GET report are timed
// alone (one client, 20 requests each).
//
// --own-assessments gives each client an assessment of its own (a copy of the first) instead of all
// writing to one (which PostgreSQL's row lock serialises across servers).
//
// --assessments N stores N more enterprises (synthetic_enterprises.h), each with an assessment whose
// answers are the demo's profile and SME answers (72), before the server starts; then the read paths
// a consultant walks are timed alone over them (the enterprise list and a search, one enterprise, one
// assessment, its score the first time and again), each on 50 different enterprises or assessments.
//
// --database URL runs on PostgreSQL: the benchmark makes a database of its own (serve_bench_<pid>) in
// the cluster of URL (e.g. tests/tools/pg_cluster.sh's), starts --processes K servers on it (default
// 1; all with one shared --evidence-dir) and spreads the clients, idle connections and guessers over
// them round robin; the database is dropped at the end. Server CPU then counts the K servers and the
// cluster's processes (bench_postgres.h).
//
// By default the server is started with --demo and the clients write into a copy of the demo
// assessment (every module answered), so each save rescores a realistic assessment. --rate paces
// the clients to an offered load instead of a closed loop (latency then includes queueing): each
// client sends on a fixed schedule and a save's latency counts from its scheduled time, so a stall
// of the server is not hidden by clients that wait for it. A closed loop measures what the server
// can take (and its latency is then mostly the queue: 50 clients / saves per second); an offered
// load measures the latency at a given rate ("2,000 saves/s with p99 < 20 ms"). Each client saves
// once before the clock starts (the server's first read of an assessment scores all of it).
//
// --trace FILE writes every save of the first run as "<start ms> <latency ms> <client>", to tell a
// stall (slow saves together) from a queue (slow saves spread out).
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
#include <functional>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../bench/bench_postgres.h"
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

// The servers this benchmark started (none with --url), and the PostgreSQL cluster's postmaster.
std::vector<pid_t> server_pids;
pid_t postmaster = 0;

// Servers this benchmark started, stopped again at the end, with their folder and (PostgreSQL) the
// database made for them.
struct Servers {
  std::vector<pid_t> pids;
  std::filesystem::path dir;
  std::string pg_base, pg_name;  // the cluster's URL and the database made in it
  std::string database;          // the URL the servers use ("" for SQLite)
  ~Servers() {
    for (const pid_t pid : pids) {
      if (pid > 0) ::kill(pid, SIGTERM);
    }
    for (const pid_t pid : pids) {
      if (pid > 0) ::waitpid(pid, nullptr, 0);
    }
    if (!dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
    if (!pg_name.empty()) {
      try {
        assess::bench::pg_drop_database(pg_base, pg_name);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "serve_bench: could not drop the database %s: %s\n", pg_name.c_str(), e.what());
      }
    }
  }
  // SQLite's file, or the PostgreSQL URL.
  std::string target() const { return database.empty() ? (dir / "data" / "assess.db").string() : database; }
};

// Runs server `k` (`assess serve --port 0`, the first one with --demo) until it prints its address;
// returns the port and, on a first start, the one-time password.
void run_server(const std::string& assess, Servers& servers, std::size_t k, int& port, std::string& password) {
  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
  const std::string data = (servers.dir / (k == 0 ? std::string("data") : "data-" + std::to_string(k))).string();
  std::vector<std::string> argv = {assess, "serve", "--port", "0", "--data-dir", data};
  if (k == 0) argv.push_back("--demo");
  if (!servers.database.empty()) {
    argv.insert(argv.end(), {"--database", servers.database, "--evidence-dir", (servers.dir / "evidence").string()});
  }
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    ::execv(assess.c_str(), args.data());
    std::perror("exec assess");
    std::_Exit(127);
  }
  ::close(out[1]);
  if (servers.pids.size() <= k) servers.pids.resize(k + 1, 0);
  servers.pids[k] = pid;
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

// What --assessments stored: the ids of the enterprises and assessments, in order.
struct Stored {
  std::vector<std::int64_t> enterprises, assessments;
  std::vector<std::string> usccs;
  double seconds = 0;
};

// N enterprises (synthetic_enterprises.h, USCCs as the bureau records have them), each with an
// assessment of the profile and SME modules holding the demo's answers of those modules. Written
// with the store's own SQL shapes in transactions of 5,000 (the Store's methods commit one by one,
// which takes an hour at 200,000 on PostgreSQL).
Stored store_assessments(assess::Store& store, int n) {
  Stored out;
  const auto start = Clock::now();
  const auto demo_enterprise = store.enterprise_by_uscc("91320205MA1Y8KQ38L");
  if (!demo_enterprise) throw std::runtime_error("--assessments: the demo enterprise is missing");
  const auto demo = store.assessments_of(demo_enterprise->id);
  if (demo.empty()) throw std::runtime_error("--assessments: the demo assessment is missing");
  const std::int64_t from = demo.front().id;
  const std::string modules = Json::array({"profile", "sme-digital-2024"}).dump();
  const std::string now = "2026-12-06T12:00:00Z";
  const auto lock = store.guard();
  assess::Database& db = store.database();
  for (int i = 0; i < n;) {
    db.begin();
    try {
      for (const int end = std::min(n, i + 5000); i < end; ++i) {
        const assess::Candidate c = assess::bench::synthetic_enterprise(2025, static_cast<std::size_t>(i));
        assess::Cursor& e = db.prepare(
            "INSERT INTO enterprises(name, uscc, region, industry, created_at) VALUES (?, ?, ?, '', ?) RETURNING id");
        e.bind_text(1, c.name);
        e.bind_text(2, c.id);
        e.bind_text(3, c.facts.value("region", std::string()));
        e.bind_text(4, now);
        if (!e.step()) throw std::runtime_error("no enterprise id");
        const std::int64_t enterprise = e.integer(0);
        while (e.step()) {
        }
        e.reset();
        assess::Cursor& a = db.prepare(
            "INSERT INTO assessments(enterprise_id, modules, status, date, assessor, created_at, updated_at) VALUES "
            "(?1, ?2, 'open', '2026-12-06', 'serve_bench', ?3, ?3) RETURNING id");
        a.bind_int(1, enterprise);
        a.bind_text(2, modules);
        a.bind_text(3, now);
        if (!a.step()) throw std::runtime_error("no assessment id");
        const std::int64_t assessment = a.integer(0);
        while (a.step()) {
        }
        a.reset();
        assess::Cursor& copy = db.prepare(
            "INSERT INTO answers(assessment_id, module, question, answer, updated_at, updated_by) SELECT ?1, module, "
            "question, answer, ?2, NULL FROM answers WHERE assessment_id = ?3 AND module IN ('profile', "
            "'sme-digital-2024')");
        copy.bind_int(1, assessment);
        copy.bind_text(2, now);
        copy.bind_int(3, from);
        while (copy.step()) {
        }
        copy.reset();
        out.enterprises.push_back(enterprise);
        out.assessments.push_back(assessment);
        out.usccs.push_back(c.id);
      }
      db.commit();
    } catch (...) {
      db.rollback();
      throw;
    }
  }
  if (db.postgres()) db.exec("VACUUM ANALYZE");  // what a bulk load is followed by
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return out;
}

// Starts the servers on a fresh data folder (and, with a PostgreSQL URL, a fresh database) with the
// demo enterprise. With `records` > 0, that many synthetic bureau records (synthetic_enterprises.h)
// are stored too, and with `assessments` > 0 that many enterprises with an assessment each: after
// the first start has seeded the demo (it seeds only an empty database), then the server starts
// again. The other servers start last. Returns each server's port.
std::vector<int> start_servers(const std::string& assess, Servers& servers, std::string& password, int records,
                               int assessments, std::size_t processes, Stored& stored, double& restart_seconds) {
  char tmpl[] = "/tmp/serve-bench-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  servers.dir = tmpl;
  if (!servers.pg_base.empty()) {
    servers.pg_name = "serve_bench_" + std::to_string(::getpid());
    servers.database = assess::bench::pg_database(servers.pg_base, servers.pg_name, true);
  }
  std::vector<int> ports(processes, 0);
  run_server(assess, servers, 0, ports[0], password);
  if (records > 0 || assessments > 0) {
    ::kill(servers.pids[0], SIGTERM);
    ::waitpid(servers.pids[0], nullptr, 0);
    servers.pids[0] = 0;
    auto store = assess::Store::open(servers.target());
    if (assessments > 0) {
      std::fprintf(stderr, "serve_bench: storing %d enterprises with an assessment each...\n", assessments);
      stored = store_assessments(*store, assessments);
    }
    if (records > 0) {
      // Stored the way an import stores them (bench/bureau_bench does the same).
      std::fprintf(stderr, "serve_bench: storing %d bureau records...\n", records);
      std::vector<assess::Store::BureauRecord> batch;
      for (int i = 0; i < records; ++i) {
        assess::Candidate c = assess::bench::synthetic_enterprise(2025, static_cast<std::size_t>(i));
        batch.push_back({c.id, c.name, c.facts.value("region", std::string()), std::move(c.facts), assess::Json(), ""});
        if (batch.size() == 20000 || i + 1 == records) {
          store->save_bureau_records(batch, false, "serve_bench", "2026-12-06");
          batch.clear();
        }
      }
      if (store->database().postgres()) {
        const auto lock = store->guard();
        store->database().exec("VACUUM ANALYZE");
      }
    }
    std::string again;
    const auto t0 = Clock::now();
    run_server(assess, servers, 0, ports[0], again);
    restart_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  }
  for (std::size_t k = 1; k < processes; ++k) {
    std::string unused;
    run_server(assess, servers, k, ports[k], unused);
  }
  server_pids = servers.pids;
  return ports;
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
  double server_cpu = -1;            // CPU seconds the server processes used during the run (-1: unknown)
  double database_cpu = -1;          // PostgreSQL: CPU seconds of the cluster's processes during the run
};

// CPU seconds (user + system) the servers have used so far, from /proc/PID/stat; -1 when unknown.
// Per save, this is the servers' cost independent of what else the machine runs.
double servers_cpu_seconds() {
  if (server_pids.empty()) return -1;
  double sum = 0;
  for (const pid_t pid : server_pids) {
    const double s = assess::bench::process_cpu(pid);
    if (s < 0) return -1;
    sum += s;
  }
  return sum;
}

// --clients threads saving answers for `seconds`, while `idle` silent connections are open and
// `guessers` threads post wrong passwords to /api/login.
// --trace FILE: every save of the first run, as "<start ms since the run began> <latency ms> <client>"
// lines, to see whether slow saves come together (a stall) or alone.
std::string g_trace;

Figures run_load(const std::vector<int>& ports, const std::vector<std::string>& bases, const std::string& headers,
                 int clients, double seconds, double rate, int idle, int guessers, const std::string& readers = "") {
  std::vector<std::unique_ptr<Connection>> silent;
  // Connection i goes to server i mod K.
  const auto port = [&](int i) { return ports[static_cast<std::size_t>(i) % ports.size()]; };
  for (int i = 0; i < idle; ++i) silent.push_back(std::make_unique<Connection>("127.0.0.1", port(i)));
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
        Connection c("127.0.0.1", port(k));
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
          Connection c("127.0.0.1", port(g));
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
        Connection c("127.0.0.1", port(i));
        // One save before the clock starts: the connection is open and the server has read the
        // assessment (its first read scores every module, once per server start).
        (void)c.request("PUT",
                        bases[static_cast<std::size_t>(i) % bases.size()] +
                            kQuestions[static_cast<std::size_t>(i) % kQuestions.size()],
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
          const std::string& base = bases[static_cast<std::size_t>(i) % bases.size()];
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
  const double cpu_before = servers_cpu_seconds();
  const auto db_before = assess::bench::cluster_cpu(postmaster);
  const auto start = Clock::now();
  began = start;
  go = true;
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu_after = servers_cpu_seconds();
  const auto db_after = assess::bench::cluster_cpu(postmaster);
  silent.clear();
  Figures f;
  f.elapsed = elapsed;
  if (cpu_before >= 0 && cpu_after >= 0) f.server_cpu = cpu_after - cpu_before;
  if (db_before.seconds >= 0 && db_after.seconds >= 0) f.database_cpu = db_after.seconds - db_before.seconds;
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
  if (has(argc, argv, "--help") || has(argc, argv, "-h")) {
    std::printf(
        "serve_bench: answer saves per second through `assess serve`, with each client's latency\n"
        "  serve_bench [--assess PATH | --url http://127.0.0.1:8080 --password PW]\n"
        "              [--database postgresql://... [--processes K]]\n"
        "              [--clients 50] [--seconds 10] [--rate SAVES_PER_S] [--empty]\n"
        "              [--idle 300] [--guessers 16] [--no-readers] [--records N] [--assessments N]\n"
        "              [--own-assessments] [--trace FILE]\n"
        "See the comment at the top of bench/serve_bench.cpp for what each option measures.\n");
    return 0;
  }
  try {
    g_trace = arg(argc, argv, "--trace", "");
    const int clients = std::atoi(arg(argc, argv, "--clients", "50").c_str());
    const double seconds = std::atof(arg(argc, argv, "--seconds", "10").c_str());
    std::string url = arg(argc, argv, "--url", "");
    std::string password = arg(argc, argv, "--password", "");
    const double rate = std::atof(arg(argc, argv, "--rate", "0").c_str());
    const int processes = std::atoi(arg(argc, argv, "--processes", "1").c_str());
    const int assessments = std::atoi(arg(argc, argv, "--assessments", "0").c_str());
    Servers servers;
    servers.pg_base = arg(argc, argv, "--database", "");
    if (processes < 1 || (processes > 1 && servers.pg_base.empty())) {
      throw std::runtime_error("--processes K > 1 needs --database postgresql://… (one server per SQLite file)");
    }
    if (!servers.pg_base.empty() && !url.empty()) throw std::runtime_error("--database and --url exclude each other");
    if (!servers.pg_base.empty()) postmaster = assess::bench::pg_postmaster(servers.pg_base);
    std::vector<int> ports;
    Stored stored;
    double restart_seconds = -1;
    if (url.empty()) {
      ports = start_servers(arg(argc, argv, "--assess", ASSESS_BINARY), servers, password,
                            std::atoi(arg(argc, argv, "--records", "0").c_str()), assessments,
                            static_cast<std::size_t>(processes), stored, restart_seconds);
      url = "http://127.0.0.1:" + std::to_string(ports[0]);
      for (std::size_t k = 1; k < ports.size(); ++k) url += "," + std::to_string(ports[k]);
      url += servers.database.empty() ? " (SQLite)" : " (PostgreSQL " + servers.pg_name + ")";
    } else {
      ports = {std::atoi(url.c_str() + url.rfind(':') + 1)};
    }
    if (!stored.assessments.empty()) {
      std::printf(
          "serve_bench: stored %zu enterprises with an assessment each in %.1f s; the server restarted on "
          "them in %.2f s\n",
          stored.assessments.size(), stored.seconds, restart_seconds);
    }
    const int port = ports[0];

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
    // --own-assessments: client i writes to an assessment of its own (a copy like the first), as
    // consultants each on their own enterprise; by default all clients write to one assessment.
    std::vector<std::string> bases = {base};
    if (has(argc, argv, "--own-assessments")) {
      for (int i = 1; i < clients; ++i) {
        const Response more = setup.request("POST", create, create_body, headers);
        if (more.status != 201) throw std::runtime_error("create assessment: " + more.body);
        bases.push_back("/api/assessments/" + std::to_string(Json::parse(more.body)["id"].get<int>()) +
                        "/answers/sme-digital-2024/");
      }
    }
    const std::size_t answered = [&] {
      const Json doc =
          Json::parse(setup.request("GET", "/api/assessments/" + std::to_string(assessment), "", headers).body);
      std::size_t n = 0;
      for (const auto& [m, answers] : doc["answers"].items()) n += answers.size();
      return n;
    }();

    Json out_modules = modules;
    auto report = [&](const Figures& f, const std::string& label) {
      std::printf("serve_bench: %s, %d clients, %.1f s, %s, %s of modules %s with %zu answers%s\n", url.c_str(),
                  clients, f.elapsed,
                  rate > 0 ? ("offered " + std::to_string(static_cast<int>(rate)) + " saves/s").c_str() : "closed loop",
                  bases.size() > 1 ? "each client on its own assessment" : "all on one assessment",
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
        const double requests = static_cast<double>(f.latencies.size() + f.score_reads.size() + f.report_reads.size());
        if (f.database_cpu >= 0) {
          std::printf(
              "  server CPU: %.0f µs per request (saves and reads: %zu assess processes %.0f µs + PostgreSQL %.0f µs; "
              "%.2f cores busy)\n",
              (f.server_cpu + f.database_cpu) * 1e6 / requests, ports.size(), f.server_cpu * 1e6 / requests,
              f.database_cpu * 1e6 / requests, (f.server_cpu + f.database_cpu) / f.elapsed);
        } else {
          std::printf("  server CPU: %.0f µs per request (saves and reads; %.2f cores busy)\n",
                      f.server_cpu * 1e6 / requests, f.server_cpu / f.elapsed);
        }
      }
      if (!f.first_error.empty()) std::printf("  first error: %s\n", f.first_error.c_str());
    };
    const Figures plain = run_load(ports, bases, headers, clients, seconds, rate, 0, 0);
    report(plain, "");
    const int idle = std::atoi(arg(argc, argv, "--idle", "300").c_str());
    const int guessers = std::atoi(arg(argc, argv, "--guessers", "16").c_str());
    long errors = plain.errors;
    if (idle > 0 || guessers > 0) {
      const Figures hostile = run_load(ports, bases, headers, clients, seconds, rate, idle, guessers);
      report(hostile, ", with " + std::to_string(idle) + " idle connections and " + std::to_string(guessers) +
                          " password-guessing clients");
      errors += hostile.errors;
    }
    if (!has(argc, argv, "--no-readers")) {
      const Figures read = run_load(ports, bases, headers, clients, seconds, rate, 0, 0,
                                    "/api/assessments/" + std::to_string(assessment));
      report(read, ", while one client polls GET score and another GET report of the same assessment");
      errors += read.errors;
    }
    // The reads alone: one client, nothing else running against the server (on a new connection: the
    // server has closed the setup connection, idle during the runs).
    Connection solo("127.0.0.1", port);
    for (const std::string what : {"score", "report"}) {
      const std::string target = "/api/assessments/" + std::to_string(assessment) + "/" + what;
      std::vector<double> times;
      for (int i = 0; i < 20; ++i) {
        const auto t0 = Clock::now();
        const Response r = solo.request("GET", target, "", headers);
        times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        if (r.status != 200) ++errors;
      }
      std::sort(times.begin(), times.end());
      std::printf("GET %s alone (one client, 20 requests): p50 %.2f ms, max %.2f ms\n", what.c_str(),
                  percentile(times, 0.5), times.back());
    }
    if (!stored.assessments.empty()) {
      // The read paths over the stored enterprises and assessments, alone: 50 requests each, every one
      // on another enterprise or assessment (spread over the stored ones), so no cache answers them.
      // (CPU is counted in clock ticks of 10 ms per process: 50 requests resolve 200 µs per request.)
      constexpr int kReads = 50;
      const std::size_t n = stored.assessments.size();
      const auto pick = [&](int i) { return (static_cast<std::size_t>(i) * 7919 + n / 3) % n; };
      const auto time_reads = [&](const std::string& label, const std::function<std::string(int)>& target) {
        std::vector<double> times;
        const double cpu0 = servers_cpu_seconds();
        const auto db0 = assess::bench::cluster_cpu(postmaster);
        for (int i = 0; i < kReads; ++i) {
          const auto t0 = Clock::now();
          const Response r = solo.request("GET", target(i), "", headers);
          times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
          if (r.status != 200) {
            ++errors;
            std::printf("  %s: %d %s\n", target(i).c_str(), r.status, r.body.substr(0, 200).c_str());
          }
        }
        const double cpu = servers_cpu_seconds() - cpu0;
        const auto db1 = assess::bench::cluster_cpu(postmaster);
        const double db = db0.seconds >= 0 && db1.seconds >= 0 ? db1.seconds - db0.seconds : 0;
        std::sort(times.begin(), times.end());
        std::printf("  %-44s p50 %8.2f ms, max %8.2f ms; server CPU %7.0f µs per request%s\n", label.c_str(),
                    percentile(times, 0.5), times.back(), (cpu + db) * 1e6 / kReads,
                    postmaster > 0
                        ? (" (PostgreSQL " + std::to_string(static_cast<long>(db * 1e6 / kReads)) + " µs)").c_str()
                        : "");
      };
      std::printf("read paths over %zu stored assessments (one client, %d requests each, alone):\n", n, kReads);
      time_reads("GET /api/enterprises?limit=50", [](int) { return std::string("/api/enterprises?limit=50"); });
      time_reads("GET /api/enterprises?limit=50&offset=K",
                 [&](int i) { return "/api/enterprises?limit=50&offset=" + std::to_string(pick(i) / 50 * 50); });
      time_reads("GET /api/enterprises?q=<a USCC>&limit=50",
                 [&](int i) { return "/api/enterprises?limit=50&q=" + stored.usccs[pick(i)]; });
      time_reads("GET /api/enterprises/{id}",
                 [&](int i) { return "/api/enterprises/" + std::to_string(stored.enterprises[pick(i)]); });
      time_reads("GET /api/assessments/{id}",
                 [&](int i) { return "/api/assessments/" + std::to_string(stored.assessments[pick(i)]); });
      time_reads("GET /api/assessments/{id}/score (first)", [&](int i) {
        return "/api/assessments/" + std::to_string(stored.assessments[pick(i + kReads)]) + "/score";
      });
      time_reads("GET /api/assessments/{id}/score (again)", [&](int i) {
        return "/api/assessments/" + std::to_string(stored.assessments[pick(i + kReads)]) + "/score";
      });
    }
    return errors == 0 ? 0 : 1;
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "serve_bench: %s\n", ex.what());
    return 1;
  }
}
