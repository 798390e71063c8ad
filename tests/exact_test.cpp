#include "scoring/exact.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "random_answers.h"
#include "scoring/answers.h"
#include "scoring/questionnaire.h"
#include "scoring/score.h"
#include "support.h"

using assess::Json;
using assess_test::shipped;
namespace exact = assess::exact;

TEST_CASE("a typed decimal reads back as the decimal that was typed") {
  CHECK(exact::from_double(93.1)->to_string() == "931/10");
  CHECK(exact::from_double(-0.02)->to_string() == "-1/50");
  CHECK(exact::from_double(4843.1)->to_string() == "48431/10");
  CHECK(exact::from_double(48431)->to_string() == "48431");
  CHECK(exact::from_double(1e20)->to_string() == "100000000000000000000");
  CHECK(exact::from_double(0.1)->to_string() == "1/10");
  CHECK_FALSE(exact::from_double(1.0 / 0.0));
  CHECK_FALSE(exact::from_double(1e300));  // beyond 128 bits: the caller keeps floating point
}

TEST_CASE("exact arithmetic: (93.1 − 95) ÷ 95 is −0.02 and 4843.1 × 100 ÷ 48431 is 10") {
  const auto a = *exact::from_double(93.1);
  const auto b = *exact::from_double(95);
  const auto change = *exact::div(*exact::sub(a, b), b);
  CHECK(change.to_string() == "-1/50");
  CHECK(*exact::compare(change, *exact::from_double(-0.02)) == 0);
  CHECK(change.to_double() == -0.02);
  const auto share =
      *exact::div(*exact::mul(*exact::from_double(4843.1), exact::Rational::integer(100)), *exact::from_double(48431));
  CHECK(share.to_string() == "10");
  CHECK_FALSE(exact::div(share, exact::Rational::integer(0)));
}

TEST_CASE("a rational is kept in lowest terms: the common factor std::gcd finds is divided out") {
  // Operands below 2^32 (Euclid on 32-bit divisions), wider ones (binary gcd) and the edges between.
  std::mt19937_64 rng(13);
  const std::vector<std::uint64_t> edges = {
      1, 2, 10, 0xFFFFFFFFu, 0x100000000u, 0x100000001u, std::uint64_t{std::numeric_limits<std::int64_t>::max()}};
  for (int i = 0; i < 20000; ++i) {
    // Within ±(2^63 − 1), denominator > 0.
    std::uint64_t a = std::max<std::uint64_t>(rng() >> (1 + rng() % 63), 1);
    std::uint64_t b = std::max<std::uint64_t>(rng() >> (1 + rng() % 63), 1);
    if (i % 3 == 0) {  // a common factor of up to 20 bits, products below and above 2^32
      const std::uint64_t common = 1 + rng() % (1u << 20);
      a = common * (1 + rng() % (std::uint64_t{1} << (rng() % 40)));
      b = common * (1 + rng() % (std::uint64_t{1} << (rng() % 40)));
    }
    if (i < static_cast<int>(edges.size() * edges.size())) {
      a = edges[static_cast<std::size_t>(i) % edges.size()];
      b = edges[static_cast<std::size_t>(i) / edges.size()];
    }
    const std::uint64_t g = std::gcd(a, b);
    const auto r = exact::Rational::make(static_cast<exact::Int>(a), static_cast<exact::Int>(b));
    REQUIRE(r);
    CHECK(r->num() == static_cast<exact::Int>(a / g));
    CHECK(r->den() == static_cast<exact::Int>(b / g));
  }
}

