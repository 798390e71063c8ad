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

#include "assess/logic.h"
#include "assess/questionnaire.h"
#include "assess/text.h"

namespace assess {

struct PolicyCondition {
  std::string id;
  Text title;
  std::string cite;
  std::string pointer;
  logic::Rule logic;
};

enum class AmountType { kFixed, kCeiling, kRate, kRateBands, kRateRange, kInterest, kUnpublishedBase, kNone, kTax };
const char* to_string(AmountType type);

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
  std::optional<long long> per_project;           // 元
  std::optional<long long> per_enterprise_year;   // 元, over the enterprise's projects under the rule in a year
  std::optional<long long> per_enterprise;        // 元
};

struct Amount {
  AmountType type = AmountType::kNone;
  long long fixed = 0;        // kFixed, 元
  long long ceiling = 0;      // kCeiling, 元
  std::optional<logic::Rule> basis;  // 万元
  Text basis_note;
  double rate = 0;            // kRate; kInterest: points as a fraction (0.01 = 1 pt)
  double min_rate = 0;        // kRateRange
  double max_rate = 0;
  std::vector<RateBand> bands;  // kRateBands
  std::vector<RateBonus> bonuses;
  Caps caps;
  double coefficient = 1;     // kUnpublishedBase
  std::optional<logic::Rule> coefficient_when;
  Text description;           // kNone, kTax, and a note for any type
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
  std::optional<bool> draft;                // a restated parent rule's own status, when it differs from the document's
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

struct Catalogue {
  std::vector<PolicyDocument> documents;
  const PolicyRule* find_rule(const std::string& id, const PolicyDocument** document = nullptr) const;
};

PolicyDocument load_policy_document(const Json& document, const std::string& file);
// Every *.json directly in `dir` (not tests/ or tools/). Rule ids must be unique across documents.
Catalogue load_catalogue_dir(const std::string& dir);

}  // namespace assess
