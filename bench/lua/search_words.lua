dofile("bench/lua/common.lua")
-- Searches by single words, rare and common, and mixes of two or three: a filing number is in one
-- claim or two; the words are each in 5 to 21% of the benchmark's claims ("filing" in every one).
local common = {"deepseek", "psyop", "model", "reuters", "app", "chips", "founded", "benchmarks", "lecun", "nvidia",
  "filing"}
local mixes = {"deepseek%20psyop", "reuters%20chips%20model", "lecun%20founded%20investors", "psyop%20posts",
  "nvidia%20market%20value", "deepseek%20according"}
request = function()
  local r = math.random(1, 4)
  local q
  if r == 1 then
    q = tostring(math.random(0, claims - 1))
  elseif r == 2 then
    q = common[math.random(1, #common)]
  elseif r == 3 then
    q = mixes[math.random(1, #mixes)]
  else
    q = common[math.random(1, #common)] .. "%20" .. tostring(math.random(0, claims - 1))
  end
  return wrk.format("GET", "/v1/claims?limit=20&q=" .. q)
end
