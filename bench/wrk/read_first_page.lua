-- Opening a chat: page 1 of its messages, 20 to a page (?page=1&size=20, with the total).
local here = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$")
-- One copy of the shared code per Lua state, also when mixed.lua loads several scenarios.
ragchat_common = ragchat_common or dofile(here .. "common.lua")
local common = ragchat_common
common.install()

function request()
  local session = common.pick(common.targets.read)
  return common.get("/api/sessions/" .. session.id .. "/messages?page=1&size=20")
end
