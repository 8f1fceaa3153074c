dofile("bench/lua/common.lua")
local tags = {"cost", "benchmarks", "markets", "geopolitics", "chips"}
request = function()
  return wrk.format("GET", "/v1/claims?status=in_review&limit=20&tag=" .. tags[math.random(1, #tags)])
end
