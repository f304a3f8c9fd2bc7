"""The stored data: chat sessions and their messages."""

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy import text as sa_text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ragchat.extensions import db
from ragchat.rules import (
    CONVERSATION_KEY_LENGTH,
    MAX_METADATA_VALUE,
    SOURCE_LENGTH,
    TITLE_LENGTH,
    USER_ID_LENGTH,
)

SENDERS = ("user", "ai", "system", "tool")
SENDER_NAMES = {"user": "User", "ai": "AI", "system": "System", "tool": "Tool"}  # as shown
SCOPES = ("read", "write", "admin")
RATINGS = ("up", "down")
DEFAULT_TENANT = "default"


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
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)  # PostgreSQL answers in its session's time zone


def dialect_insert(model):
    """An INSERT of `model` rows in the dialect of the database in use, which can say what
    to do ON CONFLICT."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def insert_or_update(model, values, key, changes):
    """An INSERT of one `model` row that, when its `key` columns clash with a stored row's,
    updates that row with `changes` instead (ON CONFLICT … DO UPDATE)."""
    statement = dialect_insert(model).values(values)
    return statement.on_conflict_do_update(index_elements=key, set_=changes)


def insert_or_skip(model):
    """An INSERT of `model` rows that skips a row clashing with a key or unique constraint
    (ON CONFLICT DO NOTHING)."""
    return dialect_insert(model).on_conflict_do_nothing()


# What insights read of each message and cited source; see the indexes that hold them.
INSIGHT_COLUMNS = (
    "id",
    "session_id",
    "sender",
    "feedback_rating",
    "passage_count",
    "best_score",
    "model",
    "latency_ms",
    "prompt_tokens",
    "completion_tokens",
)
SOURCE_INSIGHT_COLUMNS = ("source", "url", "rating", "session_id", "message_id")

# JSONB on PostgreSQL (indexable, compact); plain JSON text elsewhere.
JSONDocument = JSON().with_variant(JSONB(), "postgresql")


# Every chat row carries its tenant and every key and index starts with it: a query can
# only be written scoped, each is served by an index, and a distributed PostgreSQL (Citus)
# can shard both tables by tenant_id with sessions and their messages side by side.


class ChatSession(db.Model):
    __tablename__ = "chat_sessions"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id", name="pk_chat_sessions"),
        # A conversation found by the client's own name for it (NULLs never clash).
        Index("ix_chat_sessions_tenant_key", "tenant_id", "key", unique=True),
        # The list queries, most recently active first: one user's, and the whole tenant's.
        Index("ix_chat_sessions_tenant_user_activity", "tenant_id", "user_id", "updated_at", "id"),
        Index("ix_chat_sessions_tenant_activity", "tenant_id", "updated_at", "id"),
        # Retention: the sessions inactive for longest, whatever their tenant.
        Index("ix_chat_sessions_updated_at", "updated_at"),
    )

    tenant_id: Mapped[str] = mapped_column(String(64))
    id: Mapped[uuid.UUID] = mapped_column(default=uuid.uuid4)
    user_id: Mapped[str] = mapped_column(String(USER_ID_LENGTH))
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    # The client's own name for the conversation (a framework's session or thread id).
    key: Mapped[str | None] = mapped_column(String(CONVERSATION_KEY_LENGTH))
    is_favorite: Mapped[bool] = mapped_column(default=False)
    # The highest seq handed out so far; appends increment it under the row lock.
    last_seq: Mapped[int] = mapped_column(default=0)
    # Kept by the same statements that add and remove messages: lists show it for free.
    message_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # The client's own string pairs ("metadata" is taken on declarative classes).
    meta: Mapped[dict] = mapped_column("metadata", JSONDocument, default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self):
        return f"<ChatSession {self.id} tenant={self.tenant_id!r} user={self.user_id!r}>"


class ChatMessage(db.Model):
    __tablename__ = "chat_messages"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id", name="pk_chat_messages"),
        ForeignKeyConstraint(
            ["tenant_id", "session_id"],
            ["chat_sessions.tenant_id", "chat_sessions.id"],
            name="fk_chat_messages_session",
            ondelete="CASCADE",
        ),
        # Also the index behind listing a session's messages in order.
        UniqueConstraint(
            "tenant_id", "session_id", "seq", name="uq_chat_messages_tenant_session_seq"
        ),
        CheckConstraint("seq > 0", name="ck_chat_messages_seq_positive"),
        CheckConstraint(f"sender IN {SENDERS!r}", name="ck_chat_messages_sender"),
        CheckConstraint(f"feedback_rating IN {RATINGS!r}", name="ck_chat_messages_rating"),
        # Finding chats with feedback (has_feedback=down) touches only rated messages.
        Index(
            "ix_chat_messages_feedback",
            "tenant_id",
            "feedback_rating",
            "session_id",
            postgresql_where="feedback_rating IS NOT NULL",
            sqlite_where=sa_text("feedback_rating IS NOT NULL"),
        ),
        # Insights: a period's messages, day by day, read from the index alone (PostgreSQL):
        # it holds every column they count, so no wide row (content, context) is read.
        Index(
            "ix_chat_messages_tenant_created",
            "tenant_id",
            "created_at",
            postgresql_include=INSIGHT_COLUMNS,
        ),
    )

    tenant_id: Mapped[str] = mapped_column(String(64))
    id: Mapped[uuid.UUID] = mapped_column(default=uuid.uuid4)
    session_id: Mapped[uuid.UUID]
    seq: Mapped[int]
    sender: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    context: Mapped[dict] = mapped_column(JSONDocument, default=dict)
    meta: Mapped[dict] = mapped_column("metadata", JSONDocument, default=dict, server_default="{}")
    # What else a framework's message carries (its type, id, tool calls, …), kept as sent.
    extra: Mapped[dict] = mapped_column(JSONDocument, default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    feedback_rating: Mapped[str | None] = mapped_column(String(4))
    feedback_comment: Mapped[str | None] = mapped_column(Text)
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An AI answer's facts, read from its context and metadata when it is stored
    # (ragchat.chats.facts); None on every other message. Only insights read them: deferred,
    # so loading a message does not.
    passage_count: Mapped[int | None] = mapped_column(deferred=True)
    best_score: Mapped[float | None] = mapped_column(Float, deferred=True)
    model: Mapped[str | None] = mapped_column(String(MAX_METADATA_VALUE), deferred=True)
    latency_ms: Mapped[float | None] = mapped_column(Float, deferred=True)
    prompt_tokens: Mapped[int | None] = mapped_column(deferred=True)
    completion_tokens: Mapped[int | None] = mapped_column(deferred=True)

    def __repr__(self):
        return f"<ChatMessage {self.session_id}#{self.seq} {self.sender}>"

    @property
    def feedback(self):
        return feedback_object(self.feedback_rating, self.feedback_comment, self.feedback_at)


def feedback_object(rating, comment, created_at):
    """A message's rating as the API and the exports show it; None when it has none."""
    if rating is None:
        return None
    return {"rating": rating, "comment": comment, "created_at": created_at}


