#include "scoring/assessment.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <set>
#include <stdexcept>

#include "detail/reader.h"

namespace assess {

namespace {
bool is_definition(const Json& doc) {
  return doc.is_object() && doc.contains("id") && doc.contains("version") &&
         (doc.contains("sections") || doc.contains("questions")) && !doc.contains("$defs");
}
}  // namespace

Library Library::load_dir(const std::string& dir) {
  Library lib;
  std::error_code ec;
  std::vector<std::string> files;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec); !ec && it != std::filesystem::end(it);
       it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == ".json") files.push_back(it->path().string());
  }
  if (ec) throw Error(dir, "", "cannot read folder: " + ec.message(), ErrorKind::kNotFound);
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    Json doc = read_json_file(f);
    if (!is_definition(doc)) continue;
    Questionnaire q = load_questionnaire(doc, f);
    if (lib.find(q.id)) throw Error(f, "/id", "questionnaire id \"" + q.id + "\" is defined twice in " + dir);
    lib.add(std::move(q));
  }
  return lib;
}

void Library::add(Questionnaire q) {
  const std::string id = q.id;
  by_id_.insert_or_assign(id, std::move(q));
}

const Questionnaire* Library::find(const std::string& id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &it->second;
}

std::shared_ptr<const CodeList> Library::code_list(const std::string& name) const {
  for (const auto& [id, q] : by_id_) {
    if (auto it = q.code_lists.find(name); it != q.code_lists.end()) return it->second;
  }
  return nullptr;
}

std::vector<std::string> Library::ids() const {
  std::vector<std::string> out;
  for (const auto& [id, q] : by_id_) out.push_back(id);
  return out;
}

namespace {

CrosswalkEnd parse_end(const detail::Reader& r, const Library& library) {
  // "module/question" or "module#level"
  const std::string s = r.string();
  CrosswalkEnd end;
  const auto hash = s.find('#');
  const auto slash = s.find('/');
  if (hash != std::string::npos) {
    end.module = s.substr(0, hash);
    if (s.substr(hash + 1) != "level") r.fail("\"" + s + "\": after \"#\" only \"level\" is known");
    end.level = true;
  } else if (slash != std::string::npos) {
    end.module = s.substr(0, slash);
    end.question = s.substr(slash + 1);
  } else {
    r.fail("\"" + s + "\" must read \"module/question\" or \"module#level\"");
  }
  const Questionnaire* q = library.find(end.module);
  if (!q) r.fail("unknown questionnaire \"" + end.module + "\"");
  if (!end.level && q->question_index(end.question) < 0) {
    r.fail("questionnaire \"" + end.module + "\" has no question \"" + end.question + "\"");
  }
  return end;
}

}  // namespace

Crosswalk load_crosswalk(const Json& document, const std::string& file, const Library& library) {
  detail::Reader r(document, file);
  r.expect_object();
  r.allow_only({"$schema", "description", "links"});
  Crosswalk cw;
  detail::Reader links = r.at("links");
  links.expect_array();
  std::set<std::string> ids;
  for (std::size_t i = 0; i < links.size(); ++i) {
    detail::Reader l = links.at(i);
    l.expect_object();
    l.allow_only({"id", "title", "from", "to", "map", "cite", "confidence", "note"});
    CrosswalkLink link;
    link.id = l.at("id").identifier();
    if (!ids.insert(link.id).second) l.at("id").fail("duplicate link id \"" + link.id + "\"");
    link.title = l.find("title") ? l.at("title").text() : Text{link.id, link.id};
    link.from = parse_end(l.at("from"), library);
    detail::Reader to = l.at("to");
    to.expect_array();
    for (std::size_t k = 0; k < to.size(); ++k) {
      CrosswalkEnd end = parse_end(to.at(k), library);
      if (end.level) to.at(k).fail("a link can only write into questions");
      if (end.module == link.from.module) to.at(k).fail("a link joins different questionnaires");
      link.to.push_back(end);
    }
    if (auto m = l.find("map")) {
      m->expect_object();
      link.map = m->json();
    }
    if (auto c = l.find("cite")) link.provenance.cite = c->string();
    if (auto c = l.find("confidence")) link.provenance.confidence = c->string();
    if (auto n = l.find("note")) link.provenance.note = n->text();
    cw.links.push_back(std::move(link));
  }
  return cw;
}

