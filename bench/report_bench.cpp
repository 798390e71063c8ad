// report_bench — HTML reports rendered per second for the demo assessment (view model + Mustache
// layout; the assessment is scored once, as the web app does before rendering). Prints figures.
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>

#include "formats/report_render.h"
#include "scoring/assessment.h"
#include "scoring/explain.h"
#include "scoring/report.h"
#include "scoring/rewards.h"

int main(int argc, char** argv) {
  using namespace assess;
  const std::string src = argc > 1 ? argv[1] : ASSESS_SOURCE_DIR;
  Library library = Library::load_dir(src + "/questionnaires");
  Crosswalk crosswalk =
      load_crosswalk(read_json_file(src + "/questionnaires/crosswalk.json"), "crosswalk.json", library);
  Catalogue catalogue = load_catalogue_dir(src + "/policies");
  CodeList regions = load_code_list_file(src + "/questionnaires/profile/regions.json");
  ReportRenderer renderer(src + "/templates");
  const std::string file = src + "/questionnaires/demo/assessment.json";
  AssessmentResult result = score_assessment(library, crosswalk, read_json_file(file), file);
  RewardsResult rewards = evaluate_rewards(catalogue, enterprise_facts(result), result.projects, "2026-11-20");
  ReportOptions options;
  const Json words = read_json_file(src + "/web/i18n/zh-CN.json");
  for (const auto& [key, value] : words.items()) {
    if (key.rfind("srv_", 0) == 0) options.words.texts[key] = value.get<std::string>();  // the server's words
  }
  options.generated_at = "2026-11-24 10:00";
  options.regions = &regions;

  auto run = [&](const char* what, auto&& body) {
    int n = 0;
    std::size_t bytes = 0;
    const auto start = std::chrono::steady_clock::now();
    double elapsed = 0;
    while (elapsed < 3.0) {
      bytes += body();
      ++n;
      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    std::printf("%-52s %8.1f reports/s  (%zu bytes each)\n", what, n / elapsed, bytes / static_cast<std::size_t>(n));
  };
  run("layout only (view model ready)", [&] {
    static const Json view = report_view(result, &rewards, &catalogue, options);
    return renderer.render(view).size();
  });
  run("view model + layout (gap searches included)",
      [&] { return renderer.render(report_view(result, &rewards, &catalogue, options)).size(); });
  // As the server renders a report: each module's gap plan searched once and kept between requests.
  std::map<std::string, std::shared_ptr<const GapResult>> plans;
  ReportOptions kept = options;
  kept.gap = [&](const std::string& module, int next) {
    auto& plan = plans[module + "/" + std::to_string(next)];
    if (!plan) {
      GapOptions gap_options;
      gap_options.max_nodes = options.max_gap_nodes;
      plan = std::make_shared<const GapResult>(
          find_gap(*result.modules.at(module).questionnaire, result.modules.at(module).answers, next, gap_options));
    }
    return plan;
  };
  run("view model + layout (gap plans kept, as the server)",
      [&] { return renderer.render(report_view(result, &rewards, &catalogue, kept)).size(); });
  run("view model only (gap plans kept)",
      [&] { return report_view(result, &rewards, &catalogue, kept).dump().size(); });
  // The server also keeps each module's explanation (explain_score) while the module is unchanged.
  std::map<std::string, std::shared_ptr<const Json>> explanations;
  std::string changed;  // the module a save has just changed: its plan and explanation are built again
  ReportOptions server = kept;
  server.explained = [&](const std::string& module) {
    auto& e = explanations[module];
    if (!e || module == changed) {
      const ModuleResult& m = result.modules.at(module);
      e = std::make_shared<const Json>(
          explain_score(*m.questionnaire, m.answers, m.result, options.lang, options.words));
    }
    return e;
  };
  server.gap = [&](const std::string& module, int next) {
    if (module == changed) plans.erase(module + "/" + std::to_string(next));
    return kept.gap(module, next);
  };
  run("view model + layout (plans, explanations kept)",
      [&] { return renderer.render(report_view(result, &rewards, &catalogue, server)).size(); });
  changed = "sme-digital-2024";
  run("  the same, sme-digital-2024 just changed",
      [&] { return renderer.render(report_view(result, &rewards, &catalogue, server)).size(); });
  return 0;
}
