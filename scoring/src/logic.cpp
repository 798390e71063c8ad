// logic.cpp — JsonLogic: a rule compiles once to a tree of operator nodes; evaluation walks the tree
// with a value holder that borrows JSON (literals, data) where it can and owns only what it computes.
//
// Semantics follow the reference implementation, json-logic-js, including JavaScript's coercions:
// loose equality, relational comparison through ToPrimitive/ToNumber, parseFloat for "+" and "*",
// String() for "cat", "substr" and "in", identity for arrays and objects under "==" and "===".
// Numbers are doubles while computing; a computed integral number becomes a JSON integer. NaN and the
// infinities stay internal and come out as null, as JSON.stringify prints them.
//
// Evaluation is bounded: "cat" and "merge" results and the number of steps per evaluation are
// capped (assess::Error with ErrorKind::kLimit), so a hostile rule cannot exhaust memory or time.
#include "scoring/logic.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "scoring/error.h"

namespace assess::logic {

enum class Op : std::uint8_t {
  kLiteral,  // a value that needs no evaluation (scalars, {}, arrays without operations)
  kArray,    // an array holding operations: evaluated element-wise
  kVar,
  kMissing,
  kMissingSome,
  kIf,  // "if" and "?:"
  kAnd,
  kOr,
  kNot,
  kNotNot,
  kEq,
  kStrictEq,
  kNe,
  kStrictNe,
  kGt,
  kGe,
  kLt,
  kLe,
  kIn,
  kCat,
  kSubstr,
  kMod,
  kMax,
  kMin,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMerge,
  kMap,
  kFilter,
  kReduce,
  kAll,
  kNone,
  kSome,
  kLog,
};

struct PathSegment {
  std::string key;
  std::int64_t index = -1;  // `key` as an array index, -1 when it is not one
};

// A dotted var path, split once at compile time. No segments: the whole data.
struct VarPath {
  std::string text;
  std::vector<PathSegment> segments;
  int slot = -1;
};

struct Node {
  Op op = Op::kLiteral;
  // Reads the top-level data (false inside map/filter/reduce/all/some/none bodies).
  bool top_level = true;
  // kVar: the path is computed by args[0]. kMissing/kMissingSome: the keys are computed.
  bool dynamic = false;
  // kLiteral: the value. kMissing/kMissingSome with literal keys: the keys, parallel to `paths`.
  Json literal;
  std::vector<Node> args;
  // kVar with a literal path: one path. kMissing/kMissingSome with literal keys: one per key.
  std::vector<VarPath> paths;
  std::string pointer;  // of the operation object, for evaluation limit errors
};

namespace {

constexpr int kMaxDepth = 256;
constexpr std::size_t kMaxStringBytes = std::size_t{1} << 20;
constexpr std::size_t kMaxArrayElements = std::size_t{1} << 18;
constexpr std::uint64_t kMaxSteps = std::uint64_t{1} << 26;
constexpr int kUnbounded = -1;

struct OpInfo {
  std::string_view name;
  Op op;
  int min_args;
  int max_args;  // kUnbounded: any number
};

constexpr OpInfo kOps[] = {
    {"==", Op::kEq, 2, 2},
    {"===", Op::kStrictEq, 2, 2},
    {"!=", Op::kNe, 2, 2},
    {"!==", Op::kStrictNe, 2, 2},
    {">", Op::kGt, 2, 2},
    {">=", Op::kGe, 2, 2},
    {"<", Op::kLt, 2, 3},
    {"<=", Op::kLe, 2, 3},
    {"!", Op::kNot, 1, 1},
    {"!!", Op::kNotNot, 1, 1},
    {"or", Op::kOr, 0, kUnbounded},
    {"and", Op::kAnd, 0, kUnbounded},
    {"?:", Op::kIf, 3, 3},
    {"if", Op::kIf, 0, kUnbounded},
    {"in", Op::kIn, 2, 2},
    {"cat", Op::kCat, 0, kUnbounded},
    {"substr", Op::kSubstr, 2, 3},
    {"%", Op::kMod, 2, 2},
    {"max", Op::kMax, 0, kUnbounded},
    {"min", Op::kMin, 0, kUnbounded},
    {"+", Op::kAdd, 0, kUnbounded},
    {"-", Op::kSub, 1, 2},
    {"*", Op::kMul, 1, kUnbounded},
    {"/", Op::kDiv, 2, 2},
    {"var", Op::kVar, 0, 2},
    {"missing", Op::kMissing, 0, kUnbounded},
    {"missing_some", Op::kMissingSome, 2, 2},
    {"merge", Op::kMerge, 0, kUnbounded},
    {"map", Op::kMap, 2, 2},
    {"filter", Op::kFilter, 2, 2},
    {"reduce", Op::kReduce, 2, 3},
    {"all", Op::kAll, 2, 2},
    {"none", Op::kNone, 2, 2},
    {"some", Op::kSome, 2, 2},
    {"log", Op::kLog, 1, 1},
};

const OpInfo* find_op(std::string_view name) {
  for (const OpInfo& info : kOps) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

bool is_iteration(Op op) {
  return op == Op::kMap || op == Op::kFilter || op == Op::kReduce || op == Op::kAll || op == Op::kNone ||
         op == Op::kSome;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// ---------------------------------------------------------------------------------------------
// JavaScript conversions

// JS Number::toString: shortest round-trip digits, plain notation for 1e-7 <= |x| < 1e21.
void append_js_number(double value, std::string& out) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "Infinity" : "-Infinity";
    return;
  }
  if (value == 0) {
    out += '0';
    return;
  }
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
  if (text.front() == '-') {
    out += '-';
    text.remove_prefix(1);
  }
  const std::size_t e = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e)) {
    if (c != '.') digits += c;
  }
  std::string_view exponent_text = text.substr(e + 1);
  bool exponent_negative = false;
  if (!exponent_text.empty() && (exponent_text.front() == '+' || exponent_text.front() == '-')) {
    exponent_negative = exponent_text.front() == '-';
    exponent_text.remove_prefix(1);
  }
  int exponent = 0;
  std::from_chars(exponent_text.data(), exponent_text.data() + exponent_text.size(), exponent);
  if (exponent_negative) exponent = -exponent;
  const int k = static_cast<int>(digits.size());
  const int n = exponent + 1;  // the decimal point sits after n digits
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, 0, static_cast<std::size_t>(n));
    out += '.';
    out.append(digits, static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out += digits.front();
    if (k > 1) {
      out += '.';
      out.append(digits, 1);
    }
    out += 'e';
    out += n - 1 < 0 ? '-' : '+';
    out += std::to_string(std::abs(n - 1));
  }
}

// JS String(value); inside an array (Array.prototype.join) null becomes "".
void append_js_string(const Json& value, std::string& out, bool in_array) {
  switch (value.type()) {
    case Json::value_t::null:
      if (!in_array) out += "null";
      return;
    case Json::value_t::boolean:
      out += value.get<bool>() ? "true" : "false";
      return;
    case Json::value_t::number_integer:
      out += std::to_string(value.get<std::int64_t>());
      return;
    case Json::value_t::number_unsigned:
      out += std::to_string(value.get<std::uint64_t>());
      return;
    case Json::value_t::number_float:
      append_js_number(value.get<double>(), out);
      return;
    case Json::value_t::string:
      out += value.get_ref<const std::string&>();
      return;
    case Json::value_t::array: {
      bool first = true;
      for (const Json& element : value) {
        if (!first) out += ',';
        first = false;
        append_js_string(element, out, true);
      }
      return;
    }
    case Json::value_t::object:
      out += "[object Object]";
      return;
    default:
      return;
  }
}

