#include "scoring/error.h"

namespace assess {
namespace {
std::string compose(const std::string& file, const std::string& pointer, const std::string& message) {
  // "file:/pointer: message"; a problem with the document as a whole reads "file: message".
  std::string out = file.empty() ? std::string("<input>") : file;
  out += ':';
  out += pointer;
  out += pointer.empty() ? " " : ": ";
  out += message;
  return out;
}
}  // namespace

Error::Error(std::string file, std::string pointer, std::string message, ErrorKind kind)
    : std::runtime_error(compose(file, pointer, message)),
      file_(std::move(file)),
      pointer_(std::move(pointer)),
      message_(std::move(message)),
      kind_(kind) {}

Error Error::within(const std::string& file, const std::string& prefix) const {
  return Error(file_.empty() ? file : file_, prefix + pointer_, message_, kind_);
}

std::string pointer_token(const std::string& key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace assess
