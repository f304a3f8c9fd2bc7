"""Idempotency-Key: a retry gets the first answer back and writes nothing twice."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from ragchat.api import idempotency
from ragchat.api.idempotency import purge_expired
from ragchat.extensions import db
from ragchat.models import ChatMessage, IdempotentRequest, utcnow
from tests.support.database import API_KEY

MESSAGE = {"sender": "user", "content": "How long do refunds take?"}


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def sid(make_session):
    return make_session()["id"]


def post(client, url, body, key):
    return client.post(url, json=body, headers={"Idempotency-Key": key})


def test_a_retry_returns_the_first_answer_and_writes_nothing(app, api, sid):
    url = f"/api/sessions/{sid}/messages"
    first = post(api, url, MESSAGE, "retry-1")
    again = post(api, url, MESSAGE, "retry-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert count(app, ChatMessage) == 1
    assert api.get(f"/api/sessions/{sid}").json["message_count"] == 1


def test_session_creation_replays_its_location(api):
    body = {"user_id": "alice", "title": "Once"}
    first = post(api, "/api/sessions", body, "create-1")
    again = post(api, "/api/sessions", body, "create-1")
    assert again.json == first.json
    assert again.headers["Location"] == first.headers["Location"]
    assert len(api.get("/api/sessions?user_id=alice").json) == 1


def test_the_same_body_written_differently_is_the_same_request(app, api, sid):
    url = f"/api/sessions/{sid}/messages"
    api.post(
        url,
        data='{"sender": "user", "content": "x"}',
        content_type="application/json",
        headers={"Idempotency-Key": "k"},
    )
    again = api.post(
        url,
        data='{"content":"x","sender":"user"}',
        content_type="application/json",
        headers={"Idempotency-Key": "k"},
    )
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(app, ChatMessage) == 1


@pytest.mark.parametrize(
    "other", [{**MESSAGE, "content": "Something else"}, {**MESSAGE, "sender": "ai"}]
)
def test_the_same_key_with_another_body_is_409(app, api, sid, other):
    url = f"/api/sessions/{sid}/messages"
    post(api, url, MESSAGE, "reused")
    response = post(api, url, other, "reused")
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert "Idempotency-Key" in response.json["detail"]
    assert count(app, ChatMessage) == 1


def test_the_same_key_on_another_path_is_409(api, sid, make_session):
    other = make_session()["id"]
    post(api, f"/api/sessions/{sid}/messages", MESSAGE, "k1")
    assert post(api, f"/api/sessions/{other}/messages", MESSAGE, "k1").status_code == 409


def test_without_a_key_every_post_writes(app, api, sid):
    for _ in range(2):
        api.post(f"/api/sessions/{sid}/messages", json=MESSAGE)
    assert count(app, ChatMessage) == 2


def test_failures_are_not_remembered(app, api):
    missing = f"/api/sessions/{uuid.uuid4()}/messages"
    assert post(api, missing, MESSAGE, "k").status_code == 404
    assert count(app, IdempotentRequest) == 0
    invalid = post(api, "/api/sessions", {"user_id": ""}, "k2")
    assert invalid.status_code == 422
    assert post(api, "/api/sessions", {"user_id": "alice"}, "k2").status_code == 201


def test_keys_are_per_tenant(app, api, issue_key, as_key, sid):
    other = as_key(issue_key("acme"))
    theirs = post(other, "/api/sessions", {"user_id": "alice"}, "shared-key")
    ours = post(api, "/api/sessions", {"user_id": "alice"}, "shared-key")
    assert (theirs.status_code, ours.status_code) == (201, 201)
    assert theirs.json["id"] != ours.json["id"]
    assert "Idempotent-Replayed" not in ours.headers


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "ünïcode"])
def test_a_malformed_key_is_422(api, key):
    response = api.post("/api/sessions", json={"user_id": "a"}, headers={"Idempotency-Key": key})
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json["errors"]


def test_batches_replay_too(app, api, sid):
    url = f"/api/sessions/{sid}/messages/batch"
    body = {"messages": [MESSAGE, {**MESSAGE, "sender": "ai", "content": "Five days."}]}
    first = post(api, url, body, "batch-1")
    again = post(api, url, body, "batch-1")
    assert again.json == first.json
    assert count(app, ChatMessage) == 2


def test_records_expire_after_a_day_and_are_purged(app, api, sid, monkeypatch):
    monkeypatch.setattr(idempotency, "PURGE_CHANCE", 0)  # only the purge below, not at random
    url = f"/api/sessions/{sid}/messages"
    post(api, url, MESSAGE, "old")
    with app.app_context():
        db.session.execute(
            update(IdempotentRequest).values(created_at=utcnow() - timedelta(hours=25))
        )
        db.session.commit()
    again = post(api, url, MESSAGE, "old")  # expired: a new request
    assert "Idempotent-Replayed" not in again.headers
    assert count(app, ChatMessage) == 2
    with app.app_context():
        db.session.execute(
            update(IdempotentRequest).values(created_at=utcnow() - timedelta(hours=25))
        )
        db.session.commit()
        post(api, url, MESSAGE, "fresh")
        assert purge_expired() == 1
        db.session.commit()
    assert count(app, IdempotentRequest) == 1


def test_concurrent_twins_create_exactly_one_message(app, sid):
    """Many clients retrying at once with one key: one message, every answer the same."""

    def send(_):
        client = app.test_client()
        response = client.post(
            f"/api/sessions/{sid}/messages",
            json=MESSAGE,
            headers={"X-API-Key": API_KEY, "Idempotency-Key": "stampede"},
        )
        return response.status_code, response.json

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(16)))

    assert {status for status, _ in answers} == {201}
    assert len({body["id"] for _, body in answers}) == 1
    assert count(app, ChatMessage) == 1
