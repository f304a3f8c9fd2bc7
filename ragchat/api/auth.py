"""The key check in front of every data route: who is calling, for which tenant, with
which scopes."""

from functools import wraps

from flask import request
from flask_smorest import abort

from ragchat.auth.callers import API_KEY_HEADER, current_caller
from ragchat.auth.guards import failed_authentication_limit
from ragchat.transactions import READ_METHODS

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
