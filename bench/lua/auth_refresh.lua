-- POST BENCH_PATH (auth-refresh) with the token in the Authorization header, no body.
function init(args)
  req = wrk.format("POST", os.getenv("BENCH_PATH"), { ["Authorization"] = os.getenv("BENCH_TOKEN") }, "")
end
function request() return req end
