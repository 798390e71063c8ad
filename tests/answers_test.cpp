#include "scoring/answers.h"

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "scoring/error.h"
#include "scoring/questionnaire.h"

using assess::Json;
using assess::Questionnaire;

namespace {

const Questionnaire& definition() {
  static const Questionnaire q = assess::load_questionnaire(Json::parse(R"({
    "id": "ans", "version": "3", "title": "答案校验",
    "questions": [
      {"id": "q_single", "type": "single", "title": "S",
       "options": [{"id": "a", "label": "A", "points": 1}, {"id": "b", "label": "B", "points": 2}]},
      {"id": "q_multi", "type": "multi", "title": "M",
       "options": [{"id": "x", "label": "X", "points": 1}, {"id": "y", "label": "Y", "points": 1},
                   {"id": "nothing", "label": "都没有", "exclusive": true}]},
      {"id": "q_num", "type": "number", "title": "N", "min": 0, "max": 100},
      {"id": "q_pct", "type": "percent", "title": "P"},
      {"id": "q_band", "type": "band", "title": "B", "min": 0,
       "options": [{"id": "lo", "label": "lo", "range": {"lt": 10}},
                   {"id": "mid", "label": "mid", "range": {"ge": 10, "lt": 20}}]},
      {"id": "q_ladder", "type": "ladder", "title": "L",
       "options": [{"id": "l0", "label": "0", "level": 0}, {"id": "l1", "label": "1", "level": 1},
                   {"id": "l2", "label": "2", "level": 2}]},
      {"id": "q_yn", "type": "yesno", "title": "Y"},
      {"id": "q_text", "type": "text", "title": "T", "max_length": 5},
      {"id": "q_date", "type": "date", "title": "D"},
      {"id": "q_na", "type": "single", "title": "NA", "not_applicable": true,
       "options": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
       "evidence": [{"id": "photo", "label": "现场照片", "accept": ["image/*"]}]},
      {"id": "staff", "type": "number", "title": "Staff"},
      {"id": "q_derived", "type": "band", "title": "Derived", "value_from": "double_staff",
       "options": [{"id": "lo", "label": "lo", "range": {"lt": 10}}, {"id": "hi", "label": "hi", "range": {"ge": 10}}]}
    ],
    "computed": [{"id": "double_staff", "expr": {"*": [{"var": "staff"}, 2]}}]
  })"),
                                                            "ans.json");
  return q;
}

int index_of(const std::string& id) {
  const int qi = definition().question_index(id);
  REQUIRE_MESSAGE(qi >= 0, "no question ", id);
  return qi;
}

// Every error message for the answer set {"questionnaire": "ans", "answers": given}.
std::vector<std::string> errors_of(const Json& given) {
  const assess::ParsedAnswers parsed =
      assess::parse_answers(definition(), Json{{"questionnaire", "ans"}, {"answers", given}}, "answers.json");
  std::vector<std::string> out;
  for (const auto& e : parsed.errors) out.push_back(e.what());
  return out;
}

// The one error of answering question `id` with `value`.
std::string error_of(const std::string& id, const Json& value) {
  const std::vector<std::string> errors = errors_of(Json{{id, value}});
  REQUIRE_MESSAGE(errors.size() == 1, "expected one error for ", id, " = ", value.dump());
  return errors[0];
}

const assess::Answer& parsed(const assess::ParsedAnswers& p, const std::string& id) {
  return p.set.answers[static_cast<std::size_t>(index_of(id))];
}

}  // namespace

TEST_CASE("well-formed answers parse into selections, numbers and values") {
  const assess::ParsedAnswers p = assess::parse_answers(definition(), Json::parse(R"({
    "questionnaire": "ans", "answers": {
      "q_single": "b", "q_multi": ["y", "x"], "q_num": 0, "q_pct": 100, "q_band": 10, "q_ladder": 2,
      "q_yn": false, "q_text": "12345", "q_date": "2024-02-29", "q_na": {"na": true}, "staff": null}})"),
                                                        "answers.json");
  REQUIRE(p.errors.empty());
  CHECK(parsed(p, "q_single").selected == std::vector<int>{1});
  CHECK(parsed(p, "q_multi").selected == std::vector<int>{1, 0});
  CHECK(parsed(p, "q_num").number == 0);  // the minimum itself is allowed
  CHECK(parsed(p, "q_pct").number == 100);
  CHECK(parsed(p, "q_band").selected == std::vector<int>{1});  // 10 is the inclusive lower bound of "mid"
  CHECK(parsed(p, "q_ladder").selected == std::vector<int>{2});
  CHECK(parsed(p, "q_yn").selected == std::vector<int>{0});
  CHECK(parsed(p, "q_text").value == "12345");  // exactly max_length
  CHECK(parsed(p, "q_date").present);           // 29 February of a leap year
  CHECK(parsed(p, "q_na").not_applicable);
  CHECK(parsed(p, "q_na").present);
  CHECK(parsed(p, "q_na").value.is_null());
  CHECK_FALSE(parsed(p, "staff").present);  // null is no answer
  CHECK_FALSE(parsed(p, "q_derived").present);
}

