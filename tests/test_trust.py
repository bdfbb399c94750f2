"""Trust: who wrote and reviewed a page, when it is due for review, and its sources."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import date, timedelta

import frontmatter
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select, text

from app.content.importer import ParsedSource
from app.content.loading import upsert_article
from app.extensions import db
from app.models import Article
from tests.conftest import ROOT, make_article

NHS = ParsedSource("Back pain", "https://www.nhs.uk/conditions/back-pain/", "NHS")
NICE = ParsedSource(
    "Low back pain and sciatica in over 16s", "https://www.nice.org.uk/guidance/ng59"
)
URLS = ["/back-spasms/", "/back-spasms/remedy-2/"]
OVERDUE_NOTICE = "This page is due for review: the information may be out of date"


def trusted_article(**changes):
    """The small test article, written and reviewed by the editorial team, with sources."""
    fields = {
        "author": "Relief editorial team",
        "author_organization": True,
        "reviewed_by": "Relief editorial team, Editorial review",
        "next_review_on": date.today() + timedelta(days=365),
        "sources": [NHS, NICE],
    }
    return replace(make_article(), **{**fields, **changes})


@pytest.fixture
def trusted(app):
    with app.app_context():
        upsert_article(trusted_article())


@pytest.fixture
def overdue(app):
    """An article reviewed long ago whose next review date has passed."""
    with app.app_context():
        upsert_article(
            trusted_article(reviewed_on=date(2020, 1, 2), next_review_on=date(2021, 1, 2))
        )


def soup_of(client, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200
    return BeautifulSoup(response.data, "html.parser")


def words(soup) -> str:
    return " ".join(soup.get_text(" ").split())


def structured_data(client, url: str) -> dict:
    return json.loads(soup_of(client, url).find("script", type="application/ld+json").string)


def stored(app, slug: str = "back-spasms") -> Article:
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == slug))
        db.session.expunge(article)
        return article


def test_load_stores_the_trust_data(app, trusted):
    article = stored(app)

    assert article.author == "Relief editorial team"
    assert article.author_organization is True
    assert article.reviewed_by == "Relief editorial team, Editorial review"
    assert article.next_review_on == date.today() + timedelta(days=365)
    assert article.sources == [
        {"title": NHS.title, "url": NHS.url, "publisher": "NHS"},
        {"title": NICE.title, "url": NICE.url, "publisher": None},
    ]


def test_loading_the_same_trust_data_again_changes_nothing(app, trusted):
    before = stored(app).cache_version
    with app.app_context():
        upsert_article(trusted_article())
    assert stored(app).cache_version == before


def test_a_changed_source_changes_the_page(app, client, trusted):
    before = stored(app).cache_version
    client.get("/back-spasms/")
    with app.app_context():
        upsert_article(trusted_article(sources=[NHS]))
    assert stored(app).cache_version > before
    assert "Low back pain" not in words(soup_of(client, "/back-spasms/"))


def test_a_reviewer_from_the_file_names_the_review_on_record(app, article):
    """An article loaded before it named its reviewer gets the name on the next load."""
    with app.app_context():
        upsert_article(trusted_article())
    assert stored(app).reviewed_by == "Relief editorial team, Editorial review"


def test_a_later_review_recorded_by_publish_keeps_its_reviewer(app, runner, trusted):
    result = runner.invoke(
        args=["content", "publish", "back-spasms", "--reviewed-by", "Dr Ada Lovelace, GP"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        upsert_article(trusted_article())
    article = stored(app)
    assert (article.reviewed_on, article.reviewed_by) == (date.today(), "Dr Ada Lovelace, GP")


@pytest.mark.parametrize("url", URLS)
def test_pages_show_who_wrote_and_reviewed_them_and_their_sources(client, trusted, url):
    soup = soup_of(client, url)
    trust = soup.find(class_="trust")
    said = words(trust)

    assert "Written by Relief editorial team" in said
    assert "Reviewed by Relief editorial team (Editorial review) on 4 March 2026" in said
    due = date.today() + timedelta(days=365)
    assert f"Next review due {due.day} {due:%B %Y}" in said
    assert trust.find("time", datetime="2026-03-04")
    assert trust.find("time", datetime=due.isoformat())
    links = {a.get_text(" ", strip=True): a["href"] for a in trust.find_all("a")}
    assert links == {"Back pain": NHS.url, NICE.title: NICE.url}
    assert "NHS" in said
    assert OVERDUE_NOTICE not in words(soup)


@pytest.mark.parametrize("url", URLS)
def test_structured_data_carries_author_reviewer_review_date_and_citations(client, trusted, url):
    data = structured_data(client, url)

    assert data["author"] == {"@type": "Organization", "name": "Relief editorial team"}
    assert data["reviewedBy"] == {"@type": "Organization", "name": "Relief editorial team"}
    assert data["lastReviewed"] == "2026-03-04"
    assert data["citation"] == [
        {
            "@type": "CreativeWork",
            "name": "Back pain",
            "url": NHS.url,
            "publisher": {"@type": "Organization", "name": "NHS"},
        },
        {"@type": "CreativeWork", "name": NICE.title, "url": NICE.url},
    ]


def test_a_person_is_marked_up_as_a_person(app, client):
    with app.app_context():
        upsert_article(
            trusted_article(
                author="Ada Writer", author_organization=False, reviewed_by="Dr Bo Smith, GP"
            )
        )
    data = structured_data(client, "/back-spasms/")
    assert data["author"] == {"@type": "Person", "name": "Ada Writer"}
    assert data["reviewedBy"] == {"@type": "Person", "name": "Dr Bo Smith", "jobTitle": "GP"}


def test_a_page_without_trust_data_shows_none_and_claims_none(client, article):
    soup = soup_of(client, "/back-spasms/")
    data = json.loads(soup.find("script", type="application/ld+json").string)

    assert not {"author", "reviewedBy", "citation"} & set(data)
    assert "Written by" not in words(soup)
    assert OVERDUE_NOTICE not in words(soup)


@pytest.mark.parametrize("url", URLS)
def test_an_overdue_page_says_so(client, overdue, url):
    soup = soup_of(client, url)
    notice = soup.find(class_="trust-overdue")

    assert OVERDUE_NOTICE in words(notice)
    assert notice.find("time", datetime="2021-01-02")


def test_the_overdue_notice_appears_when_the_date_passes_even_from_the_cache(app, client):
    """Nothing about the page changes when its review date passes: no cache version is
    bumped.  Moving the date into the past in the database, behind the app's back, is
    the day passing."""
    with app.app_context():
        upsert_article(trusted_article(next_review_on=date.today()))
    for url in URLS:
        assert OVERDUE_NOTICE not in words(soup_of(client, url))
        assert OVERDUE_NOTICE not in words(soup_of(client, url))  # now from the cache
    with app.app_context():
        db.session.execute(text("UPDATE articles SET next_review_on = '2026-01-01'"))
        db.session.commit()
    for url in URLS:
        assert OVERDUE_NOTICE in words(soup_of(client, url))


def test_content_status_lists_every_article_and_flags_the_overdue(app, runner, overdue):
    with app.app_context():
        upsert_article(make_article(slug="neck-pain", title="Neck pain"))
        upsert_article(replace(make_article(slug="draft-one"), draft=True))
        upsert_article(
            replace(make_article(slug="fresh"), next_review_on=date.today() + timedelta(days=1))
        )
    result = runner.invoke(args=["content", "status"])

    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines() if line.strip()}
    assert "published" in lines["back-spasms"]
    assert "2020-01-02" in lines["back-spasms"] and "2021-01-02" in lines["back-spasms"]
    assert "OVERDUE" in lines["back-spasms"]
    assert "draft" in lines["draft-one"]
    assert "OVERDUE" not in lines["fresh"]
    assert "OVERDUE" not in lines["neck-pain"]
    assert "1 overdue" in result.output


def frontmatter_of(path) -> dict:
    """The front matter of an article file, dates as ISO text."""
    meta = frontmatter.loads(path.read_text(encoding="utf-8")).metadata
    return {
        key: value.isoformat() if hasattr(value, "isoformat") else value
        for key, value in meta.items()
    }


def test_the_shipped_article_loads_with_its_trust_data(app, client, runner, tmp_path):
    folder = tmp_path / "content"
    folder.mkdir()
    shutil.copy(ROOT / "content" / "relieve-back-spasms.md", folder)
    assert runner.invoke(args=["content", "load", "--dir", str(folder)]).exit_code == 0

    data = structured_data(client, "/relieve-back-spasms/")
    assert data["author"]["name"] == "Relief editorial team"
    assert data["reviewedBy"]["name"] == "Relief editorial team"
    assert data["lastReviewed"] == frontmatter_of(folder / "relieve-back-spasms.md")["reviewed"]
    assert [c["url"] for c in data["citation"]][:2] == [
        "https://www.nhs.uk/conditions/back-pain/",
        "https://www.nice.org.uk/guidance/ng59",
    ]
