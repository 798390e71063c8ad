#include "scoring/rewards.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "scoring/policy.h"
#include "support.h"

namespace {

const std::string kDir = ASSESS_SOURCE_DIR "/tests/data/rewards";

const assess::RuleOutcome* outcome(const assess::RewardsResult& r, const std::string& rule,
                                   const std::string& project = "") {
  for (const auto& o : r.outcomes) {
    if (o.rule->id == rule && (project.empty() || o.project == project)) return &o;
  }
  return nullptr;
}

assess::Json xishan() {
  return {{"region", "320205"}, {"profile", assess::Json::object()}, {"results", assess::Json::object()}};
}

assess::Json project(double investment, bool park = false) {
  return {{"id", "p"},
          {"kind", "tech_transformation"},
          {"investment_two_years_wan", investment},
          {"in_specialty_park", park}};
}

}  // namespace

TEST_CASE("the jurisdiction walk goes district, city, province, nation") {
  CHECK(assess::region_walk("320205") == std::vector<std::string>{"320205", "320200", "320000", "100000"});
  CHECK(assess::region_walk("320583") == std::vector<std::string>{"320583", "320500", "320000", "100000"});
  CHECK(assess::region_walk("330400") == std::vector<std::string>{"330400", "330000", "100000"});
}

TEST_CASE("rate bands take the band whose inclusive lower bound holds the basis (（含）)") {
  auto catalogue = assess::load_catalogue_dir(kDir);
  auto at = [&](double wan, bool park = false) {
    auto r = assess::evaluate_rewards(catalogue, xishan(), {project(wan, park)}, "2025-06-01");
    return *outcome(r, "testdoc.bands");
  };
  SUBCASE("below 500万 is not eligible and says why") {
    auto o = at(499.99);
    CHECK(o.status == assess::Eligibility::kNotEligible);
    CHECK(o.failed == "basis");
    CHECK(o.failed_title.in("en", assess::testing::shipped_words("en")) ==
          "basis 499.99万 is below the first band [500, 1000)万");
  }
  SUBCASE("exactly 500万 is the first band: 5 %") {
    auto o = at(500);
    CHECK(o.status == assess::Eligibility::kEligible);
    CHECK(o.amount.value == 250000);
  }
  SUBCASE("exactly 1000万 is the second band: 6 %") {
    CHECK(at(1000).amount.value == 600000);
  }
  SUBCASE("999.99万 stays in the first band") {
    CHECK(at(999.99).amount.value == 499995);
  }
  SUBCASE("a specialty-park project gains 2 points: 2500万 × 8 % = 200万") {
    auto o = at(2500, true);
    CHECK(o.amount.value == 2000000);
    CHECK(o.amount.steps.back().in("zh-CN", assess::testing::shipped_words("zh-CN")) == "2500万 × 8% = 200万");
  }
  SUBCASE("the per-project cap of 2000万 applies above it, and says so") {
    auto o = at(30000, true);  // 3亿 × 10 % = 3000万 → 2000万
    CHECK(o.amount.value == 20000000);
    CHECK(o.amount.steps.back().in("en", assess::testing::shipped_words("en")) ==
          "per-project cap 2000万: 3000万 → 2000万");
  }
}

TEST_CASE("draft documents are flagged on every outcome that uses them") {
  auto catalogue = assess::load_catalogue_dir(kDir);
  auto r = assess::evaluate_rewards(catalogue, xishan(), {project(800)}, "2025-06-01");
  CHECK(outcome(r, "testdoc.bands")->flags == std::vector<std::string>{"draft"});
  CHECK(outcome(r, "testdoc.award")->flags == std::vector<std::string>{"draft"});
  auto early = assess::evaluate_rewards(catalogue, xishan(), {project(800)}, "2025-03-01");
  CHECK(outcome(early, "testdoc.bands")->flags == std::vector<std::string>{"draft", "not_yet_in_force"});
}

