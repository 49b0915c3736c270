#!/usr/bin/env bash
# Malformed and abusive SQL (issue 5, bar 2): every statement of
# tests/sql/errors/*.sql (syntax errors, unknown names, wrong types,
# overflow, division by zero, bad casts and dates, invalid regexes, wrong
# argument counts, misplaced aggregates, ...) and the generated ones
# (5,000 nested parentheses, 100,000-item IN lists, 100,000-character
# identifiers, 1 MB strings, ...) must make `korolev sql` exit 1 with one
# clear message that names the problem: no crash, no sanitizer report
# (the ASan build runs this too), no hang.  See tests/sql/run_errors.mjs.
# The DuckDB self-check first proves each corpus statement is really wrong.
# Skips (exit 77) while `korolev sql` does not exist.
set -euo pipefail
: "${KOROLEV:?path of the korolev binary}"
here="$(cd "$(dirname "$0")/.." && pwd)"
[ -d "$here/node_modules/@duckdb/node-api" ] || { echo "FAIL: tests/node_modules lacks @duckdb/node-api (npm ci in tests/)" >&2; exit 1; }
cd "$here"
node sql/run_errors.mjs --self-check
rc=0
node sql/run_errors.mjs --korolev "$KOROLEV" || rc=$?
exit "$rc"