std::string js_string(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  std::string out;
  append_js_string(value, out, false);
  return out;
}

// Length of the JS white space or line terminator at s[i], 0 if there is none.
std::size_t js_space_length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c == ' ' || (c >= 0x09 && c <= 0x0D)) return 1;
  if (c < 0x80) return 0;
  static constexpr std::string_view kSpaces[] = {
      "\xC2\xA0",     "\xEF\xBB\xBF", "\xE1\x9A\x80", "\xE2\x80\xA8",
      "\xE2\x80\xA9", "\xE2\x80\xAF", "\xE2\x81\x9F", "\xE3\x80\x80",
  };
  const std::string_view rest = s.substr(i);
  for (std::string_view space : kSpaces) {
    if (rest.starts_with(space)) return space.size();
  }
  if (rest.size() >= 3 && static_cast<unsigned char>(rest[0]) == 0xE2 && static_cast<unsigned char>(rest[1]) == 0x80 &&
      static_cast<unsigned char>(rest[2]) >= 0x80 && static_cast<unsigned char>(rest[2]) <= 0x8A) {
    return 3;  // U+2000..U+200A
  }
  return 0;
}

std::string_view trim_start(std::string_view s) {
  std::size_t begin = 0;
  while (begin < s.size()) {
    const std::size_t length = js_space_length(s, begin);
    if (length == 0) break;
    begin += length;
  }
  return s.substr(begin);
}

std::string_view trim(std::string_view s) {
  s = trim_start(s);
  std::size_t end = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t length = js_space_length(s, i);
    if (length > 0) {
      i += length;
    } else {
      ++i;
      end = i;
    }
  }
  return s.substr(0, end);
}

// Length of the longest prefix of `s` that is an unsigned decimal literal ("12", "1.5", ".5",
// "5.", "1e3"), 0 if there is none.
std::size_t decimal_prefix(std::string_view s) {
  std::size_t i = 0;
  std::size_t digits = 0;
  while (i < s.size() && is_digit(s[i])) {
    ++i;
    ++digits;
  }
  if (i < s.size() && s[i] == '.') {
    std::size_t j = i + 1;
    std::size_t fraction = 0;
    while (j < s.size() && is_digit(s[j])) {
      ++j;
      ++fraction;
    }
    if (digits + fraction > 0) {
      i = j;
      digits += fraction;
    }
  }
  if (digits == 0) return 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    std::size_t k = j;
    while (k < s.size() && is_digit(s[k])) ++k;
    if (k > j) i = k;
  }
  return i;
}

// `s` is a whole unsigned decimal literal.
double parse_decimal(std::string_view s) {
  double value = 0;
  const auto result = std::from_chars(s.data(), s.data() + s.size(), value);
  if (result.ec == std::errc::result_out_of_range) {
    return std::strtod(std::string(s).c_str(), nullptr);  // overflow to inf, underflow to 0
  }
  if (result.ec != std::errc() || result.ptr != s.data() + s.size()) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  return value;
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInfinity = std::numeric_limits<double>::infinity();

// JS ToNumber(string).
double string_to_number(std::string_view s) {
  s = trim(s);
  if (s.empty()) return 0;
  if (s == "Infinity" || s == "+Infinity") return kInfinity;
  if (s == "-Infinity") return -kInfinity;
  if (s.size() > 2 && s[0] == '0') {
    int base = 0;
    if (s[1] == 'x' || s[1] == 'X') base = 16;
    if (s[1] == 'o' || s[1] == 'O') base = 8;
    if (s[1] == 'b' || s[1] == 'B') base = 2;
    if (base != 0) {
      double value = 0;
      for (char c : s.substr(2)) {
        int digit = 0;
        if (is_digit(c)) {
          digit = c - '0';
        } else if (c >= 'a' && c <= 'f') {
          digit = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
          digit = c - 'A' + 10;
        } else {
          return kNaN;
        }
        if (digit >= base) return kNaN;
        value = value * base + digit;
      }
      return value;
    }
  }
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  const std::size_t length = decimal_prefix(s);
  if (length == 0 || length != s.size()) return kNaN;
  const double value = parse_decimal(s);
  return negative ? -value : value;
}

double number_of(const Json& value) {
  return value.get<double>();
}

// JS ToNumber(value); arrays and objects go through ToPrimitive (their String()).
double to_number(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return 0;
    case Json::value_t::boolean:
      return value.get<bool>() ? 1 : 0;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return number_of(value);
    case Json::value_t::string:
      return string_to_number(value.get_ref<const std::string&>());
    case Json::value_t::array:
      if (value.empty()) return 0;
      return string_to_number(js_string(value));
    default:
      return kNaN;
  }
}

// JS parseFloat(string).
double parse_float_text(std::string_view s) {
  s = trim_start(s);
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.starts_with("Infinity")) return negative ? -kInfinity : kInfinity;
  const std::size_t length = decimal_prefix(s);
  if (length == 0) return kNaN;
  const double value = parse_decimal(s.substr(0, length));
  return negative ? -value : value;
}

// JS parseFloat(value): numbers pass through, everything else goes through String().
double parse_float(const Json& value) {
  if (value.is_number()) return number_of(value);
  if (value.is_string()) return parse_float_text(value.get_ref<const std::string&>());
  if (value.is_array()) return parse_float_text(js_string(value));
  return kNaN;  // null, booleans, objects
}

enum class JsType : std::uint8_t { kNull, kBoolean, kNumber, kString, kObject };

JsType js_type(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
      return JsType::kNull;
    case Json::value_t::boolean:
      return JsType::kBoolean;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return JsType::kNumber;
    case Json::value_t::string:
      return JsType::kString;
    default:
      return JsType::kObject;
  }
}

// `===`. Arrays and objects are equal only to themselves.
bool strict_equal(const Json& a, const Json& b) {
  const JsType type = js_type(a);
  if (type != js_type(b)) return false;
  switch (type) {
    case JsType::kNull:
      return true;
    case JsType::kBoolean:
      return a.get<bool>() == b.get<bool>();
    case JsType::kNumber:
      if (a.is_number_integer() && b.is_number_integer()) return a == b;
      return number_of(a) == number_of(b);
    case JsType::kString:
      return a.get_ref<const std::string&>() == b.get_ref<const std::string&>();
    case JsType::kObject:
      return &a == &b;
  }
  return false;
}

// `x == b` where x is a number (after coercion).
bool loose_equal_number(double x, const Json& b) {
  switch (js_type(b)) {
    case JsType::kNull:
      return false;
    case JsType::kBoolean:
      return x == (b.get<bool>() ? 1 : 0);
    case JsType::kNumber:
      return x == number_of(b);
    case JsType::kString:
      return x == string_to_number(b.get_ref<const std::string&>());
    case JsType::kObject:
      return x == string_to_number(js_string(b));
  }
  return false;
}

