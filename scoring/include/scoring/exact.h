// exact.h — exact arithmetic for figures computed from typed decimals.
//
// A computed value (a share, a relative change) selects a band whose edge is a decimal such as
// −0.02 or 10 %. Binary floating point holds neither 0.1 nor 93.1, so (93.1 − 95) ÷ 95 comes out as
// −0.020000000000000018 and lands one band too low, and 4843.1 × 100 ÷ 48431 comes out just above
// 10. Answers are decimals as typed: each number is read back as the shortest decimal that
// round-trips to the same double (which is what the person typed), and the arithmetic subset of
// JsonLogic that computed values use (+ − × ÷, comparisons, if/and/or/!, min/max) is evaluated
// over exact rationals. Band edges and thresholds are read the same way, so a lookup compares two
// exact numbers and no tolerance moves an edge.
//
// Rationals are 128-bit numerator/denominator pairs kept in lowest terms. A figure beyond that
// range (never met with typed business figures) makes the exact evaluation give up (nullopt), and
// the caller keeps the floating-point value; `Expr::compile` returns null for a rule that uses an
// operator outside the subset.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>  // JSON values are read through pointers and references only
#include <optional>
#include <string>
#include <vector>

namespace assess::exact {

__extension__ typedef __int128 Int;
__extension__ typedef unsigned __int128 UInt;

// num ÷ den (den > 0) as the nearest double, as Rational::to_double gives it: through long double,
// whose rounding followed by the rounding to double is the reference. When |num| < 2^53 and
// 2 ≤ den < 2048, both are exact doubles and one correctly rounded division gives the same bits.
// Why: let x = num/den with 2^e ≤ |x| < 2^(e+1); then |x| < 2^52, so e < 53. The midpoints between
// neighbouring doubles there are m = k·2^(e−53), k odd, and x − m = (num·2^(53−e) − k·den)·2^(e−53)/den,
// a whole number times 2^(e−53)/den: either x = m (then both ways round the same tie to even) or
// |x − m| ≥ 2^(e−53)/den > 2^(e−64), the half unit in the last place of a long double in that
// binade. So the long double rounding never lands on a midpoint it did not start from, and rounding
// twice gives what rounding once gives (rounding keeps order, so the binades next door do not
// matter). den = 2051 already has counterexamples. A whole number needs no division at all.
// tests/exact_test.cpp compares both ways next to midpoints and on those counterexamples.
[[nodiscard]] inline double quotient_to_double(std::int64_t num, std::int64_t den) {
  if (den == 1) return static_cast<double>(num);
  constexpr std::int64_t kExact = std::int64_t{1} << 53;
  if (den < 2048 && num < kExact && num > -kExact) return static_cast<double>(num) / static_cast<double>(den);
  return static_cast<double>(static_cast<long double>(num) / static_cast<long double>(den));
}

class Rational {
 public:
  Rational() = default;
  [[nodiscard]] static std::optional<Rational> make(Int num, Int den);  // nullopt when den is 0 or on overflow
  [[nodiscard]] static Rational integer(long long value) { return Rational(value, 1); }
  // num/den as given: the caller guarantees lowest terms and den > 0 (the 64-bit evaluation's
  // results are, so that converting one does not take a gcd again).
  [[nodiscard]] static Rational lowest_terms(std::int64_t num, std::int64_t den) { return Rational(num, den); }

  [[nodiscard]] Int num() const { return num_; }
  [[nodiscard]] Int den() const { return den_; }
  [[nodiscard]] bool is_zero() const { return num_ == 0; }
  [[nodiscard]] double to_double() const;
  [[nodiscard]] std::string to_string() const;  // "-1/50", "7"

 private:
  Rational(Int num, Int den) : num_(num), den_(den) {}
  Int num_ = 0;
  Int den_ = 1;
};

// The shortest decimal that reads back as `value` (what was typed), as a rational; nullopt for
// non-finite values and decimals too long for 128 bits.
[[nodiscard]] std::optional<Rational> from_double(double value);
// The same by printing the shortest round-trip text and reading its digits back: what from_double
// falls back to for long decimals, and the second method its tests compare it with.
[[nodiscard]] std::optional<Rational> from_double_text(double value);

[[nodiscard]] std::optional<Rational> add(const Rational& a, const Rational& b);
[[nodiscard]] std::optional<Rational> sub(const Rational& a, const Rational& b);
[[nodiscard]] std::optional<Rational> mul(const Rational& a, const Rational& b);
[[nodiscard]] std::optional<Rational> div(const Rational& a, const Rational& b);  // nullopt when b is 0
// -1, 0 or 1; nullopt on overflow.
[[nodiscard]] std::optional<int> compare(const Rational& a, const Rational& b);

// A value of the subset: null, a boolean or a number.
struct Value {
  enum class Kind { kNull, kBool, kNumber } kind = Kind::kNull;
  bool boolean = false;
  Rational number;
};

struct Node;

// A slot's value converted once for Expr::evaluate(const Slot*): absent (no value or null: a var
// reads its default, else null), a value of the subset, or a value outside it (a string, a list),
// which makes an evaluation that reads it give up, as the lookup form does.
struct Slot {
  enum class State : std::uint8_t { kAbsent, kValue, kUnsupported } state = State::kAbsent;
  Value value;

