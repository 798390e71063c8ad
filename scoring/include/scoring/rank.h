// rank.h — the bureau's shortlists: which enterprises to recommend for an award or a subsidy, in
// which order, and why each one sits where it does.
//
// Ranking criteria are data (policies/criteria/<id>.json): eligibility conditions that must all hold,
// a weighted sum of score terms, named tie-breakers and a final tie-break by enterprise id, so that
// the order is total and reproducible. `rank` is a pure function of the criteria and the candidates;
// every row carries its own explanation (each term's value × weight, each tie-breaker's value, which
// key separated it from the row above) and the result carries a sensitivity check: who enters or
// leaves the top N when one weight moves by ±10 %.
//
// A criteria file:
//   {"id", "title": Text, "cite", "quote"?, "document"? (policy document id), "status"? ("draft" |
//    "in_force"), "confidence"?, "note"? Text, "top"? (default shortlist size),
//    "filters"?: {"regions": [GB/T 2260 areas], "industries": [GB/T 4754 prefixes]},
//    "eligibility"?: [{"id", "title", "logic": JsonLogic, "cite"?, "note"?}],     all must hold
//    "score": [{"id", "title", "weight", "value": JsonLogic → number, "cite"?, "note"?}],
//    "tie_breakers"?: [{"id", "title", "value": JsonLogic, "order": "desc" | "asc", "note"?}]}
// Rules read the facts through "profile", "region", "results" and "bureau" only. Filters decide who
// is considered at all (not listed); eligibility decides who is ranked (the others are listed with
// the condition that failed). A score term that reads a missing fact counts 0 and is flagged.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "scoring/fact_table.h"
#include "scoring/logic.h"
#include "scoring/policy.h"
#include "scoring/questionnaire.h"
#include "scoring/text.h"

