-- POST BENCH_PATH (auth-with-password) with {"identity":BENCH_IDENTITY,"password":BENCH_PASSWORD}.
function init(args)
  local body = string.format('{"identity":"%s","password":"%s"}', os.getenv("BENCH_IDENTITY"), os.getenv("BENCH_PASSWORD"))
  req = wrk.format("POST", os.getenv("BENCH_PATH"), { ["Content-Type"] = "application/json" }, body)
end
function request() return req end
