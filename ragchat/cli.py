"""`flask keys …`: create, list, revoke and rotate API keys."""

import re
from datetime import timedelta

import click
from flask.cli import AppGroup

from ragchat import keys
from ragchat.api.fields import storable_problem
from ragchat.chats import RecordNotFound
from ragchat.models import SCOPES, utcnow

TENANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
DURATION = re.compile(r"(\d+)\s*([mhdw])")
UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
LONGEST = timedelta(days=3650)  # as the API allows; also keeps dates inside the calendar
KEY_ID = click.IntRange(min=1, max=2**31 - 1)  # the column's range: beyond it no key exists

keys_cli = AppGroup("keys", help="Manage API keys (secrets are shown once, at creation).")


def tenant_name(ctx, param, value):
    if not TENANT.fullmatch(value):
        raise click.BadParameter("letters, digits, '_', '.', '-'; at most 64 characters")
    return value


def key_name(ctx, param, value):
    name = value.strip()
    if not 1 <= len(name) <= 100:
        raise click.BadParameter("1 to 100 characters")
    problem = storable_problem(name)
    if problem:
        raise click.BadParameter(problem)
    return name


def scope_list(ctx, param, value):
    scopes = [scope.strip() for scope in value.split(",") if scope.strip()]
    unknown = sorted(set(scopes) - set(SCOPES))
    if not scopes or unknown:
        raise click.BadParameter(f"choose from {', '.join(SCOPES)}")
    return scopes


def duration(ctx, param, value):
    if value is None:
        return None
    match = DURATION.fullmatch(value.strip().lower())
    if not match or int(match[1]) == 0:
        raise click.BadParameter("a duration such as 30m, 12h, 90d or 2w")
    try:
        length = timedelta(**{UNITS[match[2]]: int(match[1])})
    except OverflowError:
        length = LONGEST * 2
    if length > LONGEST:
        raise click.BadParameter("at most 3650 days")
    return length


@keys_cli.command("create")
@click.option("--tenant", required=True, callback=tenant_name, help="Whose chats the key opens.")
@click.option("--name", required=True, callback=key_name, help="What it is for: 'support bot'.")
@click.option("--scopes", default="read,write", show_default=True, callback=scope_list)
@click.option("--expires", callback=duration, help="Lifetime, e.g. 90d (default: none).")
def create(tenant, name, scopes, expires):
    """Create a key and print its secret once."""
    key, secret = keys.issue_key(tenant, name, scopes, utcnow() + expires if expires else None)
    click.echo(f"Created key {key.id} ({key.prefix}…) for tenant '{tenant}', scopes {key.scopes}.")
    click.echo("Its secret is shown only now; send it as the X-API-Key header:")
    click.echo(secret)


@keys_cli.command("list")
@click.option("--tenant", callback=lambda c, p, v: v and tenant_name(c, p, v))
def list_(tenant):
    """List keys (never their secrets)."""
    rows = [("ID", "PREFIX", "TENANT", "NAME", "SCOPES", "LAST USED", "EXPIRES", "STATE")]
    for key in keys.list_keys(tenant):
        rows.append(
            (
                str(key.id),
                key.prefix,
                key.tenant_id,
                key.name,
                key.scopes,
                when(key.last_used_at),
                when(key.expires_at),
                key.state(),
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def when(moment):
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


@keys_cli.command("revoke")
@click.argument("key_id", type=KEY_ID)
def revoke(key_id):
    """Revoke a key at once (other processes notice within API_KEY_CACHE_SECONDS)."""
    key = find(keys.revoke_key, key_id)
    click.echo(f"Revoked key {key.id} ({key.prefix}…) of tenant '{key.tenant_id}'.")


@keys_cli.command("rotate")
@click.argument("key_id", type=KEY_ID)
@click.option("--grace", callback=duration, help="Keep the old key working this long, e.g. 1h.")
def rotate(key_id, grace):
    """Replace a key by a new one with the same tenant, name and scopes."""
    old, new, secret = find(keys.rotate_key, key_id, grace=grace)
    ends = f"at {when(old.revoked_at)} UTC" if grace else "now"
    click.echo(f"Created key {new.id} ({new.prefix}…); key {old.id} stops working {ends}.")
    click.echo("The new secret is shown only now:")
    click.echo(secret)


def find(action, key_id, **options):
    try:
        return action(key_id, **options)
    except RecordNotFound:
        raise click.ClickException(f"There is no key {key_id}.") from None
    except keys.KeyNotActive as error:
        raise click.ClickException(str(error)) from None


def register_commands(app):
    from ragchat.data_cli import data_cli  # here: it reuses this module's option parsers

    app.cli.add_command(keys_cli)
    app.cli.add_command(data_cli)
