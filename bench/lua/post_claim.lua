dofile("bench/lua/common.lua")
request = function()
  counter = counter + 1
  return json_post("/v1/claims", string.format(
    '{"text":"Load claim %s-%d-%d: DeepSeek R1 cost $5.6 million to train","tags":["cost","load"],"claimant":"bench"}',
    run, tid, counter))
end
