"""Writing parsed articles to the database: create or update in place, ids kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from app.content.importer import (
    ArticleFormatError,
    ParsedArticle,
    ParsedRemedy,
    parse_markdown,
)
from app.db import write_transaction
from app.extensions import db
from app.models import Article, Comment, Remedy, utcnow


class ImportRefused(ArticleFormatError):
    """An import would change what readers see; the message says what to do instead."""


@dataclass(frozen=True)
class LoadResult:
    """What one upsert did, for the command line to report."""

    article: Article
    created: bool
    remedies_added: int
    remedies_removed: int


def _join(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs)


def upsert_article(
    parsed: ParsedArticle, today: date | None = None, *, imported: bool = False
) -> LoadResult:
    """Create or update the article with ``parsed.slug``, keeping row ids stable.

    Remedies are matched by slug, then by position, so that an edited title keeps the
    page (and everything attached to it) in place.  Remedies that left the file are
    removed.  Runs in one write transaction: a failure changes nothing.

    Whether it is public: a new article is published unless ``parsed.draft``; an
    existing one becomes a draft when ``parsed.draft`` and otherwise keeps its state.
    Loading never publishes a draft, nor republishes an article taken back with
    ``flask content unpublish``: publishing is ``flask content publish``, which wants a
    review on record.

    ``imported`` (``flask content import``: text from outside, always a draft) never
    touches a published article, and new text clears the review on record, which was a
    review of the old text.

    :raise ImportRefused: when ``imported`` and the article at that slug is published.
    """
    today = today or date.today()
    with write_transaction():
        article = db.session.scalar(
            select(Article)
            .where(Article.slug == parsed.slug)
            .options(selectinload(Article.remedies))
        )
        created = article is None
        if imported and article is not None and article.published:
            raise ImportRefused(
                f"The article '{parsed.slug}' is published, and an import is unreviewed "
                f"text. Import it under another --slug, or take the article back first "
                f"with: flask content unpublish {parsed.slug}"
            )
        if article is None:
            article = Article(
                slug=parsed.slug,
                published_on=parsed.published_on or today,
                published=not parsed.draft,
            )
            db.session.add(article)
        elif parsed.draft:
            article.published = False
        article.title = parsed.title
        article.summary = parsed.summary
        article.intro = _join(parsed.intro)
        article.closing = _join(parsed.closing)
        if parsed.published_on:
            article.published_on = parsed.published_on
        article.updated_on = parsed.updated_on or today
        _record_review(article, parsed)
        article.author = parsed.author
        article.author_organization = parsed.author_organization
        article.next_review_on = parsed.next_review_on
        article.get_help_in = parsed.get_help_in
        article.sources = [
            {"title": source.title, "url": source.url, "publisher": source.publisher}
            for source in parsed.sources
        ]

        session = db.session()
        changed = created or session.is_modified(article)
        added, removed = _sync_remedies(article, parsed.remedies)
        changed = changed or added or removed or session.new
        if changed or any(map(session.is_modified, session.dirty)):
            if imported and not created:
                article.reviewed_on = article.reviewed_by = None
            touch_article(article)
    return LoadResult(article, created, added, removed)


def _record_review(article: Article, parsed: ParsedArticle) -> None:
    """Keep the latest review on record: the file's, or one recorded by publish.

    A review recorded by ``flask content publish --reviewed-by`` survives the next load
    of an older front matter date; a newer date from the file is its own review, credited
    to the file's ``reviewed_by`` (or to nobody), never to that earlier reviewer.  On the
    same date the file only names a review that has no reviewer yet (an article loaded
    before its front matter said who reviewed it): it never replaces a named one.
    """
    if not parsed.reviewed_on:
        return
    if article.reviewed_on is None or parsed.reviewed_on > article.reviewed_on:
        article.reviewed_on, article.reviewed_by = parsed.reviewed_on, parsed.reviewed_by
    elif parsed.reviewed_on == article.reviewed_on and article.reviewed_by is None:
        article.reviewed_by = parsed.reviewed_by


def touch_article(article: Article) -> None:
    """Bump the cache versions of an article's pages: what they show has changed.

    Call inside the write transaction that made the change.
    """
    now = utcnow()
    # Incremented in SQL, not from the loaded value: a comment's bump at the same moment
    # must not be lost (two renderings would then share one cache key).
    db.session.execute(
        update(Article)
        .where(Article.id == article.id)
        .values(cache_version=Article.cache_version + 1, changed_at=now)
    )
    db.session.execute(
        update(Remedy)
        .where(Remedy.article_id == article.id)
        .values(cache_version=Remedy.cache_version + 1, changed_at=now)
    )


def _sync_remedies(article: Article, parsed: list[ParsedRemedy]) -> tuple[int, int]:
    by_slug = {remedy.slug: remedy for remedy in article.remedies}
    by_position = {remedy.position: remedy for remedy in article.remedies}
    wanted_slugs = {p.slug for p in parsed}
    matches: list[Remedy | None] = []
    for source in parsed:
        remedy = by_slug.get(source.slug)
        if remedy is None:
            candidate = by_position.get(source.number)
            # Reuse the row at this position only if its slug is not wanted elsewhere.
            if candidate is not None and candidate.slug not in wanted_slugs:
                remedy = candidate
        matches.append(remedy if remedy not in matches else None)

    removed = [remedy for remedy in article.remedies if remedy not in matches]
    _refuse_to_drop_discussed(removed)
    for remedy in removed:
        article.remedies.remove(remedy)
    # Flush the removals first so that a slug they free can be taken by another row.
    db.session.flush()

    kept: list[Remedy] = []
    for source, match in zip(parsed, matches, strict=True):
        remedy = match or Remedy()
        remedy.position = source.number
        remedy.slug = source.slug
        remedy.title = source.title
        remedy.summary = source.summary
        remedy.text = source.text
        kept.append(remedy)
    article.remedies = kept
    added = sum(match is None for match in matches)
    return added, len(removed)


def _refuse_to_drop_discussed(remedies: list[Remedy]) -> None:
    """Comments are never lost to a content edit: a remedy with comments stays.

    :raise ArticleFormatError: naming the remedy and how many comments it has.
    """
    if not remedies:
        return
    counts = dict(
        db.session.execute(
            select(Comment.remedy_id, func.count())
            .where(Comment.remedy_id.in_([r.id for r in remedies]))
            .group_by(Comment.remedy_id)
        ).all()
    )
    for remedy in remedies:
        if counts.get(remedy.id):
            raise ArticleFormatError(
                f"The file no longer has the remedy '{remedy.slug}', which has "
                f"{counts[remedy.id]} comment(s). Keep its slug ({{#{remedy.slug}}}) on a "
                "section, or move or delete its comments first. Nothing was changed."
            )


def load_directory(folder: Path) -> list[LoadResult]:
    """Load every ``*.md`` article in ``folder``, in name order.

    :raise ArticleFormatError: naming the file, for the first file that does not parse;
        files before it stay loaded.
    """
    results = []
    for path in sorted(folder.glob("*.md")):
        try:
            results.append(upsert_article(parse_markdown(path.read_text(encoding="utf-8"))))
        except (ArticleFormatError, UnicodeDecodeError) as exc:
            raise ArticleFormatError(f"{path.name}: {exc}") from None
    return results
