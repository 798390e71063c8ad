#include "scoring/dashboard.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "../bench/synthetic_enterprises.h"
#include "scoring/error.h"
#include "scoring/policy.h"
#include "support.h"

namespace {

// The figures' words come from the shipped catalogues ("srv_dash_*", "srv_peer_*").
using assess::testing::en_words;
using assess::testing::zh_words;

const std::string kData = ASSESS_SOURCE_DIR "/tests/data/bureau";

const assess::Catalogue& shipped_catalogue() {
  static const auto catalogue = assess::load_catalogue_dir(ASSESS_SOURCE_DIR "/policies");
  return catalogue;
}

const std::vector<assess::DashboardTarget>& shipped_targets() {
  static const auto targets = assess::dashboard_targets(shipped_catalogue());
  return targets;
}

// The shipped ladders (policies/facts/dashboard.json).
const assess::DashboardLadders& shipped_ladders() {
  return shipped_catalogue().dashboard;
}

std::vector<assess::Candidate> small() {
  return assess::candidates_from_json(assess::read_json_file(kData + "/dashboard-small/candidates.json"),
                                      "candidates.json");
}

const assess::Figure& figure(const assess::Dashboard& d, const std::string& id) {
  auto it = std::find_if(d.figures.begin(), d.figures.end(), [&](const assess::Figure& f) { return f.id == id; });
  REQUIRE_MESSAGE(it != d.figures.end(), "no figure ", id);
  return *it;
}

const assess::TargetCheck* target(const assess::Figure& f, const std::string& id) {
  for (const auto& t : f.targets) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

void check_figure(const assess::Figure& f, const assess::Json& e) {
  INFO("figure ", f.id);
  CHECK(f.denominator == e["denominator"].get<std::size_t>());
  CHECK(f.unknown == e["unknown"].get<std::size_t>());
  const bool suppressed = e.value("suppressed", false);
  CHECK(f.suppressed == suppressed);
  if (suppressed) {
    CHECK_FALSE(f.value.has_value());
    CHECK_FALSE(f.numerator.has_value());
    CHECK(f.breakdown.empty());
    if (e.contains("reason_en")) CHECK(f.reason.in("en", en_words()) == e["reason_en"].get<std::string>());
    return;
  }
  REQUIRE(f.value.has_value());
  REQUIRE(f.numerator.has_value());
  CHECK_NEAR(*f.numerator, e["numerator"].get<double>());
  CHECK(std::fabs(*f.value - e["value"].get<double>()) < 1e-9);
  if (e.contains("breakdown")) {
    for (const auto& item_ : e["breakdown"].items()) {
      const std::string k = item_.key();
      const auto& v = item_.value();
      INFO(k);
      CHECK(f.breakdown[k] == v);
    }
  }
}

// ---- Independent counts with plain loops -------------------------------------------------------

struct Count {
  std::size_t num = 0;
  double sum = 0;
  std::size_t known = 0;
  std::size_t unknown = 0;
};

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// "320200" → "3202", "320000" → "32", "100000" → "".
std::string prefix_of(const std::string& region) {
  if (region == "100000") return "";
  if (region.substr(2) == "0000") return region.substr(0, 2);
  if (region.substr(4) == "00") return region.substr(0, 4);
  return region;
}

int index_in(const assess::Json& v, const std::vector<std::string>& ids) {
  if (!v.is_string()) return -1;
  auto it = std::find(ids.begin(), ids.end(), v.get<std::string>());
  return it == ids.end() ? -1 : static_cast<int>(it - ids.begin());
}

void check_against_plain_counts(const std::vector<assess::Candidate>& all, const std::string& region) {
  INFO("region ", region);
  const auto d = assess::dashboard(all, shipped_ladders(), shipped_targets(), region);
  const std::string prefix = prefix_of(region);
  std::vector<const assess::Json*> in;
  std::vector<const assess::Json*> above;
  std::size_t above_unknown = 0;
  for (const auto& c : all) {
    if (!starts_with(c.facts["region"].get<std::string>(), prefix)) continue;
    in.push_back(&c.facts);
    const auto& p = c.facts["profile"];
    if (!p.contains("above_designated_size")) {
      ++above_unknown;
    } else if (p["above_designated_size"].get<bool>()) {
      above.push_back(&c.facts);
    }
  }
  CHECK(d.enterprises == in.size());
  CHECK(d.above_size == above.size());
  CHECK(d.above_size_unknown == above_unknown);

  auto expect = [&](const std::string& id, const Count& c, bool mean = false, bool count = false) {
    const auto& f = figure(d, id);
    INFO("figure ", id);
    CHECK(f.denominator == c.known);
    CHECK(f.unknown == c.unknown);
    CHECK(f.suppressed == (c.known < 5));
    if (c.known < 5) {
      CHECK_FALSE(f.value.has_value());
      CHECK_FALSE(f.numerator.has_value());
      return;
    }
    REQUIRE(f.value.has_value());
    if (mean) {
      CHECK(*f.value == doctest::Approx(c.sum / static_cast<double>(c.known)).epsilon(1e-12));
      CHECK(*f.numerator == doctest::Approx(c.sum).epsilon(1e-12));
    } else if (count) {
      CHECK(*f.value == static_cast<double>(c.num));
    } else {
      CHECK(*f.numerator == static_cast<double>(c.num));
      CHECK(*f.value ==
            doctest::Approx(100.0 * static_cast<double>(c.num) / static_cast<double>(c.known)).epsilon(1e-12));
    }
  };

  const std::vector<std::string> tiers = {"none", "basic", "advanced", "excellent", "leading"};
  for (int k = 1; k <= 4; ++k) {
    Count c;
    for (const auto* f : above) {
      const int t = index_in((*f)["profile"].value("smart_factory_tier", assess::Json()), tiers);
      if (t < 0) {
        ++c.unknown;
        continue;
      }
      ++c.known;
      if (t >= k) ++c.num;
    }
    expect("sf_tier_share/SF" + std::to_string(k), c);
  }
  const std::vector<std::string> classes = {"none", "innovative", "provincial_zjtx", "little_giant"};
  const std::vector<std::pair<std::string, int>> pairs = {
      {"innovative", 1}, {"provincial_zjtx", 2}, {"little_giant", 3}};
  for (const auto& [cls, need] : pairs) {
    Count c;
    const int rank = index_in(assess::Json(cls), classes);
    for (const auto* f : in) {
      if (index_in((*f)["profile"]["sme_quality_tier"], classes) < rank) continue;
      const auto& res = (*f)["results"];
      if (!res.contains("sme-digital-2024")) {
        ++c.unknown;
        continue;
      }
      ++c.known;
      const auto& level = res["sme-digital-2024"]["level"];
      const int l = level.is_null() ? 0 : level.get<std::string>()[1] - '0';
      if (l >= need) ++c.num;
    }
    expect("sme_level_by_class/" + cls + "/L" + std::to_string(need), c);
  }
  {
    Count rd;
    Count cnc;
    for (const auto* f : above) {
      const auto& p = (*f)["profile"];
      if (p.contains("digital_rd_tools")) {
        ++rd.known;
        if (p["digital_rd_tools"].get<bool>()) ++rd.num;
      } else {
        ++rd.unknown;
      }
      if (p.contains("key_process_cnc_rate")) {
        ++cnc.known;
        cnc.sum += p["key_process_cnc_rate"].get<double>();
      } else {
        ++cnc.unknown;
      }
    }
    expect("rd_design_tool_penetration", rd);
    expect("key_process_cnc_rate", cnc, true);
  }
  {
    Count any;
    Count provincial;
    Count national;
    for (const auto* f : in) {
      const auto& p = (*f)["profile"];
      if (!p.contains("green_factory_level")) {
        ++any.unknown;
        ++provincial.unknown;
        ++national.unknown;
        continue;
      }
      ++any.known;
      ++provincial.known;
      ++national.known;
      const std::string g = p["green_factory_level"].get<std::string>();
      if (g != "none") ++any.num;
      if (g == "provincial" || g == "national") ++provincial.num;
      if (g == "national") ++national.num;
    }
    expect("green_factories/municipal_or_higher", any, false, true);
    expect("green_factories/provincial_or_higher", provincial, false, true);
    expect("green_factories/national", national, false, true);
  }
}

}  // namespace

TEST_CASE(
    "the dashboard of a hand-made region matches the figures worked by hand (tests/data/bureau/dashboard-small)") {
  const auto candidates = small();
  const auto expected = assess::read_json_file(kData + "/dashboard-small/expected.json");
  for (const auto& item_ : expected["regions"].items()) {
    const std::string region = item_.key();
    const auto& e = item_.value();
    INFO("region ", region);
    const auto d = assess::dashboard(candidates, shipped_ladders(), shipped_targets(), region);
    CHECK(d.enterprises == e["enterprises"].get<std::size_t>());
    CHECK(d.above_size == e["above_size"].get<std::size_t>());
    CHECK(d.above_size_unknown == e["above_size_unknown"].get<std::size_t>());
    if (e.contains("figures")) {
      for (const auto& [id, fe] : e["figures"].items()) check_figure(figure(d, id), fe);
    }
    if (e.contains("targets")) {
      for (const auto& by_figure : e["targets"].items()) {
        const std::string fid = by_figure.key();
        const auto& targets = by_figure.value();
        const auto& f = figure(d, fid);
        for (const auto& by_target : targets.items()) {
          const std::string tid = by_target.key();
          const auto& te = by_target.value();
          INFO("target ", tid);
          const auto* t = target(f, tid);
          REQUIRE(t != nullptr);
          CHECK(t->relation == te["relation"].get<std::string>());
          if (te["met"].is_null()) {
            CHECK_FALSE(t->met.has_value());
          } else {
            REQUIRE(t->met.has_value());
            CHECK(*t->met == te["met"].get<bool>());
          }
        }
      }
    }
    if (e.contains("not_measured_count")) CHECK(d.not_measured.size() == e["not_measured_count"].get<std::size_t>());
    if (e.value("all_suppressed", false)) {
      for (const auto& f : d.figures) {
        INFO(f.id);
        CHECK(f.suppressed);
        CHECK_FALSE(f.value.has_value());
        for (const auto& t : f.targets) CHECK_FALSE(t.met.has_value());
      }
    }
  }
}

TEST_CASE("each figure states its target with document, clause and quote") {
  const auto d = assess::dashboard(small(), shipped_ladders(), shipped_targets(), "320205");
  const auto* t = target(figure(d, "sf_tier_share/SF2"), "xishan-2025-equipment.sf-advanced-share");
  REQUIRE(t != nullptr);
  CHECK(t->document == "xishan-2025-equipment");
  CHECK(t->draft);
  CHECK(t->cite == "二、（二）4");
  CHECK(t->quote == "达到先进级及以上智能工厂水平的规上工业企业覆盖率超10%");
  CHECK(t->comparator == ">");
  CHECK(t->value == 10);
  CHECK(t->by == "2027-12-31");
  const auto& cnc = figure(d, "key_process_cnc_rate");
  const auto* jx = target(cnc, "jiaxing-equipment.key-process-cnc");
  REQUIRE(jx != nullptr);
  CHECK(jx->note.in("en", en_words()) == "another jurisdiction's target, shown as a benchmark");
  const auto* green = target(figure(d, "green_factories/provincial_or_higher"), "liaocheng-equipment.green-factories");
  REQUIRE(green != nullptr);
  CHECK(green->note.in("en", en_words()) ==
        "only enterprises in this workspace are counted; unmet may mean not yet recorded; another jurisdiction's "
        "target, shown as a benchmark");
  CHECK(cnc.formula.in("en", en_words()).find("each firm weighs the same") != std::string::npos);

  // "数字化改造全覆盖" has no fact of its own: a proxy figure carries it, labelled, with its
  // definition, and the target is shown but not judged.
  const auto& proxy = figure(d, "digital_transformation_share/proxy");
  CHECK(proxy.proxy.in("en", en_words()).rfind("proxy: ", 0) == 0);
  const auto* coverage = target(proxy, "xishan-2025-equipment.digital-coverage");
  REQUIRE(coverage != nullptr);
  CHECK_FALSE(coverage->met.has_value());
  CHECK(coverage->note.in("en", en_words()) == "a proxy; not judged against the target");
  // So do the technical-project counts: the projects on record stand in (issue 15 item 8).
  const auto* projects = target(figure(d, "tech_projects/recorded"), "xishan-2025-equipment.projects-over-10m");
  REQUIRE(projects != nullptr);
  CHECK_FALSE(projects->met.has_value());
  auto not_measured = std::find_if(d.not_measured.begin(), d.not_measured.end(), [](const assess::NotMeasured& n) {
    return n.target.id == "xishan-2025-equipment.energy-inspection";
  });
  REQUIRE(not_measured != d.not_measured.end());
  CHECK(not_measured->reason.in("en", en_words()) == "not an enterprise fact this workspace collects");
  // Other jurisdictions' unmeasurable targets stay out of a 锡山 dashboard.
  for (const auto& n : d.not_measured) CHECK(n.target.relation != "other");

  SUBCASE("the JSON form withholds suppressed values and says why") {
    const auto j = assess::dashboard_to_json(d, "en", en_words());
    for (const auto& f : j["figures"]) {
      if (f["id"] != "sme_level_by_class/little_giant/L3") continue;
      CHECK(f["suppressed"] == true);
      CHECK(f["value"].is_null());
      CHECK(f["numerator"].is_null());
      CHECK(f["denominator"] == 2);
      CHECK(f["reason"] == "fewer than 5 enterprises in this aggregate (2); value withheld");
      CHECK(f["targets"][0]["met"].is_null());
    }
  }
}

TEST_CASE("dashboard options: assessed tiers, exact SME classes, a different suppression threshold") {
  const auto candidates = small();
  const auto expected = assess::read_json_file(kData + "/dashboard-small/expected.json");
  SUBCASE("tiers read from the smart-factory self-check") {
    assess::DashboardOptions options;
    options.tier_basis = assess::TierBasis::kAssessed;
    const auto d = assess::dashboard(candidates, shipped_ladders(), shipped_targets(), "320205", options);
    for (const auto& item_ : expected["assessed_basis_320205"].items()) {
      const std::string id = item_.key();
      const auto& e = item_.value();
      const auto& f = figure(d, id);
      INFO(id);
      CHECK(f.denominator == e["denominator"].get<std::size_t>());
      CHECK(f.unknown == e["unknown"].get<std::size_t>());
      REQUIRE(f.numerator.has_value());
      CHECK(*f.numerator == e["numerator"].get<double>());
    }
    CHECK(figure(d, "sf_tier_share/SF2").formula.in("en", en_words()).find("(indicative)") != std::string::npos);
  }
  SUBCASE("exact classes: four innovative SMEs, three of them assessed, are too few") {
    assess::DashboardOptions options;
    options.sme_class_includes_higher = false;
    const auto d = assess::dashboard(candidates, shipped_ladders(), shipped_targets(), "320205", options);
    const auto& f = figure(d, "sme_level_by_class/innovative/L1");
    CHECK(f.denominator == 3);
    CHECK(f.unknown == 1);
    CHECK(f.suppressed);
  }
  SUBCASE("a threshold of 2 shows the two little giants: one of them (X04, L3) meets 集成级") {
    assess::DashboardOptions options;
    options.min_group = 2;
    const auto d = assess::dashboard(candidates, shipped_ladders(), shipped_targets(), "320205", options);
    const auto& f = figure(d, "sme_level_by_class/little_giant/L3");
    CHECK_FALSE(f.suppressed);
    CHECK(f.value == 50);
    CHECK(target(f, "xishan-2025-equipment.sme-little-giant-l3")->met == false);
  }
}

TEST_CASE("1,000 synthetic enterprises: every dashboard figure equals an independent count") {
  const auto candidates = assess::bench::synthetic_enterprises(1000, 2024);
  for (const char* region :
       {"320205", "320200", "320000", "320583", "330400", "371500", "510400", "510421", "440300", "100000"}) {
    check_against_plain_counts(candidates, region);
  }
  SUBCASE("an enterprise in 320205 counts for 320200 and 320000") {
    const auto district = assess::dashboard(candidates, shipped_ladders(), shipped_targets(), "320205");
    const auto city = assess::dashboard(candidates, shipped_ladders(), shipped_targets(), "320200");
    const auto province = assess::dashboard(candidates, shipped_ladders(), shipped_targets(), "320000");
    std::size_t wuxi = 0;
    std::size_t jiangsu = 0;
    for (const auto& c : candidates) {
      const std::string r = c.facts["region"];
      wuxi += starts_with(r, "3202");
      jiangsu += starts_with(r, "32");
    }
    CHECK(district.enterprises < city.enterprises);
    CHECK(city.enterprises == wuxi);
    CHECK(province.enterprises == jiangsu);
  }
  SUBCASE("a small county suppresses some figures and not others") {
    const auto d = assess::dashboard(candidates, shipped_ladders(), shipped_targets(), "510421");
    std::size_t suppressed = 0;
    for (const auto& f : d.figures) suppressed += f.suppressed;
    CHECK(suppressed > 0);
  }
  SUBCASE("targets of the region itself are judged by their comparator") {
    const auto d = assess::dashboard(candidates, shipped_ladders(), shipped_targets(), "330400");
    const auto& rd = figure(d, "rd_design_tool_penetration");
    const auto* t = target(rd, "jiaxing-equipment.rd-design-tools");
    REQUIRE(t != nullptr);
    CHECK(t->relation == "same");
    REQUIRE(rd.value.has_value());
    CHECK(t->met == (*rd.value > 95));
    const auto& cnc = figure(d, "key_process_cnc_rate");
    CHECK(target(cnc, "jiaxing-equipment.key-process-cnc")->met == (*cnc.value > 90));
    CHECK(target(cnc, "liaocheng-equipment.key-process-cnc")->met == (*cnc.value > 75));
  }
}

TEST_CASE("peer percentile within industry division and size class, suppressed below 5 peers") {
  const auto candidates = small();
  const auto expected = assess::read_json_file(kData + "/dashboard-small/expected.json");
  for (const auto& item_ : expected["percentile_sme_digital"].items()) {
    const std::string id = item_.key();
    const auto& e = item_.value();
    INFO(id);
    const auto p = assess::percentile(candidates, id, "sme-digital-2024");
    CHECK(p.group_size == e["group_size"].get<std::size_t>());
    CHECK(p.suppressed == e.value("suppressed", false));
    if (p.suppressed) {
      CHECK_FALSE(p.percentile.has_value());
      CHECK(p.reason.in("en", en_words()) == e["reason_en"].get<std::string>());
    } else {
      CHECK(p.below == e["below"].get<std::size_t>());
      CHECK(p.same == e["same"].get<std::size_t>());
      REQUIRE(p.percentile.has_value());
      CHECK(std::fabs(*p.percentile - e["percentile"].get<double>()) < 1e-9);
    }
  }
  SUBCASE("another peer group can be named: X10 (微型, 62) among the 小型 peers of division 36") {
    const auto p = assess::percentile(candidates, "X10", "sme-digital-2024", "C36", "小型");
    CHECK(p.division == "36");
    CHECK(p.group_size == 6);
    CHECK(p.below == 5);
    CHECK(p.same == 0);
    CHECK(std::fabs(*p.percentile - 500.0 / 6.0) < 1e-9);
  }
  SUBCASE("a region narrows the group") {
    const auto p = assess::percentile(candidates, "X02", "sme-digital-2024", "", "", "320583");
    CHECK(p.suppressed);
    CHECK(p.group_size == 0);
  }
  SUBCASE("an unknown enterprise is an error") {
    try {
      (void)assess::percentile(candidates, "Z99", "sme-digital-2024");
      FAIL("no error");
    } catch (const assess::Error& e) {
      CHECK(std::string(e.what()) == "<input>: no enterprise \"Z99\"");
      CHECK(e.kind() == assess::ErrorKind::kNotFound);
    }
  }
  SUBCASE("the JSON form") {
    const auto j = assess::peer_to_json(assess::percentile(candidates, "X10", "sme-digital-2024"), "en", en_words());
    CHECK(j["percentile"].is_null());
    CHECK(j["suppressed"] == true);
    CHECK(j["group_size"] == 1);
  }
}

TEST_CASE("1,000 synthetic enterprises: percentiles equal an independent count, and small groups are withheld") {
  const auto candidates = assess::bench::synthetic_enterprises(1000, 99);
  int shown = 0;
  int withheld = 0;
  for (std::size_t i = 0; i < candidates.size(); i += 7) {
    const auto& me = candidates[i];
    const auto& res = me.facts["results"];
    if (!res.contains("sme-digital-2024")) continue;
    const double mine = res["sme-digital-2024"]["total"].get<double>();
    const std::string industry = me.facts["profile"]["industry"];
    const std::string size = me.facts["profile"]["size_class"];
    std::size_t n = 0, below = 0, same = 0;
    for (const auto& c : candidates) {
      const auto& p = c.facts["profile"];
      if (p["industry"].get<std::string>().substr(0, 2) != industry.substr(0, 2) || p["size_class"] != size) continue;
      if (!c.facts["results"].contains("sme-digital-2024")) continue;
      const double t = c.facts["results"]["sme-digital-2024"]["total"].get<double>();
      ++n;
      below += t < mine;
      same += t == mine;
    }
    const auto p = assess::percentile(candidates, me.id, "sme-digital-2024");
    INFO(me.id);
    CHECK(p.group_size == n);
    CHECK(p.suppressed == (n < 5));
    if (n < 5) {
      ++withheld;
      CHECK_FALSE(p.percentile.has_value());
    } else {
      ++shown;
      CHECK(*p.percentile == doctest::Approx(100.0 * (static_cast<double>(below) + 0.5 * static_cast<double>(same)) /
                                             static_cast<double>(n)));
    }
  }
  CHECK(shown > 0);
  CHECK(withheld > 0);
}

TEST_CASE("the year a trend reaches its target at the current pace, worked by hand") {
  using assess::TrendState;
  using assess::YearValue;
  auto trend = [](std::vector<YearValue> points, double target, const std::string& comparator = ">=") {
    return assess::trend_to_target(std::move(points), target, comparator);
  };
  SUBCASE("rising towards a floor: the first whole year at or past the crossing") {
    // 20 % in 2024, 30 % in 2025: +10 points a year. 60 % is 30 points away: 3 years, 2028.
    const auto t = trend({{2024, 20.0}, {2025, 30.0}}, 60);
    CHECK(t.state == TrendState::kYear);
    CHECK(t.pace == 10);
    CHECK(t.year == 2028);
    // 35 % is half a year away: the line meets it during 2026.
    CHECK(trend({{2024, 20.0}, {2025, 30.0}}, 35).year == 2026);
    // 50 % is met exactly at 2027.
    CHECK(trend({{2024, 20.0}, {2025, 30.0}}, 50).year == 2027);
    // Strictly above: the same reading of the line.
    CHECK(trend({{2024, 20.0}, {2025, 30.0}}, 50, ">").year == 2027);
  }
  SUBCASE("only the last two years with a value set the pace; order of the input does not matter") {
    // 2022: 0, 2023: 10, 2024 withheld, 2025: 16 → the line through 2023 and 2025: +3 a year; 25 is
    // 9 away: 3 years, 2028.
    const auto t = trend({{2025, 16.0}, {2022, 0.0}, {2024, std::nullopt}, {2023, 10.0}}, 25);
    CHECK(t.state == TrendState::kYear);
    CHECK(t.pace == 3);
    CHECK(t.year == 2028);
  }
  SUBCASE("already met, standing still, moving away, too few years") {
    CHECK(trend({{2024, 20.0}, {2025, 30.0}}, 30).state == TrendState::kReached);
    CHECK(trend({{2024, 40.0}, {2025, 30.0}}, 25).state == TrendState::kReached);
    const auto flat = trend({{2024, 30.0}, {2025, 30.0}}, 40);
    CHECK(flat.state == TrendState::kNever);
    CHECK(flat.pace == 0);
    CHECK(trend({{2024, 30.0}, {2025, 25.0}}, 40).state == TrendState::kNever);
    CHECK(trend({{2025, 30.0}}, 40).state == TrendState::kUnknown);
    CHECK(trend({{2024, std::nullopt}, {2025, 30.0}}, 40).state == TrendState::kUnknown);
    CHECK(trend({}, 40).state == TrendState::kUnknown);
  }
  SUBCASE("a ceiling is reached by falling to it") {
    // 12 in 2024, 10 in 2025: −2 a year; ≤ 5 is 5 away: 2.5 years, met during 2028.
    const auto t = trend({{2024, 12.0}, {2025, 10.0}}, 5, "<=");
    CHECK(t.state == TrendState::kYear);
    CHECK(t.pace == -2);
    CHECK(t.year == 2028);
    CHECK(trend({{2024, 12.0}, {2025, 14.0}}, 5, "<").state == TrendState::kNever);
    CHECK(trend({{2024, 12.0}, {2025, 4.0}}, 5, "<=").state == TrendState::kReached);
  }
  CHECK(std::string(assess::to_string(TrendState::kYear)) == "year");
}

TEST_CASE("a bureau record keeps the count of an assessment's technical projects; loans and recognitions are not") {
  const std::vector<assess::Json> projects = {{{"id", "a"}, {"kind", "tech_transformation"}},
                                              {{"id", "b"}, {"kind", "loan"}},
                                              {{"id", "c"}, {"kind", "equipment"}},
                                              {{"id", "d"}, {"kind", "recognition"}},
                                              {{"id", "e"}, {"kind", "energy_saving"}},
                                              {{"id", "f"}, {"kind", "digital_demo"}},
                                              {{"id", "g"}, {"kind", "equipment"}}};
  CHECK(assess::project_facts(projects) ==
        assess::Json{
            {"count", 5},
            {"by_kind", {{"tech_transformation", 1}, {"equipment", 2}, {"energy_saving", 1}, {"digital_demo", 1}}}});
  CHECK(assess::project_facts({}) == assess::Json{{"count", 0}, {"by_kind", assess::Json::object()}});
}

TEST_CASE("the project-count proxy sums the projects on record, worked by hand") {
  // Six firms of 锡山 (320205) and one of 梁溪 (320213, outside): counts 3, 0, 2, 4, 1, none; the
  // outsider's 50 is not counted. Sum 3 + 0 + 2 + 4 + 1 = 10 over 5 firms with a count, 1 without.
  std::vector<assess::Candidate> cs;
  const std::vector<int> counts = {3, 0, 2, 4, 1, -1};
  for (std::size_t i = 0; i < counts.size(); ++i) {
    assess::Json facts = {{"region", "320205"}, {"profile", {{"above_designated_size", true}}}};
    if (counts[i] >= 0) facts["projects"] = {{"count", counts[i]}};
    cs.push_back({"x" + std::to_string(i), "x", facts});
  }
  cs.push_back({"out", "out", {{"region", "320213"}, {"projects", {{"count", 50}}}}});
  const auto d = assess::dashboard(cs, shipped_ladders(), shipped_targets(), "320205");
  const auto& f = figure(d, "tech_projects/recorded");
  CHECK(f.unit == "count");
  REQUIRE(f.value);
  CHECK(*f.value == 10);
  CHECK(*f.numerator == 10);
  CHECK(f.denominator == 5);
  CHECK(f.unknown == 1);
  CHECK(!f.proxy.in("zh-CN", zh_words()).empty());
  CHECK(!f.proxy.in("en", en_words()).empty());
  const auto* t = target(f, "xishan-2025-equipment.projects-per-year");
  REQUIRE(t);
  CHECK(!t->met);  // a proxy is shown beside its target, not judged
  CHECK(t->note.in("en", en_words()) == "a proxy; not judged against the target");
  for (const auto& n : d.not_measured) CHECK(n.target.id != "xishan-2025-equipment.projects-per-year");
  // Withheld below five firms with a count.
  cs.erase(cs.begin());
  CHECK(figure(assess::dashboard(cs, shipped_ladders(), shipped_targets(), "320205"), "tech_projects/recorded")
            .suppressed);
}

TEST_CASE("the CNC mean is the rates' exact mean rounded once, worked by hand") {
  // Five 规上 firms of 锡山 at 72.3, 72.3, 72.3, 0.1 and 0.2 %: 217.2 ÷ 5 = 43.44 exactly. Added up
  // as doubles one by one the sum is 217.19999999999996 and the mean 43.43999999999999; the rates
  // are added as millionths of a point (72,300,000 × 3 + 100,000 + 200,000 = 217,200,000), so the
  // figure is the double nearest 43.44, whichever order or grouping the rates are counted in.
  std::vector<assess::Candidate> cs;
  for (double rate : {72.3, 72.3, 72.3, 0.1, 0.2}) {
    const assess::Json facts = {{"region", "320205"},
                                {"profile", {{"above_designated_size", true}, {"key_process_cnc_rate", rate}}}};
    cs.push_back({"x" + std::to_string(cs.size()), "x", facts});
  }
  // Outside the figure: a firm that is not 规上, and rates outside [0, 100].
  cs.push_back({"small",
                "small",
                {{"region", "320205"}, {"profile", {{"above_designated_size", false}, {"key_process_cnc_rate", 10}}}}});
  cs.push_back(
      {"over",
       "over",
       {{"region", "320205"}, {"profile", {{"above_designated_size", true}, {"key_process_cnc_rate", 100.5}}}}});
  for (int order = 0; order < 2; ++order) {
    const assess::Dashboard d = assess::dashboard(cs, shipped_ladders(), shipped_targets(), "320205");
    const auto& f = figure(d, "key_process_cnc_rate");
    REQUIRE(f.value);
    CHECK(*f.value == 43.44);
    CHECK(*f.numerator == 217.2);
    CHECK(f.denominator == 5);
    CHECK(f.unknown == 1);
    std::reverse(cs.begin(), cs.end());
  }
  CHECK(assess::cnc_millionths(72.3) == 72300000);
  CHECK(assess::cnc_millionths(0) == 0);
  CHECK(assess::cnc_millionths(100) == 100000000);
  CHECK(assess::cnc_millionths(0.0000004) == 0);
  CHECK(assess::cnc_millionths(0.0000006) == 1);
}

// ---- The ladders are data (policies/facts/dashboard.json) -----------------------------------------

namespace {

const std::string kLadders = ASSESS_SOURCE_DIR "/tests/data/dashboard-ladders";

// The shipped questionnaires, the made-up one of tests/data/extension and the five-level one of
// tests/data/dashboard-ladders/five.
const assess::Library& library_with_made_up() {
  static const assess::Library library = [] {
    assess::Library l = assess::Library::load_dir(ASSESS_SOURCE_DIR "/questionnaires");
    l.add(assess::load_questionnaire_file(ASSESS_SOURCE_DIR
                                          "/tests/data/extension/questionnaires/made-up-energy/made-up-energy.json"));
    l.add(assess::load_questionnaire_file(kLadders + "/five/made-up-rungs.json"));
    return l;
  }();
  return library;
}

// A ladders file of the fixture, checked against the library (which takes the levels' names).
assess::DashboardLadders checked_ladders(const std::string& file) {
  assess::DashboardLadders ladders = assess::load_dashboard_ladders(assess::read_json_file(file), file);
  assess::check_dashboard_ladders(ladders, library_with_made_up());
  return ladders;
}

const assess::DashboardLadders& made_up_ladders() {
  static const assess::DashboardLadders ladders = checked_ladders(kLadders + "/made-up/dashboard.json");
  return ladders;
}

std::vector<assess::Candidate> made_up_candidates() {
  return assess::candidates_from_json(assess::read_json_file(kLadders + "/made-up/candidates.json"), "candidates.json");
}

}  // namespace

TEST_CASE(
    "the shipped ladders: smart-factory-2025 and sme-digital-2024 with 锡山's class pairs, as their questionnaires "
    "define them") {
  const assess::DashboardLadders& l = shipped_ladders();
  CHECK(l.smart_factory.module == "smart-factory-2025");
  CHECK(l.smart_factory.levels == std::vector<std::string>{"SF1", "SF2", "SF3", "SF4"});
  CHECK(l.sme_digital.module == "sme-digital-2024");
  CHECK(l.sme_digital.levels == std::vector<std::string>{"L1", "L2", "L3", "L4"});
  // 锡山 二、（二）5: "创新型中小企业…初始级及以上", "省级专精特新中小企业…规范级及以上", "小巨人…集成级及以上".
  REQUIRE(l.sme_classes.size() == 3);
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"innovative", "L1"}, {"provincial_zjtx", "L2"}, {"little_giant", "L3"}};
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    CHECK(l.sme_classes[i].sme_class == pairs[i].first);
    CHECK(l.sme_classes[i].level == pairs[i].second);
    CHECK(l.sme_classes[i].document == "xishan-2025-equipment");
    CHECK(l.sme_classes[i].cite == "二、（二）5");
  }
  assess::DashboardLadders checked = l;
  CHECK_NOTHROW(assess::check_dashboard_ladders(checked, library_with_made_up()));
  // The levels' names, taken from the questionnaires.
  REQUIRE(checked.smart_factory.names.size() == 4);
  CHECK(checked.smart_factory.names[1].zh == "先进级");
  REQUIRE(checked.sme_digital.names.size() == 4);
  CHECK(checked.sme_digital.names[0].en == "Level 1");
  // Typed columns exist for both shipped ladders: the store counts them in SQL.
  const assess::DashboardColumns columns(l);
  CHECK(columns.typed);
  CHECK(columns.group_paths == std::vector<std::string>{"profile.above_designated_size", "profile.smart_factory_tier",
                                                        "results.smart-factory-2025",
                                                        "results.smart-factory-2025.level", "profile.sme_quality_tier",
                                                        "results.sme-digital-2024", "results.sme-digital-2024.level",
                                                        "profile.digital_rd_tools", "profile.green_factory_level"});
  // The shipped catalogues word each rung of the two shipped ladders by its level
  // ("srv_dash_level_<module>.<level>"): the dashboard's words for them predate the questionnaires'
  // names (基础级 but "basic", not "Basic"; 一级（初始级）, not 一级).
  for (const assess::DashboardLadder* ladder : {&l.smart_factory, &l.sme_digital}) {
    for (const auto& level : ladder->levels) {
      const std::string key = "srv_dash_level_" + ladder->module + "." + level;
      CHECK_MESSAGE(zh_words().texts.contains(key), key);
      CHECK_MESSAGE(en_words().texts.contains(key), key);
    }
  }
  CHECK(zh_words()("srv_dash_level_smart-factory-2025.SF1") == "基础级");
  CHECK(zh_words()("srv_dash_level_sme-digital-2024.L1") == "一级（初始级）");
}