TEST_CASE("a wrongly typed answer names the question and its pointer") {
  CHECK(error_of("q_num", "12") == R"(answers.json:/answers/q_num: question "q_num": expected a number, got string)");
  CHECK(error_of("q_pct", true) == R"(answers.json:/answers/q_pct: question "q_pct": expected a number, got boolean)");
  CHECK(error_of("q_single", 3) ==
        R"(answers.json:/answers/q_single: question "q_single": an option id must be a string)");
  CHECK(error_of("q_multi", "x") ==
        R"(answers.json:/answers/q_multi: question "q_multi": expected an array of option ids, got string)");
  CHECK(error_of("q_multi", Json::array({"x", 1})) ==
        R"(answers.json:/answers/q_multi/1: question "q_multi": an option id must be a string)");
  CHECK(error_of("q_yn", "yes") ==
        R"(answers.json:/answers/q_yn: question "q_yn": expected true or false, got string)");
  CHECK(error_of("q_ladder", 1.5) ==
        R"(answers.json:/answers/q_ladder: question "q_ladder": expected a whole level number, got 1.5)");
  CHECK(error_of("q_ladder", "2") ==
        R"(answers.json:/answers/q_ladder: question "q_ladder": expected a whole level number, got "2")");
  CHECK(error_of("q_text", 5) == R"(answers.json:/answers/q_text: question "q_text": expected a string, got number)");
  CHECK(error_of("q_date", 20230101) ==
        R"(answers.json:/answers/q_date: question "q_date": expected a date as "YYYY-MM-DD", got 20230101)");
}

TEST_CASE("an out-of-range answer says which bound it breaks") {
  SUBCASE("number above its maximum") {
    CHECK(error_of("q_num", 101) ==
          R"(answers.json:/answers/q_num: question "q_num": value 101 is above the maximum 100)");
  }
  SUBCASE("number below its minimum") {
    CHECK(error_of("q_num", -0.5) ==
          R"(answers.json:/answers/q_num: question "q_num": value -0.5 is below the minimum 0)");
  }
  SUBCASE("percent is bounded by 0 and 100") {
    CHECK(error_of("q_pct", 100.5) ==
          R"(answers.json:/answers/q_pct: question "q_pct": value 100.5 is above the maximum 100)");
    CHECK(error_of("q_pct", -1) == R"(answers.json:/answers/q_pct: question "q_pct": value -1 is below the minimum 0)");
  }
  SUBCASE("band value outside every band") {
    CHECK(error_of("q_band", 20) == R"(answers.json:/answers/q_band: question "q_band": value 20 falls in no band)");
  }
  SUBCASE("band value below the question's minimum") {
    CHECK(error_of("q_band", -1) ==
          R"(answers.json:/answers/q_band: question "q_band": value -1 is below the minimum 0)");
  }
  SUBCASE("ladder level outside the ladder") {
    CHECK(error_of("q_ladder", 3) == R"(answers.json:/answers/q_ladder: question "q_ladder": level 3 is outside 0..2)");
    CHECK(error_of("q_ladder", -1) ==
          R"(answers.json:/answers/q_ladder: question "q_ladder": level -1 is outside 0..2)");
  }
  SUBCASE("text longer than max_length bytes") {
    CHECK(error_of("q_text", "123456") ==
          R"(answers.json:/answers/q_text: question "q_text": text is longer than 5 bytes)");
  }
  SUBCASE("a date that does not exist") {
    CHECK(error_of("q_date", "2023-02-29") ==
          R"(answers.json:/answers/q_date: question "q_date": expected a date as "YYYY-MM-DD", got "2023-02-29")");
    CHECK(error_of("q_date", "2023-1-05") ==
          R"(answers.json:/answers/q_date: question "q_date": expected a date as "YYYY-MM-DD", got "2023-1-05")");
  }
}

