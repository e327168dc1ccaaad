-- The soak test's mixed load (scripts/soak.sh), rate-bounded by delay(): every connection waits
-- SOAK_DELAY_MS between requests. Per request, one of:
--   create / delete (collection soak, own ids)           40 %   (deletes the thread's oldest record,
--     half of the time once it has 50: steady state, the table does not grow over the run)
--   update a seeded post                                 15 %   update a "hooked" row (plugin)  5 %
--   list posts with filter + expand                      15 %   view one post with expand      10 %
--   auth-refresh (users)                                 15 %
-- Deletes only target ids this thread created and did not delete yet, so no request should fail.
-- env: SOAK_ID_PREFIX (one letter), SOAK_DELAY_MS, SOAK_POSTS (seeded posts p%014d), SOAK_HOOKED (seeded hooked u%014d), SOAK_UTOKEN
local nthreads = 0
function setup(thread) nthreads = nthreads + 1; thread:set("tid", nthreads) end
function init(args)
  tid = tonumber(tid) or 1
  delay_ms = tonumber(os.getenv("SOAK_DELAY_MS") or "20")
  posts = tonumber(os.getenv("SOAK_POSTS") or "1")
  hooked = tonumber(os.getenv("SOAK_HOOKED") or "1")
  utoken = os.getenv("SOAK_UTOKEN") or ""
  created, deleted, counter = 0, 0, 0
  json = { ["Content-Type"] = "application/json" }
  auth = { ["Authorization"] = utoken }
  R = "/api/collections/"
  idp = os.getenv("SOAK_ID_PREFIX") or "s"  -- one letter per wrk run: ids never repeat
  math.randomseed(os.time() * 100 + tid)
end
local function sid(n) return string.format("%s%02d%012d", idp, tid, n) end
function request()
  counter = counter + 1
  local r = math.random(100)
  if r <= 40 and created - deleted >= 50 and math.random(2) == 1 then
    deleted = deleted + 1
    return wrk.format("DELETE", R .. "soak/records/" .. sid(deleted), {})
  elseif r <= 40 then
    created = created + 1
    return wrk.format("POST", R .. "soak/records", json,
      string.format('{"id":"%s","title":"soak %d","n":%d}', sid(created), counter, counter))
  elseif r <= 55 then
    local id = string.format("p%014d", math.random(posts))
    return wrk.format("PATCH", R .. "posts/records/" .. id, json, string.format('{"n":%d}', counter))
  elseif r <= 60 then
    local id = string.format("u%014d", math.random(hooked))
    return wrk.format("PATCH", R .. "hooked/records/" .. id, json, string.format('{"title":"h %d"}', counter))
  elseif r <= 75 then
    local lo = math.random(posts)
    return wrk.format("GET", R .. "posts/records?perPage=20&expand=author&sort=-n&filter=" ..
      string.format("(n%%3E%%3D%d%%20%%26%%26%%20title~'post')", lo), {})
  elseif r <= 85 then
    return wrk.format("GET", R .. "posts/records/" .. string.format("p%014d", math.random(posts)) .. "?expand=author", {})
  else
    return wrk.format("POST", R .. "users/auth-refresh", auth, "")
  end
end
function delay() return delay_ms end
