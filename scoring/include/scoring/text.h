// text.h — a text in the languages the tool speaks. zh-CN is the reference language of every
// document we score against; English may be missing, in which case the Chinese text is shown. Other
// languages (any tag: "fr", "zh-TW") may be given too; a tag the text lacks reads as English when
// the tag is not Chinese and English exists, else as zh-CN.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace assess {

struct Text {
  std::string zh;
  std::string en;
  std::map<std::string, std::string> more{};  // other language tags → text
  [[nodiscard]] const std::string& in(const std::string& lang) const {
    if (lang == "en") return en.empty() ? zh : en;
    if (lang == "zh-CN" || lang == "zh" || lang.empty()) return zh;
    if (auto it = more.find(lang); it != more.end() && !it->second.empty()) return it->second;
    if (lang.rfind("zh", 0) == 0 || en.empty()) return zh;
    return en;
  }
  bool operator==(const Text&) const = default;
};

// The words the server writes around the data — the report's labels built in code, reward amounts,
// the text of an explanation — in one language: key → text with "{name}" placeholders. They live in
// the language catalogues web/i18n/<tag>.json under "srv_*" keys (zh-CN and en complete; another
// language gives what it has and falls back key by key: assess/languages.h, Languages::words). The
// caller resolves them and passes them in as a value: the core reads no file. A key the Words lack
// reads as the key itself, so a missing entry shows instead of silently reading another language.
struct Words {
  std::map<std::string, std::string> texts;
  // The text of `key` with each "{name}" replaced by params[name] (one pass, left to right; a
  // placeholder without a parameter stays as written).
  [[nodiscard]] std::string operator()(const std::string& key,
                                       const std::map<std::string, std::string>& params = {}) const;
};

// A sentence the code composes around data, worded only when it is shown: a "srv_*" catalogue key
// and its parameters, or (key "") a text given as is — a definition's own words in texts["text"].
// A parameter in `params` reads the same in every language (a figure: "150万"); one in `texts` is a
// definition's text in its languages (a rule's title); one in `worded` is itself a catalogue key
// ("{class}" → "srv_dash_sme_class_2"). A parameter in both `worded` and `texts` reads the catalogue's
// word when the words have its key, else the definition's text (a dashboard rung: the catalogue's
// "srv_dash_level_<module>.<level>", else the level's name). `items`, each worded, joined by the
// words of `joiner`, fill the parameter "{items}". So a third language is a catalogue: its words, or
// theirs by fallback.
struct Phrase {
  std::string key;
  std::map<std::string, std::string> params{};
  std::map<std::string, Text> texts{};
  std::vector<Phrase> items{};
  std::string joiner{};
  std::map<std::string, std::string> worded{};
  // A text given as is (a definition's words, a title).
  [[nodiscard]] static Phrase as_is(Text text);
  [[nodiscard]] bool empty() const {
    return key.empty() && items.empty() && (texts.empty() || texts.begin()->second.zh.empty());
  }
  // The phrase in `lang` (the language the definitions' Texts are read in) with `words` (that
  // language's catalogue, text.h Words).
  [[nodiscard]] std::string in(const std::string& lang, const Words& words) const;
  bool operator==(const Phrase&) const = default;
};

// A number as people write it: at most 4 decimals, no trailing zeros ("12.5", "40", "1.875").
[[nodiscard]] std::string format_number(double value);

// Parts of a change from `before` to `after`, each formatted like format_number with its sign ("+0.2",
// "-1.5", "+0") and rounded so that the parts shown add up exactly to format_number(after) −
// format_number(before) (largest remainder): the items of a plan then sum on the page to the
// change shown above them.
[[nodiscard]] std::vector<std::string> format_parts(const std::vector<double>& parts, double before, double after);

// A calendar date written YYYY-MM-DD (leap years included).
[[nodiscard]] bool is_iso_date(const std::string& text);

}  // namespace assess
