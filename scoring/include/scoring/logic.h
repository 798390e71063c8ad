// logic.h — JsonLogic conditions, compiled once and evaluated many times.
//
// Questionnaires, level gates and reward rules state their conditions in JsonLogic (jsonlogic.com),
// the language the authoring tools around us already speak. A rule is compiled when its document
// loads, so an unknown operator or a malformed rule is rejected at load time with a JSON pointer,
// never when a user happens to reach it. Evaluation is a pure function of the rule and the data.
//
// Two ways to supply data:
//  - a plain JSON document (`evaluate(json)`), used by `assess logic` and the conformance suite;
//  - a Scope, for hot paths: after `bind()` has mapped the first segment of every top-level `var`
//    path to an integer slot, `evaluate(scope)` looks values up by slot without building a JSON
//    object per evaluation (the questionnaire runtime keeps one JSON value per question).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace assess::logic {

using Json = nlohmann::json;

// Where `var` looks values up when evaluating against a Scope. `slot` is what the binder returned
// for the first path segment (or -1 when it returned -1 / bind was never called); `path` is the
// full dotted path as written. Return nullptr when the value is absent (JsonLogic then uses the
// var's default, or null).
class Scope {
 public:
  virtual ~Scope() = default;
  [[nodiscard]] virtual const Json* lookup(int slot, std::string_view path) const = 0;
};

struct Node;  // compiled form; internal
class TypedRule;

class Rule {
 public:
  Rule();  // the literal `null`
  ~Rule();
  Rule(Rule&&) noexcept;
  Rule& operator=(Rule&&) noexcept;
  Rule(const Rule&);
  Rule& operator=(const Rule&);

  // Compiles a rule. Throws assess::Error (file empty, pointer relative to the rule, e.g.
  // "/and/1": unknown operator "foo") for unknown operators, operator objects with more than one
  // key, non-string/number var paths, wrong argument counts where the operator fixes them, and
  // rules nested deeper than 256 levels.
  [[nodiscard]] static Rule compile(const Json& rule);

  // Evaluates against a JSON data document (JsonLogic semantics, incl. truthiness and
  // loose equality as in the reference implementation). Throws assess::Error of kind kLimit when
  // one evaluation runs away (more than 2^26 steps, a `cat` over 1 MiB, a `merge` over 262,144
  // elements) — a guard against hostile rules such as a doubling `reduce`.
  [[nodiscard]] Json evaluate(const Json& data) const;
  // Evaluates against a Scope (see above). Inside map/filter/reduce/all/some/none the element
  // being iterated is the data, as in the reference implementation.
  [[nodiscard]] Json evaluate(const Scope& scope) const;

  // Assigns slots: `binder` receives the first segment of each top-level var path ("q1" for
  // "q1.value") and returns a slot or -1. Vars inside map/filter/... bodies are not bound.
  void bind(const std::function<int(std::string_view)>& binder);

  // First segments of every var path that reads the top-level data (not iteration bodies),
  // each once, in order of appearance; also those named by `missing` / `missing_some` when
  // they are literal. Used to check references and to find cycles between computed values.
  [[nodiscard]] std::vector<std::string> references() const;

  // The full literal var paths that read the top-level data ("project.loan_wan"), each once; vars
  // with a default value are left out (they never read as missing).
  [[nodiscard]] std::vector<std::string> paths() const;

  [[nodiscard]] const Json& source() const { return source_; }

 private:
  friend class TypedRule;
  std::shared_ptr<const Node> root_;
  Json source_;
};

// JsonLogic truthiness: false, null, 0, "", [] are falsy; everything else truthy.
[[nodiscard]] bool truthy(const Json& value);

// ---------------------------------------------------------------------------------------------
// Typed evaluation: rules over facts that are already typed values in slots (ranking criteria over
// the typed columns of the bureau's records), without a JSON DOM. A plain value type (no
// allocation); strings and lists are views owned by the caller's row or by the compiled rule.

struct Typed {
  enum Kind : std::uint8_t { kNull, kBool, kInt, kDouble, kString, kList };
  Kind kind = kNull;
  bool boolean = false;
  double number = 0;                        // kInt and kDouble (kInt: a whole number the data held as an integer)
  std::string_view text;                    // kString
  const std::string_view* items = nullptr;  // kList: strings
  std::uint32_t count = 0;                  // kList: number of items

  static Typed null() { return {}; }
  static Typed of_bool(bool b) {
    Typed t;
    t.kind = kBool;
    t.boolean = b;
    return t;
  }
  static Typed of_int(std::int64_t v) {
    Typed t;
    t.kind = kInt;
    t.number = static_cast<double>(v);
    return t;
  }
  static Typed of_double(double v) {
    Typed t;
    t.kind = kDouble;
    t.number = v;
    return t;
  }
  static Typed of_string(std::string_view s) {
    Typed t;
    t.kind = kString;
    t.text = s;
    return t;
  }
  bool is_number() const { return kind == kInt || kind == kDouble; }
};

// The JSON value a typed value stands for (kInt → integer, kDouble → float, kList → array of strings).
Json to_json(const Typed& value);
bool truthy(const Typed& value);

// A Rule compiled for typed slots. Covers the operators criteria use (var without a default, if,
// and, or, !, !!, ==, !=, ===, !==, <, <=, >, >=, in, +, -, *, /, %, max, min, literals); `compile`
// returns nullopt for anything else, and the caller evaluates the Rule on JSON instead. Results are
// those of Rule::evaluate with the same facts as JSON (the same JavaScript coercions; a computed
// number that is not finite is null).
class TypedRule {
 public:
  // `slot_of` maps a full var path ("profile.employees") to a slot, or -1 when it is not typed.
  static std::optional<TypedRule> compile(const Rule& rule, const std::function<int(std::string_view)>& slot_of);
  // `slots`: the row's values, indexed by slot. The result may point into `slots` or the rule.
  Typed evaluate(const Typed* slots) const;

  struct Node {
    std::uint8_t op = 0;
    int slot = -1;
    Typed literal;
    std::uint32_t first = 0;  // children: nodes_[first .. first + count)
    std::uint32_t count = 0;
  };

 private:
  Typed eval(std::uint32_t index, const Typed* slots) const;
  std::vector<Node> nodes_;  // nodes_[0] is the root
  std::vector<std::uint32_t> children_;
  std::shared_ptr<std::deque<std::string>> strings_;                  // literal texts
  std::shared_ptr<std::deque<std::vector<std::string_view>>> lists_;  // literal lists
};

}  // namespace assess::logic
