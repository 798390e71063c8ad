#include "scoring/rewards.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>

namespace assess {

const char* to_string(Eligibility e) {
  switch (e) {
    case Eligibility::kEligible:
      return "eligible";
    case Eligibility::kNotEligible:
      return "not_eligible";
    case Eligibility::kEligibleIf:
      return "eligible_if";
  }
  return "?";
}

const char* to_string(AmountShape s) {
  switch (s) {
    case AmountShape::kExact:
      return "exact";
    case AmountShape::kUpTo:
      return "up_to";
    case AmountShape::kRange:
      return "range";
    case AmountShape::kEither:
      return "either";
    case AmountShape::kCaseByCase:
      return "case_by_case";
    case AmountShape::kNone:
      return "none";
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
  const bool six_digits =
      code.size() == 6 && std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
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

std::string percent(double rate) {
  return format_number(rate * 100) + "%";
}

// A computation line: a "srv_*" catalogue key and its figures, worded when shown (text.h Phrase).
Phrase say(std::string key, std::map<std::string, std::string> params = {}, std::map<std::string, Text> texts = {}) {
  return Phrase{std::move(key), std::move(params), std::move(texts)};
}

long long round_yuan(double v) {
  return static_cast<long long>(std::llround(v));
}

// Applies the per-project cap to an exact amount and records the step.
long long cap_project(const Amount& a, long long value, std::vector<Phrase>& steps) {
  if (a.caps.per_project && value > *a.caps.per_project) {
    steps.push_back(
        say("srv_step_project_cap", {{"cap", {format_yuan(*a.caps.per_project)}}, {"before", {format_yuan(value)}}}));
    return *a.caps.per_project;
  }
  return value;
}

// Whether a rule could still hold once its missing facts are given: tries yes/no for each missing
// fact (the facts bonuses read are yes/no answers). {"and": [in_park, fits]} with in_park = false
// cannot hold whatever fits is, so it is decided, not pending.
bool could_hold(const logic::Rule& rule, const Json& facts, const std::vector<std::string>& missing) {
  if (missing.empty() || missing.size() > 6) return !missing.empty();
  for (unsigned mask = 0; mask < (1u << missing.size()); ++mask) {
    Json trial = facts;
    for (std::size_t i = 0; i < missing.size(); ++i) {
      Json* at = &trial;
      std::size_t start = 0;
      const std::string& path = missing[i];
      while (true) {
        const auto dot = path.find('.', start);
        const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (!at->is_object()) *at = Json::object();
        at = &(*at)[key];
        if (dot == std::string::npos) break;
        start = dot + 1;
      }
      *at = static_cast<bool>(mask & (1u << i));
    }
    if (logic::truthy(rule.evaluate(trial))) return true;
  }
  return false;
}

struct Bonuses {
  double rate = 0;                              // the rate with every bonus that holds
  double pending = 0;                           // points of bonuses whose facts are missing
  Phrase condition{"", {}, {}, {}, "srv_and"};  // those bonuses' titles
};

// Adds the bonuses that hold; a bonus whose fact is missing is pending (the rule becomes eligible if
// that fact is given, and the amount shows both outcomes).
Bonuses apply_bonuses(const Amount& a, double base, const Json& facts, RuleOutcome& out) {
  Bonuses b;
  b.rate = base;
  for (const auto& bonus : a.bonuses) {
    if (logic::truthy(bonus.when.evaluate(facts)) && missing_paths(facts, bonus.when).empty()) {
      b.rate += bonus.rate_points;
      out.amount.steps.push_back(say("srv_step_bonus",
                                     {{"points", {format_number(bonus.rate_points * 100)}}, {"cite", {bonus.cite}}},
                                     {{"title", bonus.title}}));
      continue;
    }
    auto m = missing_paths(facts, bonus.when);
    if (m.empty() || !could_hold(bonus.when, facts, m)) continue;
    b.pending += bonus.rate_points;
    b.condition.items.push_back(Phrase::as_is(bonus.title));
    std::string facts_list;
    for (const auto& p : m) {
      facts_list += (facts_list.empty() ? "" : ", ") + p;
      if (std::find(out.missing.begin(), out.missing.end(), p) == out.missing.end()) out.missing.push_back(p);
    }
    out.amount.steps.push_back(
        say("srv_step_bonus_if",
            {{"points", {format_number(bonus.rate_points * 100)}}, {"cite", {bonus.cite}}, {"facts", {facts_list}}},
            {{"title", bonus.title}}));
  }
  return b;
}

// The amount at the rate that holds; with a bonus whose fact is missing, both outcomes (never the
// lower one as exact).
template <typename Compute>
void rate_amount(const Bonuses& b, Compute compute, RewardAmount& r) {
  r.shape = AmountShape::kExact;
  r.value = compute(b.rate);
  if (b.pending > 0) {
    r.shape = AmountShape::kEither;
    r.low = r.value;
    r.value = compute(b.rate + b.pending);
    r.condition = b.condition;
  }
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
    r.steps.push_back(a.basis_note.zh.empty()
                          ? say("srv_step_basis", {{"basis", {text}}})
                          : say("srv_step_basis_note", {{"basis", {text}}}, {{"note", a.basis_note}}));
    return true;
  };
  switch (a.type) {
    case AmountType::kFixed:
      r.shape = AmountShape::kExact;
      r.value = a.fixed;
      r.steps.push_back(say("srv_step_fixed", {{"amount", {format_yuan(a.fixed)}}}));
      return;
    case AmountType::kCeiling:
      r.shape = AmountShape::kUpTo;
      r.value = a.ceiling;
      r.steps.push_back(say("srv_step_ceiling", {{"amount", {format_yuan(a.ceiling)}}}));
      return;
    case AmountType::kNone:
    case AmountType::kTax:
      r.shape = AmountShape::kNone;
      r.steps.push_back(Phrase::as_is(a.description));
      return;
    case AmountType::kCaseByCase:
      r.shape = AmountShape::kCaseByCase;
      r.steps.push_back(say("srv_step_case_by_case"));
      r.steps.push_back(Phrase::as_is(a.description));
      return;
    case AmountType::kUnpublishedBase: {
      r.shape = a.caps.per_enterprise || a.caps.per_project || a.caps.per_enterprise_year ? AmountShape::kUpTo
                                                                                          : AmountShape::kCaseByCase;
      long long cap = a.caps.per_enterprise
                          ? *a.caps.per_enterprise
                          : (a.caps.per_enterprise_year ? *a.caps.per_enterprise_year
                                                        : (a.caps.per_project ? *a.caps.per_project : 0));
      r.value = cap;
      r.steps.push_back(say("srv_step_unpublished_base"));
      if (a.coefficient_when) {
        const bool applies = logic::truthy(a.coefficient_when->evaluate(facts));
        if (applies) {
          r.steps.push_back(say("srv_step_coefficient_applies", {{"factor", {format_number(a.coefficient)}}}));
        } else {
          auto m = missing_paths(facts, *a.coefficient_when);
          r.steps.push_back(m.empty() ? say("srv_step_coefficient_not", {{"factor", {format_number(a.coefficient)}}})
                                      : say("srv_step_coefficient_depends",
                                            {{"factor", {format_number(a.coefficient)}}, {"fact", {m[0]}}}));
        }
      }
      if (cap > 0) r.steps.push_back(say("srv_step_at_most", {{"amount", {format_yuan(cap)}}}));
      if (!a.description.zh.empty()) r.steps.push_back(Phrase::as_is(a.description));
      return;
    }
    case AmountType::kRate:
    case AmountType::kInterest: {
      double wan = 0;
      if (!basis_value(wan)) return;
      const Bonuses b = apply_bonuses(a, a.rate, facts, out);
      const bool interest = a.type == AmountType::kInterest;
      auto compute = [&](double rate) {
        const long long raw = round_yuan(wan * 10000 * rate);
        r.steps.push_back(
            say(interest ? "srv_step_interest" : "srv_step_rate",
                {{"basis", {format_number(wan) + "万"}}, {"rate", {percent(rate)}}, {"amount", {format_yuan(raw)}}}));
        return cap_project(a, raw, r.steps);
      };
      rate_amount(b, compute, r);
      return;
    }
    case AmountType::kRateRange: {
      double wan = 0;
      if (!basis_value(wan)) return;
      long long low = round_yuan(wan * 10000 * a.min_rate);
      long long high = round_yuan(wan * 10000 * a.max_rate);
      r.steps.push_back(say("srv_step_rate_range", {{"basis", {format_number(wan) + "万"}},
                                                    {"low_rate", {percent(a.min_rate)}},
                                                    {"high_rate", {percent(a.max_rate)}},
                                                    {"low", {format_yuan(low)}},
                                                    {"high", {format_yuan(high)}}}));
      std::vector<Phrase> ignored;
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
          out.failed_title = say("srv_step_below_first_band",
                                 {{"basis", {format_number(wan) + "万"}}, {"band", {first.describe() + "万"}}});
          r.steps.push_back(out.failed_title);
          return;
        }
        out.status = Eligibility::kNotEligible;
        out.failed = "basis";
        out.failed_title = say("srv_step_no_band", {{"basis", {format_number(wan) + "万"}}});
        return;
      }
      r.steps.push_back(
          say("srv_step_band", {{"band", {band->range.describe() + "万"}}, {"rate", {percent(band->rate)}}}));
      const Bonuses b = apply_bonuses(a, band->rate, facts, out);
      auto compute = [&](double rate) {
        const long long raw = round_yuan(wan * 10000 * rate);
        r.steps.push_back(
            say("srv_step_rate",
                {{"basis", {format_number(wan) + "万"}}, {"rate", {percent(rate)}}, {"amount", {format_yuan(raw)}}}));
        return cap_project(a, raw, r.steps);
      };
      rate_amount(b, compute, r);
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
    out.failed_title = Phrase::as_is(c.title);
    return out;
  }
  for (const auto& dq : rule.disqualifiers) {
    if (logic::truthy(dq.logic.evaluate(facts))) {
      out.status = Eligibility::kNotEligible;
      out.failed = dq.id;
      out.failed_title = Phrase::as_is(dq.title);
      return out;
    }
    for (auto& p : missing_paths(facts, dq.logic)) {
      if (std::find(out.missing.begin(), out.missing.end(), p) == out.missing.end()) out.missing.push_back(p);
    }
  }
  out.status = Eligibility::kEligible;
  compute_amount(rule, facts, out);
  if (out.status == Eligibility::kEligible && !out.missing.empty()) out.status = Eligibility::kEligibleIf;
  if (out.status != Eligibility::kNotEligible) {
    for (const auto& f : rule.flags) {
      // A fact that is absent does not prove the flag: the else branch applies.
      if (missing_paths(facts, f.when).empty() && logic::truthy(f.when.evaluate(facts))) {
        out.flags.push_back(f.flag);
        out.amount.steps.push_back(Phrase::as_is(f.title));
      } else if (!f.else_flag.empty()) {
        out.flags.push_back(f.else_flag);
        out.amount.steps.push_back(Phrase::as_is(f.else_title));
      }
    }
  }
  return out;
}

// A recognition award not earned (no recognition) whose self-check level is reached: say what to
// apply for and what it is worth.
void recognition_hint(const PolicyRule& rule, const Json& facts, RuleOutcome& out) {
  if (!rule.recognition_route || out.status == Eligibility::kEligible) return;
  const RecognitionRoute& route = *rule.recognition_route;
  if (std::find(route.unless_failed.begin(), route.unless_failed.end(), out.failed) != route.unless_failed.end())
    return;
  const Json* level = nullptr;
  if (facts.contains("results") && facts["results"].contains(route.module) &&
      facts["results"][route.module].contains("level")) {
    level = &facts["results"][route.module]["level"];
  }
  if (!level || !level->is_string()) return;
  if (std::find(route.levels.begin(), route.levels.end(), level->get<std::string>()) == route.levels.end()) return;
  RuleOutcome worth;
  compute_amount(rule, facts, worth);
  out.amount = worth.amount;
  // What it says ("srv_reward_unlock") is written in words when shown: rewards_to_json adds it as the
  // last step.
  out.apply_for = route.apply;
  out.flags.push_back("apply_for_recognition");
}

bool has_flag(const RuleOutcome& o, const std::string& flag) {
  return std::find(o.flags.begin(), o.flags.end(), flag) != o.flags.end();
}

bool kind_listed(const std::vector<std::string>& kinds, const std::string& kind) {
  return kinds.empty() || std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

// The project with the profile's facts under it: the project's own facts win.
Json with_defaults(const std::vector<ProjectDefault>& defaults, const Json& profile, Json project, bool stand_in) {
  const std::string kind = project.value("kind", std::string());
  for (const auto& d : defaults) {
    if (!(d.every_project || stand_in) || !kind_listed(d.kinds, kind)) continue;
    if (project.contains(d.project) && !project[d.project].is_null()) continue;
    auto it = profile.find(d.profile);
    if (it != profile.end() && !it->is_null()) project[d.project] = *it;
  }
  return project;
}

// Whether the profile holds any enterprise total that a stand-in project of `kind` would read.
bool stand_in_has_data(const std::vector<ProjectDefault>& defaults, const Json& profile, const std::string& kind) {
  for (const auto& d : defaults) {
    if (d.every_project || !kind_listed(d.kinds, kind)) continue;
    // A total of zero means there is no such project: nothing to stand in for.
    auto it = profile.find(d.profile);
    if (it != profile.end() && it->is_number() && it->get<double>() > 0) return true;
  }
  return false;
}

struct Span {
  long long low = 0;
  long long high = 0;
};

Span span_of(const RuleOutcome& o) {
  switch (o.amount.shape) {
    case AmountShape::kExact:
      return {o.amount.value, o.amount.value};
    case AmountShape::kUpTo:
      return {0, o.amount.value};
    case AmountShape::kRange:
      return {o.amount.low, o.amount.value};
    default:
      return {};
  }
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
  const Json& profile = base["profile"];

  for (const auto& d : catalogue.documents) {
    for (const auto& rule : d.rules) {
      if (std::find(result.regions.begin(), result.regions.end(), rule.jurisdiction) == result.regions.end()) continue;
      if (!rule.per_project) {
        RuleOutcome o = evaluate_rule(d, rule, base, date);
        recognition_hint(rule, base, o);
        result.outcomes.push_back(std::move(o));
        continue;
      }
      bool any = false;
      for (const auto& project : projects) {
        const std::string kind = project.value("kind", std::string());
        if (std::find(rule.project_kinds.begin(), rule.project_kinds.end(), kind) == rule.project_kinds.end()) continue;
        any = true;
        Json facts = base;
        facts["project"] = with_defaults(catalogue.project_defaults, profile, project, false);
        RuleOutcome o = evaluate_rule(d, rule, facts, date);
        recognition_hint(rule, facts, o);
        o.project = project.value("id", std::string("project"));
        result.outcomes.push_back(std::move(o));
      }
      if (any) continue;
      // No project of this kind listed. The profile's enterprise totals make a stand-in project:
      // below a threshold no single project can reach it (not eligible); otherwise the rule is
      // eligible if a project is confirmed, with the amount as if the totals were one project.
      std::string stand_in_kind;
      for (const auto& k : rule.project_kinds) {
        if (stand_in_has_data(catalogue.project_defaults, profile, k)) {
          stand_in_kind = k;
          break;
        }
      }
      if (!stand_in_kind.empty()) {
        Json facts = base;
        facts["project"] =
            with_defaults(catalogue.project_defaults, profile, Json{{"id", "profile"}, {"kind", stand_in_kind}}, true);
        RuleOutcome o = evaluate_rule(d, rule, facts, date);
        o.flags.push_back("from_profile");
        if (o.status != Eligibility::kNotEligible) {
          o.status = Eligibility::kEligibleIf;
          o.missing.insert(o.missing.begin(), "project (" + stand_in_kind + ")");
          o.amount.steps.insert(o.amount.steps.begin(), say("srv_step_from_profile"));
        }
        result.outcomes.push_back(std::move(o));
        continue;
      }
      // Nothing to go on: say what the rule would need, without a project.
      RuleOutcome o = evaluate_rule(d, rule, base, date);
      if (o.status != Eligibility::kNotEligible) {
        o.status = Eligibility::kEligibleIf;
        o.missing.insert(o.missing.begin(), "project (" + rule.project_kinds.front() + ")");
        const AmountShape shape = o.amount.shape;
        o.amount = {};
        if (rule.amount.type == AmountType::kCeiling) {
          o.amount.shape = AmountShape::kUpTo;
          o.amount.value = rule.amount.ceiling;
        } else if (shape == AmountShape::kCaseByCase || shape == AmountShape::kNone) {
          o.amount.shape = shape;
        }
      }
      result.outcomes.push_back(std::move(o));
    }
  }

  // Interest points of several governments on one project, capped together (昆山: 3 points).
  {
    std::map<std::pair<std::string, std::string>, std::vector<RuleOutcome*>> groups;
    for (auto& o : result.outcomes) {
      if (o.status != Eligibility::kEligible || o.amount.shape != AmountShape::kExact) continue;
      if (o.rule->amount.caps.points_group.empty() || !o.rule->amount.caps.points_max) continue;
      groups[{o.rule->amount.caps.points_group, o.project}].push_back(&o);
    }
    for (auto& [key, list] : groups) {
      const double max = *list.front()->rule->amount.caps.points_max;
      double used = 0;
      std::string names;
      for (auto* o : list) names += (names.empty() ? "" : "、") + o->rule->title.zh;
      for (auto* o : list) used += o->rule->amount.rate;
      const std::string used_text = format_number(used * 100);
      const std::string max_text = format_number(max * 100);
      double left = max;
      for (auto* o : list) {
        const double points = o->rule->amount.rate;
        if (used <= max + 1e-12) {
          o->amount.steps.push_back(say("srv_step_points_within", {{"used", {used_text}}, {"max", {max_text}}}));
          continue;
        }
        const double allowed = std::max(0.0, std::min(points, left));
        left -= allowed;
        if (allowed < points) {
          const long long before = o->amount.value;
          o->amount.value = round_yuan(static_cast<double>(before) * allowed / points);
          o->amount.steps.push_back(say("srv_step_points_cut", {{"max", {max_text}},
                                                                {"points", {format_number(points * 100)}},
                                                                {"allowed", {format_number(allowed * 100)}},
                                                                {"before", {format_yuan(before)}},
                                                                {"after", {format_yuan(o->amount.value)}}}));
        }
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
      (*it)->amount.steps.push_back(
          say("srv_step_enterprise_cut", {{"cap", {format_yuan(*cap)}}, {"cut", {format_yuan(cut)}}}));
    }
    result.caps.push_back(
        {id, sum, *cap, say("srv_cap_enterprise_total", {{"sum", {format_yuan(sum)}}, {"cap", {format_yuan(*cap)}}})});
  }
  // Alternatives (锡山's 2 points for projects without the provincial interest subsidy): of a rule
  // and its alternatives for the same project, only the largest counts toward the totals.
  for (auto& o : result.outcomes) {
    if (o.status != Eligibility::kEligible) continue;
    for (const auto& alt : o.rule->alternative_to) {
      for (auto& other : result.outcomes) {
        if (other.rule->id != alt || other.project != o.project || other.status != Eligibility::kEligible) continue;
        // At equal amounts the rule that names the other is kept; when both name each other, the
        // earlier outcome is kept — the same choice from either side, so exactly one of them counts.
        const auto& back = other.rule->alternative_to;
        const bool mutual = std::find(back.begin(), back.end(), o.rule->id) != back.end();
        const bool other_yields =
            other.amount.value < o.amount.value || (other.amount.value == o.amount.value && (!mutual || &other > &o));
        RuleOutcome& smaller = other_yields ? other : o;
        const RuleOutcome& larger = &smaller == &other ? o : other;
        if (!has_flag(smaller, "alternative")) {
          smaller.flags.push_back("alternative");
          smaller.amount.steps.push_back(say("srv_step_alternative", {}, {{"title", larger.rule->title}}));
        }
      }
    }
  }
  // Rules whose stacking on one project the text leaves open (昆山 附件 一–三): both shown, flagged,
  // and the totals count only the larger as sure. An enterprise-level rule meets every project.
  std::vector<RuleOutcome*> counted;
  for (auto& o : result.outcomes) {
    if (o.status == Eligibility::kEligible && !has_flag(o, "alternative")) counted.push_back(&o);
  }
  std::vector<std::size_t> parent(counted.size());
  for (std::size_t i = 0; i < parent.size(); ++i) parent[i] = i;
  auto find = [&](std::size_t i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  };
  for (std::size_t i = 0; i < counted.size(); ++i) {
    for (std::size_t j = 0; j < counted.size(); ++j) {
      RuleOutcome& a = *counted[i];
      RuleOutcome& b = *counted[j];
      if (i == j) continue;
      const auto& with = a.rule->stacking_not_stated_with;
      if (std::find(with.begin(), with.end(), b.rule->id) == with.end()) continue;
      if (!(a.project == b.project || !a.rule->per_project || !b.rule->per_project)) continue;
      parent[find(i)] = find(j);
      // Each side says it once: `b` hears it here only when its own list does not name `a`.
      const auto& back = b.rule->stacking_not_stated_with;
      const bool b_lists_a = std::find(back.begin(), back.end(), a.rule->id) != back.end();
      for (RuleOutcome* o : {&a, &b}) {
        if (o == &b && b_lists_a) {
          if (!has_flag(b, "stacking_not_stated")) b.flags.push_back("stacking_not_stated");
          continue;
        }
        const RuleOutcome& other = o == &a ? b : a;
        if (!has_flag(*o, "stacking_not_stated")) o->flags.push_back("stacking_not_stated");
        o->amount.steps.push_back(say("srv_step_stacking_not_stated", {}, {{"title", other.rule->title}}));
      }
    }
  }
  std::map<std::size_t, Span> groups;
  for (std::size_t i = 0; i < counted.size(); ++i) {
    const RuleOutcome& o = *counted[i];
    if (o.amount.shape == AmountShape::kExact) result.total_exact += o.amount.value;
    if (o.amount.shape == AmountShape::kUpTo || o.amount.shape == AmountShape::kRange)
      result.total_up_to += o.amount.value;
    if (o.amount.shape == AmountShape::kCaseByCase) ++result.case_by_case;
    const Span sp = span_of(o);
    Span& g = groups[find(i)];
    g.low = std::max(g.low, sp.low);
    g.high += sp.high;
  }
  for (const auto& [root, g] : groups) {
    result.total_low += g.low;
    result.total_high += g.high;
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
    const bool more =
        a.status == Eligibility::kEligible && b.status == Eligibility::kEligible && a.amount.value > b.amount.value;
    const bool apply = has_flag(a, "apply_for_recognition") && !has_flag(b, "apply_for_recognition");
    if (newly || more || apply) out.push_back(a);
  }
  return out;
}

namespace {

// "1234567" → "1,234,567".
std::string with_thousands(const std::string& digits) {
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// English amounts: "200万" → "2,000,000 yuan", "1.5万" → "15,000 yuan", "350元" → "350 yuan", and a
// band's "[500, 1000)万" → "[500, 1000) ×10k yuan". The Chinese texts keep 万 and 元.
std::string english_money(const std::string& s) {
  static const std::regex wan(R"((\d+(?:\.\d+)?)万)");
  static const std::regex yuan(R"((\d+)元)");
  std::string out;
  std::size_t last = 0;
  for (auto it = std::sregex_iterator(s.begin(), s.end(), wan); it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    out += s.substr(last, static_cast<std::size_t>(m.position(0)) - last);
    const long long v = std::llround(std::stod(m[1].str()) * 10000.0);
    out += with_thousands(std::to_string(v)) + " yuan";
    last = static_cast<std::size_t>(m.position(0) + m.length(0));
  }
  out += s.substr(last);
  out = std::regex_replace(out, yuan, "$1 yuan");
  std::string done;
  for (std::size_t at = 0; at < out.size();) {
    if (out.compare(at, 3, "万") == 0) {
      done += " ×10k yuan";
      at += 3;
    } else if (out.compare(at, 3, "元") == 0) {
      done += " yuan";
      at += 3;
    } else {
      done += out[at++];
    }
  }
  return done;
}

void english_money_in(Json& j, const std::string& key = "") {
  if (key == "quote" || key == "document_title" || key == "number" || key == "cite") return;
  if (j.is_string()) {
    j = english_money(j.get<std::string>());
  } else if (j.is_array()) {
    for (auto& x : j) english_money_in(x);
  } else if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) english_money_in(it.value(), it.key());
  }
}

}  // namespace

namespace {

std::string amount_text(const RewardAmount& a, const std::string& lang, const Words& w) {
  switch (a.shape) {
    case AmountShape::kExact:
      return format_yuan(a.value);
    case AmountShape::kUpTo:
      return w("srv_amount_up_to", {{"amount", format_yuan(a.value)}});
    case AmountShape::kRange:
      return format_yuan(a.low) + "–" + format_yuan(a.value);
    case AmountShape::kEither:
      return w("srv_amount_either",
               {{"high", format_yuan(a.value)}, {"condition", a.condition.in(lang, w)}, {"low", format_yuan(a.low)}});
    case AmountShape::kCaseByCase:
      return w("srv_amount_case_by_case");
    case AmountShape::kNone:
      return w("srv_amount_none");
  }
  return "";
}

}  // namespace

std::string amount_display(const RewardAmount& a, const std::string& lang, const Words& words) {
  return lang == "en" ? english_money(amount_text(a, lang, words)) : amount_text(a, lang, words);
}

std::string unlock_text(const RuleOutcome& o, const std::string& lang, const Words& words) {
  if (o.apply_for.zh.empty()) return "";
  return words("srv_reward_unlock",
               {{"apply", o.apply_for.in(lang)}, {"amount", amount_display(o.amount, lang, words)}});
}

std::string total_display(const RewardsResult& r, const std::string& lang) {
  (void)lang;
  if (r.total_low == r.total_high) return format_yuan(r.total_low);
  return format_yuan(r.total_low) + "–" + format_yuan(r.total_high);
}

Json rewards_to_json(const RewardsResult& result, const std::string& lang, const Words& words) {
  Json outcomes = Json::array();
  for (const auto& o : result.outcomes) {
    Json steps = Json::array();
    for (const auto& s : o.amount.steps) steps.push_back(s.in(lang, words));
    const std::string unlock = unlock_text(o, lang, words);
    if (!unlock.empty()) steps.push_back(unlock);
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
    item["amount"]["display"] = amount_display(o.amount, lang, words);
    if (o.amount.shape == AmountShape::kExact || o.amount.shape == AmountShape::kUpTo)
      item["amount"]["value"] = o.amount.value;
    if (o.amount.shape == AmountShape::kRange) {
      item["amount"]["low"] = o.amount.low;
      item["amount"]["value"] = o.amount.value;
    }
    if (o.amount.shape == AmountShape::kEither) {
      item["amount"]["if_true"] = o.amount.value;
      item["amount"]["otherwise"] = o.amount.low;
      item["amount"]["condition"] = o.amount.condition.in(lang, words);
    }
    if (!unlock.empty()) item["unlock"] = unlock;
    if (!o.rule->restated_by.empty()) {
      Json restated = Json::array();
      for (const auto& re : o.rule->restated_by) {
        restated.push_back({{"document", re.document}, {"cite", re.cite}, {"quote", re.quote}});
      }
      item["restated_by"] = restated;
    }
    if (!o.failed.empty()) item["failed"] = {{"id", o.failed}, {"title", o.failed_title.in(lang, words)}};
    if (!o.missing.empty()) item["missing"] = o.missing;
    if (!o.rule->stacking.zh.empty()) item["stacking"] = o.rule->stacking.in(lang);
    if (!o.rule->provenance.confidence.empty()) item["confidence"] = o.rule->provenance.confidence;
    if (!o.rule->provenance.note.zh.empty()) item["note"] = o.rule->provenance.note.in(lang);
    outcomes.push_back(item);
  }
  Json caps = Json::array();
  for (const auto& c : result.caps) {
    caps.push_back(
        {{"rule", c.rule}, {"before", c.before}, {"after", c.after}, {"explanation", c.explanation.in(lang, words)}});
  }
  Json out = {{"region", result.region},
              {"jurisdictions", result.regions},
              {"outcomes", outcomes},
              {"enterprise_caps", caps},
              {"total_exact", result.total_exact},
              {"total_exact_display", format_yuan(result.total_exact)},
              {"total_up_to", result.total_up_to},
              {"total_up_to_display", format_yuan(result.total_up_to)},
              {"total_low", result.total_low},
              {"total_high", result.total_high},
              {"total_display", total_display(result, lang)},
              {"case_by_case", result.case_by_case}};
  if (lang == "en") english_money_in(out);
  return out;
}

}  // namespace assess