TEST_CASE("a made-up third questionnaire as both ladders gives the figures worked by hand (README of the fixture)") {
  const assess::DashboardLadders& ladders = made_up_ladders();
  CHECK_FALSE(assess::DashboardColumns(ladders).typed);  // made-up-energy has no typed column
  const auto cs = made_up_candidates();
  assess::DashboardOptions options;
  options.min_group = 1;
  options.tier_basis = assess::TierBasis::kAssessed;
  const auto d = assess::dashboard(cs, ladders, shipped_targets(), "320205", options);
  CHECK(d.enterprises == 5);
  CHECK(d.above_size == 4);
  // Smart-factory shares on the made-up ladder: 3 of 4 at E1 or higher, 2 of 4 at E2.
  const auto& e1 = figure(d, "sf_tier_share/E1");
  CHECK(e1.denominator == 4);
  CHECK(e1.unknown == 0);
  CHECK(*e1.numerator == 3);
  CHECK(*e1.value == 75);
  CHECK(e1.breakdown["at_or_above"] == 3);
  const auto& e2 = figure(d, "sf_tier_share/E2");
  CHECK(*e2.numerator == 2);
  CHECK(*e2.value == 50);
  // The formula names the ladder's module; the top level has nothing above it ("_top"); the rung is
  // worded by the level's name in made-up-energy (成熟 / Mature): the catalogues have no key for it.
  CHECK(e2.formula.in("en", en_words()) ==
        "above-size firms whose made-up-energy self-check reaches Mature ÷ above-size firms with that self-check "
        "(indicative)");
  CHECK(e2.title.in("zh-CN", zh_words()) == "规上工业企业中成熟智能工厂占比");
  for (const auto& f : d.figures) CHECK(f.id.rfind("sf_tier_share/SF", 0) != 0);
  // SME level by class: innovative at E1 or higher 2 of 3 assessed (c4 has no made-up-energy result).
  const auto& inn = figure(d, "sme_level_by_class/innovative/E1");
  CHECK(inn.denominator == 3);
  CHECK(inn.unknown == 1);
  CHECK(*inn.numerator == 2);
  CHECK(std::fabs(*inn.value - 200.0 / 3) < 1e-9);
  CHECK(inn.breakdown == assess::Json{{"below_E1", 1}, {"E1", 1}, {"E2", 1}, {"not_assessed", 1}});
  CHECK(inn.formula.in("en", en_words()) ==
        "innovative SMEs (higher rungs included) whose made-up-energy level is E1 or higher ÷ those assessed");
  const auto& prov = figure(d, "sme_level_by_class/provincial_zjtx/E2");
  CHECK(prov.denominator == 2);
  CHECK(*prov.numerator == 1);
  CHECK(*prov.value == 50);
  CHECK(prov.breakdown == assess::Json{{"below_E1", 1}, {"E1", 0}, {"E2", 1}, {"not_assessed", 0}});
  // The shipped targets' pairs (L1–L3) are not levels of this ladder: no other SME figure.
  std::size_t sme_figures = 0;
  for (const auto& f : d.figures) sme_figures += f.indicator == "sme_level_by_class" ? 1 : 0;
  CHECK(sme_figures == 2);
  const auto& proxy = figure(d, "digital_transformation_share/proxy");
  CHECK(proxy.denominator == 4);
  CHECK(*proxy.numerator == 3);
  // Recognised basis: no profile records a smart-factory tier.
  options.tier_basis = assess::TierBasis::kRecognised;
  const auto recognised = assess::dashboard(cs, ladders, shipped_targets(), "320205", options);
  const auto& rec = figure(recognised, "sf_tier_share/E1");
  CHECK(rec.denominator == 0);
  CHECK(rec.unknown == 4);
  CHECK_FALSE(rec.value.has_value());
  // The exact class only: innovative c1 and c4, c1 assessed and at E1.
  options.sme_class_includes_higher = false;
  const auto exact = assess::dashboard(cs, ladders, shipped_targets(), "320205", options);
  const auto& only = figure(exact, "sme_level_by_class/innovative/E1");
  CHECK(only.denominator == 1);
  CHECK(only.unknown == 1);
  CHECK(*only.value == 100);
}

