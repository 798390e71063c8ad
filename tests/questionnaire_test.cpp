#include "scoring/questionnaire.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "scoring/error.h"
#include "scoring/explain.h"
#include "scoring/score.h"
#include "support.h"

using assess::Json;
using assess::Questionnaire;

namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  std::string text = out.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// Error messages name the file as it was passed, so the fixtures are loaded by their path relative
// to the source tree, from the source tree.
class WorkingDirectory {
 public:
  explicit WorkingDirectory(const fs::path& to) : previous_(fs::current_path()) { fs::current_path(to); }
  ~WorkingDirectory() { fs::current_path(previous_); }
  WorkingDirectory(const WorkingDirectory&) = delete;
  WorkingDirectory& operator=(const WorkingDirectory&) = delete;

 private:
  fs::path previous_;
};

Questionnaire define(const std::string& text) {
  return assess::load_questionnaire(Json::parse(text), "inline.json");
}

std::string load_error(const std::string& text, const assess::DefinitionLimits& limits = {}) {
  try {
    (void)assess::load_questionnaire(Json::parse(text), "inline.json", limits);
  } catch (const assess::Error& e) {
    return e.what();
  }
  return "(loaded without error)";
}

const char* const kSmall = R"({
  "id": "small", "version": "1.0", "title": {"zh-CN": "小问卷", "en": "Small"},
  "sections": [
    {"id": "s1", "title": "S1", "questions": [
      {"id": "q1", "type": "single", "title": "Q1",
       "options": [{"id": "a", "label": "A", "points": 0}, {"id": "b", "label": "B", "points": 2}]},
      {"id": "q2", "type": "yesno", "title": "Q2", "points": {"yes": 1}}
    ]}
  ],
  "levels": {"items": [
    {"id": "L1", "name": {"zh-CN": "一级", "en": "Level 1"}, "aliases": ["初始级", "basic"],
     "requires": [{"id": "r1", "score": "small", ">=": 1}]},
    {"id": "L2", "name": "二级", "requires": [{"id": "r2", "score": "s1", ">=": 3}]}
  ]}
})";

}  // namespace

TEST_CASE("every malformed definition under tests/data/malformed fails with its one expected message") {
  const fs::path source(ASSESS_SOURCE_DIR);
  WorkingDirectory cwd(source);
  std::vector<std::string> cases;
  for (const auto& entry : fs::directory_iterator(fs::path("tests") / "data" / "malformed")) {
    if (entry.is_directory()) cases.push_back(entry.path().filename().string());
  }
  std::sort(cases.begin(), cases.end());
  REQUIRE(cases.size() >= 15);
  for (const auto& name : cases) {
    INFO("case ", name);
    const std::string path = "tests/data/malformed/" + name + "/questionnaire.json";
    const std::string expected = read_text(fs::path("tests") / "data" / "malformed" / name / "expected.txt");
    REQUIRE_FALSE(expected.empty());
    std::string actual = "(loaded without error)";
    try {
      (void)assess::load_questionnaire_file(path);
    } catch (const assess::Error& e) {
      actual = e.what();
      CHECK(e.file() == path);
    }
    CHECK(actual == expected);
  }
}

TEST_CASE("error kinds: limits are kLimit, malformed content kInvalid, a missing file kNotFound") {
  const fs::path source(ASSESS_SOURCE_DIR);
  WorkingDirectory cwd(source);
  auto kind_of = [](const std::string& path) {
    try {
      (void)assess::load_questionnaire_file(path);
    } catch (const assess::Error& e) {
      return e.kind();
    }
    FAIL("loaded without error: ", path);
    return assess::ErrorKind::kInvalid;
  };
  CHECK(kind_of("tests/data/malformed/too-many-options/questionnaire.json") == assess::ErrorKind::kLimit);
  CHECK(kind_of("tests/data/malformed/too-deep-nesting/questionnaire.json") == assess::ErrorKind::kLimit);
  CHECK(kind_of("tests/data/malformed/invalid-json-syntax/questionnaire.json") == assess::ErrorKind::kInvalid);
  CHECK(kind_of("tests/data/malformed/overlapping-bands/questionnaire.json") == assess::ErrorKind::kInvalid);
  CHECK(kind_of("tests/data/malformed/no-such-case/questionnaire.json") == assess::ErrorKind::kNotFound);
}

