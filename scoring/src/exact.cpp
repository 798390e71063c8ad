#include "scoring/exact.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <vector>

namespace assess::exact {
namespace {

Int abs_of(Int v) {
  return v < 0 ? -v : v;
}

constexpr Int kMax64 = static_cast<Int>(std::numeric_limits<std::int64_t>::max());

bool fits64(Int v) {
  return v <= kMax64 && v >= -kMax64;
}

// gcd(0, b) = b. Operands below 2^32 (typed figures and the denominators of decimals: the usual
// case) by Euclid's algorithm on 32-bit divisions, which current processors do in a few cycles and
// which takes few steps when one operand is much smaller (a decimal's 10^k); wider ones by binary
// gcd (Stein): shifts and subtractions instead of a 64-bit division per step. Measured in the
// Scorer's random SME answer sets, where each division of decimals takes a gcd or two (issue 13).
std::uint64_t gcd64(std::uint64_t a, std::uint64_t b) {
  if (a == 0) return b;
  if (b == 0) return a;
  if (((a | b) >> 32) == 0) {
    auto x = static_cast<std::uint32_t>(a);
    auto y = static_cast<std::uint32_t>(b);
    while (y != 0) {
      const std::uint32_t rest = x % y;
      x = y;
      y = rest;
    }
    return x;
  }
  const int shift = __builtin_ctzll(a | b);
  a >>= __builtin_ctzll(a);
  do {
    b >>= __builtin_ctzll(b);
    if (a > b) std::swap(a, b);
    b -= a;
  } while (b != 0);
  return a << shift;
}

Int gcd_of(Int a, Int b) {
  a = abs_of(a);
  b = abs_of(b);
  // Typed business figures fit in 64 bits: a 64-bit gcd avoids libgcc's 128-bit division.
  if (a <= kMax64 && b <= kMax64) {
    return static_cast<Int>(gcd64(static_cast<std::uint64_t>(a), static_cast<std::uint64_t>(b)));
  }
  while (b != 0) {
    const Int t = a % b;
    a = b;
    b = t;
  }
  return a;
}

// a / b, exact (b divides a), in 64 bits when both fit. Callers divide by a gcd > 1; a zero divisor
// gives 0 rather than undefined behaviour, should that ever change.
Int divide(Int a, Int b) {
  if (b == 0) return 0;
  if (fits64(a) && fits64(b)) {
    const auto d = static_cast<std::int64_t>(b);
    if (d != 0) return static_cast<Int>(static_cast<std::int64_t>(a) / d);
  }
  // b != 0 is checked above; clang-analyzer does not follow that through a 128-bit comparison.
  return a / b;  // NOLINT(clang-analyzer-core.DivideZero)
}

// The smallest value; its negation overflows, so every operation refuses it.
constexpr Int kMin = static_cast<Int>(static_cast<UInt>(1) << 127);

std::optional<Int> checked_mul(Int a, Int b) {
  // Two factors within ±(2^63 − 1) give a product within ±2^126: no overflow, never kMin.
  if (fits64(a) && fits64(b)) return a * b;
  Int out = 0;
  if (__builtin_mul_overflow(a, b, &out) || out == kMin) return std::nullopt;
  return out;
}

std::optional<Int> checked_add(Int a, Int b) {
  if (fits64(a) && fits64(b)) return a + b;  // within ±2^64: no overflow
  Int out = 0;
  if (__builtin_add_overflow(a, b, &out) || out == kMin) return std::nullopt;
  return out;
}

std::optional<Int> power_of_ten(int exponent) {
  if (exponent < 0 || exponent > 38) return std::nullopt;
  Int out = 1;
  for (int i = 0; i < exponent; ++i) out *= 10;
  return out;
}

}  // namespace

std::optional<Rational> Rational::make(Int num, Int den) {
  if (den == 0 || num == kMin || den == kMin) return std::nullopt;
  if (den < 0) {
    num = -num;
    den = -den;
  }
  if (den == 1) return Rational(num, den);
  const Int g = gcd_of(num, den);
  if (g > 1) {
    num = divide(num, g);
    den = divide(den, g);
  }
  return Rational(num, den);
}

double Rational::to_double() const {
  // Both conversions to long double are exact below 2^64: the 64-bit one avoids libgcc's call.
  if (fits64(num_) && fits64(den_)) {
    return quotient_to_double(static_cast<std::int64_t>(num_), static_cast<std::int64_t>(den_));
  }
  return static_cast<double>(static_cast<long double>(num_) / static_cast<long double>(den_));
}

std::string Rational::to_string() const {
  auto digits = [](Int v) {
    if (v == 0) return std::string("0");
    const bool negative = v < 0;
    UInt u = negative ? static_cast<UInt>(-v) : static_cast<UInt>(v);
    std::string s;
    while (u > 0) {
      s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
      u /= 10;
    }
    return negative ? "-" + s : s;
  };
  return den_ == 1 ? digits(num_) : digits(num_) + "/" + digits(den_);
}

namespace {

// Powers of ten that doubles hold exactly.
constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
constexpr std::int64_t kPow10Int[] = {
    1,         10,         100,         1000,         10000,         100000,         1000000,         10000000,
    100000000, 1000000000, 10000000000, 100000000000, 1000000000000, 10000000000000, 100000000000000, 1000000000000000};

// The shortest decimal m × 10^−k (k = 1..15, |m| < 2^53) that reads back as `value`, found without
// printing: m ÷ 10^k with both exact in a double is one correctly rounded division, so it equals
// `value` exactly when the decimal reads back as `value`. The fewest digits after the point is the
// fewest significant digits (what the shortest round trip prints); when two decimals of that length
// read back as `value`, printing would pick the nearer one, and this gives up (nullopt) and leaves
// it to the text path, as it does for anything longer.
// Its digits: |value| = m ÷ 10^k (false: gave up).
bool short_decimal_digits(double value, std::int64_t& m_out, int& k_out) {
  const double v = std::fabs(value);
  for (int k = 1; k <= 15; ++k) {
    const double p = kPow10[k];
    const double guess = std::nearbyint(v * p);
    if (guess > 9007199254740990.0) return false;  // m ± 1 must stay exact
    int found = 0;
    double m = 0;
    for (const double candidate : {guess - 1, guess, guess + 1}) {
      if (candidate > 0 && candidate / p == v) {
        ++found;
        m = candidate;
      }
    }
    if (found > 1) return false;
    if (found == 1) {
      m_out = static_cast<std::int64_t>(m);
      k_out = k;
      return true;
    }
  }
  return false;
}

std::optional<Rational> short_decimal(double value) {
  std::int64_t m = 0;
  int k = 0;
  if (!short_decimal_digits(value, m, k)) return std::nullopt;
  return Rational::make(value < 0 ? -m : m, kPow10Int[k]);
}

}  // namespace

std::optional<Rational> from_double(double value) {
  if (!std::isfinite(value)) return std::nullopt;
  // A whole number below 2^53 is exactly what was typed; the text round trip below would give the same.
  if (std::fabs(value) < 9007199254740992.0 && value == std::trunc(value)) {
    return Rational::integer(static_cast<long long>(value));
  }
  if (auto r = short_decimal(value)) return r;
  return from_double_text(value);
}

std::optional<Rational> from_double_text(double value) {
  if (!std::isfinite(value)) return std::nullopt;
  if (std::fabs(value) < 9007199254740992.0 && value == std::trunc(value)) {
    return Rational::integer(static_cast<long long>(value));
  }
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);  // shortest round trip
  if (ec != std::errc()) return std::nullopt;
  const char* p = buffer;
  bool negative = false;
  if (p < end && *p == '-') {
    negative = true;
    ++p;
  }
  Int mantissa = 0;
  int scale = 0;  // value = mantissa × 10^scale
  bool fraction = false;
  for (; p < end && *p != 'e'; ++p) {
    if (*p == '.') {
      fraction = true;
      continue;
    }
    auto next = checked_mul(mantissa, 10);
    if (!next) return std::nullopt;
    mantissa = *next + (*p - '0');
    if (fraction) --scale;
  }
  if (p < end && *p == 'e') {
    int exponent = 0;
    const char* start = p + 1;
    if (start < end && *start == '+') ++start;
    if (std::from_chars(start, end, exponent).ec != std::errc()) return std::nullopt;
    scale += exponent;
  }
  if (negative) mantissa = -mantissa;
  if (scale >= 0) {
    auto factor = power_of_ten(scale);
    if (!factor) return std::nullopt;
    auto num = checked_mul(mantissa, *factor);
    if (!num) return std::nullopt;
    return Rational::make(*num, 1);
  }
  auto den = power_of_ten(-scale);
  if (!den) return std::nullopt;
  return Rational::make(mantissa, *den);
}

