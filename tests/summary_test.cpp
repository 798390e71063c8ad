#include "scoring/summary.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "formats/report_render.h"
#include "scoring/report.h"
#include "support.h"

// Issue 14, items 4, 8 and 13: the report's first page for a general manager, T0 → T1 rule by rule,
// and a report kept to the enterprise's jurisdiction. Expected values are worked by hand from
// tests/data/enterprises/xishan-auto-parts/README.md (levels, gap plans, rewards) and the 锡山 seed
// (/work/shared/seeds/000_*.txt, 三、（二）), never copied from the program's output.

namespace {

const std::string kSource = ASSESS_SOURCE_DIR;
const std::string kXishan = kSource + "/tests/data/enterprises/xishan-auto-parts/assessment.json";

struct Env {
  assess::Library library = assess::Library::load_dir(kSource + "/questionnaires");
  assess::Crosswalk crosswalk = assess::load_crosswalk(
      assess::read_json_file(kSource + "/questionnaires/crosswalk.json"), "crosswalk.json", library);
  assess::Catalogue catalogue = assess::load_catalogue_dir(kSource + "/policies");
  assess::CodeList regions = assess::load_code_list_file(kSource + "/questionnaires/profile/regions.json");
  assess::ReportRenderer renderer{kSource + "/templates"};

