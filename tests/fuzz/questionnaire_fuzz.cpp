// libFuzzer target: any bytes given to the questionnaire loader either load, or fail with
// assess::Error; nothing else may escape and nothing may crash. Loaded definitions are scored
// with an empty answer set and a gap search to the first level, to reach the runtime too.
#include <cstddef>
#include <cstdint>
#include <string>

#include "scoring/answers.h"
#include "scoring/error.h"
#include "scoring/gap.h"
#include "scoring/questionnaire.h"
#include "scoring/score.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    assess::Json doc = assess::parse_json_text(text, "fuzz.json");
    assess::DefinitionLimits limits;
    limits.max_questions = 200;
    assess::Questionnaire q = assess::load_questionnaire(doc, "fuzz.json", limits);
    assess::AnswerSet answers;
    answers.answers.resize(q.questions.size());
    assess::ScoreResult r = assess::score(q, answers);
    if (!q.levels.empty()) {
      assess::GapOptions options;
      options.max_nodes = 2000;
      (void)assess::find_gap(q, answers, 0, options);
    }
    (void)r;
  } catch (const assess::Error&) {
  }
  return 0;
}
