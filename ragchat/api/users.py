"""End users: erasing everything one of them said (data protection requests)."""

from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields

from ragchat.api.auth import current_tenant, require_scope
from ragchat.api.parsing import ApiBlueprint
from ragchat.chats import sessions
from ragchat.rules import user_id_problem
from ragchat.transactions import one_transaction

blp = ApiBlueprint("users", __name__, url_prefix="/api/users", description="End users.")


class ErasureSchema(Schema):
    user_id = fields.String()
    sessions_deleted = fields.Integer()
    messages_deleted = fields.Integer()


@blp.route("/<path:user_id>")
class User(MethodView):
    decorators = [require_scope("admin"), one_transaction]

    @blp.response(200, ErasureSchema)
    def delete(self, user_id):
        """Erase all of a user's sessions and messages in your tenant, and say how many"""
        problem = user_id_problem(user_id)
        if problem:
            abort(422, messages={"path": {"user_id": [problem]}})
        return sessions.erase_user(current_tenant(), user_id)
