"""Lazy iteration over paged lists: one page is fetched when the items before it are used up.

The API pages lists by keyset and says where the next page starts in a `Link: <…>;
rel="next"` header, there while more follow. The pagers follow it: the next request carries
the link's query (cursor, after or before) to the same path on the client's own base URL,
so the API key only ever goes where the client was pointed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl, urlsplit

import httpx

from ragchat_client._base import RequestOptions, checked

__all__ = ["AsyncPager", "Page", "SyncPager"]

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its items, and the link to the next page while there is one."""

    items: tuple[T, ...]
    next_url: str | None

    @property
    def has_more(self) -> bool:
        return self.next_url is not None


def read_page(
    response: httpx.Response, parse_item: Callable[[Any], T]
) -> tuple[Page[T], str | None]:
    def parse(answer: httpx.Response) -> tuple[T, ...]:
        return tuple(parse_item(item) for item in answer.json())

    next_url = response.links.get("next", {}).get("url")
    return Page(checked(parse, response), next_url), next_url


def next_options(options: RequestOptions, next_url: str | None) -> RequestOptions | None:
    if next_url is None:
        return None
    return replace(
        options, params=tuple(parse_qsl(urlsplit(next_url).query, keep_blank_values=True))
    )


class SyncPager(Generic[T]):
    """Iterate with `for`: every item of every page; `pages()` gives the pages themselves.

    Nothing is fetched until iteration starts; each new iteration starts from the first page.
    """

    def __init__(
        self,
        fetch: Callable[[RequestOptions], httpx.Response],
        options: RequestOptions,
        parse_item: Callable[[Any], T],
    ) -> None:
        self._fetch = fetch
        self._options = options
        self._parse_item = parse_item

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.items

    def pages(self) -> Iterator[Page[T]]:
        options: RequestOptions | None = self._options
        while options is not None:
            page, next_url = read_page(self._fetch(options), self._parse_item)
            yield page
            options = next_options(options, next_url)


class AsyncPager(Generic[T]):
    """Iterate with `async for`: every item of every page; `pages()` gives the pages.

    Nothing is fetched until iteration starts; each new iteration starts from the first page.
    """

    def __init__(
        self,
        fetch: Callable[[RequestOptions], Awaitable[httpx.Response]],
        options: RequestOptions,
        parse_item: Callable[[Any], T],
    ) -> None:
        self._fetch = fetch
        self._options = options
        self._parse_item = parse_item

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.items:
                yield item

    async def pages(self) -> AsyncIterator[Page[T]]:
        options: RequestOptions | None = self._options
        while options is not None:
            page, next_url = read_page(await self._fetch(options), self._parse_item)
            yield page
            options = next_options(options, next_url)
