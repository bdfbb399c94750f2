-- GET one path (wrk's URL); extra headers come from -H.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

response = function(status, headers, body)
  count_status(status)
end
