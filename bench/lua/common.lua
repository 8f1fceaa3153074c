-- Shared by the scenario scripts: the API key, per-thread ids and counters, and the claim count.
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_KEY") or "")
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  claims = tonumber(args[1] or "1000")
  rate = tonumber(args[2] or "0")      -- requests/s for this connection set; 0 = as fast as possible
  conns = tonumber(args[3] or "1")
  counter = 0
  math.randomseed(os.time() * 1000 + tid)
  run = tostring(os.time())
end
function delay()
  if rate > 0 then return 1000 * conns / rate end
  return 0
end
function json_post(path, body)
  return wrk.format("POST", path, {["Content-Type"] = "application/json", ["Authorization"] = wrk.headers["Authorization"]}, body)
end
