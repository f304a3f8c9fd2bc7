"""The floor: ragchat's SQL for each load scenario with as little Python around it as will do.

bench/load.py serves it beside ragchat and the bare app (the ceiling), with the same
gunicorn.conf.py, workers and database, and reports each ragchat scenario as a share of
what this app manages with the same statements: what ragchat's own code costs, apart from
what the database and the framework would cost anyway.

Flask and psycopg 3 only. One connection per worker process (per thread, if gunicorn runs
threads), opened at its first request and again when broken; psycopg's automatic prepared
statements, as ragchat has them. One transaction per request with ragchat's boundaries:
BEGIN, the statements of bench/floor_sql.py in ragchat's order, the answer built, then
COMMIT (a read's too, as ragchat ends it). JSON read and written with orjson, as ragchat
does (its JSON columns and answers), byte for byte as ragchat writes them. An answer's facts
and cited sources are read by ragchat's own function: what they are is the product. No validation
beyond what building the statements needs, no rate limits, no request log, no security
headers: that is ragchat's to add. The X-API-Key header is compared with the keys of
API_KEY (tenant "default", as in ragchat) and of FLOOR_API_KEY (tenant FLOOR_TENANT):
ragchat checks its stored keys from its in-process cache at steady state, without a query,
so the floor makes none either. tests/test_bench_floor.py holds its statements and answers
to ragchat's.
"""

import json
import os
import threading
import uuid
from datetime import UTC, datetime
from functools import cache
from urllib.parse import urlencode

import orjson
import psycopg
from flask import Flask, g, request
from psycopg.types.json import Jsonb, set_json_dumps, set_json_loads

from bench import floor_sql
from ragchat.chats.facts import facts_of  # what an answer's facts are is the product's

app = Flask(__name__)
set_json_loads(orjson.loads)  # ragchat's JSON columns are read and written by orjson too
set_json_dumps(orjson.dumps)

JSON = {"Content-Type": "application/json"}
DEFAULT_PAGE_SIZE = 20
CONNECT_TIMEOUT_SECONDS = 2  # as ragchat's engine


@cache
def tenants_by_key():
    """{key: tenant}, read from the environment at the first request of each process."""
    found = {}
    for variable, tenant in (
        ("API_KEY", "default"),
        ("FLOOR_API_KEY", os.environ.get("FLOOR_TENANT", "default")),
    ):
        keys = (key.strip() for key in os.environ.get(variable, "").split(","))
        found.update(dict.fromkeys(filter(None, keys), tenant))
    return found


@cache
def conninfo():
    """DATABASE_URL as libpq takes it (ragchat also takes postgres:// and +psycopg)."""
    return "postgresql://" + os.environ["DATABASE_URL"].strip().partition("://")[2]


# One connection per worker process: made at its first request (after the fork), made again
# when broken. Per thread, should gunicorn run threads (--gunicorn-args), as ragchat's pool.
local = threading.local()


def database():
    connection = getattr(local, "connection", None)
    if connection is None or connection.closed or connection.broken:
        connection = psycopg.connect(conninfo(), connect_timeout=CONNECT_TIMEOUT_SECONDS)
        local.connection = connection
    return connection


def problem(status):
    return dumps({"status": status}), status, JSON


def in_transaction(answer):
    """Run `answer(cursor)` (statements, then the response built) in one transaction, ended
    as ragchat's ends: with COMMIT, except an error answer, which is rolled back."""
    conn = database()
    try:
        with conn.cursor() as cursor:
            response = answer(cursor)
    except BaseException:
        if not conn.broken:
            conn.rollback()
        raise
    if response[1] < 400:
        conn.commit()
    else:
        conn.rollback()
    return response


def dumps(value):
    """As ragchat's JSON provider writes its answers: sorted keys, compact, UTF-8 text as it
    is (not \\u-escaped), a final newline."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode() + "\n"


def utc(moment):
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def session_json(row):
    _, session_id, user_id, title, key, is_favorite, _, count, metadata, created, updated = row
    return {
        "created_at": utc(created),
        "id": str(session_id),
        "is_favorite": is_favorite,
        "key": key,
        "message_count": count,
        "metadata": metadata,
        "title": title,
        "updated_at": utc(updated),
        "user_id": user_id,
    }


def message_json(row):
    _, message_id, session_id, seq, sender, content, context, metadata, extra, created = row[:10]
    rating, comment, rated_at = row[10:]
    return {
        "content": content,
        "context": context,
        "created_at": utc(created),
        "extra": extra,
        "feedback": None
        if rating is None
        else {"comment": comment, "created_at": utc(rated_at), "rating": rating},
        "id": str(message_id),
        "metadata": metadata,
        "sender": sender,
        "seq": seq,
        "session_id": str(session_id),
    }


def this_url_with(dropped, **changes):
    """This request's URL with some query arguments replaced, as ragchat builds its links."""
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in (*dropped, *changes)]
    return f"{request.base_url}?{urlencode([*kept, *changes.items()])}"


