"""The Atom feeds of approved comments: per page and for the whole site.

Every feed is parsed twice: by feedparser (a well-kept feed library, which must find
nothing wrong: ``bozo == 0``) and by ElementTree, to check the RFC 4287 structure itself.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import urlsplit

import feedparser
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import event, select, update

from app.comments.listing import thread_page_of
from app.content import feeds
from app.content.loading import upsert_article
from app.crypto import digest_of
from app.extensions import db
from app.models import Article, Comment, CommentStatus
from tests.conftest import app_on_fresh_database, database_url, make_article

NS = {"a": "http://www.w3.org/2005/Atom"}
SITE = "http://localhost/"  # TestConfig's SITE_URL
ARTICLE_FEED = "/back-spasms/feed.atom"
REMEDY_FEED = "/back-spasms/remedy-2/feed.atom"
SITE_FEED = "/comments.atom"
FEEDS = (ARTICLE_FEED, REMEDY_FEED, SITE_FEED)
RFC3339_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def parsed(response) -> feedparser.FeedParserDict:
    """The feed as feedparser reads it; it must have found nothing wrong."""
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.data)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def tree(response) -> ET.Element:
    """The feed's root element, checked against RFC 4287's required structure."""
    root = ET.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    for required in ("id", "title", "updated"):
        assert len(root.findall(f"a:{required}", NS)) == 1, required
    assert RFC3339_UTC.fullmatch(root.findtext("a:updated", namespaces=NS))
    rels = {link.get("rel"): link.get("href") for link in root.findall("a:link", NS)}
    assert set(rels) == {"self", "alternate"}
    for entry in root.findall("a:entry", NS):
        for required in ("id", "title", "updated", "published", "content"):
            assert len(entry.findall(f"a:{required}", NS)) == 1, required
        assert entry.findtext("a:author/a:name", namespaces=NS)
        assert RFC3339_UTC.fullmatch(entry.findtext("a:updated", namespaces=NS))
        assert RFC3339_UTC.fullmatch(entry.findtext("a:published", namespaces=NS))
        assert entry.find("a:content", NS).get("type") == "text"
        (link,) = entry.findall("a:link", NS)
        assert link.get("rel") == "alternate" and link.get("href").startswith(SITE)
    return root


def entry_ids(response) -> list[int]:
    """The comment ids of a feed's entries, in order, read from their permalinks."""
    return [
        int(urlsplit(entry.link).fragment.removeprefix("comment-"))
        for entry in parsed(response).entries
    ]


# --- What a feed holds ------------------------------------------------------------------


def test_a_page_feed_lists_its_approved_comments_only_newest_first(client, article, add_comment):
    first = add_comment(name="Ada")
    add_comment(status=CommentStatus.PENDING)
    add_comment(status=CommentStatus.SPAM)
    add_comment(status=CommentStatus.TRASH)
    reply = add_comment(parent=first, name="Bea")
    add_comment(remedy_slug="remedy-2")  # another page

    response = client.get(ARTICLE_FEED)
    feed = parsed(response)
    tree(response)
    assert entry_ids(response) == [reply, first]
    assert feed.feed.title == "Comments on Easing back spasms"
    assert feed.feed.id == SITE + "back-spasms/feed.atom"
    newest = feed.entries[0]
    assert newest.title == "Bea on Easing back spasms"
    assert newest.author == "Bea"
    assert newest.content[0].type == "text/plain"
    assert newest.content[0].value == "Comment body 5"
    assert newest.link == f"{SITE}back-spasms/#comment-{reply}"
    assert newest.id == f"tag:localhost,2026-01-01:comment-{reply}"
    assert newest.published == "2026-01-01T00:05:00Z"
    assert newest.updated == "2026-01-01T00:05:00Z"


def test_a_remedy_feed_lists_that_remedy_s_comments(client, article, add_comment):
    add_comment()
    mine = add_comment(remedy_slug="remedy-2", name="Cy")
    add_comment(remedy_slug="remedy-1")
    response = client.get(REMEDY_FEED)
    assert entry_ids(response) == [mine]
    feed = parsed(response)
    assert feed.feed.title == "Comments on Remedy number 2"
    assert feed.entries[0].title == "Cy on Remedy number 2"
    assert feed.entries[0].link == f"{SITE}back-spasms/remedy-2/#comment-{mine}"
    assert parsed(client.get("/back-spasms/remedy-3/feed.atom")).entries == []


