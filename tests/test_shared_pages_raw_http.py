"""The shared pages and the comment form's origin check over a real gunicorn, where the
raw headers matter (outside review of issue 15): headers a client may send twice, empty,
or under a name gunicorn might map to SCRIPT_NAME."""

from __future__ import annotations

import re
import socket

import pytest

from tests.test_server_durability import Server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("raw-http"))
    server.setup()
    server.start()
    yield server
    server.stop_and_check()


def send(server, request: bytes) -> tuple[str, str, bytes]:
    """Send ``request`` as is; return the status line, the headers and the body."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status, _, headers = head.decode("latin-1").partition("\r\n")
    return status, headers, body


def article_path(server) -> bytes:
    _, _, body = send(server, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    return re.search(rb'<form[^>]*class="comment-form"[^>]*action="(/[a-z0-9-]+/)', body)[1]


@pytest.mark.parametrize(
    "extra",
    [
        b"SCRIPT_NAME: /evil\r\n",
        b"Script-Name: /evil\r\n",
        b"X-Forwarded-Prefix: /evil\r\nX-Forwarded-Host: evil.example\r\n",
        b"Cookie: \r\n",
    ],
)
def test_the_shared_page_ignores_what_the_client_may_not_decide(server, extra):
    path = article_path(server)
    get = b"GET " + path + b" HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n"
    status, headers, body = send(server, get + extra + b"\r\n")
    assert status == "HTTP/1.1 200 OK"
    assert "set-cookie" not in headers.lower()
    assert b"/evil" not in body and b"evil.example" not in body
    head = b"HEAD" + get[3:]
    status, headers, body = send(server, head + extra + b"\r\n")
    assert status == "HTTP/1.1 200 OK" and body == b""


@pytest.mark.parametrize(
    "extra",
    [
        b"Origin: {site}\r\nOrigin: https://attacker.example\r\n",
        b"Sec-Fetch-Site: same-origin\r\nSec-Fetch-Site: cross-site\r\n",
        b"Origin: https://attacker.example\r\nSec-Fetch-Site: \r\n",
        b"Origin: {site}/\r\n",
        b"Origin:  null\r\n",
    ],
)
def test_raw_hostile_origins_are_refused(server, extra):
    form = b"comment=Buy+now&name=Spam&email=spam%40example.com&rendered_at=x"
    request = (
        b"POST " + article_path(server) + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        + extra.replace(b"{site}", server.url.encode())
        + b"Content-Length: "
        + str(len(form)).encode()
        + b"\r\n\r\n"
        + form
    )
    status, _, body = send(server, request)
    assert status == "HTTP/1.1 403 FORBIDDEN"
    assert b"sent from a page on another website" in body
