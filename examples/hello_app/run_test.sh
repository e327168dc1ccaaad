#!/usr/bin/env bash
# ctest ExampleHelloApp: runs the example's custom command, starts `hello_app serve` on a free
# port and checks its route + middleware, record hook and cron job over HTTP.
set -euo pipefail
APP="$1"
DIR="$(mktemp -d)"
PID=""
cleanup() {
    if [[ -n "$PID" ]]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
    rm -rf "$DIR"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [[ -f "$DIR/serve.log" ]] && cat "$DIR/serve.log" >&2; exit 1; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"

"$APP" superuser upsert admin@example.com 'Passw0rd!123' --dir "$DIR/data" >/dev/null
out="$("$APP" greet Tester --dir "$DIR/data")"
[[ "$out" == "Hello, Tester! There are 0 posts." ]] || fail "greet printed: $out"
"$APP" --help | grep -q 'hello_app greet' || fail "custom command missing from --help"
# A custom command's --help prints its page and does not run it; its other flags reach it.
out="$("$APP" greet --help --dir "$DIR/data")" || fail "greet --help failed"
[[ "$out" == *"prints a greeting"* && "$out" == *"hello_app greet [ARGS...]"* && "$out" != *Hello* ]] ||
  fail "greet --help printed: $out"
out="$("$APP" greet --dir "$DIR/data" --loud -- -h)"
[[ "$out" == "Hello, --loud! There are 0 posts." ]] || fail "greet with flags printed: $out"

# setpriv: the server gets SIGKILL if this script dies (ctest timeout), so it never outlives the test.
setpriv --pdeathsig KILL -- "$APP" serve --http "127.0.0.1:$PORT" --dir "$DIR/data" >"$DIR/serve.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do
    curl -sf "$BASE/api/health" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -sf "$BASE/api/health" >/dev/null || fail "server did not start"

# Custom route + middleware (the name is percent-decoded).
hdrs="$(curl -s -D - -o "$DIR/hello.json" "$BASE/api/hello/J%C3%BCrgen")"
grep -qi '^x-hello: from-middleware' <<<"$hdrs" || fail "middleware header missing: $hdrs"
msg="$(json 'd["message"]' <"$DIR/hello.json")"
[[ "$msg" == "Hello Jürgen!" ]] || fail "message: $msg"

# Record hook: the title is uppercased before the insert.
title="$(curl -s -X POST -H 'Content-Type: application/json' -d '{"title":"hello hooks"}' \
    "$BASE/api/collections/posts/records" | json 'd["title"]')"
[[ "$title" == "HELLO HOOKS" ]] || fail "title: $title"

# Cron job, run now through the API (superuser only).
token="$(curl -s -X POST -H 'Content-Type: application/json' \
    -d '{"identity":"admin@example.com","password":"Passw0rd!123"}' \
    "$BASE/api/collections/_superusers/auth-with-password" | json 'd["token"]')"
curl -s "$BASE/api/crons" -H "Authorization: $token" | grep -q '"hello_tick"' || fail "cron job not listed"
code="$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: $token" "$BASE/api/crons/hello_tick")"
[[ "$code" == "204" ]] || fail "POST /api/crons/hello_tick: $code"
runs=0
for _ in $(seq 1 50); do
    runs="$(curl -s "$BASE/api/hello/x" | json 'd["cronRuns"]')"
    [[ "$runs" -ge 1 ]] && break
    sleep 0.1
done
[[ "$runs" -ge 1 ]] || fail "cron job did not run"

kill "$PID"
wait "$PID" || true
PID=""
out="$("$APP" greet --dir "$DIR/data")"
[[ "$out" == "Hello, world! There are 1 posts." ]] || fail "greet after serve printed: $out"
echo "ExampleHelloApp: ok"
