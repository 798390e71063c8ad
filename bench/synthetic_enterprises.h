// synthetic_enterprises.h — made-up enterprises for the bureau benchmarks and tests: N candidates
// with profile facts and module results in the shape enterprise_facts() gives, drawn from plausible
// distributions (regions across the five seed jurisdictions and elsewhere, manufacturing divisions,
// sizes with about 40 % 规上, smart-factory tiers mostly none or 基础级, SME digital levels skewed
// low, CNC rates, recognitions, green factories, tech investment). Every enterprise is fictional.
//
// Deterministic: enterprise i depends only on (seed, i), through a SplitMix64 generator and our own
// uniform / normal draws (the standard library's distributions differ between implementations), so
// the first k enterprises of N are the same for every N ≥ k, on every platform.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "scoring/profile.h"
#include "scoring/rank.h"

namespace assess::bench {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {  // SplitMix64
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }  // [0, 1)
  bool chance(double p) { return uniform() < p; }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(uniform() * static_cast<double>(n)); }
  double normal(double mean, double sd) {  // Box–Muller
    const double u1 = 1.0 - uniform();
    const double u2 = uniform();
    return mean + sd * std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  double lognormal(double median, double sigma) { return median * std::exp(normal(0, sigma)); }
  // Index drawn with the given weights (they need not sum to 1).
  template <typename Weights>
  std::size_t pick(const Weights& weights) {
    double total = 0;
    for (double w : weights) total += w;
    double u = uniform() * total;
    std::size_t i = 0;
    for (double w : weights) {
      if (u < w) return i;
      u -= w;
      ++i;
    }
    return i - 1;
  }

 private:
  std::uint64_t state_;
};

