"""Storage: how many bytes PostgreSQL keeps per message, with and without the search index.

Creates two throw-away databases beside --database-url, migrates both with ragchat's own
migrations, drops the search index from the second (ragchat.search.index), and loads the same
N messages into each with COPY: chats of 20 messages in which a user's question (12-40 words)
and an AI answer (40-120 words) alternate, each answer with the load benchmark's shapes (a
RAG context of four retrieved chunks, about 2 KB of JSON, and metadata) and its facts and
cited sources as ragchat stores them (ragchat.chats.facts). Words follow a Zipf-like law over
a 100,000-word vocabulary, as in bench/search.py, and chunks come from a knowledge base of
5,000, so the text and the full-text index look like real ones. Messages are loaded turn by
turn across all chats (of 10 tenants by default), as live chats interleave, each a second
after the last, so every index grows as it does in use (its pages split), not packed as one
bulk build would leave it. Then VACUUM (ANALYZE), and the size of every table (heap, TOAST)
and index, per message and per 1,000,000 messages.

    python bench/storage.py [--messages 200000] [--tenants 10] [--database-url postgresql://…]
                            [--keep]

Prints a Markdown table and writes bench/results/storage-<timestamp>.json; drops both
databases at the end (unless --keep).
"""

import argparse
import json
import math
import platform
import random
import secrets
import signal
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a plain script: ragchat lives beside bench/

from flask_migrate import upgrade  # noqa: E402
from scratch import bench_app, scratch_database  # noqa: E402
from sqlalchemy import text  # noqa: E402

from ragchat import jsontext  # noqa: E402
from ragchat.chats.facts import facts_of  # noqa: E402
from ragchat.extensions import db  # noqa: E402
from ragchat.search.index import drop_search_index  # noqa: E402

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
RESULTS_DIR = ROOT / "bench" / "results"
VARIANTS = {"with_search_index": True, "without_search_index": False}
PER_MILLION = 1_000_000
MIB = 1024 * 1024
CHAT_LENGTH = 20  # messages
CHATS_PER_USER = 5
TENANTS = 10  # writing at once: each tenant's time-ordered index entries land mid-index
VOCABULARY = 100_000
KNOWLEDGE_BASE = 5_000  # chunks a retriever can return
TABLES = ["chat_messages", "chat_sessions", "message_sources", "idempotent_requests"]
SYLLABLES = ["ba", "be", "bi", "bo", "bu", "da", "de", "di", "do", "du", "fa", "fe"]
SYLLABLES += ["fi", "fo", "fu", "ga", "ge", "gi", "go", "gu", "ka", "ke", "ki", "ko"]
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

SESSION_COLUMNS = (
    "tenant_id, id, user_id, title, is_favorite, last_seq, message_count, metadata, "
    "created_at, updated_at"
)
MESSAGE_COLUMNS = (
    "tenant_id, id, session_id, seq, sender, content, context, metadata, extra, created_at, "
    "passage_count, best_score, model, latency_ms, prompt_tokens, completion_tokens"
)
SOURCE_COLUMNS = "tenant_id, message_id, session_id, source, url, created_at"

# Each table's heap (with its free-space and visibility maps), its TOAST (with its index)
# and each of its indexes.
TABLE_SIZES = text(
    """
    SELECT c.relname,
           pg_table_size(c.oid) - coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0),
           coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0)
    FROM pg_class AS c
    WHERE c.relname = ANY (:tables) AND c.relnamespace = 'public'::regnamespace
    """
)
INDEX_SIZES = text(
    """
    SELECT t.relname, i.relname, pg_relation_size(i.oid)
    FROM pg_index AS x JOIN pg_class AS i ON i.oid = x.indexrelid
         JOIN pg_class AS t ON t.oid = x.indrelid
    WHERE t.relname = ANY (:tables) AND t.relnamespace = 'public'::regnamespace
    ORDER BY t.relname, i.relname
    """
)
STORED = text(
    """
    SELECT (SELECT count(*) FROM chat_sessions) AS sessions,
           (SELECT count(*) FROM chat_messages) AS messages,
           (SELECT count(*) FROM message_sources) AS sources,
           (SELECT count(*) FROM chat_messages WHERE passage_count = 4) AS answers_with_facts,
           (SELECT avg(octet_length(context::text)) FROM chat_messages WHERE sender = 'ai')
               AS average_ai_context_bytes,
           (SELECT avg(length(content)) FROM chat_messages) AS average_content_characters
    """
)


