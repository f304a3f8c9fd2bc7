"""AsyncRagChat against the real server: the same surface, awaited."""

import uuid

import pytest
from ragchat_client import (
    APIConnectionError,
    AsyncRagChat,
    Message,
    NotFoundError,
    Session,
    UnprocessableEntityError,
)

pytestmark = pytest.mark.anyio


async def test_sessions_and_messages_crud(make_async_client, server, user_id):
    async with make_async_client(server.url) as chat:
        session = await chat.sessions.create(user_id=user_id, metadata={"channel": "web"})
        message = await chat.messages.append(
            session.id, sender="ai", content="Five days.", context={"chunks": []}
        )
        batch = await chat.messages.append_many(
            session.id, [{"sender": "user", "content": "Thanks"}]
        )
        rated = await chat.feedback.set(session.id, message.id, rating="up", comment="ok")
        renamed = await chat.sessions.update(session.id, title="Async", is_favorite=True)
        found = await chat.sessions.get(session.id, include_messages=True)
        listed = [s async for s in chat.sessions.list(user_id=user_id)]
        await chat.messages.delete(session.id, batch[0].id)
        remaining = [m.seq async for m in chat.messages.list(session.id)]
        cleared = await chat.feedback.clear(session.id, message.id)
        await chat.sessions.delete(session.id)
        with pytest.raises(NotFoundError):
            await chat.sessions.get(session.id)

    assert isinstance(session, Session)
    assert isinstance(message, Message)
    assert (message.seq, batch[0].seq) == (1, 2)
    assert rated.feedback.rating == "up"
    assert (renamed.title, renamed.is_favorite) == ("Async", True)
    assert [m.content for m in found.messages] == ["Five days.", "Thanks"]
    assert [s.id for s in listed] == [session.id]
    assert remaining == [1]
    assert cleared.feedback is None


async def test_async_for_fetches_pages_lazily(make_async_client, server, user_id, sent):
    async with make_async_client(server.url) as chat:
        session = await chat.sessions.create(user_id=user_id)
        await chat.messages.append_many(
            session.id, [{"sender": "user", "content": str(n)} for n in range(100)]
        )
        await chat.messages.append_many(
            session.id, [{"sender": "ai", "content": str(n)} for n in range(20)]
        )
        sent.clear()

        listing = chat.messages.list(session.id, limit=50)
        assert sent == []
        seqs = []
        async for message in listing:
            seqs.append(message.seq)
            assert len(sent) == (len(seqs) - 1) // 50 + 1

    assert seqs == list(range(1, 121))
    assert len(sent) == 3


async def test_search_and_export(make_async_client, server, user_id):
    word = "zqasync" + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:8])
    async with make_async_client(server.url) as chat:
        session = await chat.sessions.create(user_id=user_id, title="Async export")
        await chat.messages.append_many(
            session.id, [{"sender": "user", "content": f"{word} {n}"} for n in range(25)]
        )
        hits = [hit async for hit in chat.search(word, user_id=user_id, limit=10)]
        lines = [line async for line in chat.exports.iter_sessions(user_id=user_id)]
        markdown = await chat.exports.session(session.id, format="markdown")
        health = await chat.health()

    assert len(hits) == 25
    assert {hit.seq for hit in hits} == set(range(1, 26))
    assert [line["id"] for line in lines] == [str(session.id)]
    assert len(lines[0]["messages"]) == 25
    assert "Async export" in markdown
    assert health.status == "ok"


async def test_errors_carry_the_problem(make_async_client, server, user_id):
    async with make_async_client(server.url) as chat:
        with pytest.raises(NotFoundError) as missing:
            await chat.messages.get(uuid.uuid4(), uuid.uuid4())
        with pytest.raises(UnprocessableEntityError) as invalid:
            await chat.sessions.create(user_id=user_id, title="")

    assert missing.value.status_code == 404
    assert missing.value.request_id
    assert list(invalid.value.errors) == ["title"]


async def test_a_lost_answer_is_retried_and_stored_once(
    make_async_client, client, proxy, user_id, sleeps, sent
):
    session = client.sessions.create(user_id=user_id)
    sent.clear()
    proxy.drop_replies(1)

    async with make_async_client(proxy.url) as chat:
        message = await chat.messages.append(session.id, sender="user", content="once")

    assert [m.id for m in client.messages.list(session.id)] == [message.id]
    assert proxy.forwarded == 2
    assert len(sleeps) == 1
    assert sent[0].headers["Idempotency-Key"] == sent[1].headers["Idempotency-Key"]


async def test_retries_stop_with_a_connection_error(make_async_client, proxy, sleeps):
    proxy.refuse_connections()

    async with make_async_client(proxy.url, max_retries=3) as chat:
        with pytest.raises(APIConnectionError):
            await chat.health()

    assert len(sleeps) == 3


async def test_the_async_client_closes_what_it_made(server, api_key):
    async with AsyncRagChat(server.url, api_key) as chat:
        assert (await chat.health()).status == "ok"
    assert chat.is_closed
