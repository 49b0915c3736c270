#!/usr/bin/env bash
# The TPC-H benchmark (issue 6, bar 3; see bench/README.md): the 22 queries
# of bench/tpch/queries at SF 1, Korolev (`korolev sql` over the eight
# tables loaded into a warehouse) against DuckDB (over the same data files),
# with 1 and 2 threads, alternating sides, medians, peak RSS, the ratio
# Korolev / DuckDB per query and their geometric mean.  Queries the engine
# cannot run show "n/a (error)".  Not part of `make test`.
# Each side's user+sys CPU time is shown next to its wall time (Korolev:
# the process, from /usr/bin/time; DuckDB: process.cpuUsage() around the
# query) with the ratio of the medians and its geometric mean: on a
# shared machine the CPU ratio is the steadier figure.
# Knobs (environment):
#   TPCH_SF        scale factor (default 1)
#   TPCH_DIR       work directory: the generated Parquet files, the
#                  warehouse (wh/, loaded once, reloaded when the data
#                  changes) and the logs (default /dev/shm/korolev-bench/
#                  tpch-sf1, or under $PQ_DIR when that is set)
#   TPCH_ROUNDS    alternating Korolev/DuckDB rounds (default 3)
#   TPCH_REPEATS   timed runs per round and side (default 3)
#   TPCH_QUERIES   the queries to run (default "q01 ... q22")
#   TPCH_THREADS   thread counts (default "1 2")
#   TPCH_TIMEOUT   seconds one Korolev run may take before it counts as an
#                  error (default 600)
#   BUILD          build directory with the korolev binary (default build)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
K="$BUILD/korolev"
shm=/dev/shm
[ -d "$shm" ] && [ -w "$shm" ] || shm=${TMPDIR:-/tmp}
TPCH_SF=${TPCH_SF:-1}
TPCH_DIR=${TPCH_DIR:-${PQ_DIR:-$shm/korolev-bench}/tpch-sf$TPCH_SF}
TPCH_ROUNDS=${TPCH_ROUNDS:-3}
TPCH_REPEATS=${TPCH_REPEATS:-3}
TPCH_THREADS=${TPCH_THREADS:-"1 2"}
TPCH_QUERIES=${TPCH_QUERIES:-$(for f in bench/tpch/queries/q[0-9][0-9].sql; do basename "$f" .sql; done | tr '\n' ' ')}
[ -x "$K" ] || { echo "bench/tpch/bench.sh: no $K (build first, or set BUILD)" >&2; exit 2; }
duck="node bench/tpch/bench_duckdb.mjs"
data="$TPCH_DIR/data" wh="$TPCH_DIR/wh" log="$TPCH_DIR/logs"
mkdir -p "$data" "$log"
echo "== tpch: SF $TPCH_SF, 22 queries, Korolev against DuckDB ($TPCH_DIR)"
node bench/tpch/gen.mjs "$data" "$TPCH_SF"

