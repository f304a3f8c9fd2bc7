"""Retention: `flask ragchat purge` deletes chats inactive for too long, keeps favorites, works
in short batches, and RETENTION_DAYS sets its default."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, update

from ragchat.chats import retention
from ragchat.extensions import db
from ragchat.models import ChatMessage, ChatSession, MessageSource, utcnow
from ragchat.settings import ConfigError, load_settings


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def aged(app):
    """aged(session, days): make a session's last activity that many days ago."""

    def age(session, days):
        with app.app_context():
            db.session.execute(
                update(ChatSession)
                .where(ChatSession.id == uuid.UUID(session["id"]))
                .values(updated_at=utcnow() - timedelta(days=days))
            )
            db.session.commit()
        return session

    return age


@pytest.fixture
def chat_with(api, make_session):
    """chat_with(messages, user=…, favorite=…): a session holding that many messages."""

    def make(messages=0, user="alice", favorite=False, client=None):
        client = client or api
        session = client.post("/api/sessions", json={"user_id": user}).json
        for start in range(0, messages, 100):
            batch = [{"sender": "user", "content": "x"}] * min(100, messages - start)
            response = client.post(
                f"/api/sessions/{session['id']}/messages/batch", json={"messages": batch}
            )
            assert response.status_code == 201
        if favorite:
            client.patch(f"/api/sessions/{session['id']}", json={"is_favorite": True})
        return session

    return make


def stored_ids(app):
    with app.app_context():
        return {str(i) for i in db.session.scalars(select(ChatSession.id))}


def message_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ChatMessage))


def purge(runner, *args):
    return runner.invoke(args=["ragchat", "purge", *args])


def test_purge_deletes_old_chats_and_keeps_favorites_and_recent_ones(app, runner, chat_with, aged):
    old = aged(chat_with(3), 40)
    older = aged(chat_with(0, user="bob"), 400)
    favorite = aged(chat_with(2, favorite=True), 400)
    recent = aged(chat_with(1), 10)
    fresh = chat_with(4)

    result = purge(runner, "--older-than", "30d")

    assert result.exit_code == 0, result.output
    assert "Deleted 2 sessions with 3 messages, inactive since before" in result.output
    assert "Kept 1 favorite as old as that." in result.output
    assert stored_ids(app) == {favorite["id"], recent["id"], fresh["id"]}
    assert message_count(app) == 2 + 1 + 4
    assert old["id"] not in stored_ids(app) and older["id"] not in stored_ids(app)


def test_a_dry_run_reports_and_changes_nothing(app, runner, chat_with, aged):
    for messages in (1, 2, 3):
        aged(chat_with(messages), 100)
    aged(chat_with(5, favorite=True), 100)
    before = stored_ids(app), message_count(app)

    result = purge(runner, "--older-than", "12w", "--dry-run")

    assert result.exit_code == 0, result.output
    assert "Would delete 3 sessions with 6 messages" in result.output
    assert "Kept 1 favorite" in result.output
    assert "Dry run: nothing was deleted." in result.output
    assert (stored_ids(app), message_count(app)) == before


def test_purge_can_be_limited_to_a_tenant_and_a_user(
    app, runner, chat_with, aged, issue_key, as_key
):
    acme = as_key(issue_key("acme"))
    theirs = aged(chat_with(1, client=acme), 90)
    alices = aged(chat_with(1, user="alice"), 90)
    bobs = aged(chat_with(1, user="bob"), 90)

    result = purge(runner, "--older-than", "30d", "--tenant", "default", "--user", "bob")
    assert "Deleted 1 session with 1 message" in result.output
    assert stored_ids(app) == {theirs["id"], alices["id"]}

    purge(runner, "--older-than", "30d", "--tenant", "default")
    assert stored_ids(app) == {theirs["id"]}
    assert bobs["id"] not in stored_ids(app)
    assert acme.get(f"/api/sessions/{theirs['id']}").status_code == 200


def test_retention_days_is_the_default(app, runner, chat_with, aged, monkeypatch):
    old, recent = aged(chat_with(1), 8), aged(chat_with(1), 6)
    monkeypatch.setitem(app.config, "RETENTION_DAYS", 7)

    result = purge(runner)

    assert result.exit_code == 0, result.output
    assert stored_ids(app) == {recent["id"]}
    assert old["id"] not in stored_ids(app)


