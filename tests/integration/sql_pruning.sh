#!/usr/bin/env bash
# Pruning on a partitioned and sorted table (issue 5, bar 3): a selective
# query must skip files (partition values and column bounds), row groups
# (statistics) and pages (page index), and read under 5% of the table's
# bytes, as EXPLAIN ANALYZE reports them.  "bytes read" there is what the
# Parquet readers fetched from the store (footers, page indexes,
# dictionaries, pages), not an estimate; the denominator here is the size
# of every data file of the table (`korolev table files`), skipped ones
# included.
#
# Data (tests/peers/sql_pruning_gen.mjs): 600,000 rows sorted by id, a date
# d rising with id over 6 months; the table is partitioned by month(d), so
# one file per month, with small row groups and pages so that each file
# has several of both.  The selective query filters on d (partition
# pruning) and on an id range (file bounds, row group statistics, page
# index); its answer must equal DuckDB's over the source file.  Controls
# that keep the test honest: a full scan must report reading most of the
# bytes and no file skipped, with DuckDB's answer too.
set -euo pipefail
: "${KOROLEV:?path of the korolev binary}"
here="$(cd "$(dirname "$0")/.." && pwd)"
[ -d "$here/node_modules/@duckdb/node-api" ] || { echo "FAIL: tests/node_modules lacks @duckdb/node-api (npm ci in tests/)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gen() { (cd "$here" && node peers/sql_pruning_gen.mjs "$@"); }
fail() { echo "FAIL: $*" >&2; exit 1; }
K() { "$KOROLEV" --warehouse "$tmp/wh" "$@"; }

gen gen "$tmp/src.parquet" 600000
K namespace create p >/dev/null
K table create p.ev --like "$tmp/src.parquet" --partition-by 'month(d)' \
    --property write.parquet.row-group-size-bytes=2000000 \
    --property write.parquet.page-size-bytes=65536 >/dev/null
K table append p.ev "$tmp/src.parquet" >/dev/null
total=$(K table files p.ev | node -e '
  const j = JSON.parse(require("fs").readFileSync(0, "utf8"));
  let s = 0, n = 0;
  for (const f of j) if (f.content === "data") { s += Number(f["file-size-in-bytes"]); n++; }
  console.log(s, n);')
read -r total_bytes n_files <<<"$total"
[ "$n_files" -ge 6 ] || fail "expected one data file per month (6), got $n_files"

# a number of EXPLAIN ANALYZE's statistics, by the words before it
stat() { sed -nE "s/.*$1 ([0-9]+).*/\1/p" <<<"$2" | head -1; }

check_query() { # NAME SQL: Korolev's answer equals DuckDB's; prints EXPLAIN ANALYZE
    local want got
    want=$(gen query "$tmp/src.parquet" "${2//p.ev/t}")
    got=$(K sql --format jsonl "$2")
    [ "$(node -e 'const [a, b] = process.argv.slice(1).map((s) => Object.values(JSON.parse(s)).map(Number));
        console.log(a.length === b.length && a.every((x, i) => Math.abs(x - b[i]) <= 1e-9 * Math.max(1, Math.abs(x))))' "$want" "$got")" = true ] ||
        fail "$1: Korolev gives $got, DuckDB $want"
    K sql --format csv "EXPLAIN ANALYZE $2"
}

sel="SELECT count(*) AS n, sum(amount) AS s FROM p.ev WHERE d >= DATE '2024-03-01' AND d < DATE '2024-04-01' AND id BETWEEN 250000 AND 250499"
out=$(check_query selective "$sel")
echo "$out" | grep -E '^"?(files|rows read)' | sed 's/"//g'
files_scanned=$(stat "files:" "$out")
files_skipped=$(sed -nE 's/.*files: [0-9]+ scanned, ([0-9]+) skipped.*/\1/p' <<<"$out")
rgs_scanned=$(stat "row groups:" "$out")
rgs_skipped=$(sed -nE 's/.*row groups: [0-9]+ scanned, ([0-9]+) skipped.*/\1/p' <<<"$out")
pages_read=$(stat "pages:" "$out")
pages_skipped=$(sed -nE 's/.*pages: [0-9]+ read, ([0-9]+) skipped.*/\1/p' <<<"$out")
bytes=$(stat "bytes read:" "$out")
[ -n "$bytes" ] && [ -n "$pages_skipped" ] && [ -n "$rgs_skipped" ] || fail "EXPLAIN ANALYZE lacks the statistics: $out"
pct=$(awk -v b="$bytes" -v t="$total_bytes" 'BEGIN { printf "%.2f", 100 * b / t }')
echo "selective: files $files_scanned scanned, $files_skipped skipped; row groups $rgs_scanned scanned, $rgs_skipped skipped; pages $pages_read read, $pages_skipped skipped; $bytes of $total_bytes bytes ($pct%)"
[ "$files_skipped" -ge 5 ] || fail "selective query skipped $files_skipped of $n_files files (want >= 5)"
[ "$rgs_skipped" -ge 1 ] || fail "selective query skipped no row group"
[ "$pages_skipped" -ge 1 ] || fail "selective query skipped no page"
awk -v b="$bytes" -v t="$total_bytes" 'BEGIN { exit !(b > 0 && b < 0.05 * t) }' ||
    fail "selective query read $bytes of $total_bytes bytes ($pct%, want > 0 and < 5%)"

# Control: a query that needs every row reads most bytes and skips nothing.
full="SELECT count(*) AS n, sum(amount) AS s, count(DISTINCT cat) AS c FROM p.ev WHERE note IS NOT NULL"
out=$(check_query full "$full")
bytes=$(stat "bytes read:" "$out")
files_skipped=$(sed -nE 's/.*files: [0-9]+ scanned, ([0-9]+) skipped.*/\1/p' <<<"$out")
pct=$(awk -v b="$bytes" -v t="$total_bytes" 'BEGIN { printf "%.2f", 100 * b / t }')
echo "full scan: $files_skipped files skipped; $bytes of $total_bytes bytes ($pct%)"
[ "$files_skipped" -eq 0 ] || fail "full scan skipped $files_skipped files"
awk -v b="$bytes" -v t="$total_bytes" 'BEGIN { exit !(b > 0.5 * t) }' ||
    fail "full scan reports $bytes of $total_bytes bytes read: the byte count is not real"

# Predicates the pruning must not get wrong: IN lists, OR, IS NULL, <>.
for q in "SELECT count(*) AS n FROM p.ev WHERE id IN (5, 150000, 599999, 700000)" \
    "SELECT count(*) AS n FROM p.ev WHERE id < 10 OR d > DATE '2024-06-27'" \
    "SELECT count(*) AS n FROM p.ev WHERE d IS NULL OR id = 42" \
    "SELECT count(*) AS n FROM p.ev WHERE id <> 3 AND d <= DATE '2024-01-02'" \
    "SELECT count(*) AS n FROM p.ev WHERE cat = 'c3' AND id >= 599990"; do
    check_query "$q" "$q" >/dev/null
done
echo "sql_pruning: ok"
