"""Behind PgBouncer in transaction mode, where each transaction may get another server
connection and (PgBouncer before 1.21) no prepared statement follows a client from one
transaction to the next. With DATABASE_PREPARED_STATEMENTS=false ragchat works there;
with psycopg's default (prepare a statement after 5 executions) it does not."""

import pytest
from flask_migrate import upgrade

from ragchat.extensions import db
from tests.support.database import API_KEY, build_app, fresh_database, postgres_server
from tests.support.pgbouncer import PgBouncer

TURNS = 12  # each instance runs every statement more often than psycopg's threshold (5)


@pytest.fixture
def pooled(tmp_path, monkeypatch):
    """pooled(prepared) -> two instances (apps with their own pools) on one fresh database,
    through a PgBouncer that has a single server connection for them both."""
    monkeypatch.setenv("TEST_DATABASE_URL", postgres_server())  # PgBouncer is for PostgreSQL
    apps = []
    with fresh_database(tmp_path) as url:
        direct = build_app(url)
        with direct.app_context():
            upgrade()
            db.engine.dispose()
        with PgBouncer(url, pool_size=1) as bouncer:

            def make(prepared):
                setting = "true" if prepared else "false"
                for _ in range(2):
                    app = build_app(bouncer.url(), DATABASE_PREPARED_STATEMENTS=setting)
                    apps.append(app)
                clients = [app.test_client() for app in apps[-2:]]
                for client in clients:
                    client.environ_base["HTTP_X_API_KEY"] = API_KEY
                return clients

            yield make
            for app in apps:
                with app.app_context():
                    db.engine.dispose()


def converse(first, second):
    """Both instances take turns appending to one session and reading it back."""
    session = first.post("/api/sessions", json={"user_id": "alice"}).json["id"]
    path = f"/api/sessions/{session}/messages"
    statuses, seqs = [], []
    for turn in range(TURNS):
        for client in (first, second):
            sent = client.post(path, json={"sender": "user", "content": f"turn {turn}"})
            read = client.get(f"{path}?after=0&limit=100")
            statuses += [sent.status_code, read.status_code]
            if sent.status_code == 201:
                seqs.append(sent.json["seq"])
    return statuses, seqs


def test_without_prepared_statements_two_instances_share_one_server_connection(pooled):
    first, second = pooled(prepared=False)
    statuses, seqs = converse(first, second)
    assert set(statuses) == {200, 201}
    assert seqs == list(range(1, 2 * TURNS + 1))
    missing = second.get("/api/sessions/by-key/no-such-conversation")
    assert missing.status_code == 404  # a miss, through the pooler too


def test_with_prepared_statements_the_pooler_breaks_requests(pooled, capfd):
    """Why the setting exists: each instance's psycopg names its first prepared statement
    _pg3_0, and both land on the one server connection."""
    first, second = pooled(prepared=True)
    statuses, _ = converse(first, second)
    assert 500 in statuses
    assert 'prepared statement "_pg3_' in capfd.readouterr().err  # the logged traceback
