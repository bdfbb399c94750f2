"""Moderators choose their email: one per held comment, an hourly or daily digest, or none.

Real SMTP (aiosmtpd), real database; digests are asked for by draining the outbox at a
chosen time, as the serving processes and ``flask moderation send-digests`` do.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select, update

from app import create_app, outbox
from app.extensions import db
from app.models import (
    Comment,
    CommentStatus,
    EmailActionToken,
    Moderator,
    NotifyMode,
    OutgoingMail,
    utcnow,
)
from app.moderation import digests
from config import TestConfig
from tests.conftest import MODERATOR_PASSWORD

URL = "/back-spasms/"
MOD = "mod@example.com"


# --- Helpers ----------------------------------------------------------------------------


def set_mode(app, mode: NotifyMode, sent_at: datetime | None = None, email: str = MOD) -> None:
    with app.app_context():
        db.session.execute(
            update(Moderator)
            .where(Moderator.email == email)
            .values(notify_mode=mode, digest_sent_at=sent_at)
        )
        db.session.commit()


def flag(app, comment_id: int, phrases: str) -> None:
    """Set a comment's red-flag phrases directly (another part of the app finds them)."""
    with app.app_context():
        db.session.get(Comment, comment_id).red_flags = phrases
        db.session.commit()


def drain(app, now: datetime | None = None):
    with app.app_context():
        return outbox.drain(now)


def settle(app) -> None:
    """Wait for background drains (started by commits that queued mail) to finish."""
    assert app.extensions[outbox.EXTENSION_KEY].wait_idle(10), "a drain did not finish"


def mail_to(smtp, address: str = MOD) -> list:
    return [m for m in smtp.messages if m["X-RcptTo"] == address]


def body_of(message) -> str:
    return message.get_content().replace("\r\n", "\n")


def listed(message) -> list[dict]:
    """The digest's numbered comments: heading line, full block, action paths."""
    body = body_of(message)
    blocks = re.split(r"^(?=\d+\. )", body, flags=re.MULTILINE)[1:]
    items = []
    for block in blocks:
        block = block.split("\n--\n")[0]
        links = dict(re.findall(r"^\s+(Approve|Spam|Trash): (http\S+)$", block, re.MULTILINE))
        items.append(
            {
                "heading": block.splitlines()[0],
                "text": block,
                "links": {k: v.replace("http://localhost", "") for k, v in links.items()},
            }
        )
    return items


def status_of(app, comment_id: int) -> CommentStatus:
    with app.app_context():
        return db.session.get(Comment, comment_id).status


def hold(add_comment, count: int, **fields) -> list[int]:
    return [
        add_comment(status=CommentStatus.PENDING, name=f"Reader {n}", **fields)
        for n in range(1, count + 1)
    ]


def arrived(app, comment_id: int, when: datetime) -> None:
    """Date a comment's arrival (add_comment dates them in January 2026)."""
    with app.app_context():
        db.session.get(Comment, comment_id).created_at = when
        db.session.commit()


def digest_time(app) -> datetime | None:
    with app.app_context():
        return db.session.scalar(select(Moderator.digest_sent_at).where(Moderator.email == MOD))


# --- One digest for many comments ---------------------------------------------------------


