"""The health check: no key, cheap, and honest about the database."""

import pytest

from ragchat.version import __version__
from tests.support.database import API_KEY, build_app

UNREACHABLE = [
    "postgresql://postgres@127.0.0.1:9/nowhere",  # nothing listens on the discard port
    "sqlite:////nonexistent-folder/ragchat.db",
]


def test_health_needs_no_key_and_reports_the_version(client):
    response = client.get("/api/health-check")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "version": __version__}


@pytest.mark.parametrize("database_url", UNREACHABLE)
def test_health_is_503_when_the_database_is_unreachable(database_url):
    client = build_app(database_url).test_client()
    response = client.get("/api/health-check")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.json["detail"] == "The database is not reachable."


@pytest.mark.parametrize("database_url", UNREACHABLE)
def test_data_routes_answer_503_problem_when_the_database_is_down(database_url):
    client = build_app(database_url).test_client()
    response = client.post(
        "/api/sessions", json={"user_id": "alice"}, headers={"X-API-Key": API_KEY}
    )
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"]
    assert "psycopg" not in response.get_data(as_text=True)


def test_health_answers_503_quickly_when_the_database_never_answers():
    """A server that accepts connections but never speaks must not hang the check."""
    import socket
    import time

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    port = silent.getsockname()[1]
    try:
        client = build_app(f"postgresql://postgres@127.0.0.1:{port}/x").test_client()
        started = time.monotonic()
        response = client.get("/api/health-check")
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert response.status_code == 503
    assert elapsed < 5  # bounded by the 2-second connect timeout, not by the client