TEST_CASE("a quotient becomes the double that rounding through long double gives, next to midpoints too") {
  // The reference: num ÷ den in long double (64-bit significand), then rounded to double.
  const auto reference = [](std::int64_t num, std::int64_t den) {
    return static_cast<double>(static_cast<long double>(num) / static_cast<long double>(den));
  };
  std::mt19937_64 rng(21);
  int near_midpoints = 0;
  for (int i = 0; i < 200000; ++i) {
    const std::int64_t den = (i % 7 == 0) ? 1 + static_cast<std::int64_t>(rng() % 4000)  // across 2048 too
                                          : 2 + static_cast<std::int64_t>(rng() % 2046);
    std::int64_t num = 0;
    if (i % 2 == 0) {
      num = static_cast<std::int64_t>(rng() >> (11 + rng() % 52));  // any size below 2^53, and above
      if (i % 10 == 0) num = static_cast<std::int64_t>(rng() >> 1);
    } else {
      // Next to a midpoint m between two doubles: num = round(m × den) + {−1, 0, 1}, the quotients
      // the double rounding could catch if den were large.
      const double q = std::ldexp(static_cast<double>(rng() >> 11), -static_cast<int>(rng() % 60));
      const long double m = static_cast<long double>(q) + static_cast<long double>(std::nextafter(q, 1e300) - q) / 2;
      const long double target = m * static_cast<long double>(den);
      if (!(target < 9.0e18L)) continue;
      num = static_cast<std::int64_t>(std::llround(target)) + static_cast<std::int64_t>(rng() % 3) - 1;
      ++near_midpoints;
    }
    if (rng() % 2 == 0) num = -num;
    INFO(num, " / ", den);
    const double fast = exact::quotient_to_double(num, den);
    const double slow = reference(num, den);
    REQUIRE(std::bit_cast<std::uint64_t>(fast) == std::bit_cast<std::uint64_t>(slow));  // the same bits
  }
  CHECK(near_midpoints > 90000);
  // Just above the bound the two ways part: with den = 2051 one division rounds these to the other
  // neighbour (found by exact search; why 2048 is where the shortcut has to stop).
  for (const std::int64_t n : {std::int64_t{1099511628127}, std::int64_t{1099511628184}}) {
    for (const std::int64_t num : {n, -n}) {
      INFO(num);
      const double one_division = static_cast<double>(num) / 2051.0;
      CHECK(std::bit_cast<std::uint64_t>(one_division) != std::bit_cast<std::uint64_t>(reference(num, 2051)));
      CHECK(std::bit_cast<std::uint64_t>(exact::quotient_to_double(num, 2051)) ==
            std::bit_cast<std::uint64_t>(reference(num, 2051)));
    }
  }
  // A whole number, the largest included.
  for (const std::int64_t n :
       {std::int64_t{0}, std::int64_t{1}, std::int64_t{-7}, std::numeric_limits<std::int64_t>::max()}) {
    CHECK(exact::quotient_to_double(n, 1) == reference(n, 1));
  }
}

TEST_CASE("a program whose unreduced step leaves 64 bits reduces its operands and goes on") {
  // x ÷ y × y × y × (1 ÷ y) with y = 99,999,999,999.99 = 9999999999999/100: the third factor's
  // unreduced product (10^15 × 10^13) leaves 64 bits while its value, y, does not. The program
  // reduces the operands, carries on and returns x exactly, as the tree evaluation does.
  std::vector<std::string> names;
  const auto expr = exact::Expr::compile(
      Json::parse(
          R"({"*": [{"/": [{"var": "x"}, {"var": "y"}]}, {"var": "y"}, {"var": "y"}, {"/": [1, {"var": "y"}]}]})"),
      [&](const std::string& name) {
        const auto it = std::find(names.begin(), names.end(), name);
        if (it != names.end()) return static_cast<int>(it - names.begin());
        names.push_back(name);
        return static_cast<int>(names.size() - 1);
      });
  REQUIRE(expr);
  for (const auto& [x, num, den] :
       {std::tuple{Json(1), 1, 1}, std::tuple{Json(93.1), 931, 10}, std::tuple{Json(-7), -7, 1}}) {
    const Json y = 99999999999.99;
    std::vector<exact::Value64> slots = {exact::Value64::of(&x), exact::Value64::of(&y)};
    std::vector<exact::Value64> registers(expr->program().registers());
    exact::Value64 out;
    INFO(x.dump());
    REQUIRE(expr->program().run(slots.data(), registers.data(), out));
    CHECK(out.kind == exact::Value::Kind::kNumber);
    CHECK(out.num == num);
    CHECK(out.den == den);
  }
}

