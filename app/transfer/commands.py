"""``flask comments import-wxr``, ``import-disqus`` and ``export-wxr``: comments
brought in from WordPress and Disqus exports (one importer, one reader per format), and
written out for WordPress."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.crypto import EncryptionKeyError
from app.models import CommentStatus
from app.transfer import disqus, wxr
from app.transfer.export import DEFAULT_STATUSES, export_wxr, resolve_zone
from app.transfer.importer import import_comments
from app.transfer.private_file import PrivateFileError
from app.transfer.records import TransferError

MAP_HELP = (
    "Send the comments of the post POST (its name or id there, or its link) to the page "
    "at PAGE_PATH, such as /back-spasms/heat/. Repeat for more posts."
)
THREAD_MAP_HELP = (
    "Send the comments of the thread THREAD (its Disqus id, its identifier, or its link) "
    "to the page at PAGE_PATH, such as /back-spasms/heat/. Repeat for more threads."
)


def _site_context():
    """A request context, so that page paths are built as the site serves them."""
    return current_app.test_request_context(base_url=current_app.config["SITE_URL"] or None)


def _run_import(read, maps: tuple[str, ...], dry_run: bool) -> None:
    try:
        with _site_context():
            report = import_comments(read, maps, dry_run)
    except TransferError as exc:
        raise click.ClickException(f"{exc} Nothing was imported.") from None
    for line in report.lines():
        click.echo(line)


@click.command("import-wxr")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--map", "maps", multiple=True, metavar="POST=PAGE_PATH", help=MAP_HELP)
@click.option("--dry-run", is_flag=True, help="Print what would be imported; write nothing.")
@with_appcontext  # added to an AppGroup with add_command, so not wrapped by it
def import_wxr(path: Path, maps: tuple[str, ...], dry_run: bool) -> None:
    """Import the comments of a WordPress export (Tools > Export, a WXR file).

    Safe to run again: comments imported before are recognised and left as they are.
    """
    _run_import(lambda: wxr.read(path), maps, dry_run)


@click.command("import-disqus")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--map", "maps", multiple=True, metavar="THREAD=PAGE_PATH", help=THREAD_MAP_HELP)
@click.option("--dry-run", is_flag=True, help="Print what would be imported; write nothing.")
@with_appcontext  # added to an AppGroup with add_command, so not wrapped by it
def import_disqus(path: Path, maps: tuple[str, ...], dry_run: bool) -> None:
    """Import the comments of a Disqus export (the XML file, unpacked from its .gz).

    Safe to run again: comments imported before are recognised and left as they are.
    """
    _run_import(lambda: disqus.read(path), maps, dry_run)


PRIVATE_WARNING = (
    "This file holds commenters' email addresses in clear text: keep it private, delete "
    "it when done."
)
STATUS_NAMES = tuple(status.value for status in CommentStatus)


def _statuses(_ctx, _param, value: str) -> tuple[CommentStatus, ...]:
    """Parse "approved,pending" into statuses, refusing unknown names."""
    names = [name.strip().lower() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in STATUS_NAMES]
    if unknown or not names:
        raise click.BadParameter(
            f"{', '.join(map(repr, unknown)) or 'nothing'} is not a status; choose from "
            f"{', '.join(STATUS_NAMES)}, separated by commas (such as approved,pending)."
        )
    return tuple(CommentStatus(name) for name in dict.fromkeys(names))


def _zone(_ctx, _param, value: str):
    try:
        return resolve_zone(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("export-wxr")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--status",
    "statuses",
    default=",".join(status.value for status in DEFAULT_STATUSES),
    show_default=True,
    callback=_statuses,
    help="The comments to include, by status, separated by commas (spam is left out "
    "unless named, as WordPress does).",
)
@click.option(
    "--timezone",
    "zone",
    default="UTC",
    show_default=True,
    callback=_zone,
    help="The time zone of the local dates (wp:comment_date), such as Europe/London; "
    "the GMT dates are always written too.",
)
@with_appcontext
def export_wxr_command(path: Path, statuses: tuple[CommentStatus, ...], zone) -> None:
    """Write every page and its comments to PATH as a WordPress export (WXR 1.2), for
    WordPress's importer (Tools > Import > WordPress) or another site.

    The file holds commenters' email addresses in clear text; it is written readable by
    its owner only.
    """
    try:
        with _site_context():
            report = export_wxr(path, statuses, zone)
    except (PrivateFileError, EncryptionKeyError) as exc:
        raise click.ClickException(f"{exc} Nothing was written.") from None
    counts = ", ".join(f"{report.comments[status]} {status.value}" for status in statuses)
    click.echo(f"Wrote {path}: {report.pages} page(s), {report.total} comment(s) ({counts}).")
    click.secho(f"WARNING: {PRIVATE_WARNING}", fg="yellow", bold=True, err=True)
