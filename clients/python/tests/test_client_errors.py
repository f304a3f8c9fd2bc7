"""One exception class per status, carrying the problem+json body; transport failures."""

import uuid

import pytest
from ragchat_client import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RagChatError,
    RateLimitError,
    UnprocessableEntityError,
)

PROBLEM_HEADERS = {"Content-Type": "application/problem+json"}


def assert_problem(error, status, received):
    """The error carries the server's problem+json: status, detail and request id."""
    assert isinstance(error, APIStatusError)
    assert isinstance(error, RagChatError)
    assert error.status_code == status
    assert error.body["status"] == status
    assert error.detail == error.body["detail"]
    assert error.request_id
    assert error.request_id == received[-1].headers["X-Request-ID"]
    assert str(status) in str(error)
    assert error.request_id in str(error)


def test_a_wrong_key_is_an_authentication_error(make_client, server, received):
    chat = make_client(server.url, "wrong-key-0123456789abcdef")

    with pytest.raises(AuthenticationError) as caught:
        chat.sessions.get(uuid.uuid4())

    assert_problem(caught.value, 401, received)
    assert "X-API-Key" in caught.value.detail


def test_a_key_without_the_scope_is_permission_denied(client, make_client, server, received):
    reader = client.keys.create(f"reader-{uuid.uuid4().hex[:6]}", scopes=["read"])
    read_only = make_client(server.url, reader.secret)

    with pytest.raises(PermissionDeniedError) as caught:
        read_only.sessions.create(user_id="alice")

    assert_problem(caught.value, 403, received)
    assert "'write'" in caught.value.detail
    with pytest.raises(PermissionDeniedError, match="'admin'"):
        read_only.keys.list()


def test_a_missing_session_is_not_found(client, received):
    with pytest.raises(NotFoundError) as caught:
        client.sessions.get(uuid.uuid4())

    assert_problem(caught.value, 404, received)


def test_an_idempotency_key_reused_with_another_body_is_a_conflict(client, user_id, received):
    key = str(uuid.uuid4())
    first = client.request("POST", "/api/sessions", json={"user_id": user_id}, idempotency_key=key)
    replay = client.request("POST", "/api/sessions", json={"user_id": user_id}, idempotency_key=key)

    with pytest.raises(ConflictError) as caught:
        client.request(
            "POST", "/api/sessions", json={"user_id": f"{user_id}-2"}, idempotency_key=key
        )

    assert first.status_code == replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert replay.json() == first.json()
    assert_problem(caught.value, 409, received)
    assert [s.id for s in client.sessions.list(user_id=user_id)] == [uuid.UUID(first.json()["id"])]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c, u: c.sessions.create(user_id=u, title="x" * 201), "title"),
        (lambda c, u: c.sessions.create(user_id=u, metadata={"bad key": "v"}), "metadata"),
        (lambda c, u: c.sessions.update(c.sessions.create(user_id=u).id, title=""), "title"),
        (lambda c, u: list(c.sessions.list(user_id=u, limit=0)), "limit"),
        (lambda c, u: list(c.sessions.list(user_id=u, has_feedback="maybe")), "has_feedback"),
        (
            lambda c, u: c.messages.append(
                c.sessions.create(user_id=u).id, sender="robot", content="hi"
            ),
            "sender",
        ),
        (
            lambda c, u: c.messages.append(
                c.sessions.create(user_id=u).id, sender="user", content="nul \x00"
            ),
            "content",
        ),
    ],
    ids=["title", "metadata", "empty-title", "limit", "has_feedback", "sender", "nul"],
)
def test_validation_failures_name_the_field(client, user_id, received, call, field):
    with pytest.raises(UnprocessableEntityError) as caught:
        call(client, user_id)

    assert_problem(caught.value, 422, received)
    assert list(caught.value.errors) == [field]
    assert caught.value.errors[field]
    assert all(isinstance(message, str) for message in caught.value.errors[field])


def test_an_invalid_json_body_is_a_bad_request(client, received):
    with pytest.raises(BadRequestError) as caught:
        client.request(
            "POST",
            "/api/sessions",
            content=b'{"user_id": ',
            headers={"Content-Type": "application/json"},
        )

    assert_problem(caught.value, 400, received)


def test_other_statuses_are_api_status_errors(client, received):
    with pytest.raises(APIStatusError) as caught:
        client.request("POST", "/api/health-check", json={})

    assert type(caught.value) is APIStatusError
    assert_problem(caught.value, 405, received)


def test_over_the_rate_limit_is_a_rate_limit_error_with_retry_after(
    limited_server, make_client, received, sleeps
):
    patient = make_client(limited_server.url, max_retries=1)
    impatient = make_client(limited_server.url, max_retries=0)
    for _ in range(3):
        impatient.health()  # the health check has no key: it does not count
    for _ in range(3):
        assert list(impatient.sessions.list(user_id="alice")) == []

    with pytest.raises(RateLimitError) as caught:
        impatient.sessions.list(user_id="alice").pages().__next__()

    error = caught.value
    assert_problem(error, 429, received)
    assert 0 < error.retry_after <= 60
    assert error.retry_after == float(received[-1].headers["Retry-After"])
    assert sleeps == []

    # With a retry left, the client waits what the server asked, then gives up. (The
    # server counts each route apart: this is the same one.)
    received.clear()
    with pytest.raises(RateLimitError):
        list(patient.sessions.list(user_id="bob"))
    assert len(received) == 2
    assert sleeps == [float(received[0].headers["Retry-After"])]


def test_a_server_error_is_not_retried(make_client, proxy, sleeps):
    proxy.answer_with(
        500,
        body=b'{"status": 500, "detail": "boom", "request_id": "r-1"}',
        headers=PROBLEM_HEADERS,
    )

    with pytest.raises(InternalServerError) as caught:
        make_client(proxy.url).sessions.get(uuid.uuid4())

    assert caught.value.status_code == 500
    assert caught.value.detail == "boom"
    assert caught.value.request_id == "r-1"
    assert proxy.requests == 1
    assert sleeps == []


def test_a_gateway_error_is_retried_then_raised(make_client, proxy, sleeps):
    proxy.answer_with(502, count=5, body=b"<html>Bad gateway</html>")

    with pytest.raises(InternalServerError) as caught:
        make_client(proxy.url, max_retries=2).sessions.get(uuid.uuid4())

    assert caught.value.status_code == 502
    assert caught.value.body == "<html>Bad gateway</html>"
    assert caught.value.detail is None
    assert proxy.requests == 3
    assert len(sleeps) == 2


def test_a_refused_connection_is_a_connection_error(make_client, proxy, sleeps):
    proxy.refuse_connections()

    with pytest.raises(APIConnectionError) as caught:
        make_client(proxy.url, max_retries=0).health()

    assert not isinstance(caught.value, APITimeoutError)
    assert caught.value.request is not None
    assert sleeps == []


def test_no_answer_in_time_is_a_timeout_error(make_client, proxy):
    proxy.stall_replies(1, 1.0)

    with pytest.raises(APITimeoutError) as caught:
        make_client(proxy.url, max_retries=0, timeout=0.3).health()

    assert isinstance(caught.value, APIConnectionError)
