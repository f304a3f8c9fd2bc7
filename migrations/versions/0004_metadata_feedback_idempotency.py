"""Metadata on sessions and messages, feedback on messages, idempotent requests

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
RATED = "feedback_rating IS NOT NULL"


def upgrade():
    op.create_table(
        "idempotent_requests",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("location", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "key", name="pk_idempotent_requests"),
    )
    op.create_index("ix_idempotent_requests_created_at", "idempotent_requests", ["created_at"])

    with op.batch_alter_table("chat_messages") as batch:
        batch.add_column(sa.Column("metadata", JSON_DOCUMENT, server_default="{}", nullable=False))
        batch.add_column(sa.Column("feedback_rating", sa.String(length=4), nullable=True))
        batch.add_column(sa.Column("feedback_comment", sa.Text(), nullable=True))
        batch.add_column(sa.Column("feedback_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_check_constraint(
            "ck_chat_messages_rating", "feedback_rating IN ('up', 'down')"
        )
    op.create_index(
        "ix_chat_messages_feedback",
        "chat_messages",
        ["tenant_id", "feedback_rating", "session_id"],
        postgresql_where=sa.text(RATED),
        sqlite_where=sa.text(RATED),
    )
    with op.batch_alter_table("chat_sessions") as batch:
        batch.add_column(sa.Column("metadata", JSON_DOCUMENT, server_default="{}", nullable=False))


def downgrade():
    with op.batch_alter_table("chat_sessions") as batch:
        batch.drop_column("metadata")
    op.drop_index("ix_chat_messages_feedback", table_name="chat_messages")
    with op.batch_alter_table("chat_messages") as batch:
        batch.drop_constraint("ck_chat_messages_rating", type_="check")
        for column in ("feedback_at", "feedback_comment", "feedback_rating", "metadata"):
            batch.drop_column(column)
    op.drop_index("ix_idempotent_requests_created_at", table_name="idempotent_requests")
    op.drop_table("idempotent_requests")
