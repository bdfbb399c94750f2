"""``flask comments purge-ips|export|erase`` and ``flask keys generate|rotate``."""

from __future__ import annotations

import json

import click
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask.cli import AppGroup

from app import crypto
from app.comments import privacy

comments_cli = AppGroup(
    "comments",
    help="Commenters' data (retention, export, erasure); moving from and to WordPress, Disqus.",
)
keys_cli = AppGroup("keys", help="Keys that encrypt commenter emails at rest.")


def _normalised(email: str) -> str:
    try:
        return validate_email(email, check_deliverability=False, test_environment=True).normalized
    except EmailNotValidError as exc:
        raise click.ClickException(f"{email!r} is not a valid email address: {exc}") from None


def _site_context():
    """A request context, so that page addresses can be built from the command line."""
    return current_app.test_request_context(base_url=current_app.config["SITE_URL"] or None)


@comments_cli.command("purge-ips")
@click.option("--days", type=int, help="Default: IP_RETENTION_DAYS (30).")
def purge_ips(days: int | None) -> None:
    """Anonymise IP addresses older than the retention period (run daily)."""
    days = days if days is not None else current_app.config["IP_RETENTION_DAYS"]
    count = privacy.purge_ips(days)
    click.echo(f"Anonymised the IP address of {count} comment(s) older than {days} days.")


@comments_cli.command("export")
@click.option("--email", required=True, help="The commenter's email address.")
def export(email: str) -> None:
    """Print everything stored about an email address, as JSON."""
    with _site_context():
        data = privacy.export_by_email(_normalised(email))
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@comments_cli.command("erase")
@click.option("--email", required=True, help="The commenter's email address.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase(email: str, yes: bool) -> None:
    """Remove a commenter's data (comments, email settings, emails not yet sent); replies
    to their comments keep a placeholder."""
    email = _normalised(email)
    with _site_context():
        stored = privacy.export_by_email(email)
    found = len(stored["comments"])
    if not found and not stored["notifications"]:
        click.echo(f"Nothing is stored for {email}.")
        return
    if not yes:
        click.confirm(
            f"Erase {found} comment(s) by {email}, and its email settings? This cannot be undone.",
            abort=True,
        )
    deleted, kept = privacy.erase_by_email(email)
    click.echo(f"Erased {email}: {deleted} comment(s) deleted, {kept} left as placeholders.")


@keys_cli.command("generate")
def generate() -> None:
    """Print a new encryption key (put it first in EMAIL_ENCRYPTION_KEYS)."""
    click.echo(crypto.generate_key())


@keys_cli.command("rotate")
def rotate() -> None:
    """Re-encrypt every stored email with the first key in EMAIL_ENCRYPTION_KEYS."""
    try:
        count = privacy.rotate_keys()
    except crypto.EncryptionKeyError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"Re-encrypted {count} email(s) with the first key. Older keys can now be removed "
        "from EMAIL_ENCRYPTION_KEYS."
    )
