# Shell helpers for the tests that drive a framework program over HTTP (sourced, not run):
# examples/hello_app/run_test.sh and tests/docs/framework_doc_test.sh. Sets DIR (a temp dir
# removed on exit), PORT and BASE; fail/json; start_app APP (serve on PORT, data in DIR/data, dies
# with the script) and superuser_token (admin@example.com / Passw0rd!123, created by the caller).
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

start_app() {  # APP: `APP serve` on PORT; setpriv: the server gets SIGKILL if this script dies
    setpriv --pdeathsig KILL -- "$1" serve --http "127.0.0.1:$PORT" --dir "$DIR/data" >"$DIR/serve.log" 2>&1 &
    PID=$!
    for _ in $(seq 1 100); do
        curl -sf "$BASE/api/health" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    fail "server did not start"
}

superuser_token() {
    curl -s -X POST -H 'Content-Type: application/json' \
        -d '{"identity":"admin@example.com","password":"Passw0rd!123"}' \
        "$BASE/api/collections/_superusers/auth-with-password" | json 'd["token"]'
}
