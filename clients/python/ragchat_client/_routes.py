"""The API's paths, and which client method covers each operation of its OpenAPI document.

The resources build their URLs from these templates, and a test checks OPERATIONS against
the server's /api/openapi.json: every (method, path) there must have a method here, and
every method named here must exist on both clients.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

HEALTH = "/api/health-check"
SESSIONS = "/api/sessions"
SESSION = "/api/sessions/{session_id}"
SESSIONS_BY_KEY = "/api/sessions/by-key"
SESSION_BY_KEY = "/api/sessions/by-key/{key}"
MESSAGES = "/api/sessions/{session_id}/messages"
MESSAGE_BATCH = "/api/sessions/{session_id}/messages/batch"
MESSAGE = "/api/sessions/{session_id}/messages/{message_id}"
FEEDBACK = "/api/sessions/{session_id}/messages/{message_id}/feedback"
SEARCH = "/api/search"
USER = "/api/users/{user_id}"
KEYS = "/api/keys"
KEY = "/api/keys/{key_id}"
SESSION_EXPORT = "/api/sessions/{session_id}/export"
EXPORT = "/api/export"
INSIGHTS = "/api/insights"

# (HTTP method, OpenAPI path) → the client method, as an attribute path on RagChat and
# AsyncRagChat. PUT and PATCH on a session are one operation; the client sends PATCH.
OPERATIONS: dict[tuple[str, str], str] = {
    ("GET", HEALTH): "health",
    ("GET", SESSIONS): "sessions.list",
    ("POST", SESSIONS): "sessions.create",
    ("GET", SESSION): "sessions.get",
    ("PUT", SESSION): "sessions.update",
    ("PATCH", SESSION): "sessions.update",
    ("DELETE", SESSION): "sessions.delete",
    ("GET", SESSIONS_BY_KEY): "sessions.list_keyed",
    ("GET", SESSION_BY_KEY): "sessions.get_by_key",
    ("PUT", SESSION_BY_KEY): "sessions.open",
    ("GET", MESSAGES): "messages.list",
    ("POST", MESSAGES): "messages.append",
    ("DELETE", MESSAGES): "messages.clear",
    ("POST", MESSAGE_BATCH): "messages.append_many",
    ("GET", MESSAGE): "messages.get",
    ("DELETE", MESSAGE): "messages.delete",
    ("PUT", FEEDBACK): "feedback.set",
    ("DELETE", FEEDBACK): "feedback.clear",
    ("GET", SEARCH): "search",
    ("DELETE", USER): "users.erase",
    ("GET", KEYS): "keys.list",
    ("POST", KEYS): "keys.create",
    ("DELETE", KEY): "keys.revoke",
    ("GET", SESSION_EXPORT): "exports.session",
    ("GET", EXPORT): "exports.iter_sessions",
    ("GET", INSIGHTS): "insights",
}


def path(template: str, **segments: object) -> str:
    """The template with each segment percent-encoded (a user id or a conversation key may
    hold '/' or '?')."""
    return template.format(**{name: segment(str(value)) for name, value in segments.items()})


def key_path(key: str) -> str:
    """The path of the session with a conversation key. The server refuses a key that
    starts with '/' or holds a control character (its path could not carry it); such a
    key is refused here, before any request."""
    if key.startswith("/") or any(unicodedata.category(c) == "Cc" for c in key):
        raise ValueError(
            f"{key!r} cannot be a conversation key: it must not start with '/' or contain "
            "control characters (line breaks, tabs)."
        )
    return path(SESSION_BY_KEY, key=key)


def segment(value: str) -> str:
    """One path segment, percent-encoded; "." and ".." too, which URL parsers would
    otherwise take as the current and the parent folder."""
    encoded = quote(value, safe="")
    return encoded.replace(".", "%2E") if encoded in {".", ".."} else encoded
