"""GET /api/search: full-text search over message content and session titles."""

import pytest
from flask_migrate import upgrade

from ragchat.extensions import db
from tests.support.database import API_KEY, build_app, fresh_database

FILLER = [
    "The weather was pleasant all week.",
    "Our office is closed on public holidays.",
    "Invoices are sent at the start of each month.",
    "Support is available in English and German.",
    "The mobile app works offline for reading.",
    "Passwords must have twelve characters or more.",
]


@pytest.fixture
def find(api):
    def find(q, expect=200, **args):
        response = api.get("/api/search", query_string={"q": q, **args})
        assert response.status_code == expect, response.json
        return response.json if expect == 200 else response

    return find


@pytest.fixture
def chat(make_session, add_message):
    """A session with the given messages (and some unrelated ones, so words are rare)."""

    def chat(*contents, user_id="alice", title="Questions", sender="user", filler=True):
        session = make_session(user_id, title=title)
        for content in (*contents, *(FILLER if filler else ())):
            add_message(session["id"], content, sender=sender)
        return session

    return chat


def seqs(hits):
    return [hit["seq"] for hit in hits]


def test_finds_messages_by_their_words_with_session_title_seq_and_snippet(chat, find):
    session = chat("How long do refunds take?", "Shipping is free over fifty euros.")
    [hit] = find("shipping")
    assert hit["match"] == "message"
    assert hit["session_id"] == session["id"]
    assert hit["session_title"] == "Questions"
    assert hit["user_id"] == "alice"
    assert hit["seq"] == 2
    assert hit["sender"] == "user"
    assert "<mark>Shipping</mark> is free" in hit["snippet"]
    assert isinstance(hit["rank"], float)


def test_words_match_by_their_stem(chat, find):
    chat("The refund was issued yesterday.")
    assert seqs(find("refunds")) == [1]
    assert seqs(find("issuing refunds")) == [1]


def test_the_last_word_matches_as_a_prefix_and_only_the_last(chat, find):
    chat("Reset your password from the settings page.")
    assert seqs(find("settings passw")) == [1]
    assert find("passw settings") == []


def test_quoted_words_must_appear_together_in_order(chat, find):
    chat("Refunds arrive within five working days.", "Working on it: five days, maybe more.")
    assert seqs(find('"five working days"')) == [1]
    assert sorted(seqs(find("five working days"))) == [1, 2]


def test_or_offers_alternatives_and_minus_excludes(chat, find):
    chat(
        "Refunds go to the original card.",
        "Shipping takes three days.",
        "Refunds of shipping costs.",
    )
    assert sorted(seqs(find("card OR three"))) == [1, 2]
    assert sorted(seqs(find("refunds -shipping"))) == [1]
    assert sorted(seqs(find('shipping -"three days"'))) == [3]


def test_better_matches_rank_first(chat, find):
    chat(
        "Refunds are handled by the billing team.",
        "Refunds for shipping damage: the billing team refunds the shipping too.",
        "Shipping labels are printed at the warehouse.",
    )
    hits = find("refunds OR shipping")
    assert seqs(hits)[0] == 2
    assert [hit["rank"] for hit in hits] == sorted((hit["rank"] for hit in hits), reverse=True)


def test_session_titles_are_found_as_title_matches(chat, find):
    session = chat("Something else entirely.", title="Warranty claim for a laptop")
    [hit] = find("warranty")
    assert hit["match"] == "title"
    assert hit["session_id"] == session["id"]
    assert (hit["seq"], hit["message_id"], hit["sender"]) == (None, None, None)
    assert hit["snippet"] == "<mark>Warranty</mark> claim for a laptop"


def test_filters_narrow_by_user_session_sender_and_time(api, chat, find, add_message):
    mine = chat("Where is my parcel?", user_id="alice", filler=False)
    theirs = chat("Where is the parcel locker?", user_id="bob", filler=False)
    add_message(mine["id"], "Your parcel left the depot.", sender="ai")
    assert len(find("parcel")) == 3
    assert {hit["user_id"] for hit in find("parcel", user_id="bob")} == {"bob"}
    assert {hit["session_id"] for hit in find("parcel", session_id=theirs["id"])} == {theirs["id"]}
    assert [(hit["sender"], hit["seq"]) for hit in find("parcel", sender="assistant")] == [
        ("ai", 2)
    ]
    sent = find("depot")[0]["created_at"]
    assert find("depot", since=sent) and find("depot", until=sent) == []
    assert find("depot", since="2000-01-01T00:00:00", until="2000-01-02T00:00:00") == []


def test_another_tenants_chats_are_never_found(chat, find, as_key, issue_key):
    chat("The secret launch date is in March.")
    other = as_key(issue_key("acme"))
    session = other.post("/api/sessions", json={"user_id": "eve", "title": "secret plans"}).json
    other.post(
        f"/api/sessions/{session['id']}/messages", json={"sender": "user", "content": "secret"}
    )
    assert [hit["user_id"] for hit in find("secret")] == ["alice"]
    theirs = other.get("/api/search", query_string={"q": "secret"}).json
    assert {hit["user_id"] for hit in theirs} == {"eve"}
    assert len(theirs) == 2  # the message and the title


