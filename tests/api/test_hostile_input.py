"""Inputs found by fuzzing the API from its own spec: each once gave a 500."""

import base64
import io
import json

import pytest


@pytest.fixture
def sid(make_session, add_message):
    session = make_session()
    for _ in range(3):
        add_message(session["id"])
    return session["id"]


@pytest.mark.parametrize("value", [2**31, 2**63, 10**30])
@pytest.mark.parametrize("name", ["after", "before"])
def test_seqs_beyond_the_column_are_422(api, sid, name, value):
    response = api.get(f"/api/sessions/{sid}/messages?{name}={value}")
    assert response.status_code == 422
    assert name in response.json["errors"]


@pytest.mark.parametrize(
    "extra",
    ["_external=0", "endpoint=x", "_anchor=x", "_method=DELETE", "_scheme=x", "session_id=x"],
)
@pytest.mark.parametrize(
    "path", ["/api/sessions?user_id=alice", "/api/sessions/{sid}/messages?limit=1"]
)
def test_query_arguments_named_like_url_for_options_are_kept_harmlessly(api, sid, path, extra):
    response = api.get(f"{path.format(sid=sid)}&{extra}")
    assert response.status_code == 200
    assert extra in response.headers["Link"]  # carried along as a plain query argument


@pytest.mark.parametrize("second", [2, 2.5, True, [], {}, None])
def test_cursors_with_the_wrong_types_inside_are_422(api, sid, second):
    raw = json.dumps(["2026-01-01T00:00:00+00:00", second]).encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    response = api.get(f"/api/sessions?user_id=alice&cursor={cursor}")
    assert response.status_code == 422
    assert "cursor" in response.json["errors"]


def test_a_chunked_body_over_the_limit_is_413_not_half_read(api):
    """gunicorn hands the app a de-chunked stream with no length (wsgi.input_terminated)."""
    padded = '{"user_id": "chunked"' + " " * (1024 * 1024 + 10) + "}"
    response = api.post(
        "/api/sessions",
        input_stream=io.BytesIO(padded.encode()),
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413
    assert api.get("/api/sessions?user_id=chunked").json == []


def test_a_small_chunked_body_is_read_whole(api):
    response = api.post(
        "/api/sessions",
        input_stream=io.BytesIO(b'{"user_id": "chunked"}'),
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 201


@pytest.mark.parametrize("days", [True, 30.0, "30"])
def test_key_lifetimes_must_be_whole_numbers(api, days):
    response = api.post("/api/keys", json={"name": "x", "expires_in_days": days})
    assert response.status_code == 422
