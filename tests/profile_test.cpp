#include "scoring/profile.h"

#include <doctest/doctest.h>

using assess::check_uscc;
using assess::industry_size_class;
using assess::SizeClass;

TEST_CASE("USCC check character (GB 32100-2015)") {
  SUBCASE("the worked example 91110000600037341L is valid") {
    auto r = check_uscc("91110000600037341L");
    CHECK(r.valid);
    CHECK(r.error.empty());
    CHECK(r.expected_check == 'L');
  }
  SUBCASE("a one-character change is rejected naming the expected check character") {
    auto r = check_uscc("91110000600037342L");
    CHECK_FALSE(r.valid);
    CHECK(r.expected_check == assess::uscc_check_character("91110000600037342"));
    CHECK(r.error ==
          std::string("check character is \"L\" but the first 17 characters call for \"") + r.expected_check + "\"");
  }
  SUBCASE("every single-character change of a valid code is rejected") {
    const std::string good = "91110000600037341L";
    const std::string alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    for (std::size_t i = 0; i < good.size(); ++i) {
      for (char c : alphabet) {
        if (c == good[i]) continue;
        std::string bad = good;
        bad[i] = c;
        CHECK_MESSAGE(!check_uscc(bad).valid, bad);
      }
    }
  }
  SUBCASE("codes starting with A, N or Y are not rejected for that reason") {
    for (char first : {'A', 'N', 'Y'}) {
      std::string body = std::string(1, first) + "1110000600037341";
      std::string code = body + assess::uscc_check_character(body);
      CHECK_MESSAGE(check_uscc(code).valid, code);
    }
  }
  SUBCASE("an unknown registration-authority code is rejected") {
    std::string body = "B1110000600037341";
    auto r = check_uscc(body + assess::uscc_check_character(body));
    CHECK_FALSE(r.valid);
    CHECK(r.error == "the registration-authority code \"B\" is not one of 1–9, A, N, Y");
  }
  SUBCASE("lower-case, full-width, spaces and hyphens are normalised") {
    CHECK(check_uscc("91110000600037341l").valid);
    CHECK(check_uscc(" 9111-0000-6000-37341L ").valid);
    auto full = check_uscc("９１１１００００６０００３７３４１Ｌ");
    CHECK(full.valid);
    CHECK(full.normalized == "91110000600037341L");
    CHECK(check_uscc("９１１１００００６０００３７３４１ｌ").valid);
  }
  SUBCASE("wrong length says how many characters were given") {
    auto r = check_uscc("9111000060003734");
    CHECK_FALSE(r.valid);
    CHECK(r.error == "a unified social credit code has 18 characters; got 16");
    CHECK(r.error_zh == "统一社会信用代码应为18位，实际为16位");
  }
  SUBCASE("letters outside the alphabet are named with their position") {
    auto r = check_uscc("91110000600037341O");
    CHECK_FALSE(r.valid);
    CHECK(r.error == "character 18 (\"O\") is not allowed; codes use digits and capital letters except I, O, S, V, Z");
    auto cjk = check_uscc("9111000060003734中L");
    CHECK_FALSE(cjk.valid);
    CHECK(cjk.error ==
          "character 17 (U+4E2D) is not allowed; codes use digits and capital letters except I, O, S, V, Z");
  }
}

TEST_CASE("size class by the industry clause of 工信部联企业〔2011〕300号") {
  SUBCASE("300 staff and 2000万 is medium; 1999万 drops to small") {
    CHECK(industry_size_class(300, 2000) == SizeClass::kMedium);
    CHECK(industry_size_class(300, 1999) == SizeClass::kSmall);
    CHECK(industry_size_class(299, 2000) == SizeClass::kSmall);
  }
  SUBCASE("large needs both 1000 staff and 40000万") {
    CHECK(industry_size_class(1000, 40000) == SizeClass::kLarge);
    CHECK(industry_size_class(999, 40000) == SizeClass::kMedium);
    CHECK(industry_size_class(1000, 39999) == SizeClass::kMedium);
  }
  SUBCASE("small needs 20 staff and 300万; below either is micro") {
    CHECK(industry_size_class(20, 300) == SizeClass::kSmall);
    CHECK(industry_size_class(19, 300) == SizeClass::kMicro);
    CHECK(industry_size_class(20, 299) == SizeClass::kMicro);
  }
  SUBCASE("a firm missing one bound of a class drops one class") {
    CHECK(industry_size_class(350, 1500) == SizeClass::kSmall);
    // The clause: 从业人员300人及以上，且营业收入2000万元及以上的为中型企业 — 50 staff miss the staff bound,
    // so 50 staff with 5亿 revenue is small, not medium as shared/domain/enterprise-profile.md says.
    CHECK(industry_size_class(50, 50000) == SizeClass::kSmall);
  }
  SUBCASE("规上 means at least 2000万 main-business revenue") {
    CHECK(assess::above_designated_size(2000));
    CHECK_FALSE(assess::above_designated_size(1999.99));
  }
}
