"""The period insights cover: whole UTC days, from `since` to `until` inclusive."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ragchat.exceptions import InvalidInput

DEFAULT_DAYS = 30
LAST_DAYS = (7, 30, 90)  # the periods offered as "last N days"
MAX_DAYS = 366  # a year (leap or not) at most
EARLIEST = date(1970, 1, 1)  # the days a period may cover
LATEST = date(9999, 12, 30)  # (the day after must exist too)


@dataclass(frozen=True)
class Period:
    since: date
    until: date  # inclusive

    @property
    def start(self):
        """The first instant of the period (UTC)."""
        return start_of(self.since)

    @property
    def end(self):
        """The first instant after the period (UTC)."""
        return end_of(self.until)

    @property
    def days(self):
        """Every day of the period, in order."""
        count = (self.until - self.since).days + 1
        return [self.since + timedelta(days=offset) for offset in range(count)]


def start_of(day):
    """The first instant of a UTC day; None for no day."""
    return None if day is None else datetime.combine(day, time(), UTC)


def end_of(day):
    """The first instant after a UTC day (where a span of days ends, exclusive); None for
    no day."""
    return None if day is None else start_of(day + timedelta(days=1))


def today():
    return datetime.now(UTC).date()


def last_days(count, until=None):
    """The `count` days up to and including `until` (today by default)."""
    until = until or today()
    return Period(max(until - timedelta(days=count - 1), EARLIEST), until)


def period_of(since=None, until=None):
    """The period from `since` to `until` (dates); without `since`, DEFAULT_DAYS days up to
    `until`; without `until`, up to today. A period ending before it starts, or longer
    than MAX_DAYS, is InvalidInput."""
    for name, day in (("since", since), ("until", until)):
        if day is not None and not EARLIEST <= day <= LATEST:
            raise InvalidInput(name, f"Must be from {EARLIEST} to {LATEST}.")
    if since is None:
        return last_days(DEFAULT_DAYS, until)
    until = until or max(today(), since)
    if until < since:
        raise InvalidInput("until", "Must not be before since.")
    if (until - since).days + 1 > MAX_DAYS:
        raise InvalidInput("until", f"A period covers at most {MAX_DAYS} days.")
    return Period(since, until)
