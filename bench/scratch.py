"""A throw-away PostgreSQL database for one benchmark run, and the app on it."""

import secrets
import uuid
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ragchat import create_app
from ragchat.extensions import db
from ragchat.settings.parsing import database_uri


@contextmanager
def scratch_database(server_url, keep=False):
    """A new database with a unique name on the server of `server_url` (the role needs
    CREATEDB); dropped afterwards whatever happens in between, unless `keep`."""
    url = make_url(database_uri(server_url, Path()))
    if url.get_backend_name() != "postgresql":
        raise SystemExit("this benchmark needs a PostgreSQL server (--database-url postgresql://…)")
    name = f"ragchat_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            if not keep:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def bench_app(url, api_key, instance, **settings):
    """ragchat on `url` with its instance folder in `instance`, inside an app context;
    its connections are closed on the way out (before the database can be dropped)."""
    app = create_app(
        {
            "DATABASE_URL": url,
            "API_KEY": api_key,
            "SECRET_KEY": secrets.token_urlsafe(32),
            "INSTANCE_PATH": str(instance),
            "LOG_LEVEL": "WARNING",
            **settings,
        }
    )
    with app.app_context():
        try:
            yield app
        finally:
            db.engine.dispose()
