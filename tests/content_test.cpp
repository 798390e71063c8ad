#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <tuple>
#include <vector>

#include "scoring/assessment.h"
#include "scoring/explain.h"
#include "support.h"

// The shipped questionnaires: every item cites its indicator, clause or standard, and every
// unconfirmed item says why.
TEST_CASE("every shipped questionnaire item has a citation") {
  const auto library = assess::Library::load_dir(ASSESS_SOURCE_DIR "/questionnaires");
  CHECK(library.ids() == std::vector<std::string>{"cmmm", "profile", "smart-factory-2025", "sme-digital-2024"});
  for (const auto& id : library.ids()) {
    const auto& q = *library.find(id);
    for (const auto& question : q.questions) {
      CHECK_MESSAGE(!question.provenance.cite.empty(), id << ": question " << question.id << " has no cite");
      if (question.provenance.confidence == "unconfirmed" || question.provenance.confidence == "low") {
        CHECK_MESSAGE(!question.provenance.note.zh.empty(),
                      id << ": question " << question.id << " is unconfirmed without a note");
      }
    }
    for (const auto& level : q.levels) {
      for (const auto& req : level.requirements) {
        CHECK_MESSAGE(!req.provenance.cite.empty(), id << ": requirement " << req.id << " has no cite");
        if (req.provenance.confidence == "unconfirmed" || req.provenance.confidence == "low") {
          CHECK_MESSAGE(!req.provenance.note.zh.empty(),
                        id << ": requirement " << req.id << " is unconfirmed without a note");
        }
      }
    }
  }
}

TEST_CASE("the crosswalk links facts between the shipped questionnaires") {
  const auto library = assess::Library::load_dir(ASSESS_SOURCE_DIR "/questionnaires");
  const auto crosswalk = assess::load_crosswalk(
      assess::read_json_file(ASSESS_SOURCE_DIR "/questionnaires/crosswalk.json"), "crosswalk.json", library);
  CHECK(crosswalk.links.size() >= 4);
  const auto doc = assess::read_json_file(ASSESS_SOURCE_DIR "/questionnaires/demo/assessment.json");
  const auto result = assess::score_assessment(library, crosswalk, doc, "demo");
  REQUIRE(result.errors.empty());
  const auto& sf = result.modules.at("smart-factory-2025");
  // The demo leaves these to the crosswalk: revenue and tier from the profile, maturity from CMMM.
  std::vector<std::string> filled;
  for (const auto& f : sf.filled) filled.push_back(f.question);
  CHECK(filled ==
        std::vector<std::string>{"main_business_revenue_last_year", "recognised_tier", "mat_level", "mat_source"});
  CHECK(result.order.front() != "smart-factory-2025");  // its sources are scored first
}

TEST_CASE("derived outputs of the SME level: 专精特新 points and the city-pilot target") {
  const auto library = assess::Library::load_dir(ASSESS_SOURCE_DIR "/questionnaires");
  const auto& q = *library.find("sme-digital-2024");
  auto parsed = assess::parse_answers(
      q, assess::read_json_file(ASSESS_SOURCE_DIR "/questionnaires/sme-digital-2024/demo-answers.json"), "demo");
  REQUIRE(parsed.errors.empty());
  const auto doc =
      assess::explain_score(q, parsed.set, assess::score(q, parsed.set), "zh-CN", assess::testing::zh_words());
  REQUIRE(doc["level"]["id"] == "L2");
  REQUIRE(doc["derived"].size() == 2);
  for (const auto& d : doc["derived"]) {
    if (d["id"] == "zjtx_points") CHECK(d["value"] == 3);         // 二级 → 3 points
    if (d["id"] == "city_pilot_target") CHECK(d["met"] == true);  // 二级 or higher
  }
}

// ------------------------------------------------------------------------------------------------
// Issue 10: content that keeps the sources' meaning

namespace {

const assess::Library& shipped() {
  static const auto library = assess::Library::load_dir(ASSESS_SOURCE_DIR "/questionnaires");
  return library;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Every text a user can see on a questionnaire item: titles, help, notes, option labels, descriptions.
std::vector<std::pair<std::string, std::string>> user_texts(const assess::Json& node, const std::string& where = "") {
  std::vector<std::pair<std::string, std::string>> out;
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string& k = it.key();
      if (k == "maintainer_note" || k == "parameters" || k == "$schema") continue;
      if (k == "note" || k == "help" || k == "title" || k == "label" || k == "description" || k == "name") {
        if (it->is_string()) out.emplace_back(where + "/" + k, it->get<std::string>());
        if (it->is_object()) {
          for (auto t = it->begin(); t != it->end(); ++t) {
            if (t->is_string()) out.emplace_back(where + "/" + k + "/" + t.key(), t->get<std::string>());
          }
        }
        continue;
      }
      auto more = user_texts(*it, where + "/" + k);
      out.insert(out.end(), more.begin(), more.end());
    }
  } else if (node.is_array()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      auto more = user_texts(node[i], where + "/" + std::to_string(i));
      out.insert(out.end(), more.begin(), more.end());
    }
  }
  return out;
}

