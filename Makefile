# The two commands of the README are `make run` and `make test`; everything else is a step of them.
# `make setup` installs what is missing from Debian's archive (through sudo when not root).
SHELL := /bin/bash
BUILD ?= build
JOBS ?= $(shell nproc)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Warnings are errors in CI (CI=true) and whenever ASSESS_WERROR=ON is passed.
ASSESS_WERROR ?= $(if $(CI),ON,OFF)
# The clang-format check as a CTest test (tests/CMakeLists.txt); on by default, as in CI.
ASSESS_FORMAT_CHECK ?= ON

APT_PACKAGES := build-essential cmake ninja-build ccache pkg-config git \
  libboost-dev nlohmann-json3-dev libsqlite3-dev doctest-dev libmstch-dev libcli11-dev \
  libxlsxwriter-dev libminizip-dev libexpat1-dev libsodium-dev clang clang-format clang-tidy python3 \
  chromium fonts-noto-cjk poppler-utils python3-jsonschema xlsx2csv python3-openpyxl postgresql libpq-dev

DEMO_ASSESSMENT := questionnaires/demo/assessment.json
FUZZ_SECONDS ?= 60

.PHONY: setup build test sanitize run demo bench fuzz clean format-check tidy

setup:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  echo "setup: installing$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	else echo "setup: all packages present"; fi
	@# Browser tests drive Debian's chromium with playwright-core and axe-core from npm (no browser download).
	@if [ -f tests/browser/package-lock.json ]; then \
	  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error >/dev/null && echo "setup: browser test packages installed"; \
	fi

build:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DASSESS_WERROR=$(ASSESS_WERROR) \
	  -DASSESS_FORMAT_CHECK=$(ASSESS_FORMAT_CHECK)
	cmake --build $(BUILD) -j $(JOBS)

test: setup build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The unit tests again under AddressSanitizer + UBSan (any finding is fatal), in their own build
# directory at -O1; .ci/run runs it after `make test`. Browser, durability and schema checks are not
# repeated: they test the same binary's behaviour, not its memory.
sanitize: setup
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
	  -DASSESS_SANITIZE=ON -DASSESS_BENCH=OFF -DASSESS_WERROR=OFF
	cmake --build build-asan -j $(JOBS) --target assess_tests
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ./build-asan/tests/assess_tests --no-intro=true

# The main job: the web app on var/assess.db with the demo enterprise; prints the URL and, on the first
# start, the admin's one-time password.
run: setup build
	./$(BUILD)/assess serve --data-dir var --demo

# The same demo, scored on the command line.
demo: setup build
	./$(BUILD)/assess score --answers $(DEMO_ASSESSMENT)

bench: setup build
	./$(BUILD)/bench/score_bench
	./$(BUILD)/bench/report_bench
	./$(BUILD)/bench/serve_bench
	./$(BUILD)/bench/bureau_bench
	./$(BUILD)/bench/import_bench

# libFuzzer targets need clang; each runs FUZZ_SECONDS seconds on a corpus seeded from the fixtures
# (tests/fuzz/seeds/<target>/, plus the definitions for questionnaire_fuzz). Only the fuzz targets
# and what they link are built.
FUZZ_TARGETS := logic_fuzz questionnaire_fuzz csv_import_fuzz gbk_import_fuzz xlsx_import_fuzz api_fuzz
fuzz: setup
	CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DASSESS_FUZZ=ON \
	  -DBUILD_TESTING=OFF -DASSESS_BENCH=OFF
	cmake --build build-fuzz -j $(JOBS) --target $(FUZZ_TARGETS)
	@for target in $(FUZZ_TARGETS); do \
	  corpus=build-fuzz/corpus/$$target; mkdir -p $$corpus; \
	  cp tests/fuzz/seeds/$$target/* $$corpus/ 2>/dev/null || true; \
	  if [ $$target = questionnaire_fuzz ]; then \
	    for f in tests/data/*/*/questionnaire.json tests/data/cli/questionnaire.json; do cp $$f $$corpus/$$(echo $$f | tr / _); done; \
	  fi; \
	  dict=""; [ -f tests/fuzz/$${target%_fuzz}.dict ] && dict=-dict=tests/fuzz/$${target%_fuzz}.dict; \
	  echo "fuzz: $$target for $(FUZZ_SECONDS) s"; \
	  ./build-fuzz/tests/fuzz/$$target -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=30 -rss_limit_mb=4096 \
	    $$dict $$corpus || exit 1; \
	done

# Every tracked .cpp/.h against .clang-format, changing nothing (clang-format --dry-run --Werror).
format-check:
	tests/tools/format_check.sh .

# clang-tidy with .clang-tidy over the library and the executable (compile_commands.json of $(BUILD));
# any finding fails. The compile flags are GCC's: clang is told to ignore the GCC-only warning options.
TIDY_FILES := '(scoring/src|formats/src|assess)/[^/]*\.cpp$$'
tidy: build
	run-clang-tidy -p $(BUILD) -quiet -j $(JOBS) -extra-arg=-Wno-unknown-warning-option $(TIDY_FILES)

clean:
	rm -rf $(BUILD) build-fuzz build-asan
