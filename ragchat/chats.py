"""Queries and rules over sessions and messages: the one place that knows how a session
is found, paged and changed. The API and the review UI both call these functions."""

from dataclasses import dataclass

from sqlalchemy import delete, func, select, update

from ragchat.extensions import db
from ragchat.models import ChatMessage, ChatSession, utcnow

DEFAULT_TITLE = "New chat"
EDITABLE_SESSION_FIELDS = ("title", "is_favorite")


class RecordNotFound(LookupError):
    """The record does not exist (or is not the caller's to see)."""


@dataclass(frozen=True)
class Page:
    items: list
    total: int
    page: int
    size: int

    @property
    def last_page(self):
        return max(1, -(-self.total // self.size))

    @property
    def has_next(self):
        return self.page < self.last_page


def paginate(query, page, size, *, rows=False):
    """One page of `query` (which must already be ordered) and the total it pages over:
    model objects, or with `rows` the selected columns as named rows."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    result = db.session.execute(query.limit(size).offset((page - 1) * size))
    items = result.all() if rows else result.scalars().all()
    return Page(items=list(items), total=total, page=page, size=size)


def contains(column, text):
    """Case-insensitive substring match, with the user's % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def create_session(tenant, user_id, title=None):
    session = ChatSession(tenant_id=tenant, user_id=user_id, title=title or DEFAULT_TITLE)
    db.session.add(session)
    db.session.commit()
    return session


def get_session(tenant, session_id):
    """The tenant's session; another tenant's is as missing as one that never existed."""
    session = db.session.get(ChatSession, (tenant, session_id))
    if session is None:
        raise RecordNotFound("Session not found.")
    return session


def list_sessions(tenant, user_id=None, *, is_favorite=None, title_contains=None, page=1, size=20):
    """The tenant's sessions (or one user's), most recently active first."""
    query = select(ChatSession).where(ChatSession.tenant_id == tenant)
    if user_id is not None:
        query = query.where(ChatSession.user_id == user_id)
    if is_favorite is not None:
        query = query.where(ChatSession.is_favorite == is_favorite)
    if title_contains:
        query = query.where(contains(ChatSession.title, title_contains))
    query = query.order_by(ChatSession.updated_at.desc(), ChatSession.id.desc())
    return paginate(query, page, size)


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
    """Rename or (un)favorite. Not activity: `updated_at` moves only with new messages."""
    session = get_session(tenant, session_id)
    for field in EDITABLE_SESSION_FIELDS:
        if field in changes:
            setattr(session, field, changes[field])
    db.session.commit()
    return session


def delete_session(tenant, session_id):
    """Delete a session; the database's ON DELETE CASCADE removes its messages."""
    deleted = db.session.execute(
        delete(ChatSession).where(ChatSession.tenant_id == tenant, ChatSession.id == session_id)
    )
    if deleted.rowcount == 0:
        db.session.rollback()
        raise RecordNotFound("Session not found.")
    db.session.commit()


def append_message(tenant, session_id, *, sender, content, context=None):
    """Add a message at the end of a session.

    The UPDATE takes the session's row lock, so concurrent appends to one session queue
    up there and each gets the next `seq`; the lock also keeps a concurrent delete from
    orphaning the message. It bumps the session's activity time in the same statement.
    """
    now = utcnow()
    seq = db.session.execute(
        update(ChatSession)
        .where(ChatSession.tenant_id == tenant, ChatSession.id == session_id)
        .values(
            last_seq=ChatSession.last_seq + 1,
            message_count=ChatSession.message_count + 1,
            updated_at=now,
        )
        .returning(ChatSession.last_seq)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if seq is None:
        db.session.rollback()
        raise RecordNotFound("Session not found.")
    message = ChatMessage(
        tenant_id=tenant,
        session_id=session_id,
        seq=seq,
        sender=sender,
        content=content,
        context=context or {},
        created_at=now,
    )
    db.session.add(message)
    db.session.commit()
    return message


def list_messages(tenant, session_id, *, page=1, size=20):
    """A session's messages, oldest first."""
    get_session(tenant, session_id)
    query = (
        select(ChatMessage)
        .where(ChatMessage.tenant_id == tenant, ChatMessage.session_id == session_id)
        .order_by(ChatMessage.seq)
    )
    return paginate(query, page, size)
