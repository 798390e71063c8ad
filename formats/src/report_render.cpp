#include "formats/report_render.h"

#include <fstream>
#include <mstch/mstch.hpp>
#include <sstream>

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

// Strings are moved out of the view (it is the renderer's own copy), not copied.
mstch::node to_node(Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return std::string();
    case Json::value_t::boolean:
      return j.get<bool>();
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return std::to_string(j.get<long long>());
    case Json::value_t::number_float:
      return format_number(j.get<double>());
    case Json::value_t::string:
      return std::move(j.get_ref<std::string&>());
    case Json::value_t::array: {
      mstch::array a;
      a.reserve(j.size());
      for (auto& e : j) a.push_back(to_node(e));
      return a;
    }
    case Json::value_t::object: {
      mstch::map m;
      for (auto it = j.begin(); it != j.end(); ++it) m.emplace(it.key(), to_node(it.value()));
      return m;
    }
    default:
      return std::string();
  }
}

}  // namespace

ReportRenderer::ReportRenderer(const std::string& templates_dir)
    : page_(read_text(templates_dir + "/report.html")),
      css_(read_text(templates_dir + "/report.css")),
      strings_(read_json_file(templates_dir + "/strings.json")) {}

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
  return mstch::render(page_, to_node(view));
}

}  // namespace assess
