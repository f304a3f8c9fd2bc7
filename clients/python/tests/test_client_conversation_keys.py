"""Conversations named by the caller's own key, tool messages, `extra` and clearing a
session's messages, against a real server."""

import uuid

import pytest
from ragchat_client import (
    ConflictError,
    MessageInput,
    NotFoundError,
    Session,
    UnprocessableEntityError,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def key():
    """A conversation key no other test uses."""
    return f"thread-{uuid.uuid4().hex[:12]}"


def nested(depth):
    value = {}
    for _ in range(depth - 1):
        value = {"x": value}
    return value


def test_open_creates_once_then_returns_the_same_session(client, user_id, key):
    created = client.sessions.open(
        key, user_id=user_id, title="Refunds", metadata={"channel": "slack"}
    )
    again = client.sessions.open(key, user_id=user_id, title="Ignored", metadata={"x": "y"})

    assert isinstance(created, Session)
    assert created.key == key
    assert (created.user_id, created.title, created.metadata) == (
        user_id,
        "Refunds",
        {"channel": "slack"},
    )
    assert again.id == created.id
    assert (again.title, again.metadata) == ("Refunds", {"channel": "slack"})  # creation only
    assert client.sessions.get(created.id).key == key


def test_open_with_another_users_key_is_a_conflict(client, user_id, key):
    client.sessions.open(key, user_id=user_id)

    with pytest.raises(ConflictError) as conflict:
        client.sessions.open(key, user_id=f"{user_id}-other")

    assert conflict.value.status_code == 409


def test_create_with_a_key_and_a_taken_key(client, user_id, key):
    session = client.sessions.create(user_id=user_id, key=key, title="Named")

    assert session.key == key
    assert client.sessions.get_by_key(key) == session
    with pytest.raises(ConflictError):
        client.sessions.create(user_id=user_id, key=key)


def test_get_by_key_of_an_unknown_key_is_not_found(client, key):
    with pytest.raises(NotFoundError):
        client.sessions.get_by_key(key)


@pytest.mark.parametrize(
    "name",
    [
        "a/b/c",
        "a//b/",
        "what?x=1&y=2#top",
        "50%25 off",
        "  spaced  ",
        "back\\slash",
        "thé ☕ 会话",
        "x" * 249,
    ],
)
def test_any_key_travels_in_the_path(client, user_id, name):
    name = f"{name}-{uuid.uuid4().hex[:5]}"  # up to 255 characters
    opened = client.sessions.open(name, user_id=user_id)

    assert opened.key == name
    assert client.sessions.get_by_key(name).id == opened.id


@pytest.mark.parametrize("name", [".", ".."])
def test_dot_keys_are_not_path_steps(client, user_id, name):
    # One test server for the run: these two keys are taken by the first test that opens them.
    owner = f"dots-{name}"
    opened = client.sessions.open(name, user_id=owner)
    assert (opened.key, client.sessions.get_by_key(name).id) == (name, opened.id)


@pytest.mark.parametrize("name", ["/leading-slash", "line\nbreak", "tab\there", "nul\x00"])
def test_a_key_no_path_can_carry_is_refused_before_any_request(client, sent, user_id, name):
    for call in (
        lambda: client.sessions.open(name, user_id=user_id),
        lambda: client.sessions.get_by_key(name),
    ):
        with pytest.raises(ValueError, match="cannot be a conversation key"):
            call()
    assert sent == []


def test_the_server_refuses_such_a_key_too(client, user_id):
    with pytest.raises(UnprocessableEntityError) as refused:
        client.sessions.create(user_id=user_id, key="/leading-slash")
    assert "Must not start with '/'" in refused.value.errors["key"][0]


def test_a_key_longer_than_255_is_invalid(client, user_id):
    with pytest.raises(UnprocessableEntityError):
        client.sessions.open("k" * 256, user_id=user_id)


def test_list_keyed_pages_lazily_most_recent_first(client, user_id, sent):
    keys = [f"{user_id}-{n}" for n in range(5)]
    for name in keys:
        client.sessions.open(name, user_id=user_id)
    client.sessions.create(user_id=user_id, title="no key")
    sent.clear()

    listing = client.sessions.list_keyed(user_id=user_id, limit=2)
    assert sent == []
    found = [session.key for session in listing]

    assert found == keys[::-1]
    assert len(sent) == 3
    assert [page.has_more for page in listing.pages()] == [True, True, False]


def test_list_keyed_of_the_tenant_includes_every_user(client, user_id):
    mine = client.sessions.open(f"{user_id}-mine", user_id=user_id)
    theirs = client.sessions.open(f"{user_id}-theirs", user_id=f"{user_id}-2")

    newest = [s.id for s, _ in zip(client.sessions.list_keyed(limit=100), range(2), strict=False)]

    assert newest == [theirs.id, mine.id]


def test_a_session_key_is_looked_up_once(client, user_id, key, sent):
    opened = client.sessions._id_for_key(key, user_id=user_id, create=True)
    sent.clear()

    again = client.sessions._id_for_key(key, user_id=user_id, create=True)
    read = client.sessions._id_for_key(key, user_id=None, create=False)

    assert again == read == opened
    assert sent == []


def test_a_deleted_session_is_forgotten(client, user_id, key, sent):
    first = client.sessions._id_for_key(key, user_id=user_id, create=True)
    client.sessions.delete(first)
    sent.clear()

    assert client.sessions._id_for_key(key, user_id=None, create=False) is None
    second = client.sessions._id_for_key(key, user_id=user_id, create=True)

    assert second != first
    assert [request.method for request in sent] == ["GET", "PUT"]


def test_the_key_cache_does_not_hide_another_owner(client, user_id, key):
    client.sessions._id_for_key(key, user_id=user_id, create=True)
    with pytest.raises(ConflictError):
        client.sessions._id_for_key(key, user_id=f"{user_id}-other", create=True)


def test_tool_messages_and_extra_are_stored_as_sent(client, user_id):
    session = client.sessions.create(user_id=user_id)
    calls = [{"name": "search_docs", "args": {"query": "refunds"}, "id": "call_1"}]

    asked = client.messages.append(session.id, sender="user", content="Refunds?")
    called = client.messages.append(
        session.id, sender="ai", content="(tool call)", extra={"tool_calls": calls}
    )
    batch = client.messages.append_many(
        session.id,
        [
            MessageInput(
                "tool",
                "Refunds take five days.",
                context={"documents": [{"page_content": "Refunds…", "metadata": {}}]},
                extra={"name": "search_docs", "tool_call_id": "call_1"},
            ),
            {"sender": "ai", "content": "Five days.", "extra": {"nested": nested(19)}},
        ],
    )

    assert asked.extra == {}
    assert called.extra == {"tool_calls": calls}
    assert [m.sender for m in batch] == ["tool", "ai"]
    assert batch[0].extra == {"name": "search_docs", "tool_call_id": "call_1"}
    assert batch[1].extra == {"nested": nested(19)}
    assert [m.extra for m in client.messages.list(session.id)] == [
        {},
        {"tool_calls": calls},
        batch[0].extra,
        batch[1].extra,
    ]


@pytest.mark.parametrize(
    "extra",
    [{"deep": nested(21)}, {"text": "nul\x00byte"}],
    ids=["too-deep", "nul"],
)
def test_extra_has_the_limits_of_context(client, user_id, extra):
    session = client.sessions.create(user_id=user_id)

    with pytest.raises(UnprocessableEntityError) as invalid:
        client.messages.append(session.id, sender="ai", content="x", extra=extra)

    assert "extra" in invalid.value.errors
    assert client.sessions.get(session.id).message_count == 0


def test_clear_keeps_the_session_and_its_seqs(client, user_id, key):
    session = client.sessions.open(key, user_id=user_id)
    client.messages.append_many(session.id, [{"sender": "user", "content": str(n)} for n in "abc"])

    assert client.messages.clear(session.id) is None
    after = client.messages.append(session.id, sender="user", content="d")

    assert [m.seq for m in client.messages.list(session.id)] == [4]
    assert after.seq == 4
    assert client.sessions.get_by_key(key).message_count == 1


def test_clearing_a_missing_session_is_not_found(client):
    with pytest.raises(NotFoundError):
        client.messages.clear(uuid.uuid4())


async def test_the_async_client_has_the_same_surface(make_async_client, server, user_id, key):
    async with make_async_client(server.url) as chat:
        opened = await chat.sessions.open(key, user_id=user_id, title="Async")
        again = await chat.sessions._id_for_key(key, user_id=user_id, create=True)
        await chat.messages.append(opened.id, sender="tool", content="out", extra={"name": "t"})
        await chat.messages.append_many(
            opened.id, [{"sender": "ai", "content": "done", "extra": {"k": [1]}}]
        )
        listed = [s.key async for s in chat.sessions.list_keyed(user_id=user_id)]
        stored = [(m.sender, m.extra) async for m in chat.messages.list(opened.id)]
        await chat.messages.clear(opened.id)
        found = await chat.sessions.get_by_key(key)
        with pytest.raises(NotFoundError):
            await chat.sessions.get_by_key(f"{key}-missing")
        created = await chat.sessions.create(user_id=user_id, key=f"{key}-2")

    assert again == opened.id
    assert listed == [key]
    assert stored == [("tool", {"name": "t"}), ("ai", {"k": [1]})]
    assert found.message_count == 0
    assert created.key == f"{key}-2"
