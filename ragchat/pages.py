"""Paging: numbered pages (with a total) and keyset windows (same cost at any depth)."""

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ragchat.extensions import db


class InvalidInput(ValueError):
    """Input the schemas could not judge alone; answered as a 422 naming the field."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


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
    items = list(db.session.scalars(query.limit(limit + 1)))
    return Window(items=items[:limit], has_more=len(items) > limit)


def encode_cursor(activity, session_id):
    """An opaque cursor for the position just after a session in activity order."""
    raw = json.dumps([activity.isoformat(), str(session_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        activity, session_id = json.loads(base64.urlsafe_b64decode(padded))
        moment = datetime.fromisoformat(activity)
        if moment.tzinfo is None:
            raise ValueError("naive time")
        return moment, uuid.UUID(session_id)
    except (ValueError, TypeError, AttributeError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("cursor", "Not a cursor this API gave out.") from None
