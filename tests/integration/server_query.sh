#!/usr/bin/env bash
# server_query.sh - POST /api/v1/query streaming and its audit, and
# Idempotency-Key records that survive a restart:
#   - json, jsonl, csv and parquet (read back by hyparquet), chosen by the
#     body's "format", ?format= or the Accept header;
#   - a result far over the old 64 MiB cap streams out (chunked) while the
#     server's peak RSS (VmHWM, reset through clear_refs) stays small;
#   - errors before the first byte are real statuses (404, 400); an error
#     after streaming began ends the body with the format's in-band error
#     and the trailer X-Korolev-Status: error;
#   - a client that goes away mid-stream cancels the query; the server
#     keeps serving;
#   - every query has one audit record with principal, statement, the
#     tables and snapshot ids read, rows and bytes, and the count of
#     records equals the count of queries;
#   - an Idempotency-Key mutation replays its first response after a
#     restart, and no longer after its lifetime.
# With KO_TEST_PG_DSN (tests/with-postgres) the catalog is PostgreSQL.
set -euo pipefail
. "$(dirname "$0")/server_lib.bash"
if [ -n "${KO_TEST_PG_DSN:-}" ]; then export KO_CATALOG="$KO_TEST_PG_DSN"; fi

fail() { echo "FAIL: $*" >&2; exit 1; }
printf 'idempotency-seconds = 4\n' >"$KO_TMP/serve.conf"
ko_server_start --config "$KO_TMP/serve.conf"
TOKEN=$(ko_token admin)
H="Authorization: Bearer $TOKEN"
q() { # q BODY [curl args...]: POST /api/v1/query
  local body=$1; shift
  curl -s -H "$H" -H 'Content-Type: application/json' -d "$body" "$@" "$KO_URL/api/v1/query"
}
hdr() { tr -d '\r' <"$1" | awk -F': ' -v h="$2" 'tolower($1)==h{print $2}' | tail -1; }

q '{"sql":"create schema s"}' >/dev/null
q '{"sql":"create table s.t as select range as id, '"'"'name '"'"' || range as name from range(0, 1000)"}' >"$KO_TMP/ctas.json"
grep -q '"row_count":1' "$KO_TMP/ctas.json" || fail "ctas: $(cat "$KO_TMP/ctas.json")"
snap=$(curl -s -H "$H" "$KO_URL/v1/namespaces/s/tables/t" | jq -r '.metadata["current-snapshot-id"]')
[ -n "$snap" ] && [ "$snap" != null ] || fail "no snapshot after ctas"

# --- formats --------------------------------------------------------------
j=$(q '{"sql":"select id, name from s.t where id < 3 order by id"}')
[ "$(echo "$j" | jq -c '[.columns[].name, .columns[].type, .row_count, .rows[2][1]]')" = '["id","name","BIGINT","VARCHAR",3,"name 2"]' ] ||
  fail "json: $j"
[ "$(q '{"sql":"select id from s.t order by id limit 4","format":"jsonl"}' | jq -s -c 'map(.id)')" = '[0,1,2,3]' ] || fail "jsonl"
[ "$(q '{"sql":"select id from s.t order by id limit 4"}' -H 'Accept: application/x-ndjson' | jq -s -c 'map(.id)')" = '[0,1,2,3]' ] ||
  fail "Accept: application/x-ndjson"
