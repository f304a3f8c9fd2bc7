"""Stored markup is escaped on every page, and every page runs under the strict
Content-Security-Policy with nothing inline."""

import json
import uuid

from ragchat.security import HTML_CSP
from tests.support.html import flashes, labelled, page
from tests.support.web import csrf_token, listed_titles, messages

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
QUOTES = "\"'><svg onload=alert(3)>"


def test_stored_markup_is_escaped_everywhere(browser, make_session, add_message):
    session = make_session(f"user{QUOTES}", title=SCRIPT)
    add_message(session["id"], f"{IMG} and {SCRIPT}")
    chunk = {"source": IMG, "score": 0.5, "text": SCRIPT, QUOTES: IMG}
    add_message(session["id"], "x", sender="ai", context={"chunks": [chunk], IMG: {SCRIPT: QUOTES}})
    pages = {
        "list": browser.get("/"),
        "filtered": browser.get("/", query_string={"user_id": f"user{QUOTES}", "q": SCRIPT}),
        "users": browser.get("/users"),
        "chat": browser.get(f"/sessions/{session['id']}"),
        "delete": browser.get(f"/sessions/{session['id']}/delete"),
        "insights": browser.get("/insights", query_string={"user_id": f"user{QUOTES}"}),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.get_data(as_text=True)
        for markup in (SCRIPT, IMG, "<svg"):
            assert markup not in html, (name, markup)
        assert "&lt;script&gt;" in html or "&lt;svg" in html, name
        tree = page(response)
        assert not inline_scripts(tree) and tree.all("svg") == [] and tree.all("img") == [], name

    chat = page(pages["chat"])
    assert chat.one("h1").text == SCRIPT
    assert chat.one("title").text == f"{SCRIPT} · ragchat"
    user_message, answer = messages(pages["chat"])
    assert user_message.one("div", cls="content").text == f"{IMG} and {SCRIPT}"
    card = answer.one("figure", cls="chunk")
    assert (card.one(cls="chunk-source").text, card.one("blockquote").text) == (IMG, SCRIPT)
    assert card.one("dt").text == QUOTES and card.one("dd").text == IMG
    assert json.loads(answer.one("pre").children[0]) == {IMG: {SCRIPT: QUOTES}}
    listed = page(pages["filtered"])
    assert labelled(listed, "User id").attrs["value"] == f"user{QUOTES}"
    assert labelled(listed, "Title contains").attrs["value"] == SCRIPT
    assert listed_titles(pages["filtered"]) == [SCRIPT]


def test_flash_messages_are_escaped(browser, chat):
    token = csrf_token(browser)  # fetched once: every page shows (and so uses up) flashes
    browser.post(f"/sessions/{chat['id']}/rename", data={"title": SCRIPT, "csrf_token": token})
    browser.post(f"/sessions/{chat['id']}/delete", data={"csrf_token": token})
    home = browser.get("/")
    assert flashes(home) == ["Renamed.", f"Deleted “{SCRIPT}”."]
    assert SCRIPT not in home.get_data(as_text=True)


def inline_scripts(tree):
    """The page's scripts that are not our own files (the insights page loads two)."""
    return [
        script
        for script in tree.all("script")
        if not script.attrs.get("src", "").startswith("/static/") or script.children
    ]


def every_page(browser, chat):
    yield "/sign-in"
    yield from ("/", "/users", f"/sessions/{chat['id']}", f"/sessions/{chat['id']}/delete")
    yield "/insights"
    yield f"/sessions/{uuid.uuid4()}"


def test_pages_run_under_the_strict_policy_with_nothing_inline(client, browser, chat):
    for path in every_page(browser, chat):
        response = (client if path == "/sign-in" else browser).get(path)
        assert response.headers["Content-Security-Policy"] == HTML_CSP, path
        assert response.headers["X-Frame-Options"] == "DENY", path
        tree = page(response)
        assert inline_scripts(tree) == [] and tree.all("style") == [], path
        for node in tree.all():
            inline = [name for name in node.attrs if name == "style" or name.startswith("on")]
            assert not inline, (path, node.tag, inline)
