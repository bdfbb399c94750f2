"""Red flags end to end: through the real comment form into the database."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from sqlalchemy import select

from app import site_settings
from app.extensions import db
from app.models import Comment, CommentStatus, Moderator

URL = "/back-spasms/"


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def stored(app) -> list[Comment]:
    with app.app_context():
        return list(db.session.scalars(select(Comment).order_by(Comment.id)))


def test_a_returning_commenters_emergency_is_held_with_its_red_flags(
    app, client, article, comment_form, add_comment
):
    add_comment(name="Ada Reader", email="ada@example.com")  # approved before
    client.post(URL, data=comment_form(comment="Thanks, the heat helped."))
    response = client.post(
        URL, data=comment_form(comment="I fell off a ladder and my leg feels numb")
    )
    assert response.status_code == 303
    published, held = stored(app)[1:]
    assert (published.status, published.reason, published.red_flags) == (
        CommentStatus.APPROVED,
        "previously approved commenter",
        "",
    )
    assert held.status is CommentStatus.PENDING
    assert held.reason == "needs a careful answer: fell, numb"
    assert held.red_flags == "fell\nnumb"
    assert held.red_flag_list == ["fell", "numb"]
    # The public page does not show it; its author is told it waits.
    assert "off a ladder" not in app.test_client().get(URL).get_data(as_text=True)


def test_held_even_with_moderation_off(app, client, article, comment_form):
    app.config["COMMENTS_MODERATION"] = "none"
    client.post(URL, data=comment_form(comment="I\u2019m 12 weeks pregnant: is heat safe?"))
    (comment,) = stored(app)
    assert comment.status is CommentStatus.PENDING
    assert comment.red_flags == "weeks pregnant"


def test_a_red_flag_an_admin_adds_holds_the_next_comment(
    app, client, article, comment_form, moderator
):
    app.config["COMMENTS_MODERATION"] = "none"
    with app.app_context():
        admin = db.session.scalar(select(Moderator))
        site_settings.save({"COMMENTS_RED_FLAGS": "sciatica\ndizzy"}, admin)
    client.post(URL, data=comment_form(comment="Sciatica again, and I feel DIZZY."))
    client.post(URL, data=comment_form(comment="I fell, but it's fine", name="Bo"))
    first, second = stored(app)
    assert (first.status, first.red_flags) == (CommentStatus.PENDING, "sciatica\ndizzy")
    # "fell" is no longer on the list the admin saved.
    assert (second.status, second.red_flags) == (CommentStatus.APPROVED, "")


def test_an_authors_edit_that_adds_a_red_flag_holds_it_again(app, article, comment_form):
    app.config["COMMENTS_MODERATION"] = "none"
    browser = app.test_client()
    response = browser.post(URL, data=comment_form(comment="Heat helped me a lot."))
    cid = int(re.search(r"#comment-(\d+)$", response.headers["Location"]).group(1))
    soup = soup_of(browser.get(f"/comments/{cid}/edit"))
    fields = {i["name"]: i.get("value", "") for i in soup.select("form input[name]")}
    edited = browser.post(
        f"/comments/{cid}/edit",
        data={**fields, "comment": "Update: now I can\u2019t pee properly."},
    )
    assert edited.status_code == 303
    (comment,) = stored(app)
    assert comment.status is CommentStatus.PENDING
    assert comment.reason == "edited by its author: needs a careful answer: can't pee"
    assert comment.red_flags == "can't pee"
