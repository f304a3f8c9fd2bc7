"""The API's paths, and which client method covers each operation of its OpenAPI document.

The resources build their URLs from these templates, and a test checks OPERATIONS against
the server's /api/openapi.json: every (method, path) there must have a method here, and
every method named here must exist on both clients.
"""

from __future__ import annotations

from urllib.parse import quote

HEALTH = "/api/health-check"
SESSIONS = "/api/sessions"
SESSION = "/api/sessions/{session_id}"
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
    ("GET", MESSAGES): "messages.list",
    ("POST", MESSAGES): "messages.append",
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
}


def path(template: str, **segments: object) -> str:
    """The template with each segment percent-encoded (a user id may hold '/' or '?')."""
    return template.format(**{name: quote(str(value), safe="") for name, value in segments.items()})
