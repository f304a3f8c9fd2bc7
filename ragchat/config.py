"""Settings: read from the environment (and an optional `.env`), validated at start-up.

Every setting is checked before the app is built; all problems are reported together in
one `ConfigError`, so an operator fixes a deployment in one go instead of one traceback
at a time.
"""

import os
import secrets
from pathlib import Path

from dotenv import dotenv_values
from limits import parse_many
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

ENVIRONMENTS = ("development", "production")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("json", "text")
RATE_LIMIT_STORES = ("memory", "redis", "rediss", "redis+sentinel", "redis+cluster", "memcached")
DEV_KEY_FILE = "dev-api-key"
SECRET_KEY_FILE = "secret-key"  # noqa: S105 (a file name)
MIN_API_KEY_LENGTH = 16

ROOT = Path(__file__).resolve().parent.parent

DEFAULTS = {
    "RAGCHAT_ENV": "development",
    "INSTANCE_PATH": "",  # empty: instance/ beside the code; local files (SQLite, dev key)
    "DATABASE_URL": "",  # empty: an SQLite file under the instance folder
    "API_KEY": "",  # empty: a development key generated once under the instance folder
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
    }
    if production:
        # Production never falls back to generated secrets: they would differ per machine.
        if not config["API_KEYS"] and "API_KEY" not in dict(problems):
            problems.append(("API_KEY", "required in production (no development key is made)"))
        if not config["SECRET_KEY"]:
            problems.append(("SECRET_KEY", "required in production"))
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


def database_uri(value, instance):
    """Accept plain `postgresql://` URLs and pick the psycopg 3 driver for them."""
    if not value.strip():
        return f"sqlite:///{instance / 'ragchat.db'}"
    try:
        url = make_url(value.strip())
    except ArgumentError:
        raise ValueError("not a database URL (expected postgresql://… or sqlite:///…)") from None
    backend, _, driver = url.drivername.partition("+")
    if backend == "postgres":
        backend = "postgresql"
    if backend == "postgresql":
        if driver not in ("", "psycopg"):
            raise ValueError(f"driver '{driver}' is not supported; use postgresql://…")
        if not url.host and not url.query.get("host"):
            raise ValueError("a PostgreSQL URL needs a host")
        return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if backend == "sqlite":
        if driver not in ("", "pysqlite"):
            raise ValueError(f"driver '{driver}' is not supported; use sqlite:///path")
        return url.set(drivername="sqlite").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database '{backend}' (use postgresql:// or sqlite:///)")


def parse_api_keys(value):
    keys = tuple(key.strip() for key in value.split(",") if key.strip())
    for key in keys:
        if len(key) < MIN_API_KEY_LENGTH:
            raise ValueError(f"every key must be at least {MIN_API_KEY_LENGTH} characters long")
        if not key.isprintable() or " " in key:
            raise ValueError("keys may not contain spaces or control characters")
    return keys


def parse_port(value):
    port = parse_positive_int(value)
    if port > 65535:
        raise ValueError(f"'{value}' is not a TCP port (1-65535)")
    return port


def parse_host(value):
    host = value.strip()
    if not host or any(c.isspace() or c in "/:@" for c in host.strip("[]")):
        raise ValueError(f"'{value}' is not a host name or IP address")
    return host


def parse_environment(value):
    environment = value.strip().lower()
    if environment not in ENVIRONMENTS:
        raise ValueError(f"'{value}' is not one of {', '.join(ENVIRONMENTS)}")
    return environment


def parse_log_format(value, production):
    log_format = value.strip().lower() or ("json" if production else "text")
    if log_format not in LOG_FORMATS:
        raise ValueError(f"'{value}' is not one of {', '.join(LOG_FORMATS)}")
    return log_format


def parse_rate_limit(value):
    """One or more limits such as `600/minute;20/second`."""
    try:
        parse_many(value)
    except ValueError:
        raise ValueError(f"'{value}' is not a rate limit such as 600/minute;20/second") from None
    return value.strip()


def parse_storage_uri(value):
    scheme, separator, _ = value.strip().partition("://")
    if not separator or scheme not in RATE_LIMIT_STORES:
        raise ValueError(f"'{value}' is not a storage URI such as memory:// or redis://host:6379/0")
    return value.strip()


def parse_origins(value):
    origins = tuple(origin.strip().rstrip("/") for origin in value.split(",") if origin.strip())
    for origin in origins:
        scheme, separator, host = origin.partition("://")
        if origin != "*" and (scheme not in ("http", "https") or not separator or not host):
            raise ValueError(f"'{origin}' is not an origin such as https://app.example.com")
    return origins


def parse_flag(value):
    flag = str(value).strip().lower()
    if flag in ("1", "true", "yes", "on"):
        return True
    if flag in ("", "0", "false", "no", "off"):
        return False
    raise ValueError(f"'{value}' is not true or false")


def parse_log_level(value):
    level = value.strip().upper()
    if level not in LOG_LEVELS:
        raise ValueError(f"'{value}' is not one of {', '.join(LOG_LEVELS)}")
    return level


def parse_count(value, minimum=0):
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValueError(f"'{value}' is not a whole number") from None
    if number < minimum:
        raise ValueError(f"'{value}' must be at least {minimum}")
    return number


def parse_positive_int(value):
    return parse_count(value, minimum=1)


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