// `==`, the abstract equality of JavaScript.
bool loose_equal(const Json& a, const Json& b) {
  const JsType type_a = js_type(a);
  const JsType type_b = js_type(b);
  if (type_a == type_b) return strict_equal(a, b);
  if (type_a == JsType::kNull || type_b == JsType::kNull) return false;
  if (type_a == JsType::kBoolean) return loose_equal_number(a.get<bool>() ? 1 : 0, b);
  if (type_b == JsType::kBoolean) return loose_equal_number(b.get<bool>() ? 1 : 0, a);
  if (type_a == JsType::kNumber) return loose_equal_number(number_of(a), b);
  if (type_b == JsType::kNumber) return loose_equal_number(number_of(b), a);
  // One string, one array/object: compare the object's String().
  if (type_a == JsType::kString) return a.get_ref<const std::string&>() == js_string(b);
  return js_string(a) == b.get_ref<const std::string&>();
}

enum class Order : std::uint8_t { kLess, kEqual, kGreater, kUnordered };

// JS abstract relational comparison: two strings (after ToPrimitive) compare as strings,
// anything else as numbers; NaN is unordered.
Order js_compare(const Json& a, const Json& b) {
  const bool a_text = a.is_string() || a.is_array() || a.is_object();
  const bool b_text = b.is_string() || b.is_array() || b.is_object();
  if (a_text && b_text) {
    std::string a_store;
    std::string b_store;
    std::string_view a_view;
    std::string_view b_view;
    if (a.is_string()) {
      a_view = a.get_ref<const std::string&>();
    } else {
      a_store = js_string(a);
      a_view = a_store;
    }
    if (b.is_string()) {
      b_view = b.get_ref<const std::string&>();
    } else {
      b_store = js_string(b);
      b_view = b_store;
    }
    const int c = a_view.compare(b_view);
    return c < 0 ? Order::kLess : (c > 0 ? Order::kGreater : Order::kEqual);
  }
  const double x = to_number(a);
  const double y = to_number(b);
  if (std::isnan(x) || std::isnan(y)) return Order::kUnordered;
  return x < y ? Order::kLess : (x > y ? Order::kGreater : Order::kEqual);
}

// ToIntegerOrInfinity(ToNumber(value)).
double to_integer(double value) {
  return std::isnan(value) ? 0 : std::trunc(value);
}

// A computed number as JSON: integral values become integers.
Json number_json(double value) {
  if (std::isfinite(value) && std::trunc(value) == value && std::fabs(value) < 9.2e18) {
    return Json(static_cast<std::int64_t>(value));
  }
  return Json(value);
}

// Non-finite numbers print as null, as in JSON.stringify.
void sanitize(Json& value) {
  if (value.is_number_float()) {
    if (!std::isfinite(value.get<double>())) value = nullptr;
  } else if (value.is_array() || value.is_object()) {
    for (Json& element : value) sanitize(element);
  }
}

PathSegment make_segment(std::string key) {
  PathSegment segment;
  const bool canonical = !key.empty() && key.size() <= 15 && (key == "0" || key[0] != '0') &&
                         std::all_of(key.begin(), key.end(), is_digit);
  if (canonical) {
    std::int64_t index = 0;
    std::from_chars(key.data(), key.data() + key.size(), index);
    segment.index = index;
  }
  segment.key = std::move(key);
  return segment;
}

// String(path).split("."); null and "" name the whole data.
VarPath make_path(const Json& path) {
  VarPath out;
  if (path.is_null()) return out;
  out.text = js_string(path);
  if (out.text.empty()) return out;
  std::size_t begin = 0;
  while (true) {
    const std::size_t dot = out.text.find('.', begin);
    if (dot == std::string::npos) {
      out.segments.push_back(make_segment(out.text.substr(begin)));
      break;
    }
    out.segments.push_back(make_segment(out.text.substr(begin, dot - begin)));
    begin = dot + 1;
  }
  return out;
}

const Json& null_json() {
  static const Json kNull;
  return kNull;
}
const Json& bool_json(bool value) {
  static const Json kTrue(true);
  static const Json kFalse(false);
  return value ? kTrue : kFalse;
}

// ---------------------------------------------------------------------------------------------
// Compilation

class PointerStep {
 public:
  PointerStep(std::string& pointer, const std::string& token) : pointer_(pointer), size_(pointer.size()) {
    pointer_ += '/';
    pointer_ += token;
  }
  ~PointerStep() { pointer_.resize(size_); }
  PointerStep(const PointerStep&) = delete;
  PointerStep& operator=(const PointerStep&) = delete;

 private:
  std::string& pointer_;
  std::size_t size_;
};

Node literal_node(const Json& value) {
  Node node;
  node.literal = value;
  return node;
}

std::string arity_message(std::string_view name, const OpInfo& info, std::size_t count) {
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) about "literal" + std::string.
  std::string out;
  auto arguments = [&out](int n) {
    out += std::to_string(n);
    out += n == 1 ? " argument" : " arguments";
  };
  out += '"';
  out += name;
  out += "\" takes ";
  if (info.min_args == info.max_args) {
    arguments(info.min_args);
  } else if (info.max_args == kUnbounded) {
    out += "at least ";
    arguments(info.min_args);
  } else if (info.min_args == 0) {
    out += "at most ";
    arguments(info.max_args);
  } else {
    out += std::to_string(info.min_args);
    out += " to ";
    arguments(info.max_args);
  }
  out += ", got ";
  out += std::to_string(count);
  return out;
}

class Compiler {
 public:
  Node compile(const Json& value, int depth, bool top_level) {
    if (value.is_object()) {
      if (value.empty()) return literal_node(value);
      if (value.size() > 1) {
        for (auto it = value.begin(); it != value.end(); ++it) {
          if (find_op(it.key()) != nullptr) fail("an operation must have exactly one key");
        }
        return literal_node(value);  // plain data, returned as is (as the reference does)
      }
      check_depth(depth);
      const auto it = value.begin();
      const OpInfo* info = find_op(it.key());
      if (info == nullptr) fail("unknown operator \"" + it.key() + "\"");
      return compile_operation(it.key(), *info, it.value(), depth + 1, top_level);
    }
    if (value.is_array()) {
      check_depth(depth);
      Node node;
      node.op = Op::kArray;
      node.top_level = top_level;
      node.pointer = pointer_;
      node.args.reserve(value.size());
      bool all_literal = true;
      for (std::size_t i = 0; i < value.size(); ++i) {
        PointerStep step(pointer_, std::to_string(i));
        node.args.push_back(compile(value[i], depth + 1, top_level));
        all_literal = all_literal && node.args.back().op == Op::kLiteral;
      }
      if (all_literal) return literal_node(value);
      return node;
    }
    return literal_node(value);
  }

 private:
  [[noreturn]] void fail(std::string message, ErrorKind kind = ErrorKind::kInvalid) const {
    throw Error("", pointer_, std::move(message), kind);
  }

  void check_depth(int depth) const {
    if (depth >= kMaxDepth) {
      fail("rule is nested deeper than " + std::to_string(kMaxDepth) + " levels", ErrorKind::kLimit);
    }
  }

