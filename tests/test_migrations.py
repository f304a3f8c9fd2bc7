"""The migrations build exactly the schema the models describe, on either database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from ragchat.extensions import db
from ragchat.search.index import include_object
from tests.support.database import API_KEY, build_app, fresh_database


def schema_differences(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        return compare_metadata(context, db.metadata)


def test_migrated_schema_matches_the_models(app):
    assert schema_differences(app) == []


def test_migrations_go_down_and_up_again(tmp_path):
    with fresh_database(tmp_path) as url:
        app = build_app(url)
        with app.app_context():
            upgrade()
            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade()
            assert {"chat_sessions", "chat_messages"} <= set(inspect(db.engine).get_table_names())
        assert schema_differences(app) == []
        with app.app_context():
            db.engine.dispose()


def test_tenant_migration_keeps_existing_chats_in_the_default_tenant(tmp_path):
    """Data written before tenants existed survives 0002, owned by the default tenant."""
    import uuid

    from sqlalchemy import text

    with fresh_database(tmp_path) as url:
        app = build_app(url)
        with app.app_context():
            upgrade(revision="0001")
            session_id, message_id = uuid.uuid4(), uuid.uuid4()
            as_stored = str if db.engine.name == "postgresql" else (lambda u: u.hex)
            db.session.execute(
                text("INSERT INTO chat_sessions VALUES (:id, 'alice', 'Before', :fav, 1, :t, :t)"),
                {"id": as_stored(session_id), "fav": True, "t": "2026-01-01 00:00:00+00:00"},
            )
            db.session.execute(
                text("INSERT INTO chat_messages VALUES (:id, :sid, 1, 'ai', 'kept', :ctx, :t)"),
                {
                    "id": as_stored(message_id),
                    "sid": as_stored(session_id),
                    "ctx": '{"chunks": [{"text": "x"}]}',
                    "t": "2026-01-01 00:00:00+00:00",
                },
            )
            db.session.commit()
            upgrade()
            db.engine.dispose()
        client = app.test_client()
        headers = {"X-API-Key": API_KEY}
        session = client.get(f"/api/sessions/{session_id}", headers=headers).json
        messages = client.get(f"/api/sessions/{session_id}/messages", headers=headers).json
        assert (session["title"], session["is_favorite"]) == ("Before", True)
        assert session["message_count"] == 1  # counted by 0003 from the stored messages
        assert [(m["seq"], m["content"], m["context"]) for m in messages] == [
            (1, "kept", {"chunks": [{"text": "x"}]})
        ]
        with app.app_context():
            db.engine.dispose()
