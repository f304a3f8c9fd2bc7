"""The review UI's search: the box on every page, the results with their highlighted
snippets, and links that open each message inside its chat."""

import uuid
from urllib.parse import parse_qs, urlsplit

from ragchat.chats.appends import append_message
from ragchat.extensions import db
from tests.support.html import main, page, redirected_to


def results(response):
    return main(response).all("li", cls="search-hit")


def test_every_page_has_a_search_box_that_leads_to_the_results(browser):
    tree = page(browser.get("/users"))
    box = tree.one("form", role="search")
    assert box.attrs["action"] == "/search"
    assert box.one("input").attrs["name"] == "q"


def test_results_show_the_chat_the_message_and_the_match_highlighted(browser, chat):
    response = browser.get("/search?q=refund")
    assert response.status_code == 200
    hits = results(response)
    assert len(hits) == 2  # the title and the question
    title_hit = next(hit for hit in hits if "search-hit-title" in hit.classes)
    message_hit = next(hit for hit in hits if "search-hit-message" in hit.classes)
    assert title_hit.one("a", cls="hit-link").attrs["href"] == f"/sessions/{chat['id']}"
    link = message_hit.one("a", cls="hit-link")
    assert link.text == "Refund for a damaged jacket · #1"
    assert link.attrs["href"] == f"/sessions/{chat['id']}?at=1"
    assert message_hit.one("p", cls="snippet").one("mark").text == "refund"


def test_a_result_opens_its_message_on_the_right_page_of_the_chat(app, browser, make_session):
    session = make_session("alice")
    with app.app_context():
        for n in range(1, 121):
            append_message(
                "default",
                uuid.UUID(session["id"]),
                sender="user",
                content=f"hay {n}" if n != 75 else "needle",
            )
        db.session.commit()
    [hit] = results(browser.get("/search?q=needle"))
    target = redirected_to(browser.get(hit.one("a", cls="hit-link").attrs["href"]))
    parts = urlsplit(target)
    assert parse_qs(parts.query) == {"page": ["2"]}
    assert parts.fragment == "message-75"
    shown = main(browser.get(target)).one("article", id="message-75")
    assert "needle" in shown.text


def test_markup_in_chats_is_shown_as_text_in_results(browser, make_session, add_message):
    session = make_session("alice", title="<img src=x onerror=alert(1)> refund")
    add_message(session["id"], "<script>alert(1)</script> refund please")
    response = browser.get("/search?q=refund")
    assert len(results(response)) == 2
    assert page(response).all("script") == [] and page(response).all("img") == []
    assert "<script>" not in response.get_data(as_text=True)


def test_only_the_signed_in_tenants_chats_are_searched(browser_for, chat):
    other = browser_for("acme")
    assert results(other.get("/search?q=refund")) == []
    assert "Nothing matches" in main(other.get("/search?q=refund")).text


def test_more_matches_follow_a_cursor(app, browser, make_session, add_message):
    session = make_session("alice")
    for n in range(25):
        add_message(session["id"], f"parcel number {n}")
    first = browser.get("/search?q=parcel")
    more = main(first).one("a", rel="next").attrs["href"]
    second = browser.get(more)
    assert len(results(first)) == 20 and len(results(second)) == 5
    assert main(second).all("a", rel="next") == []


def test_searches_that_find_nothing_to_look_for_are_explained(browser):
    for query in ("q=", "q=-refund", "q=%21%21%21"):
        response = browser.get(f"/search?{query}")
        assert response.status_code == 422
        assert main(response).one("small", cls="field-error").text
    assert browser.get("/search").status_code == 200  # the empty form
    assert browser.get("/search?q=refund&cursor=forged").status_code == 400


def test_search_needs_signing_in(client):
    response = client.get("/search?q=refund")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
