"""JSON in and out, fast: orjson where it can, the standard library where it cannot.

orjson is several times faster at the work every request does (a page of messages is
tens of KB of JSON, parsed from the database and written to the client). It refuses
integers beyond 64 bits, which JSON and PostgreSQL allow; those documents go through the
standard library, so no stored value ever fails to come back.
"""

import json

import orjson
from flask.json.provider import DefaultJSONProvider


def dumps(value):
    """Compact JSON text, as stored in the database."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson.JSONEncodeError: a number beyond 64 bits, a type it lacks
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def loads(text):
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # e.g. a number beyond 64 bits: valid, and ours to read
        return json.loads(text)


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
