"""Error handlers: problem+json for the API, plain pages for everything else."""

from flask import current_app, request
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, NotFound

from ragchat.chats import RecordNotFound
from ragchat.problems import field_errors, problem

DATABASE_DOWN = "The database is unavailable; try again shortly."


def register_error_handlers(app):
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(RecordNotFound, handle_not_found)
    app.register_error_handler(Exception, handle_unexpected)


def wants_problem():
    return request.path == "/api" or request.path.startswith("/api/")


def handle_http_exception(error):
    if error.code is None or error.code < 400 or not wants_problem():
        return error
    data = getattr(error, "data", None) or {}
    errors = field_errors(data.get("messages"))
    if errors:
        detail = "The request failed validation; see errors."
    else:
        detail = data.get("message") or error.description
    if error.code == 413:
        detail = f"The request body is larger than {request.max_content_length} bytes."
    headers = dict(data.get("headers") or {})
    if error.code == 405:
        headers["Allow"] = ", ".join(error.valid_methods or ())
    return problem(error.code, detail, errors=errors, headers=headers)


def handle_not_found(error):
    return handle_http_exception(NotFound(str(error)))


def handle_unexpected(error):
    """Anything else: logged with its traceback here, never shown to the client."""
    if isinstance(error, OperationalError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    ):
        current_app.logger.warning("database unavailable: %s", type(error.orig).__name__)
        if wants_problem():
            return problem(503, DATABASE_DOWN, headers={"Retry-After": "5"})
        return InternalServerError(DATABASE_DOWN)
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    if wants_problem():
        return problem(500, "An unexpected error occurred.")
    return InternalServerError()
