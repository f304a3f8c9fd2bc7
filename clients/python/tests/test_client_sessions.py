"""client.sessions against a real server: create, read, update, delete, list and page."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from ragchat_client import NotFoundError, Session


def test_create_returns_a_typed_session(client, user_id):
    before = datetime.now(UTC) - timedelta(seconds=5)

    session = client.sessions.create(
        user_id=user_id, title="Refund question", metadata={"channel": "web"}
    )

    assert isinstance(session, Session)
    assert isinstance(session.id, UUID)
    assert session.user_id == user_id
    assert session.title == "Refund question"
    assert session.is_favorite is False
    assert session.message_count == 0
    assert session.metadata == {"channel": "web"}
    assert session.created_at.tzinfo is not None
    assert before <= session.created_at <= datetime.now(UTC) + timedelta(seconds=5)
    assert session.updated_at - session.created_at < timedelta(seconds=1)
    assert session.key is None
    assert session.messages is None


def test_title_defaults_on_the_server(client, user_id):
    assert client.sessions.create(user_id=user_id).title == "New chat"


def test_get_reads_what_was_stored(client, user_id):
    created = client.sessions.create(user_id=user_id, title="Hello", metadata={"locale": "fr"})

    found = client.sessions.get(created.id)

    assert found == created


def test_get_accepts_the_id_as_a_string(client, user_id):
    created = client.sessions.create(user_id=user_id)
    assert client.sessions.get(str(created.id)).id == created.id


def test_get_with_messages_gives_the_first_page(client, user_id):
    session = client.sessions.create(user_id=user_id)
    client.messages.append_many(
        session.id, [{"sender": "user", "content": f"turn {n}"} for n in range(1, 26)]
    )

    found = client.sessions.get(session.id, include_messages=True)
    plain = client.sessions.get(session.id)

    assert found.message_count == 25
    assert [m.seq for m in found.messages] == list(range(1, 21))  # the server's first page
    assert found.messages[0].content == "turn 1"
    assert plain.messages is None


def test_update_renames_favorites_and_merges_metadata(client, user_id):
    session = client.sessions.create(user_id=user_id, metadata={"channel": "web", "locale": "en"})

    renamed = client.sessions.update(session.id, title="Renamed")
    favorite = client.sessions.update(session.id, is_favorite=True)
    merged = client.sessions.update(session.id, metadata={"locale": None, "ticket": "T-1"})

    assert renamed.title == "Renamed"
    assert renamed.is_favorite is False
    assert favorite.is_favorite is True
    assert favorite.title == "Renamed"
    assert merged.metadata == {"channel": "web", "ticket": "T-1"}
    assert client.sessions.get(session.id) == merged


def test_delete_removes_the_session(client, user_id):
    session = client.sessions.create(user_id=user_id)

    assert client.sessions.delete(session.id) is None

    with pytest.raises(NotFoundError):
        client.sessions.get(session.id)
    with pytest.raises(NotFoundError):
        client.sessions.delete(session.id)


def test_list_filters_by_favorite_feedback_and_metadata(client, user_id):
    plain = client.sessions.create(user_id=user_id, metadata={"channel": "web"})
    favorite = client.sessions.create(user_id=user_id, metadata={"channel": "app"})
    client.sessions.update(favorite.id, is_favorite=True)
    rated = client.sessions.create(user_id=user_id, metadata={"channel": "web"})
    answer = client.messages.append(rated.id, sender="ai", content="Wrong answer")
    client.feedback.set(rated.id, answer.id, rating="down")
    client.sessions.create(user_id=f"{user_id}-other", metadata={"channel": "web"})

    def ids(**filters):
        return {s.id for s in client.sessions.list(user_id=user_id, **filters)}

    assert ids() == {plain.id, favorite.id, rated.id}
    assert ids(is_favorite=True) == {favorite.id}
    assert ids(is_favorite=False) == {plain.id, rated.id}
    assert ids(has_feedback="down") == {rated.id}
    assert ids(has_feedback="up") == set()
    assert ids(metadata={"channel": "web"}) == {plain.id, rated.id}
    assert ids(metadata={"channel": "web"}, has_feedback="any") == {rated.id}


def test_list_pages_through_hundreds_of_sessions_lazily(client, user_id, sent):
    created = {client.sessions.create(user_id=user_id).id for _ in range(230)}
    sent.clear()

    listing = client.sessions.list(user_id=user_id, limit=50)
    assert sent == []  # nothing fetched before iteration

    items = iter(listing)
    first = next(items)
    assert len(sent) == 1
    rest = [next(items) for _ in range(49)]
    assert len(sent) == 1  # the first page holds 50
    fifty_first = next(items)
    assert len(sent) == 2
    remaining = list(items)

    sessions = [first, *rest, fifty_first, *remaining]
    assert len(sent) == 5  # 230 in pages of 50
    assert len(sessions) == 230
    assert {s.id for s in sessions} == created
    order = [(s.updated_at, s.id) for s in sessions]
    assert order == sorted(order, reverse=True)  # most recently active first
    assert all(request.url.params["limit"] == "50" for request in sent)
    assert "cursor" not in sent[0].url.params
    assert all(request.url.params["cursor"] for request in sent[1:])


def test_pages_show_where_the_list_ends(client, user_id):
    for _ in range(5):
        client.sessions.create(user_id=user_id)

    pages = list(client.sessions.list(user_id=user_id, limit=2).pages())

    assert [len(page.items) for page in pages] == [2, 2, 1]
    assert [page.has_more for page in pages] == [True, True, False]


def test_an_empty_list_is_one_request(client, user_id, sent):
    assert list(client.sessions.list(user_id=user_id)) == []
    assert len(sent) == 1
