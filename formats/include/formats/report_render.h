// report_render.h — the second step of the report (scoring/report.h builds the view model): lays a
// report view out as one self-contained HTML page with the Mustache templates in templates/.
//
// It lives in formats/, not scoring/, so that the domain library links no template engine.
#pragma once

#include <string>

#include "scoring/questionnaire.h"  // assess::Json

namespace assess {

// Templates: templates/report.html (the page), templates/report.css (inlined), templates/strings.json
// (zh-CN and en labels). Throws Error when a template is missing.
class ReportRenderer {
 public:
  explicit ReportRenderer(const std::string& templates_dir);
  // Takes the view by value: the labels are added to it in place (pass a temporary, or std::move).
  [[nodiscard]] std::string render(Json view) const;

 private:
  std::string page_;
  std::string css_;
  Json strings_;
};

}  // namespace assess
