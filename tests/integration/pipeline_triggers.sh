#!/usr/bin/env bash
# Bar 4 (issue 8): triggers with a controllable clock (KOROLEV_FAKE_NOW_FILE).
#  - cron: a */15 pipeline in UTC and a 09:00 Europe/Paris one run exactly
#    at their times as the clock moves (missed times are caught up);
#  - upstream: a pipeline on a table runs after each commit, and a burst of
#    commits while its run is still queued gives one run;
#  - landing: 12 files under a landing prefix, two workers racing: every
#    file is ingested exactly once (row count and one run per file).
set -euo pipefail
K="${KOROLEV:?}"
work="$(mktemp -d "${TMPDIR:-/tmp}/ko-pipe-trig-XXXXXX")"
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
export KO_WAREHOUSE="$work/wh" KOROLEV_PIPELINES="$work/pipelines" KO_LOG_LEVEL=warn
export KOROLEV_FAKE_NOW_FILE="$work/now"
mkdir -p "$KOROLEV_PIPELINES" "$work/landing"
fail() { echo "FAIL: $*" >&2; exit 1; }
clock() { echo "$1" > "$KOROLEV_FAKE_NOW_FILE"; }
sql() { "$K" sql --format csv "$1" | tail -n +2; }
runs_of() { "$K" pipeline runs "$1" --limit 1000 --json; }
count_runs() { runs_of "$1" | grep -c '"id"' || true; }

clock 2024-03-04T09:59:30Z
"$K" namespace create t >/dev/null
"$K" sql "create table t.up (id bigint)" >/dev/null
"$K" sql "create table t.ev (id bigint, name varchar)" >/dev/null

cat > "$KOROLEV_PIPELINES/quarter.yaml" <<'YAML'
name: quarter
owner: tests
triggers:
  - cron: "*/15 * * * *"
steps:
  - name: s
    command: ["true"]
YAML
cat > "$KOROLEV_PIPELINES/paris.yaml" <<'YAML'
name: paris
owner: tests
triggers:
  - cron: "0 9 * * *"
    timezone: Europe/Paris
steps:
  - name: s
    command: ["true"]
YAML
cat > "$KOROLEV_PIPELINES/follow.yaml" <<'YAML'
name: follow
owner: tests
triggers:
  - upstream: t.up
steps:
  - name: s
    command: ["true"]
YAML
cat > "$KOROLEV_PIPELINES/land.yaml" <<YAML
name: land
owner: tests
concurrency: allow
triggers:
  - landing: $work/landing/
    pattern: "*.jsonl"
steps:
  - name: load
    ingest: {into: t.ev, format: jsonl}
YAML
"$K" pipeline validate >/dev/null

# ---- cron
"$K" pipeline tick >/dev/null        # first sight: starts from now
[ "$(count_runs quarter)" = 0 ] || fail "cron ran before its time"
clock 2024-03-04T10:00:10Z
"$K" pipeline tick >/dev/null
[ "$(count_runs quarter)" = 1 ] || fail "cron did not run at 10:00"
runs_of quarter | grep -q '"scheduled": "2024-03-04T10:00:00Z"' || fail "10:00 run not scheduled at 10:00"
clock 2024-03-04T10:14:59Z
"$K" pipeline tick >/dev/null
[ "$(count_runs quarter)" = 1 ] || fail "cron ran early at 10:14:59"
clock 2024-03-04T10:46:00Z                  # 10:15, 10:30, 10:45 missed
"$K" pipeline tick >/dev/null
"$K" pipeline tick >/dev/null               # a second tick changes nothing
[ "$(count_runs quarter)" = 4 ] || fail "cron catch-up: $(count_runs quarter) runs, want 4"
for t in 10:15 10:30 10:45; do
  runs_of quarter | grep -q "\"scheduled\": \"2024-03-04T$t:00Z\"" || fail "no run for $t"
