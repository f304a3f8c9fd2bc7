"""RagChat and AsyncRagChat: one surface, blocking or awaited.

The resources describe each operation once (`_base.Call`); the clients send them through
their transport, which retries (`_transport`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from datetime import date, datetime
from types import TracebackType
from typing import Any, Self, TypeVar
from uuid import UUID

import httpx

from ragchat_client import _routes as routes
from ragchat_client._base import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    Call,
    ClientSettings,
    QueryParams,
    RequestOptions,
    checked,
    raw_options,
    read_json,
)
from ragchat_client._session_keys import SessionKeys
from ragchat_client._transport import AsyncTransport, SyncTransport
from ragchat_client.pagination import AsyncPager, SyncPager
from ragchat_client.resources.exports import AsyncExports, Exports
from ragchat_client.resources.feedback import AsyncFeedbackResource, FeedbackResource
from ragchat_client.resources.insights import SourcesOrder, insights_call
from ragchat_client.resources.keys import AsyncKeys, Keys
from ragchat_client.resources.messages import AsyncMessages, Messages
from ragchat_client.resources.search import search_options
from ragchat_client.resources.sessions import AsyncSessions, Sessions
from ragchat_client.resources.users import AsyncUsers, Users
from ragchat_client.types import Health, Insights, SearchHit

T = TypeVar("T")
HEALTH = Call(RequestOptions("GET", routes.HEALTH), read_json(Health.from_json))


class _ClientSettings:
    """What both clients tell of their settings."""

    _transport: SyncTransport | AsyncTransport

    @property
    def base_url(self) -> str:
        return self._transport.settings.base_url

    @property
    def api_key(self) -> str:
        return self._transport.settings.api_key

    @property
    def timeout(self) -> httpx.Timeout:
        return self._transport.settings.timeout

    @property
    def max_retries(self) -> int:
        return self._transport.settings.max_retries

    @property
    def is_closed(self) -> bool:
        """Whether the underlying httpx client is closed."""
        return self._transport.http.is_closed

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"


class RagChat(_ClientSettings):
    """The ragchat API, blocking. Use as a context manager, or call `close()`.

    `base_url` and `api_key` default to RAGCHAT_BASE_URL and RAGCHAT_API_KEY. Failed
    connections, timeouts, 429, 502, 503 and 504 are retried up to `max_retries` times.
    `sleep` waits between tries (time.sleep; tests pass their own). An `http_client`
    passed in is used as it is and left open by `close()`.
    """

    _transport: SyncTransport

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        settings = ClientSettings(base_url, api_key, timeout, max_retries)
        self._transport = SyncTransport(settings, http_client, sleep or time.sleep)
        self._session_keys = SessionKeys()  # conversation key -> session id, as last seen
        self.sessions = Sessions(self)
        self.messages = Messages(self)
        self.feedback = FeedbackResource(self)
        self.exports = Exports(self)
        self.users = Users(self)
        self.keys = Keys(self)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the httpx client, unless it was passed in (then it is the caller's)."""
        self._transport.close()

    def health(self) -> Health:
        """Whether the service and its database are up (raises InternalServerError if not)."""
        return self._call(HEALTH)

    def search(
        self,
        q: str,
        *,
        user_id: str | None = None,
        session_id: UUID | str | None = None,
        sender: str | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        limit: int = 20,
    ) -> SyncPager[SearchHit]:
        """Messages and session titles matching `q`, best first, fetched `limit` a page."""
        options = search_options(
            q,
            user_id=user_id,
            session_id=session_id,
            sender=sender,
            since=since,
            until=until,
            limit=limit,
        )
        return self._paginate(options, SearchHit.from_json)

    def insights(
        self,
        since: date | str | None = None,
        until: date | str | None = None,
        *,
        user_id: str | None = None,
        sources_order: SourcesOrder | None = None,
        sources: int | None = None,
    ) -> Insights:
        """A period's figures: conversations, messages, answers and their ratings per day
        and in all, the sources the answers cited (`sources` of them, in `sources_order`:
        "down", "share" or "answers"), retrieval scores of answers rated up and down, and
        each model's latency and tokens per day (read scope).

        `since` and `until` are UTC days, both included (a date, or "YYYY-MM-DD"); by
        default the 30 days up to today, at most 366. `user_id` limits them to one end user.
        """
        call = insights_call(
            since, until, user_id=user_id, sources_order=sources_order, sources=sources
        )
        return self._call(call)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> httpx.Response:
        """Any request to `path` (from /api on), with the key, retries and errors of the
        client's methods; the answer's body has been read."""
        options = raw_options(method, path, params, json, content, headers, idempotency_key)
        return self._transport.send(options)

    def _call(self, call: Call[T]) -> T:
        return checked(call.parse, self._transport.send(call.options))

    def _paginate(self, options: RequestOptions, parse_item: Callable[[Any], T]) -> SyncPager[T]:
        return SyncPager(self._transport.send, options, parse_item)

    def _iter_ndjson(self, options: RequestOptions) -> Iterator[dict[str, Any]]:
        return self._transport.iter_ndjson(options)


