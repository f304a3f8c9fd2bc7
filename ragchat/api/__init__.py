"""The JSON API under /api: one module per resource."""

from ragchat.api import (
    exports,
    feedback,
    health,
    insights,
    keys,
    messages,
    search,
    sessions,
    sessions_by_key,
    users,
)
from ragchat.extensions import csrf


def register_api(api):
    for module in (
        health,
        sessions,
        sessions_by_key,
        messages,
        feedback,
        search,
        insights,
        users,
        keys,
        exports,
    ):
        csrf.exempt(module.blp)  # authenticated by header, never by cookie
        api.register_blueprint(module.blp)
