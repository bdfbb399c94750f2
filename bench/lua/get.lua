-- GET one path (wrk's URL); extra headers come from -H.  No response() callback, so
-- wrk reads answers in C at full speed; it counts those 4xx or 5xx itself, and run.py
-- checks the page (200, no redirect) before and after the rounds.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")
