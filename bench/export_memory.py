"""Export memory: does streaming an export keep the server's memory flat?

Seeds one session with N messages (100,000 by default, each AI answer with a ~1.5 KB RAG
context) and a few hundred short sessions, starts ragchat under gunicorn with one worker,
and downloads three exports through HTTP while sampling the worker's resident memory (RSS,
from /proc) every 20 ms:

- the long session as JSON (`/api/sessions/{id}/export`),
- the long session as Markdown (`?format=markdown`),
- the whole tenant as NDJSON (`/api/export`).

If an export were built in memory, the worker would grow by about the size of the download
(well over 100 MB); streamed, it should stay within a few MB of where it started.

    python bench/export_memory.py [--messages 100000] [--database-url postgresql://…]

Without --database-url the data goes to a throw-away SQLite file. With a PostgreSQL URL a
database with a unique name is created next to the one named (the role needs CREATEDB) and
dropped at the end. Prints a Markdown table; writes the samples to
bench/results/export_memory-<timestamp>.json.
"""

import argparse
import http.client
import json
import secrets
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a plain script: ragchat lives beside bench/

from flask_migrate import upgrade  # noqa: E402
from scratch import scratch_database  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from ragchat import create_app  # noqa: E402
from ragchat.extensions import db  # noqa: E402
from ragchat.models import DEFAULT_TENANT, ChatMessage, ChatSession  # noqa: E402
from tests.support.server import Server, worker_rss  # noqa: E402

RESULTS_DIR = ROOT / "bench" / "results"
SAMPLE_EVERY = 0.02  # seconds between RSS samples
READ_SIZE = 64 * 1024
SENTENCE = "Refunds are issued within five working days of the return being inspected. "


@contextmanager
def database(url, workdir):
    """The database to use: a new SQLite file, or a new PostgreSQL database beside `url`."""
    if not url:
        yield f"sqlite:///{workdir / 'export-bench.db'}"
        return
    with scratch_database(url) as scratch:
        yield scratch


def context_for(number):
    chunks = [
        {"source": f"kb/article-{(number * 7 + c) % 500}.md", "score": 0.9 - c / 10,
         "text": f"{SENTENCE * 4}{uuid.uuid4().hex}"}
        for c in range(4)
    ]  # fmt: skip
    return {"chunks": chunks, "model": "gpt-4o-mini", "latency_ms": 400 + number % 500}


def seed(url, messages, short_sessions):
    """Migrate and fill the database; returns the long session's id."""
    app = create_app({"DATABASE_URL": url, "API_KEY": "bench-seed-key-0123456789"})
    start = datetime.now(UTC) - timedelta(days=1)
    long_id = uuid.uuid4()
    with app.app_context():
        upgrade()
        sessions = [
            {"tenant_id": DEFAULT_TENANT, "id": long_id, "user_id": "long", "title": "Long chat",
             "last_seq": messages, "message_count": messages, "meta": {},
             "created_at": start, "updated_at": start}
        ]  # fmt: skip
        for number in range(short_sessions):
            sessions.append(
                {**sessions[0], "id": uuid.uuid4(), "user_id": f"user-{number % 50}",
                 "title": f"Chat {number}", "last_seq": 10, "message_count": 10}
            )  # fmt: skip
        db.session.execute(insert(ChatSession), sessions)
        targets = [(long_id, seq) for seq in range(1, messages + 1)]
        targets += [(session["id"], seq) for session in sessions[1:] for seq in range(1, 11)]
        for first in range(0, len(targets), 5000):
            rows = [
                {"tenant_id": DEFAULT_TENANT, "id": uuid.uuid4(), "session_id": session_id,
                 "seq": seq, "sender": "user" if seq % 2 else "ai",
                 "content": f"{SENTENCE * 3}#{seq}", "context": {} if seq % 2 else context_for(seq),
                 "meta": {}, "created_at": start + timedelta(seconds=seq)}
                for session_id, seq in targets[first : first + 5000]
            ]  # fmt: skip
            db.session.execute(insert(ChatMessage), rows)
            db.session.commit()
        db.engine.dispose()
    return long_id


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


