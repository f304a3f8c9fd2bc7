"""`flask ragchat export` and `flask ragchat import`: an exact round trip, safe to re-run,
every line checked as the API checks it."""

import json
import uuid

import pytest
from flask_migrate import upgrade
from sqlalchemy import event, func, select

from ragchat.chats import imports
from ragchat.commands import chats as chats_commands
from ragchat.extensions import db
from ragchat.models import ChatMessage, ChatSession
from tests.support.database import build_app, fresh_database
from tests.support.samples import CONTEXT


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def chats(api, make_session, add_message, issue_key, as_key):
    """Chats in two tenants: metadata, a favorite, feedback, a seq gap, an empty session,
    and a conversation with a key, tool calls and a tool message."""
    first = make_session("alice", title="Refund", metadata={"channel": "web"})
    add_message(first["id"], "Can I get a refund?", metadata={"locale": "de"})
    answer = add_message(first["id"], "Yes.", sender="ai", context=CONTEXT)
    gone = add_message(first["id"], "typo")
    add_message(first["id"], "Thanks", sender="system")
    feedback = {"rating": "up", "comment": None}
    api.put(f"/api/sessions/{first['id']}/messages/{answer['id']}/feedback", json=feedback)
    api.delete(f"/api/sessions/{first['id']}/messages/{gone['id']}")
    api.patch(f"/api/sessions/{first['id']}", json={"is_favorite": True})
    make_session("bob", title="Nothing said yet")
    keyed = make_session("bob", title="Agent run", key="thread-1")
    calls = [{"name": "lookup", "args": {"order": "NW-1"}, "id": "call_1"}]
    add_message(keyed["id"], "Checking.", sender="ai", extra={"tool_calls": calls})
    add_message(keyed["id"], "Shipped.", sender="tool", extra={"name": "lookup", "n": [1, 2]})
    acme = as_key(issue_key("acme", ("read", "write")))
    theirs = acme.post("/api/sessions", json={"user_id": "carol"}).json
    acme.post(f"/api/sessions/{theirs['id']}/messages", json={"sender": "user", "content": "hi"})
    return first


def rows(app, model, tenant=None):
    """Every stored column of every row, in a stable order."""
    with app.app_context():
        query = select(model.__table__)
        if tenant is not None:
            query = query.where(model.__table__.c.tenant_id == tenant)
        found = db.session.execute(query).mappings().all()
        return sorted((dict(row) for row in found), key=lambda row: str(row["id"]))


def without_tenant(found):
    return [{k: v for k, v in row.items() if k != "tenant_id"} for row in found]


def run(runner, *args):
    return runner.invoke(args=["ragchat", *args])


def import_file(runner, path, *options):
    return run(runner, "import", str(path), *options)


def write_lines(path, *items):
    text = "\n".join(item if isinstance(item, str) else json.dumps(item) for item in items)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def test_export_then_import_into_an_empty_database_is_exact(app, runner, chats, tmp_path):
    archive = tmp_path / "all.ndjson"
    exported = run(runner, "export", "-o", str(archive))
    assert exported.exit_code == 0, exported.output
    assert "Exported 4 sessions" in exported.output
    assert {json.loads(line)["tenant"] for line in archive.read_text().splitlines()} == {
        "default",
        "acme",
    }

    with fresh_database(tmp_path) as url:
        empty = build_app(url)
        try:
            with empty.app_context():
                upgrade()
            imported = import_file(empty.test_cli_runner(), archive)
            assert imported.exit_code == 0, imported.output
            assert "Imported 4 sessions with 6 messages into their tenants." in imported.output
            for model in (ChatSession, ChatMessage):
                assert rows(empty, model) == rows(app, model), model
        finally:
            with empty.app_context():
                db.engine.dispose()


def test_the_api_export_imports_into_another_tenant(app, api, runner, chats, tmp_path, as_key):
    archive = tmp_path / "default.ndjson"
    archive.write_bytes(api.get("/api/export").get_data())

    result = import_file(runner, archive, "--tenant", "globex")

    assert result.exit_code == 0, result.output
    assert "Imported 3 sessions with 5 messages into tenant 'globex'." in result.output
    for model in (ChatSession, ChatMessage):
        copied = rows(app, model, "globex")
        assert without_tenant(copied) == without_tenant(rows(app, model, "default"))
    assert len(rows(app, ChatSession, "acme")) == 1  # the other tenant is untouched


