#!/usr/bin/env bash
# scripts/soak.sh -- the soak test (`make soak`, not part of `make test`; docs/reliability.md).
# Starts `pb serve` on a loopback port with a fresh data dir and a plugins dir holding bench_hook,
# seeds a few collections, then for SOAK_SECONDS runs at the same time:
#   - mixed HTTP load at a bounded rate: wrk -t2 -cSOAK_CONNS with bench/lua/soak_mix.lua (creates,
#     deletes, updates with and without a plugin hook, filtered+expanded lists, views, auth-refresh),
#     each connection pausing SOAK_DELAY_MS between requests (a few hundred req/s);
#   - SSE churn: pb_bench_client sse-churn keeps ~SOAK_SSE SSE clients alive, each subscribed to
#     soak/* and dropped after 2..20 s, then replaced;
#   - a plugin hot reload every SOAK_RELOAD_EVERY s, alternating the v1/v2 builds of bench_hook by
#     atomic rename (pb_bench_client reload: waits until the new version answers).
# Every 10 s it samples the server's VmRSS, open fds and threads into soak.tsv. At the end it checks
# the server still answers, that RSS is flat after the warm-up (the first 20 % of the run: the
# least-squares slope of the later samples < SOAK_MAX_SLOPE_MB MB per 10 min) and that fds and
# threads come back to their pre-load baseline (± SOAK_FD_SLACK / SOAK_THREAD_SLACK) once the
# load stops; it exits 1 otherwise. It plots RSS/fds/threads with gnuplot.
#
#   scripts/soak.sh [--no-build] [--build-dir DIR] [--out DIR]
#   env: SOAK_SECONDS (default 1800; 120 for a quick check), SOAK_CONNS (4), SOAK_DELAY_MS (15),
#        SOAK_SSE (100), SOAK_RELOAD_EVERY (30), SOAK_MAX_SLOPE_MB (1.0), SOAK_FD_SLACK (8),
#        SOAK_THREAD_SLACK (4), SOAK_ENFORCE_SLOPE (1 for runs >= 600 s, else 0), KEEP=1 keeps the work dir
# Output: DIR/soak.tsv, DIR/soak.png, DIR/soak-summary.txt (DIR = docs/evidence/ for a run of >= 1800 s,
# else the work dir under /tmp).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DO_BUILD=1
BUILD_DIR="$ROOT/build"
OUT_DIR=""
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) DO_BUILD=0 ;;
    --build-dir) BUILD_DIR=$(cd "$2" && pwd); shift ;;
    --out) OUT_DIR="$2"; shift ;;
    -h|--help) sed -n 2,24p "$0" | grep "^#"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done
SECS=${SOAK_SECONDS:-1800}
CONNS=${SOAK_CONNS:-4}
DELAY=${SOAK_DELAY_MS:-15}
SSE=${SOAK_SSE:-100}
RELOAD_EVERY=${SOAK_RELOAD_EVERY:-30}
MAX_SLOPE=${SOAK_MAX_SLOPE_MB:-1.0}
FD_SLACK=${SOAK_FD_SLACK:-8}
THREAD_SLACK=${SOAK_THREAD_SLACK:-4}
N_AUTHORS=50 N_POSTS=2000 N_HOOKED=200

for tool in wrk curl sqlite3 gnuplot; do
  command -v $tool >/dev/null 2>&1 || bash "$ROOT/scripts/install-deps.sh" || exit 1
done
command -v gnuplot >/dev/null 2>&1 || echo "warning: gnuplot not available, no chart"

if [ "$DO_BUILD" = 1 ]; then
  echo "== build (RelWithDebInfo, $BUILD_DIR)"
  [ -f "$BUILD_DIR/build.ninja" ] || cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 1
  cmake --build "$BUILD_DIR" -j 2 --target pb pb_bench_client bench_hook bench_hook_v2 || exit 1
fi
PB="$BUILD_DIR/pb"
CLIENT="$BUILD_DIR/bench/pb_bench_client"
PLUG_V1="$BUILD_DIR/bench/plugins/v1/bench_hook.so"
PLUG_V2="$BUILD_DIR/bench/plugins/v2/bench_hook.so"
for f in "$PB" "$CLIENT" "$PLUG_V1" "$PLUG_V2"; do [ -e "$f" ] || { echo "missing $f (build it first)"; exit 1; }; done
REV="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
git -C "$ROOT" diff --quiet HEAD -- core cmd 2>/dev/null || REV="$REV + uncommitted changes in core/ or cmd/"

