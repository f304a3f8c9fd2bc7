"""Changing chats from the review UI, what a read-only key may do, and tenant isolation."""

import re

from playwright.sync_api import expect

from tests.support.browser import flash, listed_titles, row

CONTROLS = ("Rename", "Favorite", "Unfavorite", "Delete")


def post_from_page(page, action, fields):
    """What the server answers a form post crafted by script in the page (no redirects)."""
    return page.evaluate(
        """async ([action, fields]) => {
            const response = await fetch(action, {
                method: "POST", body: new URLSearchParams(fields), redirect: "manual"});
            return response.status;
        }""",
        [action, fields],
    )


def test_renaming_a_chat(open_page, demo):
    chat = demo.create_chat("e2e-rename", "Question about gift cards")
    page = open_page(demo.admin_key)
    page.get_by_role("link", name="Question about gift cards").click()
    expect(page.get_by_label("Title")).to_have_value("Question about gift cards")
    page.watched.allow(r"status of 422")
    page.get_by_label("Title").fill("   ")
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_text("Enter a title.")).to_be_visible()
    assert demo.session(chat)[1]["title"] == "Question about gift cards"

    page.get_by_label("Title").fill("Gift card balance after a return")
    page.get_by_role("button", name="Rename").click()
    expect(flash(page)).to_have_text("Renamed.")
    expect(page.get_by_role("heading", name="Gift card balance after a return")).to_be_visible()
    assert demo.session(chat)[1]["title"] == "Gift card balance after a return"
    page.locator("header").get_by_role("navigation").get_by_role("link", name="Chats").click()
    expect(page).to_have_url(f"{demo.url}/")
    titles = listed_titles(page)
    assert "Gift card balance after a return" in titles
    assert "Question about gift cards" not in titles


def test_favoriting_and_unfavoriting_a_chat(open_page, demo):
    title = "Sizing advice for ski boots"
    chat = demo.create_chat("e2e-favorite", title)
    page = open_page(demo.admin_key, f"/sessions/{chat}")
    page.get_by_role("button", name="Favorite", exact=True).click()
    expect(flash(page)).to_have_text("Added to favorites.")
    expect(page.get_by_role("button", name="Unfavorite")).to_be_visible()
    assert demo.session(chat)[1]["is_favorite"] is True

    page.goto("/")
    expect(row(page, title).get_by_role("img", name="Favorite")).to_have_text("★")
    page.get_by_label("Favorites only").check()
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"favorites=1"))
    favorites = listed_titles(page)
    assert title in favorites
    assert "Return window for sale items" in favorites
    assert "Warranty on hiking boots" not in favorites

    # Taken off again from its row in the list, which stays in view.
    row(page, title).get_by_role("button", name="Unfavorite").click()
    expect(flash(page)).to_have_text("Removed from favorites.")
    expect(page).to_have_url(re.compile(r"/\?(.*&)?favorites=1$"))  # the filtered list
    assert title not in listed_titles(page)
    assert "Return window for sale items" in listed_titles(page)
    assert demo.session(chat)[1]["is_favorite"] is False
    page.goto(f"/sessions/{chat}")
    expect(page.get_by_role("button", name="Favorite", exact=True)).to_be_visible()
    expect(page.get_by_role("img", name="Favorite")).to_have_count(0)


def test_deleting_a_chat_asks_first(open_page, demo):
    title = "Duplicate chat about shipping costs"
    chat = demo.create_chat("e2e-delete", title, [("user", "How much is shipping?", None)])
    page = open_page(demo.admin_key, f"/sessions/{chat}")

    page.get_by_role("link", name="Delete", exact=True).click()
    expect(page.get_by_role("heading", name=f"Delete “{title}”?")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(re.compile(rf"/sessions/{chat}$"))
    assert demo.session(chat)[0] == 200

    page.get_by_role("link", name="Delete", exact=True).click()
    page.get_by_role("button", name="Delete", exact=True).click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(demo.url)}/(\?.*)?$"))
    expect(flash(page)).to_have_text(f"Deleted “{title}”.")
    assert title not in listed_titles(page)
    assert demo.session(chat)[0] == 404


def test_a_read_only_key_sees_no_controls_and_cannot_post(open_page, demo):
    title = "Question about click and collect"
    chat = demo.create_chat("e2e-read-only", title, [("user", "Can I collect in Leipzig?", None)])

    # Where the UI's own forms post to, as a writer sees them.
    writer = open_page(demo.admin_key, f"/sessions/{chat}")
    rename_form = writer.locator("form").filter(has=writer.get_by_role("button", name="Rename"))
    favorite_form = writer.locator("form").filter(
        has=writer.get_by_role("button", name="Favorite", exact=True)
    )
    actions = [
        (rename_form.get_attribute("action"), {"title": "Renamed by a reader"}),
        (favorite_form.get_attribute("action"), {"favorite": "1"}),
    ]
    delete_page = writer.get_by_role("link", name="Delete", exact=True).get_attribute("href")
    writer.goto(delete_page)
    delete_form = writer.locator("form").filter(
        has=writer.get_by_role("button", name="Delete", exact=True)
    )
    actions.append((delete_form.get_attribute("action"), {}))

    reader = open_page(demo.reviewer_key)
    reader.watched.allow(r"status of 403")  # the refused posts below
    for path in ("/", f"/sessions/{chat}", "/users"):
        reader.goto(path)
        for name in CONTROLS:
            expect(reader.get_by_role("button", name=name, exact=True)).to_have_count(0)
            expect(reader.get_by_role("link", name=name, exact=True)).to_have_count(0)
        expect(reader.locator("input[name=title]")).to_have_count(0)

    assert reader.goto(delete_page).status == 403
    reader.goto(f"/sessions/{chat}")
    token = reader.locator("input[name=csrf_token]").first.get_attribute("value")
    for action, fields in actions:
        assert post_from_page(reader, action, {**fields, "csrf_token": token}) == 403, action
    status, session = demo.session(chat)
    assert (status, session["title"], session["is_favorite"]) == (200, title, False)


def test_another_tenants_chat_is_not_found(open_page, demo):
    page = open_page(demo.admin_key)
    page.watched.allow(r"status of 404")
    response = page.goto(f"/sessions/{demo.other_session}")
    assert response.status == 404
    expect(page.get_by_text("Acme onboarding checklist")).to_have_count(0)
    expect(page.get_by_text("onboarding checklist")).to_have_count(0)

    other = open_page(demo.other_key)
    assert not set(listed_titles(other)) & {"Refund for a damaged rain jacket"}
    other.goto(f"/sessions/{demo.other_session}")
    expect(other.get_by_role("heading", name="Acme onboarding checklist")).to_be_visible()
    other.watched.allow(r"status of 404")
    refund = demo.chats["Refund for a damaged rain jacket"]
    response = other.goto(f"/sessions/{refund}")
    assert response.status == 404
    expect(other.get_by_text("torn seam")).to_have_count(0)

    # The other tenant's own rename form, aimed at this tenant's chat.
    other.goto(f"/sessions/{demo.other_session}")
    action = other.locator("form").filter(has=other.get_by_role("button", name="Rename"))
    aimed = action.get_attribute("action").replace(demo.other_session, refund)
    token = other.locator("input[name=csrf_token]").first.get_attribute("value")
    assert post_from_page(other, aimed, {"title": "Taken over", "csrf_token": token}) == 404
    assert demo.session(refund)[1]["title"] == "Refund for a damaged rain jacket"