def test_hourly_digest_is_one_email_for_many_comments(
    app, article, moderator, smtp_server, add_comment
):
    set_mode(app, NotifyMode.HOURLY)
    ids = hold(add_comment, 5)
    flag(app, ids[3], "chest pain\nnumb arm")

    drain(app)
    settle(app)
    [message] = mail_to(smtp_server)
    assert message["Subject"] == "[Relief] 5 comments waiting (1 needs a careful answer)"
    body = body_of(message)
    items = listed(message)
    assert len(items) == 5
    # The red-flagged one first, under its own heading, with its phrases.
    assert items[0]["heading"] == '1. [NEW] Reader 4 on "Easing back spasms"'
    assert "Red-flag phrases: chest pain, numb arm" in items[0]["text"]
    assert body.index("NEEDS A CAREFUL ANSWER (1)") < body.index("Reader 4")
    assert body.index("Reader 4") < body.index("OTHER COMMENTS") < body.index("Reader 1")
    # The others oldest first, each with its page, reason and text.
    assert [i["heading"].split(" on ")[0] for i in items[1:]] == [
        "2. [NEW] Reader 1",
        "3. [NEW] Reader 2",
        "4. [NEW] Reader 3",
        "5. [NEW] Reader 5",
    ]
    for item, comment_id in zip(items, [ids[3], ids[0], ids[1], ids[2], ids[4]], strict=True):
        assert '"Easing back spasms"' in item["heading"]
        assert "Why it is held: test" in item["text"]
        assert "Page: http://localhost/back-spasms/" in item["text"]
        assert f"Comment body {comment_id}" in item["text"]
        assert set(item["links"]) == {"Approve", "Spam", "Trash"}
    every_link = [url for item in items for url in item["links"].values()]
    assert len(set(every_link)) == 15
    assert "The queue: http://localhost/moderation/" in body
    assert "http://localhost/moderation/preferences" in body
    assert "reader@example.com" not in body  # never a commenter's address
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EmailActionToken)) == 5


def test_a_digest_link_goes_through_the_confirmation_page(
    app, article, moderator, smtp_server, add_comment
):
    set_mode(app, NotifyMode.DAILY)
    ids = hold(add_comment, 5)
    flag(app, ids[4], "suicidal")
    drain(app)
    settle(app)
    items = listed(mail_to(smtp_server)[0])
    phone = app.test_client()  # not logged in

    second = items[1]  # Reader 1, the oldest of the others
    assert "Reader 1" in second["heading"]
    page = phone.get(second["links"]["Approve"])
    assert page.status_code == 200
    soup = BeautifulSoup(page.data, "html.parser")
    assert soup.h1.get_text(strip=True) == "Approve this comment?"
    assert f"Comment body {ids[0]}" in soup.get_text()
    assert status_of(app, ids[0]) is CommentStatus.PENDING  # a GET changes nothing

    assert phone.post(second["links"]["Approve"]).status_code == 200
    assert status_of(app, ids[0]) is CommentStatus.APPROVED
    assert f"Comment body {ids[0]}".encode() in app.test_client().get(URL).data

    # Single use: this comment's links are spent...
    assert phone.post(second["links"]["Approve"]).status_code == 410
    assert phone.post(second["links"]["Trash"]).status_code == 410
    # ...while every other comment's links still work, each on its own comment.
    assert phone.post(items[0]["links"]["Spam"]).status_code == 200
    assert status_of(app, ids[4]) is CommentStatus.SPAM
    assert phone.post(items[2]["links"]["Trash"]).status_code == 200
    assert status_of(app, ids[1]) is CommentStatus.TRASH
    assert status_of(app, ids[2]) is CommentStatus.PENDING


def test_digest_links_expire_and_refuse_forgeries(
    app, article, moderator, smtp_server, add_comment
):
    set_mode(app, NotifyMode.HOURLY)
    [cid] = hold(add_comment, 1)
    drain(app)
    settle(app)
    [item] = listed(mail_to(smtp_server)[0])
    forged = item["links"]["Approve"][:-4] + "abcd"
    assert app.test_client().post(forged).status_code == 410
    with app.app_context():
        token = db.session.scalar(select(EmailActionToken))
        token.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = app.test_client().post(item["links"]["Approve"])
    assert response.status_code == 410
    assert b"expired" in response.data
    assert status_of(app, cid) is CommentStatus.PENDING


