#include "scoring/gap.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "scoring/answers.h"
#include "scoring/error.h"
#include "scoring/questionnaire.h"
#include "scoring/score.h"
#include "support.h"

using assess::Answer;
using assess::AnswerSet;
using assess::GapResult;
using assess::Json;
using assess::Move;
using assess::Questionnaire;
using assess::ScoreResult;

namespace {

namespace fs = std::filesystem;

const fs::path kGapData = fs::path(ASSESS_SOURCE_DIR) / "tests" / "data" / "gap";

AnswerSet parse(const Questionnaire& q, const Json& document) {
  assess::ParsedAnswers parsed = assess::parse_answers(q, document, "answers.json");
  for (const auto& e : parsed.errors) FAIL_CHECK("unexpected answer error: ", e.what());
  return parsed.set;
}

AnswerSet answer(const Questionnaire& q, const Json& answers) {
  return assess::testing::answers_for(q, answers);
}

// The reference: every combination of improvements (each question: no change or one of its
// improved answers), scored from scratch. For each target level: the fewest steps that reach it,
// then the highest total score among those.
//
// Its improvements are written here from the questionnaire definition, independently of the
// search's move generator (improvement_moves), so that a bug there cannot hide: an answer improves
// a question when its grade rises — a ladder's level, yes over no over unanswered, a choice's or a
// band's points (unanswered counts 0) — or, for a multiple choice, when any set of options is added
// that raises its points (after its cap). The reference tries every such answer, not only the ones
// the generator keeps (all subsets of a multiple choice, not the heaviest k). Steps count positions
// on the question's scale (ladder levels; no < yes; a choice's distinct point values), at least one
// per changed answer; answering an unanswered question starts from the bottom of the scale; each
// option added to a multiple choice is a step. Answers are built through parse_answer (bands by
// forcing the band, as for a derived band no answer names it).
struct Reference {
  bool reachable = false;
  int steps = 0;
  double total = 0;
};

struct BruteForce {
  std::vector<Reference> per_target;
  long long combinations = 0;
};

struct Candidate {
  int question = -1;
  Answer answer;
  int steps = 0;
};

// Where a value stands on a scale of distinct values: how many distinct values lie below it.
int scale_rank(const std::vector<double>& values, double v) {
  std::vector<double> below;
  for (double x : values) {
    if (x < v - 1e-9 && std::none_of(below.begin(), below.end(), [&](double b) { return std::fabs(b - x) <= 1e-9; })) {
      below.push_back(x);
    }
  }
  return static_cast<int>(below.size());
}

std::vector<Candidate> reference_improvements(const Questionnaire& q, const AnswerSet& answers, const ScoreResult& now,
                                              int qi) {
  std::vector<Candidate> out;
  const assess::Question& question = q.questions[static_cast<std::size_t>(qi)];
  const assess::Answer& given = answers.answers[static_cast<std::size_t>(qi)];
  if (!question.scored() || given.not_applicable) return out;
  const auto& options = question.options;
  const assess::QuestionResult& r = now.questions[static_cast<std::size_t>(qi)];
  auto parsed = [&](const Json& value) {
    return assess::parse_answer(q, qi, value, "reference.json", "/answers/" + question.id);
  };
  switch (question.type) {
    case assess::QuestionType::kLadder: {
      std::vector<double> levels;
      for (const auto& o : options) levels.push_back(o.level);
      const bool answered = given.present && !given.selected.empty();
      const int level = answered ? options[static_cast<std::size_t>(given.selected[0])].level : -1;
      for (const auto& o : options) {
        if (o.level <= level) continue;
        const int rank = scale_rank(levels, o.level);
        const int steps = answered ? rank - scale_rank(levels, level) : rank;
        out.push_back({qi, parsed(o.level), std::max(steps, 1)});
      }
      break;
    }
    case assess::QuestionType::kYesNo: {
      const bool answered = given.present && !given.selected.empty();
      const bool yes = answered && given.selected[0] == 1;
      if (!answered) out.push_back({qi, parsed(false), 1});
      if (!yes) out.push_back({qi, parsed(true), 1});
      break;
    }
    case assess::QuestionType::kSingle:
    case assess::QuestionType::kBand: {
      std::vector<double> points;
      for (const auto& o : options) points.push_back(o.points);
      const bool band = question.type == assess::QuestionType::kBand;
      const int current =
          band ? (r.answered ? r.band : -1) : (given.present && !given.selected.empty() ? given.selected[0] : -1);
      const double before = current >= 0 ? options[static_cast<std::size_t>(current)].points : 0;
      for (std::size_t j = 0; j < options.size(); ++j) {
        if (options[j].points <= before + 1e-9) continue;
        const int rank = scale_rank(points, options[j].points);
        const int steps = current >= 0 ? rank - scale_rank(points, before) : rank;
        Answer a;
        if (band) {
          a.present = true;
          a.what_if_band = static_cast<int>(j);
        } else {
          a = parsed(options[j].id);
        }
        out.push_back({qi, a, std::max(steps, 1)});
      }
      break;
    }
    case assess::QuestionType::kMulti: {
      std::vector<std::size_t> kept;  // the current selection without the exclusive "none"
      std::vector<std::size_t> addable;
      for (std::size_t j = 0; j < options.size(); ++j) {
        const bool selected =
            std::find(given.selected.begin(), given.selected.end(), static_cast<int>(j)) != given.selected.end();
        if (selected && !options[j].exclusive) kept.push_back(j);
        if (!selected && !options[j].exclusive) addable.push_back(j);
      }
      auto capped = [&](const std::vector<std::size_t>& chosen) {
        double sum = 0;
        for (std::size_t j : chosen) sum += options[j].points;
        return question.max_points ? std::min(sum, *question.max_points) : sum;
      };
      const double before = given.present ? capped(kept) : 0;
      for (std::uint32_t mask = 1; mask < (1u << addable.size()); ++mask) {
        std::vector<std::size_t> chosen = kept;
        int added = 0;
        for (std::size_t b = 0; b < addable.size(); ++b) {
          if (mask & (1u << b)) {
            chosen.push_back(addable[b]);
            ++added;
          }
        }
        if (capped(chosen) <= before + 1e-9) continue;
        Json ids = Json::array();
        for (std::size_t j : chosen) ids.push_back(options[j].id);
        out.push_back({qi, parsed(ids), added});
      }
      break;
    }
    default:
      break;
  }
  return out;
}

BruteForce brute_force(const Questionnaire& q, const AnswerSet& answers) {
  const ScoreResult now = assess::score(q, answers);
  std::vector<std::vector<Candidate>> candidates;
  for (std::size_t qi = 0; qi < q.questions.size(); ++qi) {
    std::vector<Candidate> c = reference_improvements(q, answers, now, static_cast<int>(qi));
    if (!c.empty()) candidates.push_back(std::move(c));
  }
  BruteForce out;
  out.per_target.assign(q.levels.size(), {});
  std::vector<int> choice(candidates.size(), -1);  // -1: no change
  while (true) {
    AnswerSet changed = answers;
    int steps = 0;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (choice[i] < 0) continue;
      const Candidate& c = candidates[i][static_cast<std::size_t>(choice[i])];
      changed.answers[static_cast<std::size_t>(c.question)] = c.answer;
      steps += c.steps;
    }
    const ScoreResult r = assess::score(q, changed);
    ++out.combinations;
    const double total = r.sections[0].score;
    for (std::size_t t = 0; t < q.levels.size(); ++t) {
      if (r.levels.level < static_cast<int>(t)) continue;
      Reference& best = out.per_target[t];
      if (!best.reachable || steps < best.steps ||
          (steps == best.steps && total > best.total + assess::testing::kTolerance)) {
        best = {true, steps, total};
      }
    }
    // Next combination (an odometer over the choices).
    std::size_t i = 0;
    for (; i < choice.size(); ++i) {
      if (++choice[i] < static_cast<int>(candidates[i].size())) break;
      choice[i] = -1;
    }
    if (i == choice.size()) break;
  }
  return out;
}

