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
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

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
  std::shared_ptr<const Node> root_;
  Json source_;
};

// JsonLogic truthiness: false, null, 0, "", [] are falsy; everything else truthy.
[[nodiscard]] bool truthy(const Json& value);

}  // namespace assess::logic
