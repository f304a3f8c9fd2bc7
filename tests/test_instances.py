"""Two ragchat instances behind a load balancer behave as one.

All on 127.0.0.1 and started here: HAProxy, round robin, in front of two gunicorn instances
of two worker processes each; the instances count rate limits in one Redis database (this
test's own) and reach a fresh PostgreSQL database through one PgBouncer in transaction mode
that has fewer server connections than there are worker processes. PostgreSQL only: the
point is a database server that several machines share.
"""

import http.client
import json
import os
import secrets
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

import pytest
import redis
from flask_migrate import upgrade

from ragchat.auth import keys
from ragchat.extensions import db
from tests.support.database import build_app, fresh_database
from tests.support.haproxy import SERVED_BY, Balancer
from tests.support.html import Tree
from tests.support.pgbouncer import PgBouncer
from tests.support.server import Server

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"),
    reason="instances share a PostgreSQL server: part of the PostgreSQL run",
)

REDIS_URL = "redis://127.0.0.1:6379/14"  # this test's own database, emptied when it starts
TENANT = "acme"
RATE_LIMIT = 30  # per key and minute: each test's writers use keys of their own
CACHE_SECONDS = 1
INSTANCE_SETTINGS = {
    "SECRET_KEY": secrets.token_urlsafe(32),  # one for both: either reads the other's cookies
    "RATELIMIT_STORAGE_URI": REDIS_URL,
    "RATE_LIMIT": f"{RATE_LIMIT}/minute",
    "API_KEY_CACHE_SECONDS": str(CACHE_SECONDS),
    "DATABASE_PREPARED_STATEMENTS": "false",  # transaction pooling
    "TRUSTED_PROXIES": "1",  # the balancer
    "WEB_CONCURRENCY": "2",
}
SERVER_CONNECTIONS = 3  # for 2 instances x 2 worker processes


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    text: str

    @property
    def json(self):
        return json.loads(self.text)

    @property
    def served_by(self):
        return self.headers.get(SERVED_BY)


def send(url, method="GET", body=None, key=None, headers=None, form=None, cookie=None):
    """One request on a connection of its own; the answer whoever gave it."""
    parts = urlsplit(url)
    headers = dict(headers or {})
    data = None
    if key:
        headers["X-API-Key"] = key
    if cookie:
        headers["Cookie"] = cookie
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body), "application/json"
    if form is not None:
        data, headers["Content-Type"] = urlencode(form), "application/x-www-form-urlencoded"
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, target, body=data, headers=headers)
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read().decode())
    finally:
        connection.close()


class Cluster:
    def __init__(self, balancer, instances, admin):
        self.url = balancer.url
        self.instances = instances
        self.admin = admin  # an app on the database itself: keys are issued there

    def new_key(self, scopes=("read", "write")):
        """(id, secret) of a new stored key of TENANT: a fresh rate-limit count."""
        with self.admin.app_context():
            key, secret = keys.issue_key(TENANT, "instances test", scopes)
            db.session.commit()
            return key.id, secret

    def revive(self):
        """Start again an instance a test has killed, and wait until the balancer uses it."""
        for server in self.instances.values():
            if server.process.poll() is not None:
                server.__exit__()
                server.__enter__()  # on its old port, where the balancer looks for it
        deadline = time.monotonic() + 10
        while {send(f"{self.url}/api/health-check").served_by for _ in range(4)} != {"a", "b"}:
            assert time.monotonic() < deadline, "the balancer did not take the instance back"
            time.sleep(0.2)


def close_pool(app):
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    scratch = tmp_path_factory.mktemp("instances")
    redis.Redis.from_url(REDIS_URL).flushdb()  # fails, rather than skips, without Redis
    with ExitStack() as stack:
        url = stack.enter_context(fresh_database(scratch))
        admin = build_app(url)
        with admin.app_context():
            upgrade()
        stack.callback(close_pool, admin)
        bouncer = stack.enter_context(PgBouncer(url, pool_size=SERVER_CONNECTIONS))
        settings = {**INSTANCE_SETTINGS, "DATABASE_URL": bouncer.url()}
        instances = {
            name: stack.enter_context(Server(scratch / name, migrate=False, **settings))
            for name in ("a", "b")
        }
        urls = {name: server.url for name, server in instances.items()}
        balancer = stack.enter_context(Balancer(scratch / "haproxy", urls))
        yield Cluster(balancer, instances, admin)