namespace detail {

struct Area {
  const char* name;
  double weight;
  std::vector<const char*> codes;                              // GB/T 2260 counties in it
  std::vector<std::pair<const char*, double>> industry_boost;  // divisions more common here
};

inline const std::vector<Area>& areas() {
  static const std::vector<Area> kAreas = {
      {"锡山", 0.16, {"320205"}, {{"36", 3}, {"34", 2}, {"38", 2}, {"33", 1.5}}},
      {"无锡其他", 0.06, {"320206", "320211", "320214", "320281", "320282"}, {{"39", 2}, {"38", 1.5}}},
      {"昆山", 0.14, {"320583"}, {{"39", 4}, {"38", 1.5}, {"34", 1.5}}},
      {"苏州其他", 0.05, {"320506", "320576", "320582", "320585"}, {{"39", 3}, {"35", 1.5}}},
      {"嘉兴",
       0.15,
       {"330402", "330411", "330421", "330424", "330481", "330482", "330483"},
       {{"17", 3}, {"18", 2}, {"28", 3}}},
      {"聊城",
       0.12,
       {"371502", "371503", "371521", "371522", "371524", "371525", "371526", "371581"},
       {{"31", 2}, {"32", 2}, {"33", 2}, {"13", 2}}},
      {"攀枝花", 0.07, {"510402", "510403", "510411", "510421", "510422"}, {{"31", 4}, {"32", 3}, {"26", 2}}},
      {"其他", 0.25, {"330106", "330110", "440305", "440306", "370211", "370214"}, {}},
  };
  return kAreas;
}

// Manufacturing divisions (GB/T 4754-2017) with a base weight, and the groups the code list holds.
struct Division {
  const char* code;
  double weight;
  std::vector<const char*> groups;
};

inline const std::vector<Division>& divisions() {
  static const std::vector<Division> kDivisions = {
      {"13", 3, {}},
      {"14", 2, {}},
      {"15", 1, {}},
      {"17", 4, {"171", "172", "175", "176", "178"}},
      {"18", 2, {}},
      {"19", 1, {}},
      {"20", 1, {}},
      {"21", 1, {}},
      {"22", 1.5, {}},
      {"23", 1, {}},
      {"24", 1, {}},
      {"25", 0.5, {}},
      {"26", 6, {"261", "263", "265", "266", "268"}},
      {"27", 2, {}},
      {"28", 1.5, {}},
      {"29", 5, {"291", "292"}},
      {"30", 4, {"301", "302", "303", "305", "308"}},
      {"31", 1.5, {"311", "312", "313", "314"}},
      {"32", 1.5, {"321", "322", "323", "324", "325"}},
      {"33", 8, {"331", "332", "333", "336", "339"}},
      {"34", 9, {"341", "342", "344", "345", "346", "348"}},
      {"35", 7, {"351", "352", "355", "356", "358"}},
      {"36", 5, {"361", "362", "366", "367"}},
      {"37", 2, {}},
      {"38", 7, {"381", "382", "383", "384", "385", "387"}},
      {"39", 7, {"391", "392", "396", "397", "398"}},
      {"40", 2, {"401", "402", "403"}},
      {"41", 1, {}},
      {"42", 1, {}},
      {"43", 0.5, {}},
  };
  return kDivisions;
}

// Rounds to `decimals` places through an exact power of ten, so 125.3 prints as 125.3.
inline double round_to(double v, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(v * scale) / scale;
}
inline double clamp(double v, double lo, double hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

// A fictional 18-character USCC with a correct GB 32100 check character: "91", the county code,
// eight digits, their GB 11714 check character, the USCC check character. The eight digits are the
// enterprise's index, so no two synthetic enterprises share a USCC (random digits did: the streams
// of neighbouring indexes overlap, and the importer now refuses a USCC given twice); the random
// draws are still made, so every other fact stays as it was.
inline std::string fictional_uscc(Rng& rng, const std::string& region, std::size_t index) {
  std::string body;
  int sum = 0;
  static const int kWeights[] = {3, 7, 9, 10, 5, 8, 4, 2};
  std::size_t rest = index % 100000000;
  int digits[8];
  for (int k = 7; k >= 0; --k) {
    digits[k] = static_cast<int>(rest % 10);
    rest /= 10;
  }
  for (int k = 0; k < 8; ++k) {
    (void)rng.below(10);
    const int d = digits[k];
    body += static_cast<char>('0' + d);
    sum += d * kWeights[k];
  }
  const int c = 11 - sum % 11;
  body += c == 10 ? 'X' : (c == 11 ? '0' : static_cast<char>('0' + c));
  std::string first17 = "91" + region + body;
  return first17 + uscc_check_character(first17);
}

}  // namespace detail

inline Candidate synthetic_enterprise(std::uint64_t seed, std::size_t index) {
  using detail::clamp;
  using detail::round_to;
  Rng rng(seed * 0x100000001B3ULL + index * 0x9E3779B97F4A7C15ULL + 1);
  Candidate c;
  char id[16];
  std::snprintf(id, sizeof id, "E%06zu", index + 1);
  c.id = id;
  c.name = std::string("合成样例企业") + id + "（虚构）";

  // Where, and in which industry.
  std::vector<double> area_weights;
  for (const auto& a : detail::areas()) area_weights.push_back(a.weight);
  const detail::Area& area = detail::areas()[rng.pick(area_weights)];
  const std::string region = area.codes[rng.below(area.codes.size())];
  std::vector<double> division_weights;
  for (const auto& d : detail::divisions()) {
    double w = d.weight;
    for (const auto& [code, boost] : area.industry_boost) {
      if (std::string(code) == d.code) w *= boost;
    }
    division_weights.push_back(w);
  }
  const detail::Division& division = detail::divisions()[rng.pick(division_weights)];
  std::string industry = division.code;
  if (!division.groups.empty() && rng.chance(0.35)) industry = division.groups[rng.below(division.groups.size())];

  // Size: main-business revenue lognormal with median 1370万 and σ 1.5 puts about 40 % at or above
  // 2000万 (规上); revenue per employee around 60万.
  const double revenue = round_to(std::max(50.0, rng.lognormal(1370, 1.5)), 1);
  const double per_employee = rng.lognormal(60, 1);
  const double employees = std::max(3.0, std::round(revenue / per_employee));
  const double growth = rng.normal(0.05, 0.12);
  const SizeClass size = industry_size_class(employees, revenue);
  const bool above = above_designated_size(revenue);
  const bool sme = size != SizeClass::kLarge;

  Json p = Json::object();
  p["name"] = c.name;
  p["uscc"] = detail::fictional_uscc(rng, region, index);
  p["region"] = region;
  p["industry"] = industry;
  p["last_year"] = 2024;
  p["employees"] = static_cast<long long>(employees);
  p["revenue_last_year"] = revenue;
  p["revenue_prev_year"] = round_to(revenue / (1 + clamp(growth, -0.5, 1.0)), 1);
  p["size_class"] = to_chinese(size);
  p["is_sme"] = sme;
  p["above_designated_size"] = above;

  // SME recognitions (SMEs only), skewed towards 规上 firms.
  static const char* kClasses[] = {"none", "innovative", "provincial_zjtx", "little_giant"};
  std::size_t quality = 0;
  if (sme) {
    quality = above ? rng.pick(std::vector<double>{0.68, 0.16, 0.12, 0.04})
                    : rng.pick(std::vector<double>{0.85, 0.11, 0.035, 0.005});
  }
  p["sme_quality_tier"] = kClasses[quality];
  p["single_champion"] = quality == 3 ? rng.chance(0.1) : rng.chance(0.002);
  p["high_tech_enterprise"] = rng.chance(above ? 0.35 : 0.1);

  // Recognised smart-factory tier: only 规上 firms qualify.
  static const char* kTiers[] = {"none", "basic", "advanced", "excellent", "leading"};
  static const char* kBy[] = {"", "self", "province", "ministries", "ministries"};
  const std::size_t tier = above ? rng.pick(std::vector<double>{0.52, 0.34, 0.10, 0.03, 0.01}) : 0;
  if (rng.chance(0.02)) {
    // A few profiles leave the tier unanswered.
  } else {
    p["smart_factory_tier"] = kTiers[tier];
    if (tier > 0) {
      p["smart_factory_year"] = 2022 + static_cast<int>(rng.below(4));
      p["smart_factory_by"] = kBy[tier];
    }
  }
  static const char* kGreen[] = {"none", "municipal", "provincial", "national"};
  if (!rng.chance(0.03)) {
    p["green_factory_level"] = kGreen[above ? rng.pick(std::vector<double>{0.88, 0.05, 0.05, 0.02})
                                            : rng.pick(std::vector<double>{0.97, 0.02, 0.01, 0.0})];
  }
  p["specialty_park"] = rng.chance(0.15);
  if (p["specialty_park"].get<bool>()) p["park_fits_positioning"] = rng.chance(0.8);
  static const char* kRatings[] = {"A", "B", "C", "D", "unrated"};
  p["resource_rating"] = kRatings[rng.pick(std::vector<double>{0.2, 0.35, 0.25, 0.05, 0.15})];
  p["substandard_equipment"] = rng.chance(0.05);

  // Dashboard indicators.
  if (!rng.chance(0.04)) p["digital_rd_tools"] = rng.chance(above ? 0.82 + 0.04 * static_cast<double>(tier) : 0.45);
  if (!rng.chance(0.05)) {
    const double cnc = above ? rng.normal(68, 15) + 5 * static_cast<double>(tier) : rng.normal(45, 20);
    p["key_process_cnc_rate"] = round_to(clamp(cnc, 0, 100), 1);
  }
  // Investment over the last two calendar years (万元).
  if (rng.chance(above ? 0.6 : 0.25)) {
    p["tech_investment_two_years"] = round_to(above ? rng.lognormal(900, 1.1) : rng.lognormal(120, 1.0), 1);
  } else {
    p["tech_investment_two_years"] = 0;
  }

  Json results = Json::object();
  // SME digital level (2024 edition): skewed low; recognised SMEs score higher.
  const double sme_assessed = !sme ? 0.1 : (quality >= 2 ? 0.9 : (quality == 1 ? 0.75 : 0.5));
  if (rng.chance(sme_assessed)) {
    static const double kBonus[] = {0, 5, 12, 20};
    const double total = round_to(
        clamp(75 * std::pow(rng.uniform(), 1.4) + kBonus[quality] + (above ? 6 : 0) + rng.normal(0, 4), 0, 100), 1);
    int level = total >= 80 ? 4 : total >= 60 ? 3 : total >= 40 ? 2 : total >= 20 ? 1 : 0;
    if (level > 0 && rng.chance(0.15)) --level;  // the scene gates hold some firms one level down
    results["sme-digital-2024"] = {{"level", level == 0 ? Json() : Json("L" + std::to_string(level))},
                                   {"total", total}};
  }
  // Smart-factory self-check: 规上 only can reach a tier; recognised firms are usually assessed.
  if (rng.chance(above ? (tier > 0 ? 0.85 : 0.5) : 0.05)) {
    std::size_t level = 0;
    if (above) {
      level = tier > 0 ? tier : rng.pick(std::vector<double>{0.6, 0.35, 0.05});
      if (level < 4 && rng.chance(0.2)) ++level;  // ready for the next tier
    }
    const double total = round_to(clamp(20 * static_cast<double>(level) + 20 * rng.uniform(), 0, 100), 1);
    results["smart-factory-2025"] = {{"level", level == 0 ? Json() : Json("SF" + std::to_string(level))},
                                     {"total", total}};
  }
  // CMMM indicative self-check (GB/T 39116): S in [0.8, 1.8) → level 1, … [4.8, 5] → level 5.
  if (rng.chance(above ? 0.25 : 0.03)) {
    const double s = round_to(clamp(rng.normal(1.6 + 0.5 * static_cast<double>(tier), 0.7), 0, 5), 2);
    const int level = s >= 4.8 ? 5 : s >= 3.8 ? 4 : s >= 2.8 ? 3 : s >= 1.8 ? 2 : s >= 0.8 ? 1 : 0;
    results["cmmm"] = {{"level", level == 0 ? Json() : Json("CMMM" + std::to_string(level))}, {"total", s}};
  }

  c.facts = {{"profile", std::move(p)}, {"region", region}, {"results", std::move(results)}};
  return c;
}

inline std::vector<Candidate> synthetic_enterprises(std::size_t n, std::uint64_t seed) {
  std::vector<Candidate> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(synthetic_enterprise(seed, i));
  return out;
}

}  // namespace assess::bench
