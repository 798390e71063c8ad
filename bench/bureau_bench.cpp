// bureau_bench — the bureau workspace at scale: 100,000 synthetic enterprises (synthetic_enterprises.h),
// ranked with the shipped criteria (the 先进级 recommendation first) and summarised on the regional
// dashboard. Prints seconds per operation (the target is ≤ 1 s each on one core) and the process's
// memory. Not a test: it asserts nothing about time, it reports.
//   bureau_bench [N] [SOURCE_DIR]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <malloc.h>
#include <sys/resource.h>

#include "assess/dashboard.h"
#include "assess/policy.h"
#include "assess/rank.h"
#include "synthetic_enterprises.h"

namespace {

using Clock = std::chrono::steady_clock;

// Resident set now and at its peak, in MiB (Linux /proc; peak from getrusage).
double rss_mib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  }
  return 0;
}

// Bytes the allocator has handed out and not taken back, in MiB (glibc).
double heap_mib() { return static_cast<double>(mallinfo2().uordblks) / (1024.0 * 1024.0); }

double peak_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

// Best of `runs` timings, in seconds.
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

}  // namespace

int main(int argc, char** argv) {
  using namespace assess;
  const std::size_t n = argc > 1 ? static_cast<std::size_t>(std::strtoull(argv[1], nullptr, 10)) : 100000;
  const std::string src = argc > 2 ? argv[2] : ASSESS_SOURCE_DIR;
  const double rss_start = rss_mib();
  const double heap_start = heap_mib();

  const auto gen_start = Clock::now();
  const std::vector<Candidate> candidates = bench::synthetic_enterprises(n, 2025);
  const double gen_seconds = std::chrono::duration<double>(Clock::now() - gen_start).count();
  const double rss_candidates = rss_mib();
  std::printf("enterprises: %zu generated in %.3f s; candidates hold %.1f MiB of heap (%.0f bytes each; RSS %.1f → %.1f MiB)\n",
              candidates.size(), gen_seconds, heap_mib() - heap_start, (heap_mib() - heap_start) * 1048576.0 / static_cast<double>(n),
              rss_start, rss_candidates);

  const std::vector<Criteria> criteria = load_criteria_dir(src + "/policies/criteria");
  const Catalogue catalogue = load_catalogue_dir(src + "/policies");
  const std::vector<DashboardTarget> targets = dashboard_targets(catalogue);

  // The 先进级 recommendation first (the brief's figure), then the other shipped criteria.
  std::vector<const Criteria*> order;
  for (const auto& c : criteria) {
    if (c.id == "xishan-sf-advanced-recommendation") order.insert(order.begin(), &c);
    else order.push_back(&c);
  }
  for (const Criteria* c : order) {
    RankResult result;
    const double seconds = best_of(3, [&] { result = rank(*c, candidates); });
    std::size_t moved = 0;
    for (const auto& sc : result.sensitivity.cases) moved += sc.entering.size();
    std::printf("rank %-36s %7.3f s  considered %6zu, eligible %6zu, top %zu, sensitivity cases %zu (%zu entries)\n",
                c->id.c_str(), seconds, result.considered, result.rows.size(), result.top, result.sensitivity.cases.size(), moved);
  }
  // The same 先进级 criteria over the whole country (no region filter in the options, but the file's
  // own 锡山 filter still applies) and with the filter lifted, to time ranking of every candidate.
  {
    Criteria everywhere = *order.front();
    everywhere.regions.clear();
    const double heap_before = heap_mib();
    RankResult result = rank(everywhere, candidates);
    const double result_mib = heap_mib() - heap_before;
    const double seconds = best_of(3, [&] { result = rank(everywhere, candidates); });
    std::printf("rank %-36s %7.3f s  considered %6zu, eligible %6zu (file's region filter lifted); result holds %.1f MiB\n",
                "先进级, all regions", seconds, result.considered, result.rows.size(), result_mib);
    const double page = best_of(3, [&] { (void)rank_to_json(result, "zh-CN", 100).dump(); });
    const double to_json = best_of(1, [&] { (void)rank_to_json(result).dump(); });
    std::printf("     rank_to_json + dump, first 100 rows    %7.3f s\n", page);
    std::printf("     rank_to_json + dump, all %6zu rows   %7.3f s\n", result.rows.size() + result.ineligible.size(), to_json);
  }

  for (const char* region : {"320205", "320000", "330400", "100000"}) {
    Dashboard d;
    const double seconds = best_of(3, [&] { d = dashboard(candidates, targets, region); });
    std::printf("dashboard %-8s %7.3f s  enterprises %6zu, 规上 %6zu, figures %zu, not measured %zu\n", region, seconds,
                d.enterprises, d.above_size, d.figures.size(), d.not_measured.size());
  }
  {
    PeerBenchmark p;
    const double seconds = best_of(3, [&] { p = percentile(candidates, candidates.front().id, "sme-digital-2024"); });
    std::printf("percentile (one enterprise, sme-digital-2024) %7.3f s  group %zu\n", seconds, p.group_size);
  }
  std::printf("memory: RSS now %.1f MiB, peak %.1f MiB\n", rss_mib(), peak_mib());
  return 0;
}