  Node compile_operation(const std::string& name, const OpInfo& info, const Json& operand, int depth, bool top_level) {
    Node node;
    node.op = info.op;
    node.top_level = top_level;
    node.pointer = pointer_;
    const bool listed = operand.is_array();
    const std::size_t count = listed ? operand.size() : 1;
    if (count < static_cast<std::size_t>(info.min_args) ||
        (info.max_args != kUnbounded && count > static_cast<std::size_t>(info.max_args))) {
      fail(arity_message(name, info, count));
    }
    PointerStep into_operator(pointer_, pointer_token(name));
    node.args.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      std::optional<PointerStep> into_argument;
      if (listed) into_argument.emplace(pointer_, std::to_string(i));
      const Json& argument = listed ? operand[i] : operand;
      if (info.op == Op::kVar && i == 0) {
        compile_var_path(node, argument, depth, top_level);
        continue;
      }
      const bool body = is_iteration(info.op) && i == 1;
      node.args.push_back(compile(argument, depth, top_level && !body));
    }
    if (info.op == Op::kVar && count == 0) node.paths.emplace_back();  // {"var": []}: whole data
    if (info.op == Op::kMissing) {
      node.dynamic = true;
      const bool all_literal =
          std::all_of(node.args.begin(), node.args.end(), [](const Node& arg) { return arg.op == Op::kLiteral; });
      if (all_literal) {
        if (!node.args.empty() && node.args[0].literal.is_array()) {
          set_literal_keys(node, node.args[0].literal);
        } else {
          Json keys = Json::array();
          for (const Node& arg : node.args) keys.push_back(arg.literal);
          set_literal_keys(node, keys);
        }
      }
    }
    if (info.op == Op::kMissingSome) {
      node.dynamic = true;
      const Node& options = node.args[1];
      if (options.op == Op::kLiteral && options.literal.is_array()) {
        const Json& list = options.literal;
        set_literal_keys(node, !list.empty() && list[0].is_array() ? list[0] : list);
      }
    }
    return node;
  }

  void compile_var_path(Node& node, const Json& path, int depth, bool top_level) {
    if (path.is_string() || path.is_number() || path.is_null()) {
      node.paths.push_back(make_path(path));
      node.args.push_back(literal_node(path));
      return;
    }
    if (path.is_object()) {
      Node computed = compile(path, depth, top_level);
      if (computed.op != Op::kLiteral) {
        node.dynamic = true;
        node.args.push_back(std::move(computed));
        return;
      }
    }
    fail("the path of \"var\" must be a string, a number or an operation");
  }

  static void set_literal_keys(Node& node, const Json& keys) {
    for (const Json& key : keys) {
      if (!key.is_string() && !key.is_number()) return;  // unusual keys: evaluated generically
    }
    node.literal = keys;
    for (const Json& key : keys) node.paths.push_back(make_path(key));
    node.dynamic = false;
  }

  std::string pointer_;
};

// ---------------------------------------------------------------------------------------------
// Evaluation

// The result of evaluating a node: borrows a JSON value that outlives the evaluation (a literal of
// the tree, the data, a Scope value, an element being iterated) or owns a computed one.
class Value {
 public:
  Value() = default;  // owns null
  static Value borrow(const Json& value) {
    Value out;
    out.ref_ = &value;
    return out;
  }
  static Value own(Json value) {
    Value out;
    out.owned_ = std::move(value);
    return out;
  }
  static Value number(double value) { return own(number_json(value)); }
  static Value boolean(bool value) { return borrow(bool_json(value)); }
  static Value null() { return borrow(null_json()); }

  const Json& get() const { return ref_ != nullptr ? *ref_ : owned_; }
  bool borrowed() const { return ref_ != nullptr; }
  Json take() {
    if (ref_ != nullptr) return *ref_;
    return std::move(owned_);
  }

 private:
  const Json* ref_ = nullptr;
  Json owned_;
};

struct Context {
  enum class Kind : std::uint8_t { kData, kScope, kReduce };
  Kind kind = Kind::kData;
  const Json* data = nullptr;         // kData
  const Scope* scope = nullptr;       // kScope
  const Json* current = nullptr;      // kReduce
  const Json* accumulator = nullptr;  // kReduce
  mutable Json whole;                 // kReduce: {"current", "accumulator"}, built when asked for
};

bool is_missing(const Json* value) {
  return value == nullptr || value->is_null() || (value->is_string() && value->get_ref<const std::string&>().empty());
}

