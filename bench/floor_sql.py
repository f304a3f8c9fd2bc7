"""The floor's SQL: the statements ragchat runs for each load scenario, as SQLAlchemy renders
them for psycopg (`%(name)s` placeholders), and the parameters ragchat binds to them.

Copied from ragchat, not written anew: tests/test_bench_floor.py captures what ragchat runs
per scenario (a `before_cursor_execute` listener, and libpq's trace of the wire) and fails,
printing ragchat's statements and parameters, when these differ from them (after collapsing
whitespace and numbering the placeholders as psycopg sends them: $1, $2, …). When ragchat's
statements change, change them here: the text, and the parameter function beside it.
bench/floor_app.py only runs what this module gives it.
"""

# POST /api/sessions (ragchat.chats.sessions.insert_session). Rows: chat_sessions' columns.
INSERT_SESSION = """
INSERT INTO chat_sessions (tenant_id, id, user_id, title, key, is_favorite, last_seq,
    message_count, metadata, created_at, updated_at)
VALUES (%(tenant_id)s::VARCHAR, %(id)s::UUID, %(user_id)s::VARCHAR, %(title)s::VARCHAR,
    %(key)s::VARCHAR, %(is_favorite)s, %(last_seq)s::INTEGER, %(message_count)s::INTEGER,
    %(metadata)s::JSONB, %(created_at)s::TIMESTAMP WITH TIME ZONE,
    %(updated_at)s::TIMESTAMP WITH TIME ZONE)
ON CONFLICT DO NOTHING
RETURNING chat_sessions.tenant_id, chat_sessions.id, chat_sessions.user_id, chat_sessions.title,
    chat_sessions.key, chat_sessions.is_favorite, chat_sessions.last_seq,
    chat_sessions.message_count, chat_sessions.metadata, chat_sessions.created_at,
    chat_sessions.updated_at
"""


def insert_session_params(tenant, session_id, user_id, title, key, metadata, now):
    """ragchat binds its models' Python defaults too (is_favorite, last_seq, …)."""
    return {
        "tenant_id": tenant,
        "id": session_id,
        "user_id": user_id,
        "title": title,
        "key": key,
        "is_favorite": False,
        "last_seq": 0,
        "message_count": 0,
        "metadata": metadata,
        "created_at": now,
        "updated_at": now,
    }


# POST /api/sessions/{id}/messages, one message (ragchat.chats.appends.claiming_insert): the
# claim of the next seq, the insert of the message and of the sources it cites (`cited` of
# them) in one statement. Returns (id, seq); no row when the session does not exist.
def append_message_sql(cited):
    # Built from constants and counts only: no value is spliced in (hence the noqa S608).
    sources = ""
    if cited:
        rows = " UNION ALL ".join(
            f"""SELECT %(tenant)s::VARCHAR AS anon_{6 * n + 1},
                %(source_message_{n})s::UUID AS anon_{6 * n + 2},
                %(session_id)s::UUID AS anon_{6 * n + 3},
                %(source_{n})s::VARCHAR AS anon_{6 * n + 4},
                %(source_url_{n})s::VARCHAR AS anon_{6 * n + 5},
                %(now)s::TIMESTAMP WITH TIME ZONE AS anon_{6 * n + 6} FROM claimed"""  # noqa: S608
            for n in range(cited)
        )
        sources = f""", sourced AS (INSERT INTO message_sources
            (tenant_id, message_id, session_id, source, url, created_at) {rows})"""
    first = 6 * cited + 1
    columns = ("tenant_id_0::VARCHAR", "id_0::UUID", "sender_0::VARCHAR", "content_0::VARCHAR")
    columns += ("context_0::JSONB", "metadata_0::JSONB", "extra_0::JSONB")
    columns += ("created_at_0::TIMESTAMP WITH TIME ZONE", "passage_count_0::INTEGER")
    values = [
        f"%({name.split('::')[0]})s::{name.split('::')[1]} AS anon_{first + 1 + n}"
        for n, name in enumerate(columns)
    ]
    facts = (
        f"CAST(%(best_score_0)s AS FLOAT) AS anon_{first + 10}",
        f"%(model_0)s::VARCHAR AS anon_{first + 11}",
        f"CAST(%(latency_ms_0)s AS FLOAT) AS anon_{first + 12}",
        f"%(prompt_tokens_0)s::INTEGER AS anon_{first + 13}",
        f"%(completion_tokens_0)s::INTEGER AS anon_{first + 14}",
    )
    return f"""
WITH claimed AS (UPDATE chat_sessions
    SET last_seq=(chat_sessions.last_seq + %(count)s::INTEGER),
        message_count=(chat_sessions.message_count + %(count)s::INTEGER),
        updated_at=%(now)s::TIMESTAMP WITH TIME ZONE
    WHERE chat_sessions.tenant_id = %(tenant)s::VARCHAR
        AND chat_sessions.id = %(session_id)s::UUID
    RETURNING chat_sessions.last_seq){sources}
INSERT INTO chat_messages (session_id, seq, tenant_id, id, sender, content, context, metadata,
    extra, created_at, passage_count, best_score, model, latency_ms, prompt_tokens,
    completion_tokens)
SELECT %(session_id)s::UUID AS anon_{first},
    (claimed.last_seq - %(count)s::INTEGER) + %(param_1)s::INTEGER + %(param_2)s::INTEGER AS seq,
    {", ".join(values)}, {", ".join(facts)}
FROM claimed
RETURNING chat_messages.id, chat_messages.seq
"""  # noqa: S608


