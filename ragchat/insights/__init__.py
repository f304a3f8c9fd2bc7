"""Insights: what a tenant's chatbot (or one end user's conversations with it) did in a
period — conversations and messages per day, answers rated up and down, the sources cited
behind the answers and how they were rated, how good retrieval was for answers rated up
against those rated down, and each model's latency and tokens. Counted by the database day
by day from the facts each answer keeps (ragchat.chats.facts), never from the stored
contexts, and added up here; the days that have settled are kept (ragchat.insights.cache)."""

import math
from dataclasses import dataclass

from ragchat.insights import cache
from ragchat.insights.days import figures_by_day
from ragchat.insights.period import Period
from ragchat.insights.queries import NO_PASSAGES, UNSCORED

SOURCE_ORDERS = ("down", "share", "answers")
BUCKETS = 10  # of best passage scores
DEFAULT_SOURCES = 20
MAX_SOURCES = 100


def share(part, whole):
    return part / whole if whole else None


def down_share(rated_up, rated_down):
    """The share of rated answers rated down (None when none was rated)."""
    return share(rated_down, rated_up + rated_down)


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
        return down_share(self.rated_up, self.rated_down)


@dataclass(frozen=True)
class Source:
    source: str
    url: str | None
    answers: int  # answers that cited it
    rated_up: int
    rated_down: int

    @property
    def down_share(self):
        return down_share(self.rated_up, self.rated_down)


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
        totals["down_share"] = down_share(totals["rated_up"], totals["rated_down"])
        totals["without_passages_share"] = share(totals["without_passages"], totals["answers"])
        return totals


def insights(tenant, period, user_id=None, *, sources_order="down", sources=DEFAULT_SOURCES):
    """The tenant's figures for `period`; with `user_id`, for that end user's chats only.
    The top `sources` cited sources come first by `sources_order`: down (most answers rated
    down), share (largest share of ratings down) or answers (most cited). The tenant's
    settled days are read from the cache; one user's are counted afresh (they are few)."""
    if user_id is None:
        by_day = cache.figures(tenant, period)
    else:
        by_day = figures_by_day(tenant, period, user_id)
    days = [(day.isoformat(), by_day[day.isoformat()]) for day in period.days]
    cited = ranked_sources([figures.sources for _, figures in days], sources_order)
    return Insights(
        period=period,
        user_id=user_id,
        days=[Day(day, figures.conversations, *figures.counts) for day, figures in days],
        sources=cited[:sources],
        source_count=len(cited),
        retrieval=retrieval([figures for _, figures in days]),
        models=[ModelDay(day, *model) for day, figures in days for model in figures.models],
    )


SOURCE_ORDERS_KEYS = {
    "down": lambda s: (-s.rated_down, s.down_share is None, -(s.down_share or 0), -s.answers),
    "share": lambda s: (s.down_share is None, -(s.down_share or 0), -s.rated_down, -s.answers),
    "answers": lambda s: (-s.answers, -s.rated_down),
}


def ranked_sources(days, order):
    """Each day's sources added up, as Sources in `order` (then by name)."""
    totals = {}
    for sources in days:
        for source, url, answers, up, down in sources:
            known = totals.get(source)
            if known is None:
                totals[source] = [url, answers, up, down]
            else:
                known[0] = max(filter(None, (known[0], url)), default=None)
                known[1], known[2], known[3] = known[1] + answers, known[2] + up, known[3] + down
    ranked = [Source(source, *figures) for source, figures in totals.items()]
    ranked.sort(key=lambda s: s.source)
    ranked.sort(key=SOURCE_ORDERS_KEYS[order])  # stable: names break ties
    return ranked


def retrieval(days):
    """The days' score bins added up into BUCKETS equal buckets from 0 to 1, widened to
    whole numbers that hold every score; the top edge counts in the last bucket."""
    bins = {}
    for figures in days:
        for bin_, (up, down) in figures.scores.items():
            known = bins.get(bin_, (0, 0))
            bins[bin_] = (known[0] + up, known[1] + down)
    lowest = min((f.lowest for f in days if f.lowest is not None), default=None)
    highest = max((f.highest for f in days if f.highest is not None), default=None)
    low, high = bucket_range(lowest, highest)
    counts = [[0, 0] for _ in range(BUCKETS)]
    for bin_, (up, down) in bins.items():
        if bin_ in (NO_PASSAGES, UNSCORED):
            continue
        index = min(max((bin_ - 10 * low) // (high - low), 0), BUCKETS - 1)
        counts[index][0] += up
        counts[index][1] += down
    edges = bucket_edges(low, high)
    return Retrieval(
        [ScoreBucket(edges[i], edges[i + 1], *counts[i]) for i in range(BUCKETS)],
        *bins.get(UNSCORED, (0, 0)),
        *bins.get(NO_PASSAGES, (0, 0)),
    )


def bucket_range(lowest, highest):
    """0 to 1, widened to whole numbers that hold every score."""
    low = min(0, math.floor(lowest)) if lowest is not None else 0
    high = max(1, math.ceil(highest)) if highest is not None else 1
    return low, high


def bucket_edges(low, high):
    """Rounded, so that they read 0.2 rather than 0.19999999999999996."""
    return [round(low + (high - low) * step / BUCKETS, 9) for step in range(BUCKETS + 1)]
