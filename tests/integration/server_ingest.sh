#!/usr/bin/env bash
# server_ingest.sh - POST /api/v1/tables/{ns}/{t}/ingest on a real
# `korolev serve`: a CSV with a reject (streamed with chunked encoding)
# gives the accounting record and the rows (checked through
# POST /api/v1/query); an Idempotency-Key replay writes nothing; JSON lines
# by Content-Type; a body cut short commits nothing and is recorded as
# aborted; GET is 405; a reader, and a writer limited to another namespace,
# cannot ingest (403) and nothing is written by them.
set -euo pipefail
. "$(dirname "$0")/server_lib.bash"
fail() { echo "FAIL: $*" >&2; exit 1; }
K() { "$KOROLEV" --warehouse "$KO_WH" "$@"; }

K namespace create sales >/dev/null
K namespace create other >/dev/null
K sql "create table sales.orders (id bigint not null, name varchar, qty int)" >/dev/null
ko_server_start --no-workers
W=$(ko_token writer)
R=$(ko_token reader)
O=$(ko_token writer other)
ING="$KO_URL/api/v1/tables/sales/orders/ingest"

post() { # TOKEN OUTFILE CURL-ARGS... -> prints the status
  local tok=$1 out=$2; shift 2
  curl -sS -o "$out" -w '%{http_code}' -H "Authorization: Bearer $tok" "$@"
}
count() { # prints count(*) of sales.orders via the API
  curl -sS -H "Authorization: Bearer $R" -H 'Content-Type: application/json' \
    -d '{"sql":"select count(*) as n from sales.orders"}' "$KO_URL/api/v1/query" | jq -r '.rows[0][0]'
}

# 1. CSV with one reject (qty not an integer), chunked upload from a pipe.
printf 'id,name,qty\n1,apple,3\n2,pear,x\n3,plum,5\n4,"fig, dried",7\n' >"$KO_TMP/a.csv"
code=$(cat "$KO_TMP/a.csv" | post "$W" "$KO_TMP/r1.json" -H 'Transfer-Encoding: chunked' \
  -H 'Content-Type: text/csv' -H 'Idempotency-Key: k-1' --data-binary @- "$ING?format=csv&header=true")
[ "$code" = 200 ] || fail "csv ingest: $code $(cat "$KO_TMP/r1.json")"
jq -e '.status == "succeeded" and .received == 4 and .written == 3 and .rejected == 1' \
  "$KO_TMP/r1.json" >/dev/null || fail "csv record: $(cat "$KO_TMP/r1.json")"
jq -e '."rejects-by-reason" | to_entries | length == 1' "$KO_TMP/r1.json" >/dev/null ||
  fail "rejects by reason: $(cat "$KO_TMP/r1.json")"
id1=$(jq -r '."ingest-id"' "$KO_TMP/r1.json")
[ "$(count)" = 3 ] || fail "after csv: $(count) rows, want 3"
curl -sS -H "Authorization: Bearer $R" -H 'Content-Type: application/json' \
  -d '{"sql":"select id, name, qty from sales.orders order by id","format":"csv"}' \
  "$KO_URL/api/v1/query" >"$KO_TMP/rows.csv"
grep -q '^4,"\?fig, dried"\?,7' "$KO_TMP/rows.csv" || fail "rows: $(cat "$KO_TMP/rows.csv")"
grep -q '^2,' "$KO_TMP/rows.csv" && fail "the rejected record was written"
curl -sS -H "Authorization: Bearer $R" -H 'Content-Type: application/json' \
  -d '{"sql":"select reason, line from sales.orders__rejects"}' "$KO_URL/api/v1/query" >"$KO_TMP/rej.json"
jq -e '.row_count == 1 and .rows[0][1] == 3' "$KO_TMP/rej.json" >/dev/null ||
  fail "rejects table: $(cat "$KO_TMP/rej.json")"

# 2. The same key again: the first record, replayed, nothing written.
code=$(post "$W" "$KO_TMP/r2.json" -H 'Content-Type: text/csv' -H 'Idempotency-Key: k-1' \
  --data-binary @"$KO_TMP/a.csv" "$ING?format=csv")
