"""ragchat: chat history for RAG chatbots."""

import logging

from flask import Flask

from ragchat.api import register_api
from ragchat.api.openapi import SPEC_SETTINGS, ErrorResponsesPlugin
from ragchat.config import ROOT, load_settings
from ragchat.database import engine_options
from ragchat.errors import register_error_handlers
from ragchat.extensions import api, cors, db, limiter, migrate
from ragchat.metrics import init_metrics
from ragchat.security import init_security_headers
from ragchat.version import __version__

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
    app.config.update(settings)
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )
    app.url_map.strict_slashes = False  # /api/sessions and /api/sessions/ alike, no redirect
    configure_logging(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    api.init_app(app, spec_kwargs={"extra_plugins": [ErrorResponsesPlugin()]})
    limiter.init_app(app)
    cors.init_app(app)
    register_api(api)
    register_error_handlers(app)
    init_security_headers(app)
    init_metrics(app)
    return app


def configure_logging(app):
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app.logger.setLevel(app.config["LOG_LEVEL"])
