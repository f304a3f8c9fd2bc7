"""Exports: one session as JSON or a Markdown transcript, many as streamed NDJSON."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any, Literal, overload
from uuid import UUID

import httpx

from ragchat_client import _routes as routes
from ragchat_client._base import Call, RequestOptions, query
from ragchat_client.resources._resource import AsyncResource, SyncResource

ExportFormat = Literal["json", "markdown"]
NDJSON_HEADERS = (("Accept", "application/x-ndjson, application/problem+json"),)


def _session(session_id: UUID | str, format: ExportFormat) -> Call[dict[str, Any] | str]:
    path = routes.path(routes.SESSION_EXPORT, session_id=session_id)

    def read(response: httpx.Response) -> dict[str, Any] | str:
        if format == "markdown":
            return response.text
        data = response.json()
        if not isinstance(data, dict):
            raise TypeError("a session export is a JSON object")
        return data

    return Call(RequestOptions("GET", path, query(format=format)), read)


def _sessions(user_id: str | None, updated_since: datetime | str | None) -> RequestOptions:
    params = query(user_id=user_id, updated_since=updated_since)
    return RequestOptions("GET", routes.EXPORT, params, headers=NDJSON_HEADERS, stream=True)


class Exports(SyncResource):
    @overload
    def session(
        self, session_id: UUID | str, *, format: Literal["json"] = ...
    ) -> dict[str, Any]: ...

    @overload
    def session(self, session_id: UUID | str, *, format: Literal["markdown"]) -> str: ...

    def session(
        self, session_id: UUID | str, *, format: ExportFormat = "json"
    ) -> dict[str, Any] | str:
        """A session with all its messages: a dict ("json") or a transcript ("markdown")."""
        return self._client._call(_session(session_id, format))

    def iter_sessions(
        self, *, user_id: str | None = None, updated_since: datetime | str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Your tenant's sessions (or one user's), each with all its messages, one dict at
        a time as the server streams them; the request is sent when iteration starts."""
        return self._client._iter_ndjson(_sessions(user_id, updated_since))


class AsyncExports(AsyncResource):
    @overload
    async def session(
        self, session_id: UUID | str, *, format: Literal["json"] = ...
    ) -> dict[str, Any]: ...

    @overload
    async def session(self, session_id: UUID | str, *, format: Literal["markdown"]) -> str: ...

    async def session(
        self, session_id: UUID | str, *, format: ExportFormat = "json"
    ) -> dict[str, Any] | str:
        """A session with all its messages: a dict ("json") or a transcript ("markdown")."""
        return await self._client._call(_session(session_id, format))

    def iter_sessions(
        self, *, user_id: str | None = None, updated_since: datetime | str | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Your tenant's sessions (or one user's), each with all its messages, one dict at
        a time as the server streams them; the request is sent when iteration starts."""
        return self._client._iter_ndjson(_sessions(user_id, updated_since))
