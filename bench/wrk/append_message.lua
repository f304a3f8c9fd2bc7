-- Append a turn to one of many live chats: a user question, or an AI answer with a RAG
-- context of four retrieved chunks (about 2 KB of JSON), as a chatbot backend sends them.
local here = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$")
-- One copy of the shared code per Lua state, also when mixed.lua loads several scenarios.
ragchat_common = ragchat_common or dofile(here .. "common.lua")
local common = ragchat_common
common.install()

local sentences = {
  "Refunds are issued within five working days of the return being inspected.",
  "According to the returns policy, damaged items can be replaced at no cost.",
  "Single sign-on is part of the business and enterprise plans, with SAML and OIDC.",
  "Invoices can be reissued with a new billing address from the billing settings page.",
  "After a downgrade, files above the free quota stay readable but cannot be edited.",
  "Conversations can be exported from the workspace settings, in CSV or JSON format.",
  "Sessions on mobile last 30 days unless your administrator set a shorter policy.",
}

local function chunk(n)
  local text = {}
  for i = 1, 5 do
    text[i] = sentences[(n + i) % #sentences + 1]
  end
  return string.format(
    '{"source": "kb/article-%d.md#section-%d", "score": 0.%d, "text": "%s"}',
    n * 37 % 5000, n % 9, 900 - n % 400, table.concat(text, " "):sub(1, 420)
  )
end

local bodies = {}
for n = 1, 64 do
  if n % 2 == 1 then
    bodies[n] = string.format(
      '{"sender": "user", "content": "%s Order %d.", "metadata": {"channel": "web"}}',
      sentences[n % #sentences + 1], n * 7919
    )
  else
    local chunks = {}
    for c = 1, 4 do
      chunks[c] = chunk(n * 4 + c)
    end
    bodies[n] = string.format(
      '{"sender": "ai", "content": "%s %s", "context": {"model": "gpt-4o-mini", '
        .. '"retriever": "hybrid-bm25-embeddings", "top_k": 4, "chunks": [%s]}, '
        .. '"metadata": {"model": "gpt-4o-mini", "prompt_tokens": "%d", "latency_ms": "%d"}}',
      sentences[n % #sentences + 1], sentences[(n + 3) % #sentences + 1],
      table.concat(chunks, ", "), 800 + n, 400 + n * 13
    )
  end
end

function request()
  local session = common.pick(common.targets.append)
  return common.post("/api/sessions/" .. session .. "/messages", common.pick(bodies))
end