TEST_CASE("a five-level ladder is worded by its questionnaire's level names, with no catalogue key (fixture five/)") {
  const assess::DashboardLadders ladders = checked_ladders(kLadders + "/five/dashboard.json");
  // No catalogue has words for made-up-rungs' levels.
  for (const auto& level : ladders.smart_factory.levels) {
    CHECK_FALSE(zh_words().texts.contains("srv_dash_level_made-up-rungs." + level));
    CHECK_FALSE(en_words().texts.contains("srv_dash_level_made-up-rungs." + level));
  }
  assess::DashboardOptions options;
  options.min_group = 1;
  options.tier_basis = assess::TierBasis::kAssessed;
  const auto d = assess::dashboard(
      assess::candidates_from_json(assess::read_json_file(kLadders + "/five/candidates.json"), "candidates.json"),
      ladders, shipped_targets(), "320205", options);
  const assess::Json zh = assess::dashboard_to_json(d, "zh-CN", zh_words());
  const assess::Json en = assess::dashboard_to_json(d, "en", en_words());
  const auto json_figure = [](const assess::Json& j, const std::string& id) {
    for (const auto& f : j["figures"]) {
      if (f["id"] == id) return f;
    }
    FAIL("no figure " << id);
    return assess::Json();
  };
  // One figure per level; the 规上 firms with the self-check are d1–d5 (README of the fixture):
  // at R1 or higher d1 d2 d3 d4, R2 and R3 d2 d3 d4, R4 d3 d4, R5 d3.
  struct Rung {
    const char* level;
    const char* zh;
    const char* en;
    int at_or_above;
  };
  const Rung rungs[] = {{"R1", "萌芽级", "Sprout", 4},
                        {"R2", "成长级", "Sapling", 3},
                        {"R3", "壮大级", "Young tree", 3},
                        {"R4", "成熟级", "Grown tree", 2}};
  for (const Rung& r : rungs) {
    INFO("level ", r.level);
    const std::string id = std::string("sf_tier_share/") + r.level;
    CHECK(figure(d, id).denominator == 5);
    CHECK(*figure(d, id).numerator == r.at_or_above);
    CHECK(json_figure(zh, id)["title"] == std::string("规上工业企业中") + r.zh + "及以上智能工厂占比");
    CHECK(json_figure(en, id)["title"] ==
          std::string("share of above-size firms at the ") + r.en + " smart-factory tier or higher");
    CHECK(json_figure(en, id)["formula"] == std::string("above-size firms whose made-up-rungs self-check reaches ") +
                                                r.en +
                                                " or higher ÷ above-size firms with that self-check (indicative)");
  }
  // The fifth, the top, has nothing above it: 1 of 5 = 20 %.
  CHECK(*figure(d, "sf_tier_share/R5").value == 20);
  CHECK(json_figure(zh, "sf_tier_share/R5")["title"] == "规上工业企业中参天级智能工厂占比");
  CHECK(json_figure(en, "sf_tier_share/R5")["title"] == "share of above-size firms at the Old oak smart-factory tier");
  // SME pairs: innovative at R2 (higher classes included: d1 d2 d3 d5 d6, at R2 or higher d2 d3 d6 = 3 of 5),
  // little giants at R5 (d3 d6, d3 there: 1 of 2). zh names the rung, en the level's id.
  const auto& innovative = figure(d, "sme_level_by_class/innovative/R2");
  CHECK(innovative.denominator == 5);
  CHECK(*innovative.numerator == 3);
  CHECK(innovative.breakdown ==
        assess::Json{{"below_R1", 1}, {"R1", 1}, {"R2", 1}, {"R3", 1}, {"R4", 0}, {"R5", 1}, {"not_assessed", 0}});
  CHECK(json_figure(zh, "sme_level_by_class/innovative/R2")["title"] ==
        "创新型中小企业（含更高层级）中数字化水平达到成长级及以上的占比");
  CHECK(json_figure(en, "sme_level_by_class/innovative/R2")["title"] ==
        "share of innovative SMEs (higher rungs included) at SME digital level R2 or higher");
  CHECK(*figure(d, "sme_level_by_class/little_giant/R5").value == 50);
  CHECK(json_figure(zh, "sme_level_by_class/little_giant/R5")["formula"] ==
        "专精特新“小巨人”企业中 made-up-rungs 评测达到参天级及以上的企业数 ÷ 其中已完成评测的企业数");
}

