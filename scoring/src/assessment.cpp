#include "assess/assessment.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <set>

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

std::string map_key(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

}  // namespace

AssessmentResult score_assessment(const Library& library, const Crosswalk& crosswalk, const Json& document,
                                  const std::string& file) {
  AssessmentResult out;
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
  std::vector<std::string> present;
  for (auto it = modules.json().begin(); it != modules.json().end(); ++it) {
    if (!library.find(it.key())) {
      modules.fail("unknown questionnaire \"" + it.key() + "\" (known: " + [&] {
        std::string known;
        for (const auto& id : library.ids()) known += (known.empty() ? "" : ", ") + id;
        return known;
      }() + ")");
    }
    present.push_back(it.key());
  }

  // Dependency order: a module comes after every module a link reads from.
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
    if (done.insert(m).second) out.order.push_back(m);
  };
  for (const auto& m : present) visit(m, 0);

  for (const auto& id : out.order) {
    const Questionnaire& q = *library.find(id);
    const std::string prefix = "/modules/" + pointer_token(id);
    Json answers_doc = modules.json().at(id);
    if (answers_doc.is_object() && !answers_doc.contains("questionnaire")) answers_doc["questionnaire"] = id;
    ParsedAnswers parsed = parse_answers(q, answers_doc, file);
    for (auto& e : parsed.errors) out.errors.push_back(Error(e.file(), prefix + e.pointer(), e.message(), e.kind()));
    ModuleResult mr;
    mr.questionnaire = &q;
    mr.answers = std::move(parsed.set);

    for (const auto& link : crosswalk.links) {
      auto source = out.modules.find(link.from.module);
      if (source == out.modules.end()) continue;
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
    mr.result = score(q, mr.answers);
    out.modules.emplace(id, std::move(mr));
  }
  return out;
}

Json enterprise_facts(const AssessmentResult& result) {
  Json facts = {{"profile", Json::object()}, {"results", Json::object()}};
  for (const auto& [id, m] : result.modules) {
    const Questionnaire& q = *m.questionnaire;
    if (id == "profile") {
      for (std::size_t qi = 0; qi < q.questions.size(); ++qi) {
        const Answer& a = m.answers.answers[qi];
        if (a.present && !a.not_applicable && m.result.questions[qi].visible) facts["profile"][q.questions[qi].id] = a.value;
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
