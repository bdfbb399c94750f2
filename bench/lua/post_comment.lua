-- Each wrk thread is one browser: it loads the page first (CSRF token, form stamp and
-- session cookie, as a browser would), then sends new comments from new commenters.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local path = os.getenv("BENCH_PATH")
local run = os.getenv("BENCH_RUN") or "0"
local token, stamp, cookie
local counter = 0
local ids_file  -- every comment id answered with a redirect, for the zero-loss check

request = function()
  if token == nil then
    return wrk.format("GET", path)
  end
  counter = counter + 1
  local who = run .. "-" .. id .. "-" .. counter
  local body = "comment=Benchmark+comment+" .. who
    .. "&name=Bench+Reader&email=bench-" .. who .. "%40example.com"
    .. "&csrf_token=" .. token .. "&rendered_at=" .. stamp
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
  }, body)
end

response = function(status, headers, body)
  if token == nil then
    if status == 200 then
      token = body:match('name="csrf_token" value="([^"]+)"')
      stamp = body:match('name="rendered_at" value="([^"]+)"')
      cookie = (headers["Set-Cookie"] or ""):match("(session=[^;]+)")
    end
    return
  end
  count_status(status)
  if status == 303 then
    local cid = (headers["Location"] or ""):match("#comment%-(%d+)$")
    if cid then
      ids_file = ids_file or io.open(os.getenv("BENCH_IDS_DIR") .. "/" .. run .. "-" .. id, "a")
      ids_file:write(cid, "\n")
      ids_file:flush()
    end
  end
end
