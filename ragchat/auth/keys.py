"""API keys kept in the database: issuing, listing, revoking and rotating them. Only a
SHA-256 hash of each secret is stored; the secret is shown once, at creation. None of these
commits (see ragchat.transactions)."""

import secrets

from sqlalchemy import event, select

from ragchat.auth.callers import SECRET_PREFIX, cache, hash_secret
from ragchat.exceptions import KeyNotActive, KeyNotFound
from ragchat.extensions import db
from ragchat.models import SCOPES, ApiKey, utcnow

VISIBLE_PREFIX_LENGTH = 12  # "rck_" and 8 characters: enough to tell keys apart


def issue_key(tenant, name, scopes=("read", "write"), expires_at=None):
    """Create a key; returns it with its secret, which is never available again."""
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        tenant_id=tenant,
        name=name,
        prefix=secret[:VISIBLE_PREFIX_LENGTH],
        secret_hash=hash_secret(secret),
        scopes=",".join(scope for scope in SCOPES if scope in set(scopes)),
        expires_at=expires_at,
    )
    db.session.add(key)
    db.session.flush()
    return key, secret


def list_keys(tenant=None):
    query = select(ApiKey).order_by(ApiKey.tenant_id, ApiKey.id)
    if tenant is not None:
        query = query.where(ApiKey.tenant_id == tenant)
    return list(db.session.scalars(query))


def get_key(key_id, tenant=None):
    key = db.session.get(ApiKey, key_id)
    if key is None or (tenant is not None and key.tenant_id != tenant):
        raise KeyNotFound
    return key


def revoke_key(key_id, tenant=None, at=None):
    """Revoke now, or at `at` (a rotation's grace period). Other processes notice within
    API_KEY_CACHE_SECONDS; this one as soon as the caller commits."""
    key = get_key(key_id, tenant)
    when = at or utcnow()
    if key.revoked_at is None or key.revoked_at > when:
        key.revoked_at = when
    db.session.flush()
    # Once the revocation is committed, this process stops trusting what it cached.
    key_cache = cache()
    event.listen(db.session(), "after_commit", lambda session: key_cache.forget(), once=True)
    return key


def rotate_key(key_id, grace=None):
    """A new key with the same tenant, name, scopes and expiry; the old one is revoked now,
    or when `grace` (a timedelta) has passed."""
    old = get_key(key_id)
    state = old.state()
    if state != "active":
        raise KeyNotActive(f"Key {key_id} is {state}; create a new key instead.")
    revoke_at = utcnow() + grace if grace else None  # before anything is written
    new, secret = issue_key(old.tenant_id, old.name, old.scope_set, old.expires_at)
    revoke_key(old.id, at=revoke_at)
    return old, new, secret
