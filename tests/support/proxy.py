"""A fault-injecting HTTP/1.1 proxy for tests: it stands between a client and a real server
on 127.0.0.1 and, when told, loses answers, answers as a failing gateway would, holds
answers back, or refuses connections.

Each request is read whole (Content-Length bodies), sent to the server on a connection of
its own, and the server's whole answer is read before the proxy decides what the client
gets. So a dropped answer belongs to a request the server has completed (and committed).

    with FaultProxy(server.url) as proxy:
        proxy.drop_replies(1)       # the next request is carried out; its answer is lost
        proxy.answer_with(503, 2, {"Retry-After": "1"})  # the next two never reach it
        proxy.stall_replies(1, 2.0) # the next answer comes 2 seconds late
        proxy.refuse_connections()  # nothing listens until accept_connections()
"""

import socket
import threading
import time
from collections import deque
from contextlib import suppress
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import urlsplit

ACCEPT_POLL = 0.05  # seconds between checks of whether to stop listening
UPSTREAM_TIMEOUT = 60


@dataclass(frozen=True)
class Fault:
    kind: str  # "drop", "answer" or "stall"
    status: int = 0
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    seconds: float = 0.0


class FaultProxy:
    """Listens on a free port of 127.0.0.1 and forwards to `target` (http://host:port).

    Faults apply to the next requests in the order they were asked for; `requests` counts
    every request the proxy has read, `forwarded` those it sent on to the server."""

    def __init__(self, target):
        parts = urlsplit(target)
        self.target = (parts.hostname, parts.port)
        self.port = None
        self.requests = 0
        self.forwarded = 0
        self._faults = deque()
        self._lock = threading.Lock()
        self._listener_thread = None
        self._stop_listening = threading.Event()
        self._connections = set()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.accept_connections()
        return self

    def __exit__(self, *exc):
        self.refuse_connections()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            _close(connection)

    # What the next requests get.

    def drop_replies(self, count):
        """The next `count` requests reach the server; the client gets no answer (the
        connection is closed once the server has answered)."""
        self._add(Fault("drop"), count)

    def answer_with(self, status, count=1, headers=None, body=b""):
        """The next `count` requests get this answer from the proxy, as from a gateway in
        front of a server that never saw them."""
        self._add(Fault("answer", status=status, headers=dict(headers or {}), body=body), count)

    def stall_replies(self, count, seconds):
        """The next `count` answers are held for `seconds` before the client gets them."""
        self._add(Fault("stall", seconds=seconds), count)

    def reset(self):
        """No more faults; counts back to zero; listening."""
        with self._lock:
            self._faults.clear()
            self.requests = self.forwarded = 0
        if self._listener_thread is None:
            self.accept_connections()

    def refuse_connections(self):
        """Stop listening: connections are refused until accept_connections()."""
        if self._listener_thread is not None:
            self._stop_listening.set()
            self._listener_thread.join()
            self._listener_thread = None

    def accept_connections(self):
        """Listen (again, on the same port)."""
        if self._listener_thread is not None:
            return
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port or 0))
        listener.listen(64)
        listener.settimeout(ACCEPT_POLL)
        self.port = listener.getsockname()[1]
        self._stop_listening.clear()
        self._listener_thread = threading.Thread(
            target=self._accept, args=(listener,), name="fault-proxy", daemon=True
        )
        self._listener_thread.start()

    # Inside.

    def _add(self, fault, count):
        with self._lock:
            self._faults.extend([fault] * count)

    def _next_fault(self):
        with self._lock:
            self.requests += 1
            return self._faults.popleft() if self._faults else None

    def _accept(self, listener):
        with listener:
            while not self._stop_listening.is_set():
                try:
                    connection, _ = listener.accept()
                except TimeoutError:
                    continue
                connection.settimeout(None)
                with self._lock:
                    self._connections.add(connection)
                threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection):
        try:
            reader = connection.makefile("rb")
            while True:
                request = read_request(reader)
                if request is None:
                    return
                fault = self._next_fault()
                if fault is not None and fault.kind == "answer":
                    connection.sendall(canned_answer(fault))
                    return
                answer, keep_open = self._exchange(request)
                if fault is not None and fault.kind == "drop":
                    return
                if fault is not None and fault.kind == "stall":
                    time.sleep(fault.seconds)
                connection.sendall(answer)
                if not keep_open:
                    return
        except OSError:
            return
        finally:
            with self._lock:
                self._connections.discard(connection)
            _close(connection)

    def _exchange(self, request):
        """Send the request to the server on a new connection; (whole answer, keep-alive)."""
        with socket.create_connection(self.target, timeout=UPSTREAM_TIMEOUT) as upstream:
            upstream.sendall(request)
            with self._lock:
                self.forwarded += 1
            answer, keep_open = read_response(upstream.makefile("rb"), request)
        return answer, keep_open and b"connection: close" not in request.lower()


def read_head(reader):
    """The start line and headers, up to the blank line; None at the end of the stream."""
    lines = []
    while True:
        line = reader.readline()
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            if not lines:
                continue  # stray line breaks between messages
            return b"".join([*lines, line])
        lines.append(line)


def header_value(head, name):
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip().lower()
    return None


def read_request(reader):
    head = read_head(reader)
    if head is None:
        return None
    length = int(header_value(head, b"content-length") or 0)
    return head + (reader.read(length) if length else b"")


def read_response(reader, request):
    """The whole answer, as bytes, and whether the connection may carry another."""
    head = read_head(reader)
    if head is None:
        raise OSError("the server closed the connection without answering")
    status = int(head.split(b" ", 2)[1])
    keep_open = header_value(head, b"connection") != b"close"
    if request.startswith(b"HEAD ") or status in (204, 304) or status < 200:
        return head, keep_open
    if header_value(head, b"transfer-encoding") == b"chunked":
        return head + read_chunks(reader), keep_open
    length = header_value(head, b"content-length")
    if length is not None:
        return head + reader.read(int(length)), keep_open
    return head + reader.read(), False  # delimited by the end of the connection


def read_chunks(reader):
    raw = bytearray()
    while True:
        size_line = reader.readline()
        raw += size_line
        size = int(size_line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while True:  # trailers, up to the blank line
                line = reader.readline()
                raw += line
                if line in (b"\r\n", b"\n", b""):
                    return bytes(raw)
        raw += reader.read(size + 2)


def canned_answer(fault):
    headers = {
        "Content-Type": "text/plain",
        **fault.headers,
        "Content-Length": str(len(fault.body)),
        "Connection": "close",
    }
    lines = [f"HTTP/1.1 {fault.status} {HTTPStatus(fault.status).phrase}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + fault.body


def _close(connection):
    with suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
    connection.close()
