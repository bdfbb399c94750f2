"""Manage your comments by email, without an account: the same answer for every
address, throttles, a single-use link valid for an hour, and a page that lists, deletes
and exports everything stored under the address."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from app.db import write_transaction
from app.extensions import db
from app.models import (
    Article,
    Comment,
    CommentStatus,
    ManageRequest,
    ManageToken,
    ModerationEvent,
    Subscription,
    utcnow,
)
from tests.test_reply_notifications import ADA, body_of, drain, expect, mail_to, settle

MANAGE = "/comments/manage/"
YOURS = "/comments/manage/yours"


def ask(client, email: str, ip: str = "198.51.100.1", **extra):
    return client.post(MANAGE, data={"email": email, **extra}, environ_base={"REMOTE_ADDR": ip})


def manage_link(smtp, email: str, count: int = 1) -> str:
    """The link in the ``count``-th manage email to ``email`` (waiting for it)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        links = [m for m in mail_to(smtp, email) if "Your link to manage" in m["Subject"]]
        if len(links) >= count:
            break
        time.sleep(0.02)
    assert len(links) >= count, f"{len(links)} of {count} manage emails reached {email}"
    message = links[count - 1]
    match = re.search(r"(http://localhost/comments/manage/open/\S+)", body_of(message))
    assert match, body_of(message)
    return match.group(1).replace("http://localhost", "")


def open_visit(app, smtp, email: str = ADA, count: int = 1):
    """A browser that asked for a link (the ``count``-th) and used it: it sees YOURS."""
    browser = app.test_client()
    assert ask(browser, email).status_code == 303
    link = manage_link(smtp, email, count)
    response = browser.post(link)
    assert response.status_code == 303 and response.headers["Location"].endswith(YOURS)
    return browser


@pytest.fixture
def ada_comments(app, article, add_comment):
    """Ada's comments in every state, on two pages; a reply by someone else to one."""
    ids = {
        "approved": add_comment(email=ADA, name="Ada", body="Ada approved"),
        "pending": add_comment(
            email=ADA, name="Ada", body="Ada pending", status=CommentStatus.PENDING
        ),
        "spam": add_comment(email=ADA, name="Ada", body="Ada spam", status=CommentStatus.SPAM),
        "remedy": add_comment(
            email=ADA, name="Ada", body="Ada on a remedy", remedy_slug="remedy-2"
        ),
    }
    ids["reply"] = add_comment(email="bob@example.com", body="Bob answers", parent=ids["approved"])
    add_comment(email="carol@example.com", body="Carol's own words")
    return ids


# --- Asking: the same answer for every address ---------------------------------------------


def test_the_manage_page_asks_for_an_address(client):
    response = client.get(MANAGE)
    assert response.status_code == 200
    soup = BeautifulSoup(response.data, "html.parser")
    assert soup.h1.get_text() == "Manage your comments"
    assert soup.find("input", attrs={"name": "email", "type": "email"})
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "noindex" in response.headers["X-Robots-Tag"]


def test_known_and_unknown_addresses_get_the_same_answer(app, ada_comments, smtp_server):
    known = ask(app.test_client(), ADA)
    unknown = ask(app.test_client(), "nobody@example.com", ip="198.51.100.2")
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"]
    assert known.get_data() == unknown.get_data()
    assert set(known.headers.keys()) == set(unknown.headers.keys())
    a = app.test_client().get(known.headers["Location"])
    b = app.test_client().get(unknown.headers["Location"])
    assert a.status_code == b.status_code == 200
    assert a.get_data() == b.get_data()
    assert "Check your email" in a.get_data(as_text=True)
    with app.app_context():  # the same work on the request path: one request row each
        assert db.session.scalar(select(func.count()).select_from(ManageRequest)) == 2

    settle(app)
    assert [m["X-RcptTo"] for m in smtp_server.messages] == [ADA]
    message = smtp_server.messages[0]
    body = body_of(message)
    assert ADA not in body and "works once, for 60 minutes" in body
    with app.app_context():  # the addresses are not kept once answered
        assert set(db.session.scalars(select(ManageRequest.email))) == {""}


def test_an_address_with_only_a_subscription_gets_a_link(app, article, smtp_server):
    with app.app_context(), write_transaction():
        db.session.add(
            Subscription(key="k" * 20, email_digest=_digest(app, ADA), email=ADA, confirm_nonce="n")
        )
    ask(app.test_client(), ADA)
    assert manage_link(smtp_server, ADA)


