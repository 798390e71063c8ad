// dashboard.h — a region measured against the targets of its action plan, and an enterprise measured
// against its peers.
//
// The bureau tracks the indicators the seed documents set (policies-from-seeds.md, "Indicators the
// seeds measure regions by"): share of 规上 enterprises at each smart-factory tier (锡山), SME digital
// level by recognition class (锡山), digital R&D design tool penetration and key-process CNC rate
// (嘉兴 / 聊城 / 攀枝花), green factories (嘉兴 / 聊城 / 攀枝花). Every figure carries its numerator,
// denominator, formula, the enterprises left out for a missing fact, and each target it is compared
// with (document, clause, quote, met or not). Figures over fewer than `min_group` enterprises are
// suppressed: their value is withheld, with the reason. Pure functions over the candidates.
//
// Which questionnaires give the two ladders — the assessed smart-factory tier and the SME digital
// level —, their level ids and the level each SME recognition class is held to are data
// (policies/facts/dashboard.json, policy.h DashboardLadders), passed to every function here: a new
// questionnaire is a change of that file. The figures' ids and breakdowns name the ladders' level ids
// ("sf_tier_share/<level>", "sme_level_by_class/<class>/<level>", breakdown "below_<first level>",
// "<level>", …). A rung is worded by its level: the catalogue's "srv_dash_level_<module>.<level>" when
// the catalogue has that key (the shipped ladders' words, "基础级", "一级（初始级）"), else the level's
// name in the questionnaire (DashboardLadder::names): a ladder of any length, or a new questionnaire,
// needs no catalogue key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "scoring/assessment.h"
#include "scoring/policy.h"
#include "scoring/rank.h"
#include "scoring/text.h"

