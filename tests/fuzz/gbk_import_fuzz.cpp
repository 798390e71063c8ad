// libFuzzer target: the GBK path. Any bytes either convert to valid UTF-8 or fail with assess::Error;
// a header followed by them either imports or fails with assess::Error.
#include <cstddef>
#include <cstdint>
#include <string>

#include "formats/import.h"
#include "scoring/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const assess::Library library = assess::Library::load_dir(ASSESS_SOURCE_DIR "/questionnaires");
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const std::string text = assess::gbk_to_utf8(bytes, "fuzz.csv");
    if (!assess::is_utf8(text)) __builtin_trap();  // iconv's output is UTF-8
  } catch (const assess::Error&) {
  }
  try {
    // A GBK name column, as Excel on Chinese Windows writes it: 名称 is C3 FB B3 C6 in GBK.
    (void)assess::import_table("uscc,name,region\n91320205MA1Y8KQ38L,\xC3\xFB\xB3\xC6,320205\n" + bytes, "fuzz.csv",
                               library, "zh-CN", {});
  } catch (const assess::Error&) {
  }
  return 0;
}
