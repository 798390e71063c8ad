// xlsx_builder.h — writes small XLSX archives part by part (Debian's minizip, deflate), so that tests
// can build the malformed and hostile files a spreadsheet program would never write.
#pragma once

#include <minizip/zip.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace assess::testing {

// One part of the archive: its name and either its text, or `repeat` copies of `text` (large parts
// without holding them in memory).
struct XlsxPart {
  std::string name;
  std::string text;
  std::size_t repeat = 1;
};

// The bytes of a zip archive holding `parts`, deflated at level 9.
inline std::string zip_archive(const std::vector<XlsxPart>& parts) {
  const auto path =
      std::filesystem::temp_directory_path() / ("assess-xlsx-test-" + std::to_string(std::random_device{}()) + '-' +
                                                std::to_string(std::random_device{}()) + ".zip");
  zipFile zip = zipOpen64(path.string().c_str(), 0);
  if (!zip) return "";
  for (const auto& part : parts) {
    zip_fileinfo info{};
    zipOpenNewFileInZip64(zip, part.name.c_str(), &info, nullptr, 0, nullptr, 0, nullptr, Z_DEFLATED, 9, 1);
    for (std::size_t i = 0; i < part.repeat; ++i) {
      zipWriteInFileInZip(zip, part.text.data(), static_cast<unsigned>(part.text.size()));
    }
    zipCloseFileInZip(zip);
  }
  zipClose(zip, nullptr);
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  in.close();
  std::filesystem::remove(path);
  return bytes;
}

// An XLSX whose first sheet's <sheetData> holds `rows_xml`, with optional shared strings.
inline std::string xlsx_with_sheet(const std::string& rows_xml, const std::string& shared_strings_xml = "") {
  std::vector<XlsxPart> parts = {
      {"[Content_Types].xml",
       "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"},
      {"xl/worksheets/sheet1.xml",
       "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet "
       "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>" +
           rows_xml + "</sheetData></worksheet>"}};
  if (!shared_strings_xml.empty()) {
    parts.push_back({"xl/sharedStrings.xml",
                     "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst "
                     "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">" +
                         shared_strings_xml + "</sst>"});
  }
  return zip_archive(parts);
}

}  // namespace assess::testing
