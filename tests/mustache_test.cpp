// The report's Mustache subset (formats/src/detail/mustache.h): hand-worked cases from the Mustache
// spec's rules, malformed templates, and a second method — libmstch, which laid the report out
// before — giving the same bytes for every case and for the shipped report in each language.
#include "detail/mustache.h"

#include <doctest/doctest.h>

#include <fstream>
#include <mstch/mstch.hpp>
#include <sstream>

#include "formats/report_render.h"
#include "scoring/error.h"
#include "scoring/report.h"
#include "scoring/text.h"
#include "support.h"

namespace {

using assess::Json;
using assess::detail::Mustache;

const std::string kSource = ASSESS_SOURCE_DIR;

// The view as the renderer handed it to mstch before: numbers as text, null as "".
mstch::node to_mstch(const Json& j) {
  switch (j.type()) {
    case Json::value_t::boolean:
      return j.get<bool>();
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return std::to_string(j.get<long long>());
    case Json::value_t::number_float:
      return assess::format_number(j.get<double>());
    case Json::value_t::string:
      return j.get<std::string>();
    case Json::value_t::array: {
      mstch::array a;
      for (const auto& e : j) a.push_back(to_mstch(e));
      return a;
    }
    case Json::value_t::object: {
      mstch::map m;
      for (auto it = j.begin(); it != j.end(); ++it) m.emplace(it.key(), to_mstch(it.value()));
      return m;
    }
    default:
      return std::string();
  }
}

std::string ours(const std::string& tmpl, const Json& view) {
  return Mustache(tmpl, "t.html").render(view);
}

std::string theirs(const std::string& tmpl, const Json& view) {
  return mstch::render(tmpl, to_mstch(view));
}

struct Case {
  std::string tmpl;
  Json view;
  std::string expected;  // worked by hand from the rules in mustache.h
};

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      // Variables: escaped as mstch escapes (& ' " < > /), raw with {{{ }}} and {{& }}.
      {"<p>{{name}}</p>",
       {{"name", "A&B <i>'x'</i> \"q\""}},
       "<p>A&amp;B &lt;i&gt;&#39;x&#39;&lt;&#x2F;i&gt; &quot;q&quot;</p>"},
      {"{{{html}}}|{{& html}}|{{ html }}",
       {{"html", "<b>1/2</b>"}},
       "<b>1/2</b>|<b>1/2</b>|&lt;b&gt;1&#x2F;2&lt;&#x2F;b&gt;"},
      // Missing names, null, objects and lists print nothing; booleans print their word.
      {"[{{missing}}][{{nothing}}][{{obj}}][{{list}}][{{yes}}][{{no}}]",
       {{"nothing", nullptr}, {"obj", {{"a", 1}}}, {"list", {1, 2}}, {"yes", true}, {"no", false}},
       "[][][][][true][false]"},
      // Numbers: whole ones as integers, others as format_number writes them.
      {"{{i}} {{n}} {{u}} {{f}} {{g}}",
       {{"i", 42}, {"n", -7}, {"u", 7U}, {"f", 2.5}, {"g", 0.125}},
       "42 -7 7 2.5 0.125"},
      // A list repeats its section with each item as the context; {{.}} is the item.
      {"{{#xs}}<{{.}}>{{/xs}}", {{"xs", {"a", "b", "c"}}}, "<a><b><c>"},
      {"{{#rows}}{{name}}={{v}};{{/rows}}",
       {{"rows", {{{"name", "a"}, {"v", 1}}, {{"name", "b"}, {"v", 2}}}}},
       "a=1;b=2;"},
      // A name not in the item is looked up in the enclosing contexts.
      {"{{#rows}}{{name}}{{sep}}{{/rows}}", {{"sep", ","}, {"rows", {{{"name", "a"}}, {{"name", "b"}}}}}, "a,b,"},
      // An object is pushed once; true renders once with the same context; a string is pushed.
      {"{{#o}}{{a}}{{/o}}|{{#t}}{{x}}{{/t}}|{{#s}}[{{.}}]{{/s}}",
       {{"o", {{"a", "in"}}}, {"t", true}, {"x", "X"}, {"s", "str"}},
       "in|X|[str]"},
      // Empty: null, false, "", [] and a missing name. Not empty: 0 and 0.0 (they were text), {}.
      {"{{#a}}A{{/a}}{{#b}}B{{/b}}{{#c}}C{{/c}}{{#d}}D{{/d}}{{#e}}E{{/e}}{{#z}}Z{{/z}}{{#f}}F{{/f}}{{#o}}O{{/o}}",
       {{"a", nullptr}, {"b", false}, {"c", ""}, {"d", Json::array()}, {"z", 0}, {"f", 0.0}, {"o", Json::object()}},
       "ZFO"},
      {"{{^a}}A{{/a}}{{^b}}B{{/b}}{{^c}}C{{/c}}{{^d}}D{{/d}}{{^e}}E{{/e}}{{^z}}Z{{/z}}{{^t}}T{{/t}}",
       {{"a", nullptr}, {"b", false}, {"c", ""}, {"d", Json::array()}, {"z", 0}, {"t", true}},
       "ABCDE"},
      // Dotted names descend from where the first part is found, and only there.
      {"{{a.b.c}}|{{#a}}{{b.c}}{{/a}}|{{a.x}}|{{a.b.c.d}}", {{"a", {{"b", {{"c", "deep"}}}}}}, "deep|deep||"},
      // Nested sections of the same name close in order.
      {"{{#a}}({{#a}}{{v}}{{/a}}){{/a}}", {{"a", {{"a", {{"v", "in"}}}}}}, "(in)"},
      // Comments print nothing.
      {"x{{! a comment }}y", Json::object(), "xy"},
      // A line of section tags and blanks is left out whole, newline included.
      {"<ul>\n  {{#xs}}\n  <li>{{.}}</li>\n  {{/xs}}\n</ul>\n",
       {{"xs", {"a", "b"}}},
       "<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\n"},
      {"<ul>\n  {{^xs}}\n  <li>none</li>\n  {{/xs}}\n</ul>\n",
       {{"xs", Json::array()}},
       "<ul>\n  <li>none</li>\n</ul>\n"},
      {"a\n  {{! note }}  \nb\n", Json::object(), "a\nb\n"},
      // Two section tags on one blank line: still standalone.
      {"a\n{{#t}} {{#t}}\nb\n{{/t}}{{/t}}\nc", {{"t", true}}, "a\nb\nc"},
      // A variable or other text on the line keeps it.
      {"a\n  {{#t}}{{v}}\n{{/t}}\n", {{"t", true}, {"v", "V"}}, "a\n  V\n"},
      {"a {{#t}}\nb{{/t}}", {{"t", true}}, "a \nb"},
      // The last line counts only when the template ends with a tag.
      {"a\n  {{#t}}{{/t}}", {{"t", true}}, "a\n"},
      {"a\n  {{#t}}{{/t}} ", {{"t", true}}, "a\n   "},
  };
  return all;
}

}  // namespace

