"""gunicorn settings for ragchat: `make run` and the container both use this file."""

import multiprocessing
import os
import sys

from ragchat import metrics
from ragchat.config import ConfigError, load_settings

# Validate once in the master, so a bad setting is one clear message, not a crash per worker.
try:
    settings = load_settings()
except ConfigError as error:
    sys.exit(f"ragchat: {error}")

metrics.prepare_multiprocess_dir(settings)

wsgi_app = "wsgi:app"
bind = f"{settings['HOST']}:{settings['PORT']}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = 30
graceful_timeout = 30  # SIGTERM: in-flight requests get this long to finish
keepalive = 5
control_socket_disable = True  # one shared socket path would clash between instances


def when_ready(server):
    host = settings["HOST"]
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
    print(f"ragchat is serving on http://{shown}:{settings['PORT']}", flush=True)
    if settings.get("DEV_API_KEY"):
        print(f"development API key (X-API-Key): {settings['DEV_API_KEY']}", flush=True)


def child_exit(server, worker):
    metrics.worker_exited(worker.pid)
