// score_bench — prints scoring throughput on a synthetic 200-question definition and JsonLogic
// evaluations per second. Single-threaded, timed in thread CPU seconds, so figures are per core even
// on a shared machine. Not a test: it asserts nothing about time, it reports.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string_view>
#include <vector>

#include "../bench/synthetic_enterprises.h"
#include "../tests/random_answers.h"
#include "scoring/answers.h"
#include "scoring/assessment.h"
#include "scoring/fact_table.h"
#include "scoring/gap.h"
#include "scoring/logic.h"
#include "scoring/questionnaire.h"
#include "scoring/rank.h"
#include "scoring/score.h"
#include "scoring/scorer.h"
#include "synthetic.h"

namespace {

using Clock = std::chrono::steady_clock;

// This thread's CPU seconds: on a shared machine, wall time would count other processes' turns.
double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// Runs `body` repeatedly for about `seconds` of CPU time and returns calls per CPU second.
template <typename F>
double rate(double seconds, F&& body) {
  long long calls = 0;
  const double start = cpu_seconds();
  double elapsed = 0;
  while (elapsed < seconds) {
    for (int i = 0; i < 100; ++i) body(calls++);
    elapsed = cpu_seconds() - start;
  }
  return static_cast<double>(calls) / elapsed;
}

volatile double sink = 0;

// SME digital level 2024 on its parsed demo answers, next to the synthetic definition's figure.
// `reference`: also the reference score() and the Scorer on random answer sets (false: only the
// Scorer on the demo answers, for a profiler).
int sme_figure(double seconds, bool reference = true, bool random_only = false) {
  using namespace assess;
  // SME digital level 2024 on its parsed demo answers, next to the synthetic definition's figure.
  const Library library = Library::load_dir(ASSESS_SOURCE_DIR "/questionnaires");
  const Questionnaire& sme = *library.find("sme-digital-2024");
  const Json sme_answers = read_json_file(ASSESS_SOURCE_DIR "/questionnaires/sme-digital-2024/demo-answers.json");
  const ParsedAnswers sme_parsed = parse_answers(sme, sme_answers, "demo-answers.json");
  // The reference scorer (score.h): walks the definition, builds a fresh result.
  if (reference) {
    const double sme_scored = rate(seconds / 2, [&](long long) {
      ScoreResult r = score(sme, sme_parsed.set);
      sink = sink + r.sections[0].score;
    });
    std::printf("SME digital level 2024, score (parsed demo answers, %zu questions): %10.0f assessments/s per core\n",
                sme.questions.size(), sme_scored);
    // Parsing the same answers from JSON: what the Scorer no longer converts per score (each
    // number's exact 64-bit form, Answer::value64) is worked out here, once per answer.
    const double sme_parsed_rate = rate(seconds / 4, [&](long long) {
      const ParsedAnswers p = parse_answers(sme, sme_answers, "demo-answers.json");
      sink = sink + p.set.answers[0].number;
    });
    std::printf("SME digital level 2024, parse_answers (demo answers as JSON):  %10.0f answer sets/s per core\n",
                sme_parsed_rate);
  }
  // The same answers through a Scorer (scorer.h): compiled once, scored into a result kept between calls.
  Scorer scorer(sme);
  ScoreResult kept;
  if (!random_only) {
    const double sme_compiled = rate(seconds / 2, [&](long long) {
      scorer.score(sme_parsed.set, kept);
      sink = sink + kept.sections[0].score;
    });
    std::printf("SME digital level 2024, Scorer (same answers, compiled once):   %10.0f assessments/s per core\n",
                sme_compiled);
  }
  if (!reference && !random_only) return 0;
  // 256 random SME answer sets (tests/random_answers.h: every quality of answer, figures with one
  // decimal), so that figures, bands and levels change from one assessment to the next.
  std::mt19937 rng(7);
  std::vector<AnswerSet> random_sets;
  for (int s = 0; s < 256; ++s) {
    AnswerSet set;
    const std::uint32_t best = std::vector<std::uint32_t>{0, 50, 80, 95, 100}[static_cast<std::size_t>(s % 5)];
    for (int qi = 0; qi < static_cast<int>(sme.questions.size()); ++qi) {
      set.answers.push_back(sme.questions[static_cast<std::size_t>(qi)].asked()
                                ? assess_test::random_answer(sme, qi, rng, best)
                                : Answer{});
    }
    random_sets.push_back(std::move(set));
  }
  const double sme_random = rate(seconds / 2, [&](long long i) {
    scorer.score(random_sets[static_cast<std::size_t>(i) & 255], kept);
    sink = sink + kept.sections[0].score;
  });
  std::printf("SME digital level 2024, Scorer (256 random answer sets):         %10.0f assessments/s per core\n",
              sme_random);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace assess;
  // --sme: only the SME figures; --scorer: only the Scorer's on the demo answers, --scorer-random
  // only on the random answer sets (for a profiler).
  const std::string_view mode = argc > 1 ? std::string_view(argv[1]) : std::string_view();
  if (mode == "--sme") return sme_figure(10.0);
  if (mode == "--scorer") return sme_figure(10.0, false);
  if (mode == "--scorer-random") return sme_figure(10.0, false, true);
  if (mode == "--scorer-calls" && argc > 2) {
    // Exactly N Scorer calls on the SME demo answers, nothing timed: for instruction counts
    // (valgrind --tool=callgrind), which a loaded machine does not disturb.
    const Library library = Library::load_dir(ASSESS_SOURCE_DIR "/questionnaires");
    const Questionnaire& sme = *library.find("sme-digital-2024");
    const ParsedAnswers parsed =
        parse_answers(sme, read_json_file(ASSESS_SOURCE_DIR "/questionnaires/sme-digital-2024/demo-answers.json"),
                      "demo-answers.json");
    Scorer scorer(sme);
    ScoreResult kept;
    const long long calls = std::atoll(argv[2]);
    for (long long i = 0; i < calls; ++i) {
      scorer.score(parsed.set, kept);
      sink = sink + kept.sections[0].score;
    }
    return 0;
  }
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

  Scorer scorer(q);
  ScoreResult kept;
  const double compiled = rate(2.0, [&](long long i) {
    scorer.score(sets[static_cast<std::size_t>(i) & 255], kept);
    sink = sink + kept.sections[0].score;
  });
  std::printf("Scorer (compiled once, result kept): %9.0f assessments/s per core\n", compiled);

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

  // The same rule over typed slots (logic::TypedRule): no JSON value is read or built.
  const std::vector<std::string> names = {"revenue", "region", "flag"};
  const auto typed = logic::TypedRule::compile(rule, [&](std::string_view path) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == path) return static_cast<int>(i);
    }
    return -1;
  });
  const logic::Typed slots[] = {logic::Typed::of_int(2500), logic::Typed::of_string("320205"),
                                logic::Typed::of_bool(false)};
  const double typed_evals =
      rate(2.0, [&](long long) { sink = sink + (logic::truthy(typed->evaluate(slots)) ? 1 : 0); });
  std::printf("JsonLogic (same rule, typed slots):   %8.0f evaluations/s per core\n", typed_evals);

  // Every rule of the shipped ranking criteria over typed facts of 1,000 synthetic enterprises
  // (fact_table.h), as `assess rank` evaluates them from the database.
  std::vector<logic::TypedRule> criteria_rules;
  for (const auto& c : load_criteria_dir(ASSESS_SOURCE_DIR "/policies/criteria")) {
    std::vector<const logic::Rule*> rules;
    for (const auto& e : c.eligibility) rules.push_back(&e.logic);
    for (const auto& t : c.score) rules.push_back(&t.value);
    for (const auto& t : c.tie_breakers) rules.push_back(&t.value);
    for (const auto* r : rules) {
      if (auto t = logic::TypedRule::compile(*r, [](std::string_view path) { return fact_slot(path); }))
        criteria_rules.push_back(*t);
    }
  }
  std::vector<std::vector<logic::Typed>> rows;
  std::vector<std::vector<Json>> stored;
  std::vector<std::vector<std::vector<std::string_view>>> lists;
  for (const auto& c : bench::synthetic_enterprises(1000, 3)) {
    stored.push_back(*fact_values(c.facts));
  }
  lists.resize(stored.size());
  for (std::size_t r = 0; r < stored.size(); ++r) {
    std::vector<logic::Typed> row;
    lists[r].resize(fact_columns().size());
    for (std::size_t i = 0; i < stored[r].size(); ++i) {
      const Json& v = stored[r][i];
      const FactKind kind = fact_columns()[i].kind;
      if (v.is_null())
        row.push_back(logic::Typed::null());
      else if (v.is_boolean())
        row.push_back(logic::Typed::of_bool(v.get<bool>()));
      else if (v.is_number_integer())
        row.push_back(logic::Typed::of_int(v.get<std::int64_t>()));
      else if (v.is_number())
        row.push_back(logic::Typed::of_double(v.get<double>()));
      else if (kind == FactKind::kList) {
        decode_list(v.get_ref<const std::string&>(), lists[r][i]);
        logic::Typed t;
        t.kind = logic::Typed::kList;
        t.items = lists[r][i].data();
        t.count = static_cast<std::uint32_t>(lists[r][i].size());
        row.push_back(t);
      } else {
        row.push_back(logic::Typed::of_string(v.get_ref<const std::string&>()));
      }
    }
    rows.push_back(std::move(row));
  }
  const std::size_t per_row = criteria_rules.size();
  const double criteria_evals = rate(2.0,
                                     [&](long long i) {
                                       const logic::Typed* row = rows[static_cast<std::size_t>(i) % rows.size()].data();
                                       for (const auto& r : criteria_rules)
                                         sink = sink + (logic::truthy(r.evaluate(row)) ? 1 : 0);
                                     }) *
                                static_cast<double>(per_row);
  std::printf(
      "JsonLogic (%zu shipped criteria rules, typed facts of 1,000 enterprises): %8.0f evaluations/s per core\n",
      per_row, criteria_evals);

  return sme_figure(4.0);
}