const std::vector<std::string> kDefinitionFiles = {"cmmm/cmmm.json", "profile/profile.json",
                                                   "smart-factory-2025/smart-factory-2025.json",
                                                   "sme-digital-2024/sme-digital-2024.json", "crosswalk.json"};

}  // namespace

TEST_CASE("GB/T 39116 levels have no 中/高 grades: 先进级 needs 二级, 卓越级 三级, 领航级 四级, 基础级 二级") {
  // shared/domain/smart-factory-tiers.md (corrected): "GB/T 39116 maturity level (a plain level; GB/T
  // 39116 has no 中/高 grades inside a level) | ≥ 二级 | ≥ 二级 | ≥ 三级 | ≥ 四级" with the confidence row
  // "medium | high | high | medium".
  const auto& q = *shipped().find("smart-factory-2025");
  const auto& mat = q.questions[static_cast<std::size_t>(q.question_index("mat_level"))];
  std::vector<std::string> ids;
  for (const auto& o : mat.options) {
    ids.push_back(o.id);
    CHECK(o.label.zh.find("中") == std::string::npos);
    CHECK(o.label.zh.find("高") == std::string::npos);
  }
  CHECK(ids == std::vector<std::string>{"none", "l1", "l2", "l3", "l4", "l5"});
  auto points_of = [&](const std::string& id) {
    for (const auto& o : mat.options) {
      if (o.id == id) return o.points;
    }
    FAIL("no option " << id);
    return -1.0;
  };
  const std::vector<std::tuple<std::string, std::string, std::string>> expected = {
      {"SF1", "l2", "medium"}, {"SF2", "l2", "high"}, {"SF3", "l3", "high"}, {"SF4", "l4", "medium"}};
  for (const auto& [tier, level, confidence] : expected) {
    CAPTURE(tier);
    const auto& l = q.levels[static_cast<std::size_t>(q.level_index(tier))];
    bool found = false;
    for (const auto& r : l.requirements) {
      if (r.id != tier + "_maturity") continue;
      found = true;
      CHECK(r.threshold == points_of(level));
      CHECK(r.provenance.confidence == confidence);
      CHECK(r.title.zh.find("（") == std::string::npos);  // no "二级（中）"
    }
    CHECK(found);
    CHECK(q.parameters["maturity_thresholds"][tier] == level);
    CHECK(q.parameters["maturity_thresholds_confidence"][tier] == confidence);
  }
  // No "（中）/（高）" grade anywhere a user reads, nor in the crosswalk.
  for (const auto& file : kDefinitionFiles) {
    const auto doc = assess::read_json_file(ASSESS_SOURCE_DIR "/questionnaires/" + file);
    for (const auto& [where, text] : user_texts(doc)) {
      INFO(file << where << ": " << text);
      CHECK(text.find("（中）") == std::string::npos);
      CHECK(text.find("（高）") == std::string::npos);
      CHECK(text.find("等级评定为") == std::string::npos);
    }
    // The former ids survive only in "replaces", so that answers saved before the correction read.
    std::string dumped = doc.dump();
    for (const std::string former :
         {"\"replaces\":[\"l2_medium\",\"l2_high\"]", "\"replaces\":[\"l3_medium\",\"l3_high\"]",
          "\"replaces\":[\"l4_medium\",\"l4_high\"]"}) {
      const auto at = dumped.find(former);
      if (at != std::string::npos) dumped.erase(at, former.size());
    }
    CHECK(dumped.find("l2_high") == std::string::npos);
    CHECK(dumped.find("l2_medium") == std::string::npos);
  }
}

