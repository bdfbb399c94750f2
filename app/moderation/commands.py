"""``flask moderation send-digests`` and ``flask moderators set-notify EMAIL MODE``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from app import outbox
from app.models import NotifyMode, utcnow
from app.moderation import digests, preferences

moderation_cli = AppGroup("moderation", help="Moderators' emails.")


@moderation_cli.command("send-digests")
def send_digests() -> None:
    """Queue the hourly and daily digests that are due, then send what the outbox holds.

    Safe to run from cron alongside the serving processes (which also check every
    MAIL_DRAIN_SECONDS): a digest is claimed by exactly one of them.
    """
    queued = digests.send_due(utcnow())
    # The digests' commits started a drain on this process's mail thread: let it finish,
    # then send whatever it left (or what it could not).
    current_app.extensions[outbox.EXTENSION_KEY].wait_idle(60)
    waiting = outbox.drain().waiting
    click.echo(f"{queued} digest(s) queued; {waiting} email(s) still waiting in the outbox.")
    if not current_app.config["MAIL_SERVER"] and waiting:
        click.echo("MAIL_SERVER is not set: nothing can be sent until it is.")


@click.command("set-notify")
@click.argument("email")
@click.argument("mode", type=click.Choice([mode.value for mode in NotifyMode]))
@with_appcontext
def set_notify(email: str, mode: str) -> None:
    """Choose how a moderator hears of held comments: now, hourly, daily or never."""
    try:
        moderator = preferences.set_notify(email, NotifyMode(mode))
    except preferences.UnknownModerator as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{moderator.email}: moderation email set to {mode}.")
