#!/usr/bin/env bash
# The differential SQL test (issue 5, bar 1): tests/peers/sql_diff.mjs loads
# generated tables (tests/sql/gen.mjs: every type, NULLs, duplicates, skew,
# extremes, an empty and a one-row table, a partitioned table with four
# snapshots) into a Korolev warehouse, runs the hand-written corpus
# (tests/sql/queries/*.sql) and 120 seeded random queries through
# `korolev sql --format jsonl`, and compares every result with DuckDB's
# over the same Parquet files.  First, a self-check runs the same corpus
# with DuckDB on both sides and the comparator's own tests, so that a
# broken corpus or comparator fails here too.
# Skips (exit 77) while `korolev sql` does not exist.
set -euo pipefail
: "${KOROLEV:?path of the korolev binary}"
here="$(cd "$(dirname "$0")/.." && pwd)"
[ -d "$here/node_modules/@duckdb/node-api" ] || { echo "FAIL: tests/node_modules lacks @duckdb/node-api (npm ci in tests/)" >&2; exit 1; }
cd "$here"
KOROLEV='' node peers/sql_diff.mjs --self-check
rc=0
node peers/sql_diff.mjs --korolev "$KOROLEV" || rc=$?
exit "$rc"