TEST_CASE("exact expressions: the arithmetic subset of JsonLogic, null where an input is missing") {
  // Slots: 0 = before, 1 = after.
  auto binder = [](const std::string& name) { return name == "before" ? 0 : name == "after" ? 1 : -1; };
  const Json rule = Json::parse(R"({"if": [{"or": [{"==": [{"var": "before"}, null]}, {"<=": [{"var": "before"}, 0]},
                                                  {"==": [{"var": "after"}, null]}]},
                                          null,
                                          {"/": [{"-": [{"var": "after"}, {"var": "before"}]}, {"var": "before"}]}]})");
  const auto expr = exact::Expr::compile(rule, binder);
  REQUIRE(expr);
  Json before = 95;
  Json after = 93.1;
  auto eval = [&](const Json* b, const Json* a) { return expr->evaluate([&](int slot) { return slot == 0 ? b : a; }); };
  auto v = eval(&before, &after);
  REQUIRE(v);
  CHECK(v->kind == exact::Value::Kind::kNumber);
  CHECK(v->number.to_string() == "-1/50");
  v = eval(nullptr, &after);
  REQUIRE(v);
  CHECK(v->kind == exact::Value::Kind::kNull);
  Json zero = 0;
  v = eval(&zero, &after);
  REQUIRE(v);
  CHECK(v->kind == exact::Value::Kind::kNull);
  SUBCASE("an operator outside the subset leaves the rule to the floating-point engine") {
    CHECK_FALSE(exact::Expr::compile(Json::parse(R"({"cat": ["a", {"var": "before"}]})"), binder));
    CHECK_FALSE(exact::Expr::compile(Json::parse(R"({"var": "unknown"})"), binder));
    CHECK_FALSE(exact::Expr::compile(Json::parse(R"({"var": "before.x"})"), binder));
  }
  SUBCASE("a string operand at run time gives up instead of guessing a coercion") {
    Json text = "95";
    CHECK_FALSE(eval(&text, &after));
  }
}

// A randomized comparison with a second, independent computation: the SME relative-change bands
// (q12–q15, bands down < −0.02 ≤ flat ≤ 0.02 < up) and the digital-spend share (q11, edges at 10 /
// 20 / 40 / 60 %) decided in integer arithmetic on figures with two decimals (scaled by 100), with
// about a third of the cases placed exactly on an edge.
TEST_CASE("a computed value read by another stays exact: x ÷ 3 × 3 is x") {
  const assess::Questionnaire q = assess::load_questionnaire(Json::parse(R"({
    "id": "chain", "version": "1", "title": "Chain",
    "questions": [{"id": "x", "type": "number", "title": "x"}],
    "computed": [{"id": "third", "title": "x ÷ 3", "expr": {"/": [{"var": "x"}, 3]}},
                 {"id": "whole", "title": "third × 3", "expr": {"*": [{"var": "third"}, 3]}}],
    "levels": {"items": [{"id": "L1", "name": "L1", "requires": [{"id": "r", "value": "whole", ">=": 1}]}]}})"),
                                                             "chain.json");
  assess::ParsedAnswers parsed =
      assess::parse_answers(q, Json{{"questionnaire", "chain"}, {"answers", {{"x", 1}}}}, "a.json");
  REQUIRE(parsed.errors.empty());
  const assess::ScoreResult r = assess::score(q, parsed.set);
  REQUIRE(r.computed_exact[1]);
  CHECK(r.computed_exact[1]->to_string() == "1");  // the nearest double of 1/3, tripled, would be 0.9999999999999999
  CHECK(r.levels.level == 0);
}

