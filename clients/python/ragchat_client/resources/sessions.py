"""Sessions: one per conversation, owned by one of your end users."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal
from uuid import UUID

from ragchat_client import _routes as routes
from ragchat_client._base import Call, RequestOptions, query, read_json, read_nothing, without_none
from ragchat_client.pagination import AsyncPager, SyncPager
from ragchat_client.resources._resource import AsyncResource, SyncResource
from ragchat_client.types import Session

HasFeedback = Literal["up", "down", "any"]


def _create(
    user_id: str,
    title: str | None,
    metadata: Mapping[str, str] | None,
    idempotency_key: str | None,
) -> Call[Session]:
    body = without_none(user_id=user_id, title=title, metadata=metadata and dict(metadata))
    options = RequestOptions("POST", routes.SESSIONS, json=body, idempotency_key=idempotency_key)
    return Call(options, read_json(Session.from_json))


def _get(session_id: UUID | str, include_messages: bool) -> Call[Session]:
    params = query(include="messages" if include_messages else None)
    options = RequestOptions("GET", routes.path(routes.SESSION, session_id=session_id), params)
    return Call(options, read_json(Session.from_json))


def _list(
    user_id: str,
    is_favorite: bool | None,
    has_feedback: HasFeedback | None,
    metadata: Mapping[str, str] | None,
    limit: int,
) -> RequestOptions:
    # `limit` asks for keyset pages (the cursor of the next one comes in Link rel=next).
    params = query(user_id=user_id, is_favorite=is_favorite, has_feedback=has_feedback)
    filters = tuple((f"metadata[{key}]", value) for key, value in (metadata or {}).items())
    return RequestOptions("GET", routes.SESSIONS, (*params, *filters, ("limit", str(limit))))


def _update(
    session_id: UUID | str,
    title: str | None,
    is_favorite: bool | None,
    metadata: Mapping[str, str | None] | None,
) -> Call[Session]:
    body = without_none(title=title, is_favorite=is_favorite, metadata=metadata and dict(metadata))
    path = routes.path(routes.SESSION, session_id=session_id)
    return Call(RequestOptions("PATCH", path, json=body), read_json(Session.from_json))


def _delete(session_id: UUID | str) -> Call[None]:
    path = routes.path(routes.SESSION, session_id=session_id)
    return Call(RequestOptions("DELETE", path), read_nothing)


class Sessions(SyncResource):
    def create(
        self,
        *,
        user_id: str,
        title: str | None = None,
        metadata: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Session:
        """Start a session for one of your end users (title defaults to "New chat")."""
        return self._client._call(_create(user_id, title, metadata, idempotency_key))

    def get(self, session_id: UUID | str, *, include_messages: bool = False) -> Session:
        """One session; with `include_messages`, `.messages` holds its first page."""
        return self._client._call(_get(session_id, include_messages))

    def list(
        self,
        *,
        user_id: str,
        is_favorite: bool | None = None,
        has_feedback: HasFeedback | None = None,
        metadata: Mapping[str, str] | None = None,
        limit: int = 20,
    ) -> SyncPager[Session]:
        """A user's sessions, most recently active first, fetched `limit` (1-100) a page."""
        options = _list(user_id, is_favorite, has_feedback, metadata, limit)
        return self._client._paginate(options, Session.from_json)

    def update(
        self,
        session_id: UUID | str,
        *,
        title: str | None = None,
        is_favorite: bool | None = None,
        metadata: Mapping[str, str | None] | None = None,
    ) -> Session:
        """Rename, (un)favorite, or merge metadata (a None value removes that key)."""
        return self._client._call(_update(session_id, title, is_favorite, metadata))

    def delete(self, session_id: UUID | str) -> None:
        """Delete a session and all its messages."""
        self._client._call(_delete(session_id))


class AsyncSessions(AsyncResource):
    async def create(
        self,
        *,
        user_id: str,
        title: str | None = None,
        metadata: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Session:
        """Start a session for one of your end users (title defaults to "New chat")."""
        return await self._client._call(_create(user_id, title, metadata, idempotency_key))

    async def get(self, session_id: UUID | str, *, include_messages: bool = False) -> Session:
        """One session; with `include_messages`, `.messages` holds its first page."""
        return await self._client._call(_get(session_id, include_messages))

    def list(
        self,
        *,
        user_id: str,
        is_favorite: bool | None = None,
        has_feedback: HasFeedback | None = None,
        metadata: Mapping[str, str] | None = None,
        limit: int = 20,
    ) -> AsyncPager[Session]:
        """A user's sessions, most recently active first, fetched `limit` (1-100) a page."""
        options = _list(user_id, is_favorite, has_feedback, metadata, limit)
        return self._client._paginate(options, Session.from_json)

    async def update(
        self,
        session_id: UUID | str,
        *,
        title: str | None = None,
        is_favorite: bool | None = None,
        metadata: Mapping[str, str | None] | None = None,
    ) -> Session:
        """Rename, (un)favorite, or merge metadata (a None value removes that key)."""
        return await self._client._call(_update(session_id, title, is_favorite, metadata))

    async def delete(self, session_id: UUID | str) -> None:
        """Delete a session and all its messages."""
        await self._client._call(_delete(session_id))
