-- The long run for memory growth: a chatbot service's mix of appends, page reads, chat
-- lists and new chats, in proportions a busy deployment might see.
local here = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$")
ragchat_common = ragchat_common or dofile(here .. "common.lua")
local common = ragchat_common

local weights = {
  append_message = 4,
  read_page = 3,
  read_first_page = 1,
  list_sessions = 1,
  create_session = 1,
}

local deck = {}
for name, weight in pairs(weights) do
  dofile(here .. name .. ".lua") -- defines the global `request` for that scenario
  for _ = 1, weight do
    table.insert(deck, request)
  end
end
common.install()

function request()
  return common.pick(deck)()
end
