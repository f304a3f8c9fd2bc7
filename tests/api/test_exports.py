"""Exports: one session as JSON or a Markdown transcript, many as streamed NDJSON."""

import json
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, update

from ragchat.chats import exports
from ragchat.extensions import db
from ragchat.models import ChatSession
from tests.support.samples import CONTEXT


@pytest.fixture
def rich_chat(api, make_session, add_message):
    """A favorite session with metadata, a rated answer with passages and a seq gap."""
    session = make_session("alice", title="Refund ✓", metadata={"channel": "web"})
    sid = session["id"]
    add_message(sid, "Can I get a refund?", metadata={"locale": "en"})
    answer = add_message(sid, "Yes, within 30 days.", sender="ai", context=CONTEXT)
    gone = add_message(sid, "oops")
    add_message(sid, "Thanks!\n```code```", sender="system")
    rated = {"rating": "down", "comment": "Too vague"}
    assert (
        api.put(f"/api/sessions/{sid}/messages/{answer['id']}/feedback", json=rated).status_code
        == 200
    )
    assert api.delete(f"/api/sessions/{sid}/messages/{gone['id']}").status_code == 204
    assert api.patch(f"/api/sessions/{sid}", json={"is_favorite": True}).status_code == 200
    return api.get(f"/api/sessions/{sid}").json, api.get(f"/api/sessions/{sid}/messages").json


def lines(response):
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


def moment(text):
    return datetime.fromisoformat(text)


def test_a_session_exports_as_json_as_stored(api, rich_chat):
    session, messages = rich_chat

    response = api.get(f"/api/sessions/{session['id']}/export")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=chat-{session['id']}.json"
    )
    exported = response.json
    assert "\u2028" not in response.get_data(as_text=True)  # escaped: one line for any reader
    assert exported["tenant"] == "default"
    assert (exported["last_seq"], exported["message_count"]) == (4, 3)
    for name in ("id", "user_id", "title", "is_favorite", "metadata", "message_count"):
        assert exported[name] == session[name], name
    for name in ("created_at", "updated_at"):
        assert moment(exported[name]) == moment(session[name])
    assert [m["seq"] for m in exported["messages"]] == [1, 2, 4]
    for mine, theirs in zip(exported["messages"], messages, strict=True):
        assert set(mine) == set(theirs) - {"session_id"}
        for name in ("id", "seq", "sender", "content", "context", "metadata"):
            assert mine[name] == theirs[name], name
        assert moment(mine["created_at"]) == moment(theirs["created_at"])
    feedback = exported["messages"][1]["feedback"]
    assert (feedback["rating"], feedback["comment"]) == ("down", "Too vague")
    assert moment(feedback["created_at"]) == moment(messages[1]["feedback"]["created_at"])


def test_a_session_exports_as_a_markdown_transcript(api, rich_chat):
    session, messages = rich_chat

    response = api.get(f"/api/sessions/{session['id']}/export?format=markdown")

    assert response.status_code == 200
    assert response.content_type == "text/markdown; charset=utf-8"
    assert response.headers["Content-Disposition"].endswith(f"chat-{session['id']}.md")
    text = response.get_data(as_text=True)
    assert text.startswith("# Refund ✓\n")
    assert "- User: alice" in text
    assert "- channel: web" in text
    assert "- Favorite: yes" in text
    created = moment(messages[0]["created_at"]).strftime("%Y-%m-%d %H:%M:%S")
    assert f"## #1 · User · {created} UTC\n\nCan I get a refund?" in text
    assert "## #2 · AI · " in text
    assert "## #4 · System · " in text
    assert "#3" not in text
    assert "**Rated unhelpful**: Too vague" in text
    assert "**Retrieved passages (2)**" in text
    assert "1. **refunds.md** · score 0.91" in text
    assert "   > Refunds within 30 days.\n   > No receipt." in text
    assert "2. **https://example.com/terms**" in text
    assert "   - page: 3" in text
    assert '"model": "gpt-4o-mini"' in text
    assert "- locale: en" in text


def test_keys_tool_messages_and_extra_export_as_stored(api, make_session, add_message):
    session = make_session("alice", title="Agent run", key="thread-7")
    calls = [{"name": "search_docs", "args": {"q": "refunds"}, "id": "call_1"}]
    add_message(session["id"], "Let me look.", sender="ai", extra={"tool_calls": calls})
    add_message(session["id"], "30 days.", sender="tool", extra={"name": "search_docs"})
    path = f"/api/sessions/{session['id']}/export"

    exported = api.get(path).json
    markdown = api.get(f"{path}?format=markdown").get_data(as_text=True)

    assert exported["key"] == "thread-7"
    assert [(m["sender"], m["extra"]) for m in exported["messages"]] == [
        ("ai", {"tool_calls": calls}),
        ("tool", {"name": "search_docs"}),
    ]
    assert '**Called `search_docs`**\n\n```json\n{\n  "q": "refunds"\n}\n```' in markdown
    assert "## #2 · Tool search_docs · " in markdown


def test_an_empty_session_exports_too(api, make_session):
    session = make_session()

    assert api.get(f"/api/sessions/{session['id']}/export").json["messages"] == []
    markdown = api.get(f"/api/sessions/{session['id']}/export?format=markdown")
    assert "_No messages in this chat._" in markdown.get_data(as_text=True)


