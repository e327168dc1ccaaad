#!/usr/bin/env bash
# Runs the JS SDK conformance suite (npm `pocketbase`) against a real server binary:
#   bash tests/js-sdk/run.sh [path/to/server] [file.test.mjs...] [node --test args...]
# The server is our `pb` (default build/pb) or PocketBase's own binary (make test-differential);
# PB_SERVER=ours|pocketbase says which (the harness detects it from `--version` when unset).
#
# Bounded: every test and every file has SDK_TEST_TIMEOUT ms (node:test --test-timeout applies to
# both), the whole run SDK_RUN_TIMEOUT s. The run lives in its own process group, killed on exit,
# failure, timeout or Ctrl-C, so no server or reconnecting SSE client started by a test outlives it.
set -euo pipefail
PB_BIN=$(realpath "${1:-build/pb}")
shift || true
SDK_TEST_TIMEOUT=${SDK_TEST_TIMEOUT:-120000}
SDK_RUN_TIMEOUT=${SDK_RUN_TIMEOUT:-900}
cd "$(dirname "$0")"
if [ ! -f package.json ]; then echo "sdk suite: no package.json yet"; exit 0; fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then npm ci --no-audit --no-fund --loglevel=error; fi

grp=
cleanup() {
  if [ -n "$grp" ]; then
    kill -TERM -- "-$grp" 2>/dev/null || true
    sleep 0.5
    kill -KILL -- "-$grp" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# setsid: a new process group whose id is the background job's pid ($!); `timeout` sends its
# signal to that whole group, then SIGKILL 10 s later if anything is still there.
files=()
args=()
for a in "$@"; do
  case "$a" in
    *.test.mjs) files+=("$a") ;;
    *) args+=("$a") ;;
  esac
done
[ ${#files[@]} -gt 0 ] || files=(./*.test.mjs)
export PB_BIN
setsid timeout -k 10 "$SDK_RUN_TIMEOUT" \
  node --test --test-concurrency=1 --test-timeout="$SDK_TEST_TIMEOUT" ${args[@]+"${args[@]}"} "${files[@]}" &
grp=$!
rc=0
wait "$grp" || rc=$?
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
  echo "sdk suite: the run exceeded SDK_RUN_TIMEOUT=${SDK_RUN_TIMEOUT}s and was killed" >&2
fi
exit "$rc"
