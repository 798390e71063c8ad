#include "scoring/exact.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
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

Int gcd_of(Int a, Int b) {
  a = abs_of(a);
  b = abs_of(b);
  // Typed business figures fit in 64 bits: a 64-bit gcd avoids libgcc's 128-bit division.
  if (a <= kMax64 && b <= kMax64) {
    return static_cast<Int>(std::gcd(static_cast<std::uint64_t>(a), static_cast<std::uint64_t>(b)));
  }
  while (b != 0) {
    const Int t = a % b;
    a = b;
    b = t;
  }
  return a;
}

// a / b, exact (b divides a), in 64 bits when both fit.
Int divide(Int a, Int b) {
  if (fits64(a) && fits64(b)) return static_cast<Int>(static_cast<std::int64_t>(a) / static_cast<std::int64_t>(b));
  return a / b;
}

// The smallest value; its negation overflows, so every operation refuses it.
constexpr Int kMin = static_cast<Int>(static_cast<UInt>(1) << 127);

std::optional<Int> checked_mul(Int a, Int b) {
  Int out = 0;
  if (__builtin_mul_overflow(a, b, &out) || out == kMin) return std::nullopt;
  return out;
}

std::optional<Int> checked_add(Int a, Int b) {
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

std::optional<Rational> from_double(double value) {
  if (!std::isfinite(value)) return std::nullopt;
  // A whole number below 2^53 is exactly what was typed; the text round trip below would give the same.
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

struct Node {
  Op op = Op::kLiteral;
  Value literal;  // kLiteral; kVar: the default
  bool has_default = false;
  int slot = -1;
  std::vector<std::shared_ptr<const Node>> args;
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

struct Lookup {
  const std::function<const Json*(int)>& json;
  const std::function<const Rational*(int)>& exact;
};

std::optional<Value> eval(const Node& node, const Lookup& lookup);

// Arithmetic operands must be numbers; anything else leaves it to the floating-point engine, whose
// coercions (parseFloat for + and *) the subset does not repeat.
std::optional<Rational> eval_number(const Node& node, const Lookup& lookup) {
  auto v = eval(node, lookup);
  if (!v || v->kind != Value::Kind::kNumber) return std::nullopt;
  return v->number;
}

std::optional<Value> eval(const Node& node, const Lookup& lookup) {
  const auto& args = node.args;
  switch (node.op) {
    case Op::kLiteral:
      return node.literal;
    case Op::kVar: {
      if (lookup.exact) {
        if (const Rational* r = lookup.exact(node.slot)) return number(*r);
      }
      const Json* j = lookup.json(node.slot);
      if (j == nullptr || j->is_null()) {
        if (node.has_default) return node.literal;
        return Value{};
      }
      return literal_of(*j);
    }
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
      std::vector<Rational> xs;
      for (const auto& a : args) {
        auto v = eval(*a, lookup);
        if (!v) return std::nullopt;
        xs.push_back(as_number(*v));
      }
      for (std::size_t i = 0; i + 1 < xs.size(); ++i) {
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

}  // namespace

std::shared_ptr<const Expr> Expr::compile(const nlohmann::json& rule,
                                          const std::function<int(const std::string&)>& binder) {
  auto root = compile_node(rule, binder, 0);
  if (!root) return nullptr;
  return std::make_shared<const Expr>(std::move(root));
}

std::optional<Value> Expr::evaluate(const std::function<const nlohmann::json*(int)>& lookup,
                                    const std::function<const Rational*(int)>& exact_lookup) const {
  return eval(*root_, Lookup{lookup, exact_lookup});
}

}  // namespace assess::exact
