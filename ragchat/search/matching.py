"""How each database finds, ranks and highlights matches (see index.py for the index).

Both give the same shape: `messages()` and `titles()` select (kind, id, session_id, rank,
created_at) for every match, higher rank better; `snippets()` highlights a page of them.
"""

from sqlalchemy import (
    Float,
    Text,
    bindparam,
    cast,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
)
from sqlalchemy.dialects.postgresql import REGCONFIG, TSQUERY, TSVECTOR

from ragchat.extensions import db
from ragchat.models import ChatMessage, ChatSession
from ragchat.search.index import FTS_SUFFIX, POSTGRES_TEXT_LIMIT, VECTOR_COLUMNS
from ragchat.search.syntax import to_fts5, to_tsquery

MESSAGE, TITLE = "message", "title"  # what matched: a message's content, a session's title

# Around each match in a snippet; turned into <mark> once the text is escaped.
START, STOP = "\x02", "\x03"
SNIPPET_WORDS = 32


def finder(dialect, groups, language):
    if dialect == "postgresql":
        return PostgresFinder(groups, language)
    return SQLiteFinder(groups)


def hit_columns(kind, model, rank):
    session_id = model.id if model is ChatSession else model.session_id
    return (
        literal(kind, Text).label("kind"),
        model.id.label("id"),
        session_id.label("session_id"),
        rank.label("rank"),
        model.created_at.label("created_at"),
    )


class PostgresFinder:
    """A generated tsvector column per table, matched with @@ and ranked by ts_rank."""

    def __init__(self, groups, language):
        # The configuration as a literal (the setting's name is letters and underscores
        # only): PostgreSQL then resolves it once, while parsing, instead of on every row.
        self.config = literal_column(f"'{language}'::regconfig", REGCONFIG)
        # The query text inline too (escaped as a literal): each search is then planned
        # for its own words, which a prepared statement's generic plan would not do.
        words = bindparam("query", to_tsquery(groups), Text, literal_execute=True)
        self.query = func.to_tsquery(self.config, words, type_=TSQUERY)
        # Ranking and highlighting read the query through a subquery, which PostgreSQL
        # evaluates once per statement, even in a generic plan of a prepared statement.
        self.query_once = select(self.query).scalar_subquery()

    def vector(self, model):
        return literal_column(
            f"{model.__tablename__}.{VECTOR_COLUMNS[model.__tablename__]}", TSVECTOR
        )

    def matches(self, kind, model):
        vector = self.vector(model)
        rank = cast(func.ts_rank(vector, self.query_once), Float)
        return select(*hit_columns(kind, model, rank)).where(vector.bool_op("@@")(self.query))

    def messages(self):
        return self.matches(MESSAGE, ChatMessage)

    def titles(self):
        return self.matches(TITLE, ChatSession)

    def snippets(self, tenant, message_ids, title_ids):
        marks = f"StartSel={START}, StopSel={STOP}"
        # One passage around the best match, punctuation kept (fragment mode drops it).
        passage = func.ts_headline(
            self.config,
            func.left(ChatMessage.content, POSTGRES_TEXT_LIMIT),
            self.query_once,
            f"{marks}, MaxWords={SNIPPET_WORDS}, MinWords=12",
        )
        title = func.ts_headline(
            self.config, ChatSession.title, self.query_once, f"{marks}, HighlightAll=true"
        )
        return {
            **found_in(MESSAGE, ChatMessage, select(ChatMessage.id, passage), tenant, message_ids),
            **found_in(TITLE, ChatSession, select(ChatSession.id, title), tenant, title_ids),
        }


class SQLiteFinder:
    """An FTS5 table per table, joined on rowid, ranked by bm25 (lower is better there)."""

    def __init__(self, groups):
        self.query = to_fts5(groups)

    def fts(self, model):
        name = f"{model.__tablename__}{FTS_SUFFIX}"
        return table(name, column("rowid")), literal_column(name)

    def matches(self, model, *columns):
        """`columns` of every row of `model` that matches."""
        fts, whole = self.fts(model)
        return (
            select(*columns)
            .select_from(fts)
            .join(model, literal_column(f"{model.__tablename__}.rowid") == fts.c.rowid)
            .where(whole.op("MATCH")(bindparam("query", self.query, Text)))
        )

    def ranked(self, kind, model):
        _, whole = self.fts(model)
        return self.matches(model, *hit_columns(kind, model, -func.bm25(whole, type_=Float)))

    def messages(self):
        return self.ranked(MESSAGE, ChatMessage)

    def titles(self):
        return self.ranked(TITLE, ChatSession)

    def snippets(self, tenant, message_ids, title_ids):
        _, message_index = self.fts(ChatMessage)
        _, title_index = self.fts(ChatSession)
        passage = func.snippet(message_index, 0, START, STOP, "…", SNIPPET_WORDS)
        title = func.highlight(title_index, 0, START, STOP)
        passages = self.matches(ChatMessage, ChatMessage.id, passage)
        titles = self.matches(ChatSession, ChatSession.id, title)
        return {
            **found_in(MESSAGE, ChatMessage, passages, tenant, message_ids),
            **found_in(TITLE, ChatSession, titles, tenant, title_ids),
        }


def found_in(kind, model, query, tenant, ids):
    """{(kind, id): snippet} for the given ids; `query` selects (id, snippet) of `model`."""
    if not ids:
        return {}
    rows = db.session.execute(query.where(model.tenant_id == tenant, model.id.in_(ids)))
    return {(kind, id_): snippet for id_, snippet in rows}
