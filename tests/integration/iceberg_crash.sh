#!/usr/bin/env bash
# Crash safety (issue 4, bar 4): a writer running 200 `korolev table append`
# commands is killed with SIGKILL (with the append in flight) after a random
# delay, in several rounds with different delays.  After each kill:
#   - the catalog points at a committed version that loads and whose history
#     is one parent chain of append snapshots, one audit table.commit record
#     per snapshot
#   - every batch the writer saw succeed is in the table exactly once with all
#     its rows; besides those only the batch in flight may be there (whole);
#     no batch is partial or doubled
#   - the current summary's total-records equals the rows read back
#     (`korolev iceberg cat` of the committed metadata) and total-data-files
#     the live data files (`korolev table files`), each of which exists
# Then `korolev table expire` (expiring all but the 5 newest snapshots) and
# file removal with the safety age disabled (--files-older-than now) must
# keep every file a retained snapshot references (metadata log, manifest
# lists, manifests and data files: each retained snapshot reads back with
# its total-records), and remove every other file under data/ (what the
# crashed appends left behind).  The audit chain verifies.
# The catalog is SQLite, or PostgreSQL when KO_TEST_PG_DSN is set (CTest runs
# this script a second time under tests/with-postgres).  KO_CRASH_SEED fixes
# the random delays.
# shellcheck disable=SC2016 # the node -e scripts are JavaScript, not shell
set -euo pipefail
: "${KOROLEV:?path of the korolev binary}"
here="$(cd "$(dirname "$0")/.." && pwd)"
[ -d "$here/node_modules/@duckdb/node-api" ] || { echo "FAIL: tests/node_modules lacks @duckdb/node-api" >&2; exit 1; }
tmp="$(mktemp -d)"
writer_pgid=""
cleanup() {
  [ -n "$writer_pgid" ] && kill -KILL -- "-$writer_pgid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export KO_WAREHOUSE="$tmp/wh"
if [ -n "${KO_TEST_PG_DSN:-}" ]; then
  export KO_CATALOG="$KO_TEST_PG_DSN" backend=postgresql
else
  export KO_CATALOG="sqlite:$tmp/catalog.db" backend=sqlite
fi
K() { "$KOROLEV" "$@"; }
ROUNDS=5 APPENDS=200
seed="${KO_CRASH_SEED:-$(date +%s%N | cut -c10-18)}"
RANDOM=$((10#$seed % 32768))
echo "iceberg_crash ($backend): seed $seed"

# json FILE EXPR: a JavaScript expression over the JSON in FILE (as j);
# integers of 16 digits and more (snapshot ids) are read as strings, exactly.
json() {
  node -e "const j = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8')
    .replace(/([:\[,]\s*)(-?\d{16,})(?=\s*[,}\]])/g, '\$1\"\$2\"')); console.log($2)" "$1"
}

# ------------------------------------------------------------ input files
# Batch (r, b) has (b % 5) + 2 rows with ids 0.. so that bucket(3, id) splits
# it into several data files.
rows_of() { echo $((($1 % 5) + 2)); }
(cd "$here" && node --input-type=module -e '
import { DuckDBInstance } from "@duckdb/node-api";
const [dir, rounds, appends] = process.argv.slice(1);
const db = await DuckDBInstance.create(":memory:");
const c = await db.connect();
for (let r = 0; r < +rounds; r++)
  for (let b = 0; b < +appends; b++)
    await c.run(`COPY (SELECT ${r}::INTEGER AS r, ${b}::INTEGER AS b, i::BIGINT AS id,
        $$row $$ || i AS name FROM range(${(b % 5) + 2}) t(i))
      TO $$${dir}/f_${r}_${b}.parquet$$ (FORMAT PARQUET)`);
' "$tmp" "$ROUNDS" "$APPENDS") || fail "DuckDB could not write the input files"

K namespace create db || fail "namespace create"
K table create db.t --like "$tmp/f_0_0.parquet" --partition-by 'bucket(3, id)' >/dev/null ||
  fail "table create"
tdir="$KO_WAREHOUSE/db/t"

# ------------------------------------------------------------ checks
# check_table: the committed version is consistent; writes $tmp/present
# ("r b" of every batch in the table).
check_table() {
  local r b n
  K table describe db.t >"$tmp/describe.json" || fail "describe after a crash"
  K table history db.t >"$tmp/history.json" || fail "history after a crash"
  K table files db.t >"$tmp/files.json" || fail "files after a crash"
  node -e '
const fs = require("fs");
const big = (t) => JSON.parse(t.replace(/([:\[,]\s*)(-?\d{16,})(?=\s*[,}\]])/g, "$1\"$2\""));
const h = big(fs.readFileSync(process.argv[1], "utf8"));
const d = big(fs.readFileSync(process.argv[2], "utf8"));
const files = big(fs.readFileSync(process.argv[3], "utf8"));
const die = (m) => { console.error("FAIL: " + m); process.exit(1); };
const byId = new Map(h.map((s) => [String(s["snapshot-id"]), s]));
let cur = String(d["current-snapshot-id"]), seen = 0;
while (byId.has(cur)) { seen++; cur = String(byId.get(cur)["parent-snapshot-id"]); }
if (seen !== h.length) die(`parent chain covers ${seen} of ${h.length} snapshots`);
if (h.some((s) => s.operation !== "append")) die("a snapshot is not an append");
const sum = d["current-snapshot"].summary;
if (+sum["total-data-files"] !== files.length) die(`total-data-files ${sum["total-data-files"]}, ${files.length} live files`);
const recs = files.reduce((a, f) => a + f["record-count"], 0);
if (+sum["total-records"] !== recs) die(`total-records ${sum["total-records"]}, files hold ${recs}`);
for (const f of files) {
  const p = f["file-path"].replace(/^file:\/\//, "");
  if (!fs.existsSync(p)) die(`live data file ${p} is missing`);
  if (fs.statSync(p).size !== f["file-size-in-bytes"]) die(`${p} has the wrong size`);
}
console.log(h.length + " " + sum["total-records"] + " " + d["metadata-location"].split("/").pop());
' "$tmp/history.json" "$tmp/describe.json" "$tmp/files.json" >"$tmp/facts" || fail "table after a crash"
  read -r n_snaps total_records meta <"$tmp/facts"
  K iceberg cat "$tdir" --metadata "$meta" >"$tmp/rows.jsonl" || fail "iceberg cat after a crash"
  [ "$(wc -l <"$tmp/rows.jsonl")" -eq "$total_records" ] ||
    fail "read $(wc -l <"$tmp/rows.jsonl") rows, total-records is $total_records"
  jq -r '"\(.r) \(.b)"' "$tmp/rows.jsonl" | sort | uniq -c | awk '{print $2, $3, $1}' >"$tmp/present_counts"
  while read -r r b n; do
    [ "$n" -eq "$(rows_of "$b")" ] || fail "batch ($r, $b) has $n rows, want $(rows_of "$b") (partial or doubled)"
  done <"$tmp/present_counts"
  awk '{print $1, $2}' "$tmp/present_counts" | sort >"$tmp/present"
  [ "$(K audit list --action table.commit --object db.t | wc -l)" -eq "$n_snaps" ] ||
    fail "$(K audit list --action table.commit --object db.t | wc -l) commit records for $n_snaps snapshots"
}

# ------------------------------------------------------------ rounds
: >"$tmp/done"
killed_at=()
for r in $(seq 0 $((ROUNDS - 1))); do
  # 50 ms .. 2.5 s: an append takes ~10-20 ms, so the kill lands mid-way.
  delay_ms=$((50 + RANDOM % 2450))
  setsid bash -c '
    for b in $(seq 0 $(('"$APPENDS"' - 1))); do
      "$KOROLEV" table append db.t "'"$tmp"'/f_'"$r"'_$b.parquet" >/dev/null 2>>"'"$tmp"'/writer_err" || exit 1
      echo "'"$r"' $b" >>"'"$tmp"'/done"
    done' &
  writer_pgid=$!
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -KILL -- "-$writer_pgid" 2>/dev/null || true
  wait "$writer_pgid" 2>/dev/null || true
  while pgrep -g "$writer_pgid" >/dev/null 2>&1; do sleep 0.01; done
  writer_pgid=""
  [ ! -s "$tmp/writer_err" ] || fail "an append failed before the kill: $(cat "$tmp/writer_err")"
  done_here=$(grep -c "^$r " "$tmp/done" || true)
  killed_at+=("${delay_ms}ms/$done_here")
  check_table
  # Present = done, plus at most the batch that was in flight.
  sort "$tmp/done" >"$tmp/done_sorted"
  missing=$(comm -23 "$tmp/done_sorted" "$tmp/present")
  [ -z "$missing" ] || fail "round $r: appends that succeeded are missing: $missing"
  extra=$(comm -13 "$tmp/done_sorted" "$tmp/present")
  if [ -n "$extra" ]; then
    [ "$extra" = "$r $done_here" ] || fail "round $r: unexpected batches in the table: $extra"
    echo "$extra" >>"$tmp/done" # committed, its output lost with the writer
  fi
done
echo "iceberg_crash ($backend): killed after (delay/appends done) ${killed_at[*]}; $n_snaps snapshots, $total_records rows"
[ "$n_snaps" -gt 0 ] || fail "no append committed in $ROUNDS rounds"

# ------------------------------------------------------------ expiry, removal
before=$(find "$tdir/data" -type f ! -name '.ko-tmp-*' | wc -l)
K table expire db.t --older-than now --retain-last 5 --files-older-than now >"$tmp/expire.json" ||
  fail "expire: $(cat "$tmp/expire.json")"
K table history db.t >"$tmp/history.json" || fail "history after expiry"
K table describe db.t >"$tmp/describe.json" || fail "describe after expiry"
kept=$(json "$tmp/history.json" 'j.length')
[ "$kept" -eq "$((n_snaps < 5 ? n_snaps : 5))" ] || fail "$kept snapshots kept after expiry"
# Every retained snapshot reads back whole, so its manifest list, manifests
# and data files are all there.
for id in $(json "$tmp/history.json" 'j.map(s => s["snapshot-id"]).join(" ")'); do
  want=$(json "$tmp/history.json" "j.find(s => String(s[\"snapshot-id\"]) === \"$id\").summary[\"total-records\"]")
  got=$(K iceberg cat "$tdir" --metadata "$(json "$tmp/describe.json" 'j["metadata-location"].split("/").pop()')" \
    --snapshot "$id" | wc -l) || fail "snapshot $id no longer reads"
  [ "$got" -eq "$want" ] || fail "snapshot $id reads $got rows, its summary says $want"
  K table files db.t --snapshot "$id" >"$tmp/sfiles.json" || fail "files of snapshot $id"
  json "$tmp/sfiles.json" 'j.map(f => f["file-path"].replace(/^file:\/\//, "")).join("\n")' >>"$tmp/referenced"
done
while read -r p; do [ -f "$p" ] || fail "referenced data file $p was removed"; done <"$tmp/referenced"
# The metadata files the current one logs are kept too.
meta_file="$tdir/metadata/$(json "$tmp/describe.json" 'j["metadata-location"].split("/").pop()')"
json "$meta_file" '(j["metadata-log"] || []).map(e => e["metadata-file"].replace(/^file:\/\//, "")).join("\n")' |
  while read -r p; do [ -z "$p" ] || [ -f "$p" ] || fail "logged metadata file $p was removed"; done
# Nothing else is left under data/: the crashed appends' files are gone.
# (Except the local store's temporary files of writes cut short, which no
# listing shows and file removal therefore never sees: counted, not failed.)
sort -u "$tmp/referenced" >"$tmp/referenced_sorted"
stray_tmp=$(find "$tdir" -type f -name '.ko-tmp-*' | wc -l)
find "$tdir/data" -type f ! -name '.ko-tmp-*' | sort >"$tmp/on_disk"
left=$(comm -13 "$tmp/referenced_sorted" "$tmp/on_disk")
[ -z "$left" ] || fail "unreferenced files survived removal: $(echo "$left" | head -5)"
after=$(wc -l <"$tmp/on_disk")
removed=$(json "$tmp/expire.json" 'j["removed-files"]')
echo "iceberg_crash ($backend): expiry kept $kept snapshots; $removed files removed, data files $before -> $after; $stray_tmp stray .ko-tmp files of killed writes remain"
K table append db.t "$tmp/f_0_0.parquet" >/dev/null || fail "append after expiry"

# ------------------------------------------------------------ audit
K audit verify >"$tmp/verify.txt" || fail "audit verify"
[ "$(K audit list --action table.remove_files --object db.t | wc -l)" -eq 1 ] || fail "table.remove_files records"
# appends of the rounds + the expiry commit + the last append
[ "$(K audit list --action table.commit --object db.t | wc -l)" -eq $((n_snaps + 2)) ] ||
  fail "table.commit records: $(K audit list --action table.commit --object db.t | wc -l), want $((n_snaps + 2))"
echo "iceberg_crash ($backend): ok"
