"""Reply notifications: double opt-in, only approved comments, never to the replier, at
most NOTIFY_MAX_PER_HOUR an hour, one-click unsubscribe (RFC 8058), and an outbox that
loses nothing when the mail server is down or the app restarts.  All against a real SMTP
server (aiosmtpd)."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from app import outbox
from app.db import write_transaction
from app.extensions import db
from app.models import (
    Comment,
    CommentStatus,
    MailKind,
    Notice,
    OutgoingMail,
    Subscription,
    utcnow,
)
from tests.conftest import MODERATOR_PASSWORD, free_port

URL = "/back-spasms/"
ADA = "ada@example.com"
BOB = "bob@example.com"


# --- Helpers -------------------------------------------------------------------------------


def body_of(message) -> str:
    return message.get_content().replace("\r\n", "\n")


def mail_to(smtp, address: str) -> list:
    return [m for m in smtp.messages if m["X-RcptTo"] == address]


def expect(smtp, address: str, count: int, timeout: float = 10.0) -> list:
    """Wait until ``address`` has received ``count`` emails; return them all."""
    deadline = time.monotonic() + timeout
    while len(mail_to(smtp, address)) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    got = mail_to(smtp, address)
    assert len(got) >= count, f"{len(got)} of {count} emails reached {address}"
    return got


def settle(app, seconds: float = 0.3) -> None:
    """Let background drains finish, then drain once more in the test's own thread (and
    wait for any drain that commit started)."""
    state = app.extensions[outbox.EXTENSION_KEY]
    time.sleep(seconds)
    assert state.wait_idle(10), "a background drain did not finish"
    drain(app)
    assert state.wait_idle(10), "a background drain did not finish"


def drain(app, now=None):
    with app.app_context():
        return outbox.drain(now)


def link_in(message, label: str) -> str:
    """The site path of the link on the line that starts with ``label``."""
    match = re.search(rf"^{re.escape(label)}.*?(http\S+)", body_of(message), re.MULTILINE)
    assert match, (label, body_of(message))
    return match.group(1).replace("http://localhost", "")


def confirm_link(message) -> str:
    match = re.search(r"(http://localhost/comments/notifications/confirm/\S+)", body_of(message))
    assert match, body_of(message)
    return match.group(1).replace("http://localhost", "")


def comment_id(app, body: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Comment.id).where(Comment.body == body))


def status_of(app, cid: int) -> CommentStatus:
    with app.app_context():
        return db.session.get(Comment, cid).status


class Site:
    """Commenters and a moderator acting on the test site, each in their own browser."""

    def __init__(self, app, comment_form, smtp):
        self.app, self.form, self.smtp = app, comment_form, smtp
        self.mod = app.test_client()
        response = self.mod.post(
            "/auth/login", data={"email": "mod@example.com", "password": MODERATOR_PASSWORD}
        )
        assert response.status_code in (302, 303)

    def post(self, body: str, email: str, name: str, parent: int | None = None, **fields):
        browser = fields.pop("browser", None) or self.app.test_client()
        data = self.form(comment=body, email=email, name=name, parent_id=parent or "", **fields)
        response = browser.post(URL, data=data)
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
        return comment_id(self.app, body)

    def approve(self, cid: int) -> None:
        response = self.mod.post(
            f"/moderation/comments/{cid}/approve", data={"expected": "pending"}
        )
        assert response.status_code in (302, 303)
        assert status_of(self.app, cid) is CommentStatus.APPROVED

    def act(self, cid: int, action: str) -> None:
        self.mod.post(f"/moderation/comments/{cid}/{action}")

    def site_reply(self, cid: int, body: str) -> int:
        response = self.mod.post(f"/moderation/comments/{cid}/reply", data={"comment": body})
        assert response.status_code in (302, 303)
        return comment_id(self.app, body)

    def confirm(self, email: str) -> None:
        [message] = [m for m in mail_to(self.smtp, email) if "Please confirm" in m["Subject"]][-1:]
        link = confirm_link(message)
        browser = self.app.test_client()
        page = browser.get(link)
        assert page.status_code == 200
        assert "Yes, email me" in page.get_data(as_text=True)
        assert browser.post(link).status_code == 200


@pytest.fixture
def site(app, article, moderator, smtp_server, comment_form):
    return Site(app, comment_form, smtp_server)


def subscribed_thread(site) -> int:
    """Ada's approved comment with the box ticked, her address confirmed."""
    ada = site.post("Is heat safe in pregnancy?", ADA, "Ada", notify="y")
    site.smtp.wait_for(2)  # the moderator's email and Ada's "please confirm"
    site.confirm(ADA)
    site.approve(ada)
    expect(site.smtp, ADA, 2)  # "please confirm", "your comment is published"
    return ada


