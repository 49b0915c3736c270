#!/usr/bin/env bash
# `korolev ingest`: exact record accounting (bar 1), idempotency (bar 2),
# the reject ratio, and DuckDB reading back what was written.
#   - tests/integration/ingest_gen.awk writes N JSON lines and N CSV records
#     (default 1,000,000; KO_INGEST_ROWS overrides, e.g. under ASan) whose
#     every 100th record is invalid, 10 kinds in turn; the ingest record
#     must say N = 0.99 N written + 0.01 N rejected, the rejects by reason
#     must be 1% / 10 each, the table must hold 0.99 N rows and the rejects
#     table 0.01 N rows with the expected reasons
#   - the same ingest three times with one idempotency key (and three at
#     once) writes once: one snapshot, the later calls replay the record
#   - --max-reject-ratio below the ratio fails and commits nothing
#   - DuckDB (tests/peers/ingest_duckdb.mjs) reads the data files and gets
#     the input's valid records back, every column equal
set -euo pipefail
: "${KOROLEV:?path of the korolev binary}"
here="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export KO_WAREHOUSE="$tmp/wh"
unset KO_CATALOG
K() { "$KOROLEV" "$@"; }
N=${KO_INGEST_ROWS:-1000000}
BAD=$((N / 100))
GOOD=$((N - BAD))

# jq-free field access on the pretty-printed record
field() { sed -nE "s/^  \"$1\": \"?([^\",]*)\"?,?$/\1/p" "$2" | head -1; }
reason() { sed -nE "s/^    \"$1\": ([0-9]+),?$/\1/p" "$2" | head -1; }

cat >"$tmp/schema.json" <<'JSON'
{"type":"struct","schema-id":0,"fields":[
 {"id":1,"name":"id","required":true,"type":"long"},
 {"id":2,"name":"name","required":false,"type":"string"},
 {"id":3,"name":"qty","required":false,"type":"int"},
 {"id":4,"name":"price","required":false,"type":"decimal(12,2)"},
 {"id":5,"name":"day","required":false,"type":"date"},
 {"id":6,"name":"ts","required":false,"type":"timestamptz"},
 {"id":7,"name":"ok","required":false,"type":"boolean"},
 {"id":8,"name":"score","required":false,"type":"double"},
 {"id":9,"name":"tags","required":false,"type":{"type":"list","element-id":10,"element":"string","element-required":false}}
]}
JSON
K namespace create acc >/dev/null
for t in j c idem ratio peer; do K table create "acc.$t" --schema "$tmp/schema.json" >/dev/null; done

