// data_root.h — where the executable finds the data it ships with: questionnaires/, policies/,
// templates/ and web/, all under one folder (the "data root").
//
// Nothing about the build machine is baked into a copied or packaged binary. The root is, in order:
//  1. the --data-root DIR option (any command), else the ASSESS_DATA_ROOT environment variable —
//     an explicit choice is used or refused, never silently replaced by another;
//  2. the installed layout next to the executable: <bin>/../share/assess (CMake's GNUInstallDirs,
//     found through /proc/self/exe);
//  3. in developer builds, the source tree the binary was built from (CMake option
//     ASSESS_SOURCE_DATA_FALLBACK, on by default; switched off at run time by ASSESS_NO_SOURCE_DATA=1).
// A folder qualifies when it holds questionnaires/. When none does, the error lists every place
// tried and why it was passed over.
#pragma once

#include <string>

namespace assess::cli {

struct DataRoot {
  std::string path;  // the folder holding questionnaires/, policies/, templates/, web/
  std::string how;   // "--data-root", "ASSESS_DATA_ROOT", "installed", "source tree"
};

// The --data-root option of the current command line ("" when not given); set by cli::run.
void set_data_root_option(const std::string& dir);

// Finds the data root as described above; throws assess::Error (kNotFound) naming every place tried.
DataRoot find_data_root();

}  // namespace assess::cli