def test_pages_follow_the_cursor_through_every_hit_once(api, chat, find):
    chat(*(f"Order number {n} has shipped." for n in range(1, 13)), filler=False)
    response = api.get("/api/search", query_string={"q": "shipped", "limit": 5})
    found = []
    while True:
        assert response.status_code == 200
        found += seqs(response.json)
        if "Link" not in response.headers:
            assert response.headers["X-Pagination"] == '{"has_more": false}'
            break
        next_url = response.headers["Link"].split(">")[0].lstrip("<")
        response = api.get(next_url)
    assert sorted(found) == list(range(1, 13))


def test_edits_and_deletions_reach_the_index(api, chat, find):
    session = chat("The courier lost the parcel.", title="Lost parcel")
    message = find("courier")[0]
    api.delete(f"/api/sessions/{session['id']}/messages/{message['message_id']}")
    assert find("courier") == []
    api.patch(f"/api/sessions/{session['id']}", json={"title": "Damaged box"})
    assert [hit["match"] for hit in find("parcel")] == []
    assert [hit["match"] for hit in find("damaged")] == ["title"]
    api.delete(f"/api/sessions/{session['id']}")
    assert find("damaged") == []


def test_snippets_escape_the_text_and_mark_only_the_match(chat, find):
    chat('Click <script>alert("x")</script> to get a refund & more.', filler=False)
    [hit] = find("refund")
    assert "<script>" not in hit["snippet"]
    assert "<mark>refund</mark>" in hit["snippet"]
    assert hit["snippet"].count("<mark>") == hit["snippet"].count("</mark>") == 1


@pytest.mark.parametrize(
    "q",
    [
        "'; DROP TABLE chat_messages; --",
        "refund & !card | (x",
        '"unterminated refund',
        "refund:* OR content:refund",
        "NEAR(refund card) AND NOT",
        "refund\\",
        "*",
        ")(",
        "' OR 1=1 --",
        "refund -",
        "\uff52\uff45\uff46\uff55\uff4e\uff44",  # "refund" in full-width letters
        "refund " * 40,
    ],
)
def test_queries_that_look_like_syntax_are_just_words(chat, find, api, q):
    session = chat("Refund to the card.", filler=False)
    response = api.get("/api/search", query_string={"q": q})
    assert response.status_code in (200, 422), response.json
    if response.status_code == 422:
        assert response.content_type == "application/problem+json"
    assert api.get(f"/api/sessions/{session['id']}").json["message_count"] == 1


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"q": ""}, "q"),
        ({"q": "-refund"}, "q"),
        ({"q": "!!! ???"}, "q"),
        ({"q": "x" * 501}, "q"),
        ({"q": " ".join(f"w{n}" for n in range(40))}, "q"),
        ({"q": "refund", "sender": "robot"}, "sender"),
        ({"q": "refund", "since": "yesterday"}, "since"),
        ({"q": "refund", "since": "0001-01-01T00:00:00+14:00"}, "since"),
        ({"q": "refund", "until": "9999-12-31T23:59:59-14:00"}, "until"),
        (
            {"q": "refund", "since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
            "until",
        ),
        ({"q": "refund", "cursor": "not-a-cursor"}, "cursor"),
        ({"q": "refund", "limit": 0}, "limit"),
        ({"q": "refund", "session_id": "nope"}, "session_id"),
    ],
)
def test_bad_searches_are_a_422_naming_the_argument(api, args, field):
    response = api.get("/api/search", query_string=args)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert field in str(response.json["errors"])


def test_search_needs_a_key_and_read_scope_is_enough(client, as_key, issue_key):
    assert client.get("/api/search?q=refund").status_code == 401
    assert (
        as_key(issue_key("default", scopes=("read",))).get("/api/search?q=refund").status_code
        == 200
    )


def test_a_reindex_applies_a_new_search_language(tmp_path):
    """Stemming follows SEARCH_LANGUAGE once `flask ragchat reindex` rebuilt the index: with
    `simple` words match only as written."""
    with fresh_database(tmp_path) as url:
        english = build_app(url)
        with english.app_context():
            upgrade()
        api = english.test_client()
        api.environ_base["HTTP_X_API_KEY"] = API_KEY
        session = api.post("/api/sessions", json={"user_id": "u"}).json
        api.post(
            f"/api/sessions/{session['id']}/messages", json={"sender": "ai", "content": "refunds"}
        )
        assert len(api.get('/api/search?q="refund"').json) == 1

        simple = build_app(url, SEARCH_LANGUAGE="simple")
        result = simple.test_cli_runner().invoke(args=["ragchat", "reindex"])
        assert result.exit_code == 0, result.output
        assert "in 'simple'" in result.output
        api = simple.test_client()
        api.environ_base["HTTP_X_API_KEY"] = API_KEY
        assert api.get('/api/search?q="refund"').json == []
        assert len(api.get('/api/search?q="refunds"').json) == 1
        for app in (english, simple):
            with app.app_context():
                db.engine.dispose()
