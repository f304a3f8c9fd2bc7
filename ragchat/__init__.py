"""ragchat: chat history for RAG chatbots."""

import logging.config

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from ragchat.api import register_api
from ragchat.api.openapi import SPEC_SETTINGS, ErrorResponsesPlugin
from ragchat.cli import register_commands
from ragchat.config import ROOT, framework_config, load_settings
from ragchat.errors import register_error_handlers
from ragchat.extensions import api, cors, csrf, db, limiter, migrate
from ragchat.keys import init_key_cache
from ragchat.logs import init_request_logging, logging_config
from ragchat.metrics import init_metrics
from ragchat.security import init_security_headers
from ragchat.version import __version__
from ragchat.web import register_web

__all__ = ["__version__", "create_app"]


def create_app(config=None):
    """Build the app; `config` overrides settings read from the environment."""
    settings = load_settings(config)
    app = Flask(
        __name__,
        static_folder=ROOT / "static",
        template_folder=ROOT / "templates",
        instance_path=settings["INSTANCE_PATH"],
    )
    app.config.update(SPEC_SETTINGS, API_VERSION=__version__)
    app.config.update(framework_config(settings))
    app.config.update(settings)
    app.url_map.strict_slashes = False  # /api/sessions and /api/sessions/ alike, no redirect
    logging.config.dictConfig(logging_config(settings))
    init_request_logging(app)  # first, so that even a 429 carries a request id

    db.init_app(app)
    init_key_cache(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    api.init_app(app, spec_kwargs={"extra_plugins": [ErrorResponsesPlugin()]})
    limiter.init_app(app)
    cors.init_app(app)
    csrf.init_app(app)
    register_api(api)
    register_web(app)
    register_error_handlers(app)
    register_commands(app)
    init_security_headers(app)
    init_metrics(app)
    if settings["TRUSTED_PROXIES"]:
        hops = settings["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app
