"""Option parsers the `flask` commands share: each checks a value with the same rule as
the API and turns a bad one into a usage error that names the option."""

import re
from datetime import UTC, datetime, timedelta

import click

from ragchat.rules import KEY_NAME_LENGTH, MAX_DAYS, TENANT_NAME, storable_problem, user_id_problem

DURATION = re.compile(r"(\d+)\s*([mhdw])")
UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
LONGEST = timedelta(days=MAX_DAYS)  # as the API allows; also keeps dates inside the calendar


def tenant_name(ctx, param, value):
    if not TENANT_NAME.fullmatch(value):
        raise click.BadParameter("letters, digits, '_', '.', '-'; at most 64 characters")
    return value


def optional_tenant(ctx, param, value):
    return value and tenant_name(ctx, param, value)


def key_name(ctx, param, value):
    name = value.strip()
    if not 1 <= len(name) <= KEY_NAME_LENGTH:
        raise click.BadParameter(f"1 to {KEY_NAME_LENGTH} characters")
    problem = storable_problem(name)
    if problem:
        raise click.BadParameter(problem)
    return name


def user_id(ctx, param, value):
    if value is not None and (problem := user_id_problem(value)):
        raise click.BadParameter(problem)
    return value


def duration(ctx, param, value):
    if value is None:
        return None
    match = DURATION.fullmatch(value.strip().lower())
    if not match or int(match[1]) == 0:
        raise click.BadParameter("a duration such as 30m, 12h, 90d or 2w")
    try:
        length = timedelta(**{UNITS[match[2]]: int(match[1])})
    except OverflowError:
        length = LONGEST * 2
    if length > LONGEST:
        raise click.BadParameter(f"at most {MAX_DAYS} days")
    return length


def moment(ctx, param, value):
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except ValueError:
        raise click.BadParameter("an ISO 8601 time such as 2025-05-01T00:00:00Z") from None
    except OverflowError:
        raise click.BadParameter("out of range once converted to UTC") from None