def test_the_site_feed_lists_every_published_page_and_no_draft(app, client, article, add_comment):
    with app.app_context():
        upsert_article(make_article(slug="draft-one", title="Unready"))
        db.session.execute(
            update(Article).where(Article.slug == "draft-one").values(published=False)
        )
        db.session.commit()
    on_article = add_comment()
    on_remedy = add_comment(remedy_slug="remedy-3")
    add_comment(article_slug="draft-one")
    add_comment(article_slug="draft-one", remedy_slug="remedy-1")
    add_comment(status=CommentStatus.PENDING)

    response = client.get(SITE_FEED)
    tree(response)
    assert entry_ids(response) == [on_remedy, on_article]
    feed = parsed(response)
    assert feed.feed.title == "All comments on Relief"
    assert feed.feed.link == SITE
    assert "Unready" not in response.get_data(as_text=True)


def test_a_feed_holds_the_newest_fifty(app, client, article, add_comment):
    made = [add_comment() for _ in range(53)]
    assert entry_ids(client.get(ARTICLE_FEED)) == made[::-1][:50]
    assert entry_ids(client.get(SITE_FEED)) == made[::-1][:50]
    app.config["COMMENTS_FEED_SIZE"] = 3
    assert entry_ids(client.get(SITE_FEED)) == made[::-1][:3]


def test_the_feed_and_its_entries_follow_approval(app, client, article, add_comment):
    held = add_comment(status=CommentStatus.PENDING)
    assert entry_ids(client.get(ARTICLE_FEED)) == []
    with app.app_context():
        from app.comments.services import touch_pages
        from app.shared.pages import PageKey

        comment = db.session.get(Comment, held)
        comment.status = CommentStatus.APPROVED
        comment.approved_at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
        touch_pages([PageKey.of(comment)])
        db.session.commit()
    entry = parsed(client.get(ARTICLE_FEED)).entries[0]
    # Published when written, updated when it became public.
    assert (entry.published, entry.updated) == ("2026-01-01T00:01:00Z", "2026-03-01T12:00:00Z")


# --- Links ------------------------------------------------------------------------------


def test_each_entry_links_to_the_page_of_comments_that_shows_it(app, client, article, add_comment):
    app.config["COMMENTS_PER_PAGE"] = 2
    roots = [add_comment() for _ in range(5)]
    reply = add_comment(parent=roots[0])
    # A removed top-level comment still holding an approved reply takes a place in the
    # list (as "This comment was removed."): the pages after it count it.
    removed = add_comment()
    kept_reply = add_comment(parent=removed)
    with app.app_context():
        db.session.execute(
            update(Comment).where(Comment.id == removed).values(status=CommentStatus.TRASH)
        )
        db.session.commit()
    last = add_comment()

    feed = parsed(client.get(ARTICLE_FEED))
    by_id = {int(e.link.rsplit("-", 1)[1]): e.link for e in feed.entries}
    assert set(by_id) == {*roots, reply, kept_reply, last}
    with app.app_context():
        for comment_id, link in by_id.items():
            number = thread_page_of(db.session.get(Comment, comment_id), 2, frozenset())
            expected = f"{SITE}back-spasms/" + (f"?page={number}" if number > 1 else "")
            assert link == f"{expected}#comment-{comment_id}"
    assert by_id[reply].startswith(SITE + "back-spasms/#")
    assert "?page=4#" in by_id[last]
    for comment_id, link in by_id.items():
        page = client.get(link.removeprefix("http://localhost"))
        assert f'id="comment-{comment_id}"' in page.get_data(as_text=True), link


@pytest.mark.parametrize(
    ("proxies", "headers"),
    [
        (0, {"Host": "attacker.example"}),
        (0, {"X-Forwarded-Host": "attacker.example"}),
        (1, {"X-Forwarded-Host": "attacker.example", "X-Forwarded-For": "198.51.100.7"}),
        (1, {"Host": "attacker.example:8443", "X-Forwarded-Proto": "http"}),
    ],
)
@pytest.mark.parametrize("path", FEEDS)
def test_links_are_on_site_url_whatever_the_host(tmp_path, proxies, headers, path):
    """Even behind a proxy trusted to name the host, every URL comes from SITE_URL."""
    with app_on_fresh_database(
        with_article=True,
        SQLALCHEMY_DATABASE_URI=database_url(tmp_path),
        SITE_URL="https://relief.example.org",
        TRUSTED_PROXY_COUNT=proxies,
        TRUSTED_PROXY_HOST=bool(proxies),
    ) as app:
        _store_approved(app, "remedy-2" if "remedy" in path else None)
        response = app.test_client().get(path, headers=headers)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert "attacker" not in body
        urls = re.findall(r'href="([^"]+)"', body)
        assert len(urls) == 3  # self, alternate, and the one entry's link
        root = ET.fromstring(response.data)
        urls.append(root.findtext("a:id", namespaces=NS))
        assert all(url.startswith("https://relief.example.org/") for url in urls), urls
        tag = root.findtext("a:entry/a:id", namespaces=NS)
        assert tag.startswith("tag:relief.example.org,")


