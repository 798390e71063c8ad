#include "formats/report_render.h"

#include <fstream>
#include <sstream>

#include "detail/mustache.h"
#include "scoring/error.h"
#include "scoring/text.h"

namespace assess {

namespace {

const Json& strings_for(const Json& strings, const std::string& lang) {
  return strings.contains(lang) ? strings.at(lang) : strings.at("zh-CN");
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path, "", "cannot open template", ErrorKind::kNotFound);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

ReportRenderer::ReportRenderer(const std::string& templates_dir)
    : page_(std::make_unique<detail::Mustache>(read_text(templates_dir + "/report.html"),
                                               templates_dir + "/report.html")),
      css_(read_text(templates_dir + "/report.css")),
      strings_(read_json_file(templates_dir + "/strings.json")) {}

ReportRenderer::~ReportRenderer() = default;
ReportRenderer::ReportRenderer(ReportRenderer&&) noexcept = default;
ReportRenderer& ReportRenderer::operator=(ReportRenderer&&) noexcept = default;

std::string ReportRenderer::render(Json view) const {
  const std::string lang = view.value("lang", std::string("zh-CN"));
  view["t"] = strings_for(strings_, lang);
  // Grade labels for evidence rows, in the report's language.
  for (auto* list : {&view["evidence"]}) {
    for (auto& row : *list) row["grade"] = view["t"].value("grade_" + row["grade_key"].get<std::string>(), "");
  }
  for (auto& module : view["appendix"]) {
    for (auto& row : module["answers"])
      row["grade"] = view["t"].value("grade_" + row["grade_key"].get<std::string>(), "");
  }
  for (auto& row : view["uncertain"]) {
    const std::string c = row.value("confidence", std::string());
    row["confidence_text"] = view["t"].value("conf_" + c, c);
  }
  std::string css = css_;
  const std::string marker = "/*FOOTER*/";
  if (auto pos = css.find(marker); pos != std::string::npos) {
    css.replace(pos, marker.size(), "\"" + view.value("footer_css", std::string()) + "\"");
  }
  // A draft names itself in the top margin of every printed page.
  const std::string draft_marker = "/*DRAFT*/";
  if (auto pos = css.find(draft_marker); pos != std::string::npos) {
    std::string rule;
    if (view.contains("draft_state") && view["draft_state"].is_object()) {
      rule = "@page { @top-center { content: \"" + view["t"].value("draft_banner", std::string()) +
             "\"; color: #b3261e; font-weight: 700; font-size: 9pt; } }";
    }
    css.replace(pos, draft_marker.size(), rule);
  }
  view["css"] = css;
  return page_->render(view);
}

}  // namespace assess