std::optional<Rational> add(const Rational& a, const Rational& b) {
  if (a.den() == 1 && b.den() == 1) {
    auto num = checked_add(a.num(), b.num());
    if (!num) return std::nullopt;
    return Rational::make(*num, 1);
  }
  const Int g = gcd_of(a.den(), b.den());
  auto left = checked_mul(a.num(), divide(b.den(), g));
  auto right = checked_mul(b.num(), divide(a.den(), g));
  auto den = checked_mul(divide(a.den(), g), b.den());
  if (!left || !right || !den) return std::nullopt;
  auto num = checked_add(*left, *right);
  if (!num) return std::nullopt;
  return Rational::make(*num, *den);
}

std::optional<Rational> sub(const Rational& a, const Rational& b) {
  auto negated = Rational::make(-b.num(), b.den());
  if (!negated) return std::nullopt;
  return add(a, *negated);
}

std::optional<Rational> mul(const Rational& a, const Rational& b) {
  const Int g1 = a.num() == 0 ? 1 : gcd_of(a.num(), b.den());
  const Int g2 = b.num() == 0 ? 1 : gcd_of(b.num(), a.den());
  auto num = checked_mul(divide(a.num(), g1), divide(b.num(), g2));
  auto den = checked_mul(divide(a.den(), g2), divide(b.den(), g1));
  if (!num || !den) return std::nullopt;
  return Rational::make(*num, *den);
}

std::optional<Rational> div(const Rational& a, const Rational& b) {
  if (b.is_zero()) return std::nullopt;
  auto inverse = Rational::make(b.den(), b.num());
  if (!inverse) return std::nullopt;
  return mul(a, *inverse);
}

std::optional<int> compare(const Rational& a, const Rational& b) {
  auto left = checked_mul(a.num(), b.den());
  auto right = checked_mul(b.num(), a.den());
  if (!left || !right) return std::nullopt;
  return *left < *right ? -1 : (*left > *right ? 1 : 0);
}

// ---- expressions ----

enum class Op {
  kLiteral,
  kVar,
  kIf,
  kOr,
  kAnd,
  kNot,
  kTruthy,
  kEq,
  kNe,
  kStrictEq,
  kStrictNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMin,
  kMax
};

struct Flat;

struct Node {
  Op op = Op::kLiteral;
  Value literal;  // kLiteral; kVar: the default
  bool has_default = false;
  int slot = -1;
  std::vector<std::shared_ptr<const Node>> args;
  std::shared_ptr<const Flat> flat;  // the root only: the same rule as a flat array (see eval64)
};

// ---- the 64-bit evaluation ----
//
// Typed business figures and the rationals computed from them fit in 64 bits. While they do, a rule
// is evaluated over a flat array of nodes with 64-bit rationals (no 128-bit arithmetic, no copies of
// wide values). Each operation gives the exact result in lowest terms, like the 128-bit one: from
// operands within ±(2^63 − 1) none of the 128-bit operations can overflow (products stay within
// 2^126), so both give the same canonical rational. When anything falls outside (a result wider
// than 64 bits, a string operand, a division by zero: whatever the 128-bit evaluation might refuse),
// the 64-bit evaluation gives up and the rule is evaluated by the general code, which decides.

using Small = Value64;

struct Flat {
  struct Item {
    Op op = Op::kLiteral;
    bool has_default = false;
    bool literal_fits = true;  // the literal (or default) has a 64-bit form
    int slot = -1;
    Small literal;
    std::uint32_t first = 0;  // children: kids[first .. first + count)
    std::uint32_t count = 0;
  };
  std::vector<Item> items;  // items[0] is the root
  std::vector<std::uint32_t> kids;
};

namespace {

using Json = nlohmann::json;
using NodePtr = std::shared_ptr<const Node>;

std::optional<Value> literal_of(const Json& j) {
  Value v;
  if (j.is_null()) return v;
  if (j.is_boolean()) {
    v.kind = Value::Kind::kBool;
    v.boolean = j.get<bool>();
    return v;
  }
  if (j.is_number_unsigned()) {
    const auto u = j.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<long long>::max())) return std::nullopt;
    v.kind = Value::Kind::kNumber;
    v.number = Rational::integer(static_cast<long long>(u));
    return v;
  }
  if (j.is_number_integer()) {
    v.kind = Value::Kind::kNumber;
    v.number = Rational::integer(j.get<long long>());
    return v;
  }
  if (j.is_number_float()) {
    auto r = from_double(j.get<double>());
    if (!r) return std::nullopt;
    v.kind = Value::Kind::kNumber;
    v.number = *r;
    return v;
  }
  return std::nullopt;
}

NodePtr compile_node(const Json& rule, const std::function<int(const std::string&)>& binder, int depth) {
  if (depth > 256) return nullptr;
  if (!rule.is_object()) {
    auto v = literal_of(rule);
    if (!v) return nullptr;
    auto node = std::make_shared<Node>();
    node->literal = *v;
    return node;
  }
  if (rule.size() != 1) return nullptr;
  const std::string& name = rule.begin().key();
  const Json& raw = rule.begin().value();
  static const std::vector<std::pair<std::string, Op>> kOps = {
      {"var", Op::kVar},      {"if", Op::kIf},     {"?:", Op::kIf}, {"or", Op::kOr}, {"and", Op::kAnd},
      {"!", Op::kNot},        {"!!", Op::kTruthy}, {"==", Op::kEq}, {"!=", Op::kNe}, {"===", Op::kStrictEq},
      {"!==", Op::kStrictNe}, {"<", Op::kLt},      {"<=", Op::kLe}, {">", Op::kGt},  {">=", Op::kGe},
      {"+", Op::kAdd},        {"-", Op::kSub},     {"*", Op::kMul}, {"/", Op::kDiv}, {"min", Op::kMin},
      {"max", Op::kMax}};
  auto node = std::make_shared<Node>();
  bool known = false;
  for (const auto& [op_name, op] : kOps) {
    if (op_name == name) {
      node->op = op;
      known = true;
      break;
    }
  }
  if (!known) return nullptr;
  Json args = raw.is_array() ? raw : Json::array({raw});
  if (node->op == Op::kVar) {
    if (args.empty() || args.size() > 2 || !args[0].is_string()) return nullptr;
    const std::string path = args[0].get<std::string>();
    if (path.find('.') != std::string::npos) return nullptr;
    node->slot = binder(path);
    if (node->slot < 0) return nullptr;
    if (args.size() == 2) {
      auto d = literal_of(args[1]);
      if (!d) return nullptr;
      node->literal = *d;
      node->has_default = true;
    }
    return node;
  }
  const std::size_t n = args.size();
  switch (node->op) {
    case Op::kNot:
    case Op::kTruthy:
      if (n != 1) return nullptr;
      break;
    case Op::kEq:
    case Op::kNe:
    case Op::kStrictEq:
    case Op::kStrictNe:
    case Op::kGt:
    case Op::kGe:
    case Op::kDiv:
      if (n != 2) return nullptr;
      break;
    case Op::kLt:
    case Op::kLe:
      if (n != 2 && n != 3) return nullptr;
      break;
    case Op::kSub:
      if (n != 1 && n != 2) return nullptr;
      break;
    case Op::kMul:
    case Op::kMin:
    case Op::kMax:
    case Op::kOr:
    case Op::kAnd:
      if (n == 0) return nullptr;
      break;
    default:
      break;
  }
  for (const Json& a : args) {
    auto child = compile_node(a, binder, depth + 1);
    if (!child) return nullptr;
    node->args.push_back(std::move(child));
  }
  return node;
}