# --- The box and the confirmation ------------------------------------------------------------


def test_the_box_is_on_the_form_unticked_with_its_words(client, article):
    soup = BeautifulSoup(client.get(URL).data, "html.parser")
    box = soup.find("input", attrs={"name": "notify"})
    assert box["type"] == "checkbox" and not box.has_attr("checked")
    label = soup.find("label", attrs={"for": box["id"]}).get_text(strip=True)
    assert label == "Email me when my comment is published and when someone replies to it"


def test_nothing_is_sent_before_the_address_confirms(site):
    smtp = site.smtp
    ada = site.post("My first question", ADA, "Ada", notify="y")
    smtp.wait_for(2)
    [ask] = mail_to(smtp, ADA)
    assert "Please confirm" in ask["Subject"]
    assert ask["List-Unsubscribe"] is None  # a confirmation is no mailing
    body = body_of(ask)
    assert "/comments/notifications/confirm/" in body and "ignore this" in body

    site.approve(ada)
    bob = site.post("An answer from Bob", BOB, "Bob", parent=ada)
    site.approve(bob)
    settle(site.app)
    assert mail_to(smtp, ADA) == [ask], "nothing but the confirmation before confirming"
    with site.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notice)) == 0

    site.confirm(ADA)
    carol = site.post("Carol's answer", "carol@example.com", "Carol", parent=ada)
    site.approve(carol)
    [notice] = expect(smtp, ADA, 2)[1:]
    assert "A reply to your comment" in notice["Subject"]
    assert "Carol's answer" in body_of(notice)


def test_ticking_again_sends_no_second_confirmation_soon_nor_after_confirming(site):
    site.post("First", ADA, "Ada", notify="y")
    site.post("Second", ADA, "Ada", notify="y")
    settle(site.app)
    assert len(mail_to(site.smtp, ADA)) == 1
    site.confirm(ADA)
    site.post("Third", ADA, "Ada", notify="y")
    settle(site.app)
    assert len(mail_to(site.smtp, ADA)) == 1  # confirmed once: not asked again


def test_the_notice_after_posting_is_the_same_whoever_confirmed(site, app, client):
    """The words must not tell a stranger whether an address subscribed."""

    def notice_after(email, body):
        browser = app.test_client()
        response = browser.post(URL, data=site.form(comment=body, email=email, notify="y"))
        page = browser.get(response.headers["Location"]).get_data(as_text=True)
        return BeautifulSoup(page, "html.parser").find(class_="comment__notice").get_text()

    site.post("Ada's", ADA, "Ada", notify="y")
    site.smtp.wait_for(2)
    site.confirm(ADA)
    confirmed = notice_after(ADA, "Typed by a stranger with Ada's address")
    unknown = notice_after("nobody@example.com", "Typed by a stranger with a new address")
    assert confirmed == unknown
    assert "link to confirm" in confirmed


def test_a_confirmation_link_is_a_page_with_a_button_and_works_once(site, app):
    site.post("Hello", ADA, "Ada", notify="y")
    site.smtp.wait_for(2)
    link = confirm_link(mail_to(site.smtp, ADA)[0])
    scanner = app.test_client()
    assert scanner.get(link).status_code == 200
    scanner.head(link)
    with app.app_context():
        assert db.session.scalar(select(Subscription)).confirmed_at is None
    page = scanner.post(link)
    assert "Thank you: your address is confirmed" in page.get_data(as_text=True)
    again = scanner.get(link)
    assert again.status_code == 200 and "is confirmed" in again.get_data(as_text=True)


@pytest.mark.parametrize(
    "signed",
    ["x", "a" * 3000, "eyJrIjoiYSJ9.forged.sig", "%00", "\u202e", "..", "1" * 40],
)
def test_forged_confirmation_links_are_refused_kindly(app, client, signed):
    for method in ("get", "post"):
        response = getattr(client, method)(f"/comments/notifications/confirm/{signed}")
        assert response.status_code in (404, 410), (method, response.status_code)
        if response.status_code == 410:
            assert "That link does not work" in response.get_data(as_text=True)


