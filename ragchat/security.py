"""Security headers on every response (see init_security_headers)."""


def init_security_headers(app):
    """Add the security headers to every response."""
