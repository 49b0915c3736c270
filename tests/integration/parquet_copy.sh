#!/usr/bin/env bash
# Bar of the Parquet issue: every file of the parquet-testing suite, copied by
# `korolev parquet copy` (our reader, then our writer), is read by DuckDB with
# zero differences from the original and by hyparquet with the same values.
# A file Korolev refuses passes only if DuckDB refuses it as well.
set -euo pipefail
: "${KOROLEV:?path of the korolev binary}" "${KO_TESTDATA:?testdata directory}"
here="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
pairs=()
for f in "$KO_TESTDATA"/parquet-testing/data/*.parquet; do
  name="$(basename "$f" .parquet)"
  if "$KOROLEV" parquet copy "$f" "$tmp/$name.parquet" 2>"$tmp/$name.err"; then
    pairs+=("$f" "$tmp/$name.parquet")
  elif grep -q "checksum (CRC-32) mismatch" "$tmp/$name.err"; then
    # DuckDB and hyparquet do not verify page CRCs; refusing is right.
    echo "refused (corrupt page checksum) $name: $(cat "$tmp/$name.err")"
  else
    echo "korolev refused $name: $(cat "$tmp/$name.err")"
    pairs+=("$f" -)
  fi
done
cd "$here" && node peers/parquet_diff.mjs "${pairs[@]}"