def page_headers(page, size, total):
    """X-Pagination (flask-smorest's fields) and Link, as ragchat writes them."""
    metadata = {"total": total, "total_pages": -(-total // size)}
    last = max(1, metadata["total_pages"])
    if total:
        metadata |= {"first_page": 1, "last_page": last}
        if page <= last:
            metadata["page"] = page
            if page > 1:
                metadata["previous_page"] = page - 1
            if page < last:
                metadata["next_page"] = page + 1
    links = {"first": 1, "last": last}
    if page > 1:
        links["prev"] = min(page - 1, last)
    if page < last:
        links["next"] = page + 1
    dropped = ("page", "size", "page_size")
    link = ", ".join(
        f'<{this_url_with(dropped, page=number, size=size)}>; rel="{rel}"'
        for rel, number in links.items()
    )
    return {**JSON, "X-Pagination": json.dumps(metadata), "Link": link}


@app.before_request
def authenticate():
    tenant = tenants_by_key().get(request.headers.get("X-API-Key", ""))
    if tenant is None:
        return problem(401)
    g.tenant = tenant
    return None


@app.post("/api/sessions")
def create_session():
    data = orjson.loads(request.get_data())
    session_id, now = uuid.uuid4(), datetime.now(UTC)
    params = floor_sql.insert_session_params(
        g.tenant,
        session_id,
        data["user_id"],
        (data.get("title") or "").strip() or "New chat",
        data.get("key"),
        Jsonb(data.get("metadata") or {}),
        now,
    )

    def answer(cursor):
        row = cursor.execute(floor_sql.INSERT_SESSION, params).fetchone()
        if row is None:  # its key is another session's
            return problem(409)
        location = f"{request.script_root}/api/sessions/{session_id}"
        return dumps(session_json(row)), 201, {**JSON, "Location": location}

    return in_transaction(answer)


@app.post("/api/sessions/<uuid:session_id>/messages")
def append_message(session_id):
    data = orjson.loads(request.get_data())
    message_id, now = uuid.uuid4(), datetime.now(UTC)
    message = {
        "content": data["content"],
        "context": data.get("context") or {},
        "extra": data.get("extra") or {},
        "metadata": data.get("metadata") or {},
        "sender": data["sender"],
    }
    wrapped = {**message, **{k: Jsonb(message[k]) for k in ("context", "extra", "metadata")}}
    facts = facts_of(message["sender"], message["context"], message["metadata"])
    params = floor_sql.append_message_params(g.tenant, session_id, message_id, wrapped, now, facts)
    statement = floor_sql.append_message_sql(len(facts.sources))

    def answer(cursor):
        row = cursor.execute(statement, params).fetchone()
        if row is None:
            return problem(404)
        stored = {
            **message,
            "created_at": now.isoformat(),
            "feedback": None,
            "id": str(message_id),
            "seq": row[1],
            "session_id": str(session_id),
        }
        return dumps(stored), 201, JSON

    return in_transaction(answer)


@app.get("/api/sessions/<uuid:session_id>/messages")
def read_messages(session_id):
    tenant, args = g.tenant, request.args
    # The keyset pages the load reads (?after=N&limit=L); ragchat's before= and order=desc run
    # other statements, which the floor does not have.
    if "after" in args:
        after, limit = int(args["after"]), int(args.get("limit", DEFAULT_PAGE_SIZE))

        def window(cursor):
            params = floor_sql.message_window_params(tenant, session_id, after, limit)
            rows = cursor.execute(floor_sql.MESSAGE_WINDOW, params).fetchall()
            if not rows:  # an empty range, or no such session?
                params = floor_sql.session_by_id_params(tenant, session_id)
                if cursor.execute(floor_sql.SESSION_BY_ID, params).fetchone() is None:
                    return problem(404)
            has_more = len(rows) > limit
            items = [message_json(row) for row in rows[:limit]]
            headers = {**JSON, "X-Pagination": json.dumps({"has_more": has_more})}
            if has_more:
                url = this_url_with(("page", "size"), after=items[-1]["seq"])
                headers["Link"] = f'<{url}>; rel="next"'
            return dumps(items), 200, headers

        return in_transaction(window)

    page = int(args.get("page", 1))
    size = int(args.get("size") or args.get("page_size") or DEFAULT_PAGE_SIZE)

    def numbered(cursor):
        params = floor_sql.session_by_id_params(tenant, session_id)
        session = cursor.execute(floor_sql.SESSION_BY_ID, params).fetchone()
        if session is None:
            return problem(404)
        params = floor_sql.message_page_params(tenant, session_id, page, size)
        rows = cursor.execute(floor_sql.MESSAGE_PAGE, params).fetchall()
        body = dumps([message_json(row) for row in rows])
        return body, 200, page_headers(page, size, session[7])  # its message_count

    return in_transaction(numbered)


@app.get("/api/sessions")
def list_sessions():
    tenant, user_id = g.tenant, request.args["user_id"]
    page = int(request.args.get("page", 1))
    size = int(request.args.get("size") or request.args.get("page_size") or DEFAULT_PAGE_SIZE)

    def answer(cursor):
        params = floor_sql.count_user_sessions_params(tenant, user_id)
        total = cursor.execute(floor_sql.COUNT_USER_SESSIONS, params).fetchone()[0]
        params = floor_sql.user_sessions_page_params(tenant, user_id, page, size)
        rows = cursor.execute(floor_sql.USER_SESSIONS_PAGE, params).fetchall()
        return dumps([session_json(row) for row in rows]), 200, page_headers(page, size, total)

    return in_transaction(answer)
