-- A keyset page of 20 messages from anywhere in a chat: ?after=N&limit=20 (chats of every
-- size, from 10 messages to the longest).
local here = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$")
-- One copy of the shared code per Lua state, also when mixed.lua loads several scenarios.
ragchat_common = ragchat_common or dofile(here .. "common.lua")
local common = ragchat_common
common.install()

function request()
  local session = common.pick(common.targets.read)
  local after = math.random(0, math.max(0, session.count - 20))
  return common.get(string.format("/api/sessions/%s/messages?after=%d&limit=20", session.id, after))
end
