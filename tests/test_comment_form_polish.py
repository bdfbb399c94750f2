"""The comment form and what follows it: plain messages, marks on every field in error,
the heading a commenter with a held comment sees, the notice after posting, site badges."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from werkzeug.datastructures import MultiDict

from app.comments.forms import CommentForm

URL = "/back-spasms/"
VALID = {"comment": "Heat helped.", "name": "Ada", "email": "ada@example.com"}
EMAIL_MESSAGE = "Enter an email address like name@example.com."


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def errors_for(app, **fields) -> dict[str, list[str]]:
    data = {**VALID, **fields}
    with app.test_request_context(method="POST", data=data):
        form = CommentForm(formdata=MultiDict(data))
        form.validate()
        return form.errors


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "ada@@example.com", "@example.com"])
def test_a_bad_email_gets_one_plain_sentence(app, email):
    # Not email-validator's wording ("The part after the @-sign is not valid...").
    assert errors_for(app, email=email)["email"] == [EMAIL_MESSAGE]


@pytest.mark.parametrize(
    "website", ["javascript:alert(1)", "data:text/html,hi", "JAVASCRIPT:x", "ftp://example.com"]
)
def test_a_website_of_another_kind_is_told_what_is_allowed(app, website):
    [message] = errors_for(app, website=website)["website"]
    assert "http:// or https://" in message and "https://example.com" in message
    assert "javascript" not in message.lower() and "data:" not in message


def test_email_note_appears_once_in_the_form(client, article):
    form = soup_of(client.get(URL)).find("form", class_="comment-form")
    assert form.get_text().count("Your email address will not be published.") == 1


def test_every_field_in_error_is_marked(client, article, comment_form):
    data = comment_form(comment="", name="", email="nope", website="javascript:alert(1)")
    soup = soup_of(client.post(URL, data=data))
    for name in ("comment", "name", "email", "website"):
        control = soup.find(id=name)
        assert control["aria-invalid"] == "true", name
        assert "field--error" in control.find_parent(class_="field")["class"], name
        assert soup.find(id=f"{name}-error").get_text(strip=True), name
        assert f"{name}-error" in control["aria-describedby"].split(), name
    assert len(soup.select("#error-summary li")) == 4


def test_own_held_comment_is_counted_in_the_heading(app, client, article, comment_form):
    client.post(URL, data=comment_form(comment="Mine, held"))
    mine = soup_of(client.get(URL))
    assert mine.find(id="comments-title").get_text(strip=True) == "1 comment awaiting moderation"
    assert "No comments yet" not in mine.get_text()
    other = soup_of(app.test_client().get(URL))
    assert other.find(id="comments-title").get_text(strip=True) == "No comments yet"


def test_heading_counts_published_and_own_held_comments(
    app, client, article, comment_form, add_comment
):
    add_comment(name="Bea")
    add_comment(name="Cy")
    client.post(URL, data=comment_form(comment="Mine, held"))
    heading = soup_of(client.get(URL)).find(id="comments-title").get_text(" ", strip=True)
    assert heading == "2 comments, and 1 of yours awaiting moderation"


@pytest.mark.parametrize(
    ("days", "words"), [(2, "usually within 2 days"), (1, "usually within a day")]
)
def test_notice_after_posting_says_when_a_person_checks_it(
    app, client, article, comment_form, days, words
):
    app.config["COMMENTS_REVIEW_DAYS"] = days
    posted = client.post(URL, data=comment_form(comment="Held for a person"))
    anchor = posted.headers["Location"].rsplit("#", 1)[1]
    page = soup_of(client.get(URL))
    # The notice is inside the comment the page scrolls to, not at the top.
    assert page.select_one(".flashes") is None
    notice = page.find(id=anchor).select_one(".notice").get_text(" ", strip=True)
    assert notice.startswith("Your comment is awaiting moderation.")
    assert "checked by a person" in notice and words in notice
    # Seen again later, the held comment still says it.
    pending = soup_of(client.get(URL)).select_one(".comment__pending").get_text(" ", strip=True)
    assert words in pending


def test_the_published_notice_is_inside_the_new_comment(app, client, article, comment_form):
    app.config["COMMENTS_MODERATION"] = "none"
    posted = client.post(URL, data=comment_form(comment="Published at once"))
    anchor = posted.headers["Location"].rsplit("#", 1)[1]
    comment = soup_of(client.get(URL)).find(id=anchor)
    notice = comment.select_one(".notice[role=status]").get_text(strip=True)
    assert notice == "Thank you: your comment is published."


def test_site_reply_shows_the_team_badge_once(client, mod, add_comment):
    parent = add_comment(name="Asker", body="a question")
    client.post(f"/moderation/comments/{parent}/reply", data={"comment": "An answer"})
    client.post(f"/moderation/comments/{parent}/reply", data={"comment": "And more"})
    replies = soup_of(client.get(URL)).select("article.comment--site")
    assert len(replies) == 2
    for reply in replies:
        author = reply.find(class_="comment__author")
        assert len(author.select(".badge--site")) == 1
        assert author.get_text(" ", strip=True).count("Relief team") == 1
