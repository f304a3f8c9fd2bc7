-- One end user's chats, most recently active first (the first page).
local here = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$")
-- One copy of the shared code per Lua state, also when mixed.lua loads several scenarios.
ragchat_common = ragchat_common or dofile(here .. "common.lua")
local common = ragchat_common
common.install()

function request()
  return common.get("/api/sessions?user_id=" .. common.quote(common.pick(common.targets.user)))
end
