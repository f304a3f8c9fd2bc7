"""Thumbs up or down on a message, with an optional comment."""

from flask.views import MethodView
from marshmallow import Schema, fields
from marshmallow.validate import Length, OneOf

from ragchat.api.auth import current_tenant, require_scope
from ragchat.api.messages import MessageSchema
from ragchat.api.parsing import ApiBlueprint
from ragchat.chats import messages
from ragchat.fields import Text
from ragchat.models import RATINGS
from ragchat.rules import COMMENT_LENGTH
from ragchat.transactions import one_transaction

blp = ApiBlueprint(
    "feedback",
    __name__,
    url_prefix="/api/sessions/<uuid:session_id>/messages/<uuid:message_id>/feedback",
    description="Ratings of answers: find the chats that went wrong with has_feedback=down.",
)


class FeedbackInputSchema(Schema):
    rating = fields.String(required=True, validate=OneOf(RATINGS))
    comment = Text(validate=Length(max=COMMENT_LENGTH), allow_none=True)


@blp.route("")
class Feedback(MethodView):
    decorators = [require_scope(), one_transaction]

    @blp.arguments(FeedbackInputSchema())
    @blp.response(200, MessageSchema)
    def put(self, feedback, session_id, message_id):
        """Rate a message up or down (replacing any earlier rating)"""
        return messages.set_feedback(current_tenant(), session_id, message_id, **feedback)

    @blp.response(200, MessageSchema)
    def delete(self, session_id, message_id):
        """Clear a message's rating"""
        return messages.clear_feedback(current_tenant(), session_id, message_id)
