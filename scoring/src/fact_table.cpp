#include "scoring/fact_table.h"

#include <cmath>
#include <limits>

namespace assess {

const std::vector<FactColumn>& fact_columns() {
  static const std::vector<FactColumn> kColumns = {
      {"region", "f_region", FactKind::kString},
      {"profile.industry", "f_industry", FactKind::kString},
      {"profile.size_class", "f_size_class", FactKind::kString},
      {"profile.is_sme", "f_is_sme", FactKind::kBool},
      {"profile.above_designated_size", "f_above_designated_size", FactKind::kBool},
      {"profile.employees", "f_employees", FactKind::kNumber},
      {"profile.revenue_last_year", "f_revenue_last_year", FactKind::kNumber},
      {"profile.sme_quality_tier", "f_sme_quality_tier", FactKind::kString},
      {"profile.smart_factory_tier", "f_smart_factory_tier", FactKind::kString},
      {"profile.provincial_labels", "f_provincial_labels", FactKind::kList},
      {"profile.green_factory_level", "f_green_factory_level", FactKind::kString},
      {"profile.specialty_park", "f_specialty_park", FactKind::kBool},
      {"profile.park_fits_positioning", "f_park_fits_positioning", FactKind::kBool},
      {"profile.resource_rating", "f_resource_rating", FactKind::kString},
      {"profile.digital_rd_tools", "f_digital_rd_tools", FactKind::kBool},
      {"profile.key_process_cnc_rate", "f_key_process_cnc_rate", FactKind::kNumber},
      {"profile.tech_investment_two_years", "f_tech_investment_two_years", FactKind::kNumber},
      {"profile.high_tech_enterprise", "f_high_tech_enterprise", FactKind::kBool},
      {"profile.single_champion", "f_single_champion", FactKind::kBool},
      {"results.sme-digital-2024", "f_sme_present", FactKind::kPresent},
      {"results.sme-digital-2024.level", "f_sme_level", FactKind::kString},
      {"results.sme-digital-2024.total", "f_sme_total", FactKind::kNumber},
      {"results.smart-factory-2025", "f_sf_present", FactKind::kPresent},
      {"results.smart-factory-2025.level", "f_sf_level", FactKind::kString},
      {"results.smart-factory-2025.total", "f_sf_total", FactKind::kNumber},
      {"results.cmmm", "f_cmmm_present", FactKind::kPresent},
      {"results.cmmm.level", "f_cmmm_level", FactKind::kString},
      {"results.cmmm.total", "f_cmmm_total", FactKind::kNumber},
      {"projects.count", "f_projects_count", FactKind::kNumber},  // migration 9 (dashboard.h, project_facts)
  };
  return kColumns;
}

int fact_slot(std::string_view path) {
  const auto& columns = fact_columns();
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].kind != FactKind::kPresent && columns[i].path == path) return static_cast<int>(i);
  }
  return -1;
}

int fact_column(std::string_view path) {
  const auto& columns = fact_columns();
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].path == path) return static_cast<int>(i);
  }
  return -1;
}

namespace {

// The value at a dotted path through objects, or nullptr.
const Json* at_path(const Json& facts, std::string_view path) {
  const Json* at = &facts;
  while (true) {
    const auto dot = path.find('.');
    const std::string key(path.substr(0, dot));
    if (!at->is_object()) return nullptr;
    auto it = at->find(key);
    if (it == at->end()) return nullptr;
    at = &*it;
    if (dot == std::string_view::npos) return at;
    path.remove_prefix(dot + 1);
  }
}

constexpr char kSeparator = '\x1f';

}  // namespace

std::string encode_list(const Json& list) {
  std::string out;
  for (const Json& item : list) {
    out += item.get_ref<const std::string&>();
    out += kSeparator;
  }
  return out;
}

void decode_list(std::string_view text, std::vector<std::string_view>& out) {
  out.clear();
  while (!text.empty()) {
    const auto end = text.find(kSeparator);
    out.push_back(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  }
}

std::optional<std::vector<FactValue>> fact_values(const Json& facts) {
  std::vector<FactValue> out;
  out.reserve(fact_columns().size());
  for (const auto& column : fact_columns()) {
    const Json* v = at_path(facts, column.path);
    if (column.kind == FactKind::kPresent) {
      out.emplace_back(v != nullptr && v->is_object());
      continue;
    }
    if (v == nullptr || v->is_null()) {
      out.emplace_back(nullptr);
      continue;
    }
    switch (column.kind) {
      case FactKind::kBool:
        if (!v->is_boolean()) return std::nullopt;
        out.push_back(*v);
        break;
      case FactKind::kNumber:
        if (v->is_number_unsigned()) {
          if (v->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            return std::nullopt;
          out.emplace_back(v->get<std::int64_t>());
        } else if (v->is_number_integer()) {
          out.push_back(*v);
        } else if (v->is_number_float() && std::isfinite(v->get<double>())) {
          out.push_back(*v);
        } else {
          return std::nullopt;
        }
        break;
      case FactKind::kString:
        if (!v->is_string()) return std::nullopt;
        out.push_back(*v);
        break;
      case FactKind::kList:
        if (!v->is_array()) return std::nullopt;
        for (const Json& item : *v) {
          if (!item.is_string() || item.get_ref<const std::string&>().find(kSeparator) != std::string::npos)
            return std::nullopt;
        }
        out.emplace_back(encode_list(*v));
        break;
      case FactKind::kPresent:
        break;
    }
  }
  return out;
}

std::string division_of_industry(const std::string& industry) {
  std::string s = industry;
  if (!s.empty() && s[0] == 'C') s.erase(0, 1);
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (s.size() < 2 || !digit(s[0]) || !digit(s[1])) return "";
  return s.substr(0, 2);
}

std::optional<std::int64_t> quantized_total(const Json& facts, const std::string& module) {
  const Json* results = at_path(facts, "results");
  if (results == nullptr || !results->is_object()) return std::nullopt;
  auto it = results->find(module);
  if (it == results->end() || !it->is_object()) return std::nullopt;
  auto total = it->find("total");
  if (total == it->end() || !total->is_number()) return std::nullopt;
  const double v = total->get<double>();
  if (!std::isfinite(v)) return std::nullopt;
  const double q = std::nearbyint(v * 1e6);
  if (!(std::fabs(q) < 9.2e18)) return std::nullopt;
  return static_cast<std::int64_t>(q);
}

std::string total_column(const std::string& module) {
  if (module == "sme-digital-2024") return "sme_total_q";
  if (module == "smart-factory-2025") return "sf_total_q";
  if (module == "cmmm") return "cmmm_total_q";
  return "";
}

FactSummary fact_summary(const Json& facts) {
  FactSummary s;
  if (const Json* r = at_path(facts, "region"); r && r->is_string()) s.region = r->get<std::string>();
  if (const Json* i = at_path(facts, "profile.industry"); i && i->is_string()) s.industry = i->get<std::string>();
  s.division = division_of_industry(s.industry);
  if (const Json* c = at_path(facts, "profile.size_class"); c && c->is_string()) s.size_class = c->get<std::string>();
  s.sme_total_q = quantized_total(facts, "sme-digital-2024");
  s.sf_total_q = quantized_total(facts, "smart-factory-2025");
  s.cmmm_total_q = quantized_total(facts, "cmmm");
  return s;
}

}  // namespace assess
