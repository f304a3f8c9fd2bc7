"""The review UI through Flask's test client: signing in and out, the pages, the forms that
change chats, CSRF, tenant isolation, escaping, and the error pages."""

import json
import re
import uuid
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from ragchat import chats, keys, transcripts
from ragchat.models import utcnow
from ragchat.security import HTML_CSP
from ragchat.web.context import format_score, read_context
from tests.conftest import API_KEY, build_app

# --- reading pages ---------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Node:
    def __init__(self, tag, attrs):
        self.tag, self.attrs, self.children = tag, dict(attrs), []

    @property
    def classes(self):
        return (self.attrs.get("class") or "").split()

    @property
    def text(self):
        parts = [c if isinstance(c, str) else c.text for c in self.children]
        return " ".join(" ".join(parts).split())

    def all(self, tag=None, cls=None, **attrs):
        found = []
        for child in self.children:
            if isinstance(child, str):
                continue
            if (
                (tag is None or child.tag == tag)
                and (cls is None or cls in child.classes)
                and all(
                    child.attrs.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items()
                )
            ):
                found.append(child)
            found.extend(child.all(tag, cls, **attrs))
        return found

    def one(self, tag=None, cls=None, **attrs):
        found = self.all(tag, cls, **attrs)
        assert len(found) == 1, (tag, cls, attrs, len(found))
        return found[0]


class Tree(HTMLParser):
    """The page as a tree of Nodes (entities decoded, as a browser shows them)."""

    def __init__(self, html):
        super().__init__()
        self.root = Node("#document", {})
        self.stack = [self.root]
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs)
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def page(response):
    return Tree(response.get_data(as_text=True)).root


def main(response):
    return page(response).one("main")


def flashes(response):
    return [node.text for node in page(response).all(cls="flash", role="status")]


def labelled(tree, label):
    """The form control a <label> with exactly this text is for."""
    (node,) = [node for node in tree.all("label") if node.text == label]
    control_id = node.attrs.get("for")
    if control_id:
        return tree.one(id=control_id)
    return next(child for child in node.all() if child.tag in ("input", "select", "textarea"))


def buttons(tree):
    return [node.text for node in tree.all("button")]


def links(tree):
    return {node.text: node.attrs["href"] for node in tree.all("a")}


def redirected_to(response):
    assert response.status_code == 302, response.status_code
    return response.headers["Location"]


# --- signing in ------------------------------------------------------------------------------


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