// Number of UTF-8 code points (JS counts UTF-16 units; equal for the BMP).
std::size_t code_points(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

class Evaluator {
 public:
  Value eval(const Node& node, const Context& context) {
    charge(1, node);
    const std::vector<Node>& args = node.args;
    switch (node.op) {
      case Op::kLiteral:
        return Value::borrow(node.literal);
      case Op::kArray: {
        Json out = Json::array();
        out.get_ref<Json::array_t&>().reserve(args.size());
        for (const Node& arg : args) out.push_back(eval(arg, context).take());
        return Value::own(std::move(out));
      }
      case Op::kVar:
        return eval_var(node, context);
      case Op::kMissing:
        return eval_missing(node, context);
      case Op::kMissingSome:
        return eval_missing_some(node, context);
      case Op::kIf: {
        std::size_t i = 0;
        for (; i + 1 < args.size(); i += 2) {
          if (truthy(eval(args[i], context).get())) return eval(args[i + 1], context);
        }
        if (i < args.size()) return eval(args[i], context);
        return Value::null();
      }
      case Op::kAnd:
      case Op::kOr: {
        // "and" returns the first falsy value, "or" the first truthy one; else the last value.
        const bool decides = node.op == Op::kOr;
        Value current = Value::null();
        for (const Node& arg : args) {
          current = eval(arg, context);
          if (truthy(current.get()) == decides) return current;
        }
        return current;
      }
      case Op::kNot:
        return Value::boolean(!truthy(eval(args[0], context).get()));
      case Op::kNotNot:
        return Value::boolean(truthy(eval(args[0], context).get()));
      case Op::kEq:
      case Op::kNe:
      case Op::kStrictEq:
      case Op::kStrictNe: {
        const Value a = eval(args[0], context);
        const Value b = eval(args[1], context);
        const bool strict = node.op == Op::kStrictEq || node.op == Op::kStrictNe;
        const bool equal = strict ? strict_equal(a.get(), b.get()) : loose_equal(a.get(), b.get());
        return Value::boolean(node.op == Op::kEq || node.op == Op::kStrictEq ? equal : !equal);
      }
      case Op::kGt:
      case Op::kGe: {
        const Value a = eval(args[0], context);
        const Value b = eval(args[1], context);
        const Order order = js_compare(a.get(), b.get());
        return Value::boolean(order == Order::kGreater || (node.op == Op::kGe && order == Order::kEqual));
      }
      case Op::kLt:
      case Op::kLe: {
        const bool or_equal = node.op == Op::kLe;
        auto holds = [or_equal](Order order) { return order == Order::kLess || (or_equal && order == Order::kEqual); };
        const Value a = eval(args[0], context);
        const Value b = eval(args[1], context);
        bool result = holds(js_compare(a.get(), b.get()));
        if (args.size() == 3) {
          const Value c = eval(args[2], context);
          result = result && holds(js_compare(b.get(), c.get()));
        }
        return Value::boolean(result);
      }
      case Op::kIn:
        return eval_in(node, context);
      case Op::kCat: {
        std::string out;
        for (const Node& arg : args) {
          append_js_string(eval(arg, context).get(), out, true);
          if (out.size() > kMaxStringBytes) {
            limit(node, "\"cat\" result exceeds " + std::to_string(kMaxStringBytes) + " bytes");
          }
        }
        charge(out.size() / 64, node);
        return Value::own(Json(std::move(out)));
      }
      case Op::kSubstr:
        return eval_substr(node, context);
      case Op::kMod: {
        const double a = to_number(eval(args[0], context).get());
        const double b = to_number(eval(args[1], context).get());
        return Value::number(std::fmod(a, b));
      }
      case Op::kMax:
      case Op::kMin: {
        const bool max = node.op == Op::kMax;
        double result = max ? -kInfinity : kInfinity;
        bool nan = false;
        for (const Node& arg : args) {
          const double x = to_number(eval(arg, context).get());
          if (std::isnan(x)) nan = true;
          result = max ? std::max(result, x) : std::min(result, x);
        }
        return Value::number(nan ? kNaN : result);
      }
      case Op::kAdd: {
        double sum = 0;
        for (const Node& arg : args) sum += parse_float(eval(arg, context).get());
        return Value::number(sum);
      }
      case Op::kMul: {
        if (args.size() == 1) return eval(args[0], context);  // reduce() without a callback call
        double product = parse_float(eval(args[0], context).get());
        for (std::size_t i = 1; i < args.size(); ++i) product *= parse_float(eval(args[i], context).get());
        return Value::number(product);
      }
      case Op::kSub: {
        const double a = to_number(eval(args[0], context).get());
        if (args.size() == 1) return Value::number(-a);
        return Value::number(a - to_number(eval(args[1], context).get()));
      }
      case Op::kDiv: {
        const double a = to_number(eval(args[0], context).get());
        return Value::number(a / to_number(eval(args[1], context).get()));
      }
      case Op::kMerge: {
        Json out = Json::array();
        for (const Node& arg : args) {
          Value value = eval(arg, context);
          const Json& item = value.get();
          const std::size_t added = item.is_array() ? item.size() : 1;
          if (out.size() + added > kMaxArrayElements) {
            limit(node, "\"merge\" result exceeds " + std::to_string(kMaxArrayElements) + " elements");
          }
          charge(added, node);
          if (!item.is_array()) {
            out.push_back(value.take());
          } else if (value.borrowed()) {
            for (const Json& element : item) out.push_back(element);
          } else {
            Json owned = value.take();
            for (Json& element : owned) out.push_back(std::move(element));
          }
        }
        return Value::own(std::move(out));
      }
      case Op::kMap:
      case Op::kFilter:
      case Op::kAll:
      case Op::kNone:
      case Op::kSome:
        return eval_iteration(node, context);
      case Op::kReduce:
        return eval_reduce(node, context);
      case Op::kLog:
        return eval(args[0], context);
    }
    return Value::null();
  }

 private:
  void charge(std::uint64_t steps, const Node& node) {
    steps_ += steps;
    if (steps_ > kMaxSteps) limit(node, "evaluation exceeds " + std::to_string(kMaxSteps) + " steps");
  }

  [[noreturn]] static void limit(const Node& node, std::string message) {
    throw Error("", node.pointer, std::move(message), ErrorKind::kLimit);
  }

  // The value at `path`, or nullptr when it is absent (JavaScript's undefined).
  static const Json* resolve(const Context& context, const VarPath& path) {
    const Json* current = nullptr;
    std::size_t next = 0;
    switch (context.kind) {
      case Context::Kind::kData:
        current = context.data;
        break;
      case Context::Kind::kScope:
        if (path.segments.empty()) return nullptr;  // a Scope has no whole document
        current = context.scope->lookup(path.slot, path.text);
        next = 1;
        break;
      case Context::Kind::kReduce:
        if (path.segments.empty()) {
          if (!context.whole.is_object()) {
            context.whole = Json::object();
            context.whole["current"] = *context.current;
            context.whole["accumulator"] = *context.accumulator;
          }
          return &context.whole;
        }
        if (path.segments[0].key == "current") {
          current = context.current;
        } else if (path.segments[0].key == "accumulator") {
          current = context.accumulator;
        }
        next = 1;
        break;
    }
    for (std::size_t i = next; i < path.segments.size() && current != nullptr; ++i) {
      const PathSegment& segment = path.segments[i];
      if (current->is_object()) {
        const auto it = current->find(segment.key);
        current = it == current->end() ? nullptr : &*it;
      } else if (current->is_array()) {
        current = segment.index >= 0 && static_cast<std::size_t>(segment.index) < current->size()
                      ? &(*current)[static_cast<std::size_t>(segment.index)]
                      : nullptr;
      } else {
        current = nullptr;  // null, or a property of a primitive
      }
    }
    return current;
  }

  Value eval_var(const Node& node, const Context& context) {
    const Json* found = nullptr;
    if (!node.dynamic) {
      found = resolve(context, node.paths[0]);
    } else {
      const Value path = eval(node.args[0], context);
      found = resolve(context, make_path(path.get()));
    }
    if (found != nullptr) return Value::borrow(*found);
    if (node.args.size() > 1) return eval(node.args[1], context);
    return Value::null();
  }

  // The keys of `missing` given its evaluated arguments: the first one when it is an array.
  static std::vector<const Json*> missing_keys(const std::vector<const Json*>& values) {
    if (!values.empty() && values[0]->is_array()) {
      std::vector<const Json*> keys;
      keys.reserve(values[0]->size());
      for (const Json& key : *values[0]) keys.push_back(&key);
      return keys;
    }
    return values;
  }

  // Whether {"var": key} is null or "" (an array key is [path, default]).
  static bool key_missing(const Context& context, const Json& key) {
    if (key.is_array()) {
      const Json* found = resolve(context, key.empty() ? VarPath{} : make_path(key[0]));
      if (found == nullptr && key.size() > 1) found = &key[1];
      return is_missing(found);
    }
    return is_missing(resolve(context, make_path(key)));
  }

  static Json missing_of(const Context& context, const std::vector<const Json*>& values) {
    Json out = Json::array();
    for (const Json* key : missing_keys(values)) {
      if (key_missing(context, *key)) out.push_back(*key);
    }
    return out;
  }

  static Json missing_literal(const Node& node, const Context& context) {
    Json out = Json::array();
    for (std::size_t i = 0; i < node.paths.size(); ++i) {
      if (is_missing(resolve(context, node.paths[i]))) out.push_back(node.literal[i]);
    }
    return out;
  }

  Value eval_missing(const Node& node, const Context& context) {
    if (!node.dynamic) return Value::own(missing_literal(node, context));
    std::vector<Value> values;
    values.reserve(node.args.size());
    for (const Node& arg : node.args) values.push_back(eval(arg, context));
    std::vector<const Json*> pointers;
    pointers.reserve(values.size());
    for (const Value& value : values) pointers.push_back(&value.get());
    return Value::own(missing_of(context, pointers));
  }

  Value eval_missing_some(const Node& node, const Context& context) {
    const Value need = eval(node.args[0], context);
    Json missing;
    double available = kNaN;  // options.length
    if (!node.dynamic) {
      missing = missing_literal(node, context);
      available = static_cast<double>(node.args[1].literal.size());
    } else {
      const Value options = eval(node.args[1], context);
      const Json& list = options.get();
      std::vector<const Json*> values;
      if (list.is_array()) {
        for (const Json& option : list) values.push_back(&option);
        available = static_cast<double>(list.size());
      } else {
        values.push_back(&list);
        if (list.is_string()) available = static_cast<double>(code_points(list.get_ref<const std::string&>()));
      }
      missing = missing_of(context, values);
    }
    const Json found = number_json(available - static_cast<double>(missing.size()));
    const Order order = js_compare(found, need.get());
    if (order == Order::kGreater || order == Order::kEqual) return Value::own(Json::array());
    return Value::own(std::move(missing));
  }

  Value eval_in(const Node& node, const Context& context) {
    const Value needle = eval(node.args[0], context);
    const Value haystack = eval(node.args[1], context);
    const Json& in = haystack.get();
    if (in.is_string()) {
      const std::string& text = in.get_ref<const std::string&>();
      if (text.empty()) return Value::boolean(false);
      const Json& what = needle.get();
      if (what.is_string()) return Value::boolean(text.find(what.get_ref<const std::string&>()) != std::string::npos);
      return Value::boolean(text.find(js_string(what)) != std::string::npos);
    }
    if (in.is_array()) {
      for (const Json& element : in) {
        if (strict_equal(needle.get(), element)) return Value::boolean(true);
      }
    }
    return Value::boolean(false);
  }

  // String.prototype.substr over code points; a negative length drops characters from the end.
  Value eval_substr(const Node& node, const Context& context) {
    const Value source = eval(node.args[0], context);
    const Value start_value = eval(node.args[1], context);
    std::string store;
    std::string_view text;
    if (source.get().is_string()) {
      text = source.get().get_ref<const std::string&>();
    } else {
      store = js_string(source.get());
      text = store;
    }
    std::vector<std::size_t> offsets;  // byte offset of each code point, then text.size()
    offsets.reserve(text.size() + 1);
    for (std::size_t i = 0; i < text.size(); ++i) {
      if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) offsets.push_back(i);
    }
    const double size = static_cast<double>(offsets.size());
    offsets.push_back(text.size());

    double start = to_integer(to_number(start_value.get()));
    start = start < 0 ? std::max(size + start, 0.0) : std::min(start, size);
    double end = size;
    if (node.args.size() > 2) {
      const double length = to_number(eval(node.args[2], context).get());
      if (length < 0) {
        end = std::max(start, std::min(size, start + to_integer((size - start) + length)));
      } else {
        end = std::min(size, start + std::min(std::max(to_integer(length), 0.0), size));
      }
    }
    const auto from = offsets[static_cast<std::size_t>(start)];
    const auto to = offsets[static_cast<std::size_t>(end)];
    return Value::own(Json(std::string(text.substr(from, to - from))));
  }

  Value eval_iteration(const Node& node, const Context& context) {
    const Value source = eval(node.args[0], context);
    const Json& list = source.get();
    const Node& body = node.args[1];
    const bool collects = node.op == Op::kMap || node.op == Op::kFilter;
    if (!list.is_array()) return collects ? Value::own(Json::array()) : Value::boolean(node.op == Op::kNone);
    if (node.op == Op::kAll && list.empty()) return Value::boolean(false);
    Json out = Json::array();
    if (collects) out.get_ref<Json::array_t&>().reserve(list.size());
    for (const Json& item : list) {
      Context inner;
      inner.data = &item;
      Value result = eval(body, inner);
      switch (node.op) {
        case Op::kMap:
          out.push_back(result.take());
          break;
        case Op::kFilter:
          if (truthy(result.get())) out.push_back(item);
          break;
        case Op::kAll:
          if (!truthy(result.get())) return Value::boolean(false);
          break;
        case Op::kSome:
        case Op::kNone:
          if (truthy(result.get())) return Value::boolean(node.op == Op::kSome);
          break;
        default:
          break;
      }
    }
    if (collects) return Value::own(std::move(out));
    return Value::boolean(node.op != Op::kSome);  // all: true, none: true, some: false
  }

  Value eval_reduce(const Node& node, const Context& context) {
    const Value source = eval(node.args[0], context);
    Value accumulator = node.args.size() > 2 ? eval(node.args[2], context) : Value::null();
    const Json& list = source.get();
    if (!list.is_array()) return accumulator;
    for (const Json& item : list) {
      Context inner;
      inner.kind = Context::Kind::kReduce;
      inner.current = &item;
      inner.accumulator = &accumulator.get();
      Value next = eval(node.args[1], inner);
      // The body may borrow from the accumulator it replaces, the element or `inner`: own it.
      if (next.borrowed()) {
        charge(next.get().size(), node);
        next = Value::own(next.take());
      }
      accumulator = std::move(next);
    }
    return accumulator;
  }

  std::uint64_t steps_ = 0;
};

