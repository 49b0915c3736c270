#!/usr/bin/env bash
# Bar 5 (issue 8): a failing step - SQL error, exit status 1, timeout -
# fails the run with its error, is retried by policy (2 attempts), raises
# an alert, and stays visible as failed after the last attempt (runs, show,
# logs).  A cancelled queued run and a step fixed by its retry too.
set -euo pipefail
K="${KOROLEV:?}"
work="$(mktemp -d "${TMPDIR:-/tmp}/ko-pipe-fail-XXXXXX")"
trap 'rm -rf "$work"' EXIT
export KO_WAREHOUSE="$work/wh" KOROLEV_PIPELINES="$work/pipelines" KO_LOG_LEVEL=warn
mkdir -p "$KOROLEV_PIPELINES"
fail() { echo "FAIL: $*" >&2; exit 1; }
field() { "$K" pipeline show "$1" | sed -n "s/^  \"$2\": //p" | sed 's/,$//; s/^"//; s/"$//'; }

"$K" namespace create f >/dev/null
"$K" sql "create table f.t (id bigint)" >/dev/null
mk() { # name step-yaml
  printf 'name: %s\nowner: tests\nretries: {count: 1, backoff: 200ms}\ntimeout: 1m\nsteps:\n%s\n' "$1" "$2" > "$KOROLEV_PIPELINES/$1.yaml"
}
mk badsql '  - name: q
    sql: INSERT INTO f.t SELECT id FROM f.missing_table'
mk exit1 '  - name: c
    command: ["sh", "-c", "echo about to fail; exit 1"]'
mk slow '  - name: c
    command: ["sleep", "30"]
    timeout: 1s'
mk flaky '  - name: c
    command: ["sh", "-c", "test \"$KOROLEV_ATTEMPT\" -ge 2"]'
mk never '  - name: c
    command: ["true"]'
"$K" pipeline validate >/dev/null

bad="$("$K" pipeline run badsql)"; ex="$("$K" pipeline run exit1)"; sl="$("$K" pipeline run slow)"
fl="$("$K" pipeline run flaky)"; nv="$("$K" pipeline run never)"
"$K" pipeline cancel "$nv" | grep -q cancelled || fail "cancel"
t0=$(date +%s)
for _ in $(seq 1 60); do
  "$K" worker --once >/dev/null 2>>"$work/worker.log"
  left="$("$K" pipeline runs --json | grep -c '"state": "\(queued\|running\|retrying\)"' || true)"
  [ "$left" = 0 ] && break
  sleep 0.3
done
[ "$left" = 0 ] || fail "runs still pending: $("$K" pipeline runs)"
for pair in "$bad:missing_table" "$ex:exited with status 1" "$sl:timed out after 1000 ms"; do
  id="${pair%%:*}"; want="${pair#*:}"
  [ "$(field "$id" state)" = failed ] || fail "run $id is $(field "$id" state), want failed"
  [ "$(field "$id" attempt)" = 2 ] || fail "run $id made $(field "$id" attempt) attempts, want 2"
  "$K" pipeline show "$id" | grep -q "\"error\": \".*$want" || fail "run $id error lacks '$want': $(field "$id" error)"
  logs="$("$K" pipeline logs "$id")"
  grep -q "attempt-1.log" <<<"$logs" && grep -q "attempt-2.log" <<<"$logs" || fail "logs of both attempts of $id"
  grep -q "retrying in" <<<"$logs" || fail "log of $id does not show the retry"
  grep -q "failed after 2 attempts" <<<"$logs" || fail "log of $id does not show the failure"
  "$K" pipeline alerts --json | grep -q "\"run-id\": \"$id\"" || fail "no alert for run $id"
  grep -q "ALERT run_failed" "$work/worker.log" || fail "no alert log line"
done
"$K" pipeline logs "$ex" | grep -q "about to fail" || fail "command output is not in the log"
[ "$(field "$fl" state)" = succeeded ] && [ "$(field "$fl" attempt)" = 2 ] || fail "flaky: retry did not fix it"
[ "$(field "$nv" state)" = cancelled ] || fail "cancelled run ran"
"$K" pipeline runs | grep -q "failed" || fail "runs listing does not show failed runs"
[ "$("$K" pipeline alerts --json | grep -c '"kind": "run_failed"')" = 3 ] || fail "want 3 run_failed alerts"
echo "3 failing steps failed after 2 attempts each with their errors and alerts; retry fixed flaky; $(( $(date +%s) - t0 )) s"
echo "PASS"
