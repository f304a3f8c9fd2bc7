"""Tenants: a key sees only its own tenant's chats, through every route; scopes hold."""

import pytest

from tests.support.database import API_KEY


@pytest.fixture
def acme(issue_key, as_key):
    return as_key(issue_key("acme"))


@pytest.fixture
def globex(issue_key, as_key):
    return as_key(issue_key("globex"))


@pytest.fixture
def acme_chat(acme):
    session = acme.post("/api/sessions", json={"user_id": "shared-user", "title": "Acme"}).json
    acme.post(
        f"/api/sessions/{session['id']}/messages", json={"sender": "user", "content": "secret"}
    )
    return acme.get(f"/api/sessions/{session['id']}").json


# Every route that takes a session id, as another tenant would try it.
FOREIGN_ATTEMPTS = [
    ("get", "/api/sessions/{sid}", None),
    ("get", "/api/sessions/{sid}?include=messages", None),
    ("patch", "/api/sessions/{sid}", {"title": "Hijacked"}),
    ("put", "/api/sessions/{sid}", {"is_favorite": True}),
    ("delete", "/api/sessions/{sid}", None),
    ("get", "/api/sessions/{sid}/messages", None),
    ("post", "/api/sessions/{sid}/messages", {"sender": "user", "content": "injected"}),
]


@pytest.mark.parametrize(("method", "path", "body"), FOREIGN_ATTEMPTS)
def test_another_tenants_session_is_404_and_untouched(acme, globex, acme_chat, method, path, body):
    url = path.format(sid=acme_chat["id"])
    kwargs = {"json": body} if body is not None else {}

    foreign = getattr(globex, method)(url, **kwargs)

    assert foreign.status_code == 404
    assert foreign.mimetype == "application/problem+json"
    missing = globex.get("/api/sessions/00000000-0000-4000-8000-000000000000")
    assert foreign.json["detail"] == missing.json["detail"]  # indistinguishable from absent
    assert acme.get(f"/api/sessions/{acme_chat['id']}").json == acme_chat
    messages = acme.get(f"/api/sessions/{acme_chat['id']}/messages").json
    assert [m["content"] for m in messages] == ["secret"]


def test_listing_by_user_shows_only_the_callers_tenant(acme, globex, acme_chat):
    globex.post("/api/sessions", json={"user_id": "shared-user", "title": "Globex"})

    acme_titles = [s["title"] for s in acme.get("/api/sessions?user_id=shared-user").json]
    globex_titles = [s["title"] for s in globex.get("/api/sessions?user_id=shared-user").json]

    assert acme_titles == ["Acme"]
    assert globex_titles == ["Globex"]


def test_environment_keys_are_the_default_tenant(api, acme, acme_chat):
    assert api.get(f"/api/sessions/{acme_chat['id']}").status_code == 404
    assert api.get("/api/sessions?user_id=shared-user").json == []
    mine = api.post("/api/sessions", json={"user_id": "shared-user"}).json
    assert acme.get(f"/api/sessions/{mine['id']}").status_code == 404


def test_a_default_tenant_stored_key_shares_the_environment_keys_chats(api, issue_key, as_key):
    session = api.post("/api/sessions", json={"user_id": "u"}).json
    stored = as_key(issue_key("default"))
    assert stored.get(f"/api/sessions/{session['id']}").status_code == 200


def test_same_session_id_space_is_per_tenant(acme, globex, acme_chat):
    """Appends by one tenant never move another tenant's seq."""
    theirs = globex.post("/api/sessions", json={"user_id": "u"}).json
    seq = globex.post(
        f"/api/sessions/{theirs['id']}/messages", json={"sender": "user", "content": "x"}
    ).json["seq"]
    assert seq == 1


READS = [("get", "/api/sessions?user_id=u"), ("get", "/api/sessions/{sid}/messages")]
WRITES = [
    ("post", "/api/sessions", {"user_id": "u"}),
    ("patch", "/api/sessions/{sid}", {"title": "x"}),
    ("put", "/api/sessions/{sid}", {"title": "x"}),
    ("delete", "/api/sessions/{sid}", None),
    ("post", "/api/sessions/{sid}/messages", {"sender": "user", "content": "x"}),
]


@pytest.fixture
def sid(acme_chat):
    return acme_chat["id"]


