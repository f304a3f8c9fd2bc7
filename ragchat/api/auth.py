"""The API-key check in front of every data route."""

import hmac
from functools import wraps

from flask import current_app, request
from flask_smorest import abort

API_KEY_HEADER = "X-API-Key"


def key_is_valid(presented):
    """Compare against every configured key in constant time, without short-circuiting."""
    presented = presented.encode()
    matched = False
    for key in current_app.config["API_KEYS"]:
        matched |= hmac.compare_digest(presented, key.encode())
    return matched


def require_api_key(view):
    @wraps(view)
    def guarded(*args, **kwargs):
        if not key_is_valid(request.headers.get(API_KEY_HEADER, "")):
            abort(401, message=f"A valid {API_KEY_HEADER} header is required.")
        return view(*args, **kwargs)

    return guarded
