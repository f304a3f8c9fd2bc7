"""Database faults: PostgreSQL stops (fast, then as in a crash) under concurrent appends
and starts again, while gunicorn keeps running.

Writers append to shared sessions, one message or a batch at a time, each request with
its own Idempotency-Key, retrying a refused request with the same key as a client should.
While the database is down every request must fail fast with 503 problem+json; after it
is back the service must recover on its own; and afterwards the database must hold exactly
the acknowledged messages: none lost, none twice, seqs 1..n in every session.

The test brings its own cluster (tests/support/cluster.py), so it runs the same way
whichever database the rest of the run uses.
"""

import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import psycopg

from ragchat.settings.engine import POOL_TIMEOUT_SECONDS, POSTGRES_CONNECT_TIMEOUT_SECONDS
from tests.support.cluster import Cluster
from tests.support.database import API_KEY
from tests.support.figures import record
from tests.support.server import Server

SESSIONS = 2
WRITERS = 4  # two per session, so that seqs are contended
BATCH_EVERY = 4  # every fourth request appends a batch of BATCH_SIZE
BATCH_SIZE = 3
RUN_BETWEEN_FAULTS = 1.5  # seconds of writing before, between and after the outages
OUTAGE = 2.0  # seconds the database stays down
# While down, nothing may wait longer than a connection attempt and a pool wait allow.
FAIL_FAST_SECONDS = POSTGRES_CONNECT_TIMEOUT_SECONDS + POOL_TIMEOUT_SECONDS + 1
RECOVERY_SECONDS = 10  # from the database being back to the first acknowledged write
REQUEST_TIMEOUT = 30  # a request that takes this long counts as hanging


def send(url, body=None, idempotency_key=None):
    """(status, headers, parsed body, seconds taken); status None if no answer came."""
    request = urllib.request.Request(url, method="POST" if body is not None else "GET")
    request.add_header("X-API-Key", API_KEY)
    if body is not None:
        request.data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    if idempotency_key:
        request.add_header("Idempotency-Key", idempotency_key)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
            status, headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, raw = error.code, error.headers, error.read()
    except OSError as error:
        return None, {}, repr(error), time.monotonic() - started
    return status, headers, json.loads(raw or b"null"), time.monotonic() - started


class Writer:
    """Appends until told to stop; each write retried with its key until acknowledged."""

    def __init__(self, base, number, session_id, stop):
        self.url = f"{base}/api/sessions/{session_id}/messages"
        self.number, self.session_id, self.stop = number, session_id, stop
        self.acknowledged = []  # (content, seq, id) of every message that got a 201
        self.answers = []  # (finished at, status, content type, Retry-After, seconds)

    def run(self):
        request_number = 0
        while not self.stop.is_set():
            request_number += 1
            contents = [f"w{self.number}-r{request_number}"]
            if request_number % BATCH_EVERY == 0:
                contents = [f"{contents[0]}-b{n}" for n in range(BATCH_SIZE)]
            self.write(request_number, contents)

    def write(self, request_number, contents):
        key = f"writer-{self.number}-request-{request_number}"
        messages = [{"sender": "user", "content": content} for content in contents]
        url, body = self.url, messages[0]
        if len(messages) > 1:
            url, body = f"{self.url}/batch", {"messages": messages}
        while True:
            status, headers, answer, seconds = send(url, body, key)
            self.answers.append(
                (
                    time.monotonic(),
                    status,
                    headers.get("Content-Type"),
                    headers.get("Retry-After"),
                    seconds,
                )
            )
            if status == 201:
                stored = answer["messages"] if len(messages) > 1 else [answer]
                self.acknowledged += [(m["content"], m["seq"], m["id"]) for m in stored]
                return
            time.sleep(0.05)  # refused (or no answer): the same request again, same key


def stored_messages(url):
    with psycopg.connect(url) as db:
        messages = db.execute(
            "SELECT session_id::text, seq, content, id::text FROM chat_messages"
        ).fetchall()
        sessions = db.execute(
            "SELECT id::text, last_seq, message_count FROM chat_sessions"
        ).fetchall()
    return messages, sessions


