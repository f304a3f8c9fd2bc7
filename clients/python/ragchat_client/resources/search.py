"""Full-text search over message content and session titles, best matches first."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ragchat_client import _routes as routes
from ragchat_client._base import RequestOptions, query


def search_options(
    q: str,
    *,
    user_id: str | None,
    session_id: UUID | str | None,
    sender: str | None,
    since: datetime | str | None,
    until: datetime | str | None,
    limit: int,
) -> RequestOptions:
    params = query(
        q=q,
        user_id=user_id,
        session_id=session_id if session_id is None else str(session_id),
        sender=sender,
        since=since,
        until=until,
        limit=limit,
    )
    return RequestOptions("GET", routes.SEARCH, params)
