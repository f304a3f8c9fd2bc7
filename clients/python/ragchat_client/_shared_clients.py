"""The clients of the framework adapters, when they are not given one.

Frameworks make a new history object for every turn (`RunnableWithMessageHistory` calls
its factory each time), so an adapter left to make its own client shares one: the client
for RAGCHAT_BASE_URL and RAGCHAT_API_KEY, made once per process (asyncio: once per event
loop, since an httpx.AsyncClient's connections belong to the loop that opened them). Its
key cache then spares every later turn the look-up of the conversation's session.

An adapter given only one kind of client and used the other way gets a twin of it: same
URL, key, timeout and retries, made once per client (and per event loop).
"""

from __future__ import annotations

import asyncio
import os
import threading
from weakref import WeakKeyDictionary

from ragchat_client._base import API_KEY_ENV, BASE_URL_ENV
from ragchat_client._client import AsyncRagChat, RagChat

Settings = tuple[str | None, str | None]  # the environment's URL and key

_lock = threading.Lock()
_sync_defaults: dict[Settings, RagChat] = {}
_async_defaults: WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Settings, AsyncRagChat]] = (
    WeakKeyDictionary()
)
_sync_twins: WeakKeyDictionary[AsyncRagChat, RagChat] = WeakKeyDictionary()
_async_twins: WeakKeyDictionary[
    asyncio.AbstractEventLoop, WeakKeyDictionary[RagChat, AsyncRagChat]
] = WeakKeyDictionary()


class ClientPair:
    """A blocking and an asyncio client for one adapter: those given, else shared ones."""

    def __init__(self, client: RagChat | None, async_client: AsyncRagChat | None) -> None:
        self._client = client
        self._async_client = async_client

    @property
    def sync(self) -> RagChat:
        if self._client is None:
            self._client = sync_client(self._async_client)
        return self._client

    @property
    def asynchronous(self) -> AsyncRagChat:
        """Only from a coroutine (the shared clients are per event loop)."""
        if self._async_client is not None:
            return self._async_client
        return async_client(self._client)


def sync_client(like: AsyncRagChat | None) -> RagChat:
    with _lock:
        if like is not None:
            if like not in _sync_twins:
                _sync_twins[like] = RagChat(
                    like.base_url, like.api_key, timeout=like.timeout, max_retries=like.max_retries
                )
            return _sync_twins[like]
        settings = environment()
        if settings not in _sync_defaults:
            _sync_defaults[settings] = RagChat()
        return _sync_defaults[settings]


def async_client(like: RagChat | None) -> AsyncRagChat:
    loop = asyncio.get_running_loop()
    with _lock:
        if like is not None:
            twins = _async_twins.setdefault(loop, WeakKeyDictionary())
            if like not in twins:
                twins[like] = AsyncRagChat(
                    like.base_url, like.api_key, timeout=like.timeout, max_retries=like.max_retries
                )
            return twins[like]
        defaults = _async_defaults.setdefault(loop, {})
        settings = environment()
        if settings not in defaults:
            defaults[settings] = AsyncRagChat()
        return defaults[settings]


def environment() -> Settings:
    return os.environ.get(BASE_URL_ENV), os.environ.get(API_KEY_ENV)
