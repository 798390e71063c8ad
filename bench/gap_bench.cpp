// gap_bench — how long the gap search takes where people wait for it: on 4,096 random SME answer
// sets (the level after the one reached), and on the demo answers of every questionnaire (the web
// app's, the report's and the command line's node limits). Prints the distribution in CPU
// milliseconds, how often the search was stopped before proving its plan, and the plans' steps.
// Not a test: it reports. Usage: gap_bench [source dir] [answer sets] [any: print the slowest].
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "scoring/answers.h"
#include "scoring/gap.h"
#include "scoring/questionnaire.h"
#include "scoring/score.h"

namespace {

// CPU time of this process: the machine the figures are taken on is shared, so wall time would
// measure the neighbours too.
struct Clock {
  using time_point = double;
  static double now() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
  }
};
using assess::Json;

// Random answers over the whole definition: unanswered one time in six, choices uniformly, multiple
// choices by coin flips, numbers within the question's range (a wide one when open) so that the
// computed shares and changes fall in every band.
Json random_answers(const assess::Questionnaire& q, std::mt19937& rng) {
  auto roll = [&](std::uint32_t n) { return static_cast<std::uint32_t>(rng() % n); };
  Json answers = Json::object();
  for (const auto& question : q.questions) {
    if (!question.asked() || roll(6) == 0) continue;
    const auto n = static_cast<std::uint32_t>(question.options.size());
    switch (question.type) {
      case assess::QuestionType::kSingle:
      case assess::QuestionType::kLadder:
        answers[question.id] = question.type == assess::QuestionType::kLadder ? Json(question.options[roll(n)].level)
                                                                              : Json(question.options[roll(n)].id);
        break;
      case assess::QuestionType::kMulti: {
        Json selected = Json::array();
        for (const auto& o : question.options) {
          if (!o.exclusive && roll(2) == 1) selected.push_back(o.id);
        }
        answers[question.id] = selected;
        break;
      }
      case assess::QuestionType::kYesNo:
        answers[question.id] = roll(2) == 1;
        break;
      case assess::QuestionType::kNumber:
      case assess::QuestionType::kPercent:
      case assess::QuestionType::kBand: {
        const double lo = question.min.value_or(0);
        const double hi = question.max.value_or(lo + 1000);
        answers[question.id] = lo + static_cast<double>(roll(1000)) * (hi - lo) / 1000.0;
        break;
      }
      default:
        break;
    }
  }
  return answers;
}

assess::AnswerSet parse(const assess::Questionnaire& q, const Json& answers) {
  assess::ParsedAnswers parsed = assess::parse_answers(q, Json{{"questionnaire", q.id}, {"answers", answers}}, "bench");
  return parsed.set;  // answers the parser refuses are left out, as in the web app
}

double ms_since(Clock::time_point start) {
  return Clock::now() - start;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

void demo(const std::string& dir, const std::string& name, long long max_nodes, const char* label) {
  const assess::Questionnaire q = assess::load_questionnaire_file(dir + "/" + name + "/" + name + ".json");
  const Json given = assess::read_json_file(dir + "/" + name + "/demo-answers.json").at("answers");
  const assess::AnswerSet answers = parse(q, given);
  const int next = assess::score(q, answers).levels.level + 1;
  if (next >= static_cast<int>(q.levels.size())) return;
  assess::GapOptions options;
  options.max_nodes = max_nodes;
  const auto start = Clock::now();
  const assess::GapResult gap = assess::find_gap(q, answers, next, options);
  const double ms = ms_since(start);
  std::printf("%-20s %-24s %8.1f ms  %2d steps  lower bound %2d  %-10s %8lld nodes  %s\n", name.c_str(), label, ms,
              gap.steps, gap.lower_bound_steps, gap.proven_minimal ? "proven" : "not proven", gap.nodes_searched,
              assess::to_string(gap.stopped_by));
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = std::string(argc > 1 ? argv[1] : ASSESS_SOURCE_DIR) + "/questionnaires";
  const int count = argc > 2 ? std::stoi(argv[2]) : 4096;
  const assess::Questionnaire sme = assess::load_questionnaire_file(dir + "/sme-digital-2024/sme-digital-2024.json");
  std::mt19937 rng(20261206u);
  std::vector<double> times;
  long long nodes = 0;
  long long most_nodes = 0;
  int stopped = 0;
  int stopped_no_progress = 0;
  int stopped_node_limit = 0;
  int not_proven = 0;
  int searched = 0;
  double slowest = 0;
  std::string slowest_answers;
  for (int i = 0; i < count; ++i) {
    const Json given = random_answers(sme, rng);
    const assess::AnswerSet answers = parse(sme, given);
    const int next = assess::score(sme, answers).levels.level + 1;
    if (next >= static_cast<int>(sme.levels.size())) continue;
    const auto start = Clock::now();
    const assess::GapResult gap = assess::find_gap(sme, answers, next);
    const double ms = ms_since(start);
    times.push_back(ms);
    ++searched;
    nodes += gap.nodes_searched;
    most_nodes = std::max(most_nodes, gap.nodes_searched);
    if (!gap.search_complete) ++stopped;
    if (gap.stopped_by == assess::GapStop::kNoProgress) ++stopped_no_progress;
    if (gap.stopped_by == assess::GapStop::kNodeLimit) ++stopped_node_limit;
    if (argc > 3 && !gap.search_complete) {
      std::printf("  stopped (%s, %lld nodes, %s, %d steps, bound %d, %.1f ms): %s\n",
                  assess::to_string(gap.stopped_by), gap.nodes_searched, gap.proven_minimal ? "proven" : "not proven",
                  gap.steps, gap.lower_bound_steps, ms, given.dump().c_str());
    }
    if (gap.reachable && !gap.proven_minimal) ++not_proven;
    if (ms > slowest) {
      slowest = ms;
      slowest_answers = given.dump();
    }
  }
  std::printf("SME gap search to the next level, %d random answer sets (%d searched):\n", count, searched);
  std::printf("  median %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.1f ms\n", percentile(times, 0.5),
              percentile(times, 0.9), percentile(times, 0.99), percentile(times, 1.0));
  std::printf(
      "  stopped before the end: %d (no progress %d, node limit %d), plans not proven smallest: %d, nodes: %.0f on "
      "average, %lld at most\n",
      stopped, stopped_no_progress, stopped_node_limit, not_proven, static_cast<double>(nodes) / std::max(searched, 1),
      most_nodes);
  if (argc > 3) std::printf("  slowest answers: %s\n", slowest_answers.c_str());
  std::printf("Demo answers, gap to the next level:\n");
  for (const char* name : {"sme-digital-2024", "smart-factory-2025", "cmmm"}) {
    demo(dir, name, 50'000, "(web app, 50,000)");
    demo(dir, name, 200'000, "(report, 200,000)");
    demo(dir, name, 500'000, "(command line, 500,000)");
  }
  return 0;
}
