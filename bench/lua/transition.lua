dofile("bench/lua/common.lua")
-- Claims whose id is not 1 mod 3 were filled without evidence and are still submitted: each is moved once.
request = function()
  counter = counter + 1
  local x = counter * 2 + tid
  local id = 3 * math.floor(x / 2) + 2 + (x % 2)
  return json_post("/v1/claims/" .. id .. "/transitions", '{"to":"in_review","note":"bench"}')
end
