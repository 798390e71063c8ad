#!/usr/bin/env bash
# Durability of acknowledged saves across a SIGKILL of `assess serve`.
#
# Starts the server on a fresh data folder (--port 0 --demo), creates an enterprise and an
# assessment, then for each round: concurrent clients PUT unique values to number questions and
# record every save answered 200; the server is killed with SIGKILL in the middle of the load and
# started again on the same folder; durability_client.py verify checks that every acknowledged save
# is there (the API's value is the last acknowledged one, the audit log holds all of them in order).
#
# Usage: sigkill_test.sh <assess binary> [rounds] [clients]
set -uo pipefail
assess=$(realpath "$1")
rounds=${2:-3}
clients=${3:-8}
here=$(cd "$(dirname "$0")" && pwd)
client="python3 $here/durability_client.py"
work=$(mktemp -d)
data="$work/data"
server_pid=""

cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: durability: $*"
  [ -f "$work/server.log" ] && sed 's/^/  server: /' "$work/server.log" | tail -20
  exit 1
}

# Starts the server and sets server_pid and port (the questionnaires come from the source tree).
start_server() {
  : > "$work/server.log"
  (cd "$work" && exec "$assess" serve --port 0 --data-dir "$data" --demo) > "$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    port=$(sed -n 's/.*running at http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$work/server.log")
    [ -n "$port" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || fail "the server exited at start"
    sleep 0.1
  done
  fail "the server did not report its port within 10 s"
}

start_server
password=$(sed -n 's/.*one-time password \([0-9a-f]*\).*/\1/p' "$work/server.log")
[ -n "$password" ] || fail "no one-time admin password in the server output"
password=$($client first-login --port "$port" --password "$password") || fail "changing the one-time password"
$client setup --port "$port" --password "$password" --state "$work/state.json" || fail "setup"

for round in $(seq 1 "$rounds"); do
  rm -f "$work/ready"
  $client load --port "$port" --password "$password" --state "$work/state.json" --round "$round" \
    --clients "$clients" --ready "$work/ready" --ready-after $((200 + 150 * round)) --seconds 60 &
  load_pid=$!
  for _ in $(seq 1 600); do
    [ -f "$work/ready" ] && break
    kill -0 "$load_pid" 2>/dev/null || break
    sleep 0.05
  done
  [ -f "$work/ready" ] || fail "round $round: the clients did not get going"
  sleep 0.$((RANDOM % 9 + 1))  # somewhere in the middle of the load
  kill -KILL "$server_pid"
  wait "$server_pid" 2>/dev/null
  echo "round $round: server killed with SIGKILL"
  wait "$load_pid" || fail "round $round: the load client failed"
  start_server
  $client verify --port "$port" --password "$password" --state "$work/state.json" --db "$data/assess.db" ||
    fail "round $round: acknowledged saves were lost"
done
echo "ok: durability: $rounds SIGKILL rounds with $clients concurrent clients, nothing acknowledged was lost"
