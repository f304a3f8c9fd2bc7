"""What the sync and async clients share: settings, building requests, reading answers.

An operation is described once, as a `Call` (the request and how to read its answer);
each client only sends it, blocking or awaiting. The retry loops of both clients ask
`_retries` whether and when to try again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID, uuid4

import httpx

from ragchat_client._exceptions import APIResponseValidationError, RagChatError
from ragchat_client._version import __version__
from ragchat_client.types import format_time

T = TypeVar("T")

BASE_URL_ENV = "RAGCHAT_BASE_URL"
API_KEY_ENV = "RAGCHAT_API_KEY"
API_KEY_HEADER = "X-API-Key"
IDEMPOTENCY_HEADER = "Idempotency-Key"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 2
USER_AGENT = f"ragchat-client/{__version__}"

Params = tuple[tuple[str, str], ...]
ParamValue = str | int | float | bool | UUID | datetime | None


@dataclass(frozen=True)
class RequestOptions:
    """One request to the API, before it is sent (and again for every retry)."""

    method: str
    path: str  # from /api on; the client puts its base URL in front
    params: Params = ()
    json: Any = None
    content: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    # POSTs: whether the server replays the request from its Idempotency-Key, so that a
    # retry after a lost answer cannot write twice. PUT, PATCH, DELETE and GET always can.
    replayable: bool = True
    idempotency_key: str | None = None
    stream: bool = False

    @property
    def retry_safe(self) -> bool:
        return self.method != "POST" or self.replayable


@dataclass(frozen=True)
class Call(Generic[T]):
    """An operation: the request to send, and how to read a successful answer."""

    options: RequestOptions
    parse: Callable[[httpx.Response], T]


def query(**values: ParamValue) -> Params:
    """Query parameters, leaving out the ones that are None; booleans as true/false,
    datetimes in ISO 8601 (they must be aware)."""
    return tuple((name, encode_param(value)) for name, value in values.items() if value is not None)


def encode_param(value: ParamValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_time(value)
    return str(value)


def without_none(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def read_json(parse: Callable[[Any], T]) -> Callable[[httpx.Response], T]:
    """Reads the JSON body with `parse` (a `from_json`)."""

    def read(response: httpx.Response) -> T:
        return parse(response.json())

    return read


def read_json_list(parse: Callable[[Any], T]) -> Callable[[httpx.Response], list[T]]:
    def read(response: httpx.Response) -> list[T]:
        return [parse(item) for item in response.json()]

    return read


def read_nothing(response: httpx.Response) -> None:
    return None


def checked(parse: Callable[[httpx.Response], T], response: httpx.Response) -> T:
    """`parse(response)`, a body not shaped as documented raised as a client error."""
    try:
        return parse(response)
    except (KeyError, TypeError, ValueError) as error:
        message = f"Unexpected response body for {response.request.method} {response.url}"
        raise APIResponseValidationError(response, f"{message}: {error!r}") from error


class ClientSettings:
    """Base URL, key, timeout and retries, from the arguments or the environment."""

    def __init__(
        self,
        base_url: str | None,
        api_key: str | None,
        timeout: float | httpx.Timeout,
        max_retries: int,
    ) -> None:
        base_url = base_url or os.environ.get(BASE_URL_ENV)
        if not base_url:
            raise RagChatError(
                f"No ragchat URL: pass base_url=... or set {BASE_URL_ENV} "
                "(e.g. http://127.0.0.1:8000)."
            )
        api_key = api_key or os.environ.get(API_KEY_ENV)
        if not api_key:
            raise RagChatError(f"No API key: pass api_key=... or set {API_KEY_ENV}.")
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more.")
        # The paths start with /api: a base URL that already ends with it is taken too.
        self.base_url = base_url.rstrip("/").removesuffix("/api")
        self.api_key = api_key
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self.max_retries = max_retries

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def request_headers(
        self, options: RequestOptions, idempotency_key: str | None
    ) -> dict[str, str]:
        headers = {
            API_KEY_HEADER: self.api_key,
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        if idempotency_key is not None:
            headers[IDEMPOTENCY_HEADER] = idempotency_key
        headers.update(options.headers)
        return headers

    def idempotency_key_for(self, options: RequestOptions) -> str | None:
        """Made once per call, before the first try, and sent again on every retry."""
        if options.method != "POST":
            return None
        return options.idempotency_key or str(uuid4())

    def build_request(
        self,
        http: httpx.Client | httpx.AsyncClient,
        options: RequestOptions,
        idempotency_key: str | None,
    ) -> httpx.Request:
        return http.build_request(
            options.method,
            self.base_url + options.path,
            params=list(options.params) or None,
            json=options.json,
            content=options.content,
            headers=self.request_headers(options, idempotency_key),
            timeout=self.timeout,
        )


def headers_of(
    headers: Mapping[str, str] | Sequence[tuple[str, str]] | None,
) -> tuple[tuple[str, str], ...]:
    if headers is None:
        return ()
    items = headers.items() if isinstance(headers, Mapping) else headers
    return tuple((str(name), str(value)) for name, value in items)


QueryParams = Mapping[str, ParamValue] | Sequence[tuple[str, str]]


def raw_options(
    method: str,
    path: str,
    params: QueryParams | None,
    json: Any,
    content: bytes | None,
    headers: Mapping[str, str] | None,
    idempotency_key: str | None,
) -> RequestOptions:
    """The options of a request made with `client.request(...)`."""
    if isinstance(params, Mapping):
        pairs = tuple((k, encode_param(v)) for k, v in params.items() if v is not None)
    else:
        pairs = tuple(params or ())
    return RequestOptions(
        method.upper(),
        path,
        pairs,
        json=json,
        content=content,
        headers=headers_of(headers),
        idempotency_key=idempotency_key,
    )
