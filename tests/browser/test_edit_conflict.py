"""Two moderators editing one comment, in a real browser: the second is told, keeps what
they typed, sees the comment as it is now, and the page passes axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Comment
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility_and_safety import assert_no_violations, log_in


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_second_editor_is_told_and_keeps_their_text(
    page: Page, app, live_server, add_comment, moderator, scheme
):
    from app.content.loading import load_directory
    from tests.conftest import ROOT

    with app.app_context():
        load_directory(ROOT / "content")
    cid = add_comment(
        article_slug="relieve-back-spasms", name="Maria", body="Call me on 555 0100 any time."
    )
    page.emulate_media(color_scheme=scheme)
    log_in(page, live_server)
    page.goto(f"{live_server}/moderation/comments/{cid}/edit")
    page.fill("#comment", "Call me on 555 0100 any time. Thanks!")

    # Meanwhile another moderator removes the phone number.
    with app.app_context():
        from app.moderation import services

        other = moderator.record
        comment = db.session.get(Comment, cid)
        services.edit(
            cid, other, "Maria", None, "Call me [removed].", version=services.version_of(comment)
        )

    page.get_by_role("button", name="Save").click()
    expect(page.locator(".notice--error")).to_contain_text(
        "This comment was changed by someone else meanwhile"
    )
    expect(page.locator("#comment")).to_have_value("Call me on 555 0100 any time. Thanks!")
    expect(page.locator("#current-version")).to_contain_text("Call me [removed].")
    assert_no_violations(page)
    screenshot(page, f"edit-conflict-{scheme}")
    with app.app_context():
        assert db.session.get(Comment, cid).body == "Call me [removed]."
