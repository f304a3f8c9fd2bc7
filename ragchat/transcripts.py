"""Queries and rules over a session's messages: appending (one or a batch), reading in
order by page or by keyset window, single messages and their feedback."""

from sqlalchemy import delete, select, update

from ragchat.chats import RecordNotFound, get_session
from ragchat.extensions import db
from ragchat.models import ChatMessage, ChatSession, utcnow
from ragchat.pages import paginate, window


def claim_seqs(tenant, session_id, count, now):
    """Reserve the next `count` seqs of a session; returns the first.

    The UPDATE takes the session's row lock, so concurrent appends to one session queue
    up there and each gets its own consecutive seqs; the lock also keeps a concurrent
    delete from orphaning the messages. The same statement bumps the activity time.
    """
    last = db.session.execute(
        update(ChatSession)
        .where(ChatSession.tenant_id == tenant, ChatSession.id == session_id)
        .values(
            last_seq=ChatSession.last_seq + count,
            message_count=ChatSession.message_count + count,
            updated_at=now,
        )
        .returning(ChatSession.last_seq)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if last is None:
        db.session.rollback()
        raise RecordNotFound("Session not found.")
    return last - count + 1


def append_messages(tenant, session_id, messages):
    """Add messages at the end of a session, all or none, with consecutive seqs."""
    now = utcnow()
    first = claim_seqs(tenant, session_id, len(messages), now)
    stored = [
        ChatMessage(
            tenant_id=tenant,
            session_id=session_id,
            seq=first + offset,
            sender=message["sender"],
            content=message["content"],
            context=message.get("context") or {},
            meta=message.get("metadata") or {},
            created_at=now,
        )
        for offset, message in enumerate(messages)
    ]
    db.session.add_all(stored)
    db.session.commit()
    return stored


def append_message(tenant, session_id, **message):
    """Add one message at the end of a session."""
    return append_messages(tenant, session_id, [message])[0]


def messages_query(tenant, session_id):
    return select(ChatMessage).where(
        ChatMessage.tenant_id == tenant, ChatMessage.session_id == session_id
    )


def list_messages(tenant, session_id, *, page=1, size=20):
    """A numbered page of a session's messages, oldest first."""
    get_session(tenant, session_id)
    return paginate(messages_query(tenant, session_id).order_by(ChatMessage.seq), page, size)


def message_window(tenant, session_id, *, after=None, before=None, limit=20, descending=False):
    """Messages strictly between `after` and `before` (seqs), in either order: a keyset
    page on the (session, seq) index, as fast at the millionth message as at the first."""
    get_session(tenant, session_id)
    query = messages_query(tenant, session_id)
    if after is not None:
        query = query.where(ChatMessage.seq > after)
    if before is not None:
        query = query.where(ChatMessage.seq < before)
    order = ChatMessage.seq.desc() if descending else ChatMessage.seq
    return window(query.order_by(order), limit)


def get_message(tenant, session_id, message_id):
    message = db.session.get(ChatMessage, (tenant, message_id))
    if message is None or message.session_id != session_id:
        raise RecordNotFound("Message not found.")
    return message


def delete_message(tenant, session_id, message_id):
    """Delete one message; the others keep their seqs (a gap stays where it was)."""
    deleted = db.session.execute(
        delete(ChatMessage).where(
            ChatMessage.tenant_id == tenant,
            ChatMessage.session_id == session_id,
            ChatMessage.id == message_id,
        )
    )
    if deleted.rowcount == 0:
        db.session.rollback()
        raise RecordNotFound("Message not found.")
    db.session.execute(
        update(ChatSession)
        .where(ChatSession.tenant_id == tenant, ChatSession.id == session_id)
        .values(message_count=ChatSession.message_count - 1)
    )
    db.session.commit()


def set_feedback(tenant, session_id, message_id, rating, comment=None):
    """Record a reviewer's or end user's thumbs up/down (replacing any earlier one)."""
    message = get_message(tenant, session_id, message_id)
    message.feedback_rating = rating
    message.feedback_comment = comment
    message.feedback_at = utcnow()
    db.session.commit()
    return message


def clear_feedback(tenant, session_id, message_id):
    message = get_message(tenant, session_id, message_id)
    message.feedback_rating = message.feedback_comment = message.feedback_at = None
    db.session.commit()
    return message
