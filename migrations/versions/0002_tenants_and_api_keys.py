"""Tenants and API keys

Every chat row gets a tenant_id that leads its primary key, its foreign key and its
indexes. Existing rows belong to the "default" tenant, the tenant of keys from API_KEY.
The chat tables are rebuilt (create, copy, drop, rename) because their primary keys
change; that works the same on PostgreSQL and SQLite.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

CONTEXT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
SESSION_COLUMNS = "id, user_id, title, is_favorite, last_seq, created_at, updated_at"
MESSAGE_COLUMNS = "id, session_id, seq, sender, content, context, created_at"


def upgrade():
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("secret_hash"),
    )
    op.create_index("ix_api_keys_tenant_id", "api_keys", ["tenant_id"])

    create_sessions("chat_sessions_next", with_tenant=True)
    create_messages("chat_messages_next", "chat_sessions_next", with_tenant=True)
    op.execute(
        f"INSERT INTO chat_sessions_next (tenant_id, {SESSION_COLUMNS}) "
        f"SELECT 'default', {SESSION_COLUMNS} FROM chat_sessions"
    )
    op.execute(
        f"INSERT INTO chat_messages_next (tenant_id, {MESSAGE_COLUMNS}) "
        f"SELECT 'default', {MESSAGE_COLUMNS} FROM chat_messages"
    )
    swap_in("chat_sessions_next", "chat_messages_next")


def downgrade():
    create_sessions("chat_sessions_prev", with_tenant=False)
    create_messages("chat_messages_prev", "chat_sessions_prev", with_tenant=False)
    op.execute(f"INSERT INTO chat_sessions_prev SELECT {SESSION_COLUMNS} FROM chat_sessions")
    op.execute(f"INSERT INTO chat_messages_prev SELECT {MESSAGE_COLUMNS} FROM chat_messages")
    swap_in("chat_sessions_prev", "chat_messages_prev")
    op.drop_index("ix_api_keys_tenant_id", table_name="api_keys")
    op.drop_table("api_keys")


def swap_in(sessions, messages):
    op.drop_table("chat_messages")
    op.drop_table("chat_sessions")
    op.rename_table(sessions, "chat_sessions")
    op.rename_table(messages, "chat_messages")


def create_sessions(name, with_tenant):
    tenant = [sa.Column("tenant_id", sa.String(length=64), nullable=False)] if with_tenant else []
    key = ["tenant_id", "id"] if with_tenant else ["id"]
    op.create_table(
        name,
        *tenant,
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("is_favorite", sa.Boolean(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            *key, name="pk_chat_sessions" if with_tenant else "chat_sessions_pkey"
        ),
    )
    if with_tenant:
        op.create_index(
            "ix_chat_sessions_tenant_user_activity",
            name,
            ["tenant_id", "user_id", "updated_at", "id"],
        )
    else:
        op.create_index("ix_chat_sessions_user_activity", name, ["user_id", "updated_at", "id"])


def create_messages(name, sessions, with_tenant):
    tenant = [sa.Column("tenant_id", sa.String(length=64), nullable=False)] if with_tenant else []
    scope = ["tenant_id"] if with_tenant else []
    op.create_table(
        name,
        *tenant,
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("context", CONTEXT, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("sender IN ('user', 'ai', 'system')", name="ck_chat_messages_sender"),
        sa.CheckConstraint("seq > 0", name="ck_chat_messages_seq_positive"),
        sa.ForeignKeyConstraint(
            [*scope, "session_id"],
            [f"{sessions}.{column}" for column in (*scope, "id")],
            name="fk_chat_messages_session" if with_tenant else "chat_messages_session_id_fkey",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            *scope, "id", name="pk_chat_messages" if with_tenant else "chat_messages_pkey"
        ),
        sa.UniqueConstraint(
            *scope,
            "session_id",
            "seq",
            # Index names are global on PostgreSQL: the old table still holds its one.
            name="uq_chat_messages_tenant_session_seq"
            if with_tenant
            else "uq_chat_messages_session_seq",
        ),
    )
