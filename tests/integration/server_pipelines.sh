#!/usr/bin/env bash
# server_pipelines.sh - pipelines through a real `korolev serve` with its
# in-process worker: GET /api/v1/pipelines lists the specs; a manual run
# triggered with POST /api/v1/pipelines/{name}/run is executed by the
# server's own worker and its rows land; GET /api/v1/runs, /runs/{id},
# /runs/{id}/logs and /api/v1/alerts show runs, logs and the alert of a
# failing pipeline; cancel; whoami; a reader cannot trigger or cancel runs
# and a token limited to a namespace cannot see or run pipelines.
set -euo pipefail
. "$(dirname "$0")/server_lib.bash"
fail() { echo "FAIL: $*" >&2; exit 1; }
K() { "$KOROLEV" --warehouse "$KO_WH" "$@"; }
export KO_LOG_LEVEL=info

P="$KO_TMP/pipelines"
mkdir -p "$P"
cat >"$P/fill.yaml" <<'YAML'
name: fill
owner: tests
triggers:
  - manual: true
outputs:
  - table: p.out
steps:
  - name: insert
    sql: INSERT INTO p.out SELECT 7 AS id, {{ run_id }} AS run_id
  - name: say
    command: ["sh", "-c", "echo hello from $KOROLEV_RUN_ID"]
YAML
cat >"$P/broken.yaml" <<'YAML'
name: broken
owner: tests
steps:
  - name: boom
    command: ["sh", "-c", "echo going down; exit 3"]
YAML
K namespace create p >/dev/null
K sql "create table p.out (id bigint, run_id varchar)" >/dev/null
ko_server_start --pipelines "$P" --workers 2
W=$(ko_token writer)
R=$(ko_token reader)
O=$(ko_token writer other)
api() { # TOKEN METHOD PATH [BODY] -> body to stdout, status to $KO_TMP/code
  local tok=$1 m=$2 path=$3 body=${4:-}
  curl -sS -X "$m" -o "$KO_TMP/out" -w '%{http_code}' -H "Authorization: Bearer $tok" \
    ${body:+-H 'Content-Type: application/json' -d "$body"} "$KO_URL$path" >"$KO_TMP/code"
  cat "$KO_TMP/out"
}
code() { cat "$KO_TMP/code"; }

api "$R" GET /api/v1/whoami | jq -e '.principal == "reader" and .role == "reader" and .namespace == null' \
  >/dev/null || fail "whoami reader: $(cat "$KO_TMP/out")"
api "$O" GET /api/v1/whoami | jq -e '.role == "writer" and .namespace == "other"' >/dev/null ||
  fail "whoami scoped: $(cat "$KO_TMP/out")"

api "$R" GET /api/v1/pipelines >"$KO_TMP/pl.json"
[ "$(code)" = 200 ] || fail "pipelines: $(code)"
jq -e '[.pipelines[].name] | sort == ["broken","fill"]' "$KO_TMP/pl.json" >/dev/null ||
  fail "pipelines list: $(cat "$KO_TMP/pl.json")"

# Authorization: reader cannot run, scoped token cannot list or run.
api "$R" POST /api/v1/pipelines/fill/run '{}' >/dev/null
[ "$(code)" = 403 ] || fail "reader run: $(code)"
api "$O" POST /api/v1/pipelines/fill/run '{}' >/dev/null
[ "$(code)" = 403 ] || fail "scoped run: $(code)"
api "$O" GET /api/v1/runs >/dev/null
[ "$(code)" = 403 ] || fail "scoped runs: $(code)"
api "$W" POST /api/v1/pipelines/nope/run >/dev/null
[ "$(code)" = 404 ] || fail "unknown pipeline: $(code)"
[ "$(api "$R" GET /api/v1/runs | jq '.runs | length')" = 0 ] || fail "refused runs were queued"

