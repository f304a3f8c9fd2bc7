"""The load benchmark's servers: an app under gunicorn with the project's gunicorn.conf.py,
and what can be seen of its workers from outside (their memory, from /proc)."""

import http.client
import os
import secrets
import socket
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port():
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        return probe_socket.getsockname()[1]


def probe(url, api_key=None):
    """The status of one GET (a path on 127.0.0.1:port)."""
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
    """`app` (a WSGI app as module:name) under gunicorn.conf.py, with `settings` on top of
    the environment: a rate limit the load cannot reach, nothing else changed."""

    def __init__(self, app, scratch, settings, cwd=ROOT):
        self.app = app
        self.cwd = cwd
        self.scratch = scratch
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "RAGCHAT_ENV": "development",
            "API_KEY": "rck_operator_" + secrets.token_urlsafe(24),
            "SECRET_KEY": secrets.token_urlsafe(32),
            "INSTANCE_PATH": str(scratch / "instance"),
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "RATE_LIMIT": "1000000/second",
            "RATELIMIT_STORAGE_URI": "memory://",
            "LOG_FILE": "",
            **settings,
        }
        self.log_path = scratch.with_suffix(".log")

    def __enter__(self):
        self.scratch.mkdir(parents=True, exist_ok=True)
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(  # noqa: S603 (our own command line)
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", self.app],
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
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

    @property
    def pid(self):
        return self.process.pid

    def wait_until_up(self, timeout=60):
        """Up when the app answers and every worker has booted."""
        deadline = time.monotonic() + timeout
        workers = int(self.env["WEB_CONCURRENCY"])
        while time.monotonic() < deadline and self.process.poll() is None:
            with suppress(OSError):
                if probe(self.url + "/") < 500 and len(worker_rss(self.pid)) == workers:
                    return
            time.sleep(0.2)
        tail = self.log_path.read_text().splitlines()[-20:]
        raise RuntimeError(f"gunicorn ({self.app}) did not start:\n" + "\n".join(tail))

    def errors_logged(self):
        """Lines at ERROR or worse in the server's log: tracebacks, worker timeouts."""
        self.log.flush()
        return [
            line
            for line in self.log_path.read_text().splitlines()
            if " ERROR " in line or " CRITICAL " in line or "Traceback" in line
        ][:50]


def worker_rss(master_pid):
    """Resident memory in KiB of each of the gunicorn master's worker processes."""
    rss = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with suppress(OSError, ValueError):
            status = (entry / "status").read_text()
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if int(fields["PPid"]) == master_pid:
                rss[int(entry.name)] = int(fields["VmRSS"].split()[0])
    return rss