TEST_CASE("a missing file is reported by its path") {
  try {
    (void)assess::load_questionnaire_file("does/not/exist.json");
    FAIL("loaded a file that does not exist");
  } catch (const assess::Error& e) {
    CHECK(std::string(e.what()) == "does/not/exist.json: cannot open file");
  }
}

TEST_CASE("limits can be lowered by the caller") {
  const std::string text = R"({"id": "x", "version": "1", "title": "X", "questions": [
    {"id": "q1", "type": "single", "title": "Q1", "options": [
      {"id": "a", "label": "A"}, {"id": "b", "label": "B"}, {"id": "c", "label": "C"}]},
    {"id": "q2", "type": "yesno", "title": "Q2"}]})";
  SUBCASE("options") {
    assess::DefinitionLimits limits;
    limits.max_options = 2;
    CHECK(load_error(text, limits) == "inline.json:/questions/0/options: more than 2 options");
  }
  SUBCASE("questions") {
    assess::DefinitionLimits limits;
    limits.max_questions = 1;
    CHECK(load_error(text, limits) == "inline.json:/questions/1: more than 1 questions");
  }
  SUBCASE("file size") {
    const fs::path source(ASSESS_SOURCE_DIR);
    WorkingDirectory cwd(source);
    assess::DefinitionLimits limits;
    limits.max_bytes = 10;
    const std::string path = "tests/data/scoring/gate-unmet/questionnaire.json";
    const auto size = fs::file_size(path);
    try {
      (void)assess::load_questionnaire_file(path, limits);
      FAIL("loaded a file above the size limit");
    } catch (const assess::Error& e) {
      CHECK(std::string(e.what()) == path + ": file is " + std::to_string(size) + " bytes; the limit is 10");
      CHECK(e.kind() == assess::ErrorKind::kLimit);
    }
  }
}

TEST_CASE("load errors in conditions name the place inside the rule") {
  SUBCASE("wrong argument count of a JsonLogic operator") {
    const std::string message = load_error(R"({"id": "x", "version": "1", "title": "X", "questions": [
      {"id": "q1", "type": "yesno", "title": "Q1"},
      {"id": "q2", "type": "yesno", "title": "Q2", "required_if": {"or": [{"!": [1, 2]}]}}]})");
    CHECK(message.rfind("inline.json:/questions/1/required_if/or/0: ", 0) == 0);
  }
  SUBCASE("a logic requirement reading an unknown question") {
    CHECK(load_error(R"({"id": "x", "version": "1", "title": "X", "questions": [
      {"id": "q1", "type": "yesno", "title": "Q1"}],
      "levels": {"items": [{"id": "L1", "name": "L1", "requires": [
        {"id": "r1", "logic": {"==": [{"var": "q7"}, true]}}]}]}})") ==
          "inline.json:/levels/items/0/requires/0/logic: condition refers to unknown question or computed value "
          "\"q7\"");
  }
}

// ---------------------------------------------------------------------------------------------

TEST_CASE("content_hash is a property of the JSON value, not of its text") {
  const Json a = Json::parse(R"({"id": "x", "version": "1", "list": [1, 2, 3], "nested": {"b": 2, "a": 1}})");
  const Json reordered = Json::parse(R"({
      "nested": {"a": 1, "b": 2},
      "list": [1, 2, 3],
      "version": "1",
      "id": "x"
  })");
  SUBCASE("the same JSON with keys in another order and other spacing hashes the same") {
    CHECK(assess::content_hash(a) == assess::content_hash(reordered));
  }
  SUBCASE("the hash is sha256 in hex") {
    const std::string h = assess::content_hash(a);
    CHECK(h.rfind("sha256:", 0) == 0);
    CHECK(h.size() == 7 + 64);
    CHECK(h.find_first_not_of("0123456789abcdef", 7) == std::string::npos);
  }
  SUBCASE("a changed value changes the hash") {
    Json changed = a;
    changed["nested"]["b"] = 3;
    CHECK(assess::content_hash(a) != assess::content_hash(changed));
  }
  SUBCASE("array order matters") {
    Json changed = a;
    changed["list"] = {3, 2, 1};
    CHECK(assess::content_hash(a) != assess::content_hash(changed));
  }
  SUBCASE("the hash of the empty object is the sha256 of \"{}\"") {
    CHECK(assess::content_hash(Json::object()) ==
          "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
  }
  SUBCASE("a loaded questionnaire carries the hash of its definition") {
    const Questionnaire q1 = define(kSmall);
    const std::string reformatted = Json::parse(kSmall).dump(2);  // other spacing, keys sorted
    const Questionnaire q2 = assess::load_questionnaire(Json::parse(reformatted), "other.json");
    CHECK(q1.content_hash == assess::content_hash(Json::parse(kSmall)));
    CHECK(q1.content_hash == q2.content_hash);
    Json bumped = Json::parse(kSmall);
    bumped["sections"][0]["questions"][0]["options"][1]["points"] = 3;
    CHECK(assess::load_questionnaire(bumped, "bumped.json").content_hash != q1.content_hash);
  }
}

