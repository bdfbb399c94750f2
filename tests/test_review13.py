"""Review of issue 13 (a moderator's workspace): hostile inputs found by an outside
review, each shown by a test."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Comment, CommenterRule, CommentStatus


@pytest.fixture
def mod(client, moderator, article):
    moderator.login()
    return moderator


# --- Commenter rules: an end date at the edge of the calendar ---------------------------


@pytest.mark.parametrize("day", ["9999-12-31", "9999-12-30"])
def test_a_rule_ending_at_the_end_of_the_calendar_is_never_a_server_error(
    app, client, mod, add_comment, day
):
    comment_id = add_comment(status=CommentStatus.PENDING)
    response = client.post(
        f"/moderation/comments/{comment_id}/rule",
        data={"rule": "hold-email", "expires": "date", "expires_on": day, "next": "/moderation/"},
    )
    assert response.status_code in (303, 422)
    if response.status_code == 422:
        assert day in response.get_data(as_text=True)  # the typed date is kept
    with app.app_context():
        rules = list(db.session.scalars(select(CommenterRule)))
        assert len(rules) == (1 if response.status_code == 303 else 0)
    assert client.get("/moderation/rules").status_code == 200
