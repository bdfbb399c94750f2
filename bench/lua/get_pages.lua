-- GET a different page of a listing on each request: ?page=N, N going round 1 to
-- BENCH_PAGES, each thread starting elsewhere.  More pages than a worker keeps
-- (app/moderation/page_memo.py: MODERATION_PAGE_MEMO, 32), visited in turn, so that no
-- answer comes from a kept copy: every request renders its page.  Extra headers (the
-- moderator's cookie) come from -H, as in get.lua; no response() callback either.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local pages = tonumber(os.getenv("BENCH_PAGES") or "100")
local sent = 0

request = function()
  sent = sent + 1
  local page = (id * 37 + sent) % pages + 1
  return wrk.format("GET", wrk.path .. "?page=" .. page)
end
