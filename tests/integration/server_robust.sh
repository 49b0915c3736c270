#!/usr/bin/env bash
# server_robust.sh - the server keeps serving under abuse
# (tests/peers/rest_robust.mjs: malformed JSON, invalid UTF-8, 413, path
# traversal, 2,000 random garbage requests, huge headers, slow clients),
# then SIGTERM in the middle of concurrent commits: the server exits 0 and
# every commit is complete or absent (200 responses = commit audit records,
# the table loads, the audit chain verifies).
set -euo pipefail
. "$(dirname "$0")/server_lib.bash"
PEERS="$KO_SOURCE_DIR/tests/peers"

mkdir -p "$KO_TMP/console"
echo '<html><body>korolev console</body></html>' > "$KO_TMP/console/index.html"
ko_server_start --max-body-bytes 65536 --timeout-seconds 2 --console-dir "$KO_TMP/console"
KO_TOKEN=$(ko_token admin)
export KO_TOKEN
node "$PEERS/rest_robust.mjs" 2000
ko_server_stop

# SIGTERM during commits.
ko_server_start
H="Authorization: Bearer $KO_TOKEN"
curl -fsS -H "$H" -d '{"namespace":["sig"]}' "$KO_URL/v1/namespaces" >/dev/null
curl -fsS -H "$H" -d '{"name":"t","schema":{"type":"struct","fields":[{"id":1,"name":"id","type":"long","required":true}]}}' \
  "$KO_URL/v1/namespaces/sig/tables" >/dev/null
mkdir -p "$KO_TMP/out"
for i in $(seq 1 40); do
  curl -s -o /dev/null -w '%{http_code}\n' -H "$H" \
    -d "{\"requirements\":[],\"updates\":[{\"action\":\"set-properties\",\"updates\":{\"k$i\":\"v\"}}]}" \
    "$KO_URL/v1/namespaces/sig/tables/t" > "$KO_TMP/out/$i" 2>/dev/null &
done
sleep 0.05
ko_server_stop   # fails unless the exit status is 0
wait
ok=$(cat "$KO_TMP/out/"* | grep -c '^200$' || true)
records=$("$KOROLEV" --warehouse "$KO_WH" audit list --object sig.t --action table.commit --limit 1000 | grep -c '"table.commit"' || true)
echo "commits answered 200: $ok; commit records: $records"
[ "$ok" = "$records" ] || { echo "a commit is half-done: $ok answered vs $records recorded"; exit 1; }
"$KOROLEV" --warehouse "$KO_WH" table describe sig.t >/dev/null
"$KOROLEV" --warehouse "$KO_WH" audit verify >/dev/null
echo "server_robust: ok"
