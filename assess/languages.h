// languages.h — the languages the server and the web UI speak, one catalogue file each.
//
// A language is web/i18n/<tag>.json: a flat object of key → string ("{name}" placeholders) with meta
// keys "@name" (the language's own name), "@switch_to" (the header switch's label in that language)
// and "@fallback" (tags tried, in order, before zh-CN for a key the catalogue lacks). The same file
// holds the UI's strings and the server's error messages ("err_<key>"), so a third language is a
// file: the list is what the folder holds, zh-CN is required and is the last fallback.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scoring/text.h"

namespace assess {

struct Language {
  std::string tag;
  std::string name;
  std::string switch_to;
  std::vector<std::string> fallback;
  nlohmann::json strings;  // key → string
};

class Languages {
 public:
  Languages() = default;
  // Reads every <tag>.json in `dir` (a missing folder gives zh-CN alone, with no strings); a file that
  // is not a flat object of strings throws assess::Error naming the file and JSON pointer.
  [[nodiscard]] static Languages load_dir(const std::string& dir);

  // zh-CN first, the others by tag.
  [[nodiscard]] const std::vector<Language>& list() const { return list_; }
  // The tag itself when a catalogue exists for it, else zh-CN.
  [[nodiscard]] std::string resolve(const std::string& tag) const;
  // The tags looked up for a key: the language, its fallbacks, zh-CN.
  [[nodiscard]] std::vector<std::string> chain(const std::string& tag) const;
  // Which of a definition's texts ("en" or "zh-CN") the language reads before the other: "en" when
  // its chain reaches en before zh-CN.
  [[nodiscard]] std::string text_lang(const std::string& tag) const;
  // The string for `key` in the language (following the chain) with "{name}" replaced by params;
  // "" when no catalogue has the key.
  [[nodiscard]] std::string render(const std::string& tag, const std::string& key,
                                   const std::map<std::string, std::string>& params) const;

  // The server's words (scoring/text.h) in the language: every "srv_*" string of its chain, each
  // key from the first catalogue of the chain that has it.
  [[nodiscard]] Words words(const std::string& tag) const;
  // The words of every language of the folder, `first`'s first (then the list's order): what a
  // bureau import reads headers and yes/no in (formats/import.h, import_table).
  [[nodiscard]] std::vector<Words> all_words(const std::string& first) const;
  // The tags of the folder's catalogues, comma-separated in the list's order ("zh-CN, en, fr").
  [[nodiscard]] std::string tags() const;

  // A server message's stable key: the "err_*" string of the en catalogue whose template gives this
  // English message (the one with the most literal text when several do), and the values of its
  // placeholders. Lets every language render the same error; {"", {}} when no template fits.
  struct Key {
    std::string key;
    std::map<std::string, std::string> params;
  };
  [[nodiscard]] Key key_of(const std::string& english) const;

 private:
  [[nodiscard]] const Language* find(const std::string& tag) const;
  std::vector<Language> list_;
};

}  // namespace assess
