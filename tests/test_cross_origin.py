"""The comment form's CSRF defence without a session: where the browser says the form
came from (Sec-Fetch-Site, else Origin) against SITE_URL, never the request's Host."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.extensions import db
from app.models import Comment
from app.shared.cross_origin import CrossSiteRequest, Origin, ensure_same_origin
from tests.conftest import app_on_fresh_database, database_url

SITE = "https://relief.example.org"
URL = "/back-spasms/"


def allowed(origin, fetch_site, site=SITE) -> bool:
    try:
        ensure_same_origin(origin, fetch_site, site)
    except CrossSiteRequest:
        return False
    return True


# --- The rule, as plain values ---------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "fetch_site"),
    [
        (None, None),  # curl, an old browser: the signed stamp still has to pass
        ("", ""),
        (SITE, None),
        ("https://relief.example.org:443", None),  # the default port is no port
        ("HTTPS://Relief.Example.ORG", None),
        (SITE, "same-origin"),
        (None, "same-origin"),
        (None, "none"),  # the reader's own action (a bookmark): no site can cause it
        ("https://elsewhere.example", "same-origin"),  # the browser's word decides, as in Go
        (f" {SITE}\t", None),
    ],
)
def test_same_origin_or_no_browser_says_otherwise_passes(origin, fetch_site):
    assert allowed(origin, fetch_site)


@pytest.mark.parametrize(
    ("origin", "fetch_site"),
    [
        ("https://attacker.example", None),
        ("null", None),
        ("http://relief.example.org", None),  # another scheme
        ("https://relief.example.org:8443", None),  # another port
        ("https://www.relief.example.org", None),  # a sibling host
        ("https://relief.example.org.attacker.example", None),
        ("https://relief.example.org@attacker.example", None),
        ("https://attacker.example#https://relief.example.org", None),
        ("https://relief.example.org/", None),  # not how a browser writes an origin
        ("https://relief.example.org, https://attacker.example", None),  # two headers
        ("https://relief.example.org\r\nSec-Fetch-Site: same-origin", None),
        ("https://relief.example.org:0", None),
        ("https://relief.example.org:99999", None),
        ("https://relief.example.org:-1", None),
        ("chrome-extension://abcdef", None),
        ("file://", None),
        (SITE, "cross-site"),  # a matching Origin does not outvote the browser
        (SITE, "same-site"),
        (None, "cross-site"),
        (None, "same-site"),
        (None, "Same-Origin"),
        (None, "same-origin, cross-site"),
        (None, "same-origin\r\nX: y"),
        (None, "garbage"),
    ],
)
def test_a_browser_that_says_another_site_is_refused(origin, fetch_site):
    assert not allowed(origin, fetch_site)


def test_an_ipv6_site_matches_its_origin():
    site = "http://[::1]:8000"
    assert allowed("http://[::1]:8000", None, site)
    assert not allowed("http://[::2]:8000", None, site)
    assert not allowed("http://[::1]", None, site)


HOSTS = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z0-9]{1,8}){0,3}", fullmatch=True)
ORIGINS = st.builds(
    lambda scheme, host, port: f"{scheme}://{host}" + (f":{port}" if port else ""),
    st.sampled_from(["http", "https"]),
    HOSTS,
    st.one_of(st.none(), st.integers(1, 65535)),
)


@given(ORIGINS)
def test_an_origin_reads_back_as_itself(origin):
    parsed = Origin.parse(origin)
    assert parsed is not None
    default = {"http": 80, "https": 443}[parsed.scheme]
    port = "" if parsed.port == default else f":{parsed.port}"
    assert Origin.parse(f"{parsed.scheme}://{parsed.host}{port}") == parsed


@given(ORIGINS, ORIGINS)
def test_only_the_sites_own_origin_passes_without_fetch_metadata(site, origin):
    assert allowed(origin, None, site) == (Origin.parse(origin) == Origin.parse(site))


@given(st.one_of(st.none(), ORIGINS, st.text(max_size=60)), st.text(min_size=1, max_size=30))
def test_fetch_metadata_decides_whenever_it_is_sent(origin, fetch_site):
    if not fetch_site.strip(" \t"):
        return  # blank is absent (as in Go): Origin decides, tested above
    expected = fetch_site.strip(" \t") in {"same-origin", "none"}
    assert allowed(origin, fetch_site) == expected


@given(st.text(max_size=80))
def test_any_origin_text_that_is_not_the_site_is_refused(origin):
    if origin.strip(" \t") and Origin.parse(origin.strip(" \t")) != Origin.parse(SITE):
        assert not allowed(origin, None)


# --- Over HTTP -------------------------------------------------------------------------


@pytest.fixture
def site(app, article):
    """The test app with SITE_URL as in production."""
    app.config["SITE_URL"] = SITE
    return app


def comments(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Comment))


def send(app, comment_form, headers, **kwargs):
    data = comment_form(comment="Kept, whatever happens.")
    return app.test_client().post(
        URL, data=data, headers=headers, base_url=kwargs.pop("base_url", SITE), **kwargs
    )


def assert_refused_kindly(response) -> None:
    assert response.status_code == 403
    assert response.headers["Cache-Control"] == "private, no-store"
    soup = BeautifulSoup(response.data, "html.parser")
    summary = soup.find(id="error-summary").get_text()
    assert "sent from a page on another website" in summary
    assert soup.find("textarea", id="comment").get_text().strip() == "Kept, whatever happens."
    assert soup.find("input", id="name")["value"] == "Ada Reader"


HOSTILE = {
    "wrong origin": {"Origin": "https://attacker.example"},
    "other port": {"Origin": "https://relief.example.org:8443"},
    "other scheme": {"Origin": "http://relief.example.org"},
    "null": {"Origin": "null"},
    "cross-site with matching origin": {"Origin": SITE, "Sec-Fetch-Site": "cross-site"},
    "same-site": {"Origin": "https://blog.example.org", "Sec-Fetch-Site": "same-site"},
    "two origins": {"Origin": f"{SITE}, https://attacker.example"},
    "user info": {"Origin": "https://relief.example.org@attacker.example"},
}


@pytest.mark.parametrize("headers", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_headers_are_refused_kindly_over_http(site, comment_form, headers):
    assert_refused_kindly(send(site, comment_form, headers))
    assert comments(site) == 0


def test_both_origin_headers_sent_twice_are_refused(site, comment_form):
    headers = [("Origin", SITE), ("Origin", "https://attacker.example")]
    assert_refused_kindly(send(site, comment_form, headers))
    headers = [("Sec-Fetch-Site", "same-origin"), ("Sec-Fetch-Site", "cross-site")]
    assert_refused_kindly(send(site, comment_form, headers))
    assert comments(site) == 0


@pytest.mark.parametrize(
    "host", ["attacker.example", "attacker.example:443", "relief.example.org.attacker.example"]
)
def test_the_host_header_never_decides(site, comment_form, host):
    """The origin comes from SITE_URL only: a spoofed Host matching a hostile Origin is
    still refused, and a spoofed Host does not stop the site's own origin."""
    spoofed = {"Host": host, "Origin": f"https://{host}"}
    assert_refused_kindly(send(site, comment_form, spoofed))
    assert comments(site) == 0
    own = {"Host": host, "Origin": SITE}
    assert send(site, comment_form, own).status_code == 303
    assert comments(site) == 1