def _store_approved(app, remedy_slug: str | None) -> None:
    from app.comments.services import build_comment, touch_pages
    from app.shared.pages import PageKey

    with app.app_context():
        article = db.session.scalar(select(Article))
        remedy_id = next((r.id for r in article.remedies if r.slug == remedy_slug), None)
        key = PageKey(article.id, remedy_id)
        db.session.add(
            build_comment(
                key,
                parent=None,
                status=CommentStatus.APPROVED,
                reason="test",
                name="Ada",
                email="ada@example.com",
                website=None,
                body="Hello.",
                now=datetime(2026, 1, 5, tzinfo=UTC),
            )
        )
        db.session.flush()
        touch_pages([key])
        db.session.commit()


# --- Hostile text -----------------------------------------------------------------------

HOSTILE = (
    "<script>alert('x')</script> ]]> <![CDATA[ & &amp; &#x41; "
    "\x01\x08\x0b\x0c\x1f\x7f \ufffe\uffff "  # (NUL: PostgreSQL stores none; see below)
    "\u202eevil\u202c \u2066isolate\u2069 \u200b "
    "line one\nline two\tend 🙂"
)
HOSTILE_NAME = '<b onmouseover="x">Eve</b> & "co" \u202e\x07'


def test_hostile_text_stays_text_and_the_feed_stays_well_formed(client, article, add_comment):
    comment_id = add_comment(name=HOSTILE_NAME, body=HOSTILE, website="javascript:alert(1)")
    for path in (ARTICLE_FEED, SITE_FEED):
        response = client.get(path)
        root = tree(response)
        raw = response.get_data(as_text=True)
        assert "<script" not in raw and "<b " not in raw and "javascript:" not in raw
        entry = root.find("a:entry", NS)
        assert list(entry.find("a:content", NS)) == []  # no element inside: text only
        # Exactly the text as written, less what XML 1.0 cannot carry.
        assert entry.findtext("a:content", namespaces=NS) == feeds.xml_text(HOSTILE)
        assert "\u202eevil" in entry.findtext("a:content", namespaces=NS)
        name = entry.findtext("a:author/a:name", namespaces=NS)
        assert name == '<b onmouseover="x">Eve</b> & "co" \u202e'
        assert entry.findtext("a:title", namespaces=NS) == f"{name} on Easing back spasms"
        feed = parsed(response)
        assert feed.entries[0].content[0].value == feeds.xml_text(HOSTILE)
        assert feed.entries[0].link.endswith(f"#comment-{comment_id}")


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("plain", "plain"),
        ("a\x00b\x01c\x1fd", "abcd"),
        ("tab\tnl\ncr\r", "tab\tnl\ncr\r"),
        ("\ud800lone\udfff", "lone"),
        ("\ufffe\uffff\ufffd", "\ufffd"),
        ("\U0001f642\u202e\x85", "\U0001f642\u202e\x85"),
    ],
)
def test_xml_text_drops_only_what_xml_forbids(text, kept):
    assert feeds.xml_text(text) == kept


def test_a_lone_surrogate_never_breaks_the_document(app):
    head = feeds.FeedHead("T\ud800", "/comments.atom", "/", datetime(2026, 1, 1, tzinfo=UTC), ())
    entry = feeds.FeedEntry(
        7,
        "\ud800Ann\x00",
        "x\udc00y",
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2026, 1, 2, tzinfo=UTC),
        "Page\x1b",
        "/p/#comment-7",
    )
    with app.test_request_context():
        document = feeds.atom_document(head, [entry])
    feed = feedparser.parse(document)
    assert feed.bozo == 0
    assert feed.entries[0].title == "Ann on Page"
    assert feed.entries[0].content[0].value == "xy"


