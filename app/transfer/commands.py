"""``flask comments import-wxr``: comments brought in from WordPress (and Disqus)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.transfer import wxr
from app.transfer.importer import import_comments
from app.transfer.records import TransferError

MAP_HELP = (
    "Send the comments of the post POST (its name or id there, or its link) to the page "
    "at PAGE_PATH, such as /back-spasms/heat/. Repeat for more posts."
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
@with_appcontext
def import_wxr(path: Path, maps: tuple[str, ...], dry_run: bool) -> None:
    """Import the comments of a WordPress export (Tools > Export, a WXR file).

    Safe to run again: comments imported before are recognised and left as they are.
    """
    _run_import(lambda: wxr.read(path), maps, dry_run)
