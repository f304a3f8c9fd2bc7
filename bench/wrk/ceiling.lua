-- The framework's ceiling: GET / on bench/bare_app.py (a small JSON object, no key).
local here = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$")
-- One copy of the shared code per Lua state, also when mixed.lua loads several scenarios.
ragchat_common = ragchat_common or dofile(here .. "common.lua")
local common = ragchat_common
common.install()

function request()
  return wrk.format("GET", "/")
end
