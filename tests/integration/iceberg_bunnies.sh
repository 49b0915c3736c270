#!/usr/bin/env bash
# `korolev iceberg cat|snapshots|files` on the Java-written bunnies table
# ($KO_TESTDATA/iceberg/java/bunnies: a v2 table with a schema change, a
# position delete and an equality delete, whose metadata records
# s3a://hyperparam-iceberg/java/bunnies locations):
#   - each of its five metadata versions reads as the same multiset of rows
#     as icebird (tests/peers/icebird_read.mjs, served from disk by
#     tests/peers/localfetch.mjs), with the row counts the history implies
#   - time travel by snapshot id and by timestamp reads the same rows as the
#     metadata version that made that snapshot current
#   - a copied table (with and without version-hint.text, by path, relative
#     path and file:// URI) reads the same
#   - CSV output and --limit; `files` shows which deletes apply
#   - bad input fails with exit 1 naming what is wrong; usage errors exit 2
set -euo pipefail
: "${KOROLEV:?path of the korolev binary}"
: "${KO_TESTDATA:?path of the shared test data}"
here="$(cd "$(dirname "$0")/.." && pwd)"
table="$KO_TESTDATA/iceberg/java/bunnies"
peer="$here/peers/icebird_read.mjs"
[ -d "$here/node_modules/icebird" ] || { echo "FAIL: tests/node_modules lacks icebird (npm ci in tests/)" >&2; exit 1; }
[ -d "$table/metadata" ] || { echo "FAIL: no bunnies table at $table" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# ours OUT args...: korolev iceberg cat args, canonical and sorted, in OUT.
ours() {
  local out=$1; shift
  "$KOROLEV" iceberg cat "$@" >"$tmp/raw" 2>"$tmp/err" || fail "korolev iceberg cat $* exited $?: $(cat "$tmp/err")"
  node "$peer" --canon <"$tmp/raw" | LC_ALL=C sort >"$out"
}

# same A B WHAT: files A and B hold the same lines.
same() {
  if ! diff -u "$1" "$2" >"$tmp/diff"; then
    head -40 "$tmp/diff" >&2
    fail "$3"
  fi
}

# expect_error STATUS PATTERN cmd...: the command fails with STATUS and says PATTERN.
expect_error() {
  local want=$1 pattern=$2; shift 2
  local rc=0
  "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  [ "$rc" -eq "$want" ] || fail "$* exited $rc, want $want: $(cat "$tmp/err")"
  grep -q -- "$pattern" "$tmp/err" || fail "$*: stderr lacks '$pattern': $(cat "$tmp/err")"
}

# current_snapshot FILE: the current-snapshot-id of a metadata file (as
# text: 64-bit ids do not survive JavaScript numbers).
current_snapshot() {
  tr -d ' \n' <"$1" | sed -n 's/.*"current-snapshot-id":\(-\{0,1\}[0-9]*\).*/\1/p'
}

# snapshot_field ID FIELD: FIELD of snapshot ID in `korolev iceberg snapshots`.
snapshot_field() {
  grep "\"snapshot-id\":$1," "$tmp/snapshots" | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"
}

# ---------------------------------------------------------------- every version vs icebird
want_rows=(0 21 21 15 15)
for v in 1 2 3 4 5; do
  node "$peer" "$table" "v$v.metadata.json" | LC_ALL=C sort >"$tmp/icebird.v$v" ||
    fail "icebird could not read v$v.metadata.json"
  ours "$tmp/ours.v$v" "$table" --metadata "v$v.metadata.json"
  same "$tmp/icebird.v$v" "$tmp/ours.v$v" "v$v.metadata.json: korolev and icebird rows differ"
  n=$(wc -l <"$tmp/ours.v$v")
  [ "$n" -eq "${want_rows[$((v - 1))]}" ] || fail "v$v.metadata.json: $n rows, want ${want_rows[$((v - 1))]}"
  echo "v$v.metadata.json: $n rows, same as icebird"
done
# The deletes did what the table's history says.
grep -q '"Breed Name":"Rex"' "$tmp/ours.v3" || fail "v3 lacks Rex"
grep -q '"Breed Name":"Rex"' "$tmp/ours.v4" && fail "v4 still has Rex (position delete not applied)"
[ "$(grep -c '"Breed Name":"New Zealand"' "$tmp/ours.v5")" -eq 1 ] ||
  fail "v5 must hold exactly the re-inserted New Zealand row (equality delete)"
grep -q '"Popularity Rank":0,.*"__happy__":true' "$tmp/ours.v5" || fail "v5 lacks the updated row"

# The current table (version-hint.text says 5) is v5.
ours "$tmp/ours.current" "$table"
same "$tmp/icebird.v5" "$tmp/ours.current" "the current version is not v5"

# ---------------------------------------------------------------- time travel
"$KOROLEV" iceberg snapshots "$table" >"$tmp/snapshots" || fail "iceberg snapshots failed"
[ "$(wc -l <"$tmp/snapshots")" -eq 3 ] || fail "want 3 snapshots: $(cat "$tmp/snapshots")"
grep -q '"operation":"delete"' "$tmp/snapshots" || fail "snapshots lack the delete"
# For each version whose current schema is its snapshot's, --snapshot ID
# and --as-of TIME on the latest metadata read what icebird read there.
for v in 2 4 5; do
  sid=$(current_snapshot "$table/metadata/v$v.metadata.json")
  ts=$(snapshot_field "$sid" timestamp-ms)
  if [ -z "$sid" ] || [ -z "$ts" ]; then fail "v$v.metadata.json: no current snapshot or timestamp"; fi
  ours "$tmp/snap.$v" "$table" --snapshot "$sid"
  same "$tmp/icebird.v$v" "$tmp/snap.$v" "--snapshot $sid differs from v$v.metadata.json"
  ours "$tmp/asof.$v" "$table" --as-of "$ts"
  same "$tmp/icebird.v$v" "$tmp/asof.$v" "--as-of $ts differs from v$v.metadata.json"
  ours "$tmp/asof2.$v" "$table" --as-of "$((ts + 1))"
  same "$tmp/icebird.v$v" "$tmp/asof2.$v" "--as-of $((ts + 1)) differs from v$v.metadata.json"
  echo "snapshot $sid (v$v): --snapshot and --as-of agree with icebird"
done
# Just before the second snapshot is the first; ISO times work too.
ts2=$(snapshot_field "$(current_snapshot "$table/metadata/v4.metadata.json")" timestamp-ms)
ours "$tmp/before" "$table" --as-of "$((ts2 - 1))"
same "$tmp/icebird.v2" "$tmp/before" "--as-of just before snapshot 2 is not snapshot 1"
ours "$tmp/iso" "$table" --as-of "2030-01-01T00:00:00Z"
same "$tmp/icebird.v5" "$tmp/iso" "--as-of in the future is not the latest snapshot"
ours "$tmp/ref" "$table" --ref main
same "$tmp/icebird.v5" "$tmp/ref" "--ref main is not the current snapshot"
expect_error 1 "no snapshot at or before" "$KOROLEV" iceberg cat "$table" --as-of 2001-01-01
expect_error 1 "no snapshot 42" "$KOROLEV" iceberg cat "$table" --snapshot 42
expect_error 1 "no branch or tag 'nope'" "$KOROLEV" iceberg cat "$table" --ref nope

# ---------------------------------------------------------------- copies
cp -r "$table" "$tmp/copy"
ours "$tmp/copy.out" "$tmp/copy"
same "$tmp/icebird.v5" "$tmp/copy.out" "a copied table reads differently"
ours "$tmp/copy.uri" "file://$tmp/copy/"
same "$tmp/icebird.v5" "$tmp/copy.uri" "file:// URI reads differently"
(cd "$tmp" && "$KOROLEV" iceberg cat ./copy/../copy) | node "$peer" --canon | LC_ALL=C sort >"$tmp/copy.rel"
same "$tmp/icebird.v5" "$tmp/copy.rel" "a relative location reads differently"
rm "$tmp/copy/metadata/version-hint.text"
ours "$tmp/copy.nohint" "$tmp/copy"
same "$tmp/icebird.v5" "$tmp/copy.nohint" "without version-hint.text the highest version must be read"
ours "$tmp/copy.v3" "$tmp/copy" --metadata "$tmp/copy/metadata/v3.metadata.json"
same "$tmp/icebird.v3" "$tmp/copy.v3" "--metadata with a full path reads differently"

# ---------------------------------------------------------------- output forms
"$KOROLEV" iceberg cat "$table" --format csv >"$tmp/csv"
[ "$(head -1 "$tmp/csv")" = "Breed Name,Average Weight,Fur Length,Lifespan,Origin Country,Ear Type,Temperament,Popularity Rank,__happy__" ] ||
  fail "CSV header: $(head -1 "$tmp/csv")"
[ "$(wc -l <"$tmp/csv")" -eq 16 ] || fail "CSV has $(wc -l <"$tmp/csv") lines, want 16"
grep -q '^Holland Lop,1.8,3,7,The Netherlands,Lop,Friendly,1,$' "$tmp/csv" || fail "CSV row: $(grep Holland "$tmp/csv")"
[ "$("$KOROLEV" iceberg cat "$table" --limit 3 | wc -l)" -eq 3 ] || fail "--limit 3"
[ "$("$KOROLEV" iceberg cat "$table" --limit 0 | wc -l)" -eq 0 ] || fail "--limit 0"
"$KOROLEV" iceberg cat "$table" --metadata v1.metadata.json --format csv >"$tmp/empty.csv"
[ "$(wc -l <"$tmp/empty.csv")" -eq 1 ] || fail "an empty table's CSV is just the header"

"$KOROLEV" iceberg files "$table" >"$tmp/files"
[ "$(wc -l <"$tmp/files")" -eq 2 ] || fail "want 2 data files: $(cat "$tmp/files")"
grep 'bunnies-initial.parquet' "$tmp/files" | grep -q '"position-deletes"' || fail "the position delete does not apply to the initial file"
grep 'bunnies-initial.parquet' "$tmp/files" | grep -q '"equality-deletes"' || fail "the equality delete does not apply to the initial file"
grep 'updated-new-zealand' "$tmp/files" | grep -q '"deletes":\[\]' || fail "no delete applies to the file of the last commit"

# ---------------------------------------------------------------- errors
expect_error 2 "usage" "$KOROLEV" iceberg
expect_error 2 "usage" "$KOROLEV" iceberg cat
expect_error 2 "usage" "$KOROLEV" iceberg frob "$table"
expect_error 2 "usage" "$KOROLEV" iceberg cat "$table" --format xml
expect_error 2 "usage" "$KOROLEV" iceberg cat "$table" --snapshot 1 --as-of 5
expect_error 1 "no Iceberg metadata" "$KOROLEV" iceberg cat "$tmp"
expect_error 1 "v9.metadata.json" "$KOROLEV" iceberg cat "$table" --metadata v9.metadata.json
printf '{"format-version":2,' >"$tmp/copy/metadata/v6.metadata.json"
expect_error 1 "v6.metadata.json" "$KOROLEV" iceberg cat "$tmp/copy"
rm "$tmp/copy/metadata/v6.metadata.json"
manifest=$(ls "$tmp/copy/metadata/"a01399a1-*-m0.avro)
head -c 100 "$manifest" >"$tmp/m" && cp "$tmp/m" "$manifest"
expect_error 1 "a01399a1-e864-4562-b921-c8cb56e6e4a9-m0.avro" "$KOROLEV" iceberg cat "$tmp/copy"
rm "$tmp/copy/data/bunnies-initial.parquet"
expect_error 1 "bunnies-initial.parquet" "$KOROLEV" iceberg cat "$tmp/copy" --metadata v2.metadata.json
echo "iceberg_bunnies: ok"
