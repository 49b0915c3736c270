#!/usr/bin/env bash
# `korolev namespace|table|audit` end to end, checked by independent readers:
#   - DuckDB writes four Parquet files of many types, a struct and a list
#     among them (the fourth with an extra column)
#   - a table partitioned by day(ts), bucket(16, id) is created like the
#     first file; three appends make three snapshots; the schema evolves
#     (add-column note string) and the fourth file is appended
#   - at every snapshot, icebird (tests/peers/icebird_check.mjs) reads the
#     table and must return the rows DuckDB reads from the files appended
#     so far, with the same schema
#   - history lists the appends, files and describe print JSON, rollback
#     and expiry keep the table readable, bad input fails cleanly and
#     leaves the catalog unchanged, and `korolev audit verify` passes
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

# json FILE EXPR: evaluates a JavaScript expression over the JSON in FILE (as j);
# integers of 16 digits and more (snapshot ids) are read as strings, exactly.
json() {
  node -e "const j = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8')
    .replace(/([:\[,]\s*)(-?\d{16,})(?=\s*[,}\]])/g, '\$1\"\$2\"')); console.log($2)" "$1"
}

# ------------------------------------------------------------ input files
(cd "$here" && node --input-type=module -e '
import { DuckDBInstance } from "@duckdb/node-api";
const dir = process.argv[1];
const db = await DuckDBInstance.create(":memory:");
const c = await db.connect();
for (let k = 1; k <= 4; k++) {
  const note = k === 4 ? `, CASE WHEN i % 3 = 0 THEN NULL ELSE $$note $$ || i END AS note` : "";
  await c.run(`COPY (SELECT (i + ${k} * 1000)::BIGINT AS id,
      CASE WHEN i % 11 = 5 THEN NULL ELSE $$name $$ || (i * ${k}) END AS name,
      TIMESTAMP $$2024-02-27 00:00:00$$ + INTERVAL (i * 5 + ${k}) HOUR AS ts,
      CASE WHEN i % 13 = 0 THEN $$nan$$::DOUBLE ELSE i * 0.25 END AS score,
      CASE WHEN i % 4 = 0 THEN NULL ELSE (i % 9)::INTEGER END AS qty,
      (DATE $$2023-12-30$$ + INTERVAL (i % 5) DAY)::DATE AS d,
      (i * 1.25)::DECIMAL(10,2) AS price,
      i % 2 = 0 AS flag,
      {$$a$$: i, $$b$$: $$x$$ || i} AS s,
      CASE WHEN i % 3 = 0 THEN NULL ELSE [i, i + ${k}] END AS l ${note}
    FROM range(${40 * k + 7}) t(i)) TO $$${dir}/f${k}.parquet$$ (FORMAT PARQUET)`);
}' "$tmp") || fail "DuckDB could not write the input files"

# ------------------------------------------------------------ usage and errors
expect_error 2 "usage" K table
expect_error 2 "usage" K table create db.t
expect_error 2 "usage" K table create db.t --schema a.json --like b.parquet
expect_error 2 "usage" K namespace frob db
expect_error 2 "usage" K audit frob
expect_error 2 "needs a value" K --warehouse
expect_error 1 "NAMESPACE.TABLE" K table describe justaname
K namespace create db
K namespace list | grep -qx db || fail "namespace list lacks db"
expect_error 1 "exists" K namespace create db
expect_error 1 "not found" K table describe db.missing
expect_error 1 "namespace nons" K table create nons.t --like "$tmp/f1.parquet"
expect_error 1 "hour" K table create db.t --like "$tmp/f1.parquet" --partition-by 'hour(name)'
expect_error 1 "f9.parquet" K table create db.t --like "$tmp/f9.parquet"
echo '{"type":"struct","fields":[{"id":1,"name":"a","required":true,"type":"lng"}]}' >"$tmp/bad.json"
expect_error 1 "lng" K table create db.t --schema "$tmp/bad.json"
[ "$(K audit list | wc -l)" -eq 1 ] || fail "failed commands left audit records: $(K audit list)"
[ ! -e "$KO_WAREHOUSE/db/t" ] || [ -z "$(find "$KO_WAREHOUSE/db/t" -type f)" ] \
  || fail "failed creates left files: $(find "$KO_WAREHOUSE/db/t" -type f)"

# ------------------------------------------------------------ create, append
K table create db.t --like "$tmp/f1.parquet" --partition-by 'day(ts),bucket(16,id)' \
  --property owner=tests >"$tmp/create.json" || fail "table create"
tdir="$KO_WAREHOUSE/db/t"
[ -f "$tdir/metadata/v1.metadata.json" ] || fail "no v1.metadata.json"
expect_error 1 "already exists" K table create db.t --like "$tmp/f1.parquet"
versions=()
for k in 1 2 3; do
  K table append db.t "$tmp/f$k.parquet" >"$tmp/append$k.json" || fail "append f$k"
  versions+=("$(json "$tmp/append$k.json" 'j["metadata-location"].split("/").pop()')")
done
[ "${versions[*]}" = "v2.metadata.json v3.metadata.json v4.metadata.json" ] || fail "versions ${versions[*]}"
[ "$(cat "$tdir/metadata/version-hint.text")" = 4 ] || fail "version hint"
K table history db.t >"$tmp/history.json"
[ "$(json "$tmp/history.json" 'j.filter(s => s.operation === "append").length')" = 3 ] \
  || fail "history does not list 3 appends: $(cat "$tmp/history.json")"
[ "$(json "$tmp/history.json" 'j[2].summary["total-records"]')" = $((47 + 87 + 127)) ] \
  || fail "total-records after 3 appends"

# ------------------------------------------------------------ schema evolution
K table add-column db.t note string >/dev/null || fail "add-column"
K table append db.t "$tmp/f4.parquet" >"$tmp/append4.json" || fail "append f4"
versions+=("$(json "$tmp/append4.json" 'j["metadata-location"].split("/").pop()')")
expect_error 1 "partition" K table drop-column db.t ts

# ------------------------------------------------------------ icebird = DuckDB at every snapshot
files=()
for k in 1 2 3 4; do
  files+=("$tmp/f$k.parquet")
  node "$here/peers/icebird_check.mjs" "$tdir" "${versions[$((k - 1))]}" "${files[@]}" \
    || fail "icebird disagrees with DuckDB at ${versions[$((k - 1))]}"
done
# The evolved schema before any file had the column: old rows read as null.
node "$here/peers/icebird_check.mjs" "$tdir" v5.metadata.json "$tmp/f1.parquet" "$tmp/f2.parquet" \
  "$tmp/f3.parquet" || fail "icebird disagrees after the schema change"

# ------------------------------------------------------------ describe, files
K table describe db.t >"$tmp/describe.json" || fail "describe"
[ "$(json "$tmp/describe.json" 'j.properties.owner')" = tests ] || fail "describe lacks the property"
[ "$(json "$tmp/describe.json" 'j.schema.fields.map(f => f.name).join(",")')" = id,name,ts,score,qty,d,price,flag,s,l,note ] \
  || fail "describe schema: $(cat "$tmp/describe.json")"
K table files db.t >"$tmp/files.json" || fail "files"
[ "$(json "$tmp/files.json" 'j.reduce((a, f) => a + f["record-count"], 0)')" = $((47 + 87 + 127 + 167)) ] \
  || fail "files do not add up"
[ "$(json "$tmp/files.json" 'j.every(f => f["file-path"].includes("/data/ts_day=") && f["lower-bounds"].id <= f["upper-bounds"].id)')" = true ] \
  || fail "files lack partition paths or bounds"

# ------------------------------------------------------------ rollback, expiry
first=$(json "$tmp/history.json" 'j[0]["snapshot-id"]')
latest=$(json "$tmp/append4.json" 'j["snapshot-id"]')
K table rollback db.t "$first" >"$tmp/rb.json" || fail "rollback"
node "$here/peers/icebird_check.mjs" "$tdir" "$(json "$tmp/rb.json" 'j["metadata-location"].split("/").pop()')" \
  "$tmp/f1.parquet" || fail "icebird after rollback"
expect_error 1 "no snapshot" K table rollback db.t 12345
K table rollback db.t "$latest" >/dev/null || fail "rollback to latest"
orphan="$tdir/data/orphan-from-a-crash.parquet"
cp "$tmp/f1.parquet" "$orphan"
K table expire db.t --older-than now --retain-last 2 --files-older-than now >"$tmp/expire.json" || fail "expire"
[ "$(json "$tmp/expire.json" 'j["expired-snapshot-ids"].length')" = 2 ] || fail "expire: $(cat "$tmp/expire.json")"
[ ! -e "$orphan" ] || fail "the orphan file survived"
K table history db.t >"$tmp/history2.json"
[ "$(json "$tmp/history2.json" 'j.length')" = 2 ] || fail "history after expiry: $(cat "$tmp/history2.json")"
final=$(json "$tmp/expire.json" 'j["metadata-location"].split("/").pop()')
node "$here/peers/icebird_check.mjs" "$tdir" "$final" "${files[@]}" || fail "icebird after expiry"

# ------------------------------------------------------------ audit
K audit verify >"$tmp/verify.txt" || fail "audit verify"
grep -q "audit chain ok" "$tmp/verify.txt" || fail "audit verify: $(cat "$tmp/verify.txt")"
[ "$(K audit list --object db.t --action table.commit | wc -l)" -eq 8 ] \
  || fail "audit commits: $(K audit list --object db.t)"
[ "$(K audit list --action table.remove_files | wc -l)" -eq 1 ] || fail "no file removal record"
[ "$(K audit list --limit 2 | wc -l)" -eq 2 ] || fail "audit list --limit"
echo "iceberg_table: ok"
