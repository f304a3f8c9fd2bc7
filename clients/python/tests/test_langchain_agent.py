"""RagChatMemory with LangChain's create_agent against a real server: two turns of an agent
that calls a retriever tool, recorded once each, in order, and the second turn built on
the first; sync and async, with and without a checkpointer."""

import uuid

import pytest
from langchain.agents import create_agent
from langchain_core.messages import HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from ragchat_client.langchain import RagChatMemory, from_ragchat
from support_agents import PASSAGES, ScriptedChatModel, search_policies, two_turns

QUESTIONS = ["How long do refunds take?", "And for damaged items?"]
SENDERS = ["user", "ai", "tool", "ai"] * 2


@pytest.fixture
def thread_id():
    return f"thread-{uuid.uuid4().hex[:12]}"


def stored_messages(client, thread_id):
    return list(client.messages.list(client.sessions.get_by_key(thread_id).id, limit=100))


REFUND_PASSAGES = [
    {
        "page_content": PASSAGES["refund"][0].page_content,
        "metadata": {"source": "policies/refunds.md#timing", "score": 0.91},
        "id": "refunds-1",
    },
    {
        "page_content": PASSAGES["refund"][1].page_content,
        "metadata": {"source": "policies/refunds.md#store-credit", "score": 0.74},
    },
]
DAMAGED_PASSAGES = [
    {
        "page_content": PASSAGES["damaged"][0].page_content,
        "metadata": {"title": "Damaged items", "relevance_score": 0.88},
    }
]


def check_two_turns(stored, model, results, user_id):
    """What ragchat holds after the two turns, and what the model saw."""
    assert [m.sender for m in stored] == SENDERS
    assert [m.seq for m in stored] == list(range(1, 9))  # each message once
    assert [stored[0].content, stored[4].content] == QUESTIONS
    calls = [m.extra["tool_calls"] for m in stored if m.extra.get("tool_calls")]
    assert calls == [
        [{"name": "search_policies", "args": {"query": q}, "id": i, "type": "tool_call"}]
        for q, i in [("refund timing", "call_1"), ("damaged items", "call_2")]
    ]
    tools = [m for m in stored if m.sender == "tool"]
    assert [m.extra["name"] for m in tools] == ["search_policies"] * 2
    assert [m.extra["tool_call_id"] for m in tools] == ["call_1", "call_2"]
    assert tools[0].context == {"documents": REFUND_PASSAGES}
    assert tools[1].context == {"documents": DAMAGED_PASSAGES}
    assert stored[3].content == "Refunds take up to five working days."
    assert stored[1].metadata == {
        "model": "scripted-1",
        "input_tokens": "120",
        "output_tokens": "9",
        "total_tokens": "129",
    }

    first, second = results
    assert len(first["messages"]) == 4
    assert [from_ragchat(m) for m in stored] == second["messages"]  # as the agent had them
    artifact = next(m for m in second["messages"] if isinstance(m, ToolMessage)).artifact
    assert artifact == PASSAGES["refund"]  # documents come back as Documents
    # Turn two's first model call was shown turn one, then the new question.
    shown = model.seen[2]
    assert shown[:4] == first["messages"]
    assert shown[4:] == [HumanMessage(QUESTIONS[1], id=shown[4].id)]
    assert "ragchat_recorded" not in second


def test_two_turns_are_recorded_once_in_order(client, user_id, thread_id, sent):
    model = ScriptedChatModel(responses=two_turns())
    agent = create_agent(
        model, [search_policies], middleware=[RagChatMemory(client=client, user_id=user_id)]
    )
    config = {"configurable": {"thread_id": thread_id}}

    first = agent.invoke({"messages": [HumanMessage(QUESTIONS[0])]}, config)
    turn_one = [r.method for r in sent]
    sent.clear()
    second = agent.invoke({"messages": [{"role": "user", "content": QUESTIONS[1]}]}, config)
    turn_two = [r.method for r in sent]

    check_two_turns(stored_messages(client, thread_id), model, (first, second), user_id)
    session = client.sessions.get_by_key(thread_id)
    assert (session.user_id, session.title) == (user_id, QUESTIONS[0])
    # Turn one: look the thread up (none yet), open it, record it. Turn two: read, record.
    assert turn_one == ["GET", "PUT", "POST"]
    assert turn_two == ["GET", "POST"]


@pytest.mark.anyio
async def test_two_turns_with_ainvoke_use_the_async_client(
    make_async_client, client, server, user_id, thread_id
):
    model = ScriptedChatModel(responses=two_turns())
    async with make_async_client(server.url) as chat:
        memory = RagChatMemory(async_client=chat)
        agent = create_agent(model, [search_policies], middleware=[memory])
        config = {"configurable": {"thread_id": thread_id, "user_id": user_id}}

        first = await agent.ainvoke({"messages": [HumanMessage(QUESTIONS[0])]}, config)
        second = await agent.ainvoke({"messages": [HumanMessage(QUESTIONS[1])]}, config)

    check_two_turns(stored_messages(client, thread_id), model, (first, second), user_id)
    assert client.sessions.get_by_key(thread_id).user_id == user_id  # from the config
    assert memory._clients._client is None  # no blocking client was made


def test_with_a_checkpointer_nothing_is_stored_twice(client, thread_id):
    model = ScriptedChatModel(responses=two_turns())
    agent = create_agent(
        model,
        [search_policies],
        middleware=[RagChatMemory(client=client)],
        checkpointer=InMemorySaver(),
    )
    config = {"configurable": {"thread_id": thread_id}}

    agent.invoke({"messages": [HumanMessage(QUESTIONS[0])]}, config)
    second = agent.invoke({"messages": [HumanMessage(QUESTIONS[1])]}, config)

    stored = stored_messages(client, thread_id)
    assert [m.sender for m in stored] == SENDERS
    assert [from_ragchat(m) for m in stored] == second["messages"]
    assert client.sessions.get_by_key(thread_id).user_id == thread_id  # the default owner


def test_a_thread_started_elsewhere_is_continued(client, user_id, thread_id):
    session = client.sessions.open(thread_id, user_id=user_id)
    client.messages.append_many(
        session.id,
        [
            {"sender": "system", "content": "Answer from the policies."},
            {"sender": "user", "content": "Hi"},
            {"sender": "ai", "content": "Hello! How can I help?"},
        ],
    )
    model = ScriptedChatModel(responses=two_turns()[:2])
    agent = create_agent(model, [search_policies], middleware=[RagChatMemory(client=client)])

    agent.invoke(
        {"messages": [HumanMessage(QUESTIONS[0])]},
        {"configurable": {"thread_id": thread_id, "user_id": user_id}},
    )

    assert [m.content for m in model.seen[0]] == [
        "Answer from the policies.",
        "Hi",
        "Hello! How can I help?",
        QUESTIONS[0],
    ]
    stored = stored_messages(client, thread_id)
    assert [m.sender for m in stored] == ["system", "user", "ai", "user", "ai", "tool", "ai"]


def test_a_run_without_a_thread_id_is_refused(client):
    agent = create_agent(
        ScriptedChatModel(responses=two_turns()),
        [search_policies],
        middleware=[RagChatMemory(client=client)],
    )

    with pytest.raises(ValueError, match="thread_id"):
        agent.invoke({"messages": [HumanMessage("Hi")]})
