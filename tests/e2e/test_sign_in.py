"""Signing in and out of the review UI, with and without JavaScript."""

import base64
import re
import zlib
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from tests.support.browser import flash, sign_in


def assert_asked_to_sign_in(page, demo, then):
    """On the sign-in page, which will lead to `then` afterwards."""
    expect(page).to_have_url(re.compile(rf"^{re.escape(demo.url)}/sign-in\?"))
    address = urlsplit(page.url)
    assert parse_qs(address.query) == {"next": [then]}
    expect(page.get_by_label("API key")).to_be_visible()


def cookie_payload(value):
    """What a signed Flask session cookie says (its first part; zlib-compressed after a
    leading dot)."""
    compressed = value.startswith(".")
    payload = value.lstrip(".").split(".")[0]
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return zlib.decompress(data) if compressed else data


def test_an_invalid_key_is_refused_and_a_valid_one_signs_in(open_page, demo):
    page = open_page()
    page.watched.allow(r"status of 401")  # the refused sign-in's own answer
    page.goto("/")
    assert_asked_to_sign_in(page, demo, "/")

    wrong = "rck_this-key-was-never-issued-0000000000000000"
    page.get_by_label("API key").fill(wrong)
    with page.expect_navigation() as refused:
        page.get_by_role("button", name="Sign in").click()
    assert refused.value.status == 401
    expect(page.get_by_text("That key is not valid.")).to_be_visible()
    assert wrong not in page.content()  # a wrong key is not echoed back into the page
    expect(page.get_by_label("API key")).to_have_attribute("type", "password")

    page.get_by_label("API key").fill(demo.admin_key)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{demo.url}/")
    nav = page.locator("header").get_by_role("navigation")
    for name in ("Chats", "Users", "API docs"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Refund for a damaged rain jacket")).to_be_visible()

    (cookie,) = page.context.cookies()
    assert (cookie["httpOnly"], cookie["sameSite"]) == (True, "Lax")
    assert demo.admin_key.encode() not in cookie_payload(cookie["value"])


def test_signing_in_returns_to_the_page_asked_for(open_page, demo):
    chat = demo.chats["Warranty on hiking boots"]
    page = open_page()
    page.goto(f"/sessions/{chat}")
    assert_asked_to_sign_in(page, demo, f"/sessions/{chat}")
    page.get_by_label("API key").fill(demo.admin_key)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{demo.url}/sessions/{chat}")
    expect(page.get_by_text("Trailmaster boots have a two-year warranty")).to_be_visible()


def test_signing_in_never_leads_to_another_site(open_page, demo):
    page = open_page()
    for target in ("//example.org/account", "https://example.org/account", "/\\example.org"):
        sign_in(page, demo.admin_key, next_path=target)
        assert page.url.startswith(f"{demo.url}/"), (target, page.url)
        page.context.clear_cookies()


def test_signing_out_ends_the_session(open_page, demo):
    page = open_page(demo.admin_key)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(demo.url)}/sign-in(\?.*)?$"))
    expect(flash(page)).to_have_text("Signed out.")
    page.go_back()  # the list is not kept for the Back button
    assert_asked_to_sign_in(page, demo, "/")
    page.goto("/users?page=1")
    assert_asked_to_sign_in(page, demo, "/users?page=1")


def test_signing_in_and_renaming_work_without_javascript(open_page, demo):
    chat = demo.create_chat("e2e-no-js", "Question about store opening hours")
    page = open_page(javascript=False)
    page.goto("/")
    assert_asked_to_sign_in(page, demo, "/")
    sign_in(page, demo.admin_key)
    expect(page).to_have_url(f"{demo.url}/")
    expect(page.get_by_role("link", name="Question about store opening hours")).to_be_visible()

    page.goto(f"/sessions/{chat}")
    page.get_by_label("Title").fill("Opening hours on public holidays")
    page.get_by_role("button", name="Rename").click()
    expect(flash(page)).to_have_text("Renamed.")
    expect(page.get_by_role("heading", name="Opening hours on public holidays")).to_be_visible()
    assert demo.session(chat)[1]["title"] == "Opening hours on public holidays"
