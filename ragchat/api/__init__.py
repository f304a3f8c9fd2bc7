"""The JSON API under /api: one module per resource."""

from ragchat.api import health, messages, sessions


def register_api(api):
    for module in (health, sessions, messages):
        api.register_blueprint(module.blp)
