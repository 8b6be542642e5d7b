#!/usr/bin/env bash
# Backup and restore drill on PostgreSQL: installs a province from docs/examples/ in a scratch
# database, serves it and writes intakes through the API while pg_dump (custom format) takes a
# backup, restores the dump into a fresh database and checks the restore:
#   - each main table (dossier, dossier_event, every report_* rollup table) holds exactly the rows
#     the dump holds (counted from the dump itself with pg_restore, not from the live database,
#     which went on taking intakes after the dump);
#   - `onestop rollups verify` finds every rollup cell exact in the restored database;
#   - every restored dossier has its first event (receive or submit, seq 1).
# Prints the counts and PASS or FAIL; exits 0 on PASS, 1 on FAIL.
#
# Usage: scripts/backup-drill.sh
# Environment: PGHOST, PGPORT, PGUSER (default 127.0.0.1, 5432, postgres; trust or .pgpass auth);
#   DRILL_DB (scratch database name, default onestop_drill; DRILL_DB_restored is the restore),
#   DRILL_MIN_INTAKES (intakes written before the dump, default 20), DRILL_KEEP=1 keeps both
#   databases and the dump. Both scratch databases are dropped and created again.
set -euo pipefail
cd "$(dirname "$0")/.."

export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
export PGOPTIONS="-c client_min_messages=warning"
ONESTOP=${ONESTOP:-.venv/bin/onestop}
PY=${PYTHON:-.venv/bin/python}
SRC=${DRILL_DB:-onestop_drill}
DST=${SRC}_restored
MIN_INTAKES=${DRILL_MIN_INTAKES:-20}
WORK=$(mktemp -d /tmp/onestop-drill.XXXXXX)
SERVER_PID=""
LOAD_PID=""

url() { echo "postgresql+asyncpg://$PGUSER@$PGHOST:$PGPORT/$1"; }
say() { echo "[drill] $*"; }
sql() { psql -X -q -v ON_ERROR_STOP=1 -d "$1" -Atc "$2"; }

cleanup() {
  touch "$WORK/stop"
  if [ -n "$LOAD_PID" ]; then kill "$LOAD_PID" 2>/dev/null || true; wait "$LOAD_PID" 2>/dev/null || true; fi
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ "${DRILL_KEEP:-0}" = 1 ]; then
    say "kept: databases $SRC and $DST, dump $WORK/onestop.dump"
  else
    for db in "$SRC" "$DST"; do sql postgres "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" || true; done
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*"
  if [ -f "$WORK/serve.log" ]; then echo "--- server log (last lines)"; tail -n 20 "$WORK/serve.log"; fi
  exit 1
}

# -- 1. a province installed as in production (README "Production install") --------------------
for db in "$SRC" "$DST"; do sql postgres "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"; done
sql postgres "CREATE DATABASE \"$SRC\""
export ONESTOP_DATABASE_URL
ONESTOP_DATABASE_URL=$(url "$SRC")
ONESTOP_SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')
export ONESTOP_SECRET_KEY ONESTOP_ENVIRONMENT=production ONESTOP_LOG_LEVEL=WARNING
CLERK_PASSWORD=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(18))')
say "onestop migrate, init, import-units, import-procedures, create-user into $SRC"
# The commands of the README, run by one interpreter (each would otherwise start its own).
ONESTOP_ADMIN_PASSWORD=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(18))') \
  "$PY" - "$CLERK_PASSWORD" >"$WORK/setup.log" 2>&1 <<'EOF' || { cat "$WORK/setup.log"; fail "setup"; }
import sys

from onestop.cli import main

for command in (
    ["migrate"],
    ["init", "--unit-code", "000.00.00.H98", "--unit-name", "UBND tỉnh Mẫu", "--admin", "quantri"],
    ["import-units", "docs/examples/units.csv"],
    ["import-procedures", "docs/examples/procedures.csv"],
    ["create-user", "drill.clerk", "--role", "clerk", "--unit", "000.01.20.H98",
     "--full-name", "Cán bộ Một cửa", f"--password={sys.argv[1]}"],  # it may start with "-"
):
    print("$ onestop", " ".join(command[:2]), flush=True)
    if main(command) != 0:
        sys.exit(f"onestop {command[0]} failed")
