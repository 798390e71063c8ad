// inline_words_test.cpp — words people read live in the language catalogues (web/i18n/<tag>.json,
// "srv_*" keys; issue 12, item 4), not as Chinese/English pairs in C++. A scan of scoring/, formats/
// and assess/ finds the shapes such a pair takes: two adjacent string literals, one Chinese and
// the other English (`{"符合", "eligible"}`, `Text{"…", "…"}`), or the two branches of a ternary
// (`en ? "met" : "达到"`). The few left are counted per file below; a new one fails here with its
// place, and the fix is a catalogue key (text.h Words / Phrase).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Literal {
  std::string text;
  std::size_t begin = 0;  // the opening quote
  std::size_t end = 0;    // one past the closing quote
};

// The string literals of a C++ source, comments and character literals skipped.
std::vector<Literal> literals(const std::string& s) {
  std::vector<Literal> out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s.compare(i, 2, "//") == 0) {
      i = s.find('\n', i);
      if (i == std::string::npos) break;
      continue;
    }
    if (s.compare(i, 2, "/*") == 0) {
      const std::size_t close = s.find("*/", i + 2);
      i = close == std::string::npos ? s.size() : close + 2;
      continue;
    }
    if (s[i] == '\'' || s[i] == '"') {
      const char quote = s[i];
      Literal l;
      l.begin = i;
      std::size_t j = i + 1;
      while (j < s.size() && s[j] != quote) {
        if (s[j] == '\\') {
          l.text += s.substr(j, 2);
          j += 2;
        } else {
          l.text += s[j++];
        }
      }
      l.end = j + 1;
      if (quote == '"') out.push_back(std::move(l));
      i = j + 1;
      continue;
    }
    ++i;
  }
  return out;
}

// Chinese: a UTF-8 sequence of the CJK ideographs (U+4E00–U+9FFF, lead bytes E4–E9) or of the CJK
// punctuation and full-width forms (U+3000–U+303F: E3 80; U+FF00–U+FFEF: EF BC–BF).
bool chinese(const std::string& s) {
  for (std::size_t i = 0; i + 2 < s.size(); ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    const auto c = static_cast<unsigned char>(s[i + 1]);
    if (b >= 0xE4 && b <= 0xE9) return true;
    if (b == 0xE3 && c == 0x80) return true;
    if (b == 0xEF && c >= 0xBC && c <= 0xBF) return true;
  }
  return false;
}

bool letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Words of two or more Latin letters.
int english_words(const std::string& s) {
  int n = 0;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t j = i;
    while (j < s.size() && letter(s[j])) ++j;
    if (j - i >= 2) ++n;
    i = j == i ? i + 1 : j;
  }
  return n;
}

bool english(const std::string& s) {
  for (char c : s) {
    if (letter(c)) return !chinese(s);
  }
  return false;
}

std::string trimmed(const std::string& s) {
  const auto a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t\r\n") - a + 1);
}

std::size_t line_of(const std::string& s, std::size_t at) {
  std::size_t n = 1;
  for (std::size_t i = 0; i < at && i < s.size(); ++i) n += s[i] == '\n' ? 1 : 0;
  return n;
}

// The places in `source` where a Chinese text sits next to its English one.
std::vector<std::string> bilingual_pairs(const std::string& source) {
  std::vector<std::string> out;
  const auto list = literals(source);
  for (std::size_t k = 0; k + 1 < list.size(); ++k) {
    const Literal& a = list[k];
    const Literal& b = list[k + 1];
    const std::string between = trimmed(source.substr(a.end, b.begin - a.end));
    const bool zh_en = chinese(a.text) && (english(b.text) || english_words(b.text) >= 3);
    const bool en_zh = english(a.text) && chinese(b.text);
    if ((between == "," && zh_en) || (between == ":" && (zh_en || en_zh))) {
      out.push_back(std::to_string(line_of(source, a.begin)) + ": \"" + a.text + "\" " + between + " \"" + b.text +
                    "\"");
    }
  }
  for (std::size_t at = source.find("Text{\""); at != std::string::npos; at = source.find("Text{\"", at + 1)) {
    for (const auto& l : list) {
      if (l.begin == at + 5 && chinese(l.text))
        out.push_back(std::to_string(line_of(source, at)) + ": Text{\"" + l.text);
    }
  }
  return out;
}

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("the scan finds the shapes a bilingual pair takes, and not a key next to its value") {
  CHECK(bilingual_pairs(R"(Text t{"符合", "eligible"};)").size() == 1);
  CHECK(bilingual_pairs(R"(out << (en ? "met" : "达到");)").size() == 1);
  CHECK(bilingual_pairs(R"(f.title = Text{"未达级" + x, y};)").size() == 1);
  CHECK(bilingual_pairs("{\"“{value}”无效\",\n     \"\\\"{value}\\\" is invalid (e.g. 无锡市)\"}").size() == 1);
  CHECK(bilingual_pairs(R"(row = {{"name", "无锡锡泰汽车零部件有限公司"}, {"region", "320205"}};)").empty());
  CHECK(bilingual_pairs(R"(if (cell == "是" || cell == "yes") return true;)").empty());
  CHECK(bilingual_pairs(R"(// a comment: {"符合", "eligible"})").empty());
  CHECK(bilingual_pairs(R"(words("srv_met"); const char c = '"'; f("中", x, "en");)").empty());
}

TEST_CASE("no new Chinese/English text pairs in scoring/, formats/ and assess/: words live in the catalogues") {
  // None is left: the import's messages and column titles ("srv_import_*"), and the names a definition
  // gets when it gives none (yes/no options, "below the first level": "srv_option_*",
  // "srv_level_below") are catalogue words too. A file listed here may hold that many pairs.
  const std::map<std::string, std::size_t> allowed = {};
  const std::filesystem::path root = ASSESS_SOURCE_DIR;
  std::size_t files = 0;
  for (const char* dir : {"scoring", "formats", "assess"}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root / dir)) {
      const auto ext = entry.path().extension();
      if (ext != ".h" && ext != ".cpp") continue;
      ++files;
      const std::string name = std::filesystem::relative(entry.path(), root).generic_string();
      const auto pairs = bilingual_pairs(read(entry.path()));
      const auto it = allowed.find(name);
      const std::size_t limit = it == allowed.end() ? 0 : it->second;
      std::string places;
      for (const auto& p : pairs) places += "\n  " + name + ":" + p;
      INFO("bilingual pairs in " << name << " (at most " << limit << "):" << places);
      CHECK(pairs.size() <= limit);
    }
  }
  CHECK(files > 60);
}
