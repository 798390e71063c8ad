#include "scoring/questionnaire.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "detail/bounds.h"
#include "detail/reader.h"
#include "detail/rule_reader.h"
#include "scoring/error.h"
#include "scoring/sha256.h"

namespace assess {

using detail::Reader;

const char* to_string(QuestionType type) {
  switch (type) {
    case QuestionType::kSingle:
      return "single";
    case QuestionType::kMulti:
      return "multi";
    case QuestionType::kNumber:
      return "number";
    case QuestionType::kPercent:
      return "percent";
    case QuestionType::kBand:
      return "band";
    case QuestionType::kLadder:
      return "ladder";
    case QuestionType::kYesNo:
      return "yesno";
    case QuestionType::kText:
      return "text";
    case QuestionType::kDate:
      return "date";
  }
  return "?";
}

const char* to_string(Aggregation aggregation) {
  switch (aggregation) {
    case Aggregation::kSum:
      return "sum";
    case Aggregation::kWeightedMean:
      return "weighted_mean";
    case Aggregation::kMin:
      return "min";
    case Aggregation::kRatingMean:
      return "rating_mean";
  }
  return "?";
}

const char* to_string(Comparison comparison) {
  switch (comparison) {
    case Comparison::kGe:
      return ">=";
    case Comparison::kGt:
      return ">";
    case Comparison::kLe:
      return "<=";
    case Comparison::kLt:
      return "<";
    case Comparison::kEq:
      return "==";
  }
  return "?";
}

bool Range::contains(double value) const {
  if (lower && (lower_inclusive ? value < *lower : value <= *lower)) return false;
  if (upper && (upper_inclusive ? value > *upper : value >= *upper)) return false;
  return true;
}

bool Range::contains(const exact::Rational& value) const {
  // A bound that has no exact form (never the case for a written decimal) falls back to doubles.
  auto side = [&](const std::optional<double>& bound,
                  const std::optional<exact::Rational>& ready) -> std::optional<int> {
    if (exact_ready_) return ready ? exact::compare(value, *ready) : std::nullopt;
    auto b = exact::from_double(*bound);
    if (!b) return std::nullopt;
    return exact::compare(value, *b);
  };
  if (lower) {
    auto c = side(lower, lower_exact_);
    if (!c) return contains(value.to_double());
    if (lower_inclusive ? *c < 0 : *c <= 0) return false;
  }
  if (upper) {
    auto c = side(upper, upper_exact_);
    if (!c) return contains(value.to_double());
    if (upper_inclusive ? *c > 0 : *c >= 0) return false;
  }
  return true;
}

void Range::prepare_exact() {
  lower_exact_ = lower ? exact::from_double(*lower) : std::nullopt;
  upper_exact_ = upper ? exact::from_double(*upper) : std::nullopt;
  exact_ready_ = true;
}

bool is_iso_date(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  const int y = std::stoi(s.substr(0, 4));
  const int m = std::stoi(s.substr(5, 2));
  const int d = std::stoi(s.substr(8, 2));
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + ((m == 2 && leap) ? 1 : 0);
}

std::string Words::operator()(const std::string& key, const std::map<std::string, std::string>& params) const {
  const auto it = texts.find(key);
  if (it == texts.end()) return key;
  const std::string& t = it->second;
  std::string out;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const std::size_t close = t[i] == '{' ? t.find('}', i) : std::string::npos;
    if (close != std::string::npos) {
      if (auto p = params.find(t.substr(i + 1, close - i - 1)); p != params.end()) {
        out += p->second;
        i = close;
        continue;
      }
    }
    out += t[i];
  }
  return out;
}

Phrase Phrase::as_is(Text text) {
  Phrase p;
  p.texts.emplace("text", std::move(text));
  return p;
}

std::string Phrase::in(const std::string& lang, const Words& words) const {
  if (key.empty() && items.empty()) {
    const auto it = texts.find("text");
    return it == texts.end() ? std::string() : it->second.in(lang);
  }
  std::map<std::string, std::string> values = params;
  // A parameter both worded and a text: the catalogue's word when it has the key, else the text.
  for (const auto& [name, inner] : worded) {
    if (words.texts.contains(inner)) values.emplace(name, words(inner));
  }
  for (const auto& [name, text] : texts) values.emplace(name, text.in(lang));
  for (const auto& [name, inner] : worded) values.emplace(name, words(inner));  // a key the words lack: itself
  if (!items.empty()) {
    std::string joined;
    const std::string sep = words(joiner);
    for (std::size_t i = 0; i < items.size(); ++i) joined += (i ? sep : std::string()) + items[i].in(lang, words);
    if (key.empty()) return joined;
    values["items"] = joined;
  }
  return words(key, values);
}

std::string format_number(double value) {
  if (!std::isfinite(value)) return value > 0 ? "inf" : (value < 0 ? "-inf" : "nan");
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.4f", value);
  std::string out = buffer;
  while (!out.empty() && out.back() == '0') out.pop_back();
  if (!out.empty() && out.back() == '.') out.pop_back();
  if (out == "-0") out = "0";
  return out;
}

std::vector<std::string> format_parts(const std::vector<double>& parts, double before, double after) {
  // In units of 0.0001, the precision format_number shows, taken from the shown texts themselves
  // (printf rounds a half to even, llround away from zero).
  const auto shown_units = [](double v) { return std::llround(std::stod(format_number(v)) * 1e4); };
  const long long total = shown_units(after) - shown_units(before);
  std::vector<long long> units;
  std::vector<std::pair<double, std::size_t>> remainders;
  long long sum = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const double scaled = parts[i] * 1e4;
    const double base = std::floor(scaled + 1e-6);
    units.push_back(static_cast<long long>(base));
    sum += units.back();
    remainders.emplace_back(scaled - base, i);
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t k = 0; sum < total && !remainders.empty(); k = (k + 1) % remainders.size(), ++sum) {
    ++units[remainders[k].second];
  }
  for (std::size_t k = 0; sum > total && !remainders.empty(); k = (k + 1) % remainders.size(), --sum) {
    --units[remainders[remainders.size() - 1 - k].second];
  }
  std::vector<std::string> out;
  for (long long u : units) out.push_back((u >= 0 ? "+" : "") + format_number(static_cast<double>(u) / 1e4));
  return out;
}

