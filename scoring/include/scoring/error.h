// error.h — the one error shape of the project.
//
// Everything loaded from data (questionnaires, answers, policies, imports) is validated on load and
// fails with an Error that names the file and the JSON pointer of the offending value, so the message
// reads `questionnaires/sme.json:/sections/2/questions/5: "points" must be a number`. The edges (CLI,
// HTTP) catch it once and map kind() to an exit or status code.
#pragma once

#include <stdexcept>
#include <string>

namespace assess {

enum class ErrorKind {
  kInvalid,   // the input is malformed or breaks a rule of its format
  kNotFound,  // a file, id or record does not exist
  kLimit,     // the input is too large or too deep
};

class Error : public std::runtime_error {
 public:
  Error(std::string file, std::string pointer, std::string message, ErrorKind kind = ErrorKind::kInvalid);

  [[nodiscard]] const std::string& file() const { return file_; }
  [[nodiscard]] const std::string& pointer() const { return pointer_; }
  [[nodiscard]] const std::string& message() const { return message_; }
  [[nodiscard]] ErrorKind kind() const { return kind_; }

  // The same error seen from an enclosing document: `prefix` is prepended to the pointer and the
  // file is set when it was empty.
  [[nodiscard]] Error within(const std::string& file, const std::string& prefix) const;

 private:
  std::string file_;
  std::string pointer_;
  std::string message_;
  ErrorKind kind_;
};

// Escapes one reference token for a JSON pointer (RFC 6901: "~" -> "~0", "/" -> "~1").
[[nodiscard]] std::string pointer_token(const std::string& key);

}  // namespace assess
