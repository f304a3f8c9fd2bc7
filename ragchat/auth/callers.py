"""Callers: who a request's API key (or a reviewer's signed-in digest) belongs to, checked
without a database round trip at steady state.

Keys from the API_KEY setting belong to the default tenant with every scope. Stored keys
are long random secrets of which only a SHA-256 hash is kept (the secret has 256 bits of
entropy, so a slow password hash would buy nothing). Verified keys are cached in-process
for API_KEY_CACHE_SECONDS: a revocation takes effect within that time.
"""

import hashlib
import hmac
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from cachetools import TTLCache
from flask import current_app, g, request, session
from flask_limiter.util import get_remote_address
from sqlalchemy import event, select, update
from sqlalchemy.exc import SQLAlchemyError

from ragchat.extensions import RATE_LIMIT_IDENTITY, db
from ragchat.models import DEFAULT_TENANT, SCOPES, ApiKey, utcnow
from ragchat.settings.parsing import MAX_API_KEY_LENGTH

API_KEY_HEADER = "X-API-Key"
SESSION_DIGEST = "key_digest"  # what the review UI's signed cookie keeps: the key's hash
SECRET_PREFIX = "rck_"  # noqa: S105 (the recognisable start of every key, not a secret)
LAST_USED_EVERY_SECONDS = 60  # last_used_at is written at most this often per key


@dataclass(frozen=True)
class Caller:
    """The verified owner of a request's key."""

    key_id: str  # safe to log: "key_17" for a stored key, "env_<hash>" for API_KEY ones
    tenant: str
    scopes: frozenset
    stored_id: int | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None

    def is_live(self, now):
        return all(limit is None or now < limit for limit in (self.expires_at, self.revoked_at))


def hash_secret(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def effective_scopes(scopes):
    """admin may do everything; otherwise exactly the scopes given."""
    granted = frozenset(scopes)
    return frozenset(SCOPES) if "admin" in granted else granted


def current_caller():
    """The caller behind this request's key, or None (worked out once per request)."""
    if "caller" not in g:
        g.caller = authenticate(request.headers.get(API_KEY_HEADER, ""))
    return g.caller


def rate_limit_key():
    """Count requests per key (the API's header, or the key a reviewer signed in with);
    per client address for requests with neither."""
    caller = current_caller()
    if caller:
        return f"key:{caller.key_id}"
    digest = session.get(SESSION_DIGEST)  # signed: it cannot be made up, only replayed
    if isinstance(digest, str) and digest:
        return f"reviewer:{digest[:16]}"
    return f"ip:{get_remote_address()}"


def authenticate(presented):
    """The caller for a key as presented in a request, or None."""
    if not presented or len(presented) > MAX_API_KEY_LENGTH:
        return None
    # Only strings shaped like our keys are worth a lookup; anything else is an env key or wrong.
    return authenticate_digest(hash_secret(presented), stored=presented.startswith(SECRET_PREFIX))


def authenticate_digest(digest, stored=True):
    """The caller for a key known by its hash (the review UI keeps only that), or None."""
    caller = environment_caller(digest)
    if caller is None and stored:
        caller = cache().lookup(digest)
    if caller is None or not caller.is_live(utcnow()):
        return None
    if caller.stored_id is not None:
        cache().note_use(caller.stored_id)
    return caller


def environment_caller(digest):
    """Compare with every API_KEY key in constant time, without short-circuiting."""
    matched = None
    for key_digest in cache().environment_digests:
        if hmac.compare_digest(digest, key_digest):
            matched = key_digest
    if matched is None:
        return None
    return Caller(f"env_{matched[:12]}", DEFAULT_TENANT, frozenset(SCOPES))


class KeyCache:
    """The API_KEY keys by hash, verified (and unknown) stored keys by hash for a short
    time, and when each stored key was last noted."""

    def __init__(self, seconds, environment_keys=()):
        self.environment_digests = tuple(hash_secret(key) for key in environment_keys)
        self.entries = TTLCache(maxsize=10_000, ttl=seconds)
        self.noted = {}
        self.lock = threading.Lock()

    def lookup(self, digest):
        with self.lock:
            if digest in self.entries:
                return self.entries[digest]
        key = db.session.scalar(select(ApiKey).where(ApiKey.secret_hash == digest))
        caller = None if key is None else caller_for(key)
        with self.lock:
            self.entries[digest] = caller
        return caller

    def forget(self):
        with self.lock:
            self.entries.clear()

    def note_use(self, key_id):
        """Record last use, at most once a minute per key: most requests write nothing.

        In a transaction of its own (a failed request still used its key), taken only once
        the request's transaction, if one is open, has ended: a worker then never holds two
        database connections at once. Behind PgBouncer in transaction mode with fewer
        server connections than workers, workers each holding one and waiting for a
        second could hold them all, and every request would wait."""
        now = time.monotonic()
        with self.lock:
            if now - self.noted.get(key_id, -LAST_USED_EVERY_SECONDS) < LAST_USED_EVERY_SECONDS:
                return
            self.noted[key_id] = now
        session = db.session()
        if not session.in_transaction():
            record_use(key_id)
            return

        def after_transaction_end(session, transaction):
            if transaction.parent is None and not noted:  # the outermost one, once
                noted.append(key_id)
                record_use(key_id)

        noted = []
        event.listen(session, "after_transaction_end", after_transaction_end)


def record_use(key_id):
    try:
        with db.engine.begin() as connection:
            connection.execute(
                update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=utcnow())
            )
    except SQLAlchemyError:
        current_app.logger.warning("could not record the last use of key %s", key_id)


def cache():
    return current_app.extensions["api_key_cache"]


def init_callers(app):
    """A fresh key cache for the app's settings, and requests counted per caller."""
    app.extensions["api_key_cache"] = KeyCache(
        app.config["API_KEY_CACHE_SECONDS"], app.config["API_KEYS"]
    )
    app.extensions[RATE_LIMIT_IDENTITY] = rate_limit_key


def caller_for(key):
    return Caller(
        key_id=f"key_{key.id}",
        tenant=key.tenant_id,
        scopes=effective_scopes(key.scope_set),
        stored_id=key.id,
        expires_at=key.expires_at,
        revoked_at=key.revoked_at,
    )
