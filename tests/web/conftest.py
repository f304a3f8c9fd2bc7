"""What the review UI's tests share: reading a page as a tree, signing in through the form
with its CSRF token, browsers signed in with a key, and a chat with retrieved passages."""

import re
from html.parser import HTMLParser

import pytest

from tests.conftest import API_KEY

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
