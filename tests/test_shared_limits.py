"""Rate limits held across processes through Redis, and the warning when they are not."""

import secrets

import redis

from tests.support.database import fresh_database
from tests.support.server import Server, call

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


def test_per_process_counts_with_several_workers_are_warned_about(tmp_path):
    with Server(tmp_path, WEB_CONCURRENCY="2", RATELIMIT_STORAGE_URI="memory://") as server:
        assert any("rate limits are counted per worker" in line for line in server.banner)


def test_no_warning_with_a_shared_store(tmp_path):
    with Server(tmp_path, WEB_CONCURRENCY="2", RATELIMIT_STORAGE_URI=REDIS_URL) as server:
        assert not any("rate limits are counted per worker" in line for line in server.banner)


def test_an_unreachable_store_lets_requests_through(tmp_path):
    key = "rck_" + secrets.token_urlsafe(16)
    dead_store = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    with Server(tmp_path, API_KEY=key, RATELIMIT_STORAGE_URI=dead_store) as server:
        statuses = {call(f"{server.url}/api/sessions?user_id=u", key=key)[0] for _ in range(3)}
        server.log.seek(0)
        log = server.log.read()
    assert statuses == {200}
    assert "rate limit" in log.lower()
