#!/usr/bin/env bash
# The PostgreSQL benchmarks of issue 16 beside SQLite, in one run (figures for docs/deploy.md):
#   1. bureau_bench: bureau records on SQLite and PostgreSQL (rank, dashboard, import);
#   2. serve_bench with 200,000 stored assessments on SQLite and on PostgreSQL (saves and read paths);
#   3. serve_bench saves: SQLite with one server, PostgreSQL with 1, 2 and 4 servers, 50 clients, all
#      on one assessment; then each client on its own assessment (no idle, guessing or reading clients).
# Starts a throwaway PostgreSQL cluster (tests/tools/pg_cluster.sh) under $TMPDIR — with PostgreSQL's
# durable defaults (fsync and synchronous_commit on), unlike the tests' cluster, and shared_buffers
# 2 GB (enough to hold the bureau tables at 1,000,000 records, as a deployment would); PG_CLUSTER_SETTINGS
# overrides them, e.g. "-c synchronous_commit=off" — stops and removes it at the end, and removes the
# bureau data folders. Prints the load average before each part: on
# a shared machine, wall-clock figures measured under load are not the machine's.
#
#   bench/postgres_bench.sh [BUILD_DIR]        (default build; after `cmake --build build`)
#   BUREAU_SIZES="100000 1000000" ASSESSMENTS=200000 SECONDS_PER_RUN=10 bench/postgres_bench.sh
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
sizes=${BUREAU_SIZES:-100000 1000000}
assessments=${ASSESSMENTS:-200000}
seconds=${SECONDS_PER_RUN:-10}
tmp=${TMPDIR:-/tmp}
cluster=$(mktemp -d "$tmp/assess-pg-bench-XXXXXX")

cleanup() {
  "$here/tests/tools/pg_cluster.sh" stop "$cluster/pg" || true
  rm -rf "$cluster" "$tmp/assess-bureau-bench"
}
trap cleanup EXIT

settings=${PG_CLUSTER_SETTINGS--c shared_buffers=2GB}
url=$(PG_CLUSTER_SETTINGS=$settings "$here/tests/tools/pg_cluster.sh" start "$cluster/pg")
load() { echo "-- $(date -u +%H:%M:%SZ) load average: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"; }

echo "PostgreSQL cluster: $url (settings: ${settings:-durable defaults})"
echo "== bureau_bench $sizes (SQLite and PostgreSQL)"
load
# shellcheck disable=SC2086 # the sizes are separate arguments
"$build/bench/bureau_bench" --database "$url" $sizes
load

echo "== serve_bench with $assessments stored assessments"
load
"$build/bench/serve_bench" --assessments "$assessments" --seconds "$seconds" --idle 0 --guessers 0
load
"$build/bench/serve_bench" --database "$url" --assessments "$assessments" --seconds "$seconds" --idle 0 --guessers 0
load

echo "== serve_bench: 50 clients, SQLite with 1 server, PostgreSQL with 1, 2 and 4"
load
"$build/bench/serve_bench" --seconds "$seconds"
for k in 1 2 4; do
  load
  "$build/bench/serve_bench" --database "$url" --processes "$k" --seconds "$seconds"
done
echo "== serve_bench: 50 clients each on its own assessment, SQLite with 1 server, PostgreSQL with 1, 2 and 4"
load
"$build/bench/serve_bench" --seconds "$seconds" --idle 0 --guessers 0 --no-readers --own-assessments
for k in 1 2 4; do
  load
  "$build/bench/serve_bench" --database "$url" --processes "$k" --seconds "$seconds" --idle 0 --guessers 0 \
    --no-readers --own-assessments
done
load
