"""Search speed: typical queries against 1,000,000 messages on PostgreSQL.

Creates a throw-away database, migrates it and seeds N messages (10,000 sessions of 1,000
users by default; a user's question of 12-40 words, an answer of 40-120 words with ~2 KB of
retrieved context) whose words follow a Zipf-like law over a 100,000-word vocabulary, so
that there are rare words and common ones, as in real chats. A few real words sit at known
ranks of that law, so each query's number of matches is known in advance. Then it times
each query through the API in-process (parsing, SQL, snippets, JSON: everything but the
socket), round after round, and reports p50/p95/p99 against the target: p95 under 50 ms.

    python bench/search.py [--messages 1000000] [--rounds 60] [--database-url postgresql://…]
                           [--keep] [--seeded postgresql://…/ragchat_bench_…]

Prints a Markdown table, writes bench/results/search-<timestamp>.json, drops the database.
"""

import argparse
import json
import secrets
import signal
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from deep_pages import DEFAULT_SERVER, RESULTS_DIR, ROOT, machine_facts
from flask_migrate import upgrade
from scratch import bench_app, scratch_database
from sqlalchemy import text
from sqlalchemy.engine import make_url

from ragchat.extensions import db

TARGET_P95_MS = 50
VOCABULARY = 100_000
SESSIONS_PER_USER = 10
# Real words at fixed ranks of the word law: the lower the rank, the more messages hold it.
# (their ranks are in VOCABULARY_TABLE below)
QUERIES = [
    ("one rare word (~150 matches)", {"q": "passport"}),
    ("one very rare word (~50)", {"q": "chargeback"}),
    ("one medium word (~1,500)", {"q": "warranty"}),
    ("one common word (~15,000)", {"q": "refund"}),
    ("two words, both required", {"q": "refund warranty"}),
    ("a quoted phrase", {"q": '"refund warranty"'}),
    ("either of two words", {"q": "passport OR chargeback"}),
    ("a word being typed (prefix)", {"q": "warran"}),
    ("a word without another", {"q": "warranty -refund"}),
    ("common word, one user's chats", {"q": "refund", "user_id": "user-7"}),
    ("common word, one AI's answers", {"q": "refund", "sender": "ai"}),
]

# The vocabulary: the word of each rank of the law is four syllables spelling the rank in
# base 24 (so every rank has its own word), except for the placed real words.
VOCABULARY_TABLE = text(
    """
    CREATE TABLE bench_words AS
    SELECT r AS rank, CASE r
               WHEN 300 THEN 'refund' WHEN 3000 THEN 'warranty'
               WHEN 30000 THEN 'passport' WHEN 90000 THEN 'chargeback'
               ELSE s[1 + r % 24] || s[1 + r / 24 % 24] || s[1 + r / 576 % 24]
                    || s[1 + r / 13824 % 24] END AS word
    FROM generate_series(1, :vocabulary) AS r,
         (SELECT '{ba,be,bi,bo,bu,da,de,di,do,du,fa,fe,fi,fo,fu,ga,ge,gi,go,gu,ka,ke,ki,ko}'
                 ::text[] AS s) AS syllables
    """
)

# n words drawn by the law: rank r with probability about 1 / (r ln V).
TITLE_WORDS = """(SELECT string_agg(w.word, ' ')
                  FROM (SELECT floor(exp(random() * ln(:vocabulary)))::int + 0 * i AS rank
                        FROM generate_series(1, 3 + s % 4) AS i OFFSET 0) AS picks
                  JOIN bench_words AS w USING (rank))"""
# (`0 * i` ties each draw to its row, OFFSET 0 keeps the draws apart from the join.)


SEED_SESSIONS = text(
    f"""
    INSERT INTO chat_sessions (tenant_id, id, user_id, title, is_favorite, last_seq,
                               message_count, metadata, created_at, updated_at)
    SELECT 'default', gen_random_uuid(), 'user-' || (s % :users), initcap({TITLE_WORDS}),
           false, :per_session, :per_session, '{{}}'::jsonb,
           now() - interval '1 day', now() - interval '1 day'
    FROM generate_series(1, :sessions) AS s
    """  # noqa: S608
)