TEST_CASE("option answers must name options of the question") {
  SUBCASE("unknown option id lists the known ones") {
    CHECK(error_of("q_single", "c") ==
          R"(answers.json:/answers/q_single: question "q_single": unknown option "c" (options: a, b))");
  }
  SUBCASE("unknown option inside a multi answer points at the element") {
    CHECK(error_of("q_multi", Json::array({"x", "zz"})) ==
          R"(answers.json:/answers/q_multi/1: question "q_multi": unknown option "zz" (options: x, y, nothing))");
  }
  SUBCASE("an option given twice") {
    CHECK(error_of("q_multi", Json::array({"x", "y", "x"})) ==
          R"(answers.json:/answers/q_multi/2: question "q_multi": option "x" is given twice)");
  }
  SUBCASE("the exclusive none option cannot be combined with another option") {
    CHECK(
        error_of("q_multi", Json::array({"x", "nothing"})) ==
        R"(answers.json:/answers/q_multi: question "q_multi": the exclusive option "nothing" cannot be combined with other options)");
    CHECK(errors_of(Json{{"q_multi", Json::array({"nothing"})}}).empty());
  }
  SUBCASE("a band computed from other answers is not answered directly") {
    CHECK(
        error_of("q_derived", 12) ==
        R"(answers.json:/answers/q_derived: question "q_derived": this band is computed from other answers and is not answered directly)");
  }
}

TEST_CASE("not applicable only where the question allows it") {
  SUBCASE("N/A where not allowed") {
    CHECK(error_of("q_single", {{"na", true}}) ==
          R"(answers.json:/answers/q_single/na: question "q_single": this question does not allow "not applicable")");
  }
  SUBCASE("N/A and a value at once") {
    CHECK(error_of("q_na", {{"na", true}, {"value", "a"}}) ==
          R"(answers.json:/answers/q_na: question "q_na": an answer is either a value or "not applicable", not both)");
  }
  SUBCASE("na must be a boolean") {
    CHECK(error_of("q_na", {{"na", "yes"}}) ==
          R"(answers.json:/answers/q_na/na: question "q_na": "na" must be true or false)");
  }
  SUBCASE("na: false with a value is an ordinary answer") {
    CHECK(errors_of(Json{{"q_na", {{"na", false}, {"value", "b"}}}}).empty());
  }
}

TEST_CASE("the object form of an answer is checked field by field") {
  CHECK(
      error_of("q_num", {{"valeu", 1}}) ==
      R"(answers.json:/answers/q_num: question "q_num": unknown field "valeu" (expected value, na, evidence, verified, note))");
  CHECK(error_of("q_num", {{"value", 101}}) ==
        R"(answers.json:/answers/q_num/value: question "q_num": value 101 is above the maximum 100)");
  CHECK(error_of("q_na", {{"value", "a"}, {"evidence", "photo.jpg"}}) ==
        R"(answers.json:/answers/q_na/evidence: question "q_na": "evidence" must be an array)");
  CHECK(error_of("q_na", {{"value", "a"}, {"evidence", {{{"name", "a.jpg"}}}}}) ==
        R"(answers.json:/answers/q_na/evidence/0: question "q_na": evidence must be an object with a "file" string)");
  CHECK(error_of("q_na", {{"value", "a"}, {"evidence", {{{"file", "sha256:1"}, {"slot", "video"}}}}}) ==
        R"(answers.json:/answers/q_na/evidence/0: question "q_na": unknown evidence slot "video")");
  CHECK(error_of("q_na", {{"value", "a"}, {"verified", "yes"}}) ==
        R"(answers.json:/answers/q_na/verified: question "q_na": "verified" must be true or false)");
  CHECK(error_of("q_na", {{"value", "a"}, {"note", 5}}) ==
        R"(answers.json:/answers/q_na/note: question "q_na": "note" must be a string)");
}