// find_gap against the reference for every target level; returns the number of combinations the
// reference scored.
long long compare_with_brute_force(const Questionnaire& q, const AnswerSet& answers, const std::string& label) {
  const BruteForce reference = brute_force(q, answers);
  const ScoreResult now = assess::score(q, answers);
  for (std::size_t t = 0; t < q.levels.size(); ++t) {
    INFO(label, ", target ", q.levels[t].id);
    const GapResult gap = assess::find_gap(q, answers, static_cast<int>(t));
    const Reference& expected = reference.per_target[t];
    CHECK(gap.target == static_cast<int>(t));
    CHECK(gap.already_reached == (now.levels.level >= static_cast<int>(t)));
    // The instances here are small enough for the exact search to finish within its node limit.
    CHECK(gap.search_complete);
    CHECK(gap.reachable == expected.reachable);
    if (gap.reachable && expected.reachable) {
      CHECK(gap.steps == expected.steps);
      CHECK_NEAR(gap.after.sections[0].score, expected.total);
      // The improvements find_gap reports add up to its steps and do reach the target.
      int steps = 0;
      double total_effect = 0;
      std::vector<Move> moves;
      for (const auto& imp : gap.improvements) {
        steps += imp.steps;
        total_effect += imp.total_gained;
        moves.push_back({imp.question, imp.to, imp.steps, imp.points_gained});
      }
      CHECK(steps == gap.steps);
      // ... and their effects on the total add up to the plan's change of the total.
      CHECK_NEAR(total_effect, gap.points_gained);
      const ScoreResult after = assess::score(q, assess::apply_moves(q, answers, moves));
      CHECK(after.levels.level >= static_cast<int>(t));
      CHECK_NEAR(after.sections[0].score, gap.after.sections[0].score);
      CHECK_NEAR(gap.points_gained, gap.after.sections[0].score - now.sections[0].score);
    }
  }
  return reference.combinations;
}

