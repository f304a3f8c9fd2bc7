"""Metadata on sessions and messages; erasing an end user."""

import pytest


def test_sessions_and_messages_keep_their_metadata(api, make_session, add_message):
    session = make_session(metadata={"channel": "web", "locale": "de"})
    assert session["metadata"] == {"channel": "web", "locale": "de"}
    message = add_message(session["id"], metadata={"model": "gpt-4o-mini", "latency_ms": "812"})
    assert message["metadata"] == {"model": "gpt-4o-mini", "latency_ms": "812"}
    assert api.get(f"/api/sessions/{session['id']}").json["metadata"] == session["metadata"]


def test_patch_merges_metadata_and_null_removes_a_key(api, make_session):
    session = make_session(metadata={"channel": "web", "locale": "de", "plan": "pro"})
    response = api.patch(
        f"/api/sessions/{session['id']}",
        json={"metadata": {"locale": "fr", "plan": None, "ticket": "T-1"}},
    )
    assert response.status_code == 200
    assert response.json["metadata"] == {"channel": "web", "locale": "fr", "ticket": "T-1"}


def test_merging_beyond_sixteen_keys_is_422_and_changes_nothing(api, make_session):
    session = make_session(metadata={f"k{n}": "v" for n in range(16)})
    response = api.patch(f"/api/sessions/{session['id']}", json={"metadata": {"k16": "v"}})
    assert response.status_code == 422
    assert "metadata" in response.json["errors"]
    assert len(api.get(f"/api/sessions/{session['id']}").json["metadata"]) == 16


@pytest.mark.parametrize(
    "metadata",
    [
        {f"k{n}": "v" for n in range(17)},
        {"k" * 65: "v"},
        {"": "v"},
        {"has space": "v"},
        {"k": "v" * 513},
        {"k": 1},
        {"k": None},
        {"k": {"nested": "v"}},
        {"k": "a\x00b"},
        ["k", "v"],
    ],
)
def test_bad_metadata_is_422(api, make_session, metadata):
    assert api.post("/api/sessions", json={"user_id": "u", "metadata": metadata}).status_code == 422
    session = make_session()
    response = api.post(
        f"/api/sessions/{session['id']}/messages",
        json={"sender": "user", "content": "x", "metadata": metadata},
    )
    assert response.status_code == 422
    assert api.get("/api/sessions?user_id=u").json == []


def test_the_limits_themselves_are_accepted(api):
    metadata = {("k" * 62) + f"{n:02}": "v" * 512 for n in range(16)}
    response = api.post("/api/sessions", json={"user_id": "u", "metadata": metadata})
    assert response.status_code == 201


def test_sessions_filter_by_metadata(api, make_session):
    make_session(title="web-de", metadata={"channel": "web", "locale": "de"})
    make_session(title="web-fr", metadata={"channel": "web", "locale": "fr"})
    make_session(title="app", metadata={"channel": "app"})

    def titles(query):
        return sorted(s["title"] for s in api.get(f"/api/sessions?user_id=alice&{query}").json)

    assert titles("metadata[channel]=web") == ["web-de", "web-fr"]
    assert titles("metadata[channel]=web&metadata[locale]=fr") == ["web-fr"]
    assert titles("metadata[channel]=fax") == []
    assert api.get("/api/sessions?user_id=alice&metadata[bad key]=x").status_code == 422


def test_erasing_a_user_removes_only_their_chats_and_counts_them(
    api, make_session, add_message, issue_key, as_key
):
    doomed = [make_session("alice")["id"] for _ in range(2)]
    for session in doomed:
        add_message(session)
        add_message(session)
    kept = make_session("bob")["id"]
    other_tenant = as_key(issue_key("acme"))
    theirs = other_tenant.post("/api/sessions", json={"user_id": "alice"}).json["id"]

    response = api.delete("/api/users/alice")

    assert response.status_code == 200
    assert response.json == {"user_id": "alice", "sessions_deleted": 2, "messages_deleted": 4}
    assert api.get("/api/sessions?user_id=alice").json == []
    assert api.get(f"/api/sessions/{kept}").status_code == 200
    assert other_tenant.get(f"/api/sessions/{theirs}").status_code == 200
    assert api.delete("/api/users/alice").json["sessions_deleted"] == 0


def test_user_ids_with_slashes_can_be_erased(api, make_session):
    make_session("org/team/alice")
    assert api.delete("/api/users/org/team/alice").json["sessions_deleted"] == 1


@pytest.mark.parametrize("scopes", [["read"], ["write"], ["read", "write"]])
def test_erasure_needs_admin(api, make_session, issue_key, as_key, scopes):
    make_session("alice")
    response = as_key(issue_key("default", scopes=scopes)).delete("/api/users/alice")
    assert response.status_code == 403
    assert len(api.get("/api/sessions?user_id=alice").json) == 1


def test_erasing_an_unstorable_user_id_is_422(api):
    assert api.delete("/api/users/a%00b").status_code == 422
