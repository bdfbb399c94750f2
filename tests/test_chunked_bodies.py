"""Request bodies sent with ``Transfer-Encoding: chunked`` (no Content-Length) on real
servers: over MAX_CONTENT_LENGTH they get the friendly 413 and nothing is stored, never a
form cut at the limit; under it they work like any other request.

The requests are written by hand on a socket, as an attacker (or an unusual client)
would send them.  Werkzeug's development server and gunicorn both decode the chunks and
set ``wsgi.input_terminated``.
"""

from __future__ import annotations

import http.client
import re
import socket
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Comment, CommentStatus, ModerationEvent
from tests.conftest import MODERATOR_PASSWORD, about_comments
from tests.test_server_durability import Commenter, Server

ARTICLE = "/back-spasms/"
LIMIT = 64 * 1024


def chunked_post(
    base_url: str, path: str, body: bytes, cookie: str = "", chunk_size: int = 4096
) -> tuple[int, str, http.client.HTTPResponse]:
    """POST ``body`` in chunks of ``chunk_size`` bytes; return status, text and response.

    If the server answers before reading everything, the rest is not sent and its answer
    is read all the same (as a browser would show it).
    """
    url = urlsplit(base_url)
    head = [
        f"POST {path} HTTP/1.1",
        f"Host: {url.netloc}",
        "Content-Type: application/x-www-form-urlencoded",
        "Transfer-Encoding: chunked",
        "Connection: close",
    ]
    if cookie:
        head.append(f"Cookie: {cookie}")
    sock = socket.create_connection((url.hostname, url.port), timeout=30)
    try:
        try:
            sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
            for start in range(0, len(body), chunk_size):
                part = body[start : start + chunk_size]
                sock.sendall(b"%x\r\n%s\r\n" % (len(part), part))
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        response = http.client.HTTPResponse(sock)
        response.begin()
        text = response.read().decode("utf-8", "replace")
        return response.status, text, response
    finally:
        sock.close()


def padded(fields: dict[str, str], size: int) -> bytes:
    """Form-encode ``fields`` and a last ``pad`` field so the body is ``size`` bytes."""
    body = urlencode(fields).encode() + b"&pad="
    assert len(body) <= size
    return body + b"p" * (size - len(body))


@pytest.fixture
def live(app, live_server, article):
    """The live test server, with the article to comment on.  The raw bodies here carry
    no CSRF token (what is tested is the size); CSRF is proven in test_security.py."""
    app.config["WTF_CSRF_ENABLED"] = False
    return live_server


def stored(app) -> list[Comment]:
    with app.app_context():
        return list(db.session.scalars(select(Comment)))


@pytest.mark.parametrize("chunk_size", [4096, LIMIT + 10])
def test_a_chunked_comment_over_the_limit_gets_the_friendly_413(
    app, live, comment_form, chunk_size
):
    body = padded(comment_form(comment="Sent in chunks."), LIMIT + 1)
    status, text, _ = chunked_post(live, ARTICLE, body, chunk_size=chunk_size)
    assert status == 413
    assert "That was too much to send" in text
    assert stored(app) == []


def test_a_chunked_body_of_megabytes_gets_the_413_without_being_read(app, live, comment_form):
    body = padded(comment_form(comment="Far too much."), 4_000_000)
    status, text, _ = chunked_post(live, ARTICLE, body, chunk_size=16384)
    assert status == 413
    assert "That was too much to send" in text
    assert stored(app) == []


def send_raw(base_url: str, request: bytes) -> tuple[int, str]:
    url = urlsplit(base_url)
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        sock.sendall(request)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, response.read().decode("utf-8", "replace")


BROKEN_CHUNKS = (
    b"POST %s HTTP/1.1\r\nHost: localhost\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\n"
    b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    b"9\r\ncomment=a\r\nzz\r\nbroken\r\n0\r\n\r\n"
)


def test_broken_chunks_are_a_friendly_400_not_a_partial_form(app, live):
    status, text = send_raw(live, BROKEN_CHUNKS % ARTICLE.encode())
    assert status == 400
    assert "Something in that request was not right" in text
    assert stored(app) == []


