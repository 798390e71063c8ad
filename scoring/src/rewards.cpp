#include "assess/rewards.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace assess {

const char* to_string(Eligibility e) {
  switch (e) {
    case Eligibility::kEligible: return "eligible";
    case Eligibility::kNotEligible: return "not_eligible";
    case Eligibility::kEligibleIf: return "eligible_if";
  }
  return "?";
}

const char* to_string(AmountShape s) {
  switch (s) {
    case AmountShape::kExact: return "exact";
    case AmountShape::kUpTo: return "up_to";
    case AmountShape::kRange: return "range";
    case AmountShape::kUnknown: return "case_by_case";
    case AmountShape::kNone: return "none";
  }
  return "?";
}

std::string format_yuan(long long yuan) {
  if (yuan != 0 && yuan % 100 == 0) return format_number(static_cast<double>(yuan) / 10000.0) + "万";
  return std::to_string(yuan) + "元";
}

std::vector<std::string> region_walk(const std::string& code) {
  std::vector<std::string> out;
  auto add = [&](const std::string& c) {
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  };
  const bool six_digits = code.size() == 6 && std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (six_digits && code != "100000") {
    add(code);
    add(code.substr(0, 4) + "00");
    add(code.substr(0, 2) + "0000");
  }
  add("100000");
  return out;
}

namespace {

// Whether a fact path exists in the facts (a var that would read null is missing).
bool has_fact(const Json& facts, const std::string& path) {
  const Json* at = &facts;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!at->is_object()) return false;
    auto it = at->find(key);
    if (it == at->end() || it->is_null()) return false;
    at = &*it;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return true;
}

std::vector<std::string> missing_paths(const Json& facts, const logic::Rule& rule) {
  std::vector<std::string> out;
  for (const auto& p : rule.paths()) {
    if (!has_fact(facts, p)) out.push_back(p);
  }
  return out;
}

std::string percent(double rate) { return format_number(rate * 100) + "%"; }

Text line(const std::string& zh, const std::string& en) { return Text{zh, en}; }

long long round_yuan(double v) { return static_cast<long long>(std::llround(v)); }

// Applies the per-project cap to an exact amount and records the step.
long long cap_project(const Amount& a, long long value, std::vector<Text>& steps) {
  if (a.caps.per_project && value > *a.caps.per_project) {
    steps.push_back(line("单个项目上限 " + format_yuan(*a.caps.per_project) + "：" + format_yuan(value) + " → " +
                             format_yuan(*a.caps.per_project),
                         "per-project cap " + format_yuan(*a.caps.per_project) + ": " + format_yuan(value) + " → " +
                             format_yuan(*a.caps.per_project)));
    return *a.caps.per_project;
  }
  return value;
}

