"""The statements behind insights, on either database. Each reads one period of one tenant
(or one end user), through the indexes that lead with the tenant and the time: chat
messages and cited sources by when they were sent, sessions by their activity."""

import math
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Date, and_, case, cast, func, or_, select

from ragchat.extensions import db
from ragchat.insights.period import Period
from ragchat.models import ChatMessage, ChatSession, MessageSource

BUCKETS = 10  # of best passage scores


@dataclass(frozen=True)
class Scope:
    tenant: str
    period: Period
    user_id: str | None


def dialect():
    return db.session.get_bind().dialect.name


def day_of(column):
    """The UTC day of a timestamp column: a date on PostgreSQL, YYYY-MM-DD text on SQLite
    (which stores UTC text); str() of either is the YYYY-MM-DD the figures use."""
    if dialect() == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.substr(column, 1, 10)


def in_scope(query, scope, table):
    """`query` narrowed to the scope's tenant and period (on `table`'s own tenant and time
    columns), and to its end user's sessions if it has one."""
    query = query.where(
        table.tenant_id == scope.tenant,
        table.created_at >= scope.period.start,
        table.created_at < scope.period.end,
    )
    if scope.user_id is None:
        return query
    return query.join(
        ChatSession,
        and_(ChatSession.tenant_id == table.tenant_id, ChatSession.id == table.session_id),
    ).where(ChatSession.user_id == scope.user_id)


def answered(*conditions):
    """count(*) of AI answers meeting the conditions."""
    return func.count().filter(ChatMessage.sender == "ai", *conditions)


RATED_UP = ChatMessage.feedback_rating == "up"
RATED_DOWN = ChatMessage.feedback_rating == "down"


def messages_per_day(scope):
    """{day: (messages, answers, rated up, rated down, answers without passages)}."""
    day = day_of(ChatMessage.created_at)
    query = select(
        day,
        func.count(),
        answered(),
        answered(RATED_UP),
        answered(RATED_DOWN),
        answered(ChatMessage.passage_count == 0),
    ).select_from(ChatMessage)
    rows = db.session.execute(in_scope(query, scope, ChatMessage).group_by(day))
    return {str(row[0]): tuple(row[1:]) for row in rows}


def conversations_per_day(scope):
    """{day: sessions started}. A session started in the period was active in it too, so
    the activity index narrows the search to the period's active sessions."""
    day = day_of(ChatSession.created_at)
    query = select(day, func.count()).where(
        ChatSession.tenant_id == scope.tenant,
        ChatSession.updated_at >= scope.period.start,
        ChatSession.created_at >= scope.period.start,
        ChatSession.created_at < scope.period.end,
    )
    if scope.user_id is not None:
        query = query.where(ChatSession.user_id == scope.user_id)
    return {str(day): count for day, count in db.session.execute(query.group_by(day))}


def sources(scope, order, limit):
    """The top `limit` cited sources as (source, url, answers, up, down) by `order`, and
    how many distinct sources were cited in all. One table, read from its index: each
    source row carries its answer's rating."""
    up = func.count().filter(MessageSource.rating == "up")
    down = func.count().filter(MessageSource.rating == "down")
    down_share = down * 1.0 / func.nullif(up + down, 0)
    orders = {
        "down": (down.desc(), down_share.desc().nulls_last(), func.count().desc()),
        "share": (down_share.desc().nulls_last(), down.desc(), func.count().desc()),
        "answers": (func.count().desc(), down.desc()),
    }
    query = select(
        MessageSource.source,
        func.max(MessageSource.url),
        func.count(),
        up,
        down,
        func.count().over(),  # rows of the grouped result: distinct sources
    ).select_from(MessageSource)
    query = in_scope(query, scope, MessageSource).group_by(MessageSource.source)
    query = query.order_by(*orders[order], MessageSource.source).limit(limit)
    rows = db.session.execute(query).all()
    return [tuple(row[:5]) for row in rows], rows[0][5] if rows else 0


def retrieval(scope):
    """The rated answers' best passage scores in BUCKETS equal buckets, as (low, high, up,
    down); then the rated answers with passages but no score (up, down) and with no
    passage (up, down). The buckets span 0 to 1 unless a score lies outside; one pass
    over the period, or two when one does."""
    rated = select().select_from(ChatMessage)
    rated = rated.where(ChatMessage.sender == "ai", ChatMessage.feedback_rating.is_not(None))
    rated = in_scope(rated, scope, ChatMessage)
    counts, lowest, highest = bucket_counts(rated, 0.0, 1.0)
    low, high = bucket_range(lowest, highest)
    if (low, high) != (0.0, 1.0):
        counts, _, _ = bucket_counts(rated, low, high)
    edges = bucket_edges(low, high)
    buckets = [
        (edges[index], edges[index + 1], *counts.get(index, (0, 0))) for index in range(BUCKETS)
    ]
    return buckets, *counts.get(UNSCORED, (0, 0)), *counts.get(NO_PASSAGES, (0, 0))