TEST_CASE("a CMMM 二级 self-check carried by the crosswalk meets 先进级's maturity condition") {
  // Issue 10, item 1: "Today a CMMM 二级 firm can never reach 先进级."
  const auto crosswalk = assess::load_crosswalk(
      assess::read_json_file(ASSESS_SOURCE_DIR "/questionnaires/crosswalk.json"), "crosswalk.json", shipped());
  const auto doc = assess::read_json_file(ASSESS_SOURCE_DIR "/questionnaires/demo/assessment.json");
  const auto result = assess::score_assessment(shipped(), crosswalk, doc, "demo");
  REQUIRE(result.errors.empty());
  const auto& cmmm = result.modules.at("cmmm");
  REQUIRE(cmmm.result.levels.level == cmmm.questionnaire->level_index("CMMM2"));
  const auto& sf = result.modules.at("smart-factory-2025");
  const auto& q = *sf.questionnaire;
  const auto& mat = sf.answers.answers[static_cast<std::size_t>(q.question_index("mat_level"))];
  REQUIRE(mat.selected.size() == 1);
  CHECK(q.questions[static_cast<std::size_t>(q.question_index("mat_level"))]
            .options[static_cast<std::size_t>(mat.selected[0])]
            .id == "l2");
  const int sf2 = q.level_index("SF2");
  const auto& reqs = q.levels[static_cast<std::size_t>(sf2)].requirements;
  for (std::size_t ri = 0; ri < reqs.size(); ++ri) {
    if (reqs[ri].id == "SF2_maturity") CHECK(sf.result.levels.requirements[static_cast<std::size_t>(sf2)][ri].met);
  }
}

TEST_CASE("each SME scene keeps its own official level description and adds no condition the text lacks") {
  // shared/domain/sme-scene-levels-2024.md: "The questionnaire's option texts must keep each scene's own
  // meaning at each level — what this scene's L3 asks, not a generic ladder — and must not add
  // conditions the text does not have (e.g. "协同 with customers/suppliers" where the text has none)."
  const std::string list = read_text_file(ASSESS_SHARED_DIR "/domain/sme-scene-levels-2024.md");
  if (list.empty()) {
    MESSAGE("shared/domain/sme-scene-levels-2024.md not available; skipped");
    return;
  }
  const auto& q = *shipped().find("sme-digital-2024");
  int scenes = 0;
  for (const auto& question : q.questions) {
    if (question.type != assess::QuestionType::kLadder) continue;
    const std::string scene = question.title.zh.substr(0, question.title.zh.find("场景"));
    CAPTURE(scene);
    const auto at = list.find("- **" + scene + "**");
    REQUIRE(at != std::string::npos);
    const std::string line = list.substr(at, list.find('\n', at) - at);
    ++scenes;
    for (int level = 1; level <= 4; ++level) {
      CAPTURE(level);
      const auto from = line.find(" L" + std::to_string(level) + " ");
      REQUIRE(from != std::string::npos);
      const auto to = level < 4 ? line.find(" L" + std::to_string(level + 1) + " ") : line.size();
      const std::string official = line.substr(from, to - from);
      std::string label;
      for (const auto& o : question.options) {
        if (o.level == level) label = o.label.zh;
      }
      REQUIRE(!label.empty());
      // Conditions a generic ladder used to add: partners, AI, models, simulation, knowledge bases.
      for (const char* word : {"供应商", "客户", "上下游", "人工智能", "仿真", "知识库", "模型", "追溯", "看板"}) {
        INFO(word << " in \"" << label << "\" but not in \"" << official << "\"");
        if (label.find(word) != std::string::npos) CHECK(official.find(word) != std::string::npos);
      }
      // An "或" in the text stays an alternative, never a conjunction.
      if (official.find("；或") != std::string::npos) CHECK(label.find("；或") != std::string::npos);
    }
  }
  CHECK(scenes == 16);
  // The two cases the audit named.
  auto label_of = [&](const std::string& qid, int level) {
    for (const auto& o : q.questions[static_cast<std::size_t>(q.question_index(qid))].options) {
      if (o.level == level) return o.label.zh;
    }
    return std::string();
  };
  CHECK(label_of("scene_quality", 3).find("具备其一即可") != std::string::npos);
  CHECK(label_of("scene_quality", 3).find("统计过程控制") == std::string::npos);
  CHECK(label_of("scene_decision", 3).find("模拟") != std::string::npos);
  CHECK(label_of("scene_decision", 3).find("优化") != std::string::npos);
}