def test_an_expired_or_replaced_confirmation_link_is_refused(site, app):
    site.post("Hello", ADA, "Ada", notify="y")
    site.smtp.wait_for(2)
    link = confirm_link(mail_to(site.smtp, ADA)[0])
    app.config["NOTIFY_CONFIRM_DAYS"] = 0
    time.sleep(1.1)
    response = app.test_client().post(link)
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)
    app.config["NOTIFY_CONFIRM_DAYS"] = 7
    with app.app_context(), write_transaction():  # a day later, ticked again: a new link
        subscription = db.session.scalar(select(Subscription))
        subscription.confirm_sent_at -= timedelta(days=2)
    site.post("Again", ADA, "Ada", notify="y")
    settle(app)
    first, second = [m for m in mail_to(site.smtp, ADA) if "Please confirm" in m["Subject"]]
    response = app.test_client().post(confirm_link(first))
    assert response.status_code == 410 and "newer one" in response.get_data(as_text=True)
    assert app.test_client().post(confirm_link(second)).status_code == 200


def test_the_confirmation_post_needs_its_csrf_token(site, app):
    site.post("Hello", ADA, "Ada", notify="y")
    site.smtp.wait_for(2)
    link = confirm_link(mail_to(site.smtp, ADA)[0])
    app.config["WTF_CSRF_ENABLED"] = True
    assert app.test_client().post(link).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Subscription)).confirmed_at is None


def test_spam_with_the_box_ticked_sends_nothing(site):
    site.post("buy now", ADA, "Ada", notify="y", fax="bot")
    settle(site.app)
    assert mail_to(site.smtp, ADA) == []


# --- What is notified, and what is not ---------------------------------------------------------


def test_published_notice_when_a_held_comment_is_approved(site):
    subscribed_thread(site)
    [_, published] = mail_to(site.smtp, ADA)
    assert "Your comment is published: Easing back spasms" in published["Subject"]
    body = body_of(published)
    assert "Is heat safe in pregnancy?" in body
    assert re.search(r"See it: http://localhost/back-spasms/#comment-\d+", body)


def test_no_notice_for_a_held_reply_one_when_approved(site):
    ada = subscribed_thread(site)
    before = len(mail_to(site.smtp, ADA))
    reply = site.post("Ask your midwife first.", BOB, "Bob", parent=ada)
    settle(site.app)
    assert status_of(site.app, reply) is CommentStatus.PENDING
    assert len(mail_to(site.smtp, ADA)) == before

    site.approve(reply)
    notice = expect(site.smtp, ADA, before + 1)[-1]
    body = body_of(notice)
    assert "Bob replied to your comment on" in body
    assert "    Ask your midwife first." in body
    assert f"Read it and reply: http://localhost/back-spasms/#comment-{reply}" in body
    assert "Your comment: Is heat safe in pregnancy?" in body
    assert BOB not in body and "bob@" not in str(notice)  # no other commenter's email
    assert notice.get_content_type() == "text/plain"


@pytest.mark.parametrize("fate", ["spam", "trash"])
def test_no_notice_for_a_reply_that_is_spammed_or_trashed(site, fate):
    ada = subscribed_thread(site)
    before = len(mail_to(site.smtp, ADA))
    reply = site.post(f"A reply that goes to {fate}", BOB, "Bob", parent=ada)
    site.act(reply, fate)
    site.act(reply, "restore") if fate == "trash" else None  # back to pending, not public
    settle(site.app)
    assert len(mail_to(site.smtp, ADA)) == before


def test_an_auto_approved_reply_notifies_at_once(site, add_comment):
    ada = subscribed_thread(site)
    add_comment(name="Bob", email=BOB, body="Bob's earlier approved comment")
    reply = site.post("Bob is trusted now", BOB, "Bob", parent=ada)
    assert status_of(site.app, reply) is CommentStatus.APPROVED
    assert "Bob is trusted now" in body_of(expect(site.smtp, ADA, 3)[-1])