bool truthy(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNull:
      return false;
    case Value::Kind::kBool:
      return v.boolean;
    case Value::Kind::kNumber:
      return !v.number.is_zero();
  }
  return false;
}

Value number(const Rational& r) {
  Value v;
  v.kind = Value::Kind::kNumber;
  v.number = r;
  return v;
}

Value boolean(bool b) {
  Value v;
  v.kind = Value::Kind::kBool;
  v.boolean = b;
  return v;
}

// Relational comparisons convert null to 0 and booleans to 0/1, as JavaScript's ToNumber does.
Rational as_number(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNull:
      return Rational::integer(0);
    case Value::Kind::kBool:
      return Rational::integer(v.boolean ? 1 : 0);
    case Value::Kind::kNumber:
      return v.number;
  }
  return Rational::integer(0);
}

// Loose equality (==) over the subset: null equals only null; booleans compare as numbers.
std::optional<bool> loose_equal(const Value& a, const Value& b) {
  if (a.kind == Value::Kind::kNull || b.kind == Value::Kind::kNull) return a.kind == b.kind;
  auto c = compare(as_number(a), as_number(b));
  if (!c) return std::nullopt;
  return *c == 0;
}

std::optional<bool> strict_equal(const Value& a, const Value& b) {
  if (a.kind != b.kind) return false;
  if (a.kind == Value::Kind::kNull) return true;
  if (a.kind == Value::Kind::kBool) return a.boolean == b.boolean;
  auto c = compare(a.number, b.number);
  if (!c) return std::nullopt;
  return *c == 0;
}

// A var read through the caller's functions (Expr::evaluate with lookups).
struct Lookup {
  const std::function<const Json*(int)>& json;
  const std::function<const Rational*(int)>& exact;

  std::optional<Value> var(const Node& node) const {
    if (exact) {
      if (const Rational* r = exact(node.slot)) return number(*r);
    }
    const Json* j = json(node.slot);
    if (j == nullptr || j->is_null()) {
      if (node.has_default) return node.literal;
      return Value{};
    }
    return literal_of(*j);
  }
};

// A var read from slots converted beforehand (Expr::evaluate with slots): the same values as Lookup
// gives for the same data, each converted once.
struct SlotLookup {
  const Slot* slots;

  std::optional<Value> var(const Node& node) const {
    const Slot& s = slots[node.slot];
    switch (s.state) {
      case Slot::State::kValue:
        return s.value;
      case Slot::State::kAbsent:
        if (node.has_default) return node.literal;
        return Value{};
      case Slot::State::kUnsupported:
        break;
    }
    return std::nullopt;
  }
};

template <typename L>
std::optional<Value> eval(const Node& node, const L& lookup);

// Arithmetic operands must be numbers; anything else leaves it to the floating-point engine, whose
// coercions (parseFloat for + and *) the subset does not repeat.
template <typename L>
std::optional<Rational> eval_number(const Node& node, const L& lookup) {
  auto v = eval(node, lookup);
  if (!v || v->kind != Value::Kind::kNumber) return std::nullopt;
  return v->number;
}

template <typename L>
std::optional<Value> eval(const Node& node, const L& lookup) {
  const auto& args = node.args;
  switch (node.op) {
    case Op::kLiteral:
      return node.literal;
    case Op::kVar:
      return lookup.var(node);
    case Op::kIf: {
      std::size_t i = 0;
      for (; i + 1 < args.size(); i += 2) {
        auto c = eval(*args[i], lookup);
        if (!c) return std::nullopt;
        if (truthy(*c)) return eval(*args[i + 1], lookup);
      }
      if (i < args.size()) return eval(*args[i], lookup);
      return Value{};
    }
    case Op::kOr:
    case Op::kAnd: {
      std::optional<Value> last;
      for (const auto& a : args) {
        last = eval(*a, lookup);
        if (!last) return std::nullopt;
        if (truthy(*last) == (node.op == Op::kOr)) return last;
      }
      return last;
    }
    case Op::kNot:
    case Op::kTruthy: {
      auto v = eval(*args[0], lookup);
      if (!v) return std::nullopt;
      return boolean(truthy(*v) == (node.op == Op::kTruthy));
    }
    case Op::kEq:
    case Op::kNe:
    case Op::kStrictEq:
    case Op::kStrictNe: {
      auto a = eval(*args[0], lookup);
      auto b = eval(*args[1], lookup);
      if (!a || !b) return std::nullopt;
      const bool strict = node.op == Op::kStrictEq || node.op == Op::kStrictNe;
      auto equal = strict ? strict_equal(*a, *b) : loose_equal(*a, *b);
      if (!equal) return std::nullopt;
      return boolean(*equal == (node.op == Op::kEq || node.op == Op::kStrictEq));
    }
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe: {
      // Two or three operands (checked on compile), all evaluated before any comparison.
      Rational xs[3];
      const std::size_t count = std::min<std::size_t>(args.size(), 3);
      for (std::size_t i = 0; i < count; ++i) {
        auto v = eval(*args[i], lookup);
        if (!v) return std::nullopt;
        xs[i] = as_number(*v);
      }
      for (std::size_t i = 0; i + 1 < count; ++i) {
        auto c = compare(xs[i], xs[i + 1]);
        if (!c) return std::nullopt;
        bool holds = false;
        switch (node.op) {
          case Op::kLt:
            holds = *c < 0;
            break;
          case Op::kLe:
            holds = *c <= 0;
            break;
          case Op::kGt:
            holds = *c > 0;
            break;
          default:
            holds = *c >= 0;
            break;
        }
        if (!holds) return boolean(false);
      }
      return boolean(true);
    }
    case Op::kAdd:
    case Op::kMul: {
      Rational acc = Rational::integer(node.op == Op::kAdd ? 0 : 1);
      for (const auto& a : args) {
        auto x = eval_number(*a, lookup);
        if (!x) return std::nullopt;
        auto next = node.op == Op::kAdd ? add(acc, *x) : mul(acc, *x);
        if (!next) return std::nullopt;
        acc = *next;
      }
      return number(acc);
    }
    case Op::kSub: {
      auto a = eval_number(*args[0], lookup);
      if (!a) return std::nullopt;
      if (args.size() == 1) {
        auto r = sub(Rational::integer(0), *a);
        if (!r) return std::nullopt;
        return number(*r);
      }
      auto b = eval_number(*args[1], lookup);
      if (!b) return std::nullopt;
      auto r = sub(*a, *b);
      if (!r) return std::nullopt;
      return number(*r);
    }
    case Op::kDiv: {
      auto a = eval_number(*args[0], lookup);
      auto b = eval_number(*args[1], lookup);
      if (!a || !b) return std::nullopt;
      auto r = div(*a, *b);  // division by zero: left to the floating-point engine (not finite → null)
      if (!r) return std::nullopt;
      return number(*r);
    }
    case Op::kMin:
    case Op::kMax: {
      std::optional<Rational> best;
      for (const auto& a : args) {
        auto x = eval_number(*a, lookup);
        if (!x) return std::nullopt;
        if (!best) {
          best = x;
          continue;
        }
        auto c = compare(*x, *best);
        if (!c) return std::nullopt;
        if ((node.op == Op::kMin && *c < 0) || (node.op == Op::kMax && *c > 0)) best = x;
      }
      return number(*best);
    }
  }
  return std::nullopt;
}

