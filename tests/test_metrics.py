"""Prometheus metrics: off by default, behind the API key, and summed across gunicorn workers."""

import os
import signal
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.pool import NullPool

from ragchat import metrics
from ragchat.extensions import db
from ragchat.version import __version__
from tests.support.database import API_KEY, OTHER_KEY, build_app, fresh_database
from tests.support.server import Server, call

DEFAULT_POOL_SIZE = 5  # SQLAlchemy's QueuePool default; the app keeps it


def value(text, name, **labels):
    """The sum of the samples called `name` that carry `labels`; None if there are none."""
    found = [
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    ]
    return sum(found) if found else None


def request_count(text, endpoint, method, status):
    return value(
        text,
        "flask_http_request_duration_seconds_count",
        endpoint=endpoint,
        method=method,
        status=str(status),
    )


@pytest.fixture
def metrics_app(app, database_url):
    """An app with metrics on, over the test database (`app` migrates and empties it)."""
    metrics_app = build_app(database_url, METRICS_ENABLED="true", TESTING=True)
    yield metrics_app
    with metrics_app.app_context():
        db.engine.dispose()


def keyed_client(flask_app):
    client = flask_app.test_client()
    client.environ_base["HTTP_X_API_KEY"] = API_KEY
    return client


def scrape(flask_app, headers=None):
    response = flask_app.test_client().get("/metrics", headers=headers or {"X-API-Key": API_KEY})
    assert response.status_code == 200, response.data
    return response.text


def test_off_by_default_there_is_no_metrics_endpoint(app, api):
    assert api.get("/metrics").status_code == 404
    assert "metrics" not in app.extensions


def test_off_the_gunicorn_master_prepares_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv(metrics.MULTIPROC_DIR, raising=False)
    metrics.prepare_multiprocess_dir({"METRICS_ENABLED": False, "INSTANCE_PATH": str(tmp_path)})
    assert metrics.MULTIPROC_DIR not in os.environ
    assert not (tmp_path / "prometheus").exists()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-API-Key": "wrong-key-0123456789abcdef"},
        {"Authorization": "Bearer wrong-key-0123456789abcdef"},
        {"Authorization": f"Basic {API_KEY}"},
        {"Authorization": API_KEY},
        {"Authorization": "Bearer "},
    ],
)
def test_scrape_without_a_valid_key_is_refused(metrics_app, headers):
    response = metrics_app.test_client().get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "ragchat_info" not in response.text


@pytest.mark.parametrize("scopes", [["read"], ["read", "write"]])
def test_scrape_with_a_tenant_key_without_admin_is_forbidden(metrics_app, issue_key, scopes):
    secret = issue_key("acme", scopes=scopes)
    response = metrics_app.test_client().get("/metrics", headers={"X-API-Key": secret})
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert "ragchat_info" not in response.text


