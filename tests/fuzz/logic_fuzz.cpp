// libFuzzer target: any bytes that parse as JSON are taken as [rule, data] (or as a rule with null
// data), compiled, and evaluated both against the data and through a Scope after bind(). Compiling
// may fail with assess::Error, evaluation only with a kLimit assess::Error; nothing else may escape
// and nothing may crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scoring/error.h"
#include "scoring/logic.h"

namespace {

using assess::logic::Json;

// Slots are the indices of bound names; unbound paths resolve by their first segment.
class FuzzScope : public assess::logic::Scope {
 public:
  explicit FuzzScope(const Json& data) : data_(data) {}

  int bind(std::string_view name) {
    if (name.size() > 2 && name[0] == '_') return -1;  // leave some names unbound
    names_.emplace_back(name);
    return static_cast<int>(names_.size()) - 1;
  }

  const Json* lookup(int slot, std::string_view path) const override {
    if (!data_.is_object()) return nullptr;
    const std::string name = slot >= 0 && static_cast<std::size_t>(slot) < names_.size()
                                 ? names_[static_cast<std::size_t>(slot)]
                                 : std::string(path.substr(0, path.find('.')));
    const auto it = data_.find(name);
    return it == data_.end() ? nullptr : &*it;
  }

 private:
  const Json& data_;
  std::vector<std::string> names_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Json input = Json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (input.is_discarded()) return 0;
  const bool pair = input.is_array() && input.size() == 2;
  const Json& rule_json = pair ? input[0] : input;
  const Json facts = pair ? input[1] : Json();

  assess::logic::Rule rule;
  try {
    rule = assess::logic::Rule::compile(rule_json);
  } catch (const assess::Error&) {
    return 0;
  }
  (void)assess::logic::truthy(rule.source());
  (void)rule.references();
  try {
    const Json result = rule.evaluate(facts);
    (void)assess::logic::truthy(result);
    (void)result.dump();
  } catch (const assess::Error& error) {
    if (error.kind() != assess::ErrorKind::kLimit) __builtin_trap();
  }

  FuzzScope scope(facts);
  assess::logic::Rule bound = rule;
  bound.bind([&scope](std::string_view name) { return scope.bind(name); });
  try {
    (void)bound.evaluate(scope);
    (void)rule.evaluate(scope);
  } catch (const assess::Error& error) {
    if (error.kind() != assess::ErrorKind::kLimit) __builtin_trap();
  }
  return 0;
}
