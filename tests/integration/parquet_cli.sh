#!/usr/bin/env bash
# `korolev parquet schema|meta|cat|copy` on the parquet-testing files:
#   - cat --format jsonl gives the same records as DuckDB (tests/peers/
#     duckdb_jsonl.mjs compares them type by type)
#   - schema and meta run on every file of data/, meta prints valid JSON
#   - projection, limits and CSV; usage errors exit 2
#   - bad_data/ files and corrupt pages fail with exit 1 naming the file
#   - copy rewrites files that read back the same, locally and on s3rver
# shellcheck disable=SC2016 # the node -e scripts are JavaScript, not shell
set -euo pipefail
: "${KOROLEV:?path of the korolev binary}"
: "${KO_TESTDATA:?path of the shared test data}"
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "${S3_ENDPOINT:-}" ]; then
  exec "$here/with-s3rver" bash "$0" "$@"
fi
data="$KO_TESTDATA/parquet-testing/data"
bad="$KO_TESTDATA/parquet-testing/bad_data"
peer="$here/peers/duckdb_jsonl.mjs"
[ -d "$here/node_modules/@duckdb/node-api" ] || { echo "FAIL: tests/node_modules lacks @duckdb/node-api (npm ci in tests/)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_error STATUS PATTERN cmd...: the command fails with STATUS and says PATTERN.
expect_error() {
  local want=$1 pattern=$2; shift 2
  local rc=0
  "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  [ "$rc" -eq "$want" ] || fail "$* exited $rc, want $want: $(cat "$tmp/err")"
  grep -q -- "$pattern" "$tmp/err" || fail "$*: stderr lacks '$pattern': $(cat "$tmp/err")"
}

# prints_match PATTERN cmd...: the command succeeds and its output matches
# (not a pipe into grep -q: with pipefail, grep exiting first fails it).
prints_match() {
  local pattern=$1; shift
  "$@" >"$tmp/pm" 2>"$tmp/pm.err" || fail "$* exited $?: $(cat "$tmp/pm.err")"
  grep -q -- "$pattern" "$tmp/pm" || fail "$*: output lacks '$pattern': $(head -c 2000 "$tmp/pm")"
}

# ------------------------------------------------------------ usage
expect_error 2 "usage" "$KOROLEV" parquet
expect_error 2 "usage" "$KOROLEV" parquet frob "$data/alltypes_plain.parquet"
expect_error 2 "usage" "$KOROLEV" parquet schema
expect_error 2 "usage" "$KOROLEV" parquet cat "$data/alltypes_plain.parquet" --format xml
expect_error 2 "usage" "$KOROLEV" parquet cat "$data/alltypes_plain.parquet" --limit -1
expect_error 2 "usage" "$KOROLEV" parquet cat "$data/alltypes_plain.parquet" --limit
expect_error 2 "usage" "$KOROLEV" parquet copy "$data/alltypes_plain.parquet"
expect_error 2 "usage" "$KOROLEV" parquet copy "$data/alltypes_plain.parquet" "$tmp/x" --codec nope
expect_error 1 "nope.parquet" "$KOROLEV" parquet cat "$tmp/nope.parquet"
expect_error 1 "bloom_filter.bin.*not a Parquet file" "$KOROLEV" parquet schema "$data/bloom_filter.bin"

# ------------------------------------------------------------ cat = DuckDB
same_as_duckdb() {
  local f=$1 base; base=$(basename "$f")
  "$KOROLEV" parquet cat --format jsonl "$f" >"$tmp/$base.jsonl" || fail "cat $base"
  node "$peer" compare "$f" "$tmp/$base.jsonl" || fail "cat $base differs from DuckDB"
}
for f in alltypes_plain nested_structs.rust list_columns nulls.snappy byte_array_decimal \
         int96_from_spark datapage_v2.snappy delta_encoding_optional_column \
         alltypes_tiny_pages nonnullable.impala incorrect_map_schema repeated_primitive_no_list \
         fixed_length_decimal int32_decimal int64_decimal float16_nonzeros_and_nans \
         byte_stream_split.zstd delta_length_byte_array delta_binary_packed dict-page-offset-zero \
         lz4_raw_compressed single_nan binary_truncated_min_max rle-dict-snappy-checksum \
         unknown-logical-type column_chunk_key_value_metadata; do
  same_as_duckdb "$data/$f.parquet"
done
# DuckDB rejects map_no_value.parquet ("MAP_KEY_VALUE requires two children"):
# a map without values is still a map, its values null.
"$KOROLEV" parquet cat "$data/map_no_value.parquet" --limit 1 >"$tmp/out"
grep -qF '"my_map_no_v":[{"key":1,"value":null},' "$tmp/out" || fail "map_no_value: $(cat "$tmp/out")"

# ------------------------------------------------------------ schema, meta everywhere
mkdir "$tmp/meta"
for f in "$data"/*.parquet; do
  base=$(basename "$f")
  "$KOROLEV" parquet schema "$f" >"$tmp/schema.txt" 2>"$tmp/err" || fail "schema $base: $(cat "$tmp/err")"
  head -1 "$tmp/schema.txt" | grep -q "^message " || fail "schema $base: $(head -3 "$tmp/schema.txt")"
  "$KOROLEV" parquet meta "$f" >"$tmp/meta/$base.json" 2>"$tmp/err" || fail "meta $base: $(cat "$tmp/err")"
done
node -e '
  const fs = require("fs"), dir = process.argv[1];
  for (const f of fs.readdirSync(dir)) {
    let m;
    try { m = JSON.parse(fs.readFileSync(`${dir}/${f}`, "utf8")); }
    catch (e) { console.error(`FAIL: meta ${f} is not JSON: ${e.message}`); process.exit(1); }
    const rows = m.row_groups.reduce((n, g) => n + g.num_rows, 0);
    if (rows !== m.num_rows || !m.schema || !Array.isArray(m.schema.children)) {
      console.error(`FAIL: meta ${f}: ${rows} rows in row groups, ${m.num_rows} in the file`);
      process.exit(1);
    }
  }' "$tmp/meta"
"$KOROLEV" parquet schema "$data/nonnullable.impala.parquet" >"$tmp/out"
grep -q "^  required group Int_Map (MAP)$" "$tmp/out" || fail "schema: $(cat "$tmp/out")"
grep -q "^    repeated group map (MAP_KEY_VALUE)$" "$tmp/out" || fail "schema: $(cat "$tmp/out")"
prints_match "optional BYTE_ARRAY value (DECIMAL(4,2)) id=6" \
  "$KOROLEV" parquet schema "$data/byte_array_decimal.parquet"
node -e '
  const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const c = m.row_groups[0].columns[0];
  const ok = c.path === "id" && c.type === "INT32" && c.statistics.min === 0 &&
             c.statistics.max === 7299 && c.statistics.null_count === 0 && c.has_offset_index === true;
  if (!ok) { console.error("FAIL: meta of alltypes_tiny_pages:", JSON.stringify(c)); process.exit(1); }
' "$tmp/meta/alltypes_tiny_pages.parquet.json"

# ------------------------------------------------------------ projection, limit, CSV
"$KOROLEV" parquet cat "$data/alltypes_plain.parquet" --columns string_col,id --limit 2 >"$tmp/out"
[ "$(cat "$tmp/out")" = $'{"string_col":"MA==","id":4}\n{"string_col":"MQ==","id":5}' ] \
  || fail "projection: $(cat "$tmp/out")"
"$KOROLEV" parquet cat "$data/alltypes_plain.parquet" --limit=0 >"$tmp/out"
[ ! -s "$tmp/out" ] || fail "limit 0 printed $(cat "$tmp/out")"
expect_error 1 "no column named 'nope'" "$KOROLEV" parquet cat "$data/alltypes_plain.parquet" --columns id,nope
"$KOROLEV" parquet cat "$data/list_columns.parquet" --format csv >"$tmp/out"
[ "$(cat "$tmp/out")" = $'int64_list,utf8_list\n"[1,2,3]","[""abc"",""efg"",""hij""]"\n"[null,1]",\n[4],"[""efg"",null,""hij"",""xyz""]"' ] \
  || fail "csv: $(cat "$tmp/out")"
"$KOROLEV" parquet cat "$data/delta_encoding_optional_column.parquet" --format csv --columns c_customer_sk,c_salutation --limit 3 >"$tmp/out"
[ "$(cat "$tmp/out")" = $'c_customer_sk,c_salutation\n100,Ms.\n99,Sir\n98,Dr.' ] || fail "csv: $(cat "$tmp/out")"
# Many row groups stream one at a time, and a limit stops early.
n=$("$KOROLEV" parquet cat "$data/alltypes_tiny_pages.parquet" --limit 7001 | wc -l)
[ "$n" -eq 7001 ] || fail "limit 7001 gave $n lines"

# ------------------------------------------------------------ bad files
for f in "$bad"/*; do
  base=$(basename "$f")
  if [ "$base" = ARROW-GH-43605.parquet ]; then
    # A decoder bug of Arrow's, not a bad file: DuckDB reads it too.
    same_as_duckdb "$f"
    continue
  fi
  expect_error 1 "$base" "$KOROLEV" parquet cat "$f"
done
expect_error 1 "datapage_v1-corrupt-checksum.parquet.*checksum" \
  "$KOROLEV" parquet cat "$data/datapage_v1-corrupt-checksum.parquet"
# nation.dict-malformed.parquet: its footer's chunk sizes do not cover its
# pages; a reader may reject it (naming the file) or, like DuckDB, read it.
rc=0
"$KOROLEV" parquet cat "$data/nation.dict-malformed.parquet" >/dev/null 2>"$tmp/err" || rc=$?
if [ "$rc" -eq 0 ]; then
  same_as_duckdb "$data/nation.dict-malformed.parquet"
else
  if [ "$rc" -ne 1 ] || ! grep -q "nation.dict-malformed.parquet" "$tmp/err"; then
    fail "nation.dict-malformed.parquet: exit $rc: $(cat "$tmp/err")"
  fi
fi

# ------------------------------------------------------------ copy
check_copy() {
  local src=$1 dst=$2; shift 2
  "$KOROLEV" parquet copy "$src" "$dst" "$@" || fail "copy $src $*"
  "$KOROLEV" parquet cat "$src" >"$tmp/a.jsonl"
  "$KOROLEV" parquet cat "$dst" >"$tmp/b.jsonl"
  cmp -s "$tmp/a.jsonl" "$tmp/b.jsonl" || fail "copy of $src $* reads back differently"
}
check_copy "$data/nested_structs.rust.parquet" "$tmp/c1.parquet"
check_copy "$data/nonnullable.impala.parquet" "$tmp/c2.parquet" --codec snappy
check_copy "$data/alltypes_tiny_pages.parquet" "$tmp/c3.parquet" --codec gzip --row-group-bytes 64K
check_copy "$data/int96_from_spark.parquet" "file://$tmp/c4.parquet" --codec=uncompressed
check_copy "$data/byte_array_decimal.parquet" "$tmp/c5.parquet"
"$KOROLEV" parquet meta "$tmp/c3.parquet" >"$tmp/meta.json"
node -e '
  const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  if (m.row_groups.length < 2 || m.row_groups[0].columns[0].codec !== "GZIP") {
    console.error("FAIL: copy did not cut row groups or set the codec"); process.exit(1);
  }' "$tmp/meta.json"
prints_match "value (DECIMAL(4,2)) id=6" "$KOROLEV" parquet schema "$tmp/c5.parquet"
prints_match '"org.apache.spark.version": "3.4.3"' "$KOROLEV" parquet meta "$tmp/c4.parquet"
if [ -f "$here/peers/parquet_diff.mjs" ]; then
  node "$here/peers/parquet_diff.mjs" "$data/nested_structs.rust.parquet" "$tmp/c1.parquet" \
    "$data/nonnullable.impala.parquet" "$tmp/c2.parquet" \
    "$data/alltypes_tiny_pages.parquet" "$tmp/c3.parquet" >"$tmp/out" || fail "copies differ: $(cat "$tmp/out")"
fi
# A failed copy leaves nothing behind.
expect_error 1 "checksum" "$KOROLEV" parquet copy "$data/datapage_v1-corrupt-checksum.parquet" "$tmp/c6.parquet"
[ ! -e "$tmp/c6.parquet" ] || fail "a failed copy left $tmp/c6.parquet"

# ------------------------------------------------------------ object stores
s3="s3://$KO_TEST_S3_BUCKET/parquet"
"$KOROLEV" store put "$s3/in/list_columns.parquet" "$data/list_columns.parquet"
"$KOROLEV" parquet cat "$s3/in/list_columns.parquet" >"$tmp/s3.jsonl"
"$KOROLEV" parquet cat "$data/list_columns.parquet" >"$tmp/local.jsonl"
cmp -s "$tmp/local.jsonl" "$tmp/s3.jsonl" || fail "cat from s3"
"$KOROLEV" parquet copy "$s3/in/list_columns.parquet" "$s3/out/copy.parquet" --codec zstd
"$KOROLEV" parquet cat "$s3/out/copy.parquet" >"$tmp/copy.jsonl"
cmp -s "$tmp/copy.jsonl" "$tmp/s3.jsonl" || fail "copy on s3"
prints_match '"codec": "ZSTD"' "$KOROLEV" parquet meta "$s3/out/copy.parquet"
prints_match "optional group utf8_list LIST (LIST)" "$KOROLEV" parquet schema "$s3/out/copy.parquet"
expect_error 1 "missing.parquet" "$KOROLEV" parquet cat "$s3/in/missing.parquet"
echo "parquet_cli: all checks passed"