TEST_CASE("user notes say what is uncertain; editing instructions live in maintainer_note and are never output") {
  // Issue 10, item 16: "Keep a user-facing note (what is uncertain and what it means for this result)
  // apart from a maintainer note (never shown)."
  const std::vector<std::string> instructions = {"修改时",
                                                 "同改",
                                                 "只需修改",
                                                 "以后可",
                                                 "parameters.",
                                                 "README",
                                                 "change both",
                                                 "change them together",
                                                 "only this question",
                                                 "edit these",
                                                 "will later supply"};
  for (const auto& file : kDefinitionFiles) {
    auto doc = assess::read_json_file(ASSESS_SOURCE_DIR "/questionnaires/" + file);
    // The crosswalk's own "description" documents the file format for maintainers; its links are shown.
    if (file == "crosswalk.json") doc = doc.at("links");
    for (const auto& [where, text] : user_texts(doc)) {
      for (const auto& word : instructions) {
        INFO(file << where << ": " << text);
        CHECK(text.find(word) == std::string::npos);
      }
    }
  }
  // The instructions moved, they did not vanish.
  const auto& sme = *shipped().find("sme-digital-2024");
  const auto& q04 = sme.questions[static_cast<std::size_t>(sme.question_index("q04_data_collection"))];
  CHECK(q04.provenance.maintainer_note.find("只需修改本题各选项的分值") != std::string::npos);
  const auto& q12 = sme.questions[static_cast<std::size_t>(sme.question_index("q12_energy"))];
  CHECK(q12.provenance.maintainer_note.find("两处同改") != std::string::npos);
  // ... and no output carries them.
  for (const auto& id : shipped().ids()) {
    const auto& q = *shipped().find(id);
    const auto answers =
        assess::parse_answers(q, assess::Json{{"questionnaire", q.id}, {"answers", assess::Json::object()}}, "empty");
    for (const char* lang : {"zh-CN", "en"}) {
      const std::string out = assess::explain_score(q, answers.set, assess::score(q, answers.set), lang,
                                                    assess::testing::shipped_words(lang))
                                  .dump();
      CHECK(out.find("maintainer_note") == std::string::npos);
      for (const auto& question : q.questions) {
        if (!question.provenance.maintainer_note.empty())
          CHECK(out.find(question.provenance.maintainer_note) == std::string::npos);
      }
    }
  }
}

TEST_CASE("question cross-references in user texts use the numbers the web form shows") {
  // The web form numbers every question in document order (web/form.js renderModule); the raw data
  // questions come first, so indicator 4 (数据采集) is question 20 and indicators 12-15 are 44-47.
  const auto& q = *shipped().find("sme-digital-2024");
  auto shown = [&](const std::string& id) { return q.question_index(id) + 1; };
  CHECK(shown("q04_data_collection") == 20);
  CHECK(shown("q02_equipment_digitised") == 18);
  CHECK(shown("q03_equipment_networked") == 19);
  CHECK(shown("q11_funding") == 43);
  CHECK(shown("q12_energy") == 44);
  CHECK(shown("q15_value") == 47);
  const auto& q05 = q.questions[static_cast<std::size_t>(q.question_index("q05_information_systems"))];
  CHECK(q05.help.zh.find("第20题") != std::string::npos);
  CHECK(q05.help.en.find("question 20") != std::string::npos);
  const auto raw = q.sections[static_cast<std::size_t>(q.section_index("raw_data"))].provenance.note;
  CHECK(raw.zh.find("第18、19题") != std::string::npos);
  CHECK(raw.zh.find("第43–47题") != std::string::npos);
}

TEST_CASE("the 2024 score bands carry medium confidence and the basic condition is no 较大及以上 accident") {
  // shared/domain/sme-digital-level-2024.md: "confidence medium: the 2024 bands are what the
  // implementations use; only the 2022 bands are confirmed".
  const auto& sme = *shipped().find("sme-digital-2024");
  for (const auto& l : sme.levels) {
    for (const auto& r : l.requirements) {
      if (r.id == l.id + "_score") CHECK(r.provenance.confidence == "medium");
    }
  }
  // shared/domain/smart-factory-tiers.md: "no 较大及以上 ("larger or above" grade) safety or
  // environmental accident".
  const auto& sf = *shipped().find("smart-factory-2025");
  const auto& clean = sf.questions[static_cast<std::size_t>(sf.question_index("bc_clean_record"))];
  CHECK(clean.title.zh.find("较大及以上") != std::string::npos);
  CHECK(clean.provenance.cite.find("较大及以上") != std::string::npos);
  for (const auto& l : sf.levels) {
    for (const auto& r : l.requirements) {
      if (r.id == l.id + "_bc_clean_record") CHECK(r.title.zh.find("较大及以上") != std::string::npos);
    }
  }
}
