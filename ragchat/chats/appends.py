"""Appending messages to a session: one or a batch, all or none, with consecutive seqs
claimed under the session's row lock, and each answer's facts and cited sources written
with it. None of these commits (see ragchat.transactions)."""

import uuid
from functools import lru_cache

from flask import current_app
from sqlalchemy import Float, bindparam, cast, insert, select, text, union_all, update

from ragchat.chats.facts import FACT_COLUMNS, facts_of
from ragchat.exceptions import SessionNotFound
from ragchat.extensions import db
from ragchat.models import ChatMessage, ChatSession, MessageSource, utcnow


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
    *FACT_COLUMNS,
)


def row_values(message):
    """A new message's NEW_MESSAGE_COLUMNS values, in that order."""
    values = (message.tenant_id, message.id, message.sender, message.content)
    values += (message.context, message.meta, message.extra, message.created_at)
    return values + tuple(getattr(message, name) for name in FACT_COLUMNS)


@lru_cache(maxsize=512)
def claiming_insert(count, cited):
    """For PostgreSQL: claim the seqs, insert `count` messages and the `cited` sources they
    cite in one statement, the claim's UPDATE … RETURNING as a CTE that the INSERTs take
    their rows from. One round trip instead of three, under the same row lock, taken before
    any row is inserted; a session that does not exist claims nothing, so nothing is
    inserted. Built once per shape, every value a parameter (the claim's, then
    `<column>_<n>` for message n and `source…_<n>` for source n)."""
    table = ChatMessage.__table__
    claimed = claim_statement().cte("claimed")
    first_seq = claimed.c.last_seq - bindparam("count") + 1
    rows = [
        select(
            bindparam("session_id", type_=table.c.session_id.type),
            (first_seq + offset).label("seq"),
            *message_row(offset).values(),
        ).select_from(claimed)
        for offset in range(count)
    ]
    statement = (
        insert(table)
        .from_select(["session_id", "seq", *NEW_MESSAGE_COLUMNS], one_select(rows))
        .add_cte(claimed)
        .returning(table.c.id, table.c.seq)
    )
    if cited:
        # Each source row is selected from the claim too: no session, no sources.
        sources = [
            select(*source_row(offset).values()).select_from(claimed) for offset in range(cited)
        ]
        sourced = insert(MessageSource.__table__).from_select(SOURCE_COLUMNS, one_select(sources))
        statement = statement.add_cte(sourced.cte("sourced"))
    return statement


def typed(name, type_):
    """A parameter that says its type in the SQL: psycopg sends a float (or None) untyped,
    which a UNION of rows would take for text."""
    parameter = bindparam(name, type_=type_)
    return cast(parameter, type_) if isinstance(type_, Float) else parameter


def one_select(selects):
    return selects[0] if len(selects) == 1 else union_all(*selects)


def message_row(offset):
    """New message n's NEW_MESSAGE_COLUMNS as parameters named `<column>_<n>` (its session
    and seq are the append's)."""
    table = ChatMessage.__table__
    return {name: typed(f"{name}_{offset}", table.c[name].type) for name in NEW_MESSAGE_COLUMNS}


SOURCE_COLUMNS = ("tenant_id", "message_id", "session_id", "source", "url", "created_at")


def source_row(offset):
    """A cited source's row as parameters: its answer, label and link are its own
    (`source_message_<n>`, `source_<n>`, `source_url_<n>`); tenant, session and time are
    the append's."""
    table = MessageSource.__table__
    names = ("tenant", f"source_message_{offset}", "session_id")
    names += (f"source_{offset}", f"source_url_{offset}", "now")
    return {
        column: typed(name, table.c[column].type)
        for column, name in zip(SOURCE_COLUMNS, names, strict=True)
    }


@lru_cache(maxsize=512)
def messages_insert(count):
    """A plain multi-row INSERT … VALUES of `count` messages whose seqs are already claimed
    (claim_seqs), with claiming_insert's parameters and `seq_<n>`: the second statement of
    an append that takes more than one."""
    table = ChatMessage.__table__
    return insert(table).values(
        [
            {
                "session_id": bindparam("session_id", type_=table.c.session_id.type),
                "seq": bindparam(f"seq_{offset}", type_=table.c.seq.type),
                **message_row(offset),
            }
            for offset in range(count)
        ]
    )