# The load benchmark's answer cites four sources (bench/wrk/append_message.lua).
APPEND_MESSAGE = append_message_sql(4)


def append_message_params(tenant, session_id, message_id, message, now, facts):
    """`message` holds sender, content and the JSON values wrapped for psycopg (Jsonb);
    `facts` are its AnswerFacts (ragchat.chats.facts), as ragchat reads them."""
    params = {
        "count": 1,  # the messages appended
        "now": now,
        "tenant": tenant,
        "session_id": session_id,
        "param_1": 1,  # last_seq - count + 1 + position: the seq
        "param_2": 0,
        "tenant_id_0": tenant,
        "id_0": message_id,
        "sender_0": message["sender"],
        "content_0": message["content"],
        "context_0": message["context"],
        "metadata_0": message["metadata"],
        "extra_0": message["extra"],
        "created_at_0": now,
    }
    params.update((f"{name}_0", value) for name, value in facts.columns().items())
    for n, (label, link) in enumerate(facts.sources):
        params |= {f"source_message_{n}": message_id, f"source_{n}": label, f"source_url_{n}": link}
    return params


# GET /api/sessions/{id}/messages?after=N&limit=L (ragchat.chats.messages.message_window):
# L + 1 rows tell whether more follow. Rows: chat_messages' columns.
MESSAGE_WINDOW = """
SELECT chat_messages.tenant_id, chat_messages.id, chat_messages.session_id, chat_messages.seq,
    chat_messages.sender, chat_messages.content, chat_messages.context, chat_messages.metadata,
    chat_messages.extra, chat_messages.created_at, chat_messages.feedback_rating,
    chat_messages.feedback_comment, chat_messages.feedback_at
FROM chat_messages
WHERE chat_messages.tenant_id = %(tenant)s::VARCHAR
    AND chat_messages.session_id = %(session_id)s::UUID
    AND chat_messages.seq > %(after)s::INTEGER
ORDER BY chat_messages.seq
LIMIT %(limit)s::INTEGER
"""


def message_window_params(tenant, session_id, after, limit):
    return {"tenant": tenant, "session_id": session_id, "after": after, "limit": limit + 1}


# The session by its key (ragchat.chats.sessions.get_session): before a numbered page of its
# messages (whose total is its message_count), and after an empty keyset window (to tell an
# empty range from a missing session). Rows: chat_sessions' columns.
SESSION_BY_ID = """
SELECT chat_sessions.tenant_id, chat_sessions.id, chat_sessions.user_id, chat_sessions.title,
    chat_sessions.key, chat_sessions.is_favorite, chat_sessions.last_seq,
    chat_sessions.message_count, chat_sessions.metadata, chat_sessions.created_at,
    chat_sessions.updated_at
FROM chat_sessions
WHERE chat_sessions.tenant_id = %(pk_1)s::VARCHAR AND chat_sessions.id = %(pk_2)s::UUID
"""


