"""The sessions resource: create, list, read, update, delete."""

import json
import uuid
from datetime import datetime

import pytest


def test_create_session_returns_it_with_defaults(api):
    response = api.post("/api/sessions", json={"user_id": "alice"})

    assert response.status_code == 201
    body = response.json
    assert set(body) == {
        "id",
        "user_id",
        "title",
        "is_favorite",
        "message_count",
        "metadata",
        "created_at",
        "updated_at",
        "key",
    }
    assert (body["message_count"], body["key"]) == (0, None)
    assert uuid.UUID(body["id"])
    assert body["user_id"] == "alice"
    assert body["title"] == "New chat"
    assert body["is_favorite"] is False
    assert datetime.fromisoformat(body["created_at"]).utcoffset().total_seconds() == 0
    assert response.headers["Location"] == f"/api/sessions/{body['id']}"
    assert api.get(response.headers["Location"]).json == body


def test_create_session_keeps_title_trimmed(api):
    response = api.post("/api/sessions", json={"user_id": "alice", "title": "  Refunds  "})
    assert response.json["title"] == "Refunds"


@pytest.mark.parametrize(
    "user_id", ["a", "x" * 255, str(uuid.uuid4()), "user@example.com", "ユーザー"]
)
def test_any_user_id_of_1_to_255_chars_is_accepted(api, user_id):
    response = api.post("/api/sessions", json={"user_id": user_id})
    assert response.status_code == 201
    listed = api.get("/api/sessions", query_string={"user_id": user_id}).json
    assert [s["id"] for s in listed] == [response.json["id"]]


