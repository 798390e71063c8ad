#include "scoring/policy.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "detail/bounds.h"
#include "detail/reader.h"
#include "detail/rule_reader.h"

namespace assess {

using detail::Reader;

const char* to_string(AmountType type) {
  switch (type) {
    case AmountType::kFixed:
      return "fixed";
    case AmountType::kCeiling:
      return "ceiling";
    case AmountType::kRate:
      return "rate";
    case AmountType::kRateBands:
      return "rate_bands";
    case AmountType::kRateRange:
      return "rate_range";
    case AmountType::kInterest:
      return "interest";
    case AmountType::kUnpublishedBase:
      return "unpublished_base";
    case AmountType::kNone:
      return "none";
    case AmountType::kTax:
      return "tax";
    case AmountType::kCaseByCase:
      return "case_by_case";
  }
  return "?";
}

const PolicyRule* Catalogue::find_rule(const std::string& id, const PolicyDocument** document) const {
  for (const auto& d : documents) {
    for (const auto& r : d.rules) {
      if (r.id == id) {
        if (document) *document = &d;
        return &r;
      }
    }
  }
  return nullptr;
}

namespace {

std::string date_field(const Reader& r) {
  const std::string s = r.string();
  if (!is_iso_date(s)) r.fail("\"" + s + "\" is not a date as YYYY-MM-DD");
  return s;
}

// Rules read facts through the documented roots only; a typo such as "projcet" is caught on load.
const std::vector<std::string> kFactRoots = {"profile", "region", "regions", "results", "project", "enterprise_year"};

logic::Rule compile_checked(const Reader& r) {
  return detail::read_rule(r, kFactRoots);
}

long long money(const Reader& r) {
  const double v = r.number();
  if (v < 0 || v != std::floor(v)) r.fail("an amount in 元 must be a whole non-negative number");
  return static_cast<long long>(v);
}

double fraction(const Reader& r, const char* what) {
  const double v = r.number();
  if (v < 0 || v > 1) r.fail(std::string("\"") + what + "\" is a fraction between 0 and 1 (8 % = 0.08)");
  return v;
}

std::vector<PolicyCondition> conditions(const Reader& list) {
  return detail::read_conditions(list, kFactRoots);
}

Range band_range(const Reader& r) {
  Range out = detail::read_bounds(r, "band");
  if (!out.lower) r.fail("a band needs a lower bound (\"ge\" where the text says （含）, else \"gt\")");
  return out;
}

Amount amount(const Reader& r) {
  r.expect_object();
  r.allow_only({"type", "amount", "max", "basis", "basis_note", "rate", "min_rate", "max_rate", "points", "bands",
                "bonuses", "caps", "coefficient", "description", "note"});
  Amount a;
  static const std::vector<std::pair<std::string, AmountType>> kTypes = {
      {"fixed", AmountType::kFixed},
      {"ceiling", AmountType::kCeiling},
      {"rate", AmountType::kRate},
      {"rate_bands", AmountType::kRateBands},
      {"rate_range", AmountType::kRateRange},
      {"interest", AmountType::kInterest},
      {"unpublished_base", AmountType::kUnpublishedBase},
      {"none", AmountType::kNone},
      {"tax", AmountType::kTax},
      {"case_by_case", AmountType::kCaseByCase}};
  const std::string type = r.at("type").string();
  auto it = std::find_if(kTypes.begin(), kTypes.end(), [&](const auto& p) { return p.first == type; });
  if (it == kTypes.end()) {
    r.at("type").fail(
        "\"type\" must be one of fixed, ceiling, rate, rate_bands, rate_range, interest, unpublished_base, none, tax, "
        "case_by_case");
  }
  a.type = it->second;
  const bool needs_basis = a.type == AmountType::kRate || a.type == AmountType::kRateBands ||
                           a.type == AmountType::kRateRange || a.type == AmountType::kInterest;
  if (needs_basis) {
    a.basis = compile_checked(r.at("basis"));
  } else if (auto b = r.find("basis")) {
    b->fail("\"basis\" applies to rate, rate_bands, rate_range and interest amounts only");
  }
  if (auto bn = r.find("basis_note")) a.basis_note = bn->text();
  if (auto d = r.find("description")) a.description = d->text();
  if (auto n = r.find("note")) a.description = n->text();
  switch (a.type) {
    case AmountType::kFixed:
      a.fixed = money(r.at("amount"));
      break;
    case AmountType::kCeiling:
      a.ceiling = money(r.at("max"));
      break;
    case AmountType::kRate:
      a.rate = fraction(r.at("rate"), "rate");
      break;
    case AmountType::kRateRange:
      a.min_rate = fraction(r.at("min_rate"), "min_rate");
      a.max_rate = fraction(r.at("max_rate"), "max_rate");
      if (a.min_rate > a.max_rate) r.fail("\"min_rate\" is above \"max_rate\"");
      break;
    case AmountType::kInterest:
      a.rate = fraction(r.at("points"), "points");
      break;
    case AmountType::kRateBands: {
      Reader bands = r.at("bands");
      bands.expect_array();
      if (bands.size() == 0) bands.fail("\"bands\" must not be empty");
      for (std::size_t i = 0; i < bands.size(); ++i) {
        Reader b = bands.at(i);
        b.expect_object();
        b.allow_only({"ge", "gt", "lt", "le", "rate"});
        RateBand band{band_range(b), fraction(b.at("rate"), "rate")};
        if (!a.bands.empty()) {
          const Range& prev = a.bands.back().range;
          const bool contiguous =
              prev.upper && *prev.upper == *band.range.lower && prev.upper_inclusive != band.range.lower_inclusive;
          if (!contiguous) b.fail("band " + band.range.describe() + " does not continue " + prev.describe());
        }
        a.bands.push_back(band);
      }
      break;
    }
    case AmountType::kUnpublishedBase: {
      Reader c = r.at("coefficient");
      c.expect_object();
      c.allow_only({"value", "when", "cite"});
      a.coefficient = c.at("value").number();
      if (auto w = c.find("when")) a.coefficient_when = compile_checked(*w);
      break;
    }
    case AmountType::kNone:
    case AmountType::kTax:
    case AmountType::kCaseByCase:
      if (a.description.zh.empty()) r.fail("a \"" + type + "\" amount needs a \"description\"");
      break;
  }
  if (auto bs = r.find("bonuses")) {
    if (a.type != AmountType::kRate && a.type != AmountType::kRateBands) {
      bs->fail("\"bonuses\" apply to rate and rate_bands amounts only");
    }
    bs->expect_array();
    for (std::size_t i = 0; i < bs->size(); ++i) {
      Reader b = bs->at(i);
      b.expect_object();
      b.allow_only({"id", "title", "when", "rate_points", "cite"});
      RateBonus bonus;
      bonus.id = b.at("id").identifier();
      bonus.title = b.at("title").text();
      if (auto ci = b.find("cite")) bonus.cite = ci->string();
      bonus.when = compile_checked(b.at("when"));
      bonus.rate_points = fraction(b.at("rate_points"), "rate_points");
      a.bonuses.push_back(std::move(bonus));
    }
  }
  if (auto c = r.find("caps")) {
    c->expect_object();
    c->allow_only({"per_project", "per_enterprise_year", "per_enterprise", "per_project_points"});
    if (auto v = c->find("per_project")) a.caps.per_project = money(*v);
    if (auto v = c->find("per_project_points")) {
      if (a.type != AmountType::kInterest) v->fail("\"per_project_points\" applies to interest amounts only");
      v->expect_object();
      v->allow_only({"group", "max", "cite"});
      a.caps.points_group = v->at("group").identifier();
      a.caps.points_max = fraction(v->at("max"), "max");
    }
    if (auto v = c->find("per_enterprise_year")) a.caps.per_enterprise_year = money(*v);
    if (auto v = c->find("per_enterprise")) a.caps.per_enterprise = money(*v);
  }
  return a;
}

}  // namespace

PolicyDocument load_policy_document(const Json& document, const std::string& file) {
  Reader r(document, file);
  r.expect_object();
  r.allow_only({"$schema", "id", "title", "number", "issuer", "date", "jurisdiction", "status", "valid_from",
                "valid_to", "validity_note", "source", "rules", "targets", "note"});
  PolicyDocument d;
  d.file = file;
  d.id = r.at("id").identifier();
  d.title = r.at("title").text();
  if (auto n = r.find("number")) d.number = n->string();
  d.issuer = r.at("issuer").string();
  if (auto dt = r.find("date")) d.date = date_field(*dt);
  d.jurisdiction = r.at("jurisdiction").string();
  const std::string status = r.at("status").string();
  if (status != "draft" && status != "in_force") r.at("status").fail("\"status\" must be \"draft\" or \"in_force\"");
  d.draft = status == "draft";
  if (auto v = r.find("valid_from")) d.valid_from = date_field(*v);
  if (auto v = r.find("valid_to")) d.valid_to = date_field(*v);
  if (!d.valid_from.empty() && !d.valid_to.empty() && d.valid_from > d.valid_to) {
    r.fail("\"valid_from\" is after \"valid_to\"");
  }
  if (auto v = r.find("validity_note")) d.validity_note = v->text();
  d.source = r.at("source").string();
  d.content_hash = content_hash(document);
  Reader rules = r.at("rules");
  rules.expect_array();
  std::set<std::string> ids;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    Reader x = rules.at(i);
    x.expect_object();
    x.allow_only({"id",
                  "title",
                  "cite",
                  "quote",
                  "jurisdiction",
                  "kind",
                  "per",
                  "project_kinds",
                  "conditions",
                  "disqualifiers",
                  "amount",
                  "stacking",
                  "confidence",
                  "note",
                  "alternative_to",
                  "status",
                  "stacking_not_stated_with",
                  "recognition_route",
                  "flags",
                  "restated_by"});
    PolicyRule rule;
    rule.pointer = x.pointer();
    const std::string id = x.at("id").string();
    if (id.rfind(d.id + ".", 0) != 0) x.at("id").fail("rule id \"" + id + "\" must start with \"" + d.id + ".\"");
    rule.id = id;
    if (!ids.insert(id).second) x.at("id").fail("duplicate rule id \"" + id + "\"");
    rule.title = x.at("title").text();
    rule.cite = x.at("cite").string();
    rule.quote = x.at("quote").string();
    rule.jurisdiction = x.find("jurisdiction") ? x.at("jurisdiction").string() : d.jurisdiction;
    rule.kind = x.at("kind").string();
    static const std::set<std::string> kKinds = {"subsidy", "award", "interest", "tax", "support", "land"};
    if (!kKinds.count(rule.kind))
      x.at("kind").fail("\"kind\" must be one of subsidy, award, interest, tax, support, land");
    const std::string per = x.at("per").string();
    if (per != "enterprise" && per != "project") x.at("per").fail("\"per\" must be \"enterprise\" or \"project\"");
    rule.per_project = per == "project";
    if (auto pk = x.find("project_kinds")) rule.project_kinds = pk->string_list();
    if (rule.per_project && rule.project_kinds.empty()) x.fail("a per-project rule needs \"project_kinds\"");
    if (auto c = x.find("conditions")) rule.conditions = conditions(*c);
    if (auto c = x.find("disqualifiers")) rule.disqualifiers = conditions(*c);
    rule.amount = amount(x.at("amount"));
    if (auto s = x.find("stacking")) rule.stacking = s->text();
    if (auto alt = x.find("alternative_to")) rule.alternative_to = alt->string_list();
    if (auto st = x.find("stacking_not_stated_with")) rule.stacking_not_stated_with = st->string_list();
    if (auto rr = x.find("recognition_route")) {
      rr->expect_object();
      rr->allow_only({"module", "levels", "apply", "unless_failed"});
      RecognitionRoute route;
      route.module = rr->at("module").string();
      route.levels = rr->at("levels").string_list();
      route.apply = rr->at("apply").text();
      if (auto uf = rr->find("unless_failed")) route.unless_failed = uf->string_list();
      if (route.levels.empty()) rr->at("levels").fail("\"levels\" must not be empty");
      rule.recognition_route = std::move(route);
    }
    if (auto fl = x.find("flags")) {
      fl->expect_array();
      for (std::size_t k = 0; k < fl->size(); ++k) {
        Reader f = fl->at(k);
        f.expect_object();
        f.allow_only({"flag", "when", "title", "else_flag", "else_title", "cite"});
        RuleFlag flag;
        flag.flag = f.at("flag").identifier();
        flag.when = compile_checked(f.at("when"));
        flag.title = f.at("title").text();
        if (auto e = f.find("else_flag")) flag.else_flag = e->identifier();
        if (auto e = f.find("else_title")) flag.else_title = e->text();
        if (flag.else_flag.empty() != flag.else_title.zh.empty())
          f.fail("\"else_flag\" and \"else_title\" go together");
        rule.flags.push_back(std::move(flag));
      }
    }
    if (auto rb = x.find("restated_by")) {
      rb->expect_array();
      for (std::size_t k = 0; k < rb->size(); ++k) {
        Reader f = rb->at(k);
        f.expect_object();
        f.allow_only({"document", "cite", "quote", "note"});
        Restatement re;
        re.document = f.at("document").identifier();
        re.cite = f.at("cite").string();
        re.quote = f.at("quote").string();
        if (auto n = f.find("note")) re.note = n->text();
        rule.restated_by.push_back(std::move(re));
      }
    }
    if (auto st = x.find("status")) {
      const std::string value = st->string();
      if (value != "draft" && value != "in_force") st->fail("\"status\" must be \"draft\" or \"in_force\"");
      rule.draft = value == "draft";
    }
    if (auto c = x.find("confidence")) rule.provenance.confidence = c->string();
    if (auto n = x.find("note")) rule.provenance.note = n->text();
    rule.provenance.cite = rule.cite;
    d.rules.push_back(std::move(rule));
  }
  if (auto ts = r.find("targets")) {
    ts->expect_array();
    for (std::size_t i = 0; i < ts->size(); ++i) {
      Reader t = ts->at(i);
      t.expect_object();
      PolicyTarget target;
      target.id = t.at("id").string();
      target.title = t.at("title").text();
      target.indicator = t.at("indicator").string();
      target.cite = t.at("cite").string();
      if (auto q = t.find("quote")) target.quote = q->string();
      target.pointer = t.pointer();
      target.data = t.json();
      d.targets.push_back(std::move(target));
    }
  }
  return d;
}

