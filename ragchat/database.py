"""Engine settings per database, and the SQLite pragmas every connection needs."""

import sqlite3

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url

SQLITE_BUSY_TIMEOUT_SECONDS = 30
POSTGRES_CONNECT_TIMEOUT_SECONDS = 2  # the health check must answer within a couple of seconds
POOL_TIMEOUT_SECONDS = 5  # waiting for a free connection longer than this is an outage


def engine_options(uri):
    if make_url(uri).get_backend_name() == "sqlite":
        # Writers wait for each other instead of failing with "database is locked".
        return {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}}
    return {
        "pool_pre_ping": True,  # a restarted server costs one failed ping, not a 500
        "pool_timeout": POOL_TIMEOUT_SECONDS,
        "connect_args": {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS},
    }


@event.listens_for(Engine, "connect")
def configure_sqlite(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")  # ON DELETE CASCADE needs it
    cursor.execute("PRAGMA journal_mode = WAL")  # readers do not block the writer
    cursor.close()
