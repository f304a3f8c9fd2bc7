"""The load benchmark's data: a scratch PostgreSQL database, migrated and seeded in bulk.

Seeded with server-side SQL (INSERT … SELECT over generate_series), not through the API:
chats of every size from 10 to 100,000 messages, alternating user questions and AI answers,
each answer with a RAG context of four retrieved chunks (about 2 KB of JSON), spread over
many end users; and one stored API key (read, write), which the load uses.
"""

import secrets
import time
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

from flask_migrate import upgrade
from scratch import bench_app
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from ragchat.auth.keys import issue_key
from ragchat.extensions import db
from ragchat.settings.parsing import database_uri

TENANT = "load"
READ_TARGETS_PER_SIZE = 20  # sessions of each size the read scenarios pick from
APPEND_TARGETS = 1_000  # short chats the append scenario adds to
QUERIES = ("refund", "single sign-on", "billing address", "export CSV", "downgrade quota")

SENTENCES = [
    "How long does a refund take once the returned parcel has reached your warehouse?",
    "Refunds are issued within five working days of the return being inspected.",
    "Which plans include single sign-on, and is SCIM provisioning available on them?",
    "Single sign-on is part of the business and enterprise plans, with SAML and OIDC.",
    "Can I change the billing address on an invoice that has already been issued?",
    "Invoices can be reissued with a new billing address from the billing settings page.",
    "What happens to my stored files if I downgrade from the business plan to free?",
    "After a downgrade, files above the free quota stay readable but cannot be edited.",
    "Is there a way to export the whole conversation history as CSV or JSON?",
    "Conversations can be exported from the workspace settings, in CSV or JSON format.",
]

SEED_SESSIONS = text(
    """
    INSERT INTO chat_sessions (tenant_id, id, user_id, title, is_favorite, last_seq,
                               message_count, metadata, created_at, updated_at)
    SELECT :tenant, gen_random_uuid(), format('user-%s', (:first + g) % :users),
           format('Support chat %s', :first + g), g % 10 = 0, :size, :size,
           '{"channel": "web", "locale": "en-GB"}'::jsonb,
           :now - (:first + g) * interval '1 minute', :now - (:first + g) * interval '7 seconds'
    FROM generate_series(1, CAST(:count AS integer)) AS g
    """
)

# Odd seqs are user questions with an empty context, even seqs AI answers with four chunks.
SEED_MESSAGES = text(
    """
    INSERT INTO chat_messages
        (tenant_id, id, session_id, seq, sender, content, context, metadata, created_at)
    SELECT s.tenant_id, gen_random_uuid(), s.id, g,
        CASE WHEN g % 2 = 1 THEN 'user' ELSE 'ai' END,
        left(concat_ws(' ', said[1 + g % 10], 'Reference', md5(g::text), said[1 + (g / 10) % 10],
                       said[1 + (g / 100) % 10]), 300),
        CASE WHEN g % 2 = 1 THEN '{}'::jsonb ELSE jsonb_build_object(
            'model', 'gpt-4o-mini',
            'retriever', 'hybrid-bm25-embeddings',
            'latency_ms', 200 + g % 900,
            'chunks', (
                SELECT jsonb_agg(jsonb_build_object(
                    'source', format('kb/article-%s.md#section-%s', (g * 31 + c) % 5000, c),
                    'score', round((0.92 - c * 0.07 + (g % 13) / 1000.0)::numeric, 3),
                    'text', left(concat_ws(' ', said[1 + (g + c) % 10], md5((g * 4 + c)::text),
                                           said[1 + (g + 2 * c) % 10], said[1 + (g + 3 * c) % 10],
                                           md5((g * 4 + c + 1)::text),
                                           said[1 + (g + 5 * c) % 10]), 400)))
                FROM generate_series(1, 4) AS c)
        ) END,
        CASE WHEN g % 2 = 1 THEN '{}'::jsonb
             ELSE '{"model": "gpt-4o-mini", "prompt_tokens": "812"}'::jsonb END,
        s.created_at + g * interval '2 seconds'
    FROM chat_sessions AS s
         CROSS JOIN (SELECT CAST(:sentences AS text[]) AS said) AS t
         CROSS JOIN generate_series(1, s.last_seq) AS g
    WHERE s.tenant_id = :tenant AND s.last_seq = :size
    """
)


