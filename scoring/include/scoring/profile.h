// profile.h — facts about the enterprise that every module and reward rule reads: the unified
// social credit code (统一社会信用代码, GB 32100-2015) with its check character, and the size class
// (大/中/小/微, 工信部联企业〔2011〕300号, industry clause) and 规上 flag derived from staff and revenue.
// Pure functions; the thresholds are the published ones and are cited where they are used.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace assess {

struct UsccCheck {
  std::string normalized;  // trimmed, spaces/hyphens dropped, full-width folded, upper-cased
  bool valid = false;
  std::string error;                  // why it is invalid, in English (empty when valid)
  std::string error_zh;               // the same in Chinese
  char expected_check = 0;            // the check character the first 17 characters call for (when computable)
  std::vector<std::string> warnings;  // e.g. the embedded GB 11714 organisation-code check fails
};

// Validates a USCC. Accepts registration-authority codes 1–9, A, N and Y; the GB 11714 check inside
// the code is only a warning because some legitimately issued codes fail it.
[[nodiscard]] UsccCheck check_uscc(std::string_view input);

// GB 32100 check character for the first 17 characters (already normalised); 0 when a character is
// outside the alphabet.
[[nodiscard]] char uscc_check_character(std::string_view first17);

enum class SizeClass { kLarge, kMedium, kSmall, kMicro };
[[nodiscard]] const char* to_string(SizeClass size);   // "large", "medium", "small", "micro"
[[nodiscard]] const char* to_chinese(SizeClass size);  // 大型, 中型, 小型, 微型

// Industry clause of 工信部联企业〔2011〕300号: tested from the top, a firm must reach both bounds of a
// class (large: ≥1000 staff and ≥40000万元; medium: ≥300 and ≥2000万元; small: ≥20 and ≥300万元);
// otherwise it drops one class.
[[nodiscard]] SizeClass industry_size_class(double employees, double revenue_wan);

// 规上工业企业: annual main-business revenue of at least 2000万元.
[[nodiscard]] bool above_designated_size(double revenue_wan);

}  // namespace assess
