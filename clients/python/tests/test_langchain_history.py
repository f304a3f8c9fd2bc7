"""RagChatMessageHistory against a real server: reads only what is new, costs one request a
turn once warm, clears, survives a deleted session, runs RunnableWithMessageHistory, and
has real async paths."""

import uuid

import pytest
from langchain_core._api import LangChainDeprecationWarning
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
from langchain_core.runnables.history import RunnableWithMessageHistory
from ragchat_client.langchain import RagChatMessageHistory
from support_agents import ScriptedChatModel


@pytest.fixture
def key():
    return f"session-{uuid.uuid4().hex[:12]}"


def paths(requests):
    """Each request as "METHOD path?after=…" (only the parameters that tell reads apart)."""
    shown = []
    for request in requests:
        after = request.url.params.get("after")
        name = request.url.path.removeprefix("/api/sessions/")
        shown.append(f"{request.method} {name}" + (f"?after={after}" if after else ""))
    return shown


def test_a_new_conversation_is_opened_on_its_first_message(client, key, sent):
    history = RagChatMessageHistory(key, client=client)

    assert history.messages == []
    history.add_messages([HumanMessage("How long do refunds take?"), AIMessage("Five days.")])

    session = client.sessions.get_by_key(key)
    assert session.user_id == key  # the user defaults to the key
    assert session.title == "How long do refunds take?"
    assert session.message_count == 2
    assert [r.method for r in sent[:4]] == ["GET", "PUT", "POST", "GET"]


def test_reads_fetch_only_what_is_new(client, make_client, server, user_id, key, sent):
    history = RagChatMessageHistory(key, user_id=user_id, client=client)
    history.add_messages([HumanMessage("one"), AIMessage("two")])
    session_id = client.sessions.get_by_key(key).id
    sent.clear()

    assert [m.content for m in history.messages] == ["one", "two"]
    other = RagChatMessageHistory(key, user_id=user_id, client=make_client(server.url))
    other.add_messages([HumanMessage("three")])  # another process adds a turn
    sent.clear()

    assert [m.content for m in history.messages] == ["one", "two", "three"]
    assert [m.content for m in history.messages] == ["one", "two", "three"]
    history.add_messages([AIMessage("four")])  # follows what was read: kept as read
    assert [m.content for m in history.messages] == ["one", "two", "three", "four"]

    messages = f"{session_id}/messages"
    assert paths(sent) == [
        f"GET {messages}?after=2",
        f"GET {messages}?after=3",
        f"POST {messages}/batch",
        f"GET {messages}?after=4",
    ]


def test_a_warm_client_spends_no_request_on_the_key(client, user_id, key, sent):
    RagChatMessageHistory(key, user_id=user_id, client=client).add_messages([HumanMessage("a")])
    sent.clear()

    # RunnableWithMessageHistory makes a new history every turn: one read, one write.
    turn = RagChatMessageHistory(key, user_id=user_id, client=client)
    assert turn.messages == [HumanMessage("a")]
    turn.add_messages([AIMessage("b"), HumanMessage("c")])

    assert [r.method for r in sent] == ["GET", "POST"]
    assert all("/by-key" not in r.url.path for r in sent)


def test_long_conversations_are_read_and_written_a_hundred_at_a_time(client, user_id, key, sent):
    history = RagChatMessageHistory(key, user_id=user_id, client=client)
    messages = [HumanMessage(f"m{n}") for n in range(250)]

    history.add_messages(messages)
    posts = [r for r in sent if r.method == "POST"]
    sent.clear()
    fresh = RagChatMessageHistory(key, user_id=user_id, client=client)

    assert fresh.messages == messages
    assert len(posts) == 3
    assert len(sent) == 3


def test_clear_empties_the_conversation_and_keeps_it(client, user_id, key, sent):
    history = RagChatMessageHistory(key, user_id=user_id, client=client)
    history.add_messages([HumanMessage("one"), AIMessage("two")])
    session = client.sessions.get_by_key(key)
    assert len(history.messages) == 2
    sent.clear()

    history.clear()
    assert history.messages == []
    history.add_messages([HumanMessage("three")])

    assert [r.method for r in sent[:1]] == ["DELETE"]
    assert history.messages == [HumanMessage("three")]
    assert client.sessions.get_by_key(key).id == session.id
    assert [m.seq for m in client.messages.list(session.id)] == [3]


def test_clearing_a_conversation_that_never_started_creates_nothing(client, key):
    RagChatMessageHistory(key, client=client).clear()

    assert [s.key for s in client.sessions.list_keyed(user_id=key)] == []


def test_a_session_deleted_elsewhere_is_opened_again(client, make_client, server, user_id, key):
    history = RagChatMessageHistory(key, user_id=user_id, client=client)
    history.add_messages([HumanMessage("before")])
    first = client.sessions.get_by_key(key).id
    assert history.messages == [HumanMessage("before")]

    make_client(server.url).sessions.delete(first)  # the client's cache does not know
    history.add_messages([HumanMessage("after")])

    second = client.sessions.get_by_key(key).id
    assert second != first
    assert history.messages == [HumanMessage("after")]


