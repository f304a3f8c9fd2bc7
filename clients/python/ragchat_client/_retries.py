"""When to try a request again, and after how long: the policy both clients share.

Exponential backoff with full jitter (a random delay between 0 and min(8 s, 0.5 s x 2^n)),
or the server's own `Retry-After` when it sends one. Only requests that cannot write twice
are retried after an ambiguous failure: reads, PUT/PATCH/DELETE, and POSTs that carry an
Idempotency-Key the server replays.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

BACKOFF_BASE = 0.5  # seconds before the first retry, at most
BACKOFF_CAP = 8.0  # no backoff delay is longer
MAX_RETRY_AFTER = 60.0  # a server asking for a longer wait gets its error raised instead
RETRY_STATUSES = frozenset({429, 502, 503, 504})
# Failures after which the request may have reached the server and been acted on.
RETRYABLE_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)
# Failures before anything was sent: safe to retry even a request that is not replayable.
UNSENT_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)


def backoff(attempt: int, rand: Callable[[], float] = random.random) -> float:
    """Full jitter: uniform in [0, min(cap, base x 2^attempt)); attempt counts from 0."""
    return rand() * min(BACKOFF_CAP, BACKOFF_BASE * 2.0**attempt)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = (moment - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def delay_after_response(
    response: httpx.Response, attempt: int, max_retries: int, replayable: bool
) -> float | None:
    """How long to wait before retrying after this response, or None not to retry."""
    status = response.status_code
    if attempt >= max_retries or status not in RETRY_STATUSES:
        return None
    # A gateway's 502/504 may hide a request that was carried out; 429 never was.
    if not replayable and status != 429:
        return None
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    if retry_after is None:
        return backoff(attempt)
    return retry_after if retry_after <= MAX_RETRY_AFTER else None


def delay_after_error(
    error: httpx.TransportError, attempt: int, max_retries: int, replayable: bool
) -> float | None:
    """How long to wait before retrying after a transport failure, or None not to retry."""
    if attempt >= max_retries:
        return None
    allowed = RETRYABLE_ERRORS if replayable else UNSENT_ERRORS
    return backoff(attempt) if isinstance(error, allowed) else None