def session_by_id_params(tenant, session_id):
    return {"pk_1": tenant, "pk_2": session_id}


# GET /api/sessions/{id}/messages?page=P&size=S (ragchat.chats.messages.list_messages), after
# SESSION_BY_ID. Rows: chat_messages' columns.
MESSAGE_PAGE = """
SELECT chat_messages.tenant_id, chat_messages.id, chat_messages.session_id, chat_messages.seq,
    chat_messages.sender, chat_messages.content, chat_messages.context, chat_messages.metadata,
    chat_messages.extra, chat_messages.created_at, chat_messages.feedback_rating,
    chat_messages.feedback_comment, chat_messages.feedback_at
FROM chat_messages
WHERE chat_messages.tenant_id = %(tenant_id_1)s::VARCHAR
    AND chat_messages.session_id = %(session_id_1)s::UUID
ORDER BY chat_messages.seq
LIMIT %(param_1)s::INTEGER OFFSET %(param_2)s::INTEGER
"""


def message_page_params(tenant, session_id, page, size):
    return {
        "tenant_id_1": tenant,
        "session_id_1": session_id,
        "param_1": size,
        "param_2": (page - 1) * size,
    }


# GET /api/sessions?user_id=U (ragchat.chats.sessions.list_sessions through
# ragchat.paging.paginate): the total, then the page. Page rows: chat_sessions' columns.
COUNT_USER_SESSIONS = """
SELECT count(*) AS count_1
FROM (SELECT chat_sessions.tenant_id AS tenant_id, chat_sessions.id AS id,
        chat_sessions.user_id AS user_id, chat_sessions.title AS title,
        chat_sessions.key AS key, chat_sessions.is_favorite AS is_favorite,
        chat_sessions.last_seq AS last_seq, chat_sessions.message_count AS message_count,
        chat_sessions.metadata AS metadata, chat_sessions.created_at AS created_at,
        chat_sessions.updated_at AS updated_at
    FROM chat_sessions
    WHERE chat_sessions.tenant_id = %(tenant_id_1)s::VARCHAR
        AND chat_sessions.user_id = %(user_id_1)s::VARCHAR) AS anon_1
"""


def count_user_sessions_params(tenant, user_id):
    return {"tenant_id_1": tenant, "user_id_1": user_id}


USER_SESSIONS_PAGE = """
SELECT chat_sessions.tenant_id, chat_sessions.id, chat_sessions.user_id, chat_sessions.title,
    chat_sessions.key, chat_sessions.is_favorite, chat_sessions.last_seq,
    chat_sessions.message_count, chat_sessions.metadata, chat_sessions.created_at,
    chat_sessions.updated_at
FROM chat_sessions
WHERE chat_sessions.tenant_id = %(tenant_id_1)s::VARCHAR
    AND chat_sessions.user_id = %(user_id_1)s::VARCHAR
ORDER BY chat_sessions.updated_at DESC, chat_sessions.id DESC
LIMIT %(param_1)s::INTEGER OFFSET %(param_2)s::INTEGER
"""


def user_sessions_page_params(tenant, user_id, page, size):
    return {
        "tenant_id_1": tenant,
        "user_id_1": user_id,
        "param_1": size,
        "param_2": (page - 1) * size,
    }


# What each load scenario runs, in order, inside one transaction: BEGIN, these, then how
# it ends (ragchat ends reads with COMMIT too). The test holds ragchat to it.
SCENARIOS = {
    "create_session": ((INSERT_SESSION,), "COMMIT"),
    "append_message": ((APPEND_MESSAGE,), "COMMIT"),
    "read_page": ((MESSAGE_WINDOW,), "COMMIT"),
    "read_first_page": ((SESSION_BY_ID, MESSAGE_PAGE), "COMMIT"),
    "list_sessions": ((COUNT_USER_SESSIONS, USER_SESSIONS_PAGE), "COMMIT"),
}