TEST_CASE("conditions say which one failed, and missing facts make a rule eligible-if") {
  auto catalogue = assess::load_catalogue_dir(kDir);
  SUBCASE("an unmet condition names the condition") {
    auto facts = xishan();
    facts["results"]["sf"]["level"] = "SF2";
    auto o = *outcome(assess::evaluate_rewards(catalogue, facts, {}, "2025-06-01"), "testdoc.award");
    CHECK(o.status == assess::Eligibility::kNotEligible);
    CHECK(o.failed == "tier");
  }
  SUBCASE("a missing fact is listed") {
    auto o = *outcome(assess::evaluate_rewards(catalogue, xishan(), {}, "2025-06-01"), "testdoc.award");
    CHECK(o.status == assess::Eligibility::kEligibleIf);
    CHECK(o.missing == std::vector<std::string>{"results.sf.level"});
  }
  SUBCASE("a ceiling is an up-to amount, decided case by case") {
    auto facts = xishan();
    facts["results"]["sf"]["level"] = "SF3";
    auto o = *outcome(assess::evaluate_rewards(catalogue, facts, {}, "2025-06-01"), "testdoc.award");
    CHECK(o.status == assess::Eligibility::kEligible);
    CHECK(o.amount.shape == assess::AmountShape::kUpTo);
    CHECK(o.amount.value == 500000);
  }
  SUBCASE("a disqualifier that holds makes the rule not eligible") {
    auto facts = xishan();
    facts["profile"]["substandard_equipment"] = true;
    auto o = *outcome(assess::evaluate_rewards(catalogue, facts, {}, "2025-06-01"), "testdoc.fixed");
    CHECK(o.status == assess::Eligibility::kNotEligible);
    CHECK(o.failed == "substandard");
    facts["profile"]["substandard_equipment"] = false;
    auto ok = *outcome(assess::evaluate_rewards(catalogue, facts, {}, "2025-06-01"), "testdoc.fixed");
    CHECK(ok.status == assess::Eligibility::kEligible);
    CHECK(ok.amount.value == 200000);
  }
  SUBCASE("a per-project rule without a project says it needs one") {
    auto o = *outcome(assess::evaluate_rewards(catalogue, xishan(), {}, "2025-06-01"), "testdoc.bands");
    CHECK(o.status == assess::Eligibility::kEligibleIf);
    CHECK(o.missing.front() == "project (tech_transformation)");
  }
}

TEST_CASE("parent-level rules apply down the walk, and only there") {
  auto catalogue = assess::load_catalogue_dir(kDir);
  assess::Json kunshan = {{"region", "320583"}};
  auto r = assess::evaluate_rewards(catalogue, kunshan, {}, "2024-06-01");
  CHECK(outcome(r, "testprov.interest") != nullptr);  // 江苏 (320000) rule reaches 昆山
  CHECK(outcome(r, "testprov.range") != nullptr);     // 苏州 (320500) document reaches 昆山
  CHECK(outcome(r, "testdoc.bands") == nullptr);      // 锡山 does not
  assess::Json xs = xishan();
  auto r2 = assess::evaluate_rewards(catalogue, xs, {}, "2024-06-01");
  CHECK(outcome(r2, "testprov.interest") != nullptr);  // the 江苏 rule reaches 锡山 too
  CHECK(outcome(r2, "testprov.range") == nullptr);     // the 苏州 one does not
  auto late = assess::evaluate_rewards(catalogue, kunshan, {}, "2025-01-01");
  CHECK(outcome(late, "testprov.support")->flags == std::vector<std::string>{"expired"});
}

