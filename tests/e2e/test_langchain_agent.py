"""A LangChain agent's conversation, kept by ragchat_client's RagChatMemory, as a reviewer
reads it: the model's tool call with its arguments, the tool's output under its name, and
the documents the retriever returned as passage cards."""

import json
import os
from pathlib import Path

from langchain.agents import create_agent
from langchain_core.documents import Document
from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
from langchain_core.messages import AIMessage
from langchain_core.tools import tool
from playwright.sync_api import expect
from ragchat_client import RagChat
from ragchat_client.langchain import RagChatMemory

from tests.support.browser import CHAT_VIEWPORT

THREAD = "e2e-langchain-agent"
QUESTION = "Can I return a tent I have already used once?"
ANSWER = "Yes: tents can be returned within 60 days, even used, for store credit."
DOCUMENTS = [
    Document(
        "Camping gear may be returned within 60 days of delivery, used or not, for store "
        "credit; unused gear in its packaging is refunded to the card.",
        metadata={"source": "policies/returns.md#camping-gear", "score": 0.87},
    ),
    Document(
        "A tent returned with damage beyond normal use is assessed before credit is issued.",
        metadata={"title": "Condition checks", "relevance_score": 0.64},
    ),
]


class ScriptedChatModel(FakeMessagesListChatModel):
    """Stands in for the chat model: answers with `responses` in turn."""

    def bind_tools(self, tools, **kwargs):
        return self


@tool(response_format="content_and_artifact")
def search_policies(query: str) -> tuple[str, list[Document]]:
    """Search the shop's policies; the passages found are the artifact."""
    return "\n\n".join(document.page_content for document in DOCUMENTS), DOCUMENTS


def run_agent(demo):
    """One turn of the agent, recorded in ragchat by its middleware; the chat's id."""
    model = ScriptedChatModel(
        responses=[
            AIMessage(
                "",
                tool_calls=[
                    {"name": "search_policies", "args": {"query": "used tent"}, "id": "call_7"}
                ],
            ),
            AIMessage(ANSWER),
        ]
    )
    with RagChat(demo.url, demo.admin_key) as client:
        agent = create_agent(
            model,
            [search_policies],
            system_prompt="Answer from the shop's policies.",
            middleware=[RagChatMemory(client=client, user_id="camper-77")],
        )
        agent.invoke(
            {"messages": [{"role": "user", "content": QUESTION}]},
            {"configurable": {"thread_id": THREAD}},
        )
        return client.sessions.get_by_key(THREAD).id


def test_a_tool_call_its_output_and_the_passages_are_shown(open_page, demo):
    chat = run_agent(demo)

    page = open_page(demo.admin_key, f"/sessions/{chat}", viewport=CHAT_VIEWPORT)
    expect(page.get_by_role("heading", name=QUESTION)).to_be_visible()
    expect(page.locator(".conversation-key")).to_have_text(THREAD)
    messages = page.locator("article.message")
    expect(messages).to_have_count(4)
    expect(messages.nth(0)).to_contain_text(QUESTION)

    calls = messages.nth(1).get_by_role("list", name="Tool calls").get_by_role("listitem")
    expect(calls).to_have_count(1)
    expect(calls.first).to_contain_text("Called search_policies")
    calls.first.locator("summary").click()
    arguments = calls.first.locator("pre")
    expect(arguments).to_be_visible()
    assert json.loads(arguments.inner_text()) == {"query": "used tent"}

    tool_output = messages.nth(2)
    expect(tool_output).to_have_class("message message-tool")
    expect(tool_output.locator(".sender")).to_contain_text("Tool")
    expect(tool_output.locator(".tool-name")).to_have_text("search_policies")
    expect(tool_output.locator(".content")).to_contain_text("Camping gear may be returned")
    cards = tool_output.locator(".chunk")
    expect(cards).to_have_count(2)
    expect(cards.nth(0).locator(".chunk-source")).to_have_text("policies/returns.md#camping-gear")
    expect(cards.nth(0).locator(".chunk-score")).to_have_text("score 0.87")
    expect(cards.nth(0).locator("blockquote")).to_have_text(DOCUMENTS[0].page_content)
    expect(cards.nth(1).locator(".chunk-source")).to_have_text("Condition checks")
    expect(cards.nth(1).locator(".chunk-score")).to_have_text("score 0.64")
    for card in cards.all():
        expect(card).to_be_visible()

    expect(messages.nth(3)).to_have_class("message message-ai")
    expect(messages.nth(3).locator(".content")).to_have_text(ANSWER)
    expect(messages.nth(3).locator(".chunk")).to_have_count(0)

    folder = os.environ.get("RAGCHAT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=Path(folder) / "langchain-agent.png", full_page=True)
