-- Start a chat for one of many end users.
local here = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$")
-- One copy of the shared code per Lua state, also when mixed.lua loads several scenarios.
ragchat_common = ragchat_common or dofile(here .. "common.lua")
local common = ragchat_common
common.install()

function request()
  local body = string.format(
    '{"user_id": "load-user-%d", "title": "Question about order %d", '
      .. '"metadata": {"channel": "web", "locale": "en-GB"}}',
    math.random(100000), math.random(1000000)
  )
  return common.post("/api/sessions", body)
end