// ---- the 64-bit evaluation (see Flat) ----

constexpr std::int64_t kMaxSmall = std::numeric_limits<std::int64_t>::max();

bool fits_small(Int v) {
  return v <= kMaxSmall && v >= -kMaxSmall;
}

// The 64-bit form of a value; false when its rational is wider.
bool small_of(const Value& v, Small& out) {
  out.kind = v.kind;
  out.boolean = v.boolean;
  if (v.kind != Value::Kind::kNumber) return true;
  if (!fits_small(v.number.num()) || !fits_small(v.number.den())) return false;
  out.num = static_cast<std::int64_t>(v.number.num());
  out.den = static_cast<std::int64_t>(v.number.den());
  return true;
}

Value to_value(const Small& s) {
  Value v;
  v.kind = s.kind;
  v.boolean = s.boolean;
  if (s.kind == Value::Kind::kNumber) v.number = s.rational();  // in lowest terms already
  return v;
}

std::uint64_t magnitude(std::int64_t v) {
  return v < 0 ? static_cast<std::uint64_t>(-v) : static_cast<std::uint64_t>(v);
}

bool small_number(Int num, Int den, Small& out) {
  if (!fits_small(num) || !fits_small(den)) return false;
  out.kind = Value::Kind::kNumber;
  out.boolean = false;
  out.num = static_cast<std::int64_t>(num);
  out.den = static_cast<std::int64_t>(den);
  return true;
}

// Exact sum of two rationals in lowest terms (Knuth, TAOCP 4.5.1), in lowest terms.
bool small_add(const Small& a, const Small& b, Small& out) {
  if (a.den == 1 && b.den == 1) return small_number(static_cast<Int>(a.num) + b.num, 1, out);
  const auto d1 =
      static_cast<std::int64_t>(gcd64(static_cast<std::uint64_t>(a.den), static_cast<std::uint64_t>(b.den)));
  if (d1 == 1) {  // no division by 1 (a 64-bit division costs tens of cycles)
    const Int t = static_cast<Int>(a.num) * b.den + static_cast<Int>(b.num) * a.den;
    if (t == 0) return small_number(0, 1, out);
    return small_number(t, static_cast<Int>(a.den) * b.den, out);
  }
  const Int t = static_cast<Int>(a.num) * (b.den / d1) + static_cast<Int>(b.num) * (a.den / d1);
  if (t == 0) return small_number(0, 1, out);
  if (!fits_small(t)) return false;  // the general code decides
  const auto t64 = static_cast<std::int64_t>(t);
  const auto d2 =
      static_cast<std::int64_t>(gcd64(magnitude(t64) % static_cast<std::uint64_t>(d1), static_cast<std::uint64_t>(d1)));
  return small_number(t64 / d2, static_cast<Int>(a.den / d1) * (b.den / d2), out);
}

// Exact product of two rationals in lowest terms, in lowest terms (cross-cancelled first).
bool small_mul(const Small& a, const Small& b, Small& out) {
  if (a.num == 0 || b.num == 0) return small_number(0, 1, out);
  std::int64_t an = a.num;
  std::int64_t ad = a.den;
  std::int64_t bn = b.num;
  std::int64_t bd = b.den;
  // Dividing only by a common factor other than 1 (a 64-bit division costs tens of cycles).
  if (bd != 1) {
    const auto g1 = static_cast<std::int64_t>(gcd64(magnitude(an), static_cast<std::uint64_t>(bd)));
    if (g1 != 1) {
      an /= g1;
      bd /= g1;
    }
  }
  if (ad != 1) {
    const auto g2 = static_cast<std::int64_t>(gcd64(magnitude(bn), static_cast<std::uint64_t>(ad)));
    if (g2 != 1) {
      bn /= g2;
      ad /= g2;
    }
  }
  return small_number(static_cast<Int>(an) * bn, static_cast<Int>(ad) * bd, out);
}

int small_compare(const Small& a, const Small& b) {
  if (a.den == 1 && b.den == 1) return a.num < b.num ? -1 : (a.num > b.num ? 1 : 0);
  const Int left = static_cast<Int>(a.num) * b.den;
  const Int right = static_cast<Int>(b.num) * a.den;
  return left < right ? -1 : (left > right ? 1 : 0);
}

Small small_bool(bool b) {
  Small s;
  s.kind = Value::Kind::kBool;
  s.boolean = b;
  return s;
}

bool small_truthy(const Small& v) {
  switch (v.kind) {
    case Value::Kind::kNull:
      return false;
    case Value::Kind::kBool:
      return v.boolean;
    case Value::Kind::kNumber:
      return v.num != 0;
  }
  return false;
}

Small small_as_number(const Small& v) {
  Small out;
  out.kind = Value::Kind::kNumber;
  if (v.kind == Value::Kind::kNumber) {
    out.num = v.num;
    out.den = v.den;
  } else if (v.kind == Value::Kind::kBool) {
    out.num = v.boolean ? 1 : 0;
  }
  return out;
}

// Whether a comparison's result `c` (<0, 0, >0) satisfies <, <=, > or >= (`less`, `or_equal`): one
// meaning for the tree evaluation and the flat program.
bool order_holds(int c, bool less, bool or_equal) {
  if (c == 0) return or_equal;
  return less ? c < 0 : c > 0;
}

// JsonLogic's === (strict) or == on two 64-bit values, as eval() decides them: strict equality needs
// the same kind; loose equality holds null only to null and compares the rest as numbers.
bool small_equal(const Small& a, const Small& b, bool strict) {
  if (strict) {
    if (a.kind != b.kind) return false;
    if (a.kind == Value::Kind::kNull) return true;
    if (a.kind == Value::Kind::kBool) return a.boolean == b.boolean;
    return small_compare(a, b) == 0;
  }
  if (a.kind == Value::Kind::kNull || b.kind == Value::Kind::kNull) return a.kind == b.kind;
  return small_compare(small_as_number(a), small_as_number(b)) == 0;
}

// Mirrors eval() operator by operator; returns false to give the rule to eval().
struct Eval64 {
  const Flat& flat;
  const Slot* slots;

  bool number(std::uint32_t index, Small& out) const { return arg(index, out) && out.kind == Value::Kind::kNumber; }

  // An operand: a var or a literal is read in place, anything else evaluated.
  bool arg(std::uint32_t index, Small& out) const {
    const Flat::Item& node = flat.items[index];
    if (node.op == Op::kVar) return var(node, out);
    if (node.op == Op::kLiteral) {
      out = node.literal;
      return node.literal_fits;
    }
    return run(index, out);
  }

  bool var(const Flat::Item& node, Small& out) const {
    const Slot& s = slots[node.slot];
    switch (s.state) {
      case Slot::State::kValue:
        return small_of(s.value, out);
      case Slot::State::kAbsent:
        if (node.has_default) {
          out = node.literal;
          return node.literal_fits;
        }
        out = Small{};
        return true;
      case Slot::State::kUnsupported:
        break;
    }
    return false;
  }

