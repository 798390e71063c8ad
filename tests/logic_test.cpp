#include "scoring/logic.h"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "scoring/error.h"

namespace {

using assess::ErrorKind;
using assess::logic::Json;
using assess::logic::Rule;
using assess::logic::truthy;

// Deep equality where numbers compare by value, so 1 == 1.0.
bool same_json(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!same_json(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      const auto other = b.find(it.key());
      if (other == b.end() || !same_json(it.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

// The shared suite when this checkout sits next to it, else the copy in tests/data.
std::filesystem::path suite_path() {
  const std::filesystem::path shared = ASSESS_SHARED_DIR "/conformance/jsonlogic/tests.json";
  if (std::filesystem::exists(shared)) return shared;
  return std::filesystem::path(ASSESS_SOURCE_DIR) / "tests/data/jsonlogic/tests.json";
}

Json load_suite() {
  std::ifstream in(suite_path());
  REQUIRE_MESSAGE(in.good(), "cannot read " << suite_path().string());
  return Json::parse(in);
}

Json eval(std::string_view rule, std::string_view data = "null") {
  return Rule::compile(Json::parse(rule)).evaluate(Json::parse(data));
}

// The error compiling `rule` throws; fails the test when it compiles.
assess::Error compile_error(std::string_view rule) {
  try {
    (void)Rule::compile(Json::parse(rule));
  } catch (const assess::Error& error) {
    return error;
  }
  FAIL("compiled without error: " << rule);
  return assess::Error("", "", "");
}

// A Scope over a JSON object: bound slots index the names handed to the binder; unbound
// lookups resolve the first segment of the path. Counts both kinds of lookups.
class ObjectScope : public assess::logic::Scope {
 public:
  explicit ObjectScope(Json data) : data_(std::move(data)) {}

  int bind(std::string_view name) {
    names_.emplace_back(name);
    return static_cast<int>(names_.size()) - 1;
  }

  const Json* lookup(int slot, std::string_view path) const override {
    std::string name;
    if (slot >= 0) {
      ++bound_lookups;
      name = names_.at(static_cast<std::size_t>(slot));
    } else {
      ++unbound_lookups;
      name = std::string(path.substr(0, path.find('.')));
    }
    if (!data_.is_object()) return nullptr;
    const auto it = data_.find(name);
    return it == data_.end() ? nullptr : &*it;
  }

  mutable int bound_lookups = 0;
  mutable int unbound_lookups = 0;

 private:
  Json data_;
  std::vector<std::string> names_;
};

Json nested_not(int levels) {
  Json rule = true;
  for (int i = 0; i < levels; ++i) rule = Json::object({{"!", Json::array({rule})}});
  return rule;
}

}  // namespace

TEST_CASE("jsonlogic conformance suite passes") {
  const Json suite = load_suite();
  REQUIRE(suite.is_array());
  int cases = 0;
  int passed = 0;
  for (std::size_t i = 0; i < suite.size(); ++i) {
    const Json& entry = suite[i];
    if (entry.is_string()) continue;  // a section header
    ++cases;
    REQUIRE(entry.is_array());
    REQUIRE(entry.size() == 3);
    const Json& rule = entry[0];
    const Json& data = entry[1];
    const Json& expected = entry[2];
    Json got;
    std::string error;
    try {
      got = Rule::compile(rule).evaluate(data);
    } catch (const std::exception& e) {
      error = e.what();
    }
    const bool ok = error.empty() && same_json(got, expected);
    CHECK_MESSAGE(ok, "case " << cases << " (entry " << i << "): " << rule.dump() << " on " << data.dump() << " gave "
                              << (error.empty() ? got.dump() : error) << ", expected " << expected.dump());
    if (ok) ++passed;
  }
  CHECK(cases == 278);
  CHECK(passed == cases);
}

TEST_CASE("the cases the browser's engine once read differently give the shared expected values") {
  // tests/data/jsonlogic/agreement.json: web/jsonlogic.js runs the same file (web_logic_check.mjs).
  std::ifstream in(std::filesystem::path(ASSESS_SOURCE_DIR) / "tests/data/jsonlogic/agreement.json");
  REQUIRE(in.good());
  const Json cases = Json::parse(in);
  int checked = 0;
  for (const Json& entry : cases) {
    if (entry.is_string()) continue;
    ++checked;
    const Json got = Rule::compile(entry[0]).evaluate(entry[1]);
    CHECK_MESSAGE(same_json(got, entry[2]), entry[0].dump() << " on " << entry[1].dump() << " gave " << got.dump()
                                                            << ", expected " << entry[2].dump());
  }
  CHECK(checked >= 30);
  // The case of issue 12: a missing var is null under strict equality.
  CHECK(eval(R"({"===": [{"var": "x"}, null]})", "{}") == true);
}

TEST_CASE("an unknown operator is rejected at compile time") {
  const assess::Error error = compile_error(R"({"foo": 1})");
  CHECK(error.file().empty());
  CHECK(error.pointer().empty());
  CHECK(error.message() == "unknown operator \"foo\"");
  CHECK(error.kind() == ErrorKind::kInvalid);
}

TEST_CASE("an unknown operator is reported at the JSON pointer of its object") {
  const assess::Error error = compile_error(R"({"and": [true, {"foo": 1}]})");
  CHECK(error.pointer() == "/and/1");
  CHECK(error.message() == "unknown operator \"foo\"");
  CHECK(std::string(error.what()) == "<input>:/and/1: unknown operator \"foo\"");

  CHECK(compile_error(R"({"if": [{"var": "a"}, {"map": [[1], {"bogus": []}]}]})").pointer() == "/if/1/map/1");
  CHECK(compile_error(R"({"!": {"foo": 1}})").pointer() == "/!");
  CHECK(compile_error(R"({"/": [1, {"x": 1}]})").pointer() == "/~1/1");
  CHECK(compile_error(R"([1, [2, {"nope": 3}]])").pointer() == "/1/1");
  const assess::Error escaped = compile_error(R"({"or": [{"a/b~c": 1}]})");
  CHECK(escaped.pointer() == "/or/0");
  CHECK(escaped.message() == "unknown operator \"a/b~c\"");
}

TEST_CASE("an object with several keys naming an operator is rejected") {
  const assess::Error error = compile_error(R"({"==": [1, 1], "comment": "always"})");
  CHECK(error.pointer().empty());
  CHECK(error.message() == "an operation must have exactly one key");
  CHECK(compile_error(R"({"or": [false, {"var": "a", "missing": ["b"]}]})").pointer() == "/or/1");

  // Objects that name no operator are data, returned as they are, like {}.
  CHECK(eval(R"({"a": 1, "b": {"var": "x"}})") == Json::parse(R"({"a": 1, "b": {"var": "x"}})"));
  CHECK(eval("{}") == Json::object());
  CHECK(eval(R"({"if": [true, {}, 1]})") == Json::object());
}

TEST_CASE("operators with a fixed number of arguments reject other counts") {
  struct Case {
    const char* rule;
    const char* pointer;
    const char* message;
  };
  const Case cases[] = {
      {R"({"!": [1, 2]})", "", "\"!\" takes 1 argument, got 2"},
      {R"({"!!": []})", "", "\"!!\" takes 1 argument, got 0"},
      {R"({"substr": ["x"]})", "", "\"substr\" takes 2 to 3 arguments, got 1"},
      {R"({"substr": ["x", 1, 2, 3]})", "", "\"substr\" takes 2 to 3 arguments, got 4"},
      {R"({"map": [[1]]})", "", "\"map\" takes 2 arguments, got 1"},
      {R"({"filter": [[1], true, 3]})", "", "\"filter\" takes 2 arguments, got 3"},
      {R"({"some": [1]})", "", "\"some\" takes 2 arguments, got 1"},
      {R"({"reduce": [[1]]})", "", "\"reduce\" takes 2 to 3 arguments, got 1"},
      {R"({"%": 1})", "", "\"%\" takes 2 arguments, got 1"},
      {R"({"var": ["a", 1, 2]})", "", "\"var\" takes at most 2 arguments, got 3"},
      {R"({"*": []})", "", "\"*\" takes at least 1 argument, got 0"},
      {R"({"?:": [true, 1]})", "", "\"?:\" takes 3 arguments, got 2"},
      {R"({"and": [true, {"all": [[], true, 1]}]})", "/and/1", "\"all\" takes 2 arguments, got 3"},
      {R"({"cat": [{"missing_some": [1]}]})", "/cat/0", "\"missing_some\" takes 2 arguments, got 1"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.rule);
    const assess::Error error = compile_error(c.rule);
    CHECK(error.pointer() == c.pointer);
    CHECK(error.message() == c.message);
    CHECK(error.kind() == ErrorKind::kInvalid);
  }
  // Variadic operators accept any count, including none.
  CHECK(eval(R"({"+": []})") == 0);
  CHECK(eval(R"({"cat": []})") == "");
  CHECK(eval(R"({"if": []})").is_null());
  CHECK(eval(R"({"max": []})").is_null());
  CHECK(eval(R"({"merge": []})") == Json::array());
}

TEST_CASE("var paths must be strings, numbers or operations") {
  const assess::Error error = compile_error(R"({"var": true})");
  CHECK(error.pointer() == "/var");
  CHECK(error.message() == "the path of \"var\" must be a string, a number or an operation");
  CHECK(compile_error(R"({"var": [["a"]]})").pointer() == "/var/0");
  CHECK(compile_error(R"({"var": [{}]})").pointer() == "/var/0");
  CHECK(compile_error(R"({"and": [{"var": [{"nope": 1}]}]})").message() == "unknown operator \"nope\"");

  CHECK(eval(R"({"var": [{"cat": ["a", ".b"]}]})", R"({"a": {"b": 7}})") == 7);
  CHECK(eval(R"({"var": 0.5})", R"({"0": {"5": "x"}})") == "x");
  CHECK(eval(R"({"var": ["a.1.b", "none"]})", R"({"a": [{}, {"b": null}]})").is_null());
  CHECK(eval(R"({"var": ["a.2.b", "none"]})", R"({"a": [{}, {"b": null}]})") == "none");
}

TEST_CASE("rules nested deeper than 256 levels hit the depth limit") {
  const Rule deepest = Rule::compile(nested_not(256));
  CHECK(deepest.evaluate(Json()) == true);

  try {
    (void)Rule::compile(nested_not(257));
    FAIL("257 levels compiled");
  } catch (const assess::Error& error) {
    CHECK(error.kind() == ErrorKind::kLimit);
    CHECK(error.message() == "rule is nested deeper than 256 levels");
    CHECK(error.pointer().size() == 256 * std::string_view("/!/0").size());
  }

  Json arrays = 1;
  for (int i = 0; i < 300; ++i) arrays = Json::array({arrays});
  try {
    (void)Rule::compile(arrays);
    FAIL("300 nested arrays compiled");
  } catch (const assess::Error& error) {
    CHECK(error.kind() == ErrorKind::kLimit);
  }
}

TEST_CASE("evaluating through a Scope with bound slots gives the same results as JSON data") {
  // Every conformance case whose data is an object, plus rules that reach the other paths.
  std::vector<std::pair<Json, Json>> cases;
  for (const Json& entry : load_suite()) {
    if (entry.is_array() && entry[1].is_object()) cases.emplace_back(entry[0], entry[1]);
  }
  const char* extra[][2] = {
      {R"({"var": "q1.value"})", R"({"q1": {"value": 4}})"},
      {R"({"var": ["q1.missing", "fallback"]})", R"({"q1": {"value": 4}})"},
      {R"({"var": ["nope", {"var": "q2"}]})", R"({"q2": [1, 2]})"},
      {R"({"var": "q2.1"})", R"({"q2": [1, 2]})"},
      {R"({"var": {"cat": ["q", "1.value"]}})", R"({"q1": {"value": 4}})"},
      {R"({"missing": ["q1", "q2.x", "q3"]})", R"({"q1": "", "q2": {"x": 0}})"},
      {R"({"missing_some": [1, ["q1", "q3"]]})", R"({"q3": 2})"},
      {R"({"map": [{"var": "q2"}, {"+": [{"var": ""}, {"var": "q1"}]}]})", R"({"q1": 1, "q2": [1, 2]})"},
      {R"({"reduce": [{"var": "q2"}, {"+": [{"var": "current"}, {"var": "accumulator"}]}, {"var": "q1"}]})",
       R"({"q1": 10, "q2": [1, 2]})"},
      {R"({"if": [{"var": "q1"}, {"var": "q2.0"}, "no"]})", R"({"q1": true, "q2": [5]})"},
  };
  for (const auto& e : extra) cases.emplace_back(Json::parse(e[0]), Json::parse(e[1]));
  REQUIRE(cases.size() > 100);

  int bound_lookups = 0;
  for (const auto& entry : cases) {
    const Json& rule_json = entry.first;
    const Json& data = entry.second;
    CAPTURE(rule_json.dump());
    const Rule rule = Rule::compile(rule_json);
    Rule bound = rule;
    ObjectScope scope(data);
    bound.bind([&scope](std::string_view name) { return scope.bind(name); });
    const Json expected = rule.evaluate(data);
    CHECK(same_json(bound.evaluate(scope), expected));
    CHECK(same_json(rule.evaluate(scope), expected));  // unbound: slot -1, resolved by path
    bound_lookups += scope.bound_lookups;
  }
  CHECK(bound_lookups > 50);
}

TEST_CASE("bind assigns slots to its own copy of a rule only") {
  const Rule original = Rule::compile(Json::parse(R"({"+": [{"var": "a.x"}, {"var": "b"}]})"));
  Rule bound = original;
  std::vector<std::string> seen;
  ObjectScope scope(Json::parse(R"({"a": {"x": 2}, "b": 3})"));
  bound.bind([&](std::string_view name) {
    seen.emplace_back(name);
    return scope.bind(name);
  });
  CHECK(seen == std::vector<std::string>{"a", "b"});

  CHECK(bound.evaluate(scope) == 5);
  CHECK(scope.bound_lookups == 2);
  CHECK(scope.unbound_lookups == 0);
  CHECK(original.evaluate(scope) == 5);
  CHECK(scope.bound_lookups == 2);
  CHECK(scope.unbound_lookups == 2);

  // Copies and moves keep working.
  Rule moved = std::move(bound);
  CHECK(moved.evaluate(scope) == 5);
  Rule assigned;
  CHECK(assigned.evaluate(Json()).is_null());
  assigned = moved;
  CHECK(assigned.evaluate(Json::parse(R"({"a": {"x": 1}, "b": 1})")) == 2);
  CHECK(assigned.source() == original.source());
}

TEST_CASE("references lists the first segments of top-level var paths and literal missing keys") {
  const Rule rule = Rule::compile(Json::parse(R"({"and": [
      {"var": "q1.value"},
      {"==": [{"var": "q2"}, {"var": "q1"}]},
      {"map": [{"var": "items"}, {"var": "inside_body"}]},
      {"missing": ["q3", "q4.x"]},
      {"missing_some": [1, ["q5", "q2"]]},
      {"reduce": [{"var": "list"}, {"var": "accumulator"}, {"var": "start"}]},
      {"all": [{"var": "items"}, {"some": [{"var": "deeper"}, {"var": "deepest"}]}]},
      {"var": ["with_default", {"var": "the_default"}]},
      {"var": {"cat": ["q", {"var": "n"}]}},
      {"var": ""},
      {"missing": {"merge": ["computed"]}}
    ]})"));
  CHECK(rule.references() == std::vector<std::string>{"q1", "q2", "items", "q3", "q4", "q5", "list", "start",
                                                      "with_default", "the_default", "n"});
  CHECK(Rule::compile(Json(42)).references().empty());
}

TEST_CASE("truthy follows JsonLogic") {
  CHECK_FALSE(truthy(Json(false)));
  CHECK_FALSE(truthy(Json()));
  CHECK_FALSE(truthy(Json(0)));
  CHECK_FALSE(truthy(Json(0u)));
  CHECK_FALSE(truthy(Json(0.0)));
  CHECK_FALSE(truthy(Json(std::numeric_limits<double>::quiet_NaN())));
  CHECK_FALSE(truthy(Json("")));
  CHECK_FALSE(truthy(Json::array()));
  CHECK(truthy(Json(true)));
  CHECK(truthy(Json(1)));
  CHECK(truthy(Json(-1)));
  CHECK(truthy(Json(0.5)));
  CHECK(truthy(Json("0")));
  CHECK(truthy(Json(" ")));
  CHECK(truthy(Json::array({0})));
  CHECK(truthy(Json::object()));
  CHECK(truthy(Json::parse(R"({"a": 1})")));
}

TEST_CASE("coercions follow the JavaScript reference implementation") {
  CHECK(eval(R"({"==": [null, 0]})") == false);
  CHECK(eval(R"({"==": [null, null]})") == true);
  CHECK(eval(R"({"==": [true, "1"]})") == true);
  CHECK(eval(R"({"==": [false, ""]})") == true);
  CHECK(eval(R"({"==": [[1, 2], "1,2"]})") == true);
  CHECK(eval(R"({"==": [[1], [1]]})") == false);  // distinct arrays
  CHECK(eval(R"({"==": [{"var": "a"}, {"var": "a"}]})", R"({"a": [1]})") == true);
  CHECK(eval(R"({"==": [" 0x10 ", 16]})") == true);
  CHECK(eval(R"({"===": [1, 1.0]})") == true);
  CHECK(eval(R"({"<": ["10", "9"]})") == true);  // two strings compare as strings
  CHECK(eval(R"({"<": ["10", 9]})") == false);
  CHECK(eval(R"({">": ["abc", 1]})") == false);
  CHECK(eval(R"({"<=": [null, 0]})") == true);
  CHECK(eval(R"({"+": ["3.5kg", 1]})") == 4.5);     // parseFloat
  CHECK(eval(R"({"-": ["3.5kg", 1]})").is_null());  // ToNumber: NaN, printed as null
  CHECK(eval(R"({"+": [".5", "5.", "1e1", " -2"]})") == 13.5);
  CHECK(eval(R"({"-": [".5", "5."]})") == -4.5);
  CHECK(eval(R"({"+": ["", 1]})").is_null());  // parseFloat("") is NaN
  CHECK(eval(R"({"-": ["", 1]})") == -1);      // Number("") is 0
  CHECK(eval(R"({"==": ["1e1000", {"/": [1, 0]}]})") == true);
  CHECK(eval(R"({"*": ["7"]})") == "7");
  CHECK(eval(R"({"/": [1, 0]})").is_null());
  CHECK(eval(R"({"%": [-7, 3]})") == -1);
  CHECK(eval(R"({"/": [6, 3]})").is_number_integer());
  CHECK(eval(R"({"min": [3, "1", true]})") == 1);
  CHECK(eval(R"({"cat": [0.1, " ", 1e21, " ", 1e-7, " ", null, [1, null, true], {"+": [0.1, 0.2]}]})") ==
        "0.1 1e+21 1e-7 1,,true0.30000000000000004");
  CHECK(eval(R"({"substr": ["héllo wörld", -5, 3]})") == "wör");
  CHECK(eval(R"({"substr": ["abc", 1, -5]})") == "");
  CHECK(eval(R"({"in": [1, "a1"]})") == true);
  CHECK(eval(R"({"in": ["1", [1]]})") == false);
  CHECK(eval(R"({"log": {"var": "a"}})", R"({"a": [1]})") == Json::array({1}));
  CHECK(eval(R"({"reduce": [[1, 2, 3], {"var": ""}]})") ==
        Json::parse(R"({"current": 3, "accumulator": {"current": 2, "accumulator": {"current": 1,
                       "accumulator": null}}})"));
  CHECK(eval(R"({"missing": [["a", 1], "b"]})", R"({"b": ""})") == Json::parse(R"(["a", 1])"));  // keys: ["a", 1]
  CHECK(eval(R"({"missing": ["b", ["a", 1]]})", R"({"b": ""})") == Json::parse(R"(["b"])"));     // ["a", 1]: default 1
}

TEST_CASE("evaluation limits stop runaway rules") {
  // The accumulator doubles on every step: "cat" stops it before memory runs out.
  const Rule doubling = Rule::compile(
      Json::parse(R"({"reduce": [{"var": "n"}, {"cat": [{"var": "accumulator"}, {"var": "accumulator"}]}, "x"]})"));
  Json n = Json::array();
  for (int i = 0; i < 40; ++i) n.push_back(i);
  try {
    (void)doubling.evaluate(Json::object({{"n", n}}));
    FAIL("no limit");
  } catch (const assess::Error& error) {
    CHECK(error.kind() == ErrorKind::kLimit);
    CHECK(error.pointer() == "/reduce/1");
  }
}