TEST_CASE("per-enterprise annual caps hold across several projects (昆山 provincial interest)") {
  auto catalogue = assess::load_catalogue_dir(kDir);
  assess::Json kunshan = {{"region", "320583"}};
  auto loan = [](const std::string& id, double wan) {
    return assess::Json{
        {"id", id}, {"kind", "loan"}, {"loan_wan", wan}, {"loan_equipment_wan", 600}, {"loan_rate_over_lpr_bp", 30}};
  };
  SUBCASE("one project: 1 pt of 6亿 = 600万, capped at 500万 per project") {
    auto r = assess::evaluate_rewards(catalogue, kunshan, {loan("a", 60000)}, "2024-06-01");
    CHECK(outcome(r, "testprov.interest")->amount.value == 5000000);
  }
  SUBCASE("three projects of 500万 each are capped at 1000万 for the enterprise") {
    auto r = assess::evaluate_rewards(catalogue, kunshan, {loan("a", 60000), loan("b", 60000), loan("c", 60000)},
                                      "2024-06-01");
    CHECK(outcome(r, "testprov.interest", "a")->amount.value == 5000000);
    CHECK(outcome(r, "testprov.interest", "b")->amount.value == 5000000);
    CHECK(outcome(r, "testprov.interest", "c")->amount.value == 0);
    REQUIRE(r.caps.size() == 1);
    CHECK(r.caps[0].before == 15000000);
    CHECK(r.caps[0].after == 10000000);
    CHECK(r.total_exact == 10000000);
  }
  SUBCASE("an absent fact decides nothing, even where JsonLogic would read it as 0 (null <= 50)") {
    auto unknown_rate = loan("a", 1000);
    unknown_rate.erase("loan_rate_over_lpr_bp");
    auto r = assess::evaluate_rewards(catalogue, kunshan, {unknown_rate}, "2024-06-01");
    CHECK(outcome(r, "testprov.interest")->status == assess::Eligibility::kEligibleIf);
    CHECK(outcome(r, "testprov.interest")->missing == std::vector<std::string>{"project.loan_rate_over_lpr_bp"});
  }
  SUBCASE("a loan with too little equipment fails its condition") {
    auto small = loan("a", 1000);
    small["loan_equipment_wan"] = 499;
    auto r = assess::evaluate_rewards(catalogue, kunshan, {small}, "2024-06-01");
    CHECK(outcome(r, "testprov.interest")->failed == "equipment");
  }
}

TEST_CASE("ranges, unpublished bases and support without a sum never invent a number") {
  auto catalogue = assess::load_catalogue_dir(kDir);
  assess::Json kunshan = {{"region", "320583"}, {"profile", {{"digital_investment_this_year", 600}}}};
  assess::Json energy = {
      {"id", "e"}, {"kind", "energy_saving"}, {"equipment_investment_wan", 200}, {"first_set_wan", 100}};
  auto r = assess::evaluate_rewards(catalogue, kunshan, {energy}, "2024-06-01");
  const auto* range = outcome(r, "testprov.range");
  CHECK(range->amount.shape == assess::AmountShape::kRange);
  CHECK(range->amount.low == 200000);    // (200 + 0.5 × 100)万 × 8 %
  CHECK(range->amount.value == 300000);  // × 12 %
  SUBCASE("a fact with a default is never missing") {
    assess::Json plain = {{"id", "e2"}, {"kind", "energy_saving"}, {"equipment_investment_wan", 200}};
    auto r2 = assess::evaluate_rewards(catalogue, kunshan, {plain}, "2024-06-01");
    CHECK(outcome(r2, "testprov.range")->status == assess::Eligibility::kEligible);
    CHECK(outcome(r2, "testprov.range")->amount.low == 160000);
  }
  const auto* coefficient = outcome(r, "testprov.coefficient");
  CHECK(coefficient->amount.shape == assess::AmountShape::kUpTo);
  CHECK(coefficient->amount.value == 10000000);
  CHECK(coefficient->amount.steps[1].in("en", assess::testing::shipped_words("en")) == "coefficient ×2 applies");
  const auto* support = outcome(r, "testprov.support");
  CHECK(support->amount.shape == assess::AmountShape::kNone);
  CHECK(support->status == assess::Eligibility::kEligible);
}

TEST_CASE("reaching the next level shows which rewards it unlocks") {
  auto catalogue = assess::load_catalogue_dir(kDir);
  auto facts = xishan();
  facts["results"]["sf"]["level"] = "SF2";
  auto unlocked = assess::rewards_unlocked(catalogue, facts, {}, "2025-06-01", "sf", "SF3");
  REQUIRE(unlocked.size() == 1);
  CHECK(unlocked[0].rule->id == "testdoc.award");
  CHECK(unlocked[0].amount.value == 500000);
}

