"""The base of every resource: a handle on the client that sends its calls."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ragchat_client._client import AsyncRagChat, RagChat


class SyncResource:
    def __init__(self, client: RagChat) -> None:
        self._client = client


class AsyncResource:
    def __init__(self, client: AsyncRagChat) -> None:
        self._client = client