@pytest.mark.parametrize("days", [None, 0])
def test_without_an_age_or_retention_days_purge_refuses(
    app, runner, chat_with, aged, days, monkeypatch
):
    monkeypatch.setitem(app.config, "RETENTION_DAYS", days)
    old = aged(chat_with(1), 5000)

    result = purge(runner)

    assert result.exit_code == 2
    assert "Give --older-than (e.g. 30d) or set RETENTION_DAYS." in result.output
    assert stored_ids(app) == {old["id"]}


@pytest.mark.parametrize("age", ["30", "0d", "-3d", "1y", "99999d"])
def test_a_bad_age_is_refused(runner, age):
    result = purge(runner, "--older-than", age)

    assert result.exit_code == 2
    assert "Invalid value for '--older-than'" in result.output


@pytest.fixture
def commits(app):
    seen = []

    def count(connection):
        seen.append(connection)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "commit", count)
    yield seen
    event.remove(engine, "commit", count)


def test_purge_works_through_several_batches(app, runner, chat_with, aged, commits):
    for _ in range(5):
        aged(chat_with(2), 60)
    kept = aged(chat_with(1, favorite=True), 60)
    commits.clear()

    result = purge(runner, "--older-than", "30d", "--batch-size", "2")

    assert "Deleted 5 sessions with 10 messages" in result.output
    assert stored_ids(app) == {kept["id"]}
    assert len(commits) == 3  # 2 + 2 + 1 sessions, each batch its own transaction


def test_a_long_chat_loses_its_messages_in_batches_first(app, chat_with, aged, commits):
    long_chat = aged(chat_with(250), 60)
    short = aged(chat_with(3), 60)
    commits.clear()

    with app.app_context():
        report = retention.purge(utcnow() - timedelta(days=30), message_batch=100)

    assert (report.sessions, report.messages) == (2, 253)
    assert not {long_chat["id"], short["id"]} & stored_ids(app)
    assert message_count(app) == 0
    assert len(commits) == 4  # 100, 100 and 50 messages, then both sessions


def test_a_chat_that_comes_back_to_life_is_kept(app, chat_with, aged, add_message):
    revived = aged(chat_with(250), 60)
    with app.app_context():
        cutoff = utcnow() - timedelta(days=30)
        batch = next(retention.batches(retention.expired(cutoff), 10))
    add_message(revived["id"], "I'm back")  # between reading the batch and deleting it

    with app.app_context():
        assert retention.trim(batch[0], retention.expired(cutoff), 100) == 0
        report = retention.purge(cutoff)

    assert report.sessions == 0
    assert revived["id"] in stored_ids(app)
    assert message_count(app) == 251


@pytest.mark.parametrize(
    ("value", "expected"), [("", None), ("0", None), ("30", 30), (" 365 ", 365), ("3650", 3650)]
)
def test_retention_days_setting(value, expected, tmp_path):
    settings = load_settings({"RETENTION_DAYS": value, "INSTANCE_PATH": str(tmp_path)})
    assert settings["RETENTION_DAYS"] == expected


@pytest.mark.parametrize("value", ["thirty", "-1", "3651", "1.5"])
def test_bad_retention_days_stop_the_start(value, tmp_path):
    with pytest.raises(ConfigError, match="RETENTION_DAYS"):
        load_settings({"RETENTION_DAYS": value, "INSTANCE_PATH": str(tmp_path)})


def test_trimming_a_long_chat_deletes_the_sources_its_answers_cited(app, api, aged):
    session = api.post("/api/sessions", json={"user_id": "alice"}).json
    answers = [
        {"sender": "ai", "content": "a", "context": {"chunks": [{"text": "t", "source": f"s{n}"}]}}
        for n in range(100)
    ]
    path = f"/api/sessions/{session['id']}/messages/batch"
    for _ in range(2):
        assert api.post(path, json={"messages": answers}).status_code == 201
    aged(session, 60)

    def sources():
        return db.session.scalar(select(func.count()).select_from(MessageSource))

    with app.app_context():
        cutoff = utcnow() - timedelta(days=30)
        batch = next(retention.batches(retention.expired(cutoff), 10))
        assert sources() == 200
        assert retention.trim(batch[0], retention.expired(cutoff), 150) == 200
        assert sources() == 0 and session["id"] in stored_ids(app)
