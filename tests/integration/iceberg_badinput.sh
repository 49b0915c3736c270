#!/usr/bin/env bash
# Bad input (issue 4, bar 6): every case below must exit with status 1, print
# one error line naming what is wrong (the namespace, table, file, column,
# type or transform), and leave everything as it was: the catalog's
# namespaces, table pointers and audit record count (read from the database
# itself) and every file in the warehouse (names and checksums, so a failed
# append leaves no data file behind).
#   - unknown namespaces and tables, for every verb that takes one
#   - schema files: JSON syntax error, unknown type, a field without an id,
#     duplicate ids, duplicate names, a missing file; adding a column whose
#     name exists or whose type is unknown; dropping a partition source
#   - --partition-by: unknown transform, bucket without N, bucket[0],
#     truncate without W, a missing column, year of a string, syntax errors
#   - a corrupt or truncated current metadata file, manifest list and
#     manifest (for describe, append, files, expire, rollback and
#     `iceberg cat`), and a data file that is gone
# (Disallowed type changes have no CLI verb: test_ice_badinput covers them.)
# The catalog is SQLite, or PostgreSQL when KO_TEST_PG_DSN is set (CTest runs
# this script a second time under tests/with-postgres).
set -euo pipefail
: "${KOROLEV:?path of the korolev binary}"
here="$(cd "$(dirname "$0")/.." && pwd)"
[ -d "$here/node_modules/@duckdb/node-api" ] || { echo "FAIL: tests/node_modules lacks @duckdb/node-api" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export KO_WAREHOUSE="$tmp/wh"
if [ -n "${KO_TEST_PG_DSN:-}" ]; then
  export KO_CATALOG="$KO_TEST_PG_DSN" backend=postgresql
  sql() { psql -qAt -v ON_ERROR_STOP=1 "$KO_TEST_PG_DSN" -c "$1"; }
else
  export KO_CATALOG="sqlite:$tmp/catalog.db" backend=sqlite
  sql() { sqlite3 "$tmp/catalog.db" "$1"; }
fi
K() { "$KOROLEV" "$@"; }

# Everything a failed command must leave alone.
state() {
  sql "SELECT name FROM ko_namespace ORDER BY name"
  sql "SELECT ns || '.' || name || ' ' || location FROM ko_table ORDER BY ns, name"
  sql "SELECT 'audit records: ' || count(*) FROM ko_audit"
  (cd "$KO_WAREHOUSE" && find . -type f -print0 | sort -z | xargs -0 md5sum)
}

cases=0
# expect_fail PATTERN CMD...: exit status 1, PATTERN (fixed text) in the one
# line of stderr, and state() unchanged.
expect_fail() {
  local pattern=$1 rc=0
  shift
  state >"$tmp/before"
  "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  [ "$rc" -eq 1 ] || fail "$* exited $rc, want 1: $(cat "$tmp/err")"
  grep -qF -- "$pattern" "$tmp/err" || fail "$*: the error lacks '$pattern': $(cat "$tmp/err")"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$*: the error is not one line: $(cat "$tmp/err")"
  state >"$tmp/after"
  diff "$tmp/before" "$tmp/after" >"$tmp/diff" || fail "$* changed the catalog or the warehouse: $(cat "$tmp/diff")"
  cases=$((cases + 1))
}

# flip FILE OFFSET: XORs 32 bytes from OFFSET (negative: from the end).
flip() {
  node -e 'const fs = require("fs"); const b = fs.readFileSync(process.argv[1]);
    let at = +process.argv[2]; if (at < 0) at += b.length;
    for (let i = Math.max(at, 0); i < Math.min(at + 32, b.length); i++) b[i] ^= 0x5a;
    fs.writeFileSync(process.argv[1], b);' "$1" "$2"
}
# truncate_half FILE
truncate_half() { truncate -s $(($(stat -c %s "$1") / 2)) "$1"; }

# ------------------------------------------------------------ setup
(cd "$here" && node --input-type=module -e '
import { DuckDBInstance } from "@duckdb/node-api";
const db = await DuckDBInstance.create(":memory:");
const c = await db.connect();
await c.run(`COPY (SELECT i::BIGINT AS id, $$name $$ || i AS name,
    TIMESTAMP $$2024-01-01$$ + INTERVAL (i) HOUR AS ts, i * 0.5 AS amount
  FROM range(20) t(i)) TO $$${process.argv[1]}/f.parquet$$ (FORMAT PARQUET)`);
' "$tmp") || fail "DuckDB could not write the input file"
cat >"$tmp/good.json" <<'EOF'
{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"},
 {"id":2,"name":"name","required":false,"type":"string"},
 {"id":3,"name":"ts","required":false,"type":"timestamp"}]}
EOF
echo '{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"},' >"$tmp/syntax.json"
echo '{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"bigint"}]}' >"$tmp/unknown_type.json"
echo '{"type":"struct","fields":[{"name":"id","required":true,"type":"long"}]}' >"$tmp/no_id.json"
echo '{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"},
  {"id":1,"name":"x","required":false,"type":"string"}]}' >"$tmp/dup_id.json"
