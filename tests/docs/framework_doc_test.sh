#!/usr/bin/env bash
# ctest FrameworkDocExamples: runs the programs built from docs/framework.md's own C++ blocks
# (tests/CMakeLists.txt): sections 2-6 as one program (APP), the embedded-serving block (EMBEDDED).
# Checks what the page says they do: the greet command's output, the route + middleware, the
# record hook, the cron job; the embedded program serves on a free port and stops cleanly.
set -euo pipefail
APP="$1"
EMBEDDED="$2"
source "$(dirname "$0")/../support/example_app.sh"

out="$("$APP" greet Ada --dir "$DIR/data")"
[[ "$out" == "Hello, Ada! There are 0 posts." ]] || fail "greet printed: $out"

"$APP" superuser upsert admin@example.com 'Passw0rd!123' --dir "$DIR/data" >/dev/null
start_app "$APP"
hdrs="$(curl -s -D - -o "$DIR/hello.json" "$BASE/api/hello/world")"
grep -qi '^x-hello: from-middleware' <<<"$hdrs" || fail "middleware header missing: $hdrs"
[[ "$(json 'd["message"]' <"$DIR/hello.json")" == "Hello world!" ]] || fail "message: $(cat "$DIR/hello.json")"
title="$(curl -s -X POST -H 'Content-Type: application/json' -d '{"title":"hello hooks"}' \
    "$BASE/api/collections/posts/records" | json 'd["title"]')"
[[ "$title" == "HELLO HOOKS" ]] || fail "title: $title"
token="$(superuser_token)"
curl -s "$BASE/api/crons" -H "Authorization: $token" | grep -q '"hello_tick"' || fail "cron job not listed"

(cd "$DIR" && "$EMBEDDED" >"$DIR/embedded.log" 2>&1) || fail "embedded program failed: $(cat "$DIR/embedded.log")"
grep -Eq '^serving on port [1-9][0-9]*$' "$DIR/embedded.log" || fail "embedded printed: $(cat "$DIR/embedded.log")"
echo "framework.md examples: OK"
