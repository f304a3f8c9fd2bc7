"""The real thing: migrations and gunicorn, started the way `make run` starts them."""

import os
import subprocess

import pytest

from ragchat.settings import ROOT
from tests.support.database import API_KEY, fresh_database
from tests.support.server import BIN, Server, call

KEYS = {"API_KEY": API_KEY, "SECRET_KEY": "a-secret-for-signing-cookies"}


def flask(*arguments, **settings):
    """The `flask` command as an operator runs it, with only `settings` configured."""
    env = {**os.environ, "DATABASE_URL": "", **settings}
    return subprocess.run(
        [BIN / "flask", *arguments], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


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


@pytest.mark.parametrize("command", [("db", "upgrade"), ("keys", "list")])
def test_the_default_database_gets_its_folder_with_both_keys_set(tmp_path, command):
    """With API_KEY and SECRET_KEY set nothing writes to the instance folder before the
    database is opened: the folder must still be made (it once was not)."""
    instance = tmp_path / "fresh" / "instance"
    upgraded = flask("db", "upgrade", INSTANCE_PATH=str(instance), **KEYS)
    assert upgraded.returncode == 0, upgraded.stderr
    assert (instance / "ragchat.db").is_file()
    assert not (instance / "dev-api-key").exists()  # the keys came from the environment
    again = flask(*command, INSTANCE_PATH=str(instance), **KEYS)
    assert again.returncode == 0, again.stderr


def test_an_instance_folder_that_cannot_be_made_is_one_clear_message(tmp_path):
    (tmp_path / "a-file").write_text("")
    instance = tmp_path / "a-file" / "instance"  # under a file: no one can create it
    finished = flask("db", "upgrade", INSTANCE_PATH=str(instance), **KEYS)
    assert finished.returncode != 0
    assert "Traceback" not in finished.stderr
    assert "invalid configuration" in finished.stderr
    assert f"INSTANCE_PATH: cannot create the folder {instance}" in finished.stderr
