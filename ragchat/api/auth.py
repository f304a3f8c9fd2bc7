"""The API-key check in front of every data route, and the brute-force guard beside it."""

from functools import wraps

from flask import current_app
from flask_limiter.util import get_remote_address
from flask_smorest import abort

from ragchat.extensions import limiter
from ragchat.keys import API_KEY_HEADER, authenticated_key_id

# Failed authentications per client address: each guess at a key uses one up.
auth_failure_limit = limiter.shared_limit(
    lambda: current_app.config["AUTH_FAILURE_LIMIT"],
    scope="auth-failures",
    key_func=get_remote_address,
    deduct_when=lambda response: response.status_code == 401,
    exempt_when=lambda: authenticated_key_id() is not None,
    override_defaults=False,  # RATE_LIMIT applies as well
)


def require_api_key(view):
    @auth_failure_limit
    @wraps(view)
    def guarded(*args, **kwargs):
        if authenticated_key_id() is None:
            abort(401, message=f"A valid {API_KEY_HEADER} header is required.")
        return view(*args, **kwargs)

    return guarded
