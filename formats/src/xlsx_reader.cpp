#include "detail/xlsx_reader.h"

#include <expat.h>
#include <minizip/unzip.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "scoring/error.h"

namespace assess::detail {
namespace {

constexpr const char* kSheetPart = "xl/worksheets/sheet1.xml";
constexpr const char* kStringsPart = "xl/sharedStrings.xml";

std::string with_thousands(std::size_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// --- The archive, read from memory through minizip's I/O callbacks (no temporary file). ---

struct MemoryFile {
  const std::string* bytes = nullptr;
  ZPOS64_T pos = 0;
};

voidpf ZCALLBACK mem_open(voidpf opaque, const void*, int mode) {
  if ((mode & ZLIB_FILEFUNC_MODE_WRITE) != 0) return nullptr;
  auto* f = static_cast<MemoryFile*>(opaque);
  f->pos = 0;
  return f;
}
uLong ZCALLBACK mem_read(voidpf, voidpf stream, void* buf, uLong size) {
  auto* f = static_cast<MemoryFile*>(stream);
  const ZPOS64_T left = f->pos < f->bytes->size() ? f->bytes->size() - f->pos : 0;
  const auto n = static_cast<uLong>(std::min<ZPOS64_T>(size, left));
  if (n > 0) std::memcpy(buf, f->bytes->data() + f->pos, n);
  f->pos += n;
  return n;
}
uLong ZCALLBACK mem_write(voidpf, voidpf, const void*, uLong) {
  return 0;
}
ZPOS64_T ZCALLBACK mem_tell(voidpf, voidpf stream) {
  return static_cast<MemoryFile*>(stream)->pos;
}
long ZCALLBACK mem_seek(voidpf, voidpf stream, ZPOS64_T offset, int origin) {
  auto* f = static_cast<MemoryFile*>(stream);
  const ZPOS64_T size = f->bytes->size();
  ZPOS64_T base = 0;
  if (origin == ZLIB_FILEFUNC_SEEK_CUR)
    base = f->pos;
  else if (origin == ZLIB_FILEFUNC_SEEK_END)
    base = size;
  else if (origin != ZLIB_FILEFUNC_SEEK_SET)
    return -1;
  if (offset > size || base > size - offset) return -1;
  f->pos = base + offset;
  return 0;
}
int ZCALLBACK mem_close(voidpf, voidpf) {
  return 0;
}
int ZCALLBACK mem_error(voidpf, voidpf) {
  return 0;
}

struct ZipCloser {
  void operator()(void* zip) const { unzClose(zip); }
};
struct ParserFree {
  void operator()(XML_ParserStruct* p) const { XML_ParserFree(p); }
};

// --- SAX handlers. A handler never throws through expat's C frames: it records the message and
// stops the parser; the caller throws. ---

struct SaxState {
  XML_Parser parser = nullptr;
  std::string error;

  SaxState() = default;
  SaxState(const SaxState&) = delete;
  SaxState& operator=(const SaxState&) = delete;
  virtual ~SaxState() = default;

  void fail(const std::string& message) {
    if (error.empty()) error = message;
    XML_StopParser(parser, XML_FALSE);
  }
  // Where the parser is, in the reader's terms (", in row 7, cell B7"), for expat's own errors.
  virtual std::string where() const { return ""; }
};

// The local part of a name from a namespace-aware parser ("uri|c" -> "c").
const char* local(const XML_Char* name) {
  const char* bar = std::strrchr(name, '|');
  return bar ? bar + 1 : name;
}

const char* attribute(const XML_Char** atts, const char* name) {
  for (std::size_t i = 0; atts[i]; i += 2) {
    if (std::strcmp(local(atts[i]), name) == 0) return atts[i + 1];
  }
  return nullptr;
}

struct SharedStrings : SaxState {
  const XlsxLimits* limits = nullptr;
  std::vector<std::string> strings;
  std::string current;
  bool in_si = false;
  bool in_t = false;
  int phonetic = 0;  // inside <rPh> (furigana runs), whose text is not part of the string
};

void XMLCALL strings_start(void* data, const XML_Char* name, const XML_Char**) {
  auto& s = *static_cast<SharedStrings*>(data);
  if (!s.error.empty()) return;  // expat may still call back once after a stop
  const char* n = local(name);
  if (std::strcmp(n, "si") == 0) {
    s.in_si = true;
    s.current.clear();
  } else if (std::strcmp(n, "rPh") == 0) {
    ++s.phonetic;
  } else if (std::strcmp(n, "t") == 0 && s.in_si && s.phonetic == 0) {
    s.in_t = true;
  }
}

void XMLCALL strings_end(void* data, const XML_Char* name) {
  auto& s = *static_cast<SharedStrings*>(data);
  if (!s.error.empty()) return;
  const char* n = local(name);
  if (std::strcmp(n, "si") == 0) {
    if (s.strings.size() >= s.limits->max_shared_strings) {
      return s.fail("more than " + with_thousands(s.limits->max_shared_strings) + " shared strings");
    }
    s.strings.push_back(std::move(s.current));
    s.current.clear();
    s.in_si = false;
  } else if (std::strcmp(n, "rPh") == 0) {
    --s.phonetic;
  } else if (std::strcmp(n, "t") == 0) {
    s.in_t = false;
  }
}

void XMLCALL strings_text(void* data, const XML_Char* text, int len) {
  auto& s = *static_cast<SharedStrings*>(data);
  if (s.in_t) s.current.append(text, static_cast<std::size_t>(len));
}

std::string column_letters(std::size_t column) {  // 0-based
  std::string out;
  for (std::size_t c = column + 1; c > 0; c = (c - 1) / 26)
    out.insert(out.begin(), static_cast<char>('A' + (c - 1) % 26));
  return out;
}

struct Sheet : SaxState {
  const XlsxLimits* limits = nullptr;
  const std::vector<std::string>* strings = nullptr;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> numbers;  // the sheet's number of each row in `rows`
  std::vector<std::string> row;
  std::size_t cells = 0;       // cells materialised so far, all rows
  std::size_t text_bytes = 0;  // and the text in them
  std::size_t row_number = 0;  // the sheet's number of the open row (or of the last one)
  bool in_row = false;
  bool in_cell = false;
  std::size_t column = 0;       // 0-based column of the open cell
  std::size_t next_column = 0;  // a cell without r="" follows the previous one
  std::string ref;              // the open cell's reference, for messages
  std::string type;
  std::string value;        // text of <v>
  std::string inline_text;  // text of <is><t>…</t></is>
  bool in_v = false;
  bool in_is = false;
  bool in_t = false;
  int phonetic = 0;

  std::string place() const {
    std::string p = std::string(kSheetPart) + ", row " + std::to_string(row_number);
    if (in_cell) p += ", cell " + ref;
    return p;
  }
  void fail_here(const std::string& message) { fail(place() + ": " + message); }
  std::string where() const override {
    if (!in_row && row_number == 0) return "";
    return (in_row ? ", in row " : ", after row ") + std::to_string(row_number) + (in_cell ? ", cell " + ref : "");
  }
};

// "AB12" -> column 27. Returns false (after failing the parse) when the reference is not usable.
bool parse_cell_ref(Sheet& s, const std::string& ref) {
  std::size_t letters = 0;
  std::size_t column = 0;
  while (letters < ref.size() && ref[letters] >= 'A' && ref[letters] <= 'Z') {
    if (letters < 4) column = column * 26 + static_cast<std::size_t>(ref[letters] - 'A' + 1);
    ++letters;
  }
  std::size_t digits = letters;
  while (digits < ref.size() && ref[digits] >= '0' && ref[digits] <= '9') ++digits;
  if (letters == 0) {
    s.fail_here("the cell reference \"" + ref + "\" has no column letters");
    return false;
  }
  if (digits != ref.size() || digits == letters) {
    s.fail_here("\"" + ref + "\" is not a cell reference (column letters, then the row number)");
    return false;
  }
  if (letters > 3 || column > s.limits->max_columns) {
    s.fail_here("column " + ref.substr(0, letters) + " is beyond " + column_letters(s.limits->max_columns - 1) +
                ", Excel's last column (" + with_thousands(s.limits->max_columns) + " columns)");
    return false;
  }
  s.column = column - 1;
  return true;
}

void XMLCALL sheet_start(void* data, const XML_Char* name, const XML_Char** atts) {
  auto& s = *static_cast<Sheet*>(data);
  if (!s.error.empty()) return;  // expat may still call back once after a stop
  const char* n = local(name);
  if (std::strcmp(n, "row") == 0) {
    if (s.in_row) return s.fail_here("a row starts before the previous one is closed (missing </row>)");
    std::size_t number = s.row_number + 1;
    if (const char* r = attribute(atts, "r")) {
      const std::string text = r;
      if (text.empty() || text.size() > 8 || text.find_first_not_of("0123456789") != std::string::npos) {
        return s.fail(std::string(kSheetPart) + ", after row " + std::to_string(s.row_number) + ": the row number \"" +
                      text.substr(0, 20) + "\" is not a number");
      }
      number = std::stoul(text);
    }
    s.row_number = number;
    if (number == 0 || number > s.limits->max_rows) {
      return s.fail(std::string(kSheetPart) + ", row " + std::to_string(number) + ": beyond row " +
                    with_thousands(s.limits->max_rows) + ", Excel's last row");
    }
    if (s.rows.size() >= s.limits->max_rows) {
      return s.fail_here("more than " + with_thousands(s.limits->max_rows) + " rows, Excel's limit");
    }
    s.in_row = true;
    s.row.clear();
    s.next_column = 0;
  } else if (std::strcmp(n, "c") == 0) {
    if (!s.in_row) return s.fail_here("a cell outside a row");
    if (s.in_cell) return s.fail_here("a cell starts before this one is closed (missing </c>)");
    s.type.clear();
    s.value.clear();
    s.inline_text.clear();
    if (const char* r = attribute(atts, "r")) {
      s.ref = std::string(r).substr(0, 40);
      s.in_cell = true;
      if (!parse_cell_ref(s, r)) return;
    } else {
      if (s.next_column >= s.limits->max_columns) {
        return s.fail_here("more than " + with_thousands(s.limits->max_columns) + " cells, Excel's last column is " +
                           column_letters(s.limits->max_columns - 1));
      }
      s.column = s.next_column;
      s.ref = column_letters(s.column) + std::to_string(s.row_number);
      s.in_cell = true;
    }
    if (const char* t = attribute(atts, "t")) s.type = t;
  } else if (std::strcmp(n, "v") == 0) {
    s.in_v = s.in_cell;
  } else if (std::strcmp(n, "is") == 0) {
    s.in_is = s.in_cell;
  } else if (std::strcmp(n, "rPh") == 0) {
    ++s.phonetic;
  } else if (std::strcmp(n, "t") == 0) {
    s.in_t = s.in_is && s.phonetic == 0;
  }
}

void XMLCALL sheet_end(void* data, const XML_Char* name) {
  auto& s = *static_cast<Sheet*>(data);
  if (!s.error.empty()) return;
  const char* n = local(name);
  if (std::strcmp(n, "c") == 0) {
    std::string text;
    if (s.type == "inlineStr") {
      text = std::move(s.inline_text);
    } else if (s.type == "s") {
      if (!s.value.empty()) {
        const bool digits = s.value.size() <= 10 && s.value.find_first_not_of("0123456789") == std::string::npos;
        const std::size_t index = digits ? std::stoul(s.value) : s.strings->size();
        if (index >= s.strings->size()) {
          return s.fail_here("shared string " + s.value.substr(0, 20) + " does not exist (the file has " +
                             std::to_string(s.strings->size()) + ")");
        }
        text = (*s.strings)[index];
      }
    } else if (s.type == "b") {
      text = s.value.empty() ? "" : s.value == "1" ? "true" : "false";
    } else {
      text = std::move(s.value);
    }
    s.text_bytes += text.size();
    if (s.text_bytes > s.limits->max_text_bytes) {
      return s.fail_here("the cells hold more than " + with_thousands(s.limits->max_text_bytes >> 20) +
                         " MB of text; split the file");
    }
    if (s.row.size() <= s.column) {
      const std::size_t added = s.column + 1 - s.row.size();
      if (s.cells + added > s.limits->max_cells) {
        return s.fail_here("more than " + with_thousands(s.limits->max_cells) + " cells in the sheet; split the file");
      }
      s.cells += added;
      s.row.resize(s.column + 1);
    }
    s.row[s.column] = std::move(text);
    s.next_column = s.column + 1;
    s.in_cell = false;
    s.in_v = s.in_is = s.in_t = false;
  } else if (std::strcmp(n, "row") == 0) {
    if (s.in_cell) return s.fail_here("the row ends inside a cell (missing </c>)");
    s.rows.push_back(std::move(s.row));
    s.numbers.push_back(s.row_number);
    s.row.clear();
    s.in_row = false;
  } else if (std::strcmp(n, "v") == 0) {
    s.in_v = false;
  } else if (std::strcmp(n, "is") == 0) {
    s.in_is = false;
  } else if (std::strcmp(n, "rPh") == 0) {
    --s.phonetic;
  } else if (std::strcmp(n, "t") == 0) {
    s.in_t = false;
  }
}

void XMLCALL sheet_text(void* data, const XML_Char* text, int len) {
  auto& s = *static_cast<Sheet*>(data);
  if (s.in_v)
    s.value.append(text, static_cast<std::size_t>(len));
  else if (s.in_t)
    s.inline_text.append(text, static_cast<std::size_t>(len));
}

void XMLCALL refuse_doctype(void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
  static_cast<SaxState*>(data)->fail("a DOCTYPE is not allowed in an XLSX part");
}

// Inflates `part` from the archive straight into the SAX parser, chunk by chunk, under the limits.
// Returns false when the part does not exist.
bool parse_part(unzFile zip, const char* part, SaxState& state, XML_StartElementHandler start,
                XML_EndElementHandler end, XML_CharacterDataHandler text, const XlsxLimits& limits,
                const std::string& file) {
  if (unzLocateFile(zip, part, 0) != UNZ_OK) return false;
  unz_file_info64 info{};
  if (unzGetCurrentFileInfo64(zip, &info, nullptr, 0, nullptr, 0, nullptr, 0) != UNZ_OK ||
      unzOpenCurrentFile(zip) != UNZ_OK) {
    throw Error(file, "", std::string(part) + ": the archive entry cannot be read");
  }
  std::unique_ptr<XML_ParserStruct, ParserFree> parser(XML_ParserCreateNS(nullptr, '|'));
  if (!parser) {
    unzCloseCurrentFile(zip);
    throw Error(file, "", "out of memory creating an XML parser");
  }
  state.parser = parser.get();
  XML_SetUserData(parser.get(), &state);
  XML_SetElementHandler(parser.get(), start, end);
  XML_SetCharacterDataHandler(parser.get(), text);
  XML_SetStartDoctypeDeclHandler(parser.get(), refuse_doctype);

  auto xml_error = [&]() -> std::string {
    if (!state.error.empty()) return state.error;
    return std::string(part) + " line " + std::to_string(XML_GetCurrentLineNumber(parser.get())) + ", column " +
           std::to_string(XML_GetCurrentColumnNumber(parser.get()) + 1) + ": invalid XML (" +
           XML_ErrorString(XML_GetErrorCode(parser.get())) + ")" + state.where();
  };
  auto fail = [&](const std::string& message) {
    unzCloseCurrentFile(zip);
    throw Error(file, "", message);
  };
  std::vector<char> buffer(65536);
  std::size_t inflated = 0;
  for (;;) {
    const int n = unzReadCurrentFile(zip, buffer.data(), static_cast<unsigned>(buffer.size()));
    if (n < 0) fail(std::string(part) + ": the archive entry is corrupt (minizip error " + std::to_string(n) + ")");
    if (n == 0) break;
    inflated += static_cast<std::size_t>(n);
    if (inflated > limits.max_part_bytes) {
      fail(std::string(part) + ": inflates to more than " + with_thousands(limits.max_part_bytes >> 20) +
           " MB; refused (a zip bomb, or a sheet too large to import at once)");
    }
    if (inflated > limits.ratio_floor && inflated / std::max<ZPOS64_T>(info.compressed_size, 1) > limits.max_ratio) {
      fail(std::string(part) + ": inflates more than " + std::to_string(limits.max_ratio) + " times its packed size (" +
           std::to_string(info.compressed_size) + " bytes); refused as a zip bomb");
    }
    if (XML_Parse(parser.get(), buffer.data(), n, XML_FALSE) != XML_STATUS_OK) fail(xml_error());
  }
  if (XML_Parse(parser.get(), nullptr, 0, XML_TRUE) != XML_STATUS_OK) fail(xml_error());
  if (unzCloseCurrentFile(zip) == UNZ_CRCERROR)
    throw Error(file, "", std::string(part) + ": the archive entry is corrupt (CRC)");
  return true;
}

}  // namespace

std::vector<std::vector<std::string>> read_xlsx(const std::string& bytes, const std::string& file,
                                                const XlsxLimits& limits, std::vector<std::size_t>* row_numbers) {
  MemoryFile memory{&bytes, 0};
  zlib_filefunc64_def io{};
  io.zopen64_file = mem_open;
  io.zread_file = mem_read;
  io.zwrite_file = mem_write;
  io.ztell64_file = mem_tell;
  io.zseek64_file = mem_seek;
  io.zclose_file = mem_close;
  io.zerror_file = mem_error;
  io.opaque = &memory;
  std::unique_ptr<void, ZipCloser> zip(unzOpen2_64("upload.xlsx", &io));
  if (!zip) throw Error(file, "", "not an XLSX file (it is not a zip archive)");

  SharedStrings strings;
  strings.limits = &limits;
  parse_part(zip.get(), kStringsPart, strings, strings_start, strings_end, strings_text, limits, file);

  Sheet sheet;
  sheet.limits = &limits;
  sheet.strings = &strings.strings;
  if (!parse_part(zip.get(), kSheetPart, sheet, sheet_start, sheet_end, sheet_text, limits, file)) {
    throw Error(file, "", "the XLSX file has no first worksheet (xl/worksheets/sheet1.xml)");
  }
  // Pad every row to the header's width (empty trailing cells are not written in XLSX).
  auto& rows = sheet.rows;
  const std::size_t width = rows.empty() ? 0 : rows.front().size();
  if (width > 0 && rows.size() > limits.max_cells / width) {
    throw Error(file, "",
                std::string(kSheetPart) + ": " + std::to_string(rows.size()) + " rows of " + std::to_string(width) +
                    " columns are more than " + with_thousands(limits.max_cells) + " cells; split the file");
  }
  for (auto& row : rows) {
    if (row.size() < width) row.resize(width);
  }
  if (row_numbers) *row_numbers = std::move(sheet.numbers);
  return rows;
}

}  // namespace assess::detail