std::vector<ProjectDefault> load_project_defaults(const Json& document, const std::string& file) {
  Reader r(document, file);
  r.expect_object();
  r.allow_only({"$schema", "note", "defaults"});
  Reader list = r.at("defaults");
  list.expect_array();
  std::vector<ProjectDefault> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    Reader x = list.at(i);
    x.expect_object();
    x.allow_only({"project", "profile", "kinds", "scope", "cite", "note"});
    ProjectDefault d;
    d.project = x.at("project").identifier();
    d.profile = x.at("profile").identifier();
    if (auto k = x.find("kinds")) d.kinds = k->string_list();
    const std::string scope = x.at("scope").string();
    if (scope != "every_project" && scope != "stand_in")
      x.at("scope").fail("\"scope\" must be \"every_project\" or \"stand_in\"");
    d.every_project = scope == "every_project";
    out.push_back(std::move(d));
  }
  return out;
}

Catalogue load_catalogue_dir(const std::string& dir) {
  Catalogue c;
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path().string());
  }
  if (ec) throw Error(dir, "", "cannot read folder: " + ec.message(), ErrorKind::kNotFound);
  std::sort(files.begin(), files.end());
  std::map<std::string, std::string> rule_files;
  for (const auto& f : files) {
    PolicyDocument d = load_policy_document(read_json_file(f), f);
    for (const auto& rule : d.rules) {
      auto [it, inserted] = rule_files.emplace(rule.id, f);
      if (!inserted) throw Error(f, rule.pointer, "rule id \"" + rule.id + "\" is also used in " + it->second);
    }
    c.documents.push_back(std::move(d));
  }
  std::set<std::string> document_ids;
  for (const auto& d : c.documents) document_ids.insert(d.id);
  for (const auto& d : c.documents) {
    for (const auto& rule : d.rules) {
      for (const auto& alt : rule.alternative_to) {
        if (!rule_files.count(alt)) {
          throw Error(d.file, rule.pointer + "/alternative_to", "names unknown rule \"" + alt + "\"");
        }
      }
      for (const auto& other : rule.stacking_not_stated_with) {
        if (!rule_files.count(other)) {
          throw Error(d.file, rule.pointer + "/stacking_not_stated_with", "names unknown rule \"" + other + "\"");
        }
      }
      for (std::size_t k = 0; k < rule.restated_by.size(); ++k) {
        if (!document_ids.count(rule.restated_by[k].document)) {
          throw Error(d.file, rule.pointer + "/restated_by/" + std::to_string(k) + "/document",
                      "names unknown document \"" + rule.restated_by[k].document + "\"");
        }
      }
    }
  }
  const std::filesystem::path defaults = std::filesystem::path(dir) / "facts" / "project-defaults.json";
  if (std::filesystem::exists(defaults)) {
    c.project_defaults = load_project_defaults(read_json_file(defaults.string()), defaults.string());
  }
  const std::filesystem::path dashboard = std::filesystem::path(dir) / "facts" / "dashboard.json";
  if (std::filesystem::exists(dashboard)) {
    c.dashboard = load_dashboard_ladders(read_json_file(dashboard.string()), dashboard.string());
    for (const auto& pair : c.dashboard.sme_classes) {
      if (!document_ids.count(pair.document))
        throw Error(c.dashboard.file, pair.pointer + "/document", "names unknown document \"" + pair.document + "\"");
    }
  }
  return c;
}

}  // namespace assess