# ------------------------------------------------------------------ bar 1
check_accounting() { # FORMAT TABLE REASON=COUNT...
  local fmt=$1 t=$2; shift 2
  LC_ALL=C awk -v n="$N" -v fmt="$fmt" -f "$here/integration/ingest_gen.awk" >"$tmp/in.$fmt"
  local start=$SECONDS
  K ingest "acc.$t" "$tmp/in.$fmt" >"$tmp/rec.$t" || fail "$fmt ingest failed: $(cat "$tmp/rec.$t")"
  echo "$fmt: $N records ingested in $((SECONDS - start)) s"
  [ "$(field status "$tmp/rec.$t")" = succeeded ] || fail "$fmt: status is not succeeded"
  [ "$(field received "$tmp/rec.$t")" = "$N" ] || fail "$fmt: received $(field received "$tmp/rec.$t"), not $N"
  [ "$(field written "$tmp/rec.$t")" = "$GOOD" ] || fail "$fmt: written $(field written "$tmp/rec.$t"), not $GOOD"
  [ "$(field rejected "$tmp/rec.$t")" = "$BAD" ] || fail "$fmt: rejected $(field rejected "$tmp/rec.$t"), not $BAD"
  local kv r c
  for kv in "$@"; do
    r=${kv%=*} c=${kv#*=}
    [ "$(reason "$r" "$tmp/rec.$t")" = "$c" ] || fail "$fmt: $r rejects $(reason "$r" "$tmp/rec.$t"), not $c"
  done
  [ "$(K iceberg cat "$KO_WAREHOUSE/acc/$t" | wc -l)" = "$GOOD" ] || fail "$fmt: the table does not hold $GOOD rows"
  K iceberg cat "$KO_WAREHOUSE/acc/${t}__rejects" >"$tmp/rej.$t"
  [ "$(wc -l <"$tmp/rej.$t")" = "$BAD" ] || fail "$fmt: the rejects table does not hold $BAD rows"
  for kv in "$@"; do
    r=${kv%=*} c=${kv#*=}
    [ "$(grep -c "\"reason\":\"$r\"" "$tmp/rej.$t")" = "$c" ] || fail "$fmt: rejects table: $r count differs"
  done
  # every reject names its line, and those are exactly the generator's bad lines
  local hdr=0
  [ "$fmt" = csv ] && hdr=1
  sed -nE 's/.*"line":([0-9]+),.*/\1/p' "$tmp/rej.$t" | sort -n >"$tmp/lines.got"
  seq 100 100 "$N" | awk -v h="$hdr" '{print $1 + h}' >"$tmp/lines.want"
  cmp -s "$tmp/lines.got" "$tmp/lines.want" || fail "$fmt: rejected lines are not every 100th"
  # the snapshot summary carries the ingest id and counts
  local id
  id=$(field ingest-id "$tmp/rec.$t")
  K table history "acc.$t" >"$tmp/hist.$t"
  grep -q "\"korolev.ingest-id\": \"$id\"" "$tmp/hist.$t" || fail "$fmt: no snapshot names ingest $id"
  grep -q "\"korolev.rejected\": \"$BAD\"" "$tmp/hist.$t" || fail "$fmt: the summary lacks the counts"
}
E=$((BAD / 10))
check_accounting jsonl j invalid_json=$E invalid_utf8=$E missing_field=$E null_in_required=$E \
  unknown_field=$E wrong_type=$E not_integral=$E out_of_range=$E invalid_value=$E decimal_scale=$E
check_accounting csv c ragged_row=$E invalid_utf8=$E csv_syntax=$E null_in_required=$E \
  invalid_value=$((2 * E)) not_integral=$E out_of_range=$E decimal_scale=$E invalid_json=$E
K audit list --action ingest.succeeded >"$tmp/audit"
grep -q '"object":"acc.j"' "$tmp/audit" || fail "no audit record of the ingest"

# ------------------------------------------------------------------ bar 2
small="$tmp/small.jsonl"
LC_ALL=C awk -v n=5000 -v fmt=jsonl -f "$here/integration/ingest_gen.awk" >"$small"
for i in 1 2 3; do
  K ingest acc.idem "$small" --idempotency-key batch-42 >"$tmp/idem.$i" || fail "idempotent ingest $i failed"
done
[ "$(field ingest-id "$tmp/idem.1")" = "$(field ingest-id "$tmp/idem.3")" ] || fail "a replay has another ingest id"
grep -q '"replayed": true' "$tmp/idem.2" || fail "the second ingest is not a replay"
grep -q '"replayed": true' "$tmp/idem.1" && fail "the first ingest says replayed"
[ "$(K iceberg cat "$KO_WAREHOUSE/acc/idem" | wc -l)" = 4950 ] || fail "the key wrote more than once"
[ "$(K iceberg cat "$KO_WAREHOUSE/acc/idem__rejects" | wc -l)" = 50 ] || fail "the key wrote rejects more than once"
# three at once with a new key: one writes, the others replay or see it running
for i in 1 2 3; do (K ingest acc.idem "$small" --idempotency-key race-7 >"$tmp/race.$i" 2>&1 || true) & done
wait
[ "$(K iceberg cat "$KO_WAREHOUSE/acc/idem" | wc -l)" = 9900 ] || fail "racing ingests with one key wrote more than once"
[ "$(grep -l '"status": "succeeded"' "$tmp"/race.* | wc -l)" -ge 1 ] || fail "no racing ingest succeeded"
# a key used for another table is refused
K ingest acc.j "$small" --idempotency-key batch-42 >/dev/null 2>"$tmp/err" && fail "a key was reused across tables"
grep -q "was used by ingest" "$tmp/err" || fail "unclear error for a reused key: $(cat "$tmp/err")"

# ------------------------------------------------------------------ ratio
rc=0
K ingest acc.ratio "$small" --max-reject-ratio 0.005 >"$tmp/ratio" || rc=$?
[ "$rc" = 1 ] || fail "a batch over the reject ratio did not fail (exit $rc)"
[ "$(field status "$tmp/ratio")" = failed ] || fail "the record of a failed batch does not say failed"
[ "$(field rejected "$tmp/ratio")" = 50 ] || fail "the failed record lacks the counts"
[ "$(K table history acc.ratio)" = "[]" ] || fail "a failed batch committed a snapshot"
[ -z "$(find "$KO_WAREHOUSE/acc/ratio" -name '*.parquet')" ] || fail "a failed batch left data files"
K ingest acc.ratio "$small" --max-reject-ratio 0.02 >/dev/null || fail "a batch under the ratio failed"

# ---------------------------------------------------------- DuckDB reads back
LC_ALL=C awk -v n=30000 -v fmt=jsonl -f "$here/integration/ingest_gen.awk" >"$tmp/peer.jsonl"
K ingest acc.peer "$tmp/peer.jsonl" --batch-rows 4096 >/dev/null || fail "peer ingest failed"
node "$here/peers/ingest_duckdb.mjs" "$tmp/peer.jsonl" "$KO_WAREHOUSE/acc/peer/data/**/*.parquet" 100 ||
  fail "DuckDB reads something else than the input's valid records"
K audit verify >/dev/null || fail "audit chain broken"
echo "ok"
