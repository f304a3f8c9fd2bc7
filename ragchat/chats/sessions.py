"""Sessions (chats): the one place that knows how a session is found, scoped, filtered,
paged and changed. The API and the review UI both call these functions; every one takes
the caller's tenant first, and none commits (see ragchat.transactions)."""

import uuid
from dataclasses import replace

from sqlalchemy import delete, func, select, tuple_

from ragchat.chats.filters import MessageMatch, has_message
from ragchat.exceptions import Conflict, InvalidInput, SessionNotFound
from ragchat.extensions import db
from ragchat.insights import cache as insight_days
from ragchat.models import ChatMessage, ChatSession, insert_or_skip
from ragchat.paging import aware_time, decode_cursor, encode_cursor, paginate, uuid_of, window
from ragchat.rules import MAX_METADATA_KEYS

DEFAULT_TITLE = "New chat"
EDITABLE_SESSION_FIELDS = ("title", "is_favorite")


def contains(column, text):
    """Case-insensitive substring match, with the user's % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def create_session(tenant, user_id, title=None, metadata=None, key=None):
    """A new session; one named by a `key` the tenant has given another is a Conflict."""
    session = insert_session(tenant, user_id, title, metadata, key)
    if session is None:
        raise Conflict(f"A session with the key {key!r} exists; open it by its key instead.")
    return session


def insert_session(tenant, user_id, title, metadata, key):
    """Insert a session, or nothing if its key is taken (then None): one statement, so two
    requests racing for one key cannot both create it."""
    statement = (
        insert_or_skip(ChatSession)
        .values(
            tenant_id=tenant,
            id=uuid.uuid4(),
            user_id=user_id,
            key=key,
            title=title or DEFAULT_TITLE,
            meta=metadata or {},
        )
        .returning(ChatSession)
    )
    return db.session.scalars(statement).one_or_none()


def open_conversation(tenant, key, user_id, title=None, metadata=None):
    """The session named `key`, created for `user_id` if there is none yet. A key that
    names another user's session is a Conflict: keys are not shared between users."""
    session = session_by_key(tenant, key)
    if session is None:
        session = insert_session(tenant, user_id, title, metadata, key)
    if session is None:  # created by a concurrent request since we looked
        session = session_by_key(tenant, key)
    if session is None:  # …and deleted by another one since
        raise Conflict(f"The session with the key {key!r} was deleted meanwhile; try again.")
    if session.user_id != user_id:
        raise Conflict(f"The key {key!r} names a session of another user.")
    return session


def session_by_key(tenant, key):
    query = select(ChatSession).where(ChatSession.tenant_id == tenant, ChatSession.key == key)
    return db.session.scalars(query).one_or_none()


def get_session_by_key(tenant, key):
    session = session_by_key(tenant, key)
    if session is None:
        raise SessionNotFound
    return session


def get_session(tenant, session_id):
    """The tenant's session; another tenant's is as missing as one that never existed."""
    session = db.session.get(ChatSession, (tenant, session_id))
    if session is None:
        raise SessionNotFound
    return session


def session_query(
    tenant,
    user_id=None,
    *,
    is_favorite=None,
    title_contains=None,
    metadata=None,
    has_feedback=None,
    keyed=None,
    started_since=None,
    started_until=None,
    message=None,
):
    """The tenant's sessions matching every filter given, most recently active first;
    `keyed`: only those with a conversation key; `started_since` (inclusive) and
    `started_until` (exclusive): when the session was created; `message`: a MessageMatch
    one of its messages meets (`has_feedback` is its rating: up, down or any)."""
    query = select(ChatSession).where(ChatSession.tenant_id == tenant)
    if keyed:
        query = query.where(ChatSession.key.is_not(None))
    if user_id is not None:
        query = query.where(ChatSession.user_id == user_id)
    if is_favorite is not None:
        query = query.where(ChatSession.is_favorite == is_favorite)
    if title_contains:
        query = query.where(contains(ChatSession.title, title_contains))
    for key, value in (metadata or {}).items():
        query = query.where(ChatSession.meta[key].as_string() == value)
    if started_since is not None:
        query = query.where(ChatSession.created_at >= started_since)
    if started_until is not None:
        query = query.where(ChatSession.created_at < started_until)
    if has_feedback is not None:
        message = replace(message or MessageMatch(), rating=has_feedback)
    if message:
        query = query.where(has_message(message))
    return query.order_by(ChatSession.updated_at.desc(), ChatSession.id.desc())