Json finish(Value value) {
  Json out = value.take();
  sanitize(out);
  return out;
}

void bind_node(Node& node, const std::function<int(std::string_view)>& binder) {
  if (node.top_level) {
    for (VarPath& path : node.paths) {
      path.slot = path.segments.empty() ? -1 : binder(path.segments[0].key);
    }
  }
  for (Node& arg : node.args) bind_node(arg, binder);
}

void collect_references(const Node& node, std::vector<std::string>& out) {
  if (node.top_level) {
    for (const VarPath& path : node.paths) {
      if (path.segments.empty()) continue;
      const std::string& name = path.segments[0].key;
      if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    }
  }
  for (const Node& arg : node.args) collect_references(arg, out);
}

void collect_paths(const Node& node, std::vector<std::string>& out) {
  // A var with a default never reads as missing.
  const bool has_default = node.op == Op::kVar && !node.dynamic && node.args.size() > 1;  // args: path, default
  if (node.top_level && !has_default) {
    for (const VarPath& path : node.paths) {
      if (path.segments.empty()) continue;
      if (std::find(out.begin(), out.end(), path.text) == out.end()) out.push_back(path.text);
    }
  }
  for (const Node& arg : node.args) collect_paths(arg, out);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Rule

Rule::Rule() = default;
Rule::~Rule() = default;
Rule::Rule(Rule&&) noexcept = default;
Rule& Rule::operator=(Rule&&) noexcept = default;
Rule::Rule(const Rule&) = default;
Rule& Rule::operator=(const Rule&) = default;

Rule Rule::compile(const Json& rule) {
  Rule out;
  out.root_ = std::make_shared<const Node>(Compiler().compile(rule, 0, true));
  out.source_ = rule;
  return out;
}

Json Rule::evaluate(const Json& data) const {
  if (root_ == nullptr) return nullptr;
  Context context;
  context.data = &data;
  return finish(Evaluator().eval(*root_, context));
}

Json Rule::evaluate(const Scope& scope) const {
  if (root_ == nullptr) return nullptr;
  Context context;
  context.kind = Context::Kind::kScope;
  context.scope = &scope;
  return finish(Evaluator().eval(*root_, context));
}

void Rule::bind(const std::function<int(std::string_view)>& binder) {
  if (root_ == nullptr) return;
  auto copy = std::make_shared<Node>(*root_);  // other copies of this Rule keep their slots
  bind_node(*copy, binder);
  root_ = std::move(copy);
}

std::vector<std::string> Rule::paths() const {
  std::vector<std::string> out;
  if (root_ != nullptr) collect_paths(*root_, out);
  return out;
}

std::vector<std::string> Rule::references() const {
  std::vector<std::string> out;
  if (root_ != nullptr) collect_references(*root_, out);
  return out;
}

bool truthy(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
      return false;
    case Json::value_t::boolean:
      return value.get<bool>();
    case Json::value_t::number_integer:
      return value.get<std::int64_t>() != 0;
    case Json::value_t::number_unsigned:
      return value.get<std::uint64_t>() != 0;
    case Json::value_t::number_float: {
      const double x = value.get<double>();
      return x != 0 && !std::isnan(x);
    }
    case Json::value_t::string:
      return !value.get_ref<const std::string&>().empty();
    case Json::value_t::array:
      return !value.empty();
    default:
      return true;  // objects, binary
  }
}