  bool run(std::uint32_t index, Small& out) const {
    const Flat::Item& node = flat.items[index];
    const std::uint32_t* args = flat.kids.data() + node.first;
    const std::uint32_t n = node.count;
    switch (node.op) {
      case Op::kLiteral:
        out = node.literal;
        return node.literal_fits;
      case Op::kVar:
        return var(node, out);
      case Op::kIf: {
        std::uint32_t i = 0;
        for (; i + 1 < n; i += 2) {
          Small c;
          if (!arg(args[i], c)) return false;
          if (small_truthy(c)) return arg(args[i + 1], out);
        }
        if (i < n) return arg(args[i], out);
        out = Small{};
        return true;
      }
      case Op::kOr:
      case Op::kAnd: {
        for (std::uint32_t i = 0; i < n; ++i) {
          if (!arg(args[i], out)) return false;
          if (small_truthy(out) == (node.op == Op::kOr)) return true;
        }
        return true;
      }
      case Op::kNot:
      case Op::kTruthy: {
        Small v;
        if (!arg(args[0], v)) return false;
        out = small_bool(small_truthy(v) == (node.op == Op::kTruthy));
        return true;
      }
      case Op::kEq:
      case Op::kNe:
      case Op::kStrictEq:
      case Op::kStrictNe: {
        Small a;
        Small b;
        if (!arg(args[0], a) || !arg(args[1], b)) return false;
        const bool equal = small_equal(a, b, node.op == Op::kStrictEq || node.op == Op::kStrictNe);
        out = small_bool(equal == (node.op == Op::kEq || node.op == Op::kStrictEq));
        return true;
      }
      case Op::kLt:
      case Op::kLe:
      case Op::kGt:
      case Op::kGe: {
        Small xs[3];
        const std::uint32_t count = std::min<std::uint32_t>(n, 3);
        for (std::uint32_t i = 0; i < count; ++i) {
          Small v;
          if (!arg(args[i], v)) return false;
          xs[i] = small_as_number(v);
        }
        for (std::uint32_t i = 0; i + 1 < count; ++i) {
          const bool holds = order_holds(small_compare(xs[i], xs[i + 1]), node.op == Op::kLt || node.op == Op::kLe,
                                         node.op == Op::kLe || node.op == Op::kGe);
          if (!holds) {
            out = small_bool(false);
            return true;
          }
        }
        out = small_bool(true);
        return true;
      }
      case Op::kAdd:
      case Op::kMul: {
        Small acc;
        acc.kind = Value::Kind::kNumber;
        acc.num = node.op == Op::kAdd ? 0 : 1;
        for (std::uint32_t i = 0; i < n; ++i) {
          Small x;
          if (!number(args[i], x)) return false;
          Small next;
          if (!(node.op == Op::kAdd ? small_add(acc, x, next) : small_mul(acc, x, next))) return false;
          acc = next;
        }
        out = acc;
        return true;
      }
      case Op::kSub: {
        Small a;
        if (!number(args[0], a)) return false;
        if (n == 1) {
          a.num = -a.num;
          out = a;
          return true;
        }
        Small b;
        if (!number(args[1], b)) return false;
        b.num = -b.num;
        return small_add(a, b, out);
      }
      case Op::kDiv: {
        Small a;
        Small b;
        if (!number(args[0], a) || !number(args[1], b) || b.num == 0) return false;
        Small inverse = b;
        inverse.num = b.num < 0 ? -b.den : b.den;
        inverse.den = b.num < 0 ? -b.num : b.num;
        return small_mul(a, inverse, out);
      }
      case Op::kMin:
      case Op::kMax: {
        for (std::uint32_t i = 0; i < n; ++i) {
          Small x;
          if (!number(args[i], x)) return false;
          if (i == 0) {
            out = x;
            continue;
          }
          const int c = small_compare(x, out);
          if ((node.op == Op::kMin && c < 0) || (node.op == Op::kMax && c > 0)) out = x;
        }
        return true;
      }
    }
    return false;
  }
};

}  // namespace

namespace {

// Appends `node` and its subtree to `flat` (children after their parent); returns its index.
std::uint32_t flatten(const Node& node, Flat& flat) {
  const auto index = static_cast<std::uint32_t>(flat.items.size());
  flat.items.emplace_back();
  Flat::Item item;
  item.op = node.op;
  item.has_default = node.has_default;
  item.slot = node.slot;
  item.literal_fits = small_of(node.literal, item.literal);
  std::vector<std::uint32_t> children;
  for (const auto& a : node.args) children.push_back(flatten(*a, flat));
  item.first = static_cast<std::uint32_t>(flat.kids.size());
  item.count = static_cast<std::uint32_t>(children.size());
  flat.kids.insert(flat.kids.end(), children.begin(), children.end());
  flat.items[index] = item;
  return index;
}

}  // namespace

std::shared_ptr<const Expr> Expr::compile(const nlohmann::json& rule,
                                          const std::function<int(const std::string&)>& binder) {
  auto root = compile_node(rule, binder, 0);
  if (!root) return nullptr;
  std::vector<int> slots;
  const std::function<void(const Node&)> collect = [&](const Node& node) {
    if (node.op == Op::kVar) slots.push_back(node.slot);
    for (const auto& a : node.args) collect(*a);
  };
  collect(*root);
  std::sort(slots.begin(), slots.end());
  slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
  auto flat = std::make_shared<Flat>();
  flatten(*root, *flat);
  auto with_flat = std::make_shared<Node>(*root);
  with_flat->flat = std::move(flat);
  return std::make_shared<const Expr>(std::move(with_flat), std::move(slots));
}

std::optional<Value> Expr::evaluate(const std::function<const nlohmann::json*(int)>& lookup,
                                    const std::function<const Rational*(int)>& exact_lookup) const {
  return eval(*root_, Lookup{lookup, exact_lookup});
}

std::optional<Value> Expr::evaluate(const Slot* slots) const {
  if (root_->flat) {
    Small out;
    if (Eval64{*root_->flat, slots}.run(0, out)) return to_value(out);
  }
  return eval(*root_, SlotLookup{slots});
}

// ---- the flat program (see Program) ----

enum class POp : std::uint8_t {
  kMove,
  kMoveNumber,  // a number, else give up
  kVarDefault,  // a: the slot, b: its default
  kJump,        // to dst
  kJumpIfTruthy,
  kJumpIfFalsy,
  kNot,
  kTruthy,
  kEq,
  kNe,
  kStrictEq,
  kStrictNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAdd,
  kMul,
  kSub,
  kNeg,
  kDiv,
  kMin,
  kMax,
  kReturn,  // the result is a
  kIsNull,  // ==, !=, === or !== with null: whether a is null (`count` 0 inverts it)
};

// An instruction: dst is a register index (a jump's target for jumps); a, b and c are operands,
// each (index << 2) | where, where 0 is a register, 1 a slot, 2 a constant. Operands a jump or a
// unary operation does not use read constant 0 (null), so that `a` can always be read.
struct Program::Ins {
  POp op = POp::kMove;
  std::uint8_t count = 2;  // comparisons: 2 or 3 operands; kIsNull: 1 for == and ===, 0 for != and !==
  // Comparisons, !, !!: 0 writes the boolean to register dst; 1 jumps to dst when it is true, 2 when
  // it is false (a condition whose value nobody reads).
  std::uint8_t jump = 0;
  std::uint32_t dst = 0;
  std::uint32_t a = 2;
  std::uint32_t b = 2;
  std::uint32_t c = 2;
};

