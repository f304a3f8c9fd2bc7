"""Migration 0008 on Citus and off it. Citus cannot run here, so on plain PostgreSQL its table
functions are stand-ins with its signatures that note each call and refuse what Citus
refuses (tests/support/citus.py), and the migration is told the extension is there."""

import pytest
from flask_migrate import downgrade, stamp, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from ragchat.auth.keys import issue_key
from ragchat.chats import appends
from ragchat.extensions import db
from tests.support.citus import citus_calls, citus_tables, install_citus_stubs
from tests.support.database import build_app, fresh_database, postgres_server

DISTRIBUTE = [
    ("create_reference_table", ("api_keys",)),
    ("create_distributed_table", ("chat_sessions", "tenant_id", "hash", "default", None)),
    ("create_distributed_table", ("chat_messages", "tenant_id", "hash", "chat_sessions", None)),
    ("create_distributed_table", ("message_sources", "tenant_id", "hash", "chat_sessions", None)),
    *(
        ("create_distributed_table", (table, "tenant_id", "hash", "chat_sessions", None))
        for table in ("idempotent_requests", "insight_days", "insight_generations")
    ),
]
UNDISTRIBUTE = [
    ("undistribute_table", ("chat_sessions", "true")),
    ("undistribute_table", ("idempotent_requests", "false")),
    ("undistribute_table", ("insight_days", "false")),
    ("undistribute_table", ("insight_generations", "false")),
    ("undistribute_table", ("api_keys", "false")),
]
TENANT_GROUP = "character varying"  # the stand-ins' name for the default group of varchar keys


@pytest.fixture
def stubbed(tmp_path, monkeypatch):
    """An app on a fresh PostgreSQL database migrated to 0007 with the Citus stand-ins in it,
    inside its app context."""
    monkeypatch.setenv("TEST_DATABASE_URL", postgres_server())  # the stand-ins are PL/pgSQL
    with fresh_database(tmp_path) as url:
        app = build_app(url)
        with app.app_context():
            upgrade(revision="0007")
            with db.engine.begin() as connection:
                install_citus_stubs(connection)
            yield app
            db.engine.dispose()


def calls():
    with db.engine.connect() as connection:
        return citus_calls(connection)


def distributed():
    with db.engine.connect() as connection:
        return citus_tables(connection)


def key_id_type():
    (column,) = [c for c in inspect(db.engine).get_columns("api_keys") if c["name"] == "id"]
    return str(column["type"])


def test_on_citus_it_distributes_by_tenant_parents_first_and_undoes_it(stubbed, monkeypatch):
    monkeypatch.setattr(appends, "is_citus", lambda connection: True)
    upgrade()
    assert calls() == DISTRIBUTE
    assert distributed() == {
        "api_keys": None,  # a reference table
        **dict.fromkeys(
            [
                "chat_sessions",
                "chat_messages",
                "message_sources",
                "idempotent_requests",
                "insight_days",
                "insight_generations",
            ],
            TENANT_GROUP,
        ),
    }
    assert key_id_type() == "BIGINT"

    downgrade(revision="0007")
    assert calls() == DISTRIBUTE + UNDISTRIBUTE
    assert distributed() == {}
    assert key_id_type() == "INTEGER"

    upgrade()  # and again, as an operator going back and forth would
    assert calls() == DISTRIBUTE + UNDISTRIBUTE + DISTRIBUTE


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        (  # a child before its parent
            "SELECT create_distributed_table('chat_messages', 'tenant_id')",
            "Referenced table must be a distributed table or a reference table.",
        ),
        (  # what the trial found: keys are unique by their hash alone
            "SELECT create_distributed_table('api_keys', 'tenant_id')",
            "Distributed relations cannot have UNIQUE, EXCLUDE, or PRIMARY KEY constraints",
        ),
        (
            "SELECT create_distributed_table('chat_sessions', 'tenant_id');"
            " SELECT create_distributed_table('chat_messages', 'tenant_id');"
            " SELECT undistribute_table('chat_messages')",
            "cannot complete operation because table chat_messages has a foreign key",
        ),
    ],
)
def test_the_stand_ins_refuse_what_citus_refuses(stubbed, statement, refusal):
    """So that the order and the calls above are ones Citus accepts."""
    with db.engine.connect() as connection:
        with pytest.raises(DBAPIError) as refused:
            connection.execute(text(statement))
        connection.rollback()
    assert refusal in str(refused.value)


def test_a_database_that_became_a_coordinator_is_distributed_by_running_0008_again(
    stubbed, monkeypatch
):
    """Migrated on plain PostgreSQL, then given the citus extension: `flask db stamp 0007`
    and `flask db upgrade` (docs/scaling.md) distribute it."""
    upgrade()
    stamp(revision="0007")
    monkeypatch.setattr(appends, "is_citus", lambda connection: True)
    upgrade()
    assert calls() == DISTRIBUTE
    assert key_id_type() == "BIGINT"


def test_on_plain_postgresql_it_calls_no_citus_function(stubbed):
    upgrade()
    downgrade(revision="0007")
    upgrade()
    assert calls() == []
    assert key_id_type() == "BIGINT"


def test_key_ids_still_count_up_on_either_database(tmp_path):
    """SQLite keeps INTEGER PRIMARY KEY (its rowid); PostgreSQL's bigint keeps its sequence."""
    with fresh_database(tmp_path) as url:
        app = build_app(url)
        with app.app_context():
            upgrade()
            first, _ = issue_key("acme", "one", ("read",))
            second, _ = issue_key("acme", "two", ("read",))
            db.session.commit()
            expected = "BIGINT" if db.engine.name == "postgresql" else "INTEGER"
            assert (key_id_type(), second.id - first.id) == (expected, 1)
            db.engine.dispose()
