"""`flask keys …` as an operator uses it: create, list, revoke and rotate API keys."""

import hashlib
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from ragchat.auth.callers import init_callers
from ragchat.extensions import db
from ragchat.models import ApiKey, utcnow
from ragchat.settings import ROOT
from tests.support.database import API_KEY, build_app, fresh_database
from tests.support.server import Server, call

BIN = Path(sys.executable).parent
HEADER = ["ID", "PREFIX", "TENANT", "NAME", "SCOPES", "LAST USED", "EXPIRES", "STATE"]
SESSIONS = "/api/sessions?user_id=u"
BOT = ["--tenant", "acme", "--name", "bot"]  # the options of a plain `keys create`


# --- helpers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewKey:
    """What `keys create` or `keys rotate` printed."""

    id: int
    secret: str
    output: str


@pytest.fixture
def runner(app):
    """Runs `flask …` commands in-process on the test database, with a key cache as cold as
    a newly started process's (nothing cached, no use noted)."""
    init_callers(app)
    return app.test_cli_runner()


def keys_command(runner, *args):
    return runner.invoke(args=["keys", *args])


def printed_key(result):
    """The id and secret from a successful create or rotate: the secret is the last line."""
    assert result.exit_code == 0, result.output
    secret = result.stdout.splitlines()[-1]
    assert secret.startswith("rck_"), result.stdout
    key_id = re.match(r"Created key (\d+) ", result.stdout)
    assert key_id, result.stdout
    return NewKey(int(key_id[1]), secret, result.stdout)


def create_key(runner, *options, tenant="acme", name="bot"):
    return printed_key(keys_command(runner, "create", "--tenant", tenant, "--name", name, *options))


def rotate_key(runner, key_id, *options):
    return printed_key(keys_command(runner, "rotate", str(key_id), *options))


def key_table(runner, *options):
    """`keys list` as a header and one dict per row, cut at the header's columns."""
    result = keys_command(runner, "list", *options)
    assert result.exit_code == 0, result.output
    header, *lines = result.stdout.splitlines()
    columns = list(re.finditer(r"\S+(?: \S+)*", header))
    bounds = [
        (column.start(), following.start() if following else None)
        for column, following in zip(columns, [*columns[1:], None], strict=True)
    ]
    names = [column[0] for column in columns]
    rows = [
        dict(zip(names, (line[start:end].strip() for start, end in bounds), strict=True))
        for line in lines
    ]
    return names, rows, result.stdout


def stored(app, key_id):
    with app.app_context():
        return db.session.get(ApiKey, key_id)


def update_stored(app, key_id, **values):
    with app.app_context():
        key = db.session.get(ApiKey, key_id)
        for name, value in values.items():
            setattr(key, name, value)
        db.session.commit()


def key_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ApiKey))


def status_with(client, secret):
    """The status of listing sessions with this key."""
    return client.get(SESSIONS, headers={"X-API-Key": secret}).status_code


