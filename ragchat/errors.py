"""Error handlers: problem+json for the API, pages in the review UI's look for browsers."""

from flask import current_app, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Conflict as HTTPConflict
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    NotFound,
    ServiceUnavailable,
    UnprocessableEntity,
)

from ragchat.exceptions import Conflict, InvalidInput, RecordNotFound
from ragchat.problems import field_errors, is_api_request, problem

DATABASE_DOWN = "The database is unavailable; try again shortly."

# What a person in a browser can do about each error (werkzeug's texts speak to developers).
PAGE_MESSAGES = {
    403: "Your API key does not allow this. Changing chats needs a key with the write scope.",
    404: "There is nothing here: the address is wrong, or the chat was deleted.",
    429: "Too many attempts from your address. Wait a minute, then try again.",
    500: "Something went wrong on our side. It has been logged; try again shortly.",
    503: DATABASE_DOWN,
}
FORM_EXPIRED = "This form has expired or came from another site. Go back, reload and try again."


def register_error_handlers(app):
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(RecordNotFound, handle_not_found)
    app.register_error_handler(StaleDataError, handle_deleted_meanwhile)
    app.register_error_handler(InvalidInput, handle_invalid_input)
    app.register_error_handler(Conflict, handle_conflict)
    app.register_error_handler(Exception, handle_unexpected)


def handle_http_exception(error):
    if error.code is None or error.code < 400:
        return error
    if not is_api_request():
        return error_page(error)
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


def handle_invalid_input(error):
    """A rule only the data could check (a cursor, metadata after merging): 422."""
    return handle_http_exception(validation_failed({error.field: [str(error)]}))


def validation_failed(errors):
    failure = UnprocessableEntity()
    failure.data = {"messages": {"json": errors}}
    return failure


def handle_not_found(error):
    return handle_http_exception(NotFound(str(error)))


def handle_conflict(error):
    return handle_http_exception(HTTPConflict(str(error)))


def handle_deleted_meanwhile(error):
    """A change to a row that a concurrent request deleted after it was read (a rename
    racing a delete): as missing as if the delete had come first."""
    return handle_not_found(RecordNotFound("Not found: it was deleted by another request."))


def handle_unexpected(error):
    """Anything else: logged with its traceback here, never shown to the client."""
    if isinstance(error, OperationalError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    ):
        current_app.logger.warning("database unavailable: %s", type(error.orig).__name__)
        if is_api_request():
            return problem(503, DATABASE_DOWN, headers={"Retry-After": "5"})
        return error_page(ServiceUnavailable(retry_after=5))
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    if is_api_request():
        return problem(500, "An unexpected error occurred.")
    return error_page(InternalServerError())


def error_page(error):
    """The error as a page in the review UI's look, with its status and headers (Allow,
    Retry-After). It is drawn without the database, which may be what failed."""
    if isinstance(error, CSRFError):
        message = FORM_EXPIRED
    else:
        message = PAGE_MESSAGES.get(error.code, error.description)
    headers = [(name, value) for name, value in error.get_headers() if name != "Content-Type"]
    html = render_template(
        "errors/error.html", status=error.code, title=error.name, message=message
    )
    return html, error.code, headers
