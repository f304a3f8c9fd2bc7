"""Settings: read from the environment (and an optional `.env`), validated at start-up.

Every setting is checked before the app is built; all problems are reported together in
one `ConfigError`, so an operator fixes a deployment in one go instead of one traceback
at a time.
"""

import os
import secrets
from pathlib import Path

from dotenv import dotenv_values

from ragchat.settings.engine import engine_options
from ragchat.settings.parsing import (
    database_uri,
    ensure_folder,
    parse_api_keys,
    parse_append_form,
    parse_count,
    parse_environment,
    parse_flag,
    parse_host,
    parse_log_format,
    parse_log_level,
    parse_origins,
    parse_port,
    parse_positive_int,
    parse_rate_limit,
    parse_retention_days,
    parse_search_language,
    parse_storage_uri,
    parse_workers,
)
from ragchat.settings.workers import worker_layout

DEV_KEY_FILE = "dev-api-key"
SECRET_KEY_FILE = "secret-key"  # noqa: S105 (a file name)

ROOT = Path(__file__).resolve().parents[2]  # the project folder: templates, static, migrations

DEFAULTS = {
    "RAGCHAT_ENV": "development",
    "INSTANCE_PATH": "",  # empty: instance/ beside the code; local files (SQLite, dev key)
    "DATABASE_URL": "",  # empty: an SQLite file under the instance folder
    "API_KEY": "",  # empty: a development key generated once under the instance folder
    "API_KEY_CACHE_SECONDS": "30",  # how long a verified key is trusted without a lookup
    "SECRET_KEY": "",  # empty: generated once under the instance folder
    "HOST": "127.0.0.1",
    "PORT": "8000",
    "LOG_LEVEL": "INFO",
    "LOG_FORMAT": "",  # empty: json in production, text in development
    "LOG_FILE": "",  # empty: standard error only
    "MAX_CONTENT_LENGTH": str(1024 * 1024),
    "RATE_LIMIT": "600/minute",  # per API key (per client IP without one)
    "AUTH_FAILURE_LIMIT": "20/minute",  # failed authentications per client IP
    "RATELIMIT_STORAGE_URI": "memory://",
    "CORS_ORIGINS": "",  # empty: no cross-origin access
    "METRICS_ENABLED": "false",
    "TRUSTED_PROXIES": "0",  # how many reverse proxies set X-Forwarded-* in front of us
    "WEB_CONCURRENCY": "",  # gunicorn workers; empty: 2 x CPU cores + 1
    "RETENTION_DAYS": "",  # the default of `flask ragchat purge`; empty or 0: keep forever
    "SEARCH_LANGUAGE": "english",  # text-search stemming; change it with `flask ragchat reindex`
    "DATABASE_PREPARED_STATEMENTS": "true",  # false behind a pooler in transaction mode
    "DATABASE_APPEND_FORM": "auto",  # auto: one statement, two (split) on Citus
}


class ConfigError(Exception):
    """The settings cannot run the app; the message names every bad setting."""

    def __init__(self, problems):
        self.problems = problems
        lines = "\n".join(f"  - {name}: {why}" for name, why in problems)
        super().__init__(f"invalid configuration:\n{lines}")


