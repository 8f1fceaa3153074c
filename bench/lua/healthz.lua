dofile("bench/lua/common.lua")
request = function() return wrk.format("GET", "/healthz") end
