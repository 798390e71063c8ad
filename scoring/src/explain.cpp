#include "scoring/explain.h"

#include <cmath>
#include <sstream>

namespace assess {
namespace {

Json number(double v) {
  // Round away binary noise (0.1 + 0.2) while keeping every published decimal.
  double r = std::round(v * 1e6) / 1e6;
  if (r == std::floor(r) && std::fabs(r) < 1e15) return static_cast<long long>(r);
  return r;
}

Json text(const Text& t, const std::string& lang) {
  return t.in(lang);
}

// A {"zh-CN": …, "en": …, <tag>: …} text of the definition's labels, read as Text::in reads one.
std::string text_in(const Json& t, const std::string& lang) {
  Text text{t.value("zh-CN", std::string()), t.value("en", std::string())};
  for (const auto& [tag, value] : t.items()) {
    if (tag != "zh-CN" && tag != "en" && value.is_string()) text.more[tag] = value.get<std::string>();
  }
  return text.in(lang);
}

void add_provenance(Json& out, const Provenance& p, const std::string& lang) {
  if (!p.cite.empty()) out["cite"] = p.cite;
  if (!p.confidence.empty()) out["confidence"] = p.confidence;
  if (!p.note.zh.empty()) out["note"] = p.note.in(lang);
}

Json option_list(const Question& question, const std::vector<int>& selected, const std::string& lang,
                 const Words& words) {
  Json out = Json::array();
  for (int i : selected) {
    const Option& o = question.options[static_cast<std::size_t>(i)];
    Json item = {{"id", o.id}, {"label", o.label_in(lang, words)}, {"points", number(o.points)}};
    if (o.range) item["range"] = o.range->describe();
    if (question.type == QuestionType::kLadder) item["level"] = o.level;
    out.push_back(item);
  }
  return out;
}

std::string requirement_kind(RequirementKind k) {
  switch (k) {
    case RequirementKind::kScore:
      return "score";
    case RequirementKind::kCount:
      return "count";
    case RequirementKind::kShare:
      return "share";
    case RequirementKind::kValue:
      return "value";
    case RequirementKind::kLogic:
      return "logic";
  }
  return "?";
}

// How a section combines its children, in words (the formulas are in score.h).
std::string rule_text(const Section& s, const SectionResult& r) {
  std::ostringstream out;
  switch (s.aggregation) {
    case Aggregation::kSum:
      out << (s.count_until_failed
                  ? "sum of weighted children up to and including the first that does not pass (later ones count 0)"
                  : "sum of weighted children");
      break;
    case Aggregation::kWeightedMean:
      out << "weighted mean of children (weights " << format_number(r.weight_total) << ")";
      break;
    case Aggregation::kMin:
      out << "weakest child (minimum)";
      break;
    case Aggregation::kRatingMean:
      out << "mean of requirement ratings 0/0.5/0.8/1 (weights " << format_number(r.weight_total) << "), passes at "
          << format_number(s.pass_mark);
      break;
  }
  return out.str();
}

Json level_ref(const Questionnaire& q, int li, const std::string& lang, const Words& words) {
  if (li < 0) return Json{{"id", nullptr}, {"name", q.below_name(lang, words)}};
  const Level& l = q.levels[static_cast<std::size_t>(li)];
  Json out = {{"id", l.id}, {"name", l.name.in(lang)}};
  if (!l.aliases.empty()) out["aliases"] = l.aliases;
  return out;
}

}  // namespace

Json explain_score(const Questionnaire& q, const AnswerSet& answers, const ScoreResult& r, const std::string& lang,
                   const Words& words) {
  Json doc;
  doc["definition"] = {
      {"id", q.id}, {"version", q.version}, {"content_hash", q.content_hash}, {"title", q.title.in(lang)}};
  if (!q.file.empty()) doc["definition"]["file"] = q.file;
  doc["total"] = {{"score", number(r.sections[0].score)},
                  {"max", number(r.sections[0].max)},
                  {"aggregation", to_string(q.sections[0].aggregation)}};
  // The maximum counts only the scored questions that are shown and applicable now; say how many
  // are left out, so that a maximum that moves while answering is explained.
  int hidden = 0;
  int not_applicable = 0;
  for (std::size_t qi = 0; qi < q.questions.size(); ++qi) {
    if (!q.questions[qi].scored()) continue;
    if (!r.questions[qi].visible)
      ++hidden;
    else if (answers.answers[qi].not_applicable)
      ++not_applicable;
  }
  doc["total"]["hidden_scored_questions"] = hidden;
  doc["total"]["not_applicable_questions"] = not_applicable;
  doc["level"] = level_ref(q, r.levels.level, lang, words);
  doc["complete"] = r.missing_required.empty();
  Json missing = Json::array();
  for (int qi : r.missing_required) missing.push_back(q.questions[static_cast<std::size_t>(qi)].id);
  doc["missing_required"] = missing;

  Json uncertain = Json::array();
  auto note_uncertain = [&](const std::string& kind, const std::string& id, const Provenance& p) {
    if (p.confidence.empty() || p.confidence == "confirmed" || p.confidence == "high") return;
    Json u = {{"kind", kind}, {"id", id}};
    add_provenance(u, p, lang);
    uncertain.push_back(u);
  };

  Json sections = Json::array();
  for (std::size_t si = 0; si < q.sections.size(); ++si) {
    const Section& s = q.sections[si];
    const SectionResult& sr = r.sections[si];
    Json item = {{"id", s.id},
                 {"title", text(s.title, lang)},
                 {"parent", s.parent < 0 ? Json() : Json(q.sections[static_cast<std::size_t>(s.parent)].id)},
                 {"aggregation", to_string(s.aggregation)},
                 {"rule", rule_text(s, sr)},
                 {"weight", number(s.weight)},
                 {"scored", s.scored},
                 {"applicable", sr.applicable},
                 {"score", number(sr.score)},
                 {"max", number(sr.max)},
                 {"pointer", s.pointer}};
    if (s.aggregation == Aggregation::kRatingMean) item["passed"] = sr.passed;
    add_provenance(item, s.provenance, lang);
    note_uncertain("section", s.id, s.provenance);
    sections.push_back(item);
  }
  doc["sections"] = sections;

  Json questions = Json::array();
  for (std::size_t qi = 0; qi < q.questions.size(); ++qi) {
    const Question& question = q.questions[qi];
    const QuestionResult& qr = r.questions[qi];
    const Answer& a = answers.answers[qi];
    Json item = {{"id", question.id},
                 {"title", text(question.title, lang)},
                 {"type", to_string(question.type)},
                 {"section", q.sections[static_cast<std::size_t>(question.section)].id},
                 {"visible", qr.visible},
                 {"answered", qr.answered},
                 {"not_applicable", a.not_applicable},
                 {"pointer", question.pointer}};
    if (a.present && !a.not_applicable) item["answer"] = a.value;
    if (!question.unit.empty()) item["unit"] = question.unit;
    if (question.scored()) {
      item["counts"] = qr.counts;
      item["points"] = number(qr.points);
      item["max"] = number(qr.max);
      item["weight"] = number(question.weight);
      std::vector<int> chosen = a.selected.to_vector();
      if (question.type == QuestionType::kBand) chosen = qr.band >= 0 ? std::vector<int>{qr.band} : std::vector<int>{};
      item["chosen"] = option_list(question, qr.answered ? chosen : std::vector<int>{}, lang, words);
      if (question.type == QuestionType::kBand && qr.answered) item["value"] = number(qr.value);
      if (!question.asked()) item["value_from"] = q.computed[static_cast<std::size_t>(question.value_from)].id;
      if (question.max_points) item["max_points"] = number(*question.max_points);
    }
    if (!question.evidence.empty() || a.present) item["evidence_grade"] = to_string(a.grade());
    if (!a.evidence.empty()) item["evidence_count"] = a.evidence.size();
    add_provenance(item, question.provenance, lang);
    note_uncertain("question", question.id, question.provenance);
    questions.push_back(item);
  }
  doc["questions"] = questions;

  Json computed = Json::array();
  for (std::size_t ci = 0; ci < q.computed.size(); ++ci) {
    const Computed& c = q.computed[ci];
    Json item = {{"id", c.id}, {"title", text(c.title, lang)}, {"value", r.computed[ci]}, {"rule", c.expr.source()}};
    if (r.computed[ci].is_number()) item["value"] = number(r.computed[ci].get<double>());
    if (!c.unit.empty()) item["unit"] = c.unit;
    add_provenance(item, c.provenance, lang);
    note_uncertain("computed", c.id, c.provenance);
    computed.push_back(item);
  }
  doc["computed"] = computed;

  Json levels = Json::array();
  for (std::size_t li = 0; li < q.levels.size(); ++li) {
    const Level& l = q.levels[li];
    Json item = level_ref(q, static_cast<int>(li), lang, words);
    item["holds"] = static_cast<bool>(r.levels.holds[li]);
    add_provenance(item, l.provenance, lang);
    note_uncertain("level", l.id, l.provenance);
    Json reqs = Json::array();
    for (std::size_t ri = 0; ri < l.requirements.size(); ++ri) {
      const Requirement& req = l.requirements[ri];
      const RequirementResult& rr = r.levels.requirements[li][ri];
      Json ri_json = {{"id", req.id},
                      {"title", text(req.title, lang)},
                      {"kind", requirement_kind(req.kind)},
                      {"met", rr.met},
                      {"pointer", req.pointer}};
      if (req.kind != RequirementKind::kLogic) {
        ri_json["actual"] = number(rr.actual);
        ri_json["comparison"] = to_string(req.comparison);
        ri_json["needed"] = number(req.threshold);
      } else {
        ri_json["rule"] = req.rule->source();
      }
      switch (req.kind) {
        case RequirementKind::kScore:
          ri_json["section"] = q.sections[static_cast<std::size_t>(req.section)].id;
          break;
        case RequirementKind::kCount:
        case RequirementKind::kShare:
          ri_json["selector"] = req.selector.source;
          ri_json["at_least"] = number(req.at_least);
          ri_json["counted"] = rr.counted;
          ri_json["considered"] = rr.considered;
          break;
        case RequirementKind::kValue:
          ri_json["of"] = req.value_is_computed ? q.computed[static_cast<std::size_t>(req.value)].id
                                                : q.questions[static_cast<std::size_t>(req.value)].id;
          break;
        case RequirementKind::kLogic:
          break;
      }
      add_provenance(ri_json, req.provenance, lang);
      note_uncertain("requirement", req.id, req.provenance);
      reqs.push_back(ri_json);
    }
    item["requirements"] = reqs;
    if (q.levels_cumulative) item["cumulative"] = true;
    levels.push_back(item);
  }
  doc["levels"] = levels;
  // Derived outputs written as data in the definition's labels: a value per level
  // ({"L1": 0, "L2": 3, "below": 0}) or a target level ({"at_least": "L2"}).
  Json derived = Json::array();
  if (q.labels.is_object()) {
    const int level = r.levels.level;
    const std::string level_key = level < 0 ? "below" : q.levels[static_cast<std::size_t>(level)].id;
    for (auto it = q.labels.begin(); it != q.labels.end(); ++it) {
      const Json& label = it.value();
      if (!label.is_object()) continue;
      Json item = {{"id", it.key()}};
      if (label.contains("title")) {
        const Json& t = label["title"];
        item["title"] = t.is_object() ? Json(text_in(t, lang)) : t;
      }
      if (label.contains("at_least") && label["at_least"].is_string()) {
        const int needed = q.level_index(label["at_least"].get<std::string>());
        item["met"] = needed >= 0 && level >= needed;
        item["needed"] = label["at_least"];
      } else if (label.contains(level_key)) {
        item["value"] = label[level_key];
      } else {
        continue;
      }
      for (const char* key : {"cite", "confidence"}) {
        if (label.contains(key)) item[key] = label[key];
      }
      if (label.contains("note")) {
        const Json& n = label["note"];
        item["note"] = n.is_object() ? Json(text_in(n, lang)) : n;
      }
      derived.push_back(item);
      if (item.contains("confidence") && item["confidence"] != "high" && item["confidence"] != "confirmed") {
        Json u = {{"kind", "derived"}, {"id", it.key()}, {"confidence", item["confidence"]}};
        if (item.contains("note")) u["note"] = item["note"];
        uncertain.push_back(u);
      }
    }
  }
  doc["derived"] = derived;
  doc["uncertain"] = uncertain;
  return doc;
}

Json explain_gap(const Questionnaire& q, const AnswerSet& answers, const GapResult& gap, const std::string& lang,
                 const Words& words) {
  Json out = {{"target", level_ref(q, gap.target, lang, words)},
              {"already_reached", gap.already_reached},
              {"reachable", gap.reachable},
              {"search_complete", gap.search_complete},
              {"stopped_by", to_string(gap.stopped_by)},
              {"proven_minimal", gap.proven_minimal},
              {"tie_break_complete", gap.tie_break_complete},
              {"lower_bound_steps", gap.lower_bound_steps},
              {"nodes_searched", gap.nodes_searched}};
  if (gap.target < 0) return out;
  const Level& level = q.levels[static_cast<std::size_t>(gap.target)];
  Json unmet = Json::array();
  for (int ri : gap.unmet) {
    const Requirement& req = level.requirements[static_cast<std::size_t>(ri)];
    Json u = {{"id", req.id}, {"title", text(req.title, lang)}};
    const bool blocking = std::find(gap.blocking.begin(), gap.blocking.end(), ri) != gap.blocking.end();
    u["blocking"] = blocking;
    add_provenance(u, req.provenance, lang);
    unmet.push_back(u);
  }
  out["unmet"] = unmet;
  if (!gap.unmet_lower_levels.empty()) {
    Json lower = Json::array();
    for (int li : gap.unmet_lower_levels) lower.push_back(q.levels[static_cast<std::size_t>(li)].id);
    out["unmet_lower_levels"] = lower;
  }
  if (!gap.reachable) return out;
  out["steps"] = gap.steps;
  out["points_gained"] = number(gap.points_gained);
  out["total_before"] = number(gap.after.sections[0].score - gap.points_gained);
  out["level_after"] = level_ref(q, gap.after.levels.level, lang, words);
  out["total_after"] = number(gap.after.sections[0].score);
  Json imps = Json::array();
  for (const auto& imp : gap.improvements) {
    const Question& question = q.questions[static_cast<std::size_t>(imp.question)];
    Json item = {{"question", question.id},
                 {"title", text(question.title, lang)},
                 {"from", option_list(question, imp.from, lang, words)},
                 {"to", option_list(question, imp.to, lang, words)},
                 {"steps", imp.steps},
                 {"points_gained", number(imp.points_gained)},
                 {"total_gained", number(imp.total_gained)}};
    add_provenance(item, question.provenance, lang);
    imps.push_back(item);
  }
  out["improvements"] = imps;
  (void)answers;
  return out;
}

namespace {
std::string dump_value(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) return format_number(v.get<double>());
  return v.dump();
}

std::string options_text(const Json& options) {
  if (options.empty()) return "—";
  std::string out;
  for (const auto& o : options) {
    if (!out.empty()) out += ", ";
    out += o.at("label").get<std::string>();
  }
  return out;
}
}  // namespace