@pytest.fixture
def cluster(running):
    running.revive()
    return running


def append(url, session_id, key, content):
    return send(
        f"{url}/api/sessions/{session_id}/messages",
        "POST",
        {"sender": "user", "content": content},
        key,
    )


def stored_messages(cluster, session_id, key):
    answer = send(f"{cluster.url}/api/sessions/{session_id}/messages?after=0&limit=100", key=key)
    assert answer.status == 200, answer.text
    return answer.json


def test_concurrent_appends_through_both_instances_number_one_session_from_1(cluster):
    writers, each = 4, 20
    secrets_ = [cluster.new_key()[1] for _ in range(writers)]
    created = send(f"{cluster.url}/api/sessions", "POST", {"user_id": "alice"}, secrets_[0])
    session_id = created.json["id"]

    def write(key):
        return [append(cluster.url, session_id, key, f"{key[-6:]} {n}") for n in range(each)]

    with ThreadPoolExecutor(writers) as pool:
        answers = [answer for batch in pool.map(write, secrets_) for answer in batch]
    assert {answer.status for answer in answers} == {201}
    assert {answer.served_by for answer in answers} == {"a", "b"}
    seqs = sorted(answer.json["seq"] for answer in answers)
    assert seqs == list(range(1, writers * each + 1))
    stored = stored_messages(cluster, session_id, secrets_[1])
    assert [message["seq"] for message in stored] == seqs


def test_a_rate_limit_holds_at_its_number_across_both_instances(cluster):
    _, key = cluster.new_key()
    answers = [
        send(f"{cluster.url}/api/sessions?user_id=alice", key=key) for _ in range(RATE_LIMIT + 1)
    ]
    assert [answer.status for answer in answers] == [200] * RATE_LIMIT + [429]
    # Both took some, so neither counting alone would have reached the limit.
    assert {answer.served_by for answer in answers} == {"a", "b"}
    # One count: every answer, from either instance, knows of all the requests before it.
    remaining = [int(answer.headers["X-RateLimit-Remaining"]) for answer in answers]
    assert remaining == [*range(RATE_LIMIT - 1, -1, -1), 0]


def test_one_idempotency_key_sent_to_both_instances_stores_once(cluster):
    _, key = cluster.new_key()
    body = {"user_id": f"once-{uuid.uuid4().hex[:8]}", "title": "Stored once"}
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    a, b = cluster.instances["a"], cluster.instances["b"]
    together = threading.Barrier(2)

    def post(server):
        together.wait()
        return send(f"{server.url}/api/sessions", "POST", body, key, headers)

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(post, (a, b))
    again = send(f"{b.url}/api/sessions", "POST", body, key, headers)
    assert [answer.status for answer in (first, second, again)] == [201, 201, 201]
    assert first.json == second.json == again.json
    replayed = [answer.headers.get("Idempotent-Replayed") for answer in (first, second, again)]
    assert sorted(replayed, key=str) == [None, "true", "true"]  # one of the twins stored it
    listed = send(f"{cluster.url}/api/sessions?user_id={body['user_id']}", key=key)
    assert [session["id"] for session in listed.json] == [first.json["id"]]


def test_a_key_revoked_through_one_instance_is_refused_by_the_other_soon(cluster):
    """Within API_KEY_CACHE_SECONDS: the other instance trusts its cache until then."""
    a, b = cluster.instances["a"], cluster.instances["b"]
    key_id, key = cluster.new_key()
    _, admin = cluster.new_key(scopes=("admin",))
    sessions = f"{b.url}/api/sessions?user_id=alice"
    assert {send(sessions, key=key).status for _ in range(4)} == {200}  # b has it cached
    assert send(f"{a.url}/api/keys/{key_id}", "DELETE", key=admin).status == 204
    time.sleep(CACHE_SECONDS + 0.3)  # what b cached before the revocation has expired
    assert {send(sessions, key=key).status for _ in range(6)} == {401}


