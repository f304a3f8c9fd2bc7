"""RagChatStore, LlamaIndex's chat store kept in ragchat, against a real server: every
method, blocking and async, ChatMemoryBuffer on it, and messages that come back equal."""

import uuid
from datetime import UTC, datetime

import pytest
from llama_index.core.base.llms.types import ImageBlock, TextBlock, ToolCallBlock
from llama_index.core.llms import ChatMessage, MessageRole
from llama_index.core.memory import ChatMemoryBuffer
from llama_index.core.schema import NodeWithScore, TextNode
from ragchat_client import Message
from ragchat_client.llama_index import RagChatStore, from_ragchat, to_ragchat


@pytest.fixture
def key():
    return f"chat-{uuid.uuid4().hex[:12]}"


def user(text):
    return ChatMessage(role=MessageRole.USER, content=text)


def assistant(text):
    return ChatMessage(role=MessageRole.ASSISTANT, content=text)


MESSAGES = [
    ChatMessage(role=MessageRole.SYSTEM, content="Answer from the policies."),
    user("How long do refunds take?"),
    ChatMessage(
        role=MessageRole.ASSISTANT,
        blocks=[ToolCallBlock(tool_call_id="call_1", tool_name="search", tool_kwargs={"q": "x"})],
    ),
    ChatMessage(
        role=MessageRole.TOOL,
        content="Refunds take five days.",
        additional_kwargs={"tool_call_id": "call_1", "name": "search"},
    ),
    ChatMessage(
        role=MessageRole.ASSISTANT,
        content="Five working days.",
        additional_kwargs={"model": "gpt-4o-mini", "usage": {"total_tokens": 42}},
    ),
    ChatMessage(
        role=MessageRole.USER,
        blocks=[TextBlock(text="And this one?"), ImageBlock(url="https://example.com/r.png")],
    ),
    ChatMessage(role=MessageRole.DEVELOPER, content="Be brief."),
    ChatMessage(role=MessageRole.CHATBOT, content="Noted."),
]


def test_messages_come_back_equal(client, key):
    store = RagChatStore(client=client)

    store.set_messages(key, MESSAGES)

    assert store.get_messages(key) == MESSAGES
    stored = list(client.messages.list(client.sessions.get_by_key(key).id))
    assert [m.sender for m in stored] == [
        "system",
        "user",
        "ai",
        "tool",
        "ai",
        "user",
        "system",
        "ai",
    ]
    assert stored[2].content == "(tool call: search)"
    assert stored[2].extra["tool_calls"] == [{"name": "search", "args": {"q": "x"}, "id": "call_1"}]
    assert (stored[3].extra["name"], stored[3].extra["tool_call_id"]) == ("search", "call_1")
    assert stored[5].content == "And this one?"


def test_openai_style_tool_calls_are_shown_too(client, key):
    store = RagChatStore(client=client)
    call = {"id": "c9", "type": "function", "function": {"name": "lookup", "arguments": '{"a": 1}'}}

    store.add_message(key, ChatMessage(role="assistant", additional_kwargs={"tool_calls": [call]}))

    stored = next(iter(client.messages.list(client.sessions.get_by_key(key).id)))
    assert stored.extra["tool_calls"] == [{"name": "lookup", "args": {"a": 1}, "id": "c9"}]
    assert store.get_messages(key)[0].additional_kwargs == {"tool_calls": [call]}


def test_sources_become_the_context(client, key):
    store = RagChatStore(client=client)
    node = TextNode(id_="n1", text="Refunds take five days.", metadata={"source": "refunds.md"})
    answer = ChatMessage(
        role="assistant",
        content="Five days.",
        additional_kwargs={
            "sources": [NodeWithScore(node=node, score=0.8)],
            "documents": [{"text": "Store credit at once.", "metadata": {"title": "Credit"}}],
        },
    )

    store.add_message(key, answer)

    stored = next(iter(client.messages.list(client.sessions.get_by_key(key).id)))
    assert stored.context == {
        "documents": [
            {
                "page_content": "Refunds take five days.",
                "metadata": {"source": "refunds.md"},
                "score": 0.8,
                "id": "n1",
            },
            {"page_content": "Store credit at once.", "metadata": {"title": "Credit"}},
        ]
    }
    back = store.get_messages(key)[0]
    assert back.content == "Five days."
    assert back.additional_kwargs["sources"][0]["node"]["text"] == node.text  # as JSON


def test_every_method(client, user_id, key, sent):
    store = RagChatStore(client=client, user_id=user_id)
    other = f"{key}-other"

    assert store.get_messages(key) == []
    assert store.delete_messages(key) is None
    assert store.delete_message(key, 0) is None
    assert store.delete_last_message(key) is None
    assert store.get_keys() == []
    assert [s.key for s in client.sessions.list_keyed(user_id=user_id)] == []  # none made

    store.add_message(key, user("one"))
    store.add_message(key, assistant("two"))
    store.add_message(other, user("elsewhere"))
    store.set_messages(key, [user("a"), assistant("b"), user("c"), assistant("d")])
    assert store.get_messages(key) == [user("a"), assistant("b"), user("c"), assistant("d")]
    assert sorted(store.get_keys()) == sorted([key, other])

    assert store.delete_message(key, 1) == assistant("b")
    assert store.delete_message(key, -1) == assistant("d")
    assert store.delete_message(key, 5) is None
    assert store.delete_last_message(key) == user("c")
    assert store.get_messages(key) == [user("a")]
    assert store.delete_messages(key) == [user("a")]
    assert store.get_messages(key) == []
    assert store.delete_last_message(key) is None

    session = client.sessions.get_by_key(key)
    assert (session.user_id, session.title) == (user_id, "one")
    assert store.get_messages(other) == [user("elsewhere")]


