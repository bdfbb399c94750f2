"""``flask moderators add|list|remove|set-password``."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.auth import services

moderators_cli = AppGroup("moderators", help="Manage moderator accounts.")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@moderators_cli.command("add")
@click.argument("email")
@click.option("--name", default="Relief team", show_default=True, help="Shown on replies.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def add(email: str, name: str, password_stdin: bool) -> None:
    """Create a moderator (asks for the password twice)."""
    try:
        moderator = services.add_moderator(email, _password(password_stdin), name)
    except services.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Added moderator {moderator.email}.")


@moderators_cli.command("list")
def list_moderators() -> None:
    """List moderators with their last login."""
    moderators = services.all_moderators()
    if not moderators:
        click.echo("No moderators yet. Add one with: flask moderators add EMAIL")
    for moderator in moderators:
        last = (
            moderator.last_login_at.strftime("%Y-%m-%d %H:%M")
            if moderator.last_login_at
            else "never"
        )
        click.echo(f"{moderator.email}\t{moderator.name}\tlast login: {last}")


@moderators_cli.command("remove")
@click.argument("email")
def remove(email: str) -> None:
    """Delete a moderator account."""
    try:
        services.remove_moderator(email)
    except services.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Removed moderator {services.normalise_email(email)}.")


@moderators_cli.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def set_password(email: str, password_stdin: bool) -> None:
    """Change a moderator's password and log them out everywhere."""
    try:
        services.set_password(email, _password(password_stdin))
    except services.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Password changed for {services.normalise_email(email)}.")
