"""Sessions: one per conversation, owned by one of your end users, optionally named by a
key of your own (a framework's session or thread id).

Every session read goes through the client's key cache (`_session_keys`), so that the
adapters find a conversation's session id without a request once they have seen it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal
from uuid import UUID

from ragchat_client import _routes as routes
from ragchat_client._base import Call, RequestOptions, query, read_json, read_nothing, without_none
from ragchat_client._exceptions import NotFoundError
from ragchat_client.pagination import AsyncPager, SyncPager
from ragchat_client.resources._resource import AsyncResource, SyncResource
from ragchat_client.types import Session

HasFeedback = Literal["up", "down", "any"]


def _create(
    user_id: str,
    key: str | None,
    title: str | None,
    metadata: Mapping[str, str] | None,
    idempotency_key: str | None,
) -> Call[Session]:
    body = without_none(user_id=user_id, key=key, title=title, metadata=metadata and dict(metadata))
    options = RequestOptions("POST", routes.SESSIONS, json=body, idempotency_key=idempotency_key)
    return Call(options, read_json(Session.from_json))


def _open(
    key: str, user_id: str, title: str | None, metadata: Mapping[str, str] | None
) -> Call[Session]:
    body = without_none(user_id=user_id, title=title, metadata=metadata and dict(metadata))
    path = routes.key_path(key)
    return Call(RequestOptions("PUT", path, json=body), read_json(Session.from_json))


def _get_by_key(key: str) -> Call[Session]:
    path = routes.key_path(key)
    return Call(RequestOptions("GET", path), read_json(Session.from_json))


def _list_keyed(user_id: str | None, limit: int) -> RequestOptions:
    return RequestOptions("GET", routes.SESSIONS_BY_KEY, query(user_id=user_id, limit=limit))


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
        key: str | None = None,
        title: str | None = None,
        metadata: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Session:
        """Start a session for one of your end users (title defaults to "New chat"); a
        `key` names it (ConflictError if your tenant already has a session with it)."""
        call = _create(user_id, key, title, metadata, idempotency_key)
        return self._remember(self._client._call(call))

    def open(
        self,
        key: str,
        *,
        user_id: str,
        title: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> Session:
        """The session with this key, created for `user_id` (with `title` and `metadata`)
        if there is none; ConflictError if the key is another user's. Safe to repeat."""
        return self._remember(self._client._call(_open(key, user_id, title, metadata)))

    def get_by_key(self, key: str) -> Session:
        """The session with this key (NotFoundError if there is none)."""
        return self._remember(self._client._call(_get_by_key(key)))

    def list_keyed(self, *, user_id: str | None = None, limit: int = 20) -> SyncPager[Session]:
        """Your tenant's sessions that have a key (or one user's), most recently active
        first, fetched `limit` (1-100) a page."""
        return self._client._paginate(_list_keyed(user_id, limit), self._read_remembered)

    def get(self, session_id: UUID | str, *, include_messages: bool = False) -> Session:
        """One session; with `include_messages`, `.messages` holds its first page."""
        return self._remember(self._client._call(_get(session_id, include_messages)))

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
        return self._client._paginate(options, self._read_remembered)

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
        self._client._session_keys.forget(session_id=session_id)
        self._client._call(_delete(session_id))

    def _id_for_key(
        self, key: str, *, user_id: str | None, create: bool, title: str | None = None
    ) -> UUID | None:
        """The id of the session with `key`: from the cache, else opened (created for
        `user_id` with `title` if need be) when `create`, else read (None if none)."""
        known = self._client._session_keys.get(key, user_id if create else None)
        if known is not None:
            return known
        if create:
            if user_id is None:
                raise ValueError("opening a conversation needs a user_id")
            return self.open(key, user_id=user_id, title=title).id
        try:
            return self.get_by_key(key).id
        except NotFoundError:
            return None

    def _remember(self, session: Session) -> Session:
        self._client._session_keys.remember(session)
        return session

    def _read_remembered(self, data: Mapping[str, object]) -> Session:
        return self._remember(Session.from_json(data))


class AsyncSessions(AsyncResource):
    async def create(
        self,
        *,
        user_id: str,
        key: str | None = None,
        title: str | None = None,
        metadata: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Session:
        """Start a session for one of your end users (title defaults to "New chat"); a
        `key` names it (ConflictError if your tenant already has a session with it)."""
        call = _create(user_id, key, title, metadata, idempotency_key)
        return self._remember(await self._client._call(call))

    async def open(
        self,
        key: str,
        *,
        user_id: str,
        title: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> Session:
        """The session with this key, created for `user_id` (with `title` and `metadata`)
        if there is none; ConflictError if the key is another user's. Safe to repeat."""
        return self._remember(await self._client._call(_open(key, user_id, title, metadata)))

    async def get_by_key(self, key: str) -> Session:
        """The session with this key (NotFoundError if there is none)."""
        return self._remember(await self._client._call(_get_by_key(key)))

    def list_keyed(self, *, user_id: str | None = None, limit: int = 20) -> AsyncPager[Session]:
        """Your tenant's sessions that have a key (or one user's), most recently active
        first, fetched `limit` (1-100) a page."""
        return self._client._paginate(_list_keyed(user_id, limit), self._read_remembered)

    async def get(self, session_id: UUID | str, *, include_messages: bool = False) -> Session:
        """One session; with `include_messages`, `.messages` holds its first page."""
        return self._remember(await self._client._call(_get(session_id, include_messages)))

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
        return self._client._paginate(options, self._read_remembered)

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
        self._client._session_keys.forget(session_id=session_id)
        await self._client._call(_delete(session_id))

    async def _id_for_key(
        self, key: str, *, user_id: str | None, create: bool, title: str | None = None
    ) -> UUID | None:
        """The id of the session with `key`: from the cache, else opened (created for
        `user_id` with `title` if need be) when `create`, else read (None if none)."""
        known = self._client._session_keys.get(key, user_id if create else None)
        if known is not None:
            return known
        if create:
            if user_id is None:
                raise ValueError("opening a conversation needs a user_id")
            return (await self.open(key, user_id=user_id, title=title)).id
        try:
            return (await self.get_by_key(key)).id
        except NotFoundError:
            return None

    def _remember(self, session: Session) -> Session:
        self._client._session_keys.remember(session)
        return session

    def _read_remembered(self, data: Mapping[str, object]) -> Session:
        return self._remember(Session.from_json(data))
