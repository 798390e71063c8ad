// random_answers.h — random answer sets within what a definition accepts, and the first difference
// between two score results (bit for bit). Shared by the tests that compare a fast scorer with
// score(): incremental_test.cpp (IncrementalScore) and scorer_test.cpp (Scorer).
#pragma once

#include <bit>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>

#include "scoring/answers.h"
#include "scoring/questionnaire.h"
#include "scoring/score.h"

namespace assess_test {

using assess::Answer;
using assess::Json;
using assess::Questionnaire;
using assess::ScoreResult;

// Bit for bit: two results must not differ even in the last binary digit.
inline bool same_double(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

// The first difference between two results, or "" when they are identical.
inline std::string difference(const ScoreResult& a, const ScoreResult& b) {
  std::ostringstream out;
  if (a.questions.size() != b.questions.size() || a.sections.size() != b.sections.size() ||
      a.computed.size() != b.computed.size()) {
    return "sizes differ";
  }
  for (std::size_t i = 0; i < a.questions.size(); ++i) {
    const auto& x = a.questions[i];
    const auto& y = b.questions[i];
    if (x.visible != y.visible || x.required != y.required || x.answered != y.answered || x.counts != y.counts ||
        x.band != y.band || !same_double(x.value, y.value) || !same_double(x.points, y.points) ||
        !same_double(x.max, y.max)) {
      out << "question " << i;
      return out.str();
    }
  }
  for (std::size_t i = 0; i < a.sections.size(); ++i) {
    const auto& x = a.sections[i];
    const auto& y = b.sections[i];
    if (x.applicable != y.applicable || x.passed != y.passed || !same_double(x.score, y.score) ||
        !same_double(x.max, y.max) || !same_double(x.weight_total, y.weight_total)) {
      out << "section " << i << ": " << x.score << " vs " << y.score;
      return out.str();
    }
  }
  for (std::size_t i = 0; i < a.computed.size(); ++i) {
    const bool numbers = a.computed[i].is_number() && b.computed[i].is_number();
    if (numbers ? !same_double(a.computed[i].get<double>(), b.computed[i].get<double>())
                : a.computed[i] != b.computed[i]) {
      out << "computed " << i << ": " << a.computed[i].dump() << " vs " << b.computed[i].dump();
      return out.str();
    }
    const auto& x = a.computed_exact[i];
    const auto& y = b.computed_exact[i];
    if (x.has_value() != y.has_value() || (x && (x->num() != y->num() || x->den() != y->den()))) {
      out << "exact computed " << i;
      return out.str();
    }
  }
  if (a.missing_required != b.missing_required) return "missing_required";
  if (a.levels.level != b.levels.level) {
    out << "level " << a.levels.level << " vs " << b.levels.level;
    return out.str();
  }
  if (a.levels.holds != b.levels.holds) return "holds";
  for (std::size_t l = 0; l < a.levels.requirements.size(); ++l) {
    for (std::size_t r = 0; r < a.levels.requirements[l].size(); ++r) {
      const auto& x = a.levels.requirements[l][r];
      const auto& y = b.levels.requirements[l][r];
      if (x.met != y.met || !same_double(x.actual, y.actual) || x.counted != y.counted ||
          x.considered != y.considered) {
        out << "requirement " << l << "/" << r;
        return out.str();
      }
    }
  }
  return "";
}

// A random answer to question `qi` as JSON, within what the definition accepts; null: unanswered.
// With probability `best` (percent) a choice takes its best option, so that answer sets of every
// quality occur and levels are reached and lost.
inline Json random_value(const Questionnaire& q, int qi, std::mt19937& rng, std::uint32_t best) {
  auto roll = [&](std::uint32_t n) { return static_cast<std::uint32_t>(rng() % n); };
  const auto& question = q.questions[static_cast<std::size_t>(qi)];
  if (roll(100) < best && question.scored() && !question.options.empty()) {
    std::size_t top = 0;
    for (std::size_t o = 1; o < question.options.size(); ++o) {
      const auto& x = question.options[o];
      const auto& y = question.options[top];
      if (question.type == assess::QuestionType::kLadder ? x.level > y.level : x.points > y.points) top = o;
    }
    switch (question.type) {
      case assess::QuestionType::kSingle:
        return question.options[top].id;
      case assess::QuestionType::kLadder:
        return question.options[top].level;
      case assess::QuestionType::kYesNo:
        return true;
      case assess::QuestionType::kMulti: {
        Json all = Json::array();
        for (const auto& o : question.options) {
          if (!o.exclusive) all.push_back(o.id);
        }
        return all;
      }
      default:
        break;  // bands and numbers: a random figure
    }
  }
  if (roll(7) == 0) return nullptr;
  if (question.allow_na && roll(8) == 0) return Json{{"na", true}};
  const auto n = static_cast<std::uint32_t>(question.options.size());
  switch (question.type) {
    case assess::QuestionType::kSingle:
      return question.options[roll(n)].id;
    case assess::QuestionType::kLadder:
      return question.options[roll(n)].level;
    case assess::QuestionType::kMulti: {
      Json selected = Json::array();
      if (roll(6) == 0) {
        for (const auto& o : question.options) {
          if (o.exclusive) return Json::array({o.id});
        }
      }
      for (const auto& o : question.options) {
        if (!o.exclusive && roll(2) == 1) selected.push_back(o.id);
      }
      return selected;
    }
    case assess::QuestionType::kYesNo:
      return roll(2) == 1;
    case assess::QuestionType::kNumber:
    case assess::QuestionType::kPercent:
    case assess::QuestionType::kBand: {
      // Decimals with one digit, so that computed shares and changes land on band edges too.
      const double lo = question.min.value_or(0);
      const double hi = question.max.value_or(lo + 5000);
      return lo + static_cast<double>(roll(static_cast<std::uint32_t>((hi - lo) * 10) + 1)) / 10.0;
    }
    default:
      return nullptr;
  }
}

inline Answer random_answer(const Questionnaire& q, int qi, std::mt19937& rng, std::uint32_t best) {
  const Json v = random_value(q, qi, rng, best);
  if (v.is_null()) return Answer{};
  return assess::parse_answer(q, qi, v, "random.json", "/answers/" + q.questions[static_cast<std::size_t>(qi)].id);
}

inline Questionnaire shipped(const std::string& name) {
  return assess::load_questionnaire_file(std::string(ASSESS_SOURCE_DIR) + "/questionnaires/" + name + "/" + name +
                                         ".json");
}

}  // namespace assess_test
