// bench_postgres.h — what the benchmarks need to run against a PostgreSQL cluster (issue 16): a
// database of their own in the cluster a URL names (created, reused, dropped), and the CPU seconds
// the cluster's processes spent, so that a command's cost on PostgreSQL counts the server's work
// too (the client process alone would look cheaper than SQLite, which works in the process).
//
// The URL is one that `assess --database` takes, e.g. tests/tools/pg_cluster.sh's
// "postgresql:///assess?host=DIR/socket&port=5432&user=postgres"; its user must be allowed to
// create databases. CPU is read from /proc, so the cluster must run on this machine.
#pragma once

#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "db.h"

namespace assess::bench {

// The same URL naming another database: postgresql://AUTH/NAME?QUERY with NAME replaced.
inline std::string pg_url_with_database(const std::string& url, const std::string& name) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) throw std::runtime_error("not a postgresql:// URL: " + url);
  const auto slash = url.find('/', scheme + 3);
  const auto query = url.find('?', scheme + 3);
  if (slash == std::string::npos || (query != std::string::npos && query < slash)) {
    // No database part: postgresql://host or postgresql://host?params
    const auto at = query == std::string::npos ? url.size() : query;
    return url.substr(0, at) + "/" + name + url.substr(at);
  }
  const auto end = query == std::string::npos ? url.size() : query;
  return url.substr(0, slash + 1) + name + url.substr(end);
}

inline bool pg_database_exists(Database& admin, const std::string& name) {
  Cursor& c = admin.prepare("SELECT count(*) FROM pg_database WHERE datname = ?");
  c.bind_text(1, name);
  const bool found = c.step() && c.integer(0) > 0;
  c.reset();
  return found;
}

// Creates database `name` (dropping it first with `fresh`) in the cluster of `url`; returns its URL.
inline std::string pg_database(const std::string& url, const std::string& name, bool fresh) {
  auto admin = Database::open(url);
  if (fresh) admin->exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  if (!pg_database_exists(*admin, name)) admin->exec("CREATE DATABASE " + name);
  return pg_url_with_database(url, name);
}

inline void pg_drop_database(const std::string& url, const std::string& name) {
  auto admin = Database::open(url);
  admin->exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
}

// Fields of /proc/PID/stat after the command name (field 3 is the first).
inline bool proc_stat(pid_t pid, std::string fields[], int count) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  try {
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } catch (const std::ios_base::failure&) {
    return false;  // the process ended between opening and reading (ESRCH)
  }
  const auto close = text.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream s(text.substr(close + 2));
  for (int i = 0; i < count; ++i) {
    if (!(s >> fields[i])) return false;
  }
  return true;
}

// CPU seconds (user + system) of a process so far; with `children`, plus those of its children it
// has waited for. -1 when unknown.
inline double process_cpu(pid_t pid, bool children = false) {
  if (pid <= 0) return -1;
  std::string f[15];
  if (!proc_stat(pid, f, 15)) return -1;
  // f[11] utime, f[12] stime, f[13] cutime, f[14] cstime (fields 14..17)
  double ticks = std::stod(f[11]) + std::stod(f[12]);
  if (children) ticks += std::stod(f[13]) + std::stod(f[14]);
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

inline pid_t parent_of(pid_t pid) {
  std::string f[2];
  return proc_stat(pid, f, 2) ? static_cast<pid_t>(std::atoi(f[1].c_str())) : 0;
}

// The cluster's postmaster: the parent of this connection's backend.
inline pid_t pg_postmaster(const std::string& url) {
  auto db = Database::open(url);
  Cursor& c = db->prepare("SELECT pg_backend_pid()");
  if (!c.step()) throw std::runtime_error("pg_backend_pid() returned nothing");
  const auto backend = static_cast<pid_t>(c.integer(0));
  c.reset();
  const pid_t postmaster = parent_of(backend);
  if (postmaster <= 0) throw std::runtime_error("the PostgreSQL cluster does not run on this machine (no /proc entry)");
  return postmaster;
}

struct ClusterCpu {
  double seconds = -1;  // the postmaster, its reaped children and its live children
  int children = 0;     // live children (backends and background processes)
};

inline ClusterCpu cluster_cpu(pid_t postmaster) {
  ClusterCpu out;
  if (postmaster <= 0) return out;
  out.seconds = process_cpu(postmaster, true);
  if (out.seconds < 0) return out;
  DIR* dir = ::opendir("/proc");
  if (!dir) return out;
  while (const dirent* e = ::readdir(dir)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0 || parent_of(pid) != postmaster) continue;
    const double s = process_cpu(pid);
    if (s < 0) continue;  // gone meanwhile (then counted in the postmaster's cutime, or lost: a tick)
    out.seconds += s;
    ++out.children;
  }
  ::closedir(dir);
  return out;
}

// After a client disconnected: waits (at most 2 s) until its backend has exited and been reaped,
// i.e. the cluster has no more live children than `children`, and until two readings 20 ms apart
// agree (a backend reaped while /proc is being read is in neither sum for that one reading).
inline ClusterCpu cluster_cpu_settled(pid_t postmaster, int children) {
  ClusterCpu now = cluster_cpu(postmaster);
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const ClusterCpu again = cluster_cpu(postmaster);
    const bool settled = now.children <= children && again.children <= children && again.seconds - now.seconds < 0.005;
    now = again;
    if (settled) break;
  }
  return now;
}

}  // namespace assess::bench
