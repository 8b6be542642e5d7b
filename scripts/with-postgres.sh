#!/usr/bin/env bash
# Runs a command with ONESTOP_TEST_PG_URL pointing at a PostgreSQL server.
# Uses the one on 127.0.0.1:5432 when it answers; otherwise starts a throwaway cluster from the
# installed binaries on a spare port and stops it afterwards.
set -euo pipefail
if [ -n "${ONESTOP_TEST_PG_URL:-}" ]; then exec "$@"; fi
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  export ONESTOP_TEST_PG_URL="postgresql+asyncpg://postgres@127.0.0.1:5432/onestop_test"
  exec "$@"
fi
PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n1)")
PORT=${ONESTOP_TEST_PG_PORT:-54329}
DATA=$(mktemp -d /tmp/onestop-pg.XXXXXX)
chmod 755 "$DATA"
RUNAS=()
if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$DATA"; RUNAS=(su postgres -s /bin/bash -c); fi
run() { if [ ${#RUNAS[@]} -gt 0 ]; then "${RUNAS[@]}" "$*"; else bash -c "$*"; fi; }
run "$PGBIN/initdb -D $DATA/data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
run "$PGBIN/pg_ctl -D $DATA/data -l $DATA/log -w -o '-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$DATA -c fsync=off -c max_connections=200' start" >/dev/null
stop() { run "$PGBIN/pg_ctl -D $DATA/data -m fast -w stop" >/dev/null 2>&1 || true; rm -rf "$DATA"; }
trap stop EXIT
export ONESTOP_TEST_PG_URL="postgresql+asyncpg://postgres@127.0.0.1:$PORT/onestop_test"
"$@"