@pytest.mark.anyio
async def test_every_async_method(make_async_client, client, server, user_id, key):
    other = f"{key}-other"
    async with make_async_client(server.url) as chat:
        store = RagChatStore(async_client=chat, user_id=user_id)

        assert await store.aget_messages(key) == []
        assert await store.adelete_messages(key) is None
        assert await store.adelete_message(key, 0) is None
        assert await store.adelete_last_message(key) is None
        assert await store.aget_keys() == []

        await store.async_add_message(key, user("one"))
        await store.async_add_message(other, user("elsewhere"))
        await store.aset_messages(key, [user("a"), assistant("b"), user("c"), assistant("d")])
        assert await store.aget_messages(key) == [
            user("a"),
            assistant("b"),
            user("c"),
            assistant("d"),
        ]
        assert sorted(await store.aget_keys()) == sorted([key, other])

        assert await store.adelete_message(key, 1) == assistant("b")
        assert await store.adelete_message(key, 9) is None
        assert await store.adelete_last_message(key) == assistant("d")
        assert await store.adelete_messages(key) == [user("a"), user("c")]
        assert await store.aget_messages(key) == []
        assert await store.adelete_last_message(key) is None

    assert store._clients._client is None  # no blocking client was made
    assert client.sessions.get_by_key(key).message_count == 0
    assert client.sessions.get_by_key(other).user_id == user_id


def test_the_key_is_the_user_without_a_user_id(client, key):
    RagChatStore(client=client).add_message(key, user("hi"))

    assert client.sessions.get_by_key(key).user_id == key


def test_chat_memory_buffer_on_the_store(client, key):
    store = RagChatStore(client=client)
    memory = ChatMemoryBuffer.from_defaults(chat_store=store, chat_store_key=key, token_limit=15)

    memory.put(user("How long do refunds take?"))
    memory.put(assistant("Up to five working days after approval, to the same card."))
    memory.put(user("And for damaged items?"))

    again = ChatMemoryBuffer.from_defaults(chat_store=store, chat_store_key=key, token_limit=15)
    assert again.get_all() == [
        user("How long do refunds take?"),
        assistant("Up to five working days after approval, to the same card."),
        user("And for damaged items?"),
    ]
    # The token limit keeps the latest messages, starting with a user's.
    assert again.get() == [user("And for damaged items?")]
    again.set([user("Start over")])
    assert memory.get_all() == [user("Start over")]
    memory.reset()
    assert again.get_all() == []
    assert client.sessions.get_by_key(key).title == "How long do refunds take?"


@pytest.mark.anyio
async def test_chat_memory_buffer_async(make_async_client, client, server, key):
    async with make_async_client(server.url) as chat:
        # ChatMemoryBuffer.aget runs its blocking get in a thread: it needs `client` too.
        store = RagChatStore(client=client, async_client=chat)
        memory = ChatMemoryBuffer.from_defaults(chat_store=store, chat_store_key=key)

        await memory.aput(user("Hi"))
        await memory.aput(assistant("Hello"))
        got = await memory.aget()
        all_ = await memory.aget_all()
        await memory.areset()
        after = await memory.aget_all()

    assert got == all_ == [user("Hi"), assistant("Hello")]
    assert after == []


def test_messages_of_other_clients_come_back_plain(client, key):
    session = client.sessions.open(key, user_id="u")
    client.messages.append_many(
        session.id,
        [
            {"sender": "user", "content": "Hi"},
            {"sender": "ai", "content": "Hello"},
            {"sender": "tool", "content": "42", "extra": {"tool_call_id": "c1"}},
            {"sender": "system", "content": "Be brief."},
        ],
    )

    assert RagChatStore(client=client).get_messages(key) == [
        user("Hi"),
        assistant("Hello"),
        ChatMessage(role="tool", content="42", additional_kwargs={"tool_call_id": "c1"}),
        ChatMessage(role="system", content="Be brief."),
    ]


def test_conversion_without_a_server_keeps_every_field():
    message = MESSAGES[3]

    stored = to_ragchat(message)

    assert stored.sender == "tool"
    assert stored.extra["llama_index"]["additional_kwargs"] == message.additional_kwargs
    assert from_ragchat_input(stored) == message


def from_ragchat_input(stored):
    """The message as the server would give it back."""
    return from_ragchat(
        Message(
            id=uuid.uuid4(),
            session_id=uuid.uuid4(),
            seq=1,
            sender=stored.sender,
            content=stored.content,
            context=dict(stored.context or {}),
            metadata={},
            feedback=None,
            created_at=datetime.now(UTC),
            extra=dict(stored.extra),
        )
    )
