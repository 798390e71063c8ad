#include "scoring/report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "scoring/dashboard.h"
#include "scoring/explain.h"
#include "scoring/gap.h"
#include "scoring/summary.h"

namespace assess {

std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

std::string fixed(double v, int decimals) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  return buffer;
}

// Cuts a label to `n` characters (UTF-8 aware) so that chart labels stay on the chart.
std::string clip(const std::string& s, std::size_t n) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (chars == n) return s.substr(0, i) + "…";
      ++chars;
    }
  }
  return s;
}

}  // namespace

std::string radar_svg(const std::vector<std::string>& labels, const std::vector<double>& shares) {
  const std::size_t n = labels.size();
  std::ostringstream svg;
  // Room on both sides for a label of 10 characters and its share (about 125 units at 10 px) next to
  // the leftmost and rightmost axes (x = 57 and 303), so no label is cut by the figure's edge.
  svg << R"(<svg class="radar" viewBox="-100 -5 560 310" role="img">)";
  if (n < 3) {
    // A radar needs three axes; fewer are drawn as bars.
    svg << "</svg>";
    return bars_svg(labels, shares, 1.0);
  }
  const double cx = 180, cy = 150, radius = 105, pi = 3.14159265358979;
  auto point = [&](std::size_t i, double r) {
    const double a = -pi / 2 + 2 * pi * static_cast<double>(i) / static_cast<double>(n);
    return std::pair<double, double>{cx + r * std::cos(a), cy + r * std::sin(a)};
  };
  for (int ring = 1; ring <= 4; ++ring) {
    svg << R"(<polygon class="grid" points=")";
    for (std::size_t i = 0; i < n; ++i) {
      auto [x, y] = point(i, radius * ring / 4.0);
      svg << fixed(x, 1) << ',' << fixed(y, 1) << ' ';
    }
    svg << R"("/>)";
  }
  for (std::size_t i = 0; i < n; ++i) {
    auto [x, y] = point(i, radius);
    svg << R"(<line class="axis" x1=")" << fixed(cx, 1) << R"(" y1=")" << fixed(cy, 1) << R"(" x2=")" << fixed(x, 1)
        << R"(" y2=")" << fixed(y, 1) << R"("/>)";
  }
  svg << R"(<polygon class="value" points=")";
  for (std::size_t i = 0; i < n; ++i) {
    auto [x, y] = point(i, radius * std::clamp(shares[i], 0.0, 1.0));
    svg << fixed(x, 1) << ',' << fixed(y, 1) << ' ';
  }
  svg << R"("/>)";
  for (std::size_t i = 0; i < n; ++i) {
    auto [x, y] = point(i, radius + 18);
    const char* anchor = x < cx - 5 ? "end" : (x > cx + 5 ? "start" : "middle");
    svg << R"(<text x=")" << fixed(x, 1) << R"(" y=")" << fixed(y + 4, 1) << R"(" text-anchor=")" << anchor << R"(">)"
        << xml_escape(clip(labels[i], 10)) << " " << fixed(shares[i] * 100, 0) << "%</text>";
  }
  svg << "</svg>";
  return svg.str();
}

std::string bars_svg(const std::vector<std::string>& labels, const std::vector<double>& values, double max) {
  const double row = 18;
  const double height = row * static_cast<double>(labels.size()) + 10;
  std::ostringstream svg;
  svg << R"(<svg class="bars" viewBox="0 0 520 )" << fixed(height, 0) << R"(" role="img">)";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const double y = 5 + row * static_cast<double>(i);
    const double share = max > 0 ? std::clamp(values[i] / max, 0.0, 1.0) : 0;
    svg << R"(<text x="0" y=")" << fixed(y + 12, 1) << R"(">)" << xml_escape(clip(labels[i], 12)) << "</text>";
    svg << R"(<rect class="track" x="170" y=")" << fixed(y + 3, 1) << R"(" width="300" height="11"/>)";
    svg << R"(<rect class="fill" x="170" y=")" << fixed(y + 3, 1) << R"(" width=")" << fixed(300 * share, 1)
        << R"(" height="11"/>)";
    svg << R"(<text x="478" y=")" << fixed(y + 12, 1) << R"(">)" << xml_escape(format_number(values[i])) << "</text>";
  }
  svg << "</svg>";
  return svg.str();
}

