"""Report a comment: the form, one report per browser and network, the throttle, the
hold after three networks, what moderators see and dismiss, and hostile requests."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select, update
from werkzeug.datastructures import MultiDict

from app.comments import reports
from app.comments.privacy import purge_ips
from app.comments.report_form import NOTE_NEEDED, REASON_MISSING, ReportForm
from app.comments.signals import comment_held
from app.extensions import db
from app.models import (
    Article,
    Comment,
    CommentReport,
    CommentStatus,
    ModerationAction,
    ModerationEvent,
    ReportReason,
    utcnow,
)
from app.shared.urls import MAX_ID
from tests.test_hostile_urls import HOSTILE_NEXT, assert_safe_redirect
from tests.test_properties import FIXTURES_OK, _form_body, text_values

PAGE = "/back-spasms/"
NOTE = "The dose in this comment is far too high."


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def report(client, comment_id, ip="198.51.100.1", **fields):
    data = {"reason": "unsafe_advice", "note": NOTE}
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"/report/{comment_id}", data=data, environ_base={"REMOTE_ADDR": ip})


def stored_reports(app) -> list[CommentReport]:
    with app.app_context():
        return list(db.session.scalars(select(CommentReport).order_by(CommentReport.id)))


def comment_row(app, comment_id) -> Comment:
    with app.app_context():
        return db.session.get(Comment, comment_id)


@pytest.fixture
def reader(app):
    """A new browser (its own cookies) each call."""
    return app.test_client


# --- The form, without HTTP ------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "reason", REASON_MISSING),
        ({"reason": "nonsense"}, "reason", REASON_MISSING),
        ({"reason": ""}, "reason", REASON_MISSING),
        ({"reason": "other"}, "note", NOTE_NEEDED),
        ({"reason": "other", "note": "   "}, "note", NOTE_NEEDED),
        ({"reason": "abuse", "note": "x" * 1001}, "note", "too long"),
        ({"reason": "abuse", "note": "bad \x07 bell"}, "note", "invisible control character"),
        ({"reason": "abuse", "note": "turn \u202e around"}, "note", "invisible control"),
    ],
)
def test_report_form_refuses_bad_shapes(app, data, field, message):
    with app.test_request_context(method="POST", data=data):
        form = ReportForm(MultiDict(data))
        assert not form.validate()
        assert any(message in error for error in form.errors[field])


@pytest.mark.parametrize(
    "data",
    [
        {"reason": "unsafe_advice"},
        {"reason": "personal_info", "note": "It names my neighbour."},
        {"reason": "abuse", "note": "x" * 1000},
        {"reason": "other", "note": "Something else\nover two lines."},
    ],
)
def test_report_form_accepts_each_reason(app, data):
    with app.test_request_context(method="POST", data=data):
        form = ReportForm(MultiDict(data))
        assert form.validate(), form.errors
        assert form.chosen_reason is ReportReason(data["reason"])


# --- Readers -----------------------------------------------------------------------------


def test_each_published_comment_has_a_report_link_and_held_ones_none(
    app, client, article, add_comment, comment_form
):
    shown = add_comment(body="Published words")
    client.post(PAGE, data=comment_form(comment="My own held comment"))
    with app.app_context():
        held = db.session.scalar(select(func.max(Comment.id)))
    assert comment_row(app, held).status is CommentStatus.PENDING
    soup = soup_of(client.get(PAGE))
    link = soup.find(id=f"comment-{shown}").find("a", class_="report-link")
    assert link["href"] == f"/report/{shown}"
    assert link["rel"] == ["nofollow"]
    assert link.get_text(" ", strip=True) == "Report comment by Reader"
    assert soup.find(id=f"comment-{held}").find("a", class_="report-link") is None
    # The cached page for anonymous readers carries the same link.
    cached = soup_of(app.test_client().get(PAGE))
    assert cached.find("a", href=f"/report/{shown}")


def test_report_page_shows_the_comment_and_a_private_form(client, article, add_comment):
    comment_id = add_comment(body="Take twenty tablets at once.")
    response = client.get(f"/report/{comment_id}")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    soup = soup_of(response)
    assert soup.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert soup.h1.get_text() == "Report a comment"
    assert "Take twenty tablets at once." in soup.find(class_="report-quote").get_text()
    form = soup.find("form", class_="report-form")
    assert form["action"].startswith(f"/report/{comment_id}")
    radios = form.find_all("input", attrs={"name": "reason"})
    assert [r["value"] for r in radios] == [r.value for r in ReportReason]
    assert form.find("fieldset").find("legend")
    for radio in radios:
        assert soup.find("label", attrs={"for": radio["id"]})
        assert soup.find(id=radio["aria-describedby"])
    assert form.find("textarea", attrs={"name": "note"})
    assert "Reports are never published" in " ".join(soup.get_text().split())
    assert soup.find("a", string="Cancel")["href"] == f"{PAGE}#comment-{comment_id}"


def test_a_report_is_stored_and_thanked(app, client, article, add_comment):
    comment_id = add_comment()
    response = report(client, comment_id, note="  Wrong dose.  ")
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert location.path == "/report/sent"
    assert parse_qs(location.query)["back"] == [f"{PAGE}#comment-{comment_id}"]
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("relief_reporter=")
    assert "HttpOnly" in cookie and "Path=/report/" in cookie and "SameSite=Lax" in cookie
    [stored] = stored_reports(app)
    assert stored.comment_id == comment_id
    assert stored.reason is ReportReason.UNSAFE_ADVICE
    assert stored.note == "Wrong dose."
    assert stored.client_net == "198.51.100.1"
    # Only a digest of the browser's key is kept, and it is not the session's.
    raw = cookie.split(";")[0].split("=", 1)[1]
    assert stored.reporter_digest not in raw and len(stored.reporter_digest) == 64
    session_cookie = client.get_cookie("session")
    assert session_cookie is None or stored.reporter_digest not in session_cookie.value
    thanks = client.get(response.headers["Location"])
    soup = soup_of(thanks)
    assert soup.h1.get_text() == "Thank you for your report"
    assert soup.find("a", string="Back to the comments")["href"] == f"{PAGE}#comment-{comment_id}"
    assert comment_row(app, comment_id).status is CommentStatus.APPROVED


def test_the_thanks_page_never_links_off_the_site(client):
    for back in ("https://evil.example/", "//evil.example", "/\\evil", "javascript:alert(1)"):
        soup = soup_of(client.get("/report/sent", query_string={"back": back}))
        assert soup.find("a", string="Back to the comments")["href"] == "/"


def test_same_browser_twice_counts_once_and_is_thanked_the_same(app, reader, article, add_comment):
    comment_id = add_comment()
    browser = reader()
    first = report(browser, comment_id, ip="198.51.100.1")
    again = report(browser, comment_id, ip="203.0.113.9", reason="abuse", note="Again")
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert "Set-Cookie" not in again.headers  # the same key is kept
    thanks = [browser.get(answer.headers["Location"]).data for answer in (first, again)]
    assert thanks[0] == thanks[1]
    assert len(stored_reports(app)) == 1


def test_same_network_with_different_browsers_counts_once(app, reader, article, add_comment):
    comment_id = add_comment()
    answers = [report(reader(), comment_id, ip="198.51.100.7") for _ in range(3)]
    assert {a.status_code for a in answers} == {303}
    assert len({a.headers["Location"] for a in answers}) == 1
    assert len(stored_reports(app)) == 1
    assert comment_row(app, comment_id).status is CommentStatus.APPROVED


def test_one_ipv6_network_counts_once(app, reader, article, add_comment):
    comment_id = add_comment()
    report(reader(), comment_id, ip="2001:db8:1:2::1")
    report(reader(), comment_id, ip="2001:db8:1:2:ffff::9")
    assert [r.client_net for r in stored_reports(app)] == ["2001:db8:1::/48"]


def test_three_distinct_networks_hold_the_comment_at_once(app, reader, article, add_comment):
    comment_id = add_comment(body="Stop your medicine and use heat only.")
    other = add_comment(body="Another comment stays.")
    with app.app_context():
        before = db.session.scalar(select(Article).where(Article.slug == "back-spasms"))
        version, count = before.cache_version, before.comment_count
    assert b"Stop your medicine" in app.test_client().get(PAGE).data  # cached now
    held = []

    def on_held(sender, comment_id):
        held.append(comment_id)

    with comment_held.connected_to(on_held):
        answers = [
            report(reader(), comment_id, ip=ip)
            for ip in ("198.51.100.1", "198.51.100.2", "2001:db8::1")
        ]
    assert {a.status_code for a in answers} == {303}
    assert len({a.headers["Location"] for a in answers}) == 1  # no hint who tipped it
    comment = comment_row(app, comment_id)
    assert comment.status is CommentStatus.PENDING
    assert comment.reason == "reported by 3 readers"
    assert held == [comment_id]
    with app.app_context():
        after = db.session.scalar(select(Article).where(Article.slug == "back-spasms"))
        assert after.comment_count == count - 1
        assert after.cache_version > version
        [event] = db.session.scalars(
            select(ModerationEvent).where(ModerationEvent.action == ModerationAction.HOLD)
        ).all()
        assert (event.moderator_id, event.moderator_email) == (None, "system")
        assert event.comment_id == comment_id and event.detail == "reported by 3 readers"
    page = app.test_client().get(PAGE).data
    assert b"Stop your medicine" not in page
    assert b"Another comment stays." in page
    assert comment_row(app, other).status is CommentStatus.APPROVED
    # A fourth reader now gets the kind refusal, like any held comment.
    assert report(reader(), comment_id, ip="198.51.100.4").status_code == 404


def test_reports_hold_only_from_the_configured_number(app, reader, article, add_comment):
    app.config["COMMENTS_REPORTS_TO_HOLD"] = 5
    comment_id = add_comment()
    for n in range(4):
        report(reader(), comment_id, ip=f"198.51.100.{n + 1}")
    assert comment_row(app, comment_id).status is CommentStatus.APPROVED
    report(reader(), comment_id, ip="198.51.100.9")
    assert comment_row(app, comment_id).reason == "reported by 5 readers"
    app.config["COMMENTS_REPORTS_TO_HOLD"] = 0
    other = add_comment()
    for n in range(6):
        report(reader(), other, ip=f"192.0.2.{n + 1}")
    assert comment_row(app, other).status is CommentStatus.APPROVED


@pytest.mark.parametrize("status", [CommentStatus.PENDING, CommentStatus.SPAM, CommentStatus.TRASH])
def test_held_spam_and_trashed_comments_are_refused_like_missing_ones(
    app, client, article, add_comment, status
):
    comment_id = add_comment(status=status)
    missing = comment_id + 1000
    for method in ("get", "post"):
        refused = getattr(client, method)(f"/report/{comment_id}", data={"reason": "abuse"})
        absent = getattr(client, method)(f"/report/{missing}", data={"reason": "abuse"})
        assert refused.status_code == absent.status_code == 404
        assert refused.data == absent.data
        assert refused.headers.get("Set-Cookie") == absent.headers.get("Set-Cookie") is None
        assert b"This comment cannot be reported" in refused.data
    assert stored_reports(app) == []


def test_removed_comments_and_drafts_cannot_be_reported(app, client, article, add_comment):
    parent = add_comment()
    add_comment(parent=parent)
    with app.app_context():
        from app.comments.services import remove_for_good

        remove_for_good(db.session.get(Comment, parent), utcnow())
        db.session.commit()
    assert report(client, parent).status_code == 404
    shown = add_comment()
    with app.app_context():
        db.session.execute(update(Article).values(published=False))
        db.session.commit()
    assert client.get(f"/report/{shown}").status_code == 404
    assert report(client, shown).status_code == 404
    assert stored_reports(app) == []


@pytest.mark.parametrize(
    "path",
    [
        "/report/0",
        "/report/-1",
        "/report/abc",
        "/report/007",
        f"/report/{MAX_ID + 1}",
        "/report/99999999999999999999999999",
        "/report/%00",
        "/report/1.5",
        "/report/",
    ],
)
def test_malformed_or_huge_ids_are_a_plain_404(client, article, path):
    for method in ("GET", "POST"):
        # "/report/abc" is redirected to "/report/abc/", an unknown remedy page.
        response = client.open(path, method=method, data={"reason": "abuse"}, follow_redirects=True)
        assert response.status_code == 404, (method, path)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_refused(client, article, add_comment, method):
    comment_id = add_comment()
    assert client.open(f"/report/{comment_id}", method=method).status_code == 405
    assert client.open("/report/sent", method=method).status_code == 405


def test_a_missing_reason_is_refused_with_the_note_kept(app, client, article, add_comment):
    comment_id = add_comment()
    response = report(client, comment_id, reason=None, note="Please look at this one.")
    assert response.status_code == 422
    soup = soup_of(response)
    summary = soup.find(id="error-summary")
    assert summary.find("a", href="#reason").get_text() == REASON_MISSING
    assert soup.find("fieldset", id="reason")
    assert soup.find("textarea", id="note").get_text().strip() == "Please look at this one."
    assert stored_reports(app) == []


def test_other_needs_a_note_and_keeps_the_choice(app, client, article, add_comment):
    comment_id = add_comment()
    response = report(client, comment_id, reason="other", note="")
    assert response.status_code == 422
    soup = soup_of(response)
    assert soup.find("input", attrs={"value": "other"}).has_attr("checked")
    assert NOTE_NEEDED in soup.find(id="note-error").get_text()


def test_missing_csrf_token_is_refused_kindly_with_the_note_kept(app, client, article, add_comment):
    app.config["WTF_CSRF_ENABLED"] = True
    comment_id = add_comment()
    response = report(client, comment_id, reason="personal_info", note="It has my address.")
    assert response.status_code == 400
    soup = soup_of(response)
    assert "Your session expired" in soup.find(id="error-summary").get_text()
    assert soup.find("textarea", id="note").get_text().strip() == "It has my address."
    assert soup.find("input", attrs={"value": "personal_info"}).has_attr("checked")
    assert stored_reports(app) == []
    # With the form's own token it goes through.
    token = soup.find("input", attrs={"name": "csrf_token"})["value"]
    sent = report(client, comment_id, reason="personal_info", csrf_token=token)
    assert sent.status_code == 303
    assert len(stored_reports(app)) == 1


def test_a_forged_reporter_cookie_is_replaced(app, client, article, add_comment):
    first, second = add_comment(), add_comment()
    client.set_cookie("relief_reporter", "forged.value", path="/report/")
    response = report(client, first, ip="198.51.100.1")
    assert response.headers["Set-Cookie"].startswith("relief_reporter=")
    assert "forged" not in response.headers["Set-Cookie"]
    # The new key is used from now on: a second comment from elsewhere is the same browser.
    report(client, second, ip="203.0.113.1")
    digests = {r.reporter_digest for r in stored_reports(app)}
    assert len(digests) == 1


def test_reports_are_throttled_per_network(app, reader, article, add_comment):
    app.config["COMMENTS_REPORTS_PER_HOUR"] = 2
    ids = [add_comment() for _ in range(4)]
    assert report(reader(), ids[0], ip="198.51.100.1").status_code == 303
    assert report(reader(), ids[1], ip="198.51.100.1").status_code == 303
    refused = report(reader(), ids[2], ip="198.51.100.1", note="Keep these words.")
    assert refused.status_code == 429
    assert 3000 < int(refused.headers["Retry-After"]) <= 3600
    soup = soup_of(refused)
    assert "a lot of reports in the last hour" in soup.find(id="error-summary").get_text()
    assert soup.find("textarea", id="note").get_text().strip() == "Keep these words."
    # Another network is not held back by it.
    assert report(reader(), ids[2], ip="198.51.100.2").status_code == 303
    # An hour later the first network may report again.
    with app.app_context():
        for stored in db.session.scalars(select(CommentReport)):
            stored.created_at -= timedelta(hours=1)
        db.session.commit()
    assert report(reader(), ids[3], ip="198.51.100.1").status_code == 303
    assert len(stored_reports(app)) == 4


def test_the_throttle_is_counted_in_the_database(app, article, add_comment):
    """Each worker has its own memory: the count lives in the table, so a second app
    (another worker) on the same database refuses too."""
    app.config["COMMENTS_REPORTS_PER_HOUR"] = 1
    first, second = add_comment(), add_comment()
    assert report(app.test_client(), first).status_code == 303
    from app import create_app
    from config import TestConfig

    other_worker = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        COMMENTS_REPORTS_PER_HOUR=1,
    )
    assert report(other_worker.test_client(), second).status_code == 429
    with other_worker.app_context():
        db.engine.dispose()


def test_report_notes_never_appear_publicly(app, reader, article, add_comment):
    comment_id = add_comment(remedy_slug="remedy-2")
    report(reader(), comment_id, note="SECRET-NOTE-42 for the moderators")
    public = [
        "/",
        PAGE,
        "/back-spasms/remedy-2/",
        "/sitemap.xml",
        "/robots.txt",
        f"/report/{comment_id}",
        "/report/sent",
    ]
    for path in public:
        response = app.test_client().get(path)
        assert b"SECRET-NOTE-42" not in response.data, path


# --- Moderators ------------------------------------------------------------------------


def test_moderators_see_every_report_with_reasons_and_notes(
    app, client, reader, article, add_comment, moderator
):
    comment_id = add_comment(body="Reported words")
    quiet = add_comment(body="Nobody minds this one")
    report(reader(), comment_id, ip="198.51.100.1", reason="unsafe_advice", note="Too much.")
    report(reader(), comment_id, ip="198.51.100.2", reason="personal_info", note="")
    moderator.login()
    soup = soup_of(client.get("/moderation/?status=approved"))
    row = soup.find(id=f"queue-{comment_id}")
    box = row.find(class_="queue-reports")
    text = box.get_text(" ", strip=True)
    assert "Reported by 2 readers" in text
    assert "Unsafe medical advice" in text and "Too much." in text
    assert "Personal information" in text
    assert box.find("button", formaction=f"/moderation/comments/{comment_id}/dismiss-reports")
    assert soup.find(id=f"queue-{quiet}").find(class_="queue-reports") is None
    # The Reported tab lists only reported comments, with their count.
    tab = soup_of(client.get("/moderation/?status=reported"))
    current = tab.find("nav", class_="tabs").find("a", attrs={"aria-current": "page"})
    assert current.get_text(" ", strip=True) == "Reported 1"
    assert [li["id"] for li in tab.select(".queue-row")] == [f"queue-{comment_id}"]
    assert tab.find("input", attrs={"name": "status"})["value"] == "reported"


def test_dismissing_reports_is_audited_and_the_moderator_then_approves(
    app, client, reader, article, add_comment, moderator
):
    comment_id = add_comment()
    for n in range(3):
        report(reader(), comment_id, ip=f"198.51.100.{n + 1}", note=f"note {n}")
    assert comment_row(app, comment_id).status is CommentStatus.PENDING
    moderator.login()
    queue = soup_of(client.get("/moderation/"))
    assert "reported by 3 readers" in queue.find(id=f"queue-{comment_id}").get_text()
    response = client.post(
        f"/moderation/comments/{comment_id}/dismiss-reports",
        data={"next": "/moderation/?status=reported"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/?status=reported"
    page = soup_of(client.get(response.headers["Location"]))
    assert "3 reports on comment" in page.get_text() and "still held" in page.get_text()
    assert page.find(id=f"queue-{comment_id}") is None  # no open reports left
    # Dismissing leaves the status alone; approving is the usual button.
    assert comment_row(app, comment_id).status is CommentStatus.PENDING
    with app.app_context():
        reports_now = db.session.scalars(select(CommentReport)).all()
        assert all(r.dismissed_at and r.dismissed_by_id for r in reports_now)
        event = db.session.scalar(
            select(ModerationEvent).where(
                ModerationEvent.action == ModerationAction.DISMISS_REPORTS
            )
        )
        assert event.moderator_email == "mod@example.com" and event.detail == "3 reports dismissed"
    client.post(f"/moderation/comments/{comment_id}/approve", data={"expected": "pending"})
    assert comment_row(app, comment_id).status is CommentStatus.APPROVED
    # The row keeps the dismissed reports, folded away.
    approved = soup_of(client.get("/moderation/?status=approved"))
    details = approved.find(id=f"queue-{comment_id}").find("details")
    assert "3 dismissed reports" in details.get_text()
    assert "Dismissed by Relief team" in details.get_text()
    # The log shows both the system's hold and the dismissal.
    log = soup_of(client.get("/moderation/log")).get_text(" ", strip=True)
    assert "system hold" in log and "dismiss reports" in log


def test_dismissed_reports_no_longer_count_and_their_senders_stay_counted_once(
    app, client, reader, article, add_comment, moderator
):
    comment_id = add_comment()
    browsers = [reader() for _ in range(2)]
    for n, browser in enumerate(browsers):
        report(browser, comment_id, ip=f"198.51.100.{n + 1}")
    moderator.login()
    client.post(f"/moderation/comments/{comment_id}/dismiss-reports")
    # The same readers again: thanked, not counted.
    for n, browser in enumerate(browsers):
        assert report(browser, comment_id, ip=f"198.51.100.{n + 1}").status_code == 303
    report(reader(), comment_id, ip="192.0.2.1")
    report(reader(), comment_id, ip="192.0.2.2")
    assert comment_row(app, comment_id).status is CommentStatus.APPROVED
    report(reader(), comment_id, ip="192.0.2.3")
    assert comment_row(app, comment_id).status is CommentStatus.PENDING


def test_dismissing_nothing_or_a_missing_comment_is_explained(
    app, client, article, add_comment, moderator
):
    comment_id = add_comment()
    moderator.login()
    response = client.post(f"/moderation/comments/{comment_id}/dismiss-reports")
    assert response.status_code == 303
    assert "no reports left to dismiss" in client.get("/moderation/").get_data(as_text=True)
    response = client.post(f"/moderation/comments/{MAX_ID}/dismiss-reports")
    assert response.status_code == 303
    assert "no longer exists" in client.get("/moderation/").get_data(as_text=True)
    assert client.get(f"/moderation/comments/{comment_id}/dismiss-reports").status_code == 405
    assert client.post("/moderation/comments/x/dismiss-reports").status_code == 404


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_dismissing_with_a_hostile_next_is_done_once_and_goes_to_the_queue(
    app, client, reader, article, add_comment, moderator, target
):
    comment_id = add_comment()
    report(reader(), comment_id)
    moderator.login()
    url = f"/moderation/comments/{comment_id}/dismiss-reports"
    response = client.post(url, data={"next": target})
    assert_safe_redirect(response)
    assert client.post(url, data={"next": target}).status_code == 303  # nothing left
    with app.app_context():
        events = db.session.scalars(
            select(ModerationEvent).where(
                ModerationEvent.action == ModerationAction.DISMISS_REPORTS
            )
        ).all()
    assert len(events) == 1


def test_dismissing_needs_a_csrf_token(app, client, reader, article, add_comment, moderator):
    comment_id = add_comment()
    report(reader(), comment_id)
    moderator.login()
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/moderation/comments/{comment_id}/dismiss-reports").status_code == 400
    with app.app_context():
        assert db.session.scalar(select(CommentReport.dismissed_at)) is None


def test_bulk_actions_on_the_reported_tab_apply_where_they_can(
    app, client, reader, article, add_comment, moderator
):
    held = add_comment()
    shown = add_comment()
    for n in range(3):
        report(reader(), held, ip=f"198.51.100.{n + 1}")
    report(reader(), shown, ip="192.0.2.1")
    moderator.login()
    soup = soup_of(client.get("/moderation/?status=reported"))
    options = [o["value"] for o in soup.find("select", id="bulk-action").find_all("option")]
    assert options == ["", "approve", "unapprove", "spam", "trash"]
    assert soup.find("input", attrs={"name": "seen_status"})["value"] == ""
    response = client.post(
        "/moderation/bulk",
        data={"action": "trash", "ids": [str(held), str(shown)], "seen_status": ""},
    )
    assert response.status_code == 303
    assert comment_row(app, held).status is CommentStatus.TRASH
    assert comment_row(app, shown).status is CommentStatus.TRASH
    # Trashed comments leave the Reported tab.
    assert "No reported comments" in client.get("/moderation/?status=reported").get_data(
        as_text=True
    )


# --- Privacy over time -------------------------------------------------------------------


def test_report_networks_are_cleared_with_the_ips(app, reader, article, add_comment):
    old, recent = add_comment(), add_comment()
    report(reader(), old, ip="198.51.100.1")
    report(reader(), recent, ip="198.51.100.2")
    with app.app_context():
        db.session.execute(
            update(CommentReport)
            .where(CommentReport.comment_id == old)
            .values(created_at=utcnow() - timedelta(days=31))
        )
        db.session.commit()
        purge_ips(30)
        rows = db.session.execute(select(CommentReport.comment_id, CommentReport.client_net))
        nets = dict(rows.all())
    assert nets == {old: None, recent: "198.51.100.2"}


def test_reports_go_with_their_comment(app, reader, article, add_comment):
    lone = add_comment()
    parent = add_comment()
    add_comment(parent=parent)
    report(reader(), lone, ip="198.51.100.1")
    report(reader(), parent, ip="198.51.100.2")
    with app.app_context():
        from app.comments.services import remove_for_good

        for comment_id in (lone, parent):
            remove_for_good(db.session.get(Comment, comment_id), utcnow())
        db.session.commit()
        assert db.session.get(Comment, parent).deleted_at is not None  # a placeholder
        assert db.session.scalar(select(func.count()).select_from(CommentReport)) == 0


def test_the_privacy_page_and_robots_txt_know_the_report_pages(client):
    privacy = " ".join(soup_of(client.get("/privacy/")).get_text().split())
    assert "relief_reporter" in privacy
    assert "What we keep when you report a comment" in privacy
    assert "Disallow: /report/" in client.get("/robots.txt").get_data(as_text=True)


# --- Services, directly ----------------------------------------------------------------


def test_a_simultaneous_repeat_caught_by_the_unique_rule_counts_once(app, article, add_comment):
    comment_id = add_comment()
    new = reports.NewReport(ReportReason.ABUSE, "", "k" * 32, "198.51.100.1")
    with app.test_request_context():
        assert reports.report_comment(comment_id, new).stored
        # As if the duplicate check had not seen the first (another transaction).
        original = reports._already_reported
        reports._already_reported = lambda *args: False
        try:
            outcome = reports.report_comment(comment_id, new)
        finally:
            reports._already_reported = original
    assert outcome == reports.ReportOutcome(stored=False)
    assert len(stored_reports(app)) == 1


def test_simultaneous_reports_hold_the_comment_once(app, article, add_comment):
    """On PostgreSQL transactions run side by side: the comment's row lock makes each
    report see the ones before it, so the hold happens once and later ones are refused."""
    from concurrent.futures import ThreadPoolExecutor

    comment_id = add_comment()

    def send(n):
        return report(app.test_client(), comment_id, ip=f"198.51.100.{n + 1}").status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = sorted(pool.map(send, range(8)))
    assert answers == [303] * 3 + [404] * 5
    assert len(stored_reports(app)) == 3
    with app.app_context():
        holds = db.session.scalars(
            select(ModerationEvent).where(ModerationEvent.action == ModerationAction.HOLD)
        ).all()
    assert len(holds) == 1


def test_simultaneous_reports_from_one_network_count_once(app, article, add_comment):
    from concurrent.futures import ThreadPoolExecutor

    comment_id = add_comment()

    def send(_):
        return report(app.test_client(), comment_id, ip="203.0.113.50").status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(send, range(8))) == {303}
    assert len(stored_reports(app)) == 1


# --- Anything a client can send ----------------------------------------------------------


REPORT_FIELDS = ["reason", "note", "csrf_token", "extra"]


@FIXTURES_OK
@given(
    fields=st.lists(
        st.tuples(
            st.sampled_from(REPORT_FIELDS),
            st.one_of(
                text_values,
                st.binary(max_size=200),
                st.sampled_from([r.value for r in ReportReason]),
            ),
        ),
        max_size=8,
    ),
    target=st.sampled_from(["existing", "held", "missing"]),
    ip=st.sampled_from(["198.51.100.1", "2001:db8::5", "not-an-address", ""]),
)
def test_any_report_post_is_answered_without_a_server_error(
    app, article, add_comment, fields, target, ip
):
    ids = {
        "existing": add_comment(),
        "held": add_comment(status=CommentStatus.PENDING),
        "missing": MAX_ID,
    }
    response = app.test_client().post(
        f"/report/{ids[target]}",
        data=_form_body(fields),
        content_type="application/x-www-form-urlencoded",
        environ_base={"REMOTE_ADDR": ip},
    )
    assert response.status_code in {303, 400, 404, 413, 422, 429}, response.status_code
    if target != "existing":
        assert response.status_code in {404, 413}
    if response.status_code in {400, 422, 429}:
        assert soup_of(response).find(id="error-summary")


def test_one_person_cannot_hold_a_comment_from_three_of_their_own_ipv6_64s(
    app, reader, article, add_comment
):
    """A home connection is often a /48 or a /56: its /64s are one reader here."""
    comment_id = add_comment()
    for subnet in ("0", "1", "2"):
        report(reader(), comment_id, ip=f"2001:db8:abcd:{subnet}::1")
    assert comment_row(app, comment_id).status is CommentStatus.APPROVED
    assert len(stored_reports(app)) == 1


def test_reports_from_ports_of_one_address_count_once(app, reader, article, add_comment):
    comment_id = add_comment()
    for port in (40001, 40002, 40003):
        report(reader(), comment_id, ip=f"203.0.113.5:{port}")
    assert comment_row(app, comment_id).status is CommentStatus.APPROVED
    assert len(stored_reports(app)) == 1


def test_the_teams_reply_is_never_held_by_readers_alone(
    app, reader, article, add_comment, moderator
):
    with app.app_context():
        from app.models import Moderator

        moderator_id = db.session.scalar(select(Moderator.id))
    comment_id = add_comment(body="The team's careful answer.")
    with app.app_context():
        db.session.get(Comment, comment_id).moderator_id = moderator_id
        db.session.commit()
    for ip in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        report(reader(), comment_id, ip=ip)
    assert comment_row(app, comment_id).status is CommentStatus.APPROVED
    assert len(stored_reports(app)) == 3  # waiting in the Reported tab for a moderator