EOF

# -- 2. serve, and write intakes through the API ------------------------------------------------
PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$ONESTOP" serve --host 127.0.0.1 --port "$PORT" --workers 1 >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
"$PY" - "$PORT" "$SERVER_PID" <<'EOF' || fail "onestop serve is not ready"
import os
import sys
import time

import httpx

port, pid = sys.argv[1:3]
last = "no answer"
for _ in range(300):
    try:
        resp = httpx.get(f"http://127.0.0.1:{port}/readyz")
        if resp.status_code == 200:
            sys.exit(0)
        last = f"{resp.status_code} {resp.text}"
    except httpx.TransportError as exc:
        last = repr(exc)
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        sys.exit("onestop serve exited")
    time.sleep(0.2)
sys.exit(f"not ready after 60 s: {last}")
EOF

cat >"$WORK/load.py" <<'EOF'
"""Counter intakes through the API, four at a time, until the stop file appears."""
import asyncio
import os
import sys

import httpx

base, password, stop, out = sys.argv[1:5]


async def main() -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        token = await client.post(
            "/api/v1/auth/token", data={"username": "drill.clerk", "password": password}
        )
        token.raise_for_status()
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        counts = {"ok": 0, "failed": 0}

        async def counter(n: int) -> None:
            i = 0
            while not os.path.exists(stop):
                i += 1
                body = {
                    "procedure": "2.000908",  # Chứng thực bản sao, at the commune's counter
                    "applicant": {"name": f"Người nộp thử {n}-{i}", "phone": "0912000000"},
                    "documents": [{"code": "TP1"}, {"code": "TP2"}],
                }
                resp = await client.post("/api/v1/dossiers", json=body, headers=headers)
                if resp.status_code == 201:
                    counts["ok"] += 1
                else:
                    counts["failed"] += 1
                    if counts["failed"] <= 3:
                        print(resp.status_code, resp.text[:500], file=sys.stderr)
                with open(out + ".tmp", "w") as f:
                    f.write(f"{counts['ok']} {counts['failed']}\n")
                os.replace(out + ".tmp", out)

        await asyncio.gather(*(counter(n) for n in range(4)))


asyncio.run(main())
EOF
echo "0 0" >"$WORK/intakes"
"$PY" "$WORK/load.py" "http://127.0.0.1:$PORT" "$CLERK_PASSWORD" "$WORK/stop" "$WORK/intakes" \
  2>"$WORK/load.log" &
LOAD_PID=$!
intakes() { cut -d' ' -f1 "$WORK/intakes"; }
wait_for_intakes() {  # until at least $1 intakes succeeded
  for _ in $(seq 1 300); do
    [ "$(intakes)" -ge "$1" ] && return 0
    [ "$(cut -d' ' -f2 "$WORK/intakes")" -eq 0 ] || { cat "$WORK/load.log"; fail "intakes failed"; }
    kill -0 "$LOAD_PID" 2>/dev/null || { cat "$WORK/load.log"; fail "the intake load stopped"; }
    sleep 0.1
  done
  cat "$WORK/load.log"; fail "fewer than $1 intakes in 30 s"
}
wait_for_intakes "$MIN_INTAKES"

