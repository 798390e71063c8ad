// purity_test.cpp — the domain library stays pure (issue 12, item 5): nothing under scoring/
// includes a header of the format, template, spreadsheet, zip, XML, crypto, socket or database
// libraries, or of formats/ or assess/. A newcomer who adds one gets this test's message, not a
// slow drift.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

TEST_CASE("scoring/ includes no file-format, rendering, crypto, socket or database library") {
  const std::vector<std::string> banned = {"<mstch/", "<xlsxwriter", "<minizip/", "<unzip.h>",   "<zip.h>",
                                           "<expat",  "<iconv.h>",   "<sodium",   "<sqlite3.h>", "<boost/",
                                           "<libpq",  "\"formats/",  "\"assess/"};
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(std::string(ASSESS_SOURCE_DIR) + "/scoring")) {
    const auto ext = entry.path().extension();
    if (ext != ".h" && ext != ".cpp") continue;
    ++files;
    std::ifstream in(entry.path());
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (line.rfind("#include", 0) != 0) continue;
      for (const auto& b : banned) {
        INFO(entry.path().string() << ":" << number << ": " << line);
        CHECK(line.find(b) == std::string::npos);
      }
    }
  }
  CHECK(files > 30);
}
