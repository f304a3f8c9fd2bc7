"""Extension objects, created unbound; `create_app` binds each with `init_app`."""

from flask import current_app, request
from flask_cors import CORS
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

from ragchat.problems import ProblemApi


class Base(DeclarativeBase):
    pass


class HoldableSession(Session):
    """A session whose commits can be held back (flushed only) while info["hold_commit"]
    is set, so a wrapper can add its own writes to the same transaction as a view's
    (an idempotent request's record and answer, with what the request wrote)."""

    def commit(self):
        if self.info.get("hold_commit"):
            self.flush()
        else:
            super().commit()


db = SQLAlchemy(
    model_class=Base,
    # expire_on_commit off: objects stay readable after commit without another SELECT.
    session_options={"expire_on_commit": False, "class_": HoldableSession},
)
migrate = Migrate()
api = ProblemApi()


def rate_limit_key():
    from ragchat.keys import rate_limit_key  # keys needs db, defined above

    return rate_limit_key()


# Counted per API key. The limit is read per request, so each app's RATE_LIMIT holds
# (Flask-Limiter keeps the first app's limits otherwise).
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
