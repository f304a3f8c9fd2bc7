"""ragchat: chat history for RAG chatbots."""

import logging.config

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from ragchat.api import register_api
from ragchat.api.openapi import SPEC_SETTINGS, ErrorResponsesPlugin
from ragchat.auth.callers import init_callers
from ragchat.commands import register_commands
from ragchat.errors import register_error_handlers
from ragchat.extensions import api, cors, csrf, db, init_limiter, migrate
from ragchat.jsontext import FastJSONProvider
from ragchat.logs import init_request_logging, logging_config
from ragchat.metrics import init_metrics
from ragchat.security import init_security_headers
from ragchat.settings import ROOT, framework_config, load_settings
from ragchat.version import __version__
from ragchat.web import register_web

__all__ = ["__version__", "create_app"]


def create_app(config=None):
    """Build the app; `config` overrides settings read from the environment."""
    # Settings: everything checked at once (ConfigError names every bad one).
    settings = load_settings(config)
    app = Flask(
        __name__,
        static_folder=ROOT / "static",
        template_folder=ROOT / "templates",
        instance_path=settings["INSTANCE_PATH"],
    )
    app.json = FastJSONProvider(app)
    app.config.update(SPEC_SETTINGS, API_VERSION=__version__)
    app.config.update(framework_config(settings))
    app.config.update(settings)
    app.url_map.strict_slashes = False  # /api/sessions and /api/sessions/ alike, no redirect
    logging.config.dictConfig(logging_config(settings))
    init_request_logging(app)  # first, so that even a 429 carries a request id

    # Extensions, and who a request's key belongs to (the rate limits count per caller).
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    api.init_app(app, spec_kwargs={"extra_plugins": [ErrorResponsesPlugin()]})
    init_limiter(app)
    if settings["CORS_ORIGINS"]:  # none allowed: no header to add, no hook to run
        cors.init_app(app)
    csrf.init_app(app)
    init_callers(app)

    # The ways in: the JSON API, the review UI, the `flask` commands.
    register_api(api)
    register_web(app)
    register_commands(app)

    # Around every request: errors as problem+json or pages, headers, metrics, proxies.
    register_error_handlers(app)
    init_security_headers(app)
    init_metrics(app)
    if settings["TRUSTED_PROXIES"]:
        hops = settings["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app
