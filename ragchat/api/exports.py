"""Exports: one session as a JSON or Markdown download, many as NDJSON, streamed."""

from flask.views import MethodView
from marshmallow import Schema, fields
from marshmallow.validate import OneOf

from ragchat.api.auth import current_tenant, require_scope
from ragchat.api.parsing import ApiBlueprint
from ragchat.chats import exports
from ragchat.fields import Instant, user_id_field
from ragchat.transactions import one_transaction

blp = ApiBlueprint(
    "exports",
    __name__,
    url_prefix="/api",
    description="Chats as files: one as JSON or Markdown, many as NDJSON; streamed.",
)

DISPOSITION = {
    "Content-Disposition": {
        "description": "attachment, with a file name such as chat-<id>.json",
        "schema": {"type": "string"},
    }
}
MESSAGE_ITEM = {
    "type": "object",
    "description": "id, seq, sender, content, context, extra, metadata, feedback, created_at",
}
SESSION_OBJECT = {
    "type": "object",
    "description": "A session as stored (tenant, id, user_id, key, title, is_favorite, metadata, "
    "created_at, updated_at, last_seq, message_count) with all its messages in seq order.",
    "properties": {"messages": {"type": "array", "items": MESSAGE_ITEM}},
}


SESSION_DOWNLOAD = {
    "description": "The session with all its messages, as a download.",
    "headers": DISPOSITION,
    "content": {
        "application/json": {"schema": SESSION_OBJECT},
        "text/markdown": {"schema": {"type": "string"}},
    },
}
SESSIONS_DOWNLOAD = {
    "description": "One line per session (the JSON object of the single-session export), in "
    "no particular order, streamed.",
    "headers": DISPOSITION,
    "content": {exports.NDJSON: {"schema": SESSION_OBJECT}},
}
SINCE = "Only sessions active at or after this time (ISO 8601, with zone)."


class SessionExportArgsSchema(Schema):
    format = fields.String(
        load_default="json",
        validate=OneOf(list(exports.SESSION_FORMATS)),
        metadata={"description": "json (default): the session as stored; markdown: a transcript."},
    )


class ExportArgsSchema(Schema):
    user_id = user_id_field(
        metadata={"description": "Only this end user's sessions (default: the whole tenant)."},
    )
    updated_since = Instant(metadata={"description": SINCE})


@blp.route("/sessions/<uuid:session_id>/export")
class SessionExport(MethodView):
    decorators = [require_scope(), one_transaction]

    @blp.arguments(SessionExportArgsSchema(), location="query")
    @blp.doc(responses={200: SESSION_DOWNLOAD})
    def get(self, args, session_id):
        """Download a session with all its messages, as JSON or a Markdown transcript"""
        download = exports.session_download(current_tenant(), session_id, args["format"])
        return exports.respond(download)


@blp.route("/export")
class Export(MethodView):
    decorators = [require_scope(), one_transaction]

    @blp.arguments(ExportArgsSchema(), location="query")
    @blp.doc(responses={200: SESSIONS_DOWNLOAD})
    def get(self, args):
        """Export your tenant's (or one user's) sessions with their messages as NDJSON"""
        download = exports.chats_download(
            current_tenant(), args.get("user_id"), args.get("updated_since")
        )
        return exports.respond(download)
