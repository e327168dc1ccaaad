-- DELETE each seeded id once: thread t of BENCH_THREADS deletes ids t, t+T, t+2T, ...
-- ("{id}" in BENCH_PATH = BENCH_ID_PREFIX .. %014d). Once past BENCH_ID_MAX the requests 404
-- and show up as non-2xx: size the table for the run's length.
local nthreads = 0
function setup(thread) nthreads = nthreads + 1; thread:set("tid", nthreads) end
function init(args)
  tid = tonumber(tid) or 1  -- set per thread by setup()
  path = os.getenv("BENCH_PATH")
  prefix = os.getenv("BENCH_ID_PREFIX") or "b"
  step = tonumber(os.getenv("BENCH_THREADS") or "1")
  next_id = tid
  headers = {}
  local tok = os.getenv("BENCH_TOKEN")
  if tok and tok ~= "" then headers["Authorization"] = tok end
end
function request()
  local id = prefix .. string.format("%014d", next_id)
  next_id = next_id + step
  return wrk.format("DELETE", (string.gsub(path, "{id}", id)), headers)
end
