"""End users: erasing everything one of them said (data protection requests)."""

from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields

from ragchat import chats
from ragchat.api.auth import current_tenant, require_scope
from ragchat.api.fields import storable_problem
from ragchat.api.parsing import ApiBlueprint

blp = ApiBlueprint("users", __name__, url_prefix="/api/users", description="End users.")


class ErasureSchema(Schema):
    user_id = fields.String()
    sessions_deleted = fields.Integer()
    messages_deleted = fields.Integer()


@blp.route("/<path:user_id>")
class User(MethodView):
    decorators = [require_scope("admin")]

    @blp.response(200, ErasureSchema)
    def delete(self, user_id):
        """Erase all of a user's sessions and messages in your tenant, and say how many"""
        problem = storable_problem(user_id) if len(user_id) <= 255 else "At most 255 characters."
        if problem:
            abort(422, messages={"path": {"user_id": [problem]}})
        return chats.erase_user(current_tenant(), user_id)
