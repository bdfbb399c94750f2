-- New comments to Isso's JSON API, each from a new author.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local run = os.getenv("BENCH_RUN") or "0"
local counter = 0

request = function()
  counter = counter + 1
  local who = run .. "-" .. id .. "-" .. counter
  local body = '{"text": "Benchmark comment ' .. who .. '", "author": "Bench Reader", '
    .. '"email": "bench-' .. who .. '@example.com", "website": null, "parent": null, '
    .. '"title": "Back spasms"}'
  return wrk.format("POST", "/new?uri=%2Fthread", {["Content-Type"] = "application/json"}, body)
end

response = function(status, headers, body)
  count_status(status)
end
