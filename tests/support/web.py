"""Using the review UI as a browser does (through Flask's test client): forms with their
CSRF token, signing in, and reading what a page lists."""

import re

from tests.support.html import main, page


def csrf_token(client):
    return page(client.get("/sign-in")).one("input", name="csrf_token").attrs["value"]


def post(client, path, data=None, token=True):
    """Submit a form as a browser would: with this session's CSRF token."""
    form = dict(data or {})
    if token:
        form["csrf_token"] = csrf_token(client)
    return client.post(path, data=form)


def sign_in(client, key, next_path=None):
    return post(client, "/sign-in", {"api_key": key, "next": next_path or ""})


def state(api, session_id):
    """What the API says about a session: (status, title, is_favorite)."""
    response = api.get(f"/api/sessions/{session_id}")
    if response.status_code != 200:
        return response.status_code, None, None
    return 200, response.json["title"], response.json["is_favorite"]


def listed_titles(response):
    tree = main(response)
    return [
        node.text
        for node in tree.all("a")
        if re.fullmatch(r"/sessions/[0-9a-f-]{36}", node.attrs["href"])
    ]


def messages(response):
    return main(response).all("article", cls="message")
