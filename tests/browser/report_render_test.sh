#!/usr/bin/env bash
# Renders the hostile-name report in Debian's headless Chromium to a PNG and to a PDF, and checks
# that the PDF has pages and that the name arrives in the DOM as text, with no script element.
# Usage: report_render_test.sh <assess binary> <source dir>
set -euo pipefail
assess=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chromium=$(command -v chromium || true)
if [ -z "$chromium" ]; then
  echo "FAIL: chromium is not installed (make setup installs Debian's chromium)"
  exit 1
fi
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update
       --disable-sync --no-first-run --user-data-dir="$work/profile")
cd "$src"
"$assess" report --assessment tests/data/reports/hostile/assessment.json -o "$work/report.html" \
  --pdf "$work/report.pdf" --generated-at "2026-11-24 10:00"
timeout 120 "$chromium" "${flags[@]}" --window-size=1200,1600 --screenshot="$work/report.png" "file://$work/report.html" >/dev/null 2>&1
timeout 120 "$chromium" "${flags[@]}" --dump-dom "file://$work/report.html" > "$work/dom.html" 2>/dev/null
failures=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; failures=$((failures + 1)); fi; }
check "the PNG screenshot exists and is a PNG" "[ \"\$(head -c 8 '$work/report.png' | od -An -c | tr -d ' ')\" = '211PNG\r\n032\n' ]"
pages=$(pdfinfo "$work/report.pdf" | awk '/^Pages:/ {print $2}')
check "the PDF has at least one page (has $pages)" "[ '${pages:-0}' -ge 1 ]"
check "the hostile name is text in the DOM" "grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' '$work/dom.html'"
check "the DOM has no script element" "! grep -qi '<script' '$work/dom.html'"
check "the DOM has no injected img element" "! grep -qi '<img' '$work/dom.html'"
[ "$failures" -eq 0 ]