std::vector<fs::path> gap_cases() {
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(kGapData)) {
    if (entry.is_directory()) dirs.push_back(entry.path());
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

Questionnaire load_case(const std::string& name) {
  return assess::load_questionnaire_file((kGapData / name / "questionnaire.json").string());
}

AnswerSet load_case_answers(const Questionnaire& q, const std::string& name) {
  return parse(q, assess::read_json_file((kGapData / name / "answers.json").string()));
}

// A fixed small definition for the random instances: single, multi (exclusive none, max_points),
// ladder, yes/no, a single that allows N/A and a band asked directly, under sum / min /
// weighted_mean sections, with score, count, share and value requirements (the value one reads a
// number, a fact no improvement changes). With `conditional`, a question of the sum section shows
// only when y1 is yes, so improving y1 changes which questions count (the search then cannot use
// its linear bounds).
Json random_definition(bool cumulative, bool conditional) {
  Json d = Json::parse(R"({
    "id": "rnd", "version": "1", "title": "Random",
    "sections": [
      {"id": "A", "title": "A", "aggregation": "sum", "questions": [
        {"id": "s1", "type": "single", "title": "S1", "options": [
          {"id": "o0", "label": "0", "points": 0}, {"id": "o1", "label": "1", "points": 1},
          {"id": "o2", "label": "2", "points": 2}, {"id": "o3", "label": "3", "points": 3}]},
        {"id": "m1", "type": "multi", "title": "M1", "max_points": 3, "options": [
          {"id": "x", "label": "X", "points": 2}, {"id": "y", "label": "Y", "points": 1},
          {"id": "z", "label": "Z", "points": 1}, {"id": "none", "label": "None", "exclusive": true}]}]},
      {"id": "B", "title": "B", "aggregation": "min", "questions": [
        {"id": "l1", "type": "ladder", "title": "L1", "options": [
          {"id": "l0", "label": "0", "level": 0}, {"id": "l1", "label": "1", "level": 1},
          {"id": "l2", "label": "2", "level": 2}, {"id": "l3", "label": "3", "level": 3}]},
        {"id": "y1", "type": "yesno", "title": "Y1", "points": {"yes": 2}}]},
      {"id": "F", "title": "Facts", "scored": false, "questions": [
        {"id": "emp", "type": "number", "title": "Employees", "min": 0}]},
      {"id": "C", "title": "C", "aggregation": "weighted_mean", "weight": 2, "questions": [
        {"id": "s2", "type": "single", "title": "S2", "not_applicable": true, "options": [
          {"id": "o0", "label": "0", "points": 0}, {"id": "o2", "label": "2", "points": 2},
          {"id": "o1", "label": "1", "points": 1}]},
        {"id": "b1", "type": "band", "title": "B1", "min": 0, "weight": 2, "options": [
          {"id": "lo", "label": "lo", "points": 0, "range": {"lt": 10}},
          {"id": "mid", "label": "mid", "points": 1, "range": {"ge": 10, "lt": 50}},
          {"id": "hi", "label": "hi", "points": 3, "range": {"ge": 50}}]}]}
    ],
    "levels": {"items": [
      {"id": "L1", "name": "L1", "requires": [{"id": "r1", "score": "rnd", ">=": 4}]},
      {"id": "L2", "name": "L2", "requires": [
        {"id": "r2", "score": "rnd", ">=": 7},
        {"id": "r2c", "count": {"questions": ["l1", "s1"]}, "at_least": 2, ">=": 1}]},
      {"id": "L3", "name": "L3", "requires": [
        {"id": "r3b", "score": "B", ">=": 2},
        {"id": "r3s", "share": {"questions": ["s1", "m1"]}, "at_least": 2, ">=": 0.5},
        {"id": "r3e", "value": "emp", ">=": 30},
        {"id": "r3", "score": "rnd", ">=": 10}]}
    ]}
  })");
  d["levels"]["cumulative"] = cumulative;
  if (conditional) {
    d["sections"][0]["questions"].push_back(Json::parse(R"({
      "id": "s3", "type": "single", "title": "S3", "visible_if": {"==": [{"var": "y1"}, true]},
      "options": [{"id": "o0", "label": "0", "points": 0}, {"id": "o2", "label": "2", "points": 2}]})"));
  }
  return d;
}

