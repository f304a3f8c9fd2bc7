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


# POST /api/sessions/{id}/messages, one message (ragchat.chats.messages.insert_claiming_seqs):
# the claim of the next seq and the insert in one statement. Returns (id, seq); no row when
# the session does not exist.
APPEND_MESSAGE = """
WITH claimed AS (UPDATE chat_sessions
    SET last_seq=(chat_sessions.last_seq + %(count)s::INTEGER),
        message_count=(chat_sessions.message_count + %(count)s::INTEGER),
        updated_at=%(now)s::TIMESTAMP WITH TIME ZONE
    WHERE chat_sessions.tenant_id = %(tenant)s::VARCHAR
        AND chat_sessions.id = %(session_id)s::UUID
    RETURNING chat_sessions.last_seq)
INSERT INTO chat_messages (session_id, seq, tenant_id, id, sender, content, context, metadata,
    extra, created_at)
SELECT %(session_id)s::UUID AS anon_1,
    (claimed.last_seq - %(count)s::INTEGER) + %(param_1)s::INTEGER + %(param_2)s::INTEGER AS seq,
    %(tenant_id_0)s::VARCHAR AS anon_2, %(id_0)s::UUID AS anon_3, %(sender_0)s::VARCHAR AS anon_4,
    %(content_0)s::VARCHAR AS anon_5, %(context_0)s::JSONB AS anon_6,
    %(metadata_0)s::JSONB AS anon_7, %(extra_0)s::JSONB AS anon_8,
    %(created_at_0)s::TIMESTAMP WITH TIME ZONE AS anon_9
FROM claimed
RETURNING chat_messages.id, chat_messages.seq
"""


def append_message_params(tenant, session_id, message_id, message, now):
    """`message` holds sender, content and the JSON values wrapped for psycopg (Jsonb)."""
    return {
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
