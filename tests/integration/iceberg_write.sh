#!/usr/bin/env bash
# Copy-on-write changes, partition spec evolution, tags and branches with
# the korolev CLI, checked by icebird (an independent Iceberg reader):
#   - DuckDB writes the input files and, for every step, the rows the
#     table must hold afterwards (expected.parquet, computed with SQL's
#     own semantics: a row stays when the filter is not TRUE for it)
#   - a table partitioned by grp gets two appends, then `table delete`
#     (whole partitions dropped by metadata and files rewritten), `table
#     overwrite` of a partition, a partition spec change followed by an
#     append and a delete across both specs, and `table replace`
#   - after each step icebird (tests/peers/icebird_check.mjs) must read
#     exactly the expected rows, and `korolev iceberg cat` the same rows
#     as icebird (tests/peers/icebird_read.mjs)
#   - a tag and a branch: append into the branch, read both with
#     `iceberg cat --ref` and icebird, fast-forward main, drop the tag
#   - bad filters and usage errors change nothing; every change is one
#     audit record and `korolev audit verify` passes
# shellcheck disable=SC2016 # the node -e scripts are JavaScript, not shell
set -euo pipefail
: "${KOROLEV:?path of the korolev binary}"
here="$(cd "$(dirname "$0")/.." && pwd)"
[ -d "$here/node_modules/icebird" ] || { echo "FAIL: tests/node_modules lacks icebird (npm ci in tests/)" >&2; exit 1; }
[ -d "$here/node_modules/@duckdb/node-api" ] || { echo "FAIL: tests/node_modules lacks @duckdb/node-api" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export KO_WAREHOUSE="$tmp/wh"
unset KO_CATALOG
K() { "$KOROLEV" "$@"; }

expect_error() {
  local want=$1 pattern=$2; shift 2
  local rc=0
  "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  [ "$rc" -eq "$want" ] || fail "$* exited $rc, want $want: $(cat "$tmp/err")"
  grep -q -- "$pattern" "$tmp/err" || fail "$*: stderr lacks '$pattern': $(cat "$tmp/err")"
}

json() {
  node -e "const j = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8')
    .replace(/([:\[,]\s*)(-?\d{16,})(?=\s*[,}\]])/g, '\$1\"\$2\"')); console.log($2)" "$1"
}