def test_a_repliers_name_stays_on_its_line_in_the_notice(site):
    """A name stored with a line separator (before the form refused one) cannot add a
    line of its own to the reader's email."""
    ada = subscribed_thread(site)
    reply = site.post("A reply from an old row", BOB, "Bob", parent=ada)
    with site.app.app_context():
        db.session.get(
            Comment, reply
        ).author_name = "Bob\u2028Unsubscribe: http://attacker.example/"
        db.session.commit()
    site.approve(reply)
    body = body_of(expect(site.smtp, ADA, 3)[-1])
    lines = [line for line in body.splitlines() if "attacker" in line]
    assert len(lines) == 1, body
    [line] = lines
    assert line.startswith("Bob Unsubscribe: http://attacker.example/ replied to your comment")


def test_a_site_reply_notifies(site):
    ada = subscribed_thread(site)
    site.site_reply(ada, "The team's answer: yes, gently.")
    body = body_of(expect(site.smtp, ADA, 3)[-1])
    assert "Relief team" in body and "The team's answer: yes, gently." in body


def test_a_site_reply_to_a_held_comment_sends_both_notices(site):
    ada = site.post("Held question", ADA, "Ada", notify="y")
    site.smtp.wait_for(2)
    site.confirm(ADA)
    site.site_reply(ada, "Answered and approved at once")
    subjects = sorted(m["Subject"] for m in expect(site.smtp, ADA, 3)[1:])
    assert [s.split(":")[0] for s in subjects] == [
        "[Relief] A reply to your comment",
        "[Relief] Your comment is published",
    ]


def test_never_to_the_replier_own_address(site):
    ada = subscribed_thread(site)
    before = len(mail_to(site.smtp, ADA))
    mine = site.post("Replying to myself", ADA.upper(), "Ada", parent=ada)
    site.approve(mine)
    settle(site.app)
    assert len(mail_to(site.smtp, ADA)) == before


def test_only_replies_to_the_ticked_comment_and_not_deeper(site):
    ada = subscribed_thread(site)
    unticked = site.post("Ada without the box", ADA, "Ada")
    site.approve(unticked)
    bob = site.post("Bob to the unticked one", BOB, "Bob", parent=unticked)
    site.approve(bob)
    direct = site.post("Bob to the ticked one", BOB, "Bob", parent=ada)
    site.approve(direct)
    deeper = site.post("Carol to Bob", "carol@example.com", "Carol", parent=direct)
    site.approve(deeper)
    settle(site.app)
    bodies = [body_of(m) for m in mail_to(site.smtp, ADA)]
    assert sum("Bob to the ticked one" in b for b in bodies) == 1
    assert not any("Bob to the unticked one" in b or "Carol to Bob" in b for b in bodies)


def test_a_second_approval_does_not_notify_again(site):
    ada = subscribed_thread(site)
    reply = site.post("Only once", BOB, "Bob", parent=ada)
    site.approve(reply)
    expect(site.smtp, ADA, 3)
    site.act(reply, "unapprove")
    site.approve(reply)
    settle(site.app)
    assert sum("Only once" in body_of(m) for m in mail_to(site.smtp, ADA)) == 1


def test_a_reply_trashed_before_its_email_is_written_sends_nothing(site, app):
    ada = subscribed_thread(site)
    app.config["NOTIFY_MAX_PER_HOUR"] = 1  # the cap holds the notice back
    with app.app_context(), write_transaction():
        outbox.enqueue(MailKind.NOTICE, ADA, "filler", "fills the hour")
    reply = site.post("Trashed while waiting", BOB, "Bob", parent=ada)
    site.approve(reply)
    settle(app)
    site.act(reply, "trash")
    drain(app, utcnow() + timedelta(hours=2))
    assert not any("Trashed while waiting" in body_of(m) for m in mail_to(site.smtp, ADA))


# --- The hourly cap, and the one email with the rest ------------------------------------------


