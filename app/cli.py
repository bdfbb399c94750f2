"""Registers every area's ``flask`` command group, and the backup commands."""

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from app import backup as backups
from app import outbox

mail_cli = click.Group("mail", help="The outbox: emails waiting to be sent.")


@mail_cli.command("send-pending")
@with_appcontext
def send_pending() -> None:
    """Send every email that is due now (serving processes also do, every
    MAIL_DRAIN_SECONDS); safe to run alongside them, for example from cron."""
    result = outbox.drain()
    click.echo(
        f"Sent {result.sent} email(s); {result.failed} failed (tried again later); "
        f"{result.waiting} still waiting."
    )
    if not current_app.config["MAIL_SERVER"] and result.waiting:
        click.echo("MAIL_SERVER is not set: nothing can be sent until it is.")


@mail_cli.command("status")
@with_appcontext
def mail_status() -> None:
    """Count the outbox's emails: waiting, given up on, sent (kept MAIL_KEEP_DAYS)."""
    counts = outbox.counts()
    click.echo(
        f"{counts['waiting']} waiting, {counts['failed']} given up on, {counts['sent']} sent."
    )
    if counts["last_error"]:
        click.echo(f"Latest failure: {counts['last_error']}")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@with_appcontext
def backup_command(path: Path, force: bool) -> None:
    """Write a consistent copy of the SQLite database to PATH, safe while serving."""
    try:
        written = backups.backup(current_app.config["SQLALCHEMY_DATABASE_URI"], path, force)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backed up to {written} (integrity check: ok).")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(path: Path, yes: bool) -> None:
    """Replace the SQLite database with the backup at PATH (stop the app first)."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if not yes:
        click.confirm(f"Replace the database with {path}? Stop the app first.", abort=True)
    try:
        target = backups.restore(url, path)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Restored {path} into {target}. Run `flask db upgrade` if the backup is older.")


def init_app(app: Flask) -> None:
    """Add the command groups to ``app.cli``."""
    from app.auth.commands import moderators_cli
    from app.comments.commands import comments_cli, keys_cli
    from app.content.commands import content_cli
    from app.moderation.commands import moderation_cli, set_notify
    from app.transfer.commands import export_wxr_command, import_disqus, import_wxr

    app.cli.add_command(content_cli)
    moderators_cli.add_command(set_notify)
    app.cli.add_command(moderators_cli)
    app.cli.add_command(moderation_cli)
    comments_cli.add_command(import_wxr)
    comments_cli.add_command(import_disqus)
    comments_cli.add_command(export_wxr_command)
    app.cli.add_command(comments_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
