"""The one launcher of real servers, for tests and benchmarks: ragchat (or another WSGI app)
under gunicorn with the project's gunicorn.conf.py, started the way `make run` starts it."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import suppress
from pathlib import Path

from ragchat.settings.workers import worker_layout

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        return probe_socket.getsockname()[1]


def call(url, method="GET", body=None, key=None):
    """One JSON request: (status, parsed body)."""
    request = urllib.request.Request(url, method=method)
    if body is not None:
        request.data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    if key:
        request.add_header("X-API-Key", key)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def probe(url, api_key=None):
    """The status of one GET, without raising on errors."""
    rest = url.removeprefix("http://")
    address, _, path = rest.partition("/")
    host, _, port = address.partition(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", "/" + path, headers={"X-API-Key": api_key or ""})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


class Server:
    """gunicorn serving `app` (ragchat's wsgi:app by default) on a free port.

    `scratch` is a folder of the caller's: the instance folder and the log go there; `cwd`
    is the checkout served (a benchmark serves an older one beside this one).
    `settings` go on top of the environment (by default an SQLite database in the
    instance folder, a generated development key and a concurrency of two: one process with
    two threads on the default memory:// rate-limit store, two processes on a shared one).
    With `migrate`, the database is upgraded first with the real `flask db upgrade`. The
    server is up when it answers and all its worker processes have booted; `banner` holds
    what it printed until then.
    """

    def __init__(self, scratch, *, app=None, migrate=True, cwd=ROOT, **settings):
        self.scratch = Path(scratch)
        self.app = app
        self.migrate = migrate and app is None
        self.cwd = cwd
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "INSTANCE_PATH": str(self.scratch / "instance"),
            "DATABASE_URL": "",
            "API_KEY": "",
            "WEB_CONCURRENCY": "2",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            **settings,
        }
        self.log_path = self.scratch / "gunicorn.log"
        self.log = None
        self.process = None
        self.banner = []

    def __enter__(self):
        self.scratch.mkdir(parents=True, exist_ok=True)
        if self.migrate:
            subprocess.run(
                [BIN / "flask", "db", "upgrade"],
                cwd=self.cwd,
                env=self.env,
                check=True,
                capture_output=True,
            )
        self.log = open(self.log_path, "w+")
        command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
        self.process = subprocess.Popen(
            [*command, *([self.app] if self.app else [])],
            cwd=self.cwd,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            self.wait_until_up()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        self.log.close()

    def stop(self, timeout=30):
        """SIGTERM (a graceful shutdown), then SIGKILL if it has not ended in `timeout`."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self):
        """SIGKILL to the master and every worker at once: a crash, not a shutdown (a worker
        left without its master would go on serving for a while)."""
        workers = worker_rss(self.pid)
        self.process.kill()
        for pid in workers:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait()

    @property
    def pid(self):
        return self.process.pid

    @property
    def worker_processes(self):
        """How many worker processes gunicorn.conf.py starts for these settings."""
        store = self.env.get("RATELIMIT_STORAGE_URI") or "memory://"
        return worker_layout(store, int(self.env["WEB_CONCURRENCY"] or 1))[0]

    def wait_until_up(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            with suppress(OSError):
                up = probe(self.url + "/") < 500
                if up and len(worker_rss(self.pid)) >= self.worker_processes:
                    self.banner = self.output().splitlines()
                    return
            time.sleep(0.1)
        tail = self.output().splitlines()[-20:]
        raise RuntimeError("gunicorn did not start:\n" + "\n".join(tail))

    def output(self):
        """Everything the server has printed so far."""
        self.log.flush()
        return self.log_path.read_text()

    def errors_logged(self):
        """Lines at ERROR or worse in the server's log: tracebacks, worker timeouts."""
        return [
            line
            for line in self.output().splitlines()
            if " ERROR " in line or " CRITICAL " in line or "Traceback" in line
        ][:50]


def worker_rss(master_pid):
    """Resident memory in KiB of each of the gunicorn master's worker processes."""
    rss = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with suppress(OSError, ValueError, KeyError):
            status = (entry / "status").read_text()
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if int(fields["PPid"]) == master_pid:
                rss[int(entry.name)] = int(fields["VmRSS"].split()[0])
    return rss
