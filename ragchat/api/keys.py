"""API keys of the caller's tenant, for keys with the admin scope."""

from datetime import timedelta

from flask.views import MethodView
from marshmallow import Schema, fields
from marshmallow.validate import Length, OneOf, Range

from ragchat.api.auth import current_tenant, require_scope
from ragchat.api.parsing import ApiBlueprint
from ragchat.auth import keys
from ragchat.fields import Text
from ragchat.models import SCOPES, utcnow
from ragchat.rules import KEY_NAME_LENGTH, MAX_DAYS, MAX_KEY_ID
from ragchat.transactions import one_transaction

blp = ApiBlueprint(
    "keys",
    __name__,
    url_prefix="/api/keys",
    description="API keys of your tenant (admin scope). Secrets are shown once, at creation.",
)

KEY_ID = f"<int(max={MAX_KEY_ID}):key_id>"  # beyond that no key exists, and no overflow


class KeyCreateSchema(Schema):
    name = Text(required=True, strip=True, validate=Length(min=1, max=KEY_NAME_LENGTH))
    scopes = fields.List(
        fields.String(validate=OneOf(SCOPES)),
        load_default=lambda: ["read", "write"],
        validate=Length(min=1),
        metadata={"description": "read, write and/or admin (admin implies the others)."},
    )
    expires_in_days = fields.Integer(
        strict=True,
        validate=Range(min=1, max=MAX_DAYS),
        metadata={"description": "Default: never expires."},
    )


class KeySchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String()
    prefix = fields.String(metadata={"description": "The first characters of the secret."})
    scopes = fields.Function(lambda key: sorted(key.scope_set))
    state = fields.Function(
        lambda key: key.state(), metadata={"enum": ["active", "expired", "revoked"]}
    )
    created_at = fields.AwareDateTime()
    last_used_at = fields.AwareDateTime(allow_none=True)
    expires_at = fields.AwareDateTime(allow_none=True)
    revoked_at = fields.AwareDateTime(allow_none=True)


class NewKeySchema(KeySchema):
    secret = fields.String(metadata={"description": "Send as X-API-Key. Shown only once."})


@blp.route("")
class Keys(MethodView):
    decorators = [require_scope("admin"), one_transaction]

    @blp.response(200, KeySchema(many=True))
    def get(self):
        """List your tenant's API keys (never their secrets)"""
        return keys.list_keys(current_tenant())

    @blp.arguments(KeyCreateSchema())
    @blp.response(201, NewKeySchema)
    def post(self, data):
        """Create an API key; its secret is in this response only"""
        days = data.get("expires_in_days")
        key, secret = keys.issue_key(
            current_tenant(),
            data["name"],
            data["scopes"],
            expires_at=utcnow() + timedelta(days=days) if days else None,
        )
        key.secret = secret  # for this response only; never stored
        return key


@blp.route(f"/{KEY_ID}")
class KeyItem(MethodView):
    decorators = [require_scope("admin"), one_transaction]

    @blp.response(204)
    def delete(self, key_id):
        """Revoke one of your tenant's API keys"""
        keys.revoke_key(key_id, current_tenant())