def test_acknowledged_writes_survive_database_restarts(tmp_path):
    with (
        Cluster() as postgres,
        Server(
            tmp_path,
            DATABASE_URL=postgres.url,
            API_KEY=API_KEY,
            RATE_LIMIT="1000000/minute",
            WEB_CONCURRENCY="2",
        ) as server,
    ):
        sessions = [
            send(f"{server.url}/api/sessions", {"user_id": f"writer-{n}"})[2]["id"]
            for n in range(SESSIONS)
        ]
        stop = threading.Event()
        writers = [Writer(server.url, n, sessions[n % SESSIONS], stop) for n in range(WRITERS)]
        outages, reads_while_down = [], []
        with ThreadPoolExecutor(WRITERS) as pool:
            running = [pool.submit(writer.run) for writer in writers]
            time.sleep(RUN_BETWEEN_FAULTS)
            for mode in ("fast", "immediate"):
                down_at = time.monotonic()
                postgres.stop(mode)
                time.sleep(OUTAGE / 2)
                reads_while_down.append(send(f"{server.url}/api/health-check"))
                reads_while_down.append(send(f"{server.url}/api/sessions/{sessions[0]}/messages"))
                time.sleep(OUTAGE / 2)
                postgres.start()
                outages.append((mode, down_at, time.monotonic()))
                time.sleep(RUN_BETWEEN_FAULTS)
            stop.set()
            for future in running:
                future.result(timeout=REQUEST_TIMEOUT * 2)

        burst = list(
            ThreadPoolExecutor(8).map(lambda _: send(f"{server.url}/api/health-check"), range(8))
        )
        server.log.seek(0)
        server_log = server.log.read()
        gunicorn_alive = server.process.poll() is None
        messages, session_rows = stored_messages(postgres.url)

    answers = sorted(answer for writer in writers for answer in writer.answers)
    statuses = Counter(status for _, status, *_ in answers)
    refusals = [a for a in answers if a[1] != 201]

    # While down: fast 503 problem+json with Retry-After, nothing else, nothing hanging.
    assert set(statuses) == {201, 503}, statuses
    assert all(ctype == "application/problem+json" for _, _, ctype, _, _ in refusals)
    assert all(retry_after for _, _, _, retry_after, _ in refusals)
    slowest_refusal = max(seconds for *_, seconds in refusals)
    assert slowest_refusal < FAIL_FAST_SECONDS
    assert [(status, body["status"]) for status, _, body, _ in reads_while_down] == [(503, 503)] * 4
    assert all(seconds < FAIL_FAST_SECONDS for *_, seconds in reads_while_down)

    # Each outage was felt, and the service came back by itself within seconds.
    recoveries = []
    for mode, down_at, up_at in outages:
        during = [a for a in answers if down_at < a[0] < up_at]
        assert any(status == 503 for _, status, *_ in during), f"no 503 while {mode}-stopped"
        first_write_after = min(a[0] for a in answers if a[0] > up_at and a[1] == 201)
        recoveries.append(round(first_write_after - up_at, 2))
    assert max(recoveries) < RECOVERY_SECONDS
    assert gunicorn_alive
    assert [status for status, *_ in burst] == [200] * 8
    assert "WORKER TIMEOUT" not in server_log
    assert "unhandled error" not in server_log

    # Exactly the acknowledged messages are stored: none lost, none twice, seqs 1..n.
    acknowledged = sorted(
        (session_id, seq, content, message_id)
        for writer in writers
        for content, seq, message_id in writer.acknowledged
        for session_id in [writer.session_id]
    )
    assert sorted(messages) == acknowledged
    assert len({content for _, _, content, _ in messages}) == len(messages)
    for session_id, last_seq, message_count in session_rows:
        seqs = sorted(seq for sid, seq, *_ in messages if sid == session_id)
        assert seqs == list(range(1, last_seq + 1))
        assert message_count == last_seq

    record(
        "database_faults",
        requests=len(answers),
        faults_injected=len(outages),
        fault_modes=[mode for mode, *_ in outages],
        writes_acknowledged=len(acknowledged),
        writes_found=len(messages),
        refused_503=statuses[503],
        server_errors=sum(n for status, n in statuses.items() if status and status >= 500)
        - statuses[503],
        slowest_503_seconds=round(slowest_refusal, 3),
        recovery_seconds=recoveries,
    )
