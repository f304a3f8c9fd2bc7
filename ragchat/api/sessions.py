"""Chat sessions: create, list a user's, read, rename or favorite, delete."""

import re

from flask import request, url_for
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields
from marshmallow.validate import Length, OneOf

from ragchat.api import pagination
from ragchat.api.auth import current_tenant, require_scope
from ragchat.api.idempotency import idempotent
from ragchat.api.messages import MessageSchema
from ragchat.api.openapi import EXTRA_PARAMETERS
from ragchat.api.parsing import ApiBlueprint
from ragchat.chats import messages, sessions
from ragchat.fields import (
    Metadata,
    StrictBoolean,
    Text,
    conversation_key_field,
    title_field,
    user_id_field,
)
from ragchat.rules import DEFAULT_PAGE_SIZE, USER_ID_LENGTH, metadata_problem
from ragchat.transactions import one_transaction

blp = ApiBlueprint(
    "sessions",
    __name__,
    url_prefix="/api/sessions",
    description="Chat sessions: one per conversation, owned by an end user.",
)

USER_ID = {
    "description": f"The end user's id in your system: any string of 1-{USER_ID_LENGTH} chars."
}


class SessionCreateSchema(Schema):
    user_id = user_id_field(required=True, metadata=USER_ID)
    key = conversation_key_field(
        metadata={
            "description": "Your own name for the conversation (a framework's session or "
            "thread id), unique in your tenant: 409 if another session has it. "
            "PUT /api/sessions/by-key/{key} opens or creates a session by its key."
        }
    )
    title = title_field(metadata={"description": f'Defaults to "{sessions.DEFAULT_TITLE}".'})
    metadata = Metadata(load_default=dict)


class SessionUpdateSchema(Schema):
    title = title_field()
    is_favorite = StrictBoolean()
    metadata = Metadata(
        removable=True,
        metadata={"description": "Merged into the session's metadata; null removes a key."},
    )


class SessionQueryArgsSchema(pagination.PageArgsSchema):
    user_id = user_id_field(required=True, metadata=USER_ID)
    is_favorite = fields.Boolean()
    has_feedback = fields.String(
        validate=OneOf(["up", "down", "any"]),
        metadata={"description": "Only sessions with a message rated so (any: rated at all)."},
    )
    cursor = Text(
        validate=Length(max=500),
        metadata={"description": "Keyset paging: the cursor from the previous Link rel=next."},
    )
    limit = pagination.limit_field()


METADATA_FILTER_DOC = {
    "in": "query",
    "name": "metadata",
    "style": "deepObject",
    "explode": True,
    "schema": {"type": "object", "additionalProperties": {"type": "string"}},
    "description": "metadata[key]=value: only sessions whose metadata has that value.",
}
METADATA_FILTER = re.compile(r"metadata\[(.*)\]")


def metadata_filters():
    """The metadata[key]=value pairs of the query string, checked like metadata itself."""
    filters = {}
    for name, value in request.args.items():
        match = METADATA_FILTER.fullmatch(name)
        if match:
            problem = metadata_problem(match[1], value)
            if problem:
                abort(422, messages={"query": {name: [problem]}})
            filters[match[1]] = value
    return filters


class SessionReadArgsSchema(Schema):
    include = fields.String(
        validate=OneOf(["messages"]),
        metadata={"description": "messages: also return the first page of messages."},
    )


class SessionSchema(Schema):
    id = fields.UUID(dump_only=True)
    user_id = fields.String()
    key = fields.String(
        allow_none=True, metadata={"description": "Your own name for the conversation."}
    )
    title = fields.String()
    is_favorite = fields.Boolean()
    message_count = fields.Integer(dump_only=True)
    metadata = fields.Dict(attribute="meta", metadata={"example": {"model": "gpt-4o-mini"}})
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(
        dump_only=True, metadata={"description": "Last activity: creation or newest message."}
    )

    def dump(self, obj, *, many=None):
        """Written out directly, field by field as declared above, like MessageSchema (and
        held equal to marshmallow's own dump by tests/api/test_sessions.py)."""
        many = self.many if many is None else many
        return [self.fields_of(session) for session in obj] if many else self.fields_of(obj)

    def fields_of(self, session):
        return {
            "id": str(session.id),
            "user_id": session.user_id,
            "key": session.key,
            "title": session.title,
            "is_favorite": session.is_favorite,
            "message_count": session.message_count,
            "metadata": session.meta,
            "created_at": session.created_at.isoformat(),
            "updated_at": session.updated_at.isoformat(),
        }


class SessionDetailSchema(SessionSchema):
    messages = fields.List(
        fields.Nested(MessageSchema),
        metadata={"description": "With include=messages: the first page of messages."},
    )

    def fields_of(self, session):
        found = super().fields_of(session)
        if "messages" in vars(session):  # set for include=messages only
            found["messages"] = MessageSchema(many=True).dump(session.messages)
        return found


@blp.route("")
class Sessions(MethodView):
    decorators = [require_scope(), one_transaction]

    @blp.arguments(SessionQueryArgsSchema(), location="query")
    @blp.response(200, SessionSchema(many=True), headers=pagination.PAGINATION_HEADERS_DOC)
    @blp.doc(**{EXTRA_PARAMETERS: [METADATA_FILTER_DOC]})
    def get(self, args):
        """List a user's sessions, most recently active first"""
        filters = {
            "is_favorite": args.get("is_favorite"),
            "has_feedback": args.get("has_feedback"),
            "metadata": metadata_filters(),
        }
        if "cursor" in args or "limit" in args:
            found, cursor = sessions.session_window(
                current_tenant(),
                args["user_id"],
                cursor=args.get("cursor"),
                limit=args.get("limit", DEFAULT_PAGE_SIZE),
                **filters,
            )
            return found.items, pagination.window_headers(found.has_more, cursor=cursor)
        page = sessions.list_sessions(
            current_tenant(), args["user_id"], page=args["page"], size=args["size"], **filters
        )
        return page.items, pagination.pagination_headers(page)

    @idempotent
    @blp.arguments(SessionCreateSchema())
    @blp.response(201, SessionSchema)
    def post(self, data):
        """Start a session"""
        session = sessions.create_session(current_tenant(), **data)
        return session, {"Location": url_for("sessions.SessionItem", session_id=session.id)}


@blp.route("/<uuid:session_id>")
class SessionItem(MethodView):
    decorators = [require_scope(), one_transaction]

    @blp.arguments(SessionReadArgsSchema(), location="query")
    @blp.response(200, SessionDetailSchema)
    def get(self, args, session_id):
        """Read a session, optionally with its first page of messages"""
        session = sessions.get_session(current_tenant(), session_id)
        if args.get("include") == "messages":
            # A plain attribute for this response only; SessionDetailSchema skips it if unset.
            session.messages = messages.list_messages(current_tenant(), session_id).items
        return session

    @blp.arguments(SessionUpdateSchema())
    @blp.response(200, SessionSchema)
    def patch(self, changes, session_id):
        """Rename a session or mark it as a favorite"""
        return sessions.update_session(current_tenant(), session_id, changes)

    put = patch

    @blp.response(204)
    def delete(self, session_id):
        """Delete a session and all its messages"""
        sessions.delete_session(current_tenant(), session_id)
