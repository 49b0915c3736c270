#!/usr/bin/env bash
# Pipeline sql steps' INSERT INTO ... SELECT matches columns as SQL does
# (and the engine's own INSERT): by position, or by the column list with
# NULL for the columns left out; whatever the query's column names are.
# A count or type mismatch fails the run (and the dry run) with an error
# that names the columns; nothing is written then.
set -euo pipefail
K="${KOROLEV:?}"
work="$(mktemp -d "${TMPDIR:-/tmp}/ko-pipe-ins-XXXXXX")"
trap 'rm -rf "$work"' EXIT
export KO_WAREHOUSE="$work/wh" KOROLEV_PIPELINES="$work/pipelines" KO_LOG_LEVEL=warn
mkdir -p "$KOROLEV_PIPELINES"
fail() { echo "FAIL: $*" >&2; exit 1; }
mk() { # name sql
  printf 'name: %s\nowner: tests\nsteps:\n  - name: s\n    sql: |\n%s\n' "$1" "$(printf '%s\n' "$2" | sed 's/^/      /')" \
    > "$KOROLEV_PIPELINES/$1.yaml"
}
run() { # name -> the run's final state; its error in $work/err
  "$K" pipeline run "$1" >/dev/null
  "$K" worker --once --no-scheduler >/dev/null 2>>"$work/worker.log"
  "$K" pipeline runs --json > "$work/runs.json"
  node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1]))
    .filter(x=>x.pipeline===process.argv[2])[0];
    require("fs").writeFileSync(process.argv[3], r.error||""); console.log(r.state)' \
    "$work/runs.json" "$1" "$work/err"
}
rows() { "$K" sql --format csv "select a, b, c from x.t order by a, b" | tail -n +2 | tr '\n' ' '; }

"$K" namespace create x >/dev/null
"$K" sql "create table x.t (a bigint, b varchar, c double)" >/dev/null

# Positional: the names of the query's columns do not matter (by name, the
# first statement would put nothing anywhere: no column is called zz, yy
# or ww; the second would swap a and c).
mk pos "INSERT INTO x.t SELECT 1 AS zz, 'one' AS yy, 1 AS ww;
INSERT INTO x.t SELECT CAST(2 AS INTEGER) AS c, 'two' AS b, 2.5 AS a;"
[ "$(run pos)" = succeeded ] || fail "positional insert: $(cat "$work/err")"
[ "$(rows)" = "1,one,1.0 2,two,2.5 " ] || fail "positional insert wrote: $(rows)"

# A column list: in its order; the other columns are NULL.
mk list "INSERT INTO x.t (c, a) SELECT 3.5 AS a, 3 AS c;
INSERT INTO x.t (\"b\", a) VALUES ('four', 4);"
[ "$(run list)" = succeeded ] || fail "column list insert: $(cat "$work/err")"
[ "$(rows)" = "1,one,1.0 2,two,2.5 3,,3.5 4,four, " ] || fail "column list insert wrote: $(rows)"

# Mismatches fail the run with a clear error and write nothing.
check_error() { # name sql expected-error-fragment
  mk "$1" "$2"
  "$K" pipeline run "$1" --dry-run > "$work/dry.json" && fail "$1: the dry run passed"
  grep -qF -- "$3" "$work/dry.json" || fail "$1: dry run error: $(grep detail "$work/dry.json")"
  [ "$(run "$1")" = failed ] || fail "$1 did not fail"
  grep -qF -- "$3" "$work/err" || fail "$1: error: $(cat "$work/err")"
  [ "$(rows)" = "1,one,1.0 2,two,2.5 3,,3.5 4,four, " ] || fail "$1 wrote: $(rows)"
}
check_error count "INSERT INTO x.t SELECT 5, 'five'" \
  "the query returns 2 columns but the table has 3"
check_error listcount "INSERT INTO x.t (a, b) SELECT 5" \
  "the query returns 1 column but the column list names 2"
check_error type "INSERT INTO x.t SELECT 'five' AS b, 5 AS a, 5.0 AS c" \
  "query column 1 (b) is VARCHAR, which cannot be stored in column a of type long"
check_error unknown "INSERT INTO x.t (a, nope) SELECT 5, 'five'" \
  'the table has no column named'
check_error twice "INSERT INTO x.t (a, a) SELECT 5, 6" \
  'is named twice in the column list'
"$K" sql "create table x.r (a bigint not null, b varchar)" >/dev/null
mk req "INSERT INTO x.r (b) SELECT 'x'"
"$K" pipeline run req --dry-run > "$work/dry.json" && fail "req: dry run passed"
grep -qF "column a is required (not null) and missing from the column list" "$work/dry.json" ||
  fail "req: $(grep detail "$work/dry.json")"
echo "PASS"
