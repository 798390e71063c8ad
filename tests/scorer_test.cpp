#include "scoring/scorer.h"

#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "random_answers.h"
#include "scoring/answers.h"
#include "scoring/questionnaire.h"
#include "scoring/score.h"
#include "support.h"

using assess::AnswerSet;
using assess::Json;
using assess::Questionnaire;
using assess::Scorer;
using assess::ScoreResult;
using assess_test::difference;
using assess_test::random_answer;
using assess_test::shipped;

namespace {

// Figures that push exact evaluation off its 64-bit path: beyond 2^53, beyond 2^63 in products,
// decimals too long for a short form, tiny and negative ones.
const std::vector<double> kAwkward = {
    0,     0.1,  1e-7, 123456789.123456, 0.30000000000000004, 9007199254740993.0, 4611686018427387904.0, 9.2e18, 1e20,
    1e300, -0.5, -3,   2.5e-10,          99999999999.99,      1.0 / 3.0};

// A random answer set: random_answer for every asked question; with `awkward`, a number answer
// takes one of kAwkward a third of the time when the definition accepts it.
AnswerSet random_set(const Questionnaire& q, std::mt19937& rng, std::uint32_t best, bool awkward) {
  AnswerSet set;
  for (int qi = 0; qi < static_cast<int>(q.questions.size()); ++qi) {
    const auto& question = q.questions[static_cast<std::size_t>(qi)];
    if (!question.asked()) {
      set.answers.emplace_back();
      continue;
    }
    const bool numeric = question.type == assess::QuestionType::kNumber ||
                         question.type == assess::QuestionType::kPercent ||
                         question.type == assess::QuestionType::kBand;
    if (awkward && numeric && rng() % 3 == 0) {
      const double v = kAwkward[rng() % kAwkward.size()];
      try {
        set.answers.push_back(assess::parse_answer(q, qi, v, "random.json", "/answers/" + question.id));
        continue;
      } catch (const assess::Error&) {
        // outside the question's range: a regular random answer instead
      }
    }
    set.answers.push_back(random_answer(q, qi, rng, best));
  }
  return set;
}

struct Seen {
  int sets = 0;
  int exact_values = 0;     // computed values with an exact result
  int floating_values = 0;  // computed numbers without one (the floating-point engine decided)
  std::vector<int> levels;  // sets per level reached (index level + 1)
};

// `sets` random answer sets scored by one Scorer into two results used in turn (so that storage left
// by a different answer set is reused), each compared with score() of the same answers.
Seen compare_with_score(const Questionnaire& q, unsigned seed, int sets, bool awkward) {
  std::mt19937 rng(seed);
  Scorer scorer(q);
  std::array<ScoreResult, 2> kept;
  Seen seen;
  seen.levels.assign(q.levels.size() + 1, 0);
  for (int s = 0; s < sets; ++s) {
    const std::uint32_t best = std::vector<std::uint32_t>{0, 50, 80, 95, 100}[static_cast<std::size_t>(s % 5)];
    const AnswerSet answers = random_set(q, rng, best, awkward);
    ScoreResult& mine = kept[static_cast<std::size_t>(s % 2)];
    scorer.score(answers, mine);
    const ScoreResult reference = assess::score(q, answers);
    INFO(q.id, " set ", s);
    REQUIRE(difference(mine, reference) == "");
    ++seen.sets;
    ++seen.levels[static_cast<std::size_t>(reference.levels.level + 1)];
    for (std::size_t ci = 0; ci < q.computed.size(); ++ci) {
      if (reference.computed_exact[ci])
        ++seen.exact_values;
      else if (reference.computed[ci].is_number())
        ++seen.floating_values;
    }
  }
  return seen;
}

}  // namespace

