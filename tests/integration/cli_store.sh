#!/usr/bin/env bash
# `korolev store ls|cat|put|rm` against a local directory and against s3rver:
# round trips (small, 20 MiB streamed through stdin), listing, deletion, and
# clear errors with exit status 1 (failure) or 2 (usage).
set -euo pipefail
: "${KOROLEV:?path of the korolev binary}"
if [ -z "${S3_ENDPOINT:-}" ]; then
  exec "$(dirname "$0")/../with-s3rver" bash "$0" "$@"
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_error STATUS PATTERN cmd...: the command fails with STATUS and says PATTERN.
expect_error() {
  local want=$1 pattern=$2; shift 2
  local rc=0
  "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  [ "$rc" -eq "$want" ] || fail "$* exited $rc, want $want: $(cat "$tmp/err")"
  grep -q -- "$pattern" "$tmp/err" || fail "$*: stderr lacks '$pattern': $(cat "$tmp/err")"
}

"$KOROLEV" --help | grep -q "store" || fail "--help does not list store"
expect_error 2 "unknown verb" "$KOROLEV" frobnicate
expect_error 2 "usage" "$KOROLEV" store
expect_error 2 "usage" "$KOROLEV" store mv x

head -c 20971520 /dev/urandom >"$tmp/big"
printf 'hello, korolev\n' >"$tmp/small"

check_store() {
  local base=$1
  "$KOROLEV" store put "$base/a/small.txt" "$tmp/small"
  "$KOROLEV" store cat "$base/a/small.txt" | cmp - "$tmp/small" || fail "$base: small round trip"
  "$KOROLEV" store put "$base/a/big.bin" <"$tmp/big"
  "$KOROLEV" store cat "$base/a/big.bin" | cmp - "$tmp/big" || fail "$base: big round trip"
  "$KOROLEV" store ls "$base/a/" >"$tmp/ls"
  [ "$(wc -l <"$tmp/ls")" -eq 3 ] || fail "$base: ls shows $(cat "$tmp/ls")"
  head -1 "$tmp/ls" | grep -q "^SIZE  *MODIFIED  *URI$" || fail "$base: ls lacks its header"
  grep -q "20971520 .*a/big.bin" "$tmp/ls" || fail "$base: ls lacks big.bin size"
  "$KOROLEV" store ls "$base/a/" --format jsonl >"$tmp/ls.jsonl"
  [ "$(wc -l <"$tmp/ls.jsonl")" -eq 2 ] || fail "$base: ls --format jsonl shows $(cat "$tmp/ls.jsonl")"
  grep -q '"size":20971520,.*a/big.bin"' "$tmp/ls.jsonl" || fail "$base: jsonl lacks big.bin"
  "$KOROLEV" store rm "$base/a/big.bin"
  expect_error 1 "not found\|NoSuchKey" "$KOROLEV" store cat "$base/a/big.bin"
  "$KOROLEV" store rm "$base/a/big.bin" # deleting again is fine
  expect_error 1 "open $tmp/nope" "$KOROLEV" store put "$base/a/x" "$tmp/nope"
}

check_store "$tmp/wh"
check_store "file://$tmp/wh2"
check_store "s3://$KO_TEST_S3_BUCKET/cli"

expect_error 1 "invalid\|'\.\.'\|\.\." "$KOROLEV" store put "s3://$KO_TEST_S3_BUCKET/a/../../x" "$tmp/small"
expect_error 1 "unknown scheme" "$KOROLEV" store cat "ftp://host/x"
echo "cli_store: all checks passed"
