// report_render.h — the second step of the report (scoring/report.h builds the view model): lays a
// report view out as one self-contained HTML page with the Mustache templates in templates/.
//
// It lives in formats/, not scoring/, so that the domain library links no template engine.
#pragma once

#include <memory>
#include <string>

#include "scoring/questionnaire.h"  // assess::Json

namespace assess {

namespace detail {
class Mustache;
}

// Templates: templates/report.html (the page, Mustache as detail/mustache.h reads it),
// templates/report.css (inlined), templates/strings.json (labels per language). Throws Error when a
// template is missing or malformed.

class ReportRenderer {
 public:
  explicit ReportRenderer(const std::string& templates_dir);
  ~ReportRenderer();
  ReportRenderer(ReportRenderer&&) noexcept;
  ReportRenderer& operator=(ReportRenderer&&) noexcept;
  // Takes the view by value: the labels are added to it in place (pass a temporary, or std::move).
  [[nodiscard]] std::string render(Json view) const;

 private:
  std::unique_ptr<const detail::Mustache> page_;  // templates/report.html, parsed once
  std::string css_;
  Json strings_;
};

}  // namespace assess
