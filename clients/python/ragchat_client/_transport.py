"""Sending a request until it is answered or the retries run out, blocking or awaited.

The two loops are the only code the sync and async clients do not share: what a request
looks like comes from `_base`, whether and when to try again from `_retries`. A POST's
Idempotency-Key is made once, before the first try, and sent again on every retry, so the
server stores a retried write once.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx

from ragchat_client._base import ClientSettings, RequestOptions
from ragchat_client._exceptions import APIStatusError, connection_error, status_error
from ragchat_client._retries import delay_after_error, delay_after_response


class SyncTransport:
    def __init__(
        self,
        settings: ClientSettings,
        http: httpx.Client | None,
        sleep: Callable[[float], None],
    ) -> None:
        self.settings = settings
        self.owns_http = http is None
        self.http = http if http is not None else httpx.Client()
        self.sleep = sleep

    def close(self) -> None:
        if self.owns_http:
            self.http.close()

    def send(self, options: RequestOptions) -> httpx.Response:
        """The answer (body read unless `options.stream`); an error status raised."""
        settings, retries = self.settings, self.settings.max_retries
        idempotency_key = settings.idempotency_key_for(options)
        attempt = 0
        while True:
            request = settings.build_request(self.http, options, idempotency_key)
            try:
                response = self.http.send(request, stream=options.stream)
            except httpx.TransportError as error:
                delay = delay_after_error(error, attempt, retries, options.retry_safe)
                if delay is None:
                    raise connection_error(error) from error
            else:
                delay = delay_after_response(response, attempt, retries, options.retry_safe)
                if delay is None:
                    if response.is_error:
                        raise self._status_error(response)
                    return response
                response.close()
            self.sleep(delay)
            attempt += 1

    def iter_ndjson(self, options: RequestOptions) -> Iterator[dict[str, Any]]:
        """One object per line of a streamed answer, read as it arrives; sent on first use."""
        response = self.send(options)
        try:
            for line in response.iter_lines():
                if line.strip():
                    yield json.loads(line)
        except httpx.TransportError as error:
            raise connection_error(error) from error
        finally:
            response.close()

    def _status_error(self, response: httpx.Response) -> APIStatusError:
        try:
            response.read()
        except httpx.TransportError as error:
            raise connection_error(error) from error
        finally:
            response.close()
        return status_error(response)


class AsyncTransport:
    def __init__(
        self,
        settings: ClientSettings,
        http: httpx.AsyncClient | None,
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self.settings = settings
        self.owns_http = http is None
        self.http = http if http is not None else httpx.AsyncClient()
        self.sleep = sleep

    async def close(self) -> None:
        if self.owns_http:
            await self.http.aclose()

    async def send(self, options: RequestOptions) -> httpx.Response:
        """The answer (body read unless `options.stream`); an error status raised."""
        settings, retries = self.settings, self.settings.max_retries
        idempotency_key = settings.idempotency_key_for(options)
        attempt = 0
        while True:
            request = settings.build_request(self.http, options, idempotency_key)
            try:
                response = await self.http.send(request, stream=options.stream)
            except httpx.TransportError as error:
                delay = delay_after_error(error, attempt, retries, options.retry_safe)
                if delay is None:
                    raise connection_error(error) from error
            else:
                delay = delay_after_response(response, attempt, retries, options.retry_safe)
                if delay is None:
                    if response.is_error:
                        raise await self._status_error(response)
                    return response
                await response.aclose()
            await self.sleep(delay)
            attempt += 1

    async def iter_ndjson(self, options: RequestOptions) -> AsyncIterator[dict[str, Any]]:
        """One object per line of a streamed answer, read as it arrives; sent on first use."""
        response = await self.send(options)
        try:
            async for line in response.aiter_lines():
                if line.strip():
                    yield json.loads(line)
        except httpx.TransportError as error:
            raise connection_error(error) from error
        finally:
            await response.aclose()

    async def _status_error(self, response: httpx.Response) -> APIStatusError:
        try:
            await response.aread()
        except httpx.TransportError as error:
            raise connection_error(error) from error
        finally:
            await response.aclose()
        return status_error(response)
