-- GET BENCH_PATH; "{id}" in it is replaced by BENCH_ID_PREFIX .. %014d of a random 1..BENCH_ID_MAX
-- (the seeded ids). Without {id} it is a fixed GET (the list runs). env: BENCH_TOKEN (optional)
local nthreads = 0
function setup(thread) nthreads = nthreads + 1; thread:set("tid", nthreads) end
function init(args)
  path = os.getenv("BENCH_PATH") or wrk.path
  prefix = os.getenv("BENCH_ID_PREFIX") or "p"
  max = tonumber(os.getenv("BENCH_ID_MAX") or "1")
  headers = {}
  local tok = os.getenv("BENCH_TOKEN")
  if tok and tok ~= "" then headers["Authorization"] = tok end
  templated = string.find(path, "{id}", 1, true) ~= nil
  if not templated then fixed = wrk.format("GET", path, headers) end
  math.randomseed(os.time() + (tid or 0))
end
function request()
  if not templated then return fixed end
  local id = prefix .. string.format("%014d", math.random(max))
  return wrk.format("GET", (string.gsub(path, "{id}", id)), headers)
end