class AsyncRagChat(_ClientSettings):
    """The ragchat API for asyncio: the same surface as RagChat, awaited.

    Use with `async with`, or call `aclose()`. `sleep` waits between tries (asyncio.sleep
    by default); lists and searches are iterated with `async for`.
    """

    _transport: AsyncTransport

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        settings = ClientSettings(base_url, api_key, timeout, max_retries)
        self._transport = AsyncTransport(settings, http_client, sleep or asyncio.sleep)
        self._session_keys = SessionKeys()  # conversation key -> session id, as last seen
        self.sessions = AsyncSessions(self)
        self.messages = AsyncMessages(self)
        self.feedback = AsyncFeedbackResource(self)
        self.exports = AsyncExports(self)
        self.users = AsyncUsers(self)
        self.keys = AsyncKeys(self)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the httpx client, unless it was passed in (then it is the caller's)."""
        await self._transport.close()

    async def health(self) -> Health:
        """Whether the service and its database are up (raises InternalServerError if not)."""
        return await self._call(HEALTH)

    def search(
        self,
        q: str,
        *,
        user_id: str | None = None,
        session_id: UUID | str | None = None,
        sender: str | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        limit: int = 20,
    ) -> AsyncPager[SearchHit]:
        """Messages and session titles matching `q`, best first, fetched `limit` a page."""
        options = search_options(
            q,
            user_id=user_id,
            session_id=session_id,
            sender=sender,
            since=since,
            until=until,
            limit=limit,
        )
        return self._paginate(options, SearchHit.from_json)

    async def insights(
        self,
        since: date | str | None = None,
        until: date | str | None = None,
        *,
        user_id: str | None = None,
        sources_order: SourcesOrder | None = None,
        sources: int | None = None,
    ) -> Insights:
        """A period's figures: conversations, messages, answers and their ratings per day
        and in all, the sources the answers cited (`sources` of them, in `sources_order`:
        "down", "share" or "answers"), retrieval scores of answers rated up and down, and
        each model's latency and tokens per day (read scope).

        `since` and `until` are UTC days, both included (a date, or "YYYY-MM-DD"); by
        default the 30 days up to today, at most 366. `user_id` limits them to one end user.
        """
        call = insights_call(
            since, until, user_id=user_id, sources_order=sources_order, sources=sources
        )
        return await self._call(call)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> httpx.Response:
        """Any request to `path` (from /api on), with the key, retries and errors of the
        client's methods; the answer's body has been read."""
        options = raw_options(method, path, params, json, content, headers, idempotency_key)
        return await self._transport.send(options)

    async def _call(self, call: Call[T]) -> T:
        return checked(call.parse, await self._transport.send(call.options))

    def _paginate(self, options: RequestOptions, parse_item: Callable[[Any], T]) -> AsyncPager[T]:
        return AsyncPager(self._transport.send, options, parse_item)

    def _iter_ndjson(self, options: RequestOptions) -> AsyncIterator[dict[str, Any]]:
        return self._transport.iter_ndjson(options)
