#!/usr/bin/env bash
# Concurrent appends (issue 4, bar 3): 8 processes each run 50 `korolev table
# append` commands against one table at the same time.
#   - DuckDB writes the 400 small input files; file (w, s) holds 1..7 rows
#     tagged w and s, so every append is recognisable in the table
#   - every append must succeed (the commit loop retries conflicts with
#     backoff); an append that fails is reported with its error and the test
#     fails, after checking that its rows did not land anyway
#   - the history holds exactly 400 append snapshots, one per reported
#     snapshot id, in one parent chain from the current snapshot back to the
#     first; sequence numbers are 1..400
#   - the current summary's total-records and total-data-files are exact, and
#     `korolev iceberg cat` of the committed metadata returns every (w, s)
#     batch exactly once with its row count
#   - a second table allows one attempt per commit (property
#     commit.retry.num-retries=0): appends that lose a race fail with a clear
#     error, and the table holds exactly the rows of those that succeeded
#   - the audit trail holds one record per mutation (1 namespace.create,
#     2 table.create, one table.commit per successful append and none for
#     the failed ones), `audit verify` passes, and a record
#     tampered with directly in the database makes it fail naming that record
# The catalog is SQLite, or PostgreSQL when KO_TEST_PG_DSN is set (CTest runs
# this script a second time under tests/with-postgres).
# shellcheck disable=SC2016 # the node -e scripts are JavaScript, not shell
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
else
  export KO_CATALOG="sqlite:$tmp/catalog.db" backend=sqlite
fi
K() { "$KOROLEV" "$@"; }
WRITERS=8 APPENDS=50
start=$(date +%s.%N)

# json FILE EXPR: a JavaScript expression over the JSON in FILE (as j);
# integers of 16 digits and more (snapshot ids) are read as strings, exactly.
json() {
  node -e "const j = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8')
    .replace(/([:\[,]\s*)(-?\d{16,})(?=\s*[,}\]])/g, '\$1\"\$2\"')); console.log($2)" "$1"
}

# ------------------------------------------------------------ input files
rows_of() { echo $(((($1 * 50 + $2) % 7) + 1)); }
(cd "$here" && node --input-type=module -e '
import { DuckDBInstance } from "@duckdb/node-api";
const [dir, writers, appends] = process.argv.slice(1);
const db = await DuckDBInstance.create(":memory:");
const c = await db.connect();
for (let w = 0; w < +writers; w++)
  for (let s = 0; s < +appends; s++)
    await c.run(`COPY (SELECT ${w}::INTEGER AS w, ${s}::INTEGER AS s, i::BIGINT AS id,
        $$row $$ || i AS name FROM range(${((w * 50 + s) % 7) + 1}) t(i))
      TO $$${dir}/f_${w}_${s}.parquet$$ (FORMAT PARQUET)`);
' "$tmp" "$WRITERS" "$APPENDS") || fail "DuckDB could not write the input files"
expected_rows=0
for w in $(seq 0 $((WRITERS - 1))); do
  for s in $(seq 0 $((APPENDS - 1))); do expected_rows=$((expected_rows + $(rows_of "$w" "$s"))); done
done

K namespace create db || fail "namespace create"
K table create db.t --like "$tmp/f_0_0.parquet" >/dev/null || fail "table create"

# ------------------------------------------------------------ the writers
writer() {
  local w=$1 s rc
  for s in $(seq 0 $((APPENDS - 1))); do
    rc=0
    K table append db.t "$tmp/f_${w}_${s}.parquet" >"$tmp/out_${w}_${s}.json" 2>"$tmp/err_${w}_${s}.txt" || rc=$?
    echo "$s $rc" >>"$tmp/status_$w"
  done
}
pids=()
for w in $(seq 0 $((WRITERS - 1))); do
  writer "$w" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "writer process $p failed"; done
elapsed=$(echo "$(date +%s.%N) - $start" | bc)

ok=0 failed=0
: >"$tmp/ok_outputs"
: >"$tmp/failed_batches"
for w in $(seq 0 $((WRITERS - 1))); do
  [ "$(wc -l <"$tmp/status_$w")" -eq "$APPENDS" ] || fail "writer $w ran $(wc -l <"$tmp/status_$w") appends"
  while read -r s rc; do
    if [ "$rc" -eq 0 ]; then
      ok=$((ok + 1))
      echo "$tmp/out_${w}_${s}.json" >>"$tmp/ok_outputs"
    else
      failed=$((failed + 1))
      echo "append ($w, $s) exited $rc: $(cat "$tmp/err_${w}_${s}.txt")" >&2
      [ "$rc" -eq 1 ] && grep -q "db.t" "$tmp/err_${w}_${s}.txt" ||
        fail "append ($w, $s) failed without a clear error naming the table"
      echo "$w $s" >>"$tmp/failed_batches"
    fi
  done <"$tmp/status_$w"
done
# "snapshot-id attempts" of every successful append, read in one go.
node -e '
const fs = require("fs");
for (const f of fs.readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean)) {
  const t = fs.readFileSync(f, "utf8");
  console.log(t.match(/"snapshot-id": *(\d+)/)[1] + " " + JSON.parse(t).attempts);
}' "$tmp/ok_outputs" >"$tmp/reported_ids" || fail "append outputs lack snapshot ids"
attempts_total=$(awk '{n += $2} END {print n + 0}' "$tmp/reported_ids")
attempts_max=$(awk '$2 > m {m = $2} END {print m + 0}' "$tmp/reported_ids")
echo "iceberg_concurrency ($backend): $ok appends succeeded, $failed failed, $attempts_total attempts (max $attempts_max per append) in ${elapsed}s"