done
# Paris is UTC+1 in March before the switch: 09:00 local is 08:00Z next day.
[ "$(count_runs paris)" = 0 ] || fail "paris ran early"
clock 2024-03-05T07:59:00Z
"$K" pipeline tick >/dev/null
[ "$(count_runs paris)" = 0 ] || fail "paris ran before 09:00 local"
clock 2024-03-05T08:00:30Z
"$K" pipeline tick >/dev/null
runs_of paris | grep -q '"scheduled": "2024-03-05T08:00:00Z"' || fail "paris did not run at 09:00 local"
runs_of paris | grep -q '"logical-date": "2024-03-05"' || fail "paris logical date"
"$K" worker --once --no-scheduler >/dev/null
# Moving the clock to the next morning also caught up every quarter hour.
q="$(count_runs quarter)"
[ "$q" = $((4 + 85)) ] || fail "quarter: $q runs by 08:00:30Z the next day, want 89"
[ "$(runs_of quarter | grep -c '"state": "succeeded"')" = "$q" ] || fail "cron runs did not succeed"
echo "cron: on time in UTC and Europe/Paris, missed times caught up once"

# ---- upstream
"$K" pipeline tick >/dev/null
[ "$(count_runs follow)" = 1 ] || fail "upstream: first sight of the table should run once"
"$K" worker --once --no-scheduler >/dev/null
"$K" sql "insert into t.up values (1)" >/dev/null
"$K" pipeline tick >/dev/null
[ "$(count_runs follow)" = 2 ] || fail "upstream: no run after a commit"
for i in 2 3 4 5; do "$K" sql "insert into t.up values ($i)" >/dev/null; "$K" pipeline tick >/dev/null; done
[ "$(count_runs follow)" = 2 ] || fail "upstream: a burst while queued gave $(count_runs follow) runs"
"$K" worker --once --no-scheduler >/dev/null
"$K" pipeline tick >/dev/null
[ "$(count_runs follow)" = 2 ] || fail "upstream: the queued run already saw the burst"
"$K" sql "insert into t.up values (6)" >/dev/null
"$K" pipeline tick >/dev/null
[ "$(count_runs follow)" = 3 ] || fail "upstream: no run after a later commit"
"$K" worker --once --no-scheduler >/dev/null
"$K" pipeline tick >/dev/null
[ "$(count_runs follow)" = 3 ] || fail "upstream: ran without a new commit"
echo "upstream: one run per commit, bursts coalesced"

# ---- landing: two workers race
expected=0
for f in $(seq 1 12); do
  : > "$work/landing/f$f.jsonl"
  for r in $(seq 1 $((f * 3))); do echo "{\"id\": $r, \"name\": \"f$f\"}" >> "$work/landing/f$f.jsonl"; expected=$((expected + 1)); done
done
echo "not ingested" > "$work/landing/README.txt"
"$K" worker --once --id w1 >"$work/w1.out" 2>&1 &
a=$!
"$K" worker --once --id w2 >"$work/w2.out" 2>&1 &
b=$!
wait "$a"; wait "$b"
"$K" worker --once --id w3 >/dev/null 2>&1   # rescans: must find nothing new
n="$(count_runs land)"
[ "$n" = 12 ] || fail "landing: $n runs for 12 files"
[ "$(runs_of land | grep -c '"state": "succeeded"')" = 12 ] || fail "landing runs did not all succeed: $(runs_of land)"
got="$(sql "select count(*) from t.ev")"
[ "$got" = "$expected" ] || fail "landing: $got rows, want $expected"
per_file="$(sql "select name, count(*) from t.ev group by name having count(*) <> 3 * cast(substr(name, 2) as bigint)")"
[ -z "$per_file" ] || fail "landing: files ingested a wrong number of times: $per_file"
echo "landing: 12 files, $expected rows, each file once with two racing workers ($(cat "$work/w1.out" | tail -1), $(cat "$work/w2.out" | tail -1))"
echo "PASS"
