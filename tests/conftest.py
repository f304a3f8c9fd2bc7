"""Fixtures: one migrated database per test run, emptied after every test.

The run uses PostgreSQL when TEST_DATABASE_URL names a server (a fresh database is
created on it and dropped afterwards) and an SQLite file otherwise.
"""

import os
import uuid
from contextlib import contextmanager

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ragchat import create_app
from ragchat.extensions import db, limiter
from ragchat.keys import init_key_cache
from ragchat.validators import database_uri

API_KEY = "test-key-0123456789abcdef"
OTHER_KEY = "test-key-second-0123456789"


@contextmanager
def fresh_database(tmp_path):
    """A new, empty database on the server under test; dropped afterwards."""
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


def build_app(database_url, **overrides):
    return create_app(
        {"DATABASE_URL": database_url, "API_KEY": f"{API_KEY},{OTHER_KEY}", **overrides}
    )


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    with fresh_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def app(database_url):
    app = build_app(database_url, TESTING=True)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def empty_tables(request):
    """Every test starts and ends with empty tables, fresh rate-limit counts and an empty
    key cache."""
    yield
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        init_key_cache(app)
        with app.app_context():
            limiter.reset()
            db.session.remove()
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(table.delete())
            db.session.commit()


@pytest.fixture
def client(app):
    """A client that sends no API key."""
    return app.test_client()


@pytest.fixture
def api(app):
    """A client that sends a valid X-API-Key on every request."""
    client = app.test_client()
    client.environ_base["HTTP_X_API_KEY"] = API_KEY
    return client


@pytest.fixture
def make_session(api):
    def make(user_id="alice", **fields):
        response = api.post("/api/sessions", json={"user_id": user_id, **fields})
        assert response.status_code == 201, response.json
        return response.json

    return make


@pytest.fixture
def add_message(api):
    def add(session_id, content="hello", sender="user", **fields):
        response = api.post(
            f"/api/sessions/{session_id}/messages",
            json={"sender": sender, "content": content, **fields},
        )
        assert response.status_code == 201, response.json
        return response.json

    return add


@pytest.fixture
def issue_key(app):
    """Store a key for a tenant and return its secret."""
    from ragchat import keys

    def issue(tenant, scopes=("read", "write"), **options):
        with app.app_context():
            _, secret = keys.issue_key(tenant, f"{tenant} key", scopes, **options)
        return secret

    return issue


@pytest.fixture
def as_key(app):
    """A client that sends the given key on every request."""

    def client_for(secret):
        client = app.test_client()
        client.environ_base["HTTP_X_API_KEY"] = secret
        return client

    return client_for