echo '{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"},
  {"id":2,"name":"id","required":false,"type":"string"}]}' >"$tmp/dup_name.json"
echo '{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":{"type":"list","element":"long"}}]}' \
  >"$tmp/bad_list.json"

K namespace create db || fail "namespace create"
K table create db.t --like "$tmp/f.parquet" --partition-by 'bucket(2, id)' >/dev/null || fail "table create"
K table append db.t "$tmp/f.parquet" >/dev/null || fail "append 1"
K table append db.t "$tmp/f.parquet" >"$tmp/append2.json" || fail "append 2"
tdir="$KO_WAREHOUSE/db/t"
rows_before=$(K iceberg cat "$tdir" | wc -l)
[ "$rows_before" -eq 40 ] || fail "the table reads $rows_before rows before the tests"

# ------------------------------------------------------------ unknown names
expect_fail "namespace nope does not exist" K table create nope.t --schema "$tmp/good.json"
expect_fail "table nope.t not found: namespace nope does not exist" K table describe nope.t
expect_fail "table db.nope not found" K table describe db.nope
expect_fail "table db.nope not found" K table history db.nope
expect_fail "table db.nope not found" K table files db.nope
expect_fail "table db.nope not found" K table append db.nope "$tmp/f.parquet"
expect_fail "table nope.t not found" K table append nope.t "$tmp/f.parquet"
expect_fail "table db.nope not found" K table expire db.nope --older-than now
expect_fail "table db.nope not found" K table rollback db.nope 1
expect_fail "table db.nope not found" K table add-column db.nope x long
expect_fail "namespace nope does not exist" K namespace drop nope
expect_fail "namespace nope does not exist" K table list nope
expect_fail "namespace db.nope does not exist" K namespace create db.nope.x
expect_fail "table db.t has no snapshot 123" K table rollback db.t 123
expect_fail "namespace db" K namespace create db
expect_fail "db.t" K table create db.t --schema "$tmp/good.json"
expect_fail "namespace db" K namespace drop db

# ------------------------------------------------------------ schemas
expect_fail "syntax.json: schema: invalid JSON at line 2" K table create db.n --schema "$tmp/syntax.json"
expect_fail "field 'id': unknown type 'bigint'" K table create db.n --schema "$tmp/unknown_type.json"
expect_fail "field 'id' has no field id" K table create db.n --schema "$tmp/no_id.json"
expect_fail "duplicate field id 1 ('id' and 'x')" K table create db.n --schema "$tmp/dup_id.json"
expect_fail "duplicate field name 'id'" K table create db.n --schema "$tmp/dup_name.json"
expect_fail "element-id" K table create db.n --schema "$tmp/bad_list.json"
expect_fail "missing.json: not found" K table create db.n --schema "$tmp/missing.json"
expect_fail "cannot add column 'name': it already exists" K table add-column db.t name string
expect_fail "unknown type 'bigint'" K table add-column db.t x bigint
expect_fail "decimal precision 40 is not in 1..38" K table add-column db.t x 'decimal(40,2)'
expect_fail "cannot rename 'id' to 'name': the name is taken" K table rename-column db.t id name
expect_fail "schema 0 has no column 'nope'" K table drop-column db.t nope
expect_fail "does not fit the default partition spec" K table drop-column db.t id

