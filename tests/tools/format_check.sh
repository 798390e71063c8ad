#!/usr/bin/env bash
# The C++ sources follow .clang-format: clang-format --dry-run --Werror over every tracked .cpp and
# .h (make format-check; the CTest test format_check when ASSESS_FORMAT_CHECK=ON).
# Usage: format_check.sh SOURCE_DIR [CLANG_FORMAT]
set -euo pipefail
source_dir=${1:?usage: format_check.sh SOURCE_DIR [CLANG_FORMAT]}
clang_format=${2:-clang-format}
cd "$source_dir"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cpp' '*.h')
else
  mapfile -t files < <(find scoring formats assess tests bench -name '*.cpp' -o -name '*.h' | sort)
fi
if [ "${#files[@]}" -eq 0 ]; then
  echo "format_check: no C++ sources found under $source_dir" >&2
  exit 1
fi
"$clang_format" --dry-run --Werror "${files[@]}"
echo "format_check: ${#files[@]} files follow .clang-format"
