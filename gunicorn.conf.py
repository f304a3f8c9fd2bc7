"""gunicorn settings for ragchat: `make run` and the container both use this file."""

import sys

from ragchat import metrics
from ragchat.logs import logging_config
from ragchat.settings import ConfigError, load_settings
from ragchat.settings.workers import inexact_limits, worker_layout

# Validate once in the master, so a bad setting is one clear message, not a crash per worker.
try:
    settings = load_settings()
except ConfigError as error:
    sys.exit(f"ragchat: {error}")

metrics.prepare_multiprocess_dir(settings)

wsgi_app = "wsgi:app"
bind = f"{settings['HOST']}:{settings['PORT']}"
# Every rate limit holds at its number: counts in memory:// live in one process, which then
# serves on threads (gunicorn runs gthread workers when threads > 1); with a shared store,
# each worker is a process of its own (ragchat/settings/workers.py).
workers, threads = worker_layout(settings["RATELIMIT_STORAGE_URI"], settings["WEB_CONCURRENCY"])
timeout = 30  # a worker silent this long is replaced
graceful_timeout = 30  # on SIGTERM, in-flight requests get this long to finish
keepalive = 5
# Room for the longest valid query (a 255-character user id in 4-byte characters, encoded);
# gunicorn answers longer request lines itself, with an HTML 414.
limit_request_line = 8190
control_socket_disable = True  # one shared socket path would clash between instances

# gunicorn logs through the app's own set-up; the app writes the one line per request.
# Other libraries' warnings go through the same handler (gunicorn needs a root logger).
logconfig_dict = {**logging_config(settings), "root": {"level": "WARNING", "handlers": ["stderr"]}}
accesslog = None


def on_starting(server):
    # Options on the command line or in GUNICORN_CMD_ARGS win over this file: refuse to serve
    # if they ask for processes that would each count alone.
    problem = inexact_limits(settings["RATELIMIT_STORAGE_URI"], server.cfg.workers)
    if problem:
        sys.exit(f"ragchat: {problem}")


def when_ready(server):
    host = settings["HOST"]
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
    print(f"ragchat is serving on http://{shown}:{settings['PORT']}", flush=True)
    if settings.get("DEV_API_KEY"):
        print(f"development API key (X-API-Key): {settings['DEV_API_KEY']}", flush=True)


def child_exit(server, worker):
    metrics.worker_exited(worker.pid)
