"""``flask content load``, ``import``, ``publish``, ``unpublish`` and ``status``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.content import get_help, publishing
from app.content.importer import ArticleFormatError, parse_plain_text
from app.content.loading import LoadResult, load_directory, upsert_article
from app.extensions import db
from app.models import Article, utcnow

content_cli = AppGroup(
    "content", help="Load, import, publish and unpublish articles; list their reviews."
)


def _report(result: LoadResult) -> None:
    verb = "Created" if result.created else "Updated"
    article = result.article
    state = "" if article.published else " (draft: not public)"
    click.echo(
        f"{verb} '{article.slug}'{state}: {len(article.remedies)} remedies"
        f" ({result.remedies_added} added, {result.remedies_removed} removed)."
    )


def _publish_hint(slug: str) -> str:
    return (
        f"Moderators can read it at /{slug}/ once logged in. Publish it after review with:\n"
        f'  flask content publish {slug} --reviewed-by "NAME, ROLE"'
    )


@content_cli.command("load")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of Markdown articles (default: CONTENT_DIR, the repository's content/).",
)
def load(folder: Path | None) -> None:
    """Load every Markdown article in content/, updating existing pages in place.

    Checks "When to get help" (GET_HELP_FILE) first: every page shows it, so a file
    that does not parse stops the load, with the reason.
    """
    folder = folder or Path(current_app.config["CONTENT_DIR"])
    if not folder.is_dir():
        raise click.ClickException(f"No content folder at {folder}.")
    _check_get_help()
    try:
        results = load_directory(folder)
    except ArticleFormatError as exc:
        raise click.ClickException(str(exc)) from None
    if not results:
        click.echo(f"No *.md files in {folder}; nothing loaded.")
    for result in results:
        _report(result)


def _check_get_help() -> None:
    """:raise click.ClickException: when GET_HELP_FILE does not parse (a missing file
    is only a warning: the pages then show no help box)."""
    path = current_app.config["GET_HELP_FILE"]
    try:
        guide = get_help.get_help()
    except (get_help.GetHelpFormatError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{exc} Nothing was loaded.") from None
    if guide is None:
        click.echo(f'Warning: no {path}; pages will show no "Get help now" box.', err=True)


@content_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--slug", help="Address of the article (default: made from its title).")
def import_text(path: Path, slug: str | None) -> None:
    """Import a plain-text article laid out like the client's original file, as a draft.

    The address is made from the title (at most 60 characters, cut at a word boundary)
    unless --slug gives one.  A published article is never overwritten.
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{path} is not UTF-8 text; nothing was imported.") from None
    try:
        parsed = parse_plain_text(text, slug=slug)
        result = upsert_article(parsed, imported=True)
    except ArticleFormatError as exc:
        raise click.ClickException(f"{path}: {exc} Nothing was imported.") from None
    _report(result)
    click.echo(_publish_hint(result.article.slug))


@content_cli.command("publish")
@click.argument("slug")
@click.option(
    "--reviewed-by",
    "reviewed_by",
    metavar='"NAME, ROLE"',
    help="Who reviewed the article today, and in what capacity; recorded with today's date.",
)
def publish(slug: str, reviewed_by: str | None) -> None:
    """Make a draft public. Refused without a review on record."""
    try:
        change = publishing.publish(slug, reviewed_by)
    except publishing.PublishRefused as exc:
        raise click.ClickException(str(exc)) from None
    review = f"reviewed {change.reviewed_on.isoformat()}"
    if change.reviewed_by:
        review += f" by {change.reviewed_by}"
    if change.was_published:
        click.echo(f"'{slug}' was already public ({review}).")
    else:
        click.echo(f"Published '{slug}' ({review}): it is public at /{slug}/.")


@content_cli.command("unpublish")
@click.argument("slug")
def unpublish(slug: str) -> None:
    """Take an article back: a draft again, hidden from the public. Its review is kept."""
    try:
        change = publishing.unpublish(slug)
    except publishing.PublishRefused as exc:
        raise click.ClickException(str(exc)) from None
    if change.was_published:
        click.echo(f"Unpublished '{slug}': it is a draft again, not public.")
    else:
        click.echo(f"'{slug}' was already a draft; nothing changed.")


@content_cli.command("status")
def status() -> None:
    """List every article: published or draft, its last and next review, and OVERDUE
    for one past its next review date (its pages say they may be out of date); then
    whether "When to get help" (GET_HELP_FILE) parses."""
    _check_get_help()
    today = utcnow().date()
    articles = db.session.scalars(select(Article).order_by(Article.slug)).all()
    if not articles:
        click.echo("No articles. Load them with: flask content load")
        return
    width = max(len(article.slug) for article in articles)
    for article in articles:
        state = "published" if article.published else "draft"
        reviewed = article.reviewed_on.isoformat() if article.reviewed_on else "never"
        due = article.next_review_on.isoformat() if article.next_review_on else "not set"
        flag = "  OVERDUE" if article.review_overdue(today) else ""
        click.echo(
            f"{article.slug:<{width}}  {state:<9}  reviewed {reviewed:<10}  next review {due}{flag}"
        )
    overdue = sum(article.review_overdue(today) for article in articles)
    click.echo(f"{len(articles)} article(s), {overdue} overdue for review (today is {today}).")
