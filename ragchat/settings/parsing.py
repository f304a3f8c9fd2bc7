"""Parsers for settings: each takes the raw string and returns a value or raises ValueError
with a message an operator can act on."""

import os
import re

from limits import parse_many
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ragchat.rules import MAX_DAYS

ENVIRONMENTS = ("development", "production")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("json", "text")
RATE_LIMIT_STORES = ("memory", "redis", "rediss", "redis+sentinel", "redis+cluster", "memcached")
MIN_API_KEY_LENGTH = 16
MAX_API_KEY_LENGTH = 200  # longer presented keys are refused unread


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


def ensure_folder(folder):
    """Create a folder ragchat keeps files in (the instance folder, with the default SQLite
    database); one that cannot be made, or written to, is a setting to fix."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ValueError(f"cannot create the folder {folder} ({reason})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"the folder {folder} is not writable")


def parse_api_keys(value):
    keys = tuple(key.strip() for key in value.split(",") if key.strip())
    for key in keys:
        if not MIN_API_KEY_LENGTH <= len(key) <= MAX_API_KEY_LENGTH:
            raise ValueError(
                f"every key must be {MIN_API_KEY_LENGTH}-{MAX_API_KEY_LENGTH} characters long"
            )
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


APPEND_FORMS = ("auto", "single", "split")


def parse_append_form(value):
    form = value.strip().lower()
    if form not in APPEND_FORMS:
        raise ValueError(f"'{value}' is not one of {', '.join(APPEND_FORMS)}")
    return form


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


def parse_workers(value):
    """gunicorn worker processes; by default two per core plus one."""
    return parse_count(value, minimum=1) if str(value).strip() else os.cpu_count() * 2 + 1


def parse_retention_days(value):
    """Days without activity after which `flask ragchat purge` deletes a chat; None (keep
    forever) for empty or 0."""
    days = parse_count(value) if str(value).strip() else 0
    if days > MAX_DAYS:
        raise ValueError(f"'{value}' is more than {MAX_DAYS} days")
    return days or None


SEARCH_LANGUAGE = re.compile(r"[a-z][a-z_]{0,62}")


def parse_search_language(value):
    """A text-search configuration name (PostgreSQL's: english, german, simple, …)."""
    language = value.strip().lower()
    if not SEARCH_LANGUAGE.fullmatch(language):
        raise ValueError("a text-search configuration name such as english, german or simple")
    return language