TEST_CASE("SME bands agree with integer arithmetic on 3,000 random decimal answer sets, edges included") {
  const assess::Questionnaire q =
      assess::load_questionnaire_file(ASSESS_SOURCE_DIR "/questionnaires/sme-digital-2024/sme-digital-2024.json");
  std::mt19937_64 rng(20261206);
  auto uniform = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  auto as_decimal = [](std::int64_t cents) { return Json(static_cast<double>(cents) / 100.0); };
  // Band of a relative change (after − before) ÷ before with both in cents: 50·(after − before)
  // against ±before. Returns "down", "flat" or "up".
  auto change_band = [](std::int64_t before, std::int64_t after) {
    const std::int64_t d = 50 * (after - before);
    if (d < -before) return std::string("down");
    if (d > before) return std::string("up");
    return std::string("flat");
  };
  // A value 2 % above or below `before` in cents when that is a whole number of cents, else random.
  auto edge_or_random = [&](std::int64_t before) {
    const auto roll = uniform(0, 2);
    if (roll < 2 && before % 50 == 0) return before + (roll == 0 ? 1 : -1) * before / 50;
    return before + uniform(-before / 10, before / 10);
  };
  int on_edge = 0;
  for (int i = 0; i < 3000; ++i) {
    Json a = Json::object();
    // q13: pass rate before/after in cents of a percent.
    const std::int64_t pass_before = uniform(1, 200) * 50;
    const std::int64_t pass_after = std::min<std::int64_t>(edge_or_random(pass_before), 10000);  // a rate ≤ 100 %
    a["raw_pass_rate_before"] = as_decimal(pass_before);
    a["raw_pass_rate_after"] = as_decimal(pass_after);
    // q15: cost per 100 of revenue.
    const std::int64_t cost_before = uniform(1, 400) * 50;
    const std::int64_t cost_after = edge_or_random(cost_before);
    a["raw_cost_per_100_year_before"] = as_decimal(cost_before);
    a["raw_cost_per_100_last_year"] = as_decimal(cost_after);
    // q12: energy per revenue with equal revenues (the intensity change is then the energy change).
    const std::int64_t energy_before = uniform(1, 2000) * 50;
    const std::int64_t energy_after = edge_or_random(energy_before);
    const std::int64_t revenue = uniform(1, 100000);
    a["raw_energy_before"] = as_decimal(energy_before);
    a["raw_energy_after"] = as_decimal(energy_after);
    a["raw_revenue_before_retrofit"] = as_decimal(revenue);
    a["raw_revenue_after_retrofit"] = as_decimal(revenue);
    // q14: revenue per employee with equal staff.
    const std::int64_t staff = uniform(1, 900);
    const std::int64_t rev_before = uniform(1, 2000) * 50;
    const std::int64_t rev_after = edge_or_random(rev_before);
    a["raw_revenue_year_before"] = as_decimal(rev_before);
    a["raw_revenue_last_year"] = as_decimal(rev_after);
    a["raw_employees_year_before"] = staff;
    a["raw_employees_last_year"] = staff;
    // q11: digital spend over last year's revenue, sometimes exactly 10/20/40/60 %.
    const std::int64_t edge_pct = std::vector<std::int64_t>{10, 20, 40, 60}[static_cast<std::size_t>(uniform(0, 3))];
    const std::int64_t spend = uniform(0, 1) == 0 ? rev_after * edge_pct / 100 : uniform(0, rev_after);
    a["raw_digital_spend_avg3"] = as_decimal(spend);
    const bool spend_exact = (rev_after * edge_pct) % 100 == 0;

    assess::ParsedAnswers parsed =
        assess::parse_answers(q, Json{{"questionnaire", q.id}, {"answers", a}}, "random.json");
    for (const auto& e : parsed.errors) FAIL("case " << i << ": " << e.what() << " in " << a.dump());
    const assess::ScoreResult r = assess::score(q, parsed.set);
    auto band = [&](const std::string& id) {
      const int qi = q.question_index(id);
      const int b = r.questions[static_cast<std::size_t>(qi)].band;
      return b < 0 ? std::string("(none)")
                   : q.questions[static_cast<std::size_t>(qi)].options[static_cast<std::size_t>(b)].id;
    };
    INFO("case ", i, ": ", a.dump());
    CHECK(band("q13_quality") == change_band(pass_before, pass_after));
    CHECK(band("q15_value") == change_band(cost_before, cost_after));
    CHECK(band("q12_energy") == change_band(energy_before, energy_after));
    CHECK(band("q14_market") == change_band(rev_before, rev_after));
    // q11 band by 100·spend against revenue × edge, in cents: [0,10] b0, (10,20] b1, (20,40] b2, (40,60] b3, (60,100]
    // b4.
    const std::int64_t s100 = 100 * spend;
    std::string expected = "b4";
    if (s100 <= 10 * rev_after)
      expected = "b0";
    else if (s100 <= 20 * rev_after)
      expected = "b1";
    else if (s100 <= 40 * rev_after)
      expected = "b2";
    else if (s100 <= 60 * rev_after)
      expected = "b3";
    if (s100 > 100 * rev_after) expected = "(none)";
    CHECK(band("q11_funding") == expected);
    on_edge +=
        (50 * (pass_after - pass_before) == -pass_before || 50 * (pass_after - pass_before) == pass_before) ? 1 : 0;
    on_edge += spend_exact && s100 == edge_pct * rev_after ? 1 : 0;
  }
  MESSAGE(on_edge, " of 6,000 checked figures sat exactly on a band edge");
  CHECK(on_edge > 1000);
}