# A batch of sessions' messages: odd seqs the user's (12-40 words), even seqs the AI's
# (40-120 words, with four retrieved chunks of ~400 characters as context). All the words
# of the batch are drawn at once and joined to the vocabulary in one hash join.
SEED_MESSAGES = text(
    """
    WITH turns AS (
        SELECT s.id AS session_id, s.created_at, g,
               CASE WHEN g % 2 = 1 THEN 12 + (g * 7 + s.n) % 29
                    ELSE 40 + (g * 13 + s.n) % 81 END AS words
        FROM (SELECT id, created_at, row_number() OVER (ORDER BY id) AS n FROM chat_sessions
              ORDER BY id OFFSET :offset LIMIT :count) AS s,
             generate_series(1, :per_session) AS g
    ), picks AS MATERIALIZED (  -- drawn first: a join on a volatile value is a nested loop
        SELECT t.session_id, t.g, floor(exp(random() * ln(:vocabulary)))::int AS rank
        FROM turns AS t CROSS JOIN LATERAL generate_series(1, t.words) AS i
    ), texts AS (
        SELECT p.session_id, p.g, string_agg(w.word, ' ') AS content
        FROM picks AS p JOIN bench_words AS w USING (rank)
        GROUP BY p.session_id, p.g
    )
    INSERT INTO chat_messages (tenant_id, id, session_id, seq, sender, content, context,
                               metadata, created_at)
    SELECT 'default', gen_random_uuid(), t.session_id, t.g,
           CASE WHEN t.g % 2 = 1 THEN 'user' ELSE 'ai' END,
           x.content,
           CASE WHEN t.g % 2 = 1 THEN '{}'::jsonb ELSE jsonb_build_object('chunks',
               (SELECT jsonb_agg(jsonb_build_object('source', 'kb/' || md5(c::text) || '.md',
                    'score', 0.9 - c / 10.0,
                    'text', (SELECT string_agg(md5(random()::text), ' ')
                             FROM generate_series(1, 12 + c * 0))))
                FROM generate_series(1, 4 + t.g * 0) AS c)) END,
           '{}'::jsonb, t.created_at + t.g * interval '1 second'
    FROM turns AS t JOIN texts AS x USING (session_id, g)
    """
)