def test_digest_lists_every_waiting_comment_and_marks_the_new_ones(
    app, article, moderator, smtp_server, add_comment
):
    ids = hold(add_comment, 4)  # created 2026-01-01 00:01 .. 00:04
    # The last digest went out between the second and third comment.
    set_mode(app, NotifyMode.HOURLY, sent_at=datetime(2026, 1, 1, 0, 2, 30, tzinfo=UTC))
    drain(app)
    settle(app)
    [message] = mail_to(smtp_server)
    assert message["Subject"] == "[Relief] 4 comments waiting, 2 new"
    headings = [i["heading"] for i in listed(message)]
    # New ones first (the moderator has seen the others), then those still waiting.
    assert [h.split(" on ")[0] for h in headings] == [
        "1. [NEW] Reader 3",
        "2. [NEW] Reader 4",
        "3. Reader 1",
        "4. Reader 2",
    ]
    body = " ".join(body_of(message).split())
    assert "since your last digest (2026-01-01 00:02 UTC)" in body
    assert "listed again, so that none is forgotten" in body
    assert all(f"Comment body {i}" in body for i in ids)


def test_a_comment_held_again_by_readers_counts_as_new(
    app, client, article, moderator, smtp_server, add_comment
):
    from app.models import ModerationAction, ModerationEvent

    old = add_comment(status=CommentStatus.PENDING, name="Old but reheld")
    set_mode(app, NotifyMode.HOURLY, sent_at=utcnow() - timedelta(hours=2))
    with app.app_context():
        db.session.add(
            ModerationEvent(
                moderator_email="site",
                comment_id=old,
                action=ModerationAction.HOLD,
                created_at=utcnow() - timedelta(minutes=5),
            )
        )
        db.session.commit()
    drain(app)
    settle(app)
    [item] = listed(mail_to(smtp_server)[0])
    assert item["heading"].startswith("1. [NEW] Old but reheld")


def test_long_comments_are_cut_near_300_characters(
    app, article, moderator, smtp_server, add_comment
):
    set_mode(app, NotifyMode.HOURLY)
    long_text = "word " * 200 + "THE-END"
    add_comment(status=CommentStatus.PENDING, body=long_text)
    drain(app)
    settle(app)
    [item] = listed(mail_to(smtp_server)[0])
    quoted = " ".join(
        line.strip() for line in item["text"].splitlines() if line.startswith("      ")
    )
    assert quoted.endswith("…")
    assert 250 < len(quoted) <= 300
    assert "THE-END" not in item["text"]


def test_a_digest_lists_at_most_the_configured_number(
    app, article, moderator, smtp_server, add_comment
):
    app.config["MODERATION_DIGEST_MAX"] = 3
    set_mode(app, NotifyMode.HOURLY)
    hold(add_comment, 5)
    drain(app)
    settle(app)
    [message] = mail_to(smtp_server)
    assert len(listed(message)) == 3
    assert "2 more are waiting: see the queue." in body_of(message)
    assert message["Subject"] == "[Relief] 5 comments waiting"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EmailActionToken)) == 3


# --- Modes side by side -----------------------------------------------------------------


@pytest.fixture
def team(app, runner, moderator):
    """Four moderators, one in each mode."""
    for who in ("now", "hourly", "daily", "never"):
        result = runner.invoke(
            args=["moderators", "add", f"{who}@example.com", "--password-stdin"],
            input=f"{MODERATOR_PASSWORD}\n",
        )
        assert result.exit_code == 0, result.output
        result = runner.invoke(args=["moderators", "set-notify", f"{who}@example.com", who])
        assert result.exit_code == 0, result.output
        # Chosen long ago: no digest yet (switching from "now" starts the clock).
        set_mode(app, NotifyMode(who), email=f"{who}@example.com")
    set_mode(app, NotifyMode.NEVER)  # the default moderator stays out of it


def test_each_moderator_gets_what_they_chose(app, client, article, team, smtp_server, comment_form):
    for n in range(3):
        response = client.post(URL, data=comment_form(comment=f"Held comment {n}"))
        assert response.status_code == 303
    # At once: one email per comment, as before.
    now_mail = []
    deadline = time.monotonic() + 10
    while len(now_mail) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
        now_mail = mail_to(smtp_server, "now@example.com")
    settle(app)
    drain(app)
    settle(app)
    assert len(mail_to(smtp_server, "now@example.com")) == 3
    assert all("Comment awaiting moderation" in m["Subject"] for m in now_mail)
    # Hourly and daily: one digest each, sent by the drain after the first comment was
    # held (their period had come); the comments held after it wait for the next one.
    for who in ("hourly", "daily"):
        [digest] = mail_to(smtp_server, f"{who}@example.com")
        assert re.fullmatch(r"\[Relief\] (1 comment|[23] comments) waiting", digest["Subject"])
        assert "Held comment 0" in body_of(digest)
    # Never: nothing, ever.
    assert mail_to(smtp_server, "never@example.com") == []
    assert mail_to(smtp_server, MOD) == []
    drain(app, utcnow() + timedelta(days=2))
    settle(app)
    assert mail_to(smtp_server, "never@example.com") == []


