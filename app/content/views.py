"""Thin views for the public pages: fetch or 404, then render."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, url_for

from app.content import seo, services

bp = Blueprint("content", __name__)


@bp.get("/")
def index() -> str:
    """Show the article, or a list of articles when there are several."""
    articles = services.published_articles()
    if len(articles) == 1:
        return article_response(articles[0])
    return render_template("content/index.html", articles=articles)


@bp.get("/<slug>/")
def article(slug: str) -> str:
    """Show an article with its table of contents.

    :raise 404: for an unknown slug.
    """
    return article_response(services.article_by_slug(slug))


def article_response(article) -> str:
    """Render one article page (shared by the home page and the article's own URL)."""
    return render_template(
        "content/article.html",
        article=article,
        canonical=seo.article_url(article),
        structured_data=seo.article_data(article),
    )


@bp.get("/<article_slug>/<remedy_slug>/")
def remedy(article_slug: str, remedy_slug: str) -> str:
    """Show one remedy with a breadcrumb and previous / next links.

    :raise 404: when either slug is unknown.
    """
    article, remedy = services.remedy_page(article_slug, remedy_slug)
    remedies = article.remedies
    index = remedies.index(remedy)
    return render_template(
        "content/remedy.html",
        article=article,
        remedy=remedy,
        previous=remedies[index - 1] if index > 0 else None,
        next=remedies[index + 1] if index + 1 < len(remedies) else None,
        structured_data=seo.remedy_data(article, remedy),
    )


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """List every public page for search engines."""
    xml = render_template("content/sitemap.xml", pages=seo.sitemap_pages())
    return Response(xml, mimetype="application/xml")


@bp.get("/robots.txt")
def robots() -> Response:
    """Allow crawling of public pages and point to the sitemap."""
    sitemap_url = seo.absolute_url(url_for("content.sitemap"))
    body = f"User-agent: *\nDisallow: /moderation/\nSitemap: {sitemap_url}\n"
    return Response(body, mimetype="text/plain")