TEST_CASE("policy documents are validated on load") {
  auto base = assess::read_json_file(kDir + "/test-doc.json");
  SUBCASE("a rule id must start with its document id") {
    auto doc = base;
    doc["rules"][0]["id"] = "other.bands";
    CHECK_THROWS_WITH(assess::load_policy_document(doc, "d.json"),
                      "d.json:/rules/0/id: rule id \"other.bands\" must start with \"testdoc.\"");
  }
  SUBCASE("bands must continue each other") {
    auto doc = base;
    doc["rules"][0]["amount"]["bands"][1]["ge"] = 1100;
    CHECK_THROWS_WITH(assess::load_policy_document(doc, "d.json"),
                      "d.json:/rules/0/amount/bands/1: band [1100, 3000) does not continue [500, 1000)");
  }
  SUBCASE("a condition may read only the documented facts") {
    auto doc = base;
    doc["rules"][1]["conditions"][0]["logic"] = {{"==", {{{"var", "projcet.kind"}}, "x"}}};
    CHECK_THROWS_WITH(assess::load_policy_document(doc, "d.json"),
                      "d.json:/rules/1/conditions/0/logic: reads unknown fact \"projcet\" (facts: profile, region, "
                      "regions, results, project, enterprise_year)");
  }
  SUBCASE("a rate is a fraction") {
    auto doc = base;
    doc["rules"][0]["amount"]["bands"][0]["rate"] = 5;
    CHECK_THROWS_WITH(assess::load_policy_document(doc, "d.json"),
                      "d.json:/rules/0/amount/bands/0/rate: \"rate\" is a fraction between 0 and 1 (8 % = 0.08)");
  }
}

TEST_CASE("amounts display in 万 where Chinese readers expect it") {
  CHECK(assess::format_yuan(2000000) == "200万");
  CHECK(assess::format_yuan(125000) == "12.5万");
  CHECK(assess::format_yuan(8001) == "8001元");
}

// Issue 10: rewards the seeds give, read fully. Each case quotes its clause; amounts by hand.
namespace {

const assess::Catalogue& real_catalogue() {
  static const assess::Catalogue c = assess::load_catalogue_dir(ASSESS_SOURCE_DIR "/policies");
  return c;
}

}  // namespace

TEST_CASE("a bonus fact that is not known shows both outcomes, never the lower one as exact") {
  // 锡山 三、（二）"对落户先进制造业特色专业园区且符合园区产业发展定位的技改项目，在技改补助比例上再提高2个百分点"
  const auto& catalogue = real_catalogue();
  assess::Json project = {{"id", "p"}, {"kind", "tech_transformation"}, {"investment_two_years_wan", 2500}};
  auto r = assess::evaluate_rewards(catalogue, xishan(), {project}, "2026-06-01");
  const auto* o = outcome(r, "xishan-2025-equipment.tech-subsidy");
  REQUIRE(o);
  CHECK(o->status == assess::Eligibility::kEligibleIf);
  CHECK(o->amount.shape == assess::AmountShape::kEither);
  CHECK(o->amount.low == 1500000);    // 2500万 × 6 %
  CHECK(o->amount.value == 2000000);  // 2500万 × (6 + 2) %
  CHECK(assess::amount_display(o->amount, "zh-CN", assess::testing::shipped_words("zh-CN")) ==
        "200万（若落户先进制造业特色专业园区且符合园区产业发展定位），否则150万");
  CHECK(r.total_low == 0);  // an eligible-if outcome is not in the totals
  SUBCASE("the profile's park answers (asked once) decide it: 200万 exact") {
    auto facts = xishan();
    facts["profile"]["specialty_park"] = true;
    facts["profile"]["park_fits_positioning"] = true;
    auto r2 = assess::evaluate_rewards(catalogue, facts, {project}, "2026-06-01");
    const auto* o2 = outcome(r2, "xishan-2025-equipment.tech-subsidy");
    CHECK(o2->status == assess::Eligibility::kEligible);
    CHECK(o2->amount.shape == assess::AmountShape::kExact);
    CHECK(o2->amount.value == 2000000);
  }
  SUBCASE("the project's own fact wins over the profile") {
    auto facts = xishan();
    facts["profile"]["specialty_park"] = true;
    facts["profile"]["park_fits_positioning"] = true;
    auto outside = project;
    outside["in_specialty_park"] = false;
    auto r2 = assess::evaluate_rewards(catalogue, facts, {outside}, "2026-06-01");
    CHECK(outcome(r2, "xishan-2025-equipment.tech-subsidy")->amount.value == 1500000);
  }
}

