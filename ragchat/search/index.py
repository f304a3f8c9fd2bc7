"""The full-text index behind search, on each database; built by migration 0005 and
rebuilt by `flask ragchat reindex` (after a change of SEARCH_LANGUAGE).

PostgreSQL: a stored generated `tsvector` column on each table, under a GIN index, so the
database keeps it in step with every insert and update by itself.

SQLite: an FTS5 table over each table's text (external content: the text is not copied),
kept in step by triggers. Its rows are tied to the chat tables' rowids, so a migration that
rebuilds chat_messages or chat_sessions (a batch "move and copy") must rebuild this index too.
"""

from sqlalchemy import text

# The text each table is searched by, and what the index objects are called.
INDEXED = {"chat_messages": "content", "chat_sessions": "title"}
VECTOR_COLUMNS = {"chat_messages": "search_vector", "chat_sessions": "title_vector"}
GIN_INDEXES = {
    "chat_messages": "ix_chat_messages_search",
    "chat_sessions": "ix_chat_sessions_search",
}
FTS_SUFFIX = "_fts"

# A tsvector holds at most 1 MB: only the first 100,000 characters of a message (some
# 15,000 words) are indexed on PostgreSQL, so no message is ever too long to store.
POSTGRES_TEXT_LIMIT = 100_000


def create_search_index(connection, language):
    if connection.dialect.name == "postgresql":
        _create_postgres(connection, language)
    else:
        _create_sqlite(connection, language)


def drop_search_index(connection):
    for table_name, column in VECTOR_COLUMNS.items():
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"DROP INDEX IF EXISTS {GIN_INDEXES[table_name]}"))
            connection.execute(text(f"ALTER TABLE {table_name} DROP COLUMN IF EXISTS {column}"))
        else:
            for event in ("insert", "delete", "update"):
                connection.execute(text(f"DROP TRIGGER IF EXISTS {table_name}_fts_{event}"))
            connection.execute(text(f"DROP TABLE IF EXISTS {table_name}{FTS_SUFFIX}"))


def rebuild_search_index(connection, language):
    drop_search_index(connection)
    create_search_index(connection, language)


def _create_postgres(connection, language):
    # Checks the name (an unknown configuration fails here, naming itself) and quotes it.
    config = connection.execute(text("SELECT CAST(:name AS regconfig)::text"), {"name": language})
    config = "'" + config.scalar_one().replace("'", "''") + "'"
    for table_name, source in INDEXED.items():
        if table_name == "chat_messages":
            source = f"left({source}, {POSTGRES_TEXT_LIMIT})"
        column = VECTOR_COLUMNS[table_name]
        connection.execute(
            text(
                f"ALTER TABLE {table_name} ADD COLUMN {column} tsvector GENERATED ALWAYS AS "
                f"(to_tsvector({config}::regconfig, {source})) STORED"
            )
        )
        connection.execute(
            text(f"CREATE INDEX {GIN_INDEXES[table_name]} ON {table_name} USING gin ({column})")
        )


def sqlite_tokenizer(language):
    """FTS5's Porter stemmer is English only; other languages match whole words."""
    stemmer = "porter " if language == "english" else ""
    return f"{stemmer}unicode61 remove_diacritics 2"


def _create_sqlite(connection, language):
    # Every name below is one of this module's constants; no input reaches the SQL.
    for table_name, column in INDEXED.items():
        fts = f"{table_name}{FTS_SUFFIX}"
        forget = (
            f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.rowid, old.{column});"  # noqa: S608
        )
        learn = f"INSERT INTO {fts}(rowid, {column}) VALUES (new.rowid, new.{column});"  # noqa: S608
        trigger = f"CREATE TRIGGER {table_name}_fts"
        statements = (
            f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{table_name}', "
            f"tokenize='{sqlite_tokenizer(language)}')",
            f"{trigger}_insert AFTER INSERT ON {table_name} BEGIN {learn} END",
            f"{trigger}_delete AFTER DELETE ON {table_name} BEGIN {forget} END",
            f"{trigger}_update AFTER UPDATE OF {column} ON {table_name} BEGIN {forget} {learn} END",
            f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",  # noqa: S608
        )
        for statement in statements:
            connection.execute(text(statement))


def is_search_index(name, type_, reflected):
    """True for the index's own objects, which the models do not describe (for alembic's
    `include_object`, so comparing the schema with the models ignores them)."""
    if not reflected:
        return False
    if type_ == "table":
        return any(name.startswith(f"{table}{FTS_SUFFIX}") for table in INDEXED)
    if type_ == "column":
        return name in VECTOR_COLUMNS.values()
    if type_ == "index":
        return name in GIN_INDEXES.values()
    return False


def include_object(object_, name, type_, reflected, compare_to):
    return not is_search_index(name, type_, reflected)
