#include "scoring/answers.h"

#include <cmath>
#include <set>

#include "scoring/profile.h"

namespace assess {

const char* to_string(EvidenceGrade grade) {
  switch (grade) {
    case EvidenceGrade::kSelfDeclared:
      return "self_declared";
    case EvidenceGrade::kEvidenceAttached:
      return "evidence_attached";
    case EvidenceGrade::kVerified:
      return "verified";
  }
  return "?";
}

namespace {

std::string number_text(double v) {
  Json j = v;
  if (v == std::floor(v) && std::fabs(v) < 1e15) j = static_cast<long long>(v);
  return j.dump();
}

// Parses the bare value of an answer into `out`.
void parse_value(const Question& question, const Json& v, Answer& out, const std::string& file,
                 const std::string& ptr) {
  auto fail = [&](const std::string& message) {
    throw Error(file, ptr, "question \"" + question.id + "\": " + message);
  };
  auto option_of = [&](const Json& id, const std::string& where) {
    if (!id.is_string()) throw Error(file, where, "question \"" + question.id + "\": an option id must be a string");
    int index = question.option_index(id.get<std::string>());
    if (index < 0) {
      std::string known;
      for (const auto& o : question.options) known += (known.empty() ? "" : ", ") + o.id;
      throw Error(file, where,
                  "question \"" + question.id + "\": unknown option " + id.dump() + " (options: " + known + ")");
    }
    return index;
  };
  auto numeric = [&]() {
    if (!v.is_number()) fail("expected a number, got " + std::string(v.type_name()));
    double x = v.get<double>();
    if (!std::isfinite(x)) fail("expected a finite number");
    if (question.min && x < *question.min) {
      fail("value " + number_text(x) + " is below the minimum " + number_text(*question.min));
    }
    if (question.max && x > *question.max) {
      fail("value " + number_text(x) + " is above the maximum " + number_text(*question.max));
    }
    return x;
  };
  switch (question.type) {
    case QuestionType::kSingle:
      out.selected = {option_of(v, ptr)};
      break;
    case QuestionType::kMulti: {
      if (!v.is_array()) fail("expected an array of option ids, got " + std::string(v.type_name()));
      std::set<int> seen;
      int exclusive_index = -1;
      for (std::size_t i = 0; i < v.size(); ++i) {
        const std::string where = ptr + "/" + std::to_string(i);
        int index = option_of(v[i], where);
        if (!seen.insert(index).second) {
          throw Error(file, where, "question \"" + question.id + "\": option " + v[i].dump() + " is given twice");
        }
        if (question.options[static_cast<std::size_t>(index)].exclusive) exclusive_index = index;
        out.selected.push_back(index);
      }
      if (exclusive_index >= 0 && out.selected.size() > 1) {
        fail("the exclusive option \"" + question.options[static_cast<std::size_t>(exclusive_index)].id +
             "\" cannot be combined with other options");
      }
      break;
    }
    case QuestionType::kNumber:
    case QuestionType::kPercent:
      out.number = numeric();
      break;
    case QuestionType::kBand: {
      if (!question.asked()) fail("this band is computed from other answers and is not answered directly");
      out.number = numeric();
      int band = question.band_of(out.number);
      if (band < 0) fail("value " + number_text(out.number) + " falls in no band");
      out.selected = {band};
      break;
    }
    case QuestionType::kLadder: {
      if (!v.is_number_integer() && !(v.is_number() && v.get<double>() == std::floor(v.get<double>()))) {
        fail("expected a whole level number, got " + v.dump());
      }
      double level = v.get<double>();
      if (level < 0 || level >= static_cast<double>(question.options.size())) {
        fail("level " + v.dump() + " is outside 0.." + std::to_string(question.options.size() - 1));
      }
      out.selected = {static_cast<int>(level)};
      break;
    }
    case QuestionType::kYesNo:
      if (!v.is_boolean()) fail("expected true or false, got " + std::string(v.type_name()));
      out.selected = {v.get<bool>() ? 1 : 0};
      break;
    case QuestionType::kText:
      if (!v.is_string()) fail("expected a string, got " + std::string(v.type_name()));
      if (v.get_ref<const std::string&>().size() > question.max_length) {
        fail("text is longer than " + std::to_string(question.max_length) + " bytes");
      }
      if (question.format == "uscc") {
        UsccCheck check = check_uscc(v.get<std::string>());
        if (!check.valid) fail("unified social credit code " + v.dump() + ": " + check.error);
        out.set_value(check.normalized);  // stored normalised: upper-case, half-width, no separators
        out.present = true;
        return;
      }
      if (question.format == "code" && !question.code_list->find(v.get<std::string>())) {
        fail("unknown code " + v.dump() + " in " + question.code_list->id);
      }
      break;
    case QuestionType::kDate:
      if (!v.is_string() || !is_iso_date(v.get<std::string>()))
        fail("expected a date as \"YYYY-MM-DD\", got " + v.dump());
      break;
  }
  out.set_value(v);
  out.present = true;
}

}  // namespace

Answer parse_answer(const Questionnaire& q, int qi, const Json& given, const std::string& file,
                    const std::string& pointer) {
  const Question& question = q.questions[static_cast<std::size_t>(qi)];
  Answer out;
  if (!given.is_object()) {
    if (!given.is_null()) parse_value(question, given, out, file, pointer);
    return out;
  }
  auto fail = [&](const std::string& where, const std::string& message) {
    throw Error(file, where, "question \"" + question.id + "\": " + message);
  };
  for (auto it = given.begin(); it != given.end(); ++it) {
    const std::string& k = it.key();
    if (k != "value" && k != "na" && k != "evidence" && k != "verified" && k != "note") {
      fail(pointer, "unknown field \"" + k + "\" (expected value, na, evidence, verified, note)");
    }
  }
  if (auto na = given.find("na"); na != given.end()) {
    if (!na->is_boolean()) fail(pointer + "/na", "\"na\" must be true or false");
    if (na->get<bool>()) {
      if (!question.allow_na) fail(pointer + "/na", "this question does not allow \"not applicable\"");
      if (given.contains("value") && !given["value"].is_null()) {
        fail(pointer, "an answer is either a value or \"not applicable\", not both");
      }
      out.present = true;
      out.not_applicable = true;
    }
  }
  if (auto v = given.find("value"); v != given.end() && !v->is_null()) {
    parse_value(question, *v, out, file, pointer + "/value");
  }
  if (auto ev = given.find("evidence"); ev != given.end()) {
    if (!ev->is_array()) fail(pointer + "/evidence", "\"evidence\" must be an array");
    for (std::size_t i = 0; i < ev->size(); ++i) {
      const Json& e = (*ev)[i];
      const std::string where = pointer + "/evidence/" + std::to_string(i);
      if (!e.is_object() || !e.contains("file") || !e["file"].is_string()) {
        fail(where, "evidence must be an object with a \"file\" string");
      }
      EvidenceRef ref;
      ref.file = e["file"].get<std::string>();
      if (e.contains("slot")) {
        if (!e["slot"].is_string()) fail(where, "\"slot\" must be a string");
        ref.slot = e["slot"].get<std::string>();
        bool known = false;
        for (const auto& s : question.evidence) known = known || s.id == ref.slot;
        if (!known) fail(where, "unknown evidence slot \"" + ref.slot + "\"");
      }
      if (e.contains("name")) {
        if (!e["name"].is_string()) fail(where, "\"name\" must be a string");
        ref.name = e["name"].get<std::string>();
      }
      out.evidence.push_back(std::move(ref));
    }
  }
  if (auto vf = given.find("verified"); vf != given.end()) {
    if (!vf->is_boolean()) fail(pointer + "/verified", "\"verified\" must be true or false");
    out.verified = vf->get<bool>();
  }
  if (auto n = given.find("note"); n != given.end()) {
    if (!n->is_string()) fail(pointer + "/note", "\"note\" must be a string");
    out.note = n->get<std::string>();
    if (out.note.size() > 10000) fail(pointer + "/note", "\"note\" is longer than 10000 bytes");
  }
  return out;
}

ParsedAnswers parse_answers(const Questionnaire& q, const Json& document, const std::string& file) {
  ParsedAnswers result;
  result.set.answers.resize(q.questions.size());
  if (!document.is_object()) throw Error(file, "", "an answer set must be a JSON object");
  for (auto it = document.begin(); it != document.end(); ++it) {
    const std::string& k = it.key();
    if (k != "questionnaire" && k != "version" && k != "answers" && k != "meta") {
      result.errors.emplace_back(file, "",
                                 "unknown field \"" + k + "\" (expected questionnaire, version, answers, meta)");
    }
  }
  if (auto id = document.find("questionnaire"); id != document.end()) {
    if (!id->is_string() || id->get<std::string>() != q.id) {
      result.errors.emplace_back(file, "/questionnaire",
                                 "answers are for " + id->dump() + ", not for questionnaire \"" + q.id + "\"");
    }
  }
  auto answers = document.find("answers");
  if (answers == document.end()) {
    result.errors.emplace_back(file, "", "missing required field \"answers\"");
    return result;
  }
  if (!answers->is_object()) {
    result.errors.emplace_back(file, "/answers", "\"answers\" must be an object keyed by question id");
    return result;
  }
  for (auto it = answers->begin(); it != answers->end(); ++it) {
    const std::string pointer = "/answers/" + pointer_token(it.key());
    const int qi = q.question_index(it.key());
    if (qi < 0) {
      result.errors.emplace_back(file, pointer, "unknown question \"" + it.key() + "\"");
      continue;
    }
    try {
      result.set.answers[static_cast<std::size_t>(qi)] = parse_answer(q, qi, it.value(), file, pointer);
    } catch (const Error& e) {
      result.errors.push_back(e);
    }
  }
  return result;
}

Json answers_to_json(const Questionnaire& q, const AnswerSet& set) {
  Json answers = Json::object();
  for (std::size_t i = 0; i < set.answers.size() && i < q.questions.size(); ++i) {
    const Answer& a = set.answers[i];
    if (!a.present && a.evidence.empty() && !a.verified && a.note.empty()) continue;
    const bool bare = !a.not_applicable && a.evidence.empty() && !a.verified && a.note.empty();
    if (bare) {
      answers[q.questions[i].id] = a.value;
      continue;
    }
    Json entry = Json::object();
    if (a.not_applicable) entry["na"] = true;
    if (a.present && !a.not_applicable) entry["value"] = a.value;
    if (!a.evidence.empty()) {
      Json ev = Json::array();
      for (const auto& e : a.evidence) {
        Json item = {{"file", e.file}};
        if (!e.slot.empty()) item["slot"] = e.slot;
        if (!e.name.empty()) item["name"] = e.name;
        ev.push_back(item);
      }
      entry["evidence"] = ev;
    }
    if (a.verified) entry["verified"] = true;
    if (!a.note.empty()) entry["note"] = a.note;
    answers[q.questions[i].id] = entry;
  }
  return Json{{"questionnaire", q.id}, {"version", q.version}, {"answers", answers}};
}

}  // namespace assess
