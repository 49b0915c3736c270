#!/usr/bin/env bash
# The command line's help, exit statuses and listing formats (docs/cli.md):
#   - `korolev --help` and `korolev VERB [SUB] --help` for every verb and
#     sub-verb of the binary's own verb table (`korolev help --commands`),
#     each with a usage line naming it and at least one example, so a new
#     verb without help fails here;
#   - usage errors exit 2, failures exit 1;
#   - every listing verb (found from the help: its usage offers
#     --format table|json|jsonl) prints valid JSON with --format json, one
#     JSON object a line with --format jsonl, and a table with a header by
#     default; the old spellings (--json, --timeout-seconds, ingest --format)
#     still work; global flags work after the verb; --output writes a file;
#   - progress bars appear only on a terminal or with --progress.
set -euo pipefail
: "${KOROLEV:?path of the korolev binary}"
: "${KO_SOURCE_DIR:?source directory}"
: "${KO_TESTDATA:?test data directory}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
K() { "$KOROLEV" --warehouse "$tmp/wh" "$@"; }

# expect_status STATUS PATTERN cmd...: exits STATUS, stderr matches PATTERN.
expect_status() {
  local want=$1 pattern=$2; shift 2
  local rc=0
  "$@" >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
  [ "$rc" -eq "$want" ] || fail "$* exited $rc, want $want: $(head -3 "$tmp/err")"
  grep -qi -- "$pattern" "$tmp/err" || fail "$*: stderr lacks '$pattern': $(head -3 "$tmp/err")"
}

# json_check KIND FILE: FILE is one JSON array (KIND json) or JSON lines.
json_check() {
  node -e '
    const fs = require("fs");
    const [kind, file] = process.argv.slice(1);
    const text = fs.readFileSync(file, "utf8");
    if (kind === "json") {
      const v = JSON.parse(text);
      if (!Array.isArray(v)) throw new Error("not an array");
      for (const o of v) if (typeof o !== "object" || o === null) throw new Error("not objects");
      console.log(v.length);
    } else {
      const lines = text.split("\n").filter((l) => l !== "");
      for (const l of lines) if (typeof JSON.parse(l) !== "object") throw new Error("not an object");
      console.log(lines.length);
    }' "$1" "$2"
}

# ------------------------------------------------------------ help
"$KOROLEV" --help >"$tmp/top" || fail "--help exited $?"
grep -q "^usage: korolev" "$tmp/top" || fail "--help lacks a usage line"
grep -q "^Examples:" "$tmp/top" || fail "--help lacks examples"
grep -q "^Exit status:" "$tmp/top" || fail "--help lacks the exit statuses"
"$KOROLEV" -h | cmp -s - "$tmp/top" || fail "-h differs from --help"

"$KOROLEV" help --commands >"$tmp/commands" || fail "help --commands exited $?"
n_cmds=$(wc -l <"$tmp/commands")
[ "$n_cmds" -ge 40 ] || fail "only $n_cmds verbs and sub-verbs: $(tr '\n' ' ' <"$tmp/commands")"
for want in "sql" "ingest" "table append" "token list" "pipeline runs" "audit list"; do
  grep -qx "$want" "$tmp/commands" || fail "help --commands lacks '$want'"
done
# Every top-level verb of the table is listed by --help, and nothing else.
grep -v ' ' "$tmp/commands" | sort >"$tmp/verbs"
sed -n '/^Verbs:/,/^$/p' "$tmp/top" | awk 'NF && !/^Verbs:/ {print $1}' | sort >"$tmp/top_verbs"
cmp -s "$tmp/verbs" "$tmp/top_verbs" ||
  fail "--help lists other verbs than the table: $(diff "$tmp/verbs" "$tmp/top_verbs" | tr '\n' ' ')"