std::string Range::describe() const {
  std::string out = lower ? (lower_inclusive ? "[" : "(") + format_number(*lower) : "(-inf";
  out += ", ";
  out += upper ? format_number(*upper) + (upper_inclusive ? "]" : ")") : "+inf)";
  return out;
}

int Question::option_index(const std::string& option_id) const {
  for (std::size_t i = 0; i < options.size(); ++i) {
    if (options[i].id == option_id) return static_cast<int>(i);
  }
  for (std::size_t i = 0; i < options.size(); ++i) {
    for (const auto& former : options[i].replaces) {
      if (former == option_id) return static_cast<int>(i);
    }
  }
  return -1;
}

int Question::band_of(double value) const {
  for (std::size_t i = 0; i < options.size(); ++i) {
    if (options[i].range && options[i].range->contains(value)) return static_cast<int>(i);
  }
  return -1;
}

int Question::band_of(const exact::Rational& value) const {
  for (std::size_t i = 0; i < options.size(); ++i) {
    if (options[i].range && options[i].range->contains(value)) return static_cast<int>(i);
  }
  return -1;
}

namespace {
double best_points(const Question& question) {
  const auto& options = question.options;
  const auto& max_points = question.max_points;
  if (!question.scored() || options.empty()) return 0;
  if (question.type == QuestionType::kMulti) {
    double sum = 0;
    for (const auto& o : options) {
      if (!o.exclusive && o.points > 0) sum += o.points;
    }
    double best_exclusive = 0;
    for (const auto& o : options) {
      if (o.exclusive) best_exclusive = std::max(best_exclusive, o.points);
    }
    sum = std::max(sum, best_exclusive);
    return max_points ? std::min(sum, *max_points) : sum;
  }
  double best = options.front().points;
  for (const auto& o : options) best = std::max(best, o.points);
  return best;
}
}  // namespace

namespace {
int find_id(const std::unordered_map<std::string, int>& ids, const std::string& id) {
  auto it = ids.find(id);
  return it == ids.end() ? -1 : it->second;
}
}  // namespace

int Questionnaire::question_index(const std::string& qid) const {
  return find_id(question_ids_, qid);
}
int Questionnaire::section_index(const std::string& sid) const {
  return find_id(section_ids_, sid);
}
int Questionnaire::computed_index(const std::string& cid) const {
  return find_id(computed_ids_, cid);
}

