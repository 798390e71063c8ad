// support.h — helpers several test files share (not tests themselves).
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "scoring/answers.h"
#include "scoring/questionnaire.h"

namespace assess::testing {

// A file's bytes as they are (golden files, templates).
inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Expectations are written to this precision (hand arithmetic on published decimals).
constexpr double kTolerance = 1e-9;

// Parses {"<question>": value, ...} for `q`, failing the test on any answer error.
inline AnswerSet answers_for(const Questionnaire& q, const Json& answers) {
  ParsedAnswers parsed = parse_answers(q, Json{{"questionnaire", q.id}, {"answers", answers}}, "answers.json");
  for (const auto& e : parsed.errors) FAIL_CHECK("unexpected answer error: ", e.what());
  return parsed.set;
}

// The server's words (scoring/text.h) of a shipped catalogue: the "srv_*" keys of
// web/i18n/<lang>.json — what assess/languages.h gives for zh-CN and en, both complete.
inline Words shipped_words(const std::string& lang) {
  Words w;
  const Json catalogue = read_json_file(ASSESS_SOURCE_DIR "/web/i18n/" + lang + ".json");
  for (const auto& [key, value] : catalogue.items()) {
    if (key.rfind("srv_", 0) == 0) w.texts[key] = value.get<std::string>();
  }
  return w;
}
// The same, read once per test binary.
inline const Words& en_words() {
  static const Words w = shipped_words("en");
  return w;
}
inline const Words& zh_words() {
  static const Words w = shipped_words("zh-CN");
  return w;
}

}  // namespace assess::testing

// Numeric comparison with the tolerance the expectations are written to.
#define CHECK_NEAR(actual, expected)                                                \
  do {                                                                              \
    const double actual_value = (actual);                                           \
    const double expected_value = (expected);                                       \
    INFO("actual ", actual_value, ", expected ", expected_value);                   \
    CHECK(std::fabs(actual_value - expected_value) <= assess::testing::kTolerance); \
  } while (false)
