"""The review UI's downloads: a chat as JSON or Markdown, a user's chats as NDJSON."""

import json
import uuid

import pytest

from tests.support.html import main, page, redirected_to


def download_links(response):
    return {
        node.text: node.attrs["href"]
        for node in main(response).all("a")
        if "download" in node.attrs
    }


@pytest.mark.parametrize("scopes", [("read",), ("read", "write")])
def test_a_chat_offers_its_downloads_to_every_reader(browser_for, issue_key, as_key, scopes):
    reader = browser_for("acme", scopes)
    writer = as_key(issue_key("acme"))
    chat = writer.post("/api/sessions", json={"user_id": "alice/ü"}).json
    writer.post(f"/api/sessions/{chat['id']}/messages", json={"sender": "user", "content": "hi"})

    offered = download_links(reader.get(f"/sessions/{chat['id']}"))

    assert offered == {
        "JSON": f"/sessions/{chat['id']}/export?format=json",
        "Markdown": f"/sessions/{chat['id']}/export?format=markdown",
        "all chats of this user": "/users/export?user_id=alice/%C3%BC",
    }
    as_json = reader.get(offered["JSON"])
    assert as_json.status_code == 200
    assert as_json.headers["Content-Disposition"] == f"attachment; filename=chat-{chat['id']}.json"
    assert as_json.json == writer.get(f"/api/sessions/{chat['id']}/export").json
    as_markdown = reader.get(offered["Markdown"])
    assert as_markdown.content_type == "text/markdown; charset=utf-8"
    assert "## #1 · User · " in as_markdown.get_data(as_text=True)
    everything = reader.get(offered["all chats of this user"])
    assert everything.mimetype == "application/x-ndjson"
    assert everything.headers["Content-Disposition"] == "attachment; filename=chats-alice_u.ndjson"
    assert [json.loads(line)["id"] for line in everything.get_data(as_text=True).splitlines()] == [
        chat["id"]
    ]


def test_the_users_page_exports_each_users_chats_of_this_tenant_only(
    browser, make_session, issue_key, as_key
):
    alices = {make_session("alice")["id"], make_session("alice")["id"]}
    make_session("bob")
    as_key(issue_key("acme")).post("/api/sessions", json={"user_id": "alice"})

    response = browser.get("/users")
    links = [node.attrs["href"] for node in main(response).all("a") if node.text == "Export chats"]

    assert sorted(links) == ["/users/export?user_id=alice", "/users/export?user_id=bob"]
    exported = browser.get("/users/export?user_id=alice").get_data(as_text=True)
    lines = [json.loads(line) for line in exported.splitlines()]
    assert {line["id"] for line in lines} == alices
    assert {(line["tenant"], line["user_id"]) for line in lines} == {("default", "alice")}


def test_downloads_need_a_sign_in(client, make_session):
    chat = make_session()
    for path in (f"/sessions/{chat['id']}/export?format=json", "/users/export?user_id=alice"):
        assert redirected_to(client.get(path)).startswith("/sign-in?next=")


def test_another_tenants_chat_cannot_be_downloaded(browser_for, make_session):
    chat = make_session()
    outsider = browser_for("acme", ("read",))

    for target in (chat["id"], uuid.uuid4()):
        response = outsider.get(f"/sessions/{target}/export?format=json")
        assert response.status_code == 404
        assert page(response).one("h1").text == "Not Found"
    assert outsider.get("/users/export?user_id=alice").get_data(as_text=True) == ""


@pytest.mark.parametrize(
    "path",
    ["/sessions/{id}/export?format=pdf", "/users/export", "/users/export?user_id=a%00b"],
)
def test_bad_download_requests_are_400_pages(browser, make_session, path):
    chat = make_session()

    response = browser.get(path.format(id=chat["id"]))

    assert response.status_code == 400
    assert response.content_type.startswith("text/html")
