"""Insights speed: GET /api/insights and the /insights page over 1,000,000 messages on
PostgreSQL, a 30-day window (target: p95 under 500 ms).

Creates a throw-away database, migrates it and seeds N messages in bulk with server-side
SQL: 10-message chats (a question, then an answer, five times) spread evenly over the last
DAYS days, 2,000 end users; nine answers in ten with four retrieved chunks from 500 sources
(a few of them cited far more than the rest) with scores, every answer with the usual
metadata (model, latency_ms, prompt_tokens, completion_tokens), one in twenty rated down
and one in twenty rated up; and a second tenant with a tenth of that, which must not slow
the first. Each answer's facts and cited sources are written by SQL as the append writes
them; a sample of answers is checked against ragchat's own reading (ragchat.chats.facts)
before anything is timed. Then ragchat is served by gunicorn and each scenario is requested
round after round from one client over loopback (HTTP, SQL, JSON or HTML: all of it): the
settled days as kept (ragchat.insights.cache), with nothing kept yet (every day counted),
and with one settled day to count again after a rating, which is what a reviewer's change
costs the next look.

    python bench/insights.py [--messages 1000000] [--days 90] [--rounds 40]
                             [--database-url postgresql://…] [--keep] [--seeded URL]

Prints a Markdown table, writes bench/results/insights-<timestamp>.json, drops the database.
"""

import argparse
import json
import re
import secrets
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
from deep_pages import DEFAULT_SERVER, RESULTS_DIR, ROOT, machine_facts
from flask_migrate import upgrade
from scratch import bench_app, scratch_database
from sqlalchemy import text

from ragchat.chats.facts import facts_of
from ragchat.extensions import db
from tests.support.server import Server

TARGET_P95_MS = 500
MESSAGES_PER_CHAT = 10
USERS = 2_000
SOURCES = 500
SAMPLE = 300  # answers whose stored facts are checked against ragchat's reading

SEED_SESSIONS = text(
    """
    INSERT INTO chat_sessions (tenant_id, id, user_id, title, is_favorite, last_seq,
                               message_count, metadata, created_at, updated_at)
    SELECT :tenant, gen_random_uuid(), format('user-%s', g % :users), format('Chat %s', g),
           false, :per_chat, :per_chat, '{}'::jsonb,
           :now - (g::bigint * :span / :count) * interval '1 second',
           :now - (g::bigint * :span / :count) * interval '1 second'
               + :per_chat * interval '1 minute'
    FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS g
    """
)

# r: a pseudo-random number per message that decides its context, metadata and rating.
SEED_MESSAGES = text(
    """
    INSERT INTO chat_messages
        (tenant_id, id, session_id, seq, sender, content, context, metadata, created_at,
         feedback_rating, feedback_at, passage_count, best_score, model, latency_ms,
         prompt_tokens, completion_tokens)
    SELECT tenant_id, gen_random_uuid(), session_id, seq, sender, content, context, metadata,
           created_at, rating, CASE WHEN rating IS NOT NULL THEN created_at END,
           CASE WHEN sender = 'ai' THEN coalesce(jsonb_array_length(context -> 'chunks'), 0) END,
           (SELECT max((c ->> 'score')::float) FROM jsonb_array_elements(context -> 'chunks') c),
           metadata ->> 'model', (metadata ->> 'latency_ms')::float,
           (metadata ->> 'prompt_tokens')::integer, (metadata ->> 'completion_tokens')::integer
    FROM (
        SELECT s.tenant_id, s.id AS session_id, g AS seq, s.created_at + g * interval '1 minute'
                   AS created_at,
               CASE WHEN g % 2 = 1 THEN 'user' ELSE 'ai' END AS sender,
               format('Message %s of chat %s: %s', g, s.title, md5(s.id::text || g)) AS content,
               CASE WHEN g % 2 = 1 OR r % 10 = 0 THEN '{}'::jsonb ELSE jsonb_build_object(
                   'chunks', (
                       SELECT jsonb_agg(jsonb_build_object(
                           'source', format('docs/page-%s.md',
                               floor(power(((r / (7 * c + 1)) % 1000) / 1000.0, 3) * :sources)),
                           'score', round((0.95 - c * 0.08 - (r % 40) / 100.0)::numeric, 3),
                           'text', md5(r::text || c)))
                       FROM generate_series(1, 4) AS c)) END AS context,
               CASE WHEN g % 2 = 1 THEN '{}'::jsonb ELSE jsonb_build_object(
                   'model', (ARRAY['gpt-4o-mini', 'gpt-4o', 'claude-sonnet'])[1 + r % 3],
                   'latency_ms', (300 + r % 2500)::text,
                   'prompt_tokens', (800 + r % 1500)::text,
                   'completion_tokens', (50 + r % 400)::text) END AS metadata,
               CASE WHEN g % 2 = 1 THEN NULL WHEN r % 100 < 5 THEN 'down'
                    WHEN r % 100 < 10 THEN 'up' END AS rating
        FROM chat_sessions AS s
             CROSS JOIN generate_series(1, :per_chat) AS g
             CROSS JOIN LATERAL (SELECT abs(hashtext(s.id::text || g)) AS r) AS random
        WHERE s.tenant_id = :tenant AND s.title = ANY(:titles)
    ) AS messages
    """
)