def test_running_an_import_again_adds_nothing(app, runner, chats, tmp_path):
    archive = tmp_path / "all.ndjson"
    run(runner, "export", "--tenant", "default", "-o", str(archive))
    import_file(runner, archive, "--tenant", "copy")
    before = rows(app, ChatSession), rows(app, ChatMessage)

    again = import_file(runner, archive, "--tenant", "copy")

    assert again.exit_code == 0, again.output
    assert "Imported 0 sessions with 0 messages" in again.output
    assert "Skipped 3 sessions that already exist: line 1 (" in again.output
    assert f"({chats['id']})" in again.output
    assert (rows(app, ChatSession), rows(app, ChatMessage)) == before


def test_the_export_can_be_narrowed_to_a_tenant_and_a_user(runner, chats, tmp_path):
    for options, expected in [
        (["--tenant", "acme"], ["carol"]),
        (["--tenant", "default", "--user", "alice"], ["alice"]),
        (["--user", "carol"], ["carol"]),
        (["--updated-since", "2999-01-01"], []),
    ]:
        result = run(runner, "export", *options)
        assert result.exit_code == 0, result.output
        assert [json.loads(line)["user_id"] for line in result.stdout.splitlines()] == expected


@pytest.mark.parametrize("since", ["yesterday", "0001-01-01T00:00:00+14:00"])
def test_an_export_time_it_cannot_use_is_a_usage_error(runner, since):
    result = run(runner, "export", "--updated-since", since)
    assert result.exit_code == 2
    assert "--updated-since" in result.output and "Traceback" not in result.output


def good_line(**changes):
    message = {
        "id": str(uuid.uuid4()),
        "seq": 1,
        "sender": "user",
        "content": "hello",
        "created_at": "2025-01-02T03:04:05.123456+00:00",
    }
    line = {
        "id": str(uuid.uuid4()),
        "user_id": "dave",
        "title": "Imported",
        "created_at": "2025-01-02T03:04:05+00:00",
        "updated_at": "2025-01-02T03:04:05.123456+00:00",
        "messages": [message],
    }
    for path, value in changes.items():
        target, *rest = path.split("__")
        if rest:
            line["messages"][0][rest[0]] = value
        else:
            line[target] = value
    return line


def test_bad_lines_are_rejected_with_their_numbers_and_reasons(app, runner, tmp_path):
    archive = write_lines(
        tmp_path / "mixed.ndjson",
        good_line(),
        '{"id": ',
        "",
        good_line(messages__content="nul \x00 byte"),
        "[1, 2]",
        good_line(colour="blue"),
        good_line(created_at="2025-01-02T03:04:05"),
        good_line(messages__sender="robot"),
        good_line(last_seq=0),
        '{"id": "x", "score": NaN}',
        good_line(title="   "),
        good_line(messages__context={"a": "\ud800"}),
        good_line(),
        good_line(messages__created_at="0001-01-01T00:00:00+14:00"),
    )
    archive.write_bytes(archive.read_bytes() + b"\xff\xfe\n")

    result = import_file(runner, archive, "--tenant", "acme")

    assert result.exit_code == 1
    assert "Imported 2 sessions with 2 messages into tenant 'acme'." in result.output
    assert "Rejected 12 lines:" in result.output
    for expected in [
        "line 2: Not valid JSON.",
        "line 4: messages[0].content: Must not contain NUL characters.",
        "line 5: Not a JSON object.",
        "line 6: colour: Unknown field.",
        "line 7: created_at: Not a valid aware datetime.",
        "line 8: messages[0].sender: Must be one of: user, ai, system, tool (or assistant).",
        "line 9: last_seq: Must be at least the highest seq (1).",
        "line 10: Not valid JSON.",
        "line 11: title: Length must be between 1 and 200.",
        "line 12: messages[0].context: Must be valid Unicode text.",
        "line 14: messages[0].created_at: Out of range once converted to UTC.",
        "line 15: Not UTF-8 text.",
    ]:
        assert expected in result.output
    assert "line 3" not in result.output  # blank lines are skipped
    assert len(rows(app, ChatSession)) == 2
    assert len(rows(app, ChatMessage)) == 2


