#!/usr/bin/env bash
# multi_serve_bench.sh — answer saves per second with 1, 2 and 4 `assess serve` processes on one
# PostgreSQL database, beside one server on SQLite, in the same run. Not a test: it reports.
#
#   bench/multi_serve_bench.sh BUILD_DIR [CLIENTS=50] [SECONDS=10]
#
# PostgreSQL is a throwaway cluster (tests/tools/pg_cluster.sh). For N servers, N serve_bench
# instances run at once, each with CLIENTS/N clients on its own server and its own assessment (a copy
# of the demo assessment); the saves/s are summed and the worst p99 is reported.
set -euo pipefail
build=${1:?usage: multi_serve_bench.sh BUILD_DIR [CLIENTS] [SECONDS]}
clients=${2:-50}
seconds=${3:-10}
here=$(cd "$(dirname "$0")" && pwd)
assess=$build/assess
bench=$build/bench/serve_bench
[ -x "$bench" ] || bench=$(find "$build" -name serve_bench -type f -perm -u+x | head -n 1)
work=$(mktemp -d /tmp/assess-multi-bench-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$here/../tests/tools/pg_cluster.sh" stop "$work/pg" || true
  rm -rf "$work"
}
trap cleanup EXIT

# Starts a server; prints "PORT PASSWORD" (the password only on a fresh database).
start() {
  local log=$work/server-$RANDOM.log
  "$assess" serve --port 0 "$@" >"$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 600); do
    if grep -q "running at" "$log" && { ! grep -q "first start" "$log" || grep -q "one-time password" "$log"; }; then
      break
    fi
    sleep 0.1
  done
  sleep 0.2
  local port
  port=$(grep -o '127.0.0.1:[0-9]*' "$log" | head -n 1 | cut -d: -f2)
  echo "$port $(grep -o 'one-time password [^ ]*' "$log" | cut -d' ' -f3)"
}

# Logs in once and replaces the one-time password, so every serve_bench can log in with PASSWORD.
set_password() {
  python3 - "$1" "$2" "$3" <<'PY'
import http.client, json, sys
port, old, new = int(sys.argv[1]), sys.argv[2], sys.argv[3]
c = http.client.HTTPConnection("127.0.0.1", port)
c.request("POST", "/api/login", json.dumps({"name": "admin", "password": old}), {"Content-Type": "application/json"})
r = c.getresponse(); body = json.loads(r.read()); cookie = r.getheader("Set-Cookie").split(";")[0]
c.request("POST", "/api/password", json.dumps({"current_password": old, "new_password": new}),
          {"Content-Type": "application/json", "Cookie": cookie, "X-CSRF-Token": body["csrf"]})
assert c.getresponse().status == 200
PY
}

# Runs N serve_bench instances at once against PORTS; prints one summary line.
load() {
  local label=$1 password=$2
  shift 2
  local n=$#
  local per=$((clients / n))
  local outs=()
  local i=0
  for port in "$@"; do
    "$bench" --url "http://127.0.0.1:$port" --password "$password" --clients "$per" --seconds "$seconds" \
      --idle 0 --guessers 0 --no-readers >"$work/bench-$label-$i.txt" 2>&1 &
    outs+=($!)
    i=$((i + 1))
  done
  for p in "${outs[@]}"; do wait "$p" || true; done
  python3 - "$label" "$n" "$per" "$work"/bench-"$label"-*.txt <<'PY'
import re, sys
label, n, per, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
total = 0.0; p99 = 0.0; p50 = 0.0; errors = 0
for f in files:
    t = open(f).read()
    m = re.search(r"\((\d+) saves/s\), (\d+) errors", t)
    if not m:
        print(f"{label}: no figures in {f}:\n{t}"); continue
    total += float(m.group(1)); errors += int(m.group(2))
    l = re.search(r"p50 ([\d.]+) ms, p99 ([\d.]+) ms", t)
    p50 = max(p50, float(l.group(1))); p99 = max(p99, float(l.group(2)))
print(f"{label:<28} {n} x {per:>2} clients: {total:8.0f} saves/s   p50 {p50:7.2f} ms   p99 {p99:8.2f} ms   {errors} errors")
PY
}

echo "multi_serve_bench: $clients clients in all, $seconds s per run, $(nproc) cores"
# SQLite: one server (one per data folder).
read -r port password < <(start --data-dir "$work/sqlite" --demo)
set_password "$port" "$password" "bench-password-1"
load "SQLite, 1 server" "bench-password-1" "$port"
kill "${pids[@]}" 2>/dev/null || true
wait 2>/dev/null || true
pids=()

url=$("$here/../tests/tools/pg_cluster.sh" start "$work/pg")
read -r port password < <(start --data-dir "$work/pg-a" --database "$url" --evidence-dir "$work/evidence" --demo)
set_password "$port" "$password" "bench-password-1"
ports=("$port")
for k in 2 3 4; do
  read -r port _ < <(start --data-dir "$work/pg-$k" --database "$url" --evidence-dir "$work/evidence")
  ports+=("$port")
done
load "PostgreSQL, 1 server" "bench-password-1" "${ports[0]}"
load "PostgreSQL, 2 servers" "bench-password-1" "${ports[0]}" "${ports[1]}"
load "PostgreSQL, 4 servers" "bench-password-1" "${ports[@]}"