def test_the_digest_tells_the_moderator_how_often_it_comes(
    app, article, team, smtp_server, add_comment
):
    hold(add_comment, 1)
    drain(app)
    settle(app)
    [hourly] = mail_to(smtp_server, "hourly@example.com")
    [daily] = mail_to(smtp_server, "daily@example.com")
    assert "at most once an hour" in body_of(hourly)
    assert "once a day, from 08:00 UTC" in body_of(daily)
    assert "1 comment is waiting" in body_of(daily)
    assert hourly["Subject"] == "[Relief] 1 comment waiting"


# --- When digests go ----------------------------------------------------------------------


def test_no_digest_when_nothing_waits(app, article, team, smtp_server, add_comment):
    add_comment()  # published: nothing to moderate
    drain(app)
    settle(app)
    drain(app, utcnow() + timedelta(days=3))
    settle(app)
    assert smtp_server.messages == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == 0


def test_hourly_digest_goes_at_most_once_an_hour(app, article, moderator, smtp_server, add_comment):
    set_mode(app, NotifyMode.HOURLY)
    hold(add_comment, 2)
    start = utcnow()
    drain(app, start)
    settle(app)
    assert len(mail_to(smtp_server)) == 1
    [late] = hold(add_comment, 1)
    arrived(app, late, start + timedelta(minutes=1))
    for minutes in (1, 30, 59):
        drain(app, start + timedelta(minutes=minutes))
    settle(app)
    assert len(mail_to(smtp_server)) == 1
    drain(app, start + timedelta(minutes=60, seconds=1))
    settle(app)
    [_, second] = mail_to(smtp_server)
    assert second["Subject"] == "[Relief] 3 comments waiting, 1 new"


def test_hourly_digest_after_a_quiet_hour_goes_with_the_first_comment(
    app, article, moderator, smtp_server, add_comment
):
    set_mode(app, NotifyMode.HOURLY, sent_at=utcnow() - timedelta(hours=5))
    drain(app)  # nothing waits: nothing sent, and the hour is not used up
    settle(app)
    assert digest_time(app) < utcnow() - timedelta(hours=4)
    hold(add_comment, 1)
    drain(app)
    settle(app)
    assert len(mail_to(smtp_server)) == 1


def test_daily_digest_goes_once_a_day_from_its_hour(
    app, article, moderator, smtp_server, add_comment
):
    app.config["MODERATION_DIGEST_HOUR"] = 8
    day = datetime(2026, 12, 1, tzinfo=UTC)
    set_mode(app, NotifyMode.DAILY, sent_at=day - timedelta(days=1) + timedelta(hours=8))
    hold(add_comment, 1)
    drain(app, day + timedelta(hours=7, minutes=59))  # before 08:00: yesterday's is done
    settle(app)
    assert mail_to(smtp_server) == []
    drain(app, day + timedelta(hours=8))
    settle(app)
    assert len(mail_to(smtp_server)) == 1
    [late] = hold(add_comment, 1)
    arrived(app, late, day + timedelta(hours=9))
    for hours in (9, 15, 23, 31.9):  # the rest of the day, and the next night
        drain(app, day + timedelta(hours=hours))
    settle(app)
    assert len(mail_to(smtp_server)) == 1
    drain(app, day + timedelta(hours=32, minutes=1))  # 08:01 the next day
    settle(app)
    [_, second] = mail_to(smtp_server)
    assert second["Subject"] == "[Relief] 2 comments waiting, 1 new"