def test_read_unknown_session_is_404(api):
    response = api.get(f"/api/sessions/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.json["detail"] == "Session not found."


def test_read_with_messages_includes_the_first_page(api, make_session, add_message):
    session = make_session()
    for n in range(25):
        add_message(session["id"], content=f"m{n}")

    plain = api.get(f"/api/sessions/{session['id']}").json
    detailed = api.get(f"/api/sessions/{session['id']}?include=messages").json

    assert "messages" not in plain
    assert [m["seq"] for m in detailed["messages"]] == list(range(1, 21))
    assert detailed["messages"][0]["content"] == "m0"


def test_list_is_most_recently_active_first(api, make_session, add_message):
    old, _, _ = (make_session(title=t) for t in ("old", "middle", "new"))
    add_message(old["id"])  # activity moves "old" to the top

    titles = [s["title"] for s in api.get("/api/sessions?user_id=alice").json]

    assert titles == ["old", "new", "middle"]


def test_list_only_shows_the_users_sessions(api, make_session):
    make_session("alice")
    make_session("bob")
    listed = api.get("/api/sessions?user_id=bob").json
    assert [s["user_id"] for s in listed] == ["bob"]


def test_list_filters_favorites(api, make_session):
    liked = make_session(title="liked")
    make_session(title="other")
    api.patch(f"/api/sessions/{liked['id']}", json={"is_favorite": True})

    favorites = api.get("/api/sessions?user_id=alice&is_favorite=true").json
    others = api.get("/api/sessions?user_id=alice&is_favorite=false").json

    assert [s["title"] for s in favorites] == ["liked"]
    assert [s["title"] for s in others] == ["other"]


def test_list_pages_with_metadata_and_links(api, make_session):
    for n in range(5):
        make_session(title=f"s{n}")

    first = api.get("/api/sessions?user_id=alice&size=2")
    last = api.get("/api/sessions?user_id=alice&size=2&page=3")

    assert len(first.json) == 2
    assert json.loads(first.headers["X-Pagination"]) == {
        "total": 5,
        "total_pages": 3,
        "first_page": 1,
        "last_page": 3,
        "page": 1,
        "next_page": 2,
    }
    assert 'rel="next"' in first.headers["Link"]
    assert "page=2" in link_target(first, "next")
    assert "user_id=alice" in link_target(first, "next")
    assert len(last.json) == 1
    assert 'rel="next"' not in last.headers["Link"]
    assert "page=2" in link_target(last, "prev")
    seen = {s["id"] for page in (1, 2, 3) for s in fetch(api, page)}
    assert len(seen) == 5


def fetch(api, page):
    return api.get(f"/api/sessions?user_id=alice&size=2&page={page}").json


def link_target(response, rel):
    for part in response.headers["Link"].split(", "):
        target, relation = part.split("; ")
        if relation == f'rel="{rel}"':
            return target.strip("<>")
    raise AssertionError(f"no {rel} link in {response.headers['Link']}")


def test_following_next_links_walks_every_session(api, make_session):
    made = {make_session(title=f"s{n}")["id"] for n in range(7)}
    seen, url = [], "/api/sessions?user_id=alice&size=3"
    while url:
        response = api.get(url)
        seen += [s["id"] for s in response.json]
        url = link_target(response, "next") if 'rel="next"' in response.headers["Link"] else None
    assert sorted(seen) == sorted(made)


def test_page_beyond_the_end_is_empty(api, make_session):
    make_session()
    response = api.get("/api/sessions?user_id=alice&page=9")
    assert response.status_code == 200
    assert response.json == []


@pytest.mark.parametrize("method", ["patch", "put"])
def test_update_renames_and_favorites(api, make_session, method):
    session = make_session()

    response = getattr(api, method)(
        f"/api/sessions/{session['id']}", json={"title": "Billing", "is_favorite": True}
    )

    assert response.status_code == 200
    assert response.json["title"] == "Billing"
    assert response.json["is_favorite"] is True
    assert api.get(f"/api/sessions/{session['id']}").json == response.json


def test_update_changes_only_the_fields_sent(api, make_session):
    session = make_session(title="Keep me")
    response = api.patch(f"/api/sessions/{session['id']}", json={"is_favorite": True})
    assert response.json["title"] == "Keep me"


def test_rename_is_not_activity(api, make_session):
    session = make_session()
    renamed = api.patch(f"/api/sessions/{session['id']}", json={"title": "Renamed"}).json
    assert renamed["updated_at"] == session["updated_at"]


def test_update_unknown_session_is_404(api):
    response = api.patch(f"/api/sessions/{uuid.uuid4()}", json={"title": "x"})
    assert response.status_code == 404


def test_delete_removes_session_and_messages(api, app, make_session, add_message):
    session = make_session()
    add_message(session["id"])

    response = api.delete(f"/api/sessions/{session['id']}")

    assert response.status_code == 204
    assert response.data == b""
    assert api.get(f"/api/sessions/{session['id']}").status_code == 404
    assert api.get(f"/api/sessions/{session['id']}/messages").status_code == 404
    assert count_rows(app, "chat_messages") == 0


def test_delete_twice_is_404(api, make_session):
    session = make_session()
    api.delete(f"/api/sessions/{session['id']}")
    assert api.delete(f"/api/sessions/{session['id']}").status_code == 404


def count_rows(app, table):
    from sqlalchemy import text

    from ragchat.extensions import db

    with app.app_context():
        return db.session.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608


def test_list_and_users_service_functions_filter_within_the_tenant(app, make_session):
    """The review UI's queries: tenant-wide list, title search, users with counts."""
    from ragchat.chats.sessions import list_sessions, list_users

    make_session("alice", title="Refund 100%")
    make_session("alice", title="Shipping")
    make_session("bob", title="refund_status")
    with app.app_context():
        titles = [s.title for s in list_sessions("default", title_contains="REFUND").items]
        literal = [s.title for s in list_sessions("default", title_contains="100%").items]
        underscore = [s.title for s in list_sessions("default", title_contains="d_s").items]
        users = list_users("default").items
        assert list_sessions("other-tenant").items == []
    assert sorted(titles) == ["Refund 100%", "refund_status"]
    assert literal == ["Refund 100%"]
    assert underscore == ["refund_status"]
    assert [(u.user_id, u.sessions) for u in users] == [("bob", 1), ("alice", 2)]
    assert users[0].last_activity.tzinfo is not None


def test_sessions_are_written_exactly_as_their_schema_declares(app, api, make_session):
    """SessionSchema writes sessions by hand, for speed: the same as marshmallow would."""
    from marshmallow import Schema
    from sqlalchemy import select

    from ragchat.api.sessions import SessionDetailSchema, SessionSchema
    from ragchat.chats.messages import list_messages
    from ragchat.extensions import db
    from ragchat.models import ChatSession

    plain = make_session("alice", title="Ünïcode ✓", metadata={"channel": "web"})
    keyed = make_session("alice", key="thread-1")
    api.patch(f"/api/sessions/{keyed['id']}", json={"is_favorite": True})
    api.post(f"/api/sessions/{plain['id']}/messages", json={"sender": "user", "content": "hi"})
    with app.app_context():
        stored = db.session.scalars(select(ChatSession).order_by(ChatSession.title)).all()
        schema = SessionSchema(many=True)
        assert schema.dump(stored) == Schema.dump(schema, stored)
        detail = SessionDetailSchema()
        assert detail.dump(stored[0]) == Schema.dump(detail, stored[0])
        (chatted,) = [session for session in stored if str(session.id) == plain["id"]]
        chatted.messages = list_messages("default", chatted.id).items
        with_messages = detail.dump(chatted)
        assert with_messages == Schema.dump(detail, chatted)
        assert [m["content"] for m in with_messages["messages"]] == ["hi"]
