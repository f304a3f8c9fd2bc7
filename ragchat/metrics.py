"""Prometheus metrics at /metrics (see init_metrics)."""


def init_metrics(app):
    """Serve /metrics when METRICS_ENABLED."""


def prepare_multiprocess_dir(settings):
    """Called by gunicorn.conf.py before workers fork."""


def worker_exited(pid):
    """Called by gunicorn.conf.py when a worker exits."""
