dofile("bench/lua/common.lua")
-- Texts as they come in: a paraphrase of a seed claim, a tweet with a handle and a link, a number in
-- another form, and a sentence the collection does not hold.
local texts = {
  "DeepSeek says it built R1 for only $5.6M, a fraction of US spending",
  "@nealkhosla: DeepSeek is a Chinese state psyop https://t.co/x #AI",
  "Nvidia dropped 17 percent in one trading session",
  "SoftBank lost a fifth of its market value",
  "The city council approved a new bicycle lane on Main Street",
}
request = function()
  return json_post("/v1/match", string.format('{"text":"%s","limit":5}', texts[math.random(1, #texts)]))
end