  struct Scored {
    assess::AssessmentResult result;
    assess::RewardsResult rewards;
  };
  Scored score(const assess::Json& document) {
    auto result = assess::score_assessment(library, crosswalk, document, "assessment.json");
    REQUIRE(result.errors.empty());
    auto rewards = assess::evaluate_rewards(catalogue, assess::enterprise_facts(result), result.projects,
                                            result.meta.value("date", "2026-01-01"));
    return {std::move(result), std::move(rewards)};
  }
  assess::Json view(const Scored& s, const std::string& lang, const Scored* previous = nullptr) {
    assess::ReportOptions options;
    options.lang = lang;
    options.words = assess::testing::shipped_words(lang);
    options.generated_at = "2026-11-24 10:00";
    options.regions = &regions;
    if (previous) {
      options.previous = &previous->result;
      options.previous_rewards = &previous->rewards;
    }
    return assess::report_view(s.result, &s.rewards, &catalogue, options);
  }
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The body: everything before the appendix.
std::string body_of(const std::string& html) {
  return html.substr(0, html.find("<section class=\"section-break\" id=\"appendix\">"));
}

}  // namespace

TEST_CASE(
    "the first page of xishan-auto-parts: levels, three next steps with their worth, the reward total and clauses") {
  Env env;
  const auto scored = env.score(assess::read_json_file(kXishan));
  const assess::Json view = env.view(scored, "zh-CN");

  // Level badges (README: CMMM 二级, smart factory 先进级, SME 二级).
  std::map<std::string, std::string> levels;
  for (const auto& b : view["badges"]) levels[b["title"].get<std::string>()] = b["level_name"].get<std::string>();
  REQUIRE(levels.size() == 3);
  int seen = 0;
  for (const auto& [title, level] : levels) {
    if (contains(title, "能力成熟度")) {
      CHECK(level == "二级（规范级）");
      ++seen;
    }
    if (contains(title, "智能工厂梯度")) {
      CHECK(level == "先进级");
      ++seen;
    }
    if (contains(title, "中小企业数字化")) {
      CHECK(level == "二级");
      ++seen;
    }
  }
  CHECK(seen == 3);

  const assess::Json& gm = view["gm"];
  // Three steps, one per module's next level. README: smart factory → 卓越级 in 6 steps (44 → 46), whose
  // level unlocks the 锡山 award for a newly recognised national 卓越级 smart factory, "不超过……50万元"
  // (三、（二）) — money first; then CMMM → 三级 in 1 step (S 2.6 → 2.83684); then SME → 三级 in 5 steps
  // (57.7 → 61.2), fewer steps first. Neither CMMM nor SME levels carry a reward in the seeds.
  REQUIRE(gm["steps"].size() == 3);
  const auto& s1 = gm["steps"][0];
  CHECK(contains(s1["module"].get<std::string>(), "智能工厂梯度"));
  CHECK(s1["level_name"] == "卓越级");
  CHECK(s1["steps"] == 6);
  CHECK(s1["total_before"] == "44");
  CHECK(s1["total_after"] == "46");
  REQUIRE(s1["unlocks"].size() == 1);
  CHECK(s1["unlocks"][0]["title"] == "国家卓越级智能工厂认定奖励");
  CHECK(s1["unlocks"][0]["amount"] == "最高50万");
  CHECK(contains(s1["unlocks"][0]["cite"].get<std::string>(), "三、（二）"));
  const auto& s2 = gm["steps"][1];
  CHECK(contains(s2["module"].get<std::string>(), "能力成熟度"));
  CHECK(s2["level_name"] == "三级（集成级）");
  CHECK(s2["steps"] == 1);
  CHECK(s2["total_before"] == "2.6");
  CHECK(s2["total_after"] == "2.8368");
  CHECK(s2["unlocks"].empty());
  const auto& s3 = gm["steps"][2];
  CHECK(contains(s3["module"].get<std::string>(), "中小企业数字化"));
  CHECK(s3["level_name"] == "三级");
  CHECK(s3["steps"] == 5);
  CHECK(s3["total_before"] == "57.7");
  CHECK(s3["total_after"] == "61.2");
  CHECK(s3["unlocks"].empty());

  // Rewards (README "Exact amounts"): 2 500万 in the 1 000–3 000万 band, 6 % + 2 points for the park =
  // 8 % → 200万; the 锡山 2 points on the 1 500万 loan → 30万; the provincial 15万 is its alternative and
  // is not counted. Both clauses are 锡山 三、（二）. Total 230万, all exact.
  REQUIRE(gm["rewards"].size() == 2);
  CHECK(gm["rewards"][0]["amount"] == "200万");
  CHECK(gm["rewards"][0]["project"] == "motor-housing-line");
  CHECK(gm["rewards"][1]["amount"] == "30万");
  CHECK(gm["rewards"][1]["project"] == "line-loan");
  for (const auto& r : gm["rewards"]) {
    CHECK(contains(r["clause"].get<std::string>(), "锡山区关于加快推进工业领域设备更新和技术改造行动方案"));
    CHECK(contains(r["clause"].get<std::string>(), "三、（二）"));
    CHECK(r["draft"] == true);  // the 锡山 text is a draft for comment
  }
  CHECK(gm["totals"]["all"] == "230万");
  CHECK(gm["totals"]["exact"] == "230万");
  CHECK(gm["totals"]["has_range"] == false);
  CHECK(gm["totals"]["has_ceilings"] == false);
  CHECK(gm["totals"]["has_case_by_case"] == false);
  // Eligible if, with money: none. The two eligible-if outcomes (rating uplift, one-off deduction) pay
  // no money; the provincial 先进级 award (up to 20万) now reads the recognition held
  // (profile.smart_factory_tier, condition "recognised"), which is only a basic self-check here, so it
  // is not eligible (expected.json; the README's older "eligible if" note predates that condition).
  CHECK(gm["possible"] == 0);

  // Rendered in both languages, from the templates' texts.
  const std::string zh = env.renderer.render(view);
  CHECK(contains(zh, "id=\"gm-summary\""));
  CHECK(contains(zh, "接下来的三步及其价值"));
  CHECK(contains(zh, "国家卓越级智能工厂认定奖励 <strong>最高50万</strong>"));
  CHECK(contains(zh, "<p class=\"total\" id=\"gm-total\">按当前项目可计算的奖补合计：230万</p>"));
  const std::string en = env.renderer.render(env.view(scored, "en"));
  CHECK(contains(en, "The three next steps and what each is worth"));
  CHECK(contains(en, "<strong>up to 500,000 yuan</strong>"));
  CHECK(contains(en, "Rewards computable for the current projects: 2,300,000 yuan"));
  CHECK(contains(en, "<td><strong>2,000,000 yuan</strong>"));
  CHECK(contains(en, "<td><strong>300,000 yuan</strong>"));
}

TEST_CASE("a reward with a ceiling reads 'amount decided case by case, up to X' on the first page") {
  // A hand-made outcome: kUpTo 20万 (the 锡山 provincial 先进级 award's ceiling, 三、（二）"不超过……20万元").
  Env env;
  const auto scored = env.score(assess::read_json_file(kXishan));
  assess::RewardsResult rewards = scored.rewards;
  const assess::PolicyRule* award = nullptr;
  const assess::PolicyDocument* xishan = nullptr;
  for (const auto& d : env.catalogue.documents) {
    for (const auto& r : d.rules) {
      if (r.id == "xishan-2025-equipment.sf-advanced-provincial") award = &r, xishan = &d;
    }
  }
  REQUIRE(award != nullptr);
  assess::RuleOutcome o;
  o.document = xishan;
  o.rule = award;
  o.status = assess::Eligibility::kEligible;
  o.amount.shape = assess::AmountShape::kUpTo;
  o.amount.value = 200000;
  rewards.outcomes = {o};
  const assess::Json page =
      assess::first_page(assess::Json::array(), &rewards, "zh-CN", assess::testing::shipped_words("zh-CN"));
  REQUIRE(page["rewards"].size() == 1);
  CHECK(page["rewards"][0]["up_to"] == true);
  CHECK(page["rewards"][0]["amount"] == "最高20万");
  CHECK(page["totals"]["ceilings"] == "20万");
  CHECK(page["totals"]["has_exact"] == false);
  assess::Json view = env.view(scored, "zh-CN");
  view["gm"] = page;
  CHECK(contains(env.renderer.render(view), "<strong>金额个案确定，最高20万</strong>"));
}

TEST_CASE("T0 → T1 rewards compared rule by rule") {
  // T1: the same firm a year on, the line's two-year investment now 3 500万 — the 3 000万–1亿 band, 7 % + 2
  // points for the park = 9 % → 315万 (锡山 三、（二）); the loan now at LPR + 60 BP, above the provincial
  // "LPR+50BP" condition, so neither the 锡山 2 points (30万) nor the provincial point (15万) applies.
  Env env;
  const assess::Json t0doc = assess::read_json_file(kXishan);
  assess::Json t1doc = t0doc;
  t1doc["assessment"]["date"] = "2027-09-22";
  t1doc["projects"][0]["investment_two_years_wan"] = 3500;
  t1doc["projects"][1]["loan_rate_over_lpr_bp"] = 60;
  const auto t0 = env.score(t0doc);
  const auto t1 = env.score(t1doc);
  const assess::Json rows =
      assess::compare_rewards(t0.rewards, t1.rewards, "zh-CN", assess::testing::shipped_words("zh-CN"));
  auto row = [&](const std::string& rule, const std::string& project) -> assess::Json {
    for (const auto& r : rows) {
      if (r["rule"] == rule && r["project"] == project) return r;
    }
    return nullptr;
  };
  const assess::Json tech = row("xishan-2025-equipment.tech-subsidy", "motor-housing-line");
  REQUIRE(tech.is_object());
  CHECK(tech["before_amount"] == "200万");
  CHECK(tech["after_amount"] == "315万");
  CHECK(tech["change"] == "up");
  const assess::Json loan = row("xishan-2025-equipment.loan-interest", "line-loan");
  REQUIRE(loan.is_object());
  CHECK(loan["before_eligible"] == true);
  CHECK(loan["before_amount"] == "30万");
  CHECK(loan["after_none"] == true);
  CHECK(loan["change"] == "gone");
  const assess::Json provincial = row("kunshan-2024-equipment.loan-interest-provincial", "line-loan");
  REQUIRE(provincial.is_object());
  CHECK(provincial["before_amount"] == "15万");
  CHECK(provincial["change"] == "gone");
  // Support without money that holds at both times is listed as unchanged.
  const assess::Json land = row("xishan-2025-equipment.land-admission", "motor-housing-line");
  REQUIRE(land.is_object());
  CHECK(land["change"] == "same");

  // In the report, both languages.
  const std::string zh = env.renderer.render(env.view(t1, "zh-CN", &t0));
  CHECK(contains(zh, "各项奖补规则的变化"));
  CHECK(contains(zh, "<td>符合 200万</td><td>符合 315万</td><td>增加</td>"));
  CHECK(contains(zh, "<td>符合 30万</td><td>不符合或未列出</td><td>不再符合</td>"));
  const std::string en = env.renderer.render(env.view(t1, "en", &t0));
  CHECK(contains(en, "Each reward rule, before and now"));
  CHECK(contains(en, "<td>eligible 2,000,000 yuan</td><td>eligible 3,150,000 yuan</td><td>up</td>"));
  CHECK(contains(en, "<td>eligible 300,000 yuan</td><td>not eligible or not listed</td><td>no longer</td>"));
}

TEST_CASE(
    "a 锡山 firm's report names only the documents of its jurisdiction; others and their citations in the appendix") {
  // Walk 320205 锡山 → 320200 无锡 → 320000 江苏 → 100000 (GB/T 2260). Documents: 锡山 (320205) and the
  // national tax rules (100000) cover it; the 昆山 document (320583) only through its restated 江苏 rule
  // (320000); 嘉兴 (330400), 聊城 (371500) and 攀枝花 (510400) do not.
  Env env;
  std::map<std::string, std::pair<bool, bool>> scope;
  for (const auto& s : assess::documents_in_scope(env.catalogue, "320205")) {
    scope[s.document->id] = {s.covers, s.through_rules};
  }
  CHECK(scope["xishan-2025-equipment"] == std::pair{true, false});
  CHECK(scope["national-tax"] == std::pair{true, false});
  CHECK(scope["kunshan-2024-equipment"] == std::pair{true, true});
  CHECK(scope["jiaxing-equipment"] == std::pair{false, false});
  CHECK(scope["liaocheng-equipment"] == std::pair{false, false});
  CHECK(scope["panzhihua-2024-equipment"] == std::pair{false, false});
  CHECK(assess::names_place_elsewhere("地方实施方案（东营、银川）", env.regions, "320205"));
  CHECK_FALSE(assess::names_place_elsewhere("锡山区 三、（二）；无锡市", env.regions, "320205"));
  CHECK_FALSE(assess::names_place_elsewhere("工信部企业〔2022〕63号", env.regions, "320205"));

  const auto scored = env.score(assess::read_json_file(kXishan));
  for (const char* lang : {"zh-CN", "en"}) {
    CAPTURE(lang);
    const std::string html = env.renderer.render(env.view(scored, lang));
    const std::string body = body_of(html);
    REQUIRE(body.size() < html.size());
    for (const char* place :
         {"嘉兴", "聊城", "攀枝花", "东营", "银川", "Jiaxing", "Liaocheng", "Panzhihua", "jiaxing-equipment"}) {
      CAPTURE(place);
      CHECK_FALSE(contains(body, place));
    }
    CHECK_FALSE(contains(body, "sha256:"));  // hashes only in the appendix
    const std::string appendix = html.substr(body.size());
    CHECK(contains(appendix, "sha256:"));
    CHECK(contains(appendix,
                   std::string(lang) == "en" ? "Jiaxing" : "嘉兴市推进制造业领域大规模设备更新专项行动实施方案"));
    CHECK(contains(appendix, "东营、银川"));  // the pilot-city target, moved here
  }
}

TEST_CASE("radar labels of ten characters and their share stay inside the figure") {
  // Each label is cut to 10 characters; at the CSS's 10 px a CJK character is 10 units wide and an
  // ASCII one at most 7, so "一二三四五六七八九十…" + " 100%" is at most 11 × 10 + 5 × 7 = 145 units wide
  // (the ellipsis counted as a CJK character). Eight axes put labels at both sides of the figure.
  const std::vector<std::string> labels(8, "一二三四五六七八九十拾壹");
  const std::vector<double> shares(8, 1.0);
  const std::string svg = assess::radar_svg(labels, shares);
  double min_x = 0, min_y = 0, width = 0, height = 0;
  REQUIRE(std::sscanf(svg.c_str(), "<svg class=\"radar\" viewBox=\"%lf %lf %lf %lf\"", &min_x, &min_y, &width,
                      &height) == 4);
  std::size_t at = 0;
  int texts = 0;
  while ((at = svg.find("<text x=\"", at)) != std::string::npos) {
    double x = 0, y = 0;
    char anchor[16] = {0};
    REQUIRE(std::sscanf(svg.c_str() + at, "<text x=\"%lf\" y=\"%lf\" text-anchor=\"%15[a-z]\"", &x, &y, anchor) == 3);
    const double w = 11 * 10 + 5 * 7;
    const double left = std::string(anchor) == "end" ? x - w : (std::string(anchor) == "middle" ? x - w / 2 : x);
    CAPTURE(x);
    CAPTURE(anchor);
    CHECK(left >= min_x);
    CHECK(left + w <= min_x + width);
    CHECK(y - 10 >= min_y);
    CHECK(y <= min_y + height);
    ++at;
    ++texts;
  }
  CHECK(texts == 8);
}