// ---------------------------------------------------------------------------------------------
// Typed evaluation

namespace {

// A computed number as number_json() makes it: whole values are integers.
Typed typed_number(double value) {
  if (std::isfinite(value) && std::trunc(value) == value && std::fabs(value) < 9.2e18) {
    Typed t;
    t.kind = Typed::kInt;
    t.number = value;
    return t;
  }
  return Typed::of_double(value);
}

JsType typed_type(const Typed& v) {
  switch (v.kind) {
    case Typed::kNull:
      return JsType::kNull;
    case Typed::kBool:
      return JsType::kBoolean;
    case Typed::kInt:
    case Typed::kDouble:
      return JsType::kNumber;
    case Typed::kString:
      return JsType::kString;
    case Typed::kList:
      return JsType::kObject;
  }
  return JsType::kNull;
}

double typed_to_number(const Typed& v) {
  switch (v.kind) {
    case Typed::kNull:
      return 0;
    case Typed::kBool:
      return v.boolean ? 1 : 0;
    case Typed::kInt:
    case Typed::kDouble:
      return v.number;
    case Typed::kString:
      return string_to_number(v.text);
    case Typed::kList:
      return to_number(to_json(v));
  }
  return kNaN;
}

double typed_parse_float(const Typed& v) {
  if (v.is_number()) return v.number;
  if (v.kind == Typed::kString) return parse_float_text(v.text);
  if (v.kind == Typed::kList) return parse_float(to_json(v));
  return kNaN;
}

bool typed_strict_equal(const Typed& a, const Typed& b) {
  const JsType type = typed_type(a);
  if (type != typed_type(b)) return false;
  switch (type) {
    case JsType::kNull:
      return true;
    case JsType::kBoolean:
      return a.boolean == b.boolean;
    case JsType::kNumber:
      return a.number == b.number;
    case JsType::kString:
      return a.text == b.text;
    case JsType::kObject:
      return a.items == b.items && a.count == b.count;  // the same list
  }
  return false;
}

bool typed_loose_equal_number(double x, const Typed& b) {
  switch (typed_type(b)) {
    case JsType::kNull:
      return false;
    case JsType::kBoolean:
      return x == (b.boolean ? 1 : 0);
    case JsType::kNumber:
      return x == b.number;
    case JsType::kString:
      return x == string_to_number(b.text);
    case JsType::kObject:
      return x == string_to_number(js_string(to_json(b)));
  }
  return false;
}

bool typed_loose_equal(const Typed& a, const Typed& b) {
  const JsType type_a = typed_type(a);
  const JsType type_b = typed_type(b);
  if (type_a == type_b) return typed_strict_equal(a, b);
  if (type_a == JsType::kNull || type_b == JsType::kNull) return false;
  if (type_a == JsType::kBoolean) return typed_loose_equal_number(a.boolean ? 1 : 0, b);
  if (type_b == JsType::kBoolean) return typed_loose_equal_number(b.boolean ? 1 : 0, a);
  if (type_a == JsType::kNumber) return typed_loose_equal_number(a.number, b);
  if (type_b == JsType::kNumber) return typed_loose_equal_number(b.number, a);
  return loose_equal(to_json(a), to_json(b));  // a string and a list
}

Order typed_compare(const Typed& a, const Typed& b) {
  const bool a_text = a.kind == Typed::kString || a.kind == Typed::kList;
  const bool b_text = b.kind == Typed::kString || b.kind == Typed::kList;
  if (a_text && b_text) {
    if (a.kind == Typed::kString && b.kind == Typed::kString) {
      const int c = a.text.compare(b.text);
      return c < 0 ? Order::kLess : (c > 0 ? Order::kGreater : Order::kEqual);
    }
    return js_compare(to_json(a), to_json(b));
  }
  const double x = typed_to_number(a);
  const double y = typed_to_number(b);
  if (std::isnan(x) || std::isnan(y)) return Order::kUnordered;
  return x < y ? Order::kLess : (x > y ? Order::kGreater : Order::kEqual);
}

bool typed_op(Op op) {
  switch (op) {
    case Op::kLiteral:
    case Op::kVar:
    case Op::kIf:
    case Op::kAnd:
    case Op::kOr:
    case Op::kNot:
    case Op::kNotNot:
    case Op::kEq:
    case Op::kStrictEq:
    case Op::kNe:
    case Op::kStrictNe:
    case Op::kGt:
    case Op::kGe:
    case Op::kLt:
    case Op::kLe:
    case Op::kIn:
    case Op::kMod:
    case Op::kMax:
    case Op::kMin:
    case Op::kAdd:
    case Op::kSub:
    case Op::kMul:
    case Op::kDiv:
      return true;
    default:
      return false;
  }
}

}  // namespace

Json to_json(const Typed& value) {
  switch (value.kind) {
    case Typed::kNull:
      return nullptr;
    case Typed::kBool:
      return value.boolean;
    case Typed::kInt:
      return static_cast<std::int64_t>(value.number);
    case Typed::kDouble:
      return value.number;
    case Typed::kString:
      return std::string(value.text);
    case Typed::kList: {
      Json out = Json::array();
      for (std::uint32_t i = 0; i < value.count; ++i) out.push_back(std::string(value.items[i]));
      return out;
    }
  }
  return nullptr;
}

bool truthy(const Typed& value) {
  switch (value.kind) {
    case Typed::kNull:
      return false;
    case Typed::kBool:
      return value.boolean;
    case Typed::kInt:
      return value.number != 0;
    case Typed::kDouble:
      return value.number != 0 && !std::isnan(value.number);
    case Typed::kString:
      return !value.text.empty();
    case Typed::kList:
      return value.count > 0;
  }
  return false;
}

