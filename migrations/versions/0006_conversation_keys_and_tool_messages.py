"""Conversation keys on sessions, tool messages, and framework fields on messages

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from flask import current_app
from sqlalchemy.dialects import postgresql

from ragchat.search.index import create_search_index, drop_search_index

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
SENDER_CHECK = "ck_chat_messages_sender"


def rebuilding_sqlite_tables():
    """SQLite changes a constraint by copying its table (chat_messages here), which gives
    the rows new rowids: the full-text index, tied to them, is dropped first and built
    again afterwards."""
    return op.get_bind().dialect.name == "sqlite"


def upgrade():
    copying = rebuilding_sqlite_tables()
    if copying:
        drop_search_index(op.get_bind())
    # A unique index, not a constraint: SQLite adds neither column nor index by copying
    # chat_sessions, whose drop would cascade to every message.
    op.add_column("chat_sessions", sa.Column("key", sa.String(length=255), nullable=True))
    op.create_index(
        "ix_chat_sessions_tenant_key", "chat_sessions", ["tenant_id", "key"], unique=True
    )
    with op.batch_alter_table("chat_messages") as batch:
        batch.add_column(sa.Column("extra", JSON_DOCUMENT, server_default="{}", nullable=False))
        batch.drop_constraint(SENDER_CHECK, type_="check")
        batch.create_check_constraint(SENDER_CHECK, "sender IN ('user', 'ai', 'system', 'tool')")
    if copying:
        create_search_index(op.get_bind(), current_app.config["SEARCH_LANGUAGE"])


def downgrade():
    copying = rebuilding_sqlite_tables()
    if copying:
        drop_search_index(op.get_bind())
    op.execute("DELETE FROM chat_messages WHERE sender = 'tool'")
    with op.batch_alter_table("chat_messages") as batch:
        batch.drop_constraint(SENDER_CHECK, type_="check")
        batch.create_check_constraint(SENDER_CHECK, "sender IN ('user', 'ai', 'system')")
        batch.drop_column("extra")
    op.drop_index("ix_chat_sessions_tenant_key", table_name="chat_sessions")
    op.drop_column("chat_sessions", "key")  # in place (SQLite 3.35+): no copy, no cascade
    if copying:
        create_search_index(op.get_bind(), current_app.config["SEARCH_LANGUAGE"])
