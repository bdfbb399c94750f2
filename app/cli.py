"""Registers every area's ``flask`` command group, and the backup commands."""

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from app import backup as backups


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

    app.cli.add_command(content_cli)
    app.cli.add_command(moderators_cli)
    app.cli.add_command(comments_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
