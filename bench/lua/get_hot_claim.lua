dofile("bench/lua/common.lua")
-- A hot set of 1,000 claims, as a newsroom's current stories are.
request = function() return wrk.format("GET", "/v1/claims/" .. math.random(1, 1000)) end