@contextmanager
def server(url, workdir, key):
    """ragchat under gunicorn with one worker; yields its port and the worker's pid."""
    settings = {
        "DATABASE_URL": url,
        "API_KEY": key,
        "WEB_CONCURRENCY": "1",
        "RATE_LIMIT": "100000/minute",
        "LOG_LEVEL": "WARNING",
    }
    with Server(workdir, migrate=False, **settings) as running:
        (worker,) = worker_rss(running.pid)
        yield running.port, worker


def get(port, path, key, sink=None):
    """GET `path`; returns (status, bytes read), reading the body in chunks."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path, headers={"X-API-Key": key})
    response = connection.getresponse()
    total = 0
    while chunk := response.read(READ_SIZE):
        total += len(chunk)
        if sink:
            sink(total)
    connection.close()
    return response.status, total


def measure(port, pid, label, path, key):
    """Download `path` while sampling the worker's RSS; returns the figures."""
    samples, progress, done = [], [0], threading.Event()

    def sample():
        started = time.monotonic()
        while not done.is_set():
            samples.append((time.monotonic() - started, progress[0], rss_kib(pid)))
            time.sleep(SAMPLE_EVERY)

    before = rss_kib(pid)
    sampler = threading.Thread(target=sample)
    started = time.monotonic()
    sampler.start()
    status, size = get(port, path, key, sink=lambda total: progress.__setitem__(0, total))
    done.set()
    sampler.join()
    seconds = time.monotonic() - started
    assert status == 200, (path, status)
    rss = [kib for _, _, kib in samples]
    return {
        "label": label,
        "path": path,
        "bytes": size,
        "seconds": round(seconds, 2),
        "rss_before_mib": round(before / 1024, 1),
        "rss_min_mib": round(min(rss) / 1024, 1),
        "rss_peak_mib": round(max(rss) / 1024, 1),
        "rss_after_mib": round(rss_kib(pid) / 1024, 1),
        "growth_mib": round((max(rss) - before) / 1024, 1),
        "timeline": [
            {"at_bytes": at, "rss_mib": round(kib / 1024, 1)}
            for _, at, kib in samples[:: max(1, len(samples) // 10)]
        ],
        "samples": samples,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--short-sessions", type=int, default=500)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    args = parser.parse_args()
    key = "bench-" + secrets.token_urlsafe(24)
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url = stack.enter_context(database(args.database_url, workdir))
        began = time.monotonic()
        long_id = seed(url, args.messages, args.short_sessions)
        print(f"seeded in {time.monotonic() - began:.0f} s", file=sys.stderr)
        port, pid = stack.enter_context(server(url, workdir, key))
        get(port, "/api/export?user_id=user-0", key)  # warm up: imports, pools, caches
        runs = [
            measure(port, pid, "session, JSON", f"/api/sessions/{long_id}/export", key),
            measure(
                port,
                pid,
                "session, Markdown",
                f"/api/sessions/{long_id}/export?format=markdown",
                key,
            ),
            measure(port, pid, "tenant, NDJSON", "/api/export", key),
        ]
    report(args, runs)


def report(args, runs):
    print(f"\n{args.messages:,} messages in one session, plus {args.short_sessions} sessions of 10")
    print("\n| Export | Size (MB) | Time (s) | RSS before (MiB) | RSS peak (MiB) | Growth (MiB) |")
    print("|---|---|---|---|---|---|")
    for run in runs:
        print(
            f"| {run['label']} | {run['bytes'] / 1e6:.1f} | {run['seconds']} "
            f"| {run['rss_before_mib']} | {run['rss_peak_mib']} | {run['growth_mib']} |"
        )
    for run in runs:
        points = ", ".join(f"{p['at_bytes'] / 1e6:.0f} MB: {p['rss_mib']}" for p in run["timeline"])
        print(f"\nRSS (MiB) by MB sent, {run['label']}: {points}")
    args.results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = args.results_dir / f"export_memory-{stamp}.json"
    path.write_text(json.dumps({"messages": args.messages, "runs": runs}, indent=1))
    print(f"\nwrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
