"""Retention, a batch job that commits its own batches: deleting the chats nobody has
touched for a while (favorites are kept).

Deletion works in short transactions, SESSION_BATCH sessions at a time, and a long chat
first loses its messages MESSAGE_BATCH at a time, so no lock is held for long and the
chatbot keeps appending to other chats meanwhile. Every statement checks again that the
session is still inactive and not a favorite: a chat that comes back to life is kept.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select, tuple_, update

from ragchat.chats.messages import forget_sources
from ragchat.extensions import db
from ragchat.insights import cache as insight_days
from ragchat.models import ChatMessage, ChatSession, MessageSource

SESSION_BATCH = 500  # sessions deleted per transaction
MESSAGE_BATCH = 5000  # messages of a long chat deleted per transaction, before the chat


@dataclass
class PurgeReport:
    cutoff: datetime
    sessions: int = 0
    messages: int = 0
    favorites_kept: int = 0


def scope(tenant, user_id):
    conditions = []
    if tenant is not None:
        conditions.append(ChatSession.tenant_id == tenant)
    if user_id is not None:
        conditions.append(ChatSession.user_id == user_id)
    return conditions


def expired(cutoff, tenant=None, user_id=None):
    """The conditions a session must meet to be deleted."""
    not_favorite = ChatSession.is_favorite.is_(False)
    return [ChatSession.updated_at < cutoff, not_favorite, *scope(tenant, user_id)]


def purge(
    cutoff,
    *,
    tenant=None,
    user_id=None,
    dry_run=False,
    batch_size=SESSION_BATCH,
    message_batch=MESSAGE_BATCH,
):
    """Delete the sessions (of `tenant`, of `user_id`, or all) with no activity since
    `cutoff`, except favorites; with `dry_run`, only count them."""
    report = PurgeReport(cutoff)
    report.favorites_kept = db.session.scalar(
        select(func.count()).where(
            ChatSession.updated_at < cutoff,
            ChatSession.is_favorite.is_(True),
            *scope(tenant, user_id),
        )
    )
    if dry_run:
        report.sessions, report.messages = db.session.execute(
            select(func.count(), func.coalesce(func.sum(ChatSession.message_count), 0)).where(
                *expired(cutoff, tenant, user_id)
            )
        ).one()
        db.session.rollback()
        return report
    conditions = expired(cutoff, tenant, user_id)
    for batch in batches(conditions, batch_size):
        for session in batch:
            if session.message_count > message_batch:
                report.messages += trim(session, conditions, message_batch)
        keys = {}
        for session in batch:
            keys.setdefault(session.tenant_id, []).append(session.id)
        counts = db.session.scalars(
            delete(ChatSession)
            .where(
                or_(
                    *(
                        and_(ChatSession.tenant_id == t, ChatSession.id.in_(ids))
                        for t, ids in keys.items()
                    )
                ),
                *conditions,
            )
            .returning(ChatSession.message_count)
        ).all()
        for tenant_id in keys:
            insight_days.changed(tenant_id)
        db.session.commit()
        report.sessions += len(counts)
        report.messages += sum(counts)
    return report


def batches(conditions, size):
    """The sessions to delete, oldest activity first, `size` at a time (a keyset walk, so
    sessions kept along the way are not read again)."""
    order = (ChatSession.updated_at, ChatSession.tenant_id, ChatSession.id)
    query = (
        select(*order, ChatSession.message_count).where(*conditions).order_by(*order).limit(size)
    )
    after = None
    while True:
        page = query if after is None else query.where(tuple_(*order) > after)
        batch = db.session.execute(page).all()
        db.session.rollback()  # nothing is held between batches
        if batch:
            yield batch
        if len(batch) < size:
            return
        after = tuple(batch[-1][:3])


def trim(session, conditions, size):
    """Delete a long session's messages `size` at a time, each batch in its own transaction
    with the session row locked; stops if the session is no longer to be deleted."""
    deleted = 0
    key = (ChatMessage.tenant_id == session.tenant_id, ChatMessage.session_id == session.id)
    while True:
        still_expired = db.session.execute(
            select(ChatSession.id)
            .where(ChatSession.tenant_id == session.tenant_id, ChatSession.id == session.id)
            .where(*conditions)
            .with_for_update()
        ).first()
        if still_expired is None:
            db.session.rollback()
            return deleted
        oldest = select(ChatMessage.seq).where(*key).order_by(ChatMessage.seq).limit(size)
        gone = db.session.scalars(
            delete(ChatMessage)
            .where(*key, ChatMessage.seq.in_(oldest.scalar_subquery()))
            .returning(ChatMessage.id)
        ).all()
        forget_sources(session.tenant_id, MessageSource.message_id.in_(gone))
        removed = len(gone)
        db.session.execute(
            update(ChatSession)
            .where(ChatSession.tenant_id == session.tenant_id, ChatSession.id == session.id)
            .values(message_count=ChatSession.message_count - removed)
        )
        db.session.commit()
        deleted += removed
        if removed < size:
            return deleted