int Questionnaire::level_index(const std::string& name) const {
  for (std::size_t i = 0; i < levels.size(); ++i) {
    const Level& l = levels[i];
    if (l.id == name || l.name.zh == name || (!l.name.en.empty() && l.name.en == name) ||
        std::find(l.aliases.begin(), l.aliases.end(), name) != l.aliases.end()) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Loading

namespace {

const std::set<std::string> kConfidences = {"confirmed", "high", "medium", "low", "unconfirmed"};

class Loader {
 public:
  Loader(const std::string& file, const DefinitionLimits& limits) : file_(file), limits_(limits) {}

  Questionnaire load(const Json& doc) {
    Reader r(doc, file_);
    r.expect_object();
    r.allow_only({"$schema",    "id",          "version",         "title",       "description",
                  "sources",    "parameters",  "labels",          "aggregation", "weight",
                  "sections",   "questions",   "computed",        "levels",      "cite",
                  "confidence", "note",        "maintainer_note", "pass_mark",   "count_until_failed",
                  "code_lists", "short_title", "order",           "indicative",  "example"});
    q_.file = file_;
    q_.id = r.at("id").identifier();
    q_.version = r.at("version").string();
    q_.title = r.at("title").text();
    if (auto t = r.find("short_title")) q_.short_title = t->text();
    if (auto o = r.find("order")) q_.order = static_cast<int>(o->number());
    if (auto i = r.find("indicative")) q_.indicative = i->boolean();
    if (auto d = r.find("description")) q_.description = d->text();
    if (auto s = r.find("sources")) load_sources(*s);
    if (auto p = r.find("parameters")) {
      p->expect_object();
      q_.parameters = p->json();
    }
    if (auto l = r.find("labels")) q_.labels = l->json();
    if (auto cl = r.find("code_lists")) load_code_lists(*cl);
    // The hash names what is scored: the presentation metadata (a tab's label, the modules' order, the
    // "indicative" label, the template's examples, the checks between answers and the year roll) can
    // change without making saved assessments refer to another definition.
    Json hashed = doc;
    for (const char* key : {"short_title", "order", "indicative", "example"}) hashed.erase(key);
    drop_question_metadata(hashed);
    q_.content_hash = content_hash(hashed);

    // The root section is the questionnaire itself.
    q_.sections.emplace_back();
    Section& root = q_.sections.back();
    root.id = q_.id;
    root.title = q_.title;
    root.pointer = "";
    root.provenance = provenance(r);
    // The questionnaire id names the root section (the total) in score requirements.
    claim_id(r.at("id"), q_.id);
    read_section_body(r, 0);
    if (q_.questions.empty()) r.fail("a questionnaire needs at least one question");

    // Computed values are declared after questions so that both id spaces are known.
    std::vector<std::pair<Reader, int>> computed_readers;
    if (auto c = r.find("computed")) {
      c->expect_array();
      for (std::size_t i = 0; i < c->size(); ++i) {
        Reader cr = c->at(i);
        cr.expect_object();
        cr.allow_only({"id", "title", "expr", "unit", "cite", "confidence", "note", "maintainer_note"});
        Computed comp;
        comp.id = cr.at("id").identifier();
        claim_id(cr.at("id"), comp.id);
        comp.title = cr.find("title") ? cr.at("title").text() : Text{comp.id, comp.id};
        comp.provenance = provenance(cr);
        comp.pointer = cr.pointer();
        comp.unit = cr.find("unit") ? cr.at("unit").string() : "";
        comp.expr = compile_rule(cr.at("expr"));
        q_.computed_ids_[comp.id] = static_cast<int>(q_.computed.size());
        q_.computed.push_back(std::move(comp));
        computed_readers.emplace_back(cr, static_cast<int>(i));
      }
    }
    order_computed(computed_readers);

    // Now that every id is known, resolve references.
    for (auto& pending : pending_value_from_) {
      Question& question = q_.questions[pending.question];
      int ci = q_.computed_index(pending.id);
      if (ci < 0) pending.reader.fail("\"value_from\" names unknown computed value \"" + pending.id + "\"");
      question.value_from = ci;
    }
    for (auto& pending : pending_rules_) check_references(pending.first, pending.second);
    for (auto& pending : pending_links_) resolve_link(pending);

    if (auto lv = r.find("levels")) load_levels(*lv);
    if (auto ex = r.find("example")) load_example(*ex);
    bind_rules();
    return std::move(q_);
  }

 private:
  struct PendingValueFrom {
    Reader reader;
    int question;
    std::string id;
  };

  // "at_most" or "next_year": a question naming another, resolved once every question is known.
  struct PendingLink {
    Reader reader;
    int question;
    std::string field;
    std::string id;
  };

  // The question fields the content hash leaves out (see load()).
  static void drop_question_metadata(Json& node) {
    if (!node.is_object()) return;
    if (auto qs = node.find("questions"); qs != node.end() && qs->is_array()) {
      for (auto& q : *qs) {
        if (!q.is_object()) continue;
        for (const char* key : {"at_most", "next_year", "example", "identity"}) q.erase(key);
      }
    }
    if (auto ss = node.find("sections"); ss != node.end() && ss->is_array()) {
      for (auto& child : *ss) drop_question_metadata(child);
    }
  }

  void resolve_link(const PendingLink& link) {
    const Question& question = q_.questions[static_cast<std::size_t>(link.question)];
    const std::string field = "\"" + link.field + "\"";
    const int target = q_.question_index(link.id);
    if (target < 0) link.reader.fail(field + " names unknown question \"" + link.id + "\"");
    if (target == link.question) link.reader.fail(field + " names the question itself");
    const Question& other = q_.questions[static_cast<std::size_t>(target)];
    if (link.field == "at_most" && other.type != QuestionType::kNumber && other.type != QuestionType::kPercent) {
      link.reader.fail(field + " names question \"" + link.id + "\" of type " + to_string(other.type) +
                       "; a part is compared with a number or percent question");
    }
    if (link.field == "next_year" && other.type != question.type) {
      link.reader.fail(field + " names question \"" + link.id + "\" of type " + to_string(other.type) +
                       "; the answer moves to a question of its own type (" + to_string(question.type) + ")");
    }
  }

  // The bureau template's example for this module: {"level": a level id, "total": a number}.
  void load_example(const Reader& r) {
    r.expect_object();
    r.allow_only({"level", "total"});
    if (auto l = r.find("level")) {
      q_.example_level = l->string();
      const bool known = std::any_of(q_.levels.begin(), q_.levels.end(),
                                     [&](const Level& level) { return level.id == q_.example_level; });
      if (!known) l->fail("\"level\" names unknown level \"" + q_.example_level + "\"");
    }
    if (auto t = r.find("total")) q_.example_total = t->number();
  }

  void claim_id(const Reader& where, const std::string& id) {
    auto [it, inserted] = ids_.emplace(id, where.pointer());
    if (!inserted) where.fail("duplicate id \"" + id + "\" (first used at " + it->second + ")");
  }

  Provenance provenance(const Reader& r) {
    Provenance p;
    if (auto c = r.find("cite")) p.cite = c->string();
    if (auto c = r.find("confidence")) {
      p.confidence = c->string();
      if (!kConfidences.count(p.confidence)) {
        c->fail("\"confidence\" must be one of confirmed, high, medium, low, unconfirmed");
      }
    }
    if (auto n = r.find("note")) p.note = n->text();
    if (auto m = r.find("maintainer_note")) p.maintainer_note = m->string();
    return p;
  }

  // Code lists live beside the definition: {"region": "regions.json"}.
  void load_code_lists(const Reader& r) {
    r.expect_object();
    const auto dir = std::filesystem::path(file_).parent_path();
    for (auto it = r.json().begin(); it != r.json().end(); ++it) {
      Reader entry = r.at(it.key());
      const std::string& name = it.key();
      const auto path = (dir / entry.string()).lexically_normal().string();
      try {
        q_.code_lists[name] = std::make_shared<const CodeList>(load_code_list_file(path));
      } catch (const Error& e) {
        if (e.kind() == ErrorKind::kNotFound)
          entry.fail("code list file \"" + path + "\" not found", ErrorKind::kNotFound);
        throw;
      }
    }
  }

  void load_sources(const Reader& s) {
    s.expect_array();
    std::set<std::string> seen;
    for (std::size_t i = 0; i < s.size(); ++i) {
      Reader e = s.at(i);
      e.expect_object();
      e.allow_only({"id", "title", "reference", "note", "maintainer_note", "url"});
      Source src;
      src.id = e.at("id").identifier();
      if (!seen.insert(src.id).second) e.at("id").fail("duplicate source id \"" + src.id + "\"");
      src.title = e.at("title").text();
      if (auto ref = e.find("reference")) src.reference = ref->string();
      if (auto url = e.find("url")) src.reference += (src.reference.empty() ? "" : " ") + url->string();
      if (auto n = e.find("note")) src.note = n->string();
      q_.sources.push_back(std::move(src));
    }
  }

  Aggregation aggregation(const Reader& r) {
    const std::string a = r.string();
    if (a == "sum") return Aggregation::kSum;
    if (a == "weighted_mean") return Aggregation::kWeightedMean;
    if (a == "min") return Aggregation::kMin;
    if (a == "rating_mean") return Aggregation::kRatingMean;
    r.fail("\"aggregation\" must be one of sum, weighted_mean, min, rating_mean");
  }

  // Reads the keys a section shares with the root: aggregation, weight, children.
  void read_section_body(const Reader& r, int index) {
    {
      Section& s = q_.sections[static_cast<std::size_t>(index)];
      if (auto a = r.find("aggregation")) s.aggregation = aggregation(*a);
      if (auto w = r.find("weight")) s.weight = w->non_negative_number("weight");
      if (auto pm = r.find("pass_mark")) {
        s.pass_mark = pm->number();
        if (s.pass_mark < 0 || s.pass_mark > 1) pm->fail("\"pass_mark\" must be between 0 and 1");
      }
      if (auto c = r.find("count_until_failed")) {
        s.count_until_failed = c->boolean();
        if (s.count_until_failed && s.aggregation != Aggregation::kSum) {
          c->fail("\"count_until_failed\" needs \"aggregation\": \"sum\"");
        }
      }
    }
    bool has_children = false;
    if (auto qs = r.find("questions")) {
      qs->expect_array();
      for (std::size_t i = 0; i < qs->size(); ++i) {
        int qi = load_question(qs->at(i), index);
        q_.sections[static_cast<std::size_t>(index)].children.push_back({false, qi});
        has_children = true;
      }
    }
    if (auto ss = r.find("sections")) {
      ss->expect_array();
      for (std::size_t i = 0; i < ss->size(); ++i) {
        int si = load_section(ss->at(i), index);
        q_.sections[static_cast<std::size_t>(index)].children.push_back({true, si});
        has_children = true;
      }
    }
    if (!has_children) r.fail("a section needs at least one question or subsection");
    if (q_.sections[static_cast<std::size_t>(index)].aggregation == Aggregation::kRatingMean) {
      check_ratings(r, index);
    }
  }

  // GB/T 39117 ratings: every scored question under a rating_mean node rates 0, 0.5, 0.8 or 1.
  void check_ratings(const Reader& r, int index) {
    for (const auto& child : q_.sections[static_cast<std::size_t>(index)].children) {
      if (child.is_section) continue;
      const Question& question = q_.questions[static_cast<std::size_t>(child.index)];
      if (!question.scored()) continue;
      for (const auto& o : question.options) {
        if (o.points != 0 && o.points != 0.5 && o.points != 0.8 && o.points != 1) {
          r.fail("rating_mean: option \"" + o.id + "\" of question \"" + question.id + "\" has points " +
                 format_number(o.points) + "; ratings are 0, 0.5, 0.8 or 1");
        }
      }
    }
  }

  int load_section(const Reader& r, int parent) {
    r.expect_object();
    r.allow_only({"id", "title", "weight", "aggregation", "scored", "pass_mark", "count_until_failed", "cite",
                  "confidence", "note", "maintainer_note", "sections", "questions", "description"});
    if (q_.sections.size() >= limits_.max_sections) {
      r.fail("more than " + std::to_string(limits_.max_sections) + " sections", ErrorKind::kLimit);
    }
    const int depth = q_.sections[static_cast<std::size_t>(parent)].depth + 1;
    if (depth > limits_.max_depth) {
      r.fail("sections nested deeper than " + std::to_string(limits_.max_depth), ErrorKind::kLimit);
    }
    Section s;
    s.id = r.at("id").identifier();
    claim_id(r.at("id"), s.id);
    s.title = r.at("title").text();
    s.pointer = r.pointer();
    s.parent = parent;
    s.depth = depth;
    if (auto sc = r.find("scored")) s.scored = sc->boolean();
    s.provenance = provenance(r);
    const int index = static_cast<int>(q_.sections.size());
    q_.section_ids_[s.id] = index;
    q_.sections.push_back(std::move(s));
    read_section_body(r, index);
    return index;
  }

  QuestionType question_type(const Reader& r) {
    static const std::vector<std::pair<std::string, QuestionType>> kTypes = {
        {"single", QuestionType::kSingle},   {"multi", QuestionType::kMulti}, {"number", QuestionType::kNumber},
        {"percent", QuestionType::kPercent}, {"band", QuestionType::kBand},   {"ladder", QuestionType::kLadder},
        {"yesno", QuestionType::kYesNo},     {"text", QuestionType::kText},   {"date", QuestionType::kDate}};
    const std::string t = r.string();
    for (const auto& [name, type] : kTypes) {
      if (name == t) return type;
    }
    r.fail("\"type\" must be one of single, multi, number, percent, band, ladder, yesno, text, date");
  }

  Range range(const Reader& r) {
    r.expect_object();
    r.allow_only({"gt", "ge", "lt", "le"});
    Range out = detail::read_bounds(r, "range");
    if (!out.lower && !out.upper) r.fail("a range needs a lower or an upper bound");
    if (out.lower && out.upper &&
        (*out.lower > *out.upper || (*out.lower == *out.upper && !(out.lower_inclusive && out.upper_inclusive)))) {
      r.fail("the range " + out.describe() + " is empty");
    }
    out.prepare_exact();
    return out;
  }

  void load_options(const Reader& r, Question& question) {
    Reader os = r.at("options");
    os.expect_array();
    if (os.size() == 0) os.fail("\"options\" must not be empty");
    if (os.size() > limits_.max_options) {
      os.fail("more than " + std::to_string(limits_.max_options) + " options", ErrorKind::kLimit);
    }
    std::set<std::string> seen;
    for (std::size_t i = 0; i < os.size(); ++i) {
      Reader o = os.at(i);
      o.expect_object();
      o.allow_only({"id", "label", "points", "exclusive", "level", "range", "description", "replaces"});
      Option opt;
      opt.id = o.at("id").identifier();
      if (!seen.insert(opt.id).second) o.at("id").fail("duplicate option id \"" + opt.id + "\"");
      if (auto rp = o.find("replaces")) {
        // Former ids of this option (answers saved before a correction still read, as this option).
        rp->expect_array();
        for (std::size_t k = 0; k < rp->size(); ++k) {
          Reader former = rp->at(k);
          opt.replaces.push_back(former.identifier());
          if (!seen.insert(opt.replaces.back()).second)
            former.fail("duplicate option id \"" + opt.replaces.back() + "\"");
        }
      }
      opt.label = o.at("label").text();
      if (auto p = o.find("points")) opt.points = p->number();
      if (auto e = o.find("exclusive")) {
        if (question.type != QuestionType::kMulti) e->fail("\"exclusive\" applies to multi questions only");
        opt.exclusive = e->boolean();
      }
      if (question.type == QuestionType::kLadder) {
        Reader lv = o.at("level");
        double level = lv.number();
        if (level != static_cast<double>(i)) {
          lv.fail("ladder levels must run 0, 1, 2, ... in order; expected " + std::to_string(i));
        }
        opt.level = static_cast<int>(i);
        if (!o.find("points")) opt.points = level;
      } else if (auto lv = o.find("level")) {
        lv->fail("\"level\" applies to ladder questions only");
      }
      if (question.type == QuestionType::kBand) {
        opt.range = range(o.at("range"));
      } else if (auto rg = o.find("range")) {
        rg->fail("\"range\" applies to band questions only");
      }
      question.options.push_back(std::move(opt));
    }
    if (question.type == QuestionType::kBand) {
      for (std::size_t i = 0; i < question.options.size(); ++i) {
        for (std::size_t j = i + 1; j < question.options.size(); ++j) {
          const Range& a = *question.options[i].range;
          const Range& b = *question.options[j].range;
          if (overlap(a, b)) {
            os.at(j).fail("band " + b.describe() + " of option \"" + question.options[j].id + "\" overlaps " +
                          a.describe() + " of option \"" + question.options[i].id + "\"");
          }
        }
      }
    }
    if (question.type == QuestionType::kMulti) {
      int exclusive = 0;
      for (const auto& o : question.options) exclusive += o.exclusive ? 1 : 0;
      if (exclusive > 1) os.fail("a multi question takes at most one exclusive option");
    }
  }

  static bool overlap(const Range& a, const Range& b) {
    // Two intervals overlap when each starts before the other ends.
    auto starts_before_end = [](const Range& x, const Range& y) {
      if (!x.lower || !y.upper) return true;
      if (*x.lower < *y.upper) return true;
      return *x.lower == *y.upper && x.lower_inclusive && y.upper_inclusive;
    };
    return starts_before_end(a, b) && starts_before_end(b, a);
  }

  int load_question(const Reader& r, int section) {
    r.expect_object();
    r.allow_only({"id",         "type",        "title",          "help",
                  "cite",       "confidence",  "note",           "maintainer_note",
                  "weight",     "options",     "max_points",     "min",
                  "max",        "unit",        "max_length",     "required",
                  "visible_if", "required_if", "not_applicable", "value_from",
                  "evidence",   "tags",        "points",         "format",
                  "at_most",    "next_year",   "example",        "identity"});
    if (q_.questions.size() >= limits_.max_questions) {
      r.fail("more than " + std::to_string(limits_.max_questions) + " questions", ErrorKind::kLimit);
    }
    Question question;
    question.id = r.at("id").identifier();
    claim_id(r.at("id"), question.id);
    question.type = question_type(r.at("type"));
    question.title = r.at("title").text();
    if (auto h = r.find("help")) question.help = h->text();
    question.provenance = provenance(r);
    question.pointer = r.pointer();
    question.section = section;
    if (auto w = r.find("weight")) question.weight = w->non_negative_number("weight");
    const QuestionType t = question.type;
    const bool has_options = t == QuestionType::kSingle || t == QuestionType::kMulti || t == QuestionType::kBand ||
                             t == QuestionType::kLadder;
    if (has_options) {
      load_options(r, question);
    } else if (auto o = r.find("options")) {
      o->fail("\"options\" does not apply to " + std::string(to_string(t)) + " questions");
    }
    if (t == QuestionType::kYesNo) {
      // Built-in options, named by the catalogues ("srv_option_no" / "srv_option_yes": Option::label_in).
      Option no{"no", {}, 0, false, 0, std::nullopt, {}, "srv_option_no"};
      Option yes{"yes", {}, 0, false, 1, std::nullopt, {}, "srv_option_yes"};
      if (auto p = r.find("points")) {
        p->expect_object();
        p->allow_only({"yes", "no"});
        if (auto y = p->find("yes")) yes.points = y->number();
        if (auto n = p->find("no")) no.points = n->number();
      }
      question.options = {no, yes};
    } else if (auto p = r.find("points")) {
      p->fail("\"points\" on a question applies to yesno only; other types put points on options");
    }
    if (auto mp = r.find("max_points")) {
      if (t != QuestionType::kMulti) mp->fail("\"max_points\" applies to multi questions only");
      question.max_points = mp->non_negative_number("max_points");
    }
    const bool numeric = t == QuestionType::kNumber || t == QuestionType::kPercent || t == QuestionType::kBand;
    if (t == QuestionType::kPercent) {
      question.min = 0;
      question.max = 100;
      question.unit = "%";
    }
    for (const char* key : {"min", "max"}) {
      if (auto v = r.find(key)) {
        if (!numeric) v->fail("\"" + std::string(key) + "\" applies to number, percent and band questions only");
        (std::string(key) == "min" ? question.min : question.max) = v->number();
      }
    }
    if (question.min && question.max && *question.min > *question.max) r.fail("\"min\" is greater than \"max\"");
    if (auto u = r.find("unit")) question.unit = u->string();
    if (auto ml = r.find("max_length")) {
      if (t != QuestionType::kText) ml->fail("\"max_length\" applies to text questions only");
      double v = ml->number();
      if (v < 1 || v > 100000 || v != std::floor(v)) ml->fail("\"max_length\" must be a whole number from 1 to 100000");
      question.max_length = static_cast<std::size_t>(v);
    }
    if (auto f = r.find("format")) {
      if (t != QuestionType::kText) f->fail("\"format\" applies to text questions only");
      const std::string format = f->string();
      if (format == "uscc") {
        question.format = "uscc";
      } else if (format.rfind("code:", 0) == 0) {
        auto it = q_.code_lists.find(format.substr(5));
        if (it == q_.code_lists.end()) {
          f->fail("\"format\" names code list \"" + format.substr(5) + "\", which \"code_lists\" does not declare");
        }
        question.format = "code";
        question.code_list = it->second;
      } else {
        f->fail("\"format\" must be \"uscc\" or \"code:<list>\"");
      }
    }
    if (auto rq = r.find("required")) question.required = rq->boolean();
    if (auto v = r.find("visible_if")) {
      question.visible_if = compile_rule(*v);
      pending_rules_.emplace_back(*v, question.visible_if->references());
    }
    if (auto v = r.find("required_if")) {
      question.required_if = compile_rule(*v);
      pending_rules_.emplace_back(*v, question.required_if->references());
    }
    if (auto na = r.find("not_applicable")) question.allow_na = na->boolean();
    const int index = static_cast<int>(q_.questions.size());
    if (auto vf = r.find("value_from")) {
      if (t != QuestionType::kBand) vf->fail("\"value_from\" applies to band questions only");
      pending_value_from_.push_back({*vf, index, vf->string()});
    }
    if (auto ev = r.find("evidence")) {
      ev->expect_array();
      std::set<std::string> seen;
      for (std::size_t i = 0; i < ev->size(); ++i) {
        Reader e = ev->at(i);
        e.expect_object();
        e.allow_only({"id", "label", "accept"});
        EvidenceSlot slot;
        slot.id = e.at("id").identifier();
        if (!seen.insert(slot.id).second) e.at("id").fail("duplicate evidence slot \"" + slot.id + "\"");
        slot.label = e.at("label").text();
        if (auto a = e.find("accept")) slot.accept = a->string_list();
        question.evidence.push_back(std::move(slot));
      }
    }
    if (auto tg = r.find("tags")) question.tags = tg->string_list();
    if (auto am = r.find("at_most")) {
      if (t != QuestionType::kNumber && t != QuestionType::kPercent) {
        am->fail("\"at_most\" applies to number and percent questions only");
      }
      question.at_most = am->identifier();
      pending_links_.push_back({*am, index, "at_most", question.at_most});
    }
    if (auto ny = r.find("next_year")) {
      const Json& v = ny->json();
      if (v.is_null()) {
        question.next_year = "";
      } else if (v.is_string() && v.get<std::string>() == "+1") {
        if (t != QuestionType::kNumber) ny->fail("\"next_year\": \"+1\" applies to number questions (a year) only");
        question.next_year = "+1";
      } else if (v.is_string()) {
        question.next_year = ny->identifier();
        pending_links_.push_back({*ny, index, "next_year", *question.next_year});
      } else {
        ny->fail("\"next_year\" must be a question id, \"+1\" or null");
      }
    }
    if (auto ex = r.find("example")) question.example = ex->string();
    if (auto ident = r.find("identity")) question.identity = ident->boolean();
    question.best_ = best_points(question);
    q_.question_ids_[question.id] = index;
    q_.questions.push_back(std::move(question));
    return index;
  }

  logic::Rule compile_rule(const Reader& r) { return detail::read_rule(r); }

  // Every var in a condition must name a question or computed value.
  void check_references(const Reader& r, const std::vector<std::string>& names) {
    for (const auto& name : names) {
      if (q_.question_index(name) < 0 && q_.computed_index(name) < 0) {
        r.fail("condition refers to unknown question or computed value \"" + name + "\"");
      }
    }
  }

  // Orders computed values so that each comes after those it reads; a cycle is an error.
  void order_computed(const std::vector<std::pair<Reader, int>>& readers) {
    const std::size_t n = q_.computed.size();
    std::vector<std::vector<int>> deps(n);
    for (std::size_t i = 0; i < n; ++i) {
      for (const auto& name : q_.computed[i].expr.references()) {
        int ci = q_.computed_index(name);
        if (ci >= 0) {
          deps[i].push_back(ci);
        } else if (q_.question_index(name) < 0) {
          readers[i].first.at("expr").fail("\"expr\" refers to unknown question or computed value \"" + name + "\"");
        }
      }
    }
    std::vector<int> state(n, 0);  // 0 new, 1 on stack, 2 done
    std::vector<int> order;
    std::vector<int> stack;
    std::function<void(int)> visit = [&](int i) {
      state[static_cast<std::size_t>(i)] = 1;
      stack.push_back(i);
      for (int d : deps[static_cast<std::size_t>(i)]) {
        if (state[static_cast<std::size_t>(d)] == 1) {
          std::string cycle;
          auto from = std::find(stack.begin(), stack.end(), d);
          for (auto it = from; it != stack.end(); ++it) cycle += q_.computed[static_cast<std::size_t>(*it)].id + " -> ";
          cycle += q_.computed[static_cast<std::size_t>(d)].id;
          readers[static_cast<std::size_t>(i)].first.at("expr").fail("computed values form a cycle: " + cycle);
        }
        if (state[static_cast<std::size_t>(d)] == 0) visit(d);
      }
      stack.pop_back();
      state[static_cast<std::size_t>(i)] = 2;
      order.push_back(i);
    };
    for (std::size_t i = 0; i < n; ++i) {
      if (state[i] == 0) visit(static_cast<int>(i));
    }
    std::vector<Computed> sorted;
    sorted.reserve(n);
    for (int i : order) sorted.push_back(std::move(q_.computed[static_cast<std::size_t>(i)]));
    q_.computed = std::move(sorted);
    q_.computed_ids_.clear();
    for (std::size_t i = 0; i < n; ++i) q_.computed_ids_[q_.computed[i].id] = static_cast<int>(i);
  }

  Selector selector(const Reader& r) {
    r.expect_object();
    r.allow_only({"section", "tag", "questions"});
    Selector s;
    s.source = r.json();
    std::vector<bool> keep(q_.questions.size(), true);
    if (auto sec = r.find("section")) {
      int si = q_.section_index(sec->string());
      if (si < 0) sec->fail("unknown section \"" + sec->string() + "\"");
      for (std::size_t i = 0; i < q_.questions.size(); ++i) keep[i] = keep[i] && within(q_.questions[i].section, si);
    }
    if (auto tag = r.find("tag")) {
      const std::string t = tag->string();
      for (std::size_t i = 0; i < q_.questions.size(); ++i) {
        const auto& tags = q_.questions[i].tags;
        keep[i] = keep[i] && std::find(tags.begin(), tags.end(), t) != tags.end();
      }
    }
    if (auto qs = r.find("questions")) {
      std::vector<bool> listed(q_.questions.size(), false);
      qs->expect_array();
      for (std::size_t i = 0; i < qs->size(); ++i) {
        const std::string id = qs->at(i).string();
        int qi = q_.question_index(id);
        if (qi < 0) qs->at(i).fail("unknown question \"" + id + "\"");
        listed[static_cast<std::size_t>(qi)] = true;
      }
      for (std::size_t i = 0; i < keep.size(); ++i) keep[i] = keep[i] && listed[i];
    }
    for (std::size_t i = 0; i < keep.size(); ++i) {
      if (keep[i]) s.questions.push_back(static_cast<int>(i));
    }
    if (s.questions.empty()) r.fail("the selector matches no question");
    return s;
  }

  bool within(int section, int ancestor) const {
    for (int s = section; s >= 0; s = q_.sections[static_cast<std::size_t>(s)].parent) {
      if (s == ancestor) return true;
    }
    return false;
  }

  void load_levels(const Reader& r) {
    r.expect_object();
    r.allow_only({"cumulative", "below", "items"});
    if (auto c = r.find("cumulative")) q_.levels_cumulative = c->boolean();
    // Without "below", the catalogues name it ("srv_level_below": Questionnaire::below_name).
    if (auto b = r.find("below")) q_.below_levels = b->text();
    Reader items = r.at("items");
    items.expect_array();
    if (items.size() > limits_.max_levels) {
      items.fail("more than " + std::to_string(limits_.max_levels) + " levels", ErrorKind::kLimit);
    }
    std::set<std::string> names;
    for (std::size_t i = 0; i < items.size(); ++i) {
      Reader lr = items.at(i);
      lr.expect_object();
      lr.allow_only(
          {"id", "name", "aliases", "cite", "confidence", "note", "maintainer_note", "requires", "description"});
      Level level;
      level.id = lr.at("id").identifier();
      claim_id(lr.at("id"), level.id);
      level.name = lr.at("name").text();
      if (auto a = lr.find("aliases")) level.aliases = a->string_list();
      // Names and aliases must tell levels apart (a level may use one word in both languages).
      std::set<std::string> own = {level.name.zh};
      if (!level.name.en.empty()) own.insert(level.name.en);
      for (const auto& n : level.aliases) own.insert(n);
      for (const auto& n : own) {
        if (!names.insert(n).second) lr.fail("level name or alias \"" + n + "\" is used by another level");
      }
      level.provenance = provenance(lr);
      level.pointer = lr.pointer();
      Reader reqs = lr.at("requires");
      reqs.expect_array();
      for (std::size_t k = 0; k < reqs.size(); ++k) level.requirements.push_back(requirement(reqs.at(k)));
      q_.levels.push_back(std::move(level));
    }
  }

  Requirement requirement(const Reader& r) {
    r.expect_object();
    r.allow_only({"id", "title", "cite", "confidence", "note", "maintainer_note", "score", "count", "share", "value",
                  "logic", "at_least", ">=", ">", "<=", "<", "=="});
    Requirement req;
    req.id = r.at("id").identifier();
    claim_id(r.at("id"), req.id);
    req.title = r.find("title") ? r.at("title").text() : Text{req.id, req.id};
    req.provenance = provenance(r);
    req.pointer = r.pointer();
    int kinds = 0;
    for (const char* k : {"score", "count", "share", "value", "logic"}) kinds += r.find(k) ? 1 : 0;
    if (kinds != 1) r.fail("a requirement takes exactly one of \"score\", \"count\", \"share\", \"value\", \"logic\"");
    if (auto s = r.find("score")) {
      req.kind = RequirementKind::kScore;
      req.section = q_.section_index(s->string());
      if (req.section < 0 && s->string() == q_.id) req.section = 0;
      if (req.section < 0) s->fail("unknown section \"" + s->string() + "\"");
    } else if (auto c = r.find("count")) {
      req.kind = RequirementKind::kCount;
      req.selector = selector(*c);
    } else if (auto sh = r.find("share")) {
      req.kind = RequirementKind::kShare;
      req.selector = selector(*sh);
    } else if (auto v = r.find("value")) {
      req.kind = RequirementKind::kValue;
      const std::string id = v->string();
      req.value = q_.question_index(id);
      if (req.value < 0) {
        req.value = q_.computed_index(id);
        req.value_is_computed = true;
      }
      if (req.value < 0) v->fail("unknown question or computed value \"" + id + "\"");
    } else {
      req.kind = RequirementKind::kLogic;
      Reader lr = r.at("logic");
      req.rule = compile_rule(lr);
      check_references(lr, req.rule->references());
    }
    if (auto al = r.find("at_least")) {
      if (req.kind != RequirementKind::kCount && req.kind != RequirementKind::kShare) {
        al->fail("\"at_least\" applies to count and share requirements only");
      }
      req.at_least = al->number();
    }
    int comparisons = 0;
    static const std::vector<std::pair<std::string, Comparison>> kOps = {{">=", Comparison::kGe},
                                                                         {">", Comparison::kGt},
                                                                         {"<=", Comparison::kLe},
                                                                         {"<", Comparison::kLt},
                                                                         {"==", Comparison::kEq}};
    for (const auto& [key, op] : kOps) {
      if (auto t = r.find(key)) {
        ++comparisons;
        req.comparison = op;
        req.threshold = t->number();
      }
    }
    if (req.kind == RequirementKind::kLogic) {
      if (comparisons != 0) r.fail("a logic requirement holds when its rule is truthy; it takes no comparison");
    } else if (comparisons != 1) {
      r.fail("a requirement takes exactly one comparison: \">=\", \">\", \"<=\", \"<\" or \"==\"");
    }
    return req;
  }

  // Binds every compiled rule's vars to logic slots: questions 0..n-1, computed n..n+m-1.
  void bind_rules() {
    const int n = static_cast<int>(q_.questions.size());
    auto binder = [this, n](std::string_view name) {
      std::string key(name);
      int qi = q_.question_index(key);
      if (qi >= 0) return qi;
      int ci = q_.computed_index(key);
      return ci >= 0 ? n + ci : -1;
    };
    for (auto& question : q_.questions) {
      if (question.visible_if) question.visible_if->bind(binder);
      if (question.required_if) question.required_if->bind(binder);
    }
    for (auto& comp : q_.computed) {
      comp.expr.bind(binder);
      comp.exact = exact::Expr::compile(comp.expr.source(), [&](const std::string& name) { return binder(name); });
    }
    for (auto& level : q_.levels) {
      for (auto& req : level.requirements) {
        if (req.rule) req.rule->bind(binder);
      }
    }
  }

  std::string file_;
  DefinitionLimits limits_;
  Questionnaire q_;
  std::unordered_map<std::string, std::string> ids_;  // id -> pointer of first use
  std::vector<PendingValueFrom> pending_value_from_;
  std::vector<PendingLink> pending_links_;
  std::vector<std::pair<Reader, std::vector<std::string>>> pending_rules_;
};

}  // namespace

Questionnaire load_questionnaire(const Json& definition, const std::string& file, const DefinitionLimits& limits) {
  Loader loader(file, limits);
  return loader.load(definition);
}

Questionnaire load_questionnaire_file(const std::string& path, const DefinitionLimits& limits) {
  return load_questionnaire(read_json_file(path, limits.max_bytes), path, limits);
}

namespace {
struct TooDeep {};

// nlohmann's DOM builder driven through its SAX interface, refusing values nested deeper than
// `max_depth` as they are read. Linear in the input: the callback form of Json::parse (which this
// replaces) scans the parent container again on every closing bracket, so `[{},{},…]` was quadratic.
// The depth checked is the one the callback saw: the number of containers open around an event.
class DepthLimitedBuilder : public nlohmann::detail::json_sax_dom_parser<Json> {
 public:
  using Base = nlohmann::detail::json_sax_dom_parser<Json>;
  DepthLimitedBuilder(Json& result, std::size_t max_depth) : Base(result, true), max_depth_(max_depth) {}

  bool null() { return check() && Base::null(); }
  bool boolean(bool v) { return check() && Base::boolean(v); }
  bool number_integer(Json::number_integer_t v) { return check() && Base::number_integer(v); }
  bool number_unsigned(Json::number_unsigned_t v) { return check() && Base::number_unsigned(v); }
  bool number_float(Json::number_float_t v, const Json::string_t& s) { return check() && Base::number_float(v, s); }
  bool string(Json::string_t& v) { return check() && Base::string(v); }
  bool binary(Json::binary_t& v) { return check() && Base::binary(v); }
  bool key(Json::string_t& v) { return check() && Base::key(v); }
  bool start_object(std::size_t n) {
    check();
    ++depth_;
    return Base::start_object(n);
  }
  bool start_array(std::size_t n) {
    check();
    ++depth_;
    return Base::start_array(n);
  }
  bool end_object() {
    --depth_;
    return Base::end_object();
  }
  bool end_array() {
    --depth_;
    return Base::end_array();
  }

 private:
  bool check() const {
    if (depth_ > max_depth_) throw TooDeep{};
    return true;
  }
  std::size_t depth_ = 0;
  std::size_t max_depth_;
};
}  // namespace

Json parse_json_text(const std::string& text, const std::string& file) {
  // Nothing we read nests deeper than this; deeper documents would only exhaust the stack of
  // the recursive code that walks them later.
  constexpr int kMaxDepth = 128;
  try {
    Json result;
    DepthLimitedBuilder builder(result, kMaxDepth);
    Json::sax_parse(text, &builder);
    return result;
  } catch (const TooDeep&) {
    throw Error(file, "", "JSON nested deeper than " + std::to_string(kMaxDepth) + " levels", ErrorKind::kLimit);
  } catch (const Json::out_of_range& e) {
    // Numbers beyond double precision ("1e999").
    std::string what = e.what();
    auto bracket = what.find("] ");
    throw Error(file, "", "invalid JSON: " + (bracket == std::string::npos ? what : what.substr(bracket + 2)));
  } catch (const Json::parse_error& e) {
    // Turn the byte offset into line and column, which is what an editor shows.
    std::size_t line = 1;
    std::size_t column = 1;
    const std::size_t end = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    for (std::size_t i = 0; i < end; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string what = e.what();
    // nlohmann's message reads "[json.exception.parse_error.101] parse error at line 1, column 2: ..."
    auto colon = what.find(": ");
    std::string reason = colon == std::string::npos ? what : what.substr(colon + 2);
    throw Error(file, "",
                "invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + reason);
  }
}

Json read_json_file(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path, "", "cannot open file", ErrorKind::kNotFound);
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::size_t>(in.tellg());
  if (size > max_bytes) {
    throw Error(path, "", "file is " + std::to_string(size) + " bytes; the limit is " + std::to_string(max_bytes),
                ErrorKind::kLimit);
  }
  in.seekg(0);
  std::string text(size, '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  return parse_json_text(text, path);
}

std::string content_hash(const Json& document) {
  return "sha256:" + sha256_hex(document.dump());  // nlohmann::json keeps object keys sorted
}

}  // namespace assess