TEST_CASE("totals keep range floors: 50万 + (40–60万) = 90–110万") {
  // 嘉兴 三、11 "对经认定的…省级智能工厂…分别给予…50万元…奖励" and "给予设备投资额8%-12%的补助"
  const auto& catalogue = real_catalogue();
  assess::Json facts = {
      {"region", "330402"},
      {"profile",
       {{"substandard_equipment", false}, {"provincial_labels", {"smart_factory"}}, {"green_factory_level", "none"}}}};
  assess::Json energy = {{"id", "e"}, {"kind", "energy_saving"}, {"equipment_investment_wan", 500}};
  auto r = assess::evaluate_rewards(catalogue, facts, {energy}, "2026-06-01");
  CHECK(outcome(r, "jiaxing-equipment.smart-factory-provincial")->amount.value == 500000);
  CHECK(outcome(r, "jiaxing-equipment.energy-water-saving")->amount.low == 400000);    // 500万 × 8 %
  CHECK(outcome(r, "jiaxing-equipment.energy-water-saving")->amount.value == 600000);  // 500万 × 12 %
  CHECK(r.total_low == 900000);
  CHECK(r.total_high == 1100000);
  CHECK(assess::total_display(r, "zh-CN") == "90万–110万");
  const auto j = assess::rewards_to_json(r, "zh-CN", assess::testing::shipped_words("zh-CN"));
  CHECK(j["total_display"] == "90万–110万");
}

TEST_CASE("money decided case by case is its own shape, apart from support without money") {
  // 攀枝花 三、（二）"按“一事一议”原则给予奖补支持"; 三、（一）"开展供需推广对接活动" (no money)
  const auto& catalogue = real_catalogue();
  assess::Json facts = {{"region", "510402"}, {"profile", assess::Json::object()}};
  assess::Json project = {{"id", "p"}, {"kind", "tech_transformation"}};
  auto r = assess::evaluate_rewards(catalogue, facts, {project}, "2026-06-01");
  const auto* money = outcome(r, "panzhihua-2024-equipment.case-by-case-rewards");
  const auto* support = outcome(r, "panzhihua-2024-equipment.supply-demand-matching");
  CHECK(money->amount.shape == assess::AmountShape::kCaseByCase);
  CHECK(support->amount.shape == assess::AmountShape::kNone);
  CHECK(r.case_by_case == 1);
  const auto j = assess::rewards_to_json(r, "zh-CN", assess::testing::shipped_words("zh-CN"));
  bool seen = false;
  for (const auto& o : j["outcomes"]) {
    if (o["rule"] == "panzhihua-2024-equipment.case-by-case-rewards") {
      seen = true;
      CHECK(o["amount"]["shape"] == "case_by_case");
      CHECK(o["amount"]["display"] == "资金支持，金额个案确定");
    }
    if (o["rule"] == "panzhihua-2024-equipment.supply-demand-matching") CHECK(o["amount"]["display"] == "非资金支持");
  }
  CHECK(seen);
  CHECK(j["case_by_case"] == 1);
}

TEST_CASE(
    "a recognition award is decided by the recognition; a self-check that reaches the tier says what to apply for") {
  // 锡山
  // 三、（二）"对新认定的国家领航级智能工厂、国家卓越级智能工厂、省先进级智能工厂分别给予不超过100万元、50万元、20万元奖励"
  const auto& catalogue = real_catalogue();
  auto facts = xishan();
  facts["profile"] = {
      {"smart_factory_tier", "advanced"}, {"smart_factory_by", "province"}, {"smart_factory_year", 2026}};
  facts["results"]["smart-factory-2025"]["level"] = "SF1";
  auto r = assess::evaluate_rewards(catalogue, facts, {}, "2026-06-01");
  const auto* award = outcome(r, "xishan-2025-equipment.sf-advanced-provincial");
  CHECK(award->status == assess::Eligibility::kEligible);  // the self-check (基础级) does not gate it
  CHECK(award->amount.value == 200000);

  auto unrecognised = xishan();
  unrecognised["profile"] = {
      {"smart_factory_tier", "basic"}, {"smart_factory_by", "self"}, {"smart_factory_year", 2026}};
  unrecognised["results"]["smart-factory-2025"]["level"] = "SF1";
  auto unlocked = assess::rewards_unlocked(catalogue, unrecognised, {}, "2026-06-01", "smart-factory-2025", "SF2");
  const assess::RuleOutcome* hint = nullptr;
  for (const auto& o : unlocked) {
    if (o.rule->id == "xishan-2025-equipment.sf-advanced-provincial") hint = &o;
  }
  REQUIRE(hint);
  CHECK(hint->status == assess::Eligibility::kNotEligible);
  CHECK(hint->apply_for.zh == "申请省先进级智能工厂认定");
  CHECK(assess::unlock_text(*hint, "zh-CN", assess::testing::shipped_words("zh-CN")) ==
        "自评已达到该等级：申请省先进级智能工厂认定，获认定后可争取最高20万");
  CHECK(assess::unlock_text(*hint, "en", assess::testing::shipped_words("en")) ==
        "the self-check reaches this tier: apply for recognition as a provincial advanced-tier smart factory; "
        "once recognised, up to 200,000 yuan");
  CHECK(hint->amount.value == 200000);
  for (const auto& o : unlocked)
    CHECK(o.rule->id != "xishan-2025-equipment.sf-excellent-national");  // SF2 is not 卓越级
}

