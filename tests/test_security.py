"""Hardening: headers, sizes, proxies, CSRF, errors, and user text inert everywhere."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from app.crypto import generate_key
from app.extensions import db
from app.models import Comment, CommentStatus
from config import ProductionConfig
from tests.conftest import app_on_fresh_database, database_url

PUBLIC_URLS = [
    "/",
    "/back-spasms/",
    "/back-spasms/remedy-2/",
    "/back-spasms/?replyto=1",
    "/sitemap.xml",
    "/robots.txt",
    "/static/css/site.css",
    "/nope/",
    "/auth/login",
    "/email-action/forged",
]


def assert_security_headers(response, hsts: bool = False) -> None:
    csp = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert ("Strict-Transport-Security" in response.headers) is hsts


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_security_headers_on_every_response(client, article, add_comment, url):
    add_comment()
    with client.get(url) as response:
        assert response.status_code < 500
        assert_security_headers(response)


def test_security_headers_on_moderation_and_errors(client, article, moderator):
    moderator.login()
    for response in (
        client.get("/moderation/"),
        client.get("/moderation/log"),
        client.get("/moderation/bulk"),  # 405
        client.post("/back-spasms/", data={"comment": "x" * 70_000}),  # 413
    ):
        assert_security_headers(response)


def test_no_inline_script_or_style_in_any_page(client, article, add_comment, moderator):
    add_comment()
    moderator.login()
    pages = [client.get(url) for url in PUBLIC_URLS if not url.startswith("/static")]
    pages += [client.get("/moderation/"), client.get("/moderation/comments/1/edit")]
    for response in pages:
        if response.mimetype != "text/html":
            continue
        soup = BeautifulSoup(response.data, "html.parser")
        assert soup.find("style") is None
        assert soup.find(style=True) is None
        for script in soup.find_all("script"):
            assert script.get("src") or script.get("type") == "application/ld+json"


@pytest.fixture
def production_app(tmp_path):
    class Prod(ProductionConfig):
        SECRET_KEY = "p" * 48
        EMAIL_ENCRYPTION_KEYS = generate_key()
        SITE_URL = "https://relief.example.org"
        SQLALCHEMY_DATABASE_URI = database_url(tmp_path)
        EMAIL_TEST_ENVIRONMENT = True
        COMMENTS_MIN_SECONDS = 0

    with app_on_fresh_database(Prod, with_article=True) as app:
        yield app


def test_production_sends_hsts_and_secure_cookies(production_app):
    client = production_app.test_client()
    page = client.get("/back-spasms/", base_url="https://relief.example.org")
    assert_security_headers(page, hsts=True)
    # The shared page: no cookie, no token; the form is guarded by where it is sent from.
    assert "Set-Cookie" not in page.headers
    assert page.headers["Cache-Control"].startswith("public")
    soup = BeautifulSoup(page.data, "html.parser")
    assert soup.find("input", attrs={"name": "csrf_token"}) is None
    stamp = soup.find("input", attrs={"name": "rendered_at"})["value"]
    response = client.post(
        "/back-spasms/",
        base_url="https://relief.example.org",
        headers={"Origin": "https://relief.example.org", "Sec-Fetch-Site": "same-origin"},
        data={
            "comment": "hello",
            "name": "Ada",
            "email": "ada@example.com",
            "rendered_at": stamp,
            "remember": "y",
        },
    )
    assert response.status_code == 303, response.data[:300]
    cookies = response.headers.getlist("Set-Cookie")
    assert {c.split("=", 1)[0] for c in cookies} == {"session", "relief_commenter"}
    for cookie in cookies:
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_oversized_request_gets_a_friendly_413(app, client, article):
    response = client.post("/back-spasms/", data={"comment": "x" * 70_000, "name": "Ada"})
    assert response.status_code == 413
    assert b"That was too much to send" in response.data
    with app.app_context():
        assert db.session.scalar(select(Comment)) is None


def test_a_maximal_comment_in_four_byte_characters_fits_under_the_cap(
    client, article, comment_form
):
    text = "\U0001f600" * 5000  # 20 kB of UTF-8, 60 kB once form-encoded
    response = client.post("/back-spasms/", data=comment_form(comment=text, name="\u4e2d" * 100))
    assert response.status_code == 303


def test_stored_text_is_exactly_what_was_sent_after_normalisation(
    app, client, article, comment_form
):
    sent = "  Caf\u0065\u0301 \u200fRTL\u200e and \U0001f600\r\nnext line \u200b end  "
    client.post("/back-spasms/", data=comment_form(comment=sent, name="Zo\u00eb"))
    with app.app_context():
        comment = db.session.scalar(select(Comment))
    assert comment.body == "Caf\u00e9 \u200fRTL\u200e and \U0001f600\nnext line \u200b end"
    assert comment.author_name == "Zo\u00eb"


# --- The real client address ----------------------------------------------------------


def test_forged_forwarded_for_does_not_reset_the_flood_counter(app, client, article, comment_form):
    app.config["COMMENTS_FLOOD_SECONDS"] = 15
    first = client.post(
        "/back-spasms/",
        data=comment_form(email="one@example.com", comment="one"),
        headers={"X-Forwarded-For": "203.0.113.1"},
    )
    second = client.post(
        "/back-spasms/",
        data=comment_form(email="two@example.com", comment="two"),
        headers={"X-Forwarded-For": "203.0.113.2"},
    )
    assert first.status_code == 303
    assert second.status_code == 429
    with app.app_context():
        assert db.session.scalar(select(Comment.ip)) == "127.0.0.1"


def test_forged_forwarded_for_does_not_reset_the_login_throttle(client, moderator):
    for n in range(5):
        client.post(
            "/auth/login",
            data={"email": f"guess{n}@example.com", "password": "x"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        )
    response = client.post(
        "/auth/login",
        data={"email": "other@example.com", "password": "x"},
        headers={"X-Forwarded-For": "198.51.100.1"},
    )
    assert response.status_code == 429


def test_configured_proxy_is_trusted_for_the_client_address(tmp_path, comment_form):
    with app_on_fresh_database(
        with_article=True,
        SQLALCHEMY_DATABASE_URI=database_url(tmp_path),
        TRUSTED_PROXY_COUNT=1,
        COMMENTS_FLOOD_SECONDS=15,
    ) as app:
        for n in (1, 2):  # two browsers behind the proxy, each from its own address
            response = app.test_client().post(
                "/back-spasms/",
                data=comment_form(email=f"p{n}@example.com", comment=f"via proxy {n}"),
                headers={"X-Forwarded-For": f"198.51.100.{n}"},
            )
            assert response.status_code == 303
        with app.app_context():
            stored = set(db.session.scalars(select(Comment.ip)))
        assert stored == {"198.51.100.1", "198.51.100.2"}


# --- Addresses come from SITE_URL, never from the request ----------------------------

# TestConfig's SITE_URL: the address the test client uses.
SITE = "http://localhost/"


@pytest.fixture(params=[0, 1], ids=["direct", "behind-a-proxy"])
def site(request, tmp_path):
    """The app served directly, then behind one trusted proxy (TRUSTED_PROXY_COUNT=1)."""
    with app_on_fresh_database(
        with_article=True,
        SQLALCHEMY_DATABASE_URI=database_url(tmp_path),
        TRUSTED_PROXY_COUNT=request.param,
    ) as app:
        yield app


HOSTILE_HOST_HEADERS = [
    {"Host": "attacker.example"},
    {"X-Forwarded-Host": "attacker.example", "X-Forwarded-Proto": "https"},
    {"Host": "attacker.example:8443", "X-Forwarded-Host": "attacker.example"},
]


def urls_in_json_ld(data) -> list[str]:
    if isinstance(data, dict):
        return [
            *(v for k, v in data.items() if k in ("url", "item") and isinstance(v, str)),
            *(url for v in data.values() for url in urls_in_json_ld(v)),
        ]
    if isinstance(data, list):
        return [url for v in data for url in urls_in_json_ld(v)]
    return []


@pytest.mark.parametrize("headers", HOSTILE_HOST_HEADERS)
@pytest.mark.parametrize("path", ["/", "/back-spasms/", "/back-spasms/remedy-2/"])
def test_page_addresses_ignore_a_hostile_host(site, headers, path):
    import json

    response = site.test_client().get(path, headers=headers)
    assert response.status_code == 200
    assert b"attacker" not in response.data
    soup = BeautifulSoup(response.data, "html.parser")
    expected = SITE + ("back-spasms/" if path == "/" else path.lstrip("/"))
    assert soup.find("link", rel="canonical")["href"] == expected
    assert soup.find("meta", property="og:url")["content"] == expected
    data = json.loads(soup.find("script", type="application/ld+json").string)
    assert data["url"] == expected
    assert all(url.startswith(SITE) for url in urls_in_json_ld(data))


@pytest.mark.parametrize("headers", HOSTILE_HOST_HEADERS)
def test_sitemap_and_robots_ignore_a_hostile_host(site, headers):
    import xml.etree.ElementTree as ET

    client = site.test_client()
    sitemap = client.get("/sitemap.xml", headers=headers)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = [loc.text for loc in ET.fromstring(sitemap.data).findall("s:url/s:loc", ns)]
    assert len(locations) == 9  # home, article, 3 remedies, 4 plain pages
    assert all(location.startswith(SITE) for location in locations), locations
    robots = client.get("/robots.txt", headers=headers).get_data(as_text=True)
    assert f"Sitemap: {SITE}sitemap.xml" in robots
    assert "attacker" not in robots


@pytest.mark.parametrize("headers", HOSTILE_HOST_HEADERS)
@pytest.mark.parametrize("path", ["/back-spasms", "/back-spasms/remedy-2", "/moderation"])
def test_routing_redirects_ignore_a_hostile_host(site, headers, path):
    """Found by an attack review: adding the slash redirected to the client's Host."""
    response = site.test_client().get(path + "?page=2", headers=headers)
    assert response.status_code == 308
    assert response.headers["Location"] == SITE + path.lstrip("/") + "/?page=2"


