"""Extension objects, created unbound; `create_app` binds each with `init_app`."""

from flask import current_app, request
from flask_cors import CORS
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
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
