#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "scoring/answers.h"
#include "scoring/gap.h"
#include "scoring/questionnaire.h"
#include "scoring/score.h"
#include "support.h"

// Boundary tests on the real questionnaires (questionnaires/<module>/<module>.json): every threshold of
// every level, met exactly and missed by the smallest change an answer allows, all else fixed. Answer
// sets start from each module's demo-answers.json and change only what the rule under test reads.

using assess::Json;
using assess::Questionnaire;
using assess::ScoreResult;

namespace {

const std::string kDir = ASSESS_SOURCE_DIR "/questionnaires/";

struct Module {
  Questionnaire q;
  Json demo;  // the "answers" object of demo-answers.json
  explicit Module(const std::string& id)
      : q(assess::load_questionnaire_file(kDir + id + "/" + id + ".json")),
        demo(assess::read_json_file(kDir + id + "/demo-answers.json").at("answers")) {}
};

const Module& sme() {
  static const Module m("sme-digital-2024");
  return m;
}
const Module& smart_factory() {
  static const Module m("smart-factory-2025");
  return m;
}
const Module& cmmm() {
  static const Module m("cmmm");
  return m;
}

assess::AnswerSet parse(const Questionnaire& q, const Json& answers) {
  assess::ParsedAnswers parsed =
      assess::parse_answers(q, Json{{"questionnaire", q.id}, {"answers", answers}}, "answers.json");
  for (const auto& e : parsed.errors) FAIL_CHECK("unexpected answer error: ", e.what());
  return parsed.set;
}

ScoreResult score(const Questionnaire& q, const Json& answers) {
  return assess::score(q, parse(q, answers));
}

std::string level_id(const Questionnaire& q, const ScoreResult& r) {
  return r.levels.level < 0 ? std::string("(none)") : q.levels[static_cast<std::size_t>(r.levels.level)].id;
}

// Where a requirement sits: (level index, requirement index).
std::pair<std::size_t, std::size_t> locate(const Questionnaire& q, const std::string& requirement_id) {
  for (std::size_t li = 0; li < q.levels.size(); ++li) {
    for (std::size_t ri = 0; ri < q.levels[li].requirements.size(); ++ri) {
      if (q.levels[li].requirements[ri].id == requirement_id) return {li, ri};
    }
  }
  FAIL("no requirement " << requirement_id);
  return {0, 0};
}

const assess::RequirementResult& requirement(const Questionnaire& q, const ScoreResult& r, const std::string& id) {
  const auto [li, ri] = locate(q, id);
  return r.levels.requirements[li][ri];
}

double needed(const Questionnaire& q, const std::string& id) {
  const auto [li, ri] = locate(q, id);
  return q.levels[li].requirements[ri].threshold;
}

// The requirements of a level that fail, by id.
std::vector<std::string> failing(const Questionnaire& q, const ScoreResult& r, const std::string& level) {
  const int li = q.level_index(level);
  REQUIRE(li >= 0);
  std::vector<std::string> out;
  for (std::size_t ri = 0; ri < q.levels[static_cast<std::size_t>(li)].requirements.size(); ++ri) {
    if (!r.levels.requirements[static_cast<std::size_t>(li)][ri].met) {
      out.push_back(q.levels[static_cast<std::size_t>(li)].requirements[ri].id);
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// SME digital level 2024

const std::vector<std::string> kScenes = {"product_design", "process_design",
                                          "marketing",      "after_sales",
                                          "planning",       "production_control",
                                          "quality",        "equipment",
                                          "safety",         "energy",
                                          "procurement",    "warehousing",
                                          "finance",        "hr",
                                          "office",         "decision"};
const std::vector<std::string> kConstraintScenes = {
    "product_design", "marketing", "production_control", "quality",     "equipment",
    "safety",         "energy",    "procurement",        "warehousing", "finance"};
const std::vector<std::string> kGuidanceScenes = {"process_design", "after_sales", "planning", "hr",
                                                  "office",         "decision"};

// Every scored question set so that the points are exact binary fractions (no 0.7 of q04, no q11
// share): the totals below are exact sums, not sums that round to the threshold.
//   q01 2/option, q02/q03 by digitised/networked of 100 machines (80 → 6, 50 → 4.5, 30 → 3, 15 → 1.5,
//   5 → 0), q05, q06/q07 1.25/option, q08, q09 1.875/option, q10 1.5/option, q12–q15 by ±10 % changes.
struct SmePoints {
  std::vector<std::string> q01, q06, q07, q09, q10;
  int digitised = 80, networked = 80;
  std::string q05, q08;
  std::string q12 = "up", q13 = "down", q14 = "down", q15 = "up";  // up/flat/down of the underlying change
};

Json sme_answers(const SmePoints& p, int scene_level_all) {
  Json a = sme().demo;
  auto multi = [](const std::vector<std::string>& v) { return v.empty() ? Json::array({"none"}) : Json(v); };
  a["q01_network"] = multi(p.q01);
  a["q04_data_collection"] = Json::array({"none"});
  a["q05_information_systems"] = p.q05;
  a["q06_network_security"] = multi(p.q06);
  a["q07_data_security"] = multi(p.q07);
  a["q08_planning"] = p.q08;
  a["q09_mechanisms"] = multi(p.q09);
  a["q10_talent"] = multi(p.q10);
  a["raw_equipment_total"] = 100;
  a["raw_equipment_digitised"] = p.digitised;
  a["raw_equipment_networked"] = p.networked;
  a["raw_digital_spend_avg3"] = 0;  // 0 % → q11 0
  auto change = [](const std::string& dir) { return dir == "up" ? 110 : dir == "flat" ? 100 : 90; };
  a["raw_energy_before"] = 100;  // q12: energy per revenue up 0 / flat 3.5 / down 7
  a["raw_revenue_before_retrofit"] = 100;
  a["raw_energy_after"] = change(p.q12);
  a["raw_revenue_after_retrofit"] = 100;
  a["raw_pass_rate_before"] = 50;  // q13: pass rate down 0 / flat 3.5 / up 7
  a["raw_pass_rate_after"] = change(p.q13) / 2;
  a["raw_revenue_year_before"] = 100;  // q14: revenue per employee down 0 / flat 1.5 / up 3
  a["raw_revenue_last_year"] = change(p.q14);
  a["raw_employees_last_year"] = 10;
  a["raw_employees_year_before"] = 10;
  a["raw_cost_per_100_year_before"] = 100;  // q15: cost per 100 up 0 / flat 1.5 / down 3
  a["raw_cost_per_100_last_year"] = change(p.q15);
  for (const auto& s : kScenes) a["scene_" + s] = scene_level_all;
  return a;
}

// 8+6+6+7.5+5+5+7.5+7.5+7.5+7+7+3+3 = 80
SmePoints total_80() {
  SmePoints p;
  p.q01 = {"control_network", "application_network", "industrial_5g", "site_coverage"};
  p.q05 = "most";
  p.q06 = {"rules", "products", "risk_assessment", "boundary_control"};
  p.q07 = {"rules", "products", "risk_assessment", "inventory"};
  p.q08 = "exemplary";
  p.q09 = {"workflow", "system_operation", "data_management", "innovation_incentives"};
  p.q10 = {"staff", "dedicated_unit", "training", "performance_pay", "pipeline"};
  p.q12 = "down";
  p.q13 = "up";
  p.q14 = "up";
  p.q15 = "down";
  return p;
}
// 80 − 7 (q12 up) − 7 (q13 down) − 3 (q15 up) − 3 (q10 two options fewer) = 60
SmePoints total_60() {
  SmePoints p = total_80();
  p.q12 = "up";
  p.q13 = "down";
  p.q15 = "up";
  p.q10 = {"staff", "dedicated_unit", "training"};
  return p;
}
// 60 − 7.5 (q09 none) − 6 (q01 three options fewer) − 2.5 − 2.5 (q06, q07 two fewer) − 1.5 (q14 flat) = 40
SmePoints total_40() {
  SmePoints p = total_60();
  p.q09 = {};
  p.q01 = {"control_network"};
  p.q06 = {"rules", "products"};
  p.q07 = {"rules", "products"};
  p.q14 = "flat";
  return p;
}
// 40 − 7.5 (q05 none) − 7.5 (q08 none) − 2.5 − 2.5 (q06, q07 none) = 20
SmePoints total_20() {
  SmePoints p = total_40();
  p.q05 = "none";
  p.q08 = "none";
  p.q06 = {};
  p.q07 = {};
  return p;
}

// Scenes: `n_constraint` constraint scenes and `n_guidance` guidance scenes at `level`, the rest one below.
void set_scenes(Json& a, int level, int n_constraint, int n_guidance) {
  for (const auto& s : kScenes) a["scene_" + s] = level - 1;
  for (int i = 0; i < n_constraint; ++i) a["scene_" + kConstraintScenes[static_cast<std::size_t>(i)]] = level;
  for (int i = 0; i < n_guidance; ++i) a["scene_" + kGuidanceScenes[static_cast<std::size_t>(i)]] = level;
}

struct SmeLevel {
  std::string id;
  double score;
  int scenes, constraint;  // gate numbers
  SmePoints (*points)();
};
const std::vector<SmeLevel> kSmeLevels = {
    {"L1", 20, 6, 3, total_20}, {"L2", 40, 6, 3, total_40}, {"L3", 60, 8, 5, total_60}, {"L4", 80, 10, 6, total_80}};

// 0.25 below each threshold, built from exact steps:
//   20 − 1.5 (q14 flat → down) + 1.25 (q06 + rules) = 19.75
//   40 − 1.5 (q14 flat → down) + 1.25 (q06 + risk assessment) = 39.75
//   60 / 80 − 1.5 (q10 one option fewer) − 1.25 (q06 one option fewer) + 2.5 (q05 most → all) = 59.75 / 79.75
SmePoints quarter_short(const std::string& level) {
  if (level == "L1") {
    SmePoints p = total_20();
    p.q14 = "down";
    p.q06 = {"rules"};
    return p;
  }
  if (level == "L2") {
    SmePoints p = total_40();
    p.q14 = "down";
    p.q06 = {"rules", "products", "risk_assessment"};
    return p;
  }
  SmePoints p = level == "L3" ? total_60() : total_80();
  p.q10.pop_back();
  p.q06.pop_back();
  p.q05 = "all";
  return p;
}

std::string level_below(const std::string& id) {
  if (id == "L1") return "(none)";
  return "L" + std::to_string(id[1] - '0' - 1);
}

}  // namespace

TEST_CASE("SME rule L2: a total of exactly 40.0 with the 二级 gates met gives 二级") {
  const Questionnaire& q = sme().q;
  const ScoreResult r = score(q, sme_answers(total_40(), 2));
  CHECK(r.sections[0].score == 40.0);
  CHECK(requirement(q, r, "L2_score").met);
  CHECK(level_id(q, r) == "L2");
  CHECK(r.missing_required.empty());
}

TEST_CASE("SME rule L2: the same 40.0 with a gate unmet gives 一级 and names the failing gate with actual vs needed") {
  const Questionnaire& q = sme().q;
  SUBCASE("five scenes at 二级 where six are needed (L2_scenes)") {
    Json a = sme_answers(total_40(), 2);
    set_scenes(a, 2, 3, 2);  // 5 scenes at 二级, 3 of them constraint; the rest at 一级
    const ScoreResult r = score(q, a);
    CHECK(r.sections[0].score == 40.0);
    CHECK(level_id(q, r) == "L1");
    CHECK(failing(q, r, "L2") == std::vector<std::string>{"L2_scenes"});
    CHECK(requirement(q, r, "L2_scenes").actual == 5);
    CHECK(needed(q, "L2_scenes") == 6);
    const assess::GapResult gap = assess::find_gap(q, parse(q, a), q.level_index("L2"));
    REQUIRE(gap.unmet.size() == 1);
    CHECK(q.levels[1].requirements[static_cast<std::size_t>(gap.unmet[0])].id == "L2_scenes");
    CHECK(gap.blocking.empty());
    CHECK(gap.steps == 1);
  }
  SUBCASE("two constraint scenes at 二级 where three are needed (L2_constraint_scenes)") {
    Json a = sme_answers(total_40(), 2);
    set_scenes(a, 2, 2, 6);  // 8 scenes at 二级, only 2 of them constraint
    const ScoreResult r = score(q, a);
    CHECK(level_id(q, r) == "L1");
    CHECK(failing(q, r, "L2") == std::vector<std::string>{"L2_constraint_scenes"});
    CHECK(requirement(q, r, "L2_constraint_scenes").actual == 2);
    CHECK(requirement(q, r, "L2_scenes").actual == 8);
    CHECK(needed(q, "L2_constraint_scenes") == 3);
  }
  SUBCASE("39.75 points with every scene gate met (L2_score)") {
    const ScoreResult r = score(q, sme_answers(quarter_short("L2"), 2));
    CHECK(r.sections[0].score == 39.75);
    CHECK(level_id(q, r) == "L1");
    CHECK(failing(q, r, "L2") == std::vector<std::string>{"L2_score"});
    CHECK(requirement(q, r, "L2_score").actual == 39.75);
    CHECK(needed(q, "L2_score") == 40);
  }
}

TEST_CASE(
    "SME rules L1/L3/L4: a total of exactly 20 / 60 / 80 with the gates met gives 一级 / 三级 / 四级; with a gate "
    "unmet, the level below and the failing gate named") {
  const Questionnaire& q = sme().q;
  for (const SmeLevel& level : kSmeLevels) {
    CAPTURE(level.id);
    const int n = level.id[1] - '0';
    const ScoreResult at = score(q, sme_answers(level.points(), n));
    CHECK(at.sections[0].score == level.score);
    CHECK(level_id(q, at) == level.id);

    // Scene gate one short: (gate − 1) scenes at this level, enough of them constraint.
    Json a = sme_answers(level.points(), n);
    set_scenes(a, n, level.constraint, level.scenes - 1 - level.constraint);
    const ScoreResult short_scenes = score(q, a);
    CHECK(short_scenes.sections[0].score == level.score);
    CHECK(level_id(q, short_scenes) == level_below(level.id));
    CHECK(failing(q, short_scenes, level.id) == std::vector<std::string>{level.id + "_scenes"});
    CHECK(requirement(q, short_scenes, level.id + "_scenes").actual == level.scenes - 1);
    CHECK(needed(q, level.id + "_scenes") == level.scenes);

    // The score a quarter point short, every gate met.
    const SmePoints p = quarter_short(level.id);
    const double before = level.score;
    const ScoreResult short_score = score(q, sme_answers(p, n));
    CHECK(short_score.sections[0].score == before - 0.25);
    CHECK(level_id(q, short_score) == level_below(level.id));
    CHECK(failing(q, short_score, level.id) == std::vector<std::string>{level.id + "_score"});
    CHECK(requirement(q, short_score, level.id + "_score").actual == before - 0.25);
    CHECK(needed(q, level.id + "_score") == level.score);
  }
}

TEST_CASE("SME scene gates flip exactly at 6/6/8/10 scenes and 3/3/5/6 constraint scenes") {
  const Questionnaire& q = sme().q;
  for (const SmeLevel& level : kSmeLevels) {
    CAPTURE(level.id);
    const int n = level.id[1] - '0';
    // The score is never the obstacle: 80 points meets every score threshold.
    {  // scene count
      for (int k : {level.scenes - 1, level.scenes}) {
        CAPTURE(k);
        Json a = sme_answers(total_80(), n);
        // The constraint gate is met with room to spare; only the count varies.
        set_scenes(a, n, level.constraint, k - level.constraint);
        const ScoreResult r = score(q, a);
        const auto& req = requirement(q, r, level.id + "_scenes");
        CHECK(req.actual == k);
        CHECK(req.met == (k >= level.scenes));
        CHECK(requirement(q, r, level.id + "_constraint_scenes").met);
        CHECK(level_id(q, r) == (k >= level.scenes ? level.id : level_below(level.id)));
      }
    }
    {  // constraint scene count
      for (int k : {level.constraint - 1, level.constraint}) {
        CAPTURE(k);
        Json a = sme_answers(total_80(), n);
        set_scenes(a, n, k, 6);  // all six guidance scenes too, so the scene count is met
        const ScoreResult r = score(q, a);
        const auto& req = requirement(q, r, level.id + "_constraint_scenes");
        CHECK(req.actual == k);
        CHECK(req.met == (k >= level.constraint));
        CHECK(requirement(q, r, level.id + "_scenes").met);
        CHECK(level_id(q, r) == (k >= level.constraint ? level.id : level_below(level.id)));
      }
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Smart-factory tiers 2025

namespace {

// The scenario status questions of one dimension section, in order.
std::vector<std::string> scenarios_of(const Questionnaire& q, const std::string& dim) {
  std::vector<std::string> out;
  const int si = q.section_index(dim);
  for (const auto& question : q.questions) {
    if (question.section == si && question.type == assess::QuestionType::kLadder) out.push_back(question.id);
  }
  return out;
}

const std::vector<std::string> kDims = {"dim_factory", "dim_rd", "dim_production", "dim_management", "dim_operations"};

// A tier's own thresholds, as option ids of the single-choice questions.
struct TierBase {
  std::string maturity, maturity_below;
  std::string benchmark, benchmark_below;
  std::string tier_held, tier_held_below;
};
// Maturity (shared/domain/smart-factory-tiers.md, corrected): "GB/T 39116 maturity level (a plain
// level; GB/T 39116 has no 中/高 grades inside a level) | ≥ 二级 | ≥ 二级 | ≥ 三级 | ≥ 四级".
const std::vector<TierBase> kTierBases = {{"l2", "l1", "above_avg", "below_avg", "none", "none"},
                                          {"l2", "l1", "province_leader", "above_avg", "basic_self", "none"},
                                          {"l3", "l2", "national_leader", "province_leader", "advanced", "basic_self"},
                                          {"l4", "l3", "global_leader", "national_leader", "excellent", "advanced"}};

// Every requirement of tier `t` (0-based) just met: revenue exactly 2000 万元, maturity / benchmark /
// tier held exactly at the tier's threshold, exactly one scenario built (试点, status 2) per
// dimension and every other scenario planned (status 1), all yes/no conditions yes. AI: SF3 two of
// the five built scenarios (40 %), SF4 four of five (80 %), so that un-building one dimension's
// scenario keeps the share above the threshold.
Json tier_base(int t) {
  const Questionnaire& q = smart_factory().q;
  Json a = smart_factory().demo;
  a["main_business_revenue_last_year"] = 2000;
  for (const char* id : {"bc_sound_operations", "bc_clean_record", "bc_secure_controllable", "bc_security_risks",
                         "bc_organisation", "bc_team", "ex_talent_system", "ex_legal_entity", "ex_ai_explored",
                         "ex_site_check", "ex_leading_talent", "ex_core_products_global", "ex_ai_deep"}) {
    a[id] = true;
  }
  const TierBase& b = kTierBases[static_cast<std::size_t>(t)];
  a["mat_level"] = b.maturity;
  a["mat_source"] = "certificate";
  a["results_benchmark"] = b.benchmark;
  a["recognised_tier"] = b.tier_held;
  const int ai = t == 2 ? 2 : t == 3 ? 4 : 0;
  int d = 0;
  for (const auto& dim : kDims) {
    const auto ids = scenarios_of(q, dim);
    for (const auto& id : ids) {
      a[id] = 1;
      a[id + "_ai"] = false;
    }
    a[ids[0]] = 2;
    a[ids[0] + "_ai"] = d < ai;
    ++d;
  }
  return a;
}

// How a requirement is just met and just missed, and the tier the result falls to when it is the
// only requirement of its tier that fails.
struct Flip {
  std::function<void(Json&)> meet, miss;
  std::string level_after_miss;
};

Flip flip_for(int t, const std::string& rid) {
  const Questionnaire& q = smart_factory().q;
  const std::string suffix = rid.substr(4);  // "SFn_" …
  const std::string below = t == 0 ? "(none)" : "SF" + std::to_string(t);
  const TierBase& b = kTierBases[static_cast<std::size_t>(t)];
  auto set = [](const std::string& id, Json v) { return [id, v](Json& a) { a[id] = v; }; };
  if (suffix == "above_size")
    return {set("main_business_revenue_last_year", 2000), set("main_business_revenue_last_year", 1999), "(none)"};
  if (suffix.rfind("bc_", 0) == 0) return {set(suffix, true), set(suffix, false), "(none)"};
  // 基础级 and 先进级 both need 二级: a 先进级 base at 一级 misses 基础级 too.
  if (suffix == "maturity")
    return {set("mat_level", b.maturity), set("mat_level", b.maturity_below), t == 1 ? "(none)" : below};
  if (suffix == "benchmark")
    return {set("results_benchmark", b.benchmark), set("results_benchmark", b.benchmark_below), below};
  if (suffix == "prerequisite")
    return {set("recognised_tier", b.tier_held), set("recognised_tier", b.tier_held_below), below};
  if (suffix == "talent")
    return {set(t == 2 ? "ex_talent_system" : "ex_leading_talent", true),
            set(t == 2 ? "ex_talent_system" : "ex_leading_talent", false), below};
  if (suffix == "legal_entity") return {set("ex_legal_entity", true), set("ex_legal_entity", false), below};
  if (suffix == "ai_explored") return {set("ex_ai_explored", true), set("ex_ai_explored", false), below};
  // ex_site_check is read by SF3 and SF4 alike: missing it drops a 领航级 base to 先进级.
  if (suffix == "site_check") return {set("ex_site_check", true), set("ex_site_check", false), "SF2"};
  if (suffix == "core_products")
    return {set("ex_core_products_global", true), set("ex_core_products_global", false), below};
  if (suffix == "ai_deep") return {set("ex_ai_deep", true), set("ex_ai_deep", false), below};
  if (suffix.rfind("dim_", 0) == 0) {
    const std::string first = scenarios_of(q, suffix)[0];
    // 生产作业 is required from 基础级 up, 生产管理/运营管理 from 先进级, 工厂建设/研发设计 from 卓越级.
    const std::string after = suffix == "dim_production"                                   ? "(none)"
                              : (suffix == "dim_management" || suffix == "dim_operations") ? "SF1"
                                                                                           : "SF2";
    return {set(first, 2), set(first, 1), after};
  }
  if (suffix == "ai_share") {
    // SF3: 2 of 10 built = 20 % vs 2 of 11 = 18.2 %; SF4: 6 of 10 = 60 % vs 6 of 11 = 54.5 %. The
    // second scenario of each dimension is built too (status 2, AI no), then AI yes is moved onto
    // the first 2 or 6 built; missing adds an eleventh built scenario without AI.
    const int ai = t == 2 ? 2 : 6;
    auto build = [ai](Json& a, int extra) {
      const Questionnaire& qq = smart_factory().q;
      int built = 0;
      int k = 0;
      for (const auto& dim : kDims) {
        const auto ids = scenarios_of(qq, dim);
        for (int i = 0; i < 2; ++i) {
          a[ids[static_cast<std::size_t>(i)]] = 2;
          a[ids[static_cast<std::size_t>(i)] + "_ai"] = k++ < ai;
          ++built;
        }
      }
      const auto more = scenarios_of(qq, "dim_management");
      for (int i = 0; i < extra; ++i) {
        a[more[static_cast<std::size_t>(2 + i)]] = 2;
        a[more[static_cast<std::size_t>(2 + i)] + "_ai"] = false;
      }
    };
    return {[build](Json& a) { build(a, 0); }, [build](Json& a) { build(a, 1); }, below};
  }
  FAIL("no flip defined for " << rid);
  return {};
}

}  // namespace

TEST_CASE(
    "smart-factory: every requirement of every tier flips at its threshold, and the tier drops when it is the only one "
    "failing") {
  const Questionnaire& q = smart_factory().q;
  for (int t = 0; t < static_cast<int>(q.levels.size()); ++t) {
    const assess::Level& tier = q.levels[static_cast<std::size_t>(t)];
    CAPTURE(tier.id);
    const ScoreResult base = score(q, tier_base(t));
    CHECK(level_id(q, base) == tier.id);
    CHECK(failing(q, base, tier.id).empty());
    for (const auto& req : tier.requirements) {
      CAPTURE(req.id);
      const Flip f = flip_for(t, req.id);
      Json meet = tier_base(t);
      f.meet(meet);
      Json miss = meet;
      f.miss(miss);
      const ScoreResult r_meet = score(q, meet);
      const ScoreResult r_miss = score(q, miss);
      CHECK(requirement(q, r_meet, req.id).met);
      CHECK_FALSE(requirement(q, r_miss, req.id).met);
      CHECK(requirement(q, r_miss, req.id).actual < req.threshold);
      CHECK(requirement(q, r_meet, req.id).actual >= req.threshold - assess::testing::kTolerance);
      CHECK(level_id(q, r_meet) == tier.id);
      CHECK(failing(q, r_miss, tier.id) == std::vector<std::string>{req.id});
      CHECK(level_id(q, r_miss) == f.level_after_miss);
    }
  }
}

TEST_CASE("smart-factory: the AI share requirement is met at exactly 20 % and 60 %") {
  const Questionnaire& q = smart_factory().q;
  for (int t : {2, 3}) {
    Json a = tier_base(t);
    flip_for(t, q.levels[static_cast<std::size_t>(t)].id + "_ai_share").meet(a);
    const ScoreResult r = score(q, a);
    const std::string id = q.levels[static_cast<std::size_t>(t)].id + "_ai_share";
    CHECK(requirement(q, r, id).actual == (t == 2 ? 20.0 : 60.0));
    CHECK(requirement(q, r, id).met);
  }
}

// ------------------------------------------------------------------------------------------------
// CMMM (GB/T 39116 / 39117 indicative self-check)

namespace {

// Every requirement question of level section `level` (1..5), grouped by sub-domain section.
std::vector<std::vector<std::string>> subdomains(int level) {
  const Questionnaire& q = cmmm().q;
  const int ls = q.section_index("L" + std::to_string(level));
  std::vector<std::vector<std::string>> out;
  for (const auto& child : q.sections[static_cast<std::size_t>(ls)].children) {
    if (!child.is_section) continue;
    std::vector<std::string> ids;
    for (const auto& question : q.questions) {
      if (question.section == child.index) ids.push_back(question.id);
    }
    out.push_back(ids);
  }
  return out;
}

// Level `level` with the given rating per sub-domain (in document order; every requirement of a
// sub-domain gets the same rating, so the sub-domain scores exactly that rating).
void rate_level(Json& a, int level, const std::vector<std::string>& ratings) {
  const auto subs = subdomains(level);
  REQUIRE(subs.size() == ratings.size());
  for (std::size_t i = 0; i < subs.size(); ++i) {
    for (const auto& id : subs[i]) a[id] = ratings[i] == "na" ? Json{{"na", true}} : Json(ratings[i]);
  }
}

// n_full sub-domains fully met, one at `odd` (if given), the rest not met.
std::vector<std::string> ratings(int n_full, const std::string& odd = "", int total = 20) {
  std::vector<std::string> r(static_cast<std::size_t>(total), "none");
  for (int i = 0; i < n_full; ++i) r[static_cast<std::size_t>(i)] = "full";
  if (!odd.empty()) r[static_cast<std::size_t>(n_full)] = odd;
  return r;
}

// Levels 1..5 at the given scores (each 1, 0.99, 0.8, 0.79 or 0).
Json cmmm_answers(const std::vector<double>& scores) {
  Json a = cmmm().demo;
  for (int level = 1; level <= 5; ++level) {
    const double s = scores[static_cast<std::size_t>(level - 1)];
    std::vector<std::string> r;
    if (s == 1)
      r = ratings(20);
    else if (s == 0.99)
      r = ratings(19, "mostly");  // 19 + 0.8 = 19.8 / 20
    else if (s == 0.8)
      r = ratings(16);  // 16 / 20
    else if (s == 0.79)
      r = ratings(15, "mostly");  // 15.8 / 20
    else
      r = ratings(0);
    rate_level(a, level, r);
  }
  return a;
}

}  // namespace

TEST_CASE("CMMM: a level section at exactly 0.8 passes and 0.79 fails (GB/T 39117 pass mark)") {
  const Questionnaire& q = cmmm().q;
  SUBCASE("20 sub-domains: 16 fully met = 0.8 passes; 15 fully + 1 mostly = 0.79 fails") {
    const ScoreResult pass = score(q, cmmm_answers({1, 0.8, 0, 0, 0}));
    CHECK_NEAR(pass.sections[static_cast<std::size_t>(q.section_index("L2"))].score, 0.8);
    CHECK(pass.sections[static_cast<std::size_t>(q.section_index("L2"))].passed);
    CHECK(requirement(q, pass, "CMMM2_level").met);
    CHECK(level_id(q, pass) == "CMMM2");  // S = 1.8

    const ScoreResult fail = score(q, cmmm_answers({1, 0.79, 0, 0, 0}));
    CHECK_NEAR(fail.sections[static_cast<std::size_t>(q.section_index("L2"))].score, 0.79);
    CHECK_FALSE(fail.sections[static_cast<std::size_t>(q.section_index("L2"))].passed);
    CHECK_FALSE(requirement(q, fail, "CMMM2_level").met);
    CHECK(needed(q, "CMMM2_level") == 0.8);
    CHECK(level_id(q, fail) == "CMMM1");
  }
  SUBCASE("产品服务 not applicable: the mean runs over 19 sub-domains, 15.2/19 = 0.8 passes, 14.9/19 fails") {
    // product_service is the 20th sub-domain. 15.2 = 12 × 1 + 4 × 0.8; the other three not met.
    Json a = cmmm_answers({1, 1, 0, 0, 0});
    std::vector<std::string> r(20, "none");
    for (int i = 0; i < 12; ++i) r[static_cast<std::size_t>(i)] = "full";
    for (int i = 12; i < 16; ++i) r[static_cast<std::size_t>(i)] = "mostly";
    r[19] = "na";
    rate_level(a, 3, r);
    const ScoreResult pass = score(q, a);
    CHECK_NEAR(pass.sections[static_cast<std::size_t>(q.section_index("L3"))].score, 15.2 / 19);
    CHECK(requirement(q, pass, "CMMM3_level").met);
    r[15] = "partly";  // 12 + 3 × 0.8 + 0.5 = 14.9 → 0.784 fails
    rate_level(a, 3, r);
    const ScoreResult fail = score(q, a);
    CHECK_NEAR(fail.sections[static_cast<std::size_t>(q.section_index("L3"))].score, 14.9 / 19);
    CHECK_FALSE(requirement(q, fail, "CMMM3_level").met);
  }
}

TEST_CASE("CMMM: the total S counts levels up to and including the first level not met; higher levels count 0") {
  // shared/domain/smart-factory-tiers.md (GB/T 39117): "a level counts when its score ≥ 0.8, and higher
  // levels count only after lower ones; the total S = sum of level scores" — issue 10, item 15: "the
  // CMMM total S counts levels only up to the first level that fails".
  const Questionnaire& q = cmmm().q;
  SUBCASE("L1 = L2 = 0.8, L3 = 0, L4 = L5 = 1: S = 0.8 + 0.8 + 0 = 1.6, so 一级 (a plain sum would give 3.6)") {
    const ScoreResult r = score(q, cmmm_answers({0.8, 0.8, 0, 1, 1}));
    CHECK_NEAR(r.sections[0].score, 1.6);
    CHECK_NEAR(r.sections[0].max, 5);
    CHECK_FALSE(requirement(q, r, "CMMM2_total").met);
    CHECK(level_id(q, r) == "CMMM1");
  }
  SUBCASE("L1 = 1, L2 = 0.79, L3..L5 = 1: the failing level's own 0.79 counts, the rest do not: S = 1.79") {
    const ScoreResult r = score(q, cmmm_answers({1, 0.79, 1, 1, 1}));
    CHECK_NEAR(r.sections[0].score, 1.79);
    CHECK(level_id(q, r) == "CMMM1");
    // Each level's own score is still reported as rated.
    CHECK_NEAR(r.sections[static_cast<std::size_t>(q.section_index("L3"))].score, 1);
  }
  SUBCASE("L1 = 0.79: nothing above counts, S = 0.79, no level") {
    const ScoreResult r = score(q, cmmm_answers({0.79, 1, 1, 1, 1}));
    CHECK_NEAR(r.sections[0].score, 0.79);
    CHECK(level_id(q, r) == "(none)");
  }
  SUBCASE("every level met: all five count, S = 5") {
    const ScoreResult r = score(q, cmmm_answers({1, 1, 1, 1, 1}));
    CHECK_NEAR(r.sections[0].score, 5);
    CHECK(level_id(q, r) == "CMMM5");
  }
}

TEST_CASE("CMMM: the total S at exactly 0.8 / 1.8 / 2.8 / 3.8 / 4.8 enters the band, 0.01 less does not") {
  const Questionnaire& q = cmmm().q;
  struct Band {
    std::vector<double> at, below;
    std::string level, requirement, level_below;
    double s;
  };
  const std::vector<Band> bands = {{{0.8, 0, 0, 0, 0}, {0.79, 0, 0, 0, 0}, "CMMM1", "CMMM1_total", "(none)", 0.8},
                                   {{1, 0.8, 0, 0, 0}, {0.99, 0.8, 0, 0, 0}, "CMMM2", "CMMM2_total", "CMMM1", 1.8},
                                   {{1, 1, 0.8, 0, 0}, {0.99, 1, 0.8, 0, 0}, "CMMM3", "CMMM3_total", "CMMM2", 2.8},
                                   {{1, 1, 1, 0.8, 0}, {0.99, 1, 1, 0.8, 0}, "CMMM4", "CMMM4_total", "CMMM3", 3.8},
                                   {{1, 1, 1, 1, 0.8}, {0.99, 1, 1, 1, 0.8}, "CMMM5", "CMMM5_total", "CMMM4", 4.8}};
  for (const Band& b : bands) {
    CAPTURE(b.level);
    const ScoreResult at = score(q, cmmm_answers(b.at));
    CHECK_NEAR(at.sections[0].score, b.s);
    CHECK(requirement(q, at, b.requirement).met);
    CHECK(level_id(q, at) == b.level);

    const ScoreResult below = score(q, cmmm_answers(b.below));
    CHECK_NEAR(below.sections[0].score, b.s - 0.01);
    CHECK_FALSE(requirement(q, below, b.requirement).met);
    CHECK(needed(q, b.requirement) == b.s);
    // The level's own section still passes; only the band holds it back (except at 一级, where the
    // 0.79 level score fails too).
    if (b.level != "CMMM1") {
      CHECK(failing(q, below, b.level) == std::vector<std::string>{b.requirement});
    }
    CHECK(level_id(q, below) == b.level_below);
  }
}

// ------------------------------------------------------------------------------------------------
// Decimal figures on a band edge (issue 10, item 3). The answers are decimals as typed; a relative
// change of exactly ±2 % is "flat" (bands: down < −0.02 ≤ flat ≤ 0.02 < up, parameters.flat_tolerance),
// and a digital spend of exactly 10 % of revenue is in [0, 10] (中小企业数字化水平评测指标（2024年版）
// 数字化成效/资金投入: "近三年数字化投入占营业收入比重"). Each expected band was worked out by hand in
// exact decimals; in binary floating point every one of these figures lands just past the edge.

namespace {
std::string band_id(const Questionnaire& q, const ScoreResult& r, const std::string& question) {
  const int qi = q.question_index(question);
  REQUIRE(qi >= 0);
  const int band = r.questions[static_cast<std::size_t>(qi)].band;
  return band < 0 ? std::string("(none)")
                  : q.questions[static_cast<std::size_t>(qi)].options[static_cast<std::size_t>(band)].id;
}
}  // namespace

TEST_CASE("SME bands: a decimal figure exactly on a band edge lands in the band that includes the edge") {
  const Questionnaire& q = sme().q;
  Json a = sme().demo;
  SUBCASE("q13 pass rate 95 → 93.1 is (93.1 − 95) ÷ 95 = −1.9 ÷ 95 = −0.02 exactly: flat, 3.5 points") {
    a["raw_pass_rate_before"] = 95;
    a["raw_pass_rate_after"] = 93.1;
    const ScoreResult r = score(q, a);
    CHECK(band_id(q, r, "q13_quality") == "flat");
    CHECK(r.questions[static_cast<std::size_t>(q.question_index("q13_quality"))].points == 3.5);
    CHECK(r.questions[static_cast<std::size_t>(q.question_index("q13_quality"))].value == -0.02);
  }
  SUBCASE("q11 spend 4843.1 of revenue 48431 is 484310 ÷ 48431 = 10 % exactly: band [0, 10], 0 points") {
    a["raw_digital_spend_avg3"] = 4843.1;
    a["raw_revenue_last_year"] = 48431;
    const ScoreResult r = score(q, a);
    CHECK(band_id(q, r, "q11_funding") == "b0");
    CHECK(r.questions[static_cast<std::size_t>(q.question_index("q11_funding"))].value == 10.0);
  }
  SUBCASE("q12 energy 33.3 → 33.966 on equal revenue (100 and 100) is +0.666 ÷ 33.3 = +2 % exactly: flat, 3.5 points") {
    a["raw_energy_before"] = 33.3;
    a["raw_energy_after"] = 33.966;
    a["raw_revenue_before_retrofit"] = 100;
    a["raw_revenue_after_retrofit"] = 100;
    const ScoreResult r = score(q, a);
    CHECK(band_id(q, r, "q12_energy") == "flat");
    CHECK(r.questions[static_cast<std::size_t>(q.question_index("q12_energy"))].points == 3.5);
  }
  SUBCASE(
      "q14 revenue 48431 → 49399.62 with 560 staff both years is +968.62 ÷ 48431 = +2 % exactly: flat, 1.5 points") {
    a["raw_revenue_year_before"] = 48431;
    a["raw_revenue_last_year"] = 49399.62;
    a["raw_employees_year_before"] = 560;
    a["raw_employees_last_year"] = 560;
    const ScoreResult r = score(q, a);
    CHECK(band_id(q, r, "q14_market") == "flat");
    CHECK(r.questions[static_cast<std::size_t>(q.question_index("q14_market"))].points == 1.5);
  }
  SUBCASE("q15 cost per 100 of revenue 95 → 93.1 is −2 % exactly: flat, 1.5 points") {
    a["raw_cost_per_100_year_before"] = 95;
    a["raw_cost_per_100_last_year"] = 93.1;
    const ScoreResult r = score(q, a);
    CHECK(band_id(q, r, "q15_value") == "flat");
    CHECK(r.questions[static_cast<std::size_t>(q.question_index("q15_value"))].points == 1.5);
  }
}

TEST_CASE("SME rule L2: pass rate 95 → 93.1 (exactly −2 %, flat) completes exactly 40.0 and gives 二级") {
  // total_40 less q14 flat → down (−1.5) and q01 control network → none (−2) is 36.5 with q13 down;
  // q13 flat adds 3.5: 36.5 + 3.5 = 40.0 ≥ 40 with every 二级 scene gate met.
  const Questionnaire& q = sme().q;
  SmePoints p = total_40();
  p.q14 = "down";
  p.q01 = {};
  Json a = sme_answers(p, 2);
  a["raw_pass_rate_before"] = 95;
  a["raw_pass_rate_after"] = 93.1;
  const ScoreResult r = score(q, a);
  CHECK(band_id(q, r, "q13_quality") == "flat");
  CHECK(r.sections[0].score == doctest::Approx(40.0).epsilon(1e-12));
  CHECK(requirement(q, r, "L2_score").met);
  CHECK(level_id(q, r) == "L2");
}
