# Shell helpers shared by bench/run.sh and scripts/soak.sh (sourced, not run): pick a free
# loopback port, wait for a server to answer, stop it. The caller keeps the server's pid in
# SERVER_PID.

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 30000))
    (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }
  done
}

wait_up() {  # url, pid: 0 once the url answers; 1 if the process died or 20 s passed
  for _ in $(seq 1 200); do
    curl -s -o /dev/null -m 1 "$1" && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

stop_server() {  # SIGTERM, up to 5 s, then SIGKILL
  [ -n "$SERVER_PID" ] || return 0
  kill "$SERVER_PID" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$SERVER_PID" 2>/dev/null
  wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=""
}
