#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (Debian's postgresql package): initdb + pg_ctl in DIR,
# listening only on a unix socket in DIR/socket, trust authentication, fsync off. As root (CI) the
# server runs as the unprivileged `postgres` user the package creates. PG_CLUSTER_SETTINGS replaces
# the "-c fsync=off -c synchronous_commit=off" the tests run with (empty: PostgreSQL's durable
# defaults, as bench/postgres_bench.sh measures).
#
#   pg_cluster.sh start DIR        starts it; prints the URL of its database "assess"
#   pg_cluster.sh stop DIR         stops it
#   pg_cluster.sh run DIR CMD...   starts it, runs CMD with ASSESS_TEST_DATABASE=<url>, stops it and
#                                  removes DIR; exits with CMD's status
set -euo pipefail

usage() {
  echo "usage: $0 start|stop DIR | run DIR CMD..." >&2
  exit 2
}
[ $# -ge 2 ] || usage
action=$1
dir=$2
shift 2

bindir=${PG_BIN:-}
if [ -z "$bindir" ]; then
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "pg_cluster.sh: no PostgreSQL server found (apt-get install postgresql)" >&2
  exit 3
fi

# Runs a command as the cluster's owner: `postgres` when we are root, else ourselves.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

url_of() {
  echo "postgresql:///assess?host=$1/socket&port=5432&user=postgres"
}

start() {
  local d=$1
  mkdir -p "$d"
  d=$(cd "$d" && pwd)
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    chown postgres: "$d"
  fi
  as_owner mkdir -p "$d/socket"
  if [ ! -f "$d/data/PG_VERSION" ]; then
    as_owner "$bindir/initdb" --pgdata="$d/data" --username=postgres --auth=trust --encoding=UTF8 --no-locale \
      >"$d/initdb.log" 2>&1 || { cat "$d/initdb.log" >&2; exit 1; }
  fi
  as_owner "$bindir/pg_ctl" --pgdata="$d/data" --log="$d/server.log" --wait --timeout=60 \
    -o "-k $d/socket -c listen_addresses= -c port=5432 ${PG_CLUSTER_SETTINGS--c fsync=off -c synchronous_commit=off} -c max_connections=60" \
    start >/dev/null || { cat "$d/server.log" >&2; exit 1; }
  as_owner "$bindir/psql" -h "$d/socket" -p 5432 -U postgres -d postgres -qtA \
    -c "SELECT 1 FROM pg_database WHERE datname = 'assess'" | grep -q 1 ||
    as_owner "$bindir/createdb" -h "$d/socket" -p 5432 -U postgres assess
  url_of "$d"
}

stop() {
  local d=$1
  [ -d "$d/data" ] || return 0
  as_owner "$bindir/pg_ctl" --pgdata="$d/data" --mode=fast --wait stop >/dev/null 2>&1 || true
}

case "$action" in
  start) start "$dir" ;;
  stop) stop "$dir" ;;
  run)
    [ $# -ge 1 ] || usage
    url=$(start "$dir")
    dir=$(cd "$dir" && pwd)
    trap 'stop "$dir"; rm -rf "$dir"' EXIT
    set +e
    ASSESS_TEST_DATABASE=$url "$@"
    rc=$?
    set -e
    exit $rc
    ;;
  *) usage ;;
esac