TEST_CASE("the answer set document") {
  SUBCASE("an unknown question id is reported with an escaped pointer") {
    CHECK(error_of("q_zzz", 1) == R"(answers.json:/answers/q_zzz: unknown question "q_zzz")");
    CHECK(error_of("q~x/y", 1) == R"(answers.json:/answers/q~0x~1y: unknown question "q~x/y")");
  }
  SUBCASE("answers for another questionnaire") {
    const assess::ParsedAnswers p = assess::parse_answers(
        definition(), Json{{"questionnaire", "other"}, {"answers", Json::object()}}, "answers.json");
    REQUIRE(p.errors.size() == 1);
    CHECK(std::string(p.errors[0].what()) ==
          R"(answers.json:/questionnaire: answers are for "other", not for questionnaire "ans")");
  }
  SUBCASE("unknown top-level field and missing answers") {
    const assess::ParsedAnswers p =
        assess::parse_answers(definition(), Json{{"questionnaire", "ans"}, {"answer", Json::object()}}, "answers.json");
    REQUIRE(p.errors.size() == 2);
    CHECK(std::string(p.errors[0].what()) ==
          R"(answers.json: unknown field "answer" (expected questionnaire, version, answers, meta))");
    CHECK(std::string(p.errors[1].what()) == R"(answers.json: missing required field "answers")");
  }
  SUBCASE("answers that are not an object") {
    const assess::ParsedAnswers p =
        assess::parse_answers(definition(), Json{{"answers", Json::array()}}, "answers.json");
    REQUIRE(p.errors.size() == 1);
    CHECK(std::string(p.errors[0].what()) ==
          R"(answers.json:/answers: "answers" must be an object keyed by question id)");
  }
  SUBCASE("a document that is not an object throws") {
    try {
      (void)assess::parse_answers(definition(), Json::array(), "answers.json");
      FAIL("no error for an array document");
    } catch (const assess::Error& e) {
      CHECK(std::string(e.what()) == "answers.json: an answer set must be a JSON object");
    }
  }
}

TEST_CASE("every problem is collected at once and the offending answers are left out") {
  const assess::ParsedAnswers p = assess::parse_answers(definition(), Json::parse(R"({
    "questionnaire": "ans",
    "answers": {"q_yn": 1, "q_single": "a", "q_num": "many", "q_ladder": 1, "nope": true}})"),
                                                        "answers.json");
  std::vector<std::string> messages;
  for (const auto& e : p.errors) messages.push_back(e.what());
  // nlohmann::json keeps object keys sorted, so the errors come in key order.
  CHECK(messages ==
        std::vector<std::string>{R"(answers.json:/answers/nope: unknown question "nope")",
                                 R"(answers.json:/answers/q_num: question "q_num": expected a number, got string)",
                                 R"(answers.json:/answers/q_yn: question "q_yn": expected true or false, got number)"});
  CHECK(parsed(p, "q_single").present);
  CHECK(parsed(p, "q_ladder").present);
  CHECK_FALSE(parsed(p, "q_num").present);
  CHECK_FALSE(parsed(p, "q_yn").present);
}

TEST_CASE("every answer error names the question id and points into its answer") {
  const std::vector<std::pair<std::string, Json>> bad = {{"q_single", "c"},
                                                         {"q_single", {{"na", true}}},
                                                         {"q_multi", Json::array({"x", "x"})},
                                                         {"q_multi", Json::array({"y", "nothing"})},
                                                         {"q_num", -1},
                                                         {"q_pct", "half"},
                                                         {"q_band", 99},
                                                         {"q_ladder", 7},
                                                         {"q_yn", 0},
                                                         {"q_text", "toolong"},
                                                         {"q_date", "2023-13-01"},
                                                         {"q_na", {{"na", true}, {"value", "a"}}},
                                                         {"q_derived", 5},
                                                         {"staff", {{"note", 1}}}};
  for (const auto& [id, value] : bad) {
    INFO(id, " = ", value.dump());
    const assess::ParsedAnswers p =
        assess::parse_answers(definition(), Json{{"answers", {{id, value}}}}, "answers.json");
    REQUIRE(p.errors.size() == 1);
    const assess::Error& e = p.errors[0];
    CHECK(e.file() == "answers.json");
    CHECK(e.pointer().rfind("/answers/" + id, 0) == 0);
    CHECK(e.message().rfind("question \"" + id + "\": ", 0) == 0);
    CHECK(e.kind() == assess::ErrorKind::kInvalid);
  }
}

