"""Security headers on every response (see init_security_headers)."""

from flask import request

from ragchat.problems import is_api_request

HTML_MIMETYPES = ("text/html", "application/xhtml+xml")

EVERY_RESPONSE = {
    # Browsers must trust our Content-Type: a JSON body or an uploaded text is never
    # sniffed into HTML or script.
    "X-Content-Type-Options": "nosniff",
    # Not no-referrer: same-origin requests keep the full Referer, which CSRF protection
    # of HTTPS form posts (the review UI's forms) compares with our host. Other sites only
    # ever see our origin, never a path with session ids; plain HTTP gets nothing.
    "Referrer-Policy": "strict-origin-when-cross-origin",
    # No page of ours is meant to be framed (clickjacking); frame-ancestors says the same
    # to browsers that read CSP, this to those that do not.
    "X-Frame-Options": "DENY",
}

HTML_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",  # never 'unsafe-inline': an injected <script> cannot run
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# ReDoc styles itself by injecting <style> elements (styled-components): without
# 'unsafe-inline' styles it renders nothing. Its search runs in a Worker made from a
# blob: URL. Scripts stay 'self' only. Swagger UI (/api/docs) needs no exception: it sets
# styles through the DOM, which CSP allows, so it keeps the strict policy.
REDOC_POLICY = {**HTML_POLICY, "style-src": "'self' 'unsafe-inline'", "worker-src": "blob:"}

# A JSON body, an image or a script file opened on its own in a browser runs and loads
# nothing (an SVG could otherwise carry script).
OTHER_POLICY = {"default-src": "'none'", "frame-ancestors": "'none'"}


def policy(directives):
    return "; ".join(f"{name} {sources}" for name, sources in directives.items())


HTML_CSP = policy(HTML_POLICY)
OTHER_CSP = policy(OTHER_POLICY)
CSP_BY_ENDPOINT = {"api-docs.openapi_redoc": policy(REDOC_POLICY)}


def init_security_headers(app):
    """Add the security headers to every response."""
    app.after_request(add_security_headers)


def add_security_headers(response):
    # setdefault throughout: a view that chose its own value for a header keeps it.
    headers = response.headers
    for name, value in EVERY_RESPONSE.items():
        headers.setdefault(name, value)
    if response.mimetype in HTML_MIMETYPES:
        csp = CSP_BY_ENDPOINT.get(request.endpoint, HTML_CSP)
    else:
        csp = OTHER_CSP
    headers.setdefault("Content-Security-Policy", csp)
    if is_api_request():
        # API answers are per user and per moment: no browser or proxy may keep them.
        # Elsewhere (static files) the caching Flask chose stays.
        headers.setdefault("Cache-Control", "no-store")
    return response