class MessageSource(db.Model):
    """A source an AI answer cited (a passage's source, title or url), once per answer: the
    rows insights count sources by. Written with the answer; deleted with its chat by the
    database, and with the answer by whatever deletes one alone (ragchat.chats.messages,
    retention). Tied to the chat rather than the answer: a foreign key to an answer written
    in the same statement cost every append a third more time."""

    __tablename__ = "message_sources"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "message_id", "source", name="pk_message_sources"),
        ForeignKeyConstraint(
            ["tenant_id", "session_id"],
            ["chat_sessions.tenant_id", "chat_sessions.id"],
            name="fk_message_sources_session",
            ondelete="CASCADE",
        ),
        # A period's sources counted from the index alone (PostgreSQL).
        Index(
            "ix_message_sources_tenant_created",
            "tenant_id",
            "created_at",
            postgresql_include=SOURCE_INSIGHT_COLUMNS,
        ),
        # A chat's sources: deleted with it, or when it is emptied.
        Index("ix_message_sources_tenant_session", "tenant_id", "session_id", "source"),
    )

    tenant_id: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[uuid.UUID]
    session_id: Mapped[uuid.UUID]
    source: Mapped[str] = mapped_column(String(SOURCE_LENGTH))
    # Kept only up to SOURCE_URL_BYTES, so that an index entry always fits in its page.
    url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the answer's
    # The answer's rating, kept here too by every write of one: counting a month of sources
    # by rating then reads this table's index alone, with no join to the answers.
    rating: Mapped[str | None] = mapped_column(String(4))


class InsightDay(db.Model):
    """A settled day's insight figures, kept (see ragchat.insights.cache)."""

    __tablename__ = "insight_days"
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "day", name="pk_insight_days"),)

    tenant_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date]
    # The generations the figures were counted under (InsightGeneration's).
    generation: Mapped[int] = mapped_column(BigInteger)
    every_generation: Mapped[int] = mapped_column(BigInteger)
    figures: Mapped[dict] = mapped_column(JSONDocument)


class InsightGeneration(db.Model):
    """How many times a tenant's day (or any of its days) changed after it settled."""

    __tablename__ = "insight_generations"
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "day", name="pk_insight_generations"),)

    tenant_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date]  # or ragchat.insights.cache.EVERY_DAY
    generation: Mapped[int] = mapped_column(BigInteger)


class IdempotentRequest(db.Model):
    """A POST made with an Idempotency-Key, and the answer it got, for replaying retries."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "key", name="pk_idempotent_requests"),
        Index("ix_idempotent_requests_created_at", "created_at"),  # for purging old ones
    )

    tenant_id: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))  # method, path and body, hashed
    status: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiKey(db.Model):
    """A client's key. Only a hash of the secret is kept; the secret is shown once."""

    __tablename__ = "api_keys"

    # bigint: Citus hands out ids on its workers only for bigint columns (api_keys is a
    # reference table there); SQLite's INTEGER PRIMARY KEY is already 64-bit, the rowid.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))  # shown in lists to tell keys apart
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(64))  # comma-separated, from SCOPES
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def scope_set(self):
        return frozenset(self.scopes.split(","))

    def state(self, now=None):
        now = now or utcnow()
        if self.revoked_at is not None and self.revoked_at <= now:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"

    def __repr__(self):
        return f"<ApiKey {self.id} {self.prefix} tenant={self.tenant_id!r}>"