Json random_answers(const Questionnaire& q, std::mt19937& rng) {
  auto roll = [&](std::uint32_t n) { return static_cast<std::uint32_t>(rng() % n); };
  Json answers = Json::object();
  for (const auto& question : q.questions) {
    if (roll(5) == 0) continue;  // unanswered
    if (question.allow_na && roll(8) == 0) {
      answers[question.id] = {{"na", true}};
      continue;
    }
    const auto n = static_cast<std::uint32_t>(question.options.size());
    switch (question.type) {
      case assess::QuestionType::kSingle:
        answers[question.id] = question.options[roll(n)].id;
        break;
      case assess::QuestionType::kMulti: {
        Json selected = Json::array();
        if (roll(6) == 0) {
          for (const auto& o : question.options) {
            if (o.exclusive) selected.push_back(o.id);
          }
        } else {
          for (const auto& o : question.options) {
            if (!o.exclusive && roll(5) < 2) selected.push_back(o.id);
          }
        }
        answers[question.id] = selected;
        break;
      }
      case assess::QuestionType::kLadder:
        answers[question.id] = roll(n);
        break;
      case assess::QuestionType::kYesNo:
        answers[question.id] = roll(2) == 1;
        break;
      case assess::QuestionType::kBand:
      case assess::QuestionType::kNumber:
        answers[question.id] = roll(100);
        break;
      default:
        break;
    }
  }
  return answers;
}

std::vector<std::string> ids(const Questionnaire& q, const std::vector<int>& requirement_indices, int level) {
  std::vector<std::string> out;
  for (int ri : requirement_indices) {
    out.push_back(q.levels[static_cast<std::size_t>(level)].requirements[static_cast<std::size_t>(ri)].id);
  }
  return out;
}

}  // namespace

TEST_CASE("find_gap agrees with a brute-force search on every gap fixture and target level") {
  const std::vector<fs::path> dirs = gap_cases();
  REQUIRE(dirs.size() >= 3);
  for (const auto& dir : dirs) {
    const std::string name = dir.filename().string();
    INFO("case ", name);
    const Questionnaire q = load_case(name);
    const AnswerSet answers = load_case_answers(q, name);
    CHECK(q.levels.size() >= 2);
    CHECK(compare_with_brute_force(q, answers, name) >= 12);  // the reference really searched
  }
}

TEST_CASE("find_gap agrees with a brute-force search on 200 random answer sets") {
  std::vector<Questionnaire> variants;
  for (bool conditional : {false, true}) {
    for (bool cumulative : {false, true}) {
      variants.push_back(assess::load_questionnaire(random_definition(cumulative, conditional), "random.json"));
    }
  }
  std::mt19937 rng(20240601u);
  int reachable = 0;
  int unreachable = 0;
  int already = 0;
  long long combinations = 0;
  for (int instance = 0; instance < 200; ++instance) {
    const Questionnaire& q = variants[static_cast<std::size_t>(instance % 4)];
    const Json given = random_answers(q, rng);
    INFO("instance ", instance, " (", q.levels_cumulative ? "cumulative" : "not cumulative",
         q.questions.size() > 7 ? ", conditional" : "", "): ", given.dump());
    const AnswerSet answers = answer(q, given);
    combinations += compare_with_brute_force(q, answers, "random");
    const int level = assess::score(q, answers).levels.level;
    for (int t = 0; t < static_cast<int>(q.levels.size()); ++t) {
      if (t <= level) {
        ++already;
      } else if (assess::find_gap(q, answers, t).reachable) {
        ++reachable;
      } else {
        ++unreachable;
      }
    }
  }
  // The instances exercise every outcome, not just the easy ones.
  CHECK(already > 20);
  CHECK(reachable > 100);
  CHECK(unreachable > 20);
  MESSAGE("random instances: ", already, " targets already reached, ", reachable, " reachable, ", unreachable,
          " unreachable; the reference scored ", combinations, " combinations");
  CHECK(combinations > 20000);
}

