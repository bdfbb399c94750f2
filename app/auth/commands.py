"""``flask moderators add|list|set-role|remove|set-password``."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.auth import services
from app.models import ModeratorRole

moderators_cli = AppGroup("moderators", help="Manage moderator accounts.")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@moderators_cli.command("add")
@click.argument("email")
@click.option("--name", default="Relief team", show_default=True, help="Shown on replies.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option(
    "--admin", is_flag=True, help="An admin: may also manage moderators and the settings."
)
def add(email: str, name: str, password_stdin: bool, admin: bool) -> None:
    """Create a moderator (asks for the password twice).

    Without --admin a moderator, except the first account of a site that has no admin.
    """
    role = ModeratorRole.ADMIN if admin else None
    try:
        moderator = services.add_moderator(email, _password(password_stdin), name, role=role)
    except services.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    if moderator.is_admin and not admin:
        click.echo(
            f"Added moderator {moderator.email} as an admin, since the site had no admin "
            "yet: admins also manage moderators and settings."
        )
    else:
        click.echo(f"Added moderator {moderator.email} ({moderator.role.value}).")


@moderators_cli.command("list")
def list_moderators() -> None:
    """List moderators with their role and last login."""
    moderators = services.all_moderators()
    if not moderators:
        click.echo("No moderators yet. Add one with: flask moderators add EMAIL")
    for moderator in moderators:
        last = (
            moderator.last_login_at.strftime("%Y-%m-%d %H:%M")
            if moderator.last_login_at
            else "never"
        )
        click.echo(
            f"{moderator.email}\t{moderator.name}\t{moderator.role.value}\tlast login: {last}"
        )


@moderators_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice([r.value for r in ModeratorRole]))
def set_role(email: str, role: str) -> None:
    """Make a moderator an admin, or an admin a moderator (the last admin stays)."""
    try:
        moderator = services.change_role(email, ModeratorRole(role))
    except services.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{moderator.email} is now {'an admin' if moderator.is_admin else 'a moderator'}.")


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