def cookie_session(app, client):
    """The session cookie's contents, decoded the way Flask does."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    if cookie is None:
        return {}
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


@pytest.fixture
def browser(app):
    """A browser signed in with an operator key: the default tenant, every scope."""
    client = app.test_client()
    assert redirected_to(sign_in(client, API_KEY)) == "/"
    return client


@pytest.fixture
def browser_for(app, issue_key):
    """browser_for(tenant, scopes) -> a browser signed in with a new stored key."""

    def make(tenant, scopes=("read", "write")):
        client = app.test_client()
        assert redirected_to(sign_in(client, issue_key(tenant, scopes))) == "/"
        return client

    return make


@pytest.fixture
def chat(make_session, add_message):
    """A session with a user question and an answer with retrieved chunks."""
    session = make_session("alice", title="Refund for a damaged jacket")
    add_message(session["id"], "Can I get a refund?")
    add_message(
        session["id"],
        "Yes, within 30 days.",
        sender="ai",
        context={
            "chunks": [{"source": "refunds.md", "score": 0.91, "text": "Refunds within 30 days."}],
            "model": "gpt-4o-mini",
        },
    )
    return session


PAGES = ["/", "/users", "/?user_id=bob&page=2", "/sessions/{id}", "/sessions/{id}/delete"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_send_visitors_to_sign_in_and_back(client, chat, path):
    path = path.format(id=chat["id"])
    target = urlsplit(redirected_to(client.get(path)))
    assert target.path == "/sign-in"
    assert parse_qs(target.query)["next"] == [path]


def state(api, session_id):
    """What the API says about a session: (status, title, is_favorite)."""
    response = api.get(f"/api/sessions/{session_id}")
    if response.status_code != 200:
        return response.status_code, None, None
    return 200, response.json["title"], response.json["is_favorite"]


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
    assert data["key_digest"] == keys.hash_secret(secret)
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
    assert keys.hash_secret(secret) not in text


def expired_key(issue_key):
    return issue_key("acme", expires_at=utcnow() - timedelta(seconds=1))


def revoked_key(app, issue_key):
    secret = issue_key("acme")
    with app.app_context():
        (key,) = keys.list_keys("acme")
        keys.revoke_key(key.id)
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


# --- the chat list and the users --------------------------------------------------------------


def rows(response):
    return main(response).one("tbody").all("tr")


def listed_titles(response):
    tree = main(response)
    return [
        node.text
        for node in tree.all("a")
        if re.fullmatch(r"/sessions/[0-9a-f-]{36}", node.attrs["href"])
    ]


def test_the_header_links_and_page_furniture(browser):
    response = browser.get("/")
    tree = page(response)
    assert tree.one("html").attrs["lang"] == "en"
    assert tree.one("title").text == "Chats · ragchat"
    nav = tree.one("nav", aria_label="Main")
    assert {"Chats": "/", "Users": "/users", "API docs": "/api/docs"}.items() <= links(nav).items()
    current = [node.text for node in nav.all("a") if node.attrs.get("aria-current") == "page"]
    assert current == ["Chats"]
    skip = tree.all("a")[0]
    assert (skip.text, skip.attrs["href"]) == ("Skip to content", "#main")
    assert tree.one("main").attrs["id"] == "main"
    sheets = [node.attrs["href"] for node in tree.all("link", rel="stylesheet")]
    assert sheets == ["/static/vendor/pico/pico.min.css", "/static/css/ragchat.css"]
    for sheet in sheets:
        assert browser.get(sheet).status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_the_list_shows_the_tenants_chats_most_recently_active_first(
    browser, api, make_session, add_message
):
    older = make_session("alice", title="Older chat")
    newer = make_session("bob", title="Newer chat")
    add_message(older["id"], "bumped")  # activity moves it to the top
    add_message(older["id"], "again")
    api.patch(f"/api/sessions/{newer['id']}", json={"is_favorite": True})

    response = browser.get("/")

    assert response.status_code == 200
    first, second = rows(response)
    assert first.one("a", href=f"/sessions/{older['id']}").text == "Older chat"
    assert first.one("td", cls="user").one("a").attrs["href"] == "/?user_id=alice"
    assert first.one("td", cls="number").text == "2 messages"
    assert first.all(cls="favorite-mark") == []
    activity = first.one("time")
    assert activity.attrs["datetime"].startswith(
        api.get(f"/api/sessions/{older['id']}").json["updated_at"][:19]
    )
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC", activity.text)
    assert second.one("a", href=f"/sessions/{newer['id']}").text == "Newer chat"
    mark = second.one(cls="favorite-mark")
    assert (mark.text, mark.attrs["aria-label"]) == ("★", "Favorite")
    assert buttons(first) == ["Favorite"] and buttons(second) == ["Unfavorite"]


def test_the_list_never_shows_another_tenants_chats(
    browser, browser_for, as_key, issue_key, make_session
):
    make_session("alice", title="Ours")
    theirs = as_key(issue_key("acme")).post(
        "/api/sessions", json={"user_id": "zed", "title": "Theirs"}
    )
    assert theirs.status_code == 201
    assert listed_titles(browser.get("/")) == ["Ours"]
    assert listed_titles(browser_for("acme").get("/")) == ["Theirs"]
    assert [row.one("a").text for row in rows(browser.get("/users"))] == ["alice"]


def test_the_filter_form(browser):
    tree = main(browser.get("/?user_id=bob&q=refund&favorites=1"))
    form = tree.one("search").one("form")
    assert form.attrs["method"] == "get"
    user_id, title, favorites = (
        labelled(form, label).attrs for label in ("User id", "Title contains", "Favorites only")
    )
    assert (user_id["name"], user_id["value"]) == ("user_id", "bob")
    assert (title["name"], title["value"]) == ("q", "refund")
    assert (favorites["type"], favorites["name"], favorites["value"]) == (
        "checkbox",
        "favorites",
        "1",
    )
    assert "checked" in favorites
    assert buttons(form) == ["Filter"]
    assert "checked" not in labelled(main(browser.get("/")), "Favorites only").attrs


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Refund two", "Shipping", "refund one"]),
        ("user_id=alice", ["Shipping", "refund one"]),
        ("user_id=ALICE", []),
        ("q=REFUND", ["Refund two", "refund one"]),
        ("q=+refund+", ["Refund two", "refund one"]),
        ("q=%25", []),
        ("favorites=1", ["Refund two"]),
        ("favorites=0", ["Refund two", "Shipping", "refund one"]),
        ("user_id=alice&q=refund", ["refund one"]),
        ("user_id=bob&favorites=1&q=two", ["Refund two"]),
    ],
)
def test_filters(browser, api, make_session, query, expected):
    make_session("alice", title="refund one")
    make_session("alice", title="Shipping")
    favorite = make_session("bob", title="Refund two")
    api.patch(f"/api/sessions/{favorite['id']}", json={"is_favorite": True})
    assert listed_titles(browser.get(f"/?{query}")) == expected


def test_empty_states(browser, make_session):
    assert "No chats yet." in main(browser.get("/")).text
    assert "No users yet." in main(browser.get("/users")).text
    make_session("alice")
    filtered = main(browser.get("/?q=nothing+like+this"))
    assert "No chats match these filters." in filtered.text
    assert "No chats yet." not in filtered.text


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("user_id=a%00b", "User id", "Must not contain NUL characters."),
        ("q=" + "x" * 201, "Title contains", "Use at most 200 characters."),
        ("user_id=" + "u" * 256, "User id", "Use at most 255 characters."),
    ],
)
def test_filters_the_database_cannot_take_are_explained(
    browser, make_session, query, field, message
):
    make_session("alice")
    response = browser.get(f"/?{query}")
    assert response.status_code == 422
    tree = main(response)
    control = labelled(tree, field)
    assert tree.one(id=control.attrs["aria-describedby"]).text == message
    assert listed_titles(response) == []


def test_the_list_pages_by_twenty_and_keeps_the_filters(app, browser):
    with app.app_context():
        for number in range(45):
            chats.create_session("default", "carol", f"Chat {number:02d}")
        chats.create_session("default", "dave", "Someone else's")
    newest_first = [f"Chat {number:02d}" for number in range(44, -1, -1)]

    first = browser.get("/?user_id=carol")
    assert listed_titles(first) == newest_first[:20]
    pager = main(first).one("nav", cls="pager")
    assert "Previous" not in links(pager)
    assert "Page 1 of 3" in pager.text
    second = browser.get(links(pager)["Next"])
    assert parse_qs(urlsplit(links(pager)["Next"]).query) == {"page": ["2"], "user_id": ["carol"]}
    assert listed_titles(second) == newest_first[20:40]
    third = browser.get(links(main(second).one("nav", cls="pager"))["Next"])
    assert listed_titles(third) == newest_first[40:]
    last_pager = main(third).one("nav", cls="pager")
    assert "Next" not in links(last_pager)
    assert parse_qs(urlsplit(links(last_pager)["Previous"]).query) == {
        "page": ["2"],
        "user_id": ["carol"],
    }
    assert listed_titles(browser.get("/?user_id=carol&page=nonsense")) == newest_first[:20]
    assert redirected_to(browser.get("/?user_id=carol&page=9")) == "/?user_id=carol&page=3"
    assert main(browser.get("/?user_id=dave")).all("nav", cls="pager") == []


def test_the_users_page(app, browser, make_session, add_message):
    alice = make_session("alice")
    make_session("alice")
    make_session("<b>bob</b>")
    add_message(alice["id"])  # alice is the most recently active

    response = browser.get("/users")

    assert response.status_code == 200
    assert page(response).one("title").text == "Users · ragchat"
    table = [
        (row.one("a").text, row.one("a").attrs["href"], row.one("td", cls="number").text)
        for row in rows(response)
    ]
    assert table == [
        ("alice", "/?user_id=alice", "2"),
        ("<b>bob</b>", "/?user_id=%3Cb%3Ebob%3C/b%3E", "1"),
    ]
    assert all(row.one("time").attrs["datetime"] for row in rows(response))
    assert "<b>bob</b>" not in response.get_data(as_text=True)


def test_the_users_page_pages_by_fifty(app, browser):
    with app.app_context():
        for number in range(51):
            chats.create_session("default", f"user-{number:02d}")
    first = browser.get("/users")
    assert len(rows(first)) == 50
    second = browser.get(links(main(first).one("nav", cls="pager"))["Next"])
    assert [row.one("a").text for row in rows(second)] == ["user-00"]


# --- one chat ----------------------------------------------------------------------------------


def messages(response):
    return main(response).all("article", cls="message")


def test_a_chat_reads_as_a_conversation(browser, make_session, add_message):
    session = make_session("alice", title="Refunds")
    add_message(session["id"], "You are a support bot.", sender="system")
    add_message(session["id"], "Can I get a refund?\nIt arrived torn.")
    add_message(session["id"], "Yes.", sender="assistant")

    response = browser.get(f"/sessions/{session['id']}")

    assert response.status_code == 200
    tree = page(response)
    assert tree.one("title").text == "Refunds · ragchat"
    assert tree.one("h1").text == "Refunds"
    found = messages(response)
    assert [node.classes for node in found] == [
        ["message", "message-system"],
        ["message", "message-user"],
        ["message", "message-ai"],
    ]
    assert [node.one(cls="sender").text for node in found] == ["System", "User", "AI"]
    assert [node.one("a", cls="seq").text for node in found] == ["#1", "#2", "#3"]
    assert all(node.one("time").attrs["datetime"].endswith("+00:00") for node in found)
    content = found[1].one("div", cls="content")
    assert content.children == ["Can I get a refund?\nIt arrived torn."]  # newlines kept
    assert links(main(response))["alice"] == "/?user_id=alice"
    assert all(node.all(cls="chunk") == [] and node.all("details") == [] for node in found)


# Each shape: the context, and its card's (label, link, score, text, other fields).
CONTEXT_SHAPES = {
    "chunks": (
        {"chunks": [{"text": "Refunds take 5 days.", "source": "refunds.md", "score": 0.8234}]},
        ("refunds.md", None, "0.823", "Refunds take 5 days.", None),
    ),
    "documents": (
        {
            "documents": [
                {
                    "page_content": "Boots have a 2 year warranty.",
                    "metadata": {"source": "warranty.pdf", "page": 3},
                    "relevance_score": 0.5,
                }
            ]
        },
        ("warranty.pdf", None, "0.50", "Boots have a 2 year warranty.", "page 3"),
    ),
    "sources": (
        {"sources": [{"content": "Open 9 to 5.", "title": "Opening hours", "similarity": 1}]},
        ("Opening hours", None, "1.00", "Open 9 to 5.", None),
    ),
    "citations": (
        {
            "citations": [
                {
                    "text": "Free over 50 €.",
                    "url": "https://example.com/shipping",
                    "metadata": {"title": "Shipping", "id": 7},
                }
            ]
        },
        ("Shipping", "https://example.com/shipping", None, "Free over 50 €.", "id 7"),
    ),
    "url-only": (
        {"chunks": [{"text": "Only a link.", "url": "https://example.com/faq"}]},
        ("https://example.com/faq", "https://example.com/faq", None, "Only a link.", None),
    ),
}


@pytest.mark.parametrize("shape", CONTEXT_SHAPES)
def test_retrieved_passages_are_shown_as_cards(browser, make_session, add_message, shape):
    context, (label, link, score, text, extra) = CONTEXT_SHAPES[shape]
    session = make_session()
    add_message(session["id"], "Answer.", sender="ai", context=context)

    (message,) = messages(browser.get(f"/sessions/{session['id']}"))

    (card,) = message.all("figure", cls="chunk")
    source = card.one(cls="chunk-source")
    assert source.text == label
    assert [node.attrs["href"] for node in source.all("a")] == ([link] if link else [])
    assert card.one("blockquote").text == text
    assert [node.text for node in card.all(cls="chunk-score")] == (
        [f"score {score}"] if score else []
    )
    assert [node.text for node in card.all("dl")] == ([extra] if extra else [])
    assert message.all("details") == []  # nothing else was in the context
    assert "1 retrieved passage" in message.one(cls="passages-label").text


def test_a_passages_link_is_only_ever_http(browser, make_session, add_message):
    session = make_session()
    chunks = [
        {"text": "a", "url": "https://example.com/a"},
        {"text": "b", "url": "javascript:alert(1)"},
        {"text": "c", "source": "c.md", "url": "data:text/html,hi"},
    ]
    add_message(session["id"], "x", sender="ai", context={"chunks": chunks})

    cards = main(browser.get(f"/sessions/{session['id']}")).all("figure", cls="chunk")

    hrefs = [node.attrs["href"] for card in cards for node in card.all("a")]
    assert hrefs == ["https://example.com/a"]
    assert cards[0].one("a").attrs["rel"] == "noopener noreferrer nofollow"
    assert cards[1].one(cls="chunk-source").text == "javascript:alert(1)"  # shown, not linked
    assert cards[2].one("dd").text == "data:text/html,hi"


def test_other_context_is_pretty_json_in_a_closed_details(browser, make_session, add_message):
    session = make_session()
    context = {
        "chunks": [{"text": "Kept as a card.", "score": 0.9, "page": 4}, {"no": "text"}],
        "model": "gpt-4o-mini",
        "tool_calls": [{"name": "lookup_order", "arguments": {"order_id": "NW-1"}}],
    }
    add_message(session["id"], "Answer.", sender="ai", context=context)
    add_message(session["id"], "No context.", sender="ai")

    with_context, without = messages(browser.get(f"/sessions/{session['id']}"))

    (card,) = with_context.all("figure", cls="chunk")
    assert card.one("dl", cls="chunk-extra").text == "page 4"
    details = with_context.one("details")
    assert "open" not in details.attrs
    assert details.one("summary").text == "Context"
    shown = details.one("pre").children[0]
    assert shown.startswith("{\n  ")  # indented
    assert json.loads(shown) == {
        "chunks": [{"no": "text"}],
        "model": "gpt-4o-mini",
        "tool_calls": [{"name": "lookup_order", "arguments": {"order_id": "NW-1"}}],
    }
    assert without.all("footer") == []


def test_read_context_keeps_every_key():
    context = {
        "chunks": [],
        "documents": "not a list",
        "sources": [{"text": "t", "score": True, "similarity": 0.25}],
        "citations": [{"text": "huge", "score": 10**400}],
        "other": {"nested": [1, 2]},
    }
    found = read_context(context)
    assert [(p.text, p.score, p.label) for p in found.passages] == [
        ("t", "0.25", None),
        ("huge", None, None),
    ]
    assert found.passages[0].extra == {"score": "true"}
    assert found.passages[1].extra == {"score": str(10**400)}
    assert json.loads(found.rest) == {
        "chunks": [],
        "documents": "not a list",
        "other": {"nested": [1, 2]},
    }
    assert not read_context({})
    assert read_context(None).rest is None


@pytest.mark.parametrize(
    ("score", "shown"),
    [(0.82, "0.82"), (0.8234, "0.823"), (1, "1.00"), (0.1, "0.10"), (12.3456, "12.346")],
)
def test_scores_show_two_or_three_decimals(score, shown):
    assert format_score(score) == shown


def test_long_chats_page_by_fifty(app, browser, make_session):
    session = make_session()
    with app.app_context():
        transcripts.append_messages(
            "default",
            uuid.UUID(session["id"]),
            [{"sender": "user", "content": f"message {n}"} for n in range(1, 56)],
        )
    path = f"/sessions/{session['id']}"

    first = browser.get(path)
    assert [node.one("a", cls="seq").text for node in messages(first)] == [
        f"#{n}" for n in range(1, 51)
    ]
    pager = main(first).one("nav", cls="pager")
    assert "Earlier" not in links(pager)
    second = browser.get(links(pager)["Later"])
    assert [node.one("a", cls="seq").text for node in messages(second)] == [
        f"#{n}" for n in range(51, 56)
    ]
    pager = main(second).one("nav", cls="pager")
    assert "Later" not in links(pager)
    assert links(pager)["Earlier"] == f"{path}?page=1"
    assert redirected_to(browser.get(f"{path}?page=7")) == f"{path}?page=2"


def test_a_chat_without_messages(browser, make_session):
    session = make_session()
    response = browser.get(f"/sessions/{session['id']}")
    assert "No messages in this chat yet." in main(response).text
    assert main(response).all("nav", cls="pager") == []


def test_another_tenants_chat_is_the_404_page(
    browser, browser_for, as_key, issue_key, make_session
):
    secret = issue_key("acme")
    theirs = (
        as_key(secret)
        .post("/api/sessions", json={"user_id": "zed", "title": "Acme secret plan"})
        .json
    )
    ours = make_session(title="Our plan")
    for path in ("", "/delete"):
        response = browser.get(f"/sessions/{theirs['id']}{path}")
        assert response.status_code == 404
        assert page(response).one("h1").text == "Not Found"
        assert "Acme secret plan" not in response.get_data(as_text=True)
    acme = browser_for("acme")
    assert acme.get(f"/sessions/{ours['id']}").status_code == 404
    assert acme.get(f"/sessions/{theirs['id']}").status_code == 200


@pytest.mark.parametrize(
    "path", [f"/sessions/{uuid.uuid4()}", "/sessions/not-a-uuid", "/no-such-page"]
)
def test_unknown_pages_are_the_404_page(browser, path):
    response = browser.get(path)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    tree = page(response)
    assert tree.one("title").text == "404 Not Found · ragchat"
    assert "the address is wrong, or the chat was deleted" in tree.one("main").text


# --- renaming, favoriting, deleting ---------------------------------------------------------


def test_a_writer_sees_the_controls(browser, chat):
    tree = main(browser.get(f"/sessions/{chat['id']}"))
    rename = tree.one("form", action=f"/sessions/{chat['id']}/rename")
    title = labelled(rename, "Title")
    assert (title.attrs["name"], title.attrs["value"], title.attrs["maxlength"]) == (
        "title",
        chat["title"],
        "200",
    )
    assert buttons(rename) == ["Rename"]
    favorite = tree.one("form", action=f"/sessions/{chat['id']}/favorite")
    assert buttons(favorite) == ["Favorite"]
    assert links(tree)["Delete"] == f"/sessions/{chat['id']}/delete"
    for form in (rename, favorite):
        assert form.attrs["method"] == "post"
        assert form.one("input", name="csrf_token").attrs["value"]


def test_renaming(browser, api, chat):
    response = post(browser, f"/sessions/{chat['id']}/rename", {"title": "  New name  "})
    assert redirected_to(response) == f"/sessions/{chat['id']}"
    assert state(api, chat["id"]) == (200, "New name", False)
    shown = browser.get(f"/sessions/{chat['id']}")
    assert flashes(shown) == ["Renamed."]
    assert page(shown).one("h1").text == "New name"
    assert flashes(browser.get(f"/sessions/{chat['id']}")) == []  # shown once


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("", "Enter a title."),
        ("   ", "Enter a title."),
        ("x" * 201, "Use at most 200 characters."),
        ("a\x00b", "Must not contain NUL characters."),
    ],
)
def test_an_invalid_title_is_explained_and_changes_nothing(browser, api, chat, title, message):
    response = post(browser, f"/sessions/{chat['id']}/rename", {"title": title})

    assert response.status_code == 422
    tree = page(response)
    control = labelled(tree, "Title")
    assert control.attrs["aria-invalid"] == "true"
    assert tree.one(id=control.attrs["aria-describedby"]).text == message
    assert tree.one("h1").text == chat["title"]
    assert len(messages(response)) == 2  # still the whole chat page
    assert flashes(response) == []
    assert state(api, chat["id"]) == (200, chat["title"], False)


def test_favoriting_and_unfavoriting(browser, api, chat):
    path = f"/sessions/{chat['id']}"
    response = post(browser, f"{path}/favorite", {"favorite": "1", "next": path})
    assert redirected_to(response) == path
    assert state(api, chat["id"])[2] is True
    shown = browser.get(path)
    assert flashes(shown) == ["Added to favorites."]
    assert buttons(main(shown).one("form", action=f"{path}/favorite")) == ["Unfavorite"]
    assert main(shown).one(cls="favorite-mark").attrs["aria-label"] == "Favorite"

    # The same click again (a stale page) keeps it a favorite rather than flipping it.
    post(browser, f"{path}/favorite", {"favorite": "1"})
    assert state(api, chat["id"])[2] is True

    post(browser, f"{path}/favorite", {"favorite": "0", "next": path})
    assert state(api, chat["id"])[2] is False
    assert flashes(browser.get(path)) == ["Removed from favorites."]


def test_favoriting_from_the_list_goes_back_to_the_same_list(browser, chat):
    listed = main(browser.get("/?q=refund&page=1"))
    form = listed.one("form", action=f"/sessions/{chat['id']}/favorite")
    back = form.one("input", name="next").attrs["value"]
    assert back == "/?q=refund&page=1"
    response = post(browser, form.attrs["action"], {"favorite": "1", "next": back})
    assert redirected_to(response) == back


@pytest.mark.parametrize("back", ["//evil.com", "https://evil.com/", "/\\evil.com"])
def test_favoriting_never_redirects_off_site(browser, chat, back):
    response = post(browser, f"/sessions/{chat['id']}/favorite", {"favorite": "1", "next": back})
    assert redirected_to(response) == f"/sessions/{chat['id']}"


@pytest.mark.parametrize("wanted", [None, "", "yes", "2"])
def test_favoriting_needs_the_state_wanted(browser, api, chat, wanted):
    data = {} if wanted is None else {"favorite": wanted}
    response = post(browser, f"/sessions/{chat['id']}/favorite", data)
    assert response.status_code == 400
    assert state(api, chat["id"]) == (200, chat["title"], False)


def test_deleting_asks_first(browser, api, chat):
    path = f"/sessions/{chat['id']}"
    confirm = browser.get(f"{path}/delete")
    assert confirm.status_code == 200
    tree = page(confirm)
    assert tree.one("h1").text == f"Delete “{chat['title']}”?"
    form = tree.one("form", action=f"{path}/delete")
    assert form.attrs["method"] == "post"
    assert buttons(form) == ["Delete"]
    assert links(form)["Cancel"] == path
    assert state(api, chat["id"])[0] == 200

    response = post(browser, f"{path}/delete")

    assert redirected_to(response) == "/"
    assert state(api, chat["id"])[0] == 404
    assert api.get(f"/api/sessions/{chat['id']}/messages").status_code == 404
    home = browser.get("/")
    assert flashes(home) == [f"Deleted “{chat['title']}”."]
    assert browser.get(path).status_code == 404


def test_actions_on_another_tenants_chat_are_404(browser_for, api, chat):
    acme = browser_for("acme")
    path = f"/sessions/{chat['id']}"
    for action, data in (
        ("rename", {"title": "Mine"}),
        ("favorite", {"favorite": "1"}),
        ("delete", {}),
    ):
        assert post(acme, f"{path}/{action}", data).status_code == 404
    assert state(api, chat["id"]) == (200, chat["title"], False)


def test_a_read_only_key_sees_no_controls(browser_for, chat):
    reader = browser_for("default", ("read",))
    for path in ("/", "/users", f"/sessions/{chat['id']}"):
        tree = main(reader.get(path))
        assert not {"Rename", "Favorite", "Unfavorite", "Delete"} & set(buttons(tree)), path
        assert "Delete" not in links(tree), path
        assert tree.all("input", name="title") == [], path
        assert [
            form.attrs["action"] for form in tree.all("form") if form.attrs["method"] == "post"
        ] == []
    assert "Refund for a damaged jacket" in main(reader.get("/")).text


@pytest.mark.parametrize(
    ("method", "action", "data"),
    [
        ("post", "rename", {"title": "Renamed by a reader"}),
        ("post", "favorite", {"favorite": "1"}),
        ("post", "favorite", {}),
        ("post", "delete", {}),
        ("get", "delete", {}),
    ],
)
def test_a_read_only_key_may_not_change_anything(browser_for, api, chat, method, action, data):
    reader = browser_for("default", ("read",))
    path = f"/sessions/{chat['id']}/{action}"
    response = post(reader, path, data) if method == "post" else reader.get(path)
    assert response.status_code == 403
    tree = page(response)
    assert tree.one("h1").text == "Forbidden"
    assert "write scope" in tree.one("main").text
    assert state(api, chat["id"]) == (200, chat["title"], False)


def test_a_key_without_read_scope_sees_nothing(browser_for, chat):
    writer_only = browser_for("default", ("write",))
    assert writer_only.get("/").status_code == 403
    assert writer_only.get(f"/sessions/{chat['id']}").status_code == 403


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


# --- escaping and the Content-Security-Policy ---------------------------------------------------

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
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.get_data(as_text=True)
        for markup in (SCRIPT, IMG, "<svg"):
            assert markup not in html, (name, markup)
        assert "&lt;script&gt;" in html or "&lt;svg" in html, name
        tree = page(response)
        assert tree.all("script") == [] and tree.all("svg") == [] and tree.all("img") == [], name

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


def every_page(browser, chat):
    yield "/sign-in"
    yield from ("/", "/users", f"/sessions/{chat['id']}", f"/sessions/{chat['id']}/delete")
    yield f"/sessions/{uuid.uuid4()}"


def test_pages_run_under_the_strict_policy_with_nothing_inline(client, browser, chat):
    for path in every_page(browser, chat):
        response = (client if path == "/sign-in" else browser).get(path)
        assert response.headers["Content-Security-Policy"] == HTML_CSP, path
        assert response.headers["X-Frame-Options"] == "DENY", path
        tree = page(response)
        assert tree.all("script") == [] and tree.all("style") == [], path
        for node in tree.all():
            inline = [name for name in node.attrs if name == "style" or name.startswith("on")]
            assert not inline, (path, node.tag, inline)


# --- error pages ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def failing_app(database_url):
    app = build_app(database_url, TESTING=True)

    def fail():
        raise RuntimeError("boom: secret internals")

    app.add_url_rule("/fail", "fail", fail)
    app.add_url_rule("/api/fail", "api_fail", fail)
    return app


def test_an_unexpected_error_is_a_500_page_in_the_layout_and_logged(failing_app, caplog):
    response = failing_app.test_client().get("/fail")

    assert response.status_code == 500
    assert response.mimetype == "text/html"
    tree = page(response)
    assert tree.one("html").attrs["lang"] == "en"
    assert tree.one("title").text == "500 Internal Server Error · ragchat"
    assert tree.one("h1").text == "Internal Server Error"
    assert "Something went wrong on our side" in tree.one("main").text
    assert tree.all("link", href="/static/css/ragchat.css")
    assert "secret internals" not in response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"] == HTML_CSP
    (record,) = [r for r in caplog.records if r.getMessage() == "unhandled error on GET /fail"]
    assert record.exc_info and "boom: secret internals" in str(record.exc_info[1])


def test_api_errors_stay_problem_json(failing_app):
    client = failing_app.test_client()
    for path, status in (("/api/fail", 500), ("/api/no-such-route", 404)):
        response = client.get(path)
        assert (response.status_code, response.mimetype) == (status, "application/problem+json")
        assert response.json["status"] == status


def test_a_wrong_method_is_a_405_page_with_allow(browser):
    response = browser.put("/users")
    assert response.status_code == 405
    assert page(response).one("h1").text == "Method Not Allowed"
    assert "GET" in response.headers["Allow"]


def test_a_database_outage_is_a_503_page(tmp_path):
    down = build_app(f"sqlite:///{tmp_path / 'missing-folder' / 'ragchat.db'}", TESTING=True)
    client = down.test_client()
    assert redirected_to(sign_in(client, API_KEY)) == "/"  # operator keys need no database

    response = client.get("/")

    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 5  # the rate limiter may ask for longer
    tree = page(response)
    assert tree.one("h1").text == "Service Unavailable"
    assert "The database is unavailable" in tree.one("main").text
    assert tree.one("div", cls="signed-in")  # the layout, drawn without the database