def seed(messages, progress):
    per_session = 100
    sessions = messages // per_session
    started = time.perf_counter()
    with db.engine.begin() as connection:
        connection.execute(VOCABULARY_TABLE, {"vocabulary": VOCABULARY})
        connection.execute(text("ALTER TABLE bench_words ADD PRIMARY KEY (rank)"))
        connection.execute(
            SEED_SESSIONS,
            {
                "vocabulary": VOCABULARY,
                "sessions": sessions,
                "users": max(1, sessions // SESSIONS_PER_USER),
                "per_session": per_session,
            },
        )
        # Loading first and indexing once is far quicker than growing the index row by row.
        connection.execute(text("DROP INDEX ix_chat_messages_search"))
    batch = 1000
    for offset in range(0, sessions, batch):
        with db.engine.begin() as connection:
            connection.execute(
                SEED_MESSAGES,
                {
                    "offset": offset,
                    "count": batch,
                    "per_session": per_session,
                    "vocabulary": VOCABULARY,
                },
            )
        progress(f"seeded {min(offset + batch, sessions) * per_session:,} messages")
    with db.engine.begin() as connection:
        connection.execute(text("SET maintenance_work_mem = '512MB'"))
        connection.execute(
            text("CREATE INDEX ix_chat_messages_search ON chat_messages USING gin (search_vector)")
        )
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE chat_messages"))
        connection.execute(text("VACUUM ANALYZE chat_sessions"))
    seconds = time.perf_counter() - started
    progress(f"seeded, indexed and vacuumed in {seconds:.0f} s")
    return {"messages": sessions * per_session, "sessions": sessions, "seconds": round(seconds)}


def matches(args):
    """How many messages and titles match (counted apart from the timings)."""
    from ragchat import search

    rest = {key: value for key, value in args.items() if key != "q"}
    cursor, total = None, 0
    while True:
        found, cursor = search.search("default", args["q"], **rest, cursor=cursor, limit=100)
        total += len(found)
        if cursor is None or total >= 20_000:
            return total if cursor is None else f">{total}"


def measure(client, rounds, warmup, progress):
    samples = {name: [] for name, _ in QUERIES}
    for round_ in range(warmup + rounds):
        for name, args in QUERIES:
            started = time.perf_counter()
            response = client.get("/api/search", query_string=args)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(
                    f"{name}: {response.status_code} {response.get_data(as_text=True)}"
                )
            if round_ >= warmup:
                samples[name].append(elapsed)
        if round_ % 10 == 0:
            progress(f"round {round_ + 1} of {warmup + rounds}")
    return samples


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run(server_url, messages, rounds, warmup, progress, seeded=None, keep=False):
    """The benchmark on a scratch database (left in place with `keep`), or on `seeded`,
    one that an earlier run kept."""
    results = {
        "benchmark": "search",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_facts(),
        "parameters": {"messages": messages, "rounds": rounds, "warmup": warmup},
        "target_p95_ms": TARGET_P95_MS,
    }
    api_key = "rck_bench_" + secrets.token_urlsafe(24)
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ragchat-bench-")))
        url = seeded or stack.enter_context(scratch_database(server_url, keep))
        results["database"] = make_url(url).database
        app = stack.enter_context(
            bench_app(url, api_key, scratch / "instance", RATE_LIMIT="1000000/minute")
        )
        if seeded:
            results["seeded"] = {"reused": True}
        else:
            upgrade()
            results["seeded"] = seed(messages, progress)
        client = app.test_client()
        client.environ_base["HTTP_X_API_KEY"] = api_key
        samples = measure(client, rounds, warmup, progress)
        results["queries"] = []
        for name, args in QUERIES:
            timings = samples[name]
            results["queries"].append(
                {
                    "query": name,
                    "arguments": args,
                    "matches": matches(args),
                    "p50_ms": round(statistics.median(timings), 1),
                    "p95_ms": round(percentile(timings, 0.95), 1),
                    "p99_ms": round(percentile(timings, 0.99), 1),
                }
            )
    results["target_met"] = all(q["p95_ms"] < TARGET_P95_MS for q in results["queries"])
    return results


def markdown_table(results):
    lines = [
        "| query | arguments | matches | p50 ms | p95 ms | p99 ms |",
        "|---|---|--:|--:|--:|--:|",
    ]
    for q in results["queries"]:
        arguments = " ".join(f"{k}=`{v}`" for k, v in q["arguments"].items())
        figures = " | ".join(str(q[key]) for key in ("matches", "p50_ms", "p95_ms", "p99_ms"))
        lines.append(f"| {q['query']} | {arguments} | {figures} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Typical searches over many messages.")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--database-url", default=DEFAULT_SERVER)
    parser.add_argument(
        "--seeded",
        help="time again on a database a run seeded, e.g. postgresql://…/ragchat_bench_…",
    )
    parser.add_argument("--keep", action="store_true", help="keep the seeded database")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    results = run(
        args.database_url,
        args.messages,
        args.rounds,
        args.warmup,
        lambda message: print(message, file=sys.stderr, flush=True),
        seeded=args.seeded,
        keep=args.keep,
    )
    args.results_dir.mkdir(parents=True, exist_ok=True)
    path = args.results_dir / f"search-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(markdown_table(results))
    met = "met" if results["target_met"] else "MISSED"
    print(f"\nTarget p95 < {TARGET_P95_MS} ms on every query: {met}.")
    print(f"Results: {path.relative_to(ROOT)}")
    if args.keep:
        print(f"Kept database {results['database']} (--seeded to reuse it; drop it when done).")
    return 0 if results["target_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
