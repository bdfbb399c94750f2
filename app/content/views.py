"""Thin views for the public pages: fetch or 404, then show the page or take a comment."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user

from app.comments import closing, own
from app.content import (
    comment_views,
    feeds,
    get_help,
    own_comment_views,
    page_cache,
    queries,
    report_views,
    seo,
)
from app.extensions import csrf
from app.shared.origin import absolute_url
from app.shared.pages import Page, PageAddress, PageKey

bp = Blueprint("content", __name__)
bp.add_app_template_global(comment_views.posted_notice, "posted_notice")
bp.add_app_template_global(get_help.shown, "get_help")
bp.add_app_template_global(own.minutes_left, "edit_minutes_left")
bp.add_app_template_global(own.seconds_left, "edit_seconds_left")
bp.add_app_template_global(report_views.report_url, "report_url")
bp.add_app_template_global(feeds.links, "comment_feeds")
bp.record_once(lambda state: get_help.init_app(state.app))


@bp.app_template_global("can_moderate")
def sees_drafts() -> bool:
    """Whether this visitor may see draft articles (and pin comments from a page): a
    logged-in moderator."""
    return current_user.is_authenticated


@bp.get("/")
def index():
    """Show the article, or a list of articles when there are several."""
    slugs = queries.article_slugs()
    if len(slugs) == 1:
        cached = page_cache.serve_cached(slugs[0], None, comment_views.page_number())
        if cached is not None:
            return cached
    articles = queries.published_articles()
    if len(articles) == 1:
        return comment_views.show(Page(articles[0]))
    return render_template("content/index.html", articles=articles)


@bp.route("/<article_slug:slug>/", methods=["GET", "POST"])
# The comment form has no session token (its page is shared): comment_views.post refuses
# a form sent from another site by its Origin / Sec-Fetch-Site, kindly, text kept.
@csrf.exempt
def article(slug: str):
    """Show an article with its comments; a POST leaves a comment on it.

    :raise 404: for an unknown slug.
    """
    if request.method == "POST":
        return comment_views.post(address(slug, None))
    cached = page_cache.serve_cached(slug, None, comment_views.page_number())
    if cached is not None:
        return cached
    return comment_views.show(Page(queries.article_by_slug(slug, sees_drafts())))


@bp.route("/<article_slug:article_slug>/<slug:remedy_slug>/", methods=["GET", "POST"])
@csrf.exempt  # as above
def remedy(article_slug: str, remedy_slug: str):
    """Show one remedy with its comments; a POST leaves a comment on it.

    :raise 404: when either slug is unknown.
    """
    if request.method == "POST":
        return comment_views.post(address(article_slug, remedy_slug))
    cached = page_cache.serve_cached(article_slug, remedy_slug, comment_views.page_number())
    if cached is not None:
        return cached
    return comment_views.show(Page(*queries.remedy_page(article_slug, remedy_slug, sees_drafts())))


@bp.route("/comments/<id:comment_id>/edit", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, to answer kindly and keep the text
def edit_comment(comment_id: int):
    """Edit one's own comment, from the browser that sent it, for COMMENTS_EDIT_MINUTES.

    Refused with a page that says why (another browser, an unknown id, too late).
    """
    return own_comment_views.edit(comment_id)


@bp.route("/comments/<id:comment_id>/delete", methods=["GET", "POST"])
@csrf.exempt  # as above
def delete_comment(comment_id: int):
    """Confirm, then delete one's own comment (same rules as editing)."""
    return own_comment_views.delete(comment_id)


@bp.route("/report/<id:comment_id>", methods=["GET", "POST"])
@csrf.exempt  # the report form checks its own token, to answer kindly and keep the note
def report(comment_id: int):
    """Show the form to report a published comment; a POST sends the report.

    :raise 404: (a kind page) for any comment the public may not report.
    """
    return report_views.report(comment_id)


@bp.get("/report/sent")
def report_sent():
    """Thank a reader for a report."""
    return report_views.sent()


def address(article_slug: str, remedy_slug: str | None) -> PageAddress:
    """The page a comment is sent to, found with one light query.

    :raise 404: when either slug is unknown, or the page is a draft and the visitor is
        not a moderator.
    """
    versions = page_cache.lookup(article_slug, remedy_slug)
    drafts = sees_drafts()
    if versions is None or not (versions.published or drafts):
        abort(404)

    def load() -> Page:
        if remedy_slug is None:
            return Page(queries.article_by_slug(article_slug, drafts))
        return Page(*queries.remedy_page(article_slug, remedy_slug, drafts))

    key = PageKey(versions.article_id, versions.remedy_id)
    closed = closing.is_closed(versions.commenting, versions.published_on)
    return PageAddress(article_slug, remedy_slug, key, closed, load)


@bp.get("/comments.atom")
def site_feed() -> Response:
    """The newest approved comments on every published page, as an Atom feed."""
    return feeds.respond(feeds.site_head())


@bp.get("/<article_slug:slug>/feed.atom")
def article_feed(slug: str) -> Response:
    """The newest approved comments on an article's own page, as an Atom feed.

    :raise 404: for an unknown slug or a draft (whoever asks).
    """
    return feeds.respond(feeds.page_head(slug, None))


@bp.get("/<article_slug:article_slug>/<slug:remedy_slug>/feed.atom")
def remedy_feed(article_slug: str, remedy_slug: str) -> Response:
    """The newest approved comments on a remedy's page, as an Atom feed.

    :raise 404: when either slug is unknown, or the article is a draft.
    """
    return feeds.respond(feeds.page_head(article_slug, remedy_slug))


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """List every public page for search engines."""
    xml = render_template("content/sitemap.xml", pages=seo.sitemap_pages())
    return Response(xml, mimetype="application/xml")


@bp.get("/robots.txt")
def robots() -> Response:
    """Allow crawling of public pages and point to the sitemap."""
    sitemap_url = absolute_url(url_for("content.sitemap"))
    body = f"User-agent: *\nDisallow: /moderation/\nDisallow: /report/\nSitemap: {sitemap_url}\n"
    return Response(body, mimetype="text/plain")