def wait_for_quiet(url, timeout=60):
    """Until no other query is running in the database (or `timeout` seconds passed)."""
    engine = create_engine(make_url(database_uri(url, Path())), poolclass=NullPool)
    deadline = time.monotonic() + timeout
    try:
        with engine.connect() as connection:
            while time.monotonic() < deadline:
                running = connection.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND state = 'active' AND pid <> pg_backend_pid()"
                    )
                ).scalar_one()
                connection.rollback()
                if not running:
                    return
                time.sleep(0.1)
    finally:
        engine.dispose()


def seed(url, scratch, data, progress):
    """Migrate and fill the database; returns the stored key's secret, what the scenarios
    pick from, and facts about what was stored."""
    operator_key = "rck_operator_" + secrets.token_urlsafe(24)
    started = time.perf_counter()
    with bench_app(url, operator_key, scratch / "seed-instance"):
        upgrade()
        _, secret = issue_key(TENANT, "load", scopes=("read", "write"))
        db.session.commit()
        fill(data, progress)
        settle()
        targets = pick_targets()
        facts = stored_facts()
    facts["seconds"] = round(time.perf_counter() - started, 1)
    progress(
        f"seeded {facts['messages']:,} messages in {facts['sessions']:,} chats "
        f"in {facts['seconds']:.0f} s"
    )
    return secret, targets, facts


def fill(data, progress):
    now, first = datetime.now(UTC), 0
    for size, count in sorted(data["sizes"].items()):
        with db.engine.begin() as connection:
            parameters = {"tenant": TENANT, "size": size, "now": now}
            connection.execute(
                SEED_SESSIONS,
                {**parameters, "first": first, "count": count, "users": data["users"]},
            )
            connection.execute(SEED_MESSAGES, {**parameters, "sentences": SENTENCES})
        first += count
        progress(f"seeded {count:,} chats of {size:,} messages")


def settle():
    """Planner statistics and the visibility map now, and the load's dirty pages written out,
    so that the runs measure serving, not the aftermath of a bulk load."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (ANALYZE) chat_messages"))
        connection.execute(text("VACUUM (ANALYZE) chat_sessions"))
        with suppress(DBAPIError):  # needs superuser or pg_checkpoint; only a nicety
            connection.execute(text("CHECKPOINT"))


def pick_targets():
    with db.engine.connect() as connection:
        read = connection.execute(
            text(
                """
                SELECT id, last_seq FROM (
                    SELECT id, last_seq, row_number() OVER (PARTITION BY last_seq ORDER BY id) AS n
                    FROM chat_sessions WHERE tenant_id = :tenant) AS ranked
                WHERE n <= :per_size ORDER BY last_seq, id
                """
            ),
            {"tenant": TENANT, "per_size": READ_TARGETS_PER_SIZE},
        ).all()
        append = connection.execute(
            text(
                "SELECT id FROM chat_sessions WHERE tenant_id = :tenant AND last_seq <= 100 "
                "ORDER BY id LIMIT :count"
            ),
            {"tenant": TENANT, "count": APPEND_TARGETS},
        ).scalars()
        users = connection.execute(
            text("SELECT DISTINCT user_id FROM chat_sessions WHERE tenant_id = :tenant"),
            {"tenant": TENANT},
        ).scalars()
        return {
            "read": [(str(session_id), count) for session_id, count in read],
            "append": [str(session_id) for session_id in append],
            "users": sorted(users),
            "queries": list(QUERIES),
        }


def stored_facts():
    with db.engine.connect() as connection:
        row = connection.execute(
            text(
                """
                SELECT (SELECT count(*) FROM chat_sessions) AS sessions,
                       (SELECT count(*) FROM chat_messages) AS messages,
                       (SELECT avg(octet_length(context::text)) FROM chat_messages
                        TABLESAMPLE SYSTEM (5) WHERE sender = 'ai') AS context,
                       pg_total_relation_size('chat_messages') AS messages_table
                """
            )
        ).one()
    return {
        "sessions": row.sessions,
        "messages": row.messages,
        "average_ai_context_bytes": round(float(row.context or 0)),
        "messages_table_bytes": row.messages_table,
    }
