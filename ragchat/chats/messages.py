"""A session's messages: appending (one or a batch), reading in order by page or by keyset
window, single messages and their feedback. None of these commits (see
ragchat.transactions)."""

import uuid
from functools import cache

from sqlalchemy import Integer, bindparam, delete, func, insert, select, union_all, update

from ragchat.chats.sessions import get_session
from ragchat.exceptions import MessageNotFound, SessionNotFound
from ragchat.extensions import db
from ragchat.models import ChatMessage, ChatSession, utcnow
from ragchat.paging import Page, split_window


def claim_statement():
    """The UPDATE that reserves the next `count` seqs of a session, returning the last.

    It takes the session's row lock, so concurrent appends to one session queue up there
    and each gets its own consecutive seqs; the lock also keeps a concurrent delete from
    orphaning the messages. The same statement bumps the activity time. Its values are
    the parameters tenant, session_id, count and now.
    """
    return (
        update(ChatSession)
        .where(
            ChatSession.tenant_id == bindparam("tenant"),
            ChatSession.id == bindparam("session_id"),
        )
        .values(
            last_seq=ChatSession.last_seq + bindparam("count"),
            message_count=ChatSession.message_count + bindparam("count"),
            updated_at=bindparam("now"),
        )
        .returning(ChatSession.last_seq)
    )


CLAIM = claim_statement().execution_options(synchronize_session=False)


def claim_seqs(tenant, session_id, count, now):
    """Reserve the next `count` seqs of a session; returns the first."""
    claim = {"tenant": tenant, "session_id": session_id, "count": count, "now": now}
    last = db.session.execute(CLAIM, claim).scalar_one_or_none()
    if last is None:
        raise SessionNotFound
    return last - count + 1


# What a new message row holds besides its session and seq, in the table's own types.
NEW_MESSAGE_COLUMNS = (
    "tenant_id",
    "id",
    "sender",
    "content",
    "context",
    "metadata",
    "extra",
    "created_at",
)


@cache
def claiming_insert(count):
    """For PostgreSQL: claim the seqs and insert `count` messages in one statement, the
    claim's UPDATE … RETURNING as a CTE that the INSERT numbers the rows from. One round
    trip instead of two, under the same row lock, taken before any row is inserted; a
    session that does not exist claims nothing, so nothing is inserted. Built once per
    count, every value a parameter (the claim's, then `<column>_<n>` for message n)."""
    table = ChatMessage.__table__
    claimed = claim_statement().cte("claimed")
    first_seq = claimed.c.last_seq - bindparam("count") + 1
    rows = [
        select(
            bindparam("session_id", type_=table.c.session_id.type),
            (first_seq + offset).label("seq"),
            *(
                bindparam(f"{name}_{offset}", type_=table.c[name].type)
                for name in NEW_MESSAGE_COLUMNS
            ),
        ).select_from(claimed)
        for offset in range(count)
    ]
    return (
        insert(table)
        .from_select(
            ["session_id", "seq", *NEW_MESSAGE_COLUMNS], rows[0] if count == 1 else union_all(*rows)
        )
        .add_cte(claimed)
        .returning(table.c.id, table.c.seq)
    )


def insert_claiming_seqs(tenant, session_id, stored, now):
    """Claim the seqs and insert the messages with claiming_insert (PostgreSQL)."""
    parameters = {"tenant": tenant, "session_id": session_id, "count": len(stored), "now": now}
    for offset, message in enumerate(stored):
        values = (tenant, message.id, message.sender, message.content)
        values += (message.context, message.meta, message.extra, now)
        parameters.update(
            (f"{name}_{offset}", value)
            for name, value in zip(NEW_MESSAGE_COLUMNS, values, strict=True)
        )
    seqs = dict(db.session.execute(claiming_insert(len(stored)), parameters).all())
    if not seqs:
        raise SessionNotFound
    for message in stored:
        message.seq = seqs[message.id]


def append_messages(tenant, session_id, messages):
    """Add messages at the end of a session, all or none, with consecutive seqs."""
    now = utcnow()
    stored = [
        ChatMessage(
            tenant_id=tenant,
            id=uuid.uuid4(),
            session_id=session_id,
            sender=message["sender"],
            content=message["content"],
            context=message.get("context") or {},
            meta=message.get("metadata") or {},
            extra=message.get("extra") or {},
            created_at=now,
        )
        for message in messages
    ]
    if db.session.get_bind().dialect.name == "postgresql":
        insert_claiming_seqs(tenant, session_id, stored, now)
    else:  # SQLite has no UPDATE in a CTE: claim, then insert
        first = claim_seqs(tenant, session_id, len(stored), now)
        for offset, message in enumerate(stored):
            message.seq = first + offset
        db.session.add_all(stored)
        db.session.flush()
    return stored


def append_message(tenant, session_id, **message):
    """Add one message at the end of a session."""
    return append_messages(tenant, session_id, [message])[0]


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
    deleted = db.session.execute(
        delete(ChatMessage).where(
            ChatMessage.tenant_id == tenant,
            ChatMessage.session_id == session_id,
            ChatMessage.id == message_id,
        )
    )
    if deleted.rowcount == 0:
        raise MessageNotFound
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
    db.session.execute(
        delete(ChatMessage).where(
            ChatMessage.tenant_id == tenant, ChatMessage.session_id == session_id
        )
    )


def set_feedback(tenant, session_id, message_id, rating, comment=None):
    """Record a reviewer's or end user's thumbs up/down (replacing any earlier one)."""
    message = get_message(tenant, session_id, message_id)
    message.feedback_rating = rating
    message.feedback_comment = comment
    message.feedback_at = utcnow()
    db.session.flush()
    return message


def clear_feedback(tenant, session_id, message_id):
    message = get_message(tenant, session_id, message_id)
    message.feedback_rating = message.feedback_comment = message.feedback_at = None
    db.session.flush()
    return message


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
