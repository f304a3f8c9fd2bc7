"""Messages of a session: append, and read in order."""

from flask.views import MethodView
from marshmallow import Schema, fields
from marshmallow.validate import Length, OneOf

from ragchat import chats
from ragchat.api.auth import current_tenant, require_scope
from ragchat.api.fields import JSONObject, Sender, Text
from ragchat.api.pagination import PAGINATION_HEADERS_DOC, PageArgsSchema, pagination_headers
from ragchat.api.parsing import ApiBlueprint
from ragchat.models import SENDERS

blp = ApiBlueprint(
    "messages",
    __name__,
    url_prefix="/api/sessions/<uuid:session_id>/messages",
    description="The turns of a conversation, each with the RAG context behind it.",
)

CONTEXT_EXAMPLE = {
    "chunks": [
        {"source": "handbook.pdf#page=12", "score": 0.82, "text": "Refunds are issued within…"}
    ],
    "model": "gpt-4o-mini",
}


class MessageCreateSchema(Schema):
    sender = Sender(
        required=True,
        metadata={
            "description": "user, ai or system, in any case; assistant is stored as ai.",
            "enum": [*SENDERS, "assistant"],
        },
    )
    content = Text(
        required=True,
        validate=Length(min=1),
        metadata={"example": "Refunds take up to five working days."},
    )
    context = JSONObject(
        load_default=dict,
        metadata={
            "description": "The retrieved passages and anything else behind the "
            "message, as a JSON object.",
            "example": CONTEXT_EXAMPLE,
        },
    )


class MessageSchema(Schema):
    id = fields.UUID(dump_only=True)
    session_id = fields.UUID(dump_only=True)
    seq = fields.Integer(dump_only=True, metadata={"description": "Position in the session."})
    sender = fields.String(validate=OneOf(SENDERS))
    content = fields.String()
    context = fields.Dict(metadata={"example": CONTEXT_EXAMPLE})
    created_at = fields.AwareDateTime(dump_only=True)


@blp.route("")
class Messages(MethodView):
    decorators = [require_scope()]

    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, MessageSchema(many=True), headers=PAGINATION_HEADERS_DOC)
    def get(self, args, session_id):
        """List a session's messages, oldest first"""
        page = chats.list_messages(
            current_tenant(), session_id, page=args["page"], size=args["size"]
        )
        return page.items, pagination_headers(page)

    @blp.arguments(MessageCreateSchema)
    @blp.response(201, MessageSchema)
    def post(self, message, session_id):
        """Append a message to a session"""
        return chats.append_message(current_tenant(), session_id, **message)
