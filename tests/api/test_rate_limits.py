"""Rate limits: per key, a brute-force guard per address, 429 problem+json with headers."""

import sys
import threading
import time

import pytest

from tests.support.database import API_KEY, OTHER_KEY, build_app

SESSIONS = "/api/sessions?user_id=alice"


@pytest.fixture
def limited(database_url, app):
    """An app (sharing the test database) with small limits."""
    return build_app(database_url, RATE_LIMIT="3/minute", AUTH_FAILURE_LIMIT="2/minute")


def get(client, key=API_KEY, path=SESSIONS):
    return client.get(path, headers={"X-API-Key": key} if key else {})


def test_limited_responses_carry_the_headers(limited):
    client = limited.test_client()
    remaining = []
    for _ in range(3):
        response = get(client)
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == "3"
        assert int(response.headers["X-RateLimit-Reset"]) > 0
        remaining.append(response.headers["X-RateLimit-Remaining"])
    assert remaining == ["2", "1", "0"]


def test_over_the_limit_is_429_problem_with_retry_after(limited):
    client = limited.test_client()
    for _ in range(3):
        assert get(client).status_code == 200

    response = get(client)

    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 429
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert response.headers["X-Request-ID"] == response.json["request_id"]


def test_each_key_has_its_own_count(limited):
    client = limited.test_client()
    for _ in range(3):
        get(client, API_KEY)
    assert get(client, API_KEY).status_code == 429
    assert get(client, OTHER_KEY).status_code == 200


def test_writes_count_too(limited):
    client = limited.test_client()
    for n in range(4):
        response = client.post(
            "/api/sessions", json={"user_id": "alice"}, headers={"X-API-Key": API_KEY}
        )
        assert response.status_code == (201 if n < 3 else 429)
    assert len(get(client, OTHER_KEY).json) == 3  # the refused one wrote nothing


def test_health_check_is_never_limited(limited):
    client = limited.test_client()
    statuses = {client.get("/api/health-check").status_code for _ in range(10)}
    assert statuses == {200}


def test_failed_authentication_is_limited_per_address(limited):
    client = limited.test_client()
    assert [get(client, "wrong-key-0123456789").status_code for _ in range(2)] == [401, 401]

    blocked = get(client, "another-guess-0123456789")

    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    # Someone at the same address with a real key is not locked out by the guesser.
    assert get(client, API_KEY).status_code == 200


def test_failed_guesses_from_another_address_do_not_count(limited):
    client = limited.test_client()
    for _ in range(2):
        get(client, "wrong-key-0123456789")
    response = client.get(
        SESSIONS,
        headers={"X-API-Key": "wrong-key-0123456789"},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    assert response.status_code == 401


def test_several_limits_apply_together(database_url, app):
    client = build_app(database_url, RATE_LIMIT="100/hour;2/minute").test_client()
    statuses = [get(client).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_behind_a_trusted_proxy_the_forwarded_address_counts(database_url, app):
    client = build_app(
        database_url, AUTH_FAILURE_LIMIT="1/minute", TRUSTED_PROXIES="1"
    ).test_client()

    def guess(address):
        return client.get(
            SESSIONS, headers={"X-API-Key": "wrong-key-0123456789", "X-Forwarded-For": address}
        ).status_code

    assert [guess("198.51.100.1"), guess("198.51.100.1")] == [401, 429]
    assert guess("198.51.100.2") == 401  # another client behind the same proxy


def test_forwarded_addresses_are_ignored_without_a_trusted_proxy(limited):
    client = limited.test_client()
    statuses = [
        client.get(
            SESSIONS,
            headers={"X-API-Key": "wrong-key-0123456789", "X-Forwarded-For": f"198.51.100.{n}"},
        ).status_code
        for n in range(3)
    ]
    assert statuses == [401, 401, 429]  # spoofed addresses do not escape the guard


def signed_in_client(app, key):
    client = app.test_client()
    response = client.post("/sign-in", data={"api_key": key})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def test_a_right_key_signs_in_while_the_address_is_blocked(database_url, app):
    ui = build_app(database_url, AUTH_FAILURE_LIMIT="2/minute", WTF_CSRF_ENABLED=False)
    client = ui.test_client()
    guesses = [client.post("/sign-in", data={"api_key": "rck_guess_0123456789"}) for _ in range(3)]
    assert [r.status_code for r in guesses] == [401, 401, 429]
    assert client.post("/sign-in", data={"api_key": API_KEY}).status_code == 302


def test_failed_sign_ins_and_api_guesses_share_one_count(database_url, app):
    ui = build_app(database_url, AUTH_FAILURE_LIMIT="2/minute", WTF_CSRF_ENABLED=False)
    client = ui.test_client()
    assert get(client, "wrong-key-0123456789").status_code == 401
    assert client.post("/sign-in", data={"api_key": "rck_guess_0123456789"}).status_code == 401
    assert get(client, "wrong-key-0123456789").status_code == 429


def test_reviewers_are_counted_per_key_not_per_address(database_url, app):
    ui = build_app(database_url, RATE_LIMIT="3/minute", WTF_CSRF_ENABLED=False)
    first, second = signed_in_client(ui, API_KEY), signed_in_client(ui, OTHER_KEY)
    assert [first.get("/").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert second.get("/").status_code == 200  # same address, another reviewer


def test_counting_in_memory_starts_no_thread_per_request(app, api, monkeypatch):
    """limits' own memory store starts a Timer thread ~10 ms after each count."""
    from ragchat.extensions import SweepingMemoryStorage, limiter

    started = []
    original = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda t: started.append(t) or original(t))
    for _ in range(20):
        assert api.get("/api/sessions?user_id=alice").status_code == 200
        time.sleep(0.002)
    assert isinstance(limiter.storage, SweepingMemoryStorage)
    assert started == []


def test_the_memory_store_still_drops_expired_counts(monkeypatch):
    from ragchat.extensions import SweepingMemoryStorage

    store = SweepingMemoryStorage()
    monkeypatch.setattr(SweepingMemoryStorage, "SWEEP_SECONDS", 0.0)
    store.incr("old", expiry=0.01)
    time.sleep(0.02)
    store.next_sweep = 0
    store.incr("new", expiry=60)
    assert set(store.storage) == {"new"}
    assert store.get("new") == 1


def test_the_memory_store_tells_each_count_to_one_caller_under_threads():
    """gunicorn serves memory:// on threads. limits' own store reads the count it returns
    after its lock, so two racing threads can both be told the later count."""
    from ragchat.extensions import SweepingMemoryStorage

    store, threads, each = SweepingMemoryStorage(), 8, 2000
    told, start = [], threading.Barrier(threads)

    def count():
        start.wait()
        told.extend([store.incr("key", expiry=60) for _ in range(each)])

    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often enough for the race to show
    try:
        workers = [threading.Thread(target=count) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        sys.setswitchinterval(switch_interval)
    assert sorted(told) == list(range(1, threads * each + 1))
    assert store.get("key") == threads * each