namespace {

std::string answer_text(const Question& q, const Answer& a, const std::string& lang, const Words& words) {
  if (a.not_applicable) return words("srv_not_applicable");
  if (!a.present) return "—";
  switch (q.type) {
    case QuestionType::kSingle:
    case QuestionType::kLadder:
    case QuestionType::kYesNo: {
      std::string out;
      for (int i : a.selected) out += q.options[static_cast<std::size_t>(i)].label_in(lang, words);
      return out;
    }
    case QuestionType::kMulti: {
      std::string out;
      for (int i : a.selected)
        out += (out.empty() ? "" : "；") + q.options[static_cast<std::size_t>(i)].label_in(lang, words);
      return out;
    }
    case QuestionType::kNumber:
    case QuestionType::kPercent:
    case QuestionType::kBand:
      return format_number(a.number) + (q.unit.empty() ? "" : " " + q.unit);
    default:
      return a.value.is_string() ? a.value.get<std::string>() : a.value.dump();
  }
}

std::string level_name(const Questionnaire& q, int level, const std::string& lang, const Words& words) {
  return level < 0 ? q.below_name(lang, words) : q.levels[static_cast<std::size_t>(level)].name.in(lang);
}

std::string options_label(const Question& q, const std::vector<int>& options, const std::string& lang,
                          const Words& words) {
  if (options.empty()) return words("srv_unanswered");
  std::string out;
  for (int i : options) out += (out.empty() ? "" : "；") + q.options[static_cast<std::size_t>(i)].label_in(lang, words);
  return out;
}

// What an uncertain item is called on the page: its title, never its id (users do not see ids).
std::string uncertain_title(const Json& explained, const Json& u) {
  const std::string kind = u.value("kind", std::string());
  const std::string id = u.value("id", std::string());
  auto from = [&](const char* list) -> std::string {
    if (!explained.contains(list)) return id;
    for (const auto& item : explained.at(list)) {
      if (item.value("id", std::string()) == id && item.contains("title") && item["title"].is_string()) {
        return item["title"].get<std::string>();
      }
    }
    return id;
  };
  if (kind == "question") return from("questions");
  if (kind == "section") return from("sections");
  if (kind == "computed") return from("computed");
  if (kind == "derived") return from("derived");
  if (!explained.contains("levels")) return id;
  for (const auto& level : explained.at("levels")) {
    const std::string name =
        level.contains("name") && level.at("name").is_string() ? level.at("name").get<std::string>() : id;
    if (kind == "level" && level.value("id", std::string()) == id) return name;
    if (!level.contains("requirements")) continue;
    for (const auto& r : level.at("requirements")) {
      if (r.value("id", std::string()) == id) return name + "：" + r.value("title", id);
    }
  }
  return id;
}

// What the page lists across modules, filled module by module.
struct Parts {
  Json versions = Json::array();
  Json modules = Json::array();
  Json steps_all = Json::array();  // every module's improvements, for the three best next steps
  Json badges = Json::array();
  Json evidence = Json::array();
  Json uncertain = Json::array();
  Json appendix = Json::array();
  // Citations of other places' documents leave the body for the appendix (issue 14, item 13).
  Json elsewhere = Json::array();
};

// What every part of the view reads.
struct Inputs {
  const AssessmentResult& assessment;
  const RewardsResult* rewards;
  const Catalogue* catalogue;
  const ReportOptions& options;
  const std::string& lang;
  const Words& words;
  std::string region;  // the enterprise's region code ("" when the profile does not give it)
  Json facts;          // enterprise_facts, when the peer group or the rewards read them
};

// Enterprise facts from the profile module, when there is one.
Json enterprise_view(const AssessmentResult& assessment, const ReportOptions& options) {
  Json enterprise = {{"name", assessment.meta.value("enterprise", "")}};
  if (auto it = assessment.modules.find("profile"); it != assessment.modules.end()) {
    const ModuleResult& m = it->second;
    const Questionnaire& q = *m.questionnaire;
    auto value = [&](const std::string& id) -> std::string {
      const int qi = q.question_index(id);
      if (qi < 0) return "";
      const Answer& a = m.answers.answers[static_cast<std::size_t>(qi)];
      return a.present && a.value.is_string() ? a.value.get<std::string>() : "";
    };
    if (!value("name").empty()) enterprise["name"] = value("name");
    enterprise["uscc"] = value("uscc");
    enterprise["region_code"] = value("region");
    enterprise["industry"] = value("industry");
    std::string region_name;
    if (options.regions) {
      for (const auto& code : options.regions->ancestry(value("region"))) {
        if (code == "100000") continue;
        const Code* c = options.regions->find(code);
        region_name = c->name + (region_name.empty() ? "" : " " + region_name);
      }
    }
    enterprise["region_name"] = region_name;
    const int size = q.computed_index("size_class");
    if (size >= 0 && m.result.computed[static_cast<std::size_t>(size)].is_string()) {
      enterprise["size_class"] = m.result.computed[static_cast<std::size_t>(size)];
    }
  }
  return enterprise;
}

// The module's answers for the appendix, and those that carry points or evidence for the evidence table.
void add_answers(Parts& parts, const Questionnaire& q, const ModuleResult& m, const std::string& lang,
                 const Words& words) {
  Json answers = Json::array();
  for (std::size_t qi = 0; qi < q.questions.size(); ++qi) {
    const Question& question = q.questions[qi];
    const Answer& a = m.answers.answers[qi];
    const QuestionResult& qr = m.result.questions[qi];
    if (!qr.visible && !a.present) continue;
    Json row = {
        {"id", question.id},
        {"title", question.title.in(lang)},
        {"answer", answer_text(question, a, lang, words)},
        {"points", question.scored() && qr.counts ? format_number(qr.points) + " / " + format_number(qr.max) : ""}};
    row["grade_key"] = to_string(a.grade());
    row["cite"] = question.provenance.cite;
    if (a.note.rfind("crosswalk:", 0) == 0) row["from_crosswalk"] = a.note.substr(10);
    answers.push_back(std::move(row));
    if (a.present && (question.scored() || !question.evidence.empty())) {
      parts.evidence.push_back({{"module", q.title.in(lang)},
                                {"question", question.title.in(lang)},
                                {"answer", answer_text(question, a, lang, words)},
                                {"grade_key", to_string(a.grade())},
                                {"files", a.evidence.size()}});
    }
  }
  if (q.id != "profile" || !answers.empty()) {
    Json part = {{"module", q.title.in(lang)}};
    part["answers"] = std::move(answers);
    parts.appendix.push_back(std::move(part));
  }
}

// Where the enterprise stands among its peers (industry division and size class) on module `q`;
// null without a USCC.
Json peer_view(const Inputs& in, const Questionnaire& q) {
  const ReportOptions& options = in.options;
  const Json& facts = in.facts;
  const std::string& lang = in.lang;
  const Words& words = in.words;
  // The enterprise itself joins the peer list under its USCC (replacing an imported record).
  const std::string uscc = facts["profile"].value("uscc", std::string());
  if (!uscc.empty()) {
    PeerBenchmark peer;
    if (options.peer_counts) {
      peer = percentile_of(uscc, facts, q.id,
                           [&](const std::string& division, const std::string& size_class, std::int64_t total_q) {
                             return options.peer_counts(q.id, division, size_class, total_q, uscc);
                           });
    } else {
      std::vector<Candidate> group;
      for (const auto& candidate : *options.peers) {
        if (candidate.id != uscc) group.push_back(candidate);
      }
      group.push_back({uscc, facts["profile"].value("name", uscc), facts});
      peer = percentile(group, uscc, q.id);
    }
    Json pj = {{"division", peer.division},
               {"size_class", peer.size_class},
               {"group", peer.group_size},
               {"suppressed", peer.suppressed},
               {"reason", peer.reason.in(lang, words)}};
    if (peer.percentile) pj["percentile"] = format_number(std::round(*peer.percentile * 10) / 10);
    return pj;
  }
  return nullptr;
}

// The next level of a module: its requirements, the plan that reaches it, and what it unlocks.
Json next_level_view(const Inputs& in, const std::string& id, const ModuleResult& m, int next, Json& steps_all) {
  const ReportOptions& options = in.options;
  const AssessmentResult& assessment = in.assessment;
  const Questionnaire& q = *m.questionnaire;
  const std::string& lang = in.lang;
  const Words& words = in.words;
  std::shared_ptr<const GapResult> kept = options.gap ? options.gap(id, next) : nullptr;
  if (!kept) {
    GapOptions gap_options;
    gap_options.max_nodes = options.max_gap_nodes;
    kept = std::make_shared<const GapResult>(find_gap(q, m.answers, next, gap_options));
  }
  const GapResult& gap = *kept;
  Json requirements = Json::array();
  const Level& level = q.levels[static_cast<std::size_t>(next)];
  for (std::size_t ri = 0; ri < level.requirements.size(); ++ri) {
    const Requirement& req = level.requirements[ri];
    const RequirementResult& rr = m.result.levels.requirements[static_cast<std::size_t>(next)][ri];
    requirements.push_back(
        {{"title", req.title.in(lang)},
         {"met", rr.met},
         {"actual", req.kind == RequirementKind::kLogic ? (rr.met ? "✔" : "✘") : format_number(rr.actual)},
         {"needed", req.kind == RequirementKind::kLogic
                        ? ""
                        : std::string(to_string(req.comparison)) + " " + format_number(req.threshold)},
         {"cite", req.provenance.cite},
         {"uncertain", !req.provenance.confidence.empty() && req.provenance.confidence != "high" &&
                           req.provenance.confidence != "confirmed"}});
  }
  Json improvements = Json::array();
  const double before = m.result.sections[0].score;
  const double after = gap.after.sections[0].score;
  std::vector<double> effects;
  for (const auto& imp : gap.improvements) effects.push_back(imp.total_gained);
  const std::vector<std::string> shown_effects = format_parts(effects, before, after);
  for (std::size_t ii = 0; ii < gap.improvements.size(); ++ii) {
    const Improvement& imp = gap.improvements[ii];
    const Question& question = q.questions[static_cast<std::size_t>(imp.question)];
    Json row = {{"title", question.title.in(lang)},
                {"from", options_label(question, imp.from, lang, words)},
                {"to", options_label(question, imp.to, lang, words)},
                {"points", format_number(imp.points_gained)},
                {"total_points", shown_effects[ii]},
                {"steps", imp.steps},
                {"cite", question.provenance.cite},
                {"module", q.title.in(lang)}};
    steps_all.push_back(row);
    improvements.push_back(std::move(row));
  }
  Json unlocks = Json::array();
  if (in.rewards && in.catalogue) {
    // What the next level is worth: rules whose outcome improves at that level.
    for (const auto& o : rewards_unlocked(*in.catalogue, in.facts, assessment.projects,
                                          assessment.meta.value("date", std::string("2026-01-01")), q.id, level.id)) {
      Json u = {{"title", o.rule->title.in(lang)},
                {"cite", o.document->title.in(lang) + " " + o.rule->cite},
                {"draft", o.document->draft}};
      u["amount"] = amount_display(o.amount, lang, words);
      u["unlock"] = unlock_text(o, lang, words);
      u["has_unlock"] = !o.apply_for.zh.empty();
      u["money"] = o.amount.shape != AmountShape::kNone;
      unlocks.push_back(std::move(u));
    }
  }
  Json view = {{"level_name", level.name.in(lang)},
               {"reachable", gap.reachable},
               {"proven", gap.proven_minimal},
               {"steps", gap.steps},
               {"lower_bound", gap.lower_bound_steps},
               {"points", format_parts({after - before}, before, after)[0]},
               {"total_before", format_number(before)},
               {"total_after", format_number(after)},
               {"level_after", level_name(q, gap.after.levels.level, lang, words)},
               {"has_unlocks", !unlocks.empty()}};
  view["requirements"] = std::move(requirements);
  view["improvements"] = std::move(improvements);
  view["unlocks"] = std::move(unlocks);
  return view;
}

// One module's part of the page.
void add_module(Parts& parts, const Inputs& in, const std::string& id) {
  const ReportOptions& options = in.options;
  const std::string& lang = in.lang;
  const Words& words = in.words;
  const ModuleResult& m = in.assessment.modules.at(id);
  const Questionnaire& q = *m.questionnaire;
  parts.versions.push_back(
      {{"id", q.id}, {"title", q.title.in(lang)}, {"version", q.version}, {"hash", q.content_hash.substr(7, 12)}});
  add_answers(parts, q, m, lang, words);
  if (q.levels.empty()) return;  // the profile: facts only

  std::shared_ptr<const Json> kept_explained = options.explained ? options.explained(id) : nullptr;
  if (!kept_explained)
    kept_explained = std::make_shared<const Json>(explain_score(q, m.answers, m.result, lang, words));
  const Json& explained = *kept_explained;
  for (const auto& u : explained["uncertain"]) {
    Json row = u;
    row["module"] = q.title.in(lang);
    row["title"] = uncertain_title(explained, u);
    if (!row.contains("note")) row["note"] = "";
    parts.uncertain.push_back(std::move(row));
  }
  // Radar over the top-level scored sections, as shares of their maximum.
  std::vector<std::string> labels;
  std::vector<double> shares;
  std::vector<std::string> bar_labels;
  std::vector<double> bar_values;
  double bar_max = 0;
  for (const auto& child : q.sections[0].children) {
    if (!child.is_section) continue;
    const Section& s = q.sections[static_cast<std::size_t>(child.index)];
    const SectionResult& sr = m.result.sections[static_cast<std::size_t>(child.index)];
    if (!sr.applicable || sr.max <= 0) continue;
    labels.push_back(s.title.in(lang));
    shares.push_back(sr.score / sr.max);
  }
  // Bars: ladder questions (scenes, scenarios) by their level.
  for (std::size_t qi = 0; qi < q.questions.size(); ++qi) {
    const Question& question = q.questions[qi];
    if (question.type != QuestionType::kLadder || !m.result.questions[qi].visible) continue;
    const Answer& a = m.answers.answers[qi];
    bar_labels.push_back(question.title.in(lang));
    bar_values.push_back(a.selected.empty() ? 0 : question.options[static_cast<std::size_t>(a.selected[0])].level);
    bar_max = std::max(bar_max, static_cast<double>(question.options.size() - 1));
  }
  Json module = {{"id", q.id},
                 {"title", q.title.in(lang)},
                 {"level_name", level_name(q, m.result.levels.level, lang, words)},
                 {"reached", m.result.levels.level >= 0},
                 {"total", format_number(m.result.sections[0].score)},
                 {"max", format_number(m.result.sections[0].max)},
                 {"max_hidden", explained["total"]["hidden_scored_questions"]},
                 {"has_max_hidden", explained["total"]["hidden_scored_questions"].get<int>() > 0},
                 {"radar_svg", labels.empty() ? "" : radar_svg(labels, shares)},
                 {"has_radar", !labels.empty()},
                 {"bars_svg", bar_labels.empty() ? "" : bars_svg(bar_labels, bar_values, bar_max)},
                 {"has_bars", !bar_labels.empty()},
                 {"indicative", q.indicative}};
  parts.badges.push_back({{"title", q.title.in(lang)},
                          {"level_name", module["level_name"]},
                          {"reached", module["reached"]},
                          {"total", module["total"]},
                          {"max", module["max"]}});
  Json sections = Json::array();
  for (const auto& s : explained["sections"]) {
    if (s["parent"] != q.id) continue;
    sections.push_back({{"title", s["title"]},
                        {"score", s["applicable"].get<bool>() ? format_number(s["score"].get<double>()) : "—"},
                        {"max", format_number(s["max"].get<double>())},
                        {"aggregation", s["aggregation"]},
                        {"scored", s["scored"]}});
  }
  module["sections"] = std::move(sections);
  Json derived = Json::array();
  for (const auto& d : explained["derived"]) {
    if (options.regions && names_place_elsewhere(d.value("cite", ""), *options.regions, in.region)) {
      parts.elsewhere.push_back(
          {{"title", d.value("title", d["id"].get<std::string>())}, {"cite", d.value("cite", "")}});
      continue;
    }
    std::string value;
    if (d.contains("met")) {
      value = words(d["met"].get<bool>() ? "srv_met" : "srv_not_met");
    } else {
      value = d["value"].is_string() ? d["value"].get<std::string>() : d["value"].dump();
    }
    derived.push_back(
        {{"title", d.value("title", d["id"].get<std::string>())},
         {"value", value},
         {"cite", d.value("cite", "")},
         {"uncertain", d.contains("confidence") && d["confidence"] != "high" && d["confidence"] != "confirmed"}});
  }
  module["has_derived"] = !derived.empty();
  module["derived"] = std::move(derived);
  if (options.peers || options.peer_counts) {
    Json peer = peer_view(in, q);
    if (!peer.is_null()) module["peer"] = std::move(peer);
  }
  const int next = m.result.levels.level + 1;
  if (next < static_cast<int>(q.levels.size())) module["next"] = next_level_view(in, id, m, next, parts.steps_all);
  Json crosswalk = Json::array();
  for (const auto& f : m.filled) {
    const int qi = q.question_index(f.question);
    crosswalk.push_back({{"question", q.questions[static_cast<std::size_t>(qi)].title.in(lang)},
                         {"link", f.link},
                         {"value", f.value.is_string() ? f.value.get<std::string>() : f.value.dump()}});
  }
  module["has_crosswalk"] = !crosswalk.empty();
  module["crosswalk"] = std::move(crosswalk);
  parts.modules.push_back(std::move(module));
}

// The documents that cover the enterprise, and the reward rows it is or may become eligible for.
void add_policies(Json& view, const Inputs& in, Parts& parts) {
  const RewardsResult* rewards = in.rewards;
  const Catalogue* catalogue = in.catalogue;
  const std::string& lang = in.lang;
  const Words& words = in.words;
  const std::string& region = in.region;
  Json reward_rows = Json::array();
  Json policy_docs = Json::array();
  Json other_docs = Json::array();
  Json all_docs = Json::array();
  // The restatement a rule cites, named by its document's title, when that document covers the
  // enterprise; another place's document is not cited in the body.
  std::map<std::string, std::string> covering;
  if (catalogue) {
    for (const auto& s : documents_in_scope(*catalogue, region)) {
      const PolicyDocument& d = *s.document;
      Json doc = {{"title", d.title.in(lang)},        {"number", d.number}, {"draft", d.draft},
                  {"through_rules", s.through_rules}, {"covers", s.covers}, {"hash", d.content_hash.substr(7, 12)}};
      all_docs.push_back(doc);
      if (s.covers) {
        covering[d.id] = d.title.in(lang);
      } else {
        other_docs.push_back(doc);
      }
    }
  }
  if (rewards) {
    Json rj = rewards_to_json(*rewards, lang, words);
    for (const auto& o : rj["outcomes"]) {
      Json row = {
          {"title", o["title"]},
          {"status", o["status"]},
          {"eligible", o["status"] == "eligible"},
          {"eligible_if", o["status"] == "eligible_if"},
          {"amount", o["amount"]["display"]},
          {"shape", o["amount"]["shape"]},
          {"unlock", o.value("unlock", "")},
          {"stacking_open", std::find(o["flags"].begin(), o["flags"].end(), "stacking_not_stated") != o["flags"].end()},
          {"steps", o["amount"]["steps"]},
          {"document", o["document_title"]},
          {"cite", o.contains("restated_by") && covering.count(o["restated_by"][0]["document"].get<std::string>())
                       ? Json(words("srv_restated_by",
                                    {{"cite", o["cite"].get<std::string>()},
                                     {"document", covering[o["restated_by"][0]["document"].get<std::string>()]},
                                     {"restated_cite", o["restated_by"][0]["cite"].get<std::string>()}}))
                       : o["cite"]},
          {"quote", o["quote"]},
          {"draft", std::find(o["flags"].begin(), o["flags"].end(), "draft") != o["flags"].end()},
          {"expired", std::find(o["flags"].begin(), o["flags"].end(), "expired") != o["flags"].end()},
          {"missing", o.contains("missing") ? o["missing"] : Json::array()},
          {"failed", o.contains("failed") ? o["failed"]["title"] : Json("")},
          {"project", o.value("project", "")}};
      if (o["status"] != "not_eligible") reward_rows.push_back(std::move(row));
    }
    view["reward_total_exact"] = rj["total_exact_display"];
    view["reward_total_up_to"] = rj["total_up_to_display"];
    view["reward_total_range"] = rj["total_display"];
    view["reward_case_by_case"] = rj["case_by_case"];
    view["has_reward_case_by_case"] = rj["case_by_case"].get<int>() > 0;
    view["has_rewards"] = !reward_rows.empty();
    for (const auto& d : all_docs) {
      if (d["covers"].get<bool>()) policy_docs.push_back(d);
    }
  }
  view["has_policies_all"] = !all_docs.empty();
  view["has_policies_other"] = !other_docs.empty();
  view["has_elsewhere"] = !parts.elsewhere.empty();
  view["rewards"] = std::move(reward_rows);
  view["policies"] = std::move(policy_docs);
  view["policies_all"] = std::move(all_docs);
  view["policies_other"] = std::move(other_docs);
  view["elsewhere"] = std::move(parts.elsewhere);
}

// T0 → T1: each module's level and total before and after, the requirements whose state changed,
// and the rewards before and after.
void add_comparison(Json& view, const Inputs& in) {
  const AssessmentResult& assessment = in.assessment;
  const ReportOptions& options = in.options;
  const RewardsResult* rewards = in.rewards;
  const std::string& lang = in.lang;
  const Words& words = in.words;
  Json comparison = Json::array();
  if (options.previous) {
    for (const auto& id : assessment.order) {
      auto before = options.previous->modules.find(id);
      const ModuleResult& after = assessment.modules.at(id);
      if (before == options.previous->modules.end() || after.questionnaire->levels.empty()) continue;
      const double b = before->second.result.sections[0].score;
      const double a = after.result.sections[0].score;
      comparison.push_back(
          {{"module", after.questionnaire->title.in(lang)},
           {"before_level", level_name(*before->second.questionnaire, before->second.result.levels.level, lang, words)},
           {"after_level", level_name(*after.questionnaire, after.result.levels.level, lang, words)},
           {"before_total", format_number(b)},
           {"after_total", format_number(a)},
           {"delta", (a >= b ? "+" : "") + format_number(a - b)},
           {"up", a > b}});
    }
    view["previous_date"] = options.previous->meta.value("date", "");
  }
  // Each requirement whose state changed between T0 and T1 (same questionnaire version only).
  Json changed = Json::array();
  if (options.previous) {
    for (const auto& id : assessment.order) {
      auto before = options.previous->modules.find(id);
      const ModuleResult& after = assessment.modules.at(id);
      if (before == options.previous->modules.end() || before->second.questionnaire != after.questionnaire) continue;
      const Questionnaire& q = *after.questionnaire;
      for (std::size_t li = 0; li < q.levels.size(); ++li) {
        for (std::size_t ri = 0; ri < q.levels[li].requirements.size(); ++ri) {
          const bool was = before->second.result.levels.requirements[li][ri].met;
          const bool is = after.result.levels.requirements[li][ri].met;
          if (was == is) continue;
          changed.push_back({{"module", q.title.in(lang)},
                             {"level", q.levels[li].name.in(lang)},
                             {"title", q.levels[li].requirements[ri].title.in(lang)},
                             {"met", is}});
        }
      }
    }
  }
  view["has_comparison_requirements"] = !changed.empty();
  view["comparison_requirements"] = std::move(changed);
  view["has_comparison_rewards"] = options.previous_rewards != nullptr && rewards != nullptr && !comparison.empty();
  if (options.previous_rewards && rewards) {
    // rewards_to_json writes the total in the report's language (yuan in English).
    view["comparison_rewards"] = {{"before", rewards_to_json(*options.previous_rewards, lang, words)["total_display"]},
                                  {"after", rewards_to_json(*rewards, lang, words)["total_display"]}};
    view["comparison_reward_rules"] = compare_rewards(*options.previous_rewards, *rewards, lang, words);
  }
  view["has_comparison"] = !comparison.empty();
  view["comparison"] = std::move(comparison);
}

}  // namespace

