"""Messages of a session: append (one or a batch), read in order, read or delete one."""

from flask.views import MethodView
from marshmallow import Schema, fields
from marshmallow.validate import Length, OneOf, Range

from ragchat.api.auth import current_tenant, require_scope
from ragchat.api.idempotency import idempotent
from ragchat.api.pagination import (
    PAGINATION_HEADERS_DOC,
    PageArgsSchema,
    limit_field,
    pagination_headers,
    window_headers,
)
from ragchat.api.parsing import ApiBlueprint
from ragchat.chats import appends, messages
from ragchat.fields import JSONObject, Metadata, Sender, Text
from ragchat.models import RATINGS, SENDERS
from ragchat.rules import DEFAULT_PAGE_SIZE, MAX_BATCH, MAX_SEQ
from ragchat.transactions import one_transaction

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
            "description": "user, ai, system or tool (a tool's output), in any case; "
            "assistant is stored as ai.",
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
    extra = JSONObject(
        load_default=dict,
        metadata={
            "description": "Whatever else your framework's message carries (its type, id, "
            "name, tool_calls, tool_call_id, additional_kwargs, content blocks, …), as a JSON "
            "object: kept as sent and returned as it was. tool_calls (name, args, id) and "
            "name are shown in the review UI.",
            "example": {"tool_calls": [{"name": "search_docs", "args": {"q": "refunds"}}]},
        },
    )
    metadata = Metadata(
        load_default=dict,
        metadata={
            "description": "Your own string pairs, e.g. model, prompt_tokens, "
            "completion_tokens, latency_ms, retriever.",
            "example": {"model": "gpt-4o-mini", "prompt_tokens": "812", "latency_ms": "930"},
        },
    )


class MessageBatchSchema(Schema):
    messages = fields.List(
        fields.Nested(MessageCreateSchema),
        required=True,
        validate=Length(min=1, max=MAX_BATCH),
        metadata={"description": f"1 to {MAX_BATCH} messages, stored all or none, in order."},
    )


class MessageQueryArgsSchema(PageArgsSchema):
    after = fields.Integer(
        validate=Range(min=0, max=MAX_SEQ),
        metadata={"description": "Keyset paging: messages after this seq."},
    )
    before = fields.Integer(
        validate=Range(min=1, max=MAX_SEQ),
        metadata={"description": "Keyset paging: messages before this seq."},
    )
    limit = limit_field()
    order = fields.String(
        validate=OneOf(["asc", "desc"]),
        metadata={"description": "Keyset paging: asc (oldest first, default) or desc."},
    )


class FeedbackSchema(Schema):
    rating = fields.String(validate=OneOf(RATINGS))
    comment = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()


class MessageSchema(Schema):
    id = fields.UUID(dump_only=True)
    session_id = fields.UUID(dump_only=True)
    seq = fields.Integer(dump_only=True, metadata={"description": "Position in the session."})
    sender = fields.String(validate=OneOf(SENDERS))
    content = fields.String()
    context = fields.Dict(metadata={"example": CONTEXT_EXAMPLE})
    extra = fields.Dict()
    metadata = fields.Dict(attribute="meta")
    feedback = fields.Nested(FeedbackSchema, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)

    def dump(self, obj, *, many=None):
        """Messages are most of what the API writes (a page is tens of them): written out
        directly, field by field as declared above, which is several times faster than
        marshmallow's generic walk. tests/api/test_messages.py holds the two equal."""
        many = self.many if many is None else many
        return [message_fields(message) for message in obj] if many else message_fields(obj)


def message_fields(message):
    rated = message.feedback_rating
    return {
        "id": str(message.id),
        "session_id": str(message.session_id),
        "seq": message.seq,
        "sender": message.sender,
        "content": message.content,
        "context": message.context,
        "extra": message.extra,
        "metadata": message.meta,
        "feedback": None
        if rated is None
        else {
            "rating": rated,
            "comment": message.feedback_comment,
            "created_at": message.feedback_at.isoformat(),
        },
        "created_at": message.created_at.isoformat(),
    }


class MessageBatchResultSchema(Schema):
    messages = fields.List(fields.Nested(MessageSchema))


KEYSET_ARGS = ("after", "before", "limit", "order")


@blp.route("")
class Messages(MethodView):
    decorators = [require_scope(), one_transaction]

    @blp.arguments(MessageQueryArgsSchema(), location="query")
    @blp.response(200, MessageSchema(many=True), headers=PAGINATION_HEADERS_DOC)
    def get(self, args, session_id):
        """List a session's messages in order, by page or by seq"""
        if not any(name in args for name in KEYSET_ARGS):
            page = messages.list_messages(
                current_tenant(), session_id, page=args["page"], size=args["size"]
            )
            return page.items, pagination_headers(page)
        descending = args.get("order") == "desc"
        found = messages.message_window(
            current_tenant(),
            session_id,
            after=args.get("after"),
            before=args.get("before"),
            limit=args.get("limit", DEFAULT_PAGE_SIZE),
            descending=descending,
        )
        last = found.items[-1].seq if found.items else None
        position = {"before": last} if descending else {"after": last}
        return found.items, window_headers(found.has_more, **position)

    @idempotent
    @blp.arguments(MessageCreateSchema())
    @blp.response(201, MessageSchema)
    def post(self, message, session_id):
        """Append a message to a session"""
        return appends.append_message(current_tenant(), session_id, **message)

    @blp.response(204)
    def delete(self, session_id):
        """Delete all of a session's messages and keep the session (seqs are not reused)"""
        messages.clear_messages(current_tenant(), session_id)


@blp.route("/batch")
class MessageBatch(MethodView):
    decorators = [require_scope(), one_transaction]

    @idempotent
    @blp.arguments(MessageBatchSchema())
    @blp.response(201, MessageBatchResultSchema)
    def post(self, batch, session_id):
        """Append up to 100 messages at once: all or none, with consecutive seqs"""
        stored = appends.append_messages(current_tenant(), session_id, batch["messages"])
        return {"messages": stored}


@blp.route("/<uuid:message_id>")
class MessageItem(MethodView):
    decorators = [require_scope(), one_transaction]

    @blp.response(200, MessageSchema)
    def get(self, session_id, message_id):
        """Read one message"""
        return messages.get_message(current_tenant(), session_id, message_id)

    @blp.response(204)
    def delete(self, session_id, message_id):
        """Delete one message (the others keep their seqs)"""
        messages.delete_message(current_tenant(), session_id, message_id)