TEST_CASE("interest points of all levels on one project are capped together") {
  // 昆山 附件 四、（二）"单个项目累计可享受各级财政最高3个百分点的贷款贴息" — four 1-point rules on one loan: the
  // fourth is cut
  assess::Catalogue catalogue;
  assess::Json doc = {{"id", "pts"},
                      {"title", "t"},
                      {"issuer", "i"},
                      {"jurisdiction", "320583"},
                      {"status", "in_force"},
                      {"source", "s"},
                      {"rules", assess::Json::array()}};
  for (int i = 1; i <= 4; ++i) {
    doc["rules"].push_back({{"id", "pts.r" + std::to_string(i)},
                            {"title", "贴息" + std::to_string(i)},
                            {"cite", "四"},
                            {"quote", "q"},
                            {"kind", "interest"},
                            {"per", "project"},
                            {"project_kinds", {"loan"}},
                            {"amount",
                             {{"type", "interest"},
                              {"basis", {{"var", "project.loan_wan"}}},
                              {"points", 0.01},
                              {"caps", {{"per_project_points", {{"group", "g"}, {"max", 0.03}}}}}}}});
  }
  catalogue.documents.push_back(assess::load_policy_document(doc, "pts.json"));
  assess::Json loan = {{"id", "l"}, {"kind", "loan"}, {"loan_wan", 10000}};
  auto r = assess::evaluate_rewards(catalogue, {{"region", "320583"}}, {loan}, "2026-06-01");
  CHECK(outcome(r, "pts.r1")->amount.value == 1000000);  // 1亿 × 1 %
  CHECK(outcome(r, "pts.r3")->amount.value == 1000000);
  CHECK(outcome(r, "pts.r4")->amount.value == 0);  // 3 points used up
  CHECK(r.total_low == 3000000);
}

namespace {

// Two rules of one document that replace each other on a project, modelled on 锡山 三、（二）
// "对于符合省制造业贷款财政贴息条件但未获得省级贴息的项目，市区两级给予2个百分点的贴息" (it replaces, not
// adds to, the provincial subsidy: `alternative_to`). Both pay `rate` of the project's investment;
// `city_names_province` / `province_names_city` say which of them declares the alternative.
assess::Catalogue alternatives(bool city_names_province, bool province_names_city, bool city_park_bonus = false) {
  auto rule = [](const std::string& id, const std::string& title) {
    return assess::Json{{"id", id},
                        {"title", title},
                        {"cite", "三、（二）"},
                        {"quote", "q"},
                        {"kind", "subsidy"},
                        {"per", "project"},
                        {"project_kinds", {"tech_transformation"}},
                        {"amount", {{"type", "rate"}, {"basis", {{"var", "project.investment_wan"}}}, {"rate", 0.1}}}};
  };
  assess::Json city = rule("alt.city", "市区补助");
  assess::Json province = rule("alt.province", "省级补助");
  if (city_names_province) city["alternative_to"] = {"alt.province"};
  if (province_names_city) province["alternative_to"] = {"alt.city"};
  if (city_park_bonus) {
    city["amount"]["bonuses"] = {{{"id", "park"},
                                  {"title", "特色园区"},
                                  {"rate_points", 0.02},
                                  {"when", {{"==", {{{"var", "project.in_park"}}, true}}}}}};
  }
  assess::Json doc = {{"id", "alt"},
                      {"title", "t"},
                      {"issuer", "i"},
                      {"jurisdiction", "320205"},
                      {"status", "in_force"},
                      {"source", "s"},
                      {"rules", {city, province}}};
  assess::Catalogue catalogue;
  catalogue.documents.push_back(assess::load_policy_document(doc, "alt.json"));
  return catalogue;
}

bool flagged_alternative(const assess::RuleOutcome* o) {
  return std::find(o->flags.begin(), o->flags.end(), "alternative") != o->flags.end();
}

}  // namespace

