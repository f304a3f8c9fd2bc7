"""Chats on given days, for the tests of figures per day: the API stamps every message with
the time it arrives, so these go in as an export comes back, through the importer, each
with its own times."""

import json
import uuid

from ragchat.chats.imports import import_lines
from ragchat.extensions import db


def message(sender, when, *, context=None, rating=None, **metadata):
    """A message sent at `when` (ISO 8601); `metadata` as the API takes it (model, …)."""
    return {
        "sender": sender,
        "content": f"{sender} at {when}",
        "context": context or {},
        "metadata": metadata,
        "rating": rating,
        "created_at": when,
    }


def chunks(*sources):
    """A context with a passage from each (source, score) (a None score: none given)."""
    found = []
    for source, score in sources:
        chunk = {"text": f"From {source}.", "source": source}
        if score is not None:
            chunk["score"] = score
        found.append(chunk)
    return {"chunks": found}


def chat(title, user_id, started, *messages, tenant="default"):
    """A session started at `started` with `messages` (seqs in order)."""
    return {
        "tenant": tenant,
        "id": str(uuid.uuid4()),
        "user_id": user_id,
        "title": title,
        "created_at": started,
        "updated_at": max([started] + [m["created_at"] for m in messages]),
        "messages": [
            {
                "id": str(uuid.uuid4()),
                "seq": seq,
                "sender": m["sender"],
                "content": m["content"],
                "context": m["context"],
                "metadata": m["metadata"],
                "feedback": m["rating"] and {"rating": m["rating"], "created_at": m["created_at"]},
                "created_at": m["created_at"],
            }
            for seq, m in enumerate(messages, 1)
        ],
    }


def import_chats(app, *records):
    """Store the chats, each in its own tenant, as `flask ragchat import` does."""
    with app.app_context():
        report = import_lines([json.dumps(record).encode() for record in records])
        db.session.remove()
    assert report.sessions == len(records) and not report.rejected, report
    return records