SEED_SOURCES = text(
    """
    INSERT INTO message_sources
        (tenant_id, message_id, session_id, source, url, created_at, rating)
    SELECT DISTINCT m.tenant_id, m.id, m.session_id, c ->> 'source', NULL::text, m.created_at,
           m.feedback_rating
    FROM chat_messages m CROSS JOIN jsonb_array_elements(m.context -> 'chunks') c
    WHERE m.tenant_id = :tenant AND m.session_id = ANY(
        SELECT id FROM chat_sessions WHERE tenant_id = :tenant AND title = ANY(:titles))
      AND m.sender = 'ai'
    """
)


def seed(messages, days, progress):
    """Two tenants' chats: `messages` for `default`, a tenth of that for `other`."""
    now = datetime.now(UTC)
    for tenant, count in (("default", messages), ("other", messages // 10)):
        chats = count // MESSAGES_PER_CHAT
        for first in range(1, chats + 1, 10_000):
            last = min(first + 9_999, chats)
            titles = [f"Chat {g}" for g in range(first, last + 1)]
            parameters = {"tenant": tenant, "titles": titles, "per_chat": MESSAGES_PER_CHAT}
            with db.engine.begin() as connection:
                connection.execute(
                    SEED_SESSIONS,
                    {
                        **parameters,
                        "first": first,
                        "last": last,
                        "count": chats,
                        "users": USERS,
                        "span": days * 86_400,
                        "now": now,
                    },
                )
                connection.execute(SEED_MESSAGES, {**parameters, "sources": SOURCES})
                connection.execute(SEED_SOURCES, parameters)
            progress(f"{tenant}: {last * MESSAGES_PER_CHAT:,} of {count:,} messages")
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


def check_facts():
    """A sample of stored answers: their facts and sources as ragchat reads them."""
    with db.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT id, context, metadata, feedback_rating, passage_count, best_score,"
                " model, latency_ms, prompt_tokens, completion_tokens FROM chat_messages"
                " WHERE tenant_id = 'default' AND sender = 'ai' ORDER BY id LIMIT :n"
            ),
            {"n": SAMPLE},
        ).all()
        for row in rows:
            facts = facts_of("ai", row.context, row.metadata)
            stored = dict(zip(facts.columns(), row[4:], strict=True))
            sources = connection.execute(
                text("SELECT source, rating FROM message_sources WHERE message_id = :id"),
                {"id": row.id},
            ).all()
            rating = row.feedback_rating
            expected = {(source, rating) for source, _ in facts.sources}
            if stored != facts.columns() or set(map(tuple, sources)) != expected:
                raise SystemExit(f"seeded facts differ from ragchat's for answer {row.id}")


def scenarios(today):
    """(label, path, query, what to do before each timed request or None, rounds or None)."""

    def window(days, **more):
        since = today - timedelta(days=days - 1)
        return {"since": since.isoformat(), "until": today.isoformat(), **more}

    by_share, one_user = window(30, sources_order="share"), window(30, user_id="user-7")
    return [
        ("API, 30 days, nothing kept yet", "/api/insights", window(30), forget_kept_days, 8),
        ("API, 30 days, a day's rating changed", "/api/insights", window(30), rate_a_day, 20),
        ("API, last 30 days", "/api/insights", window(30), None, None),
        ("API, last 7 days", "/api/insights", window(7), None, None),
        ("API, last 90 days", "/api/insights", window(90), None, None),
        ("API, 30 days, sources by share", "/api/insights", by_share, None, None),
        ("API, 30 days, one end user", "/api/insights", one_user, None, None),
        ("page, last 30 days", "/insights", {"days": "30"}, None, None),
        ("page, last 90 days", "/insights", {"days": "90"}, None, None),
    ]


def forget_kept_days(browser):
    """The figures kept of settled days, deleted: the next request counts all 30 days."""
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM insight_days"))


