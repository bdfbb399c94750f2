"""The public pages as a reader's browser receives them."""

from __future__ import annotations

import itertools
import json
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup

from app.content.loading import upsert_article
from tests.conftest import make_article


def page(client, url: str, status: int = 200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status, response.data[:500]
    return BeautifulSoup(response.data, "html.parser")


def text_of(soup: BeautifulSoup) -> str:
    return " ".join(soup.get_text(" ").split())


def test_home_shows_the_only_article(client, article):
    soup = page(client, "/")
    assert soup.h1.get_text(strip=True) == article.title
    canonical = soup.find("link", rel="canonical")["href"]
    assert canonical == "http://localhost/back-spasms/"


def test_home_lists_articles_when_there_are_several(app, client, article):
    with app.app_context():
        upsert_article(make_article(slug="neck-pain", title="Easing neck pain"))
    soup = page(client, "/")
    links = [a["href"] for a in soup.select("main h2 a")]
    assert sorted(links) == ["/back-spasms/", "/neck-pain/"]


def test_home_without_articles_says_so(client):
    assert "There are no articles yet" in text_of(page(client, "/"))


def test_article_page_has_toc_linking_every_remedy(client, article):
    soup = page(client, "/back-spasms/")
    toc = soup.find("nav", attrs={"aria-labelledby": "toc-title"})
    hrefs = [a["href"] for a in toc.find_all("a")]
    assert hrefs == [f"/back-spasms/remedy-{n}/" for n in (1, 2, 3)]
    body = text_of(soup)
    assert "First intro paragraph." in body
    assert "Closing words." in body
    # An overview: each remedy's summary and a link, never its full text.
    assert "Cat-cow: Arch, then round your back." not in body
    for n in (1, 2, 3):
        section = soup.find(id=f"remedy-remedy-{n}").parent
        assert section.select_one(".remedy-section__summary").get_text() == f"Body of remedy {n}."
        assert section.find("a", href=f"/back-spasms/remedy-{n}/")


@pytest.mark.parametrize("number", [1, 2, 3])
def test_every_remedy_page_renders(client, article, number):
    soup = page(client, f"/back-spasms/remedy-{number}/")
    assert soup.h1.get_text(strip=True) == f"Remedy number {number}"
    assert f"Body of remedy {number}." in text_of(soup)
    assert f"Remedy {number} of 3" in text_of(soup)


def test_remedy_page_has_breadcrumb_pager_and_way_back(client, article):
    soup = page(client, "/back-spasms/remedy-2/")
    crumbs = soup.find("nav", attrs={"aria-label": "Breadcrumb"})
    assert [a.get_text(strip=True) for a in crumbs.find_all("a")] == [
        "Home",
        "Easing back spasms",
        "Remedy number 2",
    ]
    assert crumbs.find("a", attrs={"aria-current": "page"})
    assert soup.find("a", rel="prev")["href"] == "/back-spasms/remedy-1/"
    assert soup.find("a", rel="next")["href"] == "/back-spasms/remedy-3/"
    assert soup.find("a", string=lambda s: s and s.startswith("Back to the article"))
    items = soup.select(".remedy-body ul li")
    assert [li.get_text(" ", strip=True) for li in items] == [
        "Cat-cow: Arch, then round your back."
    ]
    assert "After the list of remedy 2." in text_of(soup)


def test_first_and_last_remedy_have_one_pager_link(client, article):
    first = page(client, "/back-spasms/remedy-1/")
    assert first.find("a", rel="prev") is None
    assert first.find("a", rel="next")
    last = page(client, "/back-spasms/remedy-3/")
    assert last.find("a", rel="next") is None


@pytest.mark.parametrize(
    "url",
    ["/nope/", "/back-spasms/nope/", "/nope/remedy-1/", "/back-spasms/remedy-1/extra/"],
)
def test_unknown_addresses_get_a_friendly_404(client, article, url):
    soup = page(client, url, status=404)
    assert soup.h1.get_text(strip=True) == "Page not found"
    assert soup.find("a", href="/")


def test_500_page_shows_no_stack_trace(app, client, article, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def explode(*args, **kwargs):
        raise RuntimeError("secret detail /etc/passwd SELECT * FROM")

    monkeypatch.setattr("app.content.queries.article_by_slug", explode)
    response = client.get("/back-spasms/")
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.data
    for leak in (b"Traceback", b"secret detail", b"SELECT", b"/etc/passwd", b".py"):
        assert leak not in response.data


@pytest.mark.parametrize("url", ["/back-spasms/", "/back-spasms/remedy-2/"])
def test_pages_carry_meta_structured_data_and_disclaimer(client, article, url):
    soup = page(client, url)
    assert soup.html["lang"] == "en-GB"
    assert soup.title.get_text(strip=True)
    assert soup.find("meta", attrs={"name": "description"})["content"]
    assert soup.find("link", rel="canonical")["href"] == f"http://localhost{url}"
    for prop in ("og:title", "og:description", "og:url", "og:type"):
        assert soup.find("meta", property=prop)["content"]
    data = json.loads(soup.find("script", type="application/ld+json").string)
    assert data["@type"] == "MedicalWebPage"
    assert data["url"] == f"http://localhost{url}"
    assert data["lastReviewed"] == "2026-03-04"
    disclaimer = soup.find("aside", class_="disclaimer")
    assert "not medical advice" in text_of(disclaimer)
    # It states no threshold of its own: it points to the page's "Get help now" box.
    assert disclaimer.find("a", href="#get-help")
    assert soup.find(id="get-help")
    assert disclaimer.find("time", datetime="2026-03-04")


@pytest.mark.parametrize("url", ["/", "/back-spasms/", "/back-spasms/remedy-2/", "/nope/"])
def test_pages_are_semantic(client, article, url):
    response = client.get(url)
    soup = BeautifulSoup(response.data, "html.parser")
    assert len(soup.find_all("h1")) == 1
    for landmark in ("header", "nav", "main", "footer"):
        assert soup.find(landmark), landmark
    skip = soup.find("a", class_="skip-link")
    assert skip["href"] == "#main" and soup.find(id="main").name == "main"
    levels = [int(h.name[1]) for h in soup.find_all(["h1", "h2", "h3", "h4"])]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels


def test_pages_load_no_third_party_assets(client, article):
    soup = page(client, "/back-spasms/")
    sources = [
        tag.get("src") or tag.get("href") for tag in soup.find_all(["script", "link", "img"])
    ]
    for source in filter(None, sources):
        assert not source.startswith(("http://", "https://", "//")) or source.startswith(
            "http://localhost/"
        ), source


def test_stylesheet_is_served(client):
    with client.get("/static/css/site.css") as response:
        assert response.status_code == 200
        assert b"prefers-color-scheme" in response.data
        assert b"@media print" in response.data


def test_sitemap_lists_every_page(client, article):
    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = [loc.text for loc in root.findall("s:url/s:loc", ns)]
    assert locations == [
        "http://localhost/",
        "http://localhost/back-spasms/",
        *[f"http://localhost/back-spasms/remedy-{n}/" for n in (1, 2, 3)],
        *[
            f"http://localhost/{slug}/"
            for slug in ("about", "editorial-policy", "privacy", "contact")
        ],
    ]


def test_site_url_config_sets_canonical_origin(app, client, article):
    app.config["SITE_URL"] = "https://relief.example.org"
    soup = page(client, "/back-spasms/remedy-1/")
    assert (
        soup.find("link", rel="canonical")["href"]
        == "https://relief.example.org/back-spasms/remedy-1/"
    )


def test_robots_points_to_sitemap(client):
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain"
    assert b"Sitemap: http://localhost/sitemap.xml" in response.data
