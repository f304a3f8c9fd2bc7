"""Every way a request can be wrong: a clear problem+json 4xx, and nothing changes."""

import json
import re
import uuid

import pytest

from tests.support.database import API_KEY, OTHER_KEY, build_app

PROBLEM = "application/problem+json"
INTERNALS = ("Traceback", "sqlalchemy", "psycopg", "sqlite", "marshmallow", "webargs", "SELECT")


def assert_problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.json
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"]
    assert body["detail"]
    text = response.get_data(as_text=True)
    assert not any(word.lower() in text.lower() for word in INTERNALS), text
    return body


@pytest.fixture
def sid(make_session):
    return make_session()["id"]


# Each route, called without (or with a wrong) key.
ROUTES = [
    ("get", "/api/sessions?user_id=alice"),
    ("post", "/api/sessions"),
    ("get", "/api/sessions/{sid}"),
    ("patch", "/api/sessions/{sid}"),
    ("put", "/api/sessions/{sid}"),
    ("delete", "/api/sessions/{sid}"),
    ("get", "/api/sessions/{sid}/messages"),
    ("post", "/api/sessions/{sid}/messages"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize("key", [None, "", "wrong-key-0123456789", API_KEY + "x", API_KEY[:-1]])
def test_routes_need_a_valid_key(client, api, sid, method, path, key):
    headers = {} if key is None else {"X-API-Key": key}
    response = getattr(client, method)(
        path.format(sid=sid), json={"user_id": "mallory", "title": "x"}, headers=headers
    )
    body = assert_problem(response, 401)
    assert "X-API-Key" in body["detail"]
    assert api.get(f"/api/sessions/{sid}").json["title"] == "New chat"
    assert api.get("/api/sessions?user_id=mallory").json == []


@pytest.mark.parametrize("key", [API_KEY, OTHER_KEY])
def test_every_configured_key_works(client, key):
    response = client.get("/api/sessions?user_id=alice", headers={"X-API-Key": key})
    assert response.status_code == 200


def test_every_api_route_is_guarded(database_url):
    """A route added later without the key check fails here."""
    # Each refused request counts as a guess; there are more routes than AUTH_FAILURE_LIMIT.
    app = build_app(database_url, AUTH_FAILURE_LIMIT="1000/minute")
    client = app.test_client()
    public = {"/api/health-check", "/api/openapi.json", "/api/docs", "/api/redoc"}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api") or rule.rule in public:
            continue
        path = re.sub(r"<uuid:\w+>", str(uuid.uuid4()), rule.rule)
        path = re.sub(r"<int[^>]*>", "1", path)
        path = re.sub(r"<path:\w+>", "a/key", path)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(path, method=method, json={})
            assert response.status_code == 401, (method, rule.rule)


@pytest.mark.parametrize(
    "path",
    ["/api/sessions/not-a-uuid", "/api/sessions/123", f"/api/sessions/{uuid.uuid4()}"],
)
def test_unknown_or_malformed_session_ids_are_404(api, path):
    for method in ("get", "patch", "delete"):
        assert_problem(getattr(api, method)(path, json={"title": "x"}), 404)
    assert_problem(api.get(f"{path}/messages"), 404)


def test_unknown_api_path_is_404_problem(api):
    assert_problem(api.get("/api/nothing-here"), 404)


def test_wrong_method_is_405_with_allow(api, sid):
    response = api.delete("/api/sessions")
    assert_problem(response, 405)
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert_problem(api.post(f"/api/sessions/{sid}", json={}), 405)


@pytest.mark.parametrize(
    "body",
    ['{"user_id": ', "{'user_id': 'a'}", "nope", '{"user_id": "a"}}', "\xff\xfe", "[" * 50_000],
)
def test_malformed_json_is_400(api, body):
    response = api.post(
        "/api/sessions", data=body.encode("latin-1"), content_type="application/json"
    )
    assert_problem(response, 400)
    assert api.get("/api/sessions?user_id=a").json == []


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_json_numbers_are_400(api, sid, literal):
    body = f'{{"sender": "ai", "content": "x", "context": {{"score": {literal}}}}}'
    response = api.post(f"/api/sessions/{sid}/messages", data=body, content_type="application/json")
    assert_problem(response, 400)


def test_empty_body_is_400(api):
    assert_problem(api.post("/api/sessions", data="", content_type="application/json"), 400)


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_body_that_is_not_json_is_415(api, sid, content_type):
    kwargs = {"data": '{"title": "x"}'}
    if content_type:
        kwargs["content_type"] = content_type
    assert_problem(api.patch(f"/api/sessions/{sid}", **kwargs), 415)
    assert_problem(api.post("/api/sessions", **kwargs), 415)
    assert api.get(f"/api/sessions/{sid}").json["title"] == "New chat"


def test_body_over_the_limit_is_413(api, sid):
    huge = json.dumps({"sender": "user", "content": "x" * (1024 * 1024)})
    response = api.post(f"/api/sessions/{sid}/messages", data=huge, content_type="application/json")
    body = assert_problem(response, 413)
    assert "1048576" in body["detail"]
    assert api.get(f"/api/sessions/{sid}/messages").json == []


def test_limit_follows_max_content_length(database_url):
    app = build_app(database_url, MAX_CONTENT_LENGTH="100")
    client = app.test_client()
    response = client.post(
        "/api/sessions",
        json={"user_id": "a", "title": "t" * 150},
        headers={"X-API-Key": API_KEY},
    )
    assert_problem(response, 413)


NUL = "a\x00b"
SESSION_ERRORS = [
    ({}, "user_id"),
    ({"user_id": ""}, "user_id"),
    ({"user_id": "x" * 256}, "user_id"),
    ({"user_id": None}, "user_id"),
    ({"user_id": 42}, "user_id"),
    ({"user_id": NUL}, "user_id"),
    ({"user_id": "a", "title": ""}, "title"),
    ({"user_id": "a", "title": "   "}, "title"),
    ({"user_id": "a", "title": "x" * 201}, "title"),
    ({"user_id": "a", "title": None}, "title"),
    ({"user_id": "a", "title": NUL}, "title"),
    ({"user_id": "a", "title": ["x"]}, "title"),
    ({"user_id": "a", "is_admin": True}, "is_admin"),
]


@pytest.mark.parametrize(("body", "field"), SESSION_ERRORS)
def test_invalid_new_session_is_422(api, body, field):
    response = api.post("/api/sessions", json=body)
    problem = assert_problem(response, 422)
    assert field in problem["errors"]
    assert all(isinstance(m, str) for m in problem["errors"][field])


@pytest.mark.parametrize("body", [[], "a string", 3, None, [{"user_id": "a"}]])
def test_body_that_is_not_an_object_is_422(api, body):
    response = api.post("/api/sessions", data=json.dumps(body), content_type="application/json")
    assert_problem(response, 422)


UPDATE_ERRORS = [
    ({"title": None}, "title"),
    ({"title": ""}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": NUL}, "title"),
    ({"is_favorite": None}, "is_favorite"),
    ({"is_favorite": "yes"}, "is_favorite"),
    ({"is_favorite": 1}, "is_favorite"),
    ({"user_id": "someone-else"}, "user_id"),
    ({"id": str(uuid.uuid4())}, "id"),
    ({"created_at": "2020-01-01T00:00:00Z"}, "created_at"),
]


@pytest.mark.parametrize(("body", "field"), UPDATE_ERRORS)
@pytest.mark.parametrize("method", ["patch", "put"])
def test_invalid_update_is_422_and_changes_nothing(api, sid, method, body, field):
    before = api.get(f"/api/sessions/{sid}").json
    response = getattr(api, method)(f"/api/sessions/{sid}", json=body)
    problem = assert_problem(response, 422)
    assert field in problem["errors"]
    assert api.get(f"/api/sessions/{sid}").json == before


def nested(depth):
    value = "leaf"
    for _ in range(depth):
        value = {"k": value}
    return value


MESSAGE_ERRORS = [
    ({"content": "hi"}, "sender"),
    ({"sender": "bot", "content": "hi"}, "sender"),
    ({"sender": "", "content": "hi"}, "sender"),
    ({"sender": None, "content": "hi"}, "sender"),
    ({"sender": 1, "content": "hi"}, "sender"),
    ({"sender": "user"}, "content"),
    ({"sender": "user", "content": ""}, "content"),
    ({"sender": "user", "content": None}, "content"),
    ({"sender": "user", "content": 12}, "content"),
    ({"sender": "user", "content": {"text": "hi"}}, "content"),
    ({"sender": "user", "content": NUL}, "content"),
    ({"sender": "user", "content": "x", "context": []}, "context"),
    ({"sender": "user", "content": "x", "context": "chunks"}, "context"),
    ({"sender": "user", "content": "x", "context": None}, "context"),
    ({"sender": "user", "content": "x", "context": 5}, "context"),
    ({"sender": "user", "content": "x", "context": {"a\x00": 1}}, "context"),
    ({"sender": "user", "content": "x", "context": {"a": NUL}}, "context"),
    ({"sender": "user", "content": "x", "context": {"a": [{"b": [NUL]}]}}, "context"),
    ({"sender": "user", "content": "x", "context": nested(21)}, "context"),
    (
        {
            "sender": "user",
            "content": "x",
            "context": {"a": [[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]},
        },
        "context",
    ),
    ({"sender": "user", "content": "x", "seq": 7}, "seq"),
    ({"sender": "user", "content": "x", "session_id": str(uuid.uuid4())}, "session_id"),
]


@pytest.mark.parametrize(("body", "field"), MESSAGE_ERRORS)
def test_invalid_message_is_422_and_adds_nothing(api, sid, body, field):
    response = api.post(f"/api/sessions/{sid}/messages", json=body)
    problem = assert_problem(response, 422)
    assert field in problem["errors"]
    assert api.get(f"/api/sessions/{sid}/messages").json == []


def test_context_up_to_the_depth_cap_is_accepted(api, sid):
    response = api.post(
        f"/api/sessions/{sid}/messages",
        json={"sender": "user", "content": "x", "context": nested(20)},
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "raw",
    [
        '{"sender": "user", "content": "\\ud800"}',
        '{"sender": "user", "content": "ok", "context": {"\\udfff": 1}}',
        '{"sender": "user", "content": "a\\u0000b"}',
    ],
)
def test_unstorable_text_is_422(api, sid, raw):
    response = api.post(f"/api/sessions/{sid}/messages", data=raw, content_type="application/json")
    assert_problem(response, 422)


QUERY_ERRORS = [
    ("/api/sessions", "user_id"),
    ("/api/sessions?user_id=", "user_id"),
    ("/api/sessions?user_id=a%00b", "user_id"),
    ("/api/sessions?user_id=a&is_favorite=maybe", "is_favorite"),
    ("/api/sessions?user_id=a&page=0", "page"),
    ("/api/sessions?user_id=a&page=-1", "page"),
    ("/api/sessions?user_id=a&page=x", "page"),
    ("/api/sessions?user_id=a&page=99999999999999999999999", "page"),
    ("/api/sessions?user_id=a&size=0", "size"),
    ("/api/sessions?user_id=a&size=101", "size"),
    ("/api/sessions?user_id=a&page_size=101", "page_size"),
    ("/api/sessions/{sid}?include=everything", "include"),
    ("/api/sessions/{sid}/messages?size=1000", "size"),
    ("/api/sessions/{sid}/messages?page=0", "page"),
]


@pytest.mark.parametrize(("path", "field"), QUERY_ERRORS)
def test_invalid_query_is_422(api, sid, path, field):
    problem = assert_problem(api.get(path.format(sid=sid)), 422)
    assert field in problem["errors"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/sessions",
        "/api/sessions/",
        "/api/sessions/{sid}",
        "/api/sessions/{sid}/",
        "/api/sessions/{sid}/messages",
        "/api/sessions/{sid}/messages/",
        "/api/health-check",
        "/api/health-check/",
    ],
)
def test_routes_answer_with_and_without_trailing_slash(api, sid, path):
    response = api.get(path.format(sid=sid), query_string={"user_id": "alice"})
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/api/sessions/", "/api/sessions/{sid}/messages/"])
def test_posts_with_trailing_slash_do_not_redirect(api, sid, path):
    body = {"sender": "user", "content": "hi"} if "messages" in path else {"user_id": "alice"}
    assert api.post(path.format(sid=sid), json=body).status_code == 201


def test_unexpected_errors_are_500_problem_without_internals(app, api, sid, monkeypatch, caplog):
    from ragchat.chats import sessions

    def explode(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(sessions, "get_session", explode)
    response = api.get(f"/api/sessions/{sid}")
    body = assert_problem(response, 500)
    assert "secret internal detail" not in response.get_data(as_text=True)
    assert body["detail"] == "An unexpected error occurred."
    assert "secret internal detail" in caplog.text  # logged server-side, with the traceback