std::optional<TypedRule> TypedRule::compile(const Rule& rule, const std::function<int(std::string_view)>& slot_of) {
  TypedRule out;
  out.strings_ = std::make_shared<std::deque<std::string>>();
  out.lists_ = std::make_shared<std::deque<std::vector<std::string_view>>>();
  if (rule.root_ == nullptr) {
    out.nodes_.push_back({});
    return out;
  }
  // Breadth by recursion: each node's children are stored contiguously in children_.
  bool ok = true;
  std::function<std::uint32_t(const logic::Node&)> add = [&](const logic::Node& node) -> std::uint32_t {
    const auto index = static_cast<std::uint32_t>(out.nodes_.size());
    out.nodes_.push_back({});
    if (!ok) return index;
    if (!typed_op(node.op) || node.dynamic || !node.top_level) {
      ok = false;
      return index;
    }
    Node n;
    n.op = static_cast<std::uint8_t>(node.op);
    if (node.op == Op::kLiteral) {
      const Json& v = node.literal;
      if (v.is_null()) {
        n.literal = Typed::null();
      } else if (v.is_boolean()) {
        n.literal = Typed::of_bool(v.get<bool>());
      } else if (v.is_number_integer()) {
        n.literal = Typed::of_int(v.get<std::int64_t>());
      } else if (v.is_number()) {
        n.literal = Typed::of_double(v.get<double>());
      } else if (v.is_string()) {
        out.strings_->push_back(v.get<std::string>());
        n.literal = Typed::of_string(out.strings_->back());
      } else if (v.is_array()) {
        std::vector<std::string_view> items;
        for (const Json& e : v) {
          if (!e.is_string()) {
            ok = false;
            return index;
          }
          out.strings_->push_back(e.get<std::string>());
          items.push_back(out.strings_->back());
        }
        out.lists_->push_back(std::move(items));
        n.literal.kind = Typed::kList;
        n.literal.items = out.lists_->back().data();
        n.literal.count = static_cast<std::uint32_t>(out.lists_->back().size());
      } else {
        ok = false;
        return index;
      }
    } else if (node.op == Op::kVar) {
      if (node.args.size() > 1 || node.paths.size() != 1) {  // a default: a present null differs from absent
        ok = false;
        return index;
      }
      n.slot = slot_of(node.paths[0].text);
      if (n.slot < 0) {
        ok = false;
        return index;
      }
    } else {
      std::vector<std::uint32_t> kids;
      for (const logic::Node& arg : node.args) kids.push_back(add(arg));
      n.first = static_cast<std::uint32_t>(out.children_.size());
      n.count = static_cast<std::uint32_t>(kids.size());
      out.children_.insert(out.children_.end(), kids.begin(), kids.end());
    }
    out.nodes_[index] = n;
    return index;
  };
  add(*rule.root_);
  if (!ok) return std::nullopt;
  return out;
}

Typed TypedRule::evaluate(const Typed* slots) const {
  Typed v = eval(0, slots);
  if (v.kind == Typed::kDouble && !std::isfinite(v.number)) return Typed::null();  // as JSON prints it
  return v;
}

Typed TypedRule::eval(std::uint32_t index, const Typed* slots) const {
  const Node& node = nodes_[index];
  const std::uint32_t* kids = children_.data() + node.first;
  const std::uint32_t n = node.count;
  switch (static_cast<Op>(node.op)) {
    case Op::kLiteral:
      return node.literal;
    case Op::kVar:
      return slots[node.slot];
    case Op::kIf: {
      std::uint32_t i = 0;
      for (; i + 1 < n; i += 2) {
        if (truthy(eval(kids[i], slots))) return eval(kids[i + 1], slots);
      }
      if (i < n) return eval(kids[i], slots);
      return Typed::null();
    }
    case Op::kAnd:
    case Op::kOr: {
      const bool decides = static_cast<Op>(node.op) == Op::kOr;
      Typed current;
      for (std::uint32_t i = 0; i < n; ++i) {
        current = eval(kids[i], slots);
        if (truthy(current) == decides) return current;
      }
      return current;
    }
    case Op::kNot:
      return Typed::of_bool(!truthy(eval(kids[0], slots)));
    case Op::kNotNot:
      return Typed::of_bool(truthy(eval(kids[0], slots)));
    case Op::kEq:
    case Op::kNe:
    case Op::kStrictEq:
    case Op::kStrictNe: {
      const Op op = static_cast<Op>(node.op);
      const Typed a = eval(kids[0], slots);
      const Typed b = eval(kids[1], slots);
      const bool strict = op == Op::kStrictEq || op == Op::kStrictNe;
      const bool equal = strict ? typed_strict_equal(a, b) : typed_loose_equal(a, b);
      return Typed::of_bool(op == Op::kEq || op == Op::kStrictEq ? equal : !equal);
    }
    case Op::kGt:
    case Op::kGe: {
      const Order order = typed_compare(eval(kids[0], slots), eval(kids[1], slots));
      return Typed::of_bool(order == Order::kGreater ||
                            (static_cast<Op>(node.op) == Op::kGe && order == Order::kEqual));
    }
    case Op::kLt:
    case Op::kLe: {
      const bool or_equal = static_cast<Op>(node.op) == Op::kLe;
      auto holds = [or_equal](Order order) { return order == Order::kLess || (or_equal && order == Order::kEqual); };
      const Typed a = eval(kids[0], slots);
      const Typed b = eval(kids[1], slots);
      bool result = holds(typed_compare(a, b));
      if (n == 3) {
        const Typed c = eval(kids[2], slots);
        result = result && holds(typed_compare(b, c));
      }
      return Typed::of_bool(result);
    }
    case Op::kIn: {
      const Typed needle = eval(kids[0], slots);
      const Typed haystack = eval(kids[1], slots);
      if (haystack.kind == Typed::kString) {
        if (haystack.text.empty()) return Typed::of_bool(false);
        if (needle.kind == Typed::kString)
          return Typed::of_bool(haystack.text.find(needle.text) != std::string_view::npos);
        return Typed::of_bool(haystack.text.find(js_string(to_json(needle))) != std::string_view::npos);
      }
      if (haystack.kind == Typed::kList && needle.kind == Typed::kString) {
        for (std::uint32_t i = 0; i < haystack.count; ++i) {
          if (haystack.items[i] == needle.text) return Typed::of_bool(true);
        }
      }
      return Typed::of_bool(false);  // a list holds strings only: nothing else is strictly equal to an item
    }
    case Op::kMod:
      return typed_number(std::fmod(typed_to_number(eval(kids[0], slots)), typed_to_number(eval(kids[1], slots))));
    case Op::kMax:
    case Op::kMin: {
      const bool max = static_cast<Op>(node.op) == Op::kMax;
      double result = max ? -kInfinity : kInfinity;
      bool nan = false;
      for (std::uint32_t i = 0; i < n; ++i) {
        const double x = typed_to_number(eval(kids[i], slots));
        if (std::isnan(x)) nan = true;
        result = max ? std::max(result, x) : std::min(result, x);
      }
      return typed_number(nan ? kNaN : result);
    }
    case Op::kAdd: {
      double sum = 0;
      for (std::uint32_t i = 0; i < n; ++i) sum += typed_parse_float(eval(kids[i], slots));
      return typed_number(sum);
    }
    case Op::kMul: {
      if (n == 1) return eval(kids[0], slots);
      double product = typed_parse_float(eval(kids[0], slots));
      for (std::uint32_t i = 1; i < n; ++i) product *= typed_parse_float(eval(kids[i], slots));
      return typed_number(product);
    }
    case Op::kSub: {
      const double a = typed_to_number(eval(kids[0], slots));
      if (n == 1) return typed_number(-a);
      return typed_number(a - typed_to_number(eval(kids[1], slots)));
    }
    case Op::kDiv: {
      const double a = typed_to_number(eval(kids[0], slots));
      return typed_number(a / typed_to_number(eval(kids[1], slots)));
    }
    default:
      return Typed::null();
  }
}

}  // namespace assess::logic
