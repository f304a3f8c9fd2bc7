"""Idempotency-Key: a retried POST gets the first answer back instead of writing twice.

The record of the request is inserted in the view's own transaction — the one that
`one_transaction` (ragchat.transactions) wraps around it and commits — and the answer is
stored in the record before that commit: either both are kept or neither. A concurrent
twin blocks on the record's primary key until the first commits, then replays its answer.
A failed request is rolled back with its record, so a retry may succeed. Records are kept
for 24 hours, then purged.
"""

import hashlib
import json
import random
import re
from copy import deepcopy
from datetime import timedelta
from functools import wraps

from flask import current_app, request
from flask_smorest import abort
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from ragchat.api.auth import current_tenant
from ragchat.api.openapi import EXTRA_PARAMETERS
from ragchat.extensions import db
from ragchat.models import IdempotentRequest, utcnow

HEADER = "Idempotency-Key"
SANE_KEY = re.compile(r"[\x21-\x7e]{1,255}")  # printable ASCII, as clients generate them
KEEP_FOR = timedelta(hours=24)
PURGE_CHANCE = 0.01  # about one idempotent write in a hundred clears out expired records
PARAMETER_DOC = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
    "description": "Any unique string (a UUID). A retry with the same key and body gets the "
    "first response back and writes nothing; the same key with another body gets 409. "
    "Kept for 24 hours.",
}


def idempotent(view):
    """For a POST inside `one_transaction`: with an Idempotency-Key, the first answer is
    recorded in the request's transaction and every retry gets it back."""

    @wraps(view)
    def guarded(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not SANE_KEY.fullmatch(key):
            abort(422, messages={"headers": {HEADER: ["1-255 printable ASCII characters."]}})
        tenant, fingerprint = current_tenant(), fingerprint_of(request)
        earlier = recorded(tenant, key)
        if earlier is not None:
            return replay(earlier, fingerprint)
        try:
            record = IdempotentRequest(
                tenant_id=tenant, key=key, fingerprint=fingerprint, status=0, body=""
            )
            db.session.add(record)
            db.session.flush()  # a concurrent twin waits here until the first commits
            response = view(*args, **kwargs)
        except IntegrityError:
            # The twin committed first. Its transaction is over; ours has failed: end it
            # and answer what the twin answered.
            db.session.rollback()
            earlier = recorded(tenant, key)
            if earlier is None:
                raise
            return replay(earlier, fingerprint)
        if response.status_code < 300:  # failures are rolled back with the record
            record.status = response.status_code
            record.body = response.get_data(as_text=True)
            record.location = response.headers.get("Location")
            if random.random() < PURGE_CHANCE:  # noqa: S311 (load spreading, not security)
                purge_expired()
        return response

    # Added to the generated parameters, not in place of them (see EXTRA_PARAMETERS).
    guarded._apidoc = deepcopy(getattr(view, "_apidoc", {}))
    manual = guarded._apidoc.setdefault("manual_doc", {})
    manual.setdefault(EXTRA_PARAMETERS, []).append(PARAMETER_DOC)
    return guarded


def fingerprint_of(req):
    """Method, path and body; the body as parsed JSON, so spacing and key order don't count."""
    body = req.get_json(silent=True)
    canonical = (
        json.dumps(body, sort_keys=True, separators=(",", ":"))
        if body is not None
        else req.get_data(as_text=True)
    )
    raw = f"{req.method} {req.path.rstrip('/')}\n{canonical}"
    return hashlib.sha256(raw.encode()).hexdigest()


def recorded(tenant, key):
    """The live record for this key, if any (an expired one is removed)."""
    record = db.session.get(IdempotentRequest, (tenant, key), populate_existing=True)
    if record is not None and record.created_at < utcnow() - KEEP_FOR:
        db.session.delete(record)
        db.session.flush()
        return None
    return record


def replay(record, fingerprint):
    if record.fingerprint != fingerprint:
        abort(409, message=f"This {HEADER} was used with a different request.")
    response = current_app.response_class(
        record.body, status=record.status, mimetype="application/json"
    )
    if record.location:
        response.headers["Location"] = record.location
    response.headers["Idempotent-Replayed"] = "true"
    return response


def purge_expired():
    """Delete records older than 24 hours (in the caller's transaction); returns how many."""
    deleted = db.session.execute(
        delete(IdempotentRequest).where(IdempotentRequest.created_at < utcnow() - KEEP_FOR)
    )
    return deleted.rowcount
