"""API keys of your tenant (admin scope). A key's secret is shown once, at creation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from ragchat_client import _routes as routes
from ragchat_client._base import Call, RequestOptions, read_json, read_json_list, read_nothing
from ragchat_client.resources._resource import AsyncResource, SyncResource
from ragchat_client.types import ApiKey

Scope = Literal["read", "write", "admin"]


def _create(name: str, scopes: Iterable[Scope] | None, expires_in_days: int | None) -> Call[ApiKey]:
    body: dict[str, object] = {"name": name}
    if scopes is not None:
        body["scopes"] = list(scopes)
    if expires_in_days is not None:
        body["expires_in_days"] = expires_in_days
    # The server does not replay key creation (it never stores secrets): this POST is
    # retried only when it cannot have been received (no connection, or a 429).
    options = RequestOptions("POST", routes.KEYS, json=body, replayable=False)
    return Call(options, read_json(ApiKey.from_json))


def _list() -> Call[list[ApiKey]]:
    return Call(RequestOptions("GET", routes.KEYS), read_json_list(ApiKey.from_json))


def _revoke(key_id: int) -> Call[None]:
    return Call(RequestOptions("DELETE", routes.path(routes.KEY, key_id=key_id)), read_nothing)


class Keys(SyncResource):
    def create(
        self,
        name: str,
        *,
        scopes: Iterable[Scope] | None = None,
        expires_in_days: int | None = None,
    ) -> ApiKey:
        """A new key (default scopes read and write); its `secret` is in this answer only."""
        return self._client._call(_create(name, scopes, expires_in_days))

    def list(self) -> list[ApiKey]:
        """Your tenant's keys, without their secrets."""
        return self._client._call(_list())

    def revoke(self, key_id: int) -> None:
        """Revoke a key: it stops working (within the server's key cache time)."""
        self._client._call(_revoke(key_id))


class AsyncKeys(AsyncResource):
    async def create(
        self,
        name: str,
        *,
        scopes: Iterable[Scope] | None = None,
        expires_in_days: int | None = None,
    ) -> ApiKey:
        """A new key (default scopes read and write); its `secret` is in this answer only."""
        return await self._client._call(_create(name, scopes, expires_in_days))

    async def list(self) -> list[ApiKey]:
        """Your tenant's keys, without their secrets."""
        return await self._client._call(_list())

    async def revoke(self, key_id: int) -> None:
        """Revoke a key: it stops working (within the server's key cache time)."""
        await self._client._call(_revoke(key_id))
