"""The figures of settled days, counted once and kept (insight_days), so that a month of a
busy tenant is read back rather than counted again at every look.

A day settles once it is over and the next one too (today and yesterday are always
counted afresh: a message committed late, or on a server whose clock is a little behind,
still counts). After that only a few writes change a day's figures: a rating given or
taken back, a message deleted, a chat emptied or deleted, a user erased, a retention
purge, an import. Each of these bumps a generation (insight_generations): those of the
days it touched (a chat's: from its start to its last message), or the tenant's EVERY_DAY
one when that is more than a month of days, or unknown (a purge). A kept day is used only while
both generations are still those it was counted under. The generations are read before
the day is counted, so a change committed meanwhile leaves the kept figures already out of
date rather than wrong.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select

from ragchat.extensions import db
from ragchat.insights.days import DayFigures, figures_by_day, runs_of
from ragchat.insights.period import today
from ragchat.models import InsightDay, InsightGeneration, insert_or_update

LIVE_DAYS = 2  # today and yesterday
EVERY_DAY = date(1, 1, 1)  # the generation that a change to any of the tenant's days bumps


def changed(tenant, day=None):
    """Say that the figures of `day` (a date), or of any day when None, have changed."""
    statement = insert_or_update(
        InsightGeneration,
        {"tenant_id": tenant, "day": day or EVERY_DAY, "generation": 1},
        ["tenant_id", "day"],
        {"generation": InsightGeneration.generation + 1},
    )
    db.session.execute(statement)


def changed_between(tenant, first, last):
    """Say that the figures of the days from `first` to `last` (datetimes or dates) have
    changed: each day's own generation, or the tenant's EVERY_DAY one for a long span."""
    if first is None:  # nothing was there
        return
    first, last = as_day(first), as_day(last)
    if (last - first).days >= MAX_SPAN:
        changed(tenant)
        return
    for offset in range((last - first).days + 1):
        changed(tenant, first + timedelta(days=offset))


MAX_SPAN = 31  # days bumped one by one; a longer span bumps EVERY_DAY


def as_day(moment):
    return moment.date() if isinstance(moment, datetime) else moment


def figures(tenant, period):
    """{YYYY-MM-DD: DayFigures} of the tenant's period: settled days as kept (counted and
    kept first if they are not), the others counted now."""
    settled_until = today() - timedelta(days=LIVE_DAYS)
    settled = [day for day in period.days if day <= settled_until]
    found = {}
    if settled:
        generations = current_generations(tenant, settled[0], settled[-1])
        found = kept(tenant, settled[0], settled[-1], generations)
        missing = [day for day in settled if day.isoformat() not in found]
        for run in runs_of(missing):
            counted = figures_by_day(tenant, run)
            keep(tenant, counted, generations)
            found |= counted
    for run in runs_of([day for day in period.days if day > settled_until]):
        found |= figures_by_day(tenant, run)
    return found


def current_generations(tenant, first, last):
    rows = db.session.execute(
        select(InsightGeneration.day, InsightGeneration.generation).where(
            InsightGeneration.tenant_id == tenant,
            or_(
                and_(InsightGeneration.day >= first, InsightGeneration.day <= last),
                InsightGeneration.day == EVERY_DAY,
            ),
        )
    )
    return dict(rows.all())


def kept(tenant, first, last, generations):
    """The kept days from `first` to `last` that are still current."""
    rows = db.session.execute(
        select(
            InsightDay.day, InsightDay.generation, InsightDay.every_generation, InsightDay.figures
        ).where(InsightDay.tenant_id == tenant, InsightDay.day >= first, InsightDay.day <= last)
    )
    every = generations.get(EVERY_DAY, 0)
    return {
        day.isoformat(): DayFigures.from_json(figures)
        for day, generation, every_generation, figures in rows
        if (generation, every_generation) == (generations.get(day, 0), every)
    }


def keep(tenant, counted, generations):
    every = generations.get(EVERY_DAY, 0)
    for day, figures in counted.items():
        on = date.fromisoformat(day)
        values = {
            "generation": generations.get(on, 0),
            "every_generation": every,
            "figures": figures.to_json(),
        }
        db.session.execute(
            insert_or_update(
                InsightDay, {"tenant_id": tenant, "day": on, **values}, ["tenant_id", "day"], values
            )
        )