TEST_CASE("parse_answer checks one answer as the form sends it") {
  const Questionnaire& q = definition();
  SUBCASE("a bare value") {
    const assess::Answer a = assess::parse_answer(q, index_of("q_ladder"), 1, "form", "/q_ladder");
    CHECK(a.present);
    CHECK(a.selected == std::vector<int>{1});
  }
  SUBCASE("null clears the answer") {
    CHECK_FALSE(assess::parse_answer(q, index_of("q_ladder"), nullptr, "form", "/q_ladder").present);
  }
  SUBCASE("errors use the given file and pointer") {
    try {
      (void)assess::parse_answer(q, index_of("q_ladder"), 9, "form", "/q_ladder");
      FAIL("no error for level 9");
    } catch (const assess::Error& e) {
      CHECK(std::string(e.what()) == R"(form:/q_ladder: question "q_ladder": level 9 is outside 0..2)");
    }
  }
  SUBCASE("evidence and verification set the grade") {
    CHECK(assess::parse_answer(q, index_of("q_na"), "a", "f", "/p").grade() == assess::EvidenceGrade::kSelfDeclared);
    const Json with_file = {{"value", "a"}, {"evidence", {{{"slot", "photo"}, {"file", "sha256:ab"}}}}};
    CHECK(assess::parse_answer(q, index_of("q_na"), with_file, "f", "/p").grade() ==
          assess::EvidenceGrade::kEvidenceAttached);
    Json verified = with_file;
    verified["verified"] = true;
    CHECK(assess::parse_answer(q, index_of("q_na"), verified, "f", "/p").grade() == assess::EvidenceGrade::kVerified);
  }
}

TEST_CASE("answers_to_json is the inverse of parse_answers") {
  const Json document = Json::parse(R"({
    "questionnaire": "ans", "version": "3",
    "answers": {
      "q_single": "b",
      "q_multi": ["y", "x"],
      "q_num": 12.5,
      "q_pct": 40,
      "q_band": 15,
      "q_ladder": 2,
      "q_yn": true,
      "q_text": "ok",
      "q_date": "2024-02-29",
      "q_na": {"na": true, "note": "无此工序"},
      "staff": {"value": 7, "evidence": [{"file": "sha256:abc", "name": "花名册.pdf"}], "verified": true}
    }})");
  const Json& given = document;
  const assess::ParsedAnswers p = assess::parse_answers(definition(), given, "answers.json");
  REQUIRE(p.errors.empty());
  const Json out = assess::answers_to_json(definition(), p.set);
  SUBCASE("the JSON form equals the document it was parsed from") {
    CHECK(out == given);
  }
  SUBCASE("parsing the JSON form again gives the same answers") {
    const assess::ParsedAnswers again = assess::parse_answers(definition(), out, "again.json");
    REQUIRE(again.errors.empty());
    REQUIRE(again.set.answers.size() == p.set.answers.size());
    for (std::size_t i = 0; i < p.set.answers.size(); ++i) {
      INFO("question ", definition().questions[i].id);
      const assess::Answer& a = p.set.answers[i];
      const assess::Answer& b = again.set.answers[i];
      CHECK(a.present == b.present);
      CHECK(a.not_applicable == b.not_applicable);
      CHECK(a.value == b.value);
      CHECK(a.selected == b.selected);
      CHECK(a.number == b.number);
      CHECK(a.verified == b.verified);
      CHECK(a.note == b.note);
      CHECK(a.evidence.size() == b.evidence.size());
    }
  }
  SUBCASE("evidence attached before the answer is given survives the round trip") {
    Json only_evidence = {{"questionnaire", "ans"},
                          {"version", "3"},
                          {"answers", {{"q_na", {{"evidence", {{{"slot", "photo"}, {"file", "sha256:9"}}}}}}}}};
    const assess::ParsedAnswers e = assess::parse_answers(definition(), only_evidence, "answers.json");
    REQUIRE(e.errors.empty());
    CHECK_FALSE(e.set.answers[static_cast<std::size_t>(index_of("q_na"))].present);
    CHECK(assess::answers_to_json(definition(), e.set) == only_evidence);
  }
  SUBCASE("an empty answer set") {
    const assess::ParsedAnswers e =
        assess::parse_answers(definition(), Json{{"answers", Json::object()}}, "answers.json");
    CHECK(assess::answers_to_json(definition(), e.set) ==
          Json{{"questionnaire", "ans"}, {"version", "3"}, {"answers", Json::object()}});
  }
}

