"""Reading chats in the review UI: the sessions list and its filters, the users, a chat with
its RAG context, and paging."""

import re

from playwright.sync_api import expect

from tests.support.browser import listed_titles, row
from tests.support.demo import DEMO_CHATS, LONG_CHAT, LONG_CHAT_LENGTH

DEMO_TITLES = [LONG_CHAT[1]] + [title for _, title, _, _ in DEMO_CHATS]  # in seeding order


def seq(number):
    """A message's "#seq" (#1 and not #12)."""
    return re.compile(rf"#{number}(?!\d)")


def count_cell(row, number):
    """The row's cell that holds a count ("5", or "5 messages")."""
    return row.get_by_role("cell", name=re.compile(rf"^{number}(\s+[a-z]+)?$"))


def test_the_list_shows_chats_most_recently_active_first(open_page, demo):
    page = open_page(demo.admin_key)
    titles = [title for title in listed_titles(page) if title in DEMO_TITLES]
    assert titles == DEMO_TITLES[::-1]

    refund = row(page, "Refund for a damaged rain jacket")
    expect(refund.get_by_role("link", name="maria.lopez")).to_have_attribute(
        "href", re.compile(r"/\?user_id=maria\.lopez$")
    )
    expect(count_cell(refund, 5)).to_have_count(1)  # messages
    expect(refund.get_by_role("img", name="Favorite")).to_have_count(0)
    expect(
        row(page, "Return window for sale items").get_by_role("img", name="Favorite")
    ).to_have_text("★")
    long_chat = row(page, LONG_CHAT[1])
    expect(count_cell(long_chat, LONG_CHAT_LENGTH)).to_have_count(1)
    href = page.get_by_role("link", name="Warranty on hiking boots").get_attribute("href")
    assert href.endswith(f"/sessions/{demo.chats['Warranty on hiking boots']}")


def test_filters_by_user_title_and_favorites(open_page, demo):
    page = open_page(demo.admin_key)
    row(page, "Refund for a damaged rain jacket").get_by_role("link", name="maria.lopez").click()
    expect(page).to_have_url(re.compile(r"/\?user_id=maria\.lopez$"))
    assert listed_titles(page) == ["Warranty on hiking boots", "Refund for a damaged rain jacket"]
    expect(page.get_by_label("User id")).to_have_value("maria.lopez")

    page.get_by_label("User id").fill("")
    page.get_by_label("Title contains").fill("DELIVERY")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"q=DELIVERY"))
    assert listed_titles(page) == ["Change delivery address after ordering"]

    page.get_by_label("Title contains").fill("")
    page.get_by_label("Favorites only").check()
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"favorites="))
    favorites = listed_titles(page)
    assert "Return window for sale items" in favorites
    assert not set(favorites) & (set(DEMO_TITLES) - {"Return window for sale items"})
    for title in favorites:
        expect(row(page, title).get_by_role("img", name="Favorite")).to_have_text("★")

    page.get_by_label("Favorites only").uncheck()
    page.get_by_label("Rating").select_option("down")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"rating=down"))
    assert [title for title in listed_titles(page) if title in DEMO_TITLES] == [
        "Loyalty points not credited"
    ]

    page.get_by_label("Rating").select_option("")
    page.get_by_label("Title contains").fill("no chat is called this")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No chats match these filters.")).to_be_visible()
    assert listed_titles(page) == []


def test_the_list_pages_by_twenty(open_page, demo):
    """In the other tenant, whose list holds only its own chats."""
    titles = [f"Shelf label request {number:02d}" for number in range(1, 24)]
    for title in titles:
        demo.create_chat("acme-store-12", title, key=demo.other_key)
    newest_first = [*titles[::-1], "Acme onboarding checklist"]

    page = open_page(demo.other_key)
    assert listed_titles(page) == newest_first[:20]
    expect(page.get_by_role("link", name="Previous")).to_have_count(0)
    page.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    assert listed_titles(page) == newest_first[20:]
    expect(page.get_by_role("link", name="Next")).to_have_count(0)
    page.get_by_role("link", name="Previous").click()
    expect(page).to_have_url(re.compile(r"page=1"))
    assert listed_titles(page) == newest_first[:20]


def test_an_empty_tenant_says_so(open_page, demo):
    page = open_page(demo.empty_key)
    assert listed_titles(page) == []
    expect(page.get_by_text("No chats yet.")).to_be_visible()


def test_the_users_view_counts_sessions_and_links_to_them(open_page, demo):
    page = open_page(demo.admin_key)
    page.locator("header").get_by_role("navigation").get_by_role("link", name="Users").click()
    expect(page).to_have_url(f"{demo.url}/users")
    table = page.get_by_role("table")
    maria = table.get_by_role("row").filter(has=page.get_by_role("link", name="maria.lopez"))
    expect(count_cell(maria, 2)).to_have_count(1)
    oncall = table.get_by_role("row").filter(has=page.get_by_role("link", name="ops-oncall"))
    expect(count_cell(oncall, 1)).to_have_count(1)
    expect(table).not_to_contain_text("acme-intern-7")  # another tenant's user
    maria.get_by_role("link", name="maria.lopez").click()
    expect(page).to_have_url(re.compile(r"/\?user_id=maria\.lopez$"))
    assert listed_titles(page) == ["Warranty on hiking boots", "Refund for a damaged rain jacket"]


