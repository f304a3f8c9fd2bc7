"""Request ids, and one log line per request that never holds a secret or message content."""

import json
import logging
import uuid

import pytest

from ragchat.auth.callers import hash_secret
from ragchat.logs import RequestIdFilter, logging_config
from tests.support.database import API_KEY


@pytest.mark.parametrize("sent", ["abc-123", "req_7f3a.9:1", "A" * 128])
def test_a_sane_request_id_is_echoed(api, sent):
    response = api.get("/api/sessions?user_id=alice", headers={"X-Request-ID": sent})
    assert response.headers["X-Request-ID"] == sent


@pytest.mark.parametrize("sent", [None, "", "has space", "a/b", "A" * 129, "-leading", "ü"])
def test_otherwise_a_fresh_one_is_made(api, sent):
    headers = {} if sent is None else {"X-Request-ID": sent}
    response = api.get("/api/sessions?user_id=alice", headers=headers)
    made = response.headers["X-Request-ID"]
    assert made != sent
    assert uuid.UUID(made)


def test_error_bodies_carry_the_request_id(client):
    response = client.get("/api/sessions/nope", headers={"X-Request-ID": "trace-42"})
    assert response.status_code == 404
    assert response.json["request_id"] == "trace-42"
    response = client.get("/api/sessions?user_id=alice")
    assert response.json["request_id"] == response.headers["X-Request-ID"]


def test_one_line_per_request_with_key_id_never_secret_or_content(api, make_session, caplog):
    session = make_session()
    secret_content = "my card number is 4111 1111 1111 1111"
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="ragchat.access"):
        api.post(
            f"/api/sessions/{session['id']}/messages",
            json={"sender": "user", "content": secret_content, "context": {"pii": "x"}},
            headers={"X-Request-ID": "trace-7"},
        )
    lines = [r for r in caplog.records if r.name == "ragchat.access"]
    assert len(lines) == 1
    record = lines[0]
    assert (record.method, record.status, record.request_id) == ("POST", 201, "trace-7")
    assert record.path == f"/api/sessions/{session['id']}/messages"
    assert record.key_id == f"env_{hash_secret(API_KEY)[:12]}"
    assert record.client == "127.0.0.1"
    assert record.duration_ms >= 0
    assert API_KEY not in caplog.text
    assert secret_content not in caplog.text


def format_with(log_format, record):
    config = logging_config({"LOG_FORMAT": log_format, "LOG_LEVEL": "INFO"})
    formatter_config = dict(config["formatters"][log_format])
    if "()" in formatter_config:
        factory = formatter_config.pop("()")
        module, name = factory.rsplit(".", 1)
        formatter = getattr(__import__(module, fromlist=[name]), name)(**formatter_config)
    else:
        formatter = logging.Formatter(formatter_config["format"])
    RequestIdFilter().filter(record)
    return formatter.format(record)


def access_record():
    fields = {"method": "GET", "path": "/api/x", "status": 200, "duration_ms": 1.5}
    record = logging.LogRecord("ragchat.access", logging.INFO, __file__, 1, "GET /api/x", (), None)
    record.__dict__.update(fields, request_id="r-1", client="10.0.0.1", key_id="k_1")
    return record


def test_json_log_line_is_one_object_with_the_request_fields():
    line = format_with("json", access_record())
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "INFO"
    assert entry["logger"] == "ragchat.access"
    assert entry["message"] == "GET /api/x"
    assert (entry["status"], entry["request_id"], entry["key_id"]) == (200, "r-1", "k_1")
    assert entry["duration_ms"] == 1.5
    assert "time" in entry


def test_text_log_line_names_the_request():
    line = format_with("text", access_record())
    assert "[r-1]" in line
    assert "GET /api/x" in line


def test_log_file_receives_the_lines(database_url, app, tmp_path):
    from tests.support.database import build_app

    log_file = tmp_path / "ragchat.log"
    other = build_app(database_url, LOG_FILE=str(log_file), LOG_FORMAT="json")
    other.test_client().get("/api/health-check", headers={"X-Request-ID": "to-file"})
    entries = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert any(e.get("request_id") == "to-file" and e.get("status") == 200 for e in entries)
    logging.config.dictConfig(logging_config(app.config))  # back to the suite's set-up
