"""A day's figures, the unit insights are counted, kept and added up in: whatever a period
shows is the sum of its days (ragchat.insights adds them; ragchat.insights.cache keeps the
days that can no longer change)."""

from dataclasses import dataclass, field

from ragchat.insights import queries
from ragchat.insights.period import Period


@dataclass
class DayFigures:
    conversations: int = 0
    counts: tuple = (0, 0, 0, 0, 0)  # messages, answers, rated up, rated down, no passages
    sources: list = field(default_factory=list)  # (source, url, answers, up, down)
    scores: dict = field(default_factory=dict)  # bin -> (up, down); see queries.scores_per_day
    lowest: float | None = None  # best scores of rated answers
    highest: float | None = None
    models: list = field(default_factory=list)  # (model, answers, p50, p95, prompt, completion)

    def to_json(self):
        figures = vars(self).copy()
        figures["scores"] = [[bin_, *updown] for bin_, updown in self.scores.items()]
        return figures

    @classmethod
    def from_json(cls, figures):
        return cls(
            conversations=figures["conversations"],
            counts=tuple(figures["counts"]),
            sources=[tuple(source) for source in figures["sources"]],
            scores={bin_: (up, down) for bin_, up, down in figures["scores"]},
            lowest=figures["lowest"],
            highest=figures["highest"],
            models=[tuple(model) for model in figures["models"]],
        )


def figures_by_day(tenant, period, user_id=None):
    """{YYYY-MM-DD: DayFigures} of every day of the period, counted now."""
    scope = queries.Scope(tenant, period, user_id)
    figures = {day.isoformat(): DayFigures() for day in period.days}
    for day, conversations in queries.conversations_per_day(scope).items():
        figures[day].conversations = conversations
    for day, counts in queries.messages_per_day(scope).items():
        figures[day].counts = counts
    for day, sources in queries.sources_per_day(scope).items():
        figures[day].sources = sources
    for day, (scores, lowest, highest) in queries.scores_per_day(scope).items():
        figures[day].scores, figures[day].lowest, figures[day].highest = scores, lowest, highest
    for day, *model in queries.models_per_day(scope):
        figures[day].models.append(tuple(model))
    return figures


def runs_of(days):
    """Consecutive days (dates, in order) as Periods: what one round of queries counts."""
    runs = []
    for day in days:
        if runs and (day - runs[-1].until).days == 1:
            runs[-1] = Period(runs[-1].since, day)
        else:
            runs.append(Period(day, day))
    return runs
