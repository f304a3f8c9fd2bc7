"""End users: erasing everything of one of them (data-protection requests)."""

from __future__ import annotations

from ragchat_client import _routes as routes
from ragchat_client._base import Call, RequestOptions, read_json
from ragchat_client.resources._resource import AsyncResource, SyncResource
from ragchat_client.types import Erasure


def _erase(user_id: str) -> Call[Erasure]:
    path = routes.path(routes.USER, user_id=user_id)
    return Call(RequestOptions("DELETE", path), read_json(Erasure.from_json))


class Users(SyncResource):
    def erase(self, user_id: str) -> Erasure:
        """Delete all of a user's sessions and messages in your tenant (admin scope)."""
        self._client._session_keys.forget(user_id=user_id)
        return self._client._call(_erase(user_id))


class AsyncUsers(AsyncResource):
    async def erase(self, user_id: str) -> Erasure:
        """Delete all of a user's sessions and messages in your tenant (admin scope)."""
        self._client._session_keys.forget(user_id=user_id)
        return await self._client._call(_erase(user_id))
