#include "scoring/summary.h"

#include <algorithm>
#include <map>

namespace assess {

namespace {

bool has_flag(const RuleOutcome& o, const char* flag) {
  return std::find(o.flags.begin(), o.flags.end(), flag) != o.flags.end();
}

bool pays_money(const RewardAmount& a) {
  return a.shape != AmountShape::kNone;
}

// A sum of yuan in the report's language ("230万", "2,300,000 yuan"), as amount_display writes it.
std::string money(long long yuan, const std::string& lang, const Words& words) {
  RewardAmount a;
  a.shape = AmountShape::kExact;
  a.value = yuan;
  return amount_display(a, lang, words);
}

std::string clause_of(const RuleOutcome& o, const std::string& lang) {
  return o.document->title.in(lang) + " " + o.rule->cite;
}

// "320205" → {320205, 320200, 320000, 100000}.
bool on_walk(const std::vector<std::string>& walk, const std::string& code) {
  return std::find(walk.begin(), walk.end(), code) != walk.end();
}

}  // namespace

Json first_page(const Json& modules, const RewardsResult* rewards, const std::string& lang, const Words& words) {
  // The next steps: each module's next level, as its gap plan and unlocked rewards describe it.
  struct Step {
    Json row;
    bool money = false;
    bool reachable = false;
    int steps = 0;
    std::size_t order = 0;
  };
  std::vector<Step> steps;
  for (std::size_t i = 0; i < modules.size(); ++i) {
    const Json& m = modules[i];
    if (!m.contains("next")) continue;
    const Json& next = m["next"];
    Step s;
    s.order = i;
    s.reachable = next.value("reachable", false);
    s.steps = next.value("steps", 0);
    Json first = Json::array();
    const Json& improvements = next["improvements"];
    for (std::size_t k = 0; k < improvements.size() && k < 3; ++k) {
      first.push_back(
          {{"title", improvements[k]["title"]}, {"from", improvements[k]["from"]}, {"to", improvements[k]["to"]}});
    }
    Json unlocks = Json::array();
    for (const auto& u : next["unlocks"]) {
      if (u.value("money", false)) s.money = true;
      unlocks.push_back(u);
    }
    const int more = static_cast<int>(improvements.size()) - static_cast<int>(first.size());
    s.row = {{"module", m["title"]},
             {"level_name", next["level_name"]},
             {"reachable", s.reachable},
             {"steps", s.steps},
             {"proven", next["proven"]},
             {"lower_bound", next["lower_bound"]},
             {"total_before", next["total_before"]},
             {"total_after", next["total_after"]},
             {"first", first},
             {"more", more},
             {"has_more", more > 0},
             {"unlocks", unlocks},
             {"has_unlocks", !unlocks.empty()}};
    steps.push_back(std::move(s));
  }
  std::stable_sort(steps.begin(), steps.end(), [](const Step& a, const Step& b) {
    if (a.money != b.money) return a.money;
    if (a.reachable != b.reachable) return a.reachable;
    if (a.steps != b.steps) return a.steps < b.steps;
    return a.order < b.order;
  });
  Json step_rows = Json::array();
  for (std::size_t i = 0; i < steps.size() && i < 3; ++i) {
    steps[i].row["n"] = static_cast<int>(i + 1);
    step_rows.push_back(steps[i].row);
  }

  Json page = {{"steps", step_rows}, {"has_steps", !step_rows.empty()}};
  Json rows = Json::array();
  long long exact = 0;
  long long range_low = 0;
  long long range_high = 0;
  long long ceilings = 0;
  int case_by_case = 0;
  int possible = 0;
  bool stacking_open = false;
  if (rewards) {
    for (const auto& o : rewards->outcomes) {
      if (!pays_money(o.amount)) continue;
      if (o.status == Eligibility::kEligibleIf) ++possible;
      if (o.status != Eligibility::kEligible || has_flag(o, "alternative")) continue;
      const RewardAmount& a = o.amount;
      switch (a.shape) {
        case AmountShape::kExact:
          exact += a.value;
          break;
        case AmountShape::kRange:
        case AmountShape::kEither:
          range_low += a.low;
          range_high += a.value;
          break;
        case AmountShape::kUpTo:
          ceilings += a.value;
          break;
        case AmountShape::kCaseByCase:
          ++case_by_case;
          break;
        case AmountShape::kNone:
          break;
      }
      const bool open = has_flag(o, "stacking_not_stated");
      stacking_open = stacking_open || open;
      rows.push_back({{"title", o.rule->title.in(lang)},
                      {"project", o.project},
                      {"amount", amount_display(a, lang, words)},
                      {"up_to", a.shape == AmountShape::kUpTo},
                      {"clause", clause_of(o, lang)},
                      {"draft", has_flag(o, "draft")},
                      {"stacking_open", open}});
    }
  }
  page["rewards"] = rows;
  page["has_rewards"] = !rows.empty();
  Json totals = {{"exact", money(exact, lang, words)},
                 {"has_exact", exact > 0},
                 {"range", money(range_low, lang, words) + "–" + money(range_high, lang, words)},
                 {"has_range", range_high > 0},
                 {"ceilings", money(ceilings, lang, words)},
                 {"has_ceilings", ceilings > 0},
                 {"case_by_case", case_by_case},
                 {"has_case_by_case", case_by_case > 0},
                 {"stacking_open", stacking_open}};
  if (rewards) {
    totals["all"] = rewards->total_low == rewards->total_high
                        ? money(rewards->total_low, lang, words)
                        : money(rewards->total_low, lang, words) + "–" + money(rewards->total_high, lang, words);
  }
  page["totals"] = totals;
  page["possible"] = possible;
  page["has_possible"] = possible > 0;
  return page;
}

std::vector<DocumentScope> documents_in_scope(const Catalogue& catalogue, const std::string& region) {
  const std::vector<std::string> walk = region_walk(region);
  std::vector<DocumentScope> out;
  for (const auto& d : catalogue.documents) {
    DocumentScope s;
    s.document = &d;
    s.covers = on_walk(walk, d.jurisdiction);
    if (!s.covers) {
      for (const auto& r : d.rules) {
        if (!r.jurisdiction.empty() && on_walk(walk, r.jurisdiction)) s.through_rules = true;
      }
      s.covers = s.through_rules;
    }
    out.push_back(s);
  }
  return out;
}

bool names_place_elsewhere(const std::string& text, const CodeList& regions, const std::string& region) {
  const std::vector<std::string> walk = regions.ancestry(region);
  for (const auto& [code, c] : regions.codes) {
    if (!c.extra.is_object() || c.extra.value("level", std::string()) != "prefecture") continue;
    if (on_walk(walk, code)) continue;
    std::string name = c.name;
    for (const char* suffix : {"自治州", "地区", "市", "盟"}) {
      const std::string s = suffix;
      if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
        name.resize(name.size() - s.size());
        break;
      }
    }
    if (name.size() < 6) continue;  // two Chinese characters at least (UTF-8: 3 bytes each)
    if (text.find(name) != std::string::npos) return true;
  }
  return false;
}

