#!/usr/bin/env bash
# bench_ingest.sh - `bench/run ingest`: JSON lines and CSV ingest to a
# durable commit against DuckDB reading the same file and writing Parquet
# (bench/README.md, "Ingest against DuckDB").
#
# INGEST_ROWS (1,000,000) valid records from tests/integration/ingest_gen.awk
# as JSON lines (~155 MB) and CSV (~95 MB).  For each format and thread
# count (INGEST_THREADS, default "1 2") the two sides alternate
# INGEST_ROUNDS times (default 5):
#   korolev  a whole `korolev ingest b.t FILE --threads N` process into a
#            fresh table (parse, coerce, shred, Parquet zstd, SQLite commit
#            with synchronous=FULL): wall time, and user+system CPU time
#            from /usr/bin/time;
#   duckdb   COPY (SELECT * FROM read_json|read_csv(FILE)) TO 'x.parquet'
#            (FORMAT parquet, COMPRESSION zstd) with SET threads = N in a
#            warm process (bench_ingest_duckdb.mjs): wall and CPU time.
# Printed: medians, rows/s and MB/s of Korolev, and the ratios DuckDB /
# Korolev of wall time and of CPU time (above 1.0: Korolev is faster).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
shm=/dev/shm
[ -d "$shm" ] && [ -w "$shm" ] || shm=${TMPDIR:-/tmp}
dir=${INGEST_DIR:-$shm/korolev-bench-ingest}
rows=${INGEST_ROWS:-1000000}
rounds=${INGEST_ROUNDS:-5}
threads_list=${INGEST_THREADS:-"1 2"}
mkdir -p "$dir"
cat >"$dir/schema.json" <<'JSON'
{"type":"struct","schema-id":0,"fields":[
 {"id":1,"name":"id","required":true,"type":"long"},
 {"id":2,"name":"name","required":false,"type":"string"},
 {"id":3,"name":"qty","required":false,"type":"long"},
 {"id":4,"name":"price","required":false,"type":"double"},
 {"id":5,"name":"day","required":false,"type":"date"},
 {"id":6,"name":"ts","required":false,"type":"timestamptz"},
 {"id":7,"name":"ok","required":false,"type":"boolean"},
 {"id":8,"name":"score","required":false,"type":"double"},
 {"id":9,"name":"tags","required":false,"type":{"type":"list","element-id":10,"element":"string","element-required":false}}
]}
JSON

median() { sort -n | awk '{v[NR] = $1} END {if (NR) print v[int((NR + 1) / 2)]}'; }

korolev_once() { # file threads -> "wall_ms cpu_ms"
    rm -rf "$dir/wh"
    KO_WAREHOUSE="$dir/wh" "$BUILD/korolev" namespace create b >/dev/null
    KO_WAREHOUSE="$dir/wh" "$BUILD/korolev" table create b.t --schema "$dir/schema.json" >/dev/null
    local t0 t1
    t0=$(date +%s%N)
    KO_WAREHOUSE="$dir/wh" /usr/bin/time -f "%U %S" -o "$dir/time.txt" \
        "$BUILD/korolev" ingest b.t "$1" --threads "$2" --no-progress >"$dir/rec.json"
    t1=$(date +%s%N)
    grep -q '"status": "succeeded"' "$dir/rec.json" || { echo "ingest failed" >&2; exit 1; }
    awk -v w=$(((t1 - t0) / 1000000)) '{printf "%d %d\n", w, ($1 + $2) * 1000}' "$dir/time.txt"
}

for fmt in jsonl csv; do
    in="$dir/in-$rows.$fmt"
    [ -f "$in" ] || LC_ALL=C awk -v n="$rows" -v fmt="$fmt" -v clean=1 \
        -f tests/integration/ingest_gen.awk >"$in"
    bytes=$(stat -c %s "$in")
    for th in $threads_list; do
        : >"$dir/k.txt"
        : >"$dir/d.txt"
        for ((r = 1; r <= rounds; r++)); do
            korolev_once "$in" "$th" >>"$dir/k.txt"
            node bench/bench_ingest_duckdb.mjs "$in" "$dir/duck.parquet" "$th" 1 |
                sed -nE 's/^duckdb ingest run 1: ([0-9.]+) ms, [0-9]+ bytes, ([0-9.]+) ms cpu$/\1 \2/p' >>"$dir/d.txt"
        done
        kw=$(awk '{print $1}' "$dir/k.txt" | median)
        kc=$(awk '{print $2}' "$dir/k.txt" | median)
        dw=$(awk '{print $1}' "$dir/d.txt" | median)
        dc=$(awk '{print $2}' "$dir/d.txt" | median)
        awk -v f="$fmt" -v th="$th" -v rows="$rows" -v b="$bytes" -v kw="$kw" -v kc="$kc" \
            -v dw="$dw" -v dc="$dc" -v n="$rounds" 'BEGIN {
            printf "%-5s %d thread%s, %d rows, %.1f MB (medians of %d):\n", f, th, (th > 1 ? "s" : ""), rows, b / 1e6, n
            printf "  korolev %7.0f ms wall %7.0f ms cpu   %9.0f rows/s %6.1f MB/s\n", kw, kc, rows * 1000 / kw, b / 1000 / kw
            printf "  duckdb  %7.0f ms wall %7.0f ms cpu   %9.0f rows/s %6.1f MB/s\n", dw, dc, rows * 1000 / dw, b / 1000 / dw
            printf "  ratio duckdb/korolev: wall %.2f, cpu %.2f\n", dw / kw, dc / kc }'
    done
done
rm -rf "$dir/wh" "$dir/duck.parquet"
