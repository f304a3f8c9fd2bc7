"""Single messages, feedback and batch appends."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.database import API_KEY


@pytest.fixture
def sid(make_session):
    return make_session()["id"]


def test_read_one_message(api, sid, add_message):
    message = add_message(sid, content="one", metadata={"model": "m1"})
    response = api.get(f"/api/sessions/{sid}/messages/{message['id']}")
    assert response.status_code == 200
    assert response.json == message
    assert response.json["metadata"] == {"model": "m1"}


def test_delete_one_message_keeps_the_other_seqs(api, sid, add_message):
    first, second, third = (add_message(sid, content=c) for c in "abc")

    assert api.delete(f"/api/sessions/{sid}/messages/{second['id']}").status_code == 204

    assert [m["seq"] for m in api.get(f"/api/sessions/{sid}/messages").json] == [1, 3]
    assert api.get(f"/api/sessions/{sid}").json["message_count"] == 2
    assert api.get(f"/api/sessions/{sid}/messages/{second['id']}").status_code == 404
    assert add_message(sid)["seq"] == 4  # seqs are never reused
    assert first["seq"] == 1 and third["seq"] == 3


def test_a_message_is_only_found_under_its_own_session(api, sid, make_session, add_message):
    message = add_message(sid)
    other = make_session()["id"]
    for method in ("get", "delete"):
        response = getattr(api, method)(f"/api/sessions/{other}/messages/{message['id']}")
        assert response.status_code == 404
    assert api.get(f"/api/sessions/{sid}/messages/{message['id']}").status_code == 200


def test_another_tenants_message_is_404(api, sid, add_message, issue_key, as_key):
    message = add_message(sid)
    other = as_key(issue_key("acme"))
    url = f"/api/sessions/{sid}/messages/{message['id']}"
    assert other.get(url).status_code == 404
    assert other.delete(url).status_code == 404
    assert other.put(f"{url}/feedback", json={"rating": "down"}).status_code == 404
    assert api.get(url).json["feedback"] is None


def test_feedback_is_set_replaced_and_cleared(api, sid, add_message):
    message = add_message(sid, sender="ai")
    url = f"/api/sessions/{sid}/messages/{message['id']}/feedback"

    down = api.put(url, json={"rating": "down", "comment": "Cited the wrong policy."})
    assert down.status_code == 200
    assert down.json["feedback"]["rating"] == "down"
    assert down.json["feedback"]["comment"] == "Cited the wrong policy."
    assert down.json["feedback"]["created_at"]
    listed = api.get(f"/api/sessions/{sid}/messages").json[0]
    assert listed["feedback"] == down.json["feedback"]

    up = api.put(url, json={"rating": "up"})
    assert (up.json["feedback"]["rating"], up.json["feedback"]["comment"]) == ("up", None)

    cleared = api.delete(url)
    assert cleared.status_code == 200
    assert cleared.json["feedback"] is None


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"rating": "meh"},
        {"rating": None},
        {"rating": "up", "comment": "x" * 2001},
        {"rating": "up", "comment": "a\x00b"},
        {"rating": "up", "extra": 1},
    ],
)
def test_bad_feedback_is_422_and_changes_nothing(api, sid, add_message, body):
    message = add_message(sid)
    url = f"/api/sessions/{sid}/messages/{message['id']}/feedback"
    assert api.put(url, json=body).status_code == 422
    assert api.get(f"/api/sessions/{sid}/messages/{message['id']}").json["feedback"] is None


def test_sessions_can_be_found_by_their_feedback(api, make_session, add_message):
    bad, good, silent = (make_session(title=t)["id"] for t in ("bad", "good", "silent"))
    for session, rating in ((bad, "down"), (good, "up")):
        message = add_message(session, sender="ai")
        api.put(
            f"/api/sessions/{session}/messages/{message['id']}/feedback", json={"rating": rating}
        )
    add_message(silent)

    def titles(value):
        return [
            s["title"] for s in api.get(f"/api/sessions?user_id=alice&has_feedback={value}").json
        ]

    assert titles("down") == ["bad"]
    assert titles("up") == ["good"]
    assert sorted(titles("any")) == ["bad", "good"]
    assert api.get("/api/sessions?user_id=alice&has_feedback=sideways").status_code == 422


def test_a_batch_is_stored_in_order_with_consecutive_seqs(api, sid, add_message):
    add_message(sid)
    batch = [{"sender": "user" if n % 2 else "ai", "content": f"b{n}"} for n in range(100)]

    response = api.post(f"/api/sessions/{sid}/messages/batch", json={"messages": batch})

    assert response.status_code == 201
    stored = response.json["messages"]
    assert [m["seq"] for m in stored] == list(range(2, 102))
    assert [m["content"] for m in stored] == [f"b{n}" for n in range(100)]
    assert api.get(f"/api/sessions/{sid}").json["message_count"] == 101


@pytest.mark.parametrize(
    "messages",
    [
        [],
        [{"sender": "user", "content": "x"}] * 101,
        [{"sender": "user", "content": "fine"}, {"sender": "robot", "content": "bad"}],
        [{"sender": "user", "content": "fine"}, {"sender": "user", "content": "a\x00"}],
    ],
)
def test_a_bad_batch_stores_nothing(api, sid, messages):
    response = api.post(f"/api/sessions/{sid}/messages/batch", json={"messages": messages})
    assert response.status_code == 422
    assert api.get(f"/api/sessions/{sid}/messages").json == []
    assert api.get(f"/api/sessions/{sid}").json["message_count"] == 0


def test_a_batch_to_an_unknown_session_is_404(api):
    response = api.post(
        f"/api/sessions/{uuid.uuid4()}/messages/batch",
        json={"messages": [{"sender": "user", "content": "x"}]},
    )
    assert response.status_code == 404


def test_concurrent_batches_never_interleave(app, api, sid):
    def send(worker):
        batch = [{"sender": "user", "content": f"w{worker}-{n}"} for n in range(10)]
        return app.test_client().post(
            f"/api/sessions/{sid}/messages/batch",
            json={"messages": batch},
            headers={"X-API-Key": API_KEY},
        )

    with ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(send, range(6)))

    assert {r.status_code for r in responses} == {201}
    for response in responses:
        seqs = [m["seq"] for m in response.json["messages"]]
        assert seqs == list(range(seqs[0], seqs[0] + 10))
    stored = api.get(f"/api/sessions/{sid}/messages?size=100").json
    assert [m["seq"] for m in stored] == list(range(1, 61))
