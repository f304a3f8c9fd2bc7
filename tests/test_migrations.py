"""The migrations build exactly the schema the models describe, on either database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from ragchat.extensions import db
from tests.conftest import build_app, fresh_database


def schema_differences(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
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
