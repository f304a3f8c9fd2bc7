"""A fresh database on the server under test, and apps built on it with the test keys."""

import os
import uuid
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ragchat import create_app
from ragchat.settings.parsing import database_uri

API_KEY = "test-key-0123456789abcdef"
OTHER_KEY = "test-key-second-0123456789"


@contextmanager
def fresh_database(tmp_path):
    """A new, empty database on the server under test; dropped afterwards.

    PostgreSQL when TEST_DATABASE_URL names a server (a database is created on it), an
    SQLite file under `tmp_path` otherwise."""
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path / f'ragchat-{uuid.uuid4().hex[:8]}.db'}"
        return
    server_url = make_url(database_uri(server, tmp_path))
    name = f"ragchat_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def postgres_server():
    """A PostgreSQL server for what only PostgreSQL runs (the benchmarks): the one under
    test, else BENCH_DATABASE_URL, else the local one."""
    test_url = os.environ.get("TEST_DATABASE_URL", "")
    if test_url.startswith("postgres"):
        return test_url
    return os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def build_app(database_url, **overrides):
    """An app on `database_url` that accepts API_KEY and OTHER_KEY (both tenant default)."""
    return create_app(
        {"DATABASE_URL": database_url, "API_KEY": f"{API_KEY},{OTHER_KEY}", **overrides}
    )