def test_a_hostile_host_cannot_poison_the_page_cache(site):
    client = site.test_client()
    for headers in HOSTILE_HOST_HEADERS:
        client.get("/back-spasms/", headers=headers)
    assert b"attacker" not in site.test_client().get("/back-spasms/").data


def test_absolute_urls_take_only_paths_of_this_site(app):
    from app.shared.origin import absolute_url

    with app.app_context():
        assert absolute_url("/back-spasms/") == SITE + "back-spasms/"
        for not_a_path in ("@attacker.example/", ".attacker.example/", "", "back-spasms/"):
            with pytest.raises(ValueError):
                absolute_url(not_a_path)


# --- CSRF, errors ---------------------------------------------------------------------


def test_moderation_posts_need_a_csrf_token(app, client, article, moderator, add_comment):
    cid = add_comment(status=CommentStatus.PENDING)
    moderator.login()
    app.config["WTF_CSRF_ENABLED"] = True
    for path, data in (
        (f"/moderation/comments/{cid}/approve", {}),
        (f"/moderation/comments/{cid}/approve", {"csrf_token": "forged"}),
        ("/moderation/bulk", {"ids": str(cid), "action": "approve"}),
        ("/auth/logout", {}),
    ):
        response = client.post(path, data=data)
        assert response.status_code == 400, path
        assert b"That form has expired" in response.data
    with app.app_context():
        assert db.session.get(Comment, cid).status is CommentStatus.PENDING
    assert client.get("/moderation/").status_code == 200  # still logged in


