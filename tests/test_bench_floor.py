"""The load benchmark's floor (bench/floor_app.py) runs ragchat's statements and gives
ragchat's answers, so that a ratio to it measures ragchat's own code and nothing else.

For each load scenario, one request to ragchat (in-process, on a fresh PostgreSQL database,
with a stored key as the benchmark uses) and the same request to the floor (in-process, on
the same database and data). What ragchat ran is captured twice: by a SQLAlchemy
`before_cursor_execute` listener (statement texts as bench/floor_sql.py holds them) and by
libpq's trace of each connection (everything sent: BEGIN, each statement as executed,
COMMIT or ROLLBACK); the floor's connection is traced the same way. Compared after
collapsing whitespace and numbering placeholders as psycopg sends them ($1, $2, …).

Steady state, as under load: the key is already cached and its last use recorded, and no
connection has been idle long enough to be pinged (both are timed; under load neither
happens on a request, so the capture holds them off rather than racing the clock).
"""

import os
import re
import uuid
from dataclasses import dataclass
from itertools import pairwise

import pytest
from flask_migrate import upgrade
from psycopg import pq
from sqlalchemy import event

from bench import floor_app, floor_sql
from ragchat.auth import callers
from ragchat.auth.keys import issue_key
from ragchat.extensions import db
from ragchat.settings import engine
from tests.support.database import build_app, fresh_database, postgres_server

pytestmark = [
    pytest.mark.skipif(
        pq.version() < 140000, reason="reading libpq's trace needs libpq 14 or newer"
    ),
]

TENANT = "floor"
LONG_CHAT = 45  # messages in the chat the read scenarios page through
AI_ANSWER = {
    "sender": "ai",
    "content": "Refunds are issued within five working days — once the parcel is in.",
    "context": {
        "model": "gpt-4o-mini",
        "top_k": 4,
        "chunks": [
            {"source": f"kb/article-{n}.md#section-2", "score": 0.9 - n / 7, "text": "Refunds…"}
            for n in range(4)
        ],
    },
    "metadata": {"model": "gpt-4o-mini", "prompt_tokens": "812"},
}
NEW_SESSION = {
    "user_id": "load-user-7",
    "title": " Question about order 12 ",
    "metadata": {"a": "b"},
}


# --- What a connection sent, from libpq's trace --------------------------------------------

MESSAGE_START = re.compile(r"^[FB]\t\d+\t[A-Za-z]+", re.M)
PARSE = re.compile(r'^F\t\d+\tParse\t "(?P<name>[^"]*)" "(?P<text>.*)" \d+(?: \w+)*$', re.S)
BIND = re.compile(r'^F\t\d+\tBind\t "[^"]*" "(?P<name>[^"]*)" (?P<values>.*)$', re.S)
QUERY = re.compile(r'^F\t\d+\tQuery\t "(?P<text>.*)"$', re.S)
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


class Trace:
    """libpq's trace of one connection's messages, in a file of its own."""

    def __init__(self, path, pgconn):
        self.path = path
        self.path.touch()
        pgconn.trace(os.open(path, os.O_WRONLY | os.O_APPEND))
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)

    def executed(self):
        """(statement, bound values) for each statement the connection has executed: simple
        queries (BEGIN, COMMIT, …) and each Bind of a parsed statement, named (prepared) or
        not. Only messages to the server: libpq writes them out before sending them."""
        text = self.path.read_text(errors="replace")
        bounds = [match.start() for match in MESSAGE_START.finditer(text)] + [len(text)]
        messages = [text[a:b].rstrip("\n") for a, b in pairwise(bounds)]
        parsed, executed = {}, []
        for message in messages:
            if match := QUERY.match(message):
                executed.append((normalised(match["text"]), None))
            elif match := PARSE.match(message):
                parsed[match["name"]] = normalised(match["text"])
            elif match := BIND.match(message):
                executed.append((parsed[match["name"]], match["values"]))
        return executed


def normalised(sql):
    """Whitespace collapsed, and %(name)s placeholders numbered as psycopg sends them."""
    numbers = {}
    sql = PLACEHOLDER.sub(lambda m: f"${numbers.setdefault(m[1], len(numbers) + 1)}", sql)
    return " ".join(sql.split()).replace("( ", "(").replace(" )", ")")


@dataclass
class Side:
    """A server under test: its client and the traces of its connections."""

    client: object
    traces: list

    def request(self, method, path, body=None):
        """The response, and what its connections sent meanwhile."""
        seen = {trace.path: len(trace.executed()) for trace in self.traces}
        response = self.client.open(path, method=method, json=body)
        sent = [s for trace in self.traces for s in trace.executed()[seen.get(trace.path, 0) :]]
        return response, sent


