"""PgBouncer in transaction mode in front of the PostgreSQL under test, on a free port of
127.0.0.1, started and stopped by the test (Debian's pgbouncer)."""

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from sqlalchemy.engine import make_url

from tests.support.cluster import run_as_server_user
from tests.support.server import free_port

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


class PgBouncer:
    """`pool_size` server connections per database, handed to each transaction in turn."""

    def __init__(self, database_url, pool_size=1):
        # Its own folder under /tmp: pgbouncer runs as the postgres user under root, and
        # cannot reach into pytest's folders.
        self.scratch = Path(tempfile.mkdtemp(prefix="ragchat-pgbouncer-"))
        self.target = make_url(database_url)
        self.pool_size = pool_size
        self.port = free_port()
        self.process = None

    def url(self):
        """The database's URL through the pooler."""
        via = self.target.set(host="127.0.0.1", port=self.port)
        return via.render_as_string(hide_password=False)

    def __enter__(self):
        self.scratch.chmod(0o777)  # its log and pid file are written as the postgres user
        users = self.scratch / "users.txt"
        users.write_text(f'"{self.target.username}" ""\n')
        config = self.scratch / "pgbouncer.ini"
        config.write_text(
            f"""[databases]
* = host={self.target.host or "127.0.0.1"} port={self.target.port or 5432}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.port}
unix_socket_dir =
auth_type = trust
auth_file = {users}
pool_mode = transaction
default_pool_size = {self.pool_size}
; A client kept waiting this long for a server connection is refused: a starved pool fails
; a test within seconds, with "query_wait_timeout" in ragchat's log.
query_wait_timeout = 10
max_client_conn = 200
ignore_startup_parameters = extra_float_digits,options
logfile = {self.scratch / "pgbouncer.log"}
pidfile = {self.scratch / "pgbouncer.pid"}
"""
        )
        for path in (users, config):
            path.chmod(0o644)
        command = run_as_server_user()([PGBOUNCER, str(config)])
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        log = self.scratch / "pgbouncer.log"
        self.__exit__()
        raise AssertionError(
            "pgbouncer did not start:\n" + (log.read_text() if log.exists() else "")
        )

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.scratch, ignore_errors=True)