def test_the_hourly_cap_and_one_email_with_the_rest(site, app):
    app.config["NOTIFY_MAX_PER_HOUR"] = 2
    ada = subscribed_thread(site)  # the "published" notice is the hour's first
    replies = [
        site.post(f"Reply number {n}", f"r{n}@example.com", f"R{n}", parent=ada) for n in range(4)
    ]
    response = site.mod.post(
        "/moderation/bulk",
        data={"action": "approve", "ids": [str(r) for r in replies], "seen_status": "pending"},
    )
    assert response.status_code == 303
    settle(app)
    notices = [m for m in mail_to(site.smtp, ADA) if "Please confirm" not in m["Subject"]]
    assert len(notices) == 2  # "published", then one reply: the hour is full
    assert "Reply number 0" in body_of(notices[1])  # the oldest first
    with app.app_context():
        waiting = db.session.scalars(select(Notice)).all()
        assert len(waiting) == 3 and all(n.deferred_at for n in waiting)

    drain(app, utcnow() + timedelta(minutes=30))
    assert len(mail_to(site.smtp, ADA)) == 3  # still within the hour

    drain(app, utcnow() + timedelta(hours=1, minutes=1))
    digest = expect(site.smtp, ADA, 4)[-1]
    assert digest["Subject"] == "[Relief] 3 updates on your comments"
    body = body_of(digest)
    for n in (1, 2, 3):
        assert f"{n}. R{n} replied to your comment" in body
        assert f"Reply number {n}" in body
    assert "at most 2 emails an hour" in " ".join(body.split())
    assert body.count("Stop emails about this conversation:") == 3
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notice)) == 0


# --- Unsubscribing (RFC 8058) ------------------------------------------------------------------


def test_every_notice_has_one_click_unsubscribe_headers_and_links(site):
    ada = subscribed_thread(site)
    reply = site.post("Headers please", BOB, "Bob", parent=ada)
    site.approve(reply)
    expect(site.smtp, ADA, 3)
    for notice in mail_to(site.smtp, ADA)[1:]:
        header = notice["List-Unsubscribe"]
        assert re.fullmatch(r"<http://localhost/comments/notifications/stop/[\w.-]+>", header)
        assert notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        body = body_of(notice)
        assert "Stop emails about this conversation: http://localhost/comments/" in body
        assert "Stop all emails from Relief: " + header[1:-1] in body
        assert "Manage your comments: http://localhost/comments/manage/" in body


