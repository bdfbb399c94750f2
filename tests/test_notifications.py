"""Moderators hear about held comments by email and can act from it, safely."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from app import mail
from app.extensions import db
from app.models import Comment, CommentStatus, EmailActionToken
from tests.conftest import free_port

URL = "/back-spasms/"


def body_of(message) -> str:
    return message.get_content().replace("\r\n", "\n")


def links_in(message) -> dict[str, str]:
    body = body_of(message)
    found = dict(re.findall(r"^(Approve|Spam|Trash): (http\S+)$", body, flags=re.MULTILINE))
    return {label: url.replace("http://localhost", "") for label, url in found.items()}


def comment_status(app):
    with app.app_context():
        return db.session.scalar(select(Comment.status))


def test_held_comment_emails_every_moderator(
    app, client, article, moderator, smtp_server, comment_form, runner
):
    runner.invoke(
        args=["moderators", "add", "second@example.com", "--password-stdin"],
        input="another long passphrase\n",
    )
    response = client.post(URL, data=comment_form(comment="Is heat safe?\nThanks", name="Ada"))
    assert response.status_code == 303

    messages = smtp_server.wait_for(2)
    assert sorted(m["X-RcptTo"] for m in messages) == ["mod@example.com", "second@example.com"]
    message = messages[0]
    assert "Comment awaiting moderation: Easing back spasms" in message["Subject"]
    body = body_of(message)
    for expected in (
        "Easing back spasms",
        "http://localhost/back-spasms/",
        "Name: Ada",
        "Why it is held: new commenter",
        "Is heat safe?\nThanks",
        "http://localhost/moderation/",
    ):
        assert expected in body, expected
    assert set(links_in(message)) == {"Approve", "Spam", "Trash"}
    assert "ada@example.com" not in body  # the moderators see it in the queue


def test_approved_and_spam_comments_send_nothing(
    app, client, article, moderator, smtp_server, comment_form, add_comment
):
    add_comment(name="Ada Reader", email="ada@example.com")
    client.post(URL, data=comment_form(comment="published at once"))
    client.post(URL, data=comment_form(comment="bot", fax="filled", email="bot@example.com"))
    import time

    time.sleep(0.3)
    assert smtp_server.messages == []


def test_action_link_round_trip(app, client, article, moderator, smtp_server, comment_form):
    client.post(URL, data=comment_form(comment="Please approve me"))
    [message] = smtp_server.wait_for(1)
    links = links_in(message)
    reader = app.test_client()  # the moderator's phone: not logged in

    # Opening the link (as a mail scanner or link preview would) changes nothing.
    page = reader.get(links["Approve"])
    assert page.status_code == 200
    soup = BeautifulSoup(page.data, "html.parser")
    assert soup.h1.get_text(strip=True) == "Approve this comment?"
    assert "Please approve me" in soup.get_text()
    assert soup.find("form", method="post").find("button")
    assert comment_status(app) is CommentStatus.PENDING
    reader.head(links["Approve"])
    assert comment_status(app) is CommentStatus.PENDING

    done = reader.post(links["Approve"])
    assert done.status_code == 200
    assert b"approved" in done.data
    assert comment_status(app) is CommentStatus.APPROVED
    assert b"Please approve me" in app.test_client().get(URL).data

    again = reader.post(links["Approve"])
    assert again.status_code == 410
    assert b"already been used" in again.data
    other = reader.post(links["Trash"])  # the email's other links went with it
    assert other.status_code == 410
    assert comment_status(app) is CommentStatus.APPROVED
    assert reader.get(links["Spam"]).status_code == 410


def test_email_link_is_logged_as_the_moderator(
    app, client, article, moderator, smtp_server, comment_form
):
    client.post(URL, data=comment_form())
    links = links_in(smtp_server.wait_for(1)[0])
    app.test_client().post(links["Spam"])
    moderator.login()
    log = client.get("/moderation/log").get_data(as_text=True)
    assert "mod@example.com" in log and "from an email link" in log


def test_expired_and_forged_links_are_refused(
    app, client, article, moderator, smtp_server, comment_form
):
    client.post(URL, data=comment_form())
    links = links_in(smtp_server.wait_for(1)[0])
    forged = links["Approve"][:-4] + "abcd"
    assert app.test_client().get(forged).status_code == 410
    assert app.test_client().post(forged).status_code == 410
    with app.app_context():
        token = db.session.scalar(select(EmailActionToken))
        token.expires_at -= timedelta(days=8)
        db.session.commit()
    response = app.test_client().post(links["Approve"])
    assert response.status_code == 410
    assert b"expired" in response.data
    assert comment_status(app) is CommentStatus.PENDING


def test_link_is_refused_when_someone_acted_first(
    app, client, article, moderator, smtp_server, comment_form
):
    client.post(URL, data=comment_form())
    links = links_in(smtp_server.wait_for(1)[0])
    moderator.login()
    with app.app_context():
        cid = db.session.scalar(select(Comment.id))
    client.post(f"/moderation/comments/{cid}/trash", data={"expected": "pending"})
    response = app.test_client().post(links["Approve"])
    assert response.status_code == 410
    assert b"Someone changed this comment meanwhile" in response.data
    assert comment_status(app) is CommentStatus.TRASH


def test_a_dead_mail_server_costs_the_commenter_nothing(
    app, client, article, moderator, comment_form, caplog
):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT_SECONDS=1)
    response = client.post(URL, data=comment_form(comment="kept safe"))
    assert response.status_code == 303
    assert comment_status(app) is CommentStatus.PENDING
    assert "Your comment is awaiting moderation." in client.get(URL).get_data(as_text=True)


def test_delivery_failure_is_logged_not_raised(caplog):
    settings = mail.MailSettings("127.0.0.1", free_port(), False, False, "", "", 1.0)
    message = mail.make_message("a@example.com", "s", "b", "Relief <r@example.com>")
    assert mail.deliver(settings, [message]) == 0
    assert "Could not reach the mail server" in caplog.text


def test_without_a_mail_server_notifications_are_logged(
    app, client, article, moderator, comment_form, caplog
):
    import logging

    caplog.set_level(logging.INFO, logger="relief.mail")
    app.config["MAIL_SERVER"] = ""
    assert client.post(URL, data=comment_form()).status_code == 303
    assert "Mail not sent (no MAIL_SERVER)" in caplog.text


@pytest.mark.parametrize(
    "evil", ["Ada\r\nBcc: victim@example.com", "Ada\nSubject: hi", "Ada\rX: y", "Ada\x00"]
)
def test_header_injection_is_impossible(evil):
    import email
    from email import policy

    message = mail.make_message(f"mod@example.com{evil}", f"Comment by {evil}", "body", evil)
    parsed = email.message_from_bytes(message.as_bytes(), policy=policy.default)
    assert parsed["Bcc"] is None and parsed["X"] is None
    assert len(parsed.get_all("Subject")) == 1
    assert parsed.get_content().strip() == "body"
    for name in ("To", "Subject", "From"):
        assert "\n" not in message[name] and "\r" not in message[name]


def test_names_with_line_breaks_never_reach_a_mail(
    app, client, article, moderator, smtp_server, comment_form
):
    response = client.post(URL, data=comment_form(name="Ada\r\nBcc: victim@example.com"))
    assert response.status_code == 422
    assert smtp_server.messages == []


# --- Where the links point -------------------------------------------------------------

# TestConfig's SITE_URL: the address the test client uses.
SITE = "http://localhost/"


def trust_one_proxy(app) -> None:
    """Put the app behind one trusted proxy, as create_app does with TRUSTED_PROXY_COUNT=1."""
    from app import register_proxy_fix

    app.config["TRUSTED_PROXY_COUNT"] = 1
    register_proxy_fix(app)


@pytest.mark.parametrize(
    ("proxies", "headers"),
    [
        (0, {"Host": "attacker.example"}),
        (0, {"X-Forwarded-Host": "attacker.example"}),
        (1, {"X-Forwarded-Host": "attacker.example", "X-Forwarded-For": "198.51.100.7"}),
        (1, {"Host": "attacker.example", "X-Forwarded-Host": "attacker.example:8443"}),
    ],
)
def test_a_hostile_host_never_reaches_a_moderator_email(
    app, client, article, moderator, smtp_server, comment_form, proxies, headers
):
    """Every link of the email (page, approve, spam, trash, queue) is on SITE_URL."""
    if proxies:
        trust_one_proxy(app)
    response = client.post(URL, data=comment_form(), headers=headers)
    assert response.status_code == 303

    body = body_of(smtp_server.wait_for(1)[0])
    urls = re.findall(r"\S+://\S+", body)
    assert len(urls) == 5, body  # the page, three actions, the queue
    assert all(url.startswith(SITE) for url in urls), urls
    assert "attacker" not in body
