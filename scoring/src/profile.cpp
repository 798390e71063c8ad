#include "scoring/profile.h"

#include <cstdint>

namespace assess {
namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr int kWeights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

int value_of(char c) {
  auto pos = kAlphabet.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

// Decodes one UTF-8 code point at `i`, advancing it; returns 0xFFFD for malformed input.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto c = static_cast<unsigned char>(s[i]);
  int extra = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
  if (extra < 0 || i + static_cast<std::size_t>(extra) >= s.size() + (extra == 0 ? 1 : 0)) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = extra == 0 ? c : (c & (0x3F >> extra));
  for (int k = 1; k <= extra; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((cc >> 6) != 2) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  i += static_cast<std::size_t>(extra) + 1;
  return cp;
}

std::string describe_char(char32_t cp) {
  if (cp < 0x80) return std::string("\"") + static_cast<char>(cp) + "\"";
  return "U+" + [&] {
    static const char* kHex = "0123456789ABCDEF";
    std::string h;
    for (int shift = 12; shift >= 0; shift -= 4) h += kHex[(cp >> shift) & 15];
    return h;
  }();
}

}  // namespace

char uscc_check_character(std::string_view first17) {
  if (first17.size() != 17) return 0;
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) {
    int v = value_of(first17[i]);
    if (v < 0) return 0;
    sum += v * kWeights[i];
  }
  return kAlphabet[static_cast<std::size_t>((31 - sum % 31) % 31)];
}

UsccCheck check_uscc(std::string_view input) {
  UsccCheck out;
  // Normalise: full-width ASCII (U+FF01–U+FF5E) and the ideographic space fold to ASCII; spaces
  // and hyphens are dropped; letters are upper-cased.
  std::string bad;
  for (std::size_t i = 0; i < input.size();) {
    char32_t cp = next_code_point(input, i);
    if (cp == 0x3000) cp = ' ';
    if (cp >= 0xFF01 && cp <= 0xFF5E) cp = cp - 0xFF01 + 0x21;
    if (cp == ' ' || cp == '\t' || cp == '-' || cp == '\r' || cp == '\n') continue;
    if (cp >= 'a' && cp <= 'z') cp = cp - 'a' + 'A';
    if (cp >= 0x80) {
      if (bad.empty()) bad = describe_char(cp);
      out.normalized += '?';
      continue;
    }
    out.normalized += static_cast<char>(cp);
  }
  const std::string& n = out.normalized;
  if (n.size() != 18) {
    out.error = "a unified social credit code has 18 characters; got " + std::to_string(n.size());
    out.error_zh = "统一社会信用代码应为18位，实际为" + std::to_string(n.size()) + "位";
    return out;
  }
  for (std::size_t i = 0; i < n.size(); ++i) {
    if (value_of(n[i]) < 0) {
      const std::string what = n[i] == '?' ? bad : std::string("\"") + n[i] + "\"";
      out.error = "character " + std::to_string(i + 1) + " (" + what +
                  ") is not allowed; codes use digits and capital letters except I, O, S, V, Z";
      out.error_zh =
          "第" + std::to_string(i + 1) + "位字符（" + what + "）不合法：只能使用数字和除 I、O、S、V、Z 以外的大写字母";
      return out;
    }
  }
  const char first = n[0];
  if (!((first >= '1' && first <= '9') || first == 'A' || first == 'N' || first == 'Y')) {
    out.error = std::string("the registration-authority code \"") + first + "\" is not one of 1–9, A, N, Y";
    out.error_zh = std::string("登记管理部门代码“") + first + "”不在 1–9、A、N、Y 之中";
    return out;
  }
  out.expected_check = uscc_check_character(std::string_view(n).substr(0, 17));
  if (n[17] != out.expected_check) {
    out.error = std::string("check character is \"") + n[17] + "\" but the first 17 characters call for \"" +
                out.expected_check + "\"";
    out.error_zh = std::string("校验码为“") + n[17] + "”，按前17位应为“" + out.expected_check + "”";
    return out;
  }
  out.valid = true;
  // GB 11714 organisation code (positions 9–17): weights 3 7 9 10 5 8 4 2, check 11 − Σ mod 11.
  static const int kOrgWeights[8] = {3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  bool computable = true;
  for (std::size_t i = 0; i < 8; ++i) {
    const char c = n[8 + i];
    int v = c >= '0' && c <= '9' ? c - '0' : (c >= 'A' && c <= 'Z' ? c - 'A' + 10 : -1);
    computable = computable && v >= 0;
    sum += v * kOrgWeights[i];
  }
  if (computable) {
    const int check = 11 - sum % 11;
    const char expected = check == 10 ? 'X' : check == 11 ? '0' : static_cast<char>('0' + check);
    if (n[16] != expected) {
      out.warnings.push_back(std::string("the embedded organisation code (GB 11714) check character is \"") + n[16] +
                             "\", expected \"" + expected + "\"; some issued codes differ, so this is only a warning");
    }
  }
  return out;
}

const char* to_string(SizeClass size) {
  switch (size) {
    case SizeClass::kLarge:
      return "large";
    case SizeClass::kMedium:
      return "medium";
    case SizeClass::kSmall:
      return "small";
    case SizeClass::kMicro:
      return "micro";
  }
  return "?";
}

const char* to_chinese(SizeClass size) {
  switch (size) {
    case SizeClass::kLarge:
      return "大型";
    case SizeClass::kMedium:
      return "中型";
    case SizeClass::kSmall:
      return "小型";
    case SizeClass::kMicro:
      return "微型";
  }
  return "?";
}

SizeClass industry_size_class(double employees, double revenue_wan) {
  if (employees >= 1000 && revenue_wan >= 40000) return SizeClass::kLarge;
  if (employees >= 300 && revenue_wan >= 2000) return SizeClass::kMedium;
  if (employees >= 20 && revenue_wan >= 300) return SizeClass::kSmall;
  return SizeClass::kMicro;
}

bool above_designated_size(double revenue_wan) {
  return revenue_wan >= 2000;
}

}  // namespace assess