def test_a_forwarded_host_from_a_trusted_proxy_never_decides(tmp_path, comment_form):
    """TRUSTED_PROXY_HOST lets X-Forwarded-Host set the request's host; the check
    still compares with SITE_URL alone."""
    with app_on_fresh_database(
        with_article=True,
        SQLALCHEMY_DATABASE_URI=database_url(tmp_path),
        TRUSTED_PROXY_COUNT=1,
        TRUSTED_PROXY_HOST=True,
        SITE_URL=SITE,
    ) as app:
        forwarded = {"X-Forwarded-Host": "attacker.example", "X-Forwarded-Proto": "https"}
        hostile = {**forwarded, "Origin": "https://attacker.example"}
        assert_refused_kindly(send(app, comment_form, hostile))
        assert send(app, comment_form, {**forwarded, "Origin": SITE}).status_code == 303


def test_a_same_origin_browser_post_is_taken(site, comment_form):
    headers = {"Origin": SITE, "Sec-Fetch-Site": "same-origin"}
    response = send(site, comment_form, headers)
    assert response.status_code == 303
    assert comments(site) == 1


def test_a_cross_site_post_to_a_closed_page_stores_nothing(site, comment_form):
    from sqlalchemy import text

    with site.app_context():
        db.session.execute(text("UPDATE articles SET commenting = 'closed'"))
        db.session.commit()
    assert send(site, comment_form, {"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert comments(site) == 0


def test_the_session_forms_keep_their_tokens(site, client, add_comment, moderator):
    """Only the public comment form left Flask-WTF's tokens: the report form and the
    login (and with them moderation and one's own comments) still refuse a post without
    one, even one that says it came from this site."""
    site.config["WTF_CSRF_ENABLED"] = True
    cid = add_comment()
    headers = {"Origin": SITE, "Sec-Fetch-Site": "same-origin"}
    report = client.post(f"/report/{cid}", data={"reason": "spam"}, headers=headers)
    assert report.status_code == 400
    login = client.post(
        "/auth/login", data={"email": moderator.email, "password": "x"}, headers=headers
    )
    assert login.status_code == 400
    assert b"The login form expired" in login.data
