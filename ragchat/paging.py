"""Paging: numbered pages (with a total) and keyset windows (same cost at any depth)."""

import base64
import binascii
import json
import math
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ragchat.exceptions import InvalidInput
from ragchat.extensions import db


@dataclass(frozen=True)
class Page:
    items: list
    total: int
    page: int
    size: int

    @property
    def last_page(self):
        return max(1, -(-self.total // self.size))

    @property
    def has_next(self):
        return self.page < self.last_page


@dataclass(frozen=True)
class Window:
    """A keyset page: the items, and whether more follow in the same direction."""

    items: list
    has_more: bool


def paginate(query, page, size, *, rows=False):
    """One page of `query` (which must already be ordered) and the total it pages over:
    model objects, or with `rows` the selected columns as named rows."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    result = db.session.execute(query.limit(size).offset((page - 1) * size))
    items = result.all() if rows else result.scalars().all()
    return Page(items=list(items), total=total, page=page, size=size)


def window(query, limit):
    """Up to `limit` items of `query` (ordered and filtered by its keyset condition)."""
    return split_window(list(db.session.scalars(query.limit(limit + 1))), limit)


def split_window(fetched, limit):
    """The window in up to `limit` + 1 items fetched: the first `limit`, and whether more
    follow."""
    return Window(items=fetched[:limit], has_more=len(fetched) > limit)


def encode_cursor(*position):
    """An opaque cursor for the position just after an item: the values it is ordered by
    (numbers, strings, times and ids)."""
    raw = json.dumps(position, default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor, *readers):
    """The position in a cursor, each value read back by its reader (which raises ValueError
    or TypeError on anything that is not of its kind)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded))
        if not isinstance(values, list) or len(values) != len(readers):
            raise ValueError("not a position")
        return tuple(read(value) for read, value in zip(readers, values, strict=True))
    except (ValueError, TypeError, AttributeError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("cursor", "Not a cursor this API gave out.") from None


def aware_time(value):
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("naive time")
    return moment


def finite_number(value):
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("not a finite number")
    return float(value)


def text_of(value):
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def uuid_of(value):
    return uuid.UUID(text_of(value))
