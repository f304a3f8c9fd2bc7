"""The JSON API under /api: one module per resource."""

from ragchat.api import health, keys, messages, sessions


def register_api(api):
    for module in (health, sessions, messages, keys):
        api.register_blueprint(module.blp)
