"""The key check in front of every data route: who is calling, for which tenant, with
which scopes; and the brute-force guard beside it."""

from functools import wraps

from flask import current_app, request
from flask_limiter.util import get_remote_address
from flask_smorest import abort

from ragchat.extensions import limiter
from ragchat.keys import API_KEY_HEADER, current_caller

READ_METHODS = ("GET", "HEAD", "OPTIONS")


def failed_authentication_limit(is_authenticated):
    """The brute-force guard: failed authentications (401s) per client address, one count
    for the API and the review UI's sign-in; requests `is_authenticated` accepts go free."""
    return limiter.shared_limit(
        lambda: current_app.config["AUTH_FAILURE_LIMIT"],
        scope="auth-failures",
        key_func=get_remote_address,
        deduct_when=lambda response: response.status_code == 401,
        exempt_when=is_authenticated,
        override_defaults=False,  # RATE_LIMIT applies as well
    )


auth_failure_limit = failed_authentication_limit(lambda: current_caller() is not None)


def require_scope(scope=None):
    """A valid key (401 otherwise) with `scope` (403 otherwise); by default `read` for
    reads and `write` for everything else."""

    def decorator(view):
        @auth_failure_limit
        @wraps(view)
        def guarded(*args, **kwargs):
            caller = current_caller()
            if caller is None:
                abort(401, message=f"A valid {API_KEY_HEADER} header is required.")
            needed = scope or ("read" if request.method in READ_METHODS else "write")
            if needed not in caller.scopes:
                abort(403, message=f"This key lacks the '{needed}' scope.")
            return view(*args, **kwargs)

        return guarded

    return decorator


def current_tenant():
    """The tenant every query of this request is scoped to."""
    return current_caller().tenant