# --- The two servers on one database --------------------------------------------------------


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    scratch = tmp_path_factory.mktemp("floor")
    with pytest.MonkeyPatch.context() as patch:
        # The floor runs ragchat's PostgreSQL statements: on PostgreSQL in the SQLite pass too.
        patch.setenv("TEST_DATABASE_URL", postgres_server())
        with fresh_database(scratch) as url:
            app = build_app(url, API_KEY_CACHE_SECONDS="3600", LOG_LEVEL="WARNING")
            with app.app_context():
                upgrade()
                _, secret = issue_key(TENANT, "floor test", scopes=("read", "write"))
                db.session.commit()
                db.engine.dispose()  # from here on, every connection is traced from its start
                ragchat_traces, statements = [], []

                @event.listens_for(db.engine, "connect")
                def trace(dbapi_connection, record):
                    path = scratch / f"ragchat-{len(ragchat_traces)}.trace"
                    ragchat_traces.append(Trace(path, dbapi_connection.pgconn))

                @event.listens_for(db.engine, "before_cursor_execute")
                def listen(connection, cursor, statement, parameters, context, executemany):
                    statements.append((statement, parameters))

            # Steady state (see the module's docstring).
            patch.setattr(callers, "LAST_USED_EVERY_SECONDS", 3600)
            patch.setattr(engine, "PING_AFTER_IDLE_SECONDS", 3600)
            ragchat = app.test_client()
            ragchat.environ_base["HTTP_X_API_KEY"] = secret
            data = seed(ragchat)

            patch.setenv("DATABASE_URL", url)
            patch.setenv("API_KEY", "")
            patch.setenv("FLOOR_API_KEY", secret)
            patch.setenv("FLOOR_TENANT", TENANT)
            floor_app.tenants_by_key.cache_clear()
            floor_app.conninfo.cache_clear()
            floor_app.local.connection = None
            floor = floor_app.app.test_client()
            floor.environ_base["HTTP_X_API_KEY"] = secret
            floor_trace = Trace(scratch / "floor.trace", floor_app.database().pgconn)
            try:
                yield {
                    "ragchat": Side(ragchat, ragchat_traces),
                    "floor": Side(floor, [floor_trace]),
                    "statements": statements,
                    "data": data,
                }
            finally:
                floor_app.database().close()
                floor_app.local.connection = None
                with app.app_context():
                    db.engine.dispose()


def seed(api):
    """Through ragchat's API: a long chat of questions and answers (one rated), other chats
    of the same user, and twin chats for the appends (one for each server)."""

    def post(path, body):
        response = api.post(path, json=body)
        assert response.status_code == 201, response.json
        return response.json

    long = post("/api/sessions", {"user_id": "ada", "title": "Refunds — ü", "metadata": {"k": "v"}})
    for seq in range(1, LONG_CHAT + 1):
        body = AI_ANSWER if seq % 2 == 0 else {"sender": "user", "content": f"Question {seq}?"}
        message = post(f"/api/sessions/{long['id']}/messages", body)
        if seq == 4:
            rated = api.put(
                f"/api/sessions/{long['id']}/messages/{message['id']}/feedback",
                json={"rating": "down", "comment": "Wrong plan"},
            )
            assert rated.status_code == 200, rated.json
    for n in range(3):
        post("/api/sessions", {"user_id": "ada", "title": f"Chat {n}"})
    twins = [post("/api/sessions", {"user_id": "twins"})["id"] for _ in range(2)]
    for twin in twins:
        post(f"/api/sessions/{twin}/messages", {"sender": "user", "content": "Hello"})
    return {"long": long["id"], "twins": twins}


# What each scenario sends, as bench/wrk/*.lua sends it; appends go to a twin chat each.
def scenario_request(name, data, side):
    long = data["long"]
    return {
        "create_session": ("POST", "/api/sessions", NEW_SESSION),
        "append_message": (
            "POST",
            f"/api/sessions/{data['twins'][side == 'floor']}/messages",
            AI_ANSWER,
        ),
        "read_page": ("GET", f"/api/sessions/{long}/messages?after=7&limit=20", None),
        "read_first_page": ("GET", f"/api/sessions/{long}/messages?page=1&size=20", None),
        "list_sessions": ("GET", "/api/sessions?user_id=ada", None),
    }[name]


@pytest.fixture(scope="module")
def exchanges(servers):
    """Per scenario: each server's answer and what it sent, and what ragchat's listener saw."""
    done = {}
    for name in floor_sql.SCENARIOS:
        listened = len(servers["statements"])
        ragchat = servers["ragchat"].request(*scenario_request(name, servers["data"], "ragchat"))
        statements = servers["statements"][listened:]
        floor = servers["floor"].request(*scenario_request(name, servers["data"], "floor"))
        done[name] = {"ragchat": ragchat, "floor": floor, "statements": statements}
    return done


# --- The statements -------------------------------------------------------------------------


def shown(statements):
    return "\n\n".join(f"{sql}\n    with {parameters!r}" for sql, parameters in statements)


@pytest.mark.parametrize("scenario", list(floor_sql.SCENARIOS))
def test_floor_sql_holds_the_statements_ragchat_runs(exchanges, scenario):
    expected, _ = floor_sql.SCENARIOS[scenario]
    statements = exchanges[scenario]["statements"]
    assert [normalised(sql) for sql, _ in statements] == [normalised(sql) for sql in expected], (
        f"ragchat's statements for {scenario} changed; bench/floor_sql.py needs them "
        f"(and their parameters):\n\n{shown(statements)}"
    )


