#include "scoring/rank.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string_view>

#include "detail/reader.h"
#include "detail/rule_reader.h"

namespace assess {

using detail::Reader;

// ---------------------------------------------------------------------------------------------
// Regions, industries, candidates

bool region_within(const std::string& region, const std::string& area) {
  std::string prefix = area;
  if (prefix == "100000") return true;
  if (prefix.size() == 6) {
    while (prefix.size() > 2 && prefix.compare(prefix.size() - 2, 2, "00") == 0) prefix.resize(prefix.size() - 2);
  }
  return region.compare(0, prefix.size(), prefix) == 0 && region.size() >= prefix.size();
}

bool industry_within(const std::string& industry, const std::string& prefix) {
  std::string_view p = prefix;
  if (!p.empty() && p[0] == 'C') p.remove_prefix(1);
  std::string_view code = industry;
  if (!code.empty() && code[0] == 'C') code.remove_prefix(1);
  return code.substr(0, p.size()) == p && code.size() >= p.size();
}

// Whether an enterprise is among those ranked: the request's region and industry, then the
// criteria's own areas and industries (both the in-memory and the database path filter with it).
static bool in_scope(const Criteria& criteria, const RankOptions& options, const std::string& region,
                     const std::string& industry) {
  if (!options.region.empty() && !region_within(region, options.region)) return false;
  if (!options.industry.empty() && !industry_within(industry, options.industry)) return false;
  if (!criteria.regions.empty() && std::none_of(criteria.regions.begin(), criteria.regions.end(),
                                                [&](const std::string& a) { return region_within(region, a); })) {
    return false;
  }
  return criteria.industries.empty() || std::any_of(criteria.industries.begin(), criteria.industries.end(),
                                                    [&](const std::string& p) { return industry_within(industry, p); });
}

std::vector<Candidate> candidates_from_json(const Json& array, const std::string& file) {
  Reader r(array, file);
  r.expect_array();
  std::vector<Candidate> out;
  out.reserve(r.size());
  std::set<std::string> ids;
  for (std::size_t i = 0; i < r.size(); ++i) {
    Reader c = r.at(i);
    c.expect_object();
    c.allow_only({"id", "name", "facts"});
    Candidate candidate;
    candidate.id = c.at("id").string();
    if (candidate.id.empty()) c.at("id").fail("a candidate id must not be empty");
    if (!ids.insert(candidate.id).second) c.at("id").fail("duplicate candidate id \"" + candidate.id + "\"");
    if (auto n = c.find("name")) candidate.name = n->string();
    Reader facts = c.at("facts");
    facts.expect_object();
    if (auto region = facts.find("region")) region->string();
    candidate.facts = facts.json();
    out.push_back(std::move(candidate));
  }
  return out;
}

Json candidates_to_json(const std::vector<Candidate>& candidates) {
  Json out = Json::array();
  for (const auto& c : candidates) out.push_back({{"id", c.id}, {"name", c.name}, {"facts", c.facts}});
  return out;
}

const char* to_string(SortOrder order) {
  return order == SortOrder::kDesc ? "desc" : "asc";
}

// ---------------------------------------------------------------------------------------------
// Loading criteria

namespace {

// Rules read facts through the documented roots only; a typo such as "projcet" is caught on load.
const std::vector<std::string> kFactRoots = {"profile", "region", "results", "bureau"};

logic::Rule compile_checked(const Reader& r) {
  return detail::read_rule(r, kFactRoots);
}

std::string confidence(const Reader& r) {
  const std::string c = r.string();
  if (c != "high" && c != "medium" && c != "low" && c != "unconfirmed") {
    r.fail("\"confidence\" must be one of high, medium, low, unconfirmed");
  }
  return c;
}

std::vector<std::string> code_list(const Reader& r, bool industry) {
  std::vector<std::string> out = r.string_list();
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::string_view s = out[i];
    if (industry && !s.empty() && s[0] == 'C') s.remove_prefix(1);
    const bool digits = std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    const bool ok = digits && (industry ? s.size() <= 4 : (!s.empty() && s.size() <= 6));
    if (!ok) {
      r.at(i).fail(industry ? "\"" + out[i] + "\" is not a GB/T 4754 code or prefix (\"C\", \"36\", \"C367\")"
                            : "\"" + out[i] + "\" is not a GB/T 2260 code or prefix (\"320205\", \"3202\")");
    }
  }
  return out;
}

}  // namespace

