// score_bench — prints scoring throughput on a synthetic 200-question definition and JsonLogic
// evaluations per second. Single-threaded, so figures are per core. Not a test: it asserts nothing
// about time, it reports.
#include <chrono>
#include <cstdio>
#include <vector>

#include "assess/answers.h"
#include "assess/gap.h"
#include "assess/logic.h"
#include "assess/questionnaire.h"
#include "assess/score.h"
#include "synthetic.h"

namespace {

using Clock = std::chrono::steady_clock;

// Runs `body` repeatedly for about `seconds` and returns calls per second.
template <typename F>
double rate(double seconds, F&& body) {
  long long calls = 0;
  const auto start = Clock::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    for (int i = 0; i < 100; ++i) body(calls++);
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  }
  return static_cast<double>(calls) / elapsed;
}

volatile double sink = 0;

}  // namespace

int main() {
  using namespace assess;
  const Json definition = bench::synthetic_definition(200);
  const Questionnaire q = load_questionnaire(definition, "synthetic.json");
  std::vector<AnswerSet> sets;
  std::vector<Json> raw;
  for (unsigned seed = 0; seed < 256; ++seed) {
    raw.push_back(bench::synthetic_answers(definition, seed));
    ParsedAnswers parsed = parse_answers(q, raw.back(), "answers.json");
    if (!parsed.errors.empty()) {
      std::fprintf(stderr, "bench: synthetic answers invalid: %s\n", parsed.errors[0].what());
      return 1;
    }
    sets.push_back(std::move(parsed.set));
  }
  std::printf("definition: %zu questions, %zu sections, %zu computed values, %zu levels\n", q.questions.size(),
              q.sections.size(), q.computed.size(), q.levels.size());

  const double scored = rate(2.0, [&](long long i) {
    ScoreResult r = score(q, sets[static_cast<std::size_t>(i) & 255]);
    sink = sink + r.sections[0].score;
  });
  std::printf("score (parsed answers):             %10.0f assessments/s per core\n", scored);

  const double parsed_and_scored = rate(2.0, [&](long long i) {
    ParsedAnswers p = parse_answers(q, raw[static_cast<std::size_t>(i) & 255], "answers.json");
    ScoreResult r = score(q, p.set);
    sink = sink + r.sections[0].score;
  });
  std::printf("parse + validate + score (JSON in): %10.0f assessments/s per core\n", parsed_and_scored);

  const double gaps = rate(2.0, [&](long long i) {
    const AnswerSet& a = sets[static_cast<std::size_t>(i) & 255];
    GapResult g = find_gap(q, a, std::min<int>(score(q, a).levels.level + 1, 3));
    sink = sink + g.steps;
  });
  std::printf("gap search to the next level:       %10.0f searches/s per core\n", gaps);

  const logic::Rule rule = logic::Rule::compile(Json::parse(
      R"({"and":[{">=":[{"var":"revenue"},2000]},{"in":[{"var":"region"},["320205","320583"]]},{"!":{"var":"flag"}}]})"));
  const Json data = {{"revenue", 2500}, {"region", "320205"}, {"flag", false}};
  const double evals = rate(2.0, [&](long long) { sink = sink + (logic::truthy(rule.evaluate(data)) ? 1 : 0); });
  std::printf("JsonLogic (3-clause rule, JSON data): %8.0f evaluations/s per core\n", evals);
  return 0;
}