def test_one_click_post_unsubscribes_without_token_or_question(site, app):
    ada = subscribed_thread(site)
    header = mail_to(site.smtp, ADA)[-1]["List-Unsubscribe"]
    url = header[1:-1].replace("http://localhost", "")
    app.config["WTF_CSRF_ENABLED"] = True  # as in production: the provider sends no token
    provider = app.test_client()
    response = provider.post(
        url,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert "You are unsubscribed" in response.get_data(as_text=True)
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        assert db.session.scalar(select(Subscription)).unsubscribed_at is not None

    before = len(mail_to(site.smtp, ADA))
    reply = site.post("After unsubscribing", BOB, "Bob", parent=ada)
    site.approve(reply)
    settle(app)
    assert len(mail_to(site.smtp, ADA)) == before


def test_the_unsubscribe_link_opened_in_a_browser_asks_first(site, app):
    subscribed_thread(site)
    url = link_in(mail_to(site.smtp, ADA)[-1], "Stop all emails")
    page = app.test_client().get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Stop all emails about your comments?" in text and "Stop these emails" in text
    with app.app_context():
        assert db.session.scalar(select(Subscription)).active


def test_stop_one_thread_keeps_the_others(site, app):
    ada = subscribed_thread(site)
    other = site.post("Ada's other question", ADA, "Ada", notify="y")
    assert status_of(app, other) is CommentStatus.APPROVED  # a returning commenter
    thread_link = link_in(mail_to(site.smtp, ADA)[1], "Stop emails about this conversation")
    done = app.test_client().post(thread_link)
    assert "no more emails about this conversation" in done.get_data(as_text=True)

    muted = site.post("Reply in the muted thread", BOB, "Bob", parent=ada)
    site.approve(muted)
    heard = site.post("Reply in the other thread", BOB, "Bob", parent=other)
    site.approve(heard)
    settle(app)
    bodies = [body_of(m) for m in mail_to(site.smtp, ADA)]
    assert any("Reply in the other thread" in b for b in bodies)
    assert not any("Reply in the muted thread" in b for b in bodies)


def test_after_unsubscribing_the_box_asks_for_a_fresh_confirmation_never_a_notice(site, app):
    ada = subscribed_thread(site)
    app.test_client().post(link_in(mail_to(site.smtp, ADA)[-1], "Stop all emails"))
    new = site.post("Ticked again later", ADA, "Ada", notify="y")
    assert status_of(app, new) is CommentStatus.APPROVED  # a returning commenter
    latest = expect(site.smtp, ADA, 3)  # confirm, published, a fresh confirm
    settle(app)
    assert "Please confirm" in latest[-1]["Subject"]
    assert len(latest) == 3  # confirm, published, confirm again: no notice in between
    reply = site.post("Still unsubscribed", BOB, "Bob", parent=ada)
    site.approve(reply)
    settle(app)
    assert len(mail_to(site.smtp, ADA)) == 3

    site.confirm(ADA)  # confirming again turns them back on
    reply = site.post("Subscribed again", BOB, "Bob", parent=new)
    site.approve(reply)
    assert "Subscribed again" in body_of(expect(site.smtp, ADA, 4)[-1])


@pytest.mark.parametrize("signed", ["x", "e30.forged", "W10.sig", "a" * 5000])
def test_forged_unsubscribe_links_change_nothing(site, app, signed):
    subscribed_thread(site)
    for method in ("get", "post"):
        response = getattr(app.test_client(), method)(f"/comments/notifications/stop/{signed}")
        assert response.status_code == 410
    with app.app_context():
        assert db.session.scalar(select(Subscription)).active


def test_an_unsubscribe_link_after_erasure_says_there_is_nothing_to_stop(site, app, runner):
    subscribed_thread(site)
    url = link_in(mail_to(site.smtp, ADA)[-1], "Stop all emails")
    assert runner.invoke(args=["comments", "erase", "--email", ADA, "--yes"]).exit_code == 0
    response = app.test_client().post(url)
    assert response.status_code == 200 and "No emails to stop" in response.get_data(as_text=True)


# --- The outbox: nothing lost ----------------------------------------------------------------


def test_a_dead_mail_server_loses_nothing_and_it_is_sent_later(app, article, comment_form):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT_SECONDS=1)
    response = app.test_client().post(URL, data=comment_form(email=ADA, notify="y"))
    assert response.status_code == 303
    time.sleep(0.5)
    result = drain(app)
    assert result.sent == 0
    with app.app_context():
        row = db.session.scalar(select(OutgoingMail))
        assert row.sent_at is None and row.attempts >= 1 and row.last_error
        assert row.not_before > utcnow()
        assert ADA not in row.last_error

    from aiosmtpd.controller import Controller

    from tests.conftest import CollectingHandler

    handler = CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=app.config["MAIL_PORT"])
    controller.start()
    try:
        assert drain(app).sent == 0  # not yet due: it waits for its retry time
        result = drain(app, utcnow() + timedelta(minutes=10))
        assert result.sent == 1
        [message] = handler.wait_for(1)
        assert "Please confirm" in message["Subject"]
    finally:
        controller.stop()
    with app.app_context():
        row = db.session.scalar(select(OutgoingMail))
        assert row.sent_at is not None and row.recipient == "" and row.body == ""


def test_attempts_are_capped(app, article, comment_form):
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT_SECONDS=1, MAIL_MAX_ATTEMPTS=3
    )
    app.test_client().post(URL, data=comment_form(email=ADA, notify="y"))
    time.sleep(0.5)
    later = utcnow()
    for _ in range(5):
        later += timedelta(hours=2)
        drain(app, later)
    with app.app_context():
        row = db.session.scalar(select(OutgoingMail))
        assert row.attempts == 3 and row.failed_at is not None
        assert row.recipient == "" and row.body == ""  # nothing kept of an email given up on


def test_a_restart_sends_the_mail_left_waiting(app, tmp_path, smtp_server):
    """A mail queued by one process that then dies is sent by the next one to start."""
    from app import create_app
    from app.comments.stamps import form_stamp
    from app.content.loading import upsert_article
    from config import TestConfig
    from tests.conftest import database_url, make_article

    url = database_url(tmp_path / "restart")
    first = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, MAIL_SERVER="")
    with first.app_context():
        db.drop_all()
        db.create_all()
        upsert_article(make_article())
    with first.test_request_context():
        rendered_at = form_stamp(time.time() - 60)
    response = first.test_client().post(
        URL,
        data={
            "comment": "Queued before the crash",
            "name": "Ada",
            "email": ADA,
            "notify": "y",
            "rendered_at": rendered_at,
        },
    )
    assert response.status_code == 303
    outbox.shutdown(first)  # the process is gone (its mail thread had nothing to send)
    with first.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == 1
        db.session.remove()
        db.engine.dispose()

    second = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=app.config["MAIL_PORT"],  # the test SMTP server
        MAIL_DRAIN_SECONDS=0.2,
    )
    try:
        assert second.test_client().get("/").status_code == 200  # any first request
        [message] = smtp_server.wait_for(1)
        assert message["X-RcptTo"] == ADA and "Please confirm" in message["Subject"]
    finally:
        outbox.shutdown(second)
        with second.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


