"""Conversations named by the caller's own key: opened (or created) in one request, read,
listed; keys unique in a tenant and never shared between users or tenants."""

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest

from tests.support.database import API_KEY


def by_key(key):
    return f"/api/sessions/by-key/{quote(key, safe='')}"


def test_opening_a_key_creates_its_session_once(api):
    first = api.put(by_key("thread-1"), json={"user_id": "alice", "title": "Refunds"})
    assert first.status_code == 200
    assert (first.json["key"], first.json["user_id"], first.json["title"]) == (
        "thread-1",
        "alice",
        "Refunds",
    )
    again = api.put(by_key("thread-1"), json={"user_id": "alice", "title": "Ignored"})
    assert again.status_code == 200
    assert again.json == first.json  # the same session, unchanged
    assert api.get(by_key("thread-1")).json == first.json
    assert api.get(f"/api/sessions/{first.json['id']}").json["key"] == "thread-1"
    assert [s["id"] for s in api.get("/api/sessions?user_id=alice").json] == [first.json["id"]]


@pytest.mark.parametrize(
    "key", ["user:42/chat 7", "ünïcode · 🙂", "100%?#&=+", "a" * 255, " spaced ", "by-key"]
)
def test_any_key_of_storable_text_round_trips(api, key):
    opened = api.put(by_key(key), json={"user_id": "alice"})
    assert (opened.status_code, opened.json["key"]) == (200, key)
    assert api.get(by_key(key)).json["id"] == opened.json["id"]


@pytest.mark.parametrize(
    ("key", "message"),
    [("a" * 256, "Length must be between 1 and 255."), ("nul\x00", "control characters")],
)
def test_a_key_that_cannot_be_stored_is_422(api, key, message):
    for response in (api.put(by_key(key), json={"user_id": "alice"}), api.get(by_key(key))):
        assert response.status_code == 422
        assert message in response.json["errors"]["key"][0]
    created = api.post("/api/sessions", json={"user_id": "alice", "key": key})
    assert created.status_code == 422
    assert api.get("/api/sessions/by-key").json == []


def test_a_key_of_another_users_session_is_a_conflict(api):
    api.put(by_key("shared"), json={"user_id": "alice"})
    response = api.put(by_key("shared"), json={"user_id": "bob"})
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert "another user" in response.json["detail"]
    assert api.get("/api/sessions?user_id=bob").json == []


def test_creating_a_session_with_a_taken_key_is_a_conflict(api):
    created = api.post("/api/sessions", json={"user_id": "alice", "key": "k1"})
    assert (created.status_code, created.json["key"]) == (201, "k1")
    again = api.post("/api/sessions", json={"user_id": "alice", "key": "k1"})
    assert again.status_code == 409
    assert [s["id"] for s in api.get("/api/sessions?user_id=alice").json] == [created.json["id"]]
    assert api.put(by_key("k1"), json={"user_id": "alice"}).json["id"] == created.json["id"]


def test_an_unknown_key_is_404(api):
    assert api.get(by_key("nobody")).status_code == 404


def test_keys_are_per_tenant(api, issue_key, as_key):
    other = as_key(issue_key("acme"))
    mine = api.put(by_key("thread-1"), json={"user_id": "alice"}).json
    assert other.get(by_key("thread-1")).status_code == 404
    theirs = other.put(by_key("thread-1"), json={"user_id": "bob"})
    assert theirs.status_code == 200
    assert theirs.json["id"] != mine["id"]
    assert api.get(by_key("thread-1")).json == mine


def test_racing_opens_of_one_key_make_one_session(app, api):
    def open_once(_):
        client = app.test_client()
        response = client.put(
            by_key("raced"), json={"user_id": "alice"}, headers={"X-API-Key": API_KEY}
        )
        return response.status_code, response.json["id"]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(open_once, range(16)))
    assert {status for status, _ in results} == {200}
    assert len({session_id for _, session_id in results}) == 1
    assert len(api.get("/api/sessions?user_id=alice").json) == 1


def test_the_keyed_list_pages_through_keyed_sessions_only(api, make_session):
    make_session("alice", title="no key")
    opened = [
        api.put(by_key(f"t{n}"), json={"user_id": "alice" if n % 2 else "bob"}).json
        for n in range(5)
    ]
    first = api.get("/api/sessions/by-key?limit=2")
    assert [s["key"] for s in first.json] == ["t4", "t3"]
    assert first.headers["X-Pagination"] == '{"has_more": true}'
    seen = [s["key"] for s in first.json]
    link = first.headers["Link"]
    while link:
        page = api.get(link.split(";")[0].strip("<>"))
        seen += [s["key"] for s in page.json]
        link = page.headers.get("Link")
    assert seen == [s["key"] for s in reversed(opened)]
    alice = api.get("/api/sessions/by-key?user_id=alice").json
    assert [s["key"] for s in alice] == ["t3", "t1"]


def test_a_read_key_can_look_but_not_open(api, issue_key, as_key):
    reader = as_key(issue_key("default", scopes=("read",)))
    api.put(by_key("thread-1"), json={"user_id": "alice"})
    assert reader.get(by_key("thread-1")).status_code == 200
    assert reader.put(by_key("thread-2"), json={"user_id": "alice"}).status_code == 403
    assert api.get(by_key("thread-2")).status_code == 404


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("/leading", "Must not start with '/'."),
        ("line\nbreak", "Must not contain control characters"),
        ("tab\there", "Must not contain control characters"),
    ],
)
def test_a_key_no_url_path_can_carry_is_refused(api, key, message):
    """Keys travel in /api/sessions/by-key/{key}: none may be made that could not."""
    created = api.post("/api/sessions", json={"user_id": "alice", "key": key})
    assert created.status_code == 422
    assert message in created.json["errors"]["key"][0]
    if not key.startswith("/"):  # a leading '/' never reaches the view: an empty segment
        opened = api.put(by_key(key), json={"user_id": "alice"})
        assert opened.status_code in (404, 422)  # a line break matches no route at all
    assert api.get("/api/sessions?user_id=alice").json == []
