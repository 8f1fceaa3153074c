dofile("bench/lua/common.lua")
local queries = {"nvidia%20fell", "deepseek%20benchmarks", "softbank%20market%20value", "pytorch%20llama",
  "psyop", "restricted%20chips", "app%20store%20countries", "founded%20investors", "alibaba%20optimism"}
request = function()
  return wrk.format("GET", "/v1/claims?limit=20&q=" .. queries[math.random(1, #queries)])
end