def _digest(app, email):
    from app.crypto import digest_of

    with app.test_request_context():
        return digest_of(email)


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter the email address you used"),
        ("not an address", "Enter an email address like name@example.com."),
        ("a" * 300 + "@example.com", "254 characters or fewer"),
        ("ada\u200b@example.com", "invisible"),
    ],
)
def test_a_bad_address_is_refused_kindly_and_kept(app, client, email, message):
    response = ask(client, email)
    assert response.status_code == 422
    soup = BeautifulSoup(response.data, "html.parser")
    assert message in soup.find(id="error-summary").get_text()
    assert soup.find("input", attrs={"name": "email"})["value"] == email


def test_a_missing_csrf_token_is_refused_kindly_and_keeps_the_address(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    response = ask(client, ADA)
    assert response.status_code == 400
    soup = BeautifulSoup(response.data, "html.parser")
    assert "Your session expired" in soup.find(id="error-summary").get_text()
    assert soup.find("input", attrs={"name": "email"})["value"] == ADA
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ManageRequest)) == 0


def test_asking_is_throttled_per_network(app, client):
    app.config["MANAGE_MAX_PER_NETWORK"] = 2
    assert ask(client, "a@example.com", ip="2001:db8:1:2::1").status_code == 303
    assert ask(client, "b@example.com", ip="2001:db8:1:2::99").status_code == 303
    refused = ask(client, "c@example.com", ip="2001:db8:1:2::abc")  # the same /64
    assert refused.status_code == 429
    assert 3000 < int(refused.headers["Retry-After"]) <= 3600
    soup = BeautifulSoup(refused.data, "html.parser")
    assert "Please wait 60 minutes" in soup.find(id="error-summary").get_text()
    assert soup.find("input", attrs={"name": "email"})["value"] == "c@example.com"
    assert ask(client, "c@example.com", ip="2001:db8:9::1").status_code == 303


def test_asking_is_throttled_per_address_without_saying_so(app, ada_comments, smtp_server):
    app.config["MANAGE_MAX_PER_ADDRESS"] = 2
    answers = [ask(app.test_client(), ADA, ip=f"198.51.100.{n}") for n in range(1, 5)]
    assert {a.status_code for a in answers} == {303}
    assert len({a.get_data() for a in answers}) == 1
    settle(app)
    assert len(mail_to(smtp_server, ADA)) == 2


# --- The link ------------------------------------------------------------------------------


def test_the_link_is_a_page_with_a_button_and_works_once(app, ada_comments, smtp_server):
    browser = app.test_client()
    ask(browser, ADA)
    link = manage_link(smtp_server, ADA)
    scanner = app.test_client()
    for _ in range(2):  # a mail scanner or link preview opens it: nothing is used up
        page = scanner.get(link)
        assert page.status_code == 200 and "Show my comments" in page.get_data(as_text=True)
        assert page.headers["Referrer-Policy"] == "same-origin"
    opened = browser.post(link)
    assert opened.status_code == 303
    assert browser.get(YOURS).status_code == 200

    for other in (scanner, browser, app.test_client()):
        again = other.post(link)
        assert again.status_code == 410
        assert "already been used" in again.get_data(as_text=True)
        assert other.get(link).status_code == 410
    assert scanner.get(YOURS).status_code == 403  # the one browser that used it


def test_the_link_expires(app, ada_comments, smtp_server):
    ask(app.test_client(), ADA)
    link = manage_link(smtp_server, ADA)
    with app.app_context(), write_transaction():
        token = db.session.scalar(select(ManageToken))
        token.expires_at = utcnow() - timedelta(seconds=1)
    response = app.test_client().post(link)
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)
    app.config["MANAGE_LINK_MINUTES"] = -1  # the signature's own age limit
    response = app.test_client().get(link)
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)


def test_the_visit_ends_after_the_hour_and_when_done(app, ada_comments, smtp_server):
    browser = open_visit(app, smtp_server)
    with app.app_context(), write_transaction():
        db.session.scalar(select(ManageToken)).grant_expires_at = utcnow() - timedelta(seconds=1)
    over = browser.get(YOURS)
    assert over.status_code == 403
    assert "Please ask for a new link" in over.get_data(as_text=True)

    browser = open_visit(app, smtp_server, count=2)
    done = browser.post(YOURS + "/done")
    assert done.status_code == 303
    assert browser.get(YOURS).status_code == 403


@pytest.mark.parametrize(
    "signed",
    ["x", "a" * 4000, "Ijk5OSI.forged.sig", "\u202e", "%0d%0aX:y", "e30"],
)
def test_forged_links_are_refused_kindly(app, client, signed):
    for method in ("get", "post"):
        response = getattr(client, method)(f"/comments/manage/open/{signed}")
        assert response.status_code in (404, 410)
        if response.status_code == 410:
            assert "Ask for a new link" in response.get_data(as_text=True)


