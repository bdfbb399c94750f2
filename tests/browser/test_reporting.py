"""Reporting a comment in Chromium: a reader reports and is thanked (with and without
JavaScript), a moderator finds the report in the queue and dismisses it, and axe finds
nothing on the report page, the thanks or the queue with reports, light and dark."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.comments import reports
from app.content.loading import load_directory
from app.extensions import db
from app.models import CommentReport, CommentStatus, ReportReason
from tests.browser.test_accessibility_and_safety import assert_no_violations, log_in
from tests.conftest import ROOT

ARTICLE = "/relieve-back-spasms/"
REMEDY = ARTICLE + "stretching-and-gentle-exercise/"


@pytest.fixture
def site(app, live_server, add_comment):
    """The real article, with a comment on a remedy page to report; returns the base URL
    and the comment's id."""
    with app.app_context():
        load_directory(ROOT / "content")
    comment_id = add_comment(
        article_slug="relieve-back-spasms",
        remedy_slug="stretching-and-gentle-exercise",
        name="Sam",
        body="Skip the doctor and double the dose of painkillers.",
    )
    add_comment(article_slug="relieve-back-spasms", name="Maria", body="Walking helped me.")
    return live_server, comment_id


def reported(app) -> list[CommentReport]:
    with app.app_context():
        return list(db.session.scalars(select(CommentReport)))


def hold_by_reports(app, comment_id: int, notes=("Dangerous advice.", "", "Please check.")):
    """Three readers on three networks report a comment (it is held)."""
    reasons = (ReportReason.UNSAFE_ADVICE, ReportReason.ABUSE, ReportReason.OTHER)
    with app.test_request_context():
        for n, (reason, note) in enumerate(zip(reasons, notes, strict=True)):
            new = reports.NewReport(reason, note, reports.new_browser_key(), f"192.0.2.{n + 1}")
            reports.report_comment(comment_id, new)


def reader_reports(page: Page, base: str, comment_id: int) -> None:
    page.goto(base + REMEDY)
    comment = page.locator(f"#comment-{comment_id}")
    comment.get_by_role("link", name="Report comment by Sam").click()
    expect(page).to_have_url(f"{base}/report/{comment_id}")
    expect(page.locator("h1")).to_have_text("Report a comment")
    expect(page.locator(".report-quote")).to_contain_text("double the dose")
    # Sent without a reason: the summary says so and the note stays.
    page.fill("#note", "It tells people to avoid their doctor.")
    page.get_by_role("button", name="Send report").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Choose why you are reporting this comment.")
    expect(page.locator("#note")).to_have_value("It tells people to avoid their doctor.")
    page.get_by_label("Unsafe medical advice").check()
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("h1")).to_have_text("Thank you for your report")
    page.get_by_role("link", name="Back to the comments").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(base + REMEDY)}#comment-{comment_id}$"))


def test_a_reader_reports_a_comment_and_is_thanked(page: Page, site, app):
    base, comment_id = site
    reader_reports(page, base, comment_id)
    [report] = reported(app)
    assert report.reason is ReportReason.UNSAFE_ADVICE
    assert report.note == "It tells people to avoid their doctor."


def test_a_reader_reports_a_comment_without_javascript(browser, site, app):
    base, comment_id = site
    context = browser.new_context(java_script_enabled=False)
    reader_reports(context.new_page(), base, comment_id)
    context.close()
    assert len(reported(app)) == 1


def moderator_dismisses(page: Page, base: str, comment_id: int) -> None:
    log_in(page, base)
    page.get_by_role("link", name=re.compile(r"^Reported")).click()
    expect(page).to_have_url(base + "/moderation/?status=reported")
    row = page.locator(f"#queue-{comment_id}")
    expect(row.locator(".queue-reports")).to_contain_text("Reported by 3 readers")
    expect(row.locator(".queue-reports")).to_contain_text("Unsafe medical advice")
    expect(row.locator(".queue-reports")).to_contain_text("Dangerous advice.")
    expect(row).to_contain_text("reported by 3 readers")
    row.get_by_role("button", name=f"Dismiss reports on comment {comment_id}").click()
    expect(page.locator(".flashes")).to_contain_text("3 reports on comment")
    expect(page.locator(f"#queue-{comment_id}")).to_have_count(0)
    # Then approved as usual, from the Pending tab.
    page.goto(base + "/moderation/")
    page.locator(f"#queue-{comment_id}").get_by_role(
        "button", name=f"Approve comment {comment_id}"
    ).click()
    expect(page.locator(".flashes")).to_contain_text(f"Comment {comment_id} approved.")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_moderator_sees_the_reports_and_dismisses_them(browser, site, app, moderator, javascript):
    base, comment_id = site
    hold_by_reports(app, comment_id)
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.goto(base + REMEDY)
    expect(page.locator(f"#comment-{comment_id}")).to_have_count(0)  # held back
    moderator_dismisses(page, base, comment_id)
    page.goto(base + REMEDY)
    expect(page.locator(f"#comment-{comment_id}")).to_contain_text("double the dose")
    context.close()
    assert all(r.dismissed_at for r in reported(app))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_on_the_report_pages(page: Page, site, scheme):
    base, comment_id = site
    page.emulate_media(color_scheme=scheme)
    page.goto(base + REMEDY)
    assert_no_violations(page)
    page.goto(f"{base}/report/{comment_id}")
    assert_no_violations(page)
    page.get_by_label("Other").check()
    page.get_by_role("button", name="Send report").click()  # "Other" needs a note
    expect(page.locator("#error-summary")).to_be_focused()
    assert_no_violations(page)
    page.fill("#note", "Not what the remedy page says.")
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("h1")).to_have_text("Thank you for your report")
    assert_no_violations(page)
    page.goto(f"{base}/report/999999")
    expect(page.locator("h1")).to_have_text("This comment cannot be reported")
    assert_no_violations(page)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_on_the_queue_with_reports(page: Page, site, app, moderator, scheme):
    base, comment_id = site
    hold_by_reports(app, comment_id)
    page.emulate_media(color_scheme=scheme)
    log_in(page, base)
    expect(page.locator(f"#queue-{comment_id} .queue-reports")).to_be_visible()
    assert_no_violations(page)
    page.goto(base + "/moderation/?status=reported")
    assert_no_violations(page)
    page.locator(f"#queue-{comment_id}").get_by_role("button", name=re.compile("Dismiss")).click()
    # With JavaScript the queue acts in place: wait for the answer before leaving.
    expect(page.locator(".flashes .notice")).to_contain_text("dismissed")
    page.goto(base + "/moderation/")
    details = page.locator(f"#queue-{comment_id} details")
    details.locator("summary").click()
    expect(details).to_contain_text("Dismissed by Relief team")
    assert_no_violations(page)
    page.goto(base + "/moderation/log")
    expect(page.locator(".log")).to_contain_text("dismiss reports")
    assert_no_violations(page)
    with app.app_context():
        from app.models import Comment

        assert db.session.get(Comment, comment_id).status is CommentStatus.PENDING