TEST_CASE("Scorer gives score()'s result, bit for bit, on thousands of random answer sets") {
  SUBCASE("SME digital level 2024: bands computed exactly from raw figures, count gates") {
    const Seen seen = compare_with_score(shipped("sme-digital-2024"), 11u, 4000, false);
    CHECK(seen.exact_values > 10000);
    for (std::size_t level = 0; level < seen.levels.size(); ++level) {
      INFO("level index ", static_cast<int>(level) - 1);
      CHECK(seen.levels[level] > 0);  // every level, and none, occurs
    }
  }
  SUBCASE("SME with awkward figures: wide, long and tiny decimals leave the 64-bit path") {
    const Seen seen = compare_with_score(shipped("sme-digital-2024"), 12u, 3000, true);
    CHECK(seen.exact_values > 5000);
    CHECK(seen.floating_values > 0);  // figures beyond 128 bits: the floating-point engine decides
  }
  SUBCASE("smart factory 2025: conditions that hide questions, computed values, value gates") {
    const Seen seen = compare_with_score(shipped("smart-factory-2025"), 13u, 2000, true);
    CHECK(seen.levels[0] < seen.sets);  // levels are reached
  }
  SUBCASE("CMMM: rating means, levels counted up to the first one that fails, cumulative levels") {
    const Seen seen = compare_with_score(shipped("cmmm"), 14u, 2000, false);
    CHECK(seen.levels[0] < seen.sets);
  }
}

TEST_CASE("Scorer on the demo answers: the published SME result") {
  const Questionnaire q = shipped("sme-digital-2024");
  const Json document =
      assess::read_json_file(std::string(ASSESS_SOURCE_DIR) + "/questionnaires/sme-digital-2024/demo-answers.json");
  const auto parsed = assess::parse_answers(q, document, "demo-answers.json");
  REQUIRE(parsed.errors.empty());
  Scorer scorer(q);
  ScoreResult r;
  for (int i = 0; i < 3; ++i) scorer.score(parsed.set, r);  // the third time into reused storage
  CHECK(difference(r, assess::score(q, parsed.set)) == "");
  // README「演示答案」: total 55.6, level 2 (index 1).
  CHECK_NEAR(r.sections[0].score, 55.6);
  CHECK(r.levels.level == 1);
}

TEST_CASE("Scorer: a computed value that reads text, a boolean rule, a division by zero") {
  // c_len reads a text answer (outside the exact subset: the floating-point engine decides), c_flag
  // is a boolean (no exact number), c_ratio divides by an answer that may be 0.
  const Questionnaire q = assess::load_questionnaire(Json::parse(R"({
    "id": "mixed", "version": "1", "title": "Mixed",
    "questions": [
      {"id": "name", "type": "text", "title": "Name"},
      {"id": "a", "type": "number", "title": "A"},
      {"id": "b", "type": "number", "title": "B"},
      {"id": "band", "type": "band", "title": "Ratio band", "value_from": "c_ratio",
       "options": [{"id": "low", "label": "low", "points": 1, "range": {"lt": 0.5}},
                   {"id": "high", "label": "high", "points": 3, "range": {"ge": 0.5}}]}
    ],
    "computed": [
      {"id": "c_len", "title": "Has name", "expr": {"if": [{"var": "name"}, 1, 0]}},
      {"id": "c_flag", "title": "Flag", "expr": {">": [{"var": "a"}, {"var": "b"}]}},
      {"id": "c_ratio", "title": "Ratio", "expr": {"/": [{"var": "a"}, {"var": "b"}]}}
    ],
    "levels": {"items": [{"id": "L1", "name": "L1", "requires": [{"id": "r", "score": "mixed", ">=": 3}]}]}
  })"),
                                                     "mixed.json");
  Scorer scorer(q);
  ScoreResult r;
  for (const Json& answers : {Json{{"name", "x"}, {"a", 1}, {"b", 3}}, Json{{"a", 2}, {"b", 0}},
                              Json{{"a", 0.7}, {"b", 1.4}}, Json{{"name", ""}, {"b", 2}}, Json::object()}) {
    const AnswerSet set = assess::testing::answers_for(q, answers);
    scorer.score(set, r);
    INFO(answers.dump());
    CHECK(difference(r, assess::score(q, set)) == "");
  }
  // By hand: 0.7 / 1.4 is exactly 1/2, the "high" band.
  const AnswerSet half = assess::testing::answers_for(q, {{"a", 0.7}, {"b", 1.4}});
  scorer.score(half, r);
  REQUIRE(r.computed_exact[2]);
  CHECK(r.computed_exact[2]->to_string() == "1/2");
  CHECK(r.questions[3].band == 1);
}

