"""Exporting chats: a session with all its messages as one JSON object (a line of the NDJSON
export), or as a readable Markdown transcript.

Everything is read in keyset batches and written as it is read, so memory stays flat however
long a chat is or however many a tenant has: a session's line is started before its messages
are read, and no more than MESSAGE_BATCH messages are held at once.
"""

import json
from dataclasses import dataclass
from datetime import UTC

from flask import Response, stream_with_context
from sqlalchemy import Text, cast, select, tuple_
from werkzeug.utils import secure_filename

from ragchat.chats.markdown import markdown_transcript
from ragchat.exceptions import SessionNotFound
from ragchat.extensions import db
from ragchat.models import ChatMessage, ChatSession, feedback_object

SESSION_BATCH = 100  # sessions read per query
MESSAGE_BATCH = 1000  # messages read per query: the most held in memory at once
NDJSON = "application/x-ndjson"
SESSION_FORMATS = {"json": ("application/json", "json"), "markdown": ("text/markdown", "md")}

SESSION_COLUMNS = (
    ChatSession.tenant_id,
    ChatSession.id,
    ChatSession.user_id,
    ChatSession.key,
    ChatSession.title,
    ChatSession.is_favorite,
    ChatSession.meta,
    ChatSession.created_at,
    ChatSession.updated_at,
    ChatSession.last_seq,
    ChatSession.message_count,
)
MESSAGE_COLUMNS = (
    ChatMessage.tenant_id,
    ChatMessage.session_id,
    ChatMessage.id,
    ChatMessage.seq,
    ChatMessage.sender,
    ChatMessage.content,
    # The context goes out as the database's own JSON text: no parsing and dumping it again.
    cast(ChatMessage.context, Text).label("context_json"),
    ChatMessage.meta,
    cast(ChatMessage.extra, Text).label("extra_json"),
    ChatMessage.created_at,
    ChatMessage.feedback_rating,
    ChatMessage.feedback_comment,
    ChatMessage.feedback_at,
)


@dataclass(frozen=True)
class Download:
    """A file for the browser or client to save: its text in chunks, type and name."""

    chunks: object  # an iterator of str
    mimetype: str
    filename: str


def respond(download):
    """Stream a download; the request (and its database session) lives until the end."""
    response = Response(stream_with_context(download.chunks), mimetype=download.mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=download.filename)
    return response


def session_download(tenant, session_id, format_):
    """One session as JSON or Markdown (RecordNotFound before anything is streamed)."""
    session = db.session.execute(
        select(*SESSION_COLUMNS).where(
            ChatSession.tenant_id == tenant, ChatSession.id == session_id
        )
    ).one_or_none()
    if session is None:
        raise SessionNotFound
    mimetype, extension = SESSION_FORMATS[format_]
    if format_ == "markdown":
        chunks = markdown_transcript(session, message_batches(session))
    else:
        chunks = session_line(session, message_batches(session))
    return Download(chunks, mimetype, f"chat-{session.id}.{extension}")


def chats_download(tenant, user_id=None, updated_since=None):
    """The tenant's (or one user's) sessions as NDJSON."""
    name = "-".join(part for part in ("chats", secure_filename(user_id or "")) if part)
    return Download(export_lines(tenant, user_id, updated_since), NDJSON, f"{name}.ndjson")


def export_lines(tenant=None, user_id=None, updated_since=None):
    """Every selected session as one JSON line with its messages, in (tenant, id) order;
    all tenants' when `tenant` is None (the command line's backup). It ends its read
    transaction after every batch of sessions (a batch job: see ragchat.transactions)."""
    for sessions in session_pages(tenant, user_id, updated_since):
        group, held = [], 0
        for session in sessions:
            full = held + session.message_count > MESSAGE_BATCH
            if group and (full or group[0].tenant_id != session.tenant_id):
                yield from group_lines(group)
                group, held = [], 0
            if session.message_count > MESSAGE_BATCH:
                yield from session_line(session, message_batches(session))
            else:
                group.append(session)
                held += session.message_count
        yield from group_lines(group)
        # A read transaction held for a whole export would hold back PostgreSQL's vacuum
        # and SQLite's checkpoints.
        db.session.commit()


