"""The OpenAPI document describes every operation, its errors and its security."""

import pytest

from ragchat import __version__

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def spec(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json


def operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def test_spec_is_openapi_3_with_the_version(spec):
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["version"] == __version__


def test_every_route_is_documented(spec):
    documented = {(path, method) for path, method, _ in operations(spec)}
    assert documented >= {
        ("/api/health-check", "get"),
        ("/api/sessions", "get"),
        ("/api/sessions", "post"),
        ("/api/sessions/{session_id}", "get"),
        ("/api/sessions/{session_id}", "patch"),
        ("/api/sessions/{session_id}", "put"),
        ("/api/sessions/{session_id}", "delete"),
        ("/api/sessions/{session_id}/messages", "get"),
        ("/api/sessions/{session_id}/messages", "post"),
    }


def test_every_operation_has_a_summary(spec):
    for path, method, operation in operations(spec):
        assert operation.get("summary"), (method, path)


def test_errors_are_documented_as_problem_json(spec):
    for path, method, operation in operations(spec):
        codes = set(operation["responses"])
        if path != "/api/health-check":
            assert "401" in codes, (method, path)
        if "{session_id}" in path:
            assert "404" in codes, (method, path)
        if "requestBody" in operation:
            assert {"400", "413", "415", "422"} <= codes, (method, path)
    for name, response in spec["components"]["responses"].items():
        assert list(response["content"]) == ["application/problem+json"], name


def test_key_is_required_except_for_the_health_check(spec):
    scheme = spec["components"]["securitySchemes"]["ApiKeyAuth"]
    assert scheme == {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    assert spec["security"] == [{"ApiKeyAuth": []}]
    assert spec["paths"]["/api/health-check"]["get"]["security"] == []


def test_lists_document_their_pagination_headers(spec):
    for path in ("/api/sessions", "/api/sessions/{session_id}/messages"):
        headers = spec["paths"][path]["get"]["responses"]["200"]["headers"]
        assert {"X-Pagination", "Link"} <= set(headers)


@pytest.mark.parametrize(
    ("page", "asset"),
    [
        ("/api/docs", "/static/vendor/swagger-ui/swagger-ui-bundle.js"),
        ("/api/redoc", "/static/vendor/redoc/redoc.standalone.js"),
    ],
)
def test_doc_pages_load_their_scripts_from_this_server(client, page, asset):
    response = client.get(page)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert asset in html
    assert "cdn" not in html.lower()
    script = client.get(asset)
    assert script.status_code == 200
    assert len(script.data) > 100_000


def test_data_posts_document_the_idempotency_key(spec):
    for path in (
        "/api/sessions",
        "/api/sessions/{session_id}/messages",
        "/api/sessions/{session_id}/messages/batch",
    ):
        operation = spec["paths"][path]["post"]
        names = [p["name"] for p in operation.get("parameters", [])]
        assert "Idempotency-Key" in names, path
        assert "409" in operation["responses"], path
    keys_post = spec["paths"]["/api/keys"]["post"]
    assert "Idempotency-Key" not in [p["name"] for p in keys_post.get("parameters", [])]


def test_the_conversation_routes_are_documented(spec):
    paths = spec["paths"]
    assert {"get", "delete"} <= set(paths["/api/sessions/{session_id}/messages/{message_id}"])
    assert {"put", "delete"} <= set(
        paths["/api/sessions/{session_id}/messages/{message_id}/feedback"]
    )
    assert "delete" in paths["/api/users/{user_id}"]
    listed = {p["name"] for p in paths["/api/sessions/{session_id}/messages"]["get"]["parameters"]}
    assert {"after", "before", "limit", "order", "page", "size"} <= listed


def test_hand_documented_parameters_add_to_the_generated_ones(spec):
    listed = {p["name"] for p in spec["paths"]["/api/sessions"]["get"]["parameters"]}
    assert {"user_id", "page", "size", "is_favorite", "has_feedback", "cursor", "limit"} <= listed
    assert "metadata" in listed
    assert not any(k.startswith("x-extra") for k in spec["paths"]["/api/sessions"]["get"])