TEST_CASE("improvement moves: fewest steps along the option list, only moves that gain") {
  const Questionnaire q = load_case("sum-count");
  const AnswerSet answers = load_case_answers(q, "sum-count");
  const ScoreResult now = assess::score(q, answers);
  auto moves_of = [&](const std::string& id) {
    return assess::improvement_moves(q, answers, now, q.question_index(id));
  };
  SUBCASE("single: each better option, steps = distance from the current one") {
    const auto m = moves_of("d_erp");  // at "partial" (index 1, 2 points)
    REQUIRE(m.size() == 2);
    CHECK(m[0].to == std::vector<int>{2});
    CHECK(m[0].steps == 1);
    CHECK_NEAR(m[0].points_gained, 2);
    CHECK(m[1].to == std::vector<int>{3});
    CHECK(m[1].steps == 2);
    CHECK_NEAR(m[1].points_gained, 4);
  }
  SUBCASE("multi: add the k options that weigh most, one step each") {
    const auto m = moves_of("d_sys");  // ["plm"]; candidates mes 3, scada 2, iot 1
    REQUIRE(m.size() == 3);
    CHECK(m[0].to == std::vector<int>{0, 1});
    CHECK(m[0].steps == 1);
    CHECK_NEAR(m[0].points_gained, 3);
    CHECK(m[1].to == std::vector<int>{0, 1, 2});
    CHECK_NEAR(m[1].points_gained, 5);
    CHECK(m[2].to == std::vector<int>{0, 1, 2, 3});
    CHECK(m[2].steps == 3);
    CHECK_NEAR(m[2].points_gained, 6);
  }
  SUBCASE("unanswered: it starts from the first option; options that gain nothing are skipped") {
    const auto m = moves_of("m_kpi");  // none 0 (gains nothing), some 3 (index 1), full 5 (index 2)
    REQUIRE(m.size() == 2);
    CHECK(m[0].to == std::vector<int>{1});
    CHECK(m[0].steps == 1);
    CHECK_NEAR(m[0].points_gained, 3);
    CHECK(m[1].to == std::vector<int>{2});
    CHECK(m[1].steps == 2);
    CHECK_NEAR(m[1].points_gained, 5);
  }
  SUBCASE("ladder: only upwards") {
    const auto m = moves_of("m_int");  // at level 2 of 0..4
    REQUIRE(m.size() == 2);
    CHECK(m[0].to == std::vector<int>{3});
    CHECK(m[0].steps == 1);
    CHECK(m[1].to == std::vector<int>{4});
    CHECK(m[1].steps == 2);
  }
  SUBCASE("yes/no: no to yes is one step") {
    const auto m = moves_of("m_plan");
    REQUIRE(m.size() == 1);
    CHECK(m[0].to == std::vector<int>{1});
    CHECK(m[0].steps == 1);
  }
}

TEST_CASE("the gap to the next level of sum-count, computed by hand") {
  // Now: digital 2 + 2 + 1 = 5; mgmt (0·1 + 0·1 + 2·2) / 4 = 1, weight 2; total 5 + 2 = 7.
  // L1 needs 12, i.e. +5. One step gains at most 3 (d_sys + mes); two steps reach +5 (d_sys + mes
  // and d_erp → most, or d_sys + mes and m_plan → yes (4 points · 2 / 4 = 2), or d_sys + mes + scada).
  const Questionnaire q = load_case("sum-count");
  const AnswerSet answers = load_case_answers(q, "sum-count");
  CHECK_NEAR(assess::score(q, answers).sections[0].score, 7);
  const GapResult gap = assess::find_gap(q, answers, q.level_index("L1"));
  CHECK_FALSE(gap.already_reached);
  CHECK(gap.reachable);
  CHECK(gap.steps == 2);
  CHECK_NEAR(gap.after.sections[0].score, 12);
  CHECK_NEAR(gap.points_gained, 5);
  CHECK(ids(q, gap.unmet, 0) == std::vector<std::string>{"r1_total"});
  CHECK(gap.blocking.empty());
}

