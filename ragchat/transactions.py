"""Who commits. Domain functions (ragchat.chats, ragchat.auth, ragchat.search) never do:
they add, change and flush, and raise when something is wrong. Every transaction has one
owner, visible where it is opened:

- a request: its view, through `one_transaction` (on every API resource and on the review
  UI's forms), which commits a write when the view answers with success and rolls it back
  when it answers with an error or raises, and ends a read with a COMMIT. An idempotent
  request (ragchat.api.idempotency) adds its record and answer to that same transaction;
- a command of the `flask` CLI: the command function, with `db.session.commit()`;
- the batch jobs (import, purge, the export's reads) commit batch by batch, as their
  docstrings say, so that no lock or snapshot is held for a whole run.
"""

from functools import wraps

from flask import current_app, request

from ragchat.extensions import db

READ_METHODS = ("GET", "HEAD", "OPTIONS")


def one_transaction(view):
    """Run a request in one transaction owned here. A writing request's is committed when
    it succeeds and rolled back when it fails; a read's is ended with a COMMIT too, since
    psycopg discards every prepared statement on a ROLLBACK (a read ending in one would
    keep the server from ever reusing a prepared plan)."""

    @wraps(view)
    def in_transaction(*args, **kwargs):
        if request.method in READ_METHODS:
            response = view(*args, **kwargs)
            db.session.commit()
            return response
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except BaseException:
            db.session.rollback()
            raise
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response

    return in_transaction
