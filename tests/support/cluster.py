"""A throw-away PostgreSQL cluster of a test's own, which it may stop and start at will.

initdb makes it in a new temporary folder; it listens on a free port of 127.0.0.1 only.
PostgreSQL refuses to run as root, so as root the server binaries run as the `postgres`
system user (which then owns the folder); as anyone else they run as that user.
"""

import glob
import os
import pwd
import re
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from tests.support.server import free_port

DATABASE = "ragchat"
SERVER_USER_AS_ROOT = "postgres"


def server_binaries():
    """The folder with initdb and pg_ctl: on the PATH, where pg_config says, or in the
    versioned folders Debian and Ubuntu use (the newest one)."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        folder = Path(
            subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip()
        )
        if (folder / "initdb").exists():
            return folder
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if found:
        newest = max(found, key=lambda path: int(re.search(r"/(\d+)/bin/", path)[1]))
        return Path(newest).parent
    raise AssertionError("the PostgreSQL server binaries (initdb, pg_ctl) are not installed")


def run_as_server_user():
    """The command prefix that runs a program as the user PostgreSQL will run as."""
    if os.geteuid() != 0:
        return lambda command: command
    try:
        pwd.getpwnam(SERVER_USER_AS_ROOT)
    except KeyError:
        raise AssertionError(
            f"running as root, and there is no {SERVER_USER_AS_ROOT!r} user to run PostgreSQL as"
        ) from None
    runuser = shutil.which("runuser")
    if runuser:
        return lambda command: [runuser, "-u", SERVER_USER_AS_ROOT, "--", *map(str, command)]
    su = shutil.which("su")
    return lambda command: [
        su,
        "-s",
        "/bin/sh",
        SERVER_USER_AS_ROOT,
        "-c",
        shlex.join(map(str, command)),
    ]


class Cluster:
    def __init__(self):
        self.bin = server_binaries()
        self.as_server_user = run_as_server_user()
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def __enter__(self):
        # Not under pytest's temporary folder: as root that is private to root.
        self.folder = Path(tempfile.mkdtemp(prefix="ragchat-pg-"))
        try:
            if os.geteuid() == 0:
                os.chown(self.folder, pwd.getpwnam(SERVER_USER_AS_ROOT).pw_uid, -1)
            self.data = self.folder / "data"
            self.run(
                "initdb",
                "-D",
                self.data,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            )
            settings = {
                "port": self.port,
                "listen_addresses": "'127.0.0.1'",
                "unix_socket_directories": f"'{self.folder}'",
                "max_connections": 40,
            }
            with (self.data / "postgresql.conf").open("a") as conf:
                conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
            self.start()
            with psycopg.connect(self.url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as db:
                db.execute(f'CREATE DATABASE "{DATABASE}"')
        except BaseException:
            self.__exit__()
            raise
        return self

    def run(self, program, *args):
        command = self.as_server_user([self.bin / program, *args])
        done = subprocess.run(command, cwd=self.folder, capture_output=True, text=True)
        if done.returncode != 0:
            raise AssertionError(f"{program} failed: {done.stdout}{done.stderr}")
        return done

    def start(self):
        self.run(
            "pg_ctl", "-D", self.data, "-l", self.folder / "server.log", "-w", "-t", "30", "start"
        )

    def stop(self, mode="fast"):
        """Stop the server: `fast` rolls back open transactions, `immediate` is a crash."""
        self.run("pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "30", "stop")

    def is_running(self):
        command = self.as_server_user([self.bin / "pg_ctl", "-D", self.data, "status"])
        return subprocess.run(command, cwd=self.folder, capture_output=True).returncode == 0

    def __exit__(self, *exc):
        try:
            if (self.folder / "data" / "PG_VERSION").exists() and self.is_running():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
