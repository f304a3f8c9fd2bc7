"""Settings, parsing and the retry policy, without a server."""

from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

import httpx
import pytest
from ragchat_client import (
    ApiKey,
    AsyncRagChat,
    Message,
    MessageInput,
    RagChat,
    RagChatError,
    SearchHit,
    Session,
)
from ragchat_client._base import query
from ragchat_client._retries import backoff, parse_retry_after

SESSION = {
    "id": str(uuid4()),
    "user_id": "alice",
    "title": "Hello",
    "is_favorite": False,
    "message_count": 0,
    "metadata": {},
    "created_at": "2025-05-01T10:00:00.123456+00:00",
    "updated_at": "2025-05-01T10:00:00Z",
}
MESSAGE = {
    "id": str(uuid4()),
    "session_id": SESSION["id"],
    "seq": 1,
    "sender": "ai",
    "content": "Hi",
    "context": {"chunks": []},
    "metadata": {"model": "m"},
    "feedback": {"rating": "up", "comment": None, "created_at": "2025-05-01T10:00:01"},
    "created_at": "2025-05-01T12:00:00+02:00",
}


@pytest.fixture
def no_environment(monkeypatch):
    monkeypatch.delenv("RAGCHAT_BASE_URL", raising=False)
    monkeypatch.delenv("RAGCHAT_API_KEY", raising=False)


@pytest.mark.parametrize("client_class", [RagChat, AsyncRagChat])
def test_settings_come_from_the_environment(monkeypatch, client_class):
    monkeypatch.setenv("RAGCHAT_BASE_URL", "http://ragchat.internal:8000/")
    monkeypatch.setenv("RAGCHAT_API_KEY", "rck_from_env")

    chat = client_class()

    assert chat.base_url == "http://ragchat.internal:8000"
    assert chat.api_key == "rck_from_env"
    assert chat.max_retries == 2


def test_arguments_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("RAGCHAT_BASE_URL", "http://env:1")
    monkeypatch.setenv("RAGCHAT_API_KEY", "env-key")

    chat = RagChat("http://arg:2/api/", "arg-key", max_retries=5, timeout=3)

    assert chat.base_url == "http://arg:2"  # a trailing /api is taken too
    assert chat.api_key == "arg-key"
    assert chat.max_retries == 5
    assert chat.timeout == httpx.Timeout(3)


@pytest.mark.usefixtures("no_environment")
@pytest.mark.parametrize("client_class", [RagChat, AsyncRagChat])
def test_a_missing_url_or_key_is_a_clear_error(client_class):
    with pytest.raises(RagChatError, match="RAGCHAT_BASE_URL"):
        client_class(api_key="k")
    with pytest.raises(RagChatError, match="RAGCHAT_API_KEY"):
        client_class("http://127.0.0.1:8000")


def test_negative_retries_are_refused():
    with pytest.raises(ValueError, match="max_retries"):
        RagChat("http://x", "k", max_retries=-1)


def test_the_key_is_not_in_the_repr():
    assert "secret-key-value" not in repr(RagChat("http://x", "secret-key-value"))


def test_a_given_http_client_is_left_open_and_our_own_is_closed():
    given = httpx.Client()
    with RagChat("http://x", "k", http_client=given):
        pass
    assert not given.is_closed
    given.close()

    with RagChat("http://x", "k") as own:
        pass
    assert own.is_closed


def test_unknown_fields_are_ignored_and_new_ones_default():
    session = Session.from_json({**SESSION, "surprise": [1, 2], "tenant": "acme"})
    message = Message.from_json({**MESSAGE, "tokens": 12})

    assert session.key is None
    assert message.extra == {}
    assert session.title == "Hello"


def test_the_coming_key_and_extra_fields_are_read():
    session = Session.from_json({**SESSION, "key": "ticket-42"})
    message = Message.from_json({**MESSAGE, "extra": {"tool_call_id": "c1"}})

    assert session.key == "ticket-42"
    assert message.extra == {"tool_call_id": "c1"}


def test_times_are_aware():
    session = Session.from_json(SESSION)
    message = Message.from_json(MESSAGE)

    assert session.created_at == datetime(2025, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)
    assert session.updated_at == datetime(2025, 5, 1, 10, tzinfo=UTC)
    assert message.created_at.utcoffset() == timedelta(hours=2)
    assert message.created_at == datetime(2025, 5, 1, 10, tzinfo=UTC)
    assert message.feedback.created_at.tzinfo is not None  # no zone is read as UTC


def test_search_hits_and_keys_parse_their_optional_fields():
    hit = SearchHit.from_json(
        {
            "match": "title",
            "session_id": SESSION["id"],
            "session_title": "Hello",
            "user_id": "alice",
            "message_id": None,
            "seq": None,
            "sender": None,
            "created_at": "2025-05-01T10:00:00+00:00",
            "rank": 1,
            "snippet": "<mark>Hello</mark>",
        }
    )
    key = ApiKey.from_json(
        {
            "id": 3,
            "name": "ci",
            "prefix": "rck_ab",
            "scopes": ["read"],
            "state": "active",
            "created_at": "2025-05-01T10:00:00+00:00",
            "last_used_at": None,
            "expires_at": None,
            "revoked_at": None,
        }
    )

    assert hit.message_id is None
    assert hit.rank == 1.0
    assert isinstance(hit.rank, float)
    assert key.scopes == ("read",)
    assert key.secret is None
    assert key.last_used_at is None


def test_message_input_leaves_out_what_was_not_given():
    assert MessageInput("user", "hi").to_json() == {"sender": "user", "content": "hi"}
    assert MessageInput("ai", "x", {"a": 1}, {"m": "v"}).to_json() == {
        "sender": "ai",
        "content": "x",
        "context": {"a": 1},
        "metadata": {"m": "v"},
    }


def test_backoff_doubles_from_half_a_second_up_to_eight():
    assert [backoff(n, rand=lambda: 1.0) for n in range(7)] == [0.5, 1, 2, 4, 8, 8, 8]
    assert [backoff(n, rand=lambda: 0.0) for n in range(3)] == [0, 0, 0]
    assert backoff(2, rand=lambda: 0.5) == 1.0


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("5", 5.0),
        (" 2.5 ", 2.5),
        ("0", 0.0),
        ("-3", 0.0),
        ("Fri, 01 May 2026 10:00:30 GMT", 30.0),
        ("Fri, 01 May 2026 09:59:00 GMT", 0.0),  # in the past: at once
        ("soon", None),
        ("", None),
        (None, None),
        ("nan", None),
    ],
)
def test_retry_after_in_seconds_or_as_a_date(header, seconds):
    now = datetime(2026, 5, 1, 10, 0, 0, tzinfo=UTC)
    assert parse_retry_after(header, now=now) == seconds


def test_naive_datetimes_are_refused_and_aware_ones_sent_with_their_zone():
    with pytest.raises(ValueError, match="time zone"):
        query(since=datetime(2025, 1, 1))
    paris = timezone(timedelta(hours=2))
    assert query(since=datetime(2025, 1, 1, 12, tzinfo=paris), flag=True, none=None) == (
        ("since", "2025-01-01T12:00:00+02:00"),
        ("flag", "true"),
    )
