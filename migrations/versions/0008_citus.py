"""Citus: the chat tables sharded by tenant, the keys on every node; bigint key ids

Only where the citus extension is installed (a Citus coordinator): chat_sessions,
chat_messages, message_sources, idempotent_requests, insight_days and insight_generations
become distributed tables sharded by tenant_id, all colocated with chat_sessions, so a
tenant's sessions, messages, cited sources, idempotency records and kept insights share a
shard (foreign keys and joins stay inside it, and a request's
transaction touches one worker); api_keys, whose keys are found by their hash without a
tenant, becomes a reference table, copied to every node. Everywhere else (plain PostgreSQL,
SQLite) nothing is distributed.

On every PostgreSQL, api_keys.id becomes a bigint: Citus hands out ids on a worker only for
bigint columns (an insert through a worker fails on an integer id's sequence), and one schema
everywhere lets a database move to Citus as it is. Citus widens the id's sequence itself
when it makes the table a reference table. SQLite keeps its INTEGER PRIMARY KEY (the rowid).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from ragchat.chats import appends

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SHARD_KEY = "tenant_id"
# Tied together by foreign keys, parents first: Citus makes a foreign key only to a table it
# already distributes.
LINKED = ("chat_sessions", "chat_messages", "message_sources")
# The last three tied to none.
DISTRIBUTED = (*LINKED, "idempotent_requests", "insight_days", "insight_generations")
COLOCATED_WITH = LINKED[0]
REFERENCE = "api_keys"


def on_postgresql():
    return op.get_bind().dialect.name == "postgresql"


def on_citus():
    """Whether the database has the citus extension: the same answer that picks the
    append's statements (ragchat.chats.appends.is_citus)."""
    return appends.is_citus(op.get_bind())


def upgrade():
    if not on_postgresql():
        return
    # While api_keys is still a plain table; Citus then gives its sequence the same type.
    op.alter_column(
        "api_keys", "id", type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=False
    )
    if not on_citus():
        return
    op.execute(f"SELECT create_reference_table('{REFERENCE}')")
    for table in DISTRIBUTED:
        colocation = "" if table == COLOCATED_WITH else f", colocate_with => '{COLOCATED_WITH}'"
        op.execute(f"SELECT create_distributed_table('{table}', '{SHARD_KEY}'{colocation})")


def downgrade():
    if not on_postgresql():
        return
    if on_citus():
        # undistribute_table refuses a table tied to others by foreign keys unless it
        # cascades along them: this one call brings back chat_sessions, chat_messages and
        # message_sources together.
        op.execute(f"SELECT undistribute_table('{LINKED[0]}', cascade_via_foreign_keys => true)")
        for table in (*DISTRIBUTED[len(LINKED) :], REFERENCE):  # tied to none
            op.execute(f"SELECT undistribute_table('{table}')")
    op.alter_column(
        "api_keys", "id", type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=False
    )