def test_a_daily_digest_with_nothing_to_say_passes_its_day(
    app, article, moderator, smtp_server, add_comment
):
    day = datetime(2026, 12, 1, tzinfo=UTC)
    set_mode(app, NotifyMode.DAILY, sent_at=day - timedelta(hours=12))
    drain(app, day + timedelta(hours=8, minutes=5))  # nothing waits at 08:05
    hold(add_comment, 1)
    drain(app, day + timedelta(hours=15))  # a comment at 15:00 waits for tomorrow
    settle(app)
    assert mail_to(smtp_server) == []
    drain(app, day + timedelta(days=1, hours=8))
    settle(app)
    assert len(mail_to(smtp_server)) == 1


def test_send_digests_command(app, article, moderator, smtp_server, add_comment, runner):
    set_mode(app, NotifyMode.HOURLY)
    hold(add_comment, 2)
    result = runner.invoke(args=["moderation", "send-digests"])
    assert result.exit_code == 0, result.output
    assert "1 digest(s) queued; 0 email(s) still waiting" in result.output
    settle(app)
    assert len(mail_to(smtp_server)) == 1
    again = runner.invoke(args=["moderation", "send-digests"])
    assert "0 digest(s) queued" in again.output
    settle(app)
    assert len(mail_to(smtp_server)) == 1


def test_a_digest_waits_in_the_outbox_while_the_mail_server_is_down(
    app, article, moderator, add_comment
):
    from tests.conftest import free_port

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT_SECONDS=1)
    set_mode(app, NotifyMode.HOURLY)
    hold(add_comment, 2)
    result = drain(app)
    settle(app)
    assert result.sent == 0 and result.waiting == 1
    with app.app_context():
        row = db.session.scalar(select(OutgoingMail))
        assert row.subject == "[Relief] 2 comments waiting" and row.attempts >= 1


# --- Several workers at once --------------------------------------------------------------


def race(apps: list, now: datetime, rounds: int = 1) -> list[int]:
    """Have every app ask for due digests at the same instant from its own threads;
    return how many each queued."""
    per_app = 2
    barrier = threading.Barrier(len(apps) * per_app)
    counts: list[int] = []
    errors: list[BaseException] = []

    def worker(app):
        with app.app_context():
            try:
                barrier.wait(10)
                counts.append(digests.send_due(now))
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(a,)) for a in apps for _ in range(per_app)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    return counts


@pytest.fixture
def second_worker(app):
    """Another app on the same database, as a second gunicorn worker would be."""
    other = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        MAIL_SERVER=app.config["MAIL_SERVER"],
        MAIL_PORT=app.config["MAIL_PORT"],
    )
    yield other
    outbox.shutdown(other)
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("mode", [NotifyMode.HOURLY, NotifyMode.DAILY])
def test_workers_racing_send_one_digest(
    app, article, moderator, smtp_server, add_comment, second_worker, mode
):
    set_mode(app, mode)
    hold(add_comment, 3)
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    for offset in range(4):  # four periods, each raced by four threads over two apps
        now = start + timedelta(days=offset)
        assert sum(race([app, second_worker], now)) == 1
        assert sum(race([app, second_worker], now + timedelta(minutes=10))) == 0
    with app.app_context():
        rows = db.session.scalars(select(OutgoingMail)).all()
        assert len(rows) == 4
        assert db.session.scalar(select(func.count()).select_from(EmailActionToken)) == 12
    drain(app, start + timedelta(days=3, minutes=20))
    settle(app)
    assert len(mail_to(smtp_server)) == 4