def test_two_drains_at_once_send_each_email_once(site, app):
    import threading

    with app.app_context(), write_transaction():
        for n in range(30):
            outbox.enqueue(MailKind.MANAGE, f"p{n}@example.com", f"n{n}", "body")
    threads = [threading.Thread(target=drain, args=(app,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    settle(app)
    subjects = [m["Subject"] for m in site.smtp.messages if m["Subject"].startswith("n")]
    assert sorted(subjects) == sorted(f"n{n}" for n in range(30))


def test_sent_rows_are_pruned_after_the_keep_days(site, app):
    subscribed_thread(site)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) >= 3
        outbox.prune(utcnow() + timedelta(days=8))
        assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == 0


def test_send_pending_command(app, runner, article, comment_form, smtp_server):
    app.config["MAIL_SERVER"] = ""
    app.test_client().post(URL, data=comment_form(email=ADA, notify="y"))
    outbox.shutdown(app)  # from here only the command sends (no drain after commits)
    result = runner.invoke(args=["mail", "status"])
    assert "1 waiting" in result.output
    result = runner.invoke(args=["mail", "send-pending"])
    assert "1 still waiting" in result.output and "MAIL_SERVER is not set" in result.output
    app.config["MAIL_SERVER"] = "127.0.0.1"
    result = runner.invoke(args=["mail", "send-pending"])
    assert "Sent 1 email(s)" in result.output
    smtp_server.wait_for(1)
    assert "0 waiting, 0 given up on, 1 sent" in runner.invoke(args=["mail", "status"]).output


# --- Hostile input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["Bob\r\nBcc: victim@example.com", "Bob\nSubject: pwned", "Bob\u2028X: y"],
)
def test_header_injection_through_a_reply_reaches_no_header(site, name):
    ada = subscribed_thread(site)
    browser = site.app.test_client()
    data = site.form(comment="Injected?", email=BOB, name=name, parent_id=ada)
    if browser.post(URL, data=data).status_code != 303:
        return  # refused by the form: nothing stored, nothing sent
    site.approve(comment_id(site.app, "Injected?"))
    expect(site.smtp, ADA, 3)
    for message in site.smtp.messages:
        assert message["Bcc"] is None and message["X"] is None
        assert len(message.get_all("Subject")) == 1


def test_hostile_text_in_a_reply_is_only_text(site):
    ada = subscribed_thread(site)
    evil = "<script>alert(1)</script>\n.\nMAIL FROM:<x@evil.example>\n-- \nBcc: y@example.com"
    reply = site.post(evil, BOB, "Bob", parent=ada)
    site.approve(reply)
    notice = expect(site.smtp, ADA, 3)[-1]
    assert notice["Bcc"] is None and not notice.is_multipart()
    assert "<script>alert(1)</script>" in body_of(notice)
    assert [m["X-RcptTo"] for m in site.smtp.messages].count("x@evil.example") == 0


@pytest.mark.parametrize("value", ["y", "on", "1", "", "no", "\x00", "a" * 2000])
def test_any_notify_value_is_answered_without_an_error(app, article, comment_form, value):
    response = app.test_client().post(URL, data=comment_form(notify=value))
    assert response.status_code in (303, 422)


def test_no_email_in_any_stored_mail_text_after_sending(site, app):
    """Sent rows keep no address and no text: only the keyed hash, subject and times."""
    subscribed_thread(site)
    with app.app_context():
        from sqlalchemy import text

        rows = db.session.execute(
            text("SELECT recipient, body, headers FROM outgoing_mail WHERE sent_at IS NOT NULL")
        ).all()
    assert rows and all(r == ("", "", "{}") for r in rows)