@lru_cache(maxsize=512)
def sources_insert(count):
    """The same for `count` cited sources: such an append's third statement."""
    return insert(MessageSource.__table__).values([source_row(n) for n in range(count)])


def append_parameters(tenant, session_id, stored, cited, now):
    """The parameters of every append statement: the claim's, then each message's
    `<column>_<n>` and each cited source's."""
    parameters = {"tenant": tenant, "session_id": session_id, "count": len(stored), "now": now}
    for offset, message in enumerate(stored):
        values = row_values(message)
        parameters.update(
            (f"{name}_{offset}", value)
            for name, value in zip(NEW_MESSAGE_COLUMNS, values, strict=True)
        )
    for offset, (message_id, label, link) in enumerate(cited):
        parameters[f"source_message_{offset}"] = message_id
        parameters[f"source_{offset}"] = label
        parameters[f"source_url_{offset}"] = link
    return parameters


def insert_claiming_seqs(tenant, session_id, stored, cited, now):
    """Claim the seqs and insert the messages and sources with claiming_insert."""
    parameters = append_parameters(tenant, session_id, stored, cited, now)
    statement = claiming_insert(len(stored), len(cited))
    seqs = dict(db.session.execute(statement, parameters).all())
    if not seqs:
        raise SessionNotFound
    for message in stored:
        message.seq = seqs[message.id]


def insert_after_claiming(tenant, session_id, stored, cited, now):
    """Claim the seqs (UPDATE … RETURNING), then insert the messages and then their sources
    (INSERT … VALUES): statements each on one session's rows alone, so a distributed
    PostgreSQL (Citus) sends every one to the shard that holds them, whatever plan it
    makes; SQLite, with no UPDATE in a CTE, appends this way too."""
    first = claim_seqs(tenant, session_id, len(stored), now)
    parameters = append_parameters(tenant, session_id, stored, cited, now)
    for offset, message in enumerate(stored):
        message.seq = parameters[f"seq_{offset}"] = first + offset
    db.session.execute(messages_insert(len(stored)), parameters)
    if cited:
        db.session.execute(sources_insert(len(cited)), parameters)


def append_messages(tenant, session_id, messages):
    """Add messages at the end of a session, all or none, with consecutive seqs."""
    now = utcnow()
    stored, facts = [], []
    for message in messages:
        context, metadata = message.get("context") or {}, message.get("metadata") or {}
        read = facts_of(message["sender"], context, metadata)
        stored.append(
            ChatMessage(
                tenant_id=tenant,
                id=uuid.uuid4(),
                session_id=session_id,
                sender=message["sender"],
                content=message["content"],
                context=context,
                meta=metadata,
                extra=message.get("extra") or {},
                created_at=now,
                **read.columns(),
            )
        )
        facts.append(read)
    cited = [
        (message.id, label, link)
        for message, read in zip(stored, facts, strict=True)
        for label, link in read.sources
    ]
    if appends_in_one_statement():
        insert_claiming_seqs(tenant, session_id, stored, cited, now)
    else:
        insert_after_claiming(tenant, session_id, stored, cited, now)
    return stored


def appends_in_one_statement():
    """Whether appends claim and insert in one statement (claiming_insert): on PostgreSQL,
    unless DATABASE_APPEND_FORM says split, or says auto and the database is Citus, whose
    planner would pull that statement through its coordinator (and cannot plan it at all
    under a generic plan)."""
    bind = db.session.get_bind()
    form = current_app.config.get("DATABASE_APPEND_FORM", "auto")
    if bind.dialect.name != "postgresql" or form == "split":
        return False
    return form == "single" or not is_citus(db.session.connection())


CITUS = {}  # engine URL -> whether its database has the citus extension


def is_citus(connection):
    """Whether the database has the citus extension: asked once per engine, on the
    caller's own connection (a request never takes a second one: behind a pooler with as
    many server connections as workers, that could wait forever)."""
    key = str(connection.engine.url)
    if key not in CITUS:
        asked = text("SELECT 1 FROM pg_extension WHERE extname = 'citus'")
        CITUS[key] = connection.execute(asked).first() is not None
    return CITUS[key]


def append_message(tenant, session_id, **message):
    """Add one message at the end of a session."""
    return append_messages(tenant, session_id, [message])[0]