class Browser:
    """Keeps the session cookie, follows no redirect."""

    def __init__(self, url):
        self.url, self.cookies = url, SimpleCookie()

    def request(self, path, form=None):
        cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in self.cookies.items())
        answer = send(self.url + path, "POST" if form else "GET", form=form, cookie=cookie)
        for header in answer.headers.get_all("Set-Cookie") or ():
            self.cookies.load(header)
        return answer


def test_signing_in_to_the_review_ui_works_on_either_instance(cluster):
    """The form from one instance is accepted by the other (its CSRF token), and the cookie
    that one sets opens the chat list on both (one SECRET_KEY signs them)."""
    _, key = cluster.new_key(scopes=("read",))
    orders = set()
    for _ in range(6):
        browser = Browser(cluster.url)
        form = browser.request("/sign-in")
        token = Tree(form.text).root.one("input", name="csrf_token").attrs["value"]
        signed_in = browser.request("/sign-in", {"csrf_token": token, "api_key": key, "next": ""})
        assert signed_in.status == 302, signed_in.text
        assert urlsplit(signed_in.headers["Location"]).path == "/"
        orders.add((form.served_by, signed_in.served_by))
        # Three pages, so that the next round starts on the other instance.
        pages = [browser.request("/") for _ in range(3)]
        assert [page.status for page in pages] == [200, 200, 200]
        assert {page.served_by for page in pages} == {"a", "b"}
        if {("a", "b"), ("b", "a")} <= orders:
            break
    assert {("a", "b"), ("b", "a")} <= orders


def test_an_instance_killed_under_load_loses_no_acknowledged_write(cluster):
    """SIGKILL to one instance (master and workers) while writers append through the
    balancer: only the requests it had taken then fail (the balancer's 502), every 201 is
    stored, seqs stay 1..n, and the balancer goes on serving from the other instance."""
    writers, each = 3, 25
    secrets_ = [cluster.new_key()[1] for _ in range(writers + 1)]
    reader = secrets_.pop()
    session_id = send(f"{cluster.url}/api/sessions", "POST", {"user_id": "bob"}, reader).json["id"]
    acknowledged, failed = {}, []

    def write(key):
        for n in range(each):
            try:
                answer = append(cluster.url, session_id, key, f"{key[-6:]} {n}")
            except http.client.IncompleteRead:  # the balancer had passed on its head
                failed.append(("cut off", time.monotonic()))
                continue
            if answer.status == 201:
                acknowledged[answer.json["seq"]] = answer.json["content"]
            else:
                failed.append((answer.status, time.monotonic()))

    with ThreadPoolExecutor(writers) as pool:
        writing = [pool.submit(write, key) for key in secrets_]
        deadline = time.monotonic() + 20
        while len(acknowledged) < writers * each // 4:
            assert time.monotonic() < deadline, "the writers did not get going"
            time.sleep(0.01)
        killed_at, killed_with = time.monotonic(), len(acknowledged)
        cluster.instances["b"].kill()
        for future in writing:
            future.result(timeout=60)

    # Requests b had accepted, or had queued, when it died; later ones went to a.
    assert {outcome for outcome, _ in failed} <= {502, "cut off"}, failed
    assert all(0 < at - killed_at < 1 for _, at in failed), failed
    assert len(acknowledged) > killed_with  # writing went on after the kill
    later = [append(cluster.url, session_id, reader, f"later {n}") for n in range(4)]
    assert [(answer.status, answer.served_by) for answer in later] == [(201, "a")] * 4
    stored = {m["seq"]: m["content"] for m in stored_messages(cluster, session_id, reader)}
    assert acknowledged.items() <= stored.items()
    assert sorted(stored) == list(range(1, len(stored) + 1))
