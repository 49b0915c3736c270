#!/usr/bin/env bash
# Property test of Parquet files written by Korolev against other readers:
# the unit test test_pq_roundtrip writes its random files (random schemas
# up to depth 4 with lists and maps, every logical type, nulls, empty lists,
# no rows, a 50 MiB string) into a directory that it keeps (KO_PQ_KEEP),
# then tests/peers/parquet_property.mjs reads every file with DuckDB,
# hyparquet and `korolev parquet cat`, requiring the same values, and
# compares the statistics of `korolev parquet meta` with DuckDB's
# parquet_metadata() and with the data.
set -euo pipefail
: "${KOROLEV:?path of the korolev binary}"
here="$(cd "$(dirname "$0")/.." && pwd)"
fail() { echo "FAIL: $*" >&2; exit 1; }

gen="$(dirname "$KOROLEV")/tests/test_pq_roundtrip"
[ -x "$gen" ] || fail "no test_pq_roundtrip next to $KOROLEV (looked for $gen)"
[ -d "$here/node_modules/@duckdb/node-api" ] || fail "tests/node_modules lacks @duckdb/node-api (npm ci in tests/)"
[ -d "$here/node_modules/hyparquet" ] || fail "tests/node_modules lacks hyparquet (npm ci in tests/)"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

KO_PQ_KEEP="$tmp" "$gen" >"$tmp/gen.log" 2>&1 || fail "test_pq_roundtrip: $(tail -20 "$tmp/gen.log")"
shopt -s nullglob
files=("$tmp"/*.parquet)
[ "${#files[@]}" -ge 100 ] || fail "test_pq_roundtrip left only ${#files[@]} files in $tmp"
[ -f "$tmp/big-string.parquet" ] || fail "test_pq_roundtrip wrote no big-string.parquet"

node "$here/peers/parquet_property.mjs" "$KOROLEV" "${files[@]}" >"$tmp/out" 2>&1 || {
  grep -v '^same ' "$tmp/out" | head -60 >&2
  fail "Korolev's files read differently in DuckDB, hyparquet or korolev (above)"
}
tail -2 "$tmp/out"
echo "parquet_property: all checks passed"
