"""Ratings of answers: thumbs up or down on a message, with an optional comment."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from ragchat_client import _routes as routes
from ragchat_client._base import Call, RequestOptions, read_json, without_none
from ragchat_client.resources._resource import AsyncResource, SyncResource
from ragchat_client.types import Message

Rating = Literal["up", "down"]


def _set(
    session_id: UUID | str, message_id: UUID | str, rating: Rating, comment: str | None
) -> Call[Message]:
    path = routes.path(routes.FEEDBACK, session_id=session_id, message_id=message_id)
    body = without_none(rating=rating, comment=comment)
    return Call(RequestOptions("PUT", path, json=body), read_json(Message.from_json))


def _clear(session_id: UUID | str, message_id: UUID | str) -> Call[Message]:
    path = routes.path(routes.FEEDBACK, session_id=session_id, message_id=message_id)
    return Call(RequestOptions("DELETE", path), read_json(Message.from_json))


class FeedbackResource(SyncResource):
    def set(
        self,
        session_id: UUID | str,
        message_id: UUID | str,
        *,
        rating: Rating,
        comment: str | None = None,
    ) -> Message:
        """Rate a message up or down, replacing any earlier rating; returns the message."""
        return self._client._call(_set(session_id, message_id, rating, comment))

    def clear(self, session_id: UUID | str, message_id: UUID | str) -> Message:
        """Remove a message's rating; returns the message."""
        return self._client._call(_clear(session_id, message_id))


class AsyncFeedbackResource(AsyncResource):
    async def set(
        self,
        session_id: UUID | str,
        message_id: UUID | str,
        *,
        rating: Rating,
        comment: str | None = None,
    ) -> Message:
        """Rate a message up or down, replacing any earlier rating; returns the message."""
        return await self._client._call(_set(session_id, message_id, rating, comment))

    async def clear(self, session_id: UUID | str, message_id: UUID | str) -> Message:
        """Remove a message's rating; returns the message."""
        return await self._client._call(_clear(session_id, message_id))