# The warehouse, loaded once per generated data set (delete $wh to reload).
stamp=$(sed -nE 's/.*"version": "([0-9a-f]+)".*/\1/p' "$data/tpch.json")
if [ "$(cat "$wh/gen-version" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$wh"
    t0=$(date +%s%N)
    node bench/tpch/gen.mjs "$data" "$TPCH_SF" --load "$K" "$wh" >/dev/null
    echo "$stamp" >"$wh/gen-version"
    echo "loaded the 8 tables into $wh in $((($(date +%s%N) - t0) / 1000000)) ms"
fi
$duck files "$K" "$wh" "$log/files.json"
echo "DuckDB reads the tables' data files, as Korolev does ($(grep -c parquet "$log/files.json") files)"

times() { sed -nE "s/^$1 t$2 run [0-9]+: ([0-9.]+) ms.*/\1/p" "$3"; }
cpus() { sed -nE "s/^$1 t$2 run [0-9]+: .* cpu ([0-9.]+) ms.*/\1/p" "$3"; }
peaks() { sed -nE "s/^$1 t$2 run [0-9]+: .* peak ([0-9]+) KiB.*/\1/p" "$3"; }
median() { sort -n | awk '{v[NR] = $1} END {if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
maxof() { sort -n | tail -1; }
fmt_row() { printf '%-4s %3s %11s %10s %12s %9s %9s %9s %11s %11s %11s  %s\n' "$@"; }

rows=()
ratios="$log/ratios.txt" cratios="$log/cpu-ratios.txt"
: >"$ratios"
: >"$cratios"
for q in $TPCH_QUERIES; do
    qf="bench/tpch/queries/$q.sql"
    [ -f "$qf" ] || { echo "no query $qf" >&2; exit 2; }
    for n in $TPCH_THREADS; do
        klog="$log/$q.t$n.korolev.log" dlog="$log/$q.t$n.duckdb.log"
        : >"$klog"
        : >"$dlog"
        kok=1
        for ((r = 0; r < TPCH_ROUNDS; r++)); do
            [ "$kok" = 0 ] || TPCH_RESULT="$log/$q.korolev.jsonl" $duck korolev "$K" "$wh" "$qf" "$n" "$TPCH_REPEATS" >>"$klog" || kok=0
            $duck duckdb "$log/files.json" "$qf" "$n" "$TPCH_REPEATS" >>"$dlog"
        done
        dm=$(times duckdb "$n" "$dlog" | median)
        dp=$(peaks duckdb "$n" "$dlog" | maxof)
        dc=$(cpus duckdb "$n" "$dlog" | median)
        db=$(sed -nE "s/.* base ([0-9]+) KiB/\1/p" "$dlog" | sort -n | head -1)
        if [ "$kok" = 1 ]; then
            km=$(times korolev "$n" "$klog" | median)
            kp=$(peaks korolev "$n" "$klog" | maxof)
            kc=$(cpus korolev "$n" "$klog" | median)
            ratio=$(echo "scale=3; $km / $dm" | bc -l)
            cratio=$(echo "scale=3; $kc / $dc" | bc -l)
            echo "$n $cratio" >>"$cratios"
            result=$($duck compare "$log/files.json" "$qf" "$log/$q.korolev.jsonl" || true)
            echo "$n $ratio" >>"$ratios"
            rows+=("$(fmt_row "$q" "$n" "$km" "$dm" "$ratio" "$kc" "$dc" "$cratio" "$((kp / 1024))" "$((dp / 1024))" "$((db / 1024))" "$result")")
        else
            err=$(sed -nE 's/^korolev t[0-9]+ error: //p' "$klog" | head -1)
            rows+=("$(fmt_row "$q" "$n" "-" "$dm" "n/a (error)" "-" "$dc" "-" "-" "$((dp / 1024))" "$((db / 1024))" "${err:0:110}")")
        fi
        echo "${rows[-1]}"
    done
done
echo
fmt_row query thr "korolev ms" "duckdb ms" "ratio" "k cpu ms" "d cpu ms" "cpu ratio" "k peak MiB" "d peak MiB" "d base MiB" result
printf '%s\n' "${rows[@]}"
for n in $TPCH_THREADS; do
    awk -v n="$n" -v total="$(echo "$TPCH_QUERIES" | wc -w)" '$1 == n {s += log($2); c++; if ($2 > m) m = $2}
        END {if (c) printf "%d thread%s: geometric mean of the ratios %.3f over %d of %d queries (worst %.2f)\n", n, n == 1 ? "" : "s", exp(s / c), c, total, m;
             else printf "%d thread%s: no query ran on Korolev\n", n, n == 1 ? "" : "s"}' "$ratios"
    awk -v n="$n" '$1 == n {s += log($2); c++; if ($2 > m) m = $2}
        END {if (c) printf "%d thread%s: geometric mean of the CPU-time (user+sys) ratios %.3f (worst %.2f)\n", n, n == 1 ? "" : "s", exp(s / c), m}' "$cratios"
done
echo "(medians of $((TPCH_ROUNDS * TPCH_REPEATS)) runs per side; ratio = Korolev / DuckDB; Korolev's time is a whole process," \
    "DuckDB's a query in a warm process whose base RSS (node + DuckDB before the query) is shown)"