listing=()
checked=0
while read -r cmd; do
  # shellcheck disable=SC2086 # word splitting of "verb sub" is intended
  "$KOROLEV" $cmd --help >"$tmp/help" 2>"$tmp/help.err" || fail "korolev $cmd --help exited $?: $(cat "$tmp/help.err")"
  grep -q "^usage: korolev $cmd" "$tmp/help" || fail "korolev $cmd --help has no 'usage: korolev $cmd' line"
  [ "$(sed -n '1p' "$tmp/help" | grep -c "^korolev $cmd - .")" = 1 ] ||
    fail "korolev $cmd --help does not start with a description: $(head -1 "$tmp/help")"
  grep -q "^Examples:" "$tmp/help" || fail "korolev $cmd --help has no examples"
  [ "$(sed -n '/^Examples:/,/^$/p' "$tmp/help" | grep -c '^  .*korolev ')" -ge 1 ] ||
    fail "korolev $cmd --help: no example command"
  # shellcheck disable=SC2086
  "$KOROLEV" help $cmd | cmp -s - "$tmp/help" || fail "korolev help $cmd differs from --help"
  # shellcheck disable=SC2086
  "$KOROLEV" $cmd -h | cmp -s - "$tmp/help" || fail "korolev $cmd -h differs from --help"
  if grep "^usage: korolev $cmd" "$tmp/help" | grep -q -- "--format table|json|jsonl"; then
    listing+=("$cmd")
  fi
  grep -qF "\`korolev $cmd\`" "$KO_SOURCE_DIR/docs/cli.md" || fail "docs/cli.md does not describe korolev $cmd"
  checked=$((checked + 1))
done <"$tmp/commands"
echo "help: $checked verbs and sub-verbs have a description, usage and examples, and are in docs/cli.md"

# ------------------------------------------------------------ exit statuses
expect_status 2 "usage" "$KOROLEV"
expect_status 2 "unknown verb" "$KOROLEV" frobnicate
expect_status 2 "unknown sub-verb" "$KOROLEV" table frobnicate demo.t
expect_status 2 "unknown sub-verb" "$KOROLEV" table frobnicate --help
expect_status 2 "usage: korolev table" "$KOROLEV" table list
expect_status 2 "usage: korolev token" "$KOROLEV" token list --format yaml
expect_status 2 "usage: korolev sql" "$KOROLEV" sql --no-such-flag "select 1"
expect_status 2 "usage: korolev ingest" "$KOROLEV" ingest
expect_status 2 "usage: korolev worker" "$KOROLEV" worker --concurrency zero
expect_status 2 "usage: korolev pipeline" "$KOROLEV" pipeline runs --limit many
expect_status 2 "needs a value" "$KOROLEV" table list demo --warehouse
expect_status 2 "--help shows" K audit list --limit -3

# ------------------------------------------------------------ a warehouse with some of everything
P="$KO_TESTDATA/parquet-testing/data/alltypes_plain.parquet"
[ -f "$P" ] || fail "missing $P"
K namespace create demo >/dev/null
K table create demo.t --like "$P" >/dev/null
K table append demo.t "$P" >/dev/null 2>"$tmp/append.err"
[ ! -s "$tmp/append.err" ] || fail "table append wrote to stderr without a terminal: $(cat "$tmp/append.err")"
K table append demo.t "$P" --progress >/dev/null 2>"$tmp/append.err"
grep -q "append demo.t .*100%" "$tmp/append.err" || fail "table append --progress shows no bar: $(cat "$tmp/append.err")"
K sql "create table demo.people (id bigint, name varchar)" >/dev/null
printf 'id,name\n1,ann\n2,bob\nx,bad\n' >"$tmp/p.csv"
K ingest demo.people "$tmp/p.csv" >"$tmp/ingest.json" 2>"$tmp/ingest.err"
[ ! -s "$tmp/ingest.err" ] || fail "ingest wrote to stderr without a terminal: $(cat "$tmp/ingest.err")"
grep -q '"rejected": 1' "$tmp/ingest.json" || fail "ingest record: $(cat "$tmp/ingest.json")"
K ingest demo.people - --format csv <"$tmp/p.csv" >/dev/null --progress 2>"$tmp/ingest.err" ||
  fail "ingest --format (old spelling) failed"
grep -q "ingest demo.people .*rows" "$tmp/ingest.err" || fail "ingest --progress shows nothing: $(cat "$tmp/ingest.err")"
K ingest demo.people "$tmp/p.csv" --input-format csv --no-progress >/dev/null 2>&1 || fail "ingest --input-format"
if command -v script >/dev/null; then
  # On a terminal (script(1) gives one), the bar appears without --progress.
  script -qec "$KOROLEV --warehouse $tmp/wh ingest demo.people $tmp/p.csv >/dev/null" "$tmp/tty.log" >/dev/null
  grep -q "ingest demo.people \[#*\] 100%" "$tmp/tty.log" || fail "no progress bar on a terminal: $(cat -v "$tmp/tty.log")"