namespace assess {

// A regional target with the document it comes from.
struct DashboardTarget {
  std::string document;  // policy document id
  Text document_title;
  std::string number;  // 文号 ("" for a draft without one)
  std::string jurisdiction;
  bool draft = false;
  PolicyTarget target;
};

// Every target of every document in the catalogue, in catalogue order.
[[nodiscard]] std::vector<DashboardTarget> dashboard_targets(const Catalogue& catalogue);

// Checks the ladders against the questionnaires: each configured module is one of them and its level
// ids, in order, are the ladder's; then takes the levels' names (DashboardLadder::names), which word
// the rungs. Throws Error `<file>:<pointer>: <message>`.
void check_dashboard_ladders(DashboardLadders& ladders, const Library& library);

// What "at tier X" means for the smart-factory shares: the tier the enterprise has been recognised at
// (profile.smart_factory_tier: 基础级 is self-assessed by design, 先进级 and up are recognised by the
// province or the ministries; rung k of the profile's tiers stands for level k of the ladder) — the
// figure the action plan will be judged on — or the level the smart-factory ladder's self-check
// reaches (results.<module>.level), an indication of who is ready.
enum class TierBasis { kRecognised, kAssessed };
[[nodiscard]] const char* to_string(TierBasis basis);

struct DashboardOptions {
  std::size_t min_group = 5;  // aggregates over fewer enterprises are suppressed
  TierBasis tier_basis = TierBasis::kRecognised;
  // The profile records an enterprise's highest SME recognition only. The ladder is progressive
  // (创新型 → 省级专精特新 → 小巨人), so by default a class includes the rungs above it: a 小巨人
  // also counts as a 省级专精特新 and as a 创新型 SME. false: the exact class only.
  bool sme_class_includes_higher = true;
};

struct TargetCheck {
  std::string id;
  Text title;
  std::string document;
  Text document_title;
  std::string number;
  std::string jurisdiction;
  bool draft = false;
  // How the target's jurisdiction relates to the dashboard's region: "same"; "contains" (the target
  // covers a larger area that holds the region); "within" (the region holds the target's area);
  // "other" (another jurisdiction's target, shown as a benchmark).
  std::string relation;
  std::string cite;
  std::string quote;
  std::string comparator;  // ">", ">=", "<", "<=", "≈" or ""
  std::string unit;
  std::string by;
  std::optional<double> value;  // the target figure
  std::optional<bool> met;      // null: suppressed figure, no figure, or a comparator that cannot be judged
  Phrase note;
};

struct Figure {
  std::string id;                   // "sf_tier_share/<level>", "sme_level_by_class/<class>/<level>", ...
  std::string indicator;            // as in policy targets
  Phrase title;                     // the figure's words are worded when shown (text.h Phrase, "srv_dash_*")
  std::string unit;                 // "percent" or "count"
  std::optional<double> value;      // null when suppressed
  std::optional<double> numerator;  // a count, or a sum for a mean; null when suppressed
  std::size_t denominator = 0;      // enterprises in scope with the fact known
  std::size_t unknown = 0;          // enterprises in scope without the fact (left out of the denominator)
  bool suppressed = false;
  Phrase reason;
  Phrase formula;
  Json breakdown = Json::object();  // counts by class (withheld when suppressed)
  // Not empty for a proxy: a figure the data allows in place of one the target names but no fact
  // measures (e.g. "数字化改造全覆盖"), with its definition. A proxy's targets are shown, not judged.
  Phrase proxy;
  std::vector<TargetCheck> targets;
};

struct NotMeasured {
  TargetCheck target;
  Phrase reason;
};

struct Dashboard {
  std::string region;
  std::size_t min_group = 5;
  TierBasis tier_basis = TierBasis::kRecognised;
  std::size_t enterprises = 0;         // candidates in the region
  std::size_t above_size = 0;          // of which 规上 (profile.above_designated_size)
  std::size_t above_size_unknown = 0;  // of which the 规上 flag is missing
  std::vector<Figure> figures;
  std::vector<NotMeasured> not_measured;  // targets of related jurisdictions that no fact measures
};

// `region`: a GB/T 2260 code (or prefix); candidates whose facts.region lies in it are counted.
[[nodiscard]] Dashboard dashboard(const std::vector<Candidate>& candidates, const DashboardLadders& ladders,
                                  const std::vector<DashboardTarget>& targets, const std::string& region,
                                  const DashboardOptions& options = {});

// `lang` reads the targets' texts; `words` (the "srv_dash_*" catalogue entries of the same language,
// text.h) word the figures' titles, formulas, notes and reasons.
[[nodiscard]] Json dashboard_to_json(const Dashboard& dashboard, const std::string& lang, const Words& words);

// When a figure's trend reaches a target at the current pace (the dashboard's trajectories, issue
// 15 item 6): the straight line through the last two years that have a value (suppressed years and
// years without the figure are left out). With `comparator` "<" or "<=" the target is a ceiling and
// the figure must fall to it; any other comparator (">=", ">", "≈", "") is a floor it must rise to.
//   kReached: the last value already meets the target (>= for a floor, <= for a ceiling);
//   kYear: it does not, the line moves towards the target: the first whole year at or after the
//          point where the line meets it, ceil(last_year + (target − last) ÷ pace);
//   kNever: the line stands still or moves away;
//   kUnknown: fewer than two years with a value.
struct YearValue {
  int year = 0;
  std::optional<double> value;  // null: suppressed, or no figure that year
};
enum class TrendState { kUnknown, kReached, kYear, kNever };
[[nodiscard]] const char* to_string(TrendState state);
struct Trend {
  TrendState state = TrendState::kUnknown;
  int year = 0;     // kYear only
  double pace = 0;  // per year, between the last two years with a value
};
[[nodiscard]] Trend trend_to_target(std::vector<YearValue> points, double target, const std::string& comparator);

// What the dashboard reads of one enterprise (ladder positions as indexes, -1 unknown): the JSON
// facts and the typed columns (fact_table.h) give the same values.
struct DashboardFacts {
  std::int16_t above = -1;      // profile.above_designated_size: 1, 0, -1 not a yes/no
  std::int16_t sf_tier = -1;    // profile.smart_factory_tier: none 0 … leading 4
  std::int16_t sf_level = -1;   // results.<smart-factory ladder>: 0 below its first level, 1..n, -1 not assessed
  std::int16_t sme_class = -1;  // profile.sme_quality_tier: none 0 … little_giant 3
  std::int16_t sme_level = -1;  // results.<SME ladder>: 0 below its first level, 1..n, -1 not assessed
  std::int16_t rd_tools = -1;   // profile.digital_rd_tools
  std::int16_t green = -1;      // profile.green_factory_level: none 0 … national 3
  bool cnc_known = false;       // profile.key_process_cnc_rate is a number
  double cnc = 0;
  std::int32_t projects = -1;  // projects.count: technical projects on record, -1 none recorded
};
DashboardFacts dashboard_facts(const Json& facts, const DashboardLadders& ladders);
// The fact paths dashboard_facts() reads: the bureau's import template offers a column for each.
[[nodiscard]] std::vector<std::string> dashboard_fact_paths(const DashboardLadders& ladders);

// The typed columns (fact_table.h) the dashboard reads with `ladders`, looked up once. A ladder whose
// module has no column (a questionnaire added as files) makes `typed` false: every row is then read
// from its JSON facts — the same figures, slower.
struct DashboardColumns {
  explicit DashboardColumns(const DashboardLadders& ladders);
  bool typed = true;
  // The fact paths (columns, "present" ones included) a store groups by: every fact the tally reads
  // as a ladder or a yes/no (only when typed).
  std::vector<std::string> group_paths;
  // Those and the two numbers summed: every column dashboard_facts() reads (fact_table.h indexes).
  std::vector<int> columns;
  int sf_present = -1, sf_level = -1, sme_present = -1, sme_level = -1;  // -1: ladder not configured
};

// What a bureau record keeps of an assessment's project list (issue 15 item 8), as its facts'
// "projects": {"count": n, "by_kind": {kind: n}} over the technical projects — those of kinds
// tech_transformation, equipment, digital_demo and energy_saving (policies/README.md, "Projects"):
// the investment projects the plans' "技术改造项目" counts name; loans and recognitions are not
// counted. An empty list gives count 0 (the assessment recorded no project).
[[nodiscard]] Json project_facts(const std::vector<Json>& projects);
// Over typed values (fact_columns() order); only when `columns.typed`.
DashboardFacts dashboard_facts(const logic::Typed* values, const DashboardLadders& ladders,
                               const DashboardColumns& columns);
// One row of a FactRowSource: its typed values when `columns.typed` and it has them, else its JSON
// facts (a reader asks for them with FactQuery::want_json = !columns.typed).
DashboardFacts dashboard_facts(const FactRow& row, const DashboardLadders& ladders, const DashboardColumns& columns);

// A group of enterprises with the same ladder facts, as a database counts them (dashboard_groups).
struct DashboardGroup {
  const logic::Typed* values = nullptr;  // fact_columns() order; the grouped columns are set (null for an untyped row)
  // An untyped row (any row when DashboardColumns::typed is false): its facts (count 1, the sums below unused).
  const Json* facts = nullptr;
  // One typed row with every column dashboard_facts() reads set (count 1, the sums below unused): a
  // store in this process (SQLite) streams the rows, since grouping in SQL would add a sort.
  // Typed rows and groups are taken as inside the region: a source must apply the query's region
  // exactly to them (untyped rows are checked here against their JSON).
  bool row = false;
  std::int64_t count = 0;
  std::int64_t cnc_known = 0;       // rows of the group whose CNC rate is a number in [0, 100]
  std::int64_t cnc_millionths = 0;  // the sum of cnc_millionths() over them
  std::int64_t projects_known = 0;  // rows whose project count is a whole number in [0, 2^31)
  std::int64_t projects = 0;        // the sum of those counts
};

// The figures, counted one enterprise at a time (in the order given: the CNC mean sums in it).
class DashboardTally {
 public:
  // `ladders` and `targets` are kept by reference: they must outlive the tally.
  DashboardTally(const DashboardLadders& ladders, const std::vector<DashboardTarget>& targets, std::string region,
                 const DashboardOptions& options = {});
  void add(const DashboardFacts& facts);  // an enterprise inside the region
  // `count` enterprises with the same ladder facts (`facts`' CNC rate and project count unused), and
  // their CNC and project sums (DashboardGroup).
  void add_group(const DashboardFacts& facts, const DashboardGroup& group);
  Dashboard result() const;
  [[nodiscard]] const DashboardColumns& columns() const { return columns_; }

