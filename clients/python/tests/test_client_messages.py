"""client.messages and client.feedback against a real server."""

from uuid import UUID

import pytest
from ragchat_client import Message, MessageInput, NotFoundError

CONTEXT = {
    "chunks": [{"source": "refunds.md", "score": 0.82, "text": "Refunds take five days."}],
    "model": "gpt-4o-mini",
}


@pytest.fixture
def session(client, user_id):
    return client.sessions.create(user_id=user_id, title="Refunds")


@pytest.fixture
def long_session(client, user_id):
    """A session of 300 messages, stored in three batches."""
    session = client.sessions.create(user_id=user_id)
    for batch in range(3):
        client.messages.append_many(
            session.id,
            [{"sender": "user", "content": f"m{batch * 100 + n}"} for n in range(1, 101)],
        )
    return session


def test_append_returns_a_typed_message(client, session):
    message = client.messages.append(
        session.id,
        sender="ai",
        content="Refunds take up to five working days.",
        context=CONTEXT,
        metadata={"model": "gpt-4o-mini", "latency_ms": "930"},
    )

    assert isinstance(message, Message)
    assert isinstance(message.id, UUID)
    assert message.session_id == session.id
    assert message.seq == 1
    assert message.sender == "ai"
    assert message.content == "Refunds take up to five working days."
    assert message.context == CONTEXT
    assert message.metadata == {"model": "gpt-4o-mini", "latency_ms": "930"}
    assert message.feedback is None
    assert message.created_at.tzinfo is not None
    assert message.extra == {}


def test_append_numbers_messages_and_counts_them(client, session):
    seqs = [client.messages.append(session.id, sender="user", content=str(n)).seq for n in range(3)]

    assert seqs == [1, 2, 3]
    assert client.sessions.get(session.id).message_count == 3


def test_assistant_is_stored_as_ai(client, session):
    assert client.messages.append(session.id, sender="assistant", content="Hi").sender == "ai"


def test_append_many_takes_dicts_and_message_inputs(client, session):
    client.messages.append(session.id, sender="system", content="Be brief.")

    stored = client.messages.append_many(
        session.id,
        [
            {"sender": "user", "content": "How long?"},
            MessageInput("ai", "Five days.", context=CONTEXT, metadata={"model": "m1"}),
        ],
    )

    assert [m.seq for m in stored] == [2, 3]
    assert [m.sender for m in stored] == ["user", "ai"]
    assert stored[1].context == CONTEXT
    assert stored[1].metadata == {"model": "m1"}
    assert client.messages.get(session.id, stored[1].id) == stored[1]


def test_get_and_delete_one_message(client, session):
    first = client.messages.append(session.id, sender="user", content="one")
    second = client.messages.append(session.id, sender="ai", content="two")

    assert client.messages.get(session.id, first.id) == first
    assert client.messages.delete(session.id, first.id) is None

    with pytest.raises(NotFoundError):
        client.messages.get(session.id, first.id)
    assert [m.seq for m in client.messages.list(session.id)] == [second.seq]


def test_list_pages_through_hundreds_of_messages_in_order(client, long_session, sent):
    sent.clear()

    messages = client.messages.list(long_session.id, limit=50)
    assert sent == []
    seqs = []
    for message in messages:
        seqs.append(message.seq)
        # A page is fetched only when the one before it is used up.
        assert len(sent) == (len(seqs) - 1) // 50 + 1

    assert seqs == list(range(1, 301))  # every seq once, in order
    assert len(sent) == 6
    assert [r.url.params.get("after") for r in sent] == [None, "50", "100", "150", "200", "250"]


def test_list_newest_first(client, long_session):
    seqs = [m.seq for m in client.messages.list(long_session.id, order="desc", limit=100)]
    assert seqs == list(range(300, 0, -1))


def test_list_between_seqs(client, long_session, sent):
    sent.clear()

    seqs = [m.seq for m in client.messages.list(long_session.id, after=120, before=181, limit=25)]

    assert seqs == list(range(121, 181))
    assert len(sent) == 3
    assert all(r.url.params["before"] == "181" for r in sent)  # the bound is kept


def test_list_desc_before(client, long_session):
    seqs = [m.seq for m in client.messages.list(long_session.id, order="desc", before=11)]
    assert seqs == list(range(10, 0, -1))


def test_iterating_twice_starts_again(client, long_session, sent):
    sent.clear()
    listing = client.messages.list(long_session.id, after=290)
    assert [m.seq for m in listing] == list(range(291, 301))
    assert [m.seq for m in listing] == list(range(291, 301))
    assert len(sent) == 2


def test_feedback_set_replace_and_clear(client, session):
    answer = client.messages.append(session.id, sender="ai", content="Five days.")

    rated = client.feedback.set(session.id, answer.id, rating="down", comment="Too vague")
    replaced = client.feedback.set(session.id, answer.id, rating="up")
    cleared = client.feedback.clear(session.id, answer.id)

    assert rated.id == answer.id
    assert rated.feedback.rating == "down"
    assert rated.feedback.comment == "Too vague"
    assert rated.feedback.created_at.tzinfo is not None
    assert replaced.feedback.rating == "up"
    assert replaced.feedback.comment is None
    assert cleared.feedback is None
    assert client.messages.get(session.id, answer.id).feedback is None


def test_feedback_on_a_missing_message_is_not_found(client, session):
    with pytest.raises(NotFoundError):
        client.feedback.set(session.id, "00000000-0000-0000-0000-000000000000", rating="up")
