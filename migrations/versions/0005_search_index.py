"""Full-text search over messages and session titles; an activity index for retention

Revision ID: 0005
Revises: 0004
"""

from alembic import op
from flask import current_app

from ragchat.search.index import create_search_index, drop_search_index

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    # Reads and indexes every message once: on a large PostgreSQL table this rewrites it.
    create_search_index(op.get_bind(), current_app.config["SEARCH_LANGUAGE"])
    # `flask ragchat purge` finds inactive sessions across tenants by this.
    op.create_index("ix_chat_sessions_updated_at", "chat_sessions", ["updated_at"])


def downgrade():
    op.drop_index("ix_chat_sessions_updated_at", table_name="chat_sessions")
    drop_search_index(op.get_bind())
