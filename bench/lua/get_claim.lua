dofile("bench/lua/common.lua")
request = function() return wrk.format("GET", "/v1/claims/" .. math.random(1, claims)) end
