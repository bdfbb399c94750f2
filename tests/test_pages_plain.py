"""The plain pages (About, Editorial policy, Privacy, Contact) and the comment-form notice,
as a reader's browser receives them."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from datetime import date

import frontmatter
import pytest
import yaml
from bs4 import BeautifulSoup

from app import create_app
from app.content.importer import ArticleFormatError, parse_markdown
from app.content.loading import load_directory
from app.extensions import db
from app.pages.store import PageFormatError, parse_page
from config import TestConfig
from tests.conftest import ROOT, database_url

PAGES = {
    "about": "/about/",
    "editorial-policy": "/editorial-policy/",
    "privacy": "/privacy/",
    "contact": "/contact/",
}
NOTICE = (
    "Comments are checked before they appear. We cannot give personal medical advice: "
    "if you are worried, see When to get help."
)


def soup_of(client, url: str, status: int = 200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status, response.data[:500]
    return BeautifulSoup(response.data, "html.parser")


def text_of(soup: BeautifulSoup) -> str:
    return " ".join(soup.get_text(" ").split())


def front_matter(slug: str) -> dict:
    return frontmatter.load(ROOT / "content" / "pages" / f"{slug}.md").metadata


def write_page(folder, slug: str, body: str, **meta) -> None:
    meta = {
        "title": f"Title of {slug}",
        "summary": f"About {slug}.",
        "updated": "2026-11-29",
    } | meta
    (folder / f"{slug}.md").write_text(f"---\n{yaml.safe_dump(meta)}---\n\n{body}")


@pytest.fixture
def pages_app(tmp_path):
    """An app whose plain pages come from an empty folder under tmp_path."""
    folder = tmp_path / "pages"
    folder.mkdir()
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url(tmp_path), PAGES_DIR=folder)
    app.pages_folder = folder
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.mark.parametrize("slug", PAGES)
def test_each_plain_page_shows_its_title_summary_and_date(client, slug):
    meta = front_matter(slug)
    soup = soup_of(client, PAGES[slug])
    assert soup.h1.get_text(strip=True) == meta["title"]
    assert len(soup.find_all("h1")) == 1
    assert soup.find("meta", attrs={"name": "description"})["content"] == meta["summary"]
    assert soup.find("link", rel="canonical")["href"] == "http://localhost" + PAGES[slug]
    assert soup.title.get_text() == f"{meta['title']} · Relief"
    updated = soup.select_one(".page-updated time")
    assert updated["datetime"] == meta["updated"].isoformat()
    assert "Page last updated" in updated.parent.get_text()


def test_every_link_on_the_plain_pages_leads_somewhere(client, real_article):
    for path in PAGES.values():
        soup = soup_of(client, path)
        for link in soup.main.find_all("a"):
            href = link["href"]
            if href.startswith("#"):
                assert soup.find(id=href[1:]), f"{path}: no section {href}"
            elif href.startswith("/"):
                assert client.get(href).status_code == 200, f"{path}: {href}"
            else:
                assert href.startswith("mailto:"), f"{path}: {href}"


def test_headings_get_ids_a_link_can_point_to():
    head = "---\ntitle: T\nsummary: S.\nupdated: 2026-11-29\n---\n"
    text = head + "## Who can see it?\n\n## Who can see it?\n"
    html = parse_page("about", text, {}).html
    assert '<h2 id="who-can-see-it">' in html
    assert '<h2 id="who-can-see-it-2">' in html


@pytest.mark.parametrize("slug", PAGES)
def test_plain_page_without_its_slash_redirects_and_refuses_a_post(client, slug):
    response = client.get(PAGES[slug].rstrip("/"))
    assert response.status_code in (301, 308)
    assert response.headers["Location"].endswith(PAGES[slug])
    assert client.post(PAGES[slug]).status_code == 405


def footer_links(soup: BeautifulSoup) -> dict[str, str]:
    footer = soup.find("footer")
    return {a.get_text(strip=True): a["href"] for a in footer.find_all("a")}


@pytest.fixture
def real_article(app):
    with app.app_context():
        load_directory(ROOT / "content")


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/", 200),
        ("/relieve-back-spasms/", 200),
        ("/relieve-back-spasms/massage/", 200),
        *[(url, 200) for url in PAGES.values()],
        ("/auth/login", 200),
        ("/no-such-page/", 404),
        ("/relieve-back-spasms/no-such-remedy/", 404),
    ],
)
def test_every_page_links_to_the_four_plain_pages(client, real_article, url, status):
    links = footer_links(soup_of(client, url, status))
    assert links["About"] == "/about/"
    assert links["Editorial policy"] == "/editorial-policy/"
    assert links["Privacy"] == "/privacy/"
    assert links["Contact"] == "/contact/"


def test_moderation_pages_link_to_the_four_plain_pages(client, real_article, moderator):
    moderator.login()
    for url in ("/moderation/", "/moderation/log"):
        links = footer_links(soup_of(client, url))
        assert {"About", "Editorial policy", "Privacy", "Contact"} <= links.keys(), url


def test_footer_marks_the_plain_page_being_read(client):
    footer = soup_of(client, "/privacy/").find("footer")
    current = footer.select("a[aria-current=page]")
    assert [a.get_text(strip=True) for a in current] == ["Privacy"]


def test_sitemap_lists_the_plain_pages_with_their_dates(client, real_article):
    root = ET.fromstring(client.get("/sitemap.xml").data)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    entries = {
        url.findtext("s:loc", namespaces=ns): url.findtext("s:lastmod", namespaces=ns)
        for url in root.findall("s:url", ns)
    }
    for slug, path in PAGES.items():
        assert entries["http://localhost" + path] == front_matter(slug)["updated"].isoformat()
    assert "http://localhost/relieve-back-spasms/" in entries


def test_sitemap_uses_site_url_for_plain_pages(app, client):
    app.config["SITE_URL"] = "https://relief.example.org"
    body = client.get("/sitemap.xml").data.decode()
    assert "<loc>https://relief.example.org/privacy/</loc>" in body
    assert "http://localhost" not in body


def test_raw_html_in_a_page_is_shown_as_text(pages_app):
    write_page(
        pages_app.pages_folder,
        "about",
        "Hello <script>alert(1)</script> there.\n\n"
        "<img src=x onerror=alert(2)>\n\n"
        "<div onclick=alert(3)>block</div>\n\n"
        "[a link](javascript:alert(4)) and [fine](https://www.nhs.uk/)\n",
        title='"><script>alert(5)</script>',
        summary='"><b onmouseover=alert(6)>x</b>',
    )
    response = pages_app.test_client().get("/about/")
    assert response.status_code == 200
    html = response.data.decode()
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("script", string=lambda s: s and "alert" in s) is None
    assert soup.find(attrs={"onerror": True}) is None
    assert soup.find(attrs={"onclick": True}) is None
    assert soup.find(attrs={"onmouseover": True}) is None
    assert "javascript:" not in " ".join(a.get("href", "") for a in soup.find_all("a"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert soup.find("a", string="fine")["href"] == "https://www.nhs.uk/"
    assert soup.h1.get_text() == '"><script>alert(5)</script>'


def test_an_edited_page_shows_without_a_restart(pages_app):
    write_page(pages_app.pages_folder, "about", "First version.")
    client = pages_app.test_client()
    assert "First version." in client.get("/about/").data.decode()
    path = pages_app.pages_folder / "about.md"
    write_page(pages_app.pages_folder, "about", "Second version, a little longer.")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    body = client.get("/about/").data.decode()
    assert "Second version" in body
    assert "First version." not in body


def test_a_missing_page_file_is_a_404_and_leaves_the_sitemap(pages_app):
    write_page(pages_app.pages_folder, "about", "Here.")
    client = pages_app.test_client()
    assert client.get("/privacy/").status_code == 404
    body = client.get("/sitemap.xml").data.decode()
    assert "/about/</loc>" in body
    assert "/privacy/" not in body


def test_page_settings_are_filled_in_from_the_configuration(tmp_path):
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=database_url(tmp_path),
        IP_RETENTION_DAYS=14,
        COMMENTS_REMEMBER_DAYS=90,
    )
    text = text_of(soup_of(app.test_client(), "/privacy/"))
    assert "after 14 days" in text
    assert "90 days" in text
    assert "{setting:" not in text


def test_privacy_page_states_what_the_code_keeps(client):
    soup = soup_of(client, "/privacy/")
    text = text_of(soup.main)
    assert "encrypted" in text
    assert "after 30 days" in text  # IP_RETENTION_DAYS
    assert "365 days" in text  # COMMENTS_REMEMBER_DAYS
    assert "This comment was removed." in text
    assert soup.main.find("a", string="Contact page")["href"] == "/contact/"


def test_contact_page_shows_the_configured_address(tmp_path):
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=database_url(tmp_path),
        CONTACT_EMAIL="team@relief.example.org",
    )
    soup = soup_of(app.test_client(), "/contact/")
    link = soup.main.find("a", href="mailto:team@relief.example.org")
    assert link.get_text(strip=True) == "team@relief.example.org"
    assert "placeholder" not in text_of(soup.main)


def test_contact_page_in_development_says_its_address_is_a_placeholder(client):
    soup = soup_of(client, "/contact/")
    assert soup.main.find("a", href="mailto:contact@relief.example")
    assert "placeholder" in text_of(soup.main)


def test_contact_page_without_an_address_says_so(tmp_path):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url(tmp_path), CONTACT_EMAIL="")
    soup = soup_of(app.test_client(), "/contact/")
    assert soup.main.find("a", href=lambda h: h and h.startswith("mailto:")) is None
    assert "not published a contact address yet" in text_of(soup.main)


@pytest.mark.parametrize(
    "address",
    ["not an address", "a@b", "team@relief.example.org?subject=x", "x@y.org\nBcc: z@y.org"],
)
def test_a_malformed_contact_email_stops_the_app_starting(tmp_path, address):
    with pytest.raises(RuntimeError, match="CONTACT_EMAIL"):
        create_app(
            TestConfig, SQLALCHEMY_DATABASE_URI=database_url(tmp_path), CONTACT_EMAIL=address
        )


@pytest.mark.parametrize("slug", PAGES)
def test_plain_page_slugs_cannot_be_taken_by_an_article(slug):
    text = (
        f"---\ntitle: T\nslug: {slug}\nsummary: S.\npublished: 2026-11-29\n---\n\n"
        "Intro.\n\n## 1. One\n\nText.\n"
    )
    with pytest.raises(ArticleFormatError, match="reserved"):
        parse_markdown(text)


def test_a_plain_page_is_not_an_article_address(client, real_article):
    assert client.get("/about/massage/").status_code == 404
    assert client.post("/privacy/massage/", data={"comment": "x"}).status_code in (404, 405)


def test_comment_form_says_comments_are_checked_and_where_to_get_help(client, real_article):
    for url in ("/relieve-back-spasms/", "/relieve-back-spasms/massage/"):
        soup = soup_of(client, url)
        notice = soup.select_one("#respond .comment-policy")
        assert " ".join(notice.get_text().split()) == NOTICE
        link = notice.find("a")
        assert link.get_text() == "When to get help"
        # The page's own "Get help now" box, and from there the full section.
        assert link["href"] == "#get-help"
        box = soup.find(id="get-help")
        assert box.h2.get_text(strip=True) == "Get help now"
        more = box.select_one(".get-help__more a")["href"]
        assert more == "/relieve-back-spasms/when-to-see-a-doctor/#when-to-get-help"
        assert soup_of(client, more).find(id="when-to-get-help")


def test_parser_refuses_a_page_a_person_got_wrong():
    good = "---\ntitle: T\nsummary: S.\nupdated: 2026-11-29\n---\n\nBody.\n"
    page = parse_page("about", good, {})
    assert (page.title, page.summary, page.updated) == ("T", "S.", date(2026, 11, 29))
    for broken, message in (
        ("---\nsummary: S.\nupdated: 2026-11-29\n---\nB", "title"),
        ("---\ntitle: T\nupdated: 2026-11-29\n---\nB", "summary"),
        ("---\ntitle: T\nsummary: S.\n---\nB", "updated"),
        ("---\ntitle: T\nsummary: S.\nupdated: soon\n---\nB", "updated"),
        ("---\ntitle: T\nsummary: S.\nupdated: 2026-11-29\n---\n# Again\n", "##"),
        (
            "---\ntitle: T\nsummary: S.\nupdated: 2026-11-29\n---\n{setting:SECRET_KEY}",
            "SECRET_KEY",
        ),
        ("---\ntitle: [unclosed\n---\nB", "front matter"),
    ):
        with pytest.raises(PageFormatError, match=message):
            parse_page("about", broken, {})