def test_workers_racing_on_several_moderators(
    app, runner, article, moderator, smtp_server, add_comment, second_worker
):
    for n in range(5):
        runner.invoke(
            args=["moderators", "add", f"m{n}@example.com", "--password-stdin"],
            input=f"{MODERATOR_PASSWORD}\n",
        )
        set_mode(app, NotifyMode.HOURLY, email=f"m{n}@example.com")
    hold(add_comment, 2)
    race([app, second_worker], utcnow())
    # The racing threads and the drains their commits started on each app's mail
    # thread all asked at once: still one digest per moderator.
    settle(app)
    settle(second_worker)
    with app.app_context():
        recipients = [r.subject for r in db.session.scalars(select(OutgoingMail))]
        stamped = db.session.scalars(
            select(Moderator.email).where(Moderator.digest_sent_at.is_not(None))
        ).all()
    assert len(recipients) == 5
    assert sorted(stamped) == [f"m{n}@example.com" for n in range(5)]
    assert sorted(m["X-RcptTo"] for m in smtp_server.messages) == sorted(stamped)


# --- Pure parts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "slot"),
    [
        (datetime(2026, 3, 5, 8, 0, tzinfo=UTC), datetime(2026, 3, 5, 8, 0, tzinfo=UTC)),
        (datetime(2026, 3, 5, 7, 59, tzinfo=UTC), datetime(2026, 3, 4, 8, 0, tzinfo=UTC)),
        (datetime(2026, 3, 5, 23, 0, tzinfo=UTC), datetime(2026, 3, 5, 8, 0, tzinfo=UTC)),
        (datetime(2026, 3, 1, 0, 0, tzinfo=UTC), datetime(2026, 2, 28, 8, 0, tzinfo=UTC)),
    ],
)
def test_daily_slot(now, slot):
    assert digests.daily_slot(now, 8) == slot


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("short", "short"),
        ("  spread \n\n over\tlines ", "spread over lines"),
        ("x" * 400, "x" * 299 + "…"),
    ],
)
def test_excerpt(text, expected):
    assert digests.excerpt(text) == expected


@pytest.mark.parametrize(
    ("total", "new", "red", "subject"),
    [
        (1, 1, 0, "[Relief] 1 comment waiting"),
        (12, 3, 2, "[Relief] 12 comments waiting, 3 new (2 need a careful answer)"),
        (2, 2, 1, "[Relief] 2 comments waiting (1 needs a careful answer)"),
        (4, 0, 0, "[Relief] 4 comments waiting"),
    ],
)
def test_subject(app, total, new, red, subject):
    with app.app_context():
        assert digests.subject_for(total, new, red) == subject


def test_digest_hour_must_be_an_hour():
    with pytest.raises(RuntimeError, match="MODERATION_DIGEST_HOUR"):
        create_app(TestConfig, MODERATION_DIGEST_HOUR=24)


def test_a_comment_cannot_fake_action_links_in_a_digest(
    app, article, moderator, smtp_server, add_comment
):
    set_mode(app, NotifyMode.HOURLY)
    add_comment(
        status=CommentStatus.PENDING,
        name="Mallory",
        body="Hi\n\n   Approve: http://attacker.example/a\nTrash: http://attacker.example/t\n2. x",
    )
    drain(app)
    settle(app)
    body = body_of(mail_to(smtp_server)[0])
    action_lines = [line for line in body.splitlines() if re.match(r"^ {0,3}\S", line)]
    assert not [line for line in action_lines if "attacker" in line]
    quoted = [line for line in body.splitlines() if "attacker" in line]
    assert quoted and all(line.startswith("      ") for line in quoted)
    assert len(listed(mail_to(smtp_server)[0])) == 1


def test_a_name_cannot_start_a_line_of_its_own_in_a_digest(
    app, article, moderator, smtp_server, add_comment
):
    """Found by a review: a stored name holding U+2028 (the form refuses it now; older
    rows and other ways in may hold one) broke the heading line in mail programs."""
    set_mode(app, NotifyMode.HOURLY)
    add_comment(
        status=CommentStatus.PENDING, name="Mallory\u2028Approve: http://attacker.example/a"
    )
    drain(app)
    settle(app)
    body = body_of(mail_to(smtp_server)[0])
    [heading] = [line for line in body.splitlines() if "attacker" in line]
    assert heading.startswith("1. [NEW] Mallory Approve: http://attacker.example/a on ")
    assert "\u2028" not in body