def load_settings(overrides=None):
    """Return the Flask config for these settings, or raise `ConfigError`."""
    raw = {**DEFAULTS, **_from_env(), **(overrides or {})}
    instance = Path(raw["INSTANCE_PATH"] or ROOT / "instance").resolve()
    problems = []

    def check(name, parse):
        try:
            return parse(raw[name])
        except ValueError as exc:
            problems.append((name, str(exc)))
            return None

    environment = check("RAGCHAT_ENV", parse_environment)
    production = environment == "production"
    config = {
        "RAGCHAT_ENV": environment,
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": check("DATABASE_URL", lambda v: database_uri(v, instance)),
        "API_KEYS": check("API_KEY", parse_api_keys),
        "API_KEY_CACHE_SECONDS": check("API_KEY_CACHE_SECONDS", parse_count),
        "SECRET_KEY": raw["SECRET_KEY"].strip() or None,
        "HOST": check("HOST", parse_host),
        "PORT": check("PORT", parse_port),
        "LOG_LEVEL": check("LOG_LEVEL", parse_log_level),
        "LOG_FORMAT": check("LOG_FORMAT", lambda v: parse_log_format(v, production)),
        "LOG_FILE": raw["LOG_FILE"].strip() or None,
        "MAX_CONTENT_LENGTH": check("MAX_CONTENT_LENGTH", parse_positive_int),
        "RATE_LIMIT": check("RATE_LIMIT", parse_rate_limit),
        "AUTH_FAILURE_LIMIT": check("AUTH_FAILURE_LIMIT", parse_rate_limit),
        "RATELIMIT_STORAGE_URI": check("RATELIMIT_STORAGE_URI", parse_storage_uri),
        "CORS_ORIGINS": check("CORS_ORIGINS", parse_origins),
        "METRICS_ENABLED": check("METRICS_ENABLED", parse_flag),
        "TRUSTED_PROXIES": check("TRUSTED_PROXIES", parse_count),
        "WEB_CONCURRENCY": check("WEB_CONCURRENCY", parse_workers),
        "RETENTION_DAYS": check("RETENTION_DAYS", parse_retention_days),
        "SEARCH_LANGUAGE": check("SEARCH_LANGUAGE", parse_search_language),
        "DATABASE_PREPARED_STATEMENTS": check("DATABASE_PREPARED_STATEMENTS", parse_flag),
        "DATABASE_APPEND_FORM": check("DATABASE_APPEND_FORM", parse_append_form),
    }
    if production:
        # Production never falls back to generated secrets: they would differ per machine.
        if not config["API_KEYS"] and "API_KEY" not in dict(problems):
            problems.append(("API_KEY", "required in production (no development key is made)"))
        if not config["SECRET_KEY"]:
            problems.append(("SECRET_KEY", "required in production"))
    if not raw["DATABASE_URL"].strip():  # the default SQLite file lives in the instance folder
        check("INSTANCE_PATH", lambda _: ensure_folder(instance))
    if problems:
        raise ConfigError(problems)

    if not config["API_KEYS"]:
        config["API_KEYS"] = (read_or_create_secret(instance / DEV_KEY_FILE, "rck_dev_"),)
        config["DEV_API_KEY"] = config["API_KEYS"][0]
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = read_or_create_secret(instance / SECRET_KEY_FILE)
    # Anything else passed in (TESTING, extension options) goes through untouched.
    config.update({k: v for k, v in (overrides or {}).items() if k not in DEFAULTS})
    return config


def _from_env():
    """The process environment over an optional `.env` in the working directory."""
    from_file = {k: v for k, v in dotenv_values(".env").items() if v is not None}
    env = {**from_file, **os.environ}
    return {name: env[name] for name in DEFAULTS if name in env}


def read_or_create_secret(path, prefix=""):
    """Read a secret kept in `path`, creating it once; racing workers all get the same one."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        draft.write_text(prefix + secrets.token_urlsafe(32) + "\n")
        draft.chmod(0o600)
        try:
            os.link(draft, path)  # atomic: fails if another process got there first
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


# Headers a browser app may send, and the response headers it may read (CORS).
CORS_ALLOW_HEADERS = ("Content-Type", "X-API-Key", "Idempotency-Key", "X-Request-ID")
CORS_EXPOSE_HEADERS = (
    "Link",
    "Location",
    "X-Pagination",
    "X-Request-ID",
    "Retry-After",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
)


def framework_config(settings):
    """What Flask and its extensions need, derived from our settings."""
    return {
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(
            settings["SQLALCHEMY_DATABASE_URI"],
            settings["DATABASE_PREPARED_STATEMENTS"],
            # A process serving on threads holds a connection per request at once.
            requests_at_once=worker_layout(
                settings["RATELIMIT_STORAGE_URI"], settings["WEB_CONCURRENCY"]
            )[1],
        ),
        "RATELIMIT_HEADERS_ENABLED": True,
        # A rate-limit store outage is logged and waved through, not turned into errors.
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_KEY_PREFIX": "ragchat",
        "CORS_RESOURCES": {r"/api/*": {"origins": list(settings["CORS_ORIGINS"])}},
        "CORS_ALLOW_HEADERS": list(CORS_ALLOW_HEADERS),
        "CORS_EXPOSE_HEADERS": list(CORS_EXPOSE_HEADERS),
        "CORS_MAX_AGE": 600,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": settings["RAGCHAT_ENV"] == "production",
    }
