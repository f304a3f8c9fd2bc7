"""The review UI's forms that change a chat (rename, favorite, delete), and what a key
without the write scope may not do."""

import pytest

from tests.support.html import buttons, flashes, labelled, links, main, page, redirected_to
from tests.support.web import messages, post, state


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