void compute_amount(const PolicyRule& rule, const Json& facts, RuleOutcome& out) {
  const Amount& a = rule.amount;
  RewardAmount& r = out.amount;
  auto basis_value = [&](double& wan) {
    Json v = a.basis->evaluate(facts);
    if (!v.is_number()) {
      for (const auto& p : missing_paths(facts, *a.basis)) {
        if (std::find(out.missing.begin(), out.missing.end(), p) == out.missing.end()) out.missing.push_back(p);
      }
      if (out.missing.empty()) out.missing.push_back("basis");
      return false;
    }
    wan = v.get<double>();
    std::string text = format_number(wan) + "万";
    r.steps.push_back(line("计算基数：" + text + (a.basis_note.zh.empty() ? "" : "（" + a.basis_note.zh + "）"),
                           "basis: " + text + (a.basis_note.in("en").empty() ? "" : " (" + a.basis_note.in("en") + ")")));
    return true;
  };
  switch (a.type) {
    case AmountType::kFixed:
      r.shape = AmountShape::kExact;
      r.value = a.fixed;
      r.steps.push_back(line("定额 " + format_yuan(a.fixed), "fixed sum " + format_yuan(a.fixed)));
      return;
    case AmountType::kCeiling:
      r.shape = AmountShape::kUpTo;
      r.value = a.ceiling;
      r.steps.push_back(line("金额个案确定，最高 " + format_yuan(a.ceiling),
                             "amount decided case by case, up to " + format_yuan(a.ceiling)));
      return;
    case AmountType::kNone:
    case AmountType::kTax:
      r.shape = AmountShape::kNone;
      r.steps.push_back(a.description);
      return;
    case AmountType::kUnpublishedBase: {
      r.shape = a.caps.per_enterprise || a.caps.per_project || a.caps.per_enterprise_year ? AmountShape::kUpTo
                                                                                            : AmountShape::kUnknown;
      long long cap = a.caps.per_enterprise ? *a.caps.per_enterprise
                                            : (a.caps.per_enterprise_year ? *a.caps.per_enterprise_year
                                                                          : (a.caps.per_project ? *a.caps.per_project : 0));
      r.value = cap;
      r.steps.push_back(line("奖补基数公式未公布，金额个案确定", "the base formula is not published; amount decided case by case"));
      if (a.coefficient_when) {
        const bool applies = logic::truthy(a.coefficient_when->evaluate(facts));
        if (applies) {
          r.steps.push_back(line("系数 ×" + format_number(a.coefficient) + " 适用", "coefficient ×" + format_number(a.coefficient) + " applies"));
        } else {
          auto m = missing_paths(facts, *a.coefficient_when);
          r.steps.push_back(m.empty() ? line("系数 ×" + format_number(a.coefficient) + " 不适用",
                                             "coefficient ×" + format_number(a.coefficient) + " does not apply")
                                      : line("系数 ×" + format_number(a.coefficient) + " 是否适用取决于：" + m[0],
                                             "coefficient ×" + format_number(a.coefficient) + " depends on " + m[0]));
        }
      }
      if (cap > 0) r.steps.push_back(line("最高 " + format_yuan(cap), "at most " + format_yuan(cap)));
      if (!a.description.zh.empty()) r.steps.push_back(a.description);
      return;
    }
    case AmountType::kRate:
    case AmountType::kInterest: {
      double wan = 0;
      if (!basis_value(wan)) return;
      double rate = a.rate;
      for (const auto& bonus : a.bonuses) {
        if (logic::truthy(bonus.when.evaluate(facts))) {
          rate += bonus.rate_points;
          r.steps.push_back(line(bonus.title.zh + "：比例提高 " + format_number(bonus.rate_points * 100) + " 个百分点（" + bonus.cite + "）",
                                 bonus.title.in("en") + ": rate + " + format_number(bonus.rate_points * 100) + " percentage points (" + bonus.cite + ")"));
        }
      }
      const long long raw = round_yuan(wan * 10000 * rate);
      const bool interest = a.type == AmountType::kInterest;
      r.steps.push_back(line(format_number(wan) + "万 × " + percent(rate) + (interest ? "（贴息，按一年计）" : "") + " = " + format_yuan(raw),
                             format_number(wan) + "万 × " + percent(rate) + (interest ? " (interest, one year)" : "") + " = " + format_yuan(raw)));
      r.shape = AmountShape::kExact;
      r.value = cap_project(a, raw, r.steps);
      return;
    }
    case AmountType::kRateRange: {
      double wan = 0;
      if (!basis_value(wan)) return;
      long long low = round_yuan(wan * 10000 * a.min_rate);
      long long high = round_yuan(wan * 10000 * a.max_rate);
      r.steps.push_back(line(format_number(wan) + "万 × " + percent(a.min_rate) + "–" + percent(a.max_rate) + " = " +
                                 format_yuan(low) + "–" + format_yuan(high) + "，比例个案确定",
                             format_number(wan) + "万 × " + percent(a.min_rate) + "–" + percent(a.max_rate) + " = " +
                                 format_yuan(low) + "–" + format_yuan(high) + ", rate decided case by case"));
      std::vector<Text> ignored;
      r.shape = AmountShape::kRange;
      r.low = cap_project(a, low, ignored);
      r.value = cap_project(a, high, r.steps);
      return;
    }
    case AmountType::kRateBands: {
      double wan = 0;
      if (!basis_value(wan)) return;
      const RateBand* band = nullptr;
      for (const auto& b : a.bands) {
        if (b.range.contains(wan)) band = &b;
      }
      if (!band) {
        const Range& first = a.bands.front().range;
        if (first.lower && (first.lower_inclusive ? wan < *first.lower : wan <= *first.lower)) {
          out.status = Eligibility::kNotEligible;
          out.failed = "basis";
          out.failed_title = line("基数 " + format_number(wan) + "万 低于最低档 " + first.describe() + "万",
                                  "basis " + format_number(wan) + "万 is below the first band " + first.describe() + "万");
          r.steps.push_back(out.failed_title);
          return;
        }
        out.status = Eligibility::kNotEligible;
        out.failed = "basis";
        out.failed_title = line("基数 " + format_number(wan) + "万 不在任何一档", "basis " + format_number(wan) + "万 falls in no band");
        return;
      }
      r.steps.push_back(line("所在档次 " + band->range.describe() + "万 → " + percent(band->rate),
                             "band " + band->range.describe() + "万 → " + percent(band->rate)));
      double rate = band->rate;
      for (const auto& bonus : a.bonuses) {
        if (logic::truthy(bonus.when.evaluate(facts))) {
          rate += bonus.rate_points;
          r.steps.push_back(line(bonus.title.zh + "：比例提高 " + format_number(bonus.rate_points * 100) + " 个百分点（" + bonus.cite + "）",
                                 bonus.title.in("en") + ": rate + " + format_number(bonus.rate_points * 100) + " percentage points (" + bonus.cite + ")"));
        } else {
          auto m = missing_paths(facts, bonus.when);
          if (!m.empty()) {
            r.steps.push_back(line("若" + bonus.title.zh + "，比例可再提高 " + format_number(bonus.rate_points * 100) + " 个百分点（需提供 " + m[0] + "）",
                                   "if " + bonus.title.in("en") + ", the rate rises by " + percent(bonus.rate_points) +
                                       " (needs " + m[0] + ")"));
          }
        }
      }
      const long long raw = round_yuan(wan * 10000 * rate);
      r.steps.push_back(line(format_number(wan) + "万 × " + percent(rate) + " = " + format_yuan(raw),
                             format_number(wan) + "万 × " + percent(rate) + " = " + format_yuan(raw)));
      r.shape = AmountShape::kExact;
      r.value = cap_project(a, raw, r.steps);
      return;
    }
  }
}