Criteria load_criteria(const Json& document, const std::string& file) {
  Reader r(document, file);
  r.expect_object();
  r.allow_only({"$schema", "id", "title", "cite", "quote", "document", "status", "top", "filters", "eligibility",
                "score", "tie_breakers", "confidence", "note"});
  Criteria c;
  c.file = file;
  c.id = r.at("id").identifier();
  c.title = r.at("title").text();
  c.cite = r.at("cite").string();
  if (auto q = r.find("quote")) c.quote = q->string();
  if (auto d = r.find("document")) c.document = d->identifier();
  if (auto s = r.find("status")) {
    const std::string status = s->string();
    if (status != "draft" && status != "in_force") s->fail("\"status\" must be \"draft\" or \"in_force\"");
    c.draft = status == "draft";
  }
  if (auto t = r.find("top")) {
    const double v = t->number();
    if (v < 0 || v != std::floor(v) || v > 1e9) t->fail("\"top\" must be a whole number of candidates, 0 or more");
    c.top = static_cast<std::size_t>(v);
  }
  if (auto f = r.find("filters")) {
    f->expect_object();
    f->allow_only({"regions", "industries"});
    if (auto x = f->find("regions")) c.regions = code_list(*x, false);
    if (auto x = f->find("industries")) c.industries = code_list(*x, true);
  }
  if (auto x = r.find("confidence")) c.provenance.confidence = confidence(*x);
  if (auto n = r.find("note")) c.provenance.note = n->text();
  c.provenance.cite = c.cite;

  if (auto list = r.find("eligibility")) c.eligibility = detail::read_conditions(*list, kFactRoots);

  Reader terms = r.at("score");
  terms.expect_array();
  if (terms.size() == 0) terms.fail("\"score\" needs at least one term");
  std::set<std::string> term_ids;
  for (std::size_t i = 0; i < terms.size(); ++i) {
    Reader t = terms.at(i);
    t.expect_object();
    t.allow_only({"id", "title", "weight", "value", "cite", "note"});
    ScoreTerm term;
    term.id = t.at("id").identifier();
    if (!term_ids.insert(term.id).second) t.at("id").fail("duplicate score term id \"" + term.id + "\"");
    term.title = t.at("title").text();
    term.weight = t.at("weight").number();
    if (auto ci = t.find("cite")) term.cite = ci->string();
    term.pointer = t.pointer();
    term.value = compile_checked(t.at("value"));
    c.score.push_back(std::move(term));
  }

  if (auto list = r.find("tie_breakers")) {
    list->expect_array();
    std::set<std::string> ids;
    for (std::size_t i = 0; i < list->size(); ++i) {
      Reader t = list->at(i);
      t.expect_object();
      t.allow_only({"id", "title", "value", "order", "note"});
      TieBreaker tb;
      tb.id = t.at("id").identifier();
      if (tb.id == "score" || tb.id == "id")
        t.at("id").fail("\"score\" and \"id\" are reserved: name the tie-breaker otherwise");
      if (!ids.insert(tb.id).second) t.at("id").fail("duplicate tie-breaker id \"" + tb.id + "\"");
      tb.title = t.at("title").text();
      const std::string order = t.at("order").string();
      if (order != "desc" && order != "asc") t.at("order").fail("\"order\" must be \"desc\" or \"asc\"");
      tb.order = order == "desc" ? SortOrder::kDesc : SortOrder::kAsc;
      tb.pointer = t.pointer();
      tb.value = compile_checked(t.at("value"));
      c.tie_breakers.push_back(std::move(tb));
    }
  }
  c.content_hash = content_hash(document);
  return c;
}

