"""Canonical URLs (on SITE_URL), structured data (JSON-LD) and the sitemap's page list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app, url_for

from app.content import queries
from app.models import Article, Remedy
from app.pages.store import published_pages
from app.shared.origin import absolute_url


def article_url(article: Article) -> str:
    """Return the absolute canonical URL of an article."""
    return absolute_url(url_for("content.article", slug=article.slug))


def remedy_url(article: Article, remedy: Remedy) -> str:
    """Return the absolute canonical URL of a remedy page."""
    return absolute_url(
        url_for("content.remedy", article_slug=article.slug, remedy_slug=remedy.slug)
    )


def _publisher() -> dict:
    return {"@type": "Organization", "name": current_app.config["SITE_NAME"]}


def _author(article: Article) -> dict:
    kind = "Organization" if article.author_organization else "Person"
    return {"@type": kind, "name": article.author}


def _reviewer(article: Article) -> dict:
    """The reviewer: the organisation that wrote the page when it reviewed it too (the
    editorial team), otherwise a person and their role."""
    name, role = article.reviewer_name, article.reviewer_role
    if article.author_organization and name == article.author:
        return {"@type": "Organization", "name": name}
    return {"@type": "Person", "name": name, "jobTitle": role}


def _citation(source: dict) -> dict:
    work = {"@type": "CreativeWork", "name": source["title"], "url": source["url"]}
    if source.get("publisher"):
        work["publisher"] = {"@type": "Organization", "name": source["publisher"]}
    return work


def trust_data(article: Article) -> dict:
    """Return who wrote and reviewed an article, when, and what it cites: only what is
    on record (a page claims no author or reviewer it does not name)."""
    data: dict = {}
    if article.author:
        data["author"] = _author(article)
    if article.reviewed_by:
        data["reviewedBy"] = _reviewer(article)
    if article.reviewed_on:
        data["lastReviewed"] = article.reviewed_on.isoformat()
    if article.sources:
        data["citation"] = [_citation(source) for source in article.sources]
    return data


def article_data(article: Article) -> dict:
    """Return schema.org ``MedicalWebPage`` data for an article page."""
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "headline": article.title,
        "name": article.title,
        "description": article.summary,
        "url": article_url(article),
        "datePublished": article.published_on.isoformat(),
        "dateModified": article.updated_on.isoformat(),
        "publisher": _publisher(),
        "hasPart": [
            {"@type": "WebPage", "name": r.title, "url": remedy_url(article, r)}
            for r in article.remedies
        ],
    }
    data.update(trust_data(article))
    return data


def remedy_data(article: Article, remedy: Remedy) -> dict:
    """Return schema.org ``MedicalWebPage`` data, with a breadcrumb, for a remedy page."""
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "headline": remedy.title,
        "name": remedy.title,
        "description": remedy.summary,
        "url": remedy_url(article, remedy),
        "datePublished": article.published_on.isoformat(),
        "dateModified": article.updated_on.isoformat(),
        "publisher": _publisher(),
        "isPartOf": {"@type": "MedicalWebPage", "name": article.title, "url": article_url(article)},
        "breadcrumb": {
            "@type": "BreadcrumbList",
            "itemListElement": [
                {
                    "@type": "ListItem",
                    "position": 1,
                    "name": article.title,
                    "item": article_url(article),
                },
                {
                    "@type": "ListItem",
                    "position": 2,
                    "name": remedy.title,
                    "item": remedy_url(article, remedy),
                },
            ],
        },
    }
    data.update(trust_data(article))
    return data


def page_data(article: Article, remedy: Remedy | None) -> dict:
    """Return the structured data of an article page or a remedy page."""
    return article_data(article) if remedy is None else remedy_data(article, remedy)


@dataclass(frozen=True)
class SitemapPage:
    """One ``<url>`` entry of the sitemap."""

    location: str
    modified: date


def sitemap_pages() -> list[SitemapPage]:
    """Return the home page, every article and remedy page, then the plain pages."""
    articles = queries.published_articles()
    newest = max((a.updated_on for a in articles), default=date.today())
    pages = [SitemapPage(absolute_url(url_for("content.index")), newest)]
    for article in articles:
        pages.append(SitemapPage(article_url(article), article.updated_on))
        pages.extend(
            SitemapPage(remedy_url(article, remedy), article.updated_on)
            for remedy in article.remedies
        )
    pages.extend(
        SitemapPage(absolute_url(url_for("pages.show", slug=page.slug)), page.updated)
        for page in published_pages()
    )
    return pages
