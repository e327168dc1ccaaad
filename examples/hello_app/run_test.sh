#!/usr/bin/env bash
# ctest ExampleHelloApp: runs the example's custom command, starts `hello_app serve` on a free
# port and checks its route + middleware, record hook and cron job over HTTP.
set -euo pipefail
APP="$1"
source "$(dirname "$0")/../../tests/support/example_app.sh"

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

start_app "$APP"

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
token="$(superuser_token)"
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