def test_the_link_post_needs_its_csrf_token(app, ada_comments, smtp_server):
    ask(app.test_client(), ADA)
    link = manage_link(smtp_server, ADA)
    app.config["WTF_CSRF_ENABLED"] = True
    assert app.test_client().post(link).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(ManageToken)).used_at is None


# --- The page of one's comments -------------------------------------------------------------


def test_the_page_lists_every_comment_of_the_address_and_no_other(app, ada_comments, smtp_server):
    browser = open_visit(app, smtp_server)
    page = browser.get(YOURS)
    assert page.headers["Cache-Control"] == "private, no-store"
    assert page.headers["Referrer-Policy"] == "same-origin"
    text = page.get_data(as_text=True)
    for body in ("Ada approved", "Ada pending", "Ada spam", "Ada on a remedy"):
        assert body in text
    assert "Bob answers" not in text and "Carol" not in text
    assert "bob@example.com" not in text and "carol@example.com" not in text
    soup = BeautifulSoup(text, "html.parser")
    assert soup.find(id="list-title").get_text() == "4 comments"
    assert "Waiting for a moderator" in text and "marked as spam" in text
    assert ADA in text  # the owner sees the address the comments were sent with


def test_delete_one_asks_then_deletes_and_keeps_the_thread(app, ada_comments, smtp_server):
    browser = open_visit(app, smtp_server)
    target = ada_comments["approved"]
    question = browser.get(f"{YOURS}/{target}/delete")
    assert question.status_code == 200 and "Delete this comment?" in question.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Comment, target).deleted_at is None

    done = browser.post(f"{YOURS}/{target}/delete")
    assert done.status_code == 303
    assert "Your comment was deleted." in browser.get(YOURS).get_data(as_text=True)
    public = app.test_client().get("/back-spasms/").get_data(as_text=True)
    assert "This comment was removed." in public and "Bob answers" in public
    assert "Ada approved" not in public
    with app.app_context():
        tomb = db.session.get(Comment, target)
        assert (tomb.author_name, tomb.author_email, tomb.body) == ("", "", "")
        article = db.session.scalar(select(Article))
        assert article.comment_count == 2  # Bob's reply and Carol's comment
        event = db.session.scalar(select(ModerationEvent))
        assert event.moderator_email == "the commenter (email link)"
        assert "Ada" not in event.detail and ADA not in event.detail

    lone = ada_comments["pending"]
    browser.post(f"{YOURS}/{lone}/delete")
    with app.app_context():
        assert db.session.get(Comment, lone) is None


def test_no_one_can_delete_a_comment_of_another_address(app, ada_comments, smtp_server):
    browser = open_visit(app, smtp_server)
    bobs = ada_comments["reply"]
    assert browser.get(f"{YOURS}/{bobs}/delete").status_code == 404
    response = browser.post(f"{YOURS}/{bobs}/delete")
    assert response.status_code == 303
    assert "was not found" in browser.get(YOURS).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Comment, bobs).status is CommentStatus.APPROVED


@pytest.mark.parametrize("bad", ["0", "99999999999", "-1", "abc", "1.5", "%C2%B2"])
def test_bad_comment_ids_are_a_404(app, ada_comments, smtp_server, bad):
    browser = open_visit(app, smtp_server)
    assert browser.get(f"{YOURS}/{bad}/delete").status_code == 404
    assert browser.post(f"{YOURS}/{bad}/delete").status_code == 404


def test_delete_all_follows_the_erase_rules(app, ada_comments, smtp_server):
    browser = open_visit(app, smtp_server)
    question = browser.get(YOURS + "/delete-all")
    assert "Delete everything?" in question.get_data(as_text=True)
    assert browser.post(YOURS + "/delete-all").status_code == 303
    page = browser.get(YOURS).get_data(as_text=True)
    assert "Deleted 4 comments" in page and "We keep no comments under this address." in page
    with app.app_context():
        remaining = db.session.scalars(select(Comment).where(Comment.author_name == "Ada")).all()
        assert remaining == []
        tomb = db.session.get(Comment, ada_comments["approved"])
        assert tomb.deleted_at is not None and tomb.email_digest == ""
        assert db.session.scalar(select(func.count()).select_from(Subscription)) == 0
        from app.models import Remedy

        assert db.session.scalar(select(Article)).comment_count == 2
        assert all(r.comment_count == 0 for r in db.session.scalars(select(Remedy)))
    public = app.test_client().get("/back-spasms/").get_data(as_text=True)
    assert "This comment was removed." in public and "Bob answers" in public


def test_the_download_is_exactly_the_command_line_export(app, ada_comments, smtp_server, runner):
    browser = open_visit(app, smtp_server)
    response = browser.post(YOURS + "/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Cache-Control"] == "private, no-store"
    downloaded = json.loads(response.get_data(as_text=True))
    printed = json.loads(runner.invoke(args=["comments", "export", "--email", ADA]).output)
    downloaded.pop("exported_at"), printed.pop("exported_at")
    assert downloaded == printed
    assert {c["text"] for c in downloaded["comments"]} == {
        "Ada approved",
        "Ada pending",
        "Ada spam",
        "Ada on a remedy",
    }
    assert browser.get(YOURS + "/export").status_code == 405


