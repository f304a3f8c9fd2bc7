"""Insights: a period's conversations, ratings, cited sources, retrieval quality and
models, summed by the server (read scope)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from ragchat_client import _routes as routes
from ragchat_client._base import Call, RequestOptions, query, read_json
from ragchat_client.types import Insights, format_day

# down: most answers rated down first; share: largest share rated down first;
# answers: most cited first.
SourcesOrder = Literal["down", "share", "answers"]


def insights_call(
    since: date | str | None,
    until: date | str | None,
    *,
    user_id: str | None,
    sources_order: SourcesOrder | None,
    sources: int | None,
) -> Call[Insights]:
    params = query(
        since=since if since is None else format_day(since),
        until=until if until is None else format_day(until),
        user_id=user_id,
        sources_order=sources_order,
        sources=sources,
    )
    return Call(RequestOptions("GET", routes.INSIGHTS, params), read_json(Insights.from_json))
