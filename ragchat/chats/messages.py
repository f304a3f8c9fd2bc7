"""A session's messages: reading in order by page or by keyset window, single messages,
deleting and feedback (appending is ragchat.chats.appends). None of these commits (see
ragchat.transactions)."""

from functools import cache

from sqlalchemy import Integer, bindparam, delete, func, select, update

from ragchat.chats.sessions import days_touched, get_session
from ragchat.exceptions import MessageNotFound, SessionNotFound
from ragchat.extensions import db
from ragchat.insights import cache as insight_days
from ragchat.models import ChatMessage, ChatSession, MessageSource, utcnow
from ragchat.paging import Page, split_window


def messages_query(tenant, session_id):
    return select(ChatMessage).where(
        ChatMessage.tenant_id == tenant, ChatMessage.session_id == session_id
    )


def list_messages(tenant, session_id, *, page=1, size=20):
    """A numbered page of a session's messages, oldest first. The total is the session's
    message_count, which every statement that adds or removes messages keeps: a long
    chat's first page is not a count of all its messages."""
    session = get_session(tenant, session_id)
    query = messages_query(tenant, session_id).order_by(ChatMessage.seq)
    items = db.session.scalars(query.limit(size).offset((page - 1) * size)).all()
    return Page(items=list(items), total=session.message_count, page=page, size=size)


def message_window(tenant, session_id, *, after=None, before=None, limit=20, descending=False):
    """Messages strictly between `after` and `before` (seqs), in either order: a keyset
    page on the (session, seq) index, as fast at the millionth message as at the first."""
    given = {"tenant": tenant, "session_id": session_id, "limit": limit + 1}
    given |= {name: seq for name, seq in (("after", after), ("before", before)) if seq is not None}
    statement = window_statement(after is not None, before is not None, descending)
    found = split_window(list(db.session.scalars(statement, given)), limit)
    if not found.items:
        # Messages are the tenant's session's (tenant-scoped foreign key): only an empty
        # window needs the extra query that tells an empty range from a missing session.
        get_session(tenant, session_id)
    return found


@cache
def window_statement(after, before, descending):
    """The keyset page's SELECT, built once for each shape (bounded after and/or before,
    either order); its parameters are tenant, session_id, after, before and limit."""
    query = select(ChatMessage).where(
        ChatMessage.tenant_id == bindparam("tenant"),
        ChatMessage.session_id == bindparam("session_id"),
    )
    if after:
        query = query.where(ChatMessage.seq > bindparam("after"))
    if before:
        query = query.where(ChatMessage.seq < bindparam("before"))
    order = ChatMessage.seq.desc() if descending else ChatMessage.seq
    return query.order_by(order).limit(bindparam("limit", type_=Integer))


def get_message(tenant, session_id, message_id):
    message = db.session.get(ChatMessage, (tenant, message_id))
    if message is None or message.session_id != session_id:
        raise MessageNotFound
    return message


def delete_message(tenant, session_id, message_id):
    """Delete one message; the others keep their seqs (a gap stays where it was)."""
    sent = db.session.execute(
        delete(ChatMessage)
        .where(
            ChatMessage.tenant_id == tenant,
            ChatMessage.session_id == session_id,
            ChatMessage.id == message_id,
        )
        .returning(ChatMessage.created_at)
    ).scalar_one_or_none()
    if sent is None:
        raise MessageNotFound
    forget_sources(tenant, MessageSource.message_id == message_id)
    insight_days.changed(tenant, sent.date())
    db.session.execute(
        update(ChatSession)
        .where(ChatSession.tenant_id == tenant, ChatSession.id == session_id)
        .values(message_count=ChatSession.message_count - 1)
    )


def clear_messages(tenant, session_id):
    """Delete every message of a session and keep the session; seqs are not handed out
    again (the next message continues after the last). The session's row lock, taken
    first, queues this with the appends."""
    emptied = db.session.execute(
        update(ChatSession)
        .where(ChatSession.tenant_id == tenant, ChatSession.id == session_id)
        .values(message_count=0)
        .returning(ChatSession.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if emptied is None:
        raise SessionNotFound
    insight_days.changed_between(tenant, *days_touched(tenant, ChatSession.id == session_id))
    forget_sources(tenant, MessageSource.session_id == session_id)
    db.session.execute(
        delete(ChatMessage).where(
            ChatMessage.tenant_id == tenant, ChatMessage.session_id == session_id
        )
    )


def forget_sources(tenant, *conditions):
    """Delete the cited sources of the tenant's messages being deleted (a deleted chat's go
    with it through their foreign key)."""
    db.session.execute(delete(MessageSource).where(MessageSource.tenant_id == tenant, *conditions))


def set_feedback(tenant, session_id, message_id, rating, comment=None):
    """Record a reviewer's or end user's thumbs up/down (replacing any earlier one)."""
    message = get_message(tenant, session_id, message_id)
    message.feedback_rating = rating
    message.feedback_comment = comment
    message.feedback_at = utcnow()
    rate_sources(message, rating)
    return message


def clear_feedback(tenant, session_id, message_id):
    message = get_message(tenant, session_id, message_id)
    message.feedback_rating = message.feedback_comment = message.feedback_at = None
    rate_sources(message, None)
    return message


def rate_sources(message, rating):
    """The sources a message cited carry its rating too (see MessageSource.rating), and
    the insights of its day change."""
    db.session.flush()
    insight_days.changed(message.tenant_id, message.created_at.date())
    db.session.execute(
        update(MessageSource)
        .where(MessageSource.tenant_id == message.tenant_id, MessageSource.message_id == message.id)
        .values(rating=rating)
        .execution_options(synchronize_session=False)
    )


def page_of(tenant, session_id, seq, size):
    """The numbered page (of `size` messages) on which the message `seq` is, or would be."""
    before = db.session.scalar(
        select(func.count()).where(
            ChatMessage.tenant_id == tenant,
            ChatMessage.session_id == session_id,
            ChatMessage.seq < seq,
        )
    )
    return before // size + 1
