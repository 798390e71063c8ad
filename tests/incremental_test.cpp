#include "scoring/incremental.h"

#include <doctest/doctest.h>

#include <bit>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "random_answers.h"
#include "scoring/answers.h"
#include "scoring/gap.h"
#include "scoring/questionnaire.h"
#include "scoring/score.h"
#include "support.h"

using assess::Answer;
using assess::AnswerSet;
using assess::IncrementalScore;
using assess::Json;
using assess::Questionnaire;
using assess::ScoreResult;

namespace {

using assess_test::difference;
using assess_test::random_answer;
using assess_test::shipped;

struct Counts {
  long long changes = 0;
  long long level_changes = 0;  // changes after which the level differs from before
};

// `sets` random answer sets, each followed by `changes` random changes of one answer: a new answer
// (set), a gap move (select, also on bands computed from other facts) or back to the start (reset).
// After every change the incremental result equals score() of the same answers, bit for bit, and
// equals score() of an answer set the test keeps itself.
Counts check_against_full_scores(const Questionnaire& q, unsigned seed, int sets, int changes) {
  std::mt19937 rng(seed);
  Counts counts;
  const int n = static_cast<int>(q.questions.size());
  for (int s = 0; s < sets; ++s) {
    const std::uint32_t best = std::vector<std::uint32_t>{0, 50, 80, 95, 100}[static_cast<std::size_t>(s % 5)];
    AnswerSet start;
    for (int qi = 0; qi < n; ++qi) {
      if (!q.questions[static_cast<std::size_t>(qi)].asked()) {
        start.answers.emplace_back();
        continue;
      }
      start.answers.push_back(random_answer(q, qi, rng, best));
    }
    IncrementalScore inc(q, start);
    AnswerSet mine = start;
    for (int c = 0; c < changes; ++c) {
      const int qi = static_cast<int>(rng() % static_cast<std::uint32_t>(n));
      const auto& question = q.questions[static_cast<std::size_t>(qi)];
      const int before = inc.result().levels.level;
      const std::uint32_t kind = rng() % 4;
      if (kind == 0) {
        inc.reset(qi);
        mine.answers[static_cast<std::size_t>(qi)] = start.answers[static_cast<std::size_t>(qi)];
      } else if (question.scored() && !question.options.empty() && kind == 1) {
        // A gap move: options as improvement_moves gives them (one for most types, several for multi).
        std::vector<int> to;
        if (question.type == assess::QuestionType::kMulti) {
          for (std::size_t o = 0; o < question.options.size(); ++o) {
            if (!question.options[o].exclusive && rng() % 2 == 0) to.push_back(static_cast<int>(o));
          }
          if (to.empty()) continue;
        } else {
          to.push_back(static_cast<int>(rng() % question.options.size()));
        }
        inc.select(qi, to);
        mine = assess::apply_moves(q, mine, {assess::Move{qi, to, 1, 0}});
      } else if (question.asked()) {
        const Answer a = random_answer(q, qi, rng, best);
        inc.set(qi, a);
        mine.answers[static_cast<std::size_t>(qi)] = a;
      } else {
        continue;
      }
      ++counts.changes;
      if (inc.result().levels.level != before) ++counts.level_changes;
      const ScoreResult full = assess::score(q, inc.answers());
      const std::string diff = difference(inc.snapshot(), full);
      INFO(q.id, " set ", s, " change ", c, " of ", question.id);
      REQUIRE(diff == "");
      REQUIRE(difference(assess::score(q, mine), full) == "");
    }
  }
  return counts;
}

}  // namespace

TEST_CASE("incremental scoring equals a full score, bit for bit, after thousands of random changes") {
  SUBCASE("SME digital level 2024: bands computed from raw figures (exact decimals), count gates") {
    const Counts c = check_against_full_scores(shipped("sme-digital-2024"), 1u, 150, 25);
    CHECK(c.changes > 3000);
    CHECK(c.level_changes > 10);  // the changes do move levels, not only points
  }
  SUBCASE("smart factory 2025: conditions that hide questions, computed values, value gates") {
    const Counts c = check_against_full_scores(shipped("smart-factory-2025"), 2u, 150, 25);
    CHECK(c.changes > 3000);
    CHECK(c.level_changes > 10);
  }
  SUBCASE("CMMM: rating means, levels counted up to the first one that fails, cumulative levels") {
    const Counts c = check_against_full_scores(shipped("cmmm"), 3u, 150, 25);
    CHECK(c.changes > 3000);
    CHECK(c.level_changes > 10);
  }
}

TEST_CASE("incremental scoring follows a condition chain: a change shows a question whose answer shows another") {
  // b shows when a is yes; c shows when b is yes; a logic requirement reads c (absent while hidden).
  // Changing a reaches b, c and the requirement. The computed value reads c whether shown or not
  // (computed values come before visibility), so d's band does not move.
  const Questionnaire q = assess::load_questionnaire(Json::parse(R"({
    "id": "chain", "version": "1", "title": "Chain",
    "questions": [
      {"id": "a", "type": "yesno", "title": "A", "points": {"yes": 1}},
      {"id": "b", "type": "yesno", "title": "B", "points": {"yes": 1}, "visible_if": {"==": [{"var": "a"}, true]}},
      {"id": "c", "type": "number", "title": "C", "visible_if": {"==": [{"var": "b"}, true]}},
      {"id": "d", "type": "band", "title": "D", "value_from": "twice_c", "options": [
        {"id": "lo", "label": "lo", "points": 0, "range": {"lt": 10}},
        {"id": "hi", "label": "hi", "points": 5, "range": {"ge": 10}}]}],
    "computed": [{"id": "twice_c", "title": "2c", "expr": {"*": [2, {"var": "c"}]}}],
    "levels": {"items": [{"id": "L1", "name": "L1", "requires": [
      {"id": "r", "logic": {">": [{"var": "c"}, 5]}},
      {"id": "s", "score": "chain", ">=": 7}]}]}
  })"),
                                                     "chain.json");
  const AnswerSet answers = assess::testing::answers_for(q, {{"a", false}, {"b", true}, {"c", 5.5}});
  IncrementalScore inc(q, answers);
  CHECK(inc.result().levels.level == -1);
  CHECK_FALSE(inc.result().questions[1].visible);  // b hidden: a is no
  CHECK_FALSE(inc.result().questions[2].visible);  // c hidden: b reads as absent
  CHECK(inc.result().questions[3].band == 1);      // 2 × 5.5 = 11 ≥ 10
  CHECK_FALSE(inc.result().levels.requirements[0][0].met);
  inc.select(0, std::vector<int>{1});  // a → yes
  CHECK(inc.result().questions[1].visible);
  CHECK(inc.result().questions[2].visible);
  CHECK(inc.result().levels.requirements[0][0].met);  // 5.5 > 5
  CHECK(inc.result().questions[3].band == 1);
  CHECK(inc.result().sections[0].score == 7);  // 1 + 1 + 5
  CHECK(inc.result().levels.level == 0);
  CHECK(difference(inc.snapshot(), assess::score(q, inc.answers())) == "");
  inc.reset(0);
  CHECK(difference(inc.snapshot(), assess::score(q, answers)) == "");
  CHECK(inc.result().levels.level == -1);
}