fi
K token create --principal ci --role reader >/dev/null 2>&1
expect_status 1 "korolev: .*demo.nope" K table history demo.nope
mkdir -p "$tmp/pipelines"
cp "$KO_SOURCE_DIR"/examples/pipelines/*.yaml "$tmp/pipelines/"
pipe_name=$(K pipeline list --pipelines "$tmp/pipelines" --format json | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s)[0].name));')
K pipeline run "$pipe_name" --pipelines "$tmp/pipelines" --param ds=2024-05-01 >/dev/null 2>&1 ||
  fail "pipeline run $pipe_name"

# ------------------------------------------------------------ listing verbs
declare -A args=(
  ["store ls"]="$tmp/wh/demo/t"
  ["namespace list"]=""
  ["table list"]="demo"
  ["table history"]="demo.t"
  ["table files"]="demo.t"
  ["token list"]=""
  ["audit list"]=""
  ["pipeline list"]="--pipelines $tmp/pipelines"
  ["pipeline runs"]=""
  ["pipeline alerts"]=""
  ["iceberg snapshots"]="$tmp/wh/demo/t"
  ["iceberg files"]="$tmp/wh/demo/t"
)
# Listings that must not be empty here (alerts may be).
declare -A nonempty=(["pipeline alerts"]=0)
[ "${#listing[@]}" -ge 10 ] || fail "only ${#listing[@]} listing verbs found in the help: ${listing[*]}"
for cmd in "${listing[@]}"; do
  [ -n "${args[$cmd]+set}" ] || fail "listing verb '$cmd' has no invocation in this test: add it to args"
  # shellcheck disable=SC2086
  K $cmd ${args[$cmd]} --format json >"$tmp/list.json" || fail "korolev $cmd --format json exited $?"
  n=$(json_check json "$tmp/list.json") || fail "korolev $cmd --format json is not a JSON array: $(head -c 300 "$tmp/list.json")"
  [ "$n" -gt 0 ] || [ "${nonempty[$cmd]:-1}" = 0 ] || fail "korolev $cmd --format json is empty"
  # shellcheck disable=SC2086
  K $cmd ${args[$cmd]} --format jsonl >"$tmp/list.jsonl" || fail "korolev $cmd --format jsonl exited $?"
  nl=$(json_check jsonl "$tmp/list.jsonl") || fail "korolev $cmd --format jsonl is not JSON lines"
  [ "$nl" = "$n" ] || fail "korolev $cmd: $n objects in json, $nl in jsonl"
  # shellcheck disable=SC2086
  K $cmd ${args[$cmd]} --format table >"$tmp/list.txt" || fail "korolev $cmd --format table exited $?"
  head -1 "$tmp/list.txt" | grep -Eq '^[A-Z][A-Z-]*( +[A-Z][A-Z-]*)*$' ||
    fail "korolev $cmd --format table has no header: $(head -1 "$tmp/list.txt")"
  [ "$(($(wc -l <"$tmp/list.txt") - 1))" = "$n" ] || fail "korolev $cmd: table rows differ from json's $n"
  # shellcheck disable=SC2086
  expect_status 2 "usage" K $cmd ${args[$cmd]} --format xml
  echo "listing: korolev $cmd: $n rows as json, jsonl and table"
done

# Defaults: a table, except the verbs that printed JSON before --format,
# which keep printing it when stdout is not a terminal.
K token list >"$tmp/tokens.txt"
head -1 "$tmp/tokens.txt" | grep -q "^ID  *PRINCIPAL" || fail "token list does not default to a table"
K namespace list | grep -qx "demo" || fail "namespace list lacks demo"
K audit list >"$tmp/audit.jsonl"
json_check jsonl "$tmp/audit.jsonl" >/dev/null || fail "audit list piped is not JSON lines"
json_check json <(K table history demo.t) >/dev/null || fail "table history piped is not JSON"
# Old spellings.
cmp -s <(K pipeline runs --json) <(K pipeline runs --format json) || fail "pipeline runs --json differs from --format json"
# Global flags after the verb, and --output.
"$KOROLEV" table list demo --warehouse "$tmp/wh" --format json >"$tmp/late.json" || fail "--warehouse after the verb"
grep -q '"demo.t"' "$tmp/late.json" || fail "--warehouse after the verb: $(cat "$tmp/late.json")"
K token list --format json --output "$tmp/tokens.json" >"$tmp/stdout" || fail "--output"
[ ! -s "$tmp/stdout" ] || fail "--output also wrote to stdout"
json_check json "$tmp/tokens.json" >/dev/null || fail "--output file is not JSON"
expect_status 1 "cannot write" K token list --output "$tmp/no/such/dir/x"
echo "cli_help: all checks passed"
