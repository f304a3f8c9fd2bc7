"""Messages: the turns of a conversation, each with the RAG context behind it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal
from uuid import UUID

from ragchat_client import _routes as routes
from ragchat_client._base import Call, RequestOptions, query, read_json, read_nothing
from ragchat_client.pagination import AsyncPager, SyncPager
from ragchat_client.resources._resource import AsyncResource, SyncResource
from ragchat_client.types import Message, MessageInput

Order = Literal["asc", "desc"]
MessageLike = MessageInput | Mapping[str, Any]


def _append(
    session_id: UUID | str,
    sender: str,
    content: str,
    context: Mapping[str, Any] | None,
    metadata: Mapping[str, str] | None,
    extra: Mapping[str, Any] | None,
    idempotency_key: str | None,
) -> Call[Message]:
    body = MessageInput(sender, content, context, metadata, extra).to_json()
    path = routes.path(routes.MESSAGES, session_id=session_id)
    options = RequestOptions("POST", path, json=body, idempotency_key=idempotency_key)
    return Call(options, read_json(Message.from_json))


def _append_many(
    session_id: UUID | str, messages: Iterable[MessageLike], idempotency_key: str | None
) -> Call[list[Message]]:
    body = {"messages": [_message_json(message) for message in messages]}
    path = routes.path(routes.MESSAGE_BATCH, session_id=session_id)
    options = RequestOptions("POST", path, json=body, idempotency_key=idempotency_key)
    return Call(options, read_json(lambda data: [Message.from_json(m) for m in data["messages"]]))


def _message_json(message: MessageLike) -> dict[str, Any]:
    return message.to_json() if isinstance(message, MessageInput) else dict(message)


def _clear(session_id: UUID | str) -> Call[None]:
    path = routes.path(routes.MESSAGES, session_id=session_id)
    return Call(RequestOptions("DELETE", path), read_nothing)


def _list(
    session_id: UUID | str, after: int | None, before: int | None, order: Order, limit: int
) -> RequestOptions:
    # `limit` asks for keyset pages by seq (the next one starts after the last seq seen).
    params = query(after=after, before=before, order=order, limit=limit)
    return RequestOptions("GET", routes.path(routes.MESSAGES, session_id=session_id), params)


def _get(session_id: UUID | str, message_id: UUID | str) -> Call[Message]:
    path = routes.path(routes.MESSAGE, session_id=session_id, message_id=message_id)
    return Call(RequestOptions("GET", path), read_json(Message.from_json))


def _delete(session_id: UUID | str, message_id: UUID | str) -> Call[None]:
    path = routes.path(routes.MESSAGE, session_id=session_id, message_id=message_id)
    return Call(RequestOptions("DELETE", path), read_nothing)


class Messages(SyncResource):
    def append(
        self,
        session_id: UUID | str,
        *,
        sender: str,
        content: str,
        context: Mapping[str, Any] | None = None,
        metadata: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Message:
        """Append a message; `sender` is user, ai (or assistant), system or tool. `extra`
        keeps what else your framework's message carries (a JSON object)."""
        call = _append(session_id, sender, content, context, metadata, extra, idempotency_key)
        return self._client._call(call)

    def append_many(
        self,
        session_id: UUID | str,
        messages: Iterable[MessageLike],
        *,
        idempotency_key: str | None = None,
    ) -> list[Message]:
        """Append 1-100 messages at once, all or none, with consecutive seqs."""
        return self._client._call(_append_many(session_id, messages, idempotency_key))

    def list(
        self,
        session_id: UUID | str,
        *,
        after: int | None = None,
        before: int | None = None,
        order: Order = "asc",
        limit: int = 20,
    ) -> SyncPager[Message]:
        """A session's messages by seq (after/before bound it), fetched `limit` a page."""
        return self._client._paginate(
            _list(session_id, after, before, order, limit), Message.from_json
        )

    def get(self, session_id: UUID | str, message_id: UUID | str) -> Message:
        """One message."""
        return self._client._call(_get(session_id, message_id))

    def delete(self, session_id: UUID | str, message_id: UUID | str) -> None:
        """Delete one message (the others keep their seqs)."""
        self._client._call(_delete(session_id, message_id))

    def clear(self, session_id: UUID | str) -> None:
        """Delete all of a session's messages and keep the session; the next message
        appended continues after the last seq (seqs are never reused)."""
        self._client._call(_clear(session_id))


class AsyncMessages(AsyncResource):
    async def append(
        self,
        session_id: UUID | str,
        *,
        sender: str,
        content: str,
        context: Mapping[str, Any] | None = None,
        metadata: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Message:
        """Append a message; `sender` is user, ai (or assistant), system or tool. `extra`
        keeps what else your framework's message carries (a JSON object)."""
        call = _append(session_id, sender, content, context, metadata, extra, idempotency_key)
        return await self._client._call(call)

    async def append_many(
        self,
        session_id: UUID | str,
        messages: Iterable[MessageLike],
        *,
        idempotency_key: str | None = None,
    ) -> list[Message]:
        """Append 1-100 messages at once, all or none, with consecutive seqs."""
        return await self._client._call(_append_many(session_id, messages, idempotency_key))

    def list(
        self,
        session_id: UUID | str,
        *,
        after: int | None = None,
        before: int | None = None,
        order: Order = "asc",
        limit: int = 20,
    ) -> AsyncPager[Message]:
        """A session's messages by seq (after/before bound it), fetched `limit` a page."""
        return self._client._paginate(
            _list(session_id, after, before, order, limit), Message.from_json
        )

    async def get(self, session_id: UUID | str, message_id: UUID | str) -> Message:
        """One message."""
        return await self._client._call(_get(session_id, message_id))

    async def delete(self, session_id: UUID | str, message_id: UUID | str) -> None:
        """Delete one message (the others keep their seqs)."""
        await self._client._call(_delete(session_id, message_id))

    async def clear(self, session_id: UUID | str) -> None:
        """Delete all of a session's messages and keep the session; the next message
        appended continues after the last seq (seqs are never reused)."""
        await self._client._call(_clear(session_id))