def test_unexpected_errors_are_logged_and_show_nothing_inside(
    app, client, article, monkeypatch, caplog
):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def explode(*args, **kwargs):
        raise RuntimeError("SELECT secret FROM /srv/relief/app.py")

    monkeypatch.setattr("app.comments.listing.list_comments", explode)
    with caplog.at_level(logging.ERROR):
        response = client.get("/back-spasms/")
    assert response.status_code == 500
    assert b"SELECT" not in response.data and b"/srv/" not in response.data
    assert b"Traceback" not in response.data
    assert "SELECT secret FROM /srv/relief/app.py" in caplog.text


# --- User text is inert everywhere ------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert(1)>",
    "javascript:alert(1)",
    "[x](javascript:alert(1))",
    "<a href='javascript:alert(1)'>x</a>",
    "<iframe src=//evil.example.com></iframe>",
    "' onmouseover='alert(1)",
    "<style>body{display:none}</style>",
    "<math><mi xlink:href=javascript:alert(1)>x</mi></math>",
    'https://e.com/"><script>alert(1)</script>',
    "{{ config.SECRET_KEY }} {% raw %}",
]


def inert(html: bytes, site_urls_ok: bool = True) -> None:
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(True):
        assert tag.name not in {"iframe", "math", "style", "object", "embed"}, tag
        for attribute, value in tag.attrs.items():
            assert not attribute.lower().startswith("on"), tag
            if attribute in {"href", "src", "action", "formaction", "xlink:href"}:
                scheme = urlsplit(str(value)).scheme
                assert scheme in {"", "http", "https"}, tag
        if tag.name == "script":
            assert tag.get("src") or tag.get("type") == "application/ld+json", tag
    assert "relief-test-secret" not in soup.get_text()


def test_hostile_text_is_inert_on_every_surface(
    app, client, article, moderator, comment_form, smtp_server
):
    for n, payload in enumerate(HOSTILE):
        data = comment_form(comment=f"{payload} {n}", name=payload[:100], email=f"h{n}@example.com")
        response = client.post("/back-spasms/", data=data)
        assert response.status_code in (303, 422), payload  # some names are refused
        if response.status_code == 422:
            inert(response.data)
            client.post("/back-spasms/", data={**data, "name": f"Hostile {n}"})
    moderator.login()
    with app.app_context():
        ids = list(db.session.scalars(select(Comment.id)))
    client.post("/moderation/bulk", data={"ids": [str(i) for i in ids], "action": "approve"})
    # A moderator's edit is a write path too.
    version = re.search(
        r'name="version" type="hidden" value="([^"]+)"',
        client.get(f"/moderation/comments/{ids[0]}/edit").get_data(as_text=True),
    )[1]
    edited = client.post(
        f"/moderation/comments/{ids[0]}/edit",
        data={"comment": HOSTILE[1], "name": HOSTILE[0], "website": "", "version": version},
    )
    assert edited.status_code == 303

    surfaces = [
        client.get("/back-spasms/").data,
        client.get("/moderation/?status=approved").data,
        client.get(f"/moderation/comments/{ids[0]}/edit").data,
        client.get(f"/moderation/comments/{ids[1]}/reply").data,
        app.test_client().get("/back-spasms/").data,
    ]
    for html in surfaces:
        inert(html)
    public = BeautifulSoup(surfaces[-1], "html.parser").get_text()
    assert HOSTILE[0] in public and HOSTILE[1] in public
    for message in smtp_server.messages:
        assert message.get_content_type() == "text/plain"
