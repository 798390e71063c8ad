// libFuzzer target: the XLSX importer. An input starting with a zip signature is the file itself;
// any other input is the first sheet's XML (then, after a line "--sst--", the shared strings' XML),
// packed into an uncompressed archive so that mutations reach the XML parser. Either the file imports
// or it fails with assess::Error; nothing else escapes, nothing crashes, loops or explodes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "formats/import.h"
#include "scoring/error.h"
#include "stored_zip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const assess::Library library = assess::Library::load_dir(ASSESS_SOURCE_DIR "/questionnaires");
  std::string bytes(reinterpret_cast<const char*>(data), size);
  if (bytes.rfind("PK\x03\x04", 0) != 0) {
    const std::string separator = "\n--sst--\n";
    const auto at = bytes.find(separator);
    std::vector<std::pair<std::string, std::string>> entries = {{"xl/worksheets/sheet1.xml", bytes.substr(0, at)}};
    if (at != std::string::npos) entries.emplace_back("xl/sharedStrings.xml", bytes.substr(at + separator.size()));
    bytes = assess::fuzz::stored_zip(entries);
  }
  try {
    (void)assess::import_table(bytes, "fuzz.xlsx", library, "zh-CN", {});  // headers by id
  } catch (const assess::Error&) {
  }
  return 0;
}