def rate_a_day(browser):
    """An answer of ten days ago rated through the API: its day is counted again."""
    with db.engine.connect() as connection:
        session_id, message_id = connection.execute(
            text(
                "SELECT session_id, id FROM chat_messages WHERE tenant_id = 'default'"
                " AND sender = 'ai' AND created_at < now() - interval '10 days'"
                " ORDER BY created_at DESC LIMIT 1 OFFSET :n"
            ),
            {"n": secrets.randbelow(1000)},
        ).one()
    rating = secrets.choice(["up", "down"])
    path = f"/api/sessions/{session_id}/messages/{message_id}/feedback"
    response = browser.client.put(
        path, json={"rating": rating}, headers={"X-API-Key": browser.api_key}
    )
    response.raise_for_status()


class Browser:
    """Requests with the API key (the API) or signed in with it (the pages)."""

    def __init__(self, url, api_key):
        self.api_key = api_key
        self.client = httpx.Client(base_url=url, timeout=60)
        sign_in = self.client.get("/sign-in").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', sign_in)[1]
        form = {"csrf_token": token, "api_key": api_key, "next": ""}
        signed_in = self.client.post("/sign-in", data=form)
        if signed_in.status_code != 302:
            raise SystemExit(f"could not sign in: HTTP {signed_in.status_code}")

    def get(self, path, query):
        headers = {"X-API-Key": self.api_key} if path.startswith("/api/") else {}
        started = time.perf_counter()
        response = self.client.get(path, params=query, headers=headers)
        return (time.perf_counter() - started) * 1000, response.status_code, len(response.content)


def measure(browser, rounds, today, progress):
    results = []
    for label, path, query, before, own_rounds in scenarios(today):
        for _ in range(3):  # warm-up: connections, caches
            _, status, _ = browser.get(path, query)
        if status != 200:
            results.append({"scenario": label, "path": path, "status": status})
            progress(f"{label}: HTTP {status}, not timed")
            continue
        timings, sizes = [], set()
        for _ in range(own_rounds or rounds):
            if before:
                before(browser)
            elapsed, status, size = browser.get(path, query)
            timings.append(elapsed)
            sizes.add(size)
        quantiles = statistics.quantiles(timings, n=100, method="inclusive")
        results.append(
            {
                "scenario": label,
                "path": f"{path}?{urlencode(query)}",
                "rounds": len(timings),
                "p50_ms": round(statistics.median(timings), 1),
                "p95_ms": round(quantiles[94], 1),
                "max_ms": round(max(timings), 1),
                "bytes": max(sizes),
            }
        )
        progress(f"{label}: p50 {results[-1]['p50_ms']} ms, p95 {results[-1]['p95_ms']} ms")
    return results


def table(results):
    lines = [
        "| scenario | rounds | p50 ms | p95 ms | max ms | target p95 < 500 ms |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for row in results:
        if "status" in row:
            lines.append(f"| {row['scenario']} | | HTTP {row['status']} | | | not timed |")
            continue
        verdict = "met" if row["p95_ms"] < TARGET_P95_MS else "MISSED"
        lines.append(
            f"| {row['scenario']} | {row['rounds']} | {row['p50_ms']} | {row['p95_ms']} "
            f"| {row['max_ms']} "
            f"| {verdict} |"
        )
    return "\n".join(lines)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=90, help="the chats' spread, up to today")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--database-url", default=DEFAULT_SERVER)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--seeded", metavar="URL", help="measure a database an earlier run kept (no seeding)"
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)

    def progress(line):
        print(f"[{datetime.now(UTC):%H:%M:%S}] {line}", file=sys.stderr, flush=True)

    api_key = "rck_bench_" + secrets.token_urlsafe(24)
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ragchat-in-")))
        started = time.perf_counter()
        if args.seeded:  # a database kept by an earlier run (--keep): measured again
            url = args.seeded
        else:
            url = stack.enter_context(scratch_database(args.database_url, keep=args.keep))
            with bench_app(url, api_key, scratch / "seed-instance"):
                upgrade()
                seed(args.messages, args.days, progress)
                check_facts()
        seeded = round(time.perf_counter() - started)
        progress(f"seeded and checked in {seeded} s")
        server = stack.enter_context(
            Server(
                scratch / "server",
                migrate=False,
                DATABASE_URL=url,
                API_KEY=api_key,
                SECRET_KEY=secrets.token_urlsafe(32),
                LOG_LEVEL="WARNING",
            )
        )
        today = datetime.now(UTC).date()
        with bench_app(url, api_key, scratch / "measure-instance"):
            results = measure(Browser(server.url, api_key), args.rounds, today, progress)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "messages": args.messages,
        "days": args.days,
        "rounds": args.rounds,
        "seed_seconds": seeded,
        "machine": machine_facts(),
        "results": results,
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"insights-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2))
    print(table(results))
    print(f"\n(results in {path.relative_to(ROOT)})")


if __name__ == "__main__":
    main()