# ------------------------------------------------------------ partition transforms
pb() { K table create db.p --schema "$tmp/good.json" --partition-by "$1"; }
expect_fail "unknown transform 'foo'" pb 'foo(id)'
expect_fail "bucket takes a number and a column" pb 'bucket(id)'
expect_fail "bucket needs a positive number of buckets" pb 'bucket(0, id)'
expect_fail "bucket needs a positive number of buckets" pb 'bucket(-3, id)'
expect_fail "truncate takes a number and a column" pb 'truncate(id)'
expect_fail "no column named 'missing'" pb 'day(missing)'
expect_fail "transform year cannot be applied to type string" pb 'year(name)'
expect_fail "transform hour cannot be applied to type long" pb 'hour(id)'
expect_fail "expected ',' or ')'" pb 'day(ts'
expect_fail "duplicate partition field name 'id'" pb 'id, id'

# ------------------------------------------------------------ corrupt files
meta=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))["metadata-location"].split("/").pop())' "$tmp/append2.json")
list=$(grep -o 'snap-[^"]*\.avro' "$tdir/metadata/$meta" | tail -n 1)
manifests=("$tdir"/metadata/*-m0.avro)
[ -f "$tdir/metadata/$list" ] && [ "${#manifests[@]}" -eq 2 ] || fail "unexpected table layout"
cp -a "$tdir" "$tmp/pristine"
restore() { rm -rf "$tdir" && cp -a "$tmp/pristine" "$tdir"; }
every_verb() { # every verb that reads the current metadata fails naming $1
  expect_fail "$1" K table describe db.t
  expect_fail "$1" K table history db.t
  expect_fail "$1" K table append db.t "$tmp/f.parquet"
  expect_fail "$1" K table expire db.t --older-than now --files-older-than now
  expect_fail "$1" K table rollback db.t 1
  expect_fail "$1" K table add-column db.t x long
  expect_fail "$1" K iceberg cat "$tdir"
}

truncate_half "$tdir/metadata/$meta"
every_verb "$meta: table metadata: invalid JSON"
restore
echo '{"format-version": 2, "location": "x"}' >"$tdir/metadata/$meta"
every_verb "$meta: table metadata: missing required field 'table-uuid'"
restore
flip "$tdir/metadata/$meta" 200
every_verb "$meta: table metadata"
restore

truncate_half "$tdir/metadata/$list"
expect_fail "$list: avro" K iceberg cat "$tdir"
expect_fail "$list: avro" K table files db.t
expect_fail "$list: avro" K table append db.t "$tmp/f.parquet" # and no data file left behind
restore
flip "$tdir/metadata/$list" -40
expect_fail "$list: avro" K iceberg cat "$tdir"
expect_fail "$list: avro" K table append db.t "$tmp/f.parquet"
restore
: >"$tdir/metadata/$list"
expect_fail "$list: avro" K iceberg cat "$tdir"
restore

for m in "${manifests[@]}"; do
  name=$(basename "$m")
  truncate_half "$m"
  expect_fail "$name: avro" K iceberg cat "$tdir"
  expect_fail "$name: avro" K table files db.t
  restore
  flip "$m" -40
  expect_fail "$name: avro" K iceberg cat "$tdir"
  expect_fail "$name: avro" K table files db.t
  restore
done

data=$(find "$tdir/data" -name '*.parquet' | sort | head -n 1)
rm "$data"
expect_fail "$(basename "$data"): not found" K iceberg cat "$tdir"
restore
truncate_half "$data"
expect_fail "$(basename "$data")" K iceberg cat "$tdir"
restore

# Everything still works after the failures.
[ "$(K iceberg cat "$tdir" | wc -l)" -eq "$rows_before" ] || fail "the table no longer reads"
K table append db.t "$tmp/f.parquet" >/dev/null || fail "append after the bad input"
K audit verify >/dev/null || fail "audit verify"
echo "iceberg_badinput ($backend): ok, $cases cases"
