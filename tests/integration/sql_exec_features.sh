#!/usr/bin/env bash
# Execution features of issue 5 against DuckDB over the same Parquet file
# (tests/peers/sql_exec_features.mjs), on a 300,000-row table that the scan
# cuts into several morsels:
#  1. Dictionary-aware filters: =, <>, IN, NOT IN, LIKE, NOT LIKE, ranges,
#     IS [NOT] NULL, IS [NOT] DISTINCT FROM, OR / NOT on dictionary-encoded
#     string columns (with NULLs), alone and with other conjuncts, with the
#     column also in the output; answers equal DuckDB's.  EXPLAIN ANALYZE
#     must report the rows filtered by code for a dictionary-safe conjunct
#     and none when a function hides the column (upper(mode) = ...).
#  2. count(DISTINCT) of strings (and with GROUP BY) with 1 and 2 threads:
#     equal to DuckDB's (the per-worker sets are merged); GROUP BY keys of
#     several types (NULLs, short and long strings, negative TINYINT /
#     SMALLINT / BIGINT, many groups) whose packed keys are unpacked at the
#     end (agg.c's lazy keys).
#  3. First error wins: casts fail in many morsels; with 4 workers the
#     statement must report the error of the earliest failing morsel
#     ('bad-first', what a serial scan meets first) every time.
set -euo pipefail
: "${KOROLEV:?path of the korolev binary}"
here="$(cd "$(dirname "$0")/.." && pwd)"
[ -d "$here/node_modules/@duckdb/node-api" ] || { echo "FAIL: tests/node_modules lacks @duckdb/node-api" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
peer() { (cd "$here" && node peers/sql_exec_features.mjs "$@"); }
fail() { echo "FAIL: $*" >&2; exit 1; }
K() { "$KOROLEV" --warehouse "$tmp/wh" "$@"; }

peer gen "$tmp/src.parquet" 300000
K namespace create f >/dev/null
K table create f.t --like "$tmp/src.parquet" >/dev/null
K table append f.t "$tmp/src.parquet" >/dev/null

n_checked=0
check() { # THREADS SQL (over f.t): Korolev's rows equal DuckDB's
    local want got
    want=$(peer query "$tmp/src.parquet" "${2//f.t/t}")
    got=$(K sql --threads "$1" --format jsonl "$2") || fail "korolev failed: $2"
    peer same "$got" "$want" || fail "threads $1: $2"
    n_checked=$((n_checked + 1))
}

# 1. dictionary filters
for q in \
    "SELECT count(*) AS n FROM f.t WHERE mode = 'AIR'" \
    "SELECT count(*) AS n FROM f.t WHERE mode <> 'AIR'" \
    "SELECT count(*) AS n FROM f.t WHERE mode IN ('AIR', 'RAIL', NULL)" \
    "SELECT count(*) AS n FROM f.t WHERE mode NOT IN ('AIR', 'RAIL')" \
    "SELECT count(*) AS n FROM f.t WHERE mode LIKE '%AI%'" \
    "SELECT count(*) AS n FROM f.t WHERE mode NOT LIKE 'R%'" \
    "SELECT count(*) AS n FROM f.t WHERE mode < 'M' AND qty > 10" \
    "SELECT count(*) AS n FROM f.t WHERE mode >= 'RAIL' AND mode <= 'SHIP'" \
    "SELECT count(*) AS n FROM f.t WHERE mode IS NULL" \
    "SELECT count(*) AS n FROM f.t WHERE mode IS NOT NULL AND grp = 'g3'" \
    "SELECT count(*) AS n FROM f.t WHERE mode IS DISTINCT FROM 'AIR'" \
    "SELECT count(*) AS n FROM f.t WHERE mode = 'AIR' OR mode IS NULL" \
    "SELECT count(*) AS n FROM f.t WHERE NOT (mode = 'AIR' OR mode = 'MAIL')" \
    "SELECT count(*) AS n, sum(amount) AS s FROM f.t WHERE mode = 'TRUCK' AND grp IN ('g1', 'g2') AND qty BETWEEN 5 AND 20" \
    "SELECT count(*) AS n FROM f.t WHERE name LIKE 'n1%'" \
    "SELECT count(*) AS n FROM f.t WHERE name = 'n42' OR name = 'n4242'" \
    "SELECT count(*) AS n FROM f.t WHERE mode = grp OR upper(mode) = 'AIR'" \
    "SELECT mode, grp, count(*) AS n, min(id) AS lo FROM f.t WHERE mode > 'F' AND grp <> 'g0' GROUP BY mode, grp ORDER BY mode, grp" \
    "SELECT id, mode, qty FROM f.t WHERE (mode = 'FOB' OR mode IS NULL) AND id < 3000 ORDER BY id" \
    "SELECT count(*) AS n FROM f.t WHERE mode = 'NONE'"; do
    check 1 "$q"
    check 2 "$q"
done

# 1b. EXPLAIN ANALYZE counts: rows filtered by code, entries evaluated
stat() { sed -nE "s/.*dictionary filters: ([0-9]+) rows by code, ([0-9]+) entries.*/\\$1/p" <<<"$2" | head -1; }
out=$(K sql --threads 1 --format csv "EXPLAIN ANALYZE SELECT count(*) FROM f.t WHERE mode = 'AIR' AND qty > 3")
rows=$(stat 1 "$out")
entries=$(stat 2 "$out")
[ "${rows:-0}" = 300000 ] || fail "dictionary filter: expected 300000 rows by code, EXPLAIN ANALYZE says: $out"
[ "${entries:-0}" -ge 8 ] && [ "${entries:-0}" -le 1000 ] ||
    fail "dictionary filter: expected a few entries evaluated per chunk (7 modes + NULL, qty's 50), got ${entries:-none}"
out=$(K sql --threads 1 --format csv "EXPLAIN ANALYZE SELECT count(*) FROM f.t WHERE upper(mode) = 'AIR'")
! grep -q "dictionary filters" <<<"$out" || fail "a function over the column must not be evaluated per dictionary entry: $out"

# 2. count(DISTINCT) of strings, in parallel
for q in \
    "SELECT count(DISTINCT name) AS a, count(DISTINCT mode) AS b, count(DISTINCT num) AS c FROM f.t" \
    "SELECT grp, count(DISTINCT name) AS a, count(DISTINCT mode) AS b, count(*) AS n FROM f.t GROUP BY grp ORDER BY grp" \
    "SELECT mode, count(DISTINCT grp) AS a, min(name) AS lo, max(name) AS hi FROM f.t WHERE qty < 25 GROUP BY mode ORDER BY mode" \
    "SELECT qty, mode, count(*) AS n, sum(amount) AS s FROM f.t GROUP BY qty, mode ORDER BY qty, mode" \
    "SELECT grp || coalesce(mode, '-') AS k, count(*) AS n FROM f.t GROUP BY 1 ORDER BY 1" \
    "SELECT CAST(qty - 25 AS TINYINT) AS a, CAST(qty AS SMALLINT) - 30 AS b, count(*) AS n FROM f.t GROUP BY 1, 2 ORDER BY 1, 2" \
    "SELECT id % 100000 - 50000 AS k, sum(qty) AS s, count(*) AS n FROM f.t GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10" \
    "SELECT name, count(*) AS n FROM f.t GROUP BY name ORDER BY n DESC, name LIMIT 5"; do
    check 1 "$q"
    check 2 "$q"
done

# 3. first error wins: always the earliest failing morsel's error
serial=$(K sql --threads 1 "SELECT sum(CAST(num AS INTEGER)) FROM f.t" 2>&1) && fail "the cast must fail"
grep -q "bad-first" <<<"$serial" || fail "serial: expected the error on 'bad-first', got: $serial"
for i in 1 2 3 4 5 6; do
    for t in 2 4; do
        got=$(K sql --threads "$t" "SELECT sum(CAST(num AS INTEGER)) FROM f.t" 2>&1) && fail "the cast must fail"
        [ "$got" = "$serial" ] || fail "threads $t, run $i: got [$got], want the serial error [$serial]"
    done
done
echo "sql_exec_features: $n_checked results equal to DuckDB's; dictionary filter counts; 12 parallel failures report the first error"
