"""CORS: only the configured origins, with our headers allowed and exposed."""

import pytest

from tests.support.database import API_KEY, build_app

ORIGIN = "https://chat.example.com"


@pytest.fixture
def cors_client(database_url, app):
    return build_app(
        database_url, CORS_ORIGINS=f"{ORIGIN}, https://admin.example.com"
    ).test_client()


def preflight(client, origin, headers="X-API-Key, Content-Type, Idempotency-Key"):
    return client.options(
        "/api/sessions",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": headers,
        },
    )


def test_preflight_from_an_allowed_origin(cors_client):
    response = preflight(cors_client, ORIGIN)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    allowed = {
        h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")
    }
    assert {"x-api-key", "content-type", "idempotency-key"} <= allowed
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_preflight_from_another_origin_gets_no_grant(cors_client):
    response = preflight(cors_client, "https://evil.example.net")
    assert "Access-Control-Allow-Origin" not in response.headers


def test_responses_expose_pagination_rate_limit_and_request_id_headers(cors_client):
    response = cors_client.get(
        "/api/sessions?user_id=alice", headers={"Origin": ORIGIN, "X-API-Key": API_KEY}
    )
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {
        "X-Pagination",
        "Link",
        "X-Request-ID",
        "X-RateLimit-Remaining",
        "Retry-After",
    } <= exposed


def test_no_origin_is_allowed_by_default(api):
    response = api.get("/api/sessions?user_id=alice", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Origin" not in preflight(api, ORIGIN).headers
