"""Importing chats from NDJSON, as the export writes it: every line checked with the API's
rules, each session stored with its own ids, seqs and times, and never twice (a session id
the tenant already has is skipped), so an import can be run again after any failure."""

from dataclasses import dataclass, field

from marshmallow import RAISE, Schema, ValidationError, fields, validates_schema
from marshmallow.validate import Length, OneOf, Range, Regexp
from sqlalchemy import delete, insert, select

from ragchat.chats.facts import facts_of
from ragchat.extensions import db
from ragchat.fields import (
    Instant,
    JSONObject,
    Metadata,
    Sender,
    StrictBoolean,
    Text,
    conversation_key_field,
    title_field,
    user_id_field,
)
from ragchat.insights import cache as insight_days
from ragchat.jsontext import loads_strict
from ragchat.models import RATINGS, ChatMessage, ChatSession, MessageSource, insert_or_skip
from ragchat.rules import MAX_SEQ, TENANT_NAME

COMMIT_SESSIONS = 100  # sessions per transaction
COMMIT_MESSAGES = 10_000  # or fewer sessions, once they hold this many messages
INSERT_BATCH = 1000  # messages per INSERT statement


class FeedbackRecord(Schema):
    rating = fields.String(required=True, validate=OneOf(RATINGS))
    comment = Text(allow_none=True, load_default=None)
    created_at = Instant(required=True)


class MessageRecord(Schema):
    id = fields.UUID(required=True)
    seq = fields.Integer(required=True, strict=True, validate=Range(min=1, max=MAX_SEQ))
    sender = Sender(required=True)
    content = Text(required=True, validate=Length(min=1))
    context = JSONObject(load_default=dict)
    extra = JSONObject(load_default=dict)
    metadata = Metadata(load_default=dict)
    feedback = fields.Nested(FeedbackRecord, allow_none=True, load_default=None)
    created_at = Instant(required=True)


class SessionRecord(Schema):
    """One line: a session and its messages, as the export writes them."""

    class Meta:
        unknown = RAISE

    tenant = fields.String(validate=Regexp(TENANT_NAME, error="Not a tenant name."))
    id = fields.UUID(required=True)
    user_id = user_id_field(required=True)
    key = conversation_key_field(load_default=None, allow_none=True)
    title = title_field(required=True)
    is_favorite = StrictBoolean(load_default=False)
    metadata = Metadata(load_default=dict)
    created_at = Instant(required=True)
    updated_at = Instant(required=True)
    last_seq = fields.Integer(strict=True, validate=Range(min=0, max=MAX_SEQ))
    message_count = fields.Integer(strict=True, validate=Range(min=0))  # recounted
    messages = fields.List(fields.Nested(MessageRecord), load_default=list)

    @validates_schema
    def check_messages(self, data, **kwargs):
        messages = data.get("messages", [])
        if len({message["seq"] for message in messages}) < len(messages):
            raise ValidationError("Two messages have the same seq.", "messages")
        if len({message["id"] for message in messages}) < len(messages):
            raise ValidationError("Two messages have the same id.", "messages")
        highest = max((message["seq"] for message in messages), default=0)
        if data.get("last_seq", highest) < highest:
            raise ValidationError(f"Must be at least the highest seq ({highest}).", "last_seq")


@dataclass
class ImportReport:
    sessions: int = 0
    messages: int = 0
    skipped: list = field(default_factory=list)  # (line number, session id)
    rejected: list = field(default_factory=list)  # (line number, reason)


class Rejected(ValueError):
    """A line that cannot be imported; the message says why."""


def import_lines(lines, tenant=None, progress=None):
    """Import the NDJSON `lines` (bytes, as read from a file) into `tenant`, or into each
    line's own tenant when None. Commits in batches; returns what happened to each line."""
    report, pending, held = ImportReport(), 0, 0
    for number, raw in enumerate(lines, 1):
        if progress:
            progress(len(raw))
        try:
            record = parse_line(raw, number)
            if record is None:
                continue
            stored = store(record, tenant or record.get("tenant"))
        except Rejected as reason:
            report.rejected.append((number, str(reason)))
            continue
        if stored is None:
            report.skipped.append((number, record["id"]))
            continue
        report.sessions += 1
        report.messages += stored
        pending, held = pending + 1, held + stored
        if pending >= COMMIT_SESSIONS or held >= COMMIT_MESSAGES:
            db.session.commit()
            pending, held = 0, 0
    db.session.commit()
    return report


