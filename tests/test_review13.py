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


# --- Word lists: characters that draw nothing, inside a listed word ---------------------

URL = "/back-spasms/"
# Zero-width space, soft hyphen, word joiner, zero-width (non-)joiner, byte order mark,
# combining grapheme joiner, variation selector: none of them shows in the comment.
INVISIBLE = ["\u200b", "\u00ad", "\u2060", "\u200d", "\u200c", "\ufeff", "\u034f", "\ufe0f"]


@pytest.mark.parametrize("hidden", INVISIBLE)
def test_an_invisible_character_inside_a_disallowed_word_does_not_publish_it(
    app, client, article, comment_form, moderator, hidden
):
    from app import site_settings

    with app.app_context():
        admin = moderator.record
        site_settings.save(
            {"COMMENTS_MODERATION": "none", "COMMENTS_DISALLOWED_WORDS": "viagra"}, admin
        )
    client.post(URL, data=comment_form(comment=f"Cheap via{hidden}gra here."))
    with app.app_context():
        comment = db.session.scalar(select(Comment))
        assert comment is not None
        assert (comment.status, comment.reason) == (CommentStatus.SPAM, 'disallowed word: "viagra"')


@pytest.mark.parametrize("hidden", INVISIBLE)
def test_an_invisible_character_inside_a_red_flag_still_holds_the_comment(hidden):
    from app.comments.policy import PolicySettings, red_flags_in

    settings = PolicySettings(red_flags=("bladder", "chest pain"))
    text = f"I cannot control my blad{hidden}der and have chest{hidden} pain."
    assert red_flags_in(text, settings) == ("bladder", "chest pain")