def test_scrape_with_a_stored_admin_key(metrics_app, issue_key):
    secret = issue_key("acme", scopes=["admin"])
    response = metrics_app.test_client().get(
        "/metrics", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"X-API-Key": API_KEY},
        {"Authorization": f"Bearer {API_KEY}"},
        {"Authorization": f"bearer {OTHER_KEY}"},
    ],
)
def test_scrape_with_a_key_serves_the_prometheus_text_format(metrics_app, headers):
    response = metrics_app.test_client().get("/metrics", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert value(response.text, "ragchat_info", version=__version__) == 1


def test_requests_are_counted_by_endpoint_and_status(metrics_app):
    client = keyed_client(metrics_app)
    for _ in range(3):
        assert client.post("/api/sessions", json={"user_id": "u"}).status_code == 201
    missing = [str(uuid.uuid4()) for _ in range(2)]
    for session_id in missing:
        assert client.get(f"/api/sessions/{session_id}").status_code == 404
    assert client.get("/api/health-check").status_code == 200
    scrape(metrics_app)
    assert metrics_app.test_client().get("/metrics").status_code == 401

    text = scrape(metrics_app, {"Authorization": f"Bearer {API_KEY}"})
    assert request_count(text, "sessions.Sessions", "POST", 201) == 3
    assert request_count(text, "sessions.SessionItem", "GET", 404) == 2
    assert request_count(text, "health.HealthCheck", "GET", 200) == 1
    assert value(text, "flask_http_request_total", method="POST", status="201") == 3
    # The scrapes themselves, answered or refused, are not counted.
    assert value(text, "flask_http_request_total", method="GET", status="200") == 1
    assert value(text, "flask_http_request_total", status="401") is None
    assert (
        value(text, "flask_http_request_duration_seconds_count", endpoint="prometheus_metrics")
        is None
    )
    bucket = "flask_http_request_duration_seconds_bucket"
    assert value(text, bucket, endpoint="sessions.Sessions", le="+Inf") == 3
    assert not any(session_id in text for session_id in missing)  # endpoints, not paths


def test_each_app_counts_on_its_own(metrics_app, database_url):
    other = build_app(database_url, METRICS_ENABLED="true", TESTING=True)
    assert keyed_client(other).post("/api/sessions", json={"user_id": "u"}).status_code == 201
    assert request_count(scrape(other), "sessions.Sessions", "POST", 201) == 1
    assert request_count(scrape(metrics_app), "sessions.Sessions", "POST", 201) is None
    with other.app_context():
        db.engine.dispose()


def test_pool_gauges_follow_the_pool(metrics_app):
    with metrics_app.app_context():
        size = db.engine.pool.size()
        text = scrape(metrics_app)
        assert value(text, "ragchat_db_pool_size") == size == DEFAULT_POOL_SIZE
        assert value(text, "ragchat_db_pool_checked_out") == 0
        assert value(text, "ragchat_db_pool_overflow") == 0
        with db.engine.connect():
            text = scrape(metrics_app)
        assert value(text, "ragchat_db_pool_checked_out") == 1
        assert value(scrape(metrics_app), "ragchat_db_pool_checked_out") == 0


def test_pools_without_figures_are_left_out(app, database_url):
    unpooled = build_app(
        database_url,
        METRICS_ENABLED="true",
        TESTING=True,
        SQLALCHEMY_ENGINE_OPTIONS={"poolclass": NullPool},
    )
    assert keyed_client(unpooled).post("/api/sessions", json={"user_id": "u"}).status_code == 201
    text = scrape(unpooled)
    assert "ragchat_db_pool" not in text
    assert request_count(text, "sessions.Sessions", "POST", 201) == 1


def test_metrics_are_not_in_the_openapi_document(metrics_app):
    response = metrics_app.test_client().get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json["paths"]
    assert not any("metrics" in path for path in response.json["paths"])


def scrape_server(server, headers):
    request = urllib.request.Request(f"{server.url}/metrics", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def worker_pids(server):
    pid = server.process.pid
    return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


def test_gunicorn_workers_add_up_their_counts(tmp_path):
    """Counts survive their worker; live gauges leave with it; any worker answers for all."""
    stale = tmp_path / "instance" / "prometheus" / "counter_1.db"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"left over from a previous run")
    settings = {
        "METRICS_ENABLED": "true",
        "API_KEY": API_KEY,
        "WEB_CONCURRENCY": "2",
        # Counts every process shares: gunicorn then runs two worker processes, not threads.
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",
    }
    bearer = {"Authorization": f"Bearer {API_KEY}"}
    with fresh_database(tmp_path) as url, Server(tmp_path, DATABASE_URL=url, **settings) as server:
        assert not stale.exists()
        assert scrape_server(server, {})[0] == 401
        sessions = f"{server.url}/api/sessions"
        for _ in range(6):
            assert call(sessions, "POST", {"user_id": "u"}, API_KEY)[0] == 201

        # Replace both workers: whatever they counted now lives only in their files.
        first = worker_pids(server)
        assert len(first) == 2
        for pid in first:
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while True:
            status, text = scrape_server(server, bearer)
            pool_size = value(text, "ragchat_db_pool_size") if status == 200 else None
            replaced = len(worker_pids(server) - first) == 2
            if replaced and pool_size == 2 * DEFAULT_POOL_SIZE:
                break
            assert time.monotonic() < deadline, (status, pool_size, replaced)
            time.sleep(0.2)

        for _ in range(4):
            assert call(sessions, "POST", {"user_id": "u"}, API_KEY)[0] == 201
        for headers in (bearer, {"X-API-Key": API_KEY}) * 3:
            status, text = scrape_server(server, headers)
            assert status == 200
            assert request_count(text, "sessions.Sessions", "POST", 201) == 10
            assert value(text, "flask_http_request_total", method="POST", status="201") == 10
            assert value(text, "ragchat_db_pool_size") == 2 * DEFAULT_POOL_SIZE
            assert value(text, "ragchat_info", version=__version__) == 1
