"""Which session has which conversation key, as one client last saw it.

The adapters name conversations by key (a thread id, a session id, a chat store key) and
the API addresses messages by session id: the first turn of a conversation opens it by key
(`PUT /api/sessions/by-key/{key}`) and every later turn finds its id here, at no request.
The client keeps it current: opening, reading, creating with a key, deleting a session and
erasing a user all pass through it. Another process deleting a session is noticed by the
404 the next call gets; the adapters then forget the key and open it again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from uuid import UUID

from ragchat_client.types import Session

MAX_KEYS = 10_000  # the least recently used keys are forgotten beyond this


class SessionKeys:
    def __init__(self, max_keys: int = MAX_KEYS) -> None:
        self._max_keys = max_keys
        self._sessions: OrderedDict[str, tuple[UUID, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, user_id: str | None = None) -> UUID | None:
        """The id of the session with `key` (and, if given, owned by `user_id`)."""
        with self._lock:
            found = self._sessions.get(key)
            if found is None or (user_id is not None and found[1] != user_id):
                return None
            self._sessions.move_to_end(key)
            return found[0]

    def remember(self, session: Session) -> None:
        if session.key is None:
            return
        with self._lock:
            self._sessions[session.key] = (session.id, session.user_id)
            self._sessions.move_to_end(session.key)
            while len(self._sessions) > self._max_keys:
                self._sessions.popitem(last=False)

    def forget(
        self,
        key: str | None = None,
        *,
        session_id: UUID | str | None = None,
        user_id: str | None = None,
    ) -> None:
        """Forget a key, or the keys of a session or of an end user's sessions."""
        with self._lock:
            if key is not None:
                self._sessions.pop(key, None)
            if session_id is None and user_id is None:
                return
            stale = [
                name
                for name, (found_id, owner) in self._sessions.items()
                if str(found_id) == str(session_id) or owner == user_id
            ]
            for name in stale:
                del self._sessions[name]