std::vector<Criteria> load_criteria_dir(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path().string());
  }
  if (ec) throw Error(dir, "", "cannot read folder: " + ec.message(), ErrorKind::kNotFound);
  std::sort(files.begin(), files.end());
  std::vector<Criteria> out;
  std::map<std::string, std::string> seen;
  for (const auto& f : files) {
    Criteria c = load_criteria(read_json_file(f), f);
    auto [it, inserted] = seen.emplace(c.id, f);
    if (!inserted) throw Error(f, "/id", "criteria id \"" + c.id + "\" is also used in " + it->second);
    out.push_back(std::move(c));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Ranking

namespace {

// Scores and numeric tie-breaker values are compared at 6 decimals, so that two sums that are equal
// on paper but differ in the last bit of a double still tie (and the comparison stays transitive).
double quantize(double v) {
  return std::nearbyint(v * 1e6);
}

// Whether a dotted fact path is present and not null.
bool has_fact(const Json& facts, const std::string& path) {
  const Json* at = &facts;
  std::size_t start = 0;
  while (true) {
    const auto dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (at->is_object()) {
      auto it = at->find(key);
      if (it == at->end()) return false;
      at = &*it;
    } else if (at->is_array()) {
      char* end = nullptr;
      const unsigned long index = std::strtoul(key.c_str(), &end, 10);
      if (key.empty() || *end != '\0' || index >= at->size()) return false;
      at = &(*at)[index];
    } else {
      return false;
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return !at->is_null();
}

std::optional<double> as_number(const Json& v) {
  if (v.is_number()) {
    const double d = v.get<double>();
    if (std::isfinite(d)) return d;
    return std::nullopt;
  }
  if (v.is_boolean()) return v.get<bool>() ? 1.0 : 0.0;
  return std::nullopt;
}

// A tie-breaker value as compared: numbers before strings, missing last in either order.
struct TieKey {
  enum Kind : unsigned char { kNumber, kString, kMissing } kind = kMissing;
  double number = 0;
  std::string text;
};

TieKey tie_key(const Json& v) {
  TieKey k;
  if (auto n = as_number(v)) {
    k.kind = TieKey::kNumber;
    k.number = quantize(*n);
  } else if (v.is_string()) {
    k.kind = TieKey::kString;
    k.text = v.get<std::string>();
  }
  return k;
}

// < 0 when `a` goes first.
int compare_tie(const TieKey& a, const TieKey& b, SortOrder order) {
  if (a.kind != b.kind) return a.kind < b.kind ? -1 : 1;
  int c = 0;
  if (a.kind == TieKey::kNumber) {
    c = a.number < b.number ? -1 : (a.number > b.number ? 1 : 0);
  } else if (a.kind == TieKey::kString) {
    c = a.text.compare(b.text);
    c = c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return order == SortOrder::kDesc ? -c : c;
}

// A runaway rule (assess::Error kLimit) is reported at its place in the criteria file.
Json evaluate(const logic::Rule& rule, const Json& facts, const Criteria& criteria, const std::string& pointer,
              const char* field) {
  try {
    return rule.evaluate(facts);
  } catch (const Error& e) {
    throw e.within(criteria.file, pointer + "/" + field);
  }
}

std::vector<std::string> missing_paths(const logic::Rule& rule, const Json& facts) {
  std::vector<std::string> out;
  for (const auto& p : rule.paths()) {
    if (!has_fact(facts, p)) out.push_back(p);
  }
  return out;
}

// The sort state of one eligible row.
struct Entry {
  std::size_t row = 0;
  double key = 0;  // quantized score
  std::vector<TieKey> ties;
  const std::string* id = nullptr;
};

struct Order {
  const std::vector<TieBreaker>* breakers;
  // < 0 when `a` ranks above `b`; `*by` names the key that decided.
  int compare(const Entry& a, double a_key, const Entry& b, double b_key, std::string* by = nullptr) const {
    if (a_key != b_key) {
      if (by) *by = "score";
      return a_key > b_key ? -1 : 1;
    }
    for (std::size_t t = 0; t < breakers->size(); ++t) {
      const int c = compare_tie(a.ties[t], b.ties[t], (*breakers)[t].order);
      if (c != 0) {
        if (by) *by = (*breakers)[t].id;
        return c;
      }
    }
    if (by) *by = "id";
    return a.id->compare(*b.id) < 0 ? -1 : (*a.id == *b.id ? 0 : 1);
  }
};

std::string show(const Json& v) {
  if (v.is_null()) return "—";
  if (auto n = as_number(v); n && !v.is_boolean()) return format_number(*n);
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

Phrase explain_position(const RankRow& row, const RankRow* above, const Criteria& criteria) {
  const std::string score = format_number(row.score);
  if (above == nullptr) return {"srv_rank_first", {{"score", score}}};
  const std::string pos = std::to_string(row.position);
  if (row.separated_by == "score") {
    return {"srv_rank_below", {{"pos", pos}, {"score", score}, {"above", {format_number(above->score)}}}};
  }
  if (row.separated_by == "id") {
    return {"srv_rank_by_id", {{"pos", pos}, {"score", score}, {"above_id", {above->id}}, {"id", {row.id}}}};
  }
  for (std::size_t t = 0; t < criteria.tie_breakers.size(); ++t) {
    const TieBreaker& tb = criteria.tie_breakers[t];
    if (tb.id != row.separated_by) continue;
    const bool desc = tb.order == SortOrder::kDesc;
    const std::string mine = show(row.tie_values[t]);
    const std::string theirs = show(above->tie_values[t]);
    return {desc ? "srv_rank_tie_desc" : "srv_rank_tie_asc",
            {{"pos", pos}, {"score", score}, {"mine", mine}, {"theirs", theirs}},
            {{"title", tb.title}}};
  }
  return {};
}

Phrase explain_ineligible(const RankRow& row, const Criteria& criteria) {
  Phrase out{"srv_rank_not_eligible", {}, {}, {}, "srv_rank_sep"};
  for (std::size_t k = 0; k < row.checks.size(); ++k) {
    const ConditionCheck& c = row.checks[k];
    const Text& title = criteria.eligibility[k].title;
    if (c.met) continue;
    if (c.missing.empty()) {
      out.items.push_back(Phrase::as_is(title));
      continue;
    }
    std::string list;
    for (const auto& m : c.missing) list += (list.empty() ? "" : ", ") + m;
    out.items.push_back({"srv_rank_missing", {{"list", list}}, {{"title", title}}});
  }
  return out;
}

}  // namespace

RankResult rank(const Criteria& criteria, const std::vector<Candidate>& candidates, const RankOptions& options) {
  RankResult result;
  result.criteria = &criteria;
  const Order order{&criteria.tie_breakers};

  std::vector<Entry> entries;
  for (const auto& candidate : candidates) {
    const Json& facts = candidate.facts;
    const auto region_it = facts.find("region");
    const std::string region = region_it != facts.end() && region_it->is_string() ? region_it->get<std::string>() : "";
    std::string industry;
    if (auto p = facts.find("profile"); p != facts.end() && p->is_object()) {
      if (auto i = p->find("industry"); i != p->end() && i->is_string()) industry = i->get<std::string>();
    }
    if (!in_scope(criteria, options, region, industry)) {
      ++result.filtered_out;
      continue;
    }
    ++result.considered;

    RankRow row;
    row.id = candidate.id;
    row.name = candidate.name;
    row.eligible = true;
    row.checks.reserve(criteria.eligibility.size());
    for (const auto& cond : criteria.eligibility) {
      ConditionCheck check;
      check.id = cond.id;
      check.met = logic::truthy(evaluate(cond.logic, facts, criteria, cond.pointer, "logic"));
      if (!check.met) check.missing = missing_paths(cond.logic, facts);
      row.eligible = row.eligible && check.met;
      row.checks.push_back(std::move(check));
    }
    if (!row.eligible) {
      row.explanation = explain_ineligible(row, criteria);
      result.ineligible.push_back(std::move(row));
      continue;
    }
    row.terms.reserve(criteria.score.size());
    for (const auto& term : criteria.score) {
      TermValue tv;
      tv.id = term.id;
      tv.weight = term.weight;
      const auto n = as_number(evaluate(term.value, facts, criteria, term.pointer, "value"));
      tv.missing = !n.has_value();
      tv.value = n.value_or(0);
      tv.contribution = tv.value * tv.weight;
      row.score += tv.contribution;
      row.terms.push_back(tv);
    }
    Entry e;
    e.key = quantize(row.score);
    for (const auto& tb : criteria.tie_breakers) {
      Json v = evaluate(tb.value, facts, criteria, tb.pointer, "value");
      if (!as_number(v) && !v.is_string()) v = nullptr;
      e.ties.push_back(tie_key(v));
      row.tie_values.push_back(std::move(v));
    }
    e.row = result.rows.size();
    result.rows.push_back(std::move(row));
    entries.push_back(std::move(e));
  }
  for (auto& e : entries) e.id = &result.rows[e.row].id;

  std::sort(entries.begin(), entries.end(),
            [&](const Entry& a, const Entry& b) { return order.compare(a, a.key, b, b.key) < 0; });

  result.top = options.top != 0 ? options.top : criteria.top;
  for (std::size_t i = 1; i < entries.size(); ++i) {
    order.compare(entries[i], entries[i].key, entries[i - 1], entries[i - 1].key,
                  &result.rows[entries[i].row].separated_by);
  }
  std::vector<RankRow> sorted;
  sorted.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    RankRow row = std::move(result.rows[entries[i].row]);
    row.position = i + 1;
    row.in_top = result.top == 0 || i < result.top;
    row.explanation = explain_position(row, i > 0 ? &sorted.back() : nullptr, criteria);
    sorted.push_back(std::move(row));
  }
  result.rows = std::move(sorted);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    entries[i].row = i;
    entries[i].id = &result.rows[i].id;
  }
  std::sort(result.ineligible.begin(), result.ineligible.end(),
            [](const RankRow& a, const RankRow& b) { return a.id < b.id; });
  result.eligible_count = result.rows.size();
  result.ineligible_count = result.ineligible.size();

  // Sensitivity: one weight at a time moves by ±step; the top N is recomputed from the stored term
  // values with the same order (score, tie-breakers, id) and compared with the baseline top N.
  Sensitivity& s = result.sensitivity;
  s.top = result.top;
  const std::size_t n = entries.size();
  if (result.top == 0 || result.top >= n) {
    s.note = {"srv_rank_shortlist_all", {{"n", {std::to_string(n)}}}};
  }
  const std::size_t top = std::min(result.top == 0 ? n : result.top, n);
  std::vector<double> keys(n);
  std::vector<std::size_t> index(n);
  std::vector<char> in_base(n, 0);
  for (std::size_t i = 0; i < top; ++i) in_base[i] = 1;
  for (std::size_t k = 0; k < criteria.score.size(); ++k) {
    for (const double factor : {1 + options.step, 1 - options.step}) {
      SensitivityCase sc;
      sc.term = criteria.score[k].id;
      sc.factor = factor;
      sc.weight = criteria.score[k].weight * factor;
      if (top < n) {
        for (std::size_t i = 0; i < n; ++i) {
          double total = 0;
          for (std::size_t j = 0; j < criteria.score.size(); ++j) {
            const TermValue& tv = result.rows[i].terms[j];
            total += tv.value * (j == k ? sc.weight : tv.weight);
          }
          keys[i] = quantize(total);
          index[i] = i;
        }
        std::partial_sort(
            index.begin(), index.begin() + static_cast<std::ptrdiff_t>(top), index.end(),
            [&](std::size_t a, std::size_t b) { return order.compare(entries[a], keys[a], entries[b], keys[b]) < 0; });
        std::vector<char> in_moved(n, 0);
        for (std::size_t i = 0; i < top; ++i) {
          in_moved[index[i]] = 1;
          if (!in_base[index[i]]) sc.entering.push_back(result.rows[index[i]].id);
        }
        for (std::size_t i = 0; i < top; ++i) {
          if (!in_moved[i]) sc.leaving.push_back(result.rows[i].id);
        }
      }
      s.stable = s.stable && sc.entering.empty();
      s.cases.push_back(std::move(sc));
    }
  }
  if (s.note.empty()) {
    s.note = {s.stable ? "srv_rank_stable" : "srv_rank_unstable",
              {{"step", {format_number(options.step * 100)}}, {"top", {std::to_string(top)}}}};
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Ranking at scale

std::string region_prefix(const std::string& area) {
  std::string prefix = area;
  if (prefix == "100000") return "";
  if (prefix.size() == 6) {
    while (prefix.size() > 2 && prefix.compare(prefix.size() - 2, 2, "00") == 0) prefix.resize(prefix.size() - 2);
  }
  return prefix;
}

namespace {

// Ids, names and tie-breaker texts of up to millions of rows, in one buffer.
struct Arena {
  std::string bytes;
  std::uint64_t add(std::string_view s) {
    const std::uint64_t at = bytes.size();
    bytes.append(s);
    return at;
  }
  std::string_view view(std::uint64_t at, std::size_t size) const { return std::string_view(bytes).substr(at, size); }
};

// A rule's result, from either evaluator.
struct Result {
  const Json* json = nullptr;  // JSON path (owned by the caller)
  logic::Typed typed;          // typed path
  bool is_typed = false;

  bool truthy() const { return is_typed ? logic::truthy(typed) : logic::truthy(*json); }
  std::optional<double> number() const {
    if (!is_typed) return as_number(*json);
    if (typed.is_number()) return std::isfinite(typed.number) ? std::optional<double>(typed.number) : std::nullopt;
    if (typed.kind == logic::Typed::kBool) return typed.boolean ? 1.0 : 0.0;
    return std::nullopt;
  }
};

// A tie-breaker value as kept per row: the compared key and what it shows as JSON.
struct SlimTie {
  TieKey::Kind kind = TieKey::kMissing;
  std::uint8_t shown = 0;  // 0 null, 1 bool, 2 integer, 3 float, 4 string
  double number = 0;       // quantized (kNumber)
  double raw = 0;          // as given (bool: 0/1)
  std::uint64_t text_at = 0;
  std::uint32_t text_size = 0;
};

struct SlimRow {
  std::uint64_t at = 0;  // id then name in the arena
  std::uint32_t id_size = 0;
  std::uint32_t name_size = 0;
  double score = 0;
  double key = 0;
};

struct Slim {
  Arena arena;
  std::vector<SlimRow> rows;
  std::vector<double> terms;       // rows × score terms
  std::vector<char> term_missing;  // rows × score terms
  std::vector<SlimTie> ties;       // rows × tie-breakers
  std::string_view id(std::size_t i) const { return arena.view(rows[i].at, rows[i].id_size); }
  std::string_view name(std::size_t i) const { return arena.view(rows[i].at + rows[i].id_size, rows[i].name_size); }
};

int compare_slim_tie(const SlimTie& a, std::string_view a_text, const SlimTie& b, std::string_view b_text,
                     SortOrder order) {
  if (a.kind != b.kind) return a.kind < b.kind ? -1 : 1;
  int c = 0;
  if (a.kind == TieKey::kNumber) {
    c = a.number < b.number ? -1 : (a.number > b.number ? 1 : 0);
  } else if (a.kind == TieKey::kString) {
    c = a_text.compare(b_text);
    c = c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return order == SortOrder::kDesc ? -c : c;
}

Json shown_tie(const SlimTie& t, const Arena& arena) {
  switch (t.shown) {
    case 1:
      return t.raw != 0;
    case 2:
      return static_cast<std::int64_t>(t.raw);
    case 3:
      return t.raw;
    case 4:
      return std::string(arena.view(t.text_at, t.text_size));
    default:
      return nullptr;
  }
}

}  // namespace

RankResult rank_rows(const Criteria& criteria, const FactRowSource& source, const RankOptions& options,
                     std::size_t limit) {
  RankResult result;
  result.criteria = &criteria;
  const std::size_t conditions = criteria.eligibility.size();
  const std::size_t term_count = criteria.score.size();
  const std::size_t tie_count = criteria.tie_breakers.size();

  // Typed rules when every rule of the file reads typed facts only.
  std::vector<std::optional<logic::TypedRule>> typed;
  std::vector<const logic::Rule*> rules;
  for (const auto& c : criteria.eligibility) rules.push_back(&c.logic);
  for (const auto& t : criteria.score) rules.push_back(&t.value);
  for (const auto& t : criteria.tie_breakers) rules.push_back(&t.value);
  bool all_typed = true;
  for (const logic::Rule* r : rules) {
    typed.push_back(logic::TypedRule::compile(*r, [](std::string_view path) { return fact_slot(path); }));
    all_typed = all_typed && typed.back().has_value();
  }
  // Paths read by the conditions, for the missing facts of ineligible rows: one bit per path.
  std::vector<std::string> paths;
  std::vector<std::vector<std::size_t>> condition_paths(conditions);
  for (std::size_t k = 0; k < conditions; ++k) {
    for (const auto& p : criteria.eligibility[k].logic.paths()) {
      auto it = std::find(paths.begin(), paths.end(), p);
      if (it == paths.end()) it = paths.insert(paths.end(), p);
      condition_paths[k].push_back(static_cast<std::size_t>(it - paths.begin()));
    }
  }
  std::vector<int> path_slots;
  for (const auto& p : paths) path_slots.push_back(fact_slot(p));
  const std::size_t cond_words = (conditions + 63) / 64;
  const std::size_t path_words = (paths.size() + 63) / 64;

  struct SlimIneligible {
    std::uint64_t at = 0;
    std::uint32_t id_size = 0;
    std::uint32_t name_size = 0;
  };
  Slim slim;
  Arena& arena = slim.arena;
  // The ineligible rows kept to be shown: every one (limit 0), or the `limit` first by id. Those are
  // kept in a list of their own that is cut back to the `limit` smallest ids whenever it reaches
  // twice that; past the first cut a row whose id is not below the largest kept one is only counted
  // (most of a million rows, with a single comparison each).
  Arena ineligible_arena;
  std::vector<SlimIneligible> ineligible;
  std::vector<std::uint64_t> ineligible_met;      // × cond_words
  std::vector<std::uint64_t> ineligible_missing;  // × path_words
  std::size_t ineligible_total = 0;
  std::string ineligible_bound;  // after a cut: the largest id kept
  bool cut = false;
  auto ineligible_id = [&](std::size_t i) { return ineligible_arena.view(ineligible[i].at, ineligible[i].id_size); };
  auto cut_ineligible = [&] {
    std::vector<std::uint32_t> by_id(ineligible.size());
    for (std::size_t i = 0; i < by_id.size(); ++i) by_id[i] = static_cast<std::uint32_t>(i);
    std::nth_element(by_id.begin(), by_id.begin() + static_cast<std::ptrdiff_t>(limit - 1), by_id.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return ineligible_id(a) < ineligible_id(b); });
    by_id.resize(limit);
    Arena kept_arena;
    std::vector<SlimIneligible> kept;
    std::vector<std::uint64_t> kept_met;
    std::vector<std::uint64_t> kept_missing;
    std::string_view bound;
    for (const std::uint32_t i : by_id) {
      SlimIneligible e = ineligible[i];
      e.at = kept_arena.add(ineligible_id(i));
      kept_arena.add(ineligible_arena.view(ineligible[i].at + ineligible[i].id_size, ineligible[i].name_size));
      kept.push_back(e);
      kept_met.insert(kept_met.end(), ineligible_met.begin() + static_cast<std::ptrdiff_t>(i * cond_words),
                      ineligible_met.begin() + static_cast<std::ptrdiff_t>((i + 1) * cond_words));
      kept_missing.insert(kept_missing.end(), ineligible_missing.begin() + static_cast<std::ptrdiff_t>(i * path_words),
                          ineligible_missing.begin() + static_cast<std::ptrdiff_t>((i + 1) * path_words));
      if (bound.empty() || ineligible_id(i) > bound) bound = ineligible_id(i);
    }
    ineligible_bound = std::string(bound);
    ineligible_arena = std::move(kept_arena);
    ineligible = std::move(kept);
    ineligible_met = std::move(kept_met);
    ineligible_missing = std::move(kept_missing);
    cut = true;
  };

  FactQuery query;
  query.region = region_prefix(options.region);
  for (const auto& a : criteria.regions) query.regions_any.push_back(region_prefix(a));
  if (std::find(query.regions_any.begin(), query.regions_any.end(), "") != query.regions_any.end())
    query.regions_any.clear();
  query.want_json = !all_typed;
  // Only the columns the rules, the filters and the missing-fact notes read; the result is sorted
  // here (score, tie-breakers, id; the ineligible by id), so the rows may come in any order.
  const int region_slot = fact_slot("region");
  const int industry_slot = fact_slot("profile.industry");
  query.columns = {region_slot, industry_slot};
  for (const logic::Rule* r : rules) {
    for (const auto& p : r->paths()) query.columns.push_back(fact_slot(p));
  }
  std::erase(query.columns, -1);
  std::sort(query.columns.begin(), query.columns.end());
  query.columns.erase(std::unique(query.columns.begin(), query.columns.end()), query.columns.end());
  query.any_order = true;
  query.count_left_out = true;  // counted as filtered out
  // A page (limit > 0) names only the rows it builds (at most 2 × limit): their names are read
  // afterwards, by id — when that is a short list the store can look up by key.
  query.names = limit == 0 || limit > 250;

  std::vector<Json> json_results(rules.size());
  std::vector<Result> results(rules.size());
  const std::size_t left_out = source(query, [&](const FactRow& row) {
    const bool use_typed = all_typed && row.values != nullptr;
    std::string_view region;
    std::string_view industry;
    if (use_typed) {
      const logic::Typed& r = row.values[region_slot];
      const logic::Typed& i = row.values[industry_slot];
      if (r.kind == logic::Typed::kString) region = r.text;
      if (i.kind == logic::Typed::kString) industry = i.text;
    } else {
      const Json& facts = *row.facts;
      const auto region_it = facts.find("region");
      if (region_it != facts.end() && region_it->is_string()) region = region_it->get_ref<const std::string&>();
      if (auto p = facts.find("profile"); p != facts.end() && p->is_object()) {
        if (auto i = p->find("industry"); i != p->end() && i->is_string()) industry = i->get_ref<const std::string&>();
      }
    }
    const std::string region_s(region);
    const std::string industry_s(industry);
    if (!in_scope(criteria, options, region_s, industry_s)) {
      ++result.filtered_out;
      return;
    }
    ++result.considered;
    auto run = [&](std::size_t r, const std::string& pointer, const char* field) -> const Result& {
      Result& out = results[r];
      if (use_typed) {
        out.is_typed = true;
        out.typed = typed[r]->evaluate(row.values);
      } else {
        out.is_typed = false;
        json_results[r] = evaluate(*rules[r], *row.facts, criteria, pointer, field);
        out.json = &json_results[r];
      }
      return out;
    };
    bool eligible = true;
    std::uint64_t met_bits[4] = {0, 0, 0, 0};
    std::vector<std::uint64_t> met_words;
    if (cond_words > 4) met_words.assign(cond_words, 0);
    std::uint64_t* met = cond_words > 4 ? met_words.data() : met_bits;
    for (std::size_t k = 0; k < conditions; ++k) {
      const bool ok = run(k, criteria.eligibility[k].pointer, "logic").truthy();
      if (ok) met[k / 64] |= std::uint64_t{1} << (k % 64);
      eligible = eligible && ok;
    }
    if (!eligible) {
      ++ineligible_total;
      if (cut && row.id >= ineligible_bound) return;
      SlimIneligible e;
      e.at = ineligible_arena.add(row.id);
      ineligible_arena.add(row.name);
      e.id_size = static_cast<std::uint32_t>(row.id.size());
      e.name_size = static_cast<std::uint32_t>(row.name.size());
      ineligible.push_back(e);
      ineligible_met.insert(ineligible_met.end(), met, met + cond_words);
      const std::size_t base = ineligible_missing.size();
      ineligible_missing.resize(base + path_words, 0);
      for (std::size_t p = 0; p < paths.size(); ++p) {
        const bool present =
            use_typed ? row.values[path_slots[p]].kind != logic::Typed::kNull : has_fact(*row.facts, paths[p]);
        if (!present) ineligible_missing[base + p / 64] |= std::uint64_t{1} << (p % 64);
      }
      if (limit > 0 && ineligible.size() / 2 >= limit) cut_ineligible();
      return;
    }
    SlimRow e;
    e.at = arena.add(row.id);
    arena.add(row.name);
    e.id_size = static_cast<std::uint32_t>(row.id.size());
    e.name_size = static_cast<std::uint32_t>(row.name.size());
    for (std::size_t j = 0; j < term_count; ++j) {
      const auto n = run(conditions + j, criteria.score[j].pointer, "value").number();
      const double value = n.value_or(0);
      slim.terms.push_back(value);
      slim.term_missing.push_back(n ? 0 : 1);
      e.score += value * criteria.score[j].weight;
    }
    e.key = quantize(e.score);
    for (std::size_t t = 0; t < tie_count; ++t) {
      const Result& v = run(conditions + term_count + t, criteria.tie_breakers[t].pointer, "value");
      SlimTie tie;
      if (auto n = v.number()) {
        tie.kind = TieKey::kNumber;
        tie.number = quantize(*n);
        tie.raw = *n;
        const bool is_bool = v.is_typed ? v.typed.kind == logic::Typed::kBool : v.json->is_boolean();
        const bool is_int = v.is_typed ? v.typed.kind == logic::Typed::kInt : v.json->is_number_integer();
        tie.shown = is_bool ? 1 : (is_int ? 2 : 3);
      } else if (v.is_typed ? v.typed.kind == logic::Typed::kString : v.json->is_string()) {
        const std::string_view text =
            v.is_typed ? v.typed.text : std::string_view(v.json->get_ref<const std::string&>());
        tie.kind = TieKey::kString;
        tie.shown = 4;
        tie.text_at = arena.add(text);
        tie.text_size = static_cast<std::uint32_t>(text.size());
      }
      slim.ties.push_back(tie);
    }
    slim.rows.push_back(e);
  });
  result.filtered_out += left_out;

  // Sort: score, tie-breakers, id — as Order::compare.
  const std::size_t n = slim.rows.size();
  auto compare = [&](std::size_t a, double a_key, std::size_t b, double b_key, std::string* by) -> int {
    if (a_key != b_key) {
      if (by) *by = "score";
      return a_key > b_key ? -1 : 1;
    }
    for (std::size_t t = 0; t < tie_count; ++t) {
      const SlimTie& x = slim.ties[a * tie_count + t];
      const SlimTie& y = slim.ties[b * tie_count + t];
      const int c = compare_slim_tie(x, arena.view(x.text_at, x.text_size), y, arena.view(y.text_at, y.text_size),
                                     criteria.tie_breakers[t].order);
      if (c != 0) {
        if (by) *by = criteria.tie_breakers[t].id;
        return c;
      }
    }
    if (by) *by = "id";
    const int c = slim.id(a).compare(slim.id(b));
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  };
  // Only the first rows' order is read: those built, and the shortlist the sensitivity compares.
  result.top = options.top != 0 ? options.top : criteria.top;
  result.eligible_count = n;
  result.ineligible_count = ineligible_total;
  const std::size_t keep_rows = limit == 0 ? n : std::min(n, limit);
  // (A shortlist of every row is read as a set, in any order.)
  const std::size_t shortlist = result.top == 0 || result.top >= n ? 0 : result.top;
  const std::size_t sorted = std::max(keep_rows, shortlist);
  std::vector<std::uint32_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::uint32_t>(i);
  std::partial_sort(
      order.begin(), order.begin() + static_cast<std::ptrdiff_t>(sorted), order.end(),
      [&](std::uint32_t a, std::uint32_t b) { return compare(a, slim.rows[a].key, b, slim.rows[b].key, nullptr) < 0; });

  result.rows.reserve(keep_rows);
  for (std::size_t i = 0; i < keep_rows; ++i) {
    const std::size_t r = order[i];
    RankRow row;
    row.id = std::string(slim.id(r));
    row.name = std::string(slim.name(r));
    row.position = i + 1;
    row.eligible = true;
    row.in_top = result.top == 0 || i < result.top;
    for (const auto& c : criteria.eligibility) row.checks.push_back({c.id, true, {}});
    row.score = slim.rows[r].score;
    for (std::size_t j = 0; j < term_count; ++j) {
      TermValue tv;
      tv.id = criteria.score[j].id;
      tv.weight = criteria.score[j].weight;
      tv.value = slim.terms[r * term_count + j];
      tv.missing = slim.term_missing[r * term_count + j] != 0;
      tv.contribution = tv.value * tv.weight;
      row.terms.push_back(tv);
    }
    for (std::size_t t = 0; t < tie_count; ++t)
      row.tie_values.push_back(shown_tie(slim.ties[r * tie_count + t], arena));
    if (i > 0) compare(r, slim.rows[r].key, order[i - 1], slim.rows[order[i - 1]].key, &row.separated_by);
    row.explanation = explain_position(row, i > 0 ? &result.rows.back() : nullptr, criteria);
    result.rows.push_back(std::move(row));
  }

  // Ineligible rows by id; the first `limit` built with their failed conditions.
  {
    std::vector<std::uint32_t> by_id(ineligible.size());
    for (std::size_t i = 0; i < by_id.size(); ++i) by_id[i] = static_cast<std::uint32_t>(i);
    const std::size_t keep = limit == 0 ? by_id.size() : std::min(by_id.size(), limit);
    auto id_of = [&](std::uint32_t i) { return ineligible_id(i); };
    std::partial_sort(by_id.begin(), by_id.begin() + static_cast<std::ptrdiff_t>(keep), by_id.end(),
                      [&](std::uint32_t a, std::uint32_t b) { return id_of(a) < id_of(b); });
    for (std::size_t i = 0; i < keep; ++i) {
      const std::uint32_t r = by_id[i];
      RankRow row;
      row.id = std::string(id_of(r));
      row.name = std::string(ineligible_arena.view(ineligible[r].at + ineligible[r].id_size, ineligible[r].name_size));
      const std::uint64_t* met = ineligible_met.data() + r * cond_words;
      const std::uint64_t* missing = ineligible_missing.data() + r * path_words;
      for (std::size_t k = 0; k < conditions; ++k) {
        ConditionCheck check;
        check.id = criteria.eligibility[k].id;
        check.met = (met[k / 64] >> (k % 64)) & 1;
        if (!check.met) {
          for (std::size_t p : condition_paths[k]) {
            if ((missing[p / 64] >> (p % 64)) & 1) check.missing.push_back(paths[p]);
          }
        }
        row.checks.push_back(std::move(check));
      }
      row.explanation = explain_ineligible(row, criteria);
      result.ineligible.push_back(std::move(row));
    }
  }

  // The names of the rows built, when the rows came without them.
  if (!query.names) {
    FactQuery by_id;
    by_id.region = query.region;
    by_id.regions_any = query.regions_any;
    by_id.any_order = true;
    by_id.columns = {region_slot};
    for (const auto& r : result.rows) by_id.ids.push_back(r.id);
    for (const auto& r : result.ineligible) by_id.ids.push_back(r.id);
    std::map<std::string, std::string, std::less<>> names;  // id → name, for the ids wanted only
    for (const auto& id : by_id.ids) names.emplace(id, std::string());
    if (!names.empty()) {
      source(by_id, [&](const FactRow& row) {
        if (auto it = names.find(row.id); it != names.end()) it->second = std::string(row.name);
      });
    }
    for (auto* list : {&result.rows, &result.ineligible}) {
      for (auto& r : *list) {
        if (auto it = names.find(r.id); it != names.end()) r.name = it->second;
      }
    }
  }

  // Sensitivity, as in rank(), from the kept term values.
  Sensitivity& s = result.sensitivity;
  s.top = result.top;
  if (result.top == 0 || result.top >= n) {
    s.note = {"srv_rank_shortlist_all", {{"n", {std::to_string(n)}}}};
  }
  const std::size_t top = std::min(result.top == 0 ? n : result.top, n);
  std::vector<double> keys(n);
  std::vector<std::uint32_t> index(n);
  std::vector<char> in_base(n, 0);  // by row
  for (std::size_t i = 0; i < top; ++i) in_base[order[i]] = 1;
  for (std::size_t k = 0; k < term_count; ++k) {
    for (const double factor : {1 + options.step, 1 - options.step}) {
      SensitivityCase sc;
      sc.term = criteria.score[k].id;
      sc.factor = factor;
      sc.weight = criteria.score[k].weight * factor;
      if (top < n) {
        for (std::size_t i = 0; i < n; ++i) {
          double total = 0;
          for (std::size_t j = 0; j < term_count; ++j) {
            total += slim.terms[i * term_count + j] * (j == k ? sc.weight : criteria.score[j].weight);
          }
          keys[i] = quantize(total);
          index[i] = static_cast<std::uint32_t>(i);
        }
        std::partial_sort(
            index.begin(), index.begin() + static_cast<std::ptrdiff_t>(top), index.end(),
            [&](std::uint32_t a, std::uint32_t b) { return compare(a, keys[a], b, keys[b], nullptr) < 0; });
        std::vector<char> in_moved(n, 0);
        for (std::size_t i = 0; i < top; ++i) {
          in_moved[index[i]] = 1;
          if (!in_base[index[i]]) sc.entering.emplace_back(slim.id(index[i]));
        }
        for (std::size_t i = 0; i < top; ++i) {
          if (!in_moved[order[i]]) sc.leaving.emplace_back(slim.id(order[i]));
        }
      }
      s.stable = s.stable && sc.entering.empty();
      s.cases.push_back(std::move(sc));
    }
  }
  if (s.note.empty()) {
    s.note = {s.stable ? "srv_rank_stable" : "srv_rank_unstable",
              {{"step", {format_number(options.step * 100)}}, {"top", {std::to_string(top)}}}};
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// JSON

namespace {
// Scores as compared: 6 decimals (68, not 67.99999999999999).
double shown(double v) {
  return std::nearbyint(v * 1e6) / 1e6;
}
}  // namespace

Json rank_to_json(const RankResult& result, const std::string& lang, const Words& words, std::size_t limit) {
  const auto keep = [&](std::size_t n) { return limit == 0 ? n : std::min(n, limit); };
  const Criteria& c = *result.criteria;
  Json out;
  out["criteria"] = {{"id", c.id},       {"title", c.title.in(lang)},     {"cite", c.cite},
                     {"quote", c.quote}, {"document", c.document},        {"draft", c.draft},
                     {"file", c.file},   {"content_hash", c.content_hash}};
  if (!c.provenance.confidence.empty()) out["criteria"]["confidence"] = c.provenance.confidence;
  if (!c.provenance.note.zh.empty()) out["criteria"]["note"] = c.provenance.note.in(lang);
  out["considered"] = result.considered;
  out["filtered_out"] = result.filtered_out;
  out["eligible"] = result.eligible_count;
  out["ineligible_count"] = result.ineligible_count;
  out["top"] = result.top;
  Json rows = Json::array();
  for (std::size_t i = 0; i < keep(result.rows.size()); ++i) {
    const RankRow& row = result.rows[i];
    Json checks = Json::array();
    for (std::size_t k = 0; k < row.checks.size(); ++k) {
      checks.push_back(
          {{"id", row.checks[k].id}, {"title", c.eligibility[k].title.in(lang)}, {"met", row.checks[k].met}});
    }
    Json terms = Json::array();
    for (std::size_t j = 0; j < row.terms.size(); ++j) {
      const TermValue& tv = row.terms[j];
      terms.push_back({{"id", tv.id},
                       {"title", c.score[j].title.in(lang)},
                       {"value", tv.value},
                       {"weight", tv.weight},
                       {"contribution", shown(tv.contribution)},
                       {"missing", tv.missing}});
    }
    Json ties = Json::array();
    for (std::size_t t = 0; t < row.tie_values.size(); ++t) {
      ties.push_back({{"id", c.tie_breakers[t].id},
                      {"title", c.tie_breakers[t].title.in(lang)},
                      {"order", to_string(c.tie_breakers[t].order)},
                      {"value", row.tie_values[t]}});
    }
    rows.push_back({{"position", row.position},
                    {"id", row.id},
                    {"name", row.name},
                    {"in_top", row.in_top},
                    {"eligibility", checks},
                    {"score", shown(row.score)},
                    {"terms", terms},
                    {"tie_breakers", ties},
                    {"separated_by", row.separated_by},
                    {"explanation", row.explanation.in(lang, words)}});
  }
  out["rows"] = rows;
  Json ineligible = Json::array();
  for (std::size_t i = 0; i < keep(result.ineligible.size()); ++i) {
    const RankRow& row = result.ineligible[i];
    Json failed = Json::array();
    for (std::size_t k = 0; k < row.checks.size(); ++k) {
      const ConditionCheck& check = row.checks[k];
      if (!check.met)
        failed.push_back({{"id", check.id}, {"title", c.eligibility[k].title.in(lang)}, {"missing", check.missing}});
    }
    ineligible.push_back(
        {{"id", row.id}, {"name", row.name}, {"failed", failed}, {"explanation", row.explanation.in(lang, words)}});
  }
  out["ineligible"] = ineligible;
  Json cases = Json::array();
  for (const auto& sc : result.sensitivity.cases) {
    std::string term_title = sc.term;
    for (const auto& t : c.score) {
      if (t.id == sc.term) term_title = t.title.in(lang);
    }
    cases.push_back({{"term", sc.term},
                     {"title", term_title},
                     {"factor", sc.factor},
                     {"weight", sc.weight},
                     {"entering", sc.entering},
                     {"leaving", sc.leaving}});
  }
  out["sensitivity"] = {{"top", result.sensitivity.top},
                        {"stable", result.sensitivity.stable},
                        {"note", result.sensitivity.note.in(lang, words)},
                        {"cases", cases}};
  return out;
}

}  // namespace assess
