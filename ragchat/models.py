"""The stored data: chat sessions and their messages."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ragchat.extensions import db

SENDERS = ("user", "ai", "system")


def utcnow():
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every database (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use UTC-aware ones")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


# JSONB on PostgreSQL (indexable, compact); plain JSON text elsewhere.
JSONDocument = JSON().with_variant(JSONB(), "postgresql")


class ChatSession(db.Model):
    __tablename__ = "chat_sessions"
    __table_args__ = (
        # The list query: one user's sessions, most recently active first.
        Index("ix_chat_sessions_user_activity", "user_id", "updated_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(200))
    is_favorite: Mapped[bool] = mapped_column(default=False)
    # The highest seq handed out so far; appends increment it under the row lock.
    last_seq: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self):
        return f"<ChatSession {self.id} user={self.user_id!r}>"


class ChatMessage(db.Model):
    __tablename__ = "chat_messages"
    __table_args__ = (
        # Also the index behind listing a session's messages in order.
        UniqueConstraint("session_id", "seq", name="uq_chat_messages_session_seq"),
        CheckConstraint("seq > 0", name="ck_chat_messages_seq_positive"),
        CheckConstraint(f"sender IN {SENDERS!r}", name="ck_chat_messages_sender"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("chat_sessions.id", ondelete="CASCADE")
    )
    seq: Mapped[int]
    sender: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    context: Mapped[dict] = mapped_column(JSONDocument, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self):
        return f"<ChatMessage {self.session_id}#{self.seq} {self.sender}>"