# -- 3. the backup, taken while intakes are being written ---------------------------------------
BEFORE=$(sql "$SRC" "SELECT count(*) FROM dossier")
say "pg_dump -Fc of $SRC while intakes are written ($BEFORE dossiers so far)"
pg_dump -Fc -f "$WORK/onestop.dump" "$SRC"
AFTER=$(sql "$SRC" "SELECT count(*) FROM dossier")
wait_for_intakes $(( $(intakes) + 10 ))  # the load goes on after the dump
touch "$WORK/stop"
wait "$LOAD_PID" || { cat "$WORK/load.log"; fail "the intake load failed"; }
LOAD_PID=""
FAILED=$(cut -d' ' -f2 "$WORK/intakes")
[ "$FAILED" -eq 0 ] || { cat "$WORK/load.log"; fail "$FAILED intakes failed during the dump"; }

# -- 4. restore into a fresh database ------------------------------------------------------------
say "restore into $DST"
sql postgres "CREATE DATABASE \"$DST\""
pg_restore --no-owner --exit-on-error -d "$DST" "$WORK/onestop.dump"

# -- 5. checks -------------------------------------------------------------------------------------
# Rows of each table in the dump's data, read from the dump itself (one COPY line per row).
pg_restore -a -f - "$WORK/onestop.dump" \
  | awk '/^COPY /{t=$2; sub(/^public\./, "", t); n[t]+=0; copy=1; next}
         /^\\\.$/{copy=0} copy{n[t]++} END{for (t in n) print t, n[t]}' >"$WORK/in-dump"
TABLES="dossier dossier_event $(sql "$DST" "SELECT string_agg(table_name, ' ' ORDER BY table_name)
  FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'report\_%'")"
counts() {  # "table rows" for every table of $TABLES in database $1
  local query="" table
  for table in $TABLES; do
    query="$query${query:+ UNION ALL }SELECT '$table', count(*) FROM \"$table\""
  done
  psql -X -q -v ON_ERROR_STOP=1 -d "$1" -At -F ' ' -c "$query"
}
counts "$DST" >"$WORK/restored"
counts "$SRC" >"$WORK/live"
STATUS=PASS
printf '%-28s %10s %10s %10s\n' table "in dump" restored "live now"
for table in $TABLES; do
  dumped=$(awk -v t="$table" '$1 == t {print $2}' "$WORK/in-dump")
  restored=$(awk -v t="$table" '$1 == t {print $2}' "$WORK/restored")
  live=$(awk -v t="$table" '$1 == t {print $2}' "$WORK/live")
  mark=""
  if [ "${dumped:-missing}" != "$restored" ]; then mark="  <- differs"; STATUS=FAIL; fi
  printf '%-28s %10s %10s %10s%s\n' "$table" "${dumped:-missing}" "$restored" "$live" "$mark"
done

RESTORED=$(sql "$DST" "SELECT count(*) FROM dossier")
LIVE=$(sql "$SRC" "SELECT count(*) FROM dossier")
say "dossiers: $BEFORE before the dump, $AFTER after it, $RESTORED restored, $LIVE live now"
if [ "$RESTORED" -lt "$BEFORE" ] || [ "$RESTORED" -gt "$AFTER" ]; then
  say "the restore does not hold the dump's snapshot"; STATUS=FAIL
fi
if [ "$LIVE" -le "$RESTORED" ]; then say "no intake was written after the dump"; STATUS=FAIL; fi

ORPHANS=$(sql "$DST" "SELECT count(*) FROM dossier d WHERE NOT EXISTS (SELECT 1 FROM dossier_event e
  WHERE e.dossier_id = d.id AND e.seq = 1 AND e.type IN ('receive', 'submit'))")
say "restored dossiers without their first event: $ORPHANS"
[ "$ORPHANS" -eq 0 ] || STATUS=FAIL

say "onestop rollups verify on $DST"
if ! ONESTOP_DATABASE_URL=$(url "$DST") "$ONESTOP" rollups verify >"$WORK/verify.log" 2>&1; then
  STATUS=FAIL
fi
sed 's/^/  /' "$WORK/verify.log"

if [ "$STATUS" = PASS ]; then
  echo "PASS: the backup taken under load restores whole and consistent ($RESTORED dossiers)"
else
  fail "the restored database differs from the dump or is inconsistent"
fi
