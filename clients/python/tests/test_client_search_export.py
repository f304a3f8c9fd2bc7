"""client.search, client.exports, client.users, client.keys and client.health against a
real server."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from ragchat_client import ApiKey, Erasure, Health, NotFoundError, SearchHit


def unique_word():
    """A made-up word no other test writes (letters only, so every engine indexes it)."""
    return "zq" + "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:10])


def test_search_follows_every_page(client, user_id, sent):
    word = unique_word()
    session = client.sessions.create(user_id=user_id, title="Search me")
    stored = client.messages.append_many(
        session.id,
        [
            {"sender": "user" if n % 2 else "ai", "content": f"about {word} number {n}"}
            for n in range(45)
        ],
    )
    client.messages.append(session.id, sender="user", content="nothing to see")
    sent.clear()

    hits = client.search(word, user_id=user_id, limit=20)
    assert sent == []
    found = list(hits)

    assert all(isinstance(hit, SearchHit) for hit in found)
    assert len(found) == 45
    assert {hit.message_id for hit in found} == {m.id for m in stored}
    assert len(sent) == 3  # 20 + 20 + 5
    assert sent[0].url.params["q"] == word
    assert all("cursor" in r.url.params for r in sent[1:])
    hit = found[0]
    assert hit.match == "message"
    assert hit.session_id == session.id
    assert hit.session_title == "Search me"
    assert hit.user_id == user_id
    assert f"<mark>{word}</mark>" in hit.snippet
    assert hit.created_at.tzinfo is not None
    ranks = [h.rank for h in found]
    assert ranks == sorted(ranks, reverse=True)


def test_search_filters(client, user_id):
    word = unique_word()
    first = client.sessions.create(user_id=user_id, title=f"Title with {word}")
    second = client.sessions.create(user_id=user_id)
    client.messages.append(first.id, sender="user", content=f"{word} from the user")
    client.messages.append(second.id, sender="ai", content=f"{word} from the ai")

    everything = list(client.search(word, user_id=user_id))
    by_ai = list(client.search(word, user_id=user_id, sender="ai"))
    in_first = list(client.search(word, session_id=first.id))
    future = list(client.search(word, user_id=user_id, since=datetime.now(UTC) + timedelta(1)))

    assert sorted(h.match for h in everything) == ["message", "message", "title"]
    title_hit = next(h for h in everything if h.match == "title")
    assert (title_hit.message_id, title_hit.seq, title_hit.sender) == (None, None, None)
    assert [(h.sender, h.session_id) for h in by_ai] == [("ai", second.id)]
    assert {h.session_id for h in in_first} == {first.id}
    assert len(in_first) == 2  # the message and the title
    assert future == []


def test_search_refuses_a_naive_datetime_before_sending(client, sent):
    with pytest.raises(ValueError, match="time zone"):
        list(client.search("x", since=datetime(2025, 1, 1)))
    assert sent == []


def test_export_one_session_as_json_and_markdown(client, user_id):
    session = client.sessions.create(user_id=user_id, title="Export me")
    client.messages.append(session.id, sender="user", content="Where is my refund?")
    client.messages.append(
        session.id,
        sender="ai",
        content="On its way.",
        context={"chunks": [{"source": "refunds.md", "text": "Refunds are sent daily."}]},
    )

    as_json = client.exports.session(session.id)
    as_markdown = client.exports.session(session.id, format="markdown")

    assert as_json["id"] == str(session.id)
    assert as_json["title"] == "Export me"
    assert [m["content"] for m in as_json["messages"]] == ["Where is my refund?", "On its way."]
    assert isinstance(as_markdown, str)
    assert "Export me" in as_markdown
    assert "Where is my refund?" in as_markdown
    assert "refunds.md" in as_markdown


def test_iter_sessions_streams_one_dict_per_session(client, user_id):
    sessions = [client.sessions.create(user_id=user_id, title=f"chat {n}") for n in range(3)]
    for n, session in enumerate(sessions):
        client.messages.append_many(
            session.id, [{"sender": "user", "content": f"{n}.{k}"} for k in range(n + 1)]
        )
    client.sessions.create(user_id=f"{user_id}-other")

    exported = {line["id"]: line for line in client.exports.iter_sessions(user_id=user_id)}

    assert set(exported) == {str(s.id) for s in sessions}
    for n, session in enumerate(sessions):
        line = exported[str(session.id)]
        assert line["user_id"] == user_id
        assert [m["content"] for m in line["messages"]] == [f"{n}.{k}" for k in range(n + 1)]


def test_iter_sessions_is_lazy_and_streamed(client, user_id, sent, received):
    for _ in range(3):
        client.sessions.create(user_id=user_id)
    sent.clear()
    received.clear()

    lines = client.exports.iter_sessions(user_id=user_id)
    assert sent == []
    first = next(lines)
    assert len(sent) == 1
    assert not received[-1].is_closed  # the body is read as it is iterated, not up front
    rest = list(lines)

    assert received[-1].is_closed
    assert len({first["id"], *(line["id"] for line in rest)}) == 3


def test_iter_sessions_filters_by_activity(client, user_id):
    client.sessions.create(user_id=user_id)

    assert len(list(client.exports.iter_sessions(user_id=user_id))) == 1
    later = datetime.now(UTC) + timedelta(minutes=5)
    assert list(client.exports.iter_sessions(user_id=user_id, updated_since=later)) == []


def test_export_of_a_missing_session_is_not_found(client):
    with pytest.raises(NotFoundError):
        client.exports.session(uuid.uuid4())


def test_erase_a_user(client, user_id):
    keep = client.sessions.create(user_id=f"{user_id}-kept")
    for _ in range(2):
        session = client.sessions.create(user_id=user_id)
        client.messages.append_many(session.id, [{"sender": "user", "content": "x"}] * 3)

    erasure = client.users.erase(user_id)

    assert erasure == Erasure(user_id=user_id, sessions_deleted=2, messages_deleted=6)
    assert list(client.sessions.list(user_id=user_id)) == []
    assert client.sessions.get(keep.id).id == keep.id


def test_erase_a_user_id_with_a_slash_and_spaces(client):
    odd = f"team/a b?{uuid.uuid4().hex[:6]}"
    client.sessions.create(user_id=odd)
    assert client.users.erase(odd) == Erasure(odd, 1, 0)


def test_keys_create_list_revoke(client, make_client, server):
    name = f"reader-{uuid.uuid4().hex[:6]}"

    created = client.keys.create(name, scopes=["read"], expires_in_days=7)
    listed = {key.id: key for key in client.keys.list()}

    assert isinstance(created, ApiKey)
    assert created.name == name
    assert created.scopes == ("read",)
    assert created.state == "active"
    assert created.secret and created.secret.startswith(created.prefix)
    assert abs(created.expires_at - created.created_at - timedelta(days=7)) < timedelta(minutes=1)
    assert created.secret not in repr(created)
    assert listed[created.id].secret is None
    assert listed[created.id].name == name

    reader = make_client(server.url, created.secret)
    assert reader.health().status == "ok"
    assert list(reader.sessions.list(user_id="nobody")) == []

    client.keys.revoke(created.id)

    revoked = {key.id: key for key in client.keys.list()}[created.id]
    assert revoked.state == "revoked"
    assert revoked.revoked_at is not None
    # The server trusts a verified key for up to API_KEY_CACHE_SECONDS in other workers:
    # a fresh connection may still reach one that has it cached, so only the API's own
    # record of the revocation is checked here.


def test_revoking_a_missing_key_is_not_found(client):
    with pytest.raises(NotFoundError):
        client.keys.revoke(2_000_000_000)


def test_health(client):
    health = client.health()
    assert isinstance(health, Health)
    assert health.status == "ok"
    assert health.version


def test_request_is_the_low_level_way_in(client, user_id):
    response = client.request("GET", "/api/sessions", params={"user_id": user_id, "size": 5})
    assert response.status_code == 200
    assert json.loads(response.headers["X-Pagination"])["total"] == 0