def parse_line(raw, number):
    """The line's session record, validated; None for a blank line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected("Not UTF-8 text.") from None
    if number == 1:
        text = text.removeprefix("\ufeff")
    if not text.strip():
        return None
    try:
        data = loads_strict(text)
    except (ValueError, RecursionError):
        raise Rejected("Not valid JSON.") from None
    if not isinstance(data, dict):
        raise Rejected("Not a JSON object.")
    try:
        return SessionRecord().load(data)
    except ValidationError as error:
        raise Rejected("; ".join(described(error.messages))) from None


def described(messages, path=""):
    """marshmallow's nested errors as 'messages[2].content: reason' lines."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            if isinstance(key, int):
                name = f"{path}[{key}]"
            elif key == "_schema":
                name = path
            else:
                name = f"{path}.{key}" if path else key
            yield from described(value, name)
    elif isinstance(messages, list):
        for message in messages:
            yield from described(message, path)
    else:
        yield f"{path}: {messages}" if path else str(messages)


def store(record, tenant):
    """Insert a session and its messages; the number of messages, or None if the tenant
    already has a session with that id."""
    if not tenant:
        raise Rejected("The line names no tenant; give --tenant.")
    messages = record["messages"]
    created = db.session.execute(
        insert_or_skip(ChatSession)
        .values(
            tenant_id=tenant,
            id=record["id"],
            user_id=record["user_id"],
            key=record["key"],
            title=record["title"],
            is_favorite=record["is_favorite"],
            last_seq=record.get("last_seq", max((m["seq"] for m in messages), default=0)),
            message_count=len(messages),
            meta=record["metadata"],
            created_at=record["created_at"],
            updated_at=record["updated_at"],
        )
        .returning(ChatSession.id)
    ).scalar_one_or_none()
    if created is None:
        if record["key"] is not None and not session_exists(tenant, record["id"]):
            raise Rejected(f"Another session of tenant '{tenant}' has the key {record['key']!r}.")
        return None
    sent = [message["created_at"] for message in messages] or [record["created_at"]]
    insight_days.changed_between(tenant, min(sent), max(sent))  # on settled days, maybe
    for start in range(0, len(messages), INSERT_BATCH):
        batch = messages[start : start + INSERT_BATCH]
        taken = db.session.scalars(
            select(ChatMessage.id).where(
                ChatMessage.tenant_id == tenant, ChatMessage.id.in_([m["id"] for m in batch])
            )
        ).first()
        if taken is not None:
            db.session.execute(
                delete(ChatSession).where(
                    ChatSession.tenant_id == tenant, ChatSession.id == record["id"]
                )
            )
            raise Rejected(f"Message {taken} already exists in tenant '{tenant}'.")
        rows = [message_row(tenant, record["id"], message) for message in batch]
        db.session.execute(insert_or_skip(ChatMessage), [row for row, _ in rows])
        cited = [source for _, sources in rows for source in sources]
        if cited:
            db.session.execute(insert(MessageSource), cited)
    return len(messages)


def session_exists(tenant, session_id):
    found = select(ChatSession.id).where(
        ChatSession.tenant_id == tenant, ChatSession.id == session_id
    )
    return db.session.scalar(found) is not None


def message_row(tenant, session_id, message):
    """A message's row, with its facts, and the rows of the sources it cites."""
    rating = message["feedback"] or {}
    facts = facts_of(message["sender"], message["context"], message["metadata"])
    sources = [
        {
            "tenant_id": tenant,
            "message_id": message["id"],
            "session_id": session_id,
            "source": label,
            "url": link,
            "created_at": message["created_at"],
            "rating": rating.get("rating"),
        }
        for label, link in facts.sources
    ]
    return {
        "tenant_id": tenant,
        "id": message["id"],
        "session_id": session_id,
        "seq": message["seq"],
        "sender": message["sender"],
        "content": message["content"],
        "context": message["context"],
        "extra": message["extra"],
        "meta": message["metadata"],
        "created_at": message["created_at"],
        "feedback_rating": rating.get("rating"),
        "feedback_comment": rating.get("comment"),
        "feedback_at": rating.get("created_at"),
        **facts.columns(),
    }, sources
