"""`flask keys …`: create, list, revoke and rotate API keys."""

import click
from flask.cli import AppGroup

from ragchat.auth import keys
from ragchat.commands.options import duration, key_name, optional_tenant, tenant_name
from ragchat.exceptions import KeyNotActive, KeyNotFound
from ragchat.extensions import db
from ragchat.models import SCOPES, utcnow
from ragchat.rules import MAX_KEY_ID

KEY_ID = click.IntRange(min=1, max=MAX_KEY_ID)  # the column's range: beyond it no key exists

keys_cli = AppGroup("keys", help="Manage API keys (secrets are shown once, at creation).")


def scope_list(ctx, param, value):
    scopes = [scope.strip() for scope in value.split(",") if scope.strip()]
    unknown = sorted(set(scopes) - set(SCOPES))
    if not scopes or unknown:
        raise click.BadParameter(f"choose from {', '.join(SCOPES)}")
    return scopes


@keys_cli.command("create")
@click.option("--tenant", required=True, callback=tenant_name, help="Whose chats the key opens.")
@click.option("--name", required=True, callback=key_name, help="What it is for: 'support bot'.")
@click.option("--scopes", default="read,write", show_default=True, callback=scope_list)
@click.option("--expires", callback=duration, help="Lifetime, e.g. 90d (default: none).")
def create(tenant, name, scopes, expires):
    """Create a key and print its secret once."""
    key, secret = keys.issue_key(tenant, name, scopes, utcnow() + expires if expires else None)
    db.session.commit()
    click.echo(f"Created key {key.id} ({key.prefix}…) for tenant '{tenant}', scopes {key.scopes}.")
    click.echo("Its secret is shown only now; send it as the X-API-Key header:")
    click.echo(secret)


@keys_cli.command("list")
@click.option("--tenant", callback=optional_tenant)
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
    """Carry out `action` on a key and commit it, or say why not."""
    try:
        result = action(key_id, **options)
    except KeyNotFound:
        raise click.ClickException(f"There is no key {key_id}.") from None
    except KeyNotActive as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    return result
