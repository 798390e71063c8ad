// synthetic.h — a generated questionnaire of any size for benchmarks: sections of 20 questions
// mixing every scored type, conditions, computed bands and levels with score and count gates,
// and random answer sets for it. Deterministic for a given seed.
#pragma once

#include <nlohmann/json.hpp>
#include <random>
#include <string>

namespace assess::bench {

inline nlohmann::json synthetic_definition(int questions) {
  using nlohmann::json;
  json sections = json::array();
  json computed = json::array();
  const int per_section = 20;
  int made = 0;
  for (int s = 0; made < questions; ++s) {
    json qs = json::array();
    for (int k = 0; k < per_section && made < questions; ++k, ++made) {
      const std::string id = "q" + std::to_string(made);
      json q = {{"id", id}, {"title", {{"zh-CN", "问题 " + id}, {"en", "Question " + id}}}, {"cite", "synthetic"}};
      switch (made % 8) {
        case 0:
        case 1:
          q["type"] = "single";
          q["options"] = json::array();
          for (int o = 0; o < 5; ++o) {
            q["options"].push_back(
                {{"id", "o" + std::to_string(o)}, {"label", "选项" + std::to_string(o)}, {"points", o * 1.5}});
          }
          break;
        case 2:
          q["type"] = "multi";
          q["options"] = json::array({{{"id", "none"}, {"label", "无"}, {"exclusive", true}}});
          for (int o = 0; o < 4; ++o) {
            q["options"].push_back(
                {{"id", "m" + std::to_string(o)}, {"label", "能力" + std::to_string(o)}, {"points", 1.25}});
          }
          break;
        case 3:
          q["type"] = "ladder";
          q["options"] = json::array();
          for (int o = 0; o < 5; ++o) {
            q["options"].push_back(
                {{"id", "l" + std::to_string(o)}, {"label", "等级" + std::to_string(o)}, {"level", o}});
          }
          q["tags"] = json::array({k % 2 ? "constraint" : "guidance"});
          break;
        case 4:
          q["type"] = "yesno";
          q["points"] = {{"yes", 2}, {"no", 0}};
          // Shown only when the single choice two questions earlier is past its first option.
          q["visible_if"] = {{"!=", json::array({{{"var", "q" + std::to_string(made - 4)}}, "o0"})}};
          break;
        case 5:
          q["type"] = "number";
          q["min"] = 0;
          q["unit"] = "台";
          break;
        case 6: {
          q["type"] = "number";
          q["min"] = 0;
          q["unit"] = "台";
          const std::string ratio = "ratio" + std::to_string(made);
          computed.push_back(
              {{"id", ratio},
               {"expr",
                {{"if", json::array({{{">", json::array({{{"var", id}}, 0})}},
                                     {{"*", json::array({100,
                                                         {{"/", json::array({{{"var", "q" + std::to_string(made - 1)}},
                                                                             {{"var", id}}})}}})}},
                                     nullptr})}}}});
          break;
        }
        default: {
          q["type"] = "band";
          q["value_from"] = "ratio" + std::to_string(made - 1);
          q["options"] =
              json::array({{{"id", "b0"}, {"label", "≤10%"}, {"points", 0}, {"range", {{"le", 10}}}},
                           {{"id", "b1"}, {"label", "10–40%"}, {"points", 3}, {"range", {{"gt", 10}, {"le", 40}}}},
                           {{"id", "b2"}, {"label", ">40%"}, {"points", 6}, {"range", {{"gt", 40}}}}});
          break;
        }
      }
      qs.push_back(q);
    }
    static const char* kAggregations[] = {"sum", "weighted_mean", "sum", "min"};
    sections.push_back({{"id", "s" + std::to_string(s)},
                        {"title", "分项 " + std::to_string(s)},
                        {"aggregation", kAggregations[s % 4]},
                        {"questions", qs}});
  }
  json levels = json::array();
  for (int l = 1; l <= 4; ++l) {
    levels.push_back(
        {{"id", "L" + std::to_string(l)},
         {"name", std::to_string(l) + "级"},
         {"requires", json::array({{{"id", "L" + std::to_string(l) + "-score"}, {"score", "synthetic"}, {">=", 20 * l}},
                                   {{"id", "L" + std::to_string(l) + "-scenes"},
                                    {"count", {{"tag", "constraint"}}},
                                    {"at_least", l},
                                    {">=", 3}}})}});
  }
  return {{"id", "synthetic"},    {"version", "1"},       {"title", "合成问卷"},          {"aggregation", "sum"},
          {"sections", sections}, {"computed", computed}, {"levels", {{"items", levels}}}};
}

inline nlohmann::json synthetic_answers(const nlohmann::json& definition, unsigned seed) {
  using nlohmann::json;
  std::mt19937 rng(seed);
  json answers = json::object();
  for (const auto& s : definition["sections"]) {
    for (const auto& q : s["questions"]) {
      const std::string type = q["type"];
      const std::string id = q["id"];
      if (type == "single") answers[id] = "o" + std::to_string(rng() % 5);
      if (type == "multi") {
        json picked = json::array();
        for (int o = 0; o < 4; ++o) {
          if (rng() % 2) picked.push_back("m" + std::to_string(o));
        }
        answers[id] = picked.empty() ? json::array({"none"}) : picked;
      }
      if (type == "ladder") answers[id] = static_cast<int>(rng() % 5);
      if (type == "yesno") answers[id] = rng() % 2 == 0;
      if (type == "number") answers[id] = static_cast<int>(10 + rng() % 90);
    }
  }
  return {{"questionnaire", definition["id"]}, {"answers", answers}};
}

}  // namespace assess::bench
