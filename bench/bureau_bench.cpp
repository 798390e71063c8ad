// bureau_bench — the bureau workspace at scale, from the database: N synthetic enterprises
// (synthetic_enterprises.h) stored as bureau records, then `assess rank` and `assess dashboard` run as
// whole processes on that data dir, side by side in one run with a plain Python csv pass over the
// same facts (bench/bureau_python_pass.py) and the sqlite3 command line over the same table. Prints
// wall seconds (best of 3, interleaved) and peak RSS; memory per enterprise is the peak RSS at N minus
// the peak RSS of the same command at 1,000 records, over N − 1,000 (SQLite's page cache is bounded,
// 2 MB by default). At the first N (up to 200,000) it also times the former path (every record's JSON parsed into
// candidates, then rank()/dashboard()) in this process, and `assess import` of an import-template CSV.
// Not a test: it asserts nothing about time, it reports.
//
// With --database URL (a PostgreSQL cluster, e.g. tests/tools/pg_cluster.sh's) the same rows are
// copied into that cluster too, one database per N (bureau_bench_N, reused when it holds N records):
// the tables the Store wrote in SQLite (bureau_records, bureau_facts, enterprises), row for row, by
// multi-row INSERTs, then VACUUM ANALYZE — loading 1,000,000 records one by one through the Store
// takes an hour on PostgreSQL; what that path costs is `assess import --database` at the first N.
// Each command also runs with --database, beside the psql command line over the same table. PostgreSQL does its work in
// other processes: its figures are the CPU seconds of the command plus those the cluster's processes spent meanwhile
// (bench_postgres.h), and peak RSS is the command's alone. At the first N the import runs into an empty database as
// well.
//   bureau_bench [--database URL] [N ...]
//                (default N: 100000 1000000; SQLite data under $TMPDIR/assess-bureau-bench)
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "../bench/bench_postgres.h"
#include "../bench/synthetic_enterprises.h"
#include "formats/export.h"
#include "scoring/dashboard.h"
#include "scoring/fact_table.h"
#include "scoring/policy.h"
#include "scoring/rank.h"
#include "store.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

struct Run {
  double seconds = 1e9;  // CPU seconds (user + system), best
  double server = 0;     // PostgreSQL: CPU seconds of the cluster's processes during the run
  double wall = 0;       // of the best run
  double peak_mib = 0;   // of the best run
  bool ok = true;
};

// The commands are started by a small helper process forked at the start of main(), while this
// process is still small: a child's peak RSS (ru_maxrss) counts the memory of the process it was
// spawned from until its exec, so commands spawned from here after storing 1,000,000 records would
// all report this process's gigabyte.
struct Spawner {
  int to = -1;    // requests: argv as NUL-terminated strings, then an empty one
  int from = -1;  // answers: one Run
  pid_t pid = 0;
};
Spawner spawner;

