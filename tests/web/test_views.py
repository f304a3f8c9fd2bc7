"""The review UI's pages that read: the chat list with its filters and pages, the users,
and one chat as a conversation, each scoped to the signed-in key's tenant."""

import re
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest

from ragchat.chats.appends import append_messages
from ragchat.chats.sessions import create_session
from ragchat.extensions import db
from tests.support.html import buttons, labelled, links, main, page, redirected_to
from tests.support.web import listed_titles, messages


def rows(response):
    return main(response).one("tbody").all("tr")


def user_link(row):
    """The link to a user's chats (the row also has one that exports them)."""
    return row.one("td", cls="user").one("a")


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
    assert [user_link(row).text for row in rows(browser.get("/users"))] == ["alice"]


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
            create_session("default", "carol", f"Chat {number:02d}")
        create_session("default", "dave", "Someone else's")
        db.session.commit()
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
        (user_link(row).text, user_link(row).attrs["href"], row.one("td", cls="number").text)
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
            create_session("default", f"user-{number:02d}")
        db.session.commit()
    first = browser.get("/users")
    assert len(rows(first)) == 50
    second = browser.get(links(main(first).one("nav", cls="pager"))["Next"])
    assert [user_link(row).text for row in rows(second)] == ["user-00"]


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


def test_an_agent_run_shows_its_key_tool_calls_and_tool_output(browser, make_session, add_message):
    session = make_session("alice", title="Agent run", key="thread-42")
    calls = [
        {"name": "search_docs", "args": {"q": "refund <policy>"}, "id": "call_1"},
        {"name": "", "args": {}},  # no name: nothing to show
    ]
    add_message(session["id"], "Looking it up.", sender="ai", extra={"tool_calls": calls})
    documents = [
        {
            "page_content": "Refunds within 30 days.",
            "metadata": {"source": "refunds.md", "score": 0.87, "page": 2},
        }
    ]
    add_message(
        session["id"],
        "Refunds within 30 days.",
        sender="tool",
        context={"documents": documents},
        extra={"name": "search_docs", "tool_call_id": "call_1"},
    )

    response = browser.get(f"/sessions/{session['id']}")

    assert "key thread-42" in main(response).one("header", cls="chat-header").text
    answer, tool = messages(response)
    (call,) = answer.all("li", cls="tool-call")
    assert call.one("summary").text == "Called search_docs"
    assert '"q": "refund <policy>"' in call.one("pre").text  # escaped, shown as text
    assert tool.classes == ["message", "message-tool"]
    assert tool.one(cls="sender").text == "Tool search_docs"
    card = tool.one("figure", cls="chunk")
    assert card.one(cls="chunk-source").text == "refunds.md"
    assert card.one(cls="chunk-score").text == "score 0.87"
    assert card.one("blockquote").text == "Refunds within 30 days."
    assert card.one("dl").text == "page 2"


def test_long_chats_page_by_fifty(app, browser, make_session):
    session = make_session()
    with app.app_context():
        append_messages(
            "default",
            uuid.UUID(session["id"]),
            [{"sender": "user", "content": f"message {n}"} for n in range(1, 56)],
        )
        db.session.commit()
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