TEST_CASE("Range::describe writes intervals the way people read them") {
  assess::Range r;
  SUBCASE("open lower, closed upper") {
    r.lower = 10;
    r.upper = 20;
    r.upper_inclusive = true;
    CHECK(r.describe() == "(10, 20]");
  }
  SUBCASE("closed lower, no upper bound") {
    r.lower = 500;
    r.lower_inclusive = true;
    CHECK(r.describe() == "[500, +inf)");
  }
  SUBCASE("no lower bound, open upper") {
    r.upper = 3;
    CHECK(r.describe() == "(-inf, 3)");
  }
  SUBCASE("decimals without trailing zeros") {
    r.lower = 1.5;
    r.lower_inclusive = true;
    r.upper = 2.25;
    r.upper_inclusive = true;
    CHECK(r.describe() == "[1.5, 2.25]");
  }
  SUBCASE("negative bounds") {
    r.lower = -5;
    r.upper = 0;
    CHECK(r.describe() == "(-5, 0)");
  }
}

TEST_CASE("Range::contains honours inclusive and exclusive bounds") {
  assess::Range r;
  r.lower = 10;
  r.lower_inclusive = true;
  r.upper = 20;
  CHECK(r.contains(10));
  CHECK(r.contains(19.999));
  CHECK_FALSE(r.contains(20));
  CHECK_FALSE(r.contains(9.999));
  r.lower_inclusive = false;
  r.upper_inclusive = true;
  CHECK_FALSE(r.contains(10));
  CHECK(r.contains(20));
}

TEST_CASE("level_index finds a level by id, Chinese or English name, or alias") {
  const Questionnaire q = define(kSmall);
  CHECK(q.level_index("L1") == 0);
  CHECK(q.level_index("L2") == 1);
  CHECK(q.level_index("一级") == 0);
  CHECK(q.level_index("Level 1") == 0);
  CHECK(q.level_index("二级") == 1);
  CHECK(q.level_index("初始级") == 0);
  CHECK(q.level_index("basic") == 0);
  CHECK(q.level_index("三级") == -1);
  CHECK(q.level_index("") == -1);    // L2 has no English name; "" must not match it
  CHECK(q.level_index("l1") == -1);  // ids are case-sensitive
}

TEST_CASE("a loaded definition keeps document order and resolves references") {
  const Questionnaire q = define(R"({
    "id": "order", "version": "2", "title": "Order",
    "questions": [{"id": "top", "type": "number", "title": "Top"}],
    "sections": [
      {"id": "a", "title": "A", "weight": 2, "aggregation": "min",
       "questions": [{"id": "qa", "type": "yesno", "title": "QA", "tags": ["x"]}],
       "sections": [{"id": "a1", "title": "A1", "questions": [{"id": "qa1", "type": "yesno", "title": "QA1"}]}]},
      {"id": "b", "title": "B", "questions": [{"id": "qb", "type": "band", "title": "QB", "value_from": "second",
        "options": [{"id": "lo", "label": "lo", "range": {"lt": 1}}, {"id": "hi", "label": "hi", "range": {"ge": 1}}]}]}
    ],
    "computed": [
      {"id": "second", "expr": {"+": [{"var": "first"}, 1]}},
      {"id": "first", "expr": {"var": "top"}}
    ]
  })");
  SUBCASE("questions are depth first, a section's own questions before its subsections'") {
    std::vector<std::string> ids;
    for (const auto& question : q.questions) ids.push_back(question.id);
    CHECK(ids == std::vector<std::string>{"top", "qa", "qa1", "qb"});
  }
  SUBCASE("sections are numbered from the root, parents before children") {
    REQUIRE(q.sections.size() == 4);
    CHECK(q.sections[0].id == "order");
    CHECK(q.section_index("a") == 1);
    CHECK(q.section_index("a1") == 2);
    CHECK(q.section_index("b") == 3);
    CHECK(q.sections[2].parent == 1);
    CHECK(q.sections[2].depth == 2);
    CHECK(q.sections[1].weight == 2);
    CHECK(q.sections[1].aggregation == assess::Aggregation::kMin);
    CHECK(q.questions[2].pointer == "/sections/0/sections/0/questions/0");
  }
  SUBCASE("computed values are ordered so that each follows what it reads") {
    REQUIRE(q.computed.size() == 2);
    CHECK(q.computed[0].id == "first");
    CHECK(q.computed[1].id == "second");
    CHECK(q.questions[static_cast<std::size_t>(q.question_index("qb"))].value_from == q.computed_index("second"));
    CHECK_FALSE(q.questions[static_cast<std::size_t>(q.question_index("qb"))].asked());
  }
  SUBCASE("yes/no questions get a no and a yes option") {
    const auto& yn = q.questions[static_cast<std::size_t>(q.question_index("qa"))];
    REQUIRE(yn.options.size() == 2);
    CHECK(yn.options[0].id == "no");
    CHECK(yn.options[1].id == "yes");
  }
}