@pytest.mark.parametrize("value", ["xml", "", "JSON", "markdown,json"])
def test_a_bad_format_is_a_problem(api, make_session, value):
    session = make_session()

    response = api.get(f"/api/sessions/{session['id']}/export?format={value}")

    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert "format" in response.json["errors"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("user_id=", "user_id"),
        ("updated_since=yesterday", "updated_since"),
        ("updated_since=2025-01-01T00:00:00", "updated_since"),  # no zone
        ("updated_since=0001-01-01T00:00:00%2B14:00", "updated_since"),  # before year 1 in UTC
    ],
)
def test_bad_export_filters_are_problems(api, query, field):
    response = api.get(f"/api/export?{query}")

    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert field in response.json["errors"]


def test_another_tenants_session_is_not_found(api, issue_key, as_key, make_session):
    session = make_session()
    other = as_key(issue_key("acme", ("read",)))

    for path in (session["id"], uuid.uuid4()):
        response = other.get(f"/api/sessions/{path}/export")
        assert response.status_code == 404
        assert response.content_type == "application/problem+json"


def test_the_tenant_export_has_one_line_per_session_of_that_tenant_only(
    api, issue_key, as_key, make_session, add_message
):
    mine = [make_session("alice"), make_session("bob"), make_session("alice")]
    add_message(mine[0]["id"], "hello")
    acme = as_key(issue_key("acme", ("read", "write")))
    theirs = acme.post("/api/sessions", json={"user_id": "alice"}).json

    response = api.get("/api/export")

    assert response.status_code == 200
    assert response.mimetype == "application/x-ndjson"
    assert response.headers["Content-Disposition"] == "attachment; filename=chats.ndjson"
    exported = lines(response)
    assert sorted(line["id"] for line in exported) == sorted(s["id"] for s in mine)
    assert {line["tenant"] for line in exported} == {"default"}
    assert [line["id"] for line in lines(acme.get("/api/export"))] == [theirs["id"]]

    alices = api.get("/api/export?user_id=alice")
    assert alices.headers["Content-Disposition"] == "attachment; filename=chats-alice.ndjson"
    assert sorted(line["id"] for line in lines(alices)) == sorted([mine[0]["id"], mine[2]["id"]])
    assert lines(api.get("/api/export?user_id=nobody")) == []


def test_updated_since_exports_the_recently_active_only(app, api, make_session):
    old, recent = make_session(), make_session()
    with app.app_context():
        long_ago = datetime.fromisoformat(old["updated_at"]) - timedelta(days=10)
        db.session.execute(
            update(ChatSession)
            .where(ChatSession.id == uuid.UUID(old["id"]))
            .values(updated_at=long_ago)
        )
        db.session.commit()
    since = (long_ago + timedelta(days=1)).isoformat()

    response = api.get("/api/export", query_string={"updated_since": since})

    assert [line["id"] for line in lines(response)] == [recent["id"]]


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(exports, "SESSION_BATCH", 2)
    monkeypatch.setattr(exports, "MESSAGE_BATCH", 3)


@pytest.fixture
def statements(app):
    """The SQL statements sent, as they are sent."""
    sent = []

    def record(conn, cursor, statement, *args):
        sent.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield sent
    event.remove(engine, "before_cursor_execute", record)


def test_long_and_short_sessions_export_whole_across_batches(
    api, make_session, small_batches, statements
):
    counts = [0, 1, 7, 2, 3, 4, 1]
    sessions = []
    for count in counts:
        session = make_session()
        if count:
            batch = [{"sender": "user", "content": f"m{i}"} for i in range(1, count + 1)]
            api.post(f"/api/sessions/{session['id']}/messages/batch", json={"messages": batch})
        sessions.append(session["id"])
    statements.clear()

    exported = {line["id"]: line for line in lines(api.get("/api/export"))}

    assert sorted(exported) == sorted(sessions)
    for session_id, count in zip(sessions, counts, strict=True):
        contents = [m["content"] for m in exported[session_id]["messages"]]
        assert contents == [f"m{i}" for i in range(1, count + 1)]
        assert exported[session_id]["message_count"] == count
    reads = [s for s in statements if "FROM chat_messages" in s]
    assert all(" LIMIT " in s or " IN (" in s for s in reads)
    assert len([s for s in statements if "FROM chat_sessions" in s]) >= len(sessions) // 2


def test_the_export_streams_line_by_line(api, make_session, add_message, statements, small_batches):
    for user in ("a", "b", "c", "d", "e"):
        session = make_session(user)
        for number in range(5):
            add_message(session["id"], f"{user}{number}")
    everything = api.get("/api/export").get_data(as_text=True)
    statements.clear()

    response = api.get("/api/export", buffered=False)
    assert response.is_streamed
    chunks = iter(response.response)
    first = next(chunks).decode()
    queries_for_the_first_chunk = len(statements)
    rest = b"".join(chunks).decode()
    response.close()

    assert first.startswith('{"tenant":"default"')
    assert queries_for_the_first_chunk < len(statements) / 3
    assert first + rest == everything
    assert len(everything.splitlines()) == 5


def test_the_exports_are_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").json["paths"]

    one = paths["/api/sessions/{session_id}/export"]["get"]
    assert set(one["responses"]["200"]["content"]) == {"application/json", "text/markdown"}
    assert "Content-Disposition" in one["responses"]["200"]["headers"]
    assert {"401", "403", "404", "422"} <= set(one["responses"])
    assert [p["name"] for p in one["parameters"] if p["in"] == "query"] == ["format"]
    many = paths["/api/export"]["get"]
    assert set(many["responses"]["200"]["content"]) == {"application/x-ndjson"}
    names = {p["name"] for p in many["parameters"] if p["in"] == "query"}
    assert names == {"user_id", "updated_since"}
