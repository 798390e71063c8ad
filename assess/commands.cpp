#include "commands.h"

#include <fcntl.h>
#include <sys/file.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include "data_root.h"
#include "db.h"
#include "formats/export.h"
#include "formats/import.h"
#include "formats/report_render.h"
#include "languages.h"
#include "scoring/answers.h"
#include "scoring/assessment.h"
#include "scoring/dashboard.h"
#include "scoring/error.h"
#include "scoring/explain.h"
#include "scoring/gap.h"
#include "scoring/logic.h"
#include "scoring/policy.h"
#include "scoring/policy_tests.h"
#include "scoring/questionnaire.h"
#include "scoring/rank.h"
#include "scoring/report.h"
#include "scoring/rewards.h"
#include "scoring/score.h"
#include "scoring/text.h"
#include "server.h"
#include "store.h"
#include "sync.h"

namespace assess::cli {
namespace {

int exit_code(const Error& e) {
  switch (e.kind()) {
    case ErrorKind::kInvalid:
      return kInvalidData;
    case ErrorKind::kNotFound:
      return kNotFound;
    case ErrorKind::kLimit:
      return kTooLarge;
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
    err << "assess " << app.get_name() << ": " << e.what() << "\n"
        << "Run 'assess " << app.get_name() << " --help' for usage.\n";
    return kUsage;
  }
  return -1;
}

int cmd_help(const std::vector<std::string>&, std::ostream& out, std::ostream&) {
  out << "assess — digital-maturity assessments for manufacturing enterprises\n\n"
      << "Usage: assess <command> [options]   (assess <command> --help for details)\n\nCommands:\n";
  for (const auto& c : commands()) out << "  " << std::left << std::setw(10) << c.name << c.help << "\n";
  out << "\nEvery command takes --data-root DIR: the folder of questionnaires/, policies/, templates/ and web/\n"
      << "(default: ASSESS_DATA_ROOT, else ../share/assess next to the executable; 'assess where' shows it).\n";
  out << "\nExit codes: 0 ok, 1 invalid data, 2 usage error, 3 not found, 4 input too large.\n";
  return kOk;
}

// Prints the data root in use and how it was chosen (data_root.h), or the places tried.
int cmd_where(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (!args.empty()) {
    err << "assess where: takes no arguments\n";
    return kUsage;
  }
  try {
    const DataRoot root = find_data_root();
    out << "data root: " << root.path << " (" << root.how << ")\n";
    return kOk;
  } catch (const Error& e) {
    err << e.what() << "\n";
    return exit_code(e);
  }
}

std::string questionnaires_dir(const std::string& given);
std::string web_dir();

// The language catalogues the web UI uses (web/i18n of the data root): a language is a file there.
Languages catalogues() {
  return Languages::load_dir(web_dir() + "/i18n");
}

// The server's words (scoring/text.h) in the language `tag`, from the catalogues (its chain: a
// partial catalogue falls back key by key).
Words words_in(const std::string& tag) {
  return catalogues().words(tag);
}

// The language the definitions' texts are read in for `tag` (Languages::text_lang: "en" or "zh-CN"),
// as the server reads them for a request in that language.
std::string text_lang_of(const std::string& tag) {
  return catalogues().text_lang(tag);
}

// The --lang option of the commands that write words: any language with a catalogue in web/i18n of
// the data root, so adding a language needs no change here; an unknown tag is refused, naming the
// tags there are.
constexpr const char* kLangHelp =
    "Output language: a catalogue of web/i18n in the data root (zh-CN, en, or a language added there)";
CLI::Validator catalogue_language() {
  return CLI::Validator(
      [](std::string& tag) -> std::string {
        try {
          const Languages l = catalogues();
          for (const auto& language : l.list()) {
            if (language.tag == tag) return "";
          }
          return "no language catalogue \"" + tag + "\" in " + web_dir() + "/i18n (available: " + l.tags() + ")";
        } catch (const Error& e) {
          return e.what();
        }
      },
      "LANG", "catalogue language");
}

// What a JSON file under questionnaires/ or tests/ is.
enum class FileKind { kDefinition, kAnswers, kSchema, kCodeList, kCrosswalk, kAssessment };

FileKind classify(const Json& doc) {
  if (doc.is_object() && doc.contains("modules") && !doc.contains("sections")) return FileKind::kAssessment;
  if (doc.is_object() && doc.contains("codes") && doc.contains("source") && !doc.contains("sections")) {
    return FileKind::kCodeList;
  }
  if (doc.is_object() && doc.contains("links") && !doc.contains("id")) return FileKind::kCrosswalk;
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
  std::vector<std::pair<std::string, Json>> crosswalks;
  for (const auto& f : files) {
    try {
      Json doc = read_json_file(f);
      switch (classify(doc)) {
        case FileKind::kSchema:
          out << f << ": ok (JSON Schema)\n";
          break;
        case FileKind::kCodeList: {
          CodeList list = load_code_list(doc, f);
          out << f << ": ok (code list " << list.id << ", " << list.codes.size() << " codes)\n";
          break;
        }
        case FileKind::kCrosswalk:
          crosswalks.emplace_back(f, std::move(doc));
          break;
        case FileKind::kAssessment: {
          // A whole assessment is checked against the shipped questionnaires and crosswalk.
          const std::string dir = questionnaires_dir("");
          Library library = Library::load_dir(dir);
          Crosswalk cw;
          if (std::filesystem::exists(dir + "/crosswalk.json"))
            cw = load_crosswalk(read_json_file(dir + "/crosswalk.json"), dir + "/crosswalk.json", library);
          AssessmentResult result = score_assessment(library, cw, doc, f);
          for (const auto& e : result.errors) err << e.what() << "\n";
          if (!result.errors.empty()) {
            ++failures;
          } else {
            out << f << ": ok (whole assessment, " << result.order.size() << " modules)\n";
          }
          break;
        }
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
  for (const auto& [f, doc] : crosswalks) {
    // Links are checked against the definitions in the crosswalk's own folder tree.
    try {
      const auto dir = std::filesystem::path(f).parent_path();
      Library library = Library::load_dir(dir.empty() ? "." : dir.string());
      Crosswalk cw = load_crosswalk(doc, f, library);
      out << f << ": ok (crosswalk, " << cw.links.size() << " links)\n";
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

// The questionnaires folder: --questionnaires, else the data root's (data_root.h).
std::string questionnaires_dir(const std::string& given) {
  if (!given.empty()) return given;
  return find_data_root().path + "/questionnaires";
}

// Explains one module's result with its gaps: the next level, and `target` when it names a level.
// `lang` reads the definitions' texts, `words` word the rest (text.h).
Json explain_module(const Questionnaire& q, const AnswerSet& answers, const ScoreResult& result,
                    const std::string& target, const std::string& lang, const Words& words) {
  Json doc = explain_score(q, answers, result, lang, words);
  Json gaps = Json::array();
  const int next = result.levels.level + 1;
  if (next < static_cast<int>(q.levels.size()))
    gaps.push_back(explain_gap(q, answers, find_gap(q, answers, next), lang, words));
  const int target_index = target.empty() ? -1 : q.level_index(target);
  if (target_index >= 0 && target_index != next) {
    gaps.push_back(explain_gap(q, answers, find_gap(q, answers, target_index), lang, words));
  }
  doc["gaps"] = gaps;
  return doc;
}

std::string policies_dir(const std::string& given);
std::string today();
void print_rewards(const Json& rewards, const Words& words, std::ostream& out);

// `tag` is the output language (--lang).
int score_whole_assessment(const Json& doc, const std::string& file, const std::string& dir, const std::string& target,
                           const std::string& tag, bool as_json, std::ostream& out, std::ostream& err) {
  const std::string lang = text_lang_of(tag);
  const Words words = words_in(tag);
  Library library = Library::load_dir(dir);
  const std::string crosswalk_file = dir + "/crosswalk.json";
  Crosswalk crosswalk;
  if (std::filesystem::exists(crosswalk_file))
    crosswalk = load_crosswalk(read_json_file(crosswalk_file), crosswalk_file, library);
  AssessmentResult result = score_assessment(library, crosswalk, doc, file);
  if (!result.errors.empty()) {
    for (const auto& e : result.errors) err << e.what() << "\n";
    err << result.errors.size() << " error(s) in " << file << "\n";
    return kInvalidData;
  }
  Json report = {{"assessment", result.meta}, {"modules", Json::array()}};
  // Rewards: what the enterprise is eligible for now, and what each module's next level unlocks.
  const std::string pdir = policies_dir("");
  const bool have_policies = std::filesystem::exists(pdir) && result.modules.count("profile");
  Catalogue catalogue;
  Json facts;
  const std::string date = result.meta.value("date", today());
  if (have_policies) {
    catalogue = load_catalogue_dir(pdir);
    facts = enterprise_facts(result);
    if (facts.contains("region"))
      report["rewards"] = rewards_to_json(evaluate_rewards(catalogue, facts, result.projects, date), lang, words);
  }
  for (const auto& id : result.order) {
    const ModuleResult& m = result.modules.at(id);
    Json module = explain_module(*m.questionnaire, m.answers, m.result, target, lang, words);
    Json filled = Json::array();
    for (const auto& f : m.filled) filled.push_back({{"link", f.link}, {"question", f.question}, {"value", f.value}});
    Json conflicts = Json::array();
    for (const auto& c : m.conflicts) {
      conflicts.push_back({{"link", c.link},
                           {"question", c.question},
                           {"given", c.given},
                           {"from_link", c.from_link},
                           {"reason", c.reason}});
    }
    module["crosswalk"] = {{"filled", filled}, {"conflicts", conflicts}};
    const int next = m.result.levels.level + 1;
    if (report.contains("rewards") && next < static_cast<int>(m.questionnaire->levels.size())) {
      const std::string next_id = m.questionnaire->levels[static_cast<std::size_t>(next)].id;
      RewardsResult unlocked;
      for (auto& o : rewards_unlocked(catalogue, facts, result.projects, date, id, next_id))
        unlocked.outcomes.push_back(o);
      Json u = rewards_to_json(unlocked, lang, words);
      module["next_level_unlocks"] = {{"level", next_id}, {"rewards", u["outcomes"]}};
    }
    report["modules"].push_back(module);
  }
  if (as_json) {
    out << report.dump(2) << "\n";
    return kOk;
  }
  if (report.contains("rewards")) {
    out << "════════════════════════════════════════\n";
    print_rewards(report["rewards"], words, out);
  }
  for (const auto& module : report["modules"]) {
    out << "════════════════════════════════════════\n" << render_text(module, words);
    for (const auto& f : module["crosswalk"]["filled"]) {
      out << "  "
          << words("srv_cli_crosswalk_filled", {{"question", f["question"].get<std::string>()},
                                                {"value", f["value"].dump()},
                                                {"link", f["link"].get<std::string>()}})
          << "\n";
    }
    for (const auto& c : module["crosswalk"]["conflicts"]) {
      out << "  "
          << words("srv_cli_crosswalk_conflict", {{"question", c["question"].get<std::string>()},
                                                  {"given", c["given"].dump()},
                                                  {"linked", c["from_link"].dump()}})
          << "\n";
    }
    if (module.contains("next_level_unlocks")) {
      for (const auto& o : module["next_level_unlocks"]["rewards"]) {
        out << "  " << words("srv_cli_unlocks", {{"title", o["title"].get<std::string>()}});
        if (o["amount"].contains("display")) out << " " << o["amount"]["display"].get<std::string>();
        out << " ⟨" << o["cite"].get<std::string>() << "⟩\n";
        if (o.contains("unlock")) out << "    " << o["unlock"].get<std::string>() << "\n";
      }
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
  app.add_option("--questionnaire,-q", questionnaire_file,
                 "Questionnaire definition (JSON); omit for a whole assessment");
  app.add_option("--answers,-a", answers_file, "Answer set, or a whole assessment with \"modules\" (JSON)")->required();
  app.add_option("--questionnaires", dir,
                 "Folder of definitions and crosswalk.json for whole assessments (default: questionnaires/ of the data "
                 "root; assess where)");
  app.add_option("--target,-t", target, "Target level (id, name or alias) for the gap analysis");
  app.add_option("--lang", lang, kLangHelp)->check(catalogue_language());
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
      return score_whole_assessment(answers_doc, answers_file, questionnaires_dir(dir), target, lang, as_json, out,
                                    err);
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
    const Words words = words_in(lang);
    Json doc = explain_module(q, parsed.set, result, target, text_lang_of(lang), words);
    if (as_json) {
      out << doc.dump(2) << "\n";
    } else {
      out << render_text(doc, words);
    }
    return kOk;
  } catch (const Error& e) {
    err << e.what() << "\n";
    return exit_code(e);
  }
}

std::string policies_dir(const std::string& given) {
  if (!given.empty()) return given;
  return find_data_root().path + "/policies";
}

std::string today() {
  const std::time_t now = std::time(nullptr);
  char buffer[16];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d", std::localtime(&now));
  return buffer;
}

// The words are the "srv_cli_*" catalogue entries (text.h Words): a status or a flag is worded by
// its id ("srv_cli_status_eligible", "srv_cli_flag_draft"); a flag without an entry is not shown.
void print_rewards(const Json& rewards, const Words& words, std::ostream& out) {
  std::string jurisdictions;
  for (const auto& j : rewards["jurisdictions"]) jurisdictions += j.get<std::string>() + " ";
  out << words("srv_cli_rewards_heading", {{"jurisdictions", jurisdictions}}) << "\n";
  for (const auto& o : rewards["outcomes"]) {
    out << "  [" << words("srv_cli_status_" + o["status"].get<std::string>()) << "] " << o["title"].get<std::string>();
    if (o.contains("project")) out << " (" << o["project"].get<std::string>() << ")";
    if (o["amount"].contains("display")) out << "  " << o["amount"]["display"].get<std::string>();
    out << "  ⟨" << o["document_title"].get<std::string>() << " " << o["cite"].get<std::string>() << "⟩";
    for (const auto& f : o["flags"]) {
      // The flags the CLI names: "srv_cli_flag_draft", "srv_cli_flag_expired", "srv_cli_flag_not_yet_in_force",
      // "srv_cli_flag_alternative", "srv_cli_flag_stacking_not_stated", "srv_cli_flag_from_profile",
      // "srv_cli_flag_apply_for_recognition".
      const std::string key = "srv_cli_flag_" + f.get<std::string>();
      if (words.texts.contains(key)) out << " " << words(key);
    }
    out << "\n";
    for (const auto& step : o["amount"]["steps"]) out << "      " << step.get<std::string>() << "\n";
    if (o.contains("failed"))
      out << "      " << words("srv_cli_failed", {{"title", o["failed"]["title"].get<std::string>()}}) << "\n";
    if (o.contains("restated_by")) {
      for (const auto& r : o["restated_by"]) {
        out << "      "
            << words("srv_cli_restated_by",
                     {{"document", r["document"].get<std::string>()}, {"cite", r["cite"].get<std::string>()}})
            << "\n";
      }
    }
    if (o.contains("missing")) {
      std::string facts;
      for (const auto& m : o["missing"]) facts += m.get<std::string>() + " ";
      out << "      " << words("srv_cli_needs", {{"facts", facts}}) << "\n";
    }
  }
  for (const auto& c : rewards["enterprise_caps"]) out << "  " << c["explanation"].get<std::string>() << "\n";
  out << words("srv_cli_total", {{"total", rewards["total_display"].get<std::string>()}});
  if (rewards["case_by_case"].get<int>() > 0) {
    out << words("srv_cli_case_by_case", {{"n", std::to_string(rewards["case_by_case"].get<int>())}});
  }
  out << "\n";
}

int cmd_rewards(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app(
      "Which rewards of the local policies an enterprise is eligible for now, with the computation and clause\n"
      "behind every number. Facts come from a whole assessment, or a profile answer set plus module results.",
      "rewards");
  std::string assessment_file;
  std::string profile_file;
  std::string results_file;
  std::string projects_file;
  std::vector<std::string> inline_projects;
  std::string date = today();
  std::string dir;
  std::string qdir;
  std::string lang = "zh-CN";
  bool as_json = false;
  app.add_option("--assessment", assessment_file, "A whole assessment (profile, modules and \"projects\")");
  app.add_option("--profile", profile_file, "A profile answer set (questionnaire \"profile\")");
  app.add_option("--results", results_file, "Module results: {\"<module>\": {\"level\": \"<level id>\"}}");
  app.add_option("--projects", projects_file, "Projects (JSON array; see policies/README.md)");
  app.add_option("--project", inline_projects, "One project as JSON, for a what-if (repeatable)");
  app.add_option("--date", date, "Evaluation date YYYY-MM-DD (default today)");
  app.add_option("--policies", dir, "Policy catalogue folder (default: policies/ of the data root)");
  app.add_option("--questionnaires", qdir,
                 "Definitions folder (default: questionnaires/ of the data root; assess where)");
  app.add_option("--lang", lang, kLangHelp)->check(catalogue_language());
  app.add_flag("--json", as_json, "Print JSON");
  if (int rc = parse(app, args, out, err); rc >= 0) return rc;
  if (assessment_file.empty() == profile_file.empty()) {
    err << "assess rewards: give exactly one of --assessment or --profile\n";
    return kUsage;
  }
  try {
    Catalogue catalogue = load_catalogue_dir(policies_dir(dir));
    Library library = Library::load_dir(questionnaires_dir(qdir));
    Json doc;
    std::vector<Json> projects;
    if (!assessment_file.empty()) {
      doc = read_json_file(assessment_file);
      if (doc.contains("projects")) {
        for (const auto& p : doc["projects"]) projects.push_back(p);
        doc.erase("projects");
      }
    } else {
      doc = {{"modules", {{"profile", read_json_file(profile_file)}}}};
    }
    Crosswalk crosswalk;
    const std::string cw = questionnaires_dir(qdir) + "/crosswalk.json";
    if (std::filesystem::exists(cw)) crosswalk = load_crosswalk(read_json_file(cw), cw, library);
    AssessmentResult scored =
        score_assessment(library, crosswalk, doc, assessment_file.empty() ? profile_file : assessment_file);
    for (const auto& e : scored.errors) err << e.what() << "\n";
    if (!scored.errors.empty()) return kInvalidData;
    Json facts = enterprise_facts(scored);
    if (!results_file.empty()) {
      // Bound to a name: items() only refers to the document, so iterating it on the temporary
      // read_json_file(...) would read a destroyed value.
      const Json results = read_json_file(results_file);
      if (!results.is_object())
        throw Error(results_file, "", "the results file is an object keyed by questionnaire id");
      for (const auto& [k, v] : results.items()) facts["results"][k] = v;
    }
    if (!projects_file.empty()) {
      for (const auto& p : read_json_file(projects_file)) projects.push_back(p);
    }
    for (const auto& p : inline_projects) projects.push_back(parse_json_text(p, "--project"));
    if (!facts.contains("region")) {
      err << "assess rewards: the profile has no region, so no jurisdiction applies\n";
      return kInvalidData;
    }
    RewardsResult result = evaluate_rewards(catalogue, facts, projects, date);
    const Words words = words_in(lang);
    Json j = rewards_to_json(result, text_lang_of(lang), words);
    j["date"] = date;
    if (as_json) {
      out << j.dump(2) << "\n";
    } else {
      print_rewards(j, words, out);
    }
    return kOk;
  } catch (const Error& e) {
    err << e.what() << "\n";
    return exit_code(e);
  }
}

int cmd_policies(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app("Check the policy catalogue (lint) or run its rule tests (test).", "policies");
  std::string action;
  std::string dir;
  app.add_option("action", action, "lint or test")->required()->check(CLI::IsMember({"lint", "test"}));
  app.add_option("--policies", dir, "Policy catalogue folder (default: policies/ of the data root)");
  if (int rc = parse(app, args, out, err); rc >= 0) return rc;
  try {
    const std::string d = policies_dir(dir);
    Catalogue catalogue = load_catalogue_dir(d);
    if (action == "lint") check_dashboard_ladders(catalogue.dashboard, Library::load_dir(questionnaires_dir("")));
    PolicyTestReport report =
        run_policy_tests(catalogue, d + "/tests", {{"zh-CN", words_in("zh-CN")}, {"en", words_in("en")}});
    if (action == "lint") {
      std::size_t rules = 0;
      std::size_t targets = 0;
      for (const auto& doc : catalogue.documents) {
        out << doc.file << ": ok (" << doc.id << (doc.draft ? ", draft" : ", in force") << ", " << doc.rules.size()
            << " rules, " << doc.targets.size() << " targets)\n";
        rules += doc.rules.size();
        targets += doc.targets.size();
      }
      for (const auto& r : report.untested_rules) err << "rule \"" << r << "\" has no test case in " << d << "/tests\n";
      out << catalogue.documents.size() << " documents, " << rules << " rules, " << targets << " targets\n";
      return report.untested_rules.empty() ? kOk : kInvalidData;
    }
    for (const auto& c : report.cases) {
      if (!c.passed)
        err << c.file << ":" << c.pointer << ": " << c.rule << " \"" << c.name << "\": " << c.message << "\n";
    }
    for (const auto& r : report.untested_rules) err << "rule \"" << r << "\" has no test case\n";
    out << report.passed() << " passed, " << report.failed() << " failed\n";
    return report.failed() == 0 && report.untested_rules.empty() ? kOk : kInvalidData;
  } catch (const Error& e) {
    err << e.what() << "\n";
    return exit_code(e);
  }
}

std::string templates_dir() {
  return find_data_root().path + "/templates";
}

// Prints `html_file` to PDF with headless Chromium; returns an empty string or the reason it failed.
std::string print_pdf(const std::string& html_file, const std::string& pdf_file) {
  std::string chromium;
  for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}) {
    if (std::filesystem::exists(candidate)) {
      chromium = candidate;
      break;
    }
  }
  if (chromium.empty()) {
    return "PDF output needs Chromium, which is not installed: run 'make setup' (it installs Debian's chromium) or "
           "'apt-get install chromium', or print the HTML report to PDF from any browser";
  }
  auto quote = [](const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
  };
  const std::string url = "file://" + std::filesystem::absolute(html_file).string();
  const std::string profile = (std::filesystem::temp_directory_path() / "assess-chromium-profile").string();
  const std::string cmd = quote(chromium) +
                          " --headless --no-sandbox --disable-gpu --disable-background-networking"
                          " --disable-component-update --disable-sync --no-first-run --no-pdf-header-footer"
                          " --user-data-dir=" +
                          quote(profile) + " --print-to-pdf=" + quote(pdf_file) + " " + quote(url) + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0 || !std::filesystem::exists(pdf_file))
    return "Chromium could not print " + html_file;
  return "";
}

int cmd_report(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app("Write the self-contained HTML improvement report of a whole assessment (and a PDF with Chromium).",
               "report");
  std::string assessment_file;
  std::string output;
  std::string pdf;
  std::string previous_file;
  std::string lang = "zh-CN";
  std::string generated_at;
  std::string qdir;
  app.add_option("--assessment", assessment_file, "A whole assessment (JSON)")->required();
  app.add_option("-o,--output", output, "The HTML file to write")->required();
  app.add_option("--pdf", pdf, "Also print it to this PDF (needs Chromium)");
  app.add_option("--previous", previous_file, "The previous assessment of the same enterprise, for T0 → T1");
  app.add_option("--lang", lang, std::string(kLangHelp) + "; default zh-CN")->check(catalogue_language());
  app.add_option("--generated-at", generated_at, "The generation time shown (default now; fixed for golden files)");
  app.add_option("--questionnaires", qdir,
                 "Definitions folder (default: questionnaires/ of the data root; assess where)");
  std::string peers_file;
  app.add_option("--peers", peers_file, "Peer enterprises for the benchmark: candidates JSON (as assess rank reads)");
  if (int rc = parse(app, args, out, err); rc >= 0) return rc;
  try {
    if (generated_at.empty()) {
      const std::time_t now = std::time(nullptr);
      char buffer[32];
      std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M", std::localtime(&now));
      generated_at = buffer;
    }
    const std::string dir = questionnaires_dir(qdir);
    Library library = Library::load_dir(dir);
    Crosswalk crosswalk;
    if (std::filesystem::exists(dir + "/crosswalk.json")) {
      crosswalk = load_crosswalk(read_json_file(dir + "/crosswalk.json"), dir + "/crosswalk.json", library);
    }
    AssessmentResult result = score_assessment(library, crosswalk, read_json_file(assessment_file), assessment_file);
    for (const auto& e : result.errors) err << e.what() << "\n";
    if (!result.errors.empty()) return kInvalidData;
    std::optional<AssessmentResult> previous;
    if (!previous_file.empty()) {
      previous = score_assessment(library, crosswalk, read_json_file(previous_file), previous_file);
      for (const auto& e : previous->errors) err << e.what() << "\n";
      if (!previous->errors.empty()) return kInvalidData;
    }
    // The regions' names: the list the profile's definition loaded, else the file beside it.
    std::shared_ptr<const CodeList> regions = library.code_list("region");
    if (!regions && std::filesystem::exists(dir + "/profile/regions.json"))
      regions = std::make_shared<const CodeList>(load_code_list_file(dir + "/profile/regions.json"));
    Catalogue catalogue;
    std::optional<RewardsResult> rewards;
    Json facts = enterprise_facts(result);
    if (std::filesystem::exists(policies_dir(""))) {
      catalogue = load_catalogue_dir(policies_dir(""));
      if (facts.contains("region")) {
        rewards = evaluate_rewards(catalogue, facts, result.projects, result.meta.value("date", today()));
      }
    }
    ReportOptions options;
    options.lang = text_lang_of(lang);
    options.words = words_in(lang);
    options.generated_at = generated_at;
    options.previous = previous ? &*previous : nullptr;
    options.regions = regions.get();
    std::vector<Candidate> peers;
    if (!peers_file.empty()) {
      peers = candidates_from_json(read_json_file(peers_file), peers_file);
      options.peers = &peers;
    }
    const std::string html =
        ReportRenderer(templates_dir()).render(report_view(result, rewards ? &*rewards : nullptr, &catalogue, options));
    {
      std::ofstream file(output, std::ios::binary);
      if (!file) throw Error(output, "", "cannot write file", ErrorKind::kNotFound);
      file << html;
    }
    out << "wrote " << output << " (" << html.size() << " bytes)\n";
    if (!pdf.empty()) {
      const std::string problem = print_pdf(output, pdf);
      if (!problem.empty()) {
        err << "assess report: " << problem << "\n";
        return kNotFound;
      }
      out << "wrote " << pdf << "\n";
    }
    return kOk;
  } catch (const Error& e) {
    err << e.what() << "\n";
    return exit_code(e);
  }
}

std::string web_dir() {
  return find_data_root().path + "/web";
}

// Seeds an empty database with the demo enterprise and its assessment (questionnaires/demo).
void seed_demo(Store& store, const App& app, const std::string& qdir) {
  if (!store.enterprises("", 1, 0).empty()) return;
  const Json demo = read_json_file(qdir + "/demo/assessment.json");
  const Json& profile = demo["modules"]["profile"]["answers"];
  auto fact = [&](const char* id) {
    // An answer is a bare value or {"value": ..., "verified": ...}.
    if (!profile.contains(id)) return std::string();
    const Json& v = profile[id].is_object() ? profile[id].value("value", Json()) : profile[id];
    return v.is_string() ? v.get<std::string>() : std::string();
  };
  EnterpriseRow e;
  e.name = fact("name").empty() ? demo["assessment"].value("enterprise", std::string("演示企业")) : fact("name");
  e.uscc = fact("uscc");
  e.region = fact("region");
  e.industry = fact("industry");
  const EnterpriseRow saved = store.add_enterprise(e);
  AssessmentRow a;
  a.enterprise_id = saved.id;
  for (auto it = demo["modules"].begin(); it != demo["modules"].end(); ++it) {
    if (app.library().find(it.key())) a.modules.push_back(it.key());
  }
  a.date = demo["assessment"].value("date", "");
  a.assessor = demo["assessment"].value("assessor", "");
  const AssessmentRow created = store.add_assessment(a);
  for (const auto& m : a.modules) {
    for (auto it = demo["modules"][m]["answers"].begin(); it != demo["modules"][m]["answers"].end(); ++it) {
      store.save_answer(created.id, m, it.key(), it.value(), std::nullopt, "demo");
    }
  }
  if (demo.contains("projects")) store.set_projects(created.id, demo["projects"]);
}

// Where a command's store lives: --database postgresql://… (shared by several servers), else the
// SQLite file <--data-dir>/assess.db.
struct StoreLocation {
  std::string data_dir = "var";
  std::string database;
  void add_to(CLI::App& app, const std::string& data_dir_help) {
    app.add_option("--data-dir", data_dir, data_dir_help);
    app.add_option("--database", database,
                   "A PostgreSQL URL (postgresql://USER@HOST/NAME, or ?host=/socket/dir) instead of the SQLite file "
                   "in --data-dir")
        ->check([](const std::string& v) {
          return Database::is_url(v) ? std::string() : std::string("--database takes a postgresql:// URL");
        });
  }
  bool postgres() const { return !database.empty(); }
  std::string target() const { return postgres() ? database : data_dir + "/assess.db"; }
  // The database as a person reads it (a URL without its password).
  std::string describe() const {
    if (!postgres()) return data_dir + "/assess.db";
    const auto at = database.find('@');
    const auto scheme = database.find("://");
    return at == std::string::npos ? database : database.substr(0, scheme + 3) + "…" + database.substr(at);
  }
  // A store that must exist already (an SQLite file that is missing is an error, not a new file).
  bool exists() const { return postgres() || std::filesystem::exists(data_dir + "/assess.db"); }
  std::unique_ptr<Store> open() const {
    if (!postgres()) std::filesystem::create_directories(data_dir);
    return Store::open(target());
  }
};

// Holds an exclusive lock on <data-dir>/assess.lock for the life of the process, so a second server
// on the same folder refuses to start (two servers keep caches that disagree and lose evidence links).
// Returns "" when the lock is taken, else why not.
std::string lock_data_dir(const std::string& data_dir) {
  const std::string path = data_dir + "/assess.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return "cannot open " + path + ": " + std::strerror(errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return "another assess serve is already using the data folder " + data_dir + " (" + path +
           " is locked); stop it first or give another --data-dir";
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0 && ::write(fd, pid.data(), pid.size()) < 0) {
    // the pid is only a hint for people; the lock is what counts
  }
  return "";  // the descriptor stays open (and locked) until the process ends
}

int cmd_serve(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app(
      "Start the web app: the browser UI and the JSON API (docs/api.md), on one SQLite file or on a PostgreSQL "
      "database that several servers share.",
      "serve");
  std::string host = "127.0.0.1";
  unsigned short port = 8080;
  StoreLocation location;
  std::string evidence_dir;
  std::string qdir;
  bool demo = false;
  bool behind_tls_proxy = false;
  std::vector<std::string> allowed_hosts;
  ServerLimits limits;
  app.add_option("--host", host, "Address to listen on (default 127.0.0.1: this computer only)");
  app.add_option("--port", port, "Port (default 8080; 0 picks a free one)");
  location.add_to(app, "Folder of the SQLite database and evidence files (default var)");
  app.add_option("--evidence-dir", evidence_dir,
                 "Folder of the evidence files, shared by every server of one database (default <data-dir>/evidence)");
  app.add_option("--questionnaires", qdir,
                 "Definitions folder (default: questionnaires/ of the data root; assess where)");
  app.add_flag("--demo", demo, "Load the demo enterprise into an empty database");
  app.add_option(
      "--allowed-host", allowed_hosts,
      "Another host name the server answers to (repeatable); localhost, 127.0.0.1, [::1] and --host always are");
  app.add_flag("--behind-tls-proxy", behind_tls_proxy,
               "The server sits behind a TLS reverse proxy (docs/deploy.md): the session cookie gets Secure");
  app.add_option("--max-connections", limits.max_connections, "Open connections at most (default 512)")
      ->check(CLI::Range(1, 100000));
  if (int rc = parse(app, args, out, err); rc >= 0) return rc;
  try {
    const std::string& data_dir = location.data_dir;
    std::filesystem::create_directories(data_dir);
    // One server per SQLite file; servers on one PostgreSQL database keep nothing the others can make
    // stale (sessions, throttling and invites are rows; cached documents are checked by version).
    if (!location.postgres()) {
      if (const std::string problem = lock_data_dir(data_dir); !problem.empty()) {
        err << "assess serve: " << problem << "\n";
        return kInvalidData;
      }
    }
    auto store = location.open();
    std::string first_password;
    if (store->user_count() == 0) {
      // Printed on the terminal, so it must be replaced at the first login. (Two servers starting at
      // once on an empty PostgreSQL database: the second finds the admin the first added.)
      first_password = random_token(9);
      try {
        store->add_user_hash("admin", hash_password(first_password), "admin", std::nullopt, true);
      } catch (const Error&) {
        if (!store->find_user("admin")) throw;
        first_password.clear();
      }
    }
    AppConfig config;
    config.data_dir = data_dir;
    config.evidence_dir = evidence_dir.empty() ? data_dir + "/evidence" : evidence_dir;
    config.web_dir = web_dir();
    config.questionnaires_dir = questionnaires_dir(qdir);
    config.policies_dir = policies_dir("");
    config.templates_dir = templates_dir();
    config.secure_cookie = behind_tls_proxy;
    auto lower = [](std::string h) {
      for (auto& ch : h) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      return h;
    };
    config.allowed_hosts = {"localhost", "127.0.0.1", "[::1]"};
    const bool any_address = host == "0.0.0.0" || host == "::" || host == "[::]";
    if (!any_address)
      config.allowed_hosts.push_back(
          lower(host.find(':') != std::string::npos && host[0] != '[' ? "[" + host + "]" : host));
    for (const auto& h : allowed_hosts) config.allowed_hosts.push_back(lower(h));
    App web(config, *store);
    if (demo) seed_demo(*store, web, config.questionnaires_dir);
    if (host != "127.0.0.1" && host != "localhost" && host != "::1") {
      err << "assess serve: warning: listening on " << host
          << " sends passwords and answers unencrypted over the network; put a TLS reverse proxy in front "
             "(docs/deploy.md) and start with --behind-tls-proxy and --allowed-host NAME\n";
    }
    serve(web, host, port, limits, [&](unsigned short bound) {
      out << "assess is running at http://" << host << ":" << bound << "/  (database " << location.describe() << ")\n";
      if (!first_password.empty()) {
        out << "first start: log in as admin with the one-time password " << first_password
            << "  (you must change it at the first login)\n";
      }
      out.flush();
    });
    return kOk;
  } catch (const Error& e) {
    err << e.what() << "\n";
    return exit_code(e);
  } catch (const std::exception& e) {
    err << "assess serve: " << e.what() << "\n";
    return kUsage;
  }
}

// A password from the terminal without echo, or one line of standard input when it is not a terminal.
std::string read_password(std::ostream& out, const std::string& prompt) {
  std::string password;
  if (::isatty(STDIN_FILENO)) {
    out << prompt << std::flush;
    termios old{};
    const bool tty = ::tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
      termios silent = old;
      silent.c_lflag &= static_cast<tcflag_t>(~ECHO);
      ::tcsetattr(STDIN_FILENO, TCSANOW, &silent);
    }
    std::getline(std::cin, password);
    if (tty) ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
    out << "\n";
  } else {
    std::getline(std::cin, password);
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  return password;
}

int cmd_user(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app(
      "Manage users of the web app: add NAME --role ROLE, or passwd NAME. The password is read from "
      "standard input (a prompt on a terminal), never from the command line.",
      "user");
  std::string action;
  std::string name;
  std::string role = "consultant";
  StoreLocation location;
  std::int64_t enterprise = 0;
  app.add_option("action", action, "add or passwd")->required()->check(CLI::IsMember({"add", "passwd"}));
  app.add_option("name", name, "User name")->required();
  app.add_option("--role", role, "admin, consultant, enterprise or bureau")
      ->check(CLI::IsMember({"admin", "consultant", "enterprise", "bureau"}));
  app.add_option("--enterprise", enterprise, "The enterprise id an enterprise user may see");
  location.add_to(app, "Folder of the database (default var)");
  if (int rc = parse(app, args, out, err); rc >= 0) return rc;
  if (action == "add") {
    if (const std::string problem = user_name_problem(name); !problem.empty()) {
      err << "assess user: " << problem << "\n";
      return kUsage;
    }
  }
  const std::string password = read_password(out, "password for " + name + ": ");
  if (const std::string problem = password_problem(password); !problem.empty()) {
    err << "assess user: " << problem << "\n";
    return kUsage;
  }
  try {
    auto store = location.open();
    if (action == "add") {
      if (role == "enterprise" && enterprise <= 0) {
        err << "assess user: an enterprise user needs --enterprise ID\n";
        return kUsage;
      }
      User u = store->add_user(name, password, role,
                               role == "enterprise" ? std::optional<std::int64_t>(enterprise) : std::nullopt);
      out << "added " << u.name << " (" << u.role << ")\n";
    } else {
      store->set_password(name, password);
      out << "password of " << name << " changed; every session of " << name << " ended\n";
    }
    return kOk;
  } catch (const Error& e) {
    err << e.what() << "\n";
    return exit_code(e);
  }
}

// Laptop <-> server sync (sync.h). The machine token comes from --token-file, ASSESS_SYNC_TOKEN or
// one line of standard input, never from the command line (issue 11: argv is visible to every user).
int cmd_sync(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app(
      "Send this computer's enterprises, assessments (with their audit history) and evidence files to a server, "
      "and fetch what your user may see there. The machine token (made in the server's UI under Sync) is read "
      "from --token-file, the ASSESS_SYNC_TOKEN variable or standard input.",
      "sync");
  SyncOptions options;
  StoreLocation location;
  std::string evidence_dir;
  std::string token_file;
  bool json = false;
  app.add_option("--server", options.server, "The server, http://HOST:PORT")->required();
  location.add_to(app, "Folder of this computer's database and evidence files (default var)");
  app.add_option("--evidence-dir", evidence_dir, "Folder of the evidence files (default <data-dir>/evidence)");
  app.add_option("--token-file", token_file, "A file holding the machine token (one line)")->check(CLI::ExistingFile);
  app.add_option("--batch", options.batch, "Items per request (default 200, at most 1000)")
      ->check(CLI::Range(std::size_t{1}, kMaxSyncBatch));
  app.add_flag("--allow-plain-http", options.allow_remote,
               "Allow http:// to another computer (the token and answers travel unencrypted)");
  app.add_flag("--json", json, "Print the report as JSON");
  if (int rc = parse(app, args, out, err); rc >= 0) return rc;
  std::string token;
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    std::getline(in, token);
  } else if (const char* env = std::getenv("ASSESS_SYNC_TOKEN"); env && *env) {
    token = env;
  } else {
    token = read_password(out, "machine token: ");
  }
  while (!token.empty() && (token.back() == '\r' || token.back() == '\n' || token.back() == ' ')) token.pop_back();
  if (token.empty()) {
    err << "assess sync: no machine token (give --token-file FILE, ASSESS_SYNC_TOKEN or one line on standard input)\n";
    return kUsage;
  }
  options.token = token;
  if (const char* stop = std::getenv("ASSESS_SYNC_STOP_AFTER"); stop && *stop) options.stop_after = std::atoi(stop);
  try {
    auto store = location.open();
    options.evidence_dir = evidence_dir.empty() ? location.data_dir + "/evidence" : evidence_dir;
    const SyncReport report = sync_with_server(*store, options);
    if (json) {
      out << report.json().dump(2) << "\n";
    } else {
      auto counts = [](const Json& c) {
        return std::to_string(c.value("enterprises", 0)) + " enterprises, " +
               std::to_string(c.value("assessments", 0)) + " assessments, " + std::to_string(c.value("changes", 0)) +
               " changes, " + std::to_string(c.value("evidence", 0)) + " evidence records";
      };
      out << "pushed: " << counts(report.pushed) << "; " << report.files_sent << " files (" << report.bytes_sent
          << " bytes)\n";
      out << "pulled: " << counts(report.pulled) << "; " << report.files_received << " files (" << report.bytes_received
          << " bytes)\n";
      if (!report.interrupted) {
        out << "conflicts to resolve on the server: " << report.conflicts_open << "\n";
      }
    }
    for (const auto& w : report.warnings) err << "assess sync: warning: " << w << "\n";
    if (report.interrupted) {
      err << "assess sync: stopped after " << report.batches
          << " batches (ASSESS_SYNC_STOP_AFTER); run it again to finish\n";
      return kInvalidData;
    }
    return kOk;
  } catch (const Error& e) {
    err << e.what() << "\n";
    return exit_code(e);
  }
}

int cmd_backup(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app(
      "Copy the database to FILE while the server runs: SQLite's online backup, or pg_dump's custom format "
      "(restore with pg_restore) for --database.",
      "backup");
  std::string file;
  StoreLocation location;
  app.add_option("file", file, "The backup file to write")->required();
  location.add_to(app, "Folder of the database (default var)");
  if (int rc = parse(app, args, out, err); rc >= 0) return rc;
  try {
    if (!location.exists()) {
      err << "assess backup: no database at " << location.describe() << "\n";
      return kNotFound;
    }
    auto store = location.open();
    store->backup_to(file);
    out << "backed up " << location.describe() << " to " << file << "\n";
    return kOk;
  } catch (const Error& e) {
    err << e.what() << "\n";
    return exit_code(e);
  }
}

int cmd_migrate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app(
      "Bring the database to this program's schema version (the versioned migrations of store.cpp; every command "
      "that opens the store does it too). Run it once before starting new servers on an upgraded PostgreSQL.",
      "migrate");
  StoreLocation location;
  location.add_to(app, "Folder of the database (default var)");
  if (int rc = parse(app, args, out, err); rc >= 0) return rc;
  try {
    int before = 0;
    if (location.postgres()) {
      before = Database::open(location.target())->schema_version();
    } else if (location.exists()) {
      before = Database::open(location.target())->schema_version();
    }
    auto store = location.open();
    out << location.describe() << ": schema version " << before << " -> " << store->schema_version() << "\n";
    return kOk;
  } catch (const Error& e) {
    err << e.what() << "\n";
    return exit_code(e);
  }
}

// Candidates from a JSON file.
std::vector<Candidate> load_candidates(const std::string& file) {
  return candidates_from_json(read_json_file(file), file);
}

// The database holding the imported bureau records.
std::unique_ptr<Store> open_bureau_store(const StoreLocation& location) {
  if (!location.exists()) {
    throw Error(location.describe(), "",
                "no database: import enterprises first (assess import FILE) or pass --candidates",
                ErrorKind::kNotFound);
  }
  return location.open();
}

int cmd_import(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app(
      "Import enterprises in bulk (XLSX, CSV in UTF-8 or GBK, or JSON) into the bureau records of the database.\n"
      "Columns are profile question ids and <module>.level / <module>.total; --template writes the header.",
      "import");
  std::string file;
  std::string template_kind;
  std::string output;
  StoreLocation location;
  std::string on_error = "skip";
  std::string round = "update";
  std::string qdir;
  std::string lang = "zh-CN";
  app.add_option("file", file, "The file to import (.xlsx, .csv or .json)");
  app.add_option("--template", template_kind, "Write the import template instead: csv or xlsx")
      ->check(CLI::IsMember({"csv", "xlsx"}));
  app.add_option("-o,--output", output, "Where --template writes (default import-template.<kind>)");
  app.add_option("--lang", lang,
                 "Language of the --template header: a catalogue of web/i18n in the data root (zh-CN, en, or a "
                 "language added there); default zh-CN")
      ->check(catalogue_language());
  location.add_to(app, "Folder of the database (default var)");
  app.add_option("--on-error", on_error, "skip: import the good rows and report the bad ones; abort: import nothing")
      ->check(CLI::IsMember({"skip", "abort"}));
  app.add_option("--round", round, "update: replace an enterprise's latest round; new: add a new assessment round")
      ->check(CLI::IsMember({"update", "new"}));
  app.add_option("--questionnaires", qdir,
                 "Definitions folder (default: questionnaires/ of the data root; assess where)");
  if (int rc = parse(app, args, out, err); rc >= 0) return rc;
  try {
    if (!template_kind.empty()) {
      // Column titles in --lang (Chinese by default); every fact the shipped criteria and the dashboard read.
      const Library library = Library::load_dir(questionnaires_dir(qdir));
      const std::string pdir = policies_dir("");
      const auto criteria =
          std::filesystem::exists(pdir + "/criteria") ? load_criteria_dir(pdir + "/criteria") : std::vector<Criteria>{};
      const DashboardLadders ladders =
          std::filesystem::exists(pdir) ? load_catalogue_dir(pdir).dashboard : DashboardLadders{};
      const auto rows = import_template(library, criteria, ladders, text_lang_of(lang), words_in(lang));
      const std::vector<std::string>& header = rows[0];
      std::vector<std::vector<Json>> body;
      for (std::size_t i = 1; i < rows.size(); ++i) body.emplace_back(rows[i].begin(), rows[i].end());
      if (output.empty()) output = "import-template." + template_kind;
      if (template_kind == "xlsx") {
        write_xlsx(output, "import", header, body);
      } else {
        write_csv(output, header, body);
      }
      out << "wrote " << output << "\n";
      return kOk;
    }
    if (file.empty()) {
      err << "assess import: give a FILE to import, or --template csv|xlsx\n";
      return kUsage;
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(file, "", "cannot open file", ErrorKind::kNotFound);
    std::ostringstream content;
    content << in.rdbuf();
    Library library = Library::load_dir(questionnaires_dir(qdir));
    const bool tty = isatty(2);
    // A header in any catalogue language is read; problems are reported in English.
    const Languages spoken = Languages::load_dir(web_dir() + "/i18n");
    const auto progress = [&](std::size_t done, std::size_t total) {
      if (!tty) return;
      const int width = 30;
      const int filled = static_cast<int>(width * done / std::max<std::size_t>(total, 1));
      err << "\r[" << std::string(static_cast<std::size_t>(filled), '#')
          << std::string(static_cast<std::size_t>(width - filled), '.') << "] " << done << "/" << total << std::flush;
      if (done == total) err << "\n";
    };
    ImportResult result =
        import_table(content.str(), file, library, spoken.text_lang("en"), spoken.all_words("en"), progress);
    for (const auto& issue : result.issues) {
      err << file << ": row " << issue.row << (issue.column.empty() ? "" : ", column " + issue.column) << ": "
          << issue.reason << "\n";
    }
    if (!result.issues.empty() && on_error == "abort") {
      err << "assess import: " << result.issues.size() << " problem(s); nothing imported (--on-error abort)\n";
      return kInvalidData;
    }
    auto store = location.open();
    std::vector<Store::BureauRecord> records;
    for (std::size_t i = 0; i < result.candidates.size(); ++i) {
      const auto& c = result.candidates[i];
      records.push_back({c.id, c.name, c.facts.value("region", std::string()), c.facts,
                         Json{{"kind", "import"}, {"file", file}, {"row", result.candidate_rows[i]}},
                         result.candidate_dates[i]});
    }
    const auto counts = store->save_bureau_records(records, round == "new", file, today());
    out << "imported " << records.size() << " of " << result.rows << " rows from " << file << " (" << result.encoding
        << "): " << counts.added << " new, " << counts.updated << " updated, " << counts.new_rounds << " new rounds; "
        << result.issues.size() << " problem(s) reported\n";
    return result.issues.empty() ? kOk : kInvalidData;
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

// Writes a table to `path` as XLSX or CSV by its extension; returns -1 when written, else the exit code.
int export_table(const std::string& command, const std::string& path, const std::string& sheet,
                 const std::vector<std::string>& header, const std::vector<std::vector<Json>>& rows, std::ostream& out,
                 std::ostream& err) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".xlsx") {
    write_xlsx(path, sheet, header, rows);
  } else if (ext == ".csv") {
    write_csv(path, header, rows);
  } else {
    err << "assess " << command << ": --export " << path << ": the file name must end in .xlsx or .csv\n";
    return kUsage;
  }
  out << "wrote " << path << " (" << rows.size() << " rows)\n";
  return -1;
}

int cmd_rank(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app(
      "Rank candidate enterprises by a criteria file (policies/criteria/*.json): eligibility, weighted score,\n"
      "tie-breakers, each row's explanation, and who enters or leaves the top N when a weight moves ±10 %.",
      "rank");
  std::string criteria_file;
  std::string candidates_file;
  std::string export_file;
  std::string lang = "zh-CN";
  RankOptions options;
  bool as_json = false;
  app.add_option("--criteria", criteria_file, "Ranking criteria (JSON)")->required()->check(CLI::ExistingFile);
  app.add_option(
         "--candidates", candidates_file,
         "Candidates: [{\"id\", \"name\", \"facts\"}, ...] (JSON); default: the records imported into --data-dir")
      ->check(CLI::ExistingFile);
  StoreLocation location;
  location.add_to(app, "Folder of the database with imported records (default var)");
  app.add_option("--region", options.region, "Only enterprises in this GB/T 2260 area (code or prefix)");
  app.add_option("--industry", options.industry, "Only enterprises under this GB/T 4754 prefix");
  app.add_option("--top", options.top, "Shortlist size (default: the criteria's \"top\")");
  app.add_option("--export", export_file, "Also write every ranked and ineligible row to FILE.xlsx or FILE.csv");
  app.add_option("--lang", lang, kLangHelp)->check(catalogue_language());
  app.add_flag("--json", as_json, "Print JSON (the shortlist rows; counts are complete)");
  if (int rc = parse(app, args, out, err); rc >= 0) return rc;
  try {
    const Criteria criteria = load_criteria(read_json_file(criteria_file), criteria_file);
    // From the database: typed rows filtered in SQL, only the rows shown (or exported) built in full.
    RankResult result;
    if (candidates_file.empty()) {
      auto store = open_bureau_store(location);
      const std::size_t top = options.top != 0 ? options.top : criteria.top;
      result = rank_rows(
          criteria, [&](const FactQuery& q, const FactRowVisitor& v) { return store->bureau_rows(q, v); }, options,
          export_file.empty() ? top : 0);
    } else {
      result = rank(criteria, load_candidates(candidates_file), options);
    }
    const Words words = words_in(lang);
    const std::string text = text_lang_of(lang);  // the definitions' texts
    if (!export_file.empty()) {
      std::vector<std::string> header = {words("srv_cli_rank_col_rank"),   "id",
                                         words("srv_cli_rank_col_name"),   words("srv_cli_rank_col_score"),
                                         words("srv_cli_rank_col_in_top"), words("srv_cli_rank_col_eligible")};
      for (const auto& t : criteria.score) {
        header.push_back(t.title.in(text) + " (" + t.id + ")");
        header.push_back(t.title.in(text) + " (" + t.id + " × " + format_number(t.weight) + ")");
      }
      for (const auto& t : criteria.tie_breakers)
        header.push_back(t.title.in(text) + " (" + t.id + ", " + to_string(t.order) + ")");
      header.push_back(words("srv_cli_rank_col_separated_by"));
      header.push_back(words("srv_cli_rank_col_failed"));
      std::vector<std::vector<Json>> rows;
      auto add = [&](const RankRow& r) {
        std::vector<Json> row = {r.eligible ? Json(r.position) : Json(),
                                 r.id,
                                 r.name,
                                 r.eligible ? Json(std::round(r.score * 1e6) / 1e6) : Json(),
                                 r.in_top,
                                 r.eligible};
        for (std::size_t j = 0; j < criteria.score.size(); ++j) {
          if (j < r.terms.size() && r.eligible) {
            row.push_back(r.terms[j].missing ? Json() : Json(std::round(r.terms[j].value * 1e6) / 1e6));
            row.push_back(std::round(r.terms[j].contribution * 1e6) / 1e6);
          } else {
            row.insert(row.end(), {Json(), Json()});
          }
        }
        for (std::size_t t = 0; t < criteria.tie_breakers.size(); ++t)
          row.push_back(t < r.tie_values.size() ? r.tie_values[t] : Json());
        row.push_back(r.separated_by);
        std::string failed;
        for (std::size_t k = 0; k < r.checks.size(); ++k) {
          if (!r.checks[k].met)
            failed +=
                (failed.empty() ? "" : "; ") + criteria.eligibility[k].title.in(text) + " (" + r.checks[k].id + ")";
        }
        row.push_back(failed);
        rows.push_back(std::move(row));
      };
      for (const auto& r : result.rows) add(r);
      for (const auto& r : result.ineligible) add(r);
      if (int rc = export_table("rank", export_file, criteria.id, header, rows, out, err); rc >= 0) return rc;
    }
    const Json doc = rank_to_json(result, text, words, result.top);
    if (as_json) {
      out << doc.dump(2) << "\n";
      return kOk;
    }
    out << doc["criteria"]["title"].get<std::string>() << " (" << criteria.id << ")"
        << (criteria.draft ? " " + words("srv_cli_draft") : "") << "  ⟨" << criteria.cite << "⟩\n";
    // The criteria's note (what the list means, what is uncertain), as the bureau web page shows it.
    if (doc["criteria"].contains("note"))
      out << words("srv_cli_note", {{"note", doc["criteria"]["note"].get<std::string>()}}) << "\n";
    out << words("srv_cli_rank_counts", {{"considered", std::to_string(result.considered)},
                                         {"filtered", std::to_string(result.filtered_out)},
                                         {"eligible", std::to_string(result.eligible_count)},
                                         {"ineligible", std::to_string(result.ineligible_count)},
                                         {"top", std::to_string(result.top)}})
        << "\n\n";
    for (const auto& row : doc["rows"]) {
      out << std::right << std::setw(4) << row["position"].get<std::size_t>() << ". " << row["id"].get<std::string>()
          << "  " << row["name"].get<std::string>() << "  "
          << words("srv_cli_rank_score", {{"score", format_number(row["score"].get<double>())}})
          << (row["in_top"].get<bool>() ? "" : words("srv_cli_rank_outside")) << "\n";
      std::istringstream lines(row["explanation"].get<std::string>());
      for (std::string line; std::getline(lines, line);) out << "      " << line << "\n";
    }
    if (result.eligible_count > doc["rows"].size()) {
      out << "      … "
          << words("srv_cli_rank_more", {{"n", std::to_string(result.eligible_count - doc["rows"].size())}}) << "\n";
    }
    out << "\n" << words("srv_cli_sensitivity", {{"note", doc["sensitivity"]["note"].get<std::string>()}}) << "\n";
    for (const auto& c : result.sensitivity.cases) {
      if (c.entering.empty() && c.leaving.empty()) continue;
      std::string entering;
      std::string leaving;
      for (const auto& id : c.entering) entering += (entering.empty() ? "" : ", ") + id;
      for (const auto& id : c.leaving) leaving += (leaving.empty() ? "" : ", ") + id;
      out << "  "
          << words("srv_cli_rank_case", {{"term", c.term},
                                         {"factor", format_number(c.factor)},
                                         {"weight", format_number(c.weight)},
                                         {"entering", entering.empty() ? "—" : entering},
                                         {"leaving", leaving.empty() ? "—" : leaving}})
          << "\n";
    }
    return kOk;
  } catch (const Error& e) {
    err << e.what() << "\n";
    return exit_code(e);
  }
}

int cmd_dashboard(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app(
      "A region's figures against the targets of the action plans (policies/): numerator, denominator, value,\n"
      "target, clause and whether it is met; figures over fewer than 5 enterprises are suppressed.",
      "dashboard");
  std::string region;
  std::string candidates_file;
  std::string export_file;
  std::string dir;
  std::string lang = "zh-CN";
  bool as_json = false;
  app.add_option("--region", region, "GB/T 2260 area (code or prefix)")->required();
  app.add_option(
         "--candidates", candidates_file,
         "Candidates: [{\"id\", \"name\", \"facts\"}, ...] (JSON); default: the records imported into --data-dir")
      ->check(CLI::ExistingFile);
  StoreLocation location;
  location.add_to(app, "Folder of the database with imported records (default var)");
  app.add_option("--export", export_file, "Also write the figures and targets to FILE.xlsx or FILE.csv");
  app.add_option("--policies", dir, "Policy catalogue folder (default: policies/ of the data root)");
  app.add_option("--lang", lang, kLangHelp)->check(catalogue_language());
  app.add_flag("--json", as_json, "Print JSON");
  if (int rc = parse(app, args, out, err); rc >= 0) return rc;
  try {
    std::unique_ptr<Store> store;
    std::vector<Candidate> candidates;
    if (candidates_file.empty()) {
      store = open_bureau_store(location);
    } else {
      candidates = load_candidates(candidates_file);
    }
    Catalogue catalogue = load_catalogue_dir(policies_dir(dir));
    check_dashboard_ladders(catalogue.dashboard, Library::load_dir(questionnaires_dir("")));
    const std::vector<DashboardTarget> targets = dashboard_targets(catalogue);
    const DashboardLadders& ladders = catalogue.dashboard;
    Dashboard d;
    if (store) {
      d = dashboard_groups(
          [&](const FactQuery& q, const DashboardGroupVisitor& v) { store->dashboard_groups(0, ladders, q, v); },
          ladders, targets, region);
    } else {
      d = dashboard(candidates, ladders, targets, region);
    }
    const Words words = words_in(lang);
    const std::string text = text_lang_of(lang);  // the definitions' texts
    const Json doc = dashboard_to_json(d, text, words);
    auto met_text = [&](const Json& met) -> std::string {
      if (met.is_null()) return "—";
      return words(met.get<bool>() ? "srv_met" : "srv_not_met");
    };
    if (!export_file.empty()) {
      // The columns' words: "srv_cli_dash_col_<column>" ("indicator" is the id's name in every language).
      std::vector<std::string> header;
      for (const char* column : {"figure", "indicator", "title", "unit", "numerator", "denominator", "unknown", "value",
                                 "suppressed", "document", "clause", "relation", "comparator", "target", "met"}) {
        header.push_back(std::string(column) == "indicator" ? column
                                                            : words(std::string("srv_cli_dash_col_") + column));
      }
      std::vector<std::vector<Json>> rows;
      for (const auto& f : doc["figures"]) {
        std::vector<Json> base = {
            f["id"],      f["indicator"], f["title"],
            f["unit"],    f["numerator"], f["denominator"],
            f["unknown"], f["value"],     f["suppressed"] ? Json(f.value("reason", std::string())) : Json()};
        if (f["targets"].empty()) {
          base.insert(base.end(), 6, Json());
          rows.push_back(base);
        }
        for (const auto& t : f["targets"]) {
          std::vector<Json> row = base;
          row.insert(row.end(),
                     {t["document_title"].get<std::string>() +
                          (t["number"].get<std::string>().empty() ? "" : " " + t["number"].get<std::string>()),
                      t["cite"], t["relation"], t["comparator"], t["target"], t["met"]});
          rows.push_back(std::move(row));
        }
      }
      if (int rc = export_table("dashboard", export_file, "dashboard " + region, header, rows, out, err); rc >= 0)
        return rc;
    }
    if (as_json) {
      out << doc.dump(2) << "\n";
      return kOk;
    }
    out << words(d.above_size_unknown ? "srv_cli_dash_region_unknown" : "srv_cli_dash_region",
                 {{"region", d.region},
                  {"n", std::to_string(d.enterprises)},
                  {"above", std::to_string(d.above_size)},
                  {"unknown", std::to_string(d.above_size_unknown)}})
        << "\n";
    for (const auto& f : doc["figures"]) {
      out << "\n" << f["title"].get<std::string>() << "  [" << f["id"].get<std::string>() << "]\n";
      const std::string unit = f["unit"] == "percent" ? " %" : "";
      if (f["suppressed"].get<bool>()) {
        out << "  "
            << words("srv_cli_dash_suppressed",
                     {{"min", std::to_string(d.min_group)}, {"reason", f.value("reason", std::string())}})
            << "\n";
      } else {
        out << "  " << (f["value"].is_number() ? format_number(f["value"].get<double>()) + unit : std::string("—"))
            << "  = " << (f["numerator"].is_number() ? format_number(f["numerator"].get<double>()) : std::string("—"))
            << " / " << f["denominator"].get<std::size_t>();
        if (f["unknown"].get<std::size_t>() > 0)
          out << words("srv_cli_dash_unknown", {{"n", std::to_string(f["unknown"].get<std::size_t>())}});
        out << "\n";
      }
      for (const auto& t : f["targets"]) {
        out << "  "
            << words("srv_cli_dash_target",
                     {{"comparator", t["comparator"].get<std::string>()},
                      {"target", t["target"].is_number() ? format_number(t["target"].get<double>()) : "—"},
                      {"unit", t["unit"].get<std::string>()}})
            << "  " << met_text(t["met"]) << "  ⟨" << t["document_title"].get<std::string>() << " "
            << t["cite"].get<std::string>() << "⟩" << (t["relation"] == "other" ? words("srv_cli_dash_benchmark") : "")
            << (t["draft"].get<bool>() ? " " + words("srv_cli_draft") : "") << "\n";
      }
    }
    if (!doc["not_measured"].empty()) {
      out << "\n" << words("srv_cli_dash_not_measured") << "\n";
      for (const auto& n : doc["not_measured"]) {
        out << "  " << n["title"].get<std::string>() << "  ⟨" << n["document_title"].get<std::string>() << " "
            << n["cite"].get<std::string>() << "⟩: " << n["reason"].get<std::string>() << "\n";
      }
    }
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
      {"serve", "Start the web app (browser UI and JSON API) on SQLite or a shared PostgreSQL", cmd_serve},
      {"user", "Add a web-app user or change a password", cmd_user},
      {"backup", "Copy the database (SQLite's online backup, or pg_dump)", cmd_backup},
      {"sync", "Send this computer's work to a server and fetch what you may see there", cmd_sync},
      {"migrate", "Bring the database (SQLite or PostgreSQL) to this program's schema version", cmd_migrate},
      {"import", "Import enterprises in bulk (XLSX, CSV UTF-8/GBK, JSON) for ranking and the dashboard", cmd_import},
      {"lint", "Check definitions and answer sets and report every error", cmd_lint},
      {"score", "Score answers: sections, level, gap to the next level, with explanations", cmd_score},
      {"report", "Write the HTML improvement report of an assessment (and a PDF with Chromium)", cmd_report},
      {"rewards", "Rewards the local policies give an enterprise now, with computation and clause", cmd_rewards},
      {"policies", "Check the policy catalogue (lint) or run its rule tests (test)", cmd_policies},
      {"logic", "Evaluate a JsonLogic rule against data, for debugging conditions", cmd_logic},
      {"rank", "Rank candidate enterprises by a criteria file, with explanations and sensitivity", cmd_rank},
      {"dashboard", "A region's figures against its action-plan targets (suppressing groups under 5)", cmd_dashboard},
      {"where", "Show the data folder in use (questionnaires, policies, templates, web) and why", cmd_where},
  };
  return kCommands;
}

int run(const std::vector<std::string>& given, std::ostream& out, std::ostream& err) {
  // --data-root DIR (or --data-root=DIR) is taken by every command, wherever it stands.
  std::vector<std::string> args;
  std::string data_root;
  for (std::size_t i = 0; i < given.size(); ++i) {
    if (given[i] == "--data-root") {
      if (i + 1 == given.size()) {
        err << "assess: --data-root needs a folder\n";
        return kUsage;
      }
      data_root = given[++i];
    } else if (given[i].starts_with("--data-root=")) {
      data_root = given[i].substr(std::string_view("--data-root=").size());
    } else {
      args.push_back(given[i]);
    }
  }
  set_data_root_option(data_root);
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
