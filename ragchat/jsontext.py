"""JSON in and out, fast: orjson where it gives the same answer as the standard library,
the standard library everywhere else.

orjson is several times faster at the work every request does (a page of messages is
tens of KB of JSON, parsed from the database and written to the client). But it reads an
integer beyond 64 bits as a float, and refuses some input the standard library takes
(a UTF-16 body, a byte order mark, a lone surrogate, which the schemas then judge). Text
with a run of 19 digits, and anything orjson refuses, goes through the standard library,
so every value comes back exactly as it went in.
"""

import json
import math
import re

import orjson
from flask.json.provider import DefaultJSONProvider

LONG_NUMBER = re.compile(rb"\d{19}")
LONG_NUMBER_TEXT = re.compile(r"\d{19}")


def _fast(text):
    """orjson's reading of `text`, or None where the standard library must read it."""
    pattern = LONG_NUMBER_TEXT if isinstance(text, str) else LONG_NUMBER
    if pattern.search(text):
        return None
    try:
        return (orjson.loads(text),)
    except orjson.JSONDecodeError:
        return None


def dumps(value):
    """Compact JSON text, as stored in the database."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson.JSONEncodeError: a number beyond 64 bits, a type it lacks
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def loads(text):
    """A stored document, read back exactly."""
    fast = _fast(text)
    return fast[0] if fast else json.loads(text)


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def _finite_float(text):
    number = float(text)
    if not math.isfinite(number):
        raise ValueError("number out of range")
    return number


def loads_strict(text):
    """Parse strict JSON sent to us: Python's decoder also takes NaN and Infinity, which no
    database stores as JSON. Raises ValueError (or RecursionError on absurd nesting)."""
    fast = _fast(text)  # orjson refuses NaN, Infinity and numbers too big for a double
    if fast:
        return fast[0]
    return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)


class FastJSONProvider(DefaultJSONProvider):
    """Flask's JSON, as it writes it (keys sorted, compact), through orjson. Dates and
    anything else orjson does not know go to Flask's own conversions."""

    OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS

    COMPACT = {"separators": (",", ":")}  # what Flask's response() asks for

    def dumps(self, obj, **kwargs):
        if kwargs and kwargs != self.COMPACT:  # indented (debug) or other options: Flask's
            return super().dumps(obj, **kwargs)
        try:
            return orjson.dumps(obj, default=self.default, option=self.OPTIONS).decode()
        except TypeError:
            return super().dumps(obj)

    def loads(self, s, **kwargs):
        return loads(s) if not kwargs else super().loads(s, **kwargs)
