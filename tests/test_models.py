"""Rules the database itself enforces, whoever writes to it."""

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from ragchat.extensions import db
from ragchat.models import ChatMessage, ChatSession


@pytest.fixture
def stored_session(app):
    with app.app_context():
        session = ChatSession(tenant_id="t1", user_id="alice", title="t", last_seq=1)
        db.session.add(session)
        db.session.flush()
        db.session.add(
            ChatMessage(tenant_id="t1", session_id=session.id, seq=1, sender="user", content="hi")
        )
        db.session.commit()
        yield session
        db.session.rollback()


def test_deleting_a_session_cascades_in_the_database(app, stored_session):
    db.session.execute(delete(ChatSession).where(ChatSession.id == stored_session.id))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ChatMessage)) == 0


@pytest.mark.parametrize(
    "message",
    [
        {"seq": 1, "sender": "user"},  # seq taken
        {"seq": 0, "sender": "user"},  # seq starts at 1
        {"seq": 2, "sender": "robot"},  # unknown sender
    ],
)
def test_database_rejects_broken_messages(app, stored_session, message):
    db.session.add(
        ChatMessage(tenant_id="t1", session_id=stored_session.id, content="x", **message)
    )
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_message_needs_its_session_in_the_same_tenant(app, stored_session):
    """The foreign key includes the tenant: a message cannot hang off another's session."""
    db.session.add(
        ChatMessage(tenant_id="t2", session_id=stored_session.id, seq=2, sender="user", content="x")
    )
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_message_needs_an_existing_session(app):
    with app.app_context():
        db.session.add(
            ChatMessage(tenant_id="t1", session_id=uuid.uuid4(), seq=1, sender="user", content="x")
        )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_timestamps_read_back_as_aware_utc(app, stored_session):
    db.session.expire_all()
    reloaded = db.session.get(ChatSession, ("t1", stored_session.id))
    assert reloaded.created_at.tzinfo is not None
    assert reloaded.created_at.utcoffset().total_seconds() == 0


def test_naive_timestamps_are_refused(app, stored_session):
    stored_session.updated_at = datetime(2026, 1, 1)
    with pytest.raises(StatementError):
        db.session.flush()
    db.session.rollback()
    stored_session.updated_at = datetime(2026, 1, 1, tzinfo=UTC)
    db.session.commit()


def test_times_read_back_in_utc_whatever_the_database_session_zone(app, make_session):
    """PostgreSQL returns timestamptz in the session's zone; the API still speaks UTC."""
    make_session("alice")
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("SET TIME ZONE 'Asia/Kolkata'"))
        created = db.session.scalars(select(ChatSession.created_at)).one()
        db.session.rollback()
    assert created.utcoffset().total_seconds() == 0 and created.tzinfo == UTC