# A manual run, executed by the in-process worker.
id=$(api "$W" POST /api/v1/pipelines/fill/run '{"logical-date":"2024-05-01"}' | jq -r .id)
[ "$(code)" = 202 ] || fail "run: $(code) $(cat "$KO_TMP/out")"
bad=$(api "$W" POST /api/v1/pipelines/broken/run | jq -r .id)
[ "$(code)" = 202 ] || fail "run broken: $(code) $(cat "$KO_TMP/out")"
state=""
for _ in $(seq 1 150); do
  state=$(api "$R" GET "/api/v1/runs/$id" | jq -r .state)
  bstate=$(api "$R" GET "/api/v1/runs/$bad" | jq -r .state)
  [ "$state" = succeeded ] && [ "$bstate" = failed ] && break
  sleep 0.2
done
[ "$state" = succeeded ] || fail "run $id is $state: $(cat "$KO_TMP/out")"
[ "$bstate" = failed ] || fail "broken run is $bstate"
api "$R" GET "/api/v1/runs/$id" | jq -e '.["logical-date"] == "2024-05-01" and .trigger == "manual"' \
  >/dev/null || fail "run json: $(cat "$KO_TMP/out")"
api "$R" POST /api/v1/query "{\"sql\":\"select id, run_id from p.out\"}" >"$KO_TMP/q.json"
jq -e --arg id "$id" '.row_count == 1 and .rows[0][0] == 7 and .rows[0][1] == $id' "$KO_TMP/q.json" \
  >/dev/null || fail "output rows: $(cat "$KO_TMP/q.json")"
api "$R" GET "/api/v1/runs/$id/logs" | grep -q "hello from $id" || fail "logs: $(cat "$KO_TMP/out")"
api "$R" GET "/api/v1/runs/$bad/logs" | grep -q "going down" || fail "broken logs"
api "$R" GET "/api/v1/runs/00000000-0000-0000-0000-000000000000/logs" >/dev/null
[ "$(code)" = 404 ] || fail "logs of an unknown run: $(code)"
api "$R" GET "/api/v1/runs?limit=1" | jq -e '.runs | length == 1' >/dev/null || fail "runs limit"
api "$R" GET "/api/v1/runs" | jq -e '.runs | length == 2' >/dev/null || fail "runs: $(cat "$KO_TMP/out")"
api "$R" GET /api/v1/alerts | jq -e --arg id "$bad" '[.alerts[] | select(.["run-id"] == $id)] | length >= 1' \
  >/dev/null || fail "alerts: $(cat "$KO_TMP/out")"
api "$R" GET /api/v1/pipelines | jq -e '.pipelines[] | select(.name == "fill") | .["last-run"].status == "succeeded"' \
  >/dev/null || fail "last-run: $(cat "$KO_TMP/out")"

# Cancel: a finished run is a conflict, reader may not.
api "$R" POST "/api/v1/runs/$id/cancel" >/dev/null
[ "$(code)" = 403 ] || fail "reader cancel: $(code)"
api "$W" POST "/api/v1/runs/$id/cancel" >/dev/null
[ "$(code)" = 409 ] || fail "cancel finished: $(code) $(cat "$KO_TMP/out")"

# SIGTERM stops the workers and the server cleanly (exit 0).
ko_server_stop
grep -q "stopping pipeline workers" "$KO_LOG" || fail "workers not stopped"

# --no-workers: a queued run stays queued.
ko_server_start --pipelines "$P" --no-workers
W=$(ko_token writer)
id2=$(api "$W" POST /api/v1/pipelines/fill/run | jq -r .id)
sleep 1.5
[ "$(api "$W" GET "/api/v1/runs/$id2" | jq -r .state)" = queued ] || fail "ran without workers"
api "$W" POST "/api/v1/runs/$id2/cancel" | jq -e '.state == "cancelled"' >/dev/null ||
  fail "cancel queued: $(cat "$KO_TMP/out")"
ko_server_stop
echo "server_pipelines: ok"