class Chats:
    """The same chats for the same seed: every id, word and choice is drawn from it."""

    def __init__(self, messages, seed, tenants=TENANTS):
        self.tenants = tenants
        self.random = random.Random(seed)  # noqa: S311 (data that repeats, not secrets)
        self.words = [spelled(rank) for rank in range(1, VOCABULARY + 1)]
        self.chunks = [
            (f"kb/article-{n // 8}.md#section-{n % 8}", self.text_of_length(400))
            for n in range(KNOWLEDGE_BASE)
        ]
        count = math.ceil(messages / CHAT_LENGTH)
        self.lengths = [CHAT_LENGTH] * (count - 1) + [messages - CHAT_LENGTH * (count - 1)]
        self.ids = [self.uuid() for _ in self.lengths]
        self.sent = 0  # messages so far: each is a second after the one before

    def tenant_of(self, chat):
        return f"tenant-{chat % self.tenants:02d}"

    def uuid(self):
        return uuid.UUID(int=self.random.getrandbits(128), version=4)

    def text(self, words):
        """`words` words drawn by the law: rank r with probability about 1 / (r ln V)."""
        draw, log_v = self.random.random, math.log(VOCABULARY)
        return " ".join(self.words[int(math.exp(draw() * log_v)) - 1] for _ in range(words))

    def text_of_length(self, characters):
        text = self.text(characters // 9)
        while len(text) < characters:
            text += " " + self.text(1)
        return text

    def session_rows(self):
        """Each chat as it stands after its last message."""
        chats, metadata = len(self.ids), jsontext.dumps({"channel": "web", "locale": "en-GB"})
        for n, (session_id, length) in enumerate(zip(self.ids, self.lengths, strict=True)):
            first = START + timedelta(seconds=n + 1)
            last = first + timedelta(seconds=(length - 1) * chats)
            user, title = f"user-{n // CHATS_PER_USER}", self.text(4).capitalize()
            favorite = n % 10 == 0
            row = (self.tenant_of(n), session_id, user, title, favorite, length, length)
            yield (*row, metadata, first, last)

    def turn(self, seq):
        """Every chat's message number `seq`, in chat order, and the sources they cite."""
        messages, sources = [], []
        for n, (session_id, length) in enumerate(zip(self.ids, self.lengths, strict=True)):
            if seq > length:
                continue
            self.sent += 1
            created = START + timedelta(seconds=self.sent)
            sender, content, context, metadata = self.message(seq)
            facts = facts_of(sender, context, metadata)
            message_id = self.uuid()
            documents = tuple(jsontext.dumps(value) for value in (context, metadata, {}))
            row = (self.tenant_of(n), message_id, session_id, seq, sender, content, *documents)
            messages.append((*row, created, *facts.columns().values()))
            sources.extend(
                (self.tenant_of(n), message_id, session_id, label, link, created)
                for label, link in facts.sources
            )
        return messages, sources

    def message(self, seq):
        """(sender, content, context, metadata): a user's question or an AI answer, in the
        shapes of the load benchmark's appends (bench/wrk/append_message.lua)."""
        if seq % 2:
            return "user", self.text(self.random.randint(12, 40)), {}, {"channel": "web"}
        chunks = [
            {"source": source, "score": round(self.random.uniform(0.55, 0.95), 3), "text": text}
            for source, text in self.random.sample(self.chunks, 4)
        ]
        context = {"model": "gpt-4o-mini", "retriever": "hybrid-bm25-embeddings", "top_k": 4}
        metadata = {
            "model": "gpt-4o-mini",
            "prompt_tokens": str(self.random.randint(600, 1800)),
            "latency_ms": str(self.random.randint(300, 4000)),
        }
        content = self.text(self.random.randint(40, 120))
        return "ai", content, {**context, "chunks": chunks}, metadata


def spelled(rank):
    """The word of a rank: four syllables spelling it in base 24."""
    return "".join(SYLLABLES[rank // 24**place % 24] for place in range(4))


def copy(target, rows):
    """COPY `rows` into `target` ("table (columns)") and commit."""
    connection = db.engine.raw_connection()
    try:
        with connection.cursor() as cursor, cursor.copy(f"COPY {target} FROM STDIN") as copying:
            for row in rows:
                copying.write_row(row)
        connection.commit()
    finally:
        connection.close()


def load(url, chats, search_index, progress):
    """Migrate the database at `url` (without the search index unless `search_index`), load
    the `chats` into it and measure; returns what was measured."""
    operator_key = "rck_operator_" + secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory() as instance, bench_app(url, operator_key, instance):
        upgrade()
        if not search_index:
            with db.engine.begin() as connection:
                drop_search_index(connection)
        started = time.perf_counter()
        copy(f"chat_sessions ({SESSION_COLUMNS})", chats.session_rows())
        for seq in range(1, CHAT_LENGTH + 1):
            turn, sources = chats.turn(seq)
            copy(f"chat_messages ({MESSAGE_COLUMNS})", turn)
            copy(f"message_sources ({SOURCE_COLUMNS})", sources)
            progress(f"  {chats.sent:,} messages")
        seconds = time.perf_counter() - started
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in TABLES:  # the visibility maps, and GIN's pending entries merged
                connection.execute(text(f"VACUUM (ANALYZE) {table}"))
            stored = dict(connection.execute(STORED).one()._mapping)
            if search_index:
                stored["average_search_vector_bytes"] = connection.execute(
                    text("SELECT avg(pg_column_size(search_vector)) FROM chat_messages")
                ).scalar_one()
            parts = measure(connection)
            version = connection.execute(text("SHOW server_version")).scalar_one()
        return {
            "postgresql": version,
            "load_seconds": round(seconds, 1),
            "stored": stored,
            "parts": parts,
        }


def measure(connection):
    """[(table, part, bytes)]: each table's heap and TOAST, then each of its indexes."""
    parts = []
    for table, heap, toast in connection.execute(TABLE_SIZES, {"tables": TABLES}):
        parts += [(table, "heap", heap), (table, "TOAST", toast)]
    indexes = connection.execute(INDEX_SIZES, {"tables": TABLES})
    parts += [(table, f"index {index}", size) for table, index, size in indexes]
    return sorted(parts, key=lambda part: TABLES.index(part[0]))


def run(server_url, messages, seed, tenants, keep, progress):
    results = {
        "messages": messages,
        "seed": seed,
        "tenants": tenants,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "python": platform.python_version()},
        "variants": {},
        "databases": [],
    }
    for name, search_index in VARIANTS.items():
        progress(f"{name.replace('_', ' ')}: migrating and loading {messages:,} messages")
        with scratch_database(server_url, keep=keep) as url:
            chats = Chats(messages, seed, tenants)
            results["variants"][name] = load(url, chats, search_index, progress)
            if keep:
                results["databases"].append(url.rsplit("/", 1)[-1])
    return results


def markdown_table(results):
    """Per table and part: MiB per 1,000,000 messages and bytes per message, with the
    search index and without, then each table's total and the sum."""
    scale = PER_MILLION / results["messages"]
    sizes = {
        name: {(table, part): size for table, part, size in variant["parts"]}
        for name, variant in results["variants"].items()
    }
    keys = list(dict.fromkeys(key for variant in sizes.values() for key in variant))
    lines = [
        "| Table | Part | With the search index: MiB per 1M messages | bytes per message "
        "| Without it: MiB per 1M messages | bytes per message |",
        "|---|---|--:|--:|--:|--:|",
    ]

    def cells(bytes_by_variant):
        out = []
        for name in VARIANTS:
            size = bytes_by_variant.get(name)
            per_message = None if size is None else size / results["messages"]
            out += (
                ["—", "—"]
                if size is None
                else [f"{size * scale / MIB:,.0f}", f"{per_message:,.0f}"]
            )
        return out

    for table in TABLES:
        for key in (key for key in keys if key[0] == table):
            found = {name: sizes[name][key] for name in VARIANTS if key in sizes[name]}
            lines.append("| " + " | ".join([table, key[1], *cells(found)]) + " |")
        totals = {
            name: sum(v for k, v in sizes[name].items() if k[0] == table) for name in VARIANTS
        }
        lines.append("| " + " | ".join([f"**{table}**", "**all**", *cells(totals)]) + " |")
    everything = {name: sum(sizes[name].values()) for name in VARIANTS}
    lines.append("| " + " | ".join(["**all tables**", "", *cells(everything)]) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description="PostgreSQL storage per message.")
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--tenants", type=int, default=TENANTS, help="writing at once")
    parser.add_argument("--database-url", default=DEFAULT_SERVER)
    parser.add_argument("--keep", action="store_true", help="keep the two databases")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    if args.messages < 2 or args.tenants < 1:
        parser.error("--messages takes at least 2 (a question, an answer), --tenants 1")
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))

    def progress(message):
        print(message, file=sys.stderr, flush=True)

    options = (args.messages, args.seed, args.tenants, args.keep)
    results = run(args.database_url, *options, progress)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    path = args.results_dir / f"storage-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(markdown_table(results))
    for name, variant in results["variants"].items():
        seconds = variant["load_seconds"]
        print(f"\n{name.replace('_', ' ')}: {variant['stored']}, loaded in {seconds} s")
    print(f"\nResults: {path}")
    if args.keep:
        print(f"Kept databases {', '.join(results['databases'])} (drop them when done).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
