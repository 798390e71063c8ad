// explain.h — results that explain themselves.
//
// Turns a ScoreResult and gaps into one JSON document (the `assess score --json` format, documented
// in docs/score-json.md): for every question the answer, option, points, weight and citation; for
// every section its aggregation rule and inputs; for every level requirement met/unmet with actual
// and needed values; every unconfirmed fact with its confidence; and the definition id, version and
// content hash the numbers were computed under. The text output is rendered from the same document.
#pragma once

#include <string>
#include <vector>

#include "scoring/answers.h"
#include "scoring/gap.h"
#include "scoring/questionnaire.h"
#include "scoring/score.h"

namespace assess {

// `lang` is the language the definitions' texts are read in, `words` that language's catalogue words
// (text.h): built-in names — yes/no options, "no level" when a definition names none — come from them.
[[nodiscard]] Json explain_score(const Questionnaire& q, const AnswerSet& answers, const ScoreResult& result,
                                 const std::string& lang, const Words& words);

[[nodiscard]] Json explain_gap(const Questionnaire& q, const AnswerSet& answers, const GapResult& gap,
                               const std::string& lang, const Words& words);

// Human-readable text of an explained score (with its "gaps" array when present), in the words of
// one language (text.h: the "srv_explain_*" entries of the language catalogues).
[[nodiscard]] std::string render_text(const Json& explained, const Words& words);

}  // namespace assess
