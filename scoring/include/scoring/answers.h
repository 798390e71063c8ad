// answers.h — an answer set for one questionnaire, checked against its definition.
//
// Answers arrive as JSON keyed by question id (see questionnaires/README.md). Parsing checks types,
// ranges, option ids and the exclusive "none" option, and collects every problem as an Error naming
// the question id and the JSON pointer, so a form can show all of them at once. Answers to questions
// that a condition hides are kept (the user may change the condition back) but ignored by scoring.
// Each answer also carries how it is backed: self-declared, evidence attached, or verified on site.
//
// An answer is laid out for scoring many answer sets (scorer.h): the options it selects are held
// inside the Answer (Selection) rather than in a vector of their own on the heap, so that an
// AnswerSet's answers are one contiguous block, and a number's exact 64-bit form (the one computed
// values calculate with, exact.h) is worked out once when the value is set (Answer::set_value),
// not at every score.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <string>
#include <vector>

#include "scoring/error.h"
#include "scoring/questionnaire.h"

namespace assess {

enum class EvidenceGrade { kSelfDeclared, kEvidenceAttached, kVerified };
[[nodiscard]] const char* to_string(EvidenceGrade grade);

struct EvidenceRef {
  std::string slot;  // evidence slot id of the question
  std::string file;  // stored file reference, e.g. "sha256:…"
  std::string name;  // original file name
};

// The option indices an answer selects, in the order given (points are summed in that order, so
// the order is kept). Up to kInline indices live inside the object — every answer to the shipped
// questionnaires fits (the longest list, SME's q04_data_collection, has 14 options besides its
// exclusive one) — and more on the heap. A small vector: what scoring and the gap search use of
// std::vector<int> (data, size, iteration, assign, push_back, comparison).
class Selection {
 public:
  static constexpr std::size_t kInline = 14;  // with the size and capacity: 64 bytes

  Selection() = default;
  Selection(std::initializer_list<int> items) { assign(items.begin(), items.end()); }
  Selection(const Selection& other) { assign(other.begin(), other.end()); }
  Selection(Selection&& other) noexcept { take(other); }
  Selection& operator=(const Selection& other) {
    if (this != &other) assign(other.begin(), other.end());
    return *this;
  }
  Selection& operator=(Selection&& other) noexcept {
    if (this != &other) {
      release();
      take(other);
    }
    return *this;
  }
  Selection& operator=(std::initializer_list<int> items) {
    assign(items.begin(), items.end());
    return *this;
  }
  ~Selection() { release(); }

  template <typename It>
  void assign(It first, It last) {
    const auto n = static_cast<std::size_t>(std::distance(first, last));
    size_ = 0;
    reserve(n);
    std::copy(first, last, data());
    size_ = static_cast<std::uint32_t>(n);
  }
  void push_back(int index) {
    if (size_ == capacity_) reserve(2 * static_cast<std::size_t>(capacity_));
    data()[size_++] = index;
  }
  void clear() { size_ = 0; }

  [[nodiscard]] const int* data() const { return on_heap() ? heap_ : inline_; }
  [[nodiscard]] int* data() { return on_heap() ? heap_ : inline_; }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] const int* begin() const { return data(); }
  [[nodiscard]] const int* end() const { return data() + size_; }
  [[nodiscard]] int operator[](std::size_t i) const { return data()[i]; }
  [[nodiscard]] std::vector<int> to_vector() const { return {begin(), end()}; }

  friend bool operator==(const Selection& a, const Selection& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }
  friend bool operator==(const Selection& a, const std::vector<int>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  [[nodiscard]] bool on_heap() const { return capacity_ > kInline; }
  // Room for `n` indices, the first size_ kept.
  void reserve(std::size_t n) {
    if (n <= capacity_) return;
    int* grown = new int[n];
    std::copy(begin(), end(), grown);
    release();
    heap_ = grown;
    capacity_ = static_cast<std::uint32_t>(n);
  }
  void release() {
    if (on_heap()) delete[] heap_;
    capacity_ = kInline;
  }
  // Moves `other`'s indices here (this holds nothing on the heap) and leaves `other` empty.
  void take(Selection& other) {
    size_ = other.size_;
    capacity_ = other.capacity_;
    if (other.on_heap()) {
      heap_ = other.heap_;
    } else {
      std::copy(other.inline_, other.inline_ + other.size_, inline_);
    }
    other.size_ = 0;
    other.capacity_ = kInline;
  }

  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = kInline;  // above kInline: the indices are in heap_
  union {
    int inline_[kInline] = {};
    int* heap_;
  };
};

struct Answer {
  bool present = false;  // a value (or "not applicable") was given
  bool not_applicable = false;
  bool verified = false;  // checked on site by the assessor
  int what_if_band = -1;  // gap search only: forces the option of a band computed from other facts
  double number = 0;      // number, percent and band answers
  Selection selected;     // option indices (single, multi, ladder, yes/no, band asked directly)
  // `value` as computed values calculate with it: exact::Value64::of(&value) (null when absent or
  // N/A), worked out once when the value is set. Set `value` through set_value() to keep it so.
  exact::Value64 value64;
  Json value;  // the value as given; what conditions read (null when absent / N/A)
  std::vector<EvidenceRef> evidence;
  std::string note;

  void set_value(Json given) {
    value = std::move(given);
    value64 = exact::Value64::of(&value);
  }

  [[nodiscard]] EvidenceGrade grade() const {
    if (verified) return EvidenceGrade::kVerified;
    return evidence.empty() ? EvidenceGrade::kSelfDeclared : EvidenceGrade::kEvidenceAttached;
  }
};

// Indexed like Questionnaire::questions.
struct AnswerSet {
  std::vector<Answer> answers;
};

struct ParsedAnswers {
  AnswerSet set;
  std::vector<Error> errors;  // empty when the answers are well-formed
};

// Parses `{"questionnaire": id, "answers": {...}}`. Never throws for content problems: every one is
// collected in `errors` and the offending answer is left out. Throws only when the document is not
// an object.
[[nodiscard]] ParsedAnswers parse_answers(const Questionnaire& q, const Json& document, const std::string& file);

// Parses the answer to question `qi` (a bare value or {"value", "na", "evidence", "verified",
// "note"}), as the web form sends it one change at a time. Throws Error at `file`:`pointer`.
[[nodiscard]] Answer parse_answer(const Questionnaire& q, int qi, const Json& given, const std::string& file,
                                  const std::string& pointer);

// The JSON form of an answer set (the inverse of parse_answers).
[[nodiscard]] Json answers_to_json(const Questionnaire& q, const AnswerSet& set);

}  // namespace assess
