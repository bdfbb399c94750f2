-- Shared by every scenario: print one JSON line with throughput, latency percentiles and
-- answer counts when the run ends.  "status_errors" is wrk's own count of answers 4xx or
-- 5xx; scripts with a response() callback (the POSTs) also count by class here.  GETs
-- have no callback: passing every answer's headers and body to Lua costs wrk more CPU
-- than a fast server spends on the request, which on a shared machine would measure
-- wrk instead of the server (see bench/lua/get.lua).
local threads = {}

setup = function(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function count_status(status)
  if status == 303 or status == 302 or status == 201 then
    accepted = (accepted or 0) + 1
  end
  if status >= 500 then
    server_errors = (server_errors or 0) + 1
  elseif status >= 400 then
    client_errors = (client_errors or 0) + 1
  end
end

done = function(summary, latency, requests)
  local accepted_total, server_total, client_total = 0, 0, 0
  for _, thread in ipairs(threads) do
    accepted_total = accepted_total + (thread:get("accepted") or 0)
    server_total = server_total + (thread:get("server_errors") or 0)
    client_total = client_total + (thread:get("client_errors") or 0)
  end
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.3f, "p99_ms": %.3f, '
    .. '"accepted": %d, "server_errors": %d, "client_errors": %d, "status_errors": %d, '
    .. '"socket_errors": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    accepted_total, server_total, client_total, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