TEST_CASE("a target already reached needs no change") {
  const Questionnaire q = load_case("blocked");
  const AnswerSet answers = answer(q, {{"sector", "纺织"}, {"q1", "o2"}, {"q2", 1}, {"q3", false}});  // 2 + 1 = 3
  const GapResult gap = assess::find_gap(q, answers, q.level_index("L1"));
  CHECK(gap.already_reached);
  CHECK(gap.reachable);
  CHECK(gap.steps == 0);
  CHECK(gap.improvements.empty());
  CHECK(gap.unmet.empty());
  CHECK_NEAR(gap.points_gained, 0);
  CHECK(gap.after.levels.level == 0);
}

TEST_CASE("a target behind a fact no answer change can alter is unreachable and names the blocking requirement") {
  const Questionnaire q = load_case("blocked");
  const AnswerSet answers = load_case_answers(q, "blocked");  // total 1, sector 纺织
  const int l2 = q.level_index("L2");
  const GapResult gap = assess::find_gap(q, answers, l2);
  CHECK_FALSE(gap.already_reached);
  CHECK_FALSE(gap.reachable);
  CHECK(ids(q, gap.unmet, l2) == std::vector<std::string>{"r2_total", "r2_sector"});
  CHECK(ids(q, gap.blocking, l2) == std::vector<std::string>{"r2_sector"});
  CHECK(gap.improvements.empty());
  CHECK(assess::requirement_fixed(q, q.levels[static_cast<std::size_t>(l2)].requirements[1]));
  CHECK_FALSE(assess::requirement_fixed(q, q.levels[static_cast<std::size_t>(l2)].requirements[0]));

  SUBCASE("the level below is still reachable: q3 no → yes gains 2 in one step") {
    // 1 + 2 = 3 >= 3; every other single step gains 1.
    const GapResult l1 = assess::find_gap(q, answers, q.level_index("L1"));
    CHECK(l1.reachable);
    CHECK(l1.steps == 1);
    REQUIRE(l1.improvements.size() == 1);
    CHECK(l1.improvements[0].question == q.question_index("q3"));
    CHECK(l1.improvements[0].from == std::vector<int>{0});
    CHECK(l1.improvements[0].to == std::vector<int>{1});
    CHECK_NEAR(l1.after.sections[0].score, 3);
  }
}

TEST_CASE("cumulative levels: the gap lists the lower levels that fail too") {
  const Questionnaire q = load_case("min-mean-cumulative");
  const AnswerSet answers = load_case_answers(q, "min-mean-cumulative");
  // a = min(2, 0) = 0 fails L1 (a >= 2); b = min(6, 0) = 0 fails L2.
  const GapResult gap = assess::find_gap(q, answers, q.level_index("L3"));
  CHECK(gap.unmet_lower_levels == std::vector<int>{0, 1});
  CHECK(gap.reachable);
  CHECK(gap.after.levels.holds == std::vector<bool>{true, true, true});
}

TEST_CASE("a band's improvements move its band, whether asked or computed") {
  const Questionnaire q = load_case("bands-share");
  const AnswerSet answers = load_case_answers(q, "bands-share");
  const ScoreResult now = assess::score(q, answers);
  SUBCASE("asked directly: from its current band upwards") {
    const auto m = assess::improvement_moves(q, answers, now, q.question_index("revenue"));  // 1500: small
    REQUIRE(m.size() == 2);
    CHECK(m[0].to == std::vector<int>{1});
    CHECK(m[0].steps == 1);
    CHECK(m[1].to == std::vector<int>{2});
    CHECK(m[1].steps == 2);
  }
  SUBCASE("computed: the what-if band is forced and scored") {
    const int qi = q.question_index("rd_band");  // 8 / 200 = 4 %: low
    CHECK(now.questions[static_cast<std::size_t>(qi)].band == 0);
    const auto m = assess::improvement_moves(q, answers, now, qi);
    REQUIRE(m.size() == 2);
    const ScoreResult after = assess::score(q, assess::apply_moves(q, answers, {m[1]}));
    CHECK(after.questions[static_cast<std::size_t>(qi)].band == 2);
    CHECK_NEAR(after.questions[static_cast<std::size_t>(qi)].points, 4);
  }
}