@pytest.mark.parametrize(("method", "path"), READS)
def test_read_scope_may_read(issue_key, as_key, sid, method, path):
    reader = as_key(issue_key("acme", scopes=["read"]))
    assert getattr(reader, method)(path.format(sid=sid)).status_code == 200


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_read_scope_may_not_write(issue_key, as_key, acme, sid, method, path, body):
    reader = as_key(issue_key("acme", scopes=["read"]))
    before = acme.get(f"/api/sessions/{sid}").json

    response = getattr(reader, method)(path.format(sid=sid), json=body)

    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert "'write' scope" in response.json["detail"]
    assert acme.get(f"/api/sessions/{sid}").json == before
    assert len(acme.get(f"/api/sessions/{sid}/messages").json) == 1


def test_write_scope_alone_may_not_read(issue_key, as_key, sid):
    writer = as_key(issue_key("acme", scopes=["write"]))
    assert writer.get(f"/api/sessions/{sid}").status_code == 403
    assert writer.post("/api/sessions", json={"user_id": "u"}).status_code == 201


@pytest.mark.parametrize("scopes", [["read"], ["write"], ["read", "write"]])
def test_managing_keys_needs_admin(issue_key, as_key, scopes):
    client = as_key(issue_key("acme", scopes=scopes))
    assert client.get("/api/keys").status_code == 403
    assert client.post("/api/keys", json={"name": "x"}).status_code == 403
    assert client.delete("/api/keys/1").status_code == 403


def test_admin_also_reads_and_writes(issue_key, as_key):
    admin = as_key(issue_key("acme", scopes=["admin"]))
    session = admin.post("/api/sessions", json={"user_id": "u"})
    assert session.status_code == 201
    assert admin.get(f"/api/sessions/{session.json['id']}").status_code == 200


def test_admin_creates_lists_and_revokes_keys_of_its_tenant(issue_key, as_key, client):
    admin = as_key(issue_key("acme", scopes=["admin"]))

    created = admin.post(
        "/api/keys", json={"name": "support bot", "scopes": ["read"], "expires_in_days": 30}
    )

    assert created.status_code == 201
    body = created.json
    assert body["secret"].startswith("rck_")
    assert body["prefix"] == body["secret"][:12]
    assert (body["name"], body["scopes"], body["state"]) == ("support bot", ["read"], "active")
    assert body["expires_at"] is not None
    new_key = {"X-API-Key": body["secret"]}
    assert client.get("/api/sessions?user_id=u", headers=new_key).status_code == 200

    listed = admin.get("/api/keys").json
    assert {k["name"] for k in listed} == {"acme key", "support bot"}
    assert all("secret" not in k for k in listed)
    assert body["secret"] not in admin.get("/api/keys").get_data(as_text=True)

    assert admin.delete(f"/api/keys/{body['id']}").status_code == 204
    assert client.get("/api/sessions?user_id=u", headers=new_key).status_code == 401
    states = {k["name"]: k["state"] for k in admin.get("/api/keys").json}
    assert states["support bot"] == "revoked"


def test_admin_cannot_see_or_revoke_another_tenants_keys(issue_key, as_key, client):
    victim = issue_key("globex")
    acme_admin = as_key(issue_key("acme", scopes=["admin"]))
    globex_admin = as_key(issue_key("globex", scopes=["admin"]))
    victim_id = next(
        k["id"] for k in globex_admin.get("/api/keys").json if k["scopes"] == ["read", "write"]
    )

    assert all(k["id"] != victim_id for k in acme_admin.get("/api/keys").json)
    assert acme_admin.delete(f"/api/keys/{victim_id}").status_code == 404
    assert client.get("/api/sessions?user_id=u", headers={"X-API-Key": victim}).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "x", "scopes": []},
        {"name": "x", "scopes": ["superuser"]},
        {"name": "x", "scopes": "read"},
        {"name": "x", "expires_in_days": 0},
        {"name": "x", "expires_in_days": 10000},
        {"name": "x", "tenant": "globex"},
    ],
)
def test_invalid_key_requests_are_422(api, body):
    response = api.post("/api/keys", json=body)
    assert response.status_code == 422
    assert api.get("/api/keys").json == []


@pytest.mark.parametrize("key_id", ["99999", "2147483648", "99999999999999999999", "abc"])
def test_unknown_key_ids_are_404(api, key_id):
    assert api.delete(f"/api/keys/{key_id}").status_code == 404


def test_environment_admin_manages_default_tenant_keys(api, client):
    created = api.post("/api/keys", json={"name": "ops"}).json
    assert [k["name"] for k in api.get("/api/keys").json] == ["ops"]
    response = client.get("/api/sessions?user_id=u", headers={"X-API-Key": created["secret"]})
    assert response.status_code == 200
    assert created["secret"] != API_KEY