def test_a_nameless_comment_is_anonymous(app):
    head = feeds.FeedHead("T", "/comments.atom", "/", datetime(2026, 1, 1, tzinfo=UTC), ())
    when = datetime(2026, 1, 1, tzinfo=UTC)
    entry = feeds.FeedEntry(1, " \x00 ", "x", when, when, "Page", "/p/#comment-1")
    with app.test_request_context():
        feed = feedparser.parse(feeds.atom_document(head, [entry]))
    assert feed.entries[0].author == "Anonymous"


# --- No email, in any form ----------------------------------------------------------------


def test_no_feed_holds_an_email_or_anything_made_from_one(app, client, article, add_comment):
    email = "Private.Person+tag@Example.COM"
    add_comment(email=email, body="Mine.")
    add_comment(remedy_slug="remedy-2", email=email, body="Mine too.")
    with app.app_context():
        stored = db.session.scalars(select(Comment)).all()
        secrets = {c.email_digest for c in stored} | {digest_of(email)}
    forms = {email, email.lower(), "Private.Person", "example.com"} | secrets
    for variant in (email, email.lower()):
        for algorithm in ("md5", "sha1", "sha256"):
            forms.add(hashlib.new(algorithm, variant.encode()).hexdigest())
    for path in FEEDS:
        response = client.get(path)
        raw = (response.get_data(as_text=True) + str(response.headers)).lower()
        for form in forms:
            assert form.lower() not in raw, (path, form)


# --- HTTP -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", FEEDS)
def test_feed_headers_allow_public_caching_and_set_no_cookie(client, article, moderator, path):
    for signed_in in (False, True):
        if signed_in:
            moderator.login()
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=300"
        assert response.headers["ETag"].startswith('"')
        if path == SITE_FEED:
            # Its newest change can go back in time (an article withdrawn): no date.
            assert "Last-Modified" not in response.headers
        else:
            assert response.headers["Last-Modified"].endswith(" GMT")
        assert "Set-Cookie" not in response.headers
        assert "Cookie" not in response.headers.get("Vary", "")


@pytest.mark.parametrize("path", FEEDS)
def test_a_current_copy_gets_a_304(app, client, article, add_comment, path):
    add_comment(remedy_slug="remedy-2" if "remedy" in path else None)
    first = client.get(path)
    etag = first.headers["ETag"]
    conditions = [{"If-None-Match": etag}]
    if path != SITE_FEED:
        conditions.append({"If-Modified-Since": first.headers["Last-Modified"]})
    for headers in conditions:
        again = client.get(path, headers=headers)
        assert again.status_code == 304, headers
        assert again.data == b""
        assert again.headers["ETag"] == etag
        assert "Set-Cookie" not in again.headers
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    past = format_datetime(datetime(2020, 1, 1, tzinfo=UTC), usegmt=True)
    assert client.get(path, headers={"If-Modified-Since": past}).status_code == 200
    now = format_datetime(datetime.now(UTC) + timedelta(days=1), usegmt=True)
    ims_only = client.get(path, headers={"If-Modified-Since": now}).status_code
    assert ims_only == (200 if path == SITE_FEED else 304)

    add_comment(remedy_slug="remedy-2" if "remedy" in path else None)
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert len(parsed(changed).entries) == 2


def test_a_feed_changes_its_etag_with_the_site_url(app, client, article):
    etag = client.get(SITE_FEED).headers["ETag"]
    app.config["SITE_URL"] = "https://relief.example.org"
    assert client.get(SITE_FEED, headers={"If-None-Match": etag}).status_code == 200


def test_a_head_request_answers_like_a_get(client, article, add_comment):
    add_comment()
    response = client.head(ARTICLE_FEED)
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["ETag"] == client.get(ARTICLE_FEED).headers["ETag"]


@pytest.mark.parametrize("path", FEEDS)
def test_a_feed_costs_the_same_few_queries_however_long(app, client, article, add_comment, path):
    """No query per entry: the page's versions, then the entries; a 304 needs only the
    first."""
    remedy = "remedy-2" if "remedy" in path else None

    def queries_for(headers=None) -> tuple[int, object]:
        seen = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            response = client.get(path, headers=headers or {})
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return sum(statement.startswith(("SELECT", "WITH")) for statement in seen), response

    first = add_comment(remedy_slug=remedy)
    add_comment(remedy_slug=remedy, parent=first)
    few, _ = queries_for()
    for n in range(12):
        add_comment(remedy_slug=remedy, parent=first if n % 3 else None)
    many, response = queries_for()
    assert len(parsed(response).entries) == 14
    assert few == many == 2
    conditional, response = queries_for({"If-None-Match": response.headers["ETag"]})
    assert (conditional, response.status_code) == (1, 304)


