#include "commands.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "assess/answers.h"
#include "assess/assessment.h"
#include "assess/error.h"
#include "assess/explain.h"
#include "assess/gap.h"
#include "assess/logic.h"
#include "assess/questionnaire.h"
#include "assess/score.h"

namespace assess::cli {
namespace {

int exit_code(const Error& e) {
  switch (e.kind()) {
    case ErrorKind::kInvalid: return kInvalidData;
    case ErrorKind::kNotFound: return kNotFound;
    case ErrorKind::kLimit: return kTooLarge;
  }
  return kInvalidData;
}

// Parses CLI11 options for one subcommand; returns -1 to go on, or the exit code.
int parse(CLI::App& app, const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return kOk;
  } catch (const CLI::ParseError& e) {
    err << "assess " << app.get_name() << ": " << e.what() << "\n" << "Run 'assess " << app.get_name()
        << " --help' for usage.\n";
    return kUsage;
  }
  return -1;
}

int cmd_help(const std::vector<std::string>&, std::ostream& out, std::ostream&) {
  out << "assess — digital-maturity assessments for manufacturing enterprises\n\n"
      << "Usage: assess <command> [options]   (assess <command> --help for details)\n\nCommands:\n";
  for (const auto& c : commands()) out << "  " << std::left << std::setw(8) << c.name << c.help << "\n";
  out << "\nExit codes: 0 ok, 1 invalid data, 2 usage error, 3 not found, 4 input too large.\n";
  return kOk;
}

// What a JSON file under questionnaires/ or tests/ is: a definition, an answer set or a JSON Schema.
enum class FileKind { kDefinition, kAnswers, kSchema };

FileKind classify(const Json& doc) {
  if (doc.is_object() && doc.contains("$schema") && (doc.contains("$defs") || doc.contains("properties"))) {
    return FileKind::kSchema;
  }
  if (doc.is_object() && doc.contains("answers") && !doc.contains("sections") && !doc.contains("questions")) {
    return FileKind::kAnswers;
  }
  return FileKind::kDefinition;
}

int cmd_lint(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app(
      "Check questionnaire definitions and answer sets; prints every error and exits 1 if there is any.\n"
      "An answer set is checked against the definition with its \"questionnaire\" id, taken from the files\n"
      "given or from the answer set's own folder. JSON Schema files are only parsed.",
      "lint");
  std::vector<std::string> files;
  app.add_option("files", files, "Definition, answer-set or schema files (JSON)")->required()->check(CLI::ExistingFile);
  if (int rc = parse(app, args, out, err); rc >= 0) return rc;
  int failures = 0;
  std::map<std::string, Questionnaire> definitions;  // by id
  std::vector<std::pair<std::string, Json>> answer_sets;
  for (const auto& f : files) {
    try {
      Json doc = read_json_file(f);
      switch (classify(doc)) {
        case FileKind::kSchema:
          out << f << ": ok (JSON Schema)\n";
          break;
        case FileKind::kAnswers:
          answer_sets.emplace_back(f, std::move(doc));
          break;
        case FileKind::kDefinition: {
          Questionnaire q = load_questionnaire(doc, f);
          out << f << ": ok (" << q.id << " " << q.version << ", " << q.questions.size() << " questions, "
              << q.levels.size() << " levels, " << q.content_hash.substr(0, 19) << ")\n";
          definitions.emplace(q.id, std::move(q));
          break;
        }
      }
    } catch (const Error& e) {
      err << e.what() << "\n";
      ++failures;
    }
  }
  for (const auto& [f, doc] : answer_sets) {
    const std::string id = doc.value("questionnaire", "");
    auto it = definitions.find(id);
    if (it == definitions.end()) {
      // Look beside the answer set.
      std::error_code ec;
      const auto dir = std::filesystem::path(f).parent_path();
      for (const auto& entry : std::filesystem::directory_iterator(dir.empty() ? "." : dir, ec)) {
        if (entry.path().extension() != ".json") continue;
        try {
          Json candidate = read_json_file(entry.path().string());
          if (classify(candidate) == FileKind::kDefinition && candidate.value("id", "") == id && !id.empty()) {
            Questionnaire q = load_questionnaire(candidate, entry.path().string());
            it = definitions.emplace(q.id, std::move(q)).first;
            break;
          }
        } catch (const Error&) {
        }
      }
    }
    if (it == definitions.end()) {
      err << f << ":/questionnaire: no definition with id \"" << id
          << "\" among the files given or beside this file; pass the definition too\n";
      ++failures;
      continue;
    }
    ParsedAnswers parsed = parse_answers(it->second, doc, f);
    for (const auto& e : parsed.errors) err << e.what() << "\n";
    if (parsed.errors.empty()) {
      out << f << ": ok (answers for " << id << ", " << doc.at("answers").size() << " answered)\n";
    } else {
      ++failures;
    }
  }
  if (failures > 0) err << failures << " of " << files.size() << " files have errors\n";
  return failures > 0 ? kInvalidData : kOk;
}

// The questionnaires folder: --questionnaires, else ./questionnaires, else the source tree's.
std::string questionnaires_dir(const std::string& given) {
  if (!given.empty()) return given;
  if (std::filesystem::is_directory("questionnaires")) return "questionnaires";
  return ASSESS_DATA_DIR "/questionnaires";
}

// Explains one module's result with its gaps: the next level, and `target` when it names a level.
Json explain_module(const Questionnaire& q, const AnswerSet& answers, const ScoreResult& result, const std::string& target,
                    const std::string& lang) {
  Json doc = explain_score(q, answers, result, lang);
  Json gaps = Json::array();
  const int next = result.levels.level + 1;
  if (next < static_cast<int>(q.levels.size())) gaps.push_back(explain_gap(q, answers, find_gap(q, answers, next), lang));
  const int target_index = target.empty() ? -1 : q.level_index(target);
  if (target_index >= 0 && target_index != next) {
    gaps.push_back(explain_gap(q, answers, find_gap(q, answers, target_index), lang));
  }
  doc["gaps"] = gaps;
  return doc;
}

int score_whole_assessment(const Json& doc, const std::string& file, const std::string& dir, const std::string& target,
                           const std::string& lang, bool as_json, std::ostream& out, std::ostream& err) {
  Library library = Library::load_dir(dir);
  const std::string crosswalk_file = dir + "/crosswalk.json";
  Crosswalk crosswalk;
  if (std::filesystem::exists(crosswalk_file)) crosswalk = load_crosswalk(read_json_file(crosswalk_file), crosswalk_file, library);
  AssessmentResult result = score_assessment(library, crosswalk, doc, file);
  if (!result.errors.empty()) {
    for (const auto& e : result.errors) err << e.what() << "\n";
    err << result.errors.size() << " error(s) in " << file << "\n";
    return kInvalidData;
  }
  Json report = {{"assessment", result.meta}, {"modules", Json::array()}};
  for (const auto& id : result.order) {
    const ModuleResult& m = result.modules.at(id);
    Json module = explain_module(*m.questionnaire, m.answers, m.result, target, lang);
    Json filled = Json::array();
    for (const auto& f : m.filled) filled.push_back({{"link", f.link}, {"question", f.question}, {"value", f.value}});
    Json conflicts = Json::array();
    for (const auto& c : m.conflicts) {
      conflicts.push_back({{"link", c.link}, {"question", c.question}, {"given", c.given}, {"from_link", c.from_link},
                           {"reason", c.reason}});
    }
    module["crosswalk"] = {{"filled", filled}, {"conflicts", conflicts}};
    report["modules"].push_back(module);
  }
  if (as_json) {
    out << report.dump(2) << "\n";
    return kOk;
  }
  const bool en = lang == "en";
  for (const auto& module : report["modules"]) {
    out << "════════════════════════════════════════\n" << render_text(module, lang);
    for (const auto& f : module["crosswalk"]["filled"]) {
      out << (en ? "  from the crosswalk: " : "  由关联数据填入：") << f["question"].get<std::string>() << " = " << f["value"].dump()
          << " (" << f["link"].get<std::string>() << ")\n";
    }
    for (const auto& c : module["crosswalk"]["conflicts"]) {
      out << (en ? "  crosswalk conflict: " : "  关联数据冲突：") << c["question"].get<std::string>() << ": "
          << c["given"].dump() << (en ? " vs linked " : " 与关联值 ") << c["from_link"].dump() << "\n";
    }
  }
  return kOk;
}

int cmd_score(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app(
      "Score an answer set — or a whole assessment (profile plus modules, one file) — with totals, sections,\n"
      "level, and the gap to the next (or target) level.",
      "score");
  std::string questionnaire_file;
  std::string answers_file;
  std::string dir;
  std::string target;
  std::string lang = "zh-CN";
  bool as_json = false;
  app.add_option("--questionnaire,-q", questionnaire_file, "Questionnaire definition (JSON); omit for a whole assessment");
  app.add_option("--answers,-a", answers_file, "Answer set, or a whole assessment with \"modules\" (JSON)")->required();
  app.add_option("--questionnaires", dir, "Folder of definitions and crosswalk.json for whole assessments (default: questionnaires)");
  app.add_option("--target,-t", target, "Target level (id, name or alias) for the gap analysis");
  app.add_option("--lang", lang, "Output language: zh-CN or en")->check(CLI::IsMember({"zh-CN", "en"}));
  app.add_flag("--json", as_json, "Print the documented JSON document (docs/score-json.md)");
  if (int rc = parse(app, args, out, err); rc >= 0) return rc;
  try {
    Json answers_doc = read_json_file(answers_file);
    if (questionnaire_file.empty()) {
      if (!answers_doc.is_object() || !answers_doc.contains("modules")) {
        err << "assess score: " << answers_file
            << " is not a whole assessment (no \"modules\"); pass its questionnaire with --questionnaire\n";
        return kUsage;
      }
      return score_whole_assessment(answers_doc, answers_file, questionnaires_dir(dir), target, lang, as_json, out, err);
    }
    Questionnaire q = load_questionnaire_file(questionnaire_file);
    ParsedAnswers parsed = parse_answers(q, answers_doc, answers_file);
    if (!parsed.errors.empty()) {
      for (const auto& e : parsed.errors) err << e.what() << "\n";
      err << parsed.errors.size() << " error(s) in " << answers_file << "\n";
      return kInvalidData;
    }
    if (!target.empty() && q.level_index(target) < 0) {
      std::string names;
      for (const auto& l : q.levels) names += (names.empty() ? "" : ", ") + l.id;
      err << "assess score: unknown level \"" << target << "\" (levels: " << names << ")\n";
      return kUsage;
    }
    ScoreResult result = score(q, parsed.set);
    Json doc = explain_module(q, parsed.set, result, target, lang);
    if (as_json) {
      out << doc.dump(2) << "\n";
    } else {
      out << render_text(doc, lang);
    }
    return kOk;
  } catch (const Error& e) {
    err << e.what() << "\n";
    return exit_code(e);
  }
}

int cmd_logic(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app("Evaluate a JsonLogic rule against data (both JSON text) and print the result.", "logic");
  std::string rule_text;
  std::string data_text = "null";
  app.add_option("rule", rule_text, "The rule, e.g. '{\"var\":\"a\"}'")->required();
  app.add_option("data", data_text, "The data, e.g. '{\"a\":1}' (default null)");
  if (int rc = parse(app, args, out, err); rc >= 0) return rc;
  try {
    const Json rule = parse_json_text(rule_text, "<rule>");
    const Json data = parse_json_text(data_text, "<data>");
    Json result;
    try {
      result = logic::Rule::compile(rule).evaluate(data);
    } catch (const Error& e) {
      throw e.within("<rule>", "");
    }
    out << result.dump() << "\n";
    return kOk;
  } catch (const Error& e) {
    err << e.what() << "\n";
    return exit_code(e);
  }
}

}  // namespace

const std::vector<Command>& commands() {
  static const std::vector<Command> kCommands = {
      {"help", "List the commands", cmd_help},
      {"lint", "Check definitions and answer sets and report every error", cmd_lint},
      {"score", "Score answers: sections, level, gap to the next level, with explanations", cmd_score},
      {"logic", "Evaluate a JsonLogic rule against data, for debugging conditions", cmd_logic},
  };
  return kCommands;
}

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") return cmd_help({}, out, err);
  const auto& table = commands();
  auto it = std::find_if(table.begin(), table.end(), [&](const Command& c) { return c.name == args[0]; });
  if (it == table.end()) {
    err << "assess: unknown command \"" << args[0] << "\"; run 'assess help' for the list\n";
    return kUsage;
  }
  return it->run(std::vector<std::string>(args.begin() + 1, args.end()), out, err);
}

}  // namespace assess::cli
