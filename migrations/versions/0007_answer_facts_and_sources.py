"""Insights: each AI answer's facts in columns, the sources it cited in rows of their own

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from ragchat.chats.facts import facts_of

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
FACT_TYPES = {
    "passage_count": sa.Integer(),
    "best_score": sa.Float(),
    "model": sa.String(length=512),
    "latency_ms": sa.Float(),
    "prompt_tokens": sa.Integer(),
    "completion_tokens": sa.Integer(),
}
# What the insight indexes hold beside their keys (PostgreSQL reads them from the index).
INSIGHT_COLUMNS = [
    "id",
    "session_id",
    "sender",
    "feedback_rating",
    *FACT_TYPES,
]
SOURCE_INSIGHT_COLUMNS = ["source", "url", "rating", "session_id", "message_id"]
BATCH = 1000  # answers read, and their facts written, at a time

# The tables as this revision knows them (the models may have moved on since).
messages = sa.table(
    "chat_messages",
    sa.column("tenant_id", sa.String()),
    sa.column("id", sa.Uuid()),
    sa.column("session_id", sa.Uuid()),
    sa.column("sender", sa.String()),
    sa.column("context", JSON_DOCUMENT),
    sa.column("metadata", JSON_DOCUMENT),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("feedback_rating", sa.String()),
    *(sa.column(name, type_) for name, type_ in FACT_TYPES.items()),
)


def upgrade():
    for name, type_ in FACT_TYPES.items():  # nullable, no default: no copy, no rewrite
        op.add_column("chat_messages", sa.Column(name, type_, nullable=True))
    op.create_index(
        "ix_chat_messages_tenant_created",
        "chat_messages",
        ["tenant_id", "created_at"],
        postgresql_include=INSIGHT_COLUMNS,
    )
    sources = op.create_table(
        "message_sources",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=250), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rating", sa.String(length=4), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "session_id"],
            ["chat_sessions.tenant_id", "chat_sessions.id"],
            name="fk_message_sources_session",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "message_id", "source", name="pk_message_sources"),
    )
    op.create_index(
        "ix_message_sources_tenant_created",
        "message_sources",
        ["tenant_id", "created_at"],
        postgresql_include=SOURCE_INSIGHT_COLUMNS,
    )
    op.create_index(
        "ix_message_sources_tenant_session",
        "message_sources",
        ["tenant_id", "session_id", "source"],
    )
    # Settled days' figures, kept, and the generations that tell when they changed.
    op.create_table(
        "insight_days",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("every_generation", sa.BigInteger(), nullable=False),
        sa.Column("figures", JSON_DOCUMENT, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "day", name="pk_insight_days"),
    )
    op.create_table(
        "insight_generations",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "day", name="pk_insight_generations"),
    )
    fill_facts(op.get_bind(), sources)


def fill_facts(connection, sources):
    """Read every stored answer once, in batches in key order, and write its facts."""
    after = None
    while True:
        query = sa.select(
            messages.c.tenant_id,
            messages.c.id,
            messages.c.session_id,
            messages.c.context,
            messages.c.metadata,
            messages.c.created_at,
            messages.c.feedback_rating,
        ).where(messages.c.sender == "ai")
        if after is not None:
            query = query.where(sa.tuple_(messages.c.tenant_id, messages.c.id) > after)
        batch = connection.execute(
            query.order_by(messages.c.tenant_id, messages.c.id).limit(BATCH)
        ).all()
        if not batch:
            return
        write_facts(connection, sources, batch)
        after = sa.tuple_(sa.literal(batch[-1].tenant_id), sa.literal(batch[-1].id))


def write_facts(connection, sources, answers):
    updates, cited = [], []
    for answer in answers:
        facts = facts_of("ai", answer.context, answer.metadata)
        updates.append({"key_tenant": answer.tenant_id, "key_id": answer.id, **facts.columns()})
        cited.extend(
            {
                "tenant_id": answer.tenant_id,
                "message_id": answer.id,
                "session_id": answer.session_id,
                "source": label,
                "url": link,
                "created_at": answer.created_at,
                "rating": answer.feedback_rating,
            }
            for label, link in facts.sources
        )
    connection.execute(
        messages.update()
        .where(
            messages.c.tenant_id == sa.bindparam("key_tenant"),
            messages.c.id == sa.bindparam("key_id"),
        )
        .values({name: sa.bindparam(name) for name in FACT_TYPES}),
        updates,
    )
    if cited:
        connection.execute(sources.insert(), cited)


def downgrade():
    op.drop_table("insight_generations")
    op.drop_table("insight_days")
    op.drop_table("message_sources")
    op.drop_index("ix_chat_messages_tenant_created", table_name="chat_messages")
    for name in reversed(FACT_TYPES):  # in place (SQLite 3.35+): no copy, no cascade
        op.drop_column("chat_messages", name)
