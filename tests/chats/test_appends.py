"""Appending writes each answer's facts and cited sources with it, in either form: one
statement (PostgreSQL's default) or a claim followed by plain INSERTs (SQLite, and Citus,
where each statement must stay on one shard)."""

import uuid

import pytest
from sqlalchemy import event, select

from ragchat.chats.appends import appends_in_one_statement
from ragchat.extensions import db
from ragchat.models import ChatMessage, MessageSource

ANSWER = {
    "sender": "ai",
    "content": "Refunds take five days.",
    "context": {
        "chunks": [
            {"text": "a", "source": "refunds.md", "score": 0.8},
            {"text": "b", "source": "refunds.md", "url": "https://example.com/r", "score": 0.6},
        ],
        "documents": [{"page_content": "c", "metadata": {"title": "FAQ"}}],
    },
    "metadata": {"model": "gpt-4o-mini", "latency_ms": "900", "completion_tokens": "42"},
}
QUESTION = {"sender": "user", "content": "How long do refunds take?"}


@pytest.fixture(params=["single", "split"])
def form(request, app, monkeypatch):
    monkeypatch.setitem(app.config, "DATABASE_APPEND_FORM", request.param)
    return request.param


@pytest.fixture
def statements(app):
    """The SQL statements the app sends, as they are sent."""
    sent = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    yield sent
    event.remove(engine, "before_cursor_execute", record)


def stored(app, session_id):
    with app.app_context():
        facts = db.session.execute(
            select(
                ChatMessage.seq,
                ChatMessage.passage_count,
                ChatMessage.best_score,
                ChatMessage.model,
                ChatMessage.latency_ms,
                ChatMessage.prompt_tokens,
                ChatMessage.completion_tokens,
            )
            .where(ChatMessage.session_id == session_id)
            .order_by(ChatMessage.seq)
        ).all()
        sources = db.session.execute(
            select(MessageSource.message_id, MessageSource.source, MessageSource.url)
            .where(MessageSource.session_id == session_id)
            .order_by(MessageSource.source)
        ).all()
        return [tuple(row) for row in facts], [tuple(row) for row in sources]


def test_a_batch_stores_each_answers_facts_and_sources(app, api, make_session, form, statements):
    with app.app_context():
        dialect = db.engine.name
    session_id = make_session()["id"]
    statements.clear()
    response = api.post(
        f"/api/sessions/{session_id}/messages/batch",
        json={"messages": [QUESTION, ANSWER, {**ANSWER, "context": {}, "metadata": {}}]},
    )
    assert response.status_code == 201, response.json
    answer_id = uuid.UUID(response.json["messages"][1]["id"])
    facts, sources = stored(app, uuid.UUID(session_id))
    assert facts == [
        (1, None, None, None, None, None, None),
        (2, 3, 0.8, "gpt-4o-mini", 900.0, None, 42),
        (3, 0, None, None, None, None, None),
    ]
    assert sources == [(answer_id, "FAQ", None), (answer_id, "refunds.md", "https://example.com/r")]
    writes = [sql for sql in statements if not sql.startswith(("SELECT", "BEGIN", "COMMIT"))]
    if dialect == "postgresql" and form == "single":
        assert len(writes) == 1 and writes[0].startswith("WITH claimed AS (UPDATE chat_sessions")
        assert "INSERT INTO message_sources" in writes[0]
    else:  # the claim, then each table's INSERT … VALUES, every one on the session's rows
        assert [sql.split(" SET ")[0].split(" (")[0] for sql in writes] == [
            "UPDATE chat_sessions",
            "INSERT INTO chat_messages",
            "INSERT INTO message_sources",
        ]
        assert all(" VALUES " in sql and "SELECT" not in sql for sql in writes[1:])


def test_appending_to_a_missing_session_stores_nothing(app, api, form):
    missing = uuid.uuid4()
    response = api.post(f"/api/sessions/{missing}/messages", json=ANSWER)
    assert response.status_code == 404
    assert stored(app, missing) == ([], [])


def test_concurrent_forms_share_one_sequence(app, api, make_session, monkeypatch):
    """A deployment changing form between appends keeps the seqs contiguous."""
    session_id = make_session()["id"]
    for form in ("single", "split", "single", "split"):
        monkeypatch.setitem(app.config, "DATABASE_APPEND_FORM", form)
        api.post(f"/api/sessions/{session_id}/messages", json=ANSWER)
    assert [row[0] for row in stored(app, uuid.UUID(session_id))[0]] == [1, 2, 3, 4]


def test_auto_is_one_statement_on_plain_postgresql_only(app, monkeypatch):
    monkeypatch.setitem(app.config, "DATABASE_APPEND_FORM", "auto")
    with app.test_request_context():
        assert appends_in_one_statement() == (db.engine.name == "postgresql")


def test_sources_go_with_their_answer(app, api, make_session, add_message):
    """Deleting an answer, emptying its chat or deleting the chat deletes its sources."""
    chats = [make_session()["id"] for _ in range(3)]
    answers = [add_message(chat, **ANSWER) for chat in chats]
    kept = add_message(chats[0], **ANSWER)
    api.delete(f"/api/sessions/{chats[0]}/messages/{answers[0]['id']}")
    api.delete(f"/api/sessions/{chats[1]}/messages")
    api.delete(f"/api/sessions/{chats[2]}")
    with app.app_context():
        left = db.session.scalars(select(MessageSource.message_id).distinct()).all()
    assert left == [uuid.UUID(kept["id"])]