[ "$code" = 200 ] || fail "replay: $code $(cat "$KO_TMP/r2.json")"
jq -e --arg id "$id1" '.replayed == true and ."ingest-id" == $id and .written == 3' "$KO_TMP/r2.json" \
  >/dev/null || fail "replay record: $(cat "$KO_TMP/r2.json")"
[ "$(count)" = 3 ] || fail "after replay: $(count) rows, want 3"

# 3. JSON lines, format from the Content-Type.
printf '{"id":10,"name":"kiwi","qty":1}\n{"id":11,"qty":2}\n' >"$KO_TMP/b.jsonl"
code=$(post "$W" "$KO_TMP/r3.json" -H 'Content-Type: application/x-ndjson' \
  --data-binary @"$KO_TMP/b.jsonl" "$ING")
[ "$code" = 200 ] || fail "jsonl: $code $(cat "$KO_TMP/r3.json")"
jq -e '.written == 2 and .rejected == 0' "$KO_TMP/r3.json" >/dev/null || fail "jsonl record"
[ "$(count)" = 5 ] || fail "after jsonl: $(count) rows, want 5"

# 4. Errors: GET is 405, no format is 400, unknown table 404.
code=$(post "$W" /dev/null "$ING")
[ "$code" = 405 ] || fail "GET ingest: $code"
code=$(post "$W" "$KO_TMP/e.json" -H 'Content-Type: text/plain' --data-binary @"$KO_TMP/a.csv" "$ING")
[ "$code" = 400 ] || fail "no format: $code"
code=$(post "$W" "$KO_TMP/e.json" --data-binary @"$KO_TMP/a.csv" \
  "$KO_URL/api/v1/tables/sales/nope/ingest?format=csv")
[ "$code" = 404 ] || fail "missing table: $code $(cat "$KO_TMP/e.json")"

# 5. Authorization: reader 403, writer of another namespace 403, no token 401.
code=$(post "$R" "$KO_TMP/e.json" --data-binary @"$KO_TMP/a.csv" "$ING?format=csv")
[ "$code" = 403 ] || fail "reader ingest: $code"
code=$(post "$O" "$KO_TMP/e.json" --data-binary @"$KO_TMP/a.csv" "$ING?format=csv")
[ "$code" = 403 ] || fail "other-namespace writer ingest: $code"
code=$(curl -sS -o /dev/null -w '%{http_code}' --data-binary @"$KO_TMP/a.csv" "$ING?format=csv")
[ "$code" = 401 ] || fail "anonymous ingest: $code"
[ "$(count)" = 5 ] || fail "after refused ingests: $(count) rows, want 5"

# 6. A body cut short (Content-Length 1000, 40 bytes, then the connection
# closes): nothing is written, the ingest is recorded as aborted.
port=${KO_URL##*:}
python3 - "$port" "$W" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
body = b"id,name,qty\n20,cut,1\n21,cut,2\n22,cu"
s.sendall(b"POST /api/v1/tables/sales/orders/ingest?format=csv HTTP/1.1\r\nHost: x\r\n"
          b"Authorization: Bearer " + sys.argv[2].encode() + b"\r\n"
          b"Content-Length: 1000\r\n\r\n" + body)
time.sleep(0.3)
s.close()
PY
for _ in $(seq 1 50); do
  curl -sS -H "Authorization: Bearer $R" "$KO_URL/api/v1/tables/sales/orders/ingests" >"$KO_TMP/list.json"
  jq -e '[.ingests[] | select(.status == "aborted")] | length == 1' "$KO_TMP/list.json" >/dev/null && break
  sleep 0.1
done
jq -e '[.ingests[] | select(.status == "aborted")] | length == 1' "$KO_TMP/list.json" >/dev/null ||
  fail "cut body not recorded as aborted: $(cat "$KO_TMP/list.json")"
[ "$(count)" = 5 ] || fail "after a cut body: $(count) rows, want 5"
jq -e '[.ingests[] | select(.status == "succeeded")] | length == 2' "$KO_TMP/list.json" >/dev/null ||
  fail "ingest list: $(cat "$KO_TMP/list.json")"

ko_server_stop
echo "server_ingest: ok"