TEST_CASE("Question::max_score is the best reachable points") {
  const Questionnaire q = define(R"({"id": "m", "version": "1", "title": "M", "questions": [
    {"id": "multi", "type": "multi", "title": "M", "options": [
      {"id": "a", "label": "A", "points": 2}, {"id": "b", "label": "B", "points": 3},
      {"id": "c", "label": "C", "points": -1}, {"id": "none", "label": "None", "points": 0, "exclusive": true}]},
    {"id": "capped", "type": "multi", "title": "C", "max_points": 4, "options": [
      {"id": "a", "label": "A", "points": 2}, {"id": "b", "label": "B", "points": 3}]},
    {"id": "none_best", "type": "multi", "title": "N", "options": [
      {"id": "a", "label": "A", "points": 1}, {"id": "none", "label": "None", "points": 5, "exclusive": true}]},
    {"id": "single", "type": "single", "title": "S", "options": [
      {"id": "a", "label": "A", "points": 7}, {"id": "b", "label": "B", "points": 3}]},
    {"id": "text", "type": "text", "title": "T"}]})");
  auto max_of = [&](const std::string& id) {
    return q.questions[static_cast<std::size_t>(q.question_index(id))].max_score();
  };
  CHECK(max_of("multi") == 5);      // negative options are not chosen
  CHECK(max_of("capped") == 4);     // min(2 + 3, 4)
  CHECK(max_of("none_best") == 5);  // the exclusive option alone beats the rest
  CHECK(max_of("single") == 7);     // the best option wherever it stands
  CHECK(max_of("text") == 0);
}

TEST_CASE("maintainer_note is read on every provenance item and never output") {
  // Issue 10, item 16: a user-facing note apart from a maintainer note (never shown).
  const Questionnaire q = define(R"({
    "id": "m", "version": "1", "title": "M", "maintainer_note": "root: edit with care",
    "sources": [{"id": "src", "title": "Src", "note": "for users", "maintainer_note": "source: see file"}],
    "sections": [{"id": "s", "title": "S", "maintainer_note": "section: keep order",
      "questions": [{"id": "q", "type": "yesno", "title": "Q", "points": {"yes": 1}, "confidence": "medium",
                     "note": {"zh-CN": "不确定之处", "en": "what is unsure"}, "maintainer_note": "question: change both places"}]}],
    "computed": [{"id": "c", "expr": {"var": "q"}, "maintainer_note": "computed: same value as parameter"}],
    "levels": {"items": [{"id": "L1", "name": "一级", "maintainer_note": "level: alias list",
      "requires": [{"id": "r", "score": "m", ">=": 1, "confidence": "low", "note": "用户说明", "maintainer_note": "requirement: threshold also in parameters"}]}]}
  })");
  CHECK(q.sections[1].provenance.maintainer_note == "section: keep order");
  CHECK(q.questions[0].provenance.maintainer_note == "question: change both places");
  CHECK(q.questions[0].provenance.note.zh == "不确定之处");
  CHECK(q.computed[0].provenance.maintainer_note == "computed: same value as parameter");
  CHECK(q.levels[0].provenance.maintainer_note == "level: alias list");
  CHECK(q.levels[0].requirements[0].provenance.maintainer_note == "requirement: threshold also in parameters");
  const auto answers = assess::testing::answers_for(q, Json{{"q", true}});
  for (const char* lang : {"zh-CN", "en"}) {
    const std::string out =
        assess::explain_score(q, answers, assess::score(q, answers), lang, assess::testing::shipped_words(lang)).dump();
    CHECK(out.find("maintainer") == std::string::npos);
    for (const char* m : {"edit with care", "see file", "keep order", "change both places", "same value", "alias list",
                          "also in parameters"}) {
      CHECK(out.find(m) == std::string::npos);
    }
    CHECK(out.find(lang == std::string("en") ? "what is unsure" : "不确定之处") != std::string::npos);
  }
}