def transaction(sent):
    """What a request sent, without psycopg's upkeep of its prepared statements: a ROLLBACK
    forgets them (and sends DEALLOCATE ALL if the connection had any), which depends on
    what the connection ran before, not on the request."""
    return [(sql, values) for sql, values in sent if not sql.startswith("DEALLOCATE")]


@pytest.mark.parametrize("scenario", list(floor_sql.SCENARIOS))
def test_floor_sends_what_ragchat_sends(exchanges, scenario):
    """The same transaction on the wire: BEGIN, the statements, COMMIT or ROLLBACK."""
    statements, end = floor_sql.SCENARIOS[scenario]
    ragchat = transaction(exchanges[scenario]["ragchat"][1])
    floor = transaction(exchanges[scenario]["floor"][1])
    expected = ["BEGIN", *(normalised(sql) for sql in statements), end]
    assert [sql for sql, _ in ragchat] == expected
    assert [sql for sql, _ in floor] == expected
    if scenario not in MADE_ANEW:  # reads: the same values too, bound the same way
        assert [values for _, values in floor] == [values for _, values in ragchat]


# --- The answers ----------------------------------------------------------------------------

ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00")
HEADERS = ("Content-Type", "Location", "X-Pagination", "Link")
# What a write makes anew (ids, times): equal in form, not in value.
MADE_ANEW = {
    "create_session": ("id", "created_at", "updated_at"),
    "append_message": ("id", "session_id", "created_at"),
}


@pytest.mark.parametrize("scenario", list(floor_sql.SCENARIOS))
def test_floor_answers_as_ragchat_does(exchanges, scenario):
    ragchat, _ = exchanges[scenario]["ragchat"]
    floor, _ = exchanges[scenario]["floor"]
    status = 201 if scenario in MADE_ANEW else 200
    assert (ragchat.status_code, floor.status_code) == (status, status), floor.get_data()
    body = ragchat.get_data(as_text=True)
    headers = {name: ragchat.headers.get(name) for name in HEADERS}
    for field in MADE_ANEW.get(scenario, ()):
        ours, theirs = ragchat.json[field], floor.json[field]
        if field.endswith("_at"):
            assert ISO_UTC.fullmatch(ours) and ISO_UTC.fullmatch(theirs), (ours, theirs)
        else:
            assert str(uuid.UUID(ours)) == ours and str(uuid.UUID(theirs)) == theirs
        body = body.replace(f'"{field}":"{ours}"', f'"{field}":"{theirs}"')
        headers = {k: v and v.replace(ours, theirs) for k, v in headers.items()}
    assert floor.get_data(as_text=True) == body
    assert {name: floor.headers.get(name) for name in HEADERS} == headers


def test_the_answers_compared_cover_what_the_load_reads(exchanges):
    """Full pages with more to follow, a rating, escaped non-ASCII text, nested contexts."""
    window, _ = exchanges["read_page"]["ragchat"]
    first, _ = exchanges["read_first_page"]["ragchat"]
    assert len(window.json) == len(first.json) == 20
    assert 'rel="next"' in window.headers["Link"] and 'rel="next"' in first.headers["Link"]
    text = first.get_data(as_text=True)
    assert '"rating":"down"' in text and '"chunks":[{' in text
    assert any("—" in message["content"] for message in first.json)


# Not the load's requests, but the floor must not answer them with a 2xx where ragchat
# does not (or the reverse): a missing key, missing chats, an empty range of a chat.
OTHER_ANSWERS = {
    "no key": (401, "GET", "/api/sessions?user_id=ada", None),
    "missing chat, page": (404, "GET", "/api/sessions/{missing}/messages?page=1&size=20", None),
    "missing chat, window": (404, "GET", "/api/sessions/{missing}/messages?after=0", None),
    "missing chat, append": (404, "POST", "/api/sessions/{missing}/messages", AI_ANSWER),
    "empty window": (200, "GET", "/api/sessions/{long}/messages?after=900&limit=20", None),
}


@pytest.mark.parametrize("case", list(OTHER_ANSWERS))
def test_floor_refuses_what_ragchat_refuses(servers, case):
    status, method, path, body = OTHER_ANSWERS[case]
    path = path.format(missing=uuid.uuid4(), long=servers["data"]["long"])
    answers = []
    for side in ("ragchat", "floor"):
        client = servers[side].client
        if status == 401:
            client = client.application.test_client()  # one that sends no key
        answers.append(client.open(path, method=method, json=body))
    ragchat, floor = answers
    assert (ragchat.status_code, floor.status_code) == (status, status)
    if status == 200:
        assert floor.get_data() == ragchat.get_data() == b"[]\n"
        assert floor.headers["X-Pagination"] == ragchat.headers["X-Pagination"]
