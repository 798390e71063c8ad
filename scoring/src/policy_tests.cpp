#include "scoring/policy_tests.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "scoring/error.h"
#include "scoring/rewards.h"

namespace assess {

int PolicyTestReport::passed() const {
  return static_cast<int>(std::count_if(cases.begin(), cases.end(), [](const auto& c) { return c.passed; }));
}
int PolicyTestReport::failed() const {
  return static_cast<int>(cases.size()) - passed();
}

namespace {

std::string check_case(const Catalogue& catalogue, const Json& c, const std::vector<Wording>& wordings) {
  const std::string rule_id = c.at("rule").get<std::string>();
  const PolicyRule* rule = catalogue.find_rule(rule_id);
  if (!rule) return "unknown rule \"" + rule_id + "\"";
  Json facts = c.value("facts", Json::object());
  std::vector<Json> projects;
  if (facts.contains("project")) {
    Json p = facts["project"];
    if (!p.contains("id")) p["id"] = "p1";
    projects.push_back(p);
    facts.erase("project");
  }
  if (c.contains("projects")) {
    for (const auto& p : c["projects"]) projects.push_back(p);
  }
  const std::string date = c.value("date", std::string("2025-06-01"));
  RewardsResult result = evaluate_rewards(catalogue, facts, projects, date);
  std::vector<const RuleOutcome*> mine;
  for (const auto& o : result.outcomes) {
    if (o.rule == rule) mine.push_back(&o);
  }
  if (mine.empty()) {
    return "the rule does not apply to region \"" + facts.value("region", std::string()) + "\" (jurisdiction " +
           rule->jurisdiction + ")";
  }
  const Json& expect = c.at("expect");
  std::string diff;
  auto note = [&](const std::string& what, const Json& want, const Json& got) {
    if (want != got) diff += (diff.empty() ? "" : "; ") + what + ": expected " + want.dump() + ", got " + got.dump();
  };
  const RuleOutcome& o = *mine.front();
  if (expect.contains("total")) {
    long long total = 0;
    for (const auto* m : mine) {
      if (m->status == Eligibility::kEligible && m->amount.shape == AmountShape::kExact) total += m->amount.value;
    }
    note("total", expect["total"], total);
  }
  if (expect.contains("status")) note("status", expect["status"], to_string(o.status));
  if (expect.contains("amount")) {
    Json got = o.amount.shape == AmountShape::kExact ? Json(o.amount.value) : Json();
    note("amount", expect["amount"], got);
  }
  if (expect.contains("max")) {
    Json got = (o.amount.shape == AmountShape::kUpTo || o.amount.shape == AmountShape::kRange ||
                o.amount.shape == AmountShape::kEither)
                   ? Json(o.amount.value)
                   : Json();
    note("max", expect["max"], got);
  }
  if (expect.contains("min")) {
    Json got =
        o.amount.shape == AmountShape::kRange || o.amount.shape == AmountShape::kEither ? Json(o.amount.low) : Json();
    note("min", expect["min"], got);
  }
  if (expect.contains("total_low")) note("total_low", expect["total_low"], result.total_low);
  if (expect.contains("total_high")) note("total_high", expect["total_high"], result.total_high);
  if (expect.contains("failed")) note("failed", expect["failed"], o.failed);
  if (expect.contains("missing")) note("missing", expect["missing"], o.missing);
  if (expect.contains("flags")) {
    // A set: the order flags are added in is not part of the behaviour.
    std::vector<std::string> want = expect["flags"].get<std::vector<std::string>>();
    std::vector<std::string> got = o.flags;
    std::sort(want.begin(), want.end());
    std::sort(got.begin(), got.end());
    note("flags", want, got);
  }
  if (expect.contains("kind")) note("kind", expect["kind"], rule->kind);
  if (expect.contains("shape")) note("shape", expect["shape"], to_string(o.amount.shape));
  if (expect.contains("steps_contain")) {
    // Every listed text must appear in some computation line (zh-CN or en). The recognition to apply
    // for is the last line when shown (rewards_to_json words it): it counts as one here.
    std::vector<Phrase> lines = o.amount.steps;
    if (!o.apply_for.zh.empty()) lines.push_back(Phrase::as_is(o.apply_for));
    for (const auto& want : expect["steps_contain"]) {
      bool found = false;
      for (const auto& step : lines) {
        for (const auto& w : wordings) {
          found = found || step.in(w.lang, w.words).find(want.get<std::string>()) != std::string::npos;
        }
      }
      if (!found) diff += (diff.empty() ? "" : "; ") + std::string("no computation line contains ") + want.dump();
    }
  }
  return diff;
}

}  // namespace

PolicyTestReport run_policy_tests(const Catalogue& catalogue, const std::string& tests_dir,
                                  const std::vector<Wording>& wordings) {
  PolicyTestReport report;
  std::set<std::string> tested;
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(tests_dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path().string());
  }
  if (ec) throw Error(tests_dir, "", "cannot read folder: " + ec.message(), ErrorKind::kNotFound);
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    const Json doc = read_json_file(f);
    if (!doc.is_object() || !doc.contains("cases") || !doc["cases"].is_array()) {
      throw Error(f, "", "a rule-test file needs a \"cases\" array");
    }
    for (std::size_t i = 0; i < doc["cases"].size(); ++i) {
      const Json& c = doc["cases"][i];
      PolicyCaseResult r;
      r.file = f;
      r.pointer = "/cases/" + std::to_string(i);
      if (!c.is_object() || !c.contains("rule") || !c["rule"].is_string() || !c.contains("expect")) {
        r.message = "a case needs \"rule\" (string) and \"expect\"";
        report.cases.push_back(r);
        continue;
      }
      r.rule = c["rule"].get<std::string>();
      r.name = c.value("name", std::string());
      tested.insert(r.rule);
      try {
        r.message = check_case(catalogue, c, wordings);
      } catch (const std::exception& e) {
        r.message = e.what();
      }
      r.passed = r.message.empty();
      report.cases.push_back(std::move(r));
    }
  }
  for (const auto& d : catalogue.documents) {
    for (const auto& rule : d.rules) {
      if (!tested.count(rule.id)) report.untested_rules.push_back(rule.id);
    }
  }
  return report;
}

}  // namespace assess
