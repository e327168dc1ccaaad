-- PATCH BENCH_PATH ("{id}" = BENCH_ID_PREFIX .. %014d of a random 1..BENCH_ID_MAX) with a unique body.
local counter, nthreads = 0, 0
function setup(thread) nthreads = nthreads + 1; thread:set("tid", nthreads) end
function init(args)
  tid = tonumber(tid) or 1  -- set per thread by setup()
  path = os.getenv("BENCH_PATH")
  prefix = os.getenv("BENCH_ID_PREFIX") or "u"
  max = tonumber(os.getenv("BENCH_ID_MAX") or "1")
  headers = { ["Content-Type"] = "application/json" }
  local tok = os.getenv("BENCH_TOKEN")
  if tok and tok ~= "" then headers["Authorization"] = tok end
  math.randomseed(os.time() + tid)
end
function request()
  counter = counter + 1
  local id = prefix .. string.format("%014d", math.random(max))
  local body = string.format('{"title":"updated %d-%d","n":%d}', tid, counter, counter)
  return wrk.format("PATCH", (string.gsub(path, "{id}", id)), headers, body)
end