TEST_CASE("from_double without printing equals reading the shortest printed decimal back") {
  std::mt19937_64 rng(5);
  auto same = [](double v) {
    const auto a = exact::from_double(v);
    const auto b = exact::from_double_text(v);
    INFO(v);
    REQUIRE(a.has_value() == b.has_value());
    if (a) {
      CHECK(a->num() == b->num());
      CHECK(a->den() == b->den());
    }
  };
  for (double v : {0.1,
                   0.2,
                   0.3,
                   93.1,
                   -0.02,
                   4843.1,
                   1e-7,
                   2.5e-10,
                   5e-324,
                   1e-300,
                   0.30000000000000004,
                   1.0 / 3.0,
                   123456789.123456,
                   99999999999.99,
                   9007199254740991.5,
                   0.9999999999999999,
                   1e15 + 0.5,
                   1e22,
                   -1e-15,
                   std::numeric_limits<double>::min(),
                   std::numeric_limits<double>::max()}) {
    same(v);
  }
  // Typed decimals: up to 15 digits after the point, of every magnitude.
  for (int i = 0; i < 200000; ++i) {
    const auto digits = static_cast<int>(rng() % 16);
    const auto mantissa = static_cast<double>(rng() % 10000000000000ULL);
    const double v = (rng() % 2 ? -1 : 1) * mantissa / std::pow(10.0, digits);
    same(v);
  }
  // Any double at all (most have 16 or 17 significant digits).
  for (int i = 0; i < 200000; ++i) {
    const std::uint64_t bits = rng();
    double v = 0;
    std::memcpy(&v, &bits, sizeof v);
    same(v);
  }
}