TEST_CASE("count_until_failed sums child sections up to and including the first one that does not pass") {
  const Questionnaire q = define(R"({
    "id": "c", "version": "1", "title": "C", "count_until_failed": true,
    "sections": [
      {"id": "a", "title": "A", "aggregation": "rating_mean", "questions": [
        {"id": "qa", "type": "single", "title": "QA", "options": [{"id": "full", "label": "F", "points": 1}, {"id": "mostly", "label": "M", "points": 0.8}, {"id": "partly", "label": "P", "points": 0.5}, {"id": "none", "label": "N", "points": 0}]}]},
      {"id": "b", "title": "B", "aggregation": "rating_mean", "questions": [
        {"id": "qb", "type": "single", "title": "QB", "options": [{"id": "full", "label": "F", "points": 1}, {"id": "mostly", "label": "M", "points": 0.8}, {"id": "partly", "label": "P", "points": 0.5}, {"id": "none", "label": "N", "points": 0}]}]},
      {"id": "c3", "title": "C3", "aggregation": "rating_mean", "questions": [
        {"id": "qc", "type": "single", "title": "QC", "options": [{"id": "full", "label": "F", "points": 1}, {"id": "mostly", "label": "M", "points": 0.8}, {"id": "partly", "label": "P", "points": 0.5}, {"id": "none", "label": "N", "points": 0}]}]}
    ]
  })");
  auto total = [&](const char* a, const char* b, const char* c) {
    const auto set = assess::testing::answers_for(q, Json{{"qa", a}, {"qb", b}, {"qc", c}});
    const auto r = assess::score(q, set);
    CHECK(r.sections[0].max == 3);
    return r.sections[0].score;
  };
  CHECK_NEAR(total("full", "full", "full"), 3);
  CHECK_NEAR(total("mostly", "partly", "full"), 1.3);  // b fails (0.5 < 0.8): a + b, c does not count
  CHECK_NEAR(total("partly", "full", "full"), 0.5);    // a fails: only a counts
  CHECK(load_error(R"({"id": "x", "version": "1", "title": "X", "aggregation": "min", "count_until_failed": true,
                       "questions": [{"id": "q", "type": "yesno", "title": "Q"}]})") ==
        "inline.json:/count_until_failed: \"count_until_failed\" needs \"aggregation\": \"sum\"");
}

TEST_CASE("parse_json_text is linear: 200,000 empty objects parse at once, and depth is still bounded") {
  // `[{},{},…]`: the depth callback this replaced re-scanned the array on every "}" (31 s for this body).
  std::string flat = "[";
  for (int i = 0; i < 200000; ++i) flat += i ? ",{}" : "{}";
  flat += "]";
  const auto start = std::chrono::steady_clock::now();
  const Json doc = assess::parse_json_text(flat, "request");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(doc.size() == 200000);
  CHECK(doc[199999] == Json::object());
  CHECK(seconds < 5.0);  // a generous bound: the behaviour is "does not stall", not a speed

  // The limit is 128 containers around any value: a scalar inside 128 arrays is read, inside 129 it is not.
  const auto nested = [](int depth) {
    return std::string(static_cast<std::size_t>(depth), '[') + "1" + std::string(static_cast<std::size_t>(depth), ']');
  };
  CHECK(assess::parse_json_text(nested(128), "x.json").dump() == nested(128));
  CHECK_THROWS_WITH(assess::parse_json_text(nested(129), "x.json"), "x.json: JSON nested deeper than 128 levels");
  CHECK_THROWS_WITH(assess::parse_json_text(std::string(100000, '['), "x.json"),
                    "x.json: JSON nested deeper than 128 levels");
  std::string deep_objects;
  for (int i = 0; i < 200; ++i) deep_objects += "{\"a\":";
  CHECK_THROWS_WITH(assess::parse_json_text(deep_objects, "x.json"), "x.json: JSON nested deeper than 128 levels");
  // Syntax errors before the limit keep their place.
  CHECK_THROWS_WITH(assess::parse_json_text("[[1,]]", "x.json"),
                    "x.json: invalid JSON at line 1, column 5: syntax error while parsing value - unexpected ']'; "
                    "expected '[', '{', or a literal");
  CHECK_THROWS_WITH(assess::parse_json_text("[1e999]", "x.json"),
                    "x.json: invalid JSON: number overflow parsing '1e999'");
}