Json compare_rewards(const RewardsResult& before, const RewardsResult& after, const std::string& lang,
                     const Words& words) {
  auto key = [](const RuleOutcome& o) { return o.rule->id + "@" + o.project; };
  auto listed = [](const RuleOutcome* o) { return o != nullptr && o->status != Eligibility::kNotEligible; };
  std::map<std::string, const RuleOutcome*> t0;
  for (const auto& o : before.outcomes) t0[key(o)] = &o;
  std::map<std::string, bool> seen;
  Json rows = Json::array();
  auto side = [&](const RuleOutcome* o, const char* prefix, Json& row) {
    const std::string p = prefix;
    const bool in = listed(o);
    row[p + "eligible"] = in && o->status == Eligibility::kEligible;
    row[p + "eligible_if"] = in && o->status == Eligibility::kEligibleIf;
    row[p + "none"] = !in;
    row[p + "amount"] = in ? amount_display(o->amount, lang, words) : "";
  };
  auto add = [&](const RuleOutcome* b, const RuleOutcome* a) {
    const RuleOutcome& any = a ? *a : *b;
    Json row = {{"rule", any.rule->id},
                {"title", any.rule->title.in(lang)},
                {"project", any.project},
                {"clause", clause_of(any, lang)}};
    side(b, "before_", row);
    side(a, "after_", row);
    std::string change = "same";
    const bool was = listed(b);
    const bool is = listed(a);
    if (!was && is) {
      change = "new";
    } else if (was && !is) {
      change = "gone";
    } else if (b->status != a->status) {
      change = a->status == Eligibility::kEligible ? "up" : "down";
    } else if (b->amount.shape == AmountShape::kExact && a->amount.shape == AmountShape::kExact) {
      change = a->amount.value > b->amount.value ? "up" : (a->amount.value < b->amount.value ? "down" : "same");
    } else if (row["before_amount"] != row["after_amount"]) {
      change = "changed";
    }
    row["change"] = change;
    for (const char* c : {"new", "gone", "up", "down", "same", "changed"})
      row[std::string("change_") + c] = change == c;
    rows.push_back(row);
  };
  for (const auto& o : after.outcomes) {
    const std::string k = key(o);
    seen[k] = true;
    auto it = t0.find(k);
    const RuleOutcome* b = it == t0.end() ? nullptr : it->second;
    if (listed(b) || listed(&o)) add(b, &o);
  }
  for (const auto& o : before.outcomes) {
    if (!seen.count(key(o)) && listed(&o)) add(&o, nullptr);
  }
  return rows;
}

}  // namespace assess
