"""Comment text becomes safe HTML; avatars come from a keyed hash."""

from __future__ import annotations

import hashlib

import pytest
from bs4 import BeautifulSoup

from app.comments.avatars import identicon
from app.comments.text import find_links, render_comment
from app.crypto import email_digest


def test_plain_text_is_escaped():
    html = render_comment("<script>alert(1)</script> & <b>bold</b>")
    soup = BeautifulSoup(html, "html.parser")
    assert [tag.name for tag in soup.find_all(True)] == ["p"]
    assert soup.get_text() == "<script>alert(1)</script> & <b>bold</b>"


def test_paragraphs_and_line_breaks_are_kept():
    html = render_comment("One\ntwo\n\nThree")
    assert html == "<p>One<br>\ntwo</p><p>Three</p>"


def test_urls_become_nofollow_links():
    soup = BeautifulSoup(render_comment("See https://example.com/a?b=1&c=2 now"), "html.parser")
    link = soup.a
    assert link["href"] == "https://example.com/a?b=1&c=2"
    assert link["rel"] == ["nofollow", "ugc", "noopener"]
    assert link.get_text() == "https://example.com/a?b=1&c=2"


def test_bare_domains_link_with_http():
    soup = BeautifulSoup(render_comment("visit example.org"), "html.parser")
    assert soup.a["href"] == "http://example.org"


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        "[click](javascript:alert(1))",
        "data:text/html;base64,PHNjcmlwdD4=",
        "mailto:someone@example.com",
        "someone@example.com",
        "vbscript:msgbox",
    ],
)
def test_only_http_links_are_made(text):
    soup = BeautifulSoup(render_comment(text), "html.parser")
    assert soup.find("a") is None
    assert soup.get_text() == text


def test_markdown_link_with_http_target_links_only_the_url():
    soup = BeautifulSoup(render_comment("[x](https://e.com/)"), "html.parser")
    assert [a["href"] for a in soup.find_all("a")] == ["https://e.com/"]
    assert soup.get_text() == "[x](https://e.com/)"


def test_quote_in_url_cannot_break_out_of_the_attribute():
    soup = BeautifulSoup(render_comment('https://e.com/"onmouseover="alert(1)'), "html.parser")
    for tag in soup.find_all(True):
        assert not any(name.startswith("on") for name in tag.attrs)


def test_find_links_counts_http_and_bare_domains_only():
    links = find_links("https://a.com b.org mailto:x@y.com javascript:alert(1)")
    assert [link.url for link in links] == ["https://a.com", "http://b.org"]


def test_digest_is_keyed_and_not_a_plain_hash():
    email = "ada@example.com"
    one = email_digest(b"key-one", email)
    assert one == email_digest(b"key-one", email)
    assert one != email_digest(b"key-two", email)
    for plain in (hashlib.md5, hashlib.sha1, hashlib.sha256):
        assert one != plain(email.encode()).hexdigest()


def test_identicon_is_stable_symmetric_and_varied():
    a = identicon("a" * 64)
    assert a == identicon("a" * 64)
    for x, y in a.cells:
        assert (4 - x, y) in a.cells
    assert len({identicon(f"{n:064x}") for n in range(20)}) > 15