bool read_all(int fd, void* data, std::size_t size) {
  auto* p = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = ::read(fd, p, size);
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool write_all(int fd, const void* data, std::size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Runs a command (stdout and stderr to /dev/null) in this process: wall time, CPU time (user +
// system) and peak RSS. The machine is shared, so CPU seconds are the fair comparison; wall seconds
// are printed beside them.
Run run_here(const std::vector<std::string>& argv) {
  Run r;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const auto start = Clock::now();
  pid_t pid = 0;
  if (posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) {
    posix_spawn_file_actions_destroy(&actions);
    r.ok = false;
    return r;
  }
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  rusage usage{};
  ::wait4(pid, &status, 0, &usage);
  r.wall = std::chrono::duration<double>(Clock::now() - start).count();
  r.seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
              static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  r.peak_mib = static_cast<double>(usage.ru_maxrss) / 1024.0;
  r.ok = WIFEXITED(status) && (WEXITSTATUS(status) == 0);
  return r;
}

// Forks the helper: it runs each command it is sent with run_here() and sends the Run back.
void start_spawner() {
  int requests[2], answers[2];
  if (::pipe(requests) != 0 || ::pipe(answers) != 0) return;  // run_once() then spawns from here
  const pid_t pid = ::fork();
  if (pid < 0) return;
  if (pid == 0) {
    ::close(requests[1]);
    ::close(answers[0]);
    for (;;) {
      std::vector<std::string> argv;
      std::string arg;
      char c = 0;
      bool open = true;
      while ((open = read_all(requests[0], &c, 1))) {
        if (c != '\0') {
          arg += c;
        } else if (arg.empty()) {
          break;
        } else {
          argv.push_back(std::move(arg));
          arg.clear();
        }
      }
      if (!open) std::_Exit(0);
      const Run r = run_here(argv);
      if (!write_all(answers[1], &r, sizeof r)) std::_Exit(0);
    }
  }
  ::close(requests[0]);
  ::close(answers[1]);
  spawner = {requests[1], answers[0], pid};
}

Run run_once(const std::vector<std::string>& argv) {
  if (spawner.pid <= 0) return run_here(argv);
  std::string request;
  for (const auto& a : argv) request += a + '\0';
  request += '\0';
  Run r;
  if (!write_all(spawner.to, request.data(), request.size()) || !read_all(spawner.from, &r, sizeof r)) {
    r = Run();
    r.ok = false;
  }
  return r;
}

// run_once() of a command that works on PostgreSQL: the cluster's CPU during the run is added.
Run run_pg(const std::vector<std::string>& argv, pid_t postmaster) {
  const auto before = assess::bench::cluster_cpu(postmaster);
  Run r = run_once(argv);
  const auto after = assess::bench::cluster_cpu_settled(postmaster, before.children);
  r.server = after.seconds - before.seconds;
  return r;
}

// CPU seconds of this process so far.
double self_cpu() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

template <typename F>
double best_of(int runs, F&& body) {
  double best = 1e9;
  for (int i = 0; i < runs; ++i) {
    const auto start = Clock::now();
    body();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return best;
}

double peak_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// The facts CSV the Python pass reads: id, name, then every typed fact column by its path.
std::string facts_header() {
  std::string h = "id,name";
  for (const auto& c : assess::fact_columns()) h += "," + c.path;
  return h + "\n";
}

std::string facts_line(const assess::Candidate& c) {
  std::string line = csv_cell(c.id) + "," + csv_cell(c.name);
  const auto values = assess::fact_values(c.facts);
  std::vector<std::string_view> items;
  for (std::size_t i = 0; i < assess::fact_columns().size(); ++i) {
    line += ",";
    if (!values) continue;
    const assess::Json& v = (*values)[i];
    if (v.is_null()) continue;
    if (v.is_boolean()) {
      line += v.get<bool>() ? "true" : "false";
    } else if (v.is_string()) {
      if (assess::fact_columns()[i].kind == assess::FactKind::kList) {
        assess::decode_list(v.get_ref<const std::string&>(), items);
        std::string joined;
        for (auto item : items) joined += (joined.empty() ? "" : "|") + std::string(item);
        line += csv_cell(joined);
      } else {
        line += csv_cell(v.get<std::string>());
      }
    } else {
      line += v.dump();
    }
  }
  return line + "\n";
}

// The import template's columns (profile question ids, <module>.level / .total), as import_bench.
const std::vector<std::string> kImportColumns = {"uscc",
                                                 "name",
                                                 "region",
                                                 "industry",
                                                 "employees",
                                                 "revenue_last_year",
                                                 "sme_quality_tier",
                                                 "smart_factory_tier",
                                                 "green_factory_level",
                                                 "digital_rd_tools",
                                                 "key_process_cnc_rate",
                                                 "tech_investment_two_years"};
const std::vector<std::string> kModules = {"sme-digital-2024", "smart-factory-2025", "cmmm"};

std::string import_line(const assess::Candidate& c) {
  std::string line;
  const auto& p = c.facts["profile"];
  for (std::size_t i = 0; i < kImportColumns.size(); ++i) {
    if (i) line += ",";
    const auto& col = kImportColumns[i];
    if (!p.contains(col) || p[col].is_null()) continue;
    const auto& v = p[col];
    line +=
        v.is_boolean() ? (v.get<bool>() ? "是" : "否") : (v.is_string() ? csv_cell(v.get<std::string>()) : v.dump());
  }
  for (const auto& m : kModules) {
    const auto r = c.facts["results"].value(m, assess::Json::object());
    const auto level = r.value("level", assess::Json());
    const auto total = r.value("total", assess::Json());
    line += "," + (level.is_string() ? level.get<std::string>() : std::string());
    line += "," + (total.is_number() ? total.dump() : std::string());
  }
  return line + "\n";
}

struct Data {
  std::string dir;
  std::string facts_csv;
  std::string import_csv;
  double store_seconds = 0;
  // PostgreSQL (with --database): the database's URL, the copy of the rows (wall; this process's CPU
  // and the cluster's) and the VACUUM ANALYZE after it (wall).
  std::string pg_url;
  double pg_copy_seconds = 0;
  double pg_copy_cpu = 0;
  double pg_copy_server = 0;
  double pg_analyze_seconds = 0;
  bool pg_reused = false;
};

// Latest bureau records in a PostgreSQL database (-1 when the database does not exist).
long long pg_records(const std::string& base, const std::string& name) {
  {
    auto admin = assess::Database::open(base);
    if (!assess::bench::pg_database_exists(*admin, name)) return -1;
  }
  auto db = assess::Database::open(assess::bench::pg_url_with_database(base, name));
  try {
    assess::Cursor& c = db->prepare("SELECT count(*) FROM bureau_facts WHERE latest = 1");
    const long long n = c.step() ? c.integer(0) : -1;
    c.reset();
    return n;
  } catch (const std::exception&) {
    return -1;  // no schema yet
  }
}

// Copies every row of `table` from the SQLite database to the PostgreSQL one (same schema: the same
// migrations), by INSERTs of many rows, in one transaction. The columns are PostgreSQL's.
void copy_table(assess::Database& from, assess::Database& to, const std::string& table) {
  std::vector<std::string> columns;
  {
    assess::Cursor& c = to.prepare(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = "
        "? ORDER BY ordinal_position");
    c.bind_text(1, table);
    while (c.step()) columns.emplace_back(c.text(0));
    c.reset();
  }
  std::string list;
  for (const auto& c : columns) list += (list.empty() ? "" : ", ") + c;
  const int width = static_cast<int>(columns.size());
  const int per = std::max(1, 20000 / width);  // rows per INSERT (PostgreSQL takes 65,535 parameters)
  const auto insert_sql = [&](int rows) {
    std::string sql = "INSERT INTO " + table + "(" + list + ") VALUES ";
    for (int r = 0; r < rows; ++r) {
      sql += r ? ",(" : "(";
      for (int c = 0; c < width; ++c) sql += c ? ",?" : "?";
      sql += ")";
    }
    return sql;
  };
  struct Value {
    assess::ColumnType type = assess::ColumnType::kNull;
    std::int64_t i = 0;
    double d = 0;
    std::string t;
  };
  std::vector<Value> rows;
  const auto flush = [&] {
    if (rows.empty()) return;
    assess::Cursor& ins = to.prepare(insert_sql(static_cast<int>(rows.size()) / width));
    for (std::size_t k = 0; k < rows.size(); ++k) {
      const int i = static_cast<int>(k) + 1;
      switch (rows[k].type) {
        case assess::ColumnType::kNull:
          ins.bind_null(i);
          break;
        case assess::ColumnType::kInteger:
          ins.bind_int(i, rows[k].i);
          break;
        case assess::ColumnType::kFloat:
          ins.bind_double(i, rows[k].d);
          break;
        case assess::ColumnType::kText:
          ins.bind_text(i, rows[k].t);
          break;
      }
    }
    while (ins.step()) {
    }
    ins.reset();
    rows.clear();
  };
  to.begin();
  assess::Cursor& src = from.prepare("SELECT " + list + " FROM " + table);
  while (src.step()) {
    for (int c = 0; c < width; ++c) {
      Value v;
      v.type = src.type(c);
      if (v.type == assess::ColumnType::kInteger) v.i = src.integer(c);
      if (v.type == assess::ColumnType::kFloat) v.d = src.real(c);
      if (v.type == assess::ColumnType::kText) v.t = std::string(src.text(c));
      rows.push_back(std::move(v));
    }
    if (static_cast<int>(rows.size()) == per * width) flush();
  }
  src.reset();
  flush();
  to.commit();
}

// Stores N synthetic enterprises in DIR/assess.db (batches of 20,000, one transaction each) and
// writes the facts CSV (and, when asked, the import CSV); with `pg_base`, copies the rows into the
// PostgreSQL database bureau_bench_N. Reuses what an earlier run left.
Data make_data(std::size_t n, const std::string& root, bool import_csv, const std::string& pg_base, pid_t postmaster) {
  Data d;
  d.dir = root + "/" + std::to_string(n);
  d.facts_csv = d.dir + "/facts.csv";
  d.import_csv = import_csv ? d.dir + "/import.csv" : "";
  const std::string pg_name = "bureau_bench_" + std::to_string(n);
  if (!pg_base.empty()) d.pg_url = assess::bench::pg_url_with_database(pg_base, pg_name);
  const std::string done = d.dir + "/complete";
  const auto copy_to_pg = [&] {
    if (pg_base.empty()) return;
    if (pg_records(pg_base, pg_name) == static_cast<long long>(n)) {
      d.pg_reused = true;
      return;
    }
    auto pg = assess::Store::open(assess::bench::pg_database(pg_base, pg_name, true));  // the schema
    auto sqlite = assess::Database::open(d.dir + "/assess.db");
    const auto lock = pg->guard();
    assess::Database& to = pg->database();
    const auto before = assess::bench::cluster_cpu(postmaster);
    const double self = self_cpu();
    const auto t0 = Clock::now();
    for (const char* table : {"bureau_records", "bureau_facts", "enterprises"}) copy_table(*sqlite, to, table);
    to.exec("SELECT setval(pg_get_serial_sequence('enterprises', 'id'), coalesce(max(id), 1)) FROM enterprises");
    d.pg_copy_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    d.pg_copy_cpu = self_cpu() - self;
    d.pg_copy_server = assess::bench::cluster_cpu(postmaster).seconds - before.seconds;
    // What a bulk load is followed by (autovacuum would do it later, in the middle of the timings).
    const auto t1 = Clock::now();
    to.exec("VACUUM ANALYZE");
    d.pg_analyze_seconds = std::chrono::duration<double>(Clock::now() - t1).count();
  };
  if (fs::exists(done) && (!import_csv || fs::exists(d.import_csv))) {
    copy_to_pg();
    return d;
  }
  fs::remove_all(d.dir);
  fs::create_directories(d.dir);
  auto store = assess::Store::open(d.dir + "/assess.db");
  std::ofstream facts(d.facts_csv);
  facts << facts_header();
  std::ofstream imp;
  if (import_csv) {
    imp.open(d.import_csv);
    std::string h;
    for (const auto& c : kImportColumns) h += (h.empty() ? "" : ",") + c;
    for (const auto& m : kModules) h += "," + m + ".level," + m + ".total";
    imp << h << "\n";
  }
  std::vector<assess::Store::BureauRecord> batch;
  for (std::size_t i = 0; i < n; ++i) {
    assess::Candidate c = assess::bench::synthetic_enterprise(2025, i);
    facts << facts_line(c);
    if (import_csv) imp << import_line(c);
    batch.push_back({c.id, c.name, c.facts.value("region", std::string()), std::move(c.facts), assess::Json(), ""});
    if (batch.size() == 20000 || i + 1 == n) {
      const auto start = Clock::now();
      store->save_bureau_records(batch, false, "bureau_bench", "2026-12-06");
      d.store_seconds += std::chrono::duration<double>(Clock::now() - start).count();
      batch.clear();
    }
  }
  store.reset();
  facts.close();
  if (import_csv) imp.close();
  std::ofstream(done) << "ok\n";
  copy_to_pg();
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace assess;
  start_spawner();
  std::vector<std::size_t> sizes;
  std::string pg_base;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--database" && i + 1 < argc) {
      pg_base = argv[++i];
    } else if (!a.empty() && std::isdigit(static_cast<unsigned char>(a[0]))) {
      sizes.push_back(static_cast<std::size_t>(std::strtoull(a.c_str(), nullptr, 10)));
    } else {
      std::fprintf(stderr, "usage: bureau_bench [--database postgresql://…] [N ...]\n");
      return 2;
    }
  }
  if (sizes.empty()) sizes = {100000, 1000000};
  const std::string src = ASSESS_SOURCE_DIR;
  const std::string assess = ASSESS_BINARY;
  const std::string root = (fs::temp_directory_path() / "assess-bureau-bench").string();
  const std::string sf = src + "/policies/criteria/xishan-sf-advanced-recommendation.json";
  const std::string pilot = src + "/policies/criteria/sme-digital-pilot-l2.json";
  const std::string py = src + "/bench/bureau_python_pass.py";
  pid_t postmaster = 0;
  if (!pg_base.empty()) {
    try {
      postmaster = bench::pg_postmaster(pg_base);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bureau_bench: %s: %s\n", pg_base.c_str(), e.what());
      return 1;
    }
  }
  const bool with_pg = postmaster > 0;

  struct Job {
    std::string label;
    std::vector<std::string> ours;
    std::vector<std::string> python;
    std::string sql;
    std::vector<std::string> ours_pg;  // the same command with --database (with_pg)
    std::string sql_pg;                // the same query in PostgreSQL's dialect
  };
  // The dashboard's aggregates: SQLite sums its 0/1 comparisons, PostgreSQL counts with FILTER.
  const auto dashboard_sql = [](const std::string& where, bool pg) {
    const auto n = [&](const std::string& cond) {
      return pg ? "count(*) FILTER (WHERE " + cond + ")" : "sum(" + cond + ")";
    };
    return "SELECT count(*), " + n("f_above_designated_size = 1") + ", " + n("f_above_designated_size IS NULL") + ", " +
           n("f_above_designated_size = 1 AND f_smart_factory_tier IN ('advanced', 'excellent', 'leading')") + ", " +
           n("f_above_designated_size = 1 AND f_digital_rd_tools = 1") +
           ", avg(CASE WHEN f_above_designated_size = 1 THEN f_key_process_cnc_rate END), " +
           n("f_green_factory_level IN ('provincial', 'national')") + " FROM bureau_facts WHERE latest = 1" + where +
           ";";
  };
  auto jobs_for = [&](const Data& d) {
    const std::vector<std::string> pg_args = {"--database", d.pg_url};
    auto with = [&](std::vector<std::string> v) {
      v.insert(v.end(), pg_args.begin(), pg_args.end());
      return v;
    };
    const std::string rank_sf_where =
        " FROM bureau_facts WHERE latest = 1 AND region = '320205' AND f_above_designated_size = 1 AND f_sf_level IN "
        "('SF2', 'SF3', 'SF4') AND f_smart_factory_tier IN ('none', 'basic') ";
    const std::string pilot_where =
        " FROM bureau_facts WHERE latest = 1 AND f_is_sme = 1 AND f_sme_total IS NOT NULL AND coalesce(f_sme_level, "
        "'') NOT IN ('L2', 'L3', 'L4') ";
    return std::vector<Job>{
        {"rank 先进级 (锡山)",
         {assess, "rank", "--criteria", sf, "--data-dir", d.dir},
         {"python3", py, "rank-sf", d.facts_csv},
         "SELECT uscc, 0.5 * coalesce(f_key_process_cnc_rate, 0) + 25 * coalesce(f_digital_rd_tools, 0) AS s" +
             rank_sf_where + "ORDER BY s DESC, f_sf_level DESC, f_tech_investment_two_years DESC LIMIT 10;",
         with({assess, "rank", "--criteria", sf}),
         "SELECT uscc, 0.5 * coalesce(f_key_process_cnc_rate, 0) + 25 * coalesce(f_digital_rd_tools, 0) AS s" +
             rank_sf_where +
             "ORDER BY s DESC, f_sf_level DESC NULLS LAST, f_tech_investment_two_years DESC NULLS LAST LIMIT 10;"},
        {"rank SME pilot (all)",
         {assess, "rank", "--criteria", pilot, "--data-dir", d.dir},
         {"python3", py, "rank-pilot", d.facts_csv},
         "SELECT uscc, 100 - 2.5 * max(0, 40 - f_sme_total) AS s" + pilot_where +
             "ORDER BY s DESC, f_key_process_cnc_rate DESC, f_employees DESC LIMIT 30;",
         with({assess, "rank", "--criteria", pilot}),
         "SELECT uscc, 100 - 2.5 * greatest(0, 40 - f_sme_total) AS s" + pilot_where +
             "ORDER BY s DESC, f_key_process_cnc_rate DESC NULLS LAST, f_employees DESC NULLS LAST LIMIT 30;"},
        {"dashboard 320000",
         {assess, "dashboard", "--region", "320000", "--data-dir", d.dir},
         {"python3", py, "dashboard", "320000", d.facts_csv},
         dashboard_sql(" AND region >= '32' AND region < '33'", false),
         with({assess, "dashboard", "--region", "320000"}),
         dashboard_sql(" AND region >= '32' AND region < '33'", true)},
        {"dashboard 100000",
         {assess, "dashboard", "--region", "100000", "--data-dir", d.dir},
         {"python3", py, "dashboard", "100000", d.facts_csv},
         dashboard_sql("", false),
         with({assess, "dashboard", "--region", "100000"}),
         dashboard_sql("", true)},
    };
  };
  const auto psql = [](const Data& d, const Job& j) {
    return std::vector<std::string>{"psql", "-qtA", "-d", d.pg_url, "-c", j.sql_pg};
  };

  // The baseline for memory per enterprise: the same commands over 1,000 records.
  const Data small = make_data(1000, root, false, pg_base, postmaster);
  const auto small_jobs = jobs_for(small);
  std::vector<double> base_mib, base_mib_pg;
  for (const auto& j : small_jobs) {
    base_mib.push_back(run_once(j.ours).peak_mib);
    if (with_pg) base_mib_pg.push_back(run_pg(j.ours_pg, postmaster).peak_mib);
  }

  for (std::size_t k = 0; k < sizes.size(); ++k) {
    const std::size_t n = sizes[k];
    const bool first = k == 0 && n <= 200000;  // import and the former path: 6 GB at 1,000,000
    const auto gen = Clock::now();
    const Data d = make_data(n, root, first, pg_base, postmaster);
    std::printf("\n== %zu enterprises (data dir %s; prepared in %.1f s, of which storing %.1f s)\n", n, d.dir.c_str(),
                std::chrono::duration<double>(Clock::now() - gen).count(), d.store_seconds);
    std::printf("   database %.1f MB, facts CSV %.1f MB\n",
                static_cast<double>(fs::file_size(d.dir + "/assess.db")) / 1e6,
                static_cast<double>(fs::file_size(d.facts_csv)) / 1e6);
    if (with_pg) {
      long long bytes = 0;
      {
        auto db = Database::open(d.pg_url);
        Cursor& c = db->prepare("SELECT pg_database_size(current_database())");
        if (c.step()) bytes = c.integer(0);
        c.reset();
      }
      if (d.pg_reused) {
        std::printf("   PostgreSQL: database bureau_bench_%zu reused (%.1f MB)\n", n, static_cast<double>(bytes) / 1e6);
      } else {
        std::printf(
            "   PostgreSQL: rows copied from SQLite in %.1f s wall (CPU: bench %.1f s + cluster %.1f s), VACUUM "
            "ANALYZE %.1f s; database %.1f MB\n",
            d.pg_copy_seconds, d.pg_copy_cpu, d.pg_copy_server, d.pg_analyze_seconds, static_cast<double>(bytes) / 1e6);
      }
    }
    if (first) {
      // `assess import` of the import-template CSV, end to end (issue 15: ≤ 60 s at 100,000).
      const std::string scratch = d.dir + "/import-dir";
      fs::remove_all(scratch);
      const Run r = run_once({assess, "import", d.import_csv, "--data-dir", scratch});
      std::printf("   assess import (%.1f MB CSV)      %8.2f s CPU (%.2f s wall)  peak RSS %7.1f MiB%s\n",
                  static_cast<double>(fs::file_size(d.import_csv)) / 1e6, r.seconds, r.wall, r.peak_mib,
                  r.ok ? "" : "  (FAILED)");
      fs::remove_all(scratch);
      if (with_pg) {
        // Into an empty database of the same cluster.
        const std::string url = bench::pg_database(pg_base, "bureau_bench_import", true);
        const Run p = run_pg({assess, "import", d.import_csv, "--database", url}, postmaster);
        std::printf(
            "   assess import --database        %8.2f s CPU + cluster %.2f s = %.2f s (%.2f s wall)  peak RSS %7.1f "
            "MiB%s\n",
            p.seconds, p.server, p.seconds + p.server, p.wall, p.peak_mib, p.ok ? "" : "  (FAILED)");
        bench::pg_drop_database(pg_base, "bureau_bench_import");
      }
    }
    const auto jobs = jobs_for(d);
    std::vector<Run> ours(jobs.size()), python(jobs.size()), sqlite(jobs.size()), ours_pg(jobs.size()),
        psql_pg(jobs.size());
    auto keep = [](Run& best, const Run& r) {
      if (r.seconds + r.server < best.seconds + best.server) best = r;
      best.ok = best.ok && r.ok;
    };
    for (int round = 0; round < 3; ++round) {
      for (std::size_t j = 0; j < jobs.size(); ++j) {
        keep(ours[j], run_once(jobs[j].ours));
        keep(python[j], run_once(jobs[j].python));
        keep(sqlite[j], run_once({"sqlite3", d.dir + "/assess.db", jobs[j].sql}));
        if (with_pg) {
          keep(ours_pg[j], run_pg(jobs[j].ours_pg, postmaster));
          keep(psql_pg[j], run_pg(psql(d, jobs[j]), postmaster));
        }
      }
    }
    std::printf("   SQLite — CPU seconds (user + system, best of 3; wall seconds of that run in brackets):\n");
    std::printf("   %-22s %18s %18s %18s %8s %10s %12s\n", "command", "assess", "python csv pass", "sqlite3 CLI",
                "÷python", "peak RSS", "B/enterprise");
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      const double per = (ours[j].peak_mib - base_mib[j]) * 1048576.0 / static_cast<double>(n - 1000);
      std::printf("   %-22s %7.3f (%7.3f) %7.3f (%7.3f) %7.3f (%7.3f) %7.2f× %6.1f MiB %10.0f%s\n",
                  jobs[j].label.c_str(), ours[j].seconds, ours[j].wall, python[j].seconds, python[j].wall,
                  sqlite[j].seconds, sqlite[j].wall, ours[j].seconds / python[j].seconds, ours[j].peak_mib, per,
                  ours[j].ok && python[j].ok && sqlite[j].ok ? "" : "  (a run FAILED)");
    }
    std::printf("   (memory per enterprise: peak RSS minus the same command's %.1f–%.1f MiB at 1,000 records)\n",
                *std::min_element(base_mib.begin(), base_mib.end()),
                *std::max_element(base_mib.begin(), base_mib.end()));
    if (with_pg) {
      std::printf(
          "   PostgreSQL — CPU seconds of the command + of the cluster's processes meanwhile (best of 3 by the sum; "
          "wall in brackets):\n");
      std::printf("   %-22s %26s %26s %10s %10s %12s\n", "command", "assess --database", "psql", "÷SQLite", "peak RSS",
                  "B/enterprise");
      for (std::size_t j = 0; j < jobs.size(); ++j) {
        const Run& o = ours_pg[j];
        const Run& q = psql_pg[j];
        const double per = (o.peak_mib - base_mib_pg[j]) * 1048576.0 / static_cast<double>(n - 1000);
        std::printf("   %-22s %6.3f+%6.3f (%7.3f) %6.3f+%6.3f (%7.3f) %9.2f× %6.1f MiB %10.0f%s\n",
                    jobs[j].label.c_str(), o.seconds, o.server, o.wall, q.seconds, q.server, q.wall,
                    (o.seconds + o.server) / ours[j].seconds, o.peak_mib, per, o.ok && q.ok ? "" : "  (a run FAILED)");
      }
      std::printf(
          "   (÷SQLite: the command's CPU plus the cluster's over the SQLite command's CPU; peak RSS is the "
          "command's only)\n");
    }

    if (first) {
      // The former path, in this process: every latest record's JSON parsed into candidates.
      const Catalogue catalogue = load_catalogue_dir(src + "/policies");
      const auto targets = dashboard_targets(catalogue);
      const Criteria criteria = load_criteria(read_json_file(sf), sf);
      auto store = Store::open(d.dir + "/assess.db");
      const double before = peak_mib();
      std::vector<Candidate> candidates;
      const double load = best_of(1, [&] { candidates = candidates_from_json(store->bureau_candidates(), "db"); });
      const double ranked = best_of(3, [&] { (void)rank(criteria, candidates); });
      const double dash = best_of(3, [&] { (void)dashboard(candidates, catalogue.dashboard, targets, "320000"); });
      std::printf(
          "   former path in process: load + parse %.2f s, then rank %.3f s, dashboard %.3f s; peak RSS +%.0f MiB "
          "(%.0f B/enterprise)\n",
          load, ranked, dash, peak_mib() - before, (peak_mib() - before) * 1048576.0 / static_cast<double>(n));
      const auto rows = [&](const FactQuery& q, const FactRowVisitor& v) { return store->bureau_rows(q, v); };
      const double typed_rank = best_of(3, [&] { (void)rank_rows(criteria, rows, {}, criteria.top); });
      const double typed_dash = best_of(3, [&] { (void)dashboard_rows(rows, catalogue.dashboard, targets, "320000"); });
      std::printf("   typed path in process:  rank %.3f s, dashboard %.3f s (from the database, nothing held)\n",
                  typed_rank, typed_dash);
      // The peer percentile of GET report: an indexed count against the former scan of every record.
      const auto& me = candidates.front();
      PeerBenchmark p;
      const double indexed = best_of(3, [&] {
        p = percentile_of(me.id, me.facts, "sme-digital-2024",
                          [&](const std::string& div, const std::string& size, std::int64_t q) {
                            return store->peer_counts("sme-digital-2024", div, size, q, me.id);
                          });
      });
      const double scan = best_of(1, [&] {
        (void)percentile(candidates_from_json(store->bureau_candidates(), "db"), me.id, "sme-digital-2024");
      });
      std::printf("   peer percentile: indexed %.3f ms (group %zu) vs load-and-scan %.2f s\n", indexed * 1000,
                  p.group_size, scan);
    }
  }
  return 0;
}
