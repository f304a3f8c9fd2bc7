"""Engine settings per database, and the SQLite pragmas every connection needs."""

import sqlite3
import time

import psycopg
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool

from ragchat import jsontext

SQLITE_BUSY_TIMEOUT_SECONDS = 30
POSTGRES_CONNECT_TIMEOUT_SECONDS = 2  # the health check must answer within a couple of seconds
POOL_TIMEOUT_SECONDS = 5  # waiting for a free connection longer than this is an outage
DEFAULT_POOL_SIZE = 5
PING_AFTER_IDLE_SECONDS = 1  # a pooled connection idle for longer is checked before use


def engine_options(uri, prepared_statements=True, requests_at_once=1):
    """The engine's options. Without `prepared_statements` (behind PgBouncer in transaction
    mode, which hands each transaction any server connection and, before 1.21, keeps no
    prepared statement across them), psycopg never prepares one on the server. The pool
    keeps a connection for each of the `requests_at_once` a process serves (its threads),
    five at least, SQLAlchemy's default."""
    json_options = {"json_serializer": jsontext.dumps, "json_deserializer": jsontext.loads}
    if make_url(uri).get_backend_name() == "sqlite":
        # Writers wait for each other instead of failing with "database is locked".
        return {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}, **json_options}
    connect_args = {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS}
    if not prepared_statements:
        connect_args["prepare_threshold"] = None
    return {
        "pool_size": max(DEFAULT_POOL_SIZE, requests_at_once),
        "pool_timeout": POOL_TIMEOUT_SECONDS,
        # The connection used last is used next: one stays busy (its prepared statements
        # warm) and any others sit idle, rather than each taking every other request.
        "pool_use_lifo": True,
        "connect_args": connect_args,
        **json_options,
    }


@event.listens_for(Pool, "checkin")
def note_idle_since(dbapi_connection, connection_record):
    connection_record.info["idle_since"] = time.monotonic()


@event.listens_for(Pool, "checkout")
def ping_if_idle(dbapi_connection, connection_record, connection_proxy):
    """Check a PostgreSQL connection that has sat idle before handing it out, so that a
    restarted server costs one failed ping, not a 500. Unlike SQLAlchemy's pool_pre_ping,
    a connection in steady use is not pinged: under load that was one more round trip on
    every request, for a connection that had answered milliseconds before."""
    idle_since = connection_record.info.get("idle_since")
    if not isinstance(dbapi_connection, psycopg.Connection) or idle_since is None:
        return
    if time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return
    autocommit = dbapi_connection.autocommit
    try:
        dbapi_connection.autocommit = True  # no transaction left open by the ping
        dbapi_connection.execute("SELECT 1")
        dbapi_connection.autocommit = autocommit
    except psycopg.Error as error:
        raise DisconnectionError("the pooled connection is gone") from error  # pool reconnects


@event.listens_for(Engine, "connect")
def configure_sqlite(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")  # ON DELETE CASCADE needs it
    cursor.execute("PRAGMA journal_mode = WAL")  # readers do not block the writer
    cursor.close()