WORK=$(mktemp -d /tmp/pb-soak.XXXXXX)
[ -n "$OUT_DIR" ] || { if [ "$SECS" -ge 1800 ]; then OUT_DIR="$ROOT/docs/evidence"; else OUT_DIR="$WORK"; fi; }
mkdir -p "$OUT_DIR"
SERVER_PID="" BG_PIDS=""
cleanup() {
  for p in $BG_PIDS; do kill "$p" 2>/dev/null; done
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  [ -z "${KEEP:-}" ] && [ "$OUT_DIR" != "$WORK" ] && rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# free_port, wait_up, stop_server
# shellcheck source=/dev/null
. "$ROOT/scripts/lib/server.sh"

# ---------------------------------------------------------------- setup and seed
echo "== pb: fresh data dir $WORK, setup, seed"
DATA="$WORK/pb_data"
PLUGDIR="$WORK/pb_plugins"
mkdir -p "$DATA" "$PLUGDIR"
cp "$PLUG_V1" "$PLUGDIR/bench_hook.so"
SU_EMAIL=soak@example.com SU_PASS=soakpass123
"$PB" superuser upsert "$SU_EMAIL" "$SU_PASS" --dir "$DATA" >/dev/null || { echo "superuser upsert failed"; exit 1; }
PORT=$(free_port)
B="http://127.0.0.1:$PORT"
start_pb() {
  # Every SSE client comes from 127.0.0.1: lift the per-address stream cap (docs/realtime.md).
  PB_REALTIME_MAX_CLIENTS_PER_IP=0 "$PB" serve --http "127.0.0.1:$PORT" --dir "$DATA" --plugins "$PLUGDIR" >>"$WORK/pb.log" 2>&1 &
  SERVER_PID=$!
  wait_up "$B/api/health" "$SERVER_PID" || { echo "pb did not start"; tail -20 "$WORK/pb.log"; exit 1; }
}
start_pb

api() {  # METHOD PATH [BODY] -> prints body; fails on non-2xx
  local out code
  out=$(curl -s -m 10 -w '\n%{http_code}' -X "$1" -H "Content-Type: application/json" ${TOKEN:+-H "Authorization: $TOKEN"} \
        ${3:+--data "$3"} "$B$2")
  code=${out##*$'\n'}
  out=${out%$'\n'*}
  echo "$out"
  [ "${code:0:1}" = 2 ] || { echo "$1 $2 -> $code: $out" >&2; return 1; }
}
json_get() { grep -o "\"$1\":\"[^\"]*\"" | head -1 | cut -d'"' -f4; }
TOKEN=""
TOKEN=$(api POST /api/collections/_superusers/auth-with-password "{\"identity\":\"$SU_EMAIL\",\"password\":\"$SU_PASS\"}" | json_get token)
[ -n "$TOKEN" ] || { echo "superuser auth failed"; exit 1; }
PUB='"listRule":"","viewRule":"","createRule":"","updateRule":"","deleteRule":""'
DATES='{"name":"created","type":"autodate","onCreate":true,"onUpdate":false},{"name":"updated","type":"autodate","onCreate":true,"onUpdate":true}'
BASIC='{"name":"title","type":"text"},{"name":"n","type":"number"}'
mkcol() { api POST /api/collections "$1" >/dev/null || { echo "cannot create collection: $1"; exit 1; }; }
mkcol "{\"name\":\"authors\",\"type\":\"base\",$PUB,\"fields\":[{\"name\":\"name\",\"type\":\"text\"},$DATES]}"
AUTHORS_ID=$(api GET /api/collections/authors | json_get id)
mkcol "{\"name\":\"posts\",\"type\":\"base\",$PUB,\"fields\":[$BASIC,{\"name\":\"author\",\"type\":\"relation\",\"collectionId\":\"$AUTHORS_ID\",\"maxSelect\":1},$DATES]}"
for c in hooked soak; do mkcol "{\"name\":\"$c\",\"type\":\"base\",$PUB,\"fields\":[$BASIC,$DATES]}"; done
api GET /api/collections/users >/dev/null 2>&1 ||
  mkcol "{\"name\":\"users\",\"type\":\"auth\",\"fields\":[{\"name\":\"name\",\"type\":\"text\"}]}"
U_EMAIL=user@example.com U_PASS=userpass123
api POST /api/collections/users/records "{\"email\":\"$U_EMAIL\",\"password\":\"$U_PASS\",\"passwordConfirm\":\"$U_PASS\"}" >/dev/null ||
  { echo "cannot create user"; exit 1; }
# Rows straight into SQLite with the server stopped (PocketBase's column encoding, as bench/run.sh).
stop_server
seq_cte() { echo "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<$1)"; }
D="'2024-01-01 00:00:00.000Z'"
sqlite3 "$DATA/data.db" >/dev/null <<SQL || { echo "seeding failed"; exit 1; }
PRAGMA journal_mode=WAL;
BEGIN;
$(seq_cte $N_AUTHORS) INSERT INTO authors(id,name,created,updated) SELECT printf('a%014d',x),'author '||x,$D,$D FROM c;
$(seq_cte $N_POSTS) INSERT INTO posts(id,title,n,author,created,updated) SELECT printf('p%014d',x),'post number '||x,x,printf('a%014d',1+x%$N_AUTHORS),$D,$D FROM c;
$(seq_cte $N_HOOKED) INSERT INTO hooked(id,title,n,created,updated) SELECT printf('u%014d',x),'row '||x,x,$D,$D FROM c;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
start_pb
UTOKEN=$(TOKEN="" api POST /api/collections/users/auth-with-password "{\"identity\":\"$U_EMAIL\",\"password\":\"$U_PASS\"}" | json_get token)
[ -n "$UTOKEN" ] || { echo "user auth failed"; exit 1; }
curl -s -m 2 "$B/api/benchhook/version" | grep -q '"v":1' || { echo "bench_hook plugin not loaded"; tail -20 "$WORK/pb.log"; exit 1; }

# ---------------------------------------------------------------- sampling
sample() {  # prints: rss_kb fds threads cpu_ticks
  local st rss thr
  st=$(cat "/proc/$SERVER_PID/status" 2>/dev/null) || { echo "0 0 0 0"; return; }
  rss=$(echo "$st" | awk '/^VmRSS:/{print $2}')
  thr=$(echo "$st" | awk '/^Threads:/{print $2}')
  echo "$rss $(ls "/proc/$SERVER_PID/fd" 2>/dev/null | wc -l) $thr $(awk '{print $14+$15}' "/proc/$SERVER_PID/stat" 2>/dev/null)"
}
# Baseline after a 10 s burst of the same load: the per-thread SQLite readers exist by then (each
# holds data.db + its WAL open), so fds measure what the soak adds, not the lazy pool opening.
SOAK_ID_PREFIX=w SOAK_DELAY_MS=5 SOAK_POSTS=$N_POSTS SOAK_HOOKED=$N_HOOKED SOAK_UTOKEN=$UTOKEN \
  wrk -t2 -c8 -d10s --timeout 10s -s "$ROOT/bench/lua/soak_mix.lua" "$B" >"$WORK/wrk-warm.txt" 2>&1
sleep 3
read -r BASE_RSS BASE_FDS BASE_THREADS _ <<<"$(sample)"
echo "  baseline (idle after a 10 s burst): RSS ${BASE_RSS} kB, ${BASE_FDS} fds, ${BASE_THREADS} threads"

TSV="$OUT_DIR/soak.tsv"
T_START=$(date +%s)
sampler() {
  printf 't_s\trss_kb\tfds\tthreads\tcpu_pct\n' >"$TSV"
  local prev_ticks="" prev_t="" hz; hz=$(getconf CLK_TCK)
  while :; do
    local now; now=$(date +%s.%N)
    read -r rss fds thr ticks <<<"$(sample)"
    local cpu=0
    [ -n "$prev_ticks" ] && cpu=$(awk -v a="$ticks" -v b="$prev_ticks" -v t="$now" -v u="$prev_t" -v hz="$hz" 'BEGIN{printf "%.1f", 100*(a-b)/hz/(t-u)}')
    printf '%.0f\t%s\t%s\t%s\t%s\n' "$(echo "$now - $T_START" | bc)" "$rss" "$fds" "$thr" "$cpu" >>"$TSV"
    prev_ticks=$ticks prev_t=$now
    sleep 10
  done
}

# ---------------------------------------------------------------- the load
echo "== soak: ${SECS} s -- wrk -t2 -c${CONNS} (delay ${DELAY} ms), ~${SSE} SSE clients churning, reload every ${RELOAD_EVERY} s"
sampler & SAMPLER_PID=$!
BG_PIDS="$SAMPLER_PID"
SOAK_ID_PREFIX=s SOAK_DELAY_MS=$DELAY SOAK_POSTS=$N_POSTS SOAK_HOOKED=$N_HOOKED SOAK_UTOKEN=$UTOKEN \
  wrk -t2 -c"$CONNS" -d"${SECS}s" --timeout 10s -s "$ROOT/bench/lua/soak_mix.lua" "$B" >"$WORK/wrk.txt" 2>&1 &
WRK_PID=$!
"$CLIENT" sse-churn --port "$PORT" --alive "$SSE" --duration "$SECS" --topic 'soak/*' --max-life 20 >"$WORK/sse.txt" 2>&1 &
SSE_PID=$!
BG_PIDS="$BG_PIDS $WRK_PID $SSE_PID"
reloader() {
  local n=0 ok=0 fail=0 v=1 next
  while [ $(( $(date +%s) - T_START )) -lt $(( SECS - RELOAD_EVERY / 2 )) ]; do
    sleep "$RELOAD_EVERY"
    next=$(( 3 - v ))
    if [ $next = 2 ]; then cp "$PLUG_V2" "$PLUGDIR/.bench_hook.so.new"; else cp "$PLUG_V1" "$PLUGDIR/.bench_hook.so.new"; fi
    n=$((n + 1))
    if out=$("$CLIENT" reload --port "$PORT" --from "$PLUGDIR/.bench_hook.so.new" --to "$PLUGDIR/bench_hook.so" \
               --path /api/benchhook/version --expect "\"v\":$next" --timeout 10); then
      ok=$((ok + 1)); v=$next
    else
      fail=$((fail + 1)); echo "reload $n failed: $out" >&2
    fi
    echo "$out" | sed -n 's/.*reload_ms=\([-0-9.]*\).*/\1/p' >>"$WORK/reload_ms.txt"
    echo "reloads=$n ok=$ok failed=$fail" >"$WORK/reload.txt"
  done
}
: >"$WORK/reload_ms.txt"; echo "reloads=0 ok=0 failed=0" >"$WORK/reload.txt"
reloader 2>>"$WORK/reload.err" & RELOADER_PID=$!
BG_PIDS="$BG_PIDS $RELOADER_PID"
LAST_PRINT=0
while kill -0 "$WRK_PID" 2>/dev/null; do
  sleep 2
  el=$(( $(date +%s) - T_START ))
  [ $(( el - LAST_PRINT )) -ge 60 ] && [ "$el" -le "$SECS" ] && LAST_PRINT=$el && echo "  ${el}s: $(tail -1 "$TSV" | awk -F'\t' '{printf "RSS %.1f MB, %d fds, %d threads, CPU %s %%", $2/1024, $3, $4, $5}'), $(cat "$WORK/reload.txt")"
done
wait "$WRK_PID"; wait "$SSE_PID"; wait "$RELOADER_PID"
sleep 5   # the dropped SSE connections and idle keep-alives are closed
kill "$SAMPLER_PID" 2>/dev/null; wait "$SAMPLER_PID" 2>/dev/null
BG_PIDS=""
read -r END_RSS END_FDS END_THREADS _ <<<"$(sample)"

# ---------------------------------------------------------------- checks
FAIL=""
HEALTH=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$B/api/health")
LIST=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$B/api/collections/posts/records?perPage=5&expand=author")
kill -0 "$SERVER_PID" 2>/dev/null || FAIL="$FAIL server-died"
[ "$HEALTH" = 200 ] && [ "$LIST" = 200 ] || FAIL="$FAIL unhealthy(health=$HEALTH,list=$LIST)"

WRK_OUT=$(cat "$WORK/wrk.txt")
REQS=$(echo "$WRK_OUT" | awk '/requests in/{print $1}')
RPS=$(echo "$WRK_OUT" | awk '/^Requests\/sec:/{printf "%.0f", $2}')
NON2XX=$(echo "$WRK_OUT" | awk '/Non-2xx or 3xx responses:/{print $5}')
SOCKERR=$(echo "$WRK_OUT" | awk '/Socket errors:/{gsub(",","");print $4+$6+$8+$10}')
HTTP_ERRS=$(( ${NON2XX:-0} + ${SOCKERR:-0} ))
[ -n "$REQS" ] || { FAIL="$FAIL wrk-failed"; echo "$WRK_OUT"; }
SSE_OUT=$(cat "$WORK/sse.txt")
kv() { echo "$2" | sed -n "s/.*\b$1=\([-0-9.]*\).*/\1/p"; }
SSE_OPENED=$(kv opened "$SSE_OUT"); SSE_CONN=$(kv connected "$SSE_OUT"); SSE_EVENTS=$(kv events "$SSE_OUT")
SSE_ERRS=$(kv errors "$SSE_OUT"); SSE_SCLOSED=$(kv server_closed "$SSE_OUT")
RL=$(cat "$WORK/reload.txt"); RL_N=$(kv reloads "$RL"); RL_OK=$(kv ok "$RL"); RL_FAIL=$(kv failed "$RL")
RL_MAX=$(sort -g "$WORK/reload_ms.txt" | tail -1)
[ "${HTTP_ERRS:-1}" = 0 ] || FAIL="$FAIL http-errors=$HTTP_ERRS"
[ "${SSE_ERRS:-1}" = 0 ] && [ "${SSE_CONN:-0}" -gt 0 ] || FAIL="$FAIL sse(errors=${SSE_ERRS:-?},connected=${SSE_CONN:-0})"
[ "${RL_FAIL:-1}" = 0 ] && [ "${RL_N:-0}" -gt 0 ] || FAIL="$FAIL reloads(failed=${RL_FAIL:-?})"

# Warm-up = the first 20 % of the run; the rest: least-squares slope of RSS, fd/thread ranges.
WARM=$(( SECS / 5 ))
STATS=$(awk -F'\t' -v w="$WARM" 'NR>1 {
    if (NR==2 || $2>maxall) maxall=$2; if (NR==2) first=$2; last=$2
    if ($1 < w) next
    n++; sx+=$1; sy+=$2; sxx+=$1*$1; sxy+=$1*$2
    if (n==1) { r0=$2; fmin=fmax=$3; tmin=tmax=$4 }
    if ($3<fmin) fmin=$3; if ($3>fmax) fmax=$3; if ($4<tmin) tmin=$4; if ($4>tmax) tmax=$4
    if ($2>rmax) rmax=$2; cpu+=$5
  } END {
    d = n*sxx - sx*sx; slope = (n>1 && d>0) ? (n*sxy - sx*sy)/d : 0   # kB per s
    printf "n=%d slope_mb10=%.3f rss_first=%d rss_warm=%d rss_last=%d rss_max=%d fd_min=%d fd_max=%d thr_min=%d thr_max=%d cpu_avg=%.1f\n",
      n, slope*600/1024, first, r0, last, maxall, fmin, fmax, tmin, tmax, (n? cpu/n : 0) }' "$TSV")
NPOST=$(kv n "$STATS"); SLOPE=$(kv slope_mb10 "$STATS")
[ "${NPOST:-0}" -ge 3 ] || FAIL="$FAIL too-few-samples"
# Below 10 min the SQLite page caches are still filling after the warm-up (the log writer's cache
# grows with auxiliary.db up to cache_size, 32 MB, in ~5 min at this rate): the slope is reported,
# not enforced, unless SOAK_ENFORCE_SLOPE=1.
ENFORCE_SLOPE=${SOAK_ENFORCE_SLOPE:-$([ "$SECS" -ge 600 ] && echo 1 || echo 0)}
SLOPE_OK=$(awk -v s="$SLOPE" -v m="$MAX_SLOPE" 'BEGIN{print (s < m) ? 1 : 0}')
if [ "$SLOPE_OK" = 0 ]; then
  if [ "$ENFORCE_SLOPE" = 1 ]; then FAIL="$FAIL rss-slope=${SLOPE}MB/10min"; else SLOPE_NOTE=" (not enforced: run < 10 min)"; fi
fi
[ $(( END_FDS - BASE_FDS )) -le "$FD_SLACK" ] && [ $(( BASE_FDS - END_FDS )) -le "$FD_SLACK" ] || FAIL="$FAIL fds(base=$BASE_FDS,end=$END_FDS)"
[ $(( END_THREADS - BASE_THREADS )) -le "$THREAD_SLACK" ] || FAIL="$FAIL threads(base=$BASE_THREADS,end=$END_THREADS)"
grep -qiE 'segfault|sanitizer|terminate called|std::bad_alloc' "$WORK/pb.log" && FAIL="$FAIL server-log-errors"

mb() { awk -v k="$1" 'BEGIN{printf "%.1f", k/1024}'; }
SUMMARY="$OUT_DIR/soak-summary.txt"
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC') commit=$REV seconds=$SECS warmup_s=$WARM cores=$(nproc)"
  echo "load: wrk -t2 -c$CONNS delay=${DELAY}ms, sse_alive=$SSE, reload_every=${RELOAD_EVERY}s"
  echo "requests=${REQS:-0} rps=${RPS:-0} http_errors=$HTTP_ERRS (non2xx=${NON2XX:-0} socket=${SOCKERR:-0})"
  echo "sse: $SSE_OUT"
  echo "reloads=${RL_N:-0} ok=${RL_OK:-0} failed=${RL_FAIL:-0} max_reload_ms=${RL_MAX:-n/a}"
  echo "baseline (idle after a 10 s burst): rss_kb=$BASE_RSS fds=$BASE_FDS threads=$BASE_THREADS; after: rss_kb=$END_RSS fds=$END_FDS threads=$END_THREADS"
  echo "post-warmup: $STATS"
  echo "rss_mb: baseline=$(mb "$BASE_RSS") end_of_warmup=$(mb "$(kv rss_warm "$STATS")") last_loaded=$(mb "$(kv rss_last "$STATS")") max=$(mb "$(kv rss_max "$STATS")") after=$(mb "$END_RSS") slope_mb_per_10min=$SLOPE (limit $MAX_SLOPE)${SLOPE_NOTE:-}"
  echo "health=$HEALTH list=$LIST result=$([ -z "$FAIL" ] && echo PASS || echo "FAIL:$FAIL")"
} >"$SUMMARY"
echo "== results"
cat "$SUMMARY"

if command -v gnuplot >/dev/null 2>&1; then
  gnuplot <<GP 2>"$WORK/gnuplot.err" || { echo "warning: gnuplot failed"; cat "$WORK/gnuplot.err"; }
set terminal pngcairo size 1000,480 font "DejaVu Sans,9" noenhanced
set output "$OUT_DIR/soak.png"
set title "soak: ${SECS} s mixed load (~${RPS:-?} req/s) + SSE churn (~${SSE} alive) + plugin reload every ${RELOAD_EVERY} s -- $(date -u '+%Y-%m-%d'), commit $REV"
set datafile separator "\t"
set key below horizontal
set grid
set xlabel "time (s)"
set ylabel "RSS (MB)"
set y2label "open fds / threads"
set yrange [0:*]
set y2range [0:*]
set ytics nomirror
set y2tics
set arrow from $WARM, graph 0 to $WARM, graph 1 nohead dt 2 lc rgb "gray"
set label "end of warm-up" at $WARM, graph 0.05 offset 0.5,0 tc rgb "gray"
plot "$TSV" using 1:(\$2/1024) skip 1 with linespoints pt 7 ps 0.4 lw 2 title "RSS (MB)", \
     "$TSV" using 1:3 skip 1 axes x1y2 with lines lw 1 title "open fds", \
     "$TSV" using 1:4 skip 1 axes x1y2 with lines lw 1 dt 3 title "threads"
GP
  echo "chart: $OUT_DIR/soak.png"
fi
[ -z "$FAIL" ] || { echo "SOAK FAILED:$FAIL"; tail -20 "$WORK/pb.log"; exit 1; }
echo "SOAK PASSED"