TEST_CASE("the report's Mustache subset renders hand-worked cases") {
  for (const auto& c : cases()) {
    INFO("template: " << c.tmpl);
    CHECK(ours(c.tmpl, c.view) == c.expected);
  }
}

TEST_CASE("the report's Mustache subset renders every case as libmstch does") {
  for (const auto& c : cases()) {
    INFO("template: " << c.tmpl);
    CHECK(ours(c.tmpl, c.view) == theirs(c.tmpl, c.view));
  }
}

TEST_CASE("the shipped report template lays out the demo as libmstch did, byte for byte") {
  const std::string page = assess::testing::read_bytes(kSource + "/templates/report.html");
  const Mustache parsed(page, "report.html");
  assess::Library library = assess::Library::load_dir(kSource + "/questionnaires");
  assess::Crosswalk crosswalk = assess::load_crosswalk(
      assess::read_json_file(kSource + "/questionnaires/crosswalk.json"), "crosswalk.json", library);
  assess::Catalogue catalogue = assess::load_catalogue_dir(kSource + "/policies");
  const std::string file = kSource + "/questionnaires/demo/assessment.json";
  auto result = assess::score_assessment(library, crosswalk, assess::read_json_file(file), file);
  auto rewards = assess::evaluate_rewards(catalogue, assess::enterprise_facts(result), result.projects, "2026-11-20");
  const Json strings = assess::read_json_file(kSource + "/templates/strings.json");
  for (const std::string lang : {"zh-CN", "en"}) {
    for (const std::string status : {"", "open"}) {
      assess::ReportOptions options;
      options.lang = lang;
      options.words = assess::testing::shipped_words(lang);
      options.generated_at = "2026-11-24 10:00";
      options.status = status;
      Json view = assess::report_view(result, &rewards, &catalogue, options);
      view["t"] = strings.at(lang);
      view["css"] = "body { content: \"</style>\"; }";
      INFO("lang " << lang << ", status '" << status << "'");
      const std::string mine = parsed.render(view);
      CHECK(mine.size() > 100'000);
      CHECK(mine == theirs(page, view));
    }
  }
}

TEST_CASE("a malformed template is refused with its file and line") {
  auto message = [](const std::string& tmpl) {
    try {
      (void)Mustache(tmpl, "bad.html");
    } catch (const assess::Error& e) {
      CHECK(e.file() == "bad.html");
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  CHECK(message("a\n{{#x}}\nb") == "bad.html: line 2: {{#x}} is not closed");
  CHECK(message("{{#x}}\n{{/y}}") == "bad.html: line 2: {{/y}} closes {{#x}} of line 1");
  CHECK(message("\n\n{{/y}}") == "bad.html: line 3: {{/y}} closes no section");
  CHECK(message("{{> part}}") == "bad.html: line 1: {{>…}}: partials and set delimiters are not supported");
  CHECK(message("{{=<% %>=}}") == "bad.html: line 1: {{=…}}: partials and set delimiters are not supported");
  CHECK(message("a {{x") == "bad.html: line 1: a tag is not closed: {{x");
  CHECK(message("{{}}") == "bad.html: line 1: a tag has no name");
  CHECK(message("x\n{{#a\n}}") == "bad.html: line 2: a tag spans lines: {{#a\n");
}