# --- Drafts, unknown pages and hostile requests -----------------------------------------


@pytest.fixture
def draft(app, article, add_comment):
    with app.app_context():
        upsert_article(make_article(slug="draft-one", title="Unready"))
        db.session.execute(
            update(Article).where(Article.slug == "draft-one").values(published=False)
        )
        db.session.commit()
    add_comment(article_slug="draft-one")
    add_comment(article_slug="draft-one", remedy_slug="remedy-1")
    return "draft-one"


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_draft_has_no_feed_even_for_a_moderator(client, draft, moderator, signed_in):
    if signed_in:
        moderator.login()
        page = client.get("/draft-one/")
        assert page.status_code == 200  # the moderator sees the draft itself...
        head = BeautifulSoup(page.data, "html.parser").head
        assert head.find("link", type="application/atom+xml") is None  # ...with no feed
    assert client.get("/draft-one/feed.atom").status_code == 404
    assert client.get("/draft-one/remedy-1/feed.atom").status_code == 404
    assert "Unready" not in client.get(SITE_FEED).get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/nothing-here/feed.atom",
        "/back-spasms/remedy-9/feed.atom",
        "/Back-Spasms/feed.atom",
        "/back-spasms/feed.atom/",
        "/back-spasms/feed.rss",
        "/back-spasms/remedy-2/feed.atom/",
        "/back-spasms/remedy-2/extra/feed.atom",
        "/auth/feed.atom",
        "/moderation/feed.atom",
        "/static/feed.atom",
        "/about/feed.atom",
        "/comments.atom/",
        "/back-spasms/%00/feed.atom",
        "/back-spasms/" + "a" * 5000 + "/feed.atom",
        "/" + "b" * 5000 + "/feed.atom",
    ],
)
def test_unknown_feeds_are_a_plain_404(client, article, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("path", FEEDS)
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_a_feed_only_answers_get(app, client, article, path, method):
    assert client.open(path, method=method).status_code == 405
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.open(path, method=method).status_code in {400, 405}


@pytest.mark.parametrize("path", FEEDS)
def test_a_query_string_changes_nothing(client, article, add_comment, path):
    add_comment(remedy_slug="remedy-2" if "remedy" in path else None)
    plain = client.get(path)
    for query in ("page=99999999999999999999", "replyto=-1", "x=%00%ff", "page=2&page=x"):
        response = client.get(f"{path}?{query}")
        assert response.data == plain.data
        assert response.headers["ETag"] == plain.headers["ETag"]


# --- The page's head --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "own_feed", "own_title"),
    [
        ("/back-spasms/", ARTICLE_FEED, "Comments on Easing back spasms"),
        ("/back-spasms/remedy-2/", REMEDY_FEED, "Comments on Remedy number 2"),
    ],
)
def test_each_page_head_links_to_its_feed_and_the_site_s(
    client, article, page, own_feed, own_title
):
    for _ in range(2):  # rendered, then from the page cache
        response = client.get(page)
        links = BeautifulSoup(response.data, "html.parser").head.find_all(
            "link", rel="alternate", type="application/atom+xml"
        )
        assert [(link["title"], link["href"]) for link in links] == [
            (own_title, SITE + own_feed.lstrip("/")),
            ("All comments on Relief", SITE + SITE_FEED.lstrip("/")),
        ]
        for link in links:
            parsed(client.get(urlsplit(link["href"]).path))


def test_the_home_page_of_several_articles_links_to_the_site_feed(app, client, article):
    with app.app_context():
        upsert_article(make_article(slug="second-guide", title="Another"))
    head = BeautifulSoup(client.get("/").data, "html.parser").head
    links = head.find_all("link", rel="alternate", type="application/atom+xml")
    assert [link["href"] for link in links] == [SITE + "comments.atom"]


def test_the_site_feed_of_an_empty_site_is_valid(client):
    response = client.get(SITE_FEED)
    feed = parsed(response)
    tree(response)
    assert feed.entries == []
