"""The real thing: migrations and gunicorn, started the way `make run` starts them."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from ragchat.config import ROOT
from tests.conftest import API_KEY, fresh_database

BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(url, method="GET", body=None, key=None):
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


class Server:
    def __init__(self, tmp_path, **settings):
        self.port = free_port()
        self.env = {
            **os.environ,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": "",
            "API_KEY": "",
            "WEB_CONCURRENCY": "2",
            "PORT": str(self.port),
            **settings,
        }
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        subprocess.run(
            [BIN / "flask", "db", "upgrade"],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
        )
        self.log = open(self.env["INSTANCE_PATH"] + ".log", "w+")
        self.process = subprocess.Popen(
            [BIN / "gunicorn", "--config", "gunicorn.conf.py"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if call(f"{self.url}/api/health-check")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        self.log.seek(0)
        self.banner = self.log.read().splitlines()
        if not self.banner:
            raise AssertionError("server did not start")
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def test_zero_configuration_serves_with_a_printed_development_key(tmp_path):
    with Server(tmp_path) as server:
        assert f"ragchat is serving on {server.url}" in server.banner
        key_line = next(line for line in server.banner if line.startswith("development API key"))
        key = key_line.rsplit(" ", 1)[1]
        assert key == (tmp_path / "instance" / "dev-api-key").read_text().strip()

        status, session = call(f"{server.url}/api/sessions", "POST", {"user_id": "u"}, key)
        assert status == 201
        status, message = call(
            f"{server.url}/api/sessions/{session['id']}/messages",
            "POST",
            {"sender": "user", "content": "hi"},
            key,
        )
        assert (status, message["seq"]) == (201, 1)
        assert call(f"{server.url}/api/sessions?user_id=u")[0] == 401
    assert (tmp_path / "instance" / "ragchat.db").exists()


def test_configured_database_and_key(tmp_path):
    """A plain postgresql:// URL (or an SQLite path) and a key from the environment."""
    with fresh_database(tmp_path) as url:
        plain_url = url.replace("postgresql+psycopg://", "postgresql://")
        with Server(tmp_path, DATABASE_URL=plain_url, API_KEY=API_KEY) as server:
            assert not any(line.startswith("development API key") for line in server.banner)
            status, _ = call(f"{server.url}/api/sessions", "POST", {"user_id": "u"}, API_KEY)
            assert status == 201
        assert not (tmp_path / "instance" / "dev-api-key").exists()
