"""What the API returns, as frozen dataclasses read with `from_json`.

Fields the client does not know yet are ignored, so a newer server never breaks an older
client. Times are timezone-aware datetimes (the server sends UTC).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Self
from uuid import UUID

__all__ = [
    "ApiKey",
    "CitedSource",
    "Erasure",
    "Feedback",
    "Health",
    "Insights",
    "InsightsDay",
    "InsightsTotals",
    "Message",
    "MessageInput",
    "ModelDay",
    "Period",
    "Retrieval",
    "ScoreBucket",
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


def format_day(day: date | str) -> str:
    """A day for a query string (YYYY-MM-DD). A datetime is refused: which day it falls on
    depends on its zone, and the server counts UTC days. Strings are passed on as they are."""
    if isinstance(day, str):
        return day
    if isinstance(day, datetime):
        raise ValueError(f"{day!r} is a datetime; pass a date (the server counts UTC days).")
    return day.isoformat()


def parse_optional_float(value: float | None) -> float | None:
    return None if value is None else float(value)


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


@dataclass(frozen=True)
class Period:
    """The days insights cover: `since` to `until`, both included (UTC days)."""

    since: date
    until: date

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        return cls(since=date.fromisoformat(data["since"]), until=date.fromisoformat(data["until"]))


@dataclass(frozen=True)
class InsightsTotals:
    """A period's figures, summed. A share is None when there was nothing to divide."""

    conversations: int  # sessions started in the period
    messages: int
    answers: int  # AI messages
    rated_up: int
    rated_down: int
    down_share: float | None  # rated_down / (rated_up + rated_down)
    without_passages: int  # answers given with no retrieved passage
    without_passages_share: float | None  # without_passages / answers

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            conversations=data["conversations"],
            messages=data["messages"],
            answers=data["answers"],
            rated_up=data["rated_up"],
            rated_down=data["rated_down"],
            down_share=parse_optional_float(data.get("down_share")),
            without_passages=data["without_passages"],
            without_passages_share=parse_optional_float(data.get("without_passages_share")),
        )


@dataclass(frozen=True)
class InsightsDay:
    """One day of a period (every day is listed, the quiet ones with zeros)."""

    date: date
    conversations: int  # sessions started that day
    messages: int
    answers: int
    rated_up: int
    rated_down: int
    down_share: float | None
    without_passages: int

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            date=date.fromisoformat(data["date"]),
            conversations=data["conversations"],
            messages=data["messages"],
            answers=data["answers"],
            rated_up=data["rated_up"],
            rated_down=data["rated_down"],
            down_share=parse_optional_float(data.get("down_share")),
            without_passages=data["without_passages"],
        )


@dataclass(frozen=True)
class CitedSource:
    """A source the period's answers cited (a passage's source, title or url), with the
    ratings of those answers."""

    source: str
    url: str | None
    answers: int  # answers that cited it
    rated_up: int
    rated_down: int
    down_share: float | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            source=data["source"],
            url=data.get("url"),
            answers=data["answers"],
            rated_up=data["rated_up"],
            rated_down=data["rated_down"],
            down_share=parse_optional_float(data.get("down_share")),
        )


@dataclass(frozen=True)
class ScoreBucket:
    """Rated answers whose best passage scored from `low` up to `high`."""

    low: float
    high: float  # not included, but by the last bucket
    rated_up: int
    rated_down: int

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            low=float(data["low"]),
            high=float(data["high"]),
            rated_up=data["rated_up"],
            rated_down=data["rated_down"],
        )


@dataclass(frozen=True)
class Retrieval:
    """How good retrieval was for the answers rated up, against those rated down."""

    buckets: tuple[ScoreBucket, ...]  # by the best passage score, lowest first
    unscored_up: int  # rated answers whose passages have no score
    unscored_down: int
    no_passages_up: int  # rated answers with no passage at all
    no_passages_down: int

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            buckets=tuple(map(ScoreBucket.from_json, data["buckets"])),
            unscored_up=data["unscored_up"],
            unscored_down=data["unscored_down"],
            no_passages_up=data["no_passages_up"],
            no_passages_down=data["no_passages_down"],
        )


@dataclass(frozen=True)
class ModelDay:
    """One model's answers on one day, from the answers' `model`, `latency_ms` and token
    metadata."""

    date: date
    model: str | None  # None: answers with latency or tokens but no model named
    answers: int
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    prompt_tokens: int
    completion_tokens: int

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            date=date.fromisoformat(data["date"]),
            model=data.get("model"),
            answers=data["answers"],
            latency_p50_ms=parse_optional_float(data.get("latency_p50_ms")),
            latency_p95_ms=parse_optional_float(data.get("latency_p95_ms")),
            prompt_tokens=data["prompt_tokens"],
            completion_tokens=data["completion_tokens"],
        )


@dataclass(frozen=True)
class Insights:
    """What the chatbot did in a period (or in one end user's conversations): the figures
    per day and in all, the sources cited, retrieval quality and the models."""

    period: Period
    user_id: str | None  # the end user they are limited to, if any
    totals: InsightsTotals
    days: tuple[InsightsDay, ...]  # every day of the period, in order
    sources: tuple[CitedSource, ...]  # the first `sources` of them, in `sources_order`
    source_count: int  # distinct sources cited, listed or not
    retrieval: Retrieval
    models: tuple[ModelDay, ...]  # by day, then model

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            period=Period.from_json(data["period"]),
            user_id=data.get("user_id"),
            totals=InsightsTotals.from_json(data["totals"]),
            days=tuple(map(InsightsDay.from_json, data["days"])),
            sources=tuple(map(CitedSource.from_json, data["sources"])),
            source_count=data["source_count"],
            retrieval=Retrieval.from_json(data["retrieval"]),
            models=tuple(map(ModelDay.from_json, data["models"])),
        )