// --- issue 12 item 3: checks between answers, the year roll and the template's example are data ----

namespace {
const char* const kFigures = R"({
  "id": "figs", "version": "1", "title": "Figures",
  "example": {"level": "F2", "total": 7.5},
  "questions": [
    {"id": "year", "type": "number", "title": "Year", "next_year": "+1", "example": "2025"},
    {"id": "total", "type": "number", "title": "Total", "next_year": null},
    {"id": "part", "type": "percent", "title": "Part", "at_most": "total", "next_year": "part_before"},
    {"id": "part_before", "type": "percent", "title": "Part the year before"},
    {"id": "ok", "type": "yesno", "title": "OK", "points": {"yes": 1}}
  ],
  "levels": {"items": [
    {"id": "F1", "name": "One", "requires": [{"id": "r1", "score": "figs", ">=": 0}]},
    {"id": "F2", "name": "Two", "requires": [{"id": "r2", "score": "figs", ">=": 1}]}
  ]}
})";
}  // namespace

TEST_CASE("at_most, next_year and example are read, checked, and left out of the content hash") {
  const Questionnaire q = define(kFigures);
  const auto question = [&](const char* id) { return q.questions[static_cast<std::size_t>(q.question_index(id))]; };
  CHECK(question("part").at_most == "total");
  CHECK(question("total").at_most.empty());
  CHECK(question("year").next_year == std::optional<std::string>("+1"));
  CHECK(question("total").next_year == std::optional<std::string>(""));
  CHECK(question("part").next_year == std::optional<std::string>("part_before"));
  CHECK_FALSE(question("part_before").next_year.has_value());
  CHECK(question("year").example == "2025");
  CHECK(question("total").example.empty());
  CHECK(q.example_level == "F2");
  CHECK(q.example_total == std::optional<double>(7.5));

  SUBCASE("the hash is that of the definition without them") {
    Json bare = Json::parse(kFigures);
    bare.erase("example");
    for (auto& item : bare["questions"]) {
      for (const char* key : {"at_most", "next_year", "example"}) item.erase(key);
    }
    CHECK(q.content_hash == assess::content_hash(bare));
    CHECK(assess::load_questionnaire(bare, "bare.json").content_hash == q.content_hash);
  }

  SUBCASE("a wrong one names its place") {
    const auto with = [](const char* id, const char* key, const Json& value) {
      Json d = Json::parse(kFigures);
      for (auto& item : d["questions"]) {
        if (item["id"] == id) item[key] = value;
      }
      return d.dump();
    };
    CHECK(load_error(with("part", "at_most", "part")) ==
          "inline.json:/questions/2/at_most: \"at_most\" names the question itself");
    CHECK(load_error(with("ok", "at_most", "total")) ==
          "inline.json:/questions/4/at_most: \"at_most\" applies to number and percent questions only");
    CHECK(load_error(with("part", "at_most", "o k")) ==
          "inline.json:/questions/2/at_most: \"o k\" is not a valid id (1 to 64 letters, digits, \"_\" or \"-\")");
    CHECK(load_error(with("part", "next_year", "+1")) ==
          "inline.json:/questions/2/next_year: \"next_year\": \"+1\" applies to number questions (a year) only");
    CHECK(load_error(with("part", "next_year", "ok")) ==
          "inline.json:/questions/2/next_year: \"next_year\" names question \"ok\" of type yesno; the answer moves to "
          "a question of its own type (percent)");
    CHECK(load_error(with("total", "next_year", Json::array())) ==
          "inline.json:/questions/1/next_year: \"next_year\" must be a question id, \"+1\" or null");
    CHECK(load_error(with("year", "example", 2025)) == "inline.json:/questions/0: \"example\" must be a string");
    Json d = Json::parse(kFigures);
    d["example"] = {{"level", "F2"}, {"totl", 7.5}};
    CHECK(load_error(d.dump()) == "inline.json:/example: unknown field \"totl\"");
    d["example"] = {{"level", "Two"}};  // a level's name is not its id
    CHECK(load_error(d.dump()) == "inline.json:/example/level: \"level\" names unknown level \"Two\"");
  }
}

