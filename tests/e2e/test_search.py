"""Searching all chats from the header's box, and opening a result inside its chat."""

import re

from playwright.sync_api import expect

from tests.support.demo import LONG_CHAT


def test_the_header_search_finds_a_message_and_opens_it_in_its_chat(open_page, demo):
    page = open_page(demo.admin_key)
    box = page.get_by_role("searchbox", name="Search all chats")
    box.fill('"Run 40"')
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=%22Run\+40%22$"))
    results = page.get_by_role("list", name="Matches").get_by_role("listitem")
    expect(results).to_have_count(1)
    # (PostgreSQL marks each word of the phrase, SQLite the phrase as a whole.)
    assert " ".join(results.locator("mark").all_inner_texts()) == "Run 40"

    results.get_by_role("link", name=f"{LONG_CHAT[1]} · #80").click()
    expect(page).to_have_url(
        re.compile(rf"/sessions/{demo.chats[LONG_CHAT[1]]}\?page=2#message-80$")
    )
    target = page.locator("#message-80")
    expect(target).to_be_in_viewport()
    expect(target).to_contain_text("Run 40: the")


def test_titles_and_words_in_any_form_are_found_best_first(open_page, demo):
    page = open_page(demo.admin_key, "/search?q=warranties")
    results = page.get_by_role("list", name="Matches").get_by_role("listitem")
    expect(results.first).to_contain_text("Warranty on hiking boots")
    expect(results.first.locator("mark").first).to_have_text(re.compile("^[Ww]arranty$"))


def test_another_tenants_chats_are_not_searched(open_page, demo):
    page = open_page(demo.admin_key, "/search?q=onboarding+checklist")
    expect(page.get_by_text("Nothing matches these words.")).to_be_visible()