Json report_view(const AssessmentResult& assessment, const RewardsResult* rewards, const Catalogue* catalogue,
                 const ReportOptions& options) {
  const std::string& lang = options.lang;
  const Words& words = options.words;
  Json view;
  view["lang"] = lang;
  view["generated_at"] = options.generated_at;
  view["assessment"] = {{"id", assessment.meta.value("id", "")},
                        {"date", assessment.meta.value("date", "")},
                        {"assessor", assessment.meta.value("assessor", "")}};

  view["enterprise"] = enterprise_view(assessment, options);

  // A draft: still open, or required questions unanswered.
  std::size_t missing = 0;
  for (const auto& [id, m] : assessment.modules) missing += m.result.missing_required.size();
  const bool open = options.status == "open";
  if (open || missing > 0) {
    view["draft_state"] = {{"open", open}, {"incomplete", missing > 0}, {"missing", missing}};
  } else {
    view["draft_state"] = false;
  }

  // The facts the peer group and the rewards read, worked out once for every module.
  Inputs in{
      assessment,
      rewards,
      catalogue,
      options,
      lang,
      words,
      view["enterprise"].value("region_code", std::string()),
      options.peers || options.peer_counts || (rewards && catalogue) ? enterprise_facts(assessment) : Json::object()};
  Parts parts;
  for (const auto& id : assessment.order) add_module(parts, in, id);

  // The three most valuable next steps: most points per step across modules.
  std::stable_sort(parts.steps_all.begin(), parts.steps_all.end(), [](const Json& a, const Json& b) {
    return std::stod(a["points"].get<std::string>()) / a["steps"].get<int>() >
           std::stod(b["points"].get<std::string>()) / b["steps"].get<int>();
  });
  Json top = Json::array();
  for (std::size_t i = 0; i < parts.steps_all.size() && i < 3; ++i) top.push_back(parts.steps_all[i]);

  add_policies(view, in, parts);
  add_comparison(view, in);
  view["versions"] = parts.versions;
  view["badges"] = std::move(parts.badges);
  view["has_next_steps"] = !top.empty();
  view["next_steps"] = std::move(top);
  view["gm"] = first_page(parts.modules, rewards, lang, words);
  view["modules"] = std::move(parts.modules);
  view["evidence"] = std::move(parts.evidence);
  view["has_uncertain"] = !parts.uncertain.empty();
  view["uncertain"] = std::move(parts.uncertain);
  view["appendix"] = std::move(parts.appendix);
  // The print footer names the data versions; it lives in CSS, so it is escaped for a CSS string.
  std::string footer;
  for (const auto& v : parts.versions)
    footer += (footer.empty() ? "" : " · ") + v["id"].get<std::string>() + " " + v["version"].get<std::string>();
  std::string css_footer;
  for (char c : footer) {
    if (c == '"' || c == '\\') css_footer += '\\';
    if (c == '<' || c == '>' || c == '\n') continue;
    css_footer += c;
  }
  view["footer_css"] = css_footer;
  return view;
}

}  // namespace assess
