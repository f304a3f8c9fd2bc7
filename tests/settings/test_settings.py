"""Settings: read from the environment, validated all at once, with safe defaults."""

import os
import stat
import subprocess
import sys

import pytest

from ragchat.settings import ROOT, ConfigError, load_settings

GOOD_KEY = "a-good-key-0123456789"


@pytest.fixture
def settings(tmp_path, monkeypatch):
    """load_settings with a clean environment and the instance folder in tmp_path."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("DATABASE_URL", "API_KEY", "SECRET_KEY", "PORT", "LOG_LEVEL", "HOST"):
        monkeypatch.delenv(name, raising=False)

    def load(**overrides):
        return load_settings({"INSTANCE_PATH": str(tmp_path / "instance"), **overrides})

    return load


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@db:5432/chat", "postgresql+psycopg://u:p@db:5432/chat"),
        ("postgres://u@db/chat", "postgresql+psycopg://u@db/chat"),
        ("postgresql+psycopg://u@db/chat", "postgresql+psycopg://u@db/chat"),
        ("sqlite:////var/lib/ragchat.db", "sqlite:////var/lib/ragchat.db"),
        ("sqlite:///relative.db", "sqlite:///relative.db"),
    ],
)
def test_database_url_picks_the_psycopg_driver(settings, given, expected):
    assert settings(DATABASE_URL=given)["SQLALCHEMY_DATABASE_URI"] == expected


def test_defaults_need_no_configuration(settings, tmp_path):
    config = settings()
    instance = tmp_path / "instance"
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'ragchat.db'}"
    assert config["PORT"] == 8000
    assert config["HOST"] == "127.0.0.1"
    assert config["LOG_LEVEL"] == "INFO"
    assert config["MAX_CONTENT_LENGTH"] == 1024 * 1024


def test_development_key_is_made_once_and_kept(settings, tmp_path):
    first = settings()
    second = settings()
    key_file = tmp_path / "instance" / "dev-api-key"
    assert first["API_KEYS"] == second["API_KEYS"] == (key_file.read_text().strip(),)
    assert first["DEV_API_KEY"].startswith("rck_dev_")
    assert len(first["DEV_API_KEY"]) > 40
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first["SECRET_KEY"] == second["SECRET_KEY"] != first["DEV_API_KEY"]


def test_configured_keys_replace_the_development_key(settings, tmp_path):
    config = settings(API_KEY=f" {GOOD_KEY} , second-key-0123456789 ,")
    assert config["API_KEYS"] == (GOOD_KEY, "second-key-0123456789")
    assert "DEV_API_KEY" not in config
    assert not (tmp_path / "instance" / "dev-api-key").exists()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "mysql://root@db/chat"),
        ("DATABASE_URL", "not a url"),
        ("DATABASE_URL", "postgresql+asyncpg://db/chat"),
        ("DATABASE_URL", "postgresql:///chat"),
        ("API_KEY", "short"),
        ("API_KEY", "k" * 201),
        ("API_KEY", "has a space in it 0123456789"),
        ("PORT", "eighty"),
        ("PORT", "0"),
        ("PORT", "70000"),
        ("HOST", "http://0.0.0.0"),
        ("LOG_LEVEL", "LOUD"),
        ("MAX_CONTENT_LENGTH", "1MB"),
        ("MAX_CONTENT_LENGTH", "-5"),
    ],
)
def test_bad_setting_is_named(settings, name, value):
    with pytest.raises(ConfigError) as raised:
        settings(**{name: value})
    assert [problem[0] for problem in raised.value.problems] == [name]
    assert name in str(raised.value)


def test_every_bad_setting_is_reported_together(settings):
    with pytest.raises(ConfigError) as raised:
        settings(PORT="x", LOG_LEVEL="x", DATABASE_URL="x://", API_KEY="x")
    names = {problem[0] for problem in raised.value.problems}
    assert names == {"PORT", "LOG_LEVEL", "DATABASE_URL", "API_KEY"}


def test_log_level_is_case_insensitive(settings):
    assert settings(LOG_LEVEL="debug")["LOG_LEVEL"] == "DEBUG"


def test_dotenv_is_read_and_the_environment_wins(settings, tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("LOG_LEVEL=WARNING\nPORT=9000\n")
    monkeypatch.setenv("PORT", "9100")
    config = settings()
    assert config["LOG_LEVEL"] == "WARNING"
    assert config["PORT"] == 9100


def run_entry_point(tmp_path, code, **env):
    environment = {**os.environ, "INSTANCE_PATH": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("entry", ["import wsgi", "exec(open('gunicorn.conf.py').read())"])
def test_bad_configuration_stops_with_one_message_and_no_traceback(tmp_path, entry):
    result = run_entry_point(tmp_path, entry, PORT="eighty", LOG_LEVEL="LOUD")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "invalid configuration" in result.stderr
    assert "PORT: 'eighty' is not a whole number" in result.stderr
    assert "LOG_LEVEL" in result.stderr


def test_production_refuses_to_start_without_key_and_secret(settings, tmp_path):
    with pytest.raises(ConfigError) as raised:
        settings(RAGCHAT_ENV="production")
    assert {name for name, _ in raised.value.problems} == {"API_KEY", "SECRET_KEY"}
    assert not (tmp_path / "instance" / "dev-api-key").exists()
    assert not (tmp_path / "instance" / "secret-key").exists()


@pytest.mark.parametrize("missing", ["API_KEY", "SECRET_KEY"])
def test_production_names_the_missing_one(settings, missing):
    given = {"API_KEY": GOOD_KEY, "SECRET_KEY": "s" * 32}
    del given[missing]
    with pytest.raises(ConfigError) as raised:
        settings(RAGCHAT_ENV="production", **given)
    assert [name for name, _ in raised.value.problems] == [missing]


def test_production_defaults(settings):
    config = settings(RAGCHAT_ENV="Production", API_KEY=GOOD_KEY, SECRET_KEY="s" * 32)
    assert config["RAGCHAT_ENV"] == "production"
    assert config["LOG_FORMAT"] == "json"
    assert "DEV_API_KEY" not in config


def test_development_defaults(settings):
    config = settings()
    assert config["RAGCHAT_ENV"] == "development"
    assert config["LOG_FORMAT"] == "text"
    assert config["RATE_LIMIT"] == "600/minute"
    assert config["CORS_ORIGINS"] == ()
    assert config["METRICS_ENABLED"] is False


def test_production_cookies_are_secure(database_url):
    from tests.support.database import build_app

    production = build_app(database_url, RAGCHAT_ENV="production", SECRET_KEY="s" * 32)
    development = build_app(database_url)
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert development.config["SESSION_COOKIE_SECURE"] is False
    assert production.config["SESSION_COOKIE_HTTPONLY"] is True
    assert production.config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RAGCHAT_ENV", "staging"),
        ("LOG_FORMAT", "xml"),
        ("RATE_LIMIT", "lots"),
        ("AUTH_FAILURE_LIMIT", "10 per fortnight"),
        ("RATELIMIT_STORAGE_URI", "mongodb://db"),
        ("RATELIMIT_STORAGE_URI", "redis"),
        ("CORS_ORIGINS", "chat.example.com"),
        ("METRICS_ENABLED", "perhaps"),
        ("TRUSTED_PROXIES", "-1"),
        ("WEB_CONCURRENCY", "0"),
        ("DATABASE_PREPARED_STATEMENTS", "sometimes"),
        ("DATABASE_APPEND_FORM", "cte"),
    ],
)
def test_bad_production_setting_is_named(settings, name, value):
    with pytest.raises(ConfigError) as raised:
        settings(**{name: value})
    assert [problem[0] for problem in raised.value.problems] == [name]


def test_production_server_refuses_without_secrets(tmp_path):
    result = run_entry_point(
        tmp_path, "import wsgi", RAGCHAT_ENV="production", API_KEY="", SECRET_KEY=""
    )
    assert result.returncode == 1
    assert "API_KEY: required in production" in result.stderr
    assert "SECRET_KEY: required in production" in result.stderr
    assert not (tmp_path / "dev-api-key").exists()


@pytest.mark.parametrize(("value", "threshold"), [("true", "absent"), ("false", None)])
def test_prepared_statements_can_be_turned_off_for_a_pooler(settings, value, threshold):
    from ragchat.settings import framework_config

    loaded = settings(
        DATABASE_URL="postgresql://db.example/ragchat", DATABASE_PREPARED_STATEMENTS=value
    )
    connect_args = framework_config(loaded)["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]
    assert connect_args.get("prepare_threshold", "absent") == threshold


@pytest.mark.parametrize(
    ("storage", "concurrency", "pool"),
    [("memory://", "17", 17), ("memory://", "3", 5), ("redis://127.0.0.1:6379/0", "17", 5)],
)
def test_a_process_on_threads_keeps_a_connection_for_each(settings, storage, concurrency, pool):
    """On memory://, one process serves WEB_CONCURRENCY requests on threads: its pool holds
    one connection for each (no request waits for another's); a process of its own per
    request keeps SQLAlchemy's five."""
    from ragchat.settings import framework_config

    loaded = settings(
        DATABASE_URL="postgresql://db.example/ragchat",
        RATELIMIT_STORAGE_URI=storage,
        WEB_CONCURRENCY=concurrency,
    )
    assert framework_config(loaded)["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"] == pool