TEST_CASE("an answer saved with an option's former id reads as the corrected option") {
  // smart-factory-2025 mat_level once split GB/T 39116 levels into invented 中/高 grades
  // (l2_medium, l2_high, ...); the levels are plain now and answers saved before still read.
  const assess::Questionnaire q =
      assess::load_questionnaire_file(ASSESS_SOURCE_DIR "/questionnaires/smart-factory-2025/smart-factory-2025.json");
  const int qi = q.question_index("mat_level");
  REQUIRE(qi >= 0);
  const auto& question = q.questions[static_cast<std::size_t>(qi)];
  for (const auto& [former, now] : std::vector<std::pair<std::string, std::string>>{{"l2_medium", "l2"},
                                                                                    {"l2_high", "l2"},
                                                                                    {"l3_medium", "l3"},
                                                                                    {"l3_high", "l3"},
                                                                                    {"l4_medium", "l4"},
                                                                                    {"l4_high", "l4"}}) {
    assess::ParsedAnswers parsed = assess::parse_answers(
        q, assess::Json{{"questionnaire", q.id}, {"answers", {{"mat_level", former}}}}, "saved.json");
    CHECK(parsed.errors.empty());
    const auto& a = parsed.set.answers[static_cast<std::size_t>(qi)];
    REQUIRE(a.selected.size() == 1);
    CHECK(question.options[static_cast<std::size_t>(a.selected[0])].id == now);
  }
  assess::ParsedAnswers unknown = assess::parse_answers(
      q, assess::Json{{"questionnaire", q.id}, {"answers", {{"mat_level", "l2_invented"}}}}, "saved.json");
  CHECK_FALSE(unknown.errors.empty());
}

TEST_CASE("a selection keeps its options in the order given, inside the answer or beyond it") {
  SUBCASE("up to kInline options, and more: every index kept, in order") {
    assess::Selection s;
    std::vector<int> expected;
    for (int i = 0; i < 20; ++i) {
      s.push_back(19 - i);
      expected.push_back(19 - i);
    }
    CHECK(s.size() == 20);
    CHECK(s == expected);
    CHECK(s[0] == 19);
    CHECK(s[19] == 0);
    CHECK(s.to_vector() == expected);
  }
  SUBCASE("copies and moves hold the same options; a moved-from selection is empty") {
    for (const int n : {3, 20}) {  // inline and on the heap
      assess::Selection s;
      for (int i = 0; i < n; ++i) s.push_back(i * 2);
      const assess::Selection copy = s;  // NOLINT(performance-unnecessary-copy-initialization): the copy is tested
      CHECK(copy == s);
      assess::Selection moved = std::move(s);
      CHECK(moved == copy);
      CHECK(s.empty());  // NOLINT(bugprone-use-after-move): moved-from state is specified
      s = {7};
      CHECK(s == std::vector<int>{7});
      moved = s;
      CHECK(moved == std::vector<int>{7});
    }
  }
  SUBCASE("assigning fewer options than before keeps only those") {
    assess::Selection s;
    for (int i = 0; i < 20; ++i) s.push_back(i);
    const std::vector<int> two = {4, 1};
    s.assign(two.begin(), two.end());
    CHECK(s == two);
    CHECK_FALSE(s == std::vector<int>{4, 1, 2});
  }
}

TEST_CASE("a number's exact 64-bit form is worked out when the answer is parsed") {
  const Questionnaire& q = definition();
  // 93.1 is 931/10 as typed; 2500 is whole; a choice's option id is outside the arithmetic.
  const assess::Answer decimal = assess::parse_answer(q, index_of("staff"), 93.1, "form", "/staff");
  CHECK(decimal.value64.kind == assess::exact::Value::Kind::kNumber);
  CHECK(decimal.value64.num == 931);
  CHECK(decimal.value64.den == 10);
  CHECK_FALSE(decimal.value64.outside);
  const assess::Answer whole = assess::parse_answer(q, index_of("staff"), 2500, "form", "/staff");
  CHECK(whole.value64.num == 2500);
  CHECK(whole.value64.den == 1);
  const assess::Answer choice = assess::parse_answer(q, index_of("q_single"), "b", "form", "/q_single");
  CHECK(choice.value64.outside);
  const assess::Answer na = assess::parse_answer(q, index_of("q_na"), Json{{"na", true}}, "form", "/q_na");
  CHECK(na.value64.kind == assess::exact::Value::Kind::kNull);
  // set_value keeps the two together when a value changes (the gap search's what-if moves).
  assess::Answer changed = whole;
  changed.set_value(0.25);
  CHECK(changed.value64.num == 1);
  CHECK(changed.value64.den == 4);
}
