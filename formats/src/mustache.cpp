#include "detail/mustache.h"

#include <algorithm>

#include "scoring/error.h"
#include "scoring/text.h"

namespace assess::detail {

namespace {

using Node = Mustache::Node;

// A piece of the template before the tree is built: a line's text up to and including its '\n',
// or one tag.
struct Token {
  enum class Kind : std::uint8_t { kText, kEscaped, kRaw, kOpen, kInverted, kClose, kComment };
  Kind kind = Kind::kText;
  std::string text;  // kText: the text; otherwise the tag's name
  int line = 1;
};

bool blank(const std::string& text) {
  return text.find_first_not_of(" \n\t") == std::string::npos;
}

std::string trim_spaces(const std::string& s) {
  const auto first = s.find_first_not_of(' ');
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(' ') - first + 1);
}

std::vector<Token> tokenize(const std::string& text, const std::string& file) {
  std::vector<Token> tokens;
  int line = 1;
  auto add_text = [&](std::size_t from, std::size_t to) {
    while (from < to) {
      const std::size_t nl = text.find('\n', from);
      const std::size_t end = nl == std::string::npos || nl >= to ? to : nl + 1;
      tokens.push_back({Token::Kind::kText, text.substr(from, end - from), line});
      if (text[end - 1] == '\n') ++line;
      from = end;
    }
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t open = text.find("{{", pos);
    if (open == std::string::npos) {
      add_text(pos, text.size());
      break;
    }
    add_text(pos, open);
    const bool triple = open + 2 < text.size() && text[open + 2] == '{';
    std::size_t close = text.find(triple ? "}}}" : "}}", open + 2);
    const auto fail = [&](const std::string& what) {
      throw Error(file, "", "line " + std::to_string(line) + ": " + what);
    };
    if (close == std::string::npos) fail("a tag is not closed: " + text.substr(open, 20));
    Token tag;
    tag.line = line;
    std::string inside = text.substr(open + 2, close - open - 2);
    pos = close + (triple ? 3 : 2);
    if (inside.find('\n') != std::string::npos) fail("a tag spans lines: {{" + inside.substr(0, 20));
    if (triple) {
      tag.kind = Token::Kind::kRaw;
      inside = inside.substr(1);
    } else {
      inside = trim_spaces(inside);
      const char sigil = inside.empty() ? ' ' : inside[0];
      switch (sigil) {
        case '#':
          tag.kind = Token::Kind::kOpen;
          break;
        case '^':
          tag.kind = Token::Kind::kInverted;
          break;
        case '/':
          tag.kind = Token::Kind::kClose;
          break;
        case '&':
          tag.kind = Token::Kind::kRaw;
          break;
        case '!':
          tag.kind = Token::Kind::kComment;
          break;
        case '>':
        case '=':
        case '{':
          fail(std::string("{{") + sigil + "…}}: partials and set delimiters are not supported");
          break;
        default:
          tag.kind = Token::Kind::kEscaped;
          break;
      }
      if (tag.kind != Token::Kind::kEscaped) inside = inside.substr(1);
    }
    tag.text = tag.kind == Token::Kind::kComment ? "" : trim_spaces(inside);
    if (tag.kind != Token::Kind::kComment && tag.text.empty()) fail("a tag has no name");
    tokens.push_back(std::move(tag));
  }
  return tokens;
}

// A line whose tags are all section tags or comments and whose text is blank is left out whole: its
// blank text goes (the newline with it), its tags stay. The last line counts only when the template
// ends with a tag.
void strip_standalone(std::vector<Token>& tokens) {
  std::vector<Token> kept;
  kept.reserve(tokens.size());
  std::size_t begin = 0;
  auto finish_line = [&](std::size_t end) {  // tokens[begin, end)
    bool has_tag = false;
    bool shown = false;
    for (std::size_t i = begin; i < end; ++i) {
      const Token& t = tokens[i];
      if (t.kind == Token::Kind::kText) {
        shown = shown || !blank(t.text);
      } else if (t.kind == Token::Kind::kEscaped || t.kind == Token::Kind::kRaw) {
        shown = true;
      } else {
        has_tag = true;
      }
    }
    const bool standalone = has_tag && !shown;
    for (std::size_t i = begin; i < end; ++i) {
      if (standalone && tokens[i].kind == Token::Kind::kText) continue;
      kept.push_back(std::move(tokens[i]));
    }
    begin = end;
  };
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (t.kind == Token::Kind::kText && t.text.back() == '\n') finish_line(i + 1);
  }
  if (begin < tokens.size() && tokens.back().kind != Token::Kind::kText) finish_line(tokens.size());
  for (std::size_t i = begin; i < tokens.size(); ++i) kept.push_back(std::move(tokens[i]));
  tokens = std::move(kept);
}

std::vector<std::string> split_path(const std::string& name) {
  std::vector<std::string> path;
  if (name == ".") return path;
  std::size_t from = 0;
  while (true) {
    const std::size_t dot = name.find('.', from);
    path.push_back(name.substr(from, dot == std::string::npos ? std::string::npos : dot - from));
    if (dot == std::string::npos) break;
    from = dot + 1;
  }
  return path;
}

void escape_into(std::string& out, const std::string& s) {
  std::size_t from = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char* with = nullptr;
    switch (s[i]) {
      case '&':
        with = "&amp;";
        break;
      case '\'':
        with = "&#39;";
        break;
      case '"':
        with = "&quot;";
        break;
      case '<':
        with = "&lt;";
        break;
      case '>':
        with = "&gt;";
        break;
      case '/':
        with = "&#x2F;";
        break;
      default:
        continue;
    }
    out.append(s, from, i - from);
    out += with;
    from = i + 1;
  }
  out.append(s, from, std::string::npos);
}