Program::Program() = default;
Program::~Program() = default;
Program::Program(Program&&) noexcept = default;
Program& Program::operator=(Program&&) noexcept = default;

// Compiles a Flat (the 64-bit tree evaluation's form of the same rule) node by node, in the order
// Eval64 evaluates them. Every inner node gets its own register; a var without default and a
// literal are read in place.
struct Program::Builder {
  const Flat& flat;
  Program& p;

  static std::uint32_t register_operand(std::size_t index) { return static_cast<std::uint32_t>(index << 2); }
  static std::uint32_t slot_operand(int slot) { return static_cast<std::uint32_t>(slot) << 2 | 1u; }
  static std::uint32_t constant_operand(std::size_t index) { return static_cast<std::uint32_t>(index << 2) | 2u; }

  void build() {
    p.constants_.push_back(Small{});  // constant 0: null
    result(0);
  }

  std::uint32_t new_register() { return static_cast<std::uint32_t>(p.registers_++); }

  std::uint32_t constant(const Small& value, bool fits) {
    Small v = value;
    v.outside = !fits;
    p.constants_.push_back(v);
    return constant_operand(p.constants_.size() - 1);
  }

  std::size_t push(POp op, std::uint32_t dst, std::uint32_t a = 2, std::uint32_t b = 2, std::uint32_t c = 2,
                   std::uint8_t count = 2) {
    Ins in;
    in.op = op;
    in.dst = dst;
    in.a = a;
    in.b = b;
    in.c = c;
    in.count = count;
    p.code_.push_back(in);
    return p.code_.size() - 1;
  }

  std::uint32_t here() const { return static_cast<std::uint32_t>(p.code_.size()); }

  void patch(const std::vector<std::size_t>& jumps) {
    for (std::size_t j : jumps) p.code_[j].dst = here();
  }

  // Node `index` as the program's result: an `if` returns from each branch.
  void result(std::uint32_t index) {
    const Flat::Item& node = flat.items[index];
    if (node.op != Op::kIf) {
      push(POp::kReturn, 0, emit(index));
      return;
    }
    const std::uint32_t* args = flat.kids.data() + node.first;
    const std::uint32_t n = node.count;
    std::uint32_t i = 0;
    for (; i + 1 < n; i += 2) {
      std::vector<std::size_t> skip;
      branch(args[i], false, skip);
      result(args[i + 1]);
      patch(skip);
    }
    if (i < n)
      result(args[i]);
    else
      push(POp::kReturn, 0, constant_operand(0));
  }

  // Node `index` as a condition: its truthiness decides whether to jump (when it equals `when`; the
  // jumps are added to `jumps` for the caller to patch) or to fall through. Its operands are
  // evaluated as far as the value form evaluates them, so the program gives up in the same cases.
  void branch(std::uint32_t index, bool when, std::vector<std::size_t>& jumps) {
    const Flat::Item& node = flat.items[index];
    const std::uint32_t* args = flat.kids.data() + node.first;
    const std::uint32_t n = node.count;
    switch (node.op) {
      case Op::kOr:
      case Op::kAnd: {
        if (n == 0) break;
        // `or` jumps when some operand is truthy, `and` when some is falsy; the last operand decides
        // when none did.
        const bool stop = node.op == Op::kOr;
        if (when == stop) {
          for (std::uint32_t i = 0; i < n; ++i) branch(args[i], when, jumps);
        } else {
          std::vector<std::size_t> decided;
          for (std::uint32_t i = 0; i + 1 < n; ++i) branch(args[i], stop, decided);
          branch(args[n - 1], when, jumps);
          patch(decided);
        }
        return;
      }
      case Op::kNot:
        branch(args[0], !when, jumps);
        return;
      case Op::kTruthy:
        branch(args[0], when, jumps);
        return;
      case Op::kEq:
      case Op::kNe:
      case Op::kStrictEq:
      case Op::kStrictNe:
      case Op::kLt:
      case Op::kLe:
      case Op::kGt:
      case Op::kGe: {
        emit(index);  // the comparison's instruction, turned into a jump (its register is never written)
        p.code_.back().jump = when ? 1 : 2;
        jumps.push_back(p.code_.size() - 1);
        return;
      }
      default:
        break;
    }
    jumps.push_back(push(when ? POp::kJumpIfTruthy : POp::kJumpIfFalsy, 0, emit(index)));
  }

  // The operand that holds node `index`'s value once the instructions emitted so far have run.
  std::uint32_t emit(std::uint32_t index) {
    const Flat::Item& node = flat.items[index];
    const std::uint32_t* args = flat.kids.data() + node.first;
    const std::uint32_t n = node.count;
    switch (node.op) {
      case Op::kLiteral:
        return constant(node.literal, node.literal_fits);
      case Op::kVar: {
        if (!node.has_default) return slot_operand(node.slot);
        const std::uint32_t r = new_register();
        push(POp::kVarDefault, r, slot_operand(node.slot), constant(node.literal, node.literal_fits));
        return register_operand(r);
      }
      case Op::kIf: {
        const std::uint32_t r = new_register();
        std::vector<std::size_t> ends;
        std::uint32_t i = 0;
        for (; i + 1 < n; i += 2) {
          std::vector<std::size_t> skip;
          branch(args[i], false, skip);
          push(POp::kMove, r, emit(args[i + 1]));
          ends.push_back(push(POp::kJump, 0));
          patch(skip);
        }
        push(POp::kMove, r, i < n ? emit(args[i]) : constant_operand(0));
        for (std::size_t e : ends) p.code_[e].dst = here();
        return register_operand(r);
      }
      case Op::kOr:
      case Op::kAnd: {
        const std::uint32_t r = new_register();
        std::vector<std::size_t> ends;
        for (std::uint32_t i = 0; i < n; ++i) {
          push(POp::kMove, r, emit(args[i]));
          if (i + 1 < n)
            ends.push_back(push(node.op == Op::kOr ? POp::kJumpIfTruthy : POp::kJumpIfFalsy, 0, register_operand(r)));
        }
        if (n == 0) push(POp::kMove, r, constant_operand(0));
        for (std::size_t e : ends) p.code_[e].dst = here();
        return register_operand(r);
      }
      case Op::kNot:
      case Op::kTruthy: {
        const std::uint32_t a = emit(args[0]);
        const std::uint32_t r = new_register();
        push(node.op == Op::kNot ? POp::kNot : POp::kTruthy, r, a);
        return register_operand(r);
      }
      case Op::kEq:
      case Op::kNe:
      case Op::kStrictEq:
      case Op::kStrictNe: {
        const std::uint32_t a = emit(args[0]);
        const std::uint32_t b = emit(args[1]);
        const std::uint32_t r = new_register();
        // A comparison with null (loose or strict: both hold exactly when the other side is null).
        const auto is_null_constant = [this](std::uint32_t operand) {
          if ((operand & 3u) != 2u) return false;
          const Small& c = p.constants_[operand >> 2];
          return c.kind == Value::Kind::kNull && !c.outside;
        };
        if (is_null_constant(a) || is_null_constant(b)) {
          const bool equal = node.op == Op::kEq || node.op == Op::kStrictEq;
          push(POp::kIsNull, r, is_null_constant(b) ? a : b, 2, 2, equal ? 1 : 0);
          return register_operand(r);
        }
        const POp op = node.op == Op::kEq         ? POp::kEq
                       : node.op == Op::kNe       ? POp::kNe
                       : node.op == Op::kStrictEq ? POp::kStrictEq
                                                  : POp::kStrictNe;
        push(op, r, a, b);
        return register_operand(r);
      }
      case Op::kLt:
      case Op::kLe:
      case Op::kGt:
      case Op::kGe: {
        const std::uint32_t count = std::min<std::uint32_t>(n, 3);
        std::uint32_t xs[3] = {2, 2, 2};
        for (std::uint32_t i = 0; i < count; ++i) xs[i] = emit(args[i]);
        const std::uint32_t r = new_register();
        const POp op = node.op == Op::kLt   ? POp::kLt
                       : node.op == Op::kLe ? POp::kLe
                       : node.op == Op::kGt ? POp::kGt
                                            : POp::kGe;
        push(op, r, xs[0], xs[1], xs[2], static_cast<std::uint8_t>(count));
        return register_operand(r);
      }
      case Op::kAdd:
      case Op::kMul: {
        // The value form starts from 0 (1) and adds (multiplies) every operand; 0 + x and 1 × x are x
        // exactly (both in lowest terms), so this starts from the first operand, a number.
        const POp op = node.op == Op::kAdd ? POp::kAdd : POp::kMul;
        if (n == 0) {
          Small unit;
          unit.kind = Value::Kind::kNumber;
          unit.num = node.op == Op::kAdd ? 0 : 1;
          const std::uint32_t c = constant(unit, true);
          const std::uint32_t r = new_register();
          push(POp::kMove, r, c);
          return register_operand(r);
        }
        const std::uint32_t first = emit(args[0]);
        if (n == 1) {
          const std::uint32_t r = new_register();
          push(POp::kMoveNumber, r, first);
          return register_operand(r);
        }
        const std::uint32_t second = emit(args[1]);
        const std::uint32_t r = new_register();
        push(op, r, first, second);
        for (std::uint32_t i = 2; i < n; ++i) push(op, r, register_operand(r), emit(args[i]));
        return register_operand(r);
      }
      case Op::kSub: {
        const std::uint32_t a = emit(args[0]);
        const std::uint32_t r = new_register();
        if (n == 1) {
          push(POp::kNeg, r, a);
        } else {
          push(POp::kSub, r, a, emit(args[1]));
        }
        return register_operand(r);
      }
      case Op::kDiv: {
        const std::uint32_t a = emit(args[0]);
        const std::uint32_t b = emit(args[1]);
        const std::uint32_t r = new_register();
        push(POp::kDiv, r, a, b);
        return register_operand(r);
      }
      case Op::kMin:
      case Op::kMax: {
        const std::uint32_t r = new_register();
        for (std::uint32_t i = 0; i < n; ++i) {
          const std::uint32_t x = emit(args[i]);
          if (i == 0)
            push(POp::kMoveNumber, r, x);
          else
            push(node.op == Op::kMin ? POp::kMin : POp::kMax, r, register_operand(r), x);
        }
        return register_operand(r);
      }
    }
    return constant_operand(0);
  }
};

