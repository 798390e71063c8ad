// libFuzzer target: any bytes imported as a CSV (UTF-8, GBK or mixed) either import — good rows as
// candidates, bad ones as issues — or fail with assess::Error; nothing else escapes, nothing crashes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "formats/import.h"
#include "scoring/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const assess::Library library = assess::Library::load_dir(ASSESS_SOURCE_DIR "/questionnaires");
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const assess::ImportResult r = assess::import_table(bytes, "fuzz.csv", library, "zh-CN", {});  // headers by id
    if (r.candidates.size() > r.rows) __builtin_trap();  // at most one candidate per row
  } catch (const assess::Error&) {
  }
  (void)assess::parse_csv(bytes);
  return 0;
}
