-- POST a new, unique JSON body each time (keep-alive). env: BENCH_PATH, BENCH_TOKEN (optional)
local counter, nthreads = 0, 0
function setup(thread) nthreads = nthreads + 1; thread:set("tid", nthreads) end
function init(args)
  tid = tonumber(tid) or 1  -- set per thread by setup()
  path = os.getenv("BENCH_PATH") or wrk.path
  headers = { ["Content-Type"] = "application/json" }
  local tok = os.getenv("BENCH_TOKEN")
  if tok and tok ~= "" then headers["Authorization"] = tok end
end
function request()
  counter = counter + 1
  local body = string.format('{"title":"bench %d-%d","n":%d}', tid, counter, counter)
  return wrk.format("POST", path, headers, body)
end
