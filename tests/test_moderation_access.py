"""Every moderation URL refuses anonymous users; no GET changes anything.

The URLs come from the app's own url_map, so a new route cannot slip through.
"""

from __future__ import annotations

import re

import pytest

from app import create_app
from config import TestConfig

SAMPLE_VALUES = {
    "comment_id": 1,
    "action": "approve",
    "rule_id": 1,
    "event_id": 1,
    "reply_id": 1,
    "moderator_id": 1,
    "name": "COMMENTS_MODERATION",
}


def moderation_rules():
    app = create_app(TestConfig)
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/moderation")]


def build(rule) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:int|id)(\([^)]*\))?:{name}>", str(SAMPLE_VALUES[name]), path)
        path = path.replace(f"<{name}>", str(SAMPLE_VALUES[name]))
    return path


def cases():
    for rule in moderation_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield pytest.param(method, build(rule), id=f"{method} {rule.rule}")


def test_the_moderation_area_has_routes():
    assert len(moderation_rules()) >= 8


@pytest.mark.parametrize(("method", "path"), list(cases()))
def test_anonymous_requests_are_sent_to_login(client, method, path, article, add_comment):
    add_comment()
    response = client.open(path, method=method, data={"ids": "1", "action": "trash"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")
    # and nothing changed
    from app.models import CommentStatus

    with client.application.app_context():
        from app.extensions import db
        from app.models import Comment

        assert db.session.get(Comment, 1).status is CommentStatus.APPROVED


POST_ONLY = [
    "/moderation/comments/1/approve",
    "/moderation/comments/1/pin",
    "/moderation/comments/1/unpin",
    "/moderation/bulk",
    "/auth/logout",
    "/comments/manage/yours/export",
    "/comments/manage/yours/notifications-off",
    "/comments/manage/yours/done",
]


@pytest.mark.parametrize("path", POST_ONLY)
def test_get_on_a_state_changing_route_is_405(client, moderator, path):
    moderator.login()
    assert client.get(path).status_code == 405


def test_every_state_changing_route_is_post_only_or_a_confirmation_page():
    """GET is allowed only on routes that render a page; their POST does the work."""
    app = create_app(TestConfig)
    view_only_get = {
        "moderation.queue",
        "moderation.log",
        "admin.settings",
        "admin.moderators",
        "admin.remove_moderator",
        "moderation.delete",
        "moderation.edit",
        "moderation.reply",
        "moderation.empty_spam",
        "moderation.preferences",
        # Commenter rules and pages: lists, and the rule form (its POST makes the rule).
        "moderation.rules.index",
        "moderation.rules.new",
        "moderation.pages.index",
        # Saved replies, questions, edit history (test_moderation_workspace.py).
        "moderation.workspace.saved_replies_list",
        "moderation.workspace.saved_reply_new",
        "moderation.workspace.saved_reply_edit",
        "moderation.workspace.saved_reply_delete",
        "moderation.workspace.questions",
        "moderation.workspace.comment_history",
        "email_actions.confirm",
        "content.index",
        "content.article",
        "content.remedy",
        "content.sitemap",
        "content.robots",
        # A commenter's own edit form and delete confirmation (test_own_comments.py).
        "content.edit_comment",
        "content.delete_comment",
        "content.report",
        "content.report_sent",
        "content.site_feed",
        "content.article_feed",
        "content.remedy_feed",
        "auth.login",
        "static",
        "health.healthz",
        "pages.show",
        # Commenters' pages from emails: a GET shows a page whose button POSTs.
        "commenters.confirm",
        "commenters.stop",
        "commenters.manage",
        "commenters.manage_sent",
        "commenters.manage_open",
        "commenters.yours",
        "commenters.delete_one",
        "commenters.delete_all",
    }
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods:
            assert rule.endpoint in view_only_get, f"{rule.rule} answers GET: is it safe?"
