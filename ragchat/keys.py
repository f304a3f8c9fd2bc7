"""API keys: which key a request presents, whether it is valid, and how to name it safely."""

import hashlib
import hmac

from flask import current_app, g, request
from flask_limiter.util import get_remote_address

API_KEY_HEADER = "X-API-Key"


def key_id(secret):
    """A stable, harmless name for a key: safe in logs and in rate-limit storage."""
    return "k_" + hashlib.sha256(secret.encode()).hexdigest()[:12]


def key_is_valid(presented):
    """Compare against every configured key in constant time, without short-circuiting."""
    presented = presented.encode()
    matched = False
    for key in current_app.config["API_KEYS"]:
        matched |= hmac.compare_digest(presented, key.encode())
    return matched


def authenticated_key_id():
    """The id of the request's key if it is valid, else None (checked once per request)."""
    if "key_id" not in g:
        presented = request.headers.get(API_KEY_HEADER, "")
        g.key_id = key_id(presented) if presented and key_is_valid(presented) else None
    return g.key_id


def rate_limit_key():
    """Count requests per API key; per client address for requests without a valid key."""
    identity = authenticated_key_id()
    return f"key:{identity}" if identity else f"ip:{get_remote_address()}"