// Evaluates one rule against one set of facts (with or without a project).
RuleOutcome evaluate_rule(const PolicyDocument& d, const PolicyRule& rule, const Json& facts, const std::string& date) {
  RuleOutcome out;
  out.document = &d;
  out.rule = &rule;
  // A rule restating a parent government's rule carries that rule's own status.
  if (rule.draft.value_or(d.draft)) out.flags.push_back("draft");
  if (!d.valid_from.empty() && date < d.valid_from) out.flags.push_back("not_yet_in_force");
  if (!d.valid_to.empty() && date > d.valid_to) out.flags.push_back("expired");
  for (const auto& c : rule.conditions) {
    // A condition that reads an absent fact decides nothing, even when JsonLogic's coercions make it
    // true ({"<=": [null, 50]}): the rule is eligible only if that fact is given.
    auto m = missing_paths(facts, c.logic);
    if (m.empty() && logic::truthy(c.logic.evaluate(facts))) continue;
    if (!m.empty()) {
      for (auto& p : m) {
        if (std::find(out.missing.begin(), out.missing.end(), p) == out.missing.end()) out.missing.push_back(p);
      }
      continue;
    }
    out.status = Eligibility::kNotEligible;
    out.failed = c.id;
    out.failed_title = c.title;
    return out;
  }
  for (const auto& dq : rule.disqualifiers) {
    if (logic::truthy(dq.logic.evaluate(facts))) {
      out.status = Eligibility::kNotEligible;
      out.failed = dq.id;
      out.failed_title = dq.title;
      return out;
    }
    for (auto& p : missing_paths(facts, dq.logic)) {
      if (std::find(out.missing.begin(), out.missing.end(), p) == out.missing.end()) out.missing.push_back(p);
    }
  }
  out.status = Eligibility::kEligible;
  compute_amount(rule, facts, out);
  if (out.status == Eligibility::kEligible && !out.missing.empty()) out.status = Eligibility::kEligibleIf;
  return out;
}

}  // namespace

