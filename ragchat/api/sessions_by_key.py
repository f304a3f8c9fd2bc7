"""Sessions by the caller's own name for a conversation (a framework's session id, thread id
or chat store key): open one, creating it on first use; read one; list those with keys."""

from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema
from marshmallow.validate import Length

from ragchat.api import pagination
from ragchat.api.auth import current_tenant, require_scope
from ragchat.api.parsing import ApiBlueprint
from ragchat.api.sessions import USER_ID, SessionSchema
from ragchat.chats import sessions
from ragchat.fields import Metadata, Text, title_field, user_id_field
from ragchat.rules import DEFAULT_PAGE_SIZE, conversation_key_problem
from ragchat.transactions import one_transaction

blp = ApiBlueprint(
    "sessions_by_key",
    __name__,
    url_prefix="/api/sessions/by-key",
    description="Conversations named by your own key (a framework's session or thread id): "
    "one request opens or creates one, then its id serves every other call.",
)


class OpenSessionSchema(Schema):
    user_id = user_id_field(required=True, metadata=USER_ID)
    title = title_field(metadata={"description": "Only used when the session is created."})
    metadata = Metadata(
        load_default=dict, metadata={"description": "Only used when the session is created."}
    )


class KeyedSessionArgsSchema(Schema):
    user_id = user_id_field(metadata={"description": "Only this end user's sessions."})
    cursor = Text(
        validate=Length(max=500),
        metadata={"description": "Keyset paging: the cursor from the previous Link rel=next."},
    )
    limit = pagination.limit_field()


@blp.route("")
class KeyedSessions(MethodView):
    decorators = [require_scope(), one_transaction]

    @blp.arguments(KeyedSessionArgsSchema(), location="query")
    @blp.response(200, SessionSchema(many=True), headers=pagination.WINDOW_HEADERS_DOC)
    def get(self, args):
        """List your tenant's sessions that have a key, most recently active first"""
        found, cursor = sessions.session_window(
            current_tenant(),
            args.get("user_id"),
            cursor=args.get("cursor"),
            limit=args.get("limit", DEFAULT_PAGE_SIZE),
            keyed=True,
        )
        return found.items, pagination.window_headers(found.has_more, cursor=cursor)


@blp.route("/<path:key>")
class KeyedSession(MethodView):
    decorators = [require_scope(), one_transaction]

    @blp.response(200, SessionSchema)
    def get(self, key):
        """Read the session with this key"""
        return sessions.get_session_by_key(current_tenant(), checked(key))

    @blp.arguments(OpenSessionSchema())
    @blp.response(200, SessionSchema)
    @blp.alt_response(409, response="CONFLICT", description="The key names another user's.")
    def put(self, data, key):
        """Open the session with this key, creating it for the user on first use"""
        return sessions.open_conversation(current_tenant(), checked(key), **data)


def checked(key):
    """The key from the path, or a 422 naming what is wrong with it."""
    problem = conversation_key_problem(key)
    if problem:
        abort(422, messages={"path": {"key": [problem]}})
    return key