TEST_CASE("Scorer: chained computed values where the 64-bit program gives up part way") {
  // c_product is always a program's; c_share reads it exactly; c_scaled multiplies by 10^11, so wide
  // products leave 64 bits and Expr::evaluate (or, beyond 128 bits, the floating-point engine) decides
  // it and c_sum, which reads it; c_named reads a text answer (floating-point engine). Every order of
  // program, exact tree and floating-point results occurs within one answer set; each set is compared
  // with score() bit for bit.
  const Questionnaire q = assess::load_questionnaire(Json::parse(R"({
    "id": "chain", "version": "1", "title": "Chain",
    "questions": [
      {"id": "a", "type": "number", "title": "A"},
      {"id": "b", "type": "number", "title": "B"},
      {"id": "name", "type": "text", "title": "Name"},
      {"id": "band", "type": "band", "title": "Sum band", "value_from": "c_sum",
       "options": [{"id": "low", "label": "low", "points": 1, "range": {"lt": 10}},
                   {"id": "mid", "label": "mid", "points": 2, "range": {"ge": 10, "lt": 1000000}},
                   {"id": "high", "label": "high", "points": 3, "range": {"ge": 1000000}}]}
    ],
    "computed": [
      {"id": "c_product", "title": "Product", "expr": {"*": [{"var": "a"}, {"var": "b"}]}},
      {"id": "c_share", "title": "Share", "expr": {"if": [{"==": [{"var": "b"}, 0]}, null,
                                                             {"/": [{"var": "c_product"}, {"var": "b"}]}]}},
      {"id": "c_scaled", "title": "Scaled", "expr": {"*": [{"var": "c_product"}, 100000000000]}},
      {"id": "c_sum", "title": "Sum", "expr": {"+": [{"var": "c_scaled"}, {"var": "c_share"}]}},
      {"id": "c_named", "title": "Named", "expr": {"if": [{"var": "name"}, {"var": "c_sum"}, 0]}}
    ],
    "levels": {"items": [{"id": "L1", "name": "L1", "requires": [{"id": "r", "value": "c_share", ">=": 3}]}]}
  })"),
                                                     "chain.json");
  const std::vector<Json> figures = {0,      1,    -2,       3, 0.1, 2.5, 93.1, -0.02, 48431, 1e9, 123456789.123456,
                                     9.2e18, 1e20, 1.0 / 3.0};
  std::mt19937 rng(21);
  Scorer scorer(q);
  ScoreResult r;
  int exact_sums = 0;
  int floating_sums = 0;
  for (int s = 0; s < 3000; ++s) {
    Json answers = Json::object();
    if (rng() % 6 != 0) answers["a"] = figures[rng() % figures.size()];
    if (rng() % 6 != 0) answers["b"] = figures[rng() % figures.size()];
    if (rng() % 2 != 0) answers["name"] = rng() % 3 == 0 ? "" : "x";
    const AnswerSet set = assess::testing::answers_for(q, answers);
    scorer.score(set, r);
    INFO(answers.dump());
    REQUIRE(difference(r, assess::score(q, set)) == "");
    if (r.computed_exact[3])
      ++exact_sums;
    else if (r.computed[3].is_number())
      ++floating_sums;
  }
  CHECK(exact_sums > 100);
  CHECK(floating_sums > 10);  // beyond 128 bits: the floating-point engine decided c_scaled and c_sum
}
