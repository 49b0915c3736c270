#!/usr/bin/env bash
# The example pipelines (examples/pipelines) validate, pass their dry runs
# against the tables they need (nothing is committed by a dry run), and a
# dry run catches a SQL error and a missing table.  Then both examples run
# for real once.
set -euo pipefail
K="${KOROLEV:?}"
src="${KO_SOURCE_DIR:?}"
work="$(mktemp -d "${TMPDIR:-/tmp}/ko-pipe-ex-XXXXXX")"
trap 'rm -rf "$work"' EXIT
export KO_WAREHOUSE="$work/wh" KOROLEV_PIPELINES="$src/examples/pipelines" KO_LOG_LEVEL=warn
fail() { echo "FAIL: $*" >&2; exit 1; }
"$K" pipeline validate | grep -q "ok: 2 pipelines valid" || fail "examples do not validate"
"$K" namespace create demo >/dev/null
"$K" sql "create table demo.events (ts timestamp, kind varchar, v bigint)" >/dev/null
"$K" sql "insert into demo.events values (timestamp '2024-05-01 10:00:00', 'a', 1), (timestamp '2024-05-01 11:00:00', 'b', 2), (timestamp '2024-05-01 12:00:00', 'a', 3)" >/dev/null
"$K" sql "create table demo.events_hourly (day date, kind varchar, events bigint, run_id varchar)" >/dev/null
if "$K" pipeline run daily_report --dry-run > "$work/missing.json"; then fail "dry run passed without demo.daily_report"; fi
grep -q '"check": "output table demo.daily_report exists"' "$work/missing.json" || fail "missing table not named"
"$K" sql "create table demo.daily_report (day date, region varchar, events bigint, run_id varchar)" >/dev/null
for p in hourly_events daily_report; do
  "$K" pipeline run "$p" --dry-run --param ds=2024-05-01 > "$work/$p.json" || { cat "$work/$p.json"; fail "dry run of $p"; }
  grep -q '"ok": true' "$work/$p.json" || fail "dry run of $p not ok"
  grep -q 'parsed and bound (EXPLAIN)' "$work/$p.json" || fail "dry run of $p did not plan its SQL"
done
grep -q '"demo.events"' "$work/hourly_events.json" || fail "reads not reported"
grep -q '"demo.events_hourly"' "$work/hourly_events.json" || fail "writes not reported"
[ "$("$K" pipeline runs --json | grep -c '"id"' || true)" = 0 ] || fail "a dry run queued a run"
[ "$("$K" sql --format csv "select count(*) from demo.events_hourly" | tail -1)" = 0 ] || fail "a dry run wrote"
# A SQL mistake is caught by the dry run.
mkdir -p "$work/p"; sed 's/count(\*) AS events/count(nope) AS events/' "$src/examples/pipelines/hourly_events.yaml" > "$work/p/h.yaml"
if KOROLEV_PIPELINES="$work/p" "$K" pipeline run hourly_events --dry-run > "$work/bad.json"; then fail "dry run missed a bad column"; fi
grep -q 'nope' "$work/bad.json" || fail "the bad column is not named: $(cat "$work/bad.json")"
# And for real.
"$K" pipeline run hourly_events --param ds=2024-05-01 >/dev/null
"$K" worker --once --no-scheduler >/dev/null
"$K" pipeline run daily_report --param ds=2024-05-01 >/dev/null
"$K" worker --once --no-scheduler >/dev/null
[ "$("$K" pipeline runs --json | grep -c '"state": "succeeded"')" = 2 ] || fail "examples did not run: $("$K" pipeline runs)"
[ "$("$K" sql --format csv "select events from demo.daily_report" | tail -1)" = 3 ] || fail "daily report total"
echo "PASS"
