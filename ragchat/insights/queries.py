"""The statements behind insights, on either database. Each reads one period of one tenant
(or one end user), through the indexes that lead with the tenant and the time: chat
messages and cited sources by when they were sent, sessions by their activity."""

import math
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import BigInteger, Date, Numeric, and_, case, cast, func, or_, select

from ragchat.extensions import db
from ragchat.insights.period import Period
from ragchat.models import ChatMessage, ChatSession, MessageSource


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


def sources_per_day(scope):
    """{day: [(source, url, answers, up, down)]} of the sources cited. One table, read from
    its index: each source row carries its answer's rating."""
    day = day_of(MessageSource.created_at)
    query = select(
        day,
        MessageSource.source,
        func.max(MessageSource.url),
        func.count(),
        func.count().filter(MessageSource.rating == "up"),
        func.count().filter(MessageSource.rating == "down"),
    ).select_from(MessageSource)
    rows = db.session.execute(
        in_scope(query, scope, MessageSource).group_by(day, MessageSource.source)
    )
    found = defaultdict(list)
    for row in rows:
        found[str(row[0])].append(tuple(row[1:]))
    return found


NO_PASSAGES, UNSCORED = -(10**18), -(10**18) - 1  # below any bin (scores are under 1e15)


def scores_per_day(scope):
    """{day: ({bin: (up, down)}, lowest score, highest score)} of the rated answers: a bin
    holds the best passage scores from bin/10 (inclusive) to (bin + 1)/10, or is
    NO_PASSAGES or UNSCORED (passages but no score)."""
    day = day_of(ChatMessage.created_at)
    score = ChatMessage.best_score
    category = case(
        (ChatMessage.passage_count == 0, NO_PASSAGES),
        (score.is_(None), UNSCORED),
        else_=tenth_of(score),
    )
    query = select(
        day,
        category,
        func.count().filter(RATED_UP),
        func.count().filter(RATED_DOWN),
        func.min(func.min(score)).over(partition_by=day),
        func.max(func.max(score)).over(partition_by=day),
    ).select_from(ChatMessage)
    query = query.where(ChatMessage.sender == "ai", ChatMessage.feedback_rating.is_not(None))
    found = {}
    for row in db.session.execute(in_scope(query, scope, ChatMessage).group_by(day, category)):
        bins, _, _ = found.setdefault(str(row[0]), ({}, row[4], row[5]))
        bins[row[1]] = (row[2], row[3])
    return found


def tenth_of(score):
    """floor(score * 10): the bin of a score. Rounded first, so that 0.3 (which times 10
    is 2.9999999999999996 in binary) falls in bin 3."""
    tenths = func.round(cast(score * 10, Numeric), 6)
    if dialect() == "postgresql":
        return cast(func.floor(tenths), BigInteger)
    truncated = cast(tenths, BigInteger)  # SQLite truncates towards zero
    return truncated - case((tenths < truncated, 1), else_=0)


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