def test_notifications_off_from_the_page(app, article, smtp_server, comment_form):
    from tests.test_reply_notifications import confirm_link

    app.test_client().post("/back-spasms/", data=comment_form(email=ADA, notify="y"))
    link = confirm_link(expect(smtp_server, ADA, 1)[0])
    app.test_client().post(link)
    browser = open_visit(app, smtp_server)
    page = browser.get(YOURS).get_data(as_text=True)
    assert "On: we email you" in page
    assert browser.post(YOURS + "/notifications-off").status_code == 303
    page = browser.get(YOURS).get_data(as_text=True)
    assert "Notifications are off" in page and "Off: you unsubscribed." in page
    with app.app_context():
        assert db.session.scalar(select(Subscription)).unsubscribed_at is not None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/export"),
        ("post", "/notifications-off"),
        ("post", "/delete-all"),
        ("post", "/done"),
        ("get", ""),
        ("get", "/delete-all"),
    ],
)
def test_every_page_of_the_visit_needs_the_visit(app, ada_comments, method, path):
    response = getattr(app.test_client(), method)(YOURS + path)
    assert response.status_code == 403
    assert "Please ask for a new link" in response.get_data(as_text=True)


def test_the_actions_need_their_csrf_token(app, ada_comments, smtp_server):
    browser = open_visit(app, smtp_server)
    app.config["WTF_CSRF_ENABLED"] = True
    for path in ("/delete-all", "/export", "/notifications-off", "/done"):
        assert browser.post(YOURS + path).status_code == 400, path
    app.config["WTF_CSRF_ENABLED"] = False
    assert "4 comments" in browser.get(YOURS).get_data(as_text=True)


def test_a_forged_visit_cookie_opens_nothing(app, ada_comments):
    browser = app.test_client()
    for value in ("x", 12, None, ["a"], "a" * 5000):
        with browser.session_transaction() as session:
            session["manage_visit"] = value
        assert browser.get(YOURS).status_code == 403


def test_old_requests_and_links_are_forgotten(app, ada_comments, smtp_server):
    open_visit(app, smtp_server)
    with app.app_context():
        from app.comments import manage

        manage.prune(utcnow() + timedelta(days=2))
        assert db.session.scalar(select(func.count()).select_from(ManageRequest)) == 0
        assert db.session.scalar(select(func.count()).select_from(ManageToken)) == 0
    drain(app)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", MANAGE),
        ("delete", MANAGE),
        ("get", YOURS + "/done"),
        ("get", YOURS + "/notifications-off"),
        ("get", YOURS + "/export"),
        ("put", "/comments/notifications/stop/x"),
        ("delete", "/comments/notifications/confirm/x"),
        ("put", "/comments/manage/open/x"),
    ],
)
def test_wrong_methods_are_refused(client, method, path):
    response = client.open(path, method=method)
    assert response.status_code == 405
    assert "That action is not allowed here" in response.get_data(as_text=True)


def test_the_buttons_work_over_https_with_csrf_as_browsers_send_them(
    app, ada_comments, smtp_server
):
    """Over HTTPS Flask-WTF also wants a Referer from this site: the pages' policy
    (same-origin) lets the browser send it to us, and to no one else."""
    app.config.update(WTF_CSRF_ENABLED=True, SESSION_COOKIE_SECURE=True)
    https = {"base_url": "https://localhost"}
    browser = app.test_client()

    def token(path):
        page = browser.get(path, **https)
        assert page.headers["Referrer-Policy"] == "same-origin"
        return BeautifulSoup(page.data, "html.parser").find("input", {"name": "csrf_token"})[
            "value"
        ]

    def post(path, data, referer):
        headers = {"Referer": f"https://localhost{referer}"}
        return browser.post(path, data=data, headers=headers, **https)

    sent = post(MANAGE, {"email": ADA, "csrf_token": token(MANAGE)}, MANAGE)
    assert sent.status_code == 303
    link = manage_link(smtp_server, ADA)
    opened = post(link, {"csrf_token": token(link)}, link)
    assert opened.status_code == 303
    exported = post(YOURS + "/export", {"csrf_token": token(YOURS)}, YOURS)
    assert exported.status_code == 200 and exported.mimetype == "application/json"
    no_referer = browser.post(YOURS + "/done", data={"csrf_token": token(YOURS)}, **https)
    assert no_referer.status_code == 400  # what "no-referrer" would have made of every button
