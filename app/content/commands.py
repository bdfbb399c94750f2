"""``flask content load`` and ``flask content import``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.content.importer import ArticleFormatError, parse_plain_text
from app.content.loading import LoadResult, load_directory, upsert_article

content_cli = AppGroup("content", help="Load and import articles.")


def _report(result: LoadResult) -> None:
    verb = "Created" if result.created else "Updated"
    article = result.article
    click.echo(
        f"{verb} '{article.slug}': {len(article.remedies)} remedies"
        f" ({result.remedies_added} added, {result.remedies_removed} removed)."
    )


@content_cli.command("load")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of Markdown articles (default: CONTENT_DIR, the repository's content/).",
)
def load(folder: Path | None) -> None:
    """Load every Markdown article in content/, updating existing pages in place."""
    folder = folder or Path(current_app.config["CONTENT_DIR"])
    if not folder.is_dir():
        raise click.ClickException(f"No content folder at {folder}.")
    try:
        results = load_directory(folder)
    except ArticleFormatError as exc:
        raise click.ClickException(str(exc)) from None
    if not results:
        click.echo(f"No *.md files in {folder}; nothing loaded.")
    for result in results:
        _report(result)


@content_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--slug", help="Address of the article (default: made from its title).")
def import_text(path: Path, slug: str | None) -> None:
    """Import a plain-text article laid out like the client's original file."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{path} is not UTF-8 text; nothing was imported.") from None
    try:
        parsed = parse_plain_text(text, slug=slug)
    except ArticleFormatError as exc:
        raise click.ClickException(f"{path}: {exc} Nothing was imported.") from None
    _report(upsert_article(parsed))
