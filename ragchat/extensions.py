"""Extension objects, created unbound; `create_app` binds each with `init_app`."""

import threading
import time

from flask import current_app, request
from flask_cors import CORS
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from limits.storage import MemoryStorage
from sqlalchemy.orm import DeclarativeBase

from ragchat.problems import ProblemApi


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(
    model_class=Base,
    # expire_on_commit off: objects stay readable after commit without another SELECT.
    session_options={"expire_on_commit": False},
)
migrate = Migrate()
api = ProblemApi()


RATE_LIMIT_IDENTITY = "rate_limit_identity"


def rate_limit_key():
    """Who this request counts as: the function that ragchat.auth registers on the app
    (per API key, per signed-in reviewer, else per address)."""
    return current_app.extensions[RATE_LIMIT_IDENTITY]()


class SweepingMemoryStorage(MemoryStorage):
    """limits' in-process store, exact under threads and without a thread per request.

    Exact: gunicorn serves memory:// from one process's threads (gunicorn.conf.py), and
    the original, though it adds under a lock per key, returns the count read after that
    lock (two threads at a limit's edge can both be told the later count, and one is
    refused early) and drops expired counts outside it (a count made as its window turns
    over can be lost). Here one lock covers each whole call: a count is a few dictionary
    operations, so the lock is never held for long.

    No thread: the original drops expired counts from a threading.Timer that it starts
    10 ms after every count, so under load it starts and stops a thread for about every
    request. This one sweeps in line, at most once every SWEEP_SECONDS; a count is still
    read through get(), which drops it once expired, so every limit holds exactly as
    before. (It overrides the original's private scheduling hook: limits is pinned in
    requirements.txt.) ragchat's limits are fixed windows: incr, get, decr, clear and
    reset are all they call.
    """

    STORAGE_SCHEME = ["ragchat+memory"]
    SWEEP_SECONDS = 10.0

    def __init__(self, uri=None, **options):
        super().__init__(uri, **options)
        self.timer.cancel()  # the one the original starts at once
        self.next_sweep = time.monotonic() + self.SWEEP_SECONDS
        self.lock = threading.RLock()  # incr calls get: re-entered by the same thread

    def incr(self, key, expiry, amount=1):
        with self.lock:
            return super().incr(key, expiry, amount)

    def decr(self, key, amount=1):
        with self.lock:
            return super().decr(key, amount)

    def get(self, key):
        with self.lock:
            return super().get(key)

    def clear(self, key):
        with self.lock:
            return super().clear(key)

    def reset(self):
        with self.lock:
            return super().reset()

    def _MemoryStorage__schedule_expiry(self):  # called by incr and decr, under the lock
        if time.monotonic() >= self.next_sweep:
            self.next_sweep = time.monotonic() + self.SWEEP_SECONDS
            self._MemoryStorage__expire_events()


def init_limiter(app):
    """Bind the limiter; RATELIMIT_STORAGE_URI=memory:// counts in SweepingMemoryStorage."""
    uri = app.config["RATELIMIT_STORAGE_URI"]
    if uri.startswith("memory://"):
        scheme = SweepingMemoryStorage.STORAGE_SCHEME[0]
        app.config["RATELIMIT_STORAGE_URI"] = scheme + uri.removeprefix("memory")
    limiter.init_app(app)


# The limit is read per request, so each app's RATE_LIMIT holds (Flask-Limiter keeps the
# first app's limits otherwise).
limiter = Limiter(
    key_func=rate_limit_key, default_limits=[lambda: current_app.config["RATE_LIMIT"]]
)


# Never rate limited: liveness probes, the API's description, static files, CORS preflights.
UNLIMITED_ENDPOINTS = {"health.HealthCheck", "static"}


@limiter.request_filter
def is_unlimited():
    endpoint = request.endpoint or ""
    return (
        request.method == "OPTIONS"
        or endpoint in UNLIMITED_ENDPOINTS
        or endpoint.startswith("api-docs.")
    )


cors = CORS()
csrf = CSRFProtect()  # the review UI's forms; the API is exempt (it takes no cookies)
