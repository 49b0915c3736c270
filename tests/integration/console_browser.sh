#!/usr/bin/env bash
# console_browser.sh - the web console in a real browser (Debian's chromium,
# headless, driven by playwright-core: tests/browser/console.test.mjs).
#
# With `korolev serve` built: starts it on a free 127.0.0.1 port over a
# temporary warehouse holding demo.events (partitioned by day, three CSV
# ingests, one with a reject, so it has snapshots to travel to and a
# rejects table) and demo.alltypes (from parquet-testing), makes an admin
# token, runs enough queries for two pages of audit records, and runs
# the browser test against it with --console-dir console/.
# Without `korolev serve`: runs the same test against
# tests/browser/mock_server.mjs and then SKIPs (77), since the real server
# was not exercised.  Screenshots of every page go to
# $(dirname $KOROLEV)/test-artifacts/console; the test fails on any
# unexpected browser console error.  SKIP (77) also when chromium or
# playwright-core are missing (scripts/setup installs both).
set -euo pipefail

: "${KOROLEV:?KOROLEV must name the korolev binary}"
SRC=${KO_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TEST="$SRC/tests/browser/console.test.mjs"
export KO_ARTIFACTS=${KO_ARTIFACTS:-"$(cd "$(dirname "$KOROLEV")" && pwd)/test-artifacts/console"}
export KO_CHROMIUM=${KO_CHROMIUM:-$(command -v chromium || true)}

if [ -z "$KO_CHROMIUM" ] || ! command -v node >/dev/null; then
  echo "SKIP: chromium or node is not installed (scripts/setup installs them)"
  exit 77
fi
if [ ! -f "$SRC/tests/node_modules/playwright-core/package.json" ]; then
  echo "SKIP: tests/node_modules/playwright-core is missing (run scripts/setup)"
  exit 77
fi
mkdir -p "$KO_ARTIFACTS"
rm -f "$KO_ARTIFACTS"/*.png

serve_usage=$("$KOROLEV" serve --help 2>&1 || true)
if [[ "$serve_usage" != *"usage: korolev serve"* ]]; then
  echo "korolev serve is not built: running the console test against the mock server"
  node "$TEST" --mock
  echo "SKIP: the console passed against the mock, but the real server was not tested"
  exit 77
fi

TMP=$(mktemp -d)
WH="$TMP/wh"
PID=""
cleanup() {
  local rc=$?
  if [ -n "$PID" ]; then
    kill -TERM "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
  fi
  if [ "$rc" != 0 ] && [ -f "$TMP/server.log" ]; then
    echo "--- server log (last 30 lines) ---" >&2
    tail -30 "$TMP/server.log" >&2
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
ko() { "$KOROLEV" --warehouse "$WH" "$@"; }

# demo.events: three ingests over three days (8, 50 and 40 lines; the
# second has one line that is not a number and goes to the rejects table).
cat >"$TMP/schema.json" <<'EOF'
{"type":"struct","schema-id":0,"fields":[
 {"id":1,"name":"id","type":"long","required":true},
 {"id":2,"name":"ts","type":"timestamp","required":false},
 {"id":3,"name":"city","type":"string","required":false},
 {"id":4,"name":"amount","type":"double","required":false}]}
EOF
ko namespace create demo >/dev/null
ko table create demo.events --schema "$TMP/schema.json" --partition-by 'day(ts)' \
  --property owner=console-test >/dev/null
batch() { # FIRST_ID COUNT DAY [BAD_ID]
  awk -v first="$1" -v n="$2" -v day="$3" -v bad="${4:-0}" 'BEGIN {
    split("Paris Oslo Lima Rome Kyiv Quito Accra", c, " ");
    print "id,ts,city,amount";
    for (i = 0; i < n; i++) {
      id = first + i;
      printf "%d,%s %02d:%02d:00,%s,%s\n", id, day, int(i / 60) % 24, i % 60, c[id % 7 + 1],
             (id == bad ? "n/a" : sprintf("%.2f", (id * 37) % 1000 / 10));
    }
  }'
}
batch 1 8 2024-05-01 >"$TMP/b1.csv"
batch 9 50 2024-05-02 30 >"$TMP/b2.csv"
batch 59 40 2024-05-03 >"$TMP/b3.csv"
for b in b1 b2 b3; do ko ingest demo.events "$TMP/$b.csv" >/dev/null; done
P="${KO_TESTDATA:-$SRC/../shared/testdata}/parquet-testing/data/alltypes_plain.parquet"
if [ -f "$P" ]; then
  ko table create demo.alltypes --like "$P" >/dev/null
  ko table append demo.alltypes "$P" >/dev/null
fi
KO_TOKEN=$(ko token create --principal console-test --role admin 2>/dev/null)
export KO_TOKEN

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
export KO_URL="http://127.0.0.1:$PORT"
"$KOROLEV" --warehouse "$WH" serve --listen "127.0.0.1:$PORT" --console-dir "$SRC/console" \
  >>"$TMP/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do
  curl -fsS "$KO_URL/readyz" >/dev/null 2>&1 && break
  kill -0 "$PID" 2>/dev/null || { echo "server died at start" >&2; exit 1; }
  sleep 0.1
done
curl -fsS "$KO_URL/readyz" >/dev/null || { echo "server not ready after 10 s" >&2; exit 1; }
curl -fsS "$KO_URL/" | grep -q '<title>Korolev console</title>' || { echo "the server does not serve console/index.html" >&2; exit 1; }

# Two pages of audit records (the audit page shows 50 a page).
for i in $(seq 1 55); do
  curl -fsS -o /dev/null -H "Authorization: Bearer $KO_TOKEN" -d "{\"sql\":\"select $i as n\"}" "$KO_URL/api/v1/query"
done

echo "running the console test against the real korolev serve at $KO_URL"
node "$TEST"
ls "$KO_ARTIFACTS"

# The server must stop cleanly on SIGTERM (and, in sanitizer builds, with
# no reports) after serving the console.
kill -TERM "$PID"
rc=0
wait "$PID" || rc=$?
PID=""
if [ "$rc" != 0 ]; then
  echo "korolev serve exited with status $rc after the console test; log:" >&2
  tail -40 "$TMP/server.log" >&2
  exit 1
fi