c=$(q '{"sql":"select id, name from s.t order by id limit 2"}' -H 'Accept: text/csv' -D "$KO_TMP/h")
[ "$c" = $'id,name\n0,name 0\n1,name 1' ] || fail "csv by Accept: $c"
hdr "$KO_TMP/h" content-type | grep -q '^text/csv' || fail "csv content type"
c=$(curl -s -H "$H" -d '{"sql":"select 7 as x"}' "$KO_URL/api/v1/query?format=csv")
[ "$c" = $'x\n7' ] || fail "?format=csv: $c"
q '{"sql":"select id, name from s.t where id % 7 = 0","format":"parquet"}' -D "$KO_TMP/h" -o "$KO_TMP/r.parquet"
[ "$(hdr "$KO_TMP/h" content-type)" = application/vnd.apache.parquet ] || fail "parquet content type"
n=$(cd "$KO_SOURCE_DIR/tests" && node --input-type=module -e "
  import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet/src/node.js';
  import { compressors } from 'hyparquet-compressors';
  const file = await asyncBufferFromFile('$KO_TMP/r.parquet');
  const rows = await parquetReadObjects({ file, compressors, utf8: true });
  console.log(rows.length + ' ' + rows.reduce((s, r) => s + Number(r.id), 0));")
[ "$n" = "143 71071" ] || fail "parquet read back by hyparquet: $n"
[ "$(q '{"sql":"select 1","format":"xml"}' -o /dev/null -w '%{http_code}')" = 400 ] || fail "bad format"

# --- errors before the first byte are statuses -----------------------------
[ "$(q '{"sql":"select * from s.nope"}' -o /dev/null -w '%{http_code}')" = 404 ] || fail "unknown table"
[ "$(q '{"sql":"selec 1"}' -o /dev/null -w '%{http_code}')" = 400 ] || fail "parse error"
[ "$(q '{"sql":"select 1/0","format":"jsonl"}' -o /dev/null -w '%{http_code}')" = 400 ] || fail "early division by zero"

# --- a large result streams with bounded memory ----------------------------
pid=$KO_SERVER_PID
echo 5 >"/proc/$pid/clear_refs" # resets VmHWM to the current RSS
rows=3000000
# 1000 x 1000 x 3 rows from a join (range() would build its rows in memory).
q "{\"sql\":\"select a.id * 1000 + b.id as id, 'some padding text for ' || b.name as s from s.t a, s.t b, (select 1 from s.t limit 3) c\",\"format\":\"jsonl\"}" \
  -D "$KO_TMP/h" -o "$KO_TMP/big.jsonl"
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
bytes=$(stat -c %s "$KO_TMP/big.jsonl")
[ "$(wc -l <"$KO_TMP/big.jsonl")" = "$rows" ] || fail "big result has $(wc -l <"$KO_TMP/big.jsonl") lines"
[ "$bytes" -gt $((100 * 1024 * 1024)) ] || fail "big result is only $bytes bytes"
ids=$(sed 's/^{"id":\([0-9]*\),.*/\1/' "$KO_TMP/big.jsonl" | sort -n -u | awk 'NR==1{lo=$1} {hi=$1; n++} END{print lo, hi, n}')
[ "$ids" = "0 999999 1000000" ] || fail "big result ids: $ids"
grep -c '"s":"some padding text for name 999"}' "$KO_TMP/big.jsonl" | grep -qx 3000 || fail "big result text"
hdr "$KO_TMP/h" transfer-encoding | grep -q chunked || fail "big result not chunked"
[ "$(hdr "$KO_TMP/h" x-korolev-status)" = ok ] || fail "no ok trailer: $(cat "$KO_TMP/h")"
echo "streamed $bytes bytes; server peak RSS ${hwm} kB"
[ "$hwm" -lt $((96 * 1024)) ] || fail "server peak RSS $hwm kB while streaming $bytes bytes"

# --- errors after streaming began -----------------------------------------
late='select range as id, 10 / (range - 200000) as x from range(0, 300000)'
q "{\"sql\":\"$late\",\"format\":\"jsonl\"}" -D "$KO_TMP/h" -o "$KO_TMP/late.jsonl"
[ "$(hdr "$KO_TMP/h" x-korolev-status)" = error ] || fail "jsonl: no error trailer"
hdr "$KO_TMP/h" x-korolev-error | grep -qi 'division by zero' || fail "jsonl: error trailer text"
tail -1 "$KO_TMP/late.jsonl" | jq -e '.__error__.message | test("(?i)division by zero")' >/dev/null || fail "jsonl: last line $(tail -1 "$KO_TMP/late.jsonl")"
[ "$(head -n -1 "$KO_TMP/late.jsonl" | jq -e -s 'all(.[]; has("id"))')" = true ] || fail "jsonl rows before the error"
q "{\"sql\":\"$late\"}" -o "$KO_TMP/late.json"
jq -e '.error.code == 400 and .row_count == (.rows | length) and .row_count > 1000' "$KO_TMP/late.json" >/dev/null ||
  fail "json: $(tail -c 300 "$KO_TMP/late.json")"
q "{\"sql\":\"$late\",\"format\":\"csv\"}" -o "$KO_TMP/late.csv"
tail -1 "$KO_TMP/late.csv" | grep -qi '^#error .*division by zero' || fail "csv: last line $(tail -1 "$KO_TMP/late.csv")"

# --- a client that leaves mid-stream ---------------------------------------
timeout 2 curl -s --limit-rate 200k -H "$H" -d '{"sql":"select range, repeat('"'"'x'"'"', 100) from range(0, 5000000)","format":"csv"}' \
  "$KO_URL/api/v1/query" >/dev/null || true
sleep 1
[ "$(q '{"sql":"select 42 as x","format":"csv"}')" = $'x\n42' ] || fail "server after a client left"

# --- audit: one record per query, with what it read ------------------------
a=$(curl -s -H "$H" "$KO_URL/api/v1/audit?action=query&page_size=1000")
rec=$(echo "$a" | jq -c '[.records[] | select(.summary.statement == "select id, name from s.t where id < 3 order by id")][0]')
echo "$rec" | jq -e --arg snap "$snap" '.principal == "admin" and .summary.rows == 3 and .summary.bytes > 50
  and .summary.outcome == "ok" and .summary.format == "json"
  and (.summary.reads == [{"table":"s.t","snapshot-id":($snap | tonumber)}])' >/dev/null || fail "query audit record: $rec"
big=$(echo "$a" | jq -c "[.records[] | select(.summary.rows == $rows)][0].summary")
[ "$(echo "$big" | jq .bytes)" = "$bytes" ] || fail "big query audit: $big (sent $bytes)"
echo "$a" | jq -e '[.records[] | select(.summary.outcome | test("client closed"))] | length == 1' >/dev/null ||
  fail "no record of the query whose client left"
echo "$a" | jq -e '[.records[] | select(.summary.outcome | test("(?i)division by zero"))] | length == 4' >/dev/null ||
  fail "failed queries are not audited"
queries=$(curl -s -H "$H" "$KO_URL/metrics" | awk '/^korolev_queries_total/ {print $2}')
[ "$(echo "$a" | jq '.records | length')" = "$queries" ] || fail "$queries queries, $(echo "$a" | jq '.records | length') audit records"
# Concurrent small queries: every one is answered and audited (group commit).
before=$(curl -s -H "$H" "$KO_URL/api/v1/audit?action=query&page_size=5000" | jq '.records | length')
pids=()
for i in $(seq 1 40); do q "{\"sql\":\"select count(*) + $i as n from s.t\"}" -o "$KO_TMP/c$i.json" & pids+=($!); done
wait "${pids[@]}"
for i in $(seq 1 40); do jq -e ".rows[0][0] == $((1000 + i))" "$KO_TMP/c$i.json" >/dev/null || fail "concurrent query $i"; done
after=$(curl -s -H "$H" "$KO_URL/api/v1/audit?action=query&page_size=5000" | jq '.records | length')
[ $((after - before)) = 40 ] || fail "40 concurrent queries gave $((after - before)) audit records"
"$KOROLEV" --warehouse "$KO_WH" audit verify >/dev/null || fail "audit chain"

# --- Idempotency-Key survives a restart ------------------------------------
K="Idempotency-Key: 5b0f3f8e-restart"
first=$(curl -s -H "$H" -H "$K" -d '{"namespace":["idem"]}' "$KO_URL/v1/namespaces")
echo "$first" | jq -e '.namespace == ["idem"]' >/dev/null || fail "create: $first"
ko_server_stop
ko_server_start --config "$KO_TMP/serve.conf"
again=$(curl -s -D "$KO_TMP/h" -H "$H" -H "$K" -d '{"namespace":["idem"]}' "$KO_URL/v1/namespaces")
[ "$again" = "$first" ] || fail "replay after restart: $again vs $first"
[ "$(hdr "$KO_TMP/h" idempotent-replay)" = true ] || fail "no replay marker after restart"
sleep 4.5 # the key's lifetime (idempotency-seconds = 4)
late=$(curl -s -D "$KO_TMP/h" -H "$H" -H "$K" -d '{"namespace":["idem"]}' "$KO_URL/v1/namespaces")
grep -q AlreadyExistsException <<<"$late" || fail "an expired key still replays: $late"
ko_server_stop
echo "server_query: ok"
