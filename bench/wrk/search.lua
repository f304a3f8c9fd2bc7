-- Full-text search over the tenant's messages: GET /api/search?q=...
local here = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$")
-- One copy of the shared code per Lua state, also when mixed.lua loads several scenarios.
ragchat_common = ragchat_common or dofile(here .. "common.lua")
local common = ragchat_common
common.install()

function request()
  return common.get("/api/search?q=" .. common.quote(common.pick(common.targets.query)))
end