# duck SQL: runs SQL in DuckDB (file names relative to $tmp).
duck() {
  (cd "$here" && node --input-type=module -e '
import { DuckDBInstance } from "@duckdb/node-api";
const db = await DuckDBInstance.create(":memory:");
const c = await db.connect();
process.chdir(process.argv[1]);
await c.run(process.argv[2]);' "$tmp" "$1") || fail "DuckDB: $1"
}

# expect NAME SQL: expected rows of the next check, written by DuckDB.
expect_rows() { duck "COPY ($1) TO 'expected.parquet' (FORMAT PARQUET)"; }

tdir="$KO_WAREHOUSE/db/w"
# check OUT.json: icebird reads what expected.parquet holds, at the version
# the command's output names, and `iceberg cat` agrees with icebird.
check() {
  local meta
  meta=$(json "$1" 'j["metadata-location"].split("/").pop()')
  node "$here/peers/icebird_check.mjs" "$tdir" "$meta" "$tmp/expected.parquet" \
    || fail "icebird disagrees after $1"
  node "$here/peers/icebird_read.mjs" "$tdir" "$meta" | sort >"$tmp/icebird.jsonl" \
    || fail "icebird_read after $1"
  K iceberg cat "$tdir" --metadata "$meta" | node "$here/peers/icebird_read.mjs" --canon \
    | sort >"$tmp/ours.jsonl" || fail "iceberg cat after $1"
  cmp -s "$tmp/icebird.jsonl" "$tmp/ours.jsonl" \
    || fail "iceberg cat and icebird differ after $1: $(diff "$tmp/icebird.jsonl" "$tmp/ours.jsonl" | head -5)"
}

# ------------------------------------------------------------ input files
SRC="SELECT i::BIGINT AS id, CASE WHEN i % 7 = 6 THEN NULL ELSE (i % 3)::INTEGER END AS grp,
       'name ' || i AS name, TIMESTAMP '2024-03-01 00:00:00' + INTERVAL (i) HOUR AS ts,
       i * 0.5 AS score"
duck "COPY ($SRC FROM range(0, 200) t(i)) TO 'f1.parquet' (FORMAT PARQUET);
      COPY ($SRC FROM range(200, 300) t(i)) TO 'f2.parquet' (FORMAT PARQUET);
      COPY ($SRC FROM range(1000, 1040) t(i)) TO 'new.parquet' (FORMAT PARQUET);
      COPY ($SRC FROM range(300, 350) t(i)) TO 'f3.parquet' (FORMAT PARQUET);
      COPY ($SRC FROM range(400, 410) t(i)) TO 'f4.parquet' (FORMAT PARQUET);
      COPY ($SRC FROM range(5000, 5025) t(i)) TO 'final.parquet' (FORMAT PARQUET)"

K namespace create db
K table create db.w --like "$tmp/f1.parquet" --partition-by 'grp' >/dev/null || fail "create"
K table append db.w "$tmp/f1.parquet" >/dev/null || fail "append f1"
K table append db.w "$tmp/f2.parquet" >"$tmp/a2.json" || fail "append f2"
audits=$(K audit list | wc -l)

# ------------------------------------------------------------ errors change nothing
expect_error 2 "usage" K table delete db.w
expect_error 2 "usage" K table delete db.w --where
expect_error 2 "usage" K table overwrite db.w --where 'id = 1'
expect_error 2 "usage" K table replace db.w --where 'id = 1' "$tmp/new.parquet"
expect_error 1 "no primitive column 'nope'" K table delete db.w --where 'nope = 1'
expect_error 1 "not an integer" K table delete db.w --where 'id = abc'
expect_error 1 "expected ')'" K table delete db.w --where '(id = 1'
expect_error 1 "not found" K table delete db.missing --where 'id = 1'
expect_error 1 "no branch" K table append db.w --branch nobranch "$tmp/f4.parquet"
[ "$(K audit list | wc -l)" -eq "$audits" ] || fail "failed commands left audit records"

# ------------------------------------------------------------ delete
K table delete db.w --where 'grp = 1' >"$tmp/d1.json" || fail "delete grp = 1"
[ "$(json "$tmp/d1.json" 'j["files-rewritten"] + "/" + j["files-added"]')" = 0/0 ] \
  || fail "a whole-partition delete rewrote files: $(cat "$tmp/d1.json")"
KEEP1="(grp = 1) IS NOT TRUE"
expect_rows "SELECT * FROM read_parquet(['f1.parquet', 'f2.parquet']) WHERE $KEEP1"
check "$tmp/d1.json"

K table delete db.w --where "id < 20 or (ts >= '2024-03-10 00:00:00' and ts < '2024-03-11T00:00:00') or name = 'name 250'" \
  >"$tmp/d2.json" || fail "delete by id and ts"
[ "$(json "$tmp/d2.json" 'j["files-rewritten"] > 0')" = true ] || fail "nothing rewritten: $(cat "$tmp/d2.json")"
KEEP2="$KEEP1 AND (id < 20 OR (ts >= TIMESTAMP '2024-03-10' AND ts < TIMESTAMP '2024-03-11') OR name = 'name 250') IS NOT TRUE"
expect_rows "SELECT * FROM read_parquet(['f1.parquet', 'f2.parquet']) WHERE $KEEP2"
check "$tmp/d2.json"
K table history db.w >"$tmp/h.json"
[ "$(json "$tmp/h.json" 'j.map(s => s.operation).join(",")')" = append,append,delete,overwrite ] \
  || fail "operations: $(json "$tmp/h.json" 'j.map(s => s.operation)')"
[ "$(json "$tmp/h.json" 'j[3].summary["total-records"]')" = "$(K iceberg cat "$tdir" | wc -l)" ] \
  || fail "total-records differs from the rows read"

# ------------------------------------------------------------ overwrite a partition
K table overwrite db.w --where 'grp = 2' "$tmp/new.parquet" >"$tmp/o1.json" || fail "overwrite"
KEEP3="$KEEP2 AND (grp = 2) IS NOT TRUE"
expect_rows "SELECT * FROM read_parquet(['f1.parquet', 'f2.parquet']) WHERE $KEEP3
             UNION ALL SELECT * FROM read_parquet('new.parquet')"
check "$tmp/o1.json"

# ------------------------------------------------------------ partition spec evolution
K table partition db.w 'bucket(4,id)' >"$tmp/p1.json" || fail "partition"
[ "$(json "$tmp/p1.json" 'j["partition-spec"]["spec-id"] + ":" + j["partition-spec"].fields[0]["field-id"]')" = 1:1001 ] \
  || fail "new spec: $(cat "$tmp/p1.json")"
expect_error 1 "hour" K table partition db.w 'hour(name)'
K table append db.w "$tmp/f3.parquet" >"$tmp/a3.json" || fail "append f3"
expect_rows "SELECT * FROM read_parquet(['f1.parquet', 'f2.parquet']) WHERE $KEEP3
             UNION ALL SELECT * FROM read_parquet(['new.parquet', 'f3.parquet'])"
check "$tmp/a3.json"
K table delete db.w --where 'id >= 340 or grp = 0' >"$tmp/d3.json" || fail "delete across specs"
KEEP4="(id >= 340 OR grp = 0) IS NOT TRUE"
expect_rows "SELECT * FROM (SELECT * FROM read_parquet(['f1.parquet', 'f2.parquet']) WHERE $KEEP3
             UNION ALL SELECT * FROM read_parquet(['new.parquet', 'f3.parquet'])) WHERE $KEEP4"
