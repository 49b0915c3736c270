#!/usr/bin/env bash
# server_iceberg_js.sh - iceberg-js (an independent Iceberg REST client from
# npm) against a running `korolev serve`: namespaces, tables, commits and
# errors; then a table created through the API, appended to by the CLI
# (`korolev table append`), loads in iceberg-js with the new snapshot.
set -euo pipefail
. "$(dirname "$0")/server_lib.bash"
PEERS="$KO_SOURCE_DIR/tests/peers"

ko_server_start
TOKEN=$(ko_token writer)
export KO_TOKEN="$TOKEN"

node "$PEERS/rest_iceberg_js.mjs" scenario
node "$PEERS/rest_iceberg_js.mjs" setup-append "$KO_TMP"
"$KOROLEV" --warehouse "$KO_WH" table append shared.appended "$KO_TMP/rows.parquet" >/dev/null
node "$PEERS/rest_iceberg_js.mjs" verify-append

# SQL over the API reads the appended rows, in each output format.
ADMIN=$(ko_token admin)
q() { curl -s -H "Authorization: Bearer $ADMIN" -d "{\"sql\":\"select count(*) as n, sum(id) as s from shared.appended\",\"format\":\"$1\"}" "$KO_URL/api/v1/query"; }
[ "$(q json)" = '{"statement":"SELECT","columns":[{"name":"n","type":"BIGINT"},{"name":"s","type":"HUGEINT"}],"rows":[[3,6]],"row_count":1}' ] ||
  [ "$(q json | python3 -c 'import json,sys; print(json.load(sys.stdin)["rows"])')" = '[[3, 6]]' ] || { echo "query json: $(q json)"; exit 1; }
[ "$(q jsonl)" = '{"n":3,"s":6}' ] || { echo "query jsonl: $(q jsonl)"; exit 1; }
[ "$(q csv | tr -d '\r')" = "$(printf 'n,s\n3,6')" ] || { echo "query csv: $(q csv)"; exit 1; }
curl -s -H "Authorization: Bearer $ADMIN" "$KO_URL/api/v1/audit?action=query&order=desc&page_size=1" | grep -q 'shared.appended' ||
  { echo "query not audited"; exit 1; }

# The audit trail names the principal of every API mutation.
"$KOROLEV" --warehouse "$KO_WH" audit list --object shared.appended > "$KO_TMP/audit.json"
grep -q '"principal":"writer"' "$KO_TMP/audit.json" || { echo "audit lacks principal writer"; cat "$KO_TMP/audit.json"; exit 1; }
"$KOROLEV" --warehouse "$KO_WH" audit verify >/dev/null

ko_server_stop
echo "server_iceberg_js: ok"