namespace {

// The program's arithmetic leaves its results unreduced (den > 0, both within ±(2^63 − 1)) and takes
// one gcd when the rule returns: a product of two decimals no longer takes two gcds to cross-cancel,
// and a rule of several steps reduces once. Comparisons and truthiness read any num/den alike.
// When a result would leave 64 bits, the operands are reduced and the reducing operation decides,
// so the program gives up only where the reduced arithmetic would (and the tree evaluation then
// decides in 128 bits, as before).
//
// Results are written into their register field by field and copied field by field
// (assign_fields in exact.h): copied as a whole, a value just written stalled the program on every
// step. The helpers are inlined so that a result stays in registers instead of passing through
// memory on its way.
struct Fraction {
  std::int64_t num = 0;
  std::int64_t den = 1;
};

[[gnu::always_inline]] inline Fraction lowest(std::int64_t num, std::int64_t den) {
  if (den == 1) return {num, 1};
  const std::uint64_t m = magnitude(num);
  const auto d = static_cast<std::uint64_t>(den);
  const std::uint64_t g = gcd64(m, d);
  if (g <= 1) return {num, den};
  if (((m | d) >> 32) == 0) {  // 32-bit divisions, as gcd64 took
    const auto g32 = static_cast<std::uint32_t>(g);
    const auto n = static_cast<std::int64_t>(static_cast<std::uint32_t>(m) / g32);
    return {num < 0 ? -n : n, static_cast<std::int64_t>(static_cast<std::uint32_t>(d) / g32)};
  }
  return {num / static_cast<std::int64_t>(g), den / static_cast<std::int64_t>(g)};
}

Small number_of(Fraction f) {
  Small s;
  s.kind = Value::Kind::kNumber;
  s.num = f.num;
  s.den = f.den;
  return s;
}

void put_number(Small& d, Fraction f) {
  d.kind = Value::Kind::kNumber;
  d.boolean = false;
  d.outside = false;
  d.num = f.num;
  d.den = f.den;
}

bool in_range(std::int64_t v) {
  return v != std::numeric_limits<std::int64_t>::min();
}

// The reducing operation (small_add, small_mul) on a and b in lowest terms: where a step's unreduced
// figures leave 64 bits.
bool in_lowest_terms(bool (*op)(const Small&, const Small&, Small&), Fraction a, Fraction b, Fraction& out) {
  Small r;
  if (!op(number_of(lowest(a.num, a.den)), number_of(lowest(b.num, b.den)), r)) return false;
  out = {r.num, r.den};
  return true;
}

// a + b; false: it leaves 64 bits even in lowest terms (small_add gives up).
[[gnu::always_inline]] inline bool lazy_add(Fraction a, Fraction b, Fraction& out) {
  std::int64_t num = 0;
  std::int64_t den = a.den;
  bool overflow = false;
  if (a.den == b.den) {
    overflow = __builtin_add_overflow(a.num, b.num, &num);
  } else {
    std::int64_t x = 0;
    std::int64_t y = 0;
    overflow = __builtin_mul_overflow(a.num, b.den, &x) || __builtin_mul_overflow(b.num, a.den, &y) ||
               __builtin_add_overflow(x, y, &num) || __builtin_mul_overflow(a.den, b.den, &den);
  }
  if (overflow || !in_range(num) || !in_range(den)) return in_lowest_terms(small_add, a, b, out);
  out = {num, num == 0 ? 1 : den};
  return true;
}

// a × b; false: it leaves 64 bits even in lowest terms (small_mul gives up).
[[gnu::always_inline]] inline bool lazy_mul(Fraction a, Fraction b, Fraction& out) {
  std::int64_t num = 0;
  std::int64_t den = 0;
  if (__builtin_mul_overflow(a.num, b.num, &num) || __builtin_mul_overflow(a.den, b.den, &den) || !in_range(num) ||
      !in_range(den)) {
    return in_lowest_terms(small_mul, a, b, out);
  }
  out = {num, num == 0 ? 1 : den};
  return true;
}

}  // namespace