std::string render_text(const Json& doc, const Words& w) {
  std::ostringstream out;
  const Json& def = doc.at("definition");
  out << dump_value(def.at("title")) << " (" << dump_value(def.at("id")) << " " << dump_value(def.at("version")) << ", "
      << dump_value(def.at("content_hash")).substr(0, 19) << ")\n";
  const bool scored = doc.at("total").at("max") != 0 || !doc.at("levels").empty();
  if (scored) {
    out << w("srv_explain_total",
             {{"score", dump_value(doc.at("total").at("score"))}, {"max", dump_value(doc.at("total").at("max"))}});
    const int hidden = doc.at("total").value("hidden_scored_questions", 0);
    const int na = doc.at("total").value("not_applicable_questions", 0);
    if (hidden > 0 || na > 0) {
      std::string parts;
      if (hidden > 0) parts = w("srv_explain_hidden_scored", {{"n", std::to_string(hidden)}});
      if (hidden > 0 && na > 0) parts += w("srv_list_sep");
      if (na > 0) parts += w("srv_explain_marked_not_applicable", {{"n", std::to_string(na)}});
      out << w("srv_explain_max_note", {{"parts", parts}});
    }
    out << "\n";
  }
  if (!doc.at("levels").empty())
    out << w("srv_explain_level", {{"name", dump_value(doc.at("level").at("name"))}}) << "\n";
  if (!doc.at("complete").get<bool>()) {
    out << w("srv_explain_incomplete");
    for (const auto& id : doc.at("missing_required")) out << dump_value(id) << " ";
    out << "\n";
  }
  out << "\n" << w("srv_explain_sections") << "\n";
  for (const auto& s : doc.at("sections")) {
    if (s.at("parent").is_null()) continue;
    out << "  " << dump_value(s.at("id")) << "  " << dump_value(s.at("title")) << ": ";
    if (!s.at("applicable").get<bool>()) {
      out << w("srv_not_applicable") << "\n";
      continue;
    }
    out << dump_value(s.at("score")) << " / " << dump_value(s.at("max")) << "  [" << dump_value(s.at("aggregation"));
    if (!s.at("scored").get<bool>()) out << w("srv_explain_not_scored");
    if (s.contains("passed")) out << w(s.at("passed").get<bool>() ? "srv_explain_passed" : "srv_explain_not_passed");
    out << "]\n";
  }
  out << "\n" << w("srv_explain_questions") << "\n";
  for (const auto& qj : doc.at("questions")) {
    if (!qj.contains("points")) continue;
    out << "  " << dump_value(qj.at("id")) << "  " << dump_value(qj.at("title")) << ": ";
    if (!qj.at("visible").get<bool>()) {
      out << w("srv_explain_hidden") << "\n";
      continue;
    }
    if (qj.at("not_applicable").get<bool>()) {
      out << w("srv_not_applicable") << "\n";
      continue;
    }
    out << options_text(qj.at("chosen")) << " → " << dump_value(qj.at("points")) << "/" << dump_value(qj.at("max"));
    if (qj.contains("cite")) out << "  ⟨" << dump_value(qj.at("cite")) << "⟩";
    out << "\n";
  }
  if (!doc.at("levels").empty()) out << "\n" << w("srv_explain_requirements") << "\n";
  for (const auto& l : doc.at("levels")) {
    out << "  " << dump_value(l.at("name"))
        << (l.at("holds").get<bool>() ? "  ✔ " + w("srv_explain_holds") : "  ✘ " + w("srv_explain_fails")) << "\n";
    for (const auto& rq : l.at("requirements")) {
      out << "    " << (rq.at("met").get<bool>() ? "✔ " : "✘ ") << dump_value(rq.at("title"));
      if (rq.contains("actual")) {
        out << ": " << dump_value(rq.at("actual")) << " " << dump_value(rq.at("comparison")) << " "
            << dump_value(rq.at("needed"));
      }
      if (rq.contains("confidence"))
        out << w("srv_explain_confidence", {{"confidence", dump_value(rq.at("confidence"))}});
      out << "\n";
    }
  }
  if (doc.contains("derived") && !doc.at("derived").empty()) {
    out << "\n" << w("srv_explain_derived") << "\n";
    for (const auto& d : doc.at("derived")) {
      out << "  " << (d.contains("title") ? dump_value(d.at("title")) : dump_value(d.at("id"))) << ": ";
      if (d.contains("met")) {
        out << w(d.at("met").get<bool>() ? "srv_met" : "srv_not_met");
      } else {
        out << dump_value(d.at("value"));
      }
      if (d.contains("cite")) out << "  ⟨" << dump_value(d.at("cite")) << "⟩";
      out << "\n";
    }
  }
  if (doc.contains("gaps")) {
    for (const auto& g : doc.at("gaps")) {
      out << "\n" << w("srv_explain_gap_to", {{"name", dump_value(g.at("target").at("name"))}}) << "\n";
      if (g.at("already_reached").get<bool>()) {
        out << "  " << w("srv_explain_already_reached") << "\n";
        continue;
      }
      for (const auto& u : g.at("unmet")) {
        out << "  ✘ " << dump_value(u.at("title")) << (u.at("blocking").get<bool>() ? w("srv_explain_blocking") : "")
            << "\n";
      }
      if (!g.at("reachable").get<bool>()) {
        out << "  " << w("srv_explain_unreachable") << "\n";
        continue;
      }
      if (g.at("proven_minimal").get<bool>()) {
        out << "  " << w("srv_explain_smallest");
      } else {
        // Why the search stopped: its budget (no progress for as long as it had searched, or the
        // node limit), with the bound it had proven.
        const bool no_progress = g.value("stopped_by", std::string()) == "no_progress";
        out << "  "
            << w(no_progress ? "srv_explain_not_proven_no_progress" : "srv_explain_not_proven_limit",
                 {{"bound", dump_value(g.at("lower_bound_steps"))}, {"nodes", dump_value(g.at("nodes_searched"))}});
      }
      // Every figure of the plan adds up: the items' steps to the plan's steps, their effects on the
      // total to the change of the total.
      const double before = g.at("total_before").get<double>();
      const double after = g.at("total_after").get<double>();
      std::vector<double> parts;
      for (const auto& imp : g.at("improvements")) parts.push_back(imp.at("total_gained").get<double>());
      const std::vector<std::string> shown = format_parts(parts, before, after);
      out << w("srv_explain_plan", {{"steps", dump_value(g.at("steps"))},
                                    {"before", format_number(before)},
                                    {"after", format_number(after)},
                                    {"change", format_parts({after - before}, before, after)[0]}})
          << "\n";
      bool gate_only = false;
      std::size_t item = 0;
      for (const auto& imp : g.at("improvements")) {
        out << "    " << dump_value(imp.at("question")) << "  " << dump_value(imp.at("title")) << ": "
            << options_text(imp.at("from")) << " → " << options_text(imp.at("to"))
            << w(imp.at("steps") == 1 ? "srv_explain_item_one_step" : "srv_explain_item",
                 {{"steps", dump_value(imp.at("steps"))},
                  {"points", dump_value(imp.at("points_gained"))},
                  {"total", shown[item++]}})
            << "\n";
        if (shown[item - 1] == "+0") gate_only = true;
      }
      if (gate_only) out << "    " << w("srv_explain_gate_only") << "\n";
    }
  }
  if (!doc.at("uncertain").empty()) {
    // Unconfirmed and low-confidence items are listed; medium ones are counted (all are in --json).
    out << "\n" << w("srv_explain_uncertain") << "\n";
    int medium = 0;
    for (const auto& u : doc.at("uncertain")) {
      if (u.at("confidence") == "medium") {
        ++medium;
        continue;
      }
      out << "  " << dump_value(u.at("kind")) << " " << dump_value(u.at("id")) << ": "
          << dump_value(u.at("confidence"));
      if (u.contains("note")) out << " — " << dump_value(u.at("note"));
      out << "\n";
    }
    if (medium > 0) out << "  " << w("srv_explain_medium", {{"n", std::to_string(medium)}}) << "\n";
  }
  return out.str();
}

}  // namespace assess