namespace {

std::string map_key(const Json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

}  // namespace

namespace {

// The answer under `key`: parse_answers' loop body, for one entry.
void parse_one(ParsedModule& m, const std::string& key, const Json& value, const std::string& file) {
  const Questionnaire& q = *m.questionnaire;
  m.answer_errors.erase(key);
  const std::string pointer = "/answers/" + pointer_token(key);
  const int qi = q.question_index(key);
  if (qi < 0) {
    m.answer_errors.emplace(key, Error(file, pointer, "unknown question \"" + key + "\""));
    return;
  }
  try {
    m.answers.answers[static_cast<std::size_t>(qi)] = parse_answer(q, qi, value, file, pointer);
  } catch (const Error& e) {
    m.answers.answers[static_cast<std::size_t>(qi)] = Answer{};
    m.answer_errors.emplace(key, e);
  }
}

}  // namespace

ParsedAssessment parse_assessment(const Library& library, const Json& document, const std::string& file) {
  ParsedAssessment out;
  out.file = file;
  detail::Reader r(document, file);
  r.expect_object();
  r.allow_only({"$schema", "assessment", "modules", "projects"});
  if (auto a = r.find("assessment")) {
    a->expect_object();
    out.meta = a->json();
  }
  if (auto p = r.find("projects")) {
    p->expect_array();
    for (std::size_t i = 0; i < p->size(); ++i) {
      detail::Reader project = p->at(i);
      project.expect_object();
      project.at("kind").string();
      out.projects.push_back(project.json());
    }
  }
  detail::Reader modules = r.at("modules");
  modules.expect_object();
  if (modules.size() == 0) modules.fail("an assessment needs at least one module");
  for (auto it = modules.json().begin(); it != modules.json().end(); ++it) {
    if (!library.find(it.key())) {
      modules.fail("unknown questionnaire \"" + it.key() + "\" (known: " + [&] {
        std::string known;
        for (const auto& id : library.ids()) known += (known.empty() ? "" : ", ") + id;
        return known;
      }() + ")");
    }
  }
  for (auto it = modules.json().begin(); it != modules.json().end(); ++it) {
    const Questionnaire* q = library.find(it.key());
    ParsedModule m;
    m.questionnaire = q;
    m.answers.answers.resize(q->questions.size());
    // parse_answers' checks of the module document, then its answers one by one.
    const Json& doc = it.value();
    if (!doc.is_object()) throw Error(file, "", "an answer set must be a JSON object");
    for (auto f = doc.begin(); f != doc.end(); ++f) {
      const std::string& k = f.key();
      if (k != "questionnaire" && k != "version" && k != "answers" && k != "meta") {
        m.document_errors.emplace_back(file, "",
                                       "unknown field \"" + k + "\" (expected questionnaire, version, answers, meta)");
      }
    }
    if (auto id = doc.find("questionnaire"); id != doc.end()) {
      if (!id->is_string() || id->get<std::string>() != q->id) {
        m.document_errors.emplace_back(file, "/questionnaire",
                                       "answers are for " + id->dump() + ", not for questionnaire \"" + q->id + "\"");
      }
    }
    auto answers = doc.find("answers");
    if (answers == doc.end()) {
      m.document_errors.emplace_back(file, "", "missing required field \"answers\"");
    } else if (!answers->is_object()) {
      m.document_errors.emplace_back(file, "/answers", "\"answers\" must be an object keyed by question id");
    } else {
      m.has_answers_object = true;
      for (auto a = answers->begin(); a != answers->end(); ++a) parse_one(m, a.key(), a.value(), file);
    }
    out.modules.emplace(it.key(), std::move(m));
  }
  return out;
}

void set_answer(ParsedAssessment& assessment, const std::string& module, const std::string& question,
                const Json& answer) {
  auto it = assessment.modules.find(module);
  if (it == assessment.modules.end()) throw std::logic_error("set_answer: the assessment has no module " + module);
  ParsedModule& m = it->second;
  if (!m.has_answers_object) throw std::logic_error("set_answer: module " + module + " has no answers object");
  if (answer.is_null()) {
    m.answer_errors.erase(question);
    const int qi = m.questionnaire->question_index(question);
    if (qi >= 0) m.answers.answers[static_cast<std::size_t>(qi)] = Answer{};
    return;
  }
  parse_one(m, question, answer, assessment.file);
}

AssessmentResult score_assessment(const Library& library, const Crosswalk& crosswalk, const Json& document,
                                  const std::string& file) {
  return score_assessment(crosswalk, parse_assessment(library, document, file));
}

namespace {

// The modules of an assessment in dependency order: a module comes after every module a link reads from.
std::vector<std::string> module_order(const Crosswalk& crosswalk, const ParsedAssessment& assessment) {
  std::vector<std::string> order;
  std::vector<std::string> present;
  for (const auto& [id, m] : assessment.modules) present.push_back(id);
  std::map<std::string, std::set<std::string>> deps;
  for (const auto& link : crosswalk.links) {
    for (const auto& to : link.to) deps[to.module].insert(link.from.module);
  }
  std::set<std::string> done;
  std::function<void(const std::string&, int)> visit = [&](const std::string& m, int depth) {
    if (done.count(m) || depth > 64) return;
    for (const auto& d : deps[m]) {
      if (std::find(present.begin(), present.end(), d) != present.end()) visit(d, depth + 1);
    }
    if (done.insert(m).second) order.push_back(m);
  };
  for (const auto& m : present) visit(m, 0);
  return order;
}

// The answer errors of every module, pointing into the assessment, in scoring order.
std::vector<Error> assessment_errors(const ParsedAssessment& assessment, const std::vector<std::string>& order) {
  std::vector<Error> errors;
  for (const auto& id : order) {
    const ParsedModule& parsed = assessment.modules.at(id);
    const std::string prefix = "/modules/" + pointer_token(id);
    for (const auto& e : parsed.document_errors)
      errors.push_back(Error(e.file(), prefix + e.pointer(), e.message(), e.kind()));
    for (const auto& [key, e] : parsed.answer_errors)
      errors.push_back(Error(e.file(), prefix + e.pointer(), e.message(), e.kind()));
  }
  return errors;
}

// One module: its own answers, what the crosswalk fills in from modules scored before it, the score.
// Only modules before `id` in `order` are read, as when every module is scored in turn.
// With `scorers`, through the module's Scorer into `storage` (a result whose memory to reuse).
ModuleResult score_module(const Crosswalk& crosswalk, const ParsedAssessment& assessment,
                          const std::vector<std::string>& order, const std::string& id,
                          const std::map<std::string, ModuleResult>& scored, ModuleScorers* scorers = nullptr,
                          ScoreResult storage = {}) {
  const auto position = std::find(order.begin(), order.end(), id);
  const std::string& file = assessment.file;
  const ParsedModule& parsed = assessment.modules.at(id);
  const Questionnaire& q = *parsed.questionnaire;
  const std::string prefix = "/modules/" + pointer_token(id);
  ModuleResult mr;
  mr.questionnaire = &q;
  mr.answers = parsed.answers;

  for (const auto& link : crosswalk.links) {
    auto source = scored.find(link.from.module);
    if (source == scored.end() || std::find(order.begin(), position, link.from.module) == position) continue;
    Json value;
    if (link.from.level) {
      const int level = source->second.result.levels.level;
      const Questionnaire& sq = *source->second.questionnaire;
      value = level < 0 ? Json("none") : Json(sq.levels[static_cast<std::size_t>(level)].id);
    } else {
      const int sqi = source->second.questionnaire->question_index(link.from.question);
      const Answer& sa = source->second.answers.answers[static_cast<std::size_t>(sqi)];
      if (!sa.present || sa.not_applicable || !source->second.result.questions[static_cast<std::size_t>(sqi)].visible) {
        continue;
      }
      value = sa.value;
    }
    if (!link.map.is_null()) {
      auto it = link.map.find(map_key(value));
      if (it == link.map.end()) continue;  // no counterpart: leave the target to be answered
      value = *it;
    }
    for (const auto& to : link.to) {
      if (to.module != id) continue;
      const int qi = q.question_index(to.question);
      Answer& target = mr.answers.answers[static_cast<std::size_t>(qi)];
      if (target.present) {
        if (target.value != value) {
          mr.conflicts.push_back({link.id, to.question, target.value, value,
                                  "the module's own answer differs from the linked fact; the own answer is kept"});
        }
        continue;
      }
      try {
        Answer filled = parse_answer(q, qi, value, file, prefix + "/answers/" + pointer_token(to.question));
        filled.evidence = target.evidence;
        filled.verified = false;
        filled.note = "crosswalk:" + link.id;
        target = std::move(filled);
        mr.filled.push_back({link.id, to.question, value});
      } catch (const Error& e) {
        mr.conflicts.push_back({link.id, to.question, Json(), value, "the linked fact does not fit: " + e.message()});
      }
    }
  }
  if (scorers) {
    mr.result = std::move(storage);
    scorers->score(q, mr.answers, mr.result);
  } else {
    mr.result = score(q, mr.answers);
  }
  return mr;
}

}  // namespace

AssessmentResult score_assessment(const Crosswalk& crosswalk, const ParsedAssessment& assessment) {
  AssessmentResult out;
  out.meta = assessment.meta;
  out.projects = assessment.projects;
  out.order = module_order(crosswalk, assessment);
  out.errors = assessment_errors(assessment, out.order);
  for (const auto& id : out.order)
    out.modules.emplace(id, score_module(crosswalk, assessment, out.order, id, out.modules));
  return out;
}

void ModuleScorers::score(const Questionnaire& q, const AnswerSet& answers, ScoreResult& out) {
  auto it = scorers_.find(&q);
  if (it == scorers_.end()) it = scorers_.emplace(&q, Scorer(q)).first;
  it->second.score(answers, out);
}

std::vector<std::string> rescore_module(const Crosswalk& crosswalk, const ParsedAssessment& assessment,
                                        const std::string& module, AssessmentResult& result, ModuleScorers* scorers) {
  // The order depends only on the crosswalk and the modules present: the same modules, the same order.
  const bool same_modules = result.modules.size() == assessment.modules.size() &&
                            std::all_of(assessment.modules.begin(), assessment.modules.end(),
                                        [&](const auto& entry) { return result.modules.count(entry.first) > 0; }) &&
                            result.order.size() == assessment.modules.size();
  if (!same_modules) throw std::logic_error("rescore_module: the result is of another assessment");
  result.errors = assessment_errors(assessment, result.order);
  std::vector<std::string> rescored;
  std::set<std::string> dirty = {module};
  for (const auto& id : result.order) {
    if (!dirty.count(id)) continue;
    rescored.push_back(id);
    // Only the modules before `id` are read: its own old result lends its storage.
    ScoreResult storage = scorers ? std::move(result.modules.at(id).result) : ScoreResult{};
    result.modules.insert_or_assign(
        id, score_module(crosswalk, assessment, result.order, id, result.modules, scorers, std::move(storage)));
    for (const auto& link : crosswalk.links) {
      if (link.from.module != id) continue;
      for (const auto& to : link.to) dirty.insert(to.module);
    }
  }
  return rescored;
}

Json enterprise_facts(const AssessmentResult& result) {
  Json facts = {{"profile", Json::object()}, {"results", Json::object()}};
  for (const auto& [id, m] : result.modules) {
    const Questionnaire& q = *m.questionnaire;
    if (id == "profile") {
      for (std::size_t qi = 0; qi < q.questions.size(); ++qi) {
        const Answer& a = m.answers.answers[qi];
        if (a.present && !a.not_applicable && m.result.questions[qi].visible)
          facts["profile"][q.questions[qi].id] = a.value;
      }
      for (std::size_t ci = 0; ci < q.computed.size(); ++ci) {
        if (!m.result.computed[ci].is_null()) facts["profile"][q.computed[ci].id] = m.result.computed[ci];
      }
      if (facts["profile"].contains("region")) facts["region"] = facts["profile"]["region"];
      continue;
    }
    const int level = m.result.levels.level;
    facts["results"][id] = {{"level", level < 0 ? Json() : Json(q.levels[static_cast<std::size_t>(level)].id)},
                            {"total", m.result.sections[0].score}};
  }
  return facts;
}

}  // namespace assess