// A yes/no question's grade (what value and count requirements compare) rises from 0 to 1 on "yes"
// whatever its points, so "yes" is an improvement even when it gains no points.
TEST_CASE("a yes/no gate without points can be closed by answering yes") {
  // A common shape: "has a digital-transformation plan" is a gate, not a scored item.
  const Questionnaire q = assess::load_questionnaire(Json::parse(R"({
    "id": "g", "version": "1", "title": "G",
    "questions": [
      {"id": "plan", "type": "yesno", "title": "有规划"},
      {"id": "q1", "type": "single", "title": "Q1", "options": [
        {"id": "o0", "label": "0", "points": 0}, {"id": "o1", "label": "1", "points": 1}]}],
    "levels": {"items": [{"id": "L1", "name": "L1", "requires": [
      {"id": "r_plan", "value": "plan", "==": 1}, {"id": "r_q1", "score": "g", ">=": 1}]}]}
  })"),
                                                     "gate.json");
  const AnswerSet answers = answer(q, {{"plan", false}, {"q1", "o1"}});
  const GapResult gap = assess::find_gap(q, answers, 0);
  CHECK(gap.blocking.empty());
  CHECK(gap.reachable);  // answering "yes" (one step) meets r_plan
  CHECK(gap.steps == 1);
}

TEST_CASE("gap steps follow the options' points, not the order they are listed in") {
  // SME q12 (energy) and q15 (cost) list their bands best first: down 7/3, flat 3.5/1.5, up 0. On the
  // points scale up < flat < down, so up → down is two steps and unanswered → down is two steps too,
  // exactly as for q13 (quality), whose bands are listed worst first (down 0, flat 3.5, up 7).
  const Questionnaire q =
      assess::load_questionnaire_file(ASSESS_SOURCE_DIR "/questionnaires/sme-digital-2024/sme-digital-2024.json");
  auto steps_to = [&](const Json& answers, const std::string& id, const std::string& option) {
    assess::ParsedAnswers parsed =
        assess::parse_answers(q, Json{{"questionnaire", q.id}, {"answers", answers}}, "a.json");
    REQUIRE(parsed.errors.empty());
    const ScoreResult now = assess::score(q, parsed.set);
    const int qi = q.question_index(id);
    const auto& options = q.questions[static_cast<std::size_t>(qi)].options;
    for (const auto& m : assess::improvement_moves(q, parsed.set, now, qi)) {
      if (options[static_cast<std::size_t>(m.to[0])].id == option) return m.steps;
    }
    return -1;
  };
  // Worst answers: energy per revenue up 10 % (100 → 110), cost per 100 up 10 %, pass rate down 10 %.
  const Json worst = {{"raw_energy_before", 100},
                      {"raw_energy_after", 110},
                      {"raw_revenue_before_retrofit", 100},
                      {"raw_revenue_after_retrofit", 100},
                      {"raw_cost_per_100_year_before", 100},
                      {"raw_cost_per_100_last_year", 110},
                      {"raw_pass_rate_before", 90},
                      {"raw_pass_rate_after", 81}};
  CHECK(steps_to(worst, "q12_energy", "flat") == 1);
  CHECK(steps_to(worst, "q12_energy", "down") == 2);
  CHECK(steps_to(worst, "q15_value", "flat") == 1);
  CHECK(steps_to(worst, "q15_value", "down") == 2);
  CHECK(steps_to(worst, "q13_quality", "up") == 2);
  const Json none = Json::object();
  CHECK(steps_to(none, "q12_energy", "down") == 2);
  CHECK(steps_to(none, "q12_energy", "flat") == 1);
  CHECK(steps_to(none, "q15_value", "down") == 2);
  CHECK(steps_to(none, "q13_quality", "up") == 2);
}

