#!/usr/bin/env bash
# Tables declare a maximum staleness with the table property
# korolev.max-staleness (no pipeline needed): the scheduler tick raises one
# stale_table alert per table version that is older than that, by the
# controllable clock (KOROLEV_FAKE_NOW_FILE).  Tables without the property,
# or with a value that is not a duration, raise nothing.
set -euo pipefail
K="${KOROLEV:?}"
work="$(mktemp -d "${TMPDIR:-/tmp}/ko-pipe-stale-XXXXXX")"
trap 'rm -rf "$work"' EXIT
export KO_WAREHOUSE="$work/wh" KOROLEV_PIPELINES="$work/pipelines" KO_LOG_LEVEL=warn
export KOROLEV_FAKE_NOW_FILE="$work/now"
mkdir -p "$KOROLEV_PIPELINES"
fail() { echo "FAIL: $*" >&2; exit 1; }
clock() { echo $(($(date +%s) + $1)) > "$KOROLEV_FAKE_NOW_FILE"; } # seconds from now
stale() { "$K" pipeline alerts --json | grep -c "\"kind\": \"stale_table\"" || true; }
tick() { "$K" pipeline tick >/dev/null 2>>"$work/tick.log"; }

clock 0
"$K" namespace create s >/dev/null
"$K" sql "create table s.fresh (id bigint) with ('korolev.max-staleness' = '1h')" >/dev/null
"$K" sql "create table s.plain (id bigint)" >/dev/null
"$K" sql "create table s.bad (id bigint) with ('korolev.max-staleness' = 'soon')" >/dev/null
"$K" sql "insert into s.fresh values (1)" >/dev/null

tick
[ "$(stale)" = 0 ] || fail "a fresh table raised an alert: $("$K" pipeline alerts)"
clock 3000 # 50 minutes later: still within the hour
tick
[ "$(stale)" = 0 ] || fail "a table 50 minutes old raised an alert"
clock 7200 # two hours later
tick
[ "$(stale)" = 1 ] || fail "expected one stale_table alert, got $(stale): $("$K" pipeline alerts)"
"$K" pipeline alerts --json > "$work/alerts.json"
grep -q '"object": "s.fresh"' "$work/alerts.json" || fail "the alert does not name s.fresh"
grep -q 'max staleness of 3600 s (table property korolev.max-staleness)' "$work/alerts.json" ||
  fail "the alert does not say why: $(cat "$work/alerts.json")"
grep -q '"object": "s.plain"\|"object": "s.bad"' "$work/alerts.json" && fail "tables without a valid property alerted"
grep -q "property korolev.max-staleness 'soon' is not a duration" "$work/tick.log" ||
  fail "the bad property was not reported: $(cat "$work/tick.log")"
tick
[ "$(stale)" = 1 ] || fail "the same stale version alerted twice"

# A new commit makes it fresh; when that version ages too, a new alert.
clock 0
"$K" sql "insert into s.fresh values (2)" >/dev/null
clock 600
tick
[ "$(stale)" = 1 ] || fail "a table committed 10 minutes ago alerted"
clock 4000
tick
[ "$(stale)" = 2 ] || fail "the second version did not alert when stale: $("$K" pipeline alerts)"
echo "PASS"