def test_a_key_another_session_has_rejects_the_line(app, api, runner, tmp_path):
    taken = api.post("/api/sessions", json={"user_id": "alice", "key": "thread-1"}).json
    line = {
        "id": "00000000-0000-4000-8000-000000000001",
        "user_id": "bob",
        "key": "thread-1",
        "title": "Imported",
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }
    result = import_file(
        runner, write_lines(tmp_path / "keyed.ndjson", line), "--tenant", "default"
    )
    assert result.exit_code == 1
    assert "line 1: Another session of tenant 'default' has the key 'thread-1'." in result.output
    assert [s["id"] for s in api.get("/api/sessions/by-key").json] == [taken["id"]]


def test_an_import_can_read_standard_input(app, runner):
    line = json.dumps(good_line(tenant="acme"))

    result = runner.invoke(args=["ragchat", "import", "-"], input=line + "\n")

    assert result.exit_code == 0, result.output
    assert "Imported 1 session with 1 message into their tenants." in result.output
    assert [row["tenant_id"] for row in rows(app, ChatSession)] == ["acme"]


def test_a_line_without_a_tenant_needs_the_option(app, runner, tmp_path):
    archive = write_lines(tmp_path / "one.ndjson", good_line())

    result = import_file(runner, archive)

    assert result.exit_code == 1
    assert "line 1: The line names no tenant; give --tenant." in result.output
    assert rows(app, ChatSession) == []


def test_duplicate_seqs_or_ids_in_a_line_are_rejected(app, runner, tmp_path):
    twice = good_line()
    twice["messages"].append({**twice["messages"][0], "id": str(uuid.uuid4())})
    same_id = good_line()
    same_id["messages"].append({**same_id["messages"][0], "seq": 2})
    archive = write_lines(tmp_path / "dupes.ndjson", twice, same_id)

    result = import_file(runner, archive, "--tenant", "acme")

    assert "line 1: messages: Two messages have the same seq." in result.output
    assert "line 2: messages: Two messages have the same id." in result.output
    assert rows(app, ChatSession) == []


def test_a_message_id_the_tenant_already_has_rejects_the_whole_session(app, runner, tmp_path):
    first = good_line()
    second = good_line()
    second["messages"].insert(0, {**first["messages"][0], "seq": 1})
    second["messages"][1]["seq"] = 2
    archive = write_lines(tmp_path / "clash.ndjson", first, second)

    result = import_file(runner, archive, "--tenant", "acme")

    assert result.exit_code == 1
    assert f"line 2: Message {first['messages'][0]['id']} already exists" in result.output
    assert [str(row["id"]) for row in rows(app, ChatSession)] == [first["id"]]
    assert len(rows(app, ChatMessage)) == 1


def test_senders_are_normalised_and_last_seq_defaults_to_the_highest(app, runner, tmp_path):
    line = good_line(messages__sender="Assistant", messages__seq=7)
    archive = write_lines(tmp_path / "one.ndjson", line)

    assert import_file(runner, archive, "--tenant", "acme").exit_code == 0

    (session,) = rows(app, ChatSession)
    assert (session["last_seq"], session["message_count"], session["is_favorite"]) == (7, 1, False)
    assert rows(app, ChatMessage)[0]["sender"] == "ai"


def test_imports_commit_in_batches_and_show_progress(app, runner, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "COMMIT_SESSIONS", 2)
    monkeypatch.setattr(imports, "INSERT_BATCH", 2)
    monkeypatch.setattr(chats_commands, "PROGRESS_FROM", 0)
    line = good_line()
    line["messages"] = [
        {**line["messages"][0], "id": str(uuid.uuid4()), "seq": seq} for seq in range(1, 6)
    ]
    archive = write_lines(tmp_path / "five.ndjson", line, *(good_line() for _ in range(4)))
    commits = []

    def count(connection):
        commits.append(connection)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "commit", count)
    try:
        result = import_file(runner, archive, "--tenant", "acme")
    finally:
        event.remove(engine, "commit", count)
    assert result.exit_code == 0, result.output
    assert "Importing" in result.output
    assert "Imported 5 sessions with 9 messages" in result.output
    assert len(commits) >= 3  # 2 + 2 + 1 sessions
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ChatMessage)) == 9


@pytest.mark.parametrize("tenant", ["has space", "-x", "t" * 65])
def test_a_bad_tenant_option_is_refused(runner, tmp_path, tenant):
    archive = write_lines(tmp_path / "one.ndjson", good_line())

    result = import_file(runner, archive, "--tenant", tenant)

    assert result.exit_code == 2
    assert "Invalid value for '--tenant'" in result.output
