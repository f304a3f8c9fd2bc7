"""Full-text search across a tenant's chats: messages by their content, sessions by their
title, ranked together, a keyset page at a time, each hit with a highlighted snippet."""

import re
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy import and_, literal, select, tuple_, union_all

from ragchat.extensions import db
from ragchat.models import ChatMessage, ChatSession
from ragchat.paging import decode_cursor, encode_cursor, finite_number, text_of, uuid_of
from ragchat.search import matching
from ragchat.search.matching import MESSAGE, TITLE
from ragchat.search.syntax import parse


@dataclass(frozen=True)
class Hit:
    match: str  # MESSAGE or TITLE
    session_id: UUID
    session_title: str
    user_id: str
    message_id: UUID | None
    seq: int | None
    sender: str | None
    created_at: datetime
    rank: float
    snippet: Markup  # HTML: the text escaped, the matches in <mark>


def search(tenant, text, *, cursor=None, limit=20, **filters):
    """The best matches for `text` after `cursor`: (hits, cursor of the next page or None).
    Filters: `user_id`, `session_id`, `sender` (messages only), `since` (inclusive) and
    `until` (exclusive) on when a message was sent or a session started."""
    finder = matching.finder(db.session.get_bind().dialect.name, parse(text), language())
    hits = matches(finder, tenant, **filters).subquery("hits")
    rows = ranked_page(tenant, hits, cursor, limit)
    more, rows = len(rows) > limit, rows[:limit]
    snippets = finder.snippets(
        tenant,
        [row.id for row in rows if row.kind == MESSAGE],
        [row.id for row in rows if row.kind == TITLE],
    )
    found = [
        Hit(
            match=row.kind,
            session_id=row.session_id,
            session_title=row.title,
            user_id=row.user_id,
            message_id=row.id if row.kind == MESSAGE else None,
            seq=row.seq,
            sender=row.sender,
            created_at=row.created_at,
            rank=row.rank,
            snippet=highlighted(snippets.get((row.kind, row.id), "")),
        )
        for row in rows
    ]
    last = rows[-1] if more else None
    return found, last and encode_cursor(last.rank, last.kind, last.id)


def matches(finder, tenant, *, user_id=None, session_id=None, sender=None, since=None, until=None):
    """Every matching message and title of the tenant that passes the filters, unranked."""
    messages = finder.messages().where(ChatMessage.tenant_id == tenant)
    titles = finder.titles().where(ChatSession.tenant_id == tenant)
    if user_id is not None:
        messages = messages.join(ChatSession, session_of(ChatMessage)).where(
            ChatSession.user_id == user_id
        )
        titles = titles.where(ChatSession.user_id == user_id)
    if session_id is not None:
        messages = messages.where(ChatMessage.session_id == session_id)
        titles = titles.where(ChatSession.id == session_id)
    if sender is not None:
        messages = messages.where(ChatMessage.sender == sender)
        titles = titles.where(literal(False))
    if since is not None:
        messages = messages.where(ChatMessage.created_at >= since)
        titles = titles.where(ChatSession.created_at >= since)
    if until is not None:
        messages = messages.where(ChatMessage.created_at < until)
        titles = titles.where(ChatSession.created_at < until)
    return union_all(messages, titles)


def ranked_page(tenant, hits, cursor, limit):
    """The next `limit` + 1 hits by rank (ties by kind and id, so the order is total and a
    cursor is a position in it), with their session's title and user and the message's seq."""
    page = select(hits).order_by(*best_first(hits)).limit(limit + 1)
    if cursor:
        position = decode_cursor(cursor, finite_number, text_of, uuid_of)
        page = page.where(tuple_(hits.c.rank, hits.c.kind, hits.c.id) < tuple_(*position))
    page = page.subquery("page")
    in_tenant = and_(ChatSession.tenant_id == tenant, ChatSession.id == page.c.session_id)
    the_message = and_(
        page.c.kind == MESSAGE, ChatMessage.tenant_id == tenant, ChatMessage.id == page.c.id
    )
    return db.session.execute(
        select(page, ChatSession.title, ChatSession.user_id, ChatMessage.seq, ChatMessage.sender)
        .join(ChatSession, in_tenant)
        .outerjoin(ChatMessage, the_message)
        .order_by(*best_first(page))
    ).all()


def best_first(hits):
    return hits.c.rank.desc(), hits.c.kind.desc(), hits.c.id.desc()


def session_of(message_model):
    return and_(
        ChatSession.tenant_id == message_model.tenant_id,
        ChatSession.id == message_model.session_id,
    )


def language():
    return current_app.config["SEARCH_LANGUAGE"]


MARKS = re.compile(f"([{matching.START}{matching.STOP}])")


def highlighted(text):
    """Snippet text with the database's match markers as <mark> elements, the rest escaped;
    stray markers (a message may contain the characters) never unbalance the HTML."""
    html, marking = [], False
    for part in MARKS.split(text):
        if part == matching.START:
            if not marking:
                html.append("<mark>")
            marking = True
        elif part == matching.STOP:
            if marking:
                html.append("</mark>")
            marking = False
        else:
            html.append(str(escape(part)))
    if marking:
        html.append("</mark>")
    return Markup("".join(html))  # noqa: S704 (every piece of text was escaped above)
