"""Keyset paging: messages by seq in either direction, sessions by an opaque cursor."""

import json
from urllib.parse import parse_qs, urlparse

import pytest


@pytest.fixture
def chat(make_session, api):
    session = make_session()
    batch = [{"sender": "user", "content": f"m{n}"} for n in range(1, 46)]
    api.post(f"/api/sessions/{session['id']}/messages/batch", json={"messages": batch})
    return session["id"]


def next_link(response):
    link = response.headers.get("Link", "")
    return link[1 : link.index(">")] if 'rel="next"' in link else None


def walk(api, url):
    pages, seen = 0, []
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.json
        seen += response.json
        pages += 1
        url = next_link(response)
    return pages, seen


def test_messages_after_a_seq(api, chat):
    response = api.get(f"/api/sessions/{chat}/messages?after=40&limit=3")
    assert [m["seq"] for m in response.json] == [41, 42, 43]
    assert json.loads(response.headers["X-Pagination"]) == {"has_more": True}
    assert parse_qs(urlparse(next_link(response)).query)["after"] == ["43"]


def test_messages_before_a_seq_newest_first(api, chat):
    response = api.get(f"/api/sessions/{chat}/messages?order=desc&before=10&limit=4")
    assert [m["seq"] for m in response.json] == [9, 8, 7, 6]
    assert parse_qs(urlparse(next_link(response)).query)["before"] == ["6"]


def test_the_latest_messages(api, chat):
    response = api.get(f"/api/sessions/{chat}/messages?order=desc&limit=2")
    assert [m["seq"] for m in response.json] == [45, 44]


def test_between_two_seqs(api, chat):
    response = api.get(f"/api/sessions/{chat}/messages?after=10&before=14")
    assert [m["seq"] for m in response.json] == [11, 12, 13]
    assert "Link" not in response.headers


@pytest.mark.parametrize(("order", "expected"), [("asc", range(1, 46)), ("desc", range(45, 0, -1))])
def test_following_next_walks_every_message_once(api, chat, order, expected):
    pages, seen = walk(api, f"/api/sessions/{chat}/messages?order={order}&limit=10")
    assert [m["seq"] for m in seen] == list(expected)
    assert pages == 5


def test_the_last_page_says_there_is_no_more(api, chat):
    response = api.get(f"/api/sessions/{chat}/messages?after=40&limit=5")
    assert len(response.json) == 5
    assert json.loads(response.headers["X-Pagination"]) == {"has_more": False}
    assert "Link" not in response.headers


def test_numbered_pages_still_work(api, chat):
    response = api.get(f"/api/sessions/{chat}/messages?page=2&size=20")
    assert [m["seq"] for m in response.json] == list(range(21, 41))
    assert json.loads(response.headers["X-Pagination"])["total"] == 45


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=101", "after=-1", "before=0", "order=up", "after=x"]
)
def test_bad_keyset_arguments_are_422(api, chat, query):
    response = api.get(f"/api/sessions/{chat}/messages?{query}")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_sessions_by_cursor_walk_every_session_once(api, make_session, add_message):
    made = [make_session(title=f"s{n}")["id"] for n in range(7)]
    add_message(made[2])  # activity reorders; the walk must still see each exactly once

    pages, seen = walk(api, "/api/sessions?user_id=alice&limit=3")

    assert pages == 3
    assert sorted(s["id"] for s in seen) == sorted(made)
    assert seen[0]["id"] == made[2]
    activity = [(s["updated_at"], s["id"]) for s in seen]
    assert activity == sorted(activity, reverse=True)


def test_session_cursor_keeps_the_filters(api, make_session):
    for n in range(5):
        session = make_session(title=f"s{n}")
        if n % 2 == 0:
            api.patch(f"/api/sessions/{session['id']}", json={"is_favorite": True})
    _, seen = walk(api, "/api/sessions?user_id=alice&is_favorite=true&limit=1")
    assert sorted(s["title"] for s in seen) == ["s0", "s2", "s4"]


@pytest.mark.parametrize(
    "cursor", ["garbage", "eyJ4IjoxfQ", "WyJub3QgYSB0aW1lIiwgIngiXQ", "", "%00"]
)
def test_a_cursor_we_did_not_give_out_is_422(api, make_session, cursor):
    make_session()
    response = api.get(f"/api/sessions?user_id=alice&cursor={cursor}&limit=2")
    if cursor == "":
        assert response.status_code == 200  # empty: from the start
        return
    assert response.status_code == 422
    assert "cursor" in response.json["errors"]