# ------------------------------------------------------------ the table
K table describe db.t >"$tmp/describe.json" || fail "describe"
K table history db.t >"$tmp/history.json" || fail "history"
# Every failed append must have left nothing behind: its batch is checked
# below against the rows read back.  Then the test demands all of them.
node -e '
const fs = require("fs");
const big = (t) => JSON.parse(t.replace(/([:\[,]\s*)(-?\d{16,})(?=\s*[,}\]])/g, "$1\"$2\""));
const h = big(fs.readFileSync(process.argv[1], "utf8"));
const d = big(fs.readFileSync(process.argv[2], "utf8"));
const reported = fs.readFileSync(process.argv[3], "utf8").split("\n").filter(Boolean).map((l) => l.split(" ")[0]);
const want = +process.argv[4], wantRows = +process.argv[5];
const die = (m) => { console.error("FAIL: " + m); process.exit(1); };
if (h.length !== want) die(`history has ${h.length} snapshots, want ${want}`);
const byId = new Map(h.map((s) => [String(s["snapshot-id"]), s]));
if (byId.size !== h.length) die("duplicate snapshot ids in the history");
h.forEach((s, i) => {
  if (s.operation !== "append") die(`snapshot ${s["snapshot-id"]} is a ${s.operation}`);
  if (s["sequence-number"] !== i + 1) die(`snapshot ${i} has sequence number ${s["sequence-number"]}`);
  const parent = i === 0 ? null : String(h[i - 1]["snapshot-id"]);
  if ((s["parent-snapshot-id"] ?? null) !== parent && String(s["parent-snapshot-id"]) !== parent)
    die(`snapshot ${s["snapshot-id"]}: parent ${s["parent-snapshot-id"]}, want ${parent}`);
  if (+s.summary["added-data-files"] !== 1) die(`snapshot ${s["snapshot-id"]} added ${s.summary["added-data-files"]} files`);
});
// Walk the parent chain from the current snapshot: it must visit all of them.
let cur = String(d["current-snapshot-id"]), seen = 0;
while (cur !== "null" && cur !== "undefined" && byId.has(cur)) { seen++; cur = String(byId.get(cur)["parent-snapshot-id"]); }
if (seen !== want) die(`the parent chain from the current snapshot has ${seen} snapshots, want ${want}`);
for (const id of reported) if (!byId.has(id)) die(`reported snapshot ${id} is not in the history (lost)`);
if (new Set(reported).size !== reported.length) die("two appends reported the same snapshot id");
const sum = d["current-snapshot"].summary;
if (+sum["total-records"] !== wantRows) die(`total-records ${sum["total-records"]}, want ${wantRows}`);
if (+sum["total-data-files"] !== want) die(`total-data-files ${sum["total-data-files"]}, want ${want}`);
' "$tmp/history.json" "$tmp/describe.json" "$tmp/reported_ids" "$ok" \
  "$((expected_rows - $(awk '{n += (($1 * 50 + $2) % 7) + 1} END {print n + 0}' "$tmp/failed_batches")))" ||
  fail "history or summary"

meta=$(json "$tmp/describe.json" 'j["metadata-location"].split("/").pop()')
K iceberg cat "$KO_WAREHOUSE/db/t" --metadata "$meta" >"$tmp/rows.jsonl" || fail "iceberg cat"
[ "$(wc -l <"$tmp/rows.jsonl")" -eq "$(json "$tmp/describe.json" 'j["current-snapshot"].summary["total-records"]')" ] ||
  fail "iceberg cat returned $(wc -l <"$tmp/rows.jsonl") rows, the summary says otherwise"
jq -r '"\(.w) \(.s)"' "$tmp/rows.jsonl" | sort | uniq -c | awk '{print $2, $3, $1}' | sort >"$tmp/got"
for w in $(seq 0 $((WRITERS - 1))); do
  for s in $(seq 0 $((APPENDS - 1))); do
    grep -qx "$w $s" "$tmp/failed_batches" || echo "$w $s $(rows_of "$w" "$s")"
  done
done | sort >"$tmp/want"
diff "$tmp/want" "$tmp/got" >"$tmp/diff" || fail "rows read back differ from the appended batches: $(head "$tmp/diff")"
[ "$failed" -eq 0 ] || fail "$failed appends failed (reported, and their rows are absent): all $((WRITERS * APPENDS)) must commit"
[ "$ok" -eq $((WRITERS * APPENDS)) ] || fail "$ok appends succeeded"