TEST_CASE("exact rules evaluated over converted slots equal the lookup form, 64-bit path or not") {
  // Every computed rule of the shipped questionnaires and rules using every operator of the subset,
  // over random slot values: absent, null, booleans, text, small and wide integers, short and long
  // decimals. Both forms must give the same value (or both give up).
  std::vector<Json> rules;
  for (const char* name : {"sme-digital-2024", "smart-factory-2025", "cmmm"}) {
    for (const auto& c : shipped(name).computed) rules.push_back(c.expr.source());
  }
  for (
      const char* text : {
          R"({"+": [{"var": "x"}, {"var": "y"}, 0.25]})",
          R"({"-": [{"var": "x"}]})",
          R"({"-": [{"var": "x"}, {"var": "y"}]})",
          R"({"*": [{"var": "x"}, {"var": "y"}, {"var": "z"}]})",
          R"({"/": [{"var": "x"}, {"var": "y"}]})",
          R"({"min": [{"var": "x"}, {"var": "y"}, 3]})",
          R"({"max": [{"var": "x"}, {"var": "y"}, -1.5]})",
          R"({"<": [{"var": "x"}, {"var": "y"}, {"var": "z"}]})",
          R"({"<=": [0, {"var": "x"}, 10]})",
          R"({">": [{"var": "x"}, {"var": "y"}]})",
          R"({">=": [{"var": "x"}, {"var": "z"}]})",
          R"({"==": [{"var": "x"}, {"var": "y"}]})",
          R"({"!=": [{"var": "x"}, null]})",
          R"({"===": [{"var": "x"}, {"var": "y"}]})",
          R"({"!==": [{"var": "x"}, true]})",
          R"({"!": [{"var": "x"}]})",
          R"({"!!": [{"var": "z"}]})",
          R"({"and": [{"var": "x"}, {"var": "y"}, {"var": "z"}]})",
          R"({"or": [{"var": "x"}, {"var": "y"}]})",
          R"({"if": [{"var": "x"}, {"var": "y"}, {"var": "z"}, 7]})",
          R"({"if": [{"var": "x"}, {"var": "y"}]})",
          R"({"+": [{"var": ["x", 2.5]}, {"var": ["y", 100000000000000000]}]})",
          R"({"*": [{"var": "x"}, {"var": "x"}, {"var": "y"}, {"var": "y"}]})",
          R"({"/": [{"-": [{"*": [{"var": "x"}, {"var": "y"}]}, {"*": [{"var": "y"}, {"var": "z"}]}]},
                     {"*": [{"var": "z"}, {"var": "x"}]}]})",
          // Chains whose unreduced steps leave 64 bits while their values in lowest terms do not (the
          // program then reduces the operands and goes on), and sums over different denominators.
          R"({"*": [{"/": [{"var": "x"}, {"var": "y"}]}, {"var": "y"}, {"var": "y"}, {"/": [1, {"var": "y"}]}]})",
          R"({"+": [{"/": [{"var": "x"}, {"var": "y"}]}, {"/": [{"var": "z"}, {"var": "y"}]}, {"/": [1, {"var": "z"}]}]})",
          R"({"-": [{"*": [{"/": [{"var": "x"}, 3]}, {"/": [{"var": "y"}, 7]}, 21]}, {"*": [{"var": "x"}, {"var": "y"}]}]})",
      }) {
    rules.push_back(Json::parse(text));
  }
  const std::vector<Json> values = {nullptr,
                                    true,
                                    false,
                                    "text",
                                    0,
                                    1,
                                    -1,
                                    3,
                                    100,
                                    48431,
                                    0.5,
                                    93.1,
                                    -0.02,
                                    4843.1,
                                    1e-7,
                                    123456789.123456,
                                    9007199254740993.0,
                                    4611686018427387904.0,
                                    9.2e18,
                                    1e20,
                                    1e300,
                                    1.0 / 3.0,
                                    99999999999.99};
  std::mt19937 rng(9);
  int compared = 0;
  int numbers = 0;
  int gave_up = 0;
  int programs_ran = 0;
  int programs_gave_up = 0;
  for (const Json& rule : rules) {
    // Slots by first appearance of each name.
    std::vector<std::string> names;
    const auto expr = exact::Expr::compile(rule, [&](const std::string& name) {
      for (std::size_t i = 0; i < names.size(); ++i) {
        if (names[i] == name) return static_cast<int>(i);
      }
      names.push_back(name);
      return static_cast<int>(names.size() - 1);
    });
    INFO(rule.dump());
    REQUIRE(expr);
    for (int round = 0; round < 400; ++round) {
      std::vector<Json> data(names.size());
      std::vector<bool> present(names.size());
      std::vector<exact::Slot> slots(names.size());
      for (std::size_t i = 0; i < names.size(); ++i) {
        present[i] = rng() % 8 != 0;
        data[i] = values[rng() % values.size()];
        slots[i] = exact::Slot::of(present[i] ? &data[i] : nullptr);
      }
      const auto a = expr->evaluate([&](int slot) -> const Json* {
        return present[static_cast<std::size_t>(slot)] ? &data[static_cast<std::size_t>(slot)] : nullptr;
      });
      const auto b = expr->evaluate(slots.data());
      INFO(Json(data).dump());
      REQUIRE(a.has_value() == b.has_value());
      ++compared;
      // The flat 64-bit program (what Scorer runs first): when it runs, the lookup form's value.
      std::vector<exact::Value64> converted(names.size());
      for (std::size_t i = 0; i < names.size(); ++i) converted[i] = exact::Value64::of(present[i] ? &data[i] : nullptr);
      std::vector<exact::Value64> registers(expr->program().registers());
      exact::Value64 run;
      if (expr->program().run(converted.data(), registers.data(), run)) {
        ++programs_ran;
        REQUIRE(a.has_value());
        REQUIRE(a->kind == run.kind);
        if (run.kind == exact::Value::Kind::kBool) CHECK(a->boolean == run.boolean);
        if (run.kind == exact::Value::Kind::kNumber) {
          CHECK(a->number.num() == run.num);
          CHECK(a->number.den() == run.den);
        }
      } else if (a) {
        ++programs_gave_up;  // the tree evaluation decided
      }
      if (!a) {
        ++gave_up;
        continue;
      }
      REQUIRE(a->kind == b->kind);
      if (a->kind == exact::Value::Kind::kBool) CHECK(a->boolean == b->boolean);
      if (a->kind == exact::Value::Kind::kNumber) {
        ++numbers;
        CHECK(a->number.num() == b->number.num());
        CHECK(a->number.den() == b->number.den());
      }
    }
  }
  CHECK(compared > 10000);
  CHECK(numbers > 1000);
  CHECK(gave_up > 100);
  CHECK(programs_ran > 5000);
  CHECK(programs_gave_up > 100);  // wide figures: the tree evaluation decides
}
