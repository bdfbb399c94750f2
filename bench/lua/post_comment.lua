-- Each wrk thread is one browser: it loads the page first (the form's signed stamp, and
-- a CSRF token and session cookie when the page carries them), then sends new comments
-- from new commenters.  Every POST carries Origin: the server's own origin (BENCH_ORIGIN,
-- which run.py also gives the server as SITE_URL), as a browser sends on a form POST;
-- the comment form refuses a POST whose Origin is another site's.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local path = os.getenv("BENCH_PATH")
local run = os.getenv("BENCH_RUN") or "0"
local origin = os.getenv("BENCH_ORIGIN")
local loaded, token, stamp, cookie = false, nil, nil, nil
local counter = 0
local ids_file  -- every comment id answered with a redirect, for the zero-loss check

request = function()
  if not loaded then
    return wrk.format("GET", path)
  end
  counter = counter + 1
  local who = run .. "-" .. id .. "-" .. counter
  local body = "comment=Benchmark+comment+" .. who
    .. "&name=Bench+Reader&email=bench-" .. who .. "%40example.com"
    .. "&rendered_at=" .. stamp
  if token then
    body = body .. "&csrf_token=" .. token
  end
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Origin"] = origin,
    ["Cookie"] = cookie,  -- nil (no header) when the page set no cookie
  }, body)
end

response = function(status, headers, body)
  if not loaded then
    -- The page itself: a 5xx here is counted; a page without a stamp is asked again,
    -- and a run where no thread ever got one accepts nothing and fails.
    count_status(status)
    if status == 200 then
      stamp = body:match('name="rendered_at" value="([^"]+)"')
      token = body:match('name="csrf_token" value="([^"]+)"')
      cookie = (headers["Set-Cookie"] or ""):match("(session=[^;]+)")
      loaded = stamp ~= nil
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
