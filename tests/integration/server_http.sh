#!/usr/bin/env bash
# server_http.sh - HTTP behaviour and the rest of the REST surface with
# curl: request ids, gzip, keep-alive, ETag/304, Idempotency-Key replay,
# staged create + assert-create commit, multi-table transactions (atomic:
# one failed requirement changes nothing), register, the Korolev API
# (table details, audit filters), /metrics, 404/405, and TLS.
set -euo pipefail
. "$(dirname "$0")/server_lib.bash"

fail() { echo "FAIL: $*" >&2; exit 1; }
ko_server_start
TOKEN=$(ko_token admin)
H="Authorization: Bearer $TOKEN"
J="Content-Type: application/json"
post() { curl -s -H "$H" -H "$J" -X POST -d "$2" "$KO_URL$1"; }
code() { curl -s -o /dev/null -w '%{http_code}' -H "$H" "$@"; }
SCHEMA='{"type":"struct","fields":[{"id":1,"name":"id","type":"long","required":true},{"id":2,"name":"s","type":"string","required":false}]}'

# Request ids: a header on every response, and in the log line.
rid=$(curl -s -D - -o /dev/null "$KO_URL/healthz" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-request-id"{print $2}')
[ -n "$rid" ] || fail "no X-Request-Id"
sleep 0.2
grep -q "\[$rid\]" "$KO_LOG" || fail "request id $rid not in the log"

# Keep-alive: two requests, one connection.
n=$(curl -s -v -H "$H" "$KO_URL/healthz" "$KO_URL/healthz" 2>&1 | grep -c 'Re-using existing connection' || true)
[ "$n" -ge 1 ] || fail "connection not reused"

post /v1/namespaces '{"namespace":["h"]}' >/dev/null
for i in $(seq 1 100); do post /v1/namespaces "{\"namespace\":[\"h\",\"n$i\"]}" >/dev/null; done
# gzip when asked: the body is compressed and decodes to the same JSON.
plain=$(curl -s -H "$H" "$KO_URL/v1/namespaces?parent=h")
enc=$(curl -s -D - -o "$KO_TMP/gz" -H "$H" -H 'Accept-Encoding: gzip' "$KO_URL/v1/namespaces?parent=h" | tr -d '\r' | awk -F': ' 'tolower($1)=="content-encoding"{print $2}')
[ "$enc" = gzip ] || fail "no gzip (got '$enc')"
[ "$(gzip -dc "$KO_TMP/gz")" = "$plain" ] || fail "gzip body differs"

# Tables, ETag and 304.
post /v1/namespaces/h/tables "{\"name\":\"t\",\"schema\":$SCHEMA}" > "$KO_TMP/t.json"
grep -q '"metadata-location"' "$KO_TMP/t.json" || fail "create table: $(cat "$KO_TMP/t.json")"
etag=$(curl -s -D - -o /dev/null -H "$H" "$KO_URL/v1/namespaces/h/tables/t" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
[ -n "$etag" ] || fail "no ETag"
[ "$(code -H "If-None-Match: $etag" "$KO_URL/v1/namespaces/h/tables/t")" = 304 ] || fail "no 304"
[ "$(code -H "If-None-Match: \"other\"" "$KO_URL/v1/namespaces/h/tables/t")" = 200 ] || fail "304 on a stale tag"

# Idempotency-Key: the second POST replays the first answer, no second effect.
K="Idempotency-Key: 017f22e2-79b0-7cc3-98c4-dc0c0c07398f"
a=$(curl -s -H "$H" -H "$K" -d '{"namespace":["h","idem"]}' "$KO_URL/v1/namespaces")
b=$(curl -s -D "$KO_TMP/hdr" -H "$H" -H "$K" -d '{"namespace":["h","idem"]}' "$KO_URL/v1/namespaces")
[ "$a" = "$b" ] || fail "idempotent replay differs: $a vs $b"
grep -qi 'Idempotent-Replay: true' "$KO_TMP/hdr" || fail "no replay marker"
c=$(curl -s -H "$H" -d '{"namespace":["h","idem"]}' "$KO_URL/v1/namespaces")
grep -q AlreadyExistsException <<<"$c" || fail "without the key the create runs again: $c"

# Staged create, then a commit with assert-create makes the table.
post /v1/namespaces/h/tables "{\"name\":\"staged\",\"schema\":$SCHEMA,\"stage-create\":true}" > "$KO_TMP/s.json"
[ "$(code "$KO_URL/v1/namespaces/h/tables/staged")" = 404 ] || fail "staged table exists before its commit"
out=$(post /v1/namespaces/h/tables/staged "{\"requirements\":[{\"type\":\"assert-create\"}],\"updates\":[{\"action\":\"assign-uuid\",\"uuid\":\"9c12d441-03fe-4693-9a96-a0705ddf69c1\"},{\"action\":\"upgrade-format-version\",\"format-version\":2},{\"action\":\"add-schema\",\"schema\":$SCHEMA},{\"action\":\"set-current-schema\",\"schema-id\":-1},{\"action\":\"add-spec\",\"spec\":{\"spec-id\":0,\"fields\":[]}},{\"action\":\"set-default-spec\",\"spec-id\":-1},{\"action\":\"add-sort-order\",\"sort-order\":{\"order-id\":0,\"fields\":[]}},{\"action\":\"set-default-sort-order\",\"sort-order-id\":-1},{\"action\":\"set-properties\",\"updates\":{\"staged\":\"yes\"}}]}")
grep -q '9c12d441-03fe-4693-9a96-a0705ddf69c1' <<<"$out" || fail "assert-create commit: $out"
again=$(post /v1/namespaces/h/tables/staged '{"requirements":[{"type":"assert-create"}],"updates":[]}')
grep -q CommitFailedException <<<"$again" || fail "second assert-create: $again"

# Every requirement type is checked (each stale value -> 409).
for req in '{"type":"assert-table-uuid","uuid":"00000000-0000-4000-8000-000000000000"}' \
           '{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":1}' \
           '{"type":"assert-last-assigned-field-id","last-assigned-field-id":99}' \
           '{"type":"assert-current-schema-id","current-schema-id":7}' \
           '{"type":"assert-last-assigned-partition-id","last-assigned-partition-id":5}' \
           '{"type":"assert-default-spec-id","default-spec-id":3}' \
           '{"type":"assert-default-sort-order-id","default-sort-order-id":4}'; do
  r=$(post /v1/namespaces/h/tables/t "{\"requirements\":[$req],\"updates\":[]}")
  grep -q '"code":409' <<<"$r" || fail "requirement $req: $r"
done
r=$(post /v1/namespaces/h/tables/t '{"requirements":[{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":null},{"type":"assert-last-assigned-field-id","last-assigned-field-id":2},{"type":"assert-last-assigned-partition-id","last-assigned-partition-id":999},{"type":"assert-default-spec-id","default-spec-id":0},{"type":"assert-default-sort-order-id","default-sort-order-id":0}],"updates":[{"action":"add-spec","spec":{"fields":[{"source-id":1,"name":"b","transform":"bucket[8]"}]}},{"action":"set-default-spec","spec-id":-1},{"action":"add-sort-order","sort-order":{"order-id":1,"fields":[{"source-id":1,"transform":"identity","direction":"asc","null-order":"nulls-first"}]}},{"action":"set-default-sort-order","sort-order-id":-1},{"action":"remove-properties","removals":["write.parquet.compression-codec"]}]}')
grep -q '"default-spec-id":1' <<<"$r" || fail "spec/order commit: $r"
grep -q '"default-sort-order-id":1' <<<"$r" || fail "sort order commit: $r"
bad=$(post /v1/namespaces/h/tables/t '{"requirements":[],"updates":[{"action":"set-current-schema","schema-id":42}]}')
grep -q '"code":400' <<<"$bad" || fail "bad update: $bad"
unk=$(post /v1/namespaces/h/tables/t '{"requirements":[],"updates":[{"action":"add-view-version"}]}')
grep -Eq '"code":(400|406)' <<<"$unk" || fail "unknown update: $unk"

# Multi-table transactions: all or nothing.
post /v1/namespaces/h/tables "{\"name\":\"u\",\"schema\":$SCHEMA}" >/dev/null
tx='{"table-changes":[{"identifier":{"namespace":["h"],"name":"t"},"requirements":[],"updates":[{"action":"set-properties","updates":{"tx":"1"}}]},{"identifier":{"namespace":["h"],"name":"u"},"requirements":[{"type":"assert-current-schema-id","current-schema-id":5}],"updates":[{"action":"set-properties","updates":{"tx":"1"}}]}]}'
r=$(post /v1/transactions/commit "$tx")
grep -q '"code":409' <<<"$r" || fail "transaction with a failed requirement: $r"
curl -s -H "$H" "$KO_URL/v1/namespaces/h/tables/t" | grep -q '"tx"' && fail "half a transaction landed"
[ "$(code -X POST -H "$J" -d "${tx/\"current-schema-id\":5/\"current-schema-id\":0}" "$KO_URL/v1/transactions/commit")" = 204 ] || fail "transaction"
curl -s -H "$H" "$KO_URL/v1/namespaces/h/tables/t" | grep -q '"tx":"1"' || fail "transaction did not land on t"
curl -s -H "$H" "$KO_URL/v1/namespaces/h/tables/u" | grep -q '"tx":"1"' || fail "transaction did not land on u"

# Register an existing metadata file under a new name.
loc=$(curl -s -H "$H" "$KO_URL/v1/namespaces/h/tables/u" | python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata-location"])')
r=$(post /v1/namespaces/h/register "{\"name\":\"u_copy\",\"metadata-location\":\"$loc\"}")
grep -q '"tx":"1"' <<<"$r" || fail "register: $r"

# The Korolev API: table details and the audit trail.
d=$(curl -s -H "$H" "$KO_URL/api/v1/tables/h/t")
for k in '"describe"' '"stats"' '"history"' '"files"' '"refs"' '"records":0'; do
  grep -q "$k" <<<"$d" || fail "table details lack $k: $d"
done
a=$(curl -s -H "$H" "$KO_URL/api/v1/audit?object=h.t&action=table.commit&page_size=1")
[ "$(echo "$a" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["records"]))')" = 1 ] || fail "audit page: $a"
grep -q '"next-page-token":"' <<<"$a" || fail "audit has no next page: $a"
a=$(curl -s -H "$H" "$KO_URL/api/v1/audit?principal=nobody")
grep -q '"records":\[\]' <<<"$a" || fail "audit principal filter: $a"
a=$(curl -s -H "$H" "$KO_URL/api/v1/audit?since=2999-01-01T00:00:00Z")
grep -q '"records":\[\]' <<<"$a" || fail "audit time filter: $a"

# 404 and 405.
[ "$(code "$KO_URL/v1/nothing/here/at/all")" = 404 ] || fail "404"
[ "$(code -X PUT "$KO_URL/v1/namespaces")" = 405 ] || fail "405"

# Metrics: counters by route and status, histograms, commits.
m=$(curl -s -H "$H" "$KO_URL/metrics")
grep -q 'korolev_http_requests_total{method="GET",route="/v1/namespaces/{namespace}/tables/{table}",status="304"} 1' <<<"$m" || fail "metrics lack the 304 count"
grep -q 'korolev_http_request_duration_seconds_bucket{method="POST",route="/v1/transactions/commit",status="204",le="+Inf"} 1' <<<"$m" || fail "metrics lack the histogram"
grep -Eq '^korolev_commits_total [1-9]' <<<"$m" || fail "metrics lack commits"
grep -Eq '^korolev_commit_conflicts_total [1-9]' <<<"$m" || fail "metrics lack conflicts"
ko_server_stop

# TLS, when this libmicrohttpd has it.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$KO_TMP/key.pem" -out "$KO_TMP/cert.pem" \
  -days 1 -subj /CN=127.0.0.1 >/dev/null 2>&1
ko_server_start --tls-cert "$KO_TMP/cert.pem" --tls-key "$KO_TMP/key.pem" || true
if [ -n "$KO_SERVER_PID" ]; then
  r=$(curl -s --cacert "$KO_TMP/cert.pem" -H "$H" "$KO_URL/v1/namespaces")
  grep -q '"namespaces"' <<<"$r" || fail "TLS request: $r"
  ko_server_stop
  echo "TLS: ok"
fi
echo "server_http: ok"
