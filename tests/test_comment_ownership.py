"""Held comments belong to the browser that sent them, by a secret, never by an id;
ids are never handed out twice; nothing a stranger sends can confirm someone's email."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from sqlalchemy import select

from app.extensions import db
from app.models import Comment

URL = "/back-spasms/"


def post(client, data: dict):
    return client.post(URL, data=data)


def new_id(response) -> int:
    return int(re.search(r"#comment-(\d+)$", response.headers["Location"]).group(1))


def delete_for_good(app, moderator, comment_id: int) -> None:
    """A moderator marks the comment as spam, then deletes it permanently."""
    staff = app.test_client()
    moderator.login(client=staff)
    staff.post(f"/moderation/comments/{comment_id}/spam")
    staff.post(f"/moderation/comments/{comment_id}/delete")


def test_a_deleted_comments_id_is_never_given_to_the_next_comment(
    app, client, article, comment_form, moderator
):
    first = new_id(post(client, comment_form(comment="First, to be deleted.")))
    delete_for_good(app, moderator, first)
    with app.app_context():
        assert db.session.get(Comment, first) is None
    second = new_id(
        post(app.test_client(), comment_form(name="Brook Other", email="brook@example.com"))
    )
    assert second > first


def test_an_old_session_never_shows_the_next_persons_held_comment(
    app, client, article, comment_form, moderator
):
    """The session that sent a deleted comment must not see whoever gets its place."""
    first = new_id(post(client, comment_form(comment="Mine, soon deleted.")))
    delete_for_good(app, moderator, first)
    stranger = app.test_client()
    post(
        stranger,
        comment_form(
            comment="My private question about my medication.",
            name="Brook Private",
            email="brook@example.com",
            website="https://brook.example.com",
        ),
    )
    page = client.get(URL).get_data(as_text=True)
    assert "Brook Private" not in page
    assert "brook.example.com" not in page
    assert "My private question" not in page


def test_a_forged_session_listing_ids_shows_no_held_comment(app, article, comment_form):
    """Knowing (or guessing) an id gives nothing: the old session key held bare ids."""
    owner = app.test_client()
    held = new_id(post(owner, comment_form(comment="Held, and private.")))
    intruder = app.test_client()
    with intruder.session_transaction() as session:
        session["own_comments"] = [held]
        session["own_comment_keys"] = [str(held), "guess"]
    assert "Held, and private." not in intruder.get(URL).get_data(as_text=True)
    assert "Held, and private." in owner.get(URL).get_data(as_text=True)


def test_duplicate_answer_does_not_depend_on_a_guessed_email(
    app, article, comment_form, add_comment
):
    """A stranger resending a regular's public comment with a guessed email learns nothing:
    the right guess and a wrong one are answered alike."""
    add_comment(name="Regular", email="regular@example.com", body="Heat helps me a lot.")
    answers = set()
    for guess in ("regular@example.com", "someone-else@example.com"):
        response = post(
            app.test_client(),
            comment_form(name="Regular", email=guess, comment="Heat helps me a lot."),
        )
        answers.add(response.status_code)
    assert answers == {303}


def test_the_same_browser_sending_the_same_comment_twice_is_told_so(client, article, comment_form):
    data = comment_form(comment="Stretching helped.")
    assert client.post(URL, data=data).status_code == 303
    again = client.post(URL, data=data)
    assert again.status_code == 409
    assert "already said that" in again.get_data(as_text=True)


def avatar_paths(html: str, selector: str = ".comment") -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [svg.find("path")["d"] for svg in soup.select(f"{selector} svg.avatar")]


def test_held_preview_avatar_does_not_depend_on_the_email(app, article, comment_form, add_comment):
    """The picture beside a held comment was drawn from the email: a stranger could post
    under a regular's name with a guessed email and compare pictures."""
    app.config["COMMENTS_MODERATION"] = "all"  # both guesses are held
    add_comment(name="Regular", email="regular@example.com", body="Public words.")
    held = []
    for guess in ("regular@example.com", "wrong-guess@example.com"):
        browser = app.test_client()
        post(browser, comment_form(name="Regular", email=guess, comment=f"Held, {guess}."))
        html = browser.get(URL).get_data(as_text=True)
        (preview,) = avatar_paths(html, ".comment--pending")
        held.append(preview)
    assert held[0] == held[1]


def test_an_impostor_using_a_regulars_email_does_not_get_their_picture(app, article, add_comment):
    add_comment(name="Regular", email="regular@example.com", body="First.")
    add_comment(name="Impostor", email="regular@example.com", body="Second.")
    regular, impostor = avatar_paths(app.test_client().get(URL).get_data(as_text=True))
    assert regular != impostor


def test_stored_comments_keep_only_a_digest_of_the_owner_secret(app, client, article, comment_form):
    post(client, comment_form())
    with client.session_transaction() as session:
        secrets = session["own_comment_keys"]
    with app.app_context():
        stored = db.session.scalar(select(Comment.owner_digest))
    assert len(secrets) == 1 and len(secrets[0]) >= 32
    assert stored and secrets[0] not in stored
