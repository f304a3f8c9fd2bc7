"""The messages of a session: appending, ordering, paging."""

import json
import uuid
from datetime import datetime

import pytest

CONTEXT = {
    "chunks": [
        {"source": "faq.md", "score": 0.91, "text": "Refunds take 5 days.", "meta": None},
        {"source": "terms.pdf#p3", "score": 0.42, "text": "…", "tags": ["billing", 3, True]},
    ],
    "model": "gpt-4o-mini",
    "latency_ms": 812,
    "unicode": "emoji 🙂 and ümlauts",
}


def test_append_returns_the_message(api, make_session):
    session = make_session()

    response = api.post(
        f"/api/sessions/{session['id']}/messages",
        json={"sender": "ai", "content": "Refunds take 5 days.", "context": CONTEXT},
    )

    assert response.status_code == 201
    body = response.json
    assert set(body) == {
        "id",
        "session_id",
        "seq",
        "sender",
        "content",
        "context",
        "extra",
        "metadata",
        "feedback",
        "created_at",
    }
    assert (body["metadata"], body["extra"], body["feedback"]) == ({}, {}, None)
    assert uuid.UUID(body["id"])
    assert body["session_id"] == session["id"]
    assert body["seq"] == 1
    assert body["sender"] == "ai"
    assert body["content"] == "Refunds take 5 days."
    assert body["context"] == CONTEXT
    assert datetime.fromisoformat(body["created_at"]).utcoffset().total_seconds() == 0


def test_context_reads_back_identical(api, make_session, add_message):
    session = make_session()
    add_message(session["id"], context=CONTEXT)
    listed = api.get(f"/api/sessions/{session['id']}/messages").json
    assert listed[0]["context"] == CONTEXT


def test_context_defaults_to_empty_object(api, make_session, add_message):
    message = add_message(make_session()["id"])
    assert message["context"] == {}


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("user", "user"),
        ("USER", "user"),
        ("Ai", "ai"),
        ("assistant", "ai"),
        ("Assistant", "ai"),
        ("system", "system"),
        ("SYSTEM", "system"),
    ],
)
def test_sender_is_normalised(api, make_session, add_message, sent, stored):
    message = add_message(make_session()["id"], sender=sent)
    assert message["sender"] == stored


def test_seq_numbers_each_session_from_one(api, make_session, add_message):
    first, second = make_session(), make_session()
    seqs = [add_message(first["id"])["seq"] for _ in range(3)]
    assert seqs == [1, 2, 3]
    assert add_message(second["id"])["seq"] == 1


def test_append_counts_the_sessions_messages(api, make_session, add_message):
    session, other = make_session(), make_session()
    for _ in range(3):
        add_message(session["id"])
    assert api.get(f"/api/sessions/{session['id']}").json["message_count"] == 3
    assert api.get(f"/api/sessions/{other['id']}").json["message_count"] == 0


def test_append_bumps_session_activity(api, make_session, add_message):
    session = make_session()
    message = add_message(session["id"])
    updated = api.get(f"/api/sessions/{session['id']}").json
    assert updated["updated_at"] == message["created_at"]
    assert updated["updated_at"] > session["updated_at"]


def test_append_to_unknown_session_is_404(api):
    response = api.post(
        f"/api/sessions/{uuid.uuid4()}/messages", json={"sender": "user", "content": "hi"}
    )
    assert response.status_code == 404
    assert response.json["detail"] == "Session not found."


def test_list_is_oldest_first_and_paged(api, make_session, add_message):
    session = make_session()
    for n in range(45):
        add_message(session["id"], content=f"m{n}")

    default = api.get(f"/api/sessions/{session['id']}/messages")
    third = api.get(f"/api/sessions/{session['id']}/messages?page=3&size=20")

    assert [m["content"] for m in default.json] == [f"m{n}" for n in range(20)]
    assert json.loads(default.headers["X-Pagination"])["total"] == 45
    assert [m["seq"] for m in third.json] == list(range(41, 46))
    assert 'rel="next"' in default.headers["Link"]
    assert 'rel="next"' not in third.headers["Link"]


@pytest.mark.parametrize("param", ["size", "page_size"])
def test_page_size_and_its_alias(api, make_session, add_message, param):
    session = make_session()
    for _ in range(5):
        add_message(session["id"])
    response = api.get(f"/api/sessions/{session['id']}/messages?{param}=2")
    assert [m["seq"] for m in response.json] == [1, 2]
    assert json.loads(response.headers["X-Pagination"])["total_pages"] == 3


def test_size_wins_over_its_alias(api, make_session, add_message):
    session = make_session()
    for _ in range(5):
        add_message(session["id"])
    response = api.get(f"/api/sessions/{session['id']}/messages?size=3&page_size=1")
    assert len(response.json) == 3


def test_messages_of_unknown_session_is_404(api):
    assert api.get(f"/api/sessions/{uuid.uuid4()}/messages").status_code == 404


def test_long_content_is_kept_whole(api, make_session, add_message):
    content = "long answer " * 20_000
    message = add_message(make_session()["id"], content=content)
    assert message["content"] == content


def test_messages_are_written_exactly_as_their_schema_declares(app, api, make_session, add_message):
    """MessageSchema writes messages by hand, for speed: the same as marshmallow would."""
    from marshmallow import Schema
    from sqlalchemy import select

    from ragchat.api.messages import MessageSchema
    from ragchat.extensions import db
    from ragchat.models import ChatMessage

    sid = make_session()["id"]
    rated = add_message(sid, "Yes ✓", sender="ai", context=CONTEXT, metadata={"m": "x"})
    add_message(sid, "tool said", sender="tool", extra={"name": "t", "n": [1, {"a": None}]})
    feedback = {"rating": "down", "comment": "vague"}
    api.put(f"/api/sessions/{sid}/messages/{rated['id']}/feedback", json=feedback)
    with app.app_context():
        stored = db.session.scalars(select(ChatMessage).order_by(ChatMessage.seq)).all()
        schema = MessageSchema(many=True)
        assert schema.dump(stored) == Schema.dump(schema, stored)
        assert MessageSchema().dump(stored[0]) == Schema.dump(MessageSchema(), stored[0])
        assert schema.dump(stored)[0]["feedback"]["rating"] == "down"
