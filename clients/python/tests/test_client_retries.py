"""Retries through a fault-injecting proxy in front of the real server: lost answers,
refused connections, failing gateways and Retry-After."""

import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from ragchat_client import APIConnectionError, InternalServerError, NotFoundError, RateLimitError
from ragchat_client._retries import BACKOFF_BASE, BACKOFF_CAP


def idempotency_keys(requests):
    return [request.headers.get("Idempotency-Key") for request in requests]


def test_an_append_whose_answer_was_lost_is_stored_once(
    client, make_client, proxy, user_id, sent, received, sleeps
):
    session = client.sessions.create(user_id=user_id)
    sent.clear()
    received.clear()
    proxy.drop_replies(1)

    message = make_client(proxy.url).messages.append(session.id, sender="user", content="hello")
    keys = idempotency_keys(sent)

    stored = list(client.messages.list(session.id))
    assert [(m.id, m.seq, m.content) for m in stored] == [(message.id, 1, "hello")]
    assert proxy.forwarded == 2  # the server saw both tries
    assert len(keys) == 2
    assert keys[0] == keys[1]
    assert uuid.UUID(keys[0]).version == 4
    assert received[0].headers["Idempotent-Replayed"] == "true"  # the retry's answer
    assert len(sleeps) == 1
    assert 0 <= sleeps[0] <= BACKOFF_BASE


def test_a_batch_and_a_session_whose_answers_were_lost_are_stored_once(
    client, make_client, proxy, user_id
):
    through_proxy = make_client(proxy.url)
    proxy.drop_replies(1)
    session = through_proxy.sessions.create(user_id=user_id, title="Once")
    proxy.drop_replies(1)
    batch = through_proxy.messages.append_many(
        session.id, [{"sender": "user", "content": str(n)} for n in range(3)]
    )

    assert [s.id for s in client.sessions.list(user_id=user_id)] == [session.id]
    assert [m.seq for m in batch] == [1, 2, 3]
    assert [m.seq for m in client.messages.list(session.id)] == [1, 2, 3]
    assert proxy.forwarded == 4


def test_each_call_has_its_own_idempotency_key(client, user_id, sent):
    session = client.sessions.create(user_id=user_id)
    client.messages.append(session.id, sender="user", content="same")
    client.messages.append(session.id, sender="user", content="same")

    keys = idempotency_keys(sent)
    assert None not in keys
    assert len(set(keys)) == 3
    assert [m.seq for m in client.messages.list(session.id)] == [1, 2]


def test_a_given_idempotency_key_is_sent_and_replayed(client, user_id, sent, received):
    key = f"conversation-start-{uuid.uuid4()}"
    first = client.sessions.create(user_id=user_id, idempotency_key=key)
    again = client.sessions.create(user_id=user_id, idempotency_key=key)

    assert idempotency_keys(sent) == [key, key]
    assert again == first
    assert received[1].headers["Idempotent-Replayed"] == "true"


def test_reads_are_retried_after_a_lost_answer(client, make_client, proxy, user_id, sent):
    session = client.sessions.create(user_id=user_id)
    sent.clear()
    proxy.drop_replies(2)

    assert make_client(proxy.url).sessions.get(session.id) == session
    assert len(sent) == 3
    assert idempotency_keys(sent) == [None, None, None]


def test_retries_stop_after_max_retries(client, make_client, proxy, user_id, sent, sleeps):
    session = client.sessions.create(user_id=user_id)
    sent.clear()
    proxy.drop_replies(10)

    with pytest.raises(APIConnectionError):
        make_client(proxy.url, max_retries=2).messages.append(
            session.id, sender="user", content="lost"
        )

    assert len(sent) == 3
    assert proxy.forwarded == 3
    assert len(sleeps) == 2
    assert len(set(idempotency_keys(sent))) == 1
    # The first try was stored; the two retries were replays of it.
    assert [m.content for m in client.messages.list(session.id)] == ["lost"]


def test_refused_connections_back_off_exponentially_with_jitter(make_client, proxy, sleeps, sent):
    proxy.refuse_connections()

    with pytest.raises(APIConnectionError):
        make_client(proxy.url, max_retries=6).health()

    assert len(sent) == 7
    assert len(sleeps) == 6
    for attempt, delay in enumerate(sleeps):
        assert 0 <= delay <= min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)
    assert len(set(sleeps)) > 1  # jittered, not a fixed delay


def test_the_service_unavailable_answer_is_waited_out_as_asked(make_client, proxy, sleeps):
    proxy.answer_with(503, count=2, headers={"Retry-After": "3"})

    assert make_client(proxy.url).health().status == "ok"
    assert sleeps == [3.0, 3.0]
    assert proxy.requests == 3
    assert proxy.forwarded == 1


def test_retry_after_as_an_http_date(make_client, proxy, sleeps):
    moment = datetime.now(UTC) + timedelta(seconds=30)
    proxy.answer_with(429, headers={"Retry-After": format_datetime(moment, usegmt=True)})

    assert make_client(proxy.url).health().status == "ok"
    assert len(sleeps) == 1
    assert 27 <= sleeps[0] <= 30


def test_a_retry_after_too_long_is_raised_at_once(make_client, proxy, sleeps):
    proxy.answer_with(429, headers={"Retry-After": "3600"})

    with pytest.raises(RateLimitError) as caught:
        make_client(proxy.url).health()

    assert caught.value.retry_after == 3600
    assert sleeps == []
    assert proxy.requests == 1


@pytest.mark.parametrize("status", [502, 504])
def test_gateway_errors_are_retried(make_client, proxy, sleeps, status):
    proxy.answer_with(status)

    assert make_client(proxy.url).health().status == "ok"
    assert len(sleeps) == 1
    assert 0 <= sleeps[0] <= BACKOFF_BASE


def test_no_retries_when_max_retries_is_zero(make_client, proxy, sleeps):
    proxy.answer_with(503)

    with pytest.raises(InternalServerError):
        make_client(proxy.url, max_retries=0).health()
    assert sleeps == []


def test_key_creation_is_not_retried_after_a_lost_answer(client, make_client, proxy, sleeps):
    """The server does not replay POST /api/keys: a retry could make a second key."""
    name = f"once-{uuid.uuid4().hex[:6]}"
    proxy.drop_replies(1)

    with pytest.raises(APIConnectionError):
        make_client(proxy.url).keys.create(name)

    assert proxy.requests == 1
    assert sleeps == []
    assert [key.name for key in client.keys.list()].count(name) == 1


def test_key_creation_is_retried_when_it_surely_was_not_received(
    client, make_client, proxy, sleeps
):
    name = f"after-429-{uuid.uuid4().hex[:6]}"
    proxy.answer_with(429, headers={"Retry-After": "1"})

    created = make_client(proxy.url).keys.create(name)

    assert created.name == name
    assert sleeps == [1.0]
    proxy.answer_with(502)
    with pytest.raises(InternalServerError):
        make_client(proxy.url).keys.create(f"{name}-2")
    assert [key.name for key in client.keys.list()].count(f"{name}-2") == 0


def test_a_delete_whose_answer_was_lost_answers_not_found_on_retry(
    client, make_client, proxy, user_id
):
    """As the README says: the retry finds the session already gone."""
    session = client.sessions.create(user_id=user_id)
    proxy.drop_replies(1)

    with pytest.raises(NotFoundError):
        make_client(proxy.url).sessions.delete(session.id)

    assert proxy.forwarded == 2
    assert list(client.sessions.list(user_id=user_id)) == []