TEST_CASE("a roadmap adds up: an improvement in an unscored section shows +0 on the total, the rest sum to the gain") {
  // smart-factory-2025: the maturity section is shown but not scored ("scored": false), so raising
  // the maturity level meets a tier requirement without adding to the total; the scenarios are
  // scored. Whatever plan the search finds, the items' effects on the total must add up.
  const Questionnaire q =
      assess::load_questionnaire_file(ASSESS_SOURCE_DIR "/questionnaires/smart-factory-2025/smart-factory-2025.json");
  Json answers =
      assess::read_json_file(ASSESS_SOURCE_DIR "/questionnaires/smart-factory-2025/demo-answers.json").at("answers");
  assess::ParsedAnswers parsed =
      assess::parse_answers(q, Json{{"questionnaire", q.id}, {"answers", answers}}, "a.json");
  REQUIRE(parsed.errors.empty());
  const ScoreResult now = assess::score(q, parsed.set);
  for (int target = now.levels.level + 1; target < static_cast<int>(q.levels.size()); ++target) {
    const GapResult gap = assess::find_gap(q, parsed.set, target, {20'000});
    if (!gap.reachable) continue;
    INFO("target ", q.levels[static_cast<std::size_t>(target)].id);
    double sum = 0;
    int steps = 0;
    for (const auto& imp : gap.improvements) {
      sum += imp.total_gained;
      steps += imp.steps;
      const int section = q.questions[static_cast<std::size_t>(imp.question)].section;
      bool scored = true;
      for (int s = section; s > 0; s = q.sections[static_cast<std::size_t>(s)].parent) {
        scored = scored && q.sections[static_cast<std::size_t>(s)].scored;
      }
      if (!scored) CHECK(imp.total_gained == 0);
    }
    CHECK(steps == gap.steps);
    CHECK_NEAR(sum, gap.points_gained);
    CHECK_NEAR(now.sections[0].score + gap.points_gained, gap.after.sections[0].score);
  }
}

TEST_CASE("the gap says why its search stopped: complete, out of patience with a plan in hand, or at the node limit") {
  // smart-factory-2025's demo is one step from the next tier; the search needs 180 nodes to prove it
  // (docs/gap-search.md: conditions read improvable answers, so only the weak check prunes).
  const Questionnaire q =
      assess::load_questionnaire_file(ASSESS_SOURCE_DIR "/questionnaires/smart-factory-2025/smart-factory-2025.json");
  Json answers =
      assess::read_json_file(ASSESS_SOURCE_DIR "/questionnaires/smart-factory-2025/demo-answers.json").at("answers");
  assess::ParsedAnswers parsed =
      assess::parse_answers(q, Json{{"questionnaire", q.id}, {"answers", answers}}, "a.json");
  REQUIRE(parsed.errors.empty());
  const int next = assess::score(q, parsed.set).levels.level + 1;
  REQUIRE(next < static_cast<int>(q.levels.size()));

  SUBCASE("a search that finishes is complete") {
    const GapResult gap = assess::find_gap(q, parsed.set, next);
    CHECK(gap.stopped_by == assess::GapStop::kComplete);
    CHECK(gap.search_complete);
    CHECK(gap.proven_minimal);
    CHECK(gap.steps == 1);
  }
  SUBCASE("the node limit stops it and says so; the greedy plan stands") {
    assess::GapOptions options;
    options.max_nodes = 5;
    const GapResult gap = assess::find_gap(q, parsed.set, next, options);
    CHECK(gap.stopped_by == assess::GapStop::kNodeLimit);
    CHECK_FALSE(gap.search_complete);
    CHECK_FALSE(gap.tie_break_complete);
    CHECK(gap.reachable);
    CHECK(gap.nodes_searched == 6);  // the node past the limit is counted, then the search stops
  }
  SUBCASE("without patience it stops at once when it already holds a plan of the steps it tries") {
    // The greedy plan has one step, so the first round (1 step) starts with a plan in hand: no node
    // can raise the bound any more, only the points can improve, and no patience is granted.
    assess::GapOptions options;
    options.min_patience = 0;
    const GapResult gap = assess::find_gap(q, parsed.set, next, options);
    CHECK(gap.stopped_by == assess::GapStop::kNoProgress);
    CHECK_FALSE(gap.search_complete);
    CHECK(gap.proven_minimal);  // one step is the fewest any change can take
    CHECK(gap.steps == 1);
    CHECK(gap.lower_bound_steps == 1);
  }
  SUBCASE("the text and the JSON carry the reason") {
    CHECK(std::string(assess::to_string(assess::GapStop::kComplete)) == "complete");
    CHECK(std::string(assess::to_string(assess::GapStop::kNoProgress)) == "no_progress");
    CHECK(std::string(assess::to_string(assess::GapStop::kNodeLimit)) == "node_limit");
  }
}
