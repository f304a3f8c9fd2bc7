"""The JSON API under /api: one module per resource."""

from ragchat.api import feedback, health, keys, messages, sessions, users
from ragchat.extensions import csrf


def register_api(api):
    for module in (health, sessions, messages, feedback, users, keys):
        csrf.exempt(module.blp)  # authenticated by header, never by cookie
        api.register_blueprint(module.blp)
