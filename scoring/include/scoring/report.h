// report.h — the HTML improvement report the consultant leaves behind: where the enterprise stands,
// what to do next, and what each step is worth.
//
// Two steps, as the guide asks: `report_view` builds a plain JSON view model from the scored
// assessment and the rewards (every number already formatted, every chart already an inline SVG
// with escaped labels), and `ReportRenderer` (formats/report_render.h) lays it out with the Mustache templates in
// templates/.
// The result is one self-contained file: inline CSS and SVG, no script, no external URL, print CSS
// for A4. Both steps are pure functions of their inputs (the generation time is an argument).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "scoring/assessment.h"
#include "scoring/code_list.h"
#include "scoring/dashboard.h"
#include "scoring/gap.h"
#include "scoring/rank.h"
#include "scoring/rewards.h"

namespace assess {

struct ReportOptions {
  std::string lang = "zh-CN";                       // which of the definitions' texts (Text::in)
  Words words;                                      // the words written in code (text.h): the "srv_*" catalogue entries
  std::string generated_at;                         // shown on the cover and in the footer, e.g. "2026-11-24 10:00"
  const AssessmentResult* previous = nullptr;       // the earlier assessment, for T0 → T1
  const RewardsResult* previous_rewards = nullptr;  // its rewards, compared with the rewards given
  const CodeList* regions = nullptr;                // to name the region
  long long max_gap_nodes = 200'000;
  // The gap plan of a module to its next level. When empty, the report runs find_gap with
  // max_gap_nodes; the web app passes the plans it keeps between requests (the same search).
  std::function<std::shared_ptr<const GapResult>(const std::string& module, int next)> gap;
  // The explanation of a module's score (explain_score, in `lang` with `words`). When empty, or when
  // it gives nullptr, the report works it out; the web app passes those it keeps between requests.
  std::function<std::shared_ptr<const Json>(const std::string& module)> explained;
  // "open" or "submitted" from the web app; "" for a file. An open assessment, or one with required
  // questions unanswered, is a draft: the report says so on its first page and on every printed page.
  std::string status;
  // Peer group for the benchmark (bureau records): the enterprise's percentile within its industry
  // division and size class, shown only where the group has at least 5 enterprises.
  const std::vector<Candidate>* peers = nullptr;
  // Or the counts of that group from a store's index (Store::peer_counts), by module; the record
  // under the enterprise's own USCC is left out, as above.
  std::function<PeerCounts(const std::string& module, const std::string& division, const std::string& size_class,
                           std::int64_t total_q, const std::string& except_uscc)>
      peer_counts;
};

[[nodiscard]] Json report_view(const AssessmentResult& assessment, const RewardsResult* rewards,
                               const Catalogue* catalogue, const ReportOptions& options);

// Chart helpers (exposed for tests): inline SVG with every label escaped.
[[nodiscard]] std::string radar_svg(const std::vector<std::string>& labels, const std::vector<double>& shares);
[[nodiscard]] std::string bars_svg(const std::vector<std::string>& labels, const std::vector<double>& values,
                                   double max);
[[nodiscard]] std::string xml_escape(const std::string& text);

}  // namespace assess