def session_pages(tenant, user_id, updated_since):
    query = select(*SESSION_COLUMNS).order_by(ChatSession.tenant_id, ChatSession.id)
    if tenant is not None:
        query = query.where(ChatSession.tenant_id == tenant)
    if user_id is not None:
        query = query.where(ChatSession.user_id == user_id)
    if updated_since is not None:
        query = query.where(ChatSession.updated_at >= updated_since)
    after = None
    while True:
        page = (
            query
            if after is None
            else query.where(tuple_(ChatSession.tenant_id, ChatSession.id) > after)
        )
        sessions = db.session.execute(page.limit(SESSION_BATCH)).all()
        if sessions:
            yield sessions
        if len(sessions) < SESSION_BATCH:
            return
        after = (sessions[-1].tenant_id, sessions[-1].id)


def group_lines(sessions):
    """Lines for short sessions of one tenant, their messages read with one query."""
    if not sessions:
        return
    found = {session.id: [] for session in sessions}
    for message in db.session.execute(
        select(*MESSAGE_COLUMNS)
        .where(ChatMessage.tenant_id == sessions[0].tenant_id, ChatMessage.session_id.in_(found))
        .order_by(ChatMessage.session_id, ChatMessage.seq)
    ):
        found[message.session_id].append(message)
    for session in sessions:
        messages = [m for m in found.pop(session.id) if m.seq <= session.last_seq]
        yield from session_line(session, [messages])


def message_batches(session, size=MESSAGE_BATCH):
    """A session's messages in seq order, `size` at a time, up to the last seq the session
    row had when read (messages appended since belong to a later export)."""
    query = (
        select(*MESSAGE_COLUMNS)
        .where(
            ChatMessage.tenant_id == session.tenant_id,
            ChatMessage.session_id == session.id,
            ChatMessage.seq <= session.last_seq,
        )
        .order_by(ChatMessage.seq)
        .limit(size)
    )
    after = 0
    while True:
        batch = db.session.execute(query.where(ChatMessage.seq > after)).all()
        if batch:
            yield batch
        if len(batch) < size:
            return
        after = batch[-1].seq


def session_line(session, batches):
    """A session as one line of JSON, written out batch by batch of messages."""
    head = dumps(session_fields(session))
    yield one_line(head[:-1] + ',"messages":[')
    separator = ""
    for batch in batches:
        if batch:
            yield one_line(separator + ",".join(message_json(message) for message in batch))
            separator = ","
    yield "]}\n"


def session_fields(session):
    return {
        "tenant": session.tenant_id,
        "id": str(session.id),
        "user_id": session.user_id,
        "key": session.key,
        "title": session.title,
        "is_favorite": session.is_favorite,
        "metadata": session.meta,
        "created_at": iso(session.created_at),
        "updated_at": iso(session.updated_at),
        "last_seq": session.last_seq,
        "message_count": session.message_count,
    }


def message_json(message):
    head = dumps(
        {
            "id": str(message.id),
            "seq": message.seq,
            "sender": message.sender,
            "content": message.content,
        }
    )
    tail = dumps(
        {
            "metadata": message.meta,
            "feedback": feedback(message),
            "created_at": iso(message.created_at),
        }
    )
    raw = f'"context":{message.context_json},"extra":{message.extra_json}'
    return f"{head[:-1]},{raw},{tail[1:]}"


def feedback(message):
    rated_at = message.feedback_at and iso(message.feedback_at)
    return feedback_object(message.feedback_rating, message.feedback_comment, rated_at)


def one_line(text):
    """JSON text that no reader splits: U+2028 and U+2029 (line breaks to str.splitlines
    and older JavaScript) only occur inside strings, where they may be escaped."""
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def dumps(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def iso(moment):
    return moment.astimezone(UTC).isoformat()
