"""What the framework adapters share, with no framework imported: a conversation named by
key, read and written by session id, and the text they store.

A conversation's session id comes from the client's key cache once it has been seen, so
a steady-state turn costs the request it needs and no other. Should the session have been
deleted meanwhile (by a reviewer, a retention run, another process), the call gets a 404:
the key is forgotten, looked up (or opened) again and the call tried once more.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar
from uuid import UUID

from ragchat_client._client import AsyncRagChat, RagChat
from ragchat_client._exceptions import NotFoundError
from ragchat_client.types import Message, MessageInput

T = TypeVar("T")

PAGE = 100  # messages read, or appended, per request: the most the API takes
Position = tuple[UUID, int]  # a session, and the last seq read from it
TITLE_LENGTH = 200  # the longest session title the API takes


class Conversation:
    """One conversation (`key`, owned by `user_id`) through a blocking client."""

    def __init__(self, client: RagChat, key: str, user_id: str) -> None:
        self.client, self.key, self.user_id = client, key, user_id

    def session_id(self, *, create: bool, title: str | None = None) -> UUID | None:
        return self.client.sessions._id_for_key(
            self.key, user_id=self.user_id, create=create, title=title
        )

    def call(
        self, action: Callable[[UUID], T], *, create: bool, title: str | None = None
    ) -> T | None:
        """`action(session_id)`; None when there is no session and `create` is false."""
        session_id = self.session_id(create=create, title=title)
        if session_id is None:
            return None
        try:
            return action(session_id)
        except NotFoundError:
            # The session may be gone since its id was cached: look the key up again.
            self.client._session_keys.forget(self.key)
            fresh = self.session_id(create=create, title=title)
            if fresh == session_id:
                raise  # it is still there: the 404 is about something else
            return None if fresh is None else action(fresh)

    def read(self, since: Position | None = None) -> tuple[UUID | None, list[Message]]:
        """The session's id and its messages oldest first, only those after `since`'s seq
        if it is this session's; (None, []) if there is no session."""

        def read(session_id: UUID) -> tuple[UUID | None, list[Message]]:
            after = since[1] if since is not None and since[0] == session_id else None
            return session_id, list(self.client.messages.list(session_id, after=after, limit=PAGE))

        return self.call(read, create=False) or (None, [])

    def append(self, messages: Sequence[MessageInput], title: str | None = None) -> list[Message]:
        """Append in order, opening the conversation if need be; one request per 100."""
        if not messages:
            return []

        def append(session_id: UUID) -> list[Message]:
            stored: list[Message] = []
            for batch in batches(messages):
                stored += self.client.messages.append_many(session_id, batch)
            return stored

        return self.call(append, create=True, title=title) or []


class AsyncConversation:
    """One conversation (`key`, owned by `user_id`) through an asyncio client."""

    def __init__(self, client: AsyncRagChat, key: str, user_id: str) -> None:
        self.client, self.key, self.user_id = client, key, user_id

    async def session_id(self, *, create: bool, title: str | None = None) -> UUID | None:
        return await self.client.sessions._id_for_key(
            self.key, user_id=self.user_id, create=create, title=title
        )

    async def call(
        self,
        action: Callable[[UUID], Awaitable[T]],
        *,
        create: bool,
        title: str | None = None,
    ) -> T | None:
        """`await action(session_id)`; None when there is no session and not `create`."""
        session_id = await self.session_id(create=create, title=title)
        if session_id is None:
            return None
        try:
            return await action(session_id)
        except NotFoundError:
            # The session may be gone since its id was cached: look the key up again.
            self.client._session_keys.forget(self.key)
            fresh = await self.session_id(create=create, title=title)
            if fresh == session_id:
                raise  # it is still there: the 404 is about something else
            return None if fresh is None else await action(fresh)

    async def read(self, since: Position | None = None) -> tuple[UUID | None, list[Message]]:
        """The session's id and its messages oldest first, only those after `since`'s seq
        if it is this session's; (None, []) if there is no session."""

        async def read(session_id: UUID) -> tuple[UUID | None, list[Message]]:
            after = since[1] if since is not None and since[0] == session_id else None
            listing = self.client.messages.list(session_id, after=after, limit=PAGE)
            return session_id, [message async for message in listing]

        return await self.call(read, create=False) or (None, [])

    async def append(
        self, messages: Sequence[MessageInput], title: str | None = None
    ) -> list[Message]:
        if not messages:
            return []

        async def append(session_id: UUID) -> list[Message]:
            stored: list[Message] = []
            for batch in batches(messages):
                stored += await self.client.messages.append_many(session_id, batch)
            return stored

        return await self.call(append, create=True, title=title) or []


def batches(messages: Sequence[MessageInput]) -> Iterable[Sequence[MessageInput]]:
    return (messages[start : start + PAGE] for start in range(0, len(messages), PAGE))


def title_from(text: str) -> str | None:
    """A session title from the first words of a conversation (None if there are none)."""
    words = " ".join(text.split())
    if not words:
        return None
    return words if len(words) <= TITLE_LENGTH else words[: TITLE_LENGTH - 1].rstrip() + "…"


def json_safe(value: Any) -> Any:
    """`value` as JSON the API stores: dict keys as strings, tuples as lists, non-finite
    numbers and other objects as their text (pydantic models as their JSON dump)."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    model_dump = getattr(value, "model_dump", None)
    if callable(model_dump):
        try:
            return json_safe(model_dump(mode="json"))
        except (TypeError, ValueError):
            pass
    try:
        return json_safe(json.loads(json.dumps(value)))
    except (TypeError, ValueError):
        return str(value)


def stand_in(text: str, tools: Sequence[str], blocks: Sequence[str]) -> str:
    """The content of a message that has no text (the API wants some, for search and
    review): the tools it calls, or the kinds of its content blocks."""
    if tools:
        return f"(tool call{'s' if len(tools) > 1 else ''}: {', '.join(tools)})"
    kinds = [kind for kind in dict.fromkeys(blocks) if kind != "text"]
    if kinds:
        return f"({', '.join(kinds)})"
    return text or "(empty)"