# ------------------------------------------------------------ retries exhausted
# Table db.r allows one attempt per commit (commit.retry.num-retries=0), so
# under contention appends fail: each failure must be reported (exit 1,
# naming the table and the attempts) and leave no trace, and each success
# must be in the table.
K table create db.r --like "$tmp/f_0_0.parquet" --property commit.retry.num-retries=0 >/dev/null ||
  fail "table create db.r"
short_writer() {
  local w=$1 s rc
  for s in $(seq 0 11); do
    rc=0
    K table append db.r "$tmp/f_${w}_${s}.parquet" >/dev/null 2>"$tmp/rerr_${w}_${s}.txt" || rc=$?
    echo "$w $s $rc" >>"$tmp/rstatus_$w"
  done
}
pids=()
for w in 0 1 2 3 4 5 6 7; do
  short_writer "$w" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "writer process $p failed"; done
cat "$tmp"/rstatus_? >"$tmp/rstatus"
r_ok=$(awk '$3 == 0' "$tmp/rstatus" | wc -l)
r_failed=$(awk '$3 != 0' "$tmp/rstatus" | wc -l)
[ $((r_ok + r_failed)) -eq 96 ] || fail "db.r: $((r_ok + r_failed)) appends ran"
while read -r w s rc; do
  [ "$rc" -eq 1 ] || fail "append ($w, $s) to db.r exited $rc"
  grep -q "table db.r: commit failed after 1 attempts" "$tmp/rerr_${w}_${s}.txt" ||
    fail "append ($w, $s) to db.r: unclear error: $(cat "$tmp/rerr_${w}_${s}.txt")"
done < <(awk '$3 != 0' "$tmp/rstatus")
K table history db.r >"$tmp/rhistory.json" || fail "history db.r"
[ "$(json "$tmp/rhistory.json" 'j.length')" -eq "$r_ok" ] || fail "db.r has $(json "$tmp/rhistory.json" 'j.length') snapshots, $r_ok appends succeeded"
K iceberg cat "$KO_WAREHOUSE/db/r" | jq -r '"\(.w) \(.s)"' | sort | uniq -c | awk '{print $2, $3, $1}' | sort >"$tmp/rgot"
awk '$3 == 0 {print $1, $2, (($1 * 50 + $2) % 7) + 1}' "$tmp/rstatus" | sort >"$tmp/rwant"
diff "$tmp/rwant" "$tmp/rgot" >"$tmp/rdiff" || fail "db.r rows differ from the successful appends: $(head "$tmp/rdiff")"
echo "iceberg_concurrency ($backend): with one attempt allowed, $r_ok of 96 appends committed and $r_failed failed cleanly"

# ------------------------------------------------------------ audit
count() { K audit list "$@" | wc -l; }
[ "$(count --action namespace.create)" -eq 1 ] || fail "namespace.create records"
[ "$(count --action table.create --object db.t)" -eq 1 ] || fail "table.create records"
[ "$(count --action table.create --object db.r)" -eq 1 ] || fail "table.create records of db.r"
[ "$(count --action table.commit --object db.r)" -eq "$r_ok" ] || fail "table.commit records of db.r"
[ "$(count --action table.commit --object db.t)" -eq $((WRITERS * APPENDS)) ] ||
  fail "table.commit records: $(count --action table.commit --object db.t)"
total=$(count)
[ "$total" -eq $((WRITERS * APPENDS + r_ok + 3)) ] || fail "the audit trail has $total records"
K audit list --action table.commit --object db.t | jq -r '.after' | sort -u | wc -l >"$tmp/n_after"
[ "$(cat "$tmp/n_after")" -eq $((WRITERS * APPENDS)) ] || fail "commit records repeat a metadata location"
K audit verify >"$tmp/verify.txt" || fail "audit verify: $(cat "$tmp/verify.txt")"
grep -q "audit chain ok: $total records" "$tmp/verify.txt" || fail "audit verify: $(cat "$tmp/verify.txt")"

victim=$((total / 2))
tamper="UPDATE ko_audit SET summary = '{\"operation\":\"forged\"}' WHERE id = $victim"
if [ "$backend" = sqlite ]; then
  sqlite3 "$tmp/catalog.db" "DROP TRIGGER ko_audit_no_update; $tamper;" || fail "sqlite3 tamper"
else
  psql -q -v ON_ERROR_STOP=1 "$KO_TEST_PG_DSN" \
    -c "ALTER TABLE ko_audit DISABLE TRIGGER ko_audit_no_change; $tamper;" || fail "psql tamper"
fi
rc=0
K audit verify >"$tmp/verify.txt" 2>"$tmp/verify.err" || rc=$?
[ "$rc" -eq 1 ] || fail "audit verify exited $rc after tampering with record $victim"
grep -q "record $victim\b" "$tmp/verify.err" || fail "audit verify does not name record $victim: $(cat "$tmp/verify.err")"
echo "iceberg_concurrency ($backend): ok ($(cat "$tmp/verify.err"))"
