"""Prometheus metrics at /metrics (see init_metrics).

prometheus_client is imported inside the functions on purpose: it picks its storage
(in-process or shared files) once, when first imported, from PROMETHEUS_MULTIPROC_DIR.
gunicorn.conf.py imports this module before prepare_multiprocess_dir sets that variable.
"""

import os
from functools import wraps
from pathlib import Path

from flask import request

from ragchat.auth.callers import API_KEY_HEADER, authenticate
from ragchat.extensions import db
from ragchat.problems import problem
from ragchat.version import __version__

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
PATH = "/metrics"


def init_metrics(app):
    """Serve /metrics when METRICS_ENABLED; otherwise register nothing at all."""
    if not app.config["METRICS_ENABLED"]:
        return
    from prometheus_client import CollectorRegistry
    from prometheus_flask_exporter import PrometheusMetrics
    from prometheus_flask_exporter.multiprocess import GunicornInternalPrometheusMetrics

    # Under gunicorn (gunicorn.conf.py sets the directory) every worker writes its figures
    # to shared files and /metrics adds them up, so any worker's answer covers them all;
    # the multiprocess class also fails the worker's boot if the directory is missing.
    exporter = (
        GunicornInternalPrometheusMetrics if os.environ.get(MULTIPROC_DIR) else PrometheusMetrics
    )
    metrics = exporter(
        app,
        path=PATH,
        registry=CollectorRegistry(),  # one per app: tests build many apps in one process
        group_by="endpoint",  # the route's name, not the raw path with ids in it
        excluded_paths=[f"^{PATH}/?$"],  # scrapes, answered or refused, are not traffic
        metrics_decorator=require_key,
    )
    metrics.info("ragchat_info", "The running ragchat release.", version=__version__)
    with app.app_context():
        pool = db.engine.pool
    if hasattr(pool, "checkedout"):  # QueuePool; NullPool and the like keep no figures
        init_pool_gauges(app, metrics.registry)
    app.extensions["metrics"] = metrics


def init_pool_gauges(app, registry):
    from prometheus_client import Gauge

    def gauge(name, doc):
        # livesum: the figures of the workers alive now, added up.
        return Gauge(f"ragchat_db_pool_{name}", doc, registry=registry, multiprocess_mode="livesum")

    size = gauge("size", "Connections the pool keeps open.")
    checked_out = gauge("checked_out", "Connections in use as a request arrives.")
    overflow = gauge("overflow", "Connections open beyond the pool size.")

    # Read as each request arrives (scrapes too): after a request its session may still
    # hold a connection until teardown, and every idle worker would look busy.
    @app.before_request
    def record_pool():
        pool = db.engine.pool
        size.set(pool.size())
        checked_out.set(pool.checkedout())
        overflow.set(max(pool.overflow(), 0))  # negative while the pool is not yet full

    with app.app_context():
        record_pool()  # a new worker counts from the start, before its first request


def require_key(view):
    """/metrics wants an admin key: X-API-Key, or Authorization: Bearer as Prometheus sends.
    The figures cover every tenant, so a tenant's read/write key does not see them."""

    @wraps(view)
    def guarded(*args, **kwargs):
        scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
        bearer = credentials.strip() if scheme.lower() == "bearer" else ""
        presented = request.headers.get(API_KEY_HEADER) or bearer
        caller = authenticate(presented)
        if caller is None:
            return problem(
                401,
                f"A valid {API_KEY_HEADER} header or Bearer token is required.",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        if "admin" not in caller.scopes:
            return problem(403, "Metrics cover every tenant: they need a key with 'admin'.")
        return view(*args, **kwargs)

    return guarded


def prepare_multiprocess_dir(settings):
    """In the gunicorn master, before workers fork: an empty directory for their files."""
    if not settings["METRICS_ENABLED"]:
        return
    path = Path(os.environ.get(MULTIPROC_DIR) or Path(settings["INSTANCE_PATH"]) / "prometheus")
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):  # a previous run's counts would be added to ours
        stale.unlink()
    os.environ[MULTIPROC_DIR] = str(path)


def worker_exited(pid):
    """In the gunicorn master: drop a dead worker's live gauges (its counters stay)."""
    if os.environ.get(MULTIPROC_DIR):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