RewardsResult evaluate_rewards(const Catalogue& catalogue, const Json& enterprise, const std::vector<Json>& projects,
                               const std::string& date) {
  RewardsResult result;
  result.region = enterprise.value("region", std::string());
  result.regions = region_walk(result.region);
  Json base = enterprise;
  base["regions"] = result.regions;
  if (!base.contains("profile")) base["profile"] = Json::object();
  if (!base.contains("results")) base["results"] = Json::object();
  base["enterprise_year"] = {{"projects", projects.size()}};

  for (const auto& d : catalogue.documents) {
    for (const auto& rule : d.rules) {
      if (std::find(result.regions.begin(), result.regions.end(), rule.jurisdiction) == result.regions.end()) continue;
      if (!rule.per_project) {
        result.outcomes.push_back(evaluate_rule(d, rule, base, date));
        continue;
      }
      bool any = false;
      for (const auto& project : projects) {
        const std::string kind = project.value("kind", std::string());
        if (std::find(rule.project_kinds.begin(), rule.project_kinds.end(), kind) == rule.project_kinds.end()) continue;
        any = true;
        Json facts = base;
        facts["project"] = project;
        RuleOutcome o = evaluate_rule(d, rule, facts, date);
        o.project = project.value("id", std::string("project"));
        result.outcomes.push_back(std::move(o));
      }
      if (!any) {
        // No project of this kind yet: say what the rule would need, without a project.
        RuleOutcome o = evaluate_rule(d, rule, base, date);
        if (o.status != Eligibility::kNotEligible) {
          o.status = Eligibility::kEligibleIf;
          o.missing.insert(o.missing.begin(), "project (" + rule.project_kinds.front() + ")");
          o.amount = {};
          if (rule.amount.type == AmountType::kCeiling) {
            o.amount.shape = AmountShape::kUpTo;
            o.amount.value = rule.amount.ceiling;
          }
        }
        result.outcomes.push_back(std::move(o));
      }
    }
  }

  // Caps over the enterprise's outcomes under one rule (per year, or overall).
  std::map<std::string, std::vector<RuleOutcome*>> by_rule;
  for (auto& o : result.outcomes) {
    if (o.status == Eligibility::kEligible && o.amount.shape == AmountShape::kExact) by_rule[o.rule->id].push_back(&o);
  }
  for (auto& [id, list] : by_rule) {
    const Caps& caps = list.front()->rule->amount.caps;
    std::optional<long long> cap = caps.per_enterprise_year ? caps.per_enterprise_year : caps.per_enterprise;
    if (!cap) continue;
    long long sum = 0;
    for (auto* o : list) sum += o->amount.value;
    if (sum <= *cap) continue;
    // Reduce the later projects first, so earlier ones keep their computed sums.
    long long excess = sum - *cap;
    for (auto it = list.rbegin(); it != list.rend() && excess > 0; ++it) {
      const long long cut = std::min(excess, (*it)->amount.value);
      (*it)->amount.value -= cut;
      excess -= cut;
      (*it)->amount.steps.push_back(Text{"企业年度上限 " + format_yuan(*cap) + "：本项目核减 " + format_yuan(cut),
                                         "enterprise annual cap " + format_yuan(*cap) + ": this project reduced by " + format_yuan(cut)});
    }
    result.caps.push_back({id, sum, *cap,
                           Text{"同一企业该项累计 " + format_yuan(sum) + "，超过年度上限 " + format_yuan(*cap),
                                "the enterprise's total under this rule, " + format_yuan(sum) + ", exceeds the annual cap of " +
                                    format_yuan(*cap)}});
  }
  // Alternatives (锡山's 2 points for projects without the provincial interest subsidy): of a rule
  // and its alternatives for the same project, only the largest counts toward the totals.
  for (auto& o : result.outcomes) {
    if (o.status != Eligibility::kEligible) continue;
    for (const auto& alt : o.rule->alternative_to) {
      for (auto& other : result.outcomes) {
        if (other.rule->id != alt || other.project != o.project || other.status != Eligibility::kEligible) continue;
        RuleOutcome& smaller = other.amount.value <= o.amount.value ? other : o;
        const RuleOutcome& larger = &smaller == &other ? o : other;
        if (std::find(smaller.flags.begin(), smaller.flags.end(), "alternative") == smaller.flags.end()) {
          smaller.flags.push_back("alternative");
          smaller.amount.steps.push_back(Text{"与“" + larger.rule->title.zh + "”二选一，合计只计较高者",
                                              "an alternative to \"" + larger.rule->title.in("en") + "\"; totals count the larger"});
        }
      }
    }
  }
  for (const auto& o : result.outcomes) {
    if (o.status != Eligibility::kEligible) continue;
    if (std::find(o.flags.begin(), o.flags.end(), "alternative") != o.flags.end()) continue;
    if (o.amount.shape == AmountShape::kExact) result.total_exact += o.amount.value;
    if (o.amount.shape == AmountShape::kUpTo || o.amount.shape == AmountShape::kRange) result.total_up_to += o.amount.value;
  }
  return result;
}