NO_PASSAGES, UNSCORED = -1, -2  # the "buckets" of rated answers without a score


def bucket_edges(low, high):
    """Rounded, so that they read 0.2 rather than 0.19999999999999996."""
    return [round(low + (high - low) * step / BUCKETS, 9) for step in range(BUCKETS + 1)]


def bucket_counts(rated, low, high):
    """{bucket: (up, down)} of the rated answers with buckets from low to high (the last
    one holding high and anything above), NO_PASSAGES and UNSCORED; and the lowest and
    highest best score."""
    score = ChatMessage.best_score
    bucket = case(
        (ChatMessage.passage_count == 0, NO_PASSAGES),
        (score.is_(None), UNSCORED),
        *((score < edge, index) for index, edge in enumerate(bucket_edges(low, high)[1:-1])),
        else_=BUCKETS - 1,
    )
    rows = db.session.execute(
        rated.add_columns(
            bucket,
            func.count().filter(RATED_UP),
            func.count().filter(RATED_DOWN),
            func.min(func.min(score)).over(),
            func.max(func.max(score)).over(),
        ).group_by(bucket)
    ).all()
    counts = {row[0]: (row[1], row[2]) for row in rows}
    return counts, rows[0][3] if rows else None, rows[0][4] if rows else None


def bucket_range(lowest, highest):
    """0 to 1, widened to whole numbers that hold every score."""
    low = min(0.0, math.floor(lowest)) if lowest is not None else 0.0
    high = max(1.0, math.ceil(highest)) if highest is not None else 1.0
    return low, high


def models_per_day(scope):
    """(day, model, answers, latency p50, p95, prompt tokens, completion tokens) of the
    answers that carry any of that metadata, by day and model."""
    day = day_of(ChatMessage.created_at)
    query = (
        select()
        .select_from(ChatMessage)
        .where(
            ChatMessage.sender == "ai",
            or_(
                ChatMessage.model.is_not(None),
                ChatMessage.latency_ms.is_not(None),
                ChatMessage.prompt_tokens.is_not(None),
                ChatMessage.completion_tokens.is_not(None),
            ),
        )
    )
    query = in_scope(query, scope, ChatMessage)
    if dialect() != "postgresql":
        return summed_in_python(query, day)
    latency = ChatMessage.latency_ms
    rows = db.session.execute(
        query.add_columns(
            day,
            ChatMessage.model,
            func.count(),
            func.percentile_cont(0.5).within_group(latency),
            func.percentile_cont(0.95).within_group(latency),
            func.coalesce(func.sum(ChatMessage.prompt_tokens), 0),
            func.coalesce(func.sum(ChatMessage.completion_tokens), 0),
        )
        .group_by(day, ChatMessage.model)
        .order_by(day, ChatMessage.model.nulls_first())
    )
    return [(str(row[0]), *row[1:]) for row in rows]


def summed_in_python(query, day):
    """models_per_day where the database has no percentile function (SQLite): the rows
    are read and summed here, with percentile_cont's interpolation."""
    groups = defaultdict(list)
    rows = db.session.execute(
        query.add_columns(
            day,
            ChatMessage.model,
            ChatMessage.latency_ms,
            ChatMessage.prompt_tokens,
            ChatMessage.completion_tokens,
        )
    )
    for row in rows:
        groups[(row[0], row[1])].append(row[2:5])
    summed = []
    for (date, model), answers in sorted(
        groups.items(), key=lambda item: (item[0][0], item[0][1] or "")
    ):
        latencies = sorted(latency for latency, _, _ in answers if latency is not None)
        summed.append(
            (
                date,
                model,
                len(answers),
                percentile(latencies, 0.5),
                percentile(latencies, 0.95),
                sum(tokens or 0 for _, tokens, _ in answers),
                sum(tokens or 0 for _, _, tokens in answers),
            )
        )
    return summed


def percentile(ordered, fraction):
    """PostgreSQL's percentile_cont over sorted values: linear between the closest ranks."""
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    below, above = math.floor(position), math.ceil(position)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)