TEST_CASE("a ladder whose names were not taken shows each rung's catalogue key") {
  // Loaded without check_dashboard_ladders(): a catalogue key the words lack reads as itself (text.h).
  const assess::DashboardLadders ladders = assess::load_dashboard_ladders(
      assess::read_json_file(kLadders + "/five/dashboard.json"), kLadders + "/five/dashboard.json");
  const auto d = assess::dashboard({}, ladders, {}, "320205");
  CHECK(figure(d, "sf_tier_share/R1").title.in("en", en_words()) ==
        "share of above-size firms at the srv_dash_level_made-up-rungs.R1 smart-factory tier or higher");
}

TEST_CASE("a ladder not configured has no figure; its targets are listed as not measured") {
  assess::DashboardLadders ladders = shipped_ladders();
  ladders.smart_factory = {};
  assess::DashboardOptions options;
  options.min_group = 1;
  const auto d = assess::dashboard(small(), ladders, shipped_targets(), "320205", options);
  for (const auto& f : d.figures) CHECK(f.indicator != "sf_tier_share");
  bool listed = false;
  for (const auto& n : d.not_measured) {
    if (n.target.id != "xishan-2025-equipment.sf-basic-share") continue;
    listed = true;
    CHECK(n.reason.in("en", en_words()) == "no figure matches this target (sf_tier_share/SF1)");
  }
  CHECK(listed);
}

TEST_CASE("every malformed dashboard ladders file fails with its one expected message (file and pointer)") {
  namespace fs = std::filesystem;
  std::vector<std::string> cases;
  for (const auto& entry : fs::directory_iterator(kLadders + "/malformed")) {
    if (entry.is_directory()) cases.push_back(entry.path().filename().string());
  }
  std::sort(cases.begin(), cases.end());
  REQUIRE(cases.size() == 12);
  for (const auto& name : cases) {
    INFO("case ", name);
    std::ifstream in(kLadders + "/malformed/" + name + "/expected.txt");
    std::string expected((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE_FALSE(expected.empty());
    std::string actual = "(loaded without error)";
    try {
      auto catalogue = assess::load_catalogue_dir(kLadders + "/malformed/" + name);
      assess::check_dashboard_ladders(catalogue.dashboard, library_with_made_up());
    } catch (const assess::Error& e) {
      actual = e.what();
    }
    CHECK(actual == std::string(ASSESS_SOURCE_DIR) + "/" + expected);
  }
}