def list_sessions(tenant, user_id=None, *, page=1, size=20, **filters):
    """A numbered page of the tenant's (or one user's) sessions; filters as session_query."""
    return paginate(session_query(tenant, user_id, **filters), page, size)


def session_window(tenant, user_id=None, *, cursor=None, limit=20, **filters):
    """The sessions after `cursor` (or the first ones): a keyset page on the activity index,
    as fast at any depth. Returns the window and the cursor for the next one (or None)."""
    query = session_query(tenant, user_id, **filters)
    if cursor:
        activity, session_id = decode_cursor(cursor, aware_time, uuid_of)
        query = query.where(
            tuple_(ChatSession.updated_at, ChatSession.id) < tuple_(activity, session_id)
        )
    found = window(query, limit)
    last = found.items[-1] if found.has_more else None
    return found, last and encode_cursor(last.updated_at, last.id)


def list_users(tenant, *, page=1, size=50):
    """The tenant's end users with their session count and last activity, latest first."""
    last_activity = func.max(ChatSession.updated_at).label("last_activity")
    query = (
        select(ChatSession.user_id, func.count().label("sessions"), last_activity)
        .where(ChatSession.tenant_id == tenant)
        .group_by(ChatSession.user_id)
        .order_by(last_activity.desc(), ChatSession.user_id)
    )
    return paginate(query, page, size, rows=True)


def update_session(tenant, session_id, changes):
    """Rename, (un)favorite, merge metadata (a None value removes the key). Not activity:
    `updated_at` moves only with new messages."""
    session = get_session(tenant, session_id)
    for field in EDITABLE_SESSION_FIELDS:
        if field in changes:
            setattr(session, field, changes[field])
    if "metadata" in changes:
        session.meta = merged_metadata(session.meta, changes["metadata"])
    db.session.flush()
    return session


def merged_metadata(current, changes):
    merged = {**current, **changes}
    merged = {key: value for key, value in merged.items() if value is not None}
    if len(merged) > MAX_METADATA_KEYS:
        raise InvalidInput("metadata", f"At most {MAX_METADATA_KEYS} keys, after merging.")
    return merged


def delete_session(tenant, session_id):
    """Delete a session; the database's ON DELETE CASCADE removes its messages."""
    span = days_touched(tenant, ChatSession.id == session_id)
    deleted = db.session.execute(
        delete(ChatSession).where(ChatSession.tenant_id == tenant, ChatSession.id == session_id)
    )
    if deleted.rowcount == 0:
        raise SessionNotFound
    insight_days.changed_between(tenant, *span)


def days_touched(tenant, *conditions):
    """The first and last moment at which one of the tenant's chats meeting `conditions`
    started or had a message sent: the days whose insights change when they go. (Asked of
    the messages themselves: an imported chat's may lie outside its own start and last
    activity.)"""
    chats = select(ChatSession.id).where(ChatSession.tenant_id == tenant, *conditions)
    started = select(func.min(ChatSession.created_at), func.max(ChatSession.created_at))
    sent = select(func.min(ChatMessage.created_at), func.max(ChatMessage.created_at))
    moments = [
        *db.session.execute(started.where(ChatSession.tenant_id == tenant, *conditions)).one(),
        *db.session.execute(
            sent.where(ChatMessage.tenant_id == tenant, ChatMessage.session_id.in_(chats))
        ).one(),
    ]
    moments = [moment for moment in moments if moment is not None]
    return (min(moments), max(moments)) if moments else (None, None)


def erase_user(tenant, user_id):
    """Delete every session (and so every message) of one end user; say how many."""
    span = days_touched(tenant, ChatSession.user_id == user_id)
    counts = db.session.scalars(
        delete(ChatSession)
        .where(ChatSession.tenant_id == tenant, ChatSession.user_id == user_id)
        .returning(ChatSession.message_count)
    ).all()
    if counts:
        insight_days.changed_between(tenant, *span)
    return {"user_id": user_id, "sessions_deleted": len(counts), "messages_deleted": sum(counts)}
