"""LangChain messages through a real server: every type comes back equal, with its text,
sender, tool calls and retrieved documents where the review UI and search find them."""

import pytest
from langchain_core.documents import Document
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    ChatMessage,
    ChatMessageChunk,
    FunctionMessage,
    FunctionMessageChunk,
    HumanMessage,
    HumanMessageChunk,
    SystemMessage,
    SystemMessageChunk,
    ToolMessage,
    ToolMessageChunk,
)
from ragchat_client.langchain import (
    RagChatMessageHistory,
    from_ragchat,
    to_ragchat,
    with_documents,
)

DOCUMENTS = [
    Document("Refunds take five days.", id="d1", metadata={"source": "refunds.md", "score": 0.91}),
    Document("Sale items: store credit.", metadata={"title": "Sale", "relevance_score": 0.5}),
]
CALL = {"name": "search_policies", "args": {"query": "refunds", "k": 3}, "id": "call_1"}

# (message, sender, content as stored)
MESSAGES = [
    (HumanMessage("How long do refunds take?"), "user", "How long do refunds take?"),
    (
        HumanMessage(
            content=[
                {"type": "text", "text": "What is this? "},
                {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
                {"type": "text", "text": "A receipt?"},
            ],
            id="h-2",
            name="maria",
            additional_kwargs={"lc": 1, "locale": "fr"},  # an "lc" key of the user's own
        ),
        "user",
        "What is this? A receipt?",
    ),
    (
        AIMessage(
            content="",
            id="run-1",
            tool_calls=[CALL],
            invalid_tool_calls=[
                {"name": "lookup", "args": "{oops", "id": "call_2", "error": "bad JSON"}
            ],
            usage_metadata={"input_tokens": 812, "output_tokens": 12, "total_tokens": 824},
            response_metadata={"model_name": "gpt-4o-mini", "finish_reason": "tool_calls"},
        ),
        "ai",
        "(tool call: search_policies)",
    ),
    (
        AIMessage(
            content=[
                {"type": "reasoning", "reasoning": "The policy says five days."},
                {"type": "text", "text": "Five working days."},
            ],
            name="support-bot",
        ),
        "ai",
        "Five working days.",
    ),
    (SystemMessage("Answer from the policies only."), "system", "Answer from the policies only."),
    (
        ToolMessage(
            "Refunds take five days.",
            tool_call_id="call_1",
            name="search_policies",
            artifact=DOCUMENTS,
            status="success",
        ),
        "tool",
        "Refunds take five days.",
    ),
    (
        ToolMessage("Timed out", tool_call_id="call_9", status="error", artifact={"raw": [1, 2]}),
        "tool",
        "Timed out",
    ),
    (ChatMessage("Looks right.", role="critic"), "ai", "Looks right."),
    (ChatMessage("Hello", role="User"), "user", "Hello"),
    (ChatMessage("Context follows.", role="developer"), "system", "Context follows."),
    (FunctionMessage('{"temp": 21}', name="weather"), "tool", '{"temp": 21}'),
    (
        AIMessageChunk(
            content="Five",
            tool_call_chunks=[{"name": "search", "args": '{"q": "re', "id": "c", "index": 0}],
            chunk_position="last",
        ),
        "ai",
        "Five",
    ),
    (HumanMessageChunk("chunked"), "user", "chunked"),
    (SystemMessageChunk("chunked"), "system", "chunked"),
    (ToolMessageChunk("chunked", tool_call_id="call_3"), "tool", "chunked"),
    (ChatMessageChunk("chunked", role="assistant"), "ai", "chunked"),
    (FunctionMessageChunk("chunked", name="f"), "tool", "chunked"),
    (with_documents(AIMessage("Five days."), DOCUMENTS), "ai", "Five days."),
]


def ids(case):
    return type(case[0]).__name__


@pytest.mark.parametrize("case", MESSAGES, ids=[ids(case) for case in MESSAGES])
def test_each_type_comes_back_equal(client, user_id, case):
    message, sender, content = case
    session = client.sessions.create(user_id=user_id)

    stored = client.messages.append(session.id, **vars(to_ragchat(message)))
    read = client.messages.get(session.id, stored.id)

    assert (read.sender, read.content) == (sender, content)
    assert from_ragchat(read) == message
    assert type(from_ragchat(read)) is type(message)


def test_a_whole_conversation_comes_back_equal_through_a_history(client, user_id):
    history = RagChatMessageHistory(f"{user_id}-all", user_id=user_id, client=client)
    messages = [message for message, _, _ in MESSAGES]

    history.add_messages(messages)

    fresh = RagChatMessageHistory(f"{user_id}-all", user_id=user_id, client=client)
    assert fresh.messages == messages


def test_tool_calls_and_names_are_where_the_review_ui_reads_them(client, user_id):
    session = client.sessions.create(user_id=user_id)
    answer, _, _ = MESSAGES[2]
    result, _, _ = MESSAGES[5]

    called = client.messages.append(session.id, **vars(to_ragchat(answer)))
    returned = client.messages.append(session.id, **vars(to_ragchat(result)))

    assert called.extra["tool_calls"] == [{**CALL, "type": "tool_call"}]
    assert called.metadata == {
        "model": "gpt-4o-mini",
        "input_tokens": "812",
        "output_tokens": "12",
        "total_tokens": "824",
    }
    assert returned.extra["name"] == "search_policies"
    assert returned.extra["tool_call_id"] == "call_1"
    assert called.extra["langchain"]["type"] == "ai"


def test_retrieved_documents_are_the_context(client, user_id):
    session = client.sessions.create(user_id=user_id)
    expected = {
        "documents": [
            {
                "page_content": "Refunds take five days.",
                "metadata": {"source": "refunds.md", "score": 0.91},
                "id": "d1",
            },
            {
                "page_content": "Sale items: store credit.",
                "metadata": {"title": "Sale", "relevance_score": 0.5},
            },
        ]
    }

    tool_result = client.messages.append(session.id, **vars(to_ragchat(MESSAGES[5][0])))
    answer = client.messages.append(session.id, **vars(to_ragchat(MESSAGES[-1][0])))
    other = client.messages.append(session.id, **vars(to_ragchat(MESSAGES[6][0])))

    assert tool_result.context == expected
    assert answer.context == expected
    assert other.context == {}  # an artifact that is not documents stays in extra only
    assert from_ragchat(answer).response_metadata["ragchat_documents"] == DOCUMENTS


def test_with_documents_leaves_the_message_as_it_was():
    answer = AIMessage("Five days.", response_metadata={"model_name": "m"})

    documented = with_documents(answer, iter(DOCUMENTS))

    assert answer.response_metadata == {"model_name": "m"}
    assert documented.response_metadata == {"model_name": "m", "ragchat_documents": DOCUMENTS}
    assert documented.content == answer.content


def test_messages_of_other_clients_come_back_as_plain_messages(client, user_id):
    session = client.sessions.create(user_id=user_id, key=f"{user_id}-plain")
    client.messages.append_many(
        session.id,
        [
            {"sender": "system", "content": "Be brief."},
            {"sender": "user", "content": "Refunds?"},
            {
                "sender": "ai",
                "content": "Searching",
                "extra": {"tool_calls": [{"name": "search", "args": {"q": "refunds"}}]},
            },
            {"sender": "tool", "content": "Five days.", "extra": {"name": "search"}},
            {"sender": "ai", "content": "Five days.", "context": {"chunks": []}},
        ],
    )

    history = RagChatMessageHistory(f"{user_id}-plain", user_id=user_id, client=client)

    assert history.messages == [
        SystemMessage("Be brief."),
        HumanMessage("Refunds?"),
        AIMessage(
            "Searching",
            tool_calls=[{"name": "search", "args": {"q": "refunds"}, "id": None}],
        ),
        ToolMessage("Five days.", tool_call_id="", name="search"),
        AIMessage("Five days."),
    ]


def test_a_framework_copy_this_langchain_cannot_read_falls_back_to_plain(client, user_id):
    session = client.sessions.create(user_id=user_id)
    stored = client.messages.append(
        session.id,
        sender="user",
        content="Hi",
        extra={"langchain": {"type": "hologram", "data": {"content": "Hi"}}},
    )

    assert from_ragchat(stored) == HumanMessage("Hi")


def test_values_json_cannot_hold_are_kept_as_text(client, user_id):
    session = client.sessions.create(user_id=user_id)
    answer = AIMessage("x", response_metadata={"logprob": float("-inf"), "when": object()})

    stored = client.messages.append(session.id, **vars(to_ragchat(answer)))

    back = from_ragchat(stored).response_metadata
    assert back["logprob"] == "-inf"
    assert back["when"] is None  # what dumpd cannot serialise comes back as None