bool Program::run(const Value64* slots, Value64* registers, Value64& out) const {
  const Value64* const base[3] = {registers, slots, constants_.data()};
  const auto at = [&base](std::uint32_t operand) -> const Value64& { return base[operand & 3u][operand >> 2]; };
  const Ins* const code = code_.data();
  const std::size_t size = code_.size();
  std::size_t pc = 0;
  while (pc < size) {
    const Ins& in = code[pc++];
    const Value64& a = at(in.a);
    if (a.outside) return false;
    // A boolean result: into its register, or a jump when the instruction is a condition.
    const auto decide = [&](bool value) {
      if (in.jump == 0)
        registers[in.dst] = small_bool(value);
      else if (value == (in.jump == 1))
        pc = in.dst;
    };
    switch (in.op) {
      case POp::kMove:
        assign_fields(registers[in.dst], a);
        break;
      case POp::kMoveNumber:
        if (a.kind != Value::Kind::kNumber) return false;
        assign_fields(registers[in.dst], a);
        break;
      case POp::kVarDefault:
        if (a.kind == Value::Kind::kNull) {
          const Value64& d = at(in.b);
          if (d.outside) return false;
          assign_fields(registers[in.dst], d);
        } else {
          assign_fields(registers[in.dst], a);
        }
        break;
      case POp::kJump:
        pc = in.dst;
        break;
      case POp::kReturn:
        if (a.kind == Value::Kind::kNumber) {
          put_number(out, lowest(a.num, a.den));
        } else {
          const Value::Kind kind = a.kind;  // read before writing: `out` may be the register `a` is
          const bool boolean = a.boolean;
          put_number(out, Fraction{});
          out.kind = kind;
          out.boolean = boolean;
        }
        return true;
      case POp::kJumpIfTruthy:
        if (small_truthy(a)) pc = in.dst;
        break;
      case POp::kJumpIfFalsy:
        if (!small_truthy(a)) pc = in.dst;
        break;
      case POp::kNot:
      case POp::kTruthy:
        decide(small_truthy(a) == (in.op == POp::kTruthy));
        break;
      case POp::kIsNull:
        decide((a.kind == Value::Kind::kNull) == (in.count == 1));
        break;
      case POp::kEq:
      case POp::kNe:
      case POp::kStrictEq:
      case POp::kStrictNe: {
        const Value64& b = at(in.b);
        if (b.outside) return false;
        const bool equal = small_equal(a, b, in.op == POp::kStrictEq || in.op == POp::kStrictNe);
        decide(equal == (in.op == POp::kEq || in.op == POp::kStrictEq));
        break;
      }
      case POp::kLt:
      case POp::kLe:
      case POp::kGt:
      case POp::kGe: {
        const Value64& b = at(in.b);
        if (in.count == 2) {  // the usual form: one comparison of two numbers (null 0, booleans 0/1)
          if (b.outside) return false;
          const int k = small_compare(small_as_number(a), small_as_number(b));
          decide(in.op == POp::kLt ? k < 0 : in.op == POp::kLe ? k <= 0 : in.op == POp::kGt ? k > 0 : k >= 0);
          break;
        }
        const Value64& c = at(in.c);
        if (b.outside || (in.count == 3 && c.outside)) return false;
        const Small xs[3] = {small_as_number(a), small_as_number(b), small_as_number(c)};
        bool all = true;
        for (std::uint32_t i = 0; all && i + 1 < in.count; ++i) {
          all = order_holds(small_compare(xs[i], xs[i + 1]), in.op == POp::kLt || in.op == POp::kLe,
                            in.op == POp::kLe || in.op == POp::kGe);
        }
        decide(all);
        break;
      }
      case POp::kAdd:
      case POp::kMul:
      case POp::kSub: {
        const Value64& b = at(in.b);
        if (b.outside || a.kind != Value::Kind::kNumber || b.kind != Value::Kind::kNumber) return false;
        const Fraction x{a.num, a.den};
        const Fraction y{in.op == POp::kSub ? -b.num : b.num, b.den};
        Fraction next;
        if (!(in.op == POp::kMul ? lazy_mul(x, y, next) : lazy_add(x, y, next))) return false;
        put_number(registers[in.dst], next);
        break;
      }
      case POp::kNeg: {
        if (a.kind != Value::Kind::kNumber) return false;
        put_number(registers[in.dst], Fraction{-a.num, a.den});
        break;
      }
      case POp::kDiv: {
        const Value64& b = at(in.b);
        if (b.outside || a.kind != Value::Kind::kNumber || b.kind != Value::Kind::kNumber || b.num == 0) return false;
        const Fraction inverse{b.num < 0 ? -b.den : b.den, b.num < 0 ? -b.num : b.num};
        Fraction next;
        if (!lazy_mul(Fraction{a.num, a.den}, inverse, next)) return false;
        put_number(registers[in.dst], next);
        break;
      }
      case POp::kMin:
      case POp::kMax: {
        const Value64& x = at(in.b);
        if (x.outside || x.kind != Value::Kind::kNumber) return false;
        const int c = small_compare(x, a);
        if ((in.op == POp::kMin && c < 0) || (in.op == POp::kMax && c > 0)) assign_fields(registers[in.dst], x);
        break;
      }
    }
  }
  return false;  // every path ends with a return: not reached
}

Expr::Expr(std::shared_ptr<const Node> root, std::vector<int> slots)
    : root_(std::move(root)), slots_(std::move(slots)) {
  auto program = std::make_shared<Program>();
  if (root_ && root_->flat) {
    Program::Builder{*root_->flat, *program}.build();
  } else {
    Small outside;  // no flat form: the program always gives up
    outside.outside = true;
    program->constants_.push_back(Small{});
    program->constants_.push_back(outside);
    Program::Ins give_up;
    give_up.op = POp::kReturn;
    give_up.a = Program::Builder::constant_operand(1);
    program->code_.push_back(give_up);
  }
  program_ = std::move(program);
}

Value64 Value64::of(const nlohmann::json* value) {
  Value64 v;
  if (value == nullptr || value->is_null()) return v;
  // literal_of and small_of, without a 128-bit Rational in between for the usual figures.
  switch (value->type()) {
    case nlohmann::json::value_t::number_integer: {
      const auto i = value->get<std::int64_t>();
      v.kind = Value::Kind::kNumber;
      v.num = i;
      v.outside = !fits_small(i);  // −2^63 has no negation
      return v;
    }
    case nlohmann::json::value_t::number_unsigned: {
      const auto u = value->get<std::uint64_t>();
      v.kind = Value::Kind::kNumber;
      v.num = static_cast<std::int64_t>(u);
      v.outside = u > static_cast<std::uint64_t>(kMaxSmall);
      return v;
    }
    case nlohmann::json::value_t::number_float: {
      // from_double: a whole number below 2^53, else the shortest decimal m ÷ 10^k in lowest terms.
      const double d = value->get<double>();
      if (std::fabs(d) < 9007199254740992.0 && d == std::trunc(d)) {
        v.kind = Value::Kind::kNumber;
        v.num = static_cast<std::int64_t>(d);
        return v;
      }
      std::int64_t m = 0;
      int k = 0;
      if (std::isfinite(d) && short_decimal_digits(d, m, k)) {
        const auto g =
            static_cast<std::int64_t>(gcd64(static_cast<std::uint64_t>(m), static_cast<std::uint64_t>(kPow10Int[k])));
        v.kind = Value::Kind::kNumber;
        v.num = (d < 0 ? -m : m) / g;
        v.den = kPow10Int[k] / g;
        return v;
      }
      break;  // a long decimal: from_double's text path
    }
    default:
      break;
  }
  auto literal = literal_of(*value);
  if (!literal || !small_of(*literal, v)) v.outside = true;
  return v;
}

Value64 Value64::of(const Rational& value) {
  Value64 v;
  if (!small_number(value.num(), value.den(), v)) v.outside = true;
  return v;
}

Slot Slot::of(const nlohmann::json* value) {
  Slot s;
  if (value == nullptr || value->is_null()) return s;
  auto v = literal_of(*value);
  if (!v) {
    s.state = State::kUnsupported;
    return s;
  }
  s.state = State::kValue;
  s.value = *v;
  return s;
}

Slot Slot::of(const Rational& value) {
  Slot s;
  s.state = State::kValue;
  s.value = number(value);
  return s;
}

}  // namespace assess::exact