  [[nodiscard]] static Slot of(const nlohmann::json* value);  // nullptr: absent
  [[nodiscard]] static Slot of(const Rational& value);
};

// A value of the 64-bit evaluation: null, a boolean, or a rational whose numerator and denominator
// fit in 64 bits (within ±(2^63 − 1)), in lowest terms (a Program's registers in between need not
// be), denominator > 0. `outside`: anything else (a string, a list, a wider number), which makes an
// evaluation that reads it give up.
struct Value64 {
  Value::Kind kind = Value::Kind::kNull;
  bool boolean = false;
  bool outside = false;
  std::int64_t num = 0;
  std::int64_t den = 1;

  // What Slot::of gives, in 64 bits: nullptr or null is null (absent: a var reads its default).
  [[nodiscard]] static Value64 of(const nlohmann::json* value);
  [[nodiscard]] static Value64 of(const Rational& value);
  // The number as a Rational (kind kNumber): already in lowest terms, no gcd taken.
  [[nodiscard]] Rational rational() const { return Rational::lowest_terms(num, den); }
};

// `to = from` field by field. A value just written field by field and then copied as a whole is
// read back by a 16-byte load over separate 8-, 4- and 2-byte stores, which the processor cannot
// serve from its store buffer: the copy waits for the stores to reach the cache (Program::run and
// the Scorer copy values they have just computed).
inline void assign_fields(Value64& to, const Value64& from) {
  to.kind = from.kind;
  to.boolean = from.boolean;
  to.outside = from.outside;
  to.num = from.num;
  to.den = from.den;
}

// A rule compiled to a flat sequence of instructions over 64-bit values: operands are slots,
// constants or registers (one per inner node), `if`/`and`/`or` are jumps, nothing is allocated or
// copied per evaluation. It computes what the 64-bit tree evaluation computes and gives up (false)
// on a value outside 64 bits, a non-number operand to arithmetic or a division by zero, and then
// Expr::evaluate decides. Its steps leave fractions unreduced and the result is reduced once, when
// the rule returns; a step whose figures would leave 64 bits reduces its operands first and then
// decides as the tree evaluation's reducing step does. See Expr::program().
class Program {
 public:
  // `slots` indexed by slot number, absent ones as null; `registers` holds at least
  // registers() values (scratch, overwritten). False: gave up.
  [[nodiscard]] bool run(const Value64* slots, Value64* registers, Value64& out) const;
  [[nodiscard]] std::size_t registers() const { return registers_; }

  struct Ins;
  struct Builder;

  Program();
  ~Program();
  Program(Program&&) noexcept;
  Program& operator=(Program&&) noexcept;

 private:
  friend class Expr;
  std::vector<Ins> code_;
  std::vector<Value64> constants_;
  std::size_t registers_ = 0;
};

// A computed value's rule, compiled once for exact evaluation.
class Expr {
 public:
  // Vars are resolved to slots by `binder` (-1: unknown name, which makes the rule unsupported).
  // Returns null when the rule uses anything outside the subset.
  [[nodiscard]] static std::shared_ptr<const Expr> compile(const nlohmann::json& rule,
                                                           const std::function<int(const std::string&)>& binder);

  // `lookup(slot)` returns the JSON value of a slot or nullptr when absent; `exact_lookup(slot)`, when
  // given, an exact value for a slot that has one (a computed value read by another: its double is
  // only the nearest binary number). nullopt: the exact evaluation gave up (an operand outside the
  // subset at run time, overflow, division by zero); the caller then keeps the floating-point result.
  [[nodiscard]] std::optional<Value> evaluate(const std::function<const nlohmann::json*(int)>& lookup,
                                              const std::function<const Rational*(int)>& exact_lookup = {}) const;

  // The same with every slot the rule reads converted beforehand (`slots` indexed by slot; see
  // slots()): no call per var, no conversion per read. Equal to the lookup form on the same data.
  [[nodiscard]] std::optional<Value> evaluate(const Slot* slots) const;

  // The slots the rule reads, each once, ascending.
  [[nodiscard]] const std::vector<int>& slots() const { return slots_; }

  // The rule as a flat program over 64-bit values (see Program): when it runs, its result is
  // evaluate()'s on the same slots; when it gives up, evaluate() decides.
  [[nodiscard]] const Program& program() const { return *program_; }

  Expr(std::shared_ptr<const Node> root, std::vector<int> slots);

 private:
  std::shared_ptr<const Node> root_;
  std::vector<int> slots_;
  std::shared_ptr<const Program> program_;
};

}  // namespace assess::exact