def assert_refused(result, *fragments):
    """Refused by the command itself: a non-zero exit and a message, not a traceback."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    for fragment in fragments:
        assert fragment in result.output


def between(moment, before, after, offset=timedelta(0)):
    return before + offset <= moment <= after + offset


# --- keys create -----------------------------------------------------------------------------


def test_create_prints_the_secret_once_and_it_works_at_once(runner, client):
    key = create_key(runner)

    assert key.output.count(key.secret) == 1
    assert key.output.splitlines()[0].startswith(f"Created key {key.id} ({key.secret[:12]}…)")
    assert "tenant 'acme'" in key.output
    assert status_with(client, key.secret) == 200


def test_a_created_key_opens_its_own_tenants_chats_only(runner, client, api):
    key = create_key(runner)
    headers = {"X-API-Key": key.secret}

    created = client.post("/api/sessions", json={"user_id": "u"}, headers=headers)
    assert created.status_code == 201
    session_id = created.json["id"]
    assert client.get(f"/api/sessions/{session_id}", headers=headers).status_code == 200
    assert [s["id"] for s in client.get(SESSIONS, headers=headers).json] == [session_id]

    assert api.get(f"/api/sessions/{session_id}").status_code == 404
    assert api.get(SESSIONS).json == []


def test_only_a_hash_of_the_secret_is_stored(runner, app):
    key = create_key(runner)

    with app.app_context():
        rows = db.session.execute(text("SELECT * FROM api_keys")).mappings().all()
    assert len(rows) == 1
    assert all(key.secret not in str(value) for value in rows[0].values())
    assert rows[0]["secret_hash"] == hashlib.sha256(key.secret.encode()).hexdigest()
    assert rows[0]["prefix"] == key.secret[:12]


def test_default_scopes_are_read_and_write(runner, app, client):
    key = create_key(runner)
    headers = {"X-API-Key": key.secret}

    assert stored(app, key.id).scopes == "read,write"
    assert "scopes read,write" in key.output
    assert client.get(SESSIONS, headers=headers).status_code == 200
    assert client.post("/api/sessions", json={"user_id": "u"}, headers=headers).status_code == 201
    assert client.get("/api/keys", headers=headers).status_code == 403


def test_a_read_only_key_reads_but_may_not_write(runner, app, client):
    key = create_key(runner, "--scopes", "read")
    headers = {"X-API-Key": key.secret}

    assert stored(app, key.id).scopes == "read"
    assert client.get(SESSIONS, headers=headers).status_code == 200
    refused = client.post("/api/sessions", json={"user_id": "u"}, headers=headers)
    assert refused.status_code == 403
    assert refused.content_type == "application/problem+json"
    assert "'write' scope" in refused.json["detail"]


def test_an_admin_key_manages_its_tenants_keys(runner, app, client):
    admin = create_key(runner, "--scopes", "admin", name="ops")
    bot = create_key(runner)
    create_key(runner, tenant="globex")
    headers = {"X-API-Key": admin.secret}

    assert stored(app, admin.id).scopes == "admin"
    listed = client.get("/api/keys", headers=headers)
    assert listed.status_code == 200
    assert sorted(item["id"] for item in listed.json) == [admin.id, bot.id]
    assert client.post("/api/sessions", json={"user_id": "u"}, headers=headers).status_code == 201


def test_scopes_may_be_spaced_and_repeated(runner, app):
    key = create_key(runner, "--scopes", " write , read,read ")

    assert stored(app, key.id).scopes == "read,write"


@pytest.mark.parametrize(
    ("lifetime", "length"),
    [
        ("90d", timedelta(days=90)),
        ("12h", timedelta(hours=12)),
        ("30m", timedelta(minutes=30)),
        ("2w", timedelta(weeks=2)),
        ("7D", timedelta(days=7)),
    ],
)
def test_expires_sets_the_expiry_that_far_ahead(runner, app, client, lifetime, length):
    before = utcnow()
    key = create_key(runner, "--expires", lifetime)
    after = utcnow()

    assert between(stored(app, key.id).expires_at, before, after, length)
    assert status_with(client, key.secret) == 200


def test_without_expires_a_key_never_expires(runner, app):
    key = create_key(runner)

    assert stored(app, key.id).expires_at is None


def test_a_tenant_name_of_64_characters_is_accepted(runner, app):
    key = create_key(runner, tenant="t" * 64)

    assert stored(app, key.id).tenant_id == "t" * 64


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param(
            ["--tenant", "has space", "--name", "bot"],
            "Invalid value for '--tenant'",
            id="tenant-space",
        ),
        pytest.param(
            ["--tenant", "", "--name", "bot"], "Invalid value for '--tenant'", id="tenant-empty"
        ),
        pytest.param(
            ["--tenant", "t" * 65, "--name", "bot"], "at most 64 characters", id="tenant-65"
        ),
        pytest.param(
            ["--tenant", "-acme", "--name", "bot"], "Invalid value for '--tenant'", id="tenant-dash"
        ),
        pytest.param(["--name", "bot"], "Missing option '--tenant'", id="tenant-missing"),
        pytest.param(["--tenant", "acme"], "Missing option '--name'", id="name-missing"),
        pytest.param(
            [*BOT, "--scopes", "read,delete"], "choose from read, write, admin", id="scope-unknown"
        ),
        pytest.param([*BOT, "--scopes", ""], "Invalid value for '--scopes'", id="scopes-empty"),
        pytest.param([*BOT, "--scopes", " , "], "Invalid value for '--scopes'", id="scopes-blank"),
        pytest.param([*BOT, "--expires", "90"], "a duration such as", id="expires-no-unit"),
        pytest.param([*BOT, "--expires", "0d"], "a duration such as", id="expires-zero"),
        pytest.param([*BOT, "--expires", "3y"], "a duration such as", id="expires-years"),
        pytest.param([*BOT, "--expires", "-1d"], "a duration such as", id="expires-negative"),
        pytest.param([*BOT, "--expires", ""], "a duration such as", id="expires-empty"),
    ],
)
def test_bad_input_is_refused_and_creates_nothing(runner, app, options, message):
    result = keys_command(runner, "create", *options)

    assert_refused(result, message)
    assert key_count(app) == 0


@pytest.mark.parametrize(
    "name", ["", "   ", "n" * 101, "a\x00b"], ids=["empty", "blank", "101", "nul"]
)
def test_key_names_are_checked_as_the_api_checks_them(runner, app, name):
    """The API takes 1-100 storable characters, stripped; so must the command."""
    result = keys_command(runner, "create", "--tenant", "acme", "--name", name)

    assert_refused(result, "--name")
    assert key_count(app) == 0


@pytest.mark.parametrize("lifetime", ["5000000d", "99999999999999d"])
def test_a_lifetime_beyond_the_calendar_is_refused_cleanly(runner, app, lifetime):
    result = keys_command(runner, "create", *BOT, "--expires", lifetime)

    assert_refused(result, "--expires")
    assert key_count(app) == 0


# --- keys list -------------------------------------------------------------------------------


def test_list_without_keys_prints_only_the_header(runner):
    names, rows, _ = key_table(runner)

    assert (names, rows) == (HEADER, [])


def test_list_shows_one_row_per_key(runner):
    bot = create_key(runner)
    reader = create_key(runner, "--scopes", "read", name="reader")
    admin = create_key(runner, "--scopes", "admin", tenant="globex", name="ops")

    names, rows, _ = key_table(runner)

    assert names == HEADER
    assert [
        (row["ID"], row["PREFIX"], row["TENANT"], row["NAME"], row["SCOPES"], row["STATE"])
        for row in rows
    ] == [
        (str(bot.id), bot.secret[:12], "acme", "bot", "read,write", "active"),
        (str(reader.id), reader.secret[:12], "acme", "reader", "read", "active"),
        (str(admin.id), admin.secret[:12], "globex", "ops", "admin", "active"),
    ]
    assert {(row["LAST USED"], row["EXPIRES"]) for row in rows} == {("-", "-")}


def test_list_never_shows_a_secret_or_its_hash(runner, app):
    created = [create_key(runner, tenant=tenant) for tenant in ("acme", "acme", "globex")]

    _, _, output = key_table(runner)

    for key in created:
        assert key.secret not in output
        assert key.secret[12:] not in output
        assert stored(app, key.id).secret_hash not in output


def test_list_filters_by_tenant(runner):
    first = create_key(runner)
    create_key(runner, tenant="globex")
    second = create_key(runner, name="other")

    _, rows, _ = key_table(runner, "--tenant", "acme")

    assert [(row["ID"], row["TENANT"]) for row in rows] == [
        (str(first.id), "acme"),
        (str(second.id), "acme"),
    ]
    assert key_table(runner, "--tenant", "nobody")[1] == []


def test_list_refuses_a_bad_tenant_filter(runner):
    assert_refused(keys_command(runner, "list", "--tenant", "has space"), "--tenant")


def test_list_shows_revoked_and_expired_keys(runner, app):
    active = create_key(runner)
    revoked = create_key(runner)
    expired = create_key(runner, "--expires", "1h")
    expiring = create_key(runner, "--expires", "90d")
    assert keys_command(runner, "revoke", str(revoked.id)).exit_code == 0
    update_stored(app, expired.id, expires_at=utcnow() - timedelta(minutes=1))

    _, rows, _ = key_table(runner)

    states = {int(row["ID"]): row["STATE"] for row in rows}
    assert states == {
        active.id: "active",
        revoked.id: "revoked",
        expired.id: "expired",
        expiring.id: "active",
    }
    expires = {int(row["ID"]): row["EXPIRES"] for row in rows}
    assert expires[expiring.id] == stored(app, expiring.id).expires_at.strftime("%Y-%m-%d %H:%M")
    assert expires[active.id] == "-"


# --- keys revoke -----------------------------------------------------------------------------


def test_revoked_key_stops_working_at_once_in_this_process(runner, app, client):
    key = create_key(runner)
    assert status_with(client, key.secret) == 200  # verified, and now cached

    before = utcnow()
    result = keys_command(runner, "revoke", str(key.id))
    after = utcnow()

    assert result.exit_code == 0, result.output
    assert f"Revoked key {key.id} ({key.secret[:12]}…) of tenant 'acme'." in result.stdout
    assert between(stored(app, key.id).revoked_at, before, after)
    assert status_with(client, key.secret) == 401


def test_revoking_one_key_leaves_the_others_working(runner, client):
    revoked = create_key(runner)
    kept = create_key(runner)

    assert keys_command(runner, "revoke", str(revoked.id)).exit_code == 0

    assert status_with(client, kept.secret) == 200
    assert status_with(client, revoked.secret) == 401


def test_revoking_an_unknown_key_fails(runner):
    result = keys_command(runner, "revoke", "999999")

    assert result.exit_code != 0
    assert "There is no key 999999" in result.output


@pytest.mark.parametrize("key_id", ["0", "-3", "abc"])
def test_revoke_needs_a_key_id(runner, key_id):
    assert_refused(keys_command(runner, "revoke", key_id), "KEY_ID")


@pytest.mark.parametrize("command", ["revoke", "rotate"])
@pytest.mark.parametrize("key_id", ["2147483648", "99999999999999999999"])
def test_an_id_beyond_any_key_is_refused_cleanly(runner, command, key_id):
    result = keys_command(runner, command, key_id)

    assert_refused(result, key_id)


def test_revoking_twice_is_fine_and_keeps_the_first_time(runner, app):
    key = create_key(runner)
    assert keys_command(runner, "revoke", str(key.id)).exit_code == 0
    first = stored(app, key.id).revoked_at

    result = keys_command(runner, "revoke", str(key.id))

    assert result.exit_code == 0, result.output
    assert stored(app, key.id).revoked_at == first


def test_revocation_reaches_other_processes_within_the_cache_time(tmp_path):
    """A server process caches a verified key for API_KEY_CACHE_SECONDS: revoking it from
    the command line takes effect there within that time."""
    cache_seconds = 2
    with (
        fresh_database(tmp_path) as url,
        Server(
            tmp_path,
            DATABASE_URL=url,
            API_KEY=API_KEY,
            API_KEY_CACHE_SECONDS=str(cache_seconds),
            WEB_CONCURRENCY="1",
        ) as server,
    ):
        cli_app = build_app(url, INSTANCE_PATH=str(tmp_path / "cli"))
        try:
            cli = cli_app.test_cli_runner()
            key = create_key(cli)
            sessions = f"{server.url}{SESSIONS}"
            assert call(sessions, key=key.secret)[0] == 200  # cached by the server's worker

            assert keys_command(cli, "revoke", str(key.id)).exit_code == 0
            revoked = time.monotonic()
            statuses = []
            while time.monotonic() < revoked + 3 * cache_seconds:
                statuses.append(call(sessions, key=key.secret)[0])
                if statuses[-1] != 200:
                    break
                time.sleep(0.1)
            refused_after = time.monotonic() - revoked

            assert set(statuses[:-1]) <= {200}, statuses
            assert statuses[-1] == 401, statuses
            assert refused_after < 3 * cache_seconds
            assert call(sessions, key=key.secret)[0] == 401
        finally:
            with cli_app.app_context():
                db.engine.dispose()


# --- keys rotate -----------------------------------------------------------------------------


def test_rotation_replaces_the_key_at_once(runner, app, client):
    old = create_key(runner, "--scopes", "read", "--expires", "90d", name="support bot")
    assert status_with(client, old.secret) == 200  # verified, and now cached

    new = rotate_key(runner, old.id)

    assert new.id != old.id
    assert new.secret != old.secret
    assert new.output.count(new.secret) == 1
    assert f"key {old.id} stops working now" in new.output
    assert status_with(client, new.secret) == 200
    assert status_with(client, old.secret) == 401
    before, after = stored(app, old.id), stored(app, new.id)
    assert (after.tenant_id, after.name, after.scopes, after.expires_at) == (
        "acme",
        "support bot",
        "read",
        before.expires_at,
    )
    assert after.revoked_at is None
    states = {int(row["ID"]): row["STATE"] for row in key_table(runner)[1]}
    assert states == {old.id: "revoked", new.id: "active"}


def test_rotation_with_grace_keeps_the_old_key_until_then(runner, app, client):
    old = create_key(runner, "--scopes", "admin", tenant="globex", name="ops")
    assert status_with(client, old.secret) == 200

    before = utcnow()
    new = rotate_key(runner, old.id, "--grace", "1h")
    after = utcnow()

    revoked_at = stored(app, old.id).revoked_at
    assert between(revoked_at, before, after, timedelta(hours=1))
    assert f"stops working at {revoked_at.strftime('%Y-%m-%d %H:%M')} UTC" in new.output
    assert status_with(client, old.secret) == 200
    assert status_with(client, new.secret) == 200
    replacement = stored(app, new.id)
    assert (replacement.tenant_id, replacement.name, replacement.scopes) == (
        "globex",
        "ops",
        "admin",
    )
    states = {int(row["ID"]): row["STATE"] for row in key_table(runner)[1]}
    assert states == {old.id: "active", new.id: "active"}


def test_revoking_during_a_grace_period_ends_it_now(runner, app, client):
    old = create_key(runner)
    new = rotate_key(runner, old.id, "--grace", "1h")
    assert status_with(client, old.secret) == 200

    assert keys_command(runner, "revoke", str(old.id)).exit_code == 0

    assert stored(app, old.id).revoked_at <= utcnow()
    assert status_with(client, old.secret) == 401
    assert status_with(client, new.secret) == 200


def test_rotating_an_unknown_key_fails_and_creates_nothing(runner, app):
    result = keys_command(runner, "rotate", "999999")

    assert result.exit_code != 0
    assert "There is no key 999999" in result.output
    assert key_count(app) == 0


@pytest.mark.parametrize("grace", ["1", "0h", "1y", "-1h"])
def test_rotation_refuses_a_bad_grace_period(runner, app, client, grace):
    old = create_key(runner)

    assert_refused(keys_command(runner, "rotate", str(old.id), "--grace", grace), "--grace")
    assert key_count(app) == 1
    assert stored(app, old.id).revoked_at is None
    assert status_with(client, old.secret) == 200


def test_a_grace_period_beyond_the_calendar_is_refused_cleanly(runner, app, client):
    old = create_key(runner)

    result = keys_command(runner, "rotate", str(old.id), "--grace", "99999999w")

    assert_refused(result, "--grace")
    assert key_count(app) == 1
    assert status_with(client, old.secret) == 200


# --- last use --------------------------------------------------------------------------------


def test_last_use_is_recorded_at_most_once_a_minute(runner, app, client):
    key = create_key(runner)
    assert key_table(runner)[1][0]["LAST USED"] == "-"

    before = utcnow()
    assert status_with(client, key.secret) == 200
    after = utcnow()

    first = stored(app, key.id).last_used_at
    assert first is not None
    assert between(first, before, after)
    assert key_table(runner)[1][0]["LAST USED"] == first.strftime("%Y-%m-%d %H:%M")

    assert status_with(client, key.secret) == 200
    assert stored(app, key.id).last_used_at == first


def test_a_refused_key_records_no_use(runner, app, client):
    key = create_key(runner)
    assert keys_command(runner, "revoke", str(key.id)).exit_code == 0

    assert status_with(client, key.secret) == 401

    assert stored(app, key.id).last_used_at is None


# --- the flask command -----------------------------------------------------------------------


def test_the_flask_command_finds_the_app_with_no_set_up(tmp_path):
    with fresh_database(tmp_path) as url:
        env = {
            **{name: value for name, value in os.environ.items() if not name.startswith("FLASK_")},
            "DATABASE_URL": url,
            "API_KEY": API_KEY,
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }

        def flask(*args):
            return subprocess.run(
                [BIN / "flask", *args], cwd=ROOT, env=env, capture_output=True, text=True
            )

        migrated = flask("db", "upgrade")
        assert migrated.returncode == 0, migrated.stderr
        created = flask("keys", "create", "--tenant", "acme", "--name", "bot")
        assert created.returncode == 0, created.stderr
        secret = created.stdout.splitlines()[-1]
        assert secret.startswith("rck_")

        listed = flask("keys", "list")

        assert listed.returncode == 0, listed.stderr
        header, *rows = listed.stdout.splitlines()
        assert re.split(r"\s{2,}", header.strip()) == HEADER
        assert len(rows) == 1
        assert rows[0].split()[1:4] == [secret[:12], "acme", "bot"]
        assert secret not in listed.stdout


def test_a_revoked_key_cannot_be_rotated_back_to_life(runner, app):
    key = create_key(runner)
    keys_command(runner, "revoke", str(key.id))
    result = keys_command(runner, "rotate", str(key.id))
    assert result.exit_code == 1
    assert f"Key {key.id} is revoked; create a new key instead." in result.output
    assert "Traceback" not in result.output
    assert key_count(app) == 1
