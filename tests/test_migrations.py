"""The migrations build exactly the schema the models describe, on either database."""

import uuid

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from ragchat.extensions import db
from ragchat.search.index import include_object
from tests.support.database import API_KEY, build_app, fresh_database


def schema_differences(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        return compare_metadata(context, db.metadata)


def test_migrated_schema_matches_the_models(app):
    assert schema_differences(app) == []


def test_migrations_go_down_and_up_again(tmp_path):
    with fresh_database(tmp_path) as url:
        app = build_app(url)
        with app.app_context():
            upgrade()
            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade()
            assert {"chat_sessions", "chat_messages"} <= set(inspect(db.engine).get_table_names())
        assert schema_differences(app) == []
        with app.app_context():
            db.engine.dispose()


def test_tenant_migration_keeps_existing_chats_in_the_default_tenant(tmp_path):
    """Data written before tenants existed survives 0002, owned by the default tenant."""
    with fresh_database(tmp_path) as url:
        app = build_app(url)
        with app.app_context():
            upgrade(revision="0001")
            session_id, message_id = uuid.uuid4(), uuid.uuid4()
            as_stored = str if db.engine.name == "postgresql" else (lambda u: u.hex)
            db.session.execute(
                text("INSERT INTO chat_sessions VALUES (:id, 'alice', 'Before', :fav, 1, :t, :t)"),
                {"id": as_stored(session_id), "fav": True, "t": "2026-01-01 00:00:00+00:00"},
            )
            db.session.execute(
                text("INSERT INTO chat_messages VALUES (:id, :sid, 1, 'ai', 'kept', :ctx, :t)"),
                {
                    "id": as_stored(message_id),
                    "sid": as_stored(session_id),
                    "ctx": '{"chunks": [{"text": "x"}]}',
                    "t": "2026-01-01 00:00:00+00:00",
                },
            )
            db.session.commit()
            upgrade()
            db.engine.dispose()
        client = app.test_client()
        headers = {"X-API-Key": API_KEY}
        session = client.get(f"/api/sessions/{session_id}", headers=headers).json
        messages = client.get(f"/api/sessions/{session_id}/messages", headers=headers).json
        assert (session["title"], session["is_favorite"]) == ("Before", True)
        assert session["message_count"] == 1  # counted by 0003 from the stored messages
        assert [(m["seq"], m["content"], m["context"]) for m in messages] == [
            (1, "kept", {"chunks": [{"text": "x"}]})
        ]
        with app.app_context():
            db.engine.dispose()


def test_conversation_keys_migration_keeps_messages_and_their_search_index(tmp_path):
    """0006 copies chat_messages on SQLite (to change a constraint): no message is lost, the
    search index is rebuilt over the copy, and tool messages and keys work afterwards."""
    words = ("refunds", "shipping", "warranty")
    session_id = uuid.uuid4()
    with fresh_database(tmp_path) as url:
        app = build_app(url)
        with app.app_context():
            upgrade(revision="0005")
            # Written with the columns of 0005 (the app's own statements would name new ones).
            stored_id = session_id.hex if db.engine.name == "sqlite" else session_id
            db.session.execute(
                text(
                    "INSERT INTO chat_sessions (tenant_id, id, user_id, title, is_favorite,"
                    " last_seq, message_count, created_at, updated_at) VALUES ('default', :id,"
                    " 'u', 'Before', false, 3, 3, :t, :t)"
                ),
                {"id": stored_id, "t": "2026-01-01 00:00:00+00:00"},
            )
            for seq, word in enumerate(words, 1):
                db.session.execute(
                    text(
                        "INSERT INTO chat_messages (tenant_id, id, session_id, seq, sender,"
                        " content, context, created_at) VALUES ('default', :id, :sid, :seq,"
                        " 'user', :content, '{}', :t)"
                    ),
                    {
                        "id": uuid.uuid4().hex if db.engine.name == "sqlite" else uuid.uuid4(),
                        "sid": stored_id,
                        "seq": seq,
                        "content": f"question about {word}",
                        "t": "2026-01-01 00:00:00+00:00",
                    },
                )
            db.session.commit()
            upgrade()
            db.engine.dispose()
        client = app.test_client()
        headers = {"X-API-Key": API_KEY}
        path = f"/api/sessions/{session_id}/messages"
        stored = client.get(path, headers=headers).json
        assert [m["content"] for m in stored] == [f"question about {word}" for word in words]
        assert all(m["extra"] == {} for m in stored)
        found = client.get("/api/search?q=shipping", headers=headers).json
        assert [hit["seq"] for hit in found] == [2]
        tool = {"sender": "tool", "content": "3 orders", "extra": {"name": "orders"}}
        assert client.post(path, json=tool, headers=headers).status_code == 201
        opened = client.put("/api/sessions/by-key/thread-1", json={"user_id": "u"}, headers=headers)
        assert (opened.status_code, opened.json["key"]) == (200, "thread-1")
        with app.app_context():
            db.engine.dispose()


def test_answer_facts_migration_fills_them_for_stored_answers(tmp_path):
    """0007 reads every answer stored before it (more than one batch of them) and writes
    its facts and cited sources; questions get none."""
    session_id = uuid.uuid4()
    answers = 1005  # one more batch than 0007's 1000
    with fresh_database(tmp_path) as url:
        app = build_app(url)
        with app.app_context():
            upgrade(revision="0006")
            as_stored = (lambda u: u.hex) if db.engine.name == "sqlite" else (lambda u: u)
            db.session.execute(
                text(
                    "INSERT INTO chat_sessions (tenant_id, id, user_id, title, is_favorite,"
                    " last_seq, message_count, created_at, updated_at) VALUES ('default', :id,"
                    " 'u', 'Before', false, :n, :n, :t, :t)"
                ),
                {"id": as_stored(session_id), "n": answers + 1, "t": "2026-01-01 00:00:00+00:00"},
            )
            context = '{"chunks": [{"text": "a", "source": "faq.md", "score": 0.5},'
            context += ' {"text": "b", "title": "Policy", "url": "https://example.com/p"}]}'
            rows = [("user", "{}", "{}")] + [("ai", context, '{"latency_ms": "120"}')] * answers
            db.session.execute(
                text(
                    "INSERT INTO chat_messages (tenant_id, id, session_id, seq, sender, content,"
                    " context, metadata, created_at) VALUES ('default', :id, :sid, :seq,"
                    " :sender, 'x', :context, :metadata, :t)"
                ),
                [
                    {
                        "id": as_stored(uuid.uuid4()),
                        "sid": as_stored(session_id),
                        "seq": seq,
                        "sender": sender,
                        "context": context,
                        "metadata": metadata,
                        "t": "2026-01-01 00:00:00+00:00",
                    }
                    for seq, (sender, context, metadata) in enumerate(rows, 1)
                ],
            )
            db.session.commit()
            upgrade()
            facts = db.session.execute(
                text(
                    "SELECT sender, passage_count, best_score, latency_ms, count(*)"
                    " FROM chat_messages GROUP BY sender, passage_count, best_score, latency_ms"
                    " ORDER BY sender"
                )
            ).all()
            sources = db.session.execute(
                text("SELECT source, url, count(*) FROM message_sources GROUP BY source, url")
            ).all()
            db.engine.dispose()
        assert [tuple(row) for row in facts] == [
            ("ai", 2, 0.5, 120.0, answers),
            ("user",) + (None,) * 3 + (1,),
        ]
        assert sorted(map(tuple, sources)) == [
            ("Policy", "https://example.com/p", answers),
            ("faq.md", None, answers),
        ]
