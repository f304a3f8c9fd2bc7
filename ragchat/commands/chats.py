"""`flask ragchat …`: export chats to NDJSON, import them back, purge inactive ones, and
rebuild the search index."""

import os
import stat
import sys
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from ragchat.chats import exports, imports, retention
from ragchat.commands.options import duration, moment, optional_tenant, user_id
from ragchat.extensions import db
from ragchat.models import utcnow
from ragchat.search.index import rebuild_search_index

PROGRESS_FROM = 1024 * 1024  # files at least this big get a progress bar
LISTED = 20  # skipped sessions named in the report; the rest are counted

chats_cli = AppGroup("ragchat", help="Export, import and purge chats; rebuild the search index.")


def counted(number, noun):
    return f"{number} {noun}{'' if number == 1 else 's'}"


@chats_cli.command("export")
@click.option("--tenant", callback=optional_tenant, help="Only this tenant (default: all).")
@click.option("--user", callback=user_id, help="Only this end user's chats.")
@click.option("--updated-since", callback=moment, help="Only chats active since (UTC if no zone).")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-")
def export(tenant, user, updated_since, output):
    """Write chats as NDJSON: one session with all its messages per line."""
    sessions = 0
    for chunk in exports.export_lines(tenant, user, updated_since):
        output.write(chunk)
        sessions += chunk.endswith("\n")
    output.flush()
    if output.name != "<stdout>":
        click.echo(f"Exported {counted(sessions, 'session')} to {output.name}.", err=True)


@chats_cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--tenant", callback=optional_tenant, help="Into this tenant (default: each line's).")
def import_(file, tenant):
    """Import an NDJSON export. Sessions that already exist are skipped, so it is safe to run
    again; any line that fails the API's checks is reported and the exit status is 1."""
    size = file_size(file)
    try:
        if size >= PROGRESS_FROM:
            with click.progressbar(length=size, label="Importing", file=sys.stderr) as bar:
                report = imports.import_lines(file, tenant, progress=bar.update)
        else:
            report = imports.import_lines(file, tenant)
    except SQLAlchemyError as error:
        raise click.ClickException(
            f"The database failed ({type(error).__name__}); what was committed stays, and "
            "running the import again continues where it stopped."
        ) from None
    into = f"tenant '{tenant}'" if tenant else "their tenants"
    imported = f"{counted(report.sessions, 'session')} with {counted(report.messages, 'message')}"
    click.echo(f"Imported {imported} into {into}.")
    if report.skipped:
        named = ", ".join(f"line {n} ({sid})" for n, sid in report.skipped[:LISTED])
        more = f" and {len(report.skipped) - LISTED} more" if len(report.skipped) > LISTED else ""
        skipped = counted(len(report.skipped), "session")
        click.echo(f"Skipped {skipped} that already exist: {named}{more}.")
    if report.rejected:
        click.echo(f"Rejected {counted(len(report.rejected), 'line')}:")
        for number, reason in report.rejected:
            click.echo(f"  line {number}: {reason}")
        raise SystemExit(1)


def file_size(file):
    """The size of a regular file; 0 for a pipe or standard input (no progress bar)."""
    try:
        info = os.fstat(file.fileno())
    except (OSError, ValueError):
        return 0
    return info.st_size if stat.S_ISREG(info.st_mode) else 0


@chats_cli.command("purge")
@click.option("--older-than", callback=duration, help="No activity for this long, e.g. 30d.")
@click.option("--tenant", callback=optional_tenant, help="Only this tenant (default: all).")
@click.option("--user", callback=user_id, help="Only this end user's chats.")
@click.option("--dry-run", is_flag=True, help="Only say what would be deleted.")
@click.option("--batch-size", type=click.IntRange(min=1), default=retention.SESSION_BATCH)
def purge(older_than, tenant, user, dry_run, batch_size):
    """Delete chats with no activity for a while (default: RETENTION_DAYS); favorites stay."""
    if older_than is None:
        days = current_app.config.get("RETENTION_DAYS")
        if not days:
            raise click.UsageError("Give --older-than (e.g. 30d) or set RETENTION_DAYS.")
        older_than = timedelta(days=days)
    report = retention.purge(
        utcnow() - older_than, tenant=tenant, user_id=user, dry_run=dry_run, batch_size=batch_size
    )
    since = f"{report.cutoff:%Y-%m-%d %H:%M} UTC"
    verb = "Would delete" if dry_run else "Deleted"
    click.echo(
        f"{verb} {counted(report.sessions, 'session')} with {counted(report.messages, 'message')}, "
        f"inactive since before {since}."
    )
    if report.favorites_kept:
        click.echo(f"Kept {counted(report.favorites_kept, 'favorite')} as old as that.")
    if dry_run:
        click.echo("Dry run: nothing was deleted.")


@chats_cli.command("reindex")
def reindex():
    """Rebuild the search index in the current SEARCH_LANGUAGE (after changing it)."""
    language = current_app.config["SEARCH_LANGUAGE"]
    click.echo(f"Rebuilding the search index in '{language}'; this reads every message…")
    try:
        rebuild_search_index(db.session.connection(), language)
        db.session.commit()
    except SQLAlchemyError as error:
        db.session.rollback()
        raise click.ClickException(f"The index was left as it was: {error.orig or error}") from None
    click.echo("Done: search now stems words as the configuration says.")
