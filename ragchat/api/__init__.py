"""The JSON API under /api: one module per resource."""

from ragchat.api import health, keys, messages, sessions
from ragchat.extensions import csrf


def register_api(api):
    for module in (health, sessions, messages, keys):
        csrf.exempt(module.blp)  # authenticated by header, never by cookie
        api.register_blueprint(module.blp)
