// bureau_support.h — bureau records for the tests that store them: synthetic enterprises (the
// benchmarks' generator) with facts that do not fit the typed columns or read oddly mixed in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "../bench/synthetic_enterprises.h"
#include "store.h"

namespace assess::testing {

// Synthetic enterprises plus a few whose facts do not fit the typed columns or read oddly: a number
// given as text, a list with a non-string, a missing profile, no region, a
// yes/no given as 1, labels, an explicit null.
inline std::vector<Candidate> mixed_candidates(std::size_t n, std::uint64_t seed) {
  auto out = assess::bench::synthetic_enterprises(n, seed);
  for (std::size_t i = 0; i < out.size(); i += 37) out[i].facts["profile"]["employees"] = "about 200";
  for (std::size_t i = 5; i < out.size(); i += 41)
    out[i].facts["profile"]["provincial_labels"] = Json::array({"smart_factory", 3});
  for (std::size_t i = 9; i < out.size(); i += 43) out[i].facts["profile"]["provincial_labels"] = Json::array({"none"});
  for (std::size_t i = 11; i < out.size(); i += 29)
    out[i].facts["profile"]["provincial_labels"] = Json::array({"digital_workshop", "future_factory"});
  for (std::size_t i = 13; i < out.size(); i += 53) out[i].facts["profile"]["above_designated_size"] = 1;
  for (std::size_t i = 17; i < out.size(); i += 59) out[i].facts["profile"]["key_process_cnc_rate"] = nullptr;
  for (std::size_t i = 19; i < out.size(); i += 61) out[i].facts.erase("profile");
  for (std::size_t i = 23; i < out.size(); i += 67) out[i].facts.erase("region");
  for (std::size_t i = 29; i < out.size(); i += 71) out[i].facts["results"]["sme-digital-2024"] = "L2";
  // Technical projects on record (dashboard.h, project_facts), and counts that are not whole numbers.
  for (std::size_t i = 2; i < out.size(); i += 3) out[i].facts["projects"] = {{"count", static_cast<int>(i % 6)}};
  for (std::size_t i = 31; i < out.size(); i += 97) out[i].facts["projects"] = {{"count", 2.5}};
  for (std::size_t i = 37; i < out.size(); i += 89) out[i].facts["projects"] = {{"count", "3"}};
  return out;
}

inline std::vector<Store::BureauRecord> records_of(const std::vector<Candidate>& candidates) {
  std::vector<Store::BureauRecord> out;
  for (const auto& c : candidates)
    out.push_back({c.id, c.name, c.facts.value("region", std::string()), c.facts, Json(), ""});
  return out;
}

}  // namespace assess::testing
