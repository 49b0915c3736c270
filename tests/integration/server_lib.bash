# server_lib.bash - sourced by tests/integration/server_*.sh: starts a real
# `korolev serve` on a free 127.0.0.1 port over a fresh warehouse, waits for
# /readyz, and stops it (SIGTERM, then checks it exited 0) when the test
# exits.  Not a test itself (its name does not end in .sh).
#
#   ko_server_start [serve flags...]   sets KO_URL, KO_WH, KO_SERVER_PID, KO_LOG
#   ko_token ROLE [NAMESPACE]          prints a new token for principal "<role>[-ns]"
#   ko_server_stop                     SIGTERM and wait; fails unless exit status 0
set -euo pipefail

: "${KOROLEV:?KOROLEV must name the korolev binary}"
KO_TMP=$(mktemp -d)
KO_WH="$KO_TMP/wh"
KO_LOG="$KO_TMP/server.log"
KO_SERVER_PID=""
mkdir -p "$KO_WH"

ko_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

ko_server_stop() {
  if [ -n "$KO_SERVER_PID" ]; then
    kill -TERM "$KO_SERVER_PID" 2>/dev/null || true
    local rc=0
    wait "$KO_SERVER_PID" || rc=$?
    KO_SERVER_PID=""
    if [ "$rc" != 0 ]; then
      echo "server exited with status $rc; log:" >&2
      tail -50 "$KO_LOG" >&2
      return 1
    fi
  fi
}

ko_cleanup() {
  local rc=$?
  if [ -n "$KO_SERVER_PID" ]; then
    kill -TERM "$KO_SERVER_PID" 2>/dev/null || true
    wait "$KO_SERVER_PID" 2>/dev/null || true
  fi
  if [ "$rc" != 0 ] && [ -f "$KO_LOG" ]; then
    echo "--- server log (last 40 lines) ---" >&2
    tail -40 "$KO_LOG" >&2
  fi
  rm -rf "$KO_TMP"
  exit "$rc"
}
trap ko_cleanup EXIT

ko_server_start() {
  local port scheme=http
  port=$(ko_free_port)
  case " $* " in *" --tls-cert "*) scheme=https ;; esac
  KO_URL="$scheme://127.0.0.1:$port"
  "$KOROLEV" --warehouse "$KO_WH" serve --listen "127.0.0.1:$port" "$@" >>"$KO_LOG" 2>&1 &
  KO_SERVER_PID=$!
  for _ in $(seq 1 100); do
    if curl -kfsS "$KO_URL/readyz" >/dev/null 2>&1; then
      export KO_URL KO_WH
      return 0
    fi
    if ! kill -0 "$KO_SERVER_PID" 2>/dev/null; then
      echo "server died at start; log:" >&2
      cat "$KO_LOG" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "server not ready after 10 s" >&2
  return 1
}

ko_token() {
  local role=$1 ns=${2:-}
  if [ -n "$ns" ]; then
    "$KOROLEV" --warehouse "$KO_WH" token create --principal "$role-$ns" --role "$role" --namespace "$ns" 2>/dev/null
  else
    "$KOROLEV" --warehouse "$KO_WH" token create --principal "$role" --role "$role" 2>/dev/null
  fi
}
