#!/usr/bin/env bash
# Bar 3 (issue 8): recovery.  (1) A worker is killed with SIGKILL at a
# random point of a run, KO_PIPE_KILL_ROUNDS times (default 4; 20 for the
# bar): each time the loss must be detected within the lease + 10 s, the
# run retried by another worker, and the output table must hold exactly one
# successful run's rows.  (2) Several workers race over many queued runs
# (3 workers, 100 runs on PostgreSQL; 3 workers, 30 runs on SQLite, or
# KO_PIPE_RUNS): every run succeeds on its first attempt and writes its row
# exactly once.  With KO_TEST_PG_DSN (tests/with-postgres) the catalog is
# PostgreSQL.
set -euo pipefail
K="${KOROLEV:?}"
work="$(mktemp -d "${TMPDIR:-/tmp}/ko-pipe-rec-XXXXXX")"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
export KO_WAREHOUSE="$work/wh" KOROLEV_PIPELINES="$work/pipelines" KO_LOG_LEVEL=warn
if [ -n "${KO_TEST_PG_DSN:-}" ]; then
  export KO_CATALOG="$KO_TEST_PG_DSN"
  # A schema of our own, so that reruns on one server do not see old runs.
  ns="rec$$"
  default_runs=100
else
  ns="rec"
  default_runs=30
fi
mkdir -p "$KOROLEV_PIPELINES"
fail() { echo "FAIL: $*" >&2; exit 1; }
sql() { "$K" sql --format csv "$1" | tail -n +2; }

"$K" namespace create "$ns" >/dev/null
"$K" sql "create table $ns.src (id bigint, v bigint)" >/dev/null
"$K" sql "insert into $ns.src values (1,10),(2,20),(3,30),(4,40),(5,50),(6,60),(7,70),(8,80),(9,90),(10,100)" >/dev/null
"$K" sql "create table $ns.out (id bigint, v bigint, run_id varchar)" >/dev/null
"$K" sql "create table $ns.many (run_id varchar, n bigint)" >/dev/null

cat > "$KOROLEV_PIPELINES/killme.yaml" <<YAML
name: killme_$ns
owner: tests
retries: {count: 5, backoff: 100ms}
timeout: 2m
steps:
  - name: before
    command: [sleep, "0.3"]
  - name: load
    sql: INSERT INTO $ns.out SELECT id, v, {{ run_id }} AS run_id FROM $ns.src
  - name: after
    command: [sleep, "0.3"]
YAML
cat > "$KOROLEV_PIPELINES/many.yaml" <<YAML
name: many_$ns
owner: tests
concurrency: allow
retries: 2
steps:
  - name: one
    sql: INSERT INTO $ns.many SELECT {{ run_id }} AS run_id, CAST(1 AS BIGINT) AS n
YAML
"$K" pipeline validate >/dev/null

lease_ms=2000
state_of() { "$K" pipeline show "$1" | sed -n 's/^  "state": "\(.*\)",$/\1/p'; }
attempt_of() { "$K" pipeline show "$1" | sed -n 's/^  "attempt": \([0-9]*\),$/\1/p'; }
now_ms() { date +%s%3N; }

rounds="${KO_PIPE_KILL_ROUNDS:-4}"
max_detect=0
detected=0
for round in $(seq 1 "$rounds"); do
  id="$("$K" pipeline run "killme_$ns")"
  "$K" worker --lease "$lease_ms" --poll 100 --id "victim$round" 2>>"$work/victim.log" &
  victim=$!
  pids+=("$victim")
  # A random point between the claim and the end of the run (~1 s long).
  sleep "0.$(printf '%03d' $((RANDOM % 1000)))"
  before="$(state_of "$id")"
  kill -9 "$victim"; wait "$victim" 2>/dev/null || true
  killed_at="$(now_ms)"
  state_at_kill="$(state_of "$id")"
  "$K" worker --lease "$lease_ms" --poll 100 --id "rescuer$round" 2>>"$work/rescuer.log" &
  rescuer=$!
  pids+=("$rescuer")
  seen_retry=""
  for _ in $(seq 1 400); do
    st="$(state_of "$id")"
    if [ "$state_at_kill" = running ] && [ -z "$seen_retry" ] && [ "$st" != running -o "$(attempt_of "$id")" -ge 2 ]; then
      seen_retry=$(( $(now_ms) - killed_at ))
    fi
    [ "$st" = succeeded ] && break
    [ "$st" = failed ] && fail "round $round: run $id failed: $("$K" pipeline show "$id")"
    sleep 0.05
  done
  [ "$(state_of "$id")" = succeeded ] || fail "round $round: run $id did not succeed"
  kill -TERM "$rescuer"; wait "$rescuer" 2>/dev/null || true
  if [ -n "$seen_retry" ]; then
    detected=$((detected + 1))
    [ "$seen_retry" -gt "$max_detect" ] && max_detect="$seen_retry"
    [ "$seen_retry" -le $((lease_ms + 10000)) ] || fail "round $round: loss detected after $seen_retry ms"
  fi
  rows="$(sql "select count(*), count(distinct run_id) from $ns.out where run_id = '$id'")"
  [ "$rows" = "10,1" ] || fail "round $round: run $id has rows,runs = $rows (want 10,1)"
  echo "round $round: killed while $before/$state_at_kill, attempts $(attempt_of "$id"), detected after ${seen_retry:-n/a} ms, 10 rows once"
done
total="$(sql "select count(*) from $ns.out")"
[ "$total" = $((rounds * 10)) ] || fail "output holds $total rows, want $((rounds * 10))"
echo "kill rounds: $rounds, runs killed while running: $detected, slowest detection ${max_detect} ms (bound $((lease_ms + 10000)) ms)"

# (2) 3 workers race over many queued runs.
n="${KO_PIPE_RUNS:-$default_runs}"
for _ in $(seq 1 "$n"); do "$K" pipeline run "many_$ns" >/dev/null; done
t0="$(now_ms)"
for w in 1 2 3; do
  "$K" worker --no-scheduler --lease 10000 --poll 50 --id "racer$w" 2>>"$work/racers.log" &
  pids+=("$!")
done
for _ in $(seq 1 1200); do
  left="$("$K" pipeline runs "many_$ns" --limit 100000 --json | grep -c '"state": "\(queued\|running\|retrying\)"' || true)"
  [ "$left" = 0 ] && break
  sleep 0.25
done
elapsed=$(( $(now_ms) - t0 ))
for w in 1 2 3; do kill -TERM "${pids[-$w]}" 2>/dev/null || true; done
wait 2>/dev/null || true
runs_json="$("$K" pipeline runs "many_$ns" --limit 100000 --json)"
ok="$(grep -c '"state": "succeeded"' <<<"$runs_json" || true)"
[ "$ok" = "$n" ] || fail "$ok of $n runs succeeded"
first="$(grep -c '"attempt": 1,' <<<"$runs_json" || true)"
[ "$first" = "$n" ] || fail "only $first of $n runs ran on their first attempt"
workers="$(grep -o '"worker": "racer[0-9]' <<<"$runs_json" | sort -u | wc -l)"
rows="$(sql "select count(*), count(distinct run_id) from $ns.many")"
[ "$rows" = "$n,$n" ] || fail "many: rows,distinct runs = $rows (want $n,$n)"
echo "race: $n runs by 3 workers ($workers took some) in $elapsed ms, each exactly once"
echo "PASS"
