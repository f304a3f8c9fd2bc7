"""Stored keys: hashed, cached, expiring, revocable; no database round trip at steady state."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from ragchat.auth import callers, keys
from ragchat.exceptions import KeyNotActive
from ragchat.extensions import db
from ragchat.models import ApiKey, utcnow
from tests.support.database import build_app
from tests.support.web import sign_in

SESSIONS = "/api/sessions?user_id=u"


@contextmanager
def statements(app):
    """Every SQL statement the app sends while the block runs."""
    seen = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def key_lookups(seen):
    return [s for s in seen if "FROM api_keys" in s]


def stored(app, secret):
    with app.app_context():
        return db.session.scalar(select(ApiKey).where(ApiKey.prefix == secret[:12]))


def test_only_a_hash_of_the_secret_is_stored(app, issue_key):
    secret = issue_key("acme")
    key = stored(app, secret)
    assert key.secret_hash == callers.hash_secret(secret)
    assert secret not in (key.secret_hash, key.prefix, key.name)
    assert secret.startswith("rck_") and len(secret) >= 40


def test_a_verified_key_costs_no_lookup_at_steady_state(app, issue_key, client):
    secret = issue_key("acme")
    headers = {"X-API-Key": secret}
    assert client.get(SESSIONS, headers=headers).status_code == 200  # first use: one lookup

    with statements(app) as seen:
        for _ in range(5):
            assert client.get(SESSIONS, headers=headers).status_code == 200

    assert key_lookups(seen) == []
    assert not [s for s in seen if s.lstrip().upper().startswith("UPDATE API_KEYS")]


def test_unknown_keys_are_cached_too(app, client):
    headers = {"X-API-Key": "rck_not-a-real-key-0123456789abcdefghij"}
    with statements(app) as seen:
        for _ in range(3):
            assert client.get(SESSIONS, headers=headers).status_code == 401
    assert len(key_lookups(seen)) == 1


def test_keys_that_do_not_look_like_ours_are_not_looked_up(app, client):
    with statements(app) as seen:
        response = client.get(SESSIONS, headers={"X-API-Key": "x" * 5000})
    assert response.status_code == 401
    assert key_lookups(seen) == []


def test_expired_key_is_refused(issue_key, client):
    secret = issue_key("acme", expires_at=utcnow() - timedelta(seconds=1))
    assert client.get(SESSIONS, headers={"X-API-Key": secret}).status_code == 401


def test_key_expiring_while_cached_is_refused_from_then_on(app, issue_key, client):
    secret = issue_key("acme", expires_at=utcnow() + timedelta(seconds=60))
    assert client.get(SESSIONS, headers={"X-API-Key": secret}).status_code == 200
    cached = app.extensions["api_key_cache"].entries[callers.hash_secret(secret)]
    assert not cached.is_live(utcnow() + timedelta(seconds=61))


def test_revocation_elsewhere_takes_effect_when_the_cache_expires(app, issue_key, client):
    """Another process revoking the key: this one keeps trusting it for the cache time."""
    secret = issue_key("acme")
    headers = {"X-API-Key": secret}
    assert client.get(SESSIONS, headers=headers).status_code == 200
    with app.app_context():  # as another process would: straight to the database
        db.session.execute(update(ApiKey).values(revoked_at=utcnow()))
        db.session.commit()

    assert client.get(SESSIONS, headers=headers).status_code == 200  # still cached
    app.extensions["api_key_cache"].entries.expire(time=float("inf"))  # the TTL passes
    assert client.get(SESSIONS, headers=headers).status_code == 401


def test_no_cache_means_every_request_checks(database_url, app, issue_key):
    uncached = build_app(database_url, API_KEY_CACHE_SECONDS="0")
    secret = issue_key("acme")
    client = uncached.test_client()
    assert client.get(SESSIONS, headers={"X-API-Key": secret}).status_code == 200
    with uncached.app_context():
        db.session.execute(update(ApiKey).values(revoked_at=utcnow()))
        db.session.commit()
    assert client.get(SESSIONS, headers={"X-API-Key": secret}).status_code == 401


def test_revoking_in_this_process_takes_effect_at_once(app, issue_key, client):
    secret = issue_key("acme")
    headers = {"X-API-Key": secret}
    assert client.get(SESSIONS, headers=headers).status_code == 200
    with app.app_context():
        keys.revoke_key(stored(app, secret).id)
        db.session.commit()
    assert client.get(SESSIONS, headers=headers).status_code == 401


def test_rotation_with_grace_keeps_the_old_key_until_then(app, issue_key, client):
    old_secret = issue_key("acme", scopes=["read"])
    with app.app_context():
        old, new, new_secret = keys.rotate_key(stored(app, old_secret).id, grace=timedelta(hours=1))
        db.session.commit()
    assert (new.tenant_id, new.name, new.scopes) == (old.tenant_id, old.name, old.scopes)
    for secret in (old_secret, new_secret):
        assert client.get(SESSIONS, headers={"X-API-Key": secret}).status_code == 200
    assert timedelta(minutes=59) < old.revoked_at - utcnow() <= timedelta(hours=1)


def test_rotation_without_grace_stops_the_old_key(app, issue_key, client):
    old_secret = issue_key("acme")
    with app.app_context():
        _, _, new_secret = keys.rotate_key(stored(app, old_secret).id)
        db.session.commit()
    assert client.get(SESSIONS, headers={"X-API-Key": old_secret}).status_code == 401
    assert client.get(SESSIONS, headers={"X-API-Key": new_secret}).status_code == 200


def test_last_use_is_recorded_at_most_once_a_minute(app, issue_key, client):
    secret = issue_key("acme")
    assert stored(app, secret).last_used_at is None
    client.get(SESSIONS, headers={"X-API-Key": secret})
    first = stored(app, secret).last_used_at
    assert first is not None
    client.get(SESSIONS, headers={"X-API-Key": secret})
    assert stored(app, secret).last_used_at == first


@pytest.mark.parametrize("path", [SESSIONS, "/"])
def test_recording_a_first_use_holds_one_connection_at_a_time(app, issue_key, client, path):
    """A key's first use is looked up in the request's transaction and noted in one of
    its own, after it: behind PgBouncer in transaction mode, workers each holding one
    server connection and waiting for a second could hold them all."""
    secret = issue_key("acme", scopes=("read",))
    headers = {"X-API-Key": secret}
    if path == "/":  # the review UI: each page looks the signed-in key up
        sign_in(client, secret)
        callers.init_callers(app)  # an empty cache: the page looks the key up and notes it
        headers = {}
    with app.app_context():
        pool = db.engine.pool
        db.session.execute(update(ApiKey).values(last_used_at=None))
        db.session.commit()
    held, most = [0], [0]

    def checked_out(*args):
        held[0] += 1
        most[0] = max(most[0], held[0])

    def checked_in(*args):
        held[0] -= 1

    event.listen(pool, "checkout", checked_out)
    event.listen(pool, "checkin", checked_in)
    try:
        assert client.get(path, headers=headers).status_code == 200
    finally:
        event.remove(pool, "checkout", checked_out)
        event.remove(pool, "checkin", checked_in)
    assert stored(app, secret).last_used_at is not None
    assert most == [1]


@pytest.mark.parametrize("scopes", [["admin"], ["admin", "read"]])
def test_admin_implies_read_and_write(scopes):
    assert callers.effective_scopes(scopes) == {"read", "write", "admin"}


def test_environment_keys_have_every_scope_in_the_default_tenant(app):
    from tests.support.database import API_KEY

    with app.test_request_context(headers={"X-API-Key": API_KEY}):
        caller = callers.current_caller()
    assert caller.tenant == "default"
    assert caller.scopes == {"read", "write", "admin"}
    assert API_KEY not in caller.key_id


@pytest.mark.parametrize(
    "change", [{"revoked_at": utcnow()}, {"expires_at": utcnow() - timedelta(minutes=1)}]
)
def test_revoked_or_expired_keys_cannot_be_rotated_back_to_life(app, issue_key, change):
    secret = issue_key("acme")
    with app.app_context():
        db.session.execute(update(ApiKey).values(**change))
        db.session.commit()
        with pytest.raises(KeyNotActive):
            keys.rotate_key(stored(app, secret).id)
        assert len(keys.list_keys("acme")) == 1
