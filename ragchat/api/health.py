"""Liveness and database reachability, for load balancers and orchestrators."""

from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ragchat.api.parsing import ApiBlueprint
from ragchat.extensions import db
from ragchat.transactions import one_transaction
from ragchat.version import __version__

blp = ApiBlueprint("health", __name__, url_prefix="/api", description="Service health.")


class HealthSchema(Schema):
    status = fields.String(metadata={"example": "ok"})
    version = fields.String(metadata={"example": __version__})


def database_is_up():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return False
    return True


@blp.route("/health-check")
class HealthCheck(MethodView):
    decorators = [one_transaction]

    @blp.doc(security=[])
    @blp.response(200, HealthSchema)
    def get(self):
        """Report whether the service and its database are up"""
        if not database_is_up():
            abort(503, message="The database is not reachable.")
        return {"status": "ok", "version": __version__}