namespace assess {

// One enterprise as the bureau sees it. `facts` has the shape enterprise_facts() gives —
// {"profile": {...}, "region": "320205", "results": {module: {"level", "total"}}} — plus, under
// "bureau", anything the bureau's own records add that a criteria file reads.
struct Candidate {
  std::string id;
  std::string name;
  Json facts;
};

// `[{"id", "name", "facts"}, ...]`, validated with the project's error shape (file + JSON pointer).
[[nodiscard]] std::vector<Candidate> candidates_from_json(const Json& array, const std::string& file);
[[nodiscard]] Json candidates_to_json(const std::vector<Candidate>& candidates);

// Whether a GB/T 2260 region code lies in `area`: a six-digit code stands for its prefix without
// trailing "00" pairs (320000 → "32", 320200 → "3202", 320205 → "320205"), so an enterprise in
// 320205 counts for 320205, 320200 and 320000; 100000 or "" is the whole country; a shorter string
// is taken as the prefix itself.
[[nodiscard]] bool region_within(const std::string& region, const std::string& area);
// Whether a GB/T 4754 code lies under `prefix` ("36" holds "367" and "3670"; a leading "C" is the
// manufacturing section and is dropped: "C36" = "36", "C" = all).
[[nodiscard]] bool industry_within(const std::string& industry, const std::string& prefix);

// An eligibility condition has the shape of a reward rule's condition.
using CriteriaCondition = PolicyCondition;

struct ScoreTerm {
  std::string id;
  Text title;
  std::string cite;
  double weight = 0;
  logic::Rule value;  // returns a number; null (a missing fact) counts 0 and is flagged
  std::string pointer;
};

enum class SortOrder { kDesc, kAsc };
[[nodiscard]] const char* to_string(SortOrder order);

struct TieBreaker {
  std::string id;
  Text title;
  logic::Rule value;  // a number or a string; null sorts last in either order
  SortOrder order = SortOrder::kDesc;
  std::string pointer;
};

struct Criteria {
  std::string file;
  std::string id;
  Text title;
  std::string cite;
  std::string quote;
  std::string document;                 // policy document id the criteria serve ("" when none)
  bool draft = false;                   // the policy it serves is a draft for comment
  std::size_t top = 0;                  // default shortlist size (0: none)
  std::vector<std::string> regions;     // filters: GB/T 2260 areas (any of them); empty = all
  std::vector<std::string> industries;  // filters: GB/T 4754 prefixes (any of them); empty = all
  std::vector<CriteriaCondition> eligibility;
  std::vector<ScoreTerm> score;
  std::vector<TieBreaker> tie_breakers;
  Provenance provenance;  // confidence and note (e.g. "the weights are the bureau's choice")
  std::string content_hash;
};

// Validates a criteria document; fails with assess::Error naming the file and the JSON pointer.
[[nodiscard]] Criteria load_criteria(const Json& document, const std::string& file);
// Every *.json directly in `dir`, sorted by file name; ids must be unique.
[[nodiscard]] std::vector<Criteria> load_criteria_dir(const std::string& dir);

struct RankOptions {
  std::string region;    // GB/T 2260 area or prefix, in addition to the criteria's filters
  std::string industry;  // GB/T 4754 prefix
  std::size_t top = 0;   // shortlist size; 0 takes the criteria's "top"
  double step = 0.10;    // sensitivity: each weight × (1 + step) and × (1 − step)
};

// One eligibility condition for one candidate; checks line up with Criteria::eligibility (its title
// is there, not copied into each of perhaps 100,000 rows).
struct ConditionCheck {
  std::string id;
  bool met = false;
  std::vector<std::string> missing;  // fact paths the condition reads that are absent
};

struct TermValue {
  std::string id;
  double value = 0;  // what the rule returned (0 when missing)
  double weight = 0;
  double contribution = 0;  // value × weight
  bool missing = false;     // the rule returned null or a non-number: counted as 0
};

struct RankRow {
  std::string id;
  std::string name;
  std::size_t position = 0;  // 1-based among eligible rows; 0 for ineligible ones
  bool eligible = false;
  bool in_top = false;
  std::vector<ConditionCheck> checks;  // every eligibility condition, in file order
  double score = 0;                    // Σ contribution, compared at 6 decimals
  std::vector<TermValue> terms;
  std::vector<Json> tie_values;  // one per tie-breaker (null when missing)
  // What put this row after the one above: "score", a tie-breaker id, or "id" (the final,
  // deterministic tie-break); "" for the first row and for ineligible rows.
  std::string separated_by;
  Phrase explanation;  // worded when shown (text.h Phrase, "srv_rank_*")
};

struct SensitivityCase {
  std::string term;
  double factor = 1;                  // 1.1 or 0.9
  double weight = 0;                  // the moved weight
  std::vector<std::string> entering;  // ids in the moved top N but not the baseline's, in the moved order
  std::vector<std::string> leaving;   // ids in the baseline top N but not the moved one, in baseline order
};

struct Sensitivity {
  std::size_t top = 0;
  std::vector<SensitivityCase> cases;  // term by term, +step then −step
  bool stable = true;                  // no case changes the top N
  Phrase note;
};

struct RankResult {
  const Criteria* criteria = nullptr;
  std::size_t considered = 0;    // candidates inside the filters
  std::size_t filtered_out = 0;  // candidates outside them (not listed)
  std::size_t top = 0;
  std::vector<RankRow> rows;         // eligible, in rank order (rank_rows: the first `limit`)
  std::vector<RankRow> ineligible;   // by id, with the failed conditions (rank_rows: the first `limit`)
  std::size_t eligible_count = 0;    // all eligible rows, listed or not
  std::size_t ineligible_count = 0;  // all ineligible rows, listed or not
  Sensitivity sensitivity;
};

[[nodiscard]] RankResult rank(const Criteria& criteria, const std::vector<Candidate>& candidates,
                              const RankOptions& options = {});

// The prefix a GB/T 2260 area stands for ("320200" → "3202"; "100000" → "", the whole country).
std::string region_prefix(const std::string& area);

// Ranking at scale, over rows a store streams (fact_table.h). What a source is asked for: records
// whose region starts with `region` (when not empty) and with one of `regions_any` (when not
// empty) — a hint: rank_rows applies the filters itself, so a source may give more rows; `want_json`:
// every row must carry its JSON facts (a rule reads a fact outside the typed columns); `columns`:
// the typed columns the reader looks at (fact_table.h indexes; empty: all) — a source may leave the
// others null, and reads less; `any_order`: the reader does not need the rows in USCC order;
// `names` false: the rows' names are not needed (a source may leave them empty); `ids` not empty:
// only the records of these USCCs are needed (a hint too: the reader picks them out);
// `count_left_out`: the reader wants the source's return value (else a source may return 0 and
// save the count).
struct FactQuery {
  std::string region;
  std::vector<std::string> regions_any;
  bool want_json = false;
  std::vector<int> columns;
  bool any_order = false;
  bool names = true;
  std::vector<std::string> ids;
  bool count_left_out = false;
};
using FactRowVisitor = std::function<void(const FactRow&)>;
// Returns how many records it left out without a visit (counted as outside the filters).
using FactRowSource = std::function<std::size_t(const FactQuery&, const FactRowVisitor&)>;

// The same ranking as rank() over the same candidates — order, scores, explanations, counts and
// sensitivity — keeping only compact sort state per candidate (rules evaluated with
// logic::TypedRule on typed rows) and building RankRows for the first `limit` eligible and
// ineligible rows (0: all).
RankResult rank_rows(const Criteria& criteria, const FactRowSource& source, const RankOptions& options = {},
                     std::size_t limit = 0);

// `limit` caps the rows and the ineligible list written (0: all) — a page of 100,000 rows is slow to
// serialise; the counts are always complete. `lang` reads the criteria's texts, `words` (the
// "srv_rank_*" catalogue entries of the same language, text.h) word the explanations and the note.
[[nodiscard]] Json rank_to_json(const RankResult& result, const std::string& lang, const Words& words,
                                std::size_t limit = 0);

}  // namespace assess
