"""Signing in and out of the review UI: the sign-in form, the session cookie, where a
sign-in leads, keys that stop working, guessing keys, and the CSRF token on every form."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from ragchat.auth import callers, keys
from ragchat.extensions import db
from ragchat.models import utcnow
from tests.support.database import API_KEY, build_app
from tests.support.html import buttons, flashes, labelled, page, redirected_to
from tests.support.web import csrf_token, post, sign_in, state


def cookie_session(app, client):
    """The session cookie's contents, decoded the way Flask does."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    if cookie is None:
        return {}
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


PAGES = ["/", "/users", "/?user_id=bob&page=2", "/sessions/{id}", "/sessions/{id}/delete"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_send_visitors_to_sign_in_and_back(client, chat, path):
    path = path.format(id=chat["id"])
    target = urlsplit(redirected_to(client.get(path)))
    assert target.path == "/sign-in"
    assert parse_qs(target.query)["next"] == [path]


@pytest.mark.parametrize("action", ["rename", "favorite", "delete"])
def test_forms_need_sign_in_and_change_nothing(client, api, chat, action):
    response = post(client, f"/sessions/{chat['id']}/{action}", {"title": "X", "favorite": "1"})
    assert redirected_to(response) == "/sign-in"  # a form's target is no page to come back to
    assert state(api, chat["id"]) == (200, chat["title"], False)


def test_the_sign_in_form(client):
    response = client.get("/sign-in?next=/users")
    tree = page(response)
    key = labelled(tree, "API key")
    assert (key.attrs["type"], key.attrs["name"]) == ("password", "api_key")
    form = tree.one("form", action="/sign-in")
    assert form.attrs["method"] == "post"
    assert form.one("input", name="next").attrs["value"] == "/users"
    assert form.one("input", name="csrf_token").attrs["value"]
    assert buttons(form) == ["Sign in"]
    assert tree.one("title").text == "Sign in · ragchat"


@pytest.mark.parametrize("stored", [False, True], ids=["operator-key", "stored-key"])
def test_signing_in_keeps_only_the_keys_digest(app, issue_key, stored):
    secret = issue_key("acme", ("read",)) if stored else API_KEY
    client = app.test_client()

    response = sign_in(client, secret)

    assert redirected_to(response) == "/"
    cookie = client.get_cookie("session")
    assert secret not in cookie.value
    data = cookie_session(app, client)
    assert data["key_digest"] == callers.hash_secret(secret)
    assert secret not in repr(data)
    assert data["_permanent"] is True
    lifetime = cookie.expires - utcnow()
    assert timedelta(hours=11) < lifetime <= timedelta(hours=12)
    assert app.permanent_session_lifetime == timedelta(hours=12)
    home = client.get("/")
    assert home.status_code == 200
    header = page(home).one("div", cls="signed-in")
    assert header.one("strong", cls="tenant").text == ("acme" if stored else "default")
    assert header.one("span", cls="scopes").text == ("(read)" if stored else "(admin, read, write)")
    text = home.get_data(as_text=True)
    assert secret not in text
    assert callers.hash_secret(secret) not in text


def expired_key(issue_key):
    return issue_key("acme", expires_at=utcnow() - timedelta(seconds=1))


def revoked_key(app, issue_key):
    secret = issue_key("acme")
    with app.app_context():
        (key,) = keys.list_keys("acme")
        keys.revoke_key(key.id)
        db.session.commit()
    return secret


@pytest.mark.parametrize("kind", ["unknown", "truncated", "expired", "revoked", "too-long"])
def test_invalid_keys_are_refused_with_401(app, client, issue_key, kind):
    secret = {
        "unknown": lambda: "rck_" + "x" * 43,
        "truncated": lambda: API_KEY[:-1],
        "expired": lambda: expired_key(issue_key),
        "revoked": lambda: revoked_key(app, issue_key),
        "too-long": lambda: API_KEY * 20,
    }[kind]()

    response = sign_in(client, secret, "/users")

    assert response.status_code == 401
    tree = page(response)
    key = labelled(tree, "API key")
    assert key.attrs["aria-invalid"] == "true"
    assert tree.one(id=key.attrs["aria-describedby"]).text == "That key is not valid."
    assert secret not in response.get_data(as_text=True)  # never echoed back
    assert tree.one("input", name="next").attrs["value"] == "/users"
    assert "key_digest" not in cookie_session(app, client)
    assert client.get("/").status_code == 302


def test_an_empty_key_is_asked_for_again(app, client):
    response = sign_in(client, "   ")
    assert response.status_code == 422
    assert "Enter an API key." in page(response).text
    assert "key_digest" not in cookie_session(app, client)


@pytest.mark.parametrize(
    ("next_path", "landing"),
    [
        ("/users", "/users"),
        ("/?user_id=bob&page=2", "/?user_id=bob&page=2"),
        ("", "/"),
        ("//evil.com", "/"),
        ("//evil.com/path", "/"),
        ("https://evil.com", "/"),
        ("http://evil.com/", "/"),
        ("/\\evil.com", "/"),
        ("/\t/evil.com", "/"),
        ("javascript:alert(1)", "/"),
        ("users", "/"),
    ],
)
def test_after_sign_in_only_paths_on_this_site_are_followed(app, next_path, landing):
    response = sign_in(app.test_client(), API_KEY, next_path)
    assert redirected_to(response) == landing


def test_signing_out(app, browser):
    tree = page(browser.get("/"))
    form = tree.one("form", action="/sign-out")
    assert form.attrs["method"] == "post"
    assert form.one("input", name="csrf_token").attrs["value"]
    assert buttons(form) == ["Sign out"]

    response = post(browser, "/sign-out")

    assert redirected_to(response) == "/sign-in"
    assert "key_digest" not in cookie_session(app, browser)
    assert flashes(browser.get("/sign-in")) == ["Signed out."]
    assert redirected_to(browser.get("/users")) == "/sign-in?next=/users"


def test_a_revoked_key_is_signed_out_on_its_next_request(app, browser_for):
    browser = browser_for("acme")
    assert browser.get("/").status_code == 200
    with app.app_context():
        (key,) = keys.list_keys("acme")
        keys.revoke_key(key.id)
        db.session.commit()

    response = browser.get("/users")

    assert redirected_to(response) == "/sign-in?next=/users"
    assert "key_digest" not in cookie_session(app, browser)
    assert flashes(browser.get("/sign-in")) == [
        "Your key is no longer valid (revoked or expired). Sign in again."
    ]
    assert redirected_to(browser.get("/")) == "/sign-in?next=/"


@pytest.mark.parametrize("digest", ["0" * 64, "not-a-digest", 42])
def test_a_stored_digest_that_no_longer_works_signs_out(app, client, digest):
    with client.session_transaction() as session:
        session["key_digest"] = digest
    assert redirected_to(client.get("/")) == "/sign-in?next=/"
    assert "key_digest" not in cookie_session(app, client)


def test_guessing_keys_is_rate_limited(database_url, app):
    limited = build_app(database_url, AUTH_FAILURE_LIMIT="2/minute")
    client = limited.test_client()
    assert [sign_in(client, f"wrong-{n}-0123456789").status_code for n in range(2)] == [401, 401]

    blocked = sign_in(client, "another-guess-0123456789")

    assert blocked.status_code == 429
    assert blocked.mimetype == "text/html"
    assert page(blocked).one("h1").text == "Too Many Requests"
    assert int(blocked.headers["Retry-After"]) > 0
    assert client.get("/sign-in").status_code == 200  # the form itself is not blocked


# --- CSRF ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/sessions/{id}/rename", {"title": "Forged"}),
        ("/sessions/{id}/favorite", {"favorite": "1"}),
        ("/sessions/{id}/delete", {}),
        ("/sign-out", {}),
        ("/sign-in", {"api_key": API_KEY}),
    ],
)
@pytest.mark.parametrize("token", ["missing", "forged", "another-browsers"])
def test_forms_without_this_browsers_csrf_token_are_refused(
    app, browser, api, chat, path, data, token
):
    tokens = {
        "missing": None,
        "forged": "not-a-token",
        "another-browsers": csrf_token(app.test_client()),
    }
    form = dict(data)
    if tokens[token]:
        form["csrf_token"] = tokens[token]

    response = browser.post(path.format(id=chat["id"]), data=form)

    assert response.status_code == 400
    tree = page(response)
    assert tree.one("h1").text == "Bad Request"
    assert "This form has expired" in tree.one("main").text
    assert state(api, chat["id"]) == (200, chat["title"], False)
    assert browser.get("/").status_code == 200  # still signed in


def test_the_api_needs_no_csrf_token(api, chat):
    response = api.patch(f"/api/sessions/{chat['id']}", json={"title": "Via the API"})
    assert response.status_code == 200
