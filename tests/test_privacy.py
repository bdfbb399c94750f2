"""The commenter's email never reaches the public."""

from __future__ import annotations

import hashlib

from app.models import CommentStatus

SENTINEL = "leak-7f3a@example.test"


def public_urls(client) -> list[str]:
    """Every public page a reader can reach, from the sitemap, plus error pages."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(client.get("/sitemap.xml").data)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = [loc.text.replace("http://localhost", "") for loc in root.findall("s:url/s:loc", ns)]
    return [*urls, "/sitemap.xml", "/robots.txt", "/nope/", "/back-spasms/?page=2"]


def forms_of(email: str) -> list[bytes]:
    lowered = email.lower().encode()
    return [
        email.encode(),
        lowered,
        hashlib.md5(lowered).hexdigest().encode(),
        hashlib.sha1(lowered).hexdigest().encode(),
        hashlib.sha256(lowered).hexdigest().encode(),
        email.split("@")[0].encode(),
    ]


def test_sentinel_email_appears_in_no_public_response(app, article, add_comment):
    root = add_comment(email=SENTINEL, name="Leaky", body="approved words")
    add_comment(email=SENTINEL, parent=root, body="a reply")
    add_comment(email=SENTINEL, remedy_slug="remedy-2")
    add_comment(email=SENTINEL, status=CommentStatus.PENDING)
    reader = app.test_client()
    urls = public_urls(reader)
    assert "/back-spasms/remedy-2/" in urls
    for url in urls:
        response = reader.get(url)
        raw = response.get_data() + str(response.headers).encode()
        for form in forms_of(SENTINEL):
            assert form not in raw, (url, form)
    assert b"approved words" in reader.get("/back-spasms/").data


def test_email_is_not_in_the_commenters_own_session_cookie(client, article, comment_form):
    response = client.post("/back-spasms/", data=comment_form(email=SENTINEL))
    session_cookie = next(h for h in response.headers.getlist("Set-Cookie") if "session=" in h)
    import base64

    payload = session_cookie.split("=", 1)[1].split(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    assert SENTINEL.encode() not in decoded
    assert b"leak-7f3a" not in decoded
