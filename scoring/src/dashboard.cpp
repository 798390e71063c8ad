#include "scoring/dashboard.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include "detail/reader.h"
#include "scoring/error.h"

namespace assess {

const char* to_string(TierBasis basis) {
  return basis == TierBasis::kRecognised ? "recognised" : "assessed";
}

std::vector<DashboardTarget> dashboard_targets(const Catalogue& catalogue) {
  std::vector<DashboardTarget> out;
  for (const auto& d : catalogue.documents) {
    for (const auto& t : d.targets) out.push_back({d.id, d.title, d.number, d.jurisdiction, d.draft, t});
  }
  return out;
}

namespace {

const Json kNull;

const Json& member(const Json& object, const char* key) {
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

const Json& profile_fact(const Json& facts, const char* key) {
  return member(member(facts, "profile"), key);
}

std::string region_of(const Json& facts) {
  const Json& r = member(facts, "region");
  return r.is_string() ? r.get<std::string>() : "";
}

// Position on a ladder of ids (index), or -1 when the value is not one of them.
int rung(const Json& value, std::initializer_list<const char*> ladder) {
  if (!value.is_string()) return -1;
  const std::string& s = value.get_ref<const std::string&>();
  int i = 0;
  for (const char* id : ladder) {
    if (s == id) return i;
    ++i;
  }
  return -1;
}

int rung(std::string_view value, const std::vector<std::string>& ladder) {
  for (std::size_t i = 0; i < ladder.size(); ++i) {
    if (value == ladder[i]) return static_cast<int>(i);
  }
  return -1;
}

// A module level: 0 below the first level (null), 1..n for the ids, -1 when the module was not
// assessed (or the ladder is not configured) or the level is not one of the ids.
int module_level(const Json& facts, const DashboardLadder& ladder) {
  if (ladder.module.empty()) return -1;
  const Json& result = member(member(facts, "results"), ladder.module.c_str());
  if (!result.is_object()) return -1;
  const Json& level = member(result, "level");
  if (level.is_null()) return 0;
  if (!level.is_string()) return -1;
  const int r = rung(level.get_ref<const std::string&>(), ladder.levels);
  return r < 0 ? -1 : r + 1;
}

// The profile's ladders (questionnaires/profile): not a questionnaire's levels.
constexpr std::initializer_list<const char*> kTiers = {"none", "basic", "advanced", "excellent", "leading"};
constexpr std::initializer_list<const char*> kSmeClasses = {"none", "innovative", "provincial_zjtx", "little_giant"};
constexpr std::initializer_list<const char*> kGreen = {"none", "municipal", "provincial", "national"};

// The figures' words are catalogue keys ("srv_dash_*", text.h Phrase), worded when shown.
Phrase say(std::string key, std::map<std::string, std::string> params = {},
           std::map<std::string, std::string> worded = {}) {
  return Phrase{std::move(key), std::move(params), {}, {}, {}, std::move(worded)};
}

// `phrase` with its parameter `name` the rung of level k (1-based) of `ladder`: the catalogue's
// "srv_dash_level_<module>.<level>" when it has the key, else the level's name in the questionnaire
// (text.h Phrase: a parameter both worded and a text).
Phrase with_rung(Phrase phrase, const std::string& name, const DashboardLadder& ladder, std::size_t k) {
  phrase.worded[name] = "srv_dash_level_" + ladder.module + "." + ladder.levels[k - 1];
  if (k <= ladder.names.size()) phrase.texts[name] = ladder.names[k - 1];
  return phrase;
}

// Policy targets name SME classes with their own ids; the profile's sme_quality_tier options differ.
std::string class_of_target(const std::string& recognition) {
  if (recognition == "innovative_sme" || recognition == "innovative") return "innovative";
  if (recognition == "specialized_sme_provincial" || recognition == "provincial_zjtx") return "provincial_zjtx";
  if (recognition == "little_giant") return "little_giant";
  return "";
}

int index_of(const std::string& id, std::initializer_list<const char*> ids) {
  return rung(Json(id), ids);
}

int index_of(const std::string& id, const std::vector<std::string>& ids) {
  return rung(std::string_view(id), ids);
}

// Which green-factory count a target means: its "level" when it has one, else read from its scope
// ("省级以上绿色工厂" → provincial or higher; "绿色工厂" alone → any recognised level).
std::string green_scope(const PolicyTarget& t) {
  const Json& level = member(t.data, "level");
  if (level.is_string()) return level.get<std::string>();
  const Json& scope = member(t.data, "scope");
  const std::string s = scope.is_string() ? scope.get<std::string>() : "";
  if (s.find("国家级") != std::string::npos) return "national";
  if (s.find("省级以上") != std::string::npos || s.find("省级及以上") != std::string::npos)
    return "provincial_or_higher";
  return "municipal_or_higher";
}

std::string relation(const std::string& jurisdiction, const std::string& region) {
  const bool holds_region = region_within(region, jurisdiction);
  const bool inside_region = region_within(jurisdiction, region);
  if (holds_region && inside_region) return "same";
  if (holds_region) return "contains";
  if (inside_region) return "within";
  return "other";
}

std::optional<double> as_number(const Json& v) {
  if (v.is_number()) return v.get<double>();
  return std::nullopt;
}

TargetCheck check_of(const DashboardTarget& t, const std::string& region) {
  TargetCheck c;
  c.id = t.target.id;
  c.title = t.target.title;
  c.document = t.document;
  c.document_title = t.document_title;
  c.number = t.number;
  c.jurisdiction = t.jurisdiction;
  c.draft = t.draft;
  c.relation = relation(t.jurisdiction, region);
  c.cite = t.target.cite;
  c.quote = t.target.quote;
  const Json& data = t.target.data;
  if (member(data, "comparator").is_string()) c.comparator = member(data, "comparator").get<std::string>();
  if (member(data, "unit").is_string()) c.unit = member(data, "unit").get<std::string>();
  if (member(data, "by").is_string()) c.by = member(data, "by").get<std::string>();
  c.value = as_number(member(data, "target"));
  return c;
}

std::optional<bool> judge(double value, const std::string& comparator, double target) {
  if (comparator == ">") return value > target;
  if (comparator == ">=" || comparator.empty()) return value >= target;
  if (comparator == "<") return value < target;
  if (comparator == "<=") return value <= target;
  return std::nullopt;  // "≈": the text gives no tolerance
}

Phrase suppressed_reason(std::size_t n, std::size_t min_group) {
  return say("srv_dash_suppressed", {{"min", {std::to_string(min_group)}}, {"n", {std::to_string(n)}}});
}

void finish(Figure& f, std::size_t min_group) {
  if (f.denominator < min_group) {
    f.suppressed = true;
    f.reason = suppressed_reason(f.denominator, min_group);
    f.value.reset();
    f.numerator.reset();
    f.breakdown = Json::object();
  }
}

Figure share(std::string id, std::string indicator, Phrase title, Phrase formula, std::size_t yes, std::size_t known,
             std::size_t unknown, std::size_t min_group) {
  Figure f;
  f.id = std::move(id);
  f.indicator = std::move(indicator);
  f.title = std::move(title);
  f.formula = std::move(formula);
  f.unit = "percent";
  f.denominator = known;
  f.unknown = unknown;
  f.numerator = static_cast<double>(yes);
  if (known > 0) f.value = 100.0 * static_cast<double>(yes) / static_cast<double>(known);
  finish(f, min_group);
  return f;
}

}  // namespace

namespace {

// The profile's SME recognition classes that have a figure (profile.sme_quality_tier, none excluded).
constexpr std::initializer_list<const char*> kRecognisedSmeClasses = {"innovative", "provincial_zjtx", "little_giant"};

std::string joined(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id;
  return out;
}

DashboardLadder load_ladder(const detail::Reader& r) {
  r.expect_object();
  r.allow_only({"module", "levels", "note"});
  DashboardLadder l;
  l.pointer = r.pointer();
  l.module = r.at("module").identifier();
  const detail::Reader levels = r.at("levels");
  levels.expect_array();
  if (levels.size() == 0) levels.fail("lists no level");
  for (std::size_t i = 0; i < levels.size(); ++i) {
    std::string id = levels.at(i).identifier();
    if (std::find(l.levels.begin(), l.levels.end(), id) != l.levels.end())
      levels.at(i).fail("level \"" + id + "\" is listed twice");
    l.levels.push_back(std::move(id));
  }
  return l;
}

}  // namespace

DashboardLadders load_dashboard_ladders(const Json& document, const std::string& file) {
  detail::Reader r(document, file);
  r.expect_object();
  r.allow_only({"$schema", "note", "smart_factory", "sme_digital", "sme_class_levels"});
  DashboardLadders out;
  out.file = file;
  if (auto l = r.find("smart_factory")) out.smart_factory = load_ladder(*l);
  if (auto l = r.find("sme_digital")) out.sme_digital = load_ladder(*l);
  if (auto list = r.find("sme_class_levels")) {
    list->expect_array();
    if (out.sme_digital.module.empty()) list->fail("needs the \"sme_digital\" ladder");
    for (std::size_t i = 0; i < list->size(); ++i) {
      const detail::Reader x = list->at(i);
      x.expect_object();
      x.allow_only({"class", "level", "document", "cite", "quote", "confidence", "note"});
      SmeClassLevel c;
      c.pointer = x.pointer();
      c.sme_class = x.at("class").string();
      if (rung(Json(c.sme_class), kRecognisedSmeClasses) < 0)
        x.at("class").fail("\"" + c.sme_class + "\" is not an SME class (innovative, provincial_zjtx, little_giant)");
      c.level = x.at("level").string();
      if (index_of(c.level, out.sme_digital.levels) < 0) {
        x.at("level").fail("\"" + c.level + "\" is not a level of the \"sme_digital\" ladder (" +
                           joined(out.sme_digital.levels) + ")");
      }
      for (const auto& before : out.sme_classes) {
        if (before.sme_class == c.sme_class && before.level == c.level)
          x.fail("\"" + c.sme_class + "\" at \"" + c.level + "\" is listed twice");
      }
      c.document = x.at("document").identifier();
      c.cite = x.at("cite").string();
      c.quote = x.at("quote").string();
      if (c.cite.empty()) x.at("cite").fail("\"cite\" must not be empty");
      if (c.quote.empty()) x.at("quote").fail("\"quote\" must not be empty");
      if (auto conf = x.find("confidence")) {
        const std::string v = conf->string();
        if (v != "high" && v != "medium" && v != "low" && v != "unconfirmed")
          conf->fail("\"confidence\" must be \"high\", \"medium\", \"low\" or \"unconfirmed\"");
      }
      if (auto note = x.find("note")) (void)note->text();
      out.sme_classes.push_back(std::move(c));
    }
  }
  return out;
}

void check_dashboard_ladders(DashboardLadders& ladders, const Library& library) {
  for (DashboardLadder* l : {&ladders.smart_factory, &ladders.sme_digital}) {
    if (l->module.empty()) continue;
    const Questionnaire* q = library.find(l->module);
    if (q == nullptr) throw Error(ladders.file, l->pointer + "/module", "no questionnaire \"" + l->module + "\"");
    std::vector<std::string> ids;
    for (const auto& level : q->levels) ids.push_back(level.id);
    if (ids != l->levels) {
      throw Error(ladders.file, l->pointer + "/levels",
                  "must be the levels of \"" + l->module + "\" in order: " + (ids.empty() ? "(none)" : joined(ids)));
    }
    l->names.clear();
    for (const auto& level : q->levels) l->names.push_back(level.name);
  }
}

DashboardFacts dashboard_facts(const Json& facts, const DashboardLadders& ladders) {
  DashboardFacts f;
  const Json& flag = profile_fact(facts, "above_designated_size");
  f.above = flag.is_boolean() ? (flag.get<bool>() ? 1 : 0) : -1;
  f.sf_tier = static_cast<std::int16_t>(rung(profile_fact(facts, "smart_factory_tier"), kTiers));
  f.sf_level = static_cast<std::int16_t>(module_level(facts, ladders.smart_factory));
  f.sme_class = static_cast<std::int16_t>(rung(profile_fact(facts, "sme_quality_tier"), kSmeClasses));
  f.sme_level = static_cast<std::int16_t>(module_level(facts, ladders.sme_digital));
  const Json& rd = profile_fact(facts, "digital_rd_tools");
  f.rd_tools = rd.is_boolean() ? (rd.get<bool>() ? 1 : 0) : -1;
  const Json& cnc = profile_fact(facts, "key_process_cnc_rate");
  f.cnc_known = cnc.is_number();
  if (f.cnc_known) f.cnc = cnc.get<double>();
  f.green = static_cast<std::int16_t>(rung(profile_fact(facts, "green_factory_level"), kGreen));
  const Json& count = member(member(facts, "projects"), "count");
  if (count.is_number()) {
    const double n = count.get<double>();
    if (n >= 0 && n <= INT32_MAX && n == std::floor(n)) f.projects = static_cast<std::int32_t>(n);
  }
  return f;
}

std::vector<std::string> dashboard_fact_paths(const DashboardLadders& ladders) {
  std::vector<std::string> paths = {"profile.above_designated_size", "profile.smart_factory_tier"};
  if (!ladders.smart_factory.module.empty()) paths.push_back("results." + ladders.smart_factory.module + ".level");
  paths.emplace_back("profile.sme_quality_tier");
  if (!ladders.sme_digital.module.empty()) paths.push_back("results." + ladders.sme_digital.module + ".level");
  for (const char* p :
       {"profile.digital_rd_tools", "profile.green_factory_level", "profile.key_process_cnc_rate", "projects.count"})
    paths.emplace_back(p);
  return paths;
}

DashboardColumns::DashboardColumns(const DashboardLadders& ladders) {
  group_paths = {"profile.above_designated_size", "profile.smart_factory_tier"};
  auto ladder = [&](const DashboardLadder& l, int& present, int& level) {
    if (l.module.empty()) return;
    const std::string path = "results." + l.module;
    present = fact_column(path);
    level = fact_slot(path + ".level");
    if (present < 0 || level < 0) {
      typed = false;
      return;
    }
    group_paths.push_back(path);
    group_paths.push_back(path + ".level");
  };
  ladder(ladders.smart_factory, sf_present, sf_level);
  group_paths.emplace_back("profile.sme_quality_tier");
  ladder(ladders.sme_digital, sme_present, sme_level);
  group_paths.emplace_back("profile.digital_rd_tools");
  group_paths.emplace_back("profile.green_factory_level");
  for (const auto& p : group_paths) columns.push_back(fact_column(p));
  columns.push_back(fact_slot("profile.key_process_cnc_rate"));
  columns.push_back(fact_slot("projects.count"));
}

Json project_facts(const std::vector<Json>& projects) {
  static const std::vector<std::string> kTechnical = {"tech_transformation", "equipment", "digital_demo",
                                                      "energy_saving"};
  std::int64_t count = 0;
  Json by_kind = Json::object();
  for (const auto& p : projects) {
    const Json& kind = member(p, "kind");
    if (!kind.is_string() ||
        std::find(kTechnical.begin(), kTechnical.end(), kind.get<std::string>()) == kTechnical.end())
      continue;
    ++count;
    by_kind[kind.get<std::string>()] = by_kind.value(kind.get<std::string>(), 0) + 1;
  }
  return {{"count", count}, {"by_kind", by_kind}};
}

namespace {

// rung() and module_level() over typed values (fact_table.h columns).
int typed_rung(const logic::Typed& v, std::initializer_list<const char*> ladder) {
  if (v.kind != logic::Typed::kString) return -1;
  int i = 0;
  for (const char* id : ladder) {
    if (v.text == id) return i;
    ++i;
  }
  return -1;
}

int typed_module_level(const logic::Typed* values, int present, int level, const DashboardLadder& ladder) {
  if (present < 0 || !values[present].boolean) return -1;
  const logic::Typed& l = values[level];
  if (l.kind == logic::Typed::kNull) return 0;
  if (l.kind != logic::Typed::kString) return -1;
  const int r = rung(l.text, ladder.levels);
  return r < 0 ? -1 : r + 1;
}

}  // namespace

DashboardFacts dashboard_facts(const logic::Typed* values, const DashboardLadders& ladders,
                               const DashboardColumns& columns) {
  static const int kAbove = fact_slot("profile.above_designated_size");
  static const int kSfTier = fact_slot("profile.smart_factory_tier");
  static const int kSmeClass = fact_slot("profile.sme_quality_tier");
  static const int kRd = fact_slot("profile.digital_rd_tools");
  static const int kCnc = fact_slot("profile.key_process_cnc_rate");
  static const int kGreenLevel = fact_slot("profile.green_factory_level");
  static const int kProjects = fact_slot("projects.count");
  DashboardFacts f;
  const logic::Typed& flag = values[kAbove];
  f.above = flag.kind == logic::Typed::kBool ? (flag.boolean ? 1 : 0) : -1;
  f.sf_tier = static_cast<std::int16_t>(typed_rung(values[kSfTier], kTiers));
  f.sf_level = static_cast<std::int16_t>(
      typed_module_level(values, columns.sf_present, columns.sf_level, ladders.smart_factory));
  f.sme_class = static_cast<std::int16_t>(typed_rung(values[kSmeClass], kSmeClasses));
  f.sme_level = static_cast<std::int16_t>(
      typed_module_level(values, columns.sme_present, columns.sme_level, ladders.sme_digital));
  const logic::Typed& rd = values[kRd];
  f.rd_tools = rd.kind == logic::Typed::kBool ? (rd.boolean ? 1 : 0) : -1;
  const logic::Typed& cnc = values[kCnc];
  f.cnc_known = cnc.is_number();
  if (f.cnc_known) f.cnc = cnc.number;
  f.green = static_cast<std::int16_t>(typed_rung(values[kGreenLevel], kGreen));
  const logic::Typed& projects = values[kProjects];
  if (projects.is_number() && projects.number >= 0 && projects.number <= INT32_MAX &&
      projects.number == std::floor(projects.number))
    f.projects = static_cast<std::int32_t>(projects.number);
  return f;
}

DashboardFacts dashboard_facts(const FactRow& row, const DashboardLadders& ladders, const DashboardColumns& columns) {
  if (row.values != nullptr && (columns.typed || row.facts == nullptr))
    return dashboard_facts(row.values, ladders, columns);
  return dashboard_facts(*row.facts, ladders);
}

DashboardTally::DashboardTally(const DashboardLadders& ladders, const std::vector<DashboardTarget>& targets,
                               std::string region, const DashboardOptions& options)
    : ladders_(ladders), columns_(ladders), targets_(targets), region_(std::move(region)), options_(options) {
  sf_at_least_.assign(ladders.smart_factory.levels.size() + 1, 0);
  // SME digital level by recognition class: the pairs of the dashboard's data (锡山 二、（二）5), plus
  // any other class/level pair a target asks for.
  const std::vector<std::string>& levels = ladders.sme_digital.levels;
  for (const auto& c : ladders.sme_classes) sme_pairs_.emplace_back(c.sme_class, c.level);
  for (const auto& t : targets) {
    if (t.target.indicator != "sme_level_by_class") continue;
    const Json& rec = member(t.target.data, "recognition");
    const Json& lvl = member(t.target.data, "level");
    if (!rec.is_string() || !lvl.is_string()) continue;
    std::pair<std::string, std::string> p{class_of_target(rec.get<std::string>()), lvl.get<std::string>()};
    if (p.first.empty() || index_of(p.second, levels) < 0) continue;
    if (std::find(sme_pairs_.begin(), sme_pairs_.end(), p) == sme_pairs_.end()) sme_pairs_.push_back(p);
  }
  sme_.resize(sme_pairs_.size());
  for (std::size_t i = 0; i < sme_pairs_.size(); ++i) {
    sme_[i].class_rank = index_of(sme_pairs_[i].first, kSmeClasses);
    sme_[i].need = index_of(sme_pairs_[i].second, levels) + 1;
    sme_[i].by_level.assign(levels.size() + 1, 0);
  }
}

std::int64_t cnc_millionths(double rate) {
  // Two steps, each rounded as a database rounds them on a double column (built with
  // -ffp-contract=off: no fused multiply-add).
  const double scaled = rate * 1e6;
  return static_cast<std::int64_t>(std::floor(scaled + 0.5));
}

namespace {

bool cnc_counts(const DashboardFacts& f) {
  return f.cnc_known && std::isfinite(f.cnc) && f.cnc >= 0 && f.cnc <= 100;
}

}  // namespace

void DashboardTally::add(const DashboardFacts& f) {
  DashboardGroup one;
  one.count = 1;
  if (f.above == 1 && cnc_counts(f)) {
    one.cnc_known = 1;
    one.cnc_millionths = cnc_millionths(f.cnc);
  }
  if (f.projects >= 0) {
    one.projects_known = 1;
    one.projects = f.projects;
  }
  add_group(f, one);
}

void DashboardTally::add_group(const DashboardFacts& f, const DashboardGroup& group) {
  const auto n = static_cast<std::size_t>(group.count);
  enterprises_ += n;
  if (f.above < 0) above_unknown_ += n;
  const bool above = f.above == 1;
  if (above) {
    above_ += n;
    const int tier = options_.tier_basis == TierBasis::kRecognised ? f.sf_tier : f.sf_level;
    if (tier >= 0) {
      sf_known_ += n;
      // Rung k of the recognised tiers is level k of the ladder; a rung above its top level counts at the top.
      const int top = static_cast<int>(sf_at_least_.size()) - 1;
      for (int k = 1; k <= std::min(tier, top); ++k) sf_at_least_[static_cast<std::size_t>(k)] += n;
    }
    if (f.rd_tools >= 0) {
      rd_known_ += n;
      if (f.rd_tools == 1) rd_yes_ += n;
    }
    // The CNC mean is over 规上 firms only: a group of other firms brings no rate.
    cnc_known_ += static_cast<std::size_t>(group.cnc_known);
    cnc_millionths_ += group.cnc_millionths;
    // The digital-retrofit proxy: any of the three digital ladders known, and any of them reached.
    if (f.sme_level >= 0 || f.sf_tier >= 0 || f.sf_level >= 0) {
      digital_known_ += n;
      if (f.sme_level >= 1 || f.sf_tier >= 1 || f.sf_level >= 1) digital_yes_ += n;
    }
  }
  for (auto& s : sme_) {
    const int r = f.sme_class;
    if (options_.sme_class_includes_higher ? r < s.class_rank : r != s.class_rank) continue;
    s.members += n;
    const int l = f.sme_level;
    if (l < 0) continue;
    s.known += n;
    s.by_level[static_cast<std::size_t>(l)] += n;
    if (l >= s.need) s.yes += n;
  }
  if (f.green >= 0) {
    green_known_ += n;
    green_by_level_[f.green] += n;
  }
  projects_known_ += static_cast<std::size_t>(group.projects_known);
  projects_sum_ += group.projects;
}

Dashboard DashboardTally::result() const {
  const std::string& region = region_;
  const DashboardOptions& options = options_;
  const std::vector<DashboardTarget>& targets = targets_;
  Dashboard d;
  d.region = region;
  d.min_group = options.min_group;
  d.tier_basis = options.tier_basis;
  d.enterprises = enterprises_;
  d.above_size = above_;
  d.above_size_unknown = above_unknown_;
  const std::size_t min_group = options.min_group;

  // 1. Smart-factory tiers among 规上 enterprises (锡山 二、（二）4: 50 / 10 / 5 / 1 %), one figure per level
  // of the smart-factory ladder (policies/facts/dashboard.json).
  {
    const std::size_t known = sf_known_;
    const std::vector<std::size_t>& at_least = sf_at_least_;
    const bool recognised = options.tier_basis == TierBasis::kRecognised;
    const std::vector<std::string>& levels = ladders_.smart_factory.levels;
    const std::size_t n = levels.size();
    for (std::size_t k = 1; k <= n; ++k) {
      // The top tier has nothing above it: "at 领航级", not "at 领航级 or higher".
      const std::string top = k == n ? "_top" : "";
      const DashboardLadder& ladder = ladders_.smart_factory;
      Figure f = share("sf_tier_share/" + levels[k - 1], "sf_tier_share",
                       with_rung(say("srv_dash_sf_share" + top), "tier", ladder, k),
                       with_rung(recognised ? say("srv_dash_sf_recognised" + top)
                                            : say("srv_dash_sf_assessed" + top, {{"module", {ladder.module}}}),
                                 "tier", ladder, k),
                       at_least[k], known, above_ - known, min_group);
      if (!f.suppressed) f.breakdown = {{"at_or_above", at_least[k]}, {"basis", to_string(options.tier_basis)}};
      d.figures.push_back(std::move(f));
    }
  }

  // 2. SME digital level by recognition class.
  for (std::size_t i = 0; i < sme_pairs_.size(); ++i) {
    const auto& [cls, level] = sme_pairs_[i];
    const SmeCount& s = sme_[i];
    const int class_rank = s.class_rank;
    const auto need = static_cast<std::size_t>(s.need);  // the pair's level, 1-based
    const std::size_t members = s.members;
    const std::size_t known = s.known;
    const std::vector<std::size_t>& by_level = s.by_level;
    // 小巨人 is the top rung.
    const bool wider = options.sme_class_includes_higher && class_rank < static_cast<int>(kSmeClasses.size()) - 1;
    const std::string higher = wider ? "_wider" : "";
    // {level} is the level's id, {level_name} its rung's words (with_rung): each language takes the
    // one it writes.
    const DashboardLadder& ladder = ladders_.sme_digital;
    const std::map<std::string, std::string> names = {{"class", "srv_dash_sme_class_" + std::to_string(class_rank)}};
    Figure f =
        share("sme_level_by_class/" + cls + "/" + level, "sme_level_by_class",
              with_rung(say("srv_dash_sme_share" + higher, {{"level", {level}}}, names), "level_name", ladder, need),
              with_rung(say("srv_dash_sme_formula" + higher, {{"level", {level}}, {"module", {ladder.module}}}, names),
                        "level_name", ladder, need),
              s.yes, known, members - known, min_group);
    if (!f.suppressed) {
      // By level of the ladder: "below_<first level>", each level, and those not assessed.
      const std::vector<std::string>& levels = ladders_.sme_digital.levels;
      f.breakdown = {{"below_" + levels.front(), by_level[0]}, {"not_assessed", members - known}};
      for (std::size_t k = 0; k < levels.size(); ++k) f.breakdown[levels[k]] = by_level[k + 1];
    }
    d.figures.push_back(std::move(f));
  }

  // 3. 数字化研发设计工具普及率 (嘉兴 > 95 %, 聊城 > 92 %, 攀枝花 > 90 %): the share of 规上 firms that
  // use digital R&D design tools, as the profile's note defines it.
  d.figures.push_back(share("rd_design_tool_penetration", "rd_design_tool_penetration", say("srv_dash_rd_title"),
                            say("srv_dash_rd_formula"), rd_yes_, rd_known_, above_ - rd_known_, min_group));

  // 4. 关键工序数控化率 (嘉兴 > 90 %, 聊城 > 75 %, 攀枝花 > 75 %). The seeds do not define how a region's
  // rate is formed. We take the unweighted mean of the enterprises' own rates over 规上 firms:
  //   rate = Σ key_process_cnc_rate ÷ number of 规上 firms that answered.
  // Why: (1) the profile records a percentage per enterprise, not the counts of key processes behind
  // it, so the pooled ratio (all CNC key processes ÷ all key processes) cannot be formed; (2) each
  // target is stated for "规模以上工业企业" as a population, and the companion indicator (R&D tool
  // penetration) counts each firm once, so weighting each firm equally keeps the two comparable;
  // (3) a revenue-weighted mean would let a few large firms carry the figure. The profile's own note
  // on key_process_cnc_rate reads the indicator as an average over 规上 firms (medium confidence).
  {
    const std::size_t known = cnc_known_;
    // Millionths of a point, summed exactly: the mean is rounded once.
    const double sum = static_cast<double>(cnc_millionths_) / 1e6;
    Figure f;
    f.id = "key_process_cnc_rate";
    f.indicator = "key_process_cnc_rate";
    f.title = say("srv_dash_cnc_title");
    f.formula = say("srv_dash_cnc_formula");
    f.unit = "percent";
    f.denominator = known;
    f.unknown = above_ - known;
    f.numerator = sum;
    if (known > 0) f.value = static_cast<double>(cnc_millionths_) / (static_cast<double>(known) * 1e6);
    finish(f, min_group);
    d.figures.push_back(std::move(f));
  }

  // 5. Green factories by level (嘉兴 100+ and 聊城 55+ provincial-or-higher; 攀枝花 20+).
  {
    const std::size_t known = green_known_;
    const std::size_t* by_level = green_by_level_;
    struct Count {
      const char* id;
      int from;
      const char* title;  // catalogue key
    };
    const Count counts[] = {
        {"municipal_or_higher", 1, "srv_dash_green_municipal"},
        {"provincial_or_higher", 2, "srv_dash_green_provincial"},
        {"national", 3, "srv_dash_green_national"},
    };
    for (const auto& c : counts) {
      Figure f;
      f.id = std::string("green_factories/") + c.id;
      f.indicator = "green_factories";
      f.title = say(c.title);
      f.unit = "count";
      f.formula = say("srv_dash_green_formula");
      std::size_t n = 0;
      for (int g = c.from; g <= 3; ++g) n += by_level[g];
      f.denominator = known;
      f.unknown = enterprises_ - known;
      f.numerator = static_cast<double>(n);
      f.value = static_cast<double>(n);
      f.breakdown = {
          {"municipal", by_level[1]}, {"provincial", by_level[2]}, {"national", by_level[3]}, {"none", by_level[0]}};
      finish(f, min_group);
      d.figures.push_back(std::move(f));
    }
  }

  // Proxy for "规上工业企业数字化改造全覆盖" (锡山 一、; 聊城, 攀枝花): no fact says "retrofitted", so
  // the share of 规上 firms that reached the first rung of any digital ladder the data holds.
  {
    Figure f =
        share("digital_transformation_share/proxy", "digital_transformation_share", say("srv_dash_digital_title"),
              say("srv_dash_digital_formula"), digital_yes_, digital_known_, above_ - digital_known_, min_group);
    f.proxy = say("srv_dash_digital_proxy");
    d.figures.push_back(std::move(f));
  }

  // Proxy for the plans' technical-project counts ("每年组织推进设备更新等技术改造项目200个以上", 锡山
  // 二、（一）1; 嘉兴, 攀枝花, 昆山): the workspace holds no register of the projects a district
  // organises, only the projects enterprises list in their assessments (dashboard.h, project_facts).
  {
    Figure f;
    f.id = "tech_projects/recorded";
    f.indicator = "tech_projects";
    f.title = say("srv_dash_projects_title");
    f.unit = "count";
    f.formula = say("srv_dash_projects_formula");
    f.denominator = projects_known_;
    f.unknown = enterprises_ - projects_known_;
    f.numerator = static_cast<double>(projects_sum_);
    f.value = static_cast<double>(projects_sum_);
    finish(f, min_group);
    f.proxy = say("srv_dash_projects_proxy");
    d.figures.push_back(std::move(f));
  }

  // Targets: each measurable one next to its figure; the others of related jurisdictions listed as
  // not measured, with the reason.
  for (const auto& t : targets) {
    TargetCheck check = check_of(t, region);
    const std::string& ind = t.target.indicator;
    std::string figure_id;
    if (ind == "sf_tier_share") {
      const Json& tier = member(t.target.data, "tier");
      if (tier.is_string()) figure_id = "sf_tier_share/" + tier.get<std::string>();
    } else if (ind == "sme_level_by_class") {
      const Json& rec = member(t.target.data, "recognition");
      const Json& lvl = member(t.target.data, "level");
      if (rec.is_string() && lvl.is_string()) {
        figure_id = "sme_level_by_class/" + class_of_target(rec.get<std::string>()) + "/" + lvl.get<std::string>();
      }
    } else if (ind == "rd_design_tool_penetration" || ind == "key_process_cnc_rate") {
      figure_id = ind;
    } else if (ind == "green_factories") {
      figure_id = "green_factories/" + green_scope(t.target);
    } else if (ind == "digital_transformation_share") {
      figure_id = "digital_transformation_share/proxy";
    } else if (ind == "tech_projects") {
      figure_id = "tech_projects/recorded";
    }
    auto figure = std::find_if(d.figures.begin(), d.figures.end(), [&](const Figure& f) { return f.id == figure_id; });
    if (figure == d.figures.end()) {
      if (check.relation == "other") continue;
      Phrase reason;
      if (ind == "digital_transformation_share") {
        reason = say("srv_dash_no_retrofit_fact");
      } else if (figure_id.empty() || ind == "other") {
        reason = say("srv_dash_not_collected");
      } else {
        reason = say("srv_dash_no_figure", {{"figure", {figure_id}}});
      }
      d.not_measured.push_back({std::move(check), std::move(reason)});
      continue;
    }
    if (!figure->proxy.empty()) {
      check.note = say("srv_dash_note_proxy");
    } else if (figure->suppressed) {
      check.note = say("srv_dash_note_withheld");
    } else if (!figure->value || !check.value) {
      check.note = say("srv_dash_note_no_number");
    } else {
      check.met = judge(*figure->value, check.comparator, *check.value);
      if (!check.met) check.note = say("srv_dash_note_approximate");
    }
    if (figure->unit == "count" && check.met.has_value() && !*check.met) check.note = say("srv_dash_note_count_only");
    if (check.relation == "other") {
      Phrase both{"", {}, {}, {}, "srv_dash_note_sep"};
      if (!check.note.empty()) both.items.push_back(std::move(check.note));
      both.items.push_back(say("srv_dash_note_other"));
      check.note = std::move(both);
    }
    figure->targets.push_back(std::move(check));
  }
  return d;
}

Dashboard dashboard(const std::vector<Candidate>& candidates, const DashboardLadders& ladders,
                    const std::vector<DashboardTarget>& targets, const std::string& region,
                    const DashboardOptions& options) {
  DashboardTally tally(ladders, targets, region, options);
  for (const auto& c : candidates) {
    if (!region_within(region_of(c.facts), region)) continue;
    tally.add(dashboard_facts(c.facts, ladders));
  }
  return tally.result();
}

Dashboard dashboard_rows(const FactRowSource& source, const DashboardLadders& ladders,
                         const std::vector<DashboardTarget>& targets, const std::string& region,
                         const DashboardOptions& options) {
  DashboardTally tally(ladders, targets, region, options);
  const DashboardColumns& columns = tally.columns();
  FactQuery query;
  query.region = region_prefix(region);
  // A ladder without a typed column: every row is read from its JSON facts.
  query.want_json = !columns.typed;
  source(query, [&](const FactRow& row) {
    static const int kRegion = fact_slot("region");
    if (row.values != nullptr && (columns.typed || row.facts == nullptr)) {
      const logic::Typed& r = row.values[kRegion];
      if (!region_within(r.kind == logic::Typed::kString ? std::string(r.text) : std::string(), region)) return;
      tally.add(dashboard_facts(row.values, ladders, columns));
    } else {
      if (!region_within(region_of(*row.facts), region)) return;
      tally.add(dashboard_facts(*row.facts, ladders));
    }
  });
  return tally.result();
}

Dashboard dashboard_groups(const DashboardGroupSource& source, const DashboardLadders& ladders,
                           const std::vector<DashboardTarget>& targets, const std::string& region,
                           const DashboardOptions& options) {
  DashboardTally tally(ladders, targets, region, options);
  const DashboardColumns& columns = tally.columns();
  FactQuery query;
  query.region = region_prefix(region);
  source(query, [&](const DashboardGroup& group) {
    if (group.facts != nullptr) {
      // An untyped row (or any row, when a ladder has no typed column), read from its JSON as
      // dashboard_rows() reads it.
      if (region_within(region_of(*group.facts), region)) tally.add(dashboard_facts(*group.facts, ladders));
      return;
    }
    if (group.row) {
      tally.add(dashboard_facts(group.values, ladders, columns));
      return;
    }
    DashboardFacts f = dashboard_facts(group.values, ladders, columns);
    f.cnc_known = false;
    f.projects = -1;
    tally.add_group(f, group);
  });
  return tally.result();
}

// ---------------------------------------------------------------------------------------------
// Peer benchmark

namespace {

std::string division_of(const Json& facts) {
  const Json& industry = profile_fact(facts, "industry");
  if (!industry.is_string()) return "";
  std::string s = industry.get<std::string>();
  if (!s.empty() && s[0] == 'C') s.erase(0, 1);
  if (s.size() < 2 || !std::isdigit(static_cast<unsigned char>(s[0])) ||
      !std::isdigit(static_cast<unsigned char>(s[1])))
    return "";
  return s.substr(0, 2);
}

std::string size_of(const Json& facts) {
  const Json& v = profile_fact(facts, "size_class");
  return v.is_string() ? v.get<std::string>() : "";
}

std::optional<double> total_of(const Json& facts, const std::string& module) {
  const Json& results = member(facts, "results");
  if (!results.is_object()) return std::nullopt;
  auto it = results.find(module);
  if (it == results.end()) return std::nullopt;
  const Json& total = member(*it, "total");
  if (!total.is_number()) return std::nullopt;
  const double v = total.get<double>();
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

}  // namespace

namespace {

PeerBenchmark withheld(PeerBenchmark& p, Phrase reason) {
  p.suppressed = true;
  p.reason = std::move(reason);
  p.percentile.reset();
  return p;
}

// The percentile withheld before any peer is counted: no result, no division, no size class.
std::optional<PeerBenchmark> without_peer_group(PeerBenchmark& p) {
  if (!p.total) return withheld(p, say("srv_peer_no_result", {{"module", {p.module}}}));
  if (p.division.size() != 2) return withheld(p, say("srv_peer_no_division"));
  if (p.size_class.empty()) return withheld(p, say("srv_peer_no_size"));
  return std::nullopt;
}

}  // namespace

PeerBenchmark percentile(const std::vector<Candidate>& candidates, const std::string& enterprise,
                         const std::string& module, const std::string& division, const std::string& size_class,
                         const std::string& region, std::size_t min_group) {
  auto self =
      std::find_if(candidates.begin(), candidates.end(), [&](const Candidate& c) { return c.id == enterprise; });
  if (self == candidates.end()) throw Error("", "", "no enterprise \"" + enterprise + "\"", ErrorKind::kNotFound);
  PeerBenchmark p;
  p.enterprise = enterprise;
  p.module = module;
  p.division = division.empty() ? division_of(self->facts) : (division[0] == 'C' ? division.substr(1) : division);
  p.size_class = size_class.empty() ? size_of(self->facts) : size_class;
  p.total = total_of(self->facts, module);
  auto withhold = [&](Phrase reason) { return withheld(p, std::move(reason)); };
  if (auto missing = without_peer_group(p)) return *missing;

  // Totals are compared at 6 decimals, as in the ranking.
  const double mine = std::nearbyint(*p.total * 1e6);
  for (const auto& c : candidates) {
    if (!region.empty() && !region_within(region_of(c.facts), region)) continue;
    if (division_of(c.facts) != p.division || size_of(c.facts) != p.size_class) continue;
    const auto t = total_of(c.facts, module);
    if (!t) continue;
    ++p.group_size;
    const double q = std::nearbyint(*t * 1e6);
    if (q < mine) ++p.below;
    if (q == mine) ++p.same;
  }
  if (p.group_size < min_group) {
    return withhold(say("srv_peer_too_few", {{"division", {p.division}},
                                             {"size", {p.size_class}},
                                             {"min", {std::to_string(min_group)}},
                                             {"n", {std::to_string(p.group_size)}}}));
  }
  p.percentile =
      100.0 * (static_cast<double>(p.below) + 0.5 * static_cast<double>(p.same)) / static_cast<double>(p.group_size);
  return p;
}

PeerBenchmark percentile_of(const std::string& enterprise, const Json& facts, const std::string& module,
                            const PeerCounter& peers, std::size_t min_group) {
  PeerBenchmark p;
  p.enterprise = enterprise;
  p.module = module;
  p.division = division_of(facts);
  p.size_class = size_of(facts);
  p.total = total_of(facts, module);
  auto withhold = [&](Phrase reason) { return withheld(p, std::move(reason)); };
  if (auto missing = without_peer_group(p)) return *missing;
  const auto mine = static_cast<std::int64_t>(std::nearbyint(*p.total * 1e6));
  const PeerCounts counts = peers(p.division, p.size_class, mine);
  // The enterprise itself is in its group, level with itself.
  p.group_size = counts.group + 1;
  p.below = counts.below;
  p.same = counts.same + 1;
  if (p.group_size < min_group) {
    return withhold(say("srv_peer_too_few", {{"division", {p.division}},
                                             {"size", {p.size_class}},
                                             {"min", {std::to_string(min_group)}},
                                             {"n", {std::to_string(p.group_size)}}}));
  }
  p.percentile =
      100.0 * (static_cast<double>(p.below) + 0.5 * static_cast<double>(p.same)) / static_cast<double>(p.group_size);
  return p;
}

// ---------------------------------------------------------------------------------------------
// JSON

namespace {

Json optional_json(const std::optional<double>& v) {
  return v ? Json(*v) : Json();
}
Json optional_json(const std::optional<bool>& v) {
  return v ? Json(*v) : Json();
}

Json target_json(const TargetCheck& c, const std::string& lang, const Words& words) {
  Json j = {{"id", c.id},
            {"title", c.title.in(lang)},
            {"document", c.document},
            {"document_title", c.document_title.in(lang)},
            {"number", c.number},
            {"jurisdiction", c.jurisdiction},
            {"draft", c.draft},
            {"relation", c.relation},
            {"cite", c.cite},
            {"quote", c.quote},
            {"comparator", c.comparator},
            {"target", optional_json(c.value)},
            {"unit", c.unit},
            {"by", c.by},
            {"met", optional_json(c.met)}};
  if (!c.note.empty()) j["note"] = c.note.in(lang, words);
  return j;
}

}  // namespace

Json dashboard_to_json(const Dashboard& d, const std::string& lang, const Words& words) {
  Json figures = Json::array();
  for (const auto& f : d.figures) {
    Json targets = Json::array();
    for (const auto& t : f.targets) targets.push_back(target_json(t, lang, words));
    Json j = {{"id", f.id},
              {"indicator", f.indicator},
              {"title", f.title.in(lang, words)},
              {"unit", f.unit},
              {"value", optional_json(f.value)},
              {"numerator", optional_json(f.numerator)},
              {"denominator", f.denominator},
              {"unknown", f.unknown},
              {"suppressed", f.suppressed},
              {"formula", f.formula.in(lang, words)},
              {"breakdown", f.breakdown},
              {"proxy", f.proxy.in(lang, words)},
              {"targets", targets}};
    if (f.suppressed) j["reason"] = f.reason.in(lang, words);
    figures.push_back(std::move(j));
  }
  Json not_measured = Json::array();
  for (const auto& n : d.not_measured) {
    Json j = target_json(n.target, lang, words);
    j["reason"] = n.reason.in(lang, words);
    not_measured.push_back(std::move(j));
  }
  return {{"region", d.region},           {"min_group", d.min_group},    {"tier_basis", to_string(d.tier_basis)},
          {"enterprises", d.enterprises}, {"above_size", d.above_size},  {"above_size_unknown", d.above_size_unknown},
          {"figures", figures},           {"not_measured", not_measured}};
}

const char* to_string(TrendState state) {
  switch (state) {
    case TrendState::kReached:
      return "reached";
    case TrendState::kYear:
      return "year";
    case TrendState::kNever:
      return "never";
    case TrendState::kUnknown:
      break;
  }
  return "unknown";
}

Trend trend_to_target(std::vector<YearValue> points, double target, const std::string& comparator) {
  std::erase_if(points, [](const YearValue& p) { return !p.value; });
  std::stable_sort(points.begin(), points.end(),
                   [](const YearValue& a, const YearValue& b) { return a.year < b.year; });
  Trend t;
  if (points.size() < 2) return t;
  const YearValue& a = points[points.size() - 2];
  const YearValue& b = points.back();
  if (a.year == b.year) return t;
  t.pace = (*b.value - *a.value) / (b.year - a.year);
  const bool ceiling = comparator.rfind('<', 0) == 0;
  // Signed distance still to go, positive while the target is not met.
  const double to_go = ceiling ? *b.value - target : target - *b.value;
  const double towards = ceiling ? -t.pace : t.pace;
  if (to_go <= 0) {
    t.state = TrendState::kReached;
  } else if (towards > 0) {
    t.state = TrendState::kYear;
    t.year = b.year + static_cast<int>(std::ceil(to_go / towards - 1e-9));
  } else {
    t.state = TrendState::kNever;
  }
  return t;
}

Json peer_to_json(const PeerBenchmark& p, const std::string& lang, const Words& words) {
  Json j = {{"enterprise", p.enterprise},
            {"module", p.module},
            {"division", p.division},
            {"size_class", p.size_class},
            {"total", optional_json(p.total)},
            {"group_size", p.group_size},
            {"below", p.below},
            {"same", p.same},
            {"percentile", optional_json(p.percentile)},
            {"suppressed", p.suppressed}};
  if (p.suppressed) j["reason"] = p.reason.in(lang, words);
  return j;
}

}  // namespace assess