TEST_CASE("identity is read, checked, and left out of the content hash") {
  Json d = Json::parse(kFigures);
  d["questions"][0]["identity"] = true;
  d["questions"][1]["identity"] = false;
  const Questionnaire q = assess::load_questionnaire(d, "inline.json");
  CHECK(q.questions[0].identity);
  CHECK_FALSE(q.questions[1].identity);
  CHECK_FALSE(q.questions[2].identity);  // without the field
  CHECK(q.content_hash == define(kFigures).content_hash);
  d["questions"][0]["identity"] = "yes";
  CHECK(load_error(d.dump()) == "inline.json:/questions/0: \"identity\" must be true or false");
}

TEST_CASE("the shipped profile marks its identity and size facts, the import template's first columns") {
  const Questionnaire profile =
      assess::load_questionnaire_file(ASSESS_SOURCE_DIR "/questionnaires/profile/profile.json");
  std::vector<std::string> marked;
  for (const auto& question : profile.questions) {
    if (question.identity) marked.push_back(question.id);
  }
  // In the profile's order (the name is asked before the USCC).
  CHECK(marked ==
        std::vector<std::string>{"name", "uscc", "region", "industry", "last_year", "employees", "revenue_last_year"});
}

TEST_CASE("the shipped definitions mark the part-of checks and the year-bound answers their titles state") {
  const fs::path root = fs::path(ASSESS_SOURCE_DIR) / "questionnaires";
  const Questionnaire sme = assess::load_questionnaire_file((root / "sme-digital-2024/sme-digital-2024.json").string());
  const Questionnaire profile = assess::load_questionnaire_file((root / "profile/profile.json").string());
  const Questionnaire sf =
      assess::load_questionnaire_file((root / "smart-factory-2025/smart-factory-2025.json").string());
  const auto marked = [](const Questionnaire& q, auto field) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& question : q.questions) {
      if (auto v = field(question)) out.emplace_back(question.id, *v);
    }
    return out;
  };
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  const auto at_most = [](const assess::Question& x) {
    return x.at_most.empty() ? std::nullopt : std::optional<std::string>(x.at_most);
  };
  const auto next_year = [](const assess::Question& x) { return x.next_year; };
  // help: "不应超过生产设备总数" / "Must not exceed the total".
  CHECK(marked(sme, at_most) ==
        Pairs{{"raw_equipment_digitised", "raw_equipment_total"}, {"raw_equipment_networked", "raw_equipment_total"}});
  CHECK(marked(profile, at_most).empty());
  // A "上一年度…" figure with a "前一年度…" twin moves there; the others of the year now ended ("上一年末从业
  // 人员数", "近两个自然年度…", "本年度…", this year's approval) are asked again; "“上一年度”所指年份" moves on.
  CHECK(marked(sme, next_year) == Pairs{{"raw_revenue_last_year", "raw_revenue_year_before"},
                                        {"raw_employees_last_year", "raw_employees_year_before"},
                                        {"raw_cost_per_100_last_year", "raw_cost_per_100_year_before"}});
  CHECK(marked(sf, next_year) == Pairs{{"main_business_revenue_last_year", ""}});
  CHECK(marked(profile, next_year) == Pairs{{"last_year", "+1"},
                                            {"employees", ""},
                                            {"revenue_last_year", "revenue_prev_year"},
                                            {"tech_investment_two_years", ""},
                                            {"tech_investment_this_year", ""},
                                            {"municipal_tech_fund_approved", ""},
                                            {"equipment_investment_this_year", ""},
                                            {"digital_investment_this_year", ""},
                                            {"energy_saving_equipment_investment", ""},
                                            {"first_set_equipment_value", ""}});
}