 private:
  struct SmeCount {
    int class_rank = 0;
    int need = 0;
    std::size_t members = 0, known = 0, yes = 0;
    std::vector<std::size_t> by_level;  // below the first level, then each level
  };
  const DashboardLadders& ladders_;
  DashboardColumns columns_;
  const std::vector<DashboardTarget>& targets_;
  std::string region_;
  DashboardOptions options_;
  std::vector<std::pair<std::string, std::string>> sme_pairs_;
  std::vector<SmeCount> sme_;
  std::size_t enterprises_ = 0, above_ = 0, above_unknown_ = 0;
  std::size_t sf_known_ = 0;
  std::vector<std::size_t> sf_at_least_;  // [k]: at level k of the smart-factory ladder or higher
  std::size_t rd_known_ = 0, rd_yes_ = 0;
  std::size_t cnc_known_ = 0;
  std::int64_t cnc_millionths_ = 0;  // cnc_millionths() summed
  std::size_t green_known_ = 0;
  std::size_t digital_known_ = 0, digital_yes_ = 0;  // the digital-retrofit proxy, among 规上
  std::size_t green_by_level_[4] = {0, 0, 0, 0};
  std::size_t projects_known_ = 0;  // enterprises with a project count on record
  std::int64_t projects_sum_ = 0;
};

// The dashboard over rows a store streams (rank.h's FactRowSource), in constant memory.
Dashboard dashboard_rows(const FactRowSource& source, const DashboardLadders& ladders,
                         const std::vector<DashboardTarget>& targets, const std::string& region,
                         const DashboardOptions& options = {});

// The dashboard from counts the database makes (issue 16: aggregation where it belongs). A store
// groups the region's typed rows by DashboardColumns::group_paths — every fact the tally reads as a
// ladder or a yes/no — and gives each group's size with the exact sums of the two numbers the
// dashboard adds up: the CNC rates in [0, 100], in millionths of a point (cnc_millionths()), and
// the project counts that are whole numbers in [0, 2^31). A row whose facts do not fit the typed
// columns comes alone, with its JSON facts; when a ladder has no column (DashboardColumns::typed
// false) every row comes alone with its JSON facts. The same figures as dashboard_rows() over the
// same rows, whatever the order or grouping.
using DashboardGroupVisitor = std::function<void(const DashboardGroup&)>;
using DashboardGroupSource = std::function<void(const FactQuery&, const DashboardGroupVisitor&)>;
// A CNC rate in [0, 100] as whole millionths of a point: floor(rate × 1,000,000 + 0.5), each step in
// IEEE double arithmetic, as a database computes it on a double column — so the rates add up
// exactly, in any order, in the database or here (the region's mean is the sum of these ÷ 10^6 ÷ the
// firms, rounded once).
[[nodiscard]] std::int64_t cnc_millionths(double rate);
[[nodiscard]] Dashboard dashboard_groups(const DashboardGroupSource& source, const DashboardLadders& ladders,
                                         const std::vector<DashboardTarget>& targets, const std::string& region,
                                         const DashboardOptions& options = {});

// The percentile of one enterprise's module total among its peers: same GB/T 4754 division (first
// two digits of profile.industry) and same size class (profile.size_class), optionally inside a
// region. Percentile rank = (peers below + ½ × peers equal, the enterprise included) ÷ group × 100.
struct PeerBenchmark {
  std::string enterprise;
  std::string module;
  std::string division;
  std::string size_class;
  std::optional<double> total;  // the enterprise's own total
  std::size_t group_size = 0;   // peers with a total (the enterprise included when it matches)
  std::size_t below = 0;
  std::size_t same = 0;
  std::optional<double> percentile;  // null when suppressed
  bool suppressed = false;
  Phrase reason;
};

// `division` / `size_class` empty: the enterprise's own. Throws Error (kNotFound) for an unknown id.
[[nodiscard]] PeerBenchmark percentile(const std::vector<Candidate>& candidates, const std::string& enterprise,
                                       const std::string& module, const std::string& division = "",
                                       const std::string& size_class = "", const std::string& region = "",
                                       std::size_t min_group = 5);

[[nodiscard]] Json peer_to_json(const PeerBenchmark& peer, const std::string& lang, const Words& words);

// The peer benchmark from counts a store makes with an index (Store::peer_counts) instead of a scan:
// `peers(division, size_class, quantized_total)` counts the other enterprises of the group with a
// total, those below and those equal (totals quantized at 6 decimals, fact_table.h). The same
// result as percentile() over those peers plus the enterprise (`facts`, under `enterprise`).
struct PeerCounts {
  std::size_t group = 0;
  std::size_t below = 0;
  std::size_t same = 0;
};
using PeerCounter =
    std::function<PeerCounts(const std::string& division, const std::string& size_class, std::int64_t total_q)>;
PeerBenchmark percentile_of(const std::string& enterprise, const Json& facts, const std::string& module,
                            const PeerCounter& peers, std::size_t min_group = 5);

}  // namespace assess
