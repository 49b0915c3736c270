#!/usr/bin/env bash
# `make demo` (scripts/demo) in its fast mode: a small dataset (DEMO_ROWS),
# a free port, the server in the background (DEMO_NO_FOREGROUND=1).  Then
# over HTTP with the token the script printed:
#   - /readyz answers and / serves the console
#   - POST /api/v1/query: demo.events holds exactly the generated events
#     (DAYS x ROWS/DAYS) in DAYS day partitions, demo.users and demo.orders
#     their rows, the rejects tables the 4 invalid records of each input
#   - both example pipelines have succeeded runs for every day (GET
#     /api/v1/runs and `korolev pipeline runs`), and demo.daily_report's
#     totals equal the events of each day
#   - a second run reuses the warehouse (stops the first server, starts a
#     new one on the same data); the server stops on SIGTERM
set -euo pipefail
: "${KOROLEV:?path of the korolev binary}"
SRC="${KO_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
if ! command -v node >/dev/null || [ ! -d "$SRC/tests/node_modules/@duckdb/node-api" ]; then
  echo "SKIP: node or DuckDB (tests/node_modules) missing: run scripts/setup"
  exit 77
fi
command -v curl >/dev/null || { echo "SKIP: curl missing"; exit 77; }
TMP=$(mktemp -d)
WH="$TMP/wh"
cleanup() {
  local rc=$? pid
  pid=$(cat "$WH/serve.pid" 2>/dev/null || true)
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; fi
  if [ "$rc" != 0 ]; then
    echo "--- demo output ---" >&2; cat "$TMP"/out*.txt >&2 2>/dev/null || true
    echo "--- server log ---" >&2; tail -20 "$WH/serve.log" >&2 2>/dev/null || true
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

DAYS=3 PER_DAY=2000
ROWS=$((DAYS * PER_DAY))
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
URL="http://127.0.0.1:$PORT"
demo() { # OUTPUT_FILE
  DEMO_ROWS=$ROWS DEMO_DAYS=$DAYS DEMO_PORT=$PORT DEMO_WAREHOUSE="$WH" DEMO_NO_FOREGROUND=1 \
    "$SRC/scripts/demo" >"$1" 2>&1 || fail "scripts/demo exited with $?"
}
demo "$TMP/out1.txt"
grep -q "console   $URL" "$TMP/out1.txt" || fail "the console URL is not printed"
TOKEN=$(sed -nE 's/^  token +(kor_[0-9a-f_]+)$/\1/p' "$TMP/out1.txt")
[ -n "$TOKEN" ] || fail "no token printed"
PID1=$(cat "$WH/serve.pid")

curl -fsS "$URL/readyz" >/dev/null || fail "/readyz"
curl -fsS "$URL/" | grep -q '<title>Korolev console</title>' || fail "the console is not served"

# q SQL: the rows of a query as lines "a|b|c" (no JSON tool needed: the
# values here are numbers and dates)
q() {
  local body
  body=$(printf '{"sql":"%s"}' "$1")
  curl -fsS -H "Authorization: Bearer $TOKEN" -d "$body" "$URL/api/v1/query" |
    sed -nE 's/.*"rows":\[(.*)\],"row_count".*/\1/p' | sed 's/\],\[/\n/g; s/[][]//g; s/"//g; s/,/|/g'
}
[ "$(q 'select count(*) from demo.events')" = "$ROWS" ] || fail "demo.events: $(q 'select count(*) from demo.events') rows, want $ROWS"
[ "$(q 'select count(distinct cast(ts as date)) from demo.events')" = "$DAYS" ] || fail "events are not over $DAYS days"
USERS=$((PER_DAY / 20)) ORDERS=$((PER_DAY / 10 * DAYS)) # as scripts/demo-gen.mjs computes them
[ "$(q 'select count(*) from demo.users')" = "$USERS" ] || fail "demo.users: want $USERS rows"
[ "$(q 'select count(*) from demo.orders')" = "$ORDERS" ] || fail "demo.orders: want $ORDERS rows"
[ "$(q 'select count(*) from demo.users__rejects')" = 4 ] || fail "demo.users__rejects: want 4 rows"
[ "$(q 'select count(*) from demo.orders__rejects')" = 4 ] || fail "demo.orders__rejects: want 4 rows"
parts=$("$KOROLEV" --warehouse "$WH" table files demo.events | grep -c 'ts_day=' || true)
[ "$parts" -ge "$DAYS" ] || fail "demo.events has $parts partitioned files, want >= $DAYS"

# The pipelines: a succeeded run per day for each, and the report adds up.
for p in hourly_events daily_report; do
  n=$(curl -fsS -H "Authorization: Bearer $TOKEN" "$URL/api/v1/runs?pipeline=$p&state=succeeded&limit=100" |
    grep -o '"state": *"succeeded"' | wc -l)
  [ "$n" -ge "$DAYS" ] || fail "$p: $n succeeded runs in /api/v1/runs, want >= $DAYS"
done
failed=$("$KOROLEV" --warehouse "$WH" pipeline runs --json | grep -c '"state": "failed"' || true)
[ "$failed" = 0 ] || fail "$failed failed pipeline runs"
[ "$(q 'select count(*) from demo.daily_report')" -ge "$DAYS" ] || fail "demo.daily_report has fewer than $DAYS rows"
want=$(q 'select cast(ts as date) d, count(*) from demo.events group by d order by d')
got=$(q 'select day, sum(events) from demo.daily_report group by day order by day')
[ -n "$want" ] || fail "no events per day"
[ "$want" = "$got" ] || fail "daily_report totals differ from events per day:
want
$want
got
$got"

# Again: the warehouse is reused, the first server stopped, a new one serves it.
demo "$TMP/out2.txt"
grep -q "reusing" "$TMP/out2.txt" || fail "the second run did not reuse the warehouse"
PID2=$(cat "$WH/serve.pid")
[ "$PID1" != "$PID2" ] || fail "the second run did not start a new server"
! kill -0 "$PID1" 2>/dev/null || fail "the first server still runs"
TOKEN=$(sed -nE 's/^  token +(kor_[0-9a-f_]+)$/\1/p' "$TMP/out2.txt")
[ "$(q 'select count(*) from demo.events')" = "$ROWS" ] || fail "after the second run: demo.events"

kill -TERM "$PID2"
for _ in $(seq 1 100); do kill -0 "$PID2" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$PID2" 2>/dev/null || fail "the server did not stop on SIGTERM"
rm -f "$WH/serve.pid"
echo "PASS: demo with $ROWS events over $DAYS days, both pipelines, console at $URL"
