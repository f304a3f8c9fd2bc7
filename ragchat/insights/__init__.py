"""Insights: what a tenant's chatbot (or one end user's conversations with it) did in a
period — conversations and messages per day, answers rated up and down, the sources cited
behind the answers and how they were rated, how good retrieval was for answers rated up
against those rated down, and each model's latency and tokens. Summed by the database from
the facts each answer keeps (ragchat.chats.facts), never from the stored contexts."""

from dataclasses import dataclass

from ragchat.insights import queries
from ragchat.insights.period import Period

SOURCE_ORDERS = ("down", "share", "answers")
DEFAULT_SOURCES = 20
MAX_SOURCES = 100


def share(part, whole):
    return part / whole if whole else None


@dataclass(frozen=True)
class Day:
    date: str  # YYYY-MM-DD
    conversations: int  # started that day
    messages: int
    answers: int  # AI messages
    rated_up: int
    rated_down: int
    without_passages: int  # answers given with no retrieved passage

    @property
    def down_share(self):
        """The share of the day's rated answers rated down (None when none was rated)."""
        return share(self.rated_down, self.rated_up + self.rated_down)


@dataclass(frozen=True)
class Source:
    source: str
    url: str | None
    answers: int  # answers that cited it
    rated_up: int
    rated_down: int

    @property
    def down_share(self):
        return share(self.rated_down, self.rated_up + self.rated_down)


@dataclass(frozen=True)
class ScoreBucket:
    low: float
    high: float  # exclusive, but for the last bucket
    rated_up: int
    rated_down: int


@dataclass(frozen=True)
class Retrieval:
    """The best passage score of rated answers, in buckets, up against down."""

    buckets: list
    unscored_up: int  # rated answers whose passages have no score
    unscored_down: int
    no_passages_up: int  # rated answers with no passage at all
    no_passages_down: int


@dataclass(frozen=True)
class ModelDay:
    date: str
    model: str | None  # None: answers with latency or tokens but no model named
    answers: int
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True)
class Insights:
    period: Period
    user_id: str | None
    days: list
    sources: list
    source_count: int  # distinct sources cited in the period (more than listed, maybe)
    retrieval: Retrieval
    models: list

    def total(self, name):
        return sum(getattr(day, name) for day in self.days)

    @property
    def totals(self):
        names = ("conversations", "messages", "answers", "rated_up", "rated_down")
        totals = {name: self.total(name) for name in (*names, "without_passages")}
        totals["down_share"] = share(
            totals["rated_down"], totals["rated_up"] + totals["rated_down"]
        )
        totals["without_passages_share"] = share(totals["without_passages"], totals["answers"])
        return totals


def retrieval(scope):
    buckets, *rated_without_scores = queries.retrieval(scope)
    return Retrieval([ScoreBucket(*bucket) for bucket in buckets], *rated_without_scores)


def insights(tenant, period, user_id=None, *, sources_order="down", sources=DEFAULT_SOURCES):
    """The tenant's figures for `period`; with `user_id`, for that end user's chats only.
    The top `sources` cited sources come first by `sources_order`: down (most answers rated
    down), share (largest share of ratings down) or answers (most cited)."""
    scope = queries.Scope(tenant, period, user_id)
    per_day = queries.messages_per_day(scope)
    started = queries.conversations_per_day(scope)
    days = [
        Day(day, started.get(day, 0), *per_day.get(day, (0,) * 5))
        for day in (day.isoformat() for day in period.days)
    ]
    cited, source_count = queries.sources(scope, sources_order, sources)
    return Insights(
        period=period,
        user_id=user_id,
        days=days,
        sources=[Source(*row) for row in cited],
        source_count=source_count,
        retrieval=retrieval(scope),
        models=[ModelDay(*row) for row in queries.models_per_day(scope)],
    )
