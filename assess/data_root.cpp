#include "data_root.h"

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "scoring/error.h"

namespace assess::cli {
namespace {

namespace fs = std::filesystem;

std::string& option_value() {
  static std::string value;  // the executable's command line, read once per cli::run
  return value;
}

// Why `dir` cannot be the data root, or "" when it can.
std::string unusable(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return "no such folder";
  if (!fs::is_directory(dir / "questionnaires", ec)) return "no questionnaires/ in it";
  return "";
}

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

void set_data_root_option(const std::string& dir) {
  option_value() = dir;
}

DataRoot find_data_root() {
  // 1. An explicit choice.
  for (const auto& [value, how] : {std::pair{option_value(), std::string("--data-root")},
                                   std::pair{env("ASSESS_DATA_ROOT"), std::string("ASSESS_DATA_ROOT")}}) {
    if (value.empty()) continue;
    if (const std::string why = unusable(value); !why.empty()) {
      throw Error(value, "", "the data root given by " + how + " is unusable: " + why, ErrorKind::kNotFound);
    }
    return {value, how};
  }
  std::vector<std::string> tried = {"--data-root (not given)", "ASSESS_DATA_ROOT (not set)"};

  // 2. The installed layout, relative to the executable.
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = (exe.parent_path() / ASSESS_INSTALLED_DATA_RELATIVE).lexically_normal();
    const std::string why = unusable(installed);
    if (why.empty()) return {installed.string(), "installed"};
    tried.push_back(installed.string() + " (next to the executable: " + why + ")");
  } else {
    tried.push_back("next to the executable (/proc/self/exe unreadable: " + ec.message() + ")");
  }

  // 3. The source tree of a developer build.
#ifdef ASSESS_SOURCE_DATA_ROOT
  if (env("ASSESS_NO_SOURCE_DATA") == "1") {
    tried.push_back(std::string(ASSESS_SOURCE_DATA_ROOT) + " (source tree: switched off by ASSESS_NO_SOURCE_DATA=1)");
  } else if (const std::string why = unusable(ASSESS_SOURCE_DATA_ROOT); why.empty()) {
    return {ASSESS_SOURCE_DATA_ROOT, "source tree"};
  } else {
    tried.push_back(std::string(ASSESS_SOURCE_DATA_ROOT) + " (source tree: " + why + ")");
  }
#else
  tried.push_back("the source tree (not searched: built with ASSESS_SOURCE_DATA_FALLBACK=OFF)");
#endif

  std::string message =
      "no data root (the folder of questionnaires/, policies/, templates/ and web/) found; looked at: ";
  for (std::size_t i = 0; i < tried.size(); ++i) message += (i > 0 ? "; " : "") + tried[i];
  message += ". Pass --data-root DIR or set ASSESS_DATA_ROOT";
  throw Error("assess", "", message, ErrorKind::kNotFound);
}

}  // namespace assess::cli
