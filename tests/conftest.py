"""Fixtures: one migrated database per test run, emptied after every test; clients with and
without a key; helpers that create sessions, messages and keys through the API.

The run uses PostgreSQL when TEST_DATABASE_URL names a server (a fresh database is
created on it and dropped afterwards) and an SQLite file otherwise.
"""

import pytest
from flask_migrate import upgrade

from ragchat.auth import keys
from ragchat.auth.callers import init_callers
from ragchat.extensions import db, limiter
from tests.support.database import API_KEY, build_app, fresh_database


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
        init_callers(app)
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

    def issue(tenant, scopes=("read", "write"), **options):
        with app.app_context():
            _, secret = keys.issue_key(tenant, f"{tenant} key", scopes, **options)
            db.session.commit()
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
