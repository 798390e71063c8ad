// mustache.h — the report's templates, parsed once and laid out straight from the JSON view model.
//
// The report used libmstch, which parses the template again on every call and needs the whole view
// converted into its own tree of variant nodes first: 9 ms of a 21 ms report, most of it copying
// and freeing 270 KB of strings. This is the subset of Mustache the templates use, read the way
// mstch reads it, so the pages stay byte for byte the same (tests/mustache_test.cpp renders the
// shipped templates and hand-written cases with both and compares them):
//   {{name}} escaped (& ' " < > / as mstch escapes them), {{{name}}} and {{& name}} unescaped,
//   {{#name}}…{{/name}} (a list repeats, any other non-empty value is pushed as the context),
//   {{^name}}…{{/name}} (when empty: null, false, "", []), {{! comment}}, dotted names, {{.}}.
// Numbers print as mstch printed the view converted for it: whole numbers as integers,
// others with format_number; a number, even 0, is not empty (it was a string for mstch).
// A line that holds only section tags, comments and blanks is left out whole ("standalone").
// Partials, lambdas and set delimiters are refused when the template is parsed.
#pragma once

#include <string>
#include <vector>

#include "scoring/questionnaire.h"  // assess::Json

namespace assess::detail {

class Mustache {
 public:
  // Parses `text`; throws Error naming `file` and the tag's line when a tag is malformed, unclosed,
  // closed by another name, or of a kind this subset does not have.
  Mustache(const std::string& text, const std::string& file);
  [[nodiscard]] std::string render(const Json& view) const;

  struct Node {
    enum class Kind : std::uint8_t { kText, kEscaped, kRaw, kSection, kInverted };
    Kind kind = Kind::kText;
    std::string text;               // kText: the text; otherwise the name
    std::vector<std::string> path;  // the name split at dots ("." alone: empty)
    std::vector<Node> children;     // sections
  };

 private:
  std::vector<Node> nodes_;
};

}  // namespace assess::detail