std::vector<RuleOutcome> rewards_unlocked(const Catalogue& catalogue, const Json& enterprise,
                                          const std::vector<Json>& projects, const std::string& date,
                                          const std::string& module, const std::string& level) {
  RewardsResult before = evaluate_rewards(catalogue, enterprise, projects, date);
  Json raised = enterprise;
  raised["results"][module]["level"] = level;
  RewardsResult after = evaluate_rewards(catalogue, raised, projects, date);
  std::vector<RuleOutcome> out;
  for (std::size_t i = 0; i < after.outcomes.size() && i < before.outcomes.size(); ++i) {
    const RuleOutcome& b = before.outcomes[i];
    const RuleOutcome& a = after.outcomes[i];
    const bool newly = b.status == Eligibility::kNotEligible && a.status != Eligibility::kNotEligible;
    const bool more = a.status == Eligibility::kEligible && b.status == Eligibility::kEligible && a.amount.value > b.amount.value;
    if (newly || more) out.push_back(a);
  }
  return out;
}

Json rewards_to_json(const RewardsResult& result, const std::string& lang) {
  Json outcomes = Json::array();
  for (const auto& o : result.outcomes) {
    Json steps = Json::array();
    for (const auto& s : o.amount.steps) steps.push_back(s.in(lang));
    Json item = {{"rule", o.rule->id},
                 {"title", o.rule->title.in(lang)},
                 {"document", o.document->id},
                 {"document_title", o.document->title.in(lang)},
                 {"number", o.document->number},
                 {"jurisdiction", o.rule->jurisdiction},
                 {"cite", o.rule->cite},
                 {"quote", o.rule->quote},
                 {"kind", o.rule->kind},
                 {"status", to_string(o.status)},
                 {"flags", o.flags},
                 {"amount", {{"shape", to_string(o.amount.shape)}, {"steps", steps}}}};
    if (!o.project.empty()) item["project"] = o.project;
    if (o.amount.shape == AmountShape::kExact || o.amount.shape == AmountShape::kUpTo) {
      item["amount"]["value"] = o.amount.value;
      item["amount"]["display"] = (o.amount.shape == AmountShape::kUpTo ? (lang == "en" ? "up to " : "最高") : "") +
                                  format_yuan(o.amount.value);
    }
    if (o.amount.shape == AmountShape::kRange) {
      item["amount"]["low"] = o.amount.low;
      item["amount"]["value"] = o.amount.value;
      item["amount"]["display"] = format_yuan(o.amount.low) + "–" + format_yuan(o.amount.value);
    }
    if (!o.failed.empty()) item["failed"] = {{"id", o.failed}, {"title", o.failed_title.in(lang)}};
    if (!o.missing.empty()) item["missing"] = o.missing;
    if (!o.rule->stacking.zh.empty()) item["stacking"] = o.rule->stacking.in(lang);
    if (!o.rule->provenance.confidence.empty()) item["confidence"] = o.rule->provenance.confidence;
    if (!o.rule->provenance.note.zh.empty()) item["note"] = o.rule->provenance.note.in(lang);
    outcomes.push_back(item);
  }
  Json caps = Json::array();
  for (const auto& c : result.caps) {
    caps.push_back({{"rule", c.rule}, {"before", c.before}, {"after", c.after}, {"explanation", c.explanation.in(lang)}});
  }
  return {{"region", result.region},
          {"jurisdictions", result.regions},
          {"outcomes", outcomes},
          {"enterprise_caps", caps},
          {"total_exact", result.total_exact},
          {"total_exact_display", format_yuan(result.total_exact)},
          {"total_up_to", result.total_up_to},
          {"total_up_to_display", format_yuan(result.total_up_to)}};
}

}  // namespace assess
