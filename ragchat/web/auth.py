"""Signing in to the review UI with an API key, and the checks in front of every page.

The session cookie (signed, HttpOnly, SameSite=Lax) keeps only the key's SHA-256 digest,
never the key. Every request looks the digest up again, so revoking a key, or its expiry,
signs its reviewers out too (within API_KEY_CACHE_SECONDS, like the API).
"""

import re
from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from ragchat.auth import callers
from ragchat.auth.guards import failed_authentication_limit
from ragchat.web.forms import SignInForm

bp = Blueprint("auth", __name__)

DIGEST = callers.SESSION_DIGEST  # the one thing the session cookie says about the reviewer
DIGEST_SHAPE = re.compile(r"[0-9a-f]{64}")
NOT_VALID = "That key is not valid."
SIGNED_OUT_BY_KEY = "Your key is no longer valid (revoked or expired). Sign in again."


def no_store(response):
    """Pages show one tenant's chats: no shared cache may keep them, and after signing out
    the Back button must not bring them back."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


bp.after_request(no_store)


def signed_in_caller():
    """The caller whose key this browser signed in with, or None. A digest that no longer
    authenticates (revoked, expired, unknown) is dropped: the browser is signed out."""
    if "reviewer" not in g:
        digest = session.get(DIGEST)
        caller = None
        if isinstance(digest, str) and DIGEST_SHAPE.fullmatch(digest):
            caller = callers.authenticate_digest(digest)
        if caller is None and DIGEST in session:
            session.clear()
            flash(SIGNED_OUT_BY_KEY)
        g.reviewer = caller
    return g.reviewer


def current_tenant():
    return signed_in_caller().tenant


def template_context():
    # Only what an earlier check found: error pages must render without the database.
    return {"reviewer": g.get("reviewer")}


def login_required(view):
    """Signed-in reviewers only; anyone else is sent to sign in and brought back after."""

    @wraps(view)
    def guarded(*args, **kwargs):
        if signed_in_caller() is None:
            # Only a page can be returned to; a form's target answers POST only.
            here = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for("auth.sign_in_page", next=here))
        return view(*args, **kwargs)

    return guarded


def scope_required(scope):
    """Signed in, with a key that has `scope` (403 otherwise), the API's rule: `read` to
    look, `write` to change."""

    def decorator(view):
        @login_required
        @wraps(view)
        def guarded(*args, **kwargs):
            if scope not in signed_in_caller().scopes:
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorator


def safe_next(target, default):
    """`target` if it is a path on this site, else `default`: never an open redirect.
    Browsers read `//host`, `/\\host` and paths with tabs or newlines as other sites."""
    if (
        isinstance(target, str)
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
    ):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return default


@bp.get("/sign-in")
def sign_in_page():
    """The sign-in form."""
    form = SignInForm(next=request.args.get("next", ""))
    return render_template("web/sign_in.html", form=form)


def form_key_is_valid():
    return callers.authenticate(request.form.get("api_key", "")) is not None


# The API's brute-force guard, shared: a wrong key typed here answers 401 and counts as a
# guess from this address; a right one gets in even while the address is blocked.
sign_in_failure_limit = failed_authentication_limit(form_key_is_valid)


@bp.post("/sign-in")
@sign_in_failure_limit
def sign_in():
    """Check the key; remember its digest in the session cookie."""
    form = SignInForm()
    if not form.validate():
        return render_template("web/sign_in.html", form=form), 422
    caller = callers.authenticate(form.api_key.data)
    if caller is None:
        form.api_key.errors.append(NOT_VALID)
        return render_template("web/sign_in.html", form=form), 401
    session.clear()  # nothing from before the sign-in carries over
    session[DIGEST] = callers.hash_secret(form.api_key.data)
    session.permanent = True
    return redirect(safe_next(form.next.data, url_for("web.index")))


@bp.post("/sign-out")
def sign_out():
    """Forget the key (the form's CSRF token keeps other sites from signing anyone out)."""
    session.clear()
    flash("Signed out.")
    return redirect(url_for("auth.sign_in_page"))