def test_a_chat_shows_messages_and_rag_context_cards(open_page, demo):
    page = open_page(demo.admin_key)
    page.get_by_role("link", name="Refund for a damaged rain jacket").click()
    chat = demo.chats["Refund for a damaged rain jacket"]
    expect(page).to_have_url(f"{demo.url}/sessions/{chat}")
    expect(page.get_by_role("heading", name="Refund for a damaged rain jacket")).to_be_visible()

    messages = page.locator("article.message")
    expect(messages).to_have_count(5)
    kinds = ["system", "user", "ai", "user", "ai"]
    for index, kind in enumerate(kinds):
        expect(messages.nth(index)).to_have_class(re.compile(rf"\bmessage-{kind}\b"))
        expect(messages.nth(index)).to_contain_text(seq(index + 1))
    expect(messages.nth(1)).to_contain_text("torn seam on the left sleeve")

    cards = messages.nth(2).locator(".chunk")
    expect(cards).to_have_count(3)
    expect(cards.nth(0)).to_contain_text("policies/refunds.md#damaged-items")
    expect(cards.nth(0)).to_contain_text("0.91")
    expect(cards.nth(0)).to_contain_text("Items that arrive damaged or defective")
    expect(cards.nth(2)).to_contain_text("help-center/returns/photo-evidence.html")
    expect(cards.nth(2)).to_contain_text("0.72")
    for card in cards.all():
        expect(card).to_be_visible()
    expect(messages.nth(1).locator(".chunk")).to_have_count(0)  # the user's own message
    rest = messages.nth(2).locator("details")  # what is not on a card
    expect(rest.locator("summary")).to_have_text("Context")
    rest.locator("summary").click()
    expect(rest.locator("pre")).to_contain_text('"model": "gpt-4o-mini"')
    expect(rest.locator("pre")).to_contain_text('"retrieval_ms": 42')
    expect(rest.locator("pre")).not_to_contain_text("Items that arrive damaged")
    expect(messages.nth(2).locator(".feedback")).to_contain_text("Rated helpful")
    expect(messages.nth(2).locator(".feedback")).to_contain_text("Quick and clear!")
    expect(messages.locator(".feedback")).to_have_count(1)


def test_a_rating_shows_on_its_answer(open_page, demo):
    page = open_page(demo.admin_key, f"/sessions/{demo.chats['Loyalty points not credited']}")
    answer = page.locator("article.message").nth(2)
    expect(answer).to_contain_text(seq(3))
    expect(answer.locator(".feedback")).to_contain_text(
        "Rated unhelpful: The app says points are added on delivery, not after 30 days."
    )


def test_langchain_documents_are_cards_too(open_page, demo):
    page = open_page(
        demo.admin_key, f"/sessions/{demo.chats['Change delivery address after ordering']}"
    )
    cards = page.locator("article.message-ai .chunk")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_contain_text("kb/shipping/address-changes.pdf")
    expect(cards.nth(0)).to_contain_text("can be changed from the order page until")
    expect(cards.nth(1)).to_contain_text("kb/shipping/carriers.pdf")
    expect(cards.nth(1)).to_contain_text("redirected by the carrier")


def test_other_context_is_json_that_folds_open(open_page, demo):
    page = open_page(demo.admin_key, f"/sessions/{demo.chats['Invoice with company VAT number']}")
    answer = page.locator("article.message-ai")
    details = answer.locator("details")
    expect(details.locator("summary")).to_have_text("Context")
    json_text = details.locator("pre")
    expect(json_text).to_be_hidden()
    details.locator("summary").click()
    expect(json_text).to_be_visible()
    expect(json_text).to_contain_text('"reissue_invoice"')
    expect(json_text).to_contain_text('"vat_id": "DE293114857"')
    expect(answer.locator(".chunk")).to_have_count(0)


def test_a_long_chat_pages_by_fifty(open_page, demo):
    page = open_page(demo.admin_key, f"/sessions/{demo.chats[LONG_CHAT[1]]}")
    seen = []
    for expected in (range(1, 51), range(51, 101), range(101, 121)):
        messages = page.locator("article.message")
        expect(messages).to_have_count(len(expected))
        expect(messages.first).to_contain_text(seq(expected[0]))
        expect(messages.last).to_contain_text(seq(expected[-1]))
        seen.extend(expected)
        later = page.get_by_role("link", name="Later")
        if expected[-1] == LONG_CHAT_LENGTH:
            expect(later).to_have_count(0)
        else:
            later.click()
    assert seen == list(range(1, LONG_CHAT_LENGTH + 1))
    expect(page.locator("article.message").last).to_contain_text("All eight warehouses are green")

    page.get_by_role("link", name="Earlier").click()
    expect(page.locator("article.message").first).to_contain_text(seq(51))
    page.get_by_role("link", name="Earlier").click()
    expect(page.locator("article.message").first).to_contain_text(seq(1))
    expect(page.get_by_role("link", name="Earlier")).to_have_count(0)