def test_another_users_key_is_refused(client, user_id, key):
    RagChatMessageHistory(key, user_id=user_id, client=client).add_messages([HumanMessage("a")])

    with pytest.raises(Exception) as conflict:
        RagChatMessageHistory(key, user_id="someone-else", client=client).add_messages(
            [HumanMessage("b")]
        )

    assert getattr(conflict.value, "status_code", None) == 409


def test_a_two_turn_chain_with_runnable_with_message_history(client, user_id, key):
    model = ScriptedChatModel(
        responses=[AIMessage("Up to five working days."), AIMessage("Yes, in full.")]
    )
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "Answer from the policies."),
            MessagesPlaceholder("history"),
            ("human", "{question}"),
        ]
    )
    with pytest.warns(LangChainDeprecationWarning, match="RunnableWithMessageHistory"):
        chain = RunnableWithMessageHistory(
            prompt | model,
            lambda session_id: RagChatMessageHistory(session_id, user_id=user_id, client=client),
            input_messages_key="question",
            history_messages_key="history",
        )
    config = {"configurable": {"session_id": key}}

    first = chain.invoke({"question": "How long do refunds take?"}, config)
    second = chain.invoke({"question": "Even for damaged items?"}, config)

    assert (first.content, second.content) == ("Up to five working days.", "Yes, in full.")
    assert model.seen[1] == [
        SystemMessage("Answer from the policies."),
        HumanMessage("How long do refunds take?"),
        first,
        HumanMessage("Even for damaged items?"),
    ]
    stored = list(client.messages.list(client.sessions.get_by_key(key).id))
    assert [(m.sender, m.content) for m in stored] == [
        ("user", "How long do refunds take?"),
        ("ai", "Up to five working days."),
        ("user", "Even for damaged items?"),
        ("ai", "Yes, in full."),
    ]


@pytest.mark.anyio
async def test_async_paths_use_the_async_client_only(
    make_async_client, client, server, user_id, key, sent
):
    async with make_async_client(server.url) as chat:
        history = RagChatMessageHistory(key, user_id=user_id, async_client=chat)

        assert await history.aget_messages() == []
        await history.aadd_messages([HumanMessage("one"), AIMessage("two")])
        assert await history.aget_messages() == [HumanMessage("one"), AIMessage("two")]
        await history.aclear()
        assert await history.aget_messages() == []
        await history.aadd_messages([HumanMessage("three")])
        read = await history.aget_messages()

    assert read == [HumanMessage("three")]
    assert history._clients._client is None  # no blocking client was ever made
    # Every request went through the async client's hooks: look-up, open, add, read,
    # clear, read (after seq 2), add (3 follows 2: kept as read), read (after seq 3).
    assert [r.method for r in sent] == ["GET", "PUT", "POST", "GET", "DELETE", "GET", "POST", "GET"]
    assert [r.url.params.get("after") for r in sent[-3:]] == ["2", None, "3"]
    assert [m.seq for m in client.messages.list(client.sessions.get_by_key(key).id)] == [3]


@pytest.mark.anyio
async def test_async_reads_fetch_only_what_is_new(make_async_client, server, user_id, key, sent):
    async with make_async_client(server.url) as chat:
        history = RagChatMessageHistory(key, user_id=user_id, async_client=chat)
        await history.aadd_messages([HumanMessage("one")])
        await history.aget_messages()
        sent.clear()
        await RagChatMessageHistory(key, user_id=user_id, async_client=chat).aadd_messages(
            [AIMessage("two")]
        )
        read = await history.aget_messages()

    assert read == [HumanMessage("one"), AIMessage("two")]
    assert [r.url.params.get("after") for r in sent] == [None, "1"]  # the POST, the read


@pytest.fixture
def environment(monkeypatch, server, api_key):
    monkeypatch.setenv("RAGCHAT_BASE_URL", server.url)
    monkeypatch.setenv("RAGCHAT_API_KEY", api_key)


def test_histories_without_a_client_share_one_from_the_environment(environment, user_id, key):
    first = RagChatMessageHistory(key, user_id=user_id)
    first.add_messages([HumanMessage("Hi")])

    second = RagChatMessageHistory(key, user_id=user_id)  # the next turn's history

    shared = second._clients.sync
    assert shared is first._clients.sync
    assert shared._session_keys.get(key) is not None  # the next turn needs no look-up
    assert second.messages == [HumanMessage("Hi")]


@pytest.mark.anyio
async def test_async_histories_share_a_client_per_event_loop(environment, user_id, key):
    first = RagChatMessageHistory(key, user_id=user_id)
    await first.aadd_messages([HumanMessage("Hi")])
    second = RagChatMessageHistory(key, user_id=user_id)

    assert await second.aget_messages() == [HumanMessage("Hi")]
    assert second._clients.asynchronous is first._clients.asynchronous
    assert second._clients._client is None


@pytest.mark.anyio
async def test_a_blocking_client_gets_an_async_twin(client, user_id, key):
    history = RagChatMessageHistory(key, user_id=user_id, client=client)

    await history.aadd_messages([HumanMessage("Hi")])

    twin = history._clients.asynchronous
    assert (twin.base_url, twin.api_key) == (client.base_url, client.api_key)
    assert twin is RagChatMessageHistory(key, client=client)._clients.asynchronous
    assert history.messages == [HumanMessage("Hi")]