TEST_CASE("a tie between alternative rules counts the sum once") {
  // 1000万 × 10 % = 100万 under each rule: equal amounts, and the two replace each other, so the
  // total is 100万 — not 200万 (both) and not 0 (neither).
  assess::Json project = {{"id", "p"}, {"kind", "tech_transformation"}, {"investment_wan", 1000}};
  const assess::Json facts = {{"region", "320205"}};
  SUBCASE("declared by one rule: the rule it names yields, the declaring rule counts") {
    const auto catalogue = alternatives(true, false);
    auto r = assess::evaluate_rewards(catalogue, facts, {project}, "2026-06-01");
    const auto* city = outcome(r, "alt.city");
    const auto* province = outcome(r, "alt.province");
    REQUIRE(city);
    REQUIRE(province);
    CHECK(city->amount.value == 1000000);
    CHECK(province->amount.value == 1000000);
    CHECK_FALSE(flagged_alternative(city));
    CHECK(flagged_alternative(province));
    CHECK(province->amount.steps.back().in("en", assess::testing::shipped_words("en")) ==
          "an alternative to \"市区补助\"; totals count the larger");
    CHECK(r.total_exact == 1000000);
    CHECK(r.total_low == 1000000);
    CHECK(r.total_high == 1000000);
  }
  SUBCASE("declared by both rules: still exactly one yields, the same one whichever side is read first") {
    const auto catalogue = alternatives(true, true);
    auto r = assess::evaluate_rewards(catalogue, facts, {project}, "2026-06-01");
    const auto* city = outcome(r, "alt.city");
    const auto* province = outcome(r, "alt.province");
    REQUIRE(city);
    REQUIRE(province);
    CHECK(flagged_alternative(city) != flagged_alternative(province));
    CHECK(r.total_exact == 1000000);
    CHECK(r.total_low == 1000000);
    CHECK(r.total_high == 1000000);
  }
  SUBCASE("an alternative whose amount is still open (either shape) decides nothing yet") {
    // The city rule adds 2 points in a specialty park; the park is unknown, so it shows 120万 or
    // 100万 and stays eligible-if, outside the totals: the province's 100万 counts, unflagged.
    const auto catalogue = alternatives(true, false, true);
    auto r = assess::evaluate_rewards(catalogue, facts, {project}, "2026-06-01");
    const auto* city = outcome(r, "alt.city");
    const auto* province = outcome(r, "alt.province");
    REQUIRE(city);
    REQUIRE(province);
    CHECK(city->status == assess::Eligibility::kEligibleIf);
    CHECK(city->amount.shape == assess::AmountShape::kEither);
    CHECK(city->amount.low == 1000000);    // 1000万 × 10 %
    CHECK(city->amount.value == 1200000);  // 1000万 × (10 + 2) %
    CHECK_FALSE(flagged_alternative(province));
    CHECK(r.total_low == 1000000);
    CHECK(r.total_high == 1000000);
    SUBCASE("outside the park the amounts tie again: one counts") {
      project["in_park"] = false;
      auto r2 = assess::evaluate_rewards(catalogue, facts, {project}, "2026-06-01");
      CHECK(outcome(r2, "alt.city")->amount.shape == assess::AmountShape::kExact);
      CHECK(flagged_alternative(outcome(r2, "alt.city")) != flagged_alternative(outcome(r2, "alt.province")));
      CHECK(r2.total_low == 1000000);
      CHECK(r2.total_high == 1000000);
    }
    SUBCASE("in the park the city's 120万 is the larger: the province yields") {
      project["in_park"] = true;
      auto r2 = assess::evaluate_rewards(catalogue, facts, {project}, "2026-06-01");
      CHECK_FALSE(flagged_alternative(outcome(r2, "alt.city")));
      CHECK(flagged_alternative(outcome(r2, "alt.province")));
      CHECK(r2.total_low == 1200000);
      CHECK(r2.total_high == 1200000);
    }
  }
}
