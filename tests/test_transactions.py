"""Who ends each transaction, and how: a write commits on success and rolls back on
failure; a read ends with a COMMIT, which (unlike a ROLLBACK) keeps psycopg's prepared
statements."""

import pytest
from sqlalchemy import event

from ragchat.extensions import db


@pytest.fixture
def endings(app):
    """The ways transactions end while the block runs: 'commit' or 'rollback'."""
    seen = []
    with app.app_context():
        engine = db.engine
    listeners = {
        "commit": lambda connection: seen.append("commit"),
        "rollback": lambda connection: seen.append("rollback"),
    }
    for name, listener in listeners.items():
        event.listen(engine, name, listener)
    yield seen
    for name, listener in listeners.items():
        event.remove(engine, name, listener)


def test_a_read_ends_with_a_commit(api, make_session, endings):
    sid = make_session()["id"]
    endings.clear()
    assert api.get(f"/api/sessions/{sid}/messages?after=0&limit=20").status_code == 200
    assert api.get("/api/sessions?user_id=alice").status_code == 200
    assert endings == ["commit", "commit"]


def test_a_write_commits_when_it_succeeds_and_rolls_back_when_it_fails(api, make_session, endings):
    sid = make_session()["id"]
    endings.clear()
    assert (
        api.post(
            f"/api/sessions/{sid}/messages", json={"sender": "user", "content": "x"}
        ).status_code
        == 201
    )
    assert (
        api.patch(
            f"/api/sessions/{sid}", json={"metadata": {f"k{n}": "v" for n in range(16)}}
        ).status_code
        == 200
    )
    failed = api.patch(f"/api/sessions/{sid}", json={"metadata": {"one-too-many": "v"}})
    assert failed.status_code == 422  # 17 keys once merged: found after the session was read
    assert endings == ["commit", "commit", "rollback"]
    assert "one-too-many" not in api.get(f"/api/sessions/{sid}").json["metadata"]


def test_every_api_resource_owns_its_transaction(app):
    """A resource added later without one_transaction fails here."""
    from ragchat.transactions import one_transaction

    checked = 0
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        resource = getattr(view, "view_class", None)
        if not rule.rule.startswith("/api") or resource is None:
            continue
        assert one_transaction in resource.decorators, rule.rule
        checked += 1
    assert checked >= 12
