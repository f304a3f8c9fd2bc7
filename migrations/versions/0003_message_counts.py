"""Message counts on sessions, and an index for the tenant-wide session list

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("chat_sessions") as batch:
        batch.add_column(
            sa.Column("message_count", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute(
        "UPDATE chat_sessions SET message_count = (SELECT count(*) FROM chat_messages m "
        "WHERE m.tenant_id = chat_sessions.tenant_id AND m.session_id = chat_sessions.id)"
    )
    op.create_index(
        "ix_chat_sessions_tenant_activity", "chat_sessions", ["tenant_id", "updated_at", "id"]
    )


def downgrade():
    op.drop_index("ix_chat_sessions_tenant_activity", table_name="chat_sessions")
    with op.batch_alter_table("chat_sessions") as batch:
        batch.drop_column("message_count")
