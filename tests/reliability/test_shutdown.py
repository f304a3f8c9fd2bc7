"""Graceful shutdown: SIGTERM to gunicorn under load lets the requests it has accepted
finish, and it stops within its graceful timeout.

Two requests are held in flight on purpose: their bodies are half sent when the signal
comes and the rest only a second later. Meanwhile other clients keep appending. Every
request a worker had accepted must get its whole answer; the others may only be refused
(connection refused or reset, never a cut-off or wrong answer); every acknowledged
message must be stored.
"""

import http.client
import json
import re
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text

from ragchat.settings import ROOT
from ragchat.settings.parsing import database_uri
from tests.support.database import API_KEY, fresh_database
from tests.support.figures import record
from tests.support.server import Server, call

GRACEFUL_TIMEOUT = int(
    re.search(r"^graceful_timeout = (\d+)", (ROOT / "gunicorn.conf.py").read_text(), re.M)[1]
)
IN_FLIGHT = 2
LOAD_CLIENTS = 2
WORKERS = IN_FLIGHT + LOAD_CLIENTS  # a worker for each held request, and some for the load
# The two ways gunicorn.conf.py serves: threads of one process on the default memory://
# rate-limit store, a process per worker on a shared one.
LAYOUTS = {"threads": "memory://", "processes": "redis://127.0.0.1:6379/15"}


class HeldRequest:
    """An append whose body arrives in two parts, so a worker is busy with it meanwhile."""

    def __init__(self, port, session_id, content):
        self.body = json.dumps({"sender": "user", "content": content}).encode()
        head = (
            f"POST /api/sessions/{session_id}/messages HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\nX-API-Key: {API_KEY}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(self.body)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=GRACEFUL_TIMEOUT)
        self.socket.sendall(head + self.body[:10])

    def finish(self):
        self.socket.sendall(self.body[10:])
        response = http.client.HTTPResponse(self.socket)
        response.begin()
        answer = response.status, json.loads(response.read())
        self.socket.close()
        return answer


def load(url, session_id, client, stop, outcomes):
    """Append until stopped; note each answer, or the kind of connection error."""
    n = 0
    while not stop.is_set():
        n += 1
        content = f"load {client}-{n}"
        try:
            status, body = call(url, "POST", {"sender": "user", "content": content}, API_KEY)
            outcomes.append((status, body.get("content") if isinstance(body, dict) else None))
        except Exception as error:
            outcomes.append((outcome_of(getattr(error, "reason", error)), content))
            time.sleep(0.05)


def outcome_of(error):
    """Refused: the listener was closed, or the connection was still queued behind it and
    reset. Anything else (a connection closed without an answer, a cut-off answer, a
    timeout) would be a request dropped in the middle."""
    if isinstance(error, http.client.RemoteDisconnected):
        return "closed without an answer"
    if isinstance(error, ConnectionRefusedError | ConnectionResetError | BrokenPipeError):
        return "refused"
    return type(error).__name__


@pytest.mark.parametrize("layout", LAYOUTS)
def test_sigterm_lets_accepted_requests_finish(tmp_path, layout):
    with (
        fresh_database(tmp_path) as database_url,
        Server(
            tmp_path,
            DATABASE_URL=database_url,
            API_KEY=API_KEY,
            RATE_LIMIT="1000000/minute",
            WEB_CONCURRENCY=str(WORKERS),
            RATELIMIT_STORAGE_URI=LAYOUTS[layout],
        ) as server,
    ):
        status, session = call(f"{server.url}/api/sessions", "POST", {"user_id": "u"}, API_KEY)
        assert status == 201
        messages_url = f"{server.url}/api/sessions/{session['id']}/messages"
        stop, outcomes = threading.Event(), []
        with ThreadPoolExecutor(LOAD_CLIENTS) as pool:
            loading = [
                pool.submit(load, messages_url, session["id"], n, stop, outcomes)
                for n in range(LOAD_CLIENTS)
            ]
            held = [HeldRequest(server.port, session["id"], f"held {n}") for n in range(IN_FLIGHT)]
            time.sleep(0.5)  # the load runs, and idle workers have taken the held requests
            server.process.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            time.sleep(1)  # shutting down, yet still reading the held requests' bodies
            held_answers = [request.finish() for request in held]
            exit_code = server.process.wait(timeout=GRACEFUL_TIMEOUT + 5)
            stopped = time.monotonic()
            stop.set()
            for future in loading:
                future.result(timeout=30)
        engine = create_engine(database_uri(database_url, tmp_path))
        with engine.connect() as connection:
            stored = set(connection.scalars(text("SELECT content FROM chat_messages")))
        engine.dispose()

    assert [(status, body["content"]) for status, body in held_answers] == [
        (201, f"held {n}") for n in range(IN_FLIGHT)
    ]
    assert exit_code == 0
    assert stopped - signalled < GRACEFUL_TIMEOUT
    kinds = {kind for kind, _ in outcomes}
    assert kinds <= {201, "refused"}, kinds
    acknowledged = {content for kind, content in outcomes if kind == 201}
    assert acknowledged  # the load did run
    assert acknowledged | {f"held {n}" for n in range(IN_FLIGHT)} <= stored
    record(
        f"graceful_shutdown_{layout}",
        requests=len(outcomes) + IN_FLIGHT,
        held_in_flight=IN_FLIGHT,
        held_completed=sum(status == 201 for status, _ in held_answers),
        load_acknowledged=len(acknowledged),
        load_refused_after_signal=sum(kind == "refused" for kind, _ in outcomes),
        stop_seconds_after_signal=round(stopped - signalled, 2),
        graceful_timeout=GRACEFUL_TIMEOUT,
    )
