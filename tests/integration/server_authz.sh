#!/usr/bin/env bash
# server_authz.sh - the authorization matrix (tests/peers/rest_authz.mjs):
# every route x {no token, bad token, reader, writer, admin, token limited
# to another namespace}; then anonymous access, which is refused unless
# --allow-anonymous is given, and refused on a non-loopback address.
set -euo pipefail
. "$(dirname "$0")/server_lib.bash"
PEERS="$KO_SOURCE_DIR/tests/peers"

ko_server_start
KO_TOKENS=$(printf '{"admin":"%s","reader":"%s","writer":"%s","other":"%s"}' \
  "$(ko_token admin)" "$(ko_token reader)" "$(ko_token writer)" "$(ko_token writer beta)")
export KO_TOKENS
node "$PEERS/rest_authz.mjs"

# Tokens never appear in the log.
if grep -q 'kor_' "$KO_LOG"; then echo "a token was logged"; exit 1; fi
# The CLI lists tokens without secrets and revokes them.
"$KOROLEV" --warehouse "$KO_WH" token list > "$KO_TMP/tokens.json"
if grep -q 'kor_' "$KO_TMP/tokens.json"; then echo "token list shows secrets"; exit 1; fi
ko_server_stop

# Anonymous access: off by default (401), on with --allow-anonymous.
ko_server_start --allow-anonymous
code=$(curl -s -o /dev/null -w '%{http_code}' "$KO_URL/v1/namespaces")
[ "$code" = 200 ] || { echo "anonymous on loopback: got $code"; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer nonsense' "$KO_URL/v1/namespaces")
[ "$code" = 401 ] || { echo "bad token with anonymous allowed: got $code"; exit 1; }
ko_server_stop

# --allow-anonymous is refused on a non-loopback address, before listening.
if "$KOROLEV" --warehouse "$KO_WH" serve --listen 0.0.0.0:1 --allow-anonymous 2>"$KO_TMP/err"; then
  echo "anonymous on 0.0.0.0 was accepted"; exit 1
fi
grep -q 'loopback' "$KO_TMP/err" || { cat "$KO_TMP/err"; exit 1; }
echo "server_authz: ok"