def test_a_chunked_comment_cut_inside_its_text_is_refused_not_stored_cut(app, live, comment_form):
    text = "\U0001f600" * 5000  # 60 kB once form-encoded, so the body ends past the limit
    fields = comment_form(name="N" * 100, website="https://example.com/" + "w" * 150)
    del fields["comment"]
    # The comment last, so that a cut at 64 kB lands inside it.
    body = b"x=" + b"y" * 5500 + b"&" + urlencode({**fields, "comment": text}).encode()
    assert LIMIT < len(body) < LIMIT + 2000
    status, _, _ = chunked_post(live, ARTICLE, body)
    assert status == 413
    assert stored(app) == []


def test_a_chunked_comment_at_exactly_the_limit_is_taken_whole(app, live, comment_form):
    text = "\U0001f600" * 5000
    body = padded(comment_form(comment=text), LIMIT)
    status, _, response = chunked_post(live, ARTICLE, body)
    assert status == 303, status
    assert "#comment-" in response.getheader("Location")
    [comment] = stored(app)
    assert comment.body == text


def test_a_small_chunked_comment_works(app, live, comment_form):
    body = urlencode(comment_form(comment="Small and chunked.")).encode()
    status, _, _ = chunked_post(live, ARTICLE, body, chunk_size=7)
    assert status == 303
    assert [c.body for c in stored(app)] == ["Small and chunked."]


def login_cookie(base_url: str) -> str:
    """Log the test moderator in over HTTP; return the session cookie."""
    url = urlsplit(base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.request(
        "POST",
        "/auth/login",
        body=urlencode({"email": "mod@example.com", "password": MODERATOR_PASSWORD}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    response = conn.getresponse()
    response.read()
    assert response.status == 303
    cookies = [v for k, v in response.getheaders() if k.lower() == "set-cookie"]
    conn.close()
    session = next(c for c in cookies if c.startswith("session="))
    return re.match(r"([^;]+)", session)[1]


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/moderation/bulk", {"ids": "1", "action": "approve", "next": "/moderation/"}),
        ("/moderation/comments/1/approve", {"expected": "pending", "next": "/moderation/"}),
    ],
)
def test_a_chunked_moderation_post_over_the_limit_changes_nothing(
    app, live, moderator, add_comment, path, fields
):
    cid = add_comment(status=CommentStatus.PENDING)
    assert cid == 1
    cookie = login_cookie(live)
    status, text, _ = chunked_post(live, path, padded(fields, LIMIT + 1), cookie=cookie)
    assert status == 413
    assert "That was too much to send" in text
    with app.app_context():
        assert db.session.get(Comment, cid).status is CommentStatus.PENDING
        query = select(func.count()).select_from(ModerationEvent).where(about_comments())
        assert db.session.scalar(query) == 0
    # The same action under the limit, chunked, is done.
    status, _, _ = chunked_post(live, path, padded(fields, LIMIT), cookie=cookie)
    assert status == 303
    with app.app_context():
        assert db.session.get(Comment, cid).status is CommentStatus.APPROVED


# --- gunicorn, the production server ---------------------------------------------------


def test_gunicorn_refuses_a_chunked_body_over_the_limit_and_takes_one_under_it(tmp_path):
    server = Server(tmp_path)
    server.setup()
    try:
        server.start()
        commenter = Commenter(server.url)
        cookie = "; ".join(f"{k}={v}" for k, v in commenter.session.cookies.items())
        fields = {
            "comment": "Chunked through gunicorn.",
            "name": "Chunky",
            "email": "chunky@example.com",
            "rendered_at": commenter.stamp,
        }
        page = "/relieve-back-spasms/"
        status, text, _ = chunked_post(server.url, page, padded(fields, LIMIT + 1), cookie)
        assert status == 413
        assert "That was too much to send" in text
        assert server.rows("SELECT body FROM comments") == []

        status, _, _ = chunked_post(server.url, page, padded(fields, LIMIT), cookie)
        assert status == 303
        assert server.rows("SELECT body FROM comments") == [("Chunked through gunicorn.",)]

        status, _ = send_raw(server.url, BROKEN_CHUNKS % page.encode())
        assert status == 400  # gunicorn's own answer to a malformed chunk
        assert "Traceback" not in server.log.read_text()
    finally:
        server.stop()
    server.stop_and_check()