check "$tmp/d3.json"

# ------------------------------------------------------------ tags and branches
K table tag db.w v1 >"$tmp/t1.json" || fail "tag"
K table branch db.w dev --max-ref-age-ms 86400000 --min-snapshots-to-keep 2 >/dev/null || fail "branch"
expect_error 1 "exists" K table tag db.w v1
expect_error 1 "main" K table branch db.w main
K table append db.w --branch dev "$tmp/f4.parquet" >"$tmp/b1.json" || fail "append --branch"
main_rows=$(K iceberg cat "$tdir" | wc -l)
[ "$(K iceberg cat "$tdir" --ref dev | wc -l)" -eq $((main_rows + 10)) ] || fail "branch dev rows"
[ "$(K iceberg cat "$tdir" --ref v1 | wc -l)" -eq "$main_rows" ] || fail "tag v1 rows"
expect_rows "SELECT * FROM (SELECT * FROM read_parquet(['f1.parquet', 'f2.parquet']) WHERE $KEEP3
             UNION ALL SELECT * FROM read_parquet(['new.parquet', 'f3.parquet'])) WHERE $KEEP4
             UNION ALL SELECT * FROM read_parquet('f4.parquet')"
K table fast-forward db.w dev >"$tmp/ff.json" || fail "fast-forward"
check "$tmp/ff.json"
K table describe db.w >"$tmp/desc.json"
K table drop-ref db.w v1 >/dev/null || fail "drop-ref"
expect_error 1 "no tag or branch" K table drop-ref db.w v1
expect_error 1 "no branch or tag" K iceberg cat "$tdir" --ref v1

# ------------------------------------------------------------ replace
K table replace db.w "$tmp/final.parquet" >"$tmp/r1.json" || fail "replace"
expect_rows "SELECT * FROM read_parquet('final.parquet')"
check "$tmp/r1.json"
[ "$(json "$tmp/r1.json" 'j["files-rewritten"]')" = 0 ] || fail "replace read files"

# ------------------------------------------------------------ audit
# delete x3, overwrite, partition, append, tag, branch, append --branch,
# fast-forward, drop-ref, replace
[ "$(K audit list --object db.w --action table.commit | wc -l)" -eq $((2 + 12)) ] \
  || fail "audit commits: $(K audit list --object db.w --action table.commit | tail -14)"
K audit list --object db.w >"$tmp/audit.jsonl"
grep -q '"operation":"update-spec"' "$tmp/audit.jsonl" || grep -q '"operation": "update-spec"' "$tmp/audit.jsonl" \
  || fail "no update-spec audit record"
K audit verify | grep -q "audit chain ok" || fail "audit verify"
echo "iceberg_write: ok"
