"""One logging set-up for the app and gunicorn, request ids, and one log line per request.

JSON lines in production (LOG_FORMAT=json), readable text in development. Request lines
carry the id of the API key, never the key itself, and never message content.
"""

import logging
import re
import time
import uuid

from flask import g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# Ids from clients or proxies are kept only when they cannot forge or break a log line.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
LOGGERS = ("ragchat", "gunicorn.error")

access_log = logging.getLogger("ragchat.access")


class RequestIdFilter(logging.Filter):
    """Stamps every record logged while serving a request with that request's id."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id() if has_request_context() else "-"
        return True


def logging_config(settings):
    """A `logging.config.dictConfig` dict; gunicorn.conf.py hands the same one to gunicorn."""
    handlers = {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": settings["LOG_FORMAT"],
            "filters": ["request_id"],
        }
    }
    if settings.get("LOG_FILE"):
        handlers["file"] = {
            "class": "logging.handlers.WatchedFileHandler",  # reopens after logrotate
            "filename": settings["LOG_FILE"],
            "formatter": settings["LOG_FORMAT"],
            "filters": ["request_id"],
        }
    logger = {"level": settings["LOG_LEVEL"], "handlers": list(handlers), "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            },
            "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        },
        "handlers": handlers,
        "loggers": dict.fromkeys(LOGGERS, logger),
    }


def init_request_logging(app):
    app.before_request(start_request)
    app.after_request(finish_request)


def current_request_id():
    """The id of the request being served: the client's when sane, a new one otherwise."""
    if "request_id" not in g:
        presented = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = presented if SANE_REQUEST_ID.fullmatch(presented) else uuid.uuid4().hex
    return g.request_id


def start_request():
    g.started = time.perf_counter()
    current_request_id()


def finish_request(response):
    response.headers[REQUEST_ID_HEADER] = current_request_id()
    duration_ms = round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 2)
    fields = {
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": duration_ms,
        "client": request.remote_addr,
        # The API's key, or the one a reviewer signed in with.
        "key_id": caller.key_id if (caller := g.get("caller") or g.get("reviewer")) else None,
    }
    access_log.info(
        "%s %s %s %sms client=%s key=%s",
        *(fields[name] for name in fields),
        extra=fields,
    )
    return response
