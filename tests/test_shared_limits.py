"""Rate limits that hold at their number under the real gunicorn: one process with threads on
the default memory:// store, a process per worker on a shared Redis, and a refusal to start
when several processes would each count alone (gunicorn.conf.py, ragchat/settings/workers.py)."""

import secrets
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import redis

from tests.support.database import fresh_database
from tests.support.server import Server, call, worker_rss

REDIS_URL = "redis://127.0.0.1:6379/15"


def test_two_processes_share_one_count_in_redis(tmp_path):
    redis.Redis.from_url(REDIS_URL).ping()  # the machine's Redis must be up: fail, not skip
    key = "rck_shared_" + secrets.token_urlsafe(16)  # a fresh key: a fresh counter
    settings = {
        "API_KEY": key,
        "RATE_LIMIT": "5/minute",
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "WEB_CONCURRENCY": "1",
    }
    with (
        fresh_database(tmp_path) as url,
        Server(tmp_path / "a", DATABASE_URL=url, **settings) as first,
        Server(tmp_path / "b", DATABASE_URL=url, **settings) as second,
    ):
        statuses = [
            call(f"{server.url}/api/sessions?user_id=u", key=key)[0]
            for server in (first, second) * 3
        ]
    assert statuses == [200, 200, 200, 200, 200, 429]


def test_the_memory_store_counts_exactly_in_one_process_with_threads(tmp_path):
    """What `make run` serves by default: every request meets one count, so the limits hold
    at their numbers (with a process per worker, 25 wrong keys in a row all got 401)."""
    key = "rck_" + secrets.token_urlsafe(16)
    settings = {
        "API_KEY": key,
        "RATE_LIMIT": "30/minute",
        "AUTH_FAILURE_LIMIT": "20/minute",
        "WEB_CONCURRENCY": "5",
    }
    with fresh_database(tmp_path) as url, Server(tmp_path, DATABASE_URL=url, **settings) as server:
        assert len(worker_rss(server.pid)) == 1
        assert "Using worker: gthread" in server.output()
        sessions = f"{server.url}/api/sessions?user_id=u"
        guesses = [call(sessions, key=f"rck_wrong_{n:02}_0123456789")[0] for n in range(25)]
        with ThreadPoolExecutor(8) as pool:  # the threads race for the last counts
            keyed = list(pool.map(lambda _: call(sessions, key=key)[0], range(40)))
    assert guesses == [401] * 20 + [429] * 5
    assert sorted(keyed) == [200] * 30 + [429] * 10


def test_a_shared_store_serves_a_process_per_worker(tmp_path):
    with Server(tmp_path, WEB_CONCURRENCY="3", RATELIMIT_STORAGE_URI=REDIS_URL) as server:
        assert len(worker_rss(server.pid)) == 3
        assert "Using worker: sync" in server.output()


def test_several_processes_counting_in_memory_refuse_to_start(tmp_path):
    """Options given to gunicorn win over gunicorn.conf.py: asked for three processes on
    memory://, ragchat says why it cannot count exactly, and stops."""
    server = Server(tmp_path, RATELIMIT_STORAGE_URI="memory://", GUNICORN_CMD_ARGS="--workers 3")
    command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
    finished = subprocess.run(
        command, cwd=server.cwd, env=server.env, capture_output=True, text=True, timeout=60
    )
    assert finished.returncode != 0
    last_line = finished.stderr.strip().splitlines()[-1]
    assert last_line.startswith("ragchat: RATELIMIT_STORAGE_URI=memory:// counts rate limits")
    assert "3 worker processes" in last_line
    assert "Booting worker" not in finished.stderr


def test_an_unreachable_store_lets_requests_through(tmp_path):
    key = "rck_" + secrets.token_urlsafe(16)
    dead_store = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    with Server(tmp_path, API_KEY=key, RATELIMIT_STORAGE_URI=dead_store) as server:
        statuses = {call(f"{server.url}/api/sessions?user_id=u", key=key)[0] for _ in range(3)}
        server.log.seek(0)
        log = server.log.read()
    assert statuses == {200}
    assert "rate limit" in log.lower()
