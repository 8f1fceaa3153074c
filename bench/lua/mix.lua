dofile("bench/lua/common.lua")
-- 90% reads of random claims, 10% new claims.
request = function()
  counter = counter + 1
  if math.random(1, 10) == 1 then
    return json_post("/v1/claims", string.format('{"text":"Mixed load claim %s-%d-%d about R1"}', run, tid, counter))
  end
  return wrk.format("GET", "/v1/claims/" .. math.random(1, claims))
end