bool empty_value(const Json* v) {
  if (v == nullptr) return true;
  switch (v->type()) {
    case Json::value_t::null:
      return true;
    case Json::value_t::boolean:
      return !v->get<bool>();
    case Json::value_t::string:
      return v->get_ref<const std::string&>().empty();
    case Json::value_t::array:
      return v->empty();
    default:
      return false;  // numbers (mstch saw them as text) and objects
  }
}

struct Renderer {
  std::string out;
  std::vector<const Json*> stack;  // innermost last; nullptr: an inverted section's empty context

  const Json* lookup(const std::vector<std::string>& path) const {
    if (path.empty()) {  // ".": the innermost context that is not an object (as mstch finds it)
      for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
        if (*it == nullptr || !(*it)->is_object()) return *it;
      }
      return nullptr;
    }
    const Json* found = nullptr;
    for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
      if (*it == nullptr || !(*it)->is_object()) continue;
      auto at = (*it)->find(path[0]);
      if (at != (*it)->end()) {
        found = &*at;
        break;
      }
    }
    for (std::size_t k = 1; k < path.size() && found != nullptr; ++k) {
      if (!found->is_object()) return nullptr;
      auto at = found->find(path[k]);
      found = at == found->end() ? nullptr : &*at;
    }
    return found;
  }

  void value(const Json* v, bool escape) {
    if (v == nullptr) return;
    switch (v->type()) {
      case Json::value_t::boolean:
        out += v->get<bool>() ? "true" : "false";
        break;
      case Json::value_t::number_integer:
      case Json::value_t::number_unsigned:
        out += std::to_string(v->get<long long>());
        break;
      case Json::value_t::number_float:
        out += format_number(v->get<double>());
        break;
      case Json::value_t::string:
        if (escape) {
          escape_into(out, v->get_ref<const std::string&>());
        } else {
          out += v->get_ref<const std::string&>();
        }
        break;
      default:
        break;  // null, objects and lists print nothing
    }
  }

  void render(const std::vector<Node>& nodes) {
    for (const Node& n : nodes) {
      switch (n.kind) {
        case Node::Kind::kText:
          out += n.text;
          break;
        case Node::Kind::kEscaped:
          value(lookup(n.path), true);
          break;
        case Node::Kind::kRaw:
          value(lookup(n.path), false);
          break;
        case Node::Kind::kSection: {
          const Json* v = lookup(n.path);
          if (empty_value(v)) break;
          if (v->is_array()) {
            for (const Json& item : *v) {
              stack.push_back(&item);
              render(n.children);
              stack.pop_back();
            }
          } else {
            stack.push_back(v);
            render(n.children);
            stack.pop_back();
          }
          break;
        }
        case Node::Kind::kInverted:
          if (!empty_value(lookup(n.path))) break;
          stack.push_back(nullptr);
          render(n.children);
          stack.pop_back();
          break;
      }
    }
  }
};

}  // namespace

Mustache::Mustache(const std::string& text, const std::string& file) {
  std::vector<Token> tokens = tokenize(text, file);
  strip_standalone(tokens);
  // The tree: each open section collects the nodes up to its close.
  struct Open {
    Node node;
    int line = 0;
  };
  std::vector<Open> open;
  auto add = [&](Node n) {
    std::vector<Node>& into = open.empty() ? nodes_ : open.back().node.children;
    if (n.kind == Node::Kind::kText && !into.empty() && into.back().kind == Node::Kind::kText) {
      into.back().text += n.text;  // adjacent text joined: one append when rendering
    } else {
      into.push_back(std::move(n));
    }
  };
  for (Token& t : tokens) {
    Node n;
    switch (t.kind) {
      case Token::Kind::kComment:
        continue;
      case Token::Kind::kText:
        n.kind = Node::Kind::kText;
        n.text = std::move(t.text);
        add(std::move(n));
        continue;
      case Token::Kind::kOpen:
      case Token::Kind::kInverted:
        n.kind = t.kind == Token::Kind::kOpen ? Node::Kind::kSection : Node::Kind::kInverted;
        n.path = split_path(t.text);
        n.text = std::move(t.text);
        open.push_back({std::move(n), t.line});
        continue;
      case Token::Kind::kClose: {
        if (open.empty() || open.back().node.text != t.text) {
          throw Error(
              file, "",
              "line " + std::to_string(t.line) + ": {{/" + t.text + "}} closes " +
                  (open.empty() ? std::string("no section")
                                : "{{#" + open.back().node.text + "}} of line " + std::to_string(open.back().line)));
        }
        Node done = std::move(open.back().node);
        open.pop_back();
        add(std::move(done));
        continue;
      }
      case Token::Kind::kEscaped:
      case Token::Kind::kRaw:
        n.kind = t.kind == Token::Kind::kEscaped ? Node::Kind::kEscaped : Node::Kind::kRaw;
        n.path = split_path(t.text);
        n.text = std::move(t.text);
        add(std::move(n));
        continue;
    }
  }
  if (!open.empty()) {
    throw Error(file, "",
                "line " + std::to_string(open.back().line) + ": {{#" + open.back().node.text + "}} is not closed");
  }
}

std::string Mustache::render(const Json& view) const {
  Renderer r;
  r.out.reserve(1 << 16);
  r.stack.push_back(&view);
  r.render(nodes_);
  return std::move(r.out);
}

}  // namespace assess::detail
