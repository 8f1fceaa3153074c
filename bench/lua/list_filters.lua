dofile("bench/lua/common.lua")
-- A spread of the list's filter combinations and sorts (bench_fill's data: every claim has a claimant,
-- none an assignee; a twelfth are verified, all mostly_false), taken in turn. A fourth argument N
-- (1-based) sends only the Nth, for one combination's figure.
local lists = {
  "status=verified&verdict=mostly_false",
  "claimant=Reuters",
  "assignee=none",
  "tag=markets&claimant=DeepSeek",
  "created_after=2000-01-01T00:00:00Z&created_before=2100-01-01T00:00:00Z",
  "sort=-confidence",
  "sort=updated",
  "status=in_review&sort=-updated",
  "tag=chips&sort=-confidence",
  "status=submitted&tag=cost&sort=confidence",
  "verdict=mostly_false&sort=-updated",
  "claimant=Yann%20LeCun&status=in_review",
}
local common_init = init
function init(args)
  common_init(args)
  only = tonumber(args[4] or "0")
end
request = function()
  counter = counter + 1
  local n = only > 0 and only or (counter % #lists) + 1
  return wrk.format("GET", "/v1/claims?limit=20&" .. lists[n])
end
