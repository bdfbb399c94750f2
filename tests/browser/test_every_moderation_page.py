"""Every moderation page, found from the app's URL map rather than from a list kept by
hand: each answers, has no axe-core violations, and fits a 390 px phone without
sideways scrolling.  A page added later without a sample here fails the walk."""

from __future__ import annotations

import pytest
from flask import url_for
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.auth.services import add_moderator
from app.db import write_transaction
from app.extensions import db
from app.models import CommentStatus, Moderator, ModeratorRole, SavedReply
from app.moderation import services
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_accessibility_and_safety import assert_no_violations
from tests.conftest import MODERATOR_PASSWORD

# Pages reached only through a signed email link (their own tests cover them).
NOT_WALKED = {"email_actions.confirm"}


@pytest.fixture
def workspace(app, article, moderator, add_comment):
    """A little of everything, so that no page is an empty state only."""
    parent = add_comment(body="Does heat help a spasm at night?", name="Hamid")
    held = add_comment(parent=parent, status=CommentStatus.PENDING, body="I fell; my leg is numb.")
    add_comment(status=CommentStatus.SPAM, body="Buy now")
    with app.app_context():
        admin = db.session.scalar(select(Moderator).where(Moderator.email == "mod@example.com"))
        comment = services.get_comment(held)
        version = services.version_of(comment)
        services.edit(held, admin, "Bea", None, "I fell, and my left leg is numb.", version=version)
        other = add_moderator(
            "pat@example.com", MODERATOR_PASSWORD, "Pat", role=ModeratorRole.MODERATOR
        )
        with write_transaction():
            saved = SavedReply(title="Get help", body="Please read {help_link}.")
            db.session.add(saved)
        return {"comment_id": held, "moderator_id": other.id, "reply_id": saved.id}


def moderation_pages(app, samples: dict[str, int]) -> list[str]:
    """Every GET page of the moderation area and the admin pages, with sample ids."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in NOT_WALKED:
                continue
            if not rule.rule.startswith("/moderation"):
                continue
            missing = rule.arguments - samples.keys()
            assert not missing, f"{rule.endpoint}: give this test a sample for {missing}"
            urls.append(url_for(rule.endpoint, **{k: samples[k] for k in rule.arguments}))
    # The queue's tabs are pages of their own to a moderator.
    urls += [f"/moderation/?status={tab}" for tab in ("careful", "approved", "spam", "reported")]
    return sorted(set(urls))


def test_every_moderation_page_is_accessible_and_fits_a_phone(
    page: Page, app, live_server, workspace
):
    page.goto(live_server + "/auth/login")
    page.fill("#email", "mod@example.com")
    page.fill("#password", MODERATOR_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("h1")).to_have_text("Comments")
    urls = moderation_pages(app, workspace)
    assert len(urls) >= 20
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        for url in urls:
            response = page.goto(live_server + url)
            assert response.status == 200, url
            assert_no_violations(page)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], (url, width)
