// policy.h — local action plans as data: documents with their status and validity, reward rules
// with conditions, disqualifiers and amount shapes, and regional targets (policies/README.md).
//
// Loading validates every document and fails with one assess::Error naming file and JSON pointer.
// Amounts are never computed here; rewards.h evaluates rules against an enterprise's facts.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "scoring/logic.h"
#include "scoring/questionnaire.h"
#include "scoring/text.h"

namespace assess {

struct PolicyCondition {
  std::string id;
  Text title;
  std::string cite;
  std::string pointer;
  logic::Rule logic;
};

// kCaseByCase: money, the sum decided case by case with no ceiling published (攀枝花 一事一议, 聊城 奖补);
// kNone: support without money (recommendation, priority, simplified approval).
enum class AmountType {
  kFixed,
  kCeiling,
  kRate,
  kRateBands,
  kRateRange,
  kInterest,
  kUnpublishedBase,
  kNone,
  kTax,
  kCaseByCase
};
[[nodiscard]] const char* to_string(AmountType type);

struct RateBand {
  Range range;  // of the basis, in 万元
  double rate = 0;
};

struct RateBonus {
  std::string id;
  Text title;
  std::string cite;
  logic::Rule when;
  double rate_points = 0;
};

struct Caps {
  std::optional<long long> per_project;          // 元
  std::optional<long long> per_enterprise_year;  // 元, over the enterprise's projects under the rule in a year
  std::optional<long long> per_enterprise;       // 元
  // Interest points of several rules (several levels of government) on one project together at most
  // `points_max` (昆山 附件 四、（二）: 各级财政最高3个百分点); rules share the cap through `points_group`.
  std::string points_group;
  std::optional<double> points_max;
};

struct Amount {
  AmountType type = AmountType::kNone;
  long long fixed = 0;               // kFixed, 元
  long long ceiling = 0;             // kCeiling, 元
  std::optional<logic::Rule> basis;  // 万元
  Text basis_note;
  double rate = 0;      // kRate; kInterest: points as a fraction (0.01 = 1 pt)
  double min_rate = 0;  // kRateRange
  double max_rate = 0;
  std::vector<RateBand> bands;  // kRateBands
  std::vector<RateBonus> bonuses;
  Caps caps;
  double coefficient = 1;  // kUnpublishedBase
  std::optional<logic::Rule> coefficient_when;
  Text description;  // kNone, kTax, and a note for any type
};

// A recognition award a self-check cannot earn: when the module's level is one of `levels` but the
// recognition is not held, the outcome says "apply for recognition to unlock ≤ X" (锡山 三、（二）).
struct RecognitionRoute {
  std::string module;
  std::vector<std::string> levels;
  Text apply;                              // what to apply for, e.g. "申请省先进级智能工厂认定"
  std::vector<std::string> unless_failed;  // conditions whose failure means "already recognised, not newly"
};

// A flag the rule's outcome carries depending on a fact (锡山: key projects are exempt from the
// fiscal-contribution and tax-per-mu limits; other projects face thresholds not encoded here).
struct RuleFlag {
  std::string flag;
  logic::Rule when;
  Text title;
  std::string else_flag;
  Text else_title;
};

// A local text that restates a national rule; cited beside the national source, never as it.
struct Restatement {
  std::string document;
  std::string cite;
  std::string quote;
  Text note;
};

struct PolicyRule {
  std::string id;
  Text title;
  std::string cite;
  std::string quote;
  std::string jurisdiction;  // GB/T 2260 code; the document's unless the rule restates a parent's
  std::string kind;          // subsidy, award, interest, tax, support, land
  bool per_project = false;
  std::vector<std::string> project_kinds;
  std::vector<PolicyCondition> conditions;
  std::vector<PolicyCondition> disqualifiers;
  Amount amount;
  Text stacking;
  std::vector<std::string> alternative_to;  // rules this one replaces for the same project (totals count the larger)
  // Rules the text does not say whether this one stacks with on the same project (昆山 附件 一–三):
  // both are shown, flagged "stacking_not_stated"; totals count the larger as sure, the sum as the top.
  std::vector<std::string> stacking_not_stated_with;
  std::optional<RecognitionRoute> recognition_route;
  std::vector<RuleFlag> flags;
  std::vector<Restatement> restated_by;
  std::optional<bool> draft;  // a restated parent rule's own status, when it differs from the document's
  Provenance provenance;
  std::string pointer;
};

struct PolicyTarget {
  std::string id;
  Text title;
  std::string indicator;
  std::string cite;
  std::string quote;
  std::string pointer;
  Json data;  // the whole entry as written (target, unit, by, tier, recognition, level, scope...)
};

struct PolicyDocument {
  std::string file;
  std::string id;
  Text title;
  std::string number;
  std::string issuer;
  std::string date;
  std::string jurisdiction;
  bool draft = false;
  std::string valid_from;  // "" = open
  std::string valid_to;
  Text validity_note;
  std::string source;
  std::string content_hash;
  std::vector<PolicyRule> rules;
  std::vector<PolicyTarget> targets;
};

// A project fact that defaults to a profile fact when the project does not state it: one fact asked
// once in the profile, read by every rule (policies/facts/project-defaults.json).
// `every_project`: fills every project (where the project sits: the specialty park); otherwise the
// fact is an enterprise total that only builds the stand-in project of a rule whose enterprise has
// listed no project of its kinds.
struct ProjectDefault {
  std::string project;             // project field, e.g. "in_specialty_park"
  std::string profile;             // profile answer id, e.g. "specialty_park"
  std::vector<std::string> kinds;  // project kinds it applies to (empty = all)
  bool every_project = false;
};

// The ladders the bureau dashboard measures (dashboard.h), as data (policies/facts/dashboard.json):
// which questionnaire's level gives the "assessed smart-factory tier" and which the "SME digital
// level", each ladder's level ids lowest first (the questionnaire's own: check_dashboard_ladders()),
// and the level each SME recognition class is held to, with the clause that sets it.
struct DashboardLadder {
  std::string module;               // questionnaire id; "" = the ladder is not configured (no figures)
  std::vector<std::string> levels;  // its level ids, lowest first
  std::string pointer;              // where it is written in the file
  // The levels' names in the questionnaire, in the same order: taken by check_dashboard_ladders()
  // (empty until then). A rung is worded by the catalogue's "srv_dash_level_<module>.<level>" when
  // the catalogue has it, else by this name (dashboard.h).
  std::vector<Text> names;
};

struct SmeClassLevel {
  std::string sme_class;  // a profile.sme_quality_tier option: innovative, provincial_zjtx, little_giant
  std::string level;      // a level of the SME ladder: the class's share at it or higher is a figure
  std::string document;   // the policy document that sets it
  std::string cite;
  std::string quote;
  std::string pointer;
};

struct DashboardLadders {
  std::string file;
  DashboardLadder smart_factory;
  DashboardLadder sme_digital;
  std::vector<SmeClassLevel> sme_classes;
};

struct Catalogue {
  std::vector<PolicyDocument> documents;
  std::vector<ProjectDefault> project_defaults;
  DashboardLadders dashboard;  // facts/dashboard.json; empty (no ladder figures) when absent
  [[nodiscard]] const PolicyRule* find_rule(const std::string& id, const PolicyDocument** document = nullptr) const;
};

[[nodiscard]] PolicyDocument load_policy_document(const Json& document, const std::string& file);
// Every *.json directly in `dir` (not tests/ or tools/). Rule ids must be unique across documents.
// `dir/facts/project-defaults.json`, when present, gives the project facts that default to profile facts;
// `dir/facts/dashboard.json` the dashboard's ladders (its pairs' documents must be in the catalogue).
[[nodiscard]] Catalogue load_catalogue_dir(const std::string& dir);
[[nodiscard]] std::vector<ProjectDefault> load_project_defaults(const Json& document, const std::string& file);
// Validates the ladders' shape (unknown fields, ids, each level listed once, each class's level on
// the SME ladder); their modules are checked against the questionnaires by check_dashboard_ladders()
// (dashboard.h), where both are loaded.
[[nodiscard]] DashboardLadders load_dashboard_ladders(const Json& document, const std::string& file);

}  // namespace assess
