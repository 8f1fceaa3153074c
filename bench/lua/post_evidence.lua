dofile("bench/lua/common.lua")
request = function()
  counter = counter + 1
  return json_post("/v1/claims/" .. math.random(1, claims) .. "/evidence", string.format(
    '{"url":"https://load%d.example/%s/%d","stance":"supports","reliability":0.7,"confidence":0.9}',
    tid, run, counter))
end
