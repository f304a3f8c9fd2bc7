"""What the API returns, as frozen dataclasses read with `from_json`.

Fields the client does not know yet are ignored, so a newer server never breaks an older
client. Times are timezone-aware datetimes (the server sends UTC).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Self
from uuid import UUID

__all__ = [
    "ApiKey",
    "Erasure",
    "Feedback",
    "Health",
    "Message",
    "MessageInput",
    "SearchHit",
    "Session",
]


def parse_time(value: str) -> datetime:
    """An ISO 8601 time as an aware datetime (UTC when it names no zone)."""
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def parse_optional_time(value: str | None) -> datetime | None:
    return None if value is None else parse_time(value)


def format_time(moment: datetime | str) -> str:
    """A datetime for a query string; it must be aware, since the server reads a time
    without a zone differently per parameter. Strings are passed on as they are."""
    if isinstance(moment, str):
        return moment
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} has no time zone; use an aware datetime (e.g. tz=UTC).")
    return moment.isoformat()


@dataclass(frozen=True)
class Feedback:
    """A rating of a message."""

    rating: str  # "up" or "down"
    comment: str | None
    created_at: datetime

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            rating=data["rating"],
            comment=data.get("comment"),
            created_at=parse_time(data["created_at"]),
        )


@dataclass(frozen=True)
class Message:
    """One turn of a conversation, with the RAG context behind it."""

    id: UUID
    session_id: UUID
    seq: int
    sender: str  # "user", "ai", "system" or "tool"
    content: str
    context: dict[str, Any]
    metadata: dict[str, str]
    feedback: Feedback | None
    created_at: datetime
    # What a framework's message carries besides its text (type, id, tool calls, …),
    # kept as it was sent: the adapters rebuild their messages from it.
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        feedback = data.get("feedback")
        return cls(
            id=UUID(data["id"]),
            session_id=UUID(data["session_id"]),
            seq=data["seq"],
            sender=data["sender"],
            content=data["content"],
            context=dict(data.get("context") or {}),
            metadata=dict(data.get("metadata") or {}),
            feedback=None if feedback is None else Feedback.from_json(feedback),
            created_at=parse_time(data["created_at"]),
            extra=dict(data.get("extra") or {}),
        )


@dataclass(frozen=True)
class Session:
    """A conversation, owned by one of your end users."""

    id: UUID
    user_id: str
    title: str
    is_favorite: bool
    message_count: int
    metadata: dict[str, str]
    created_at: datetime
    updated_at: datetime  # last activity: creation or the newest message
    key: str | None = None  # your own name for the conversation (a thread id, …), if any
    # With sessions.get(..., include_messages=True): the first page of messages.
    messages: tuple[Message, ...] | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        messages = data.get("messages")
        return cls(
            id=UUID(data["id"]),
            user_id=data["user_id"],
            title=data["title"],
            is_favorite=data["is_favorite"],
            message_count=data["message_count"],
            metadata=dict(data.get("metadata") or {}),
            created_at=parse_time(data["created_at"]),
            updated_at=parse_time(data["updated_at"]),
            key=data.get("key"),
            messages=None if messages is None else tuple(map(Message.from_json, messages)),
        )


@dataclass(frozen=True)
class MessageInput:
    """A message to append (`messages.append_many` also takes plain dicts)."""

    sender: str
    content: str
    context: Mapping[str, Any] | None = None
    metadata: Mapping[str, str] | None = None
    extra: Mapping[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"sender": self.sender, "content": self.content}
        if self.context is not None:
            body["context"] = dict(self.context)
        if self.metadata is not None:
            body["metadata"] = dict(self.metadata)
        if self.extra is not None:
            body["extra"] = dict(self.extra)
        return body


@dataclass(frozen=True)
class SearchHit:
    """A search match: a message (`match == "message"`) or a session title (`"title"`)."""

    match: str
    session_id: UUID
    session_title: str
    user_id: str
    message_id: UUID | None
    seq: int | None
    sender: str | None
    created_at: datetime
    rank: float
    snippet: str  # HTML: escaped text with the matching words in <mark>

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        message_id = data.get("message_id")
        return cls(
            match=data["match"],
            session_id=UUID(data["session_id"]),
            session_title=data["session_title"],
            user_id=data["user_id"],
            message_id=None if message_id is None else UUID(message_id),
            seq=data.get("seq"),
            sender=data.get("sender"),
            created_at=parse_time(data["created_at"]),
            rank=float(data["rank"]),
            snippet=data["snippet"],
        )


@dataclass(frozen=True)
class ApiKey:
    """An API key of your tenant; `secret` only in the answer to `keys.create`."""

    id: int
    name: str
    prefix: str
    scopes: tuple[str, ...]
    state: str  # "active", "expired" or "revoked"
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    secret: str | None = field(default=None, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            id=data["id"],
            name=data["name"],
            prefix=data["prefix"],
            scopes=tuple(data["scopes"]),
            state=data["state"],
            created_at=parse_time(data["created_at"]),
            last_used_at=parse_optional_time(data.get("last_used_at")),
            expires_at=parse_optional_time(data.get("expires_at")),
            revoked_at=parse_optional_time(data.get("revoked_at")),
            secret=data.get("secret"),
        )


@dataclass(frozen=True)
class Erasure:
    """What erasing an end user deleted."""

    user_id: str
    sessions_deleted: int
    messages_deleted: int

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            user_id=data["user_id"],
            sessions_deleted=data["sessions_deleted"],
            messages_deleted=data["messages_deleted"],
        )


@dataclass(frozen=True)
class Health:
    """The health check's answer."""

    status: str
    version: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        return cls(status=data["status"], version=data["version"])
