"""Markup stored through the API is shown as text in the review UI and never runs."""

import json
from urllib.parse import quote

from playwright.sync_api import expect

from tests.support.browser import listed_titles

IMG = '<img src=x onerror="window.__xss=1">'
SCRIPT = "<script>window.__xss=1</script>"
SVG = '"><svg onload=alert(document.domain)>'
USER = f"xss{SVG}"
LINK = "javascript:window.__xss=1//"


def assert_nothing_ran(page):
    assert page.evaluate("window.__xss") is None
    assert page.watched.dialogs == []
    # An <img>, <svg> or <script> of ours would be in the document, not just its text.
    assert page.locator("main img[src=x], main svg[onload], main script").count() == 0


def test_stored_markup_is_shown_as_text(open_page, demo):
    img_chat = demo.create_chat(
        USER,
        IMG,
        feedback={3: {"rating": "down", "comment": IMG}},
        messages=[
            ("system", SVG, None),
            ("user", f"{SCRIPT} and {IMG}", None),
            (
                "ai",
                f"Answer {IMG}",
                {
                    "chunks": [
                        {"source": IMG, "score": 0.5, "text": SCRIPT},
                        {"url": LINK, "title": IMG, "text": SVG},
                    ],
                    "model": SVG,
                },
            ),
            ("ai", "Tools", {IMG: SCRIPT, "nested": {SVG: [IMG, SCRIPT]}}),
        ],
    )
    demo.create_chat(USER, SCRIPT)
    page = open_page(demo.admin_key)

    expect(page.get_by_role("link", name=IMG, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=SCRIPT, exact=True)).to_be_visible()
    assert_nothing_ran(page)

    page.get_by_role("link", name=USER, exact=True).first.click()
    expect(page.get_by_label("User id")).to_have_value(USER)
    assert listed_titles(page) == [SCRIPT, IMG]
    assert_nothing_ran(page)

    page.get_by_role("link", name=IMG, exact=True).click()
    expect(page).to_have_url(f"{demo.url}/sessions/{img_chat}")
    expect(page.get_by_role("heading", name=IMG)).to_be_visible()
    expect(page.get_by_text(f"{SCRIPT} and {IMG}", exact=True)).to_be_visible()
    expect(page.get_by_text(SVG, exact=True).first).to_be_visible()
    cards = page.locator(".chunk")
    expect(cards.nth(0)).to_contain_text(IMG)
    expect(cards.nth(0)).to_contain_text(SCRIPT)
    expect(cards.nth(1)).to_contain_text(SVG)
    expect(page.locator("a[href^='javascript' i]")).to_have_count(0)
    expect(page.locator(".feedback")).to_contain_text(IMG)
    details = page.locator("article.message").nth(3).locator("details")
    details.locator("summary").click()
    for text in (IMG, SCRIPT, SVG):  # as JSON strings
        expect(details.locator("pre")).to_contain_text(json.dumps(text))
    expect(page.get_by_label("Title")).to_have_value(IMG)
    assert_nothing_ran(page)

    page.goto("/users")
    expect(page.get_by_role("link", name=USER, exact=True)).to_be_visible()
    assert_nothing_ran(page)


def test_markup_in_the_address_is_shown_as_text(open_page, demo):
    page = open_page(demo.admin_key)
    page.watched.allow(r"status of 404")
    page.goto(f"/?q={quote(SCRIPT)}&user_id={quote(SVG)}")
    expect(page.get_by_label("Title contains")).to_have_value(SCRIPT)
    expect(page.get_by_label("User id")).to_have_value(SVG)
    assert_nothing_ran(page)
    assert page.goto(f"/sessions/{quote(IMG)}").status == 404
    assert_nothing_ran(page)
