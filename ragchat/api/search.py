"""Full-text search across the tenant's chats."""

from datetime import UTC

from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validates_schema
from marshmallow.validate import Length

from ragchat import search
from ragchat.api.auth import current_tenant, require_scope
from ragchat.api.pagination import WINDOW_HEADERS_DOC, limit_field, window_headers
from ragchat.api.parsing import ApiBlueprint
from ragchat.fields import Instant, Sender, Text, user_id_field
from ragchat.models import SENDERS
from ragchat.rules import DEFAULT_PAGE_SIZE
from ragchat.transactions import one_transaction

blp = ApiBlueprint(
    "search",
    __name__,
    url_prefix="/api/search",
    description="Find messages by their content and sessions by their title.",
)

QUERY_SYNTAX = (
    'Words to find, all of them: `refund policy`. `"exact phrase"` in quotes, `OR` between '
    "alternatives, `-word` to exclude. The last word also matches as a prefix. Words are "
    "matched by their stem in the configured SEARCH_LANGUAGE (refunds finds refund)."
)


def moment(description):
    return Instant(
        default_timezone=UTC, metadata={"description": f"{description} (ISO 8601; UTC if no zone)."}
    )


class SearchArgsSchema(Schema):
    q = Text(
        required=True,
        strip=True,
        validate=Length(min=1, max=500),
        metadata={"description": QUERY_SYNTAX},
    )
    user_id = user_id_field(metadata={"description": "Only this end user's chats."})
    session_id = fields.UUID(metadata={"description": "Only this session."})
    sender = Sender(
        metadata={
            "description": "Only messages from this sender (title matches are left out).",
            "enum": [*SENDERS, "assistant"],
        }
    )
    since = moment("Only messages sent (sessions started) at or after this time")
    until = moment("Only messages sent (sessions started) before this time")
    cursor = Text(
        validate=Length(max=500),
        metadata={"description": "The cursor from the previous Link rel=next."},
    )
    limit = limit_field()

    @validates_schema
    def check_range(self, data, **kwargs):
        if "since" in data and "until" in data and data["until"] <= data["since"]:
            raise ValidationError("Must be later than since.", "until")


class SearchHitSchema(Schema):
    match = fields.String(
        metadata={
            "description": "message: the message's content matched; title: the session's title.",
            "enum": ["message", "title"],
        }
    )
    session_id = fields.UUID()
    session_title = fields.String()
    user_id = fields.String()
    message_id = fields.UUID(allow_none=True, metadata={"description": "null for a title match."})
    seq = fields.Integer(
        allow_none=True, metadata={"description": "The message's place in its session."}
    )
    sender = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(
        metadata={"description": "When the message was sent (the session started)."}
    )
    rank = fields.Float(
        metadata={"description": "Relevance; higher is better. Comparable within one search."}
    )
    snippet = fields.String(
        metadata={
            "description": "HTML: the text around the match, escaped, the matching words in <mark>."
        }
    )


@blp.route("")
class Search(MethodView):
    decorators = [require_scope(), one_transaction]

    @blp.arguments(SearchArgsSchema(), location="query")
    @blp.response(200, SearchHitSchema(many=True), headers=WINDOW_HEADERS_DOC)
    def get(self, args):
        """Search messages and session titles, best matches first"""
        hits, cursor = search.search(
            current_tenant(),
            args.pop("q"),
            limit=args.pop("limit", DEFAULT_PAGE_SIZE),
            **args,
        )
        return hits, window_headers(cursor is not None, cursor=cursor)
