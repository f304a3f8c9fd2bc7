"""The brute-force guard shared by the API's key check and the review UI's sign-in."""

from flask import current_app
from flask_limiter.util import get_remote_address

from ragchat.extensions import limiter


def failed_authentication_limit(is_authenticated):
    """Failed authentications (401s) per client address, one count for the API and the
    review UI's sign-in; requests that `is_authenticated` accepts go free."""
    return limiter.shared_limit(
        lambda: current_app.config["AUTH_FAILURE_LIMIT"],
        scope="auth-failures",
        key_func=get_remote_address,
        deduct_when=lambda response: response.status_code == 401,
        exempt_when=is_authenticated,
        override_defaults=False,  # RATE_LIMIT applies as well
    )
