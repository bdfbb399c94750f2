"""A moderator pins one approved comment per page (usually the team's reply): it shows
first, above the discussion, and stays in place in its thread."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from app.extensions import db
from app.models import Article, Comment, CommentStatus, ModerationEvent, Remedy

URL = "/back-spasms/"
REMEDY = "/back-spasms/remedy-2/"


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


@pytest.fixture
def staff(app, moderator, article):
    """A logged-in moderator's browser."""
    browser = app.test_client()
    moderator.login(client=browser)
    return browser


@pytest.fixture
def thread(app, article, add_comment, moderator):
    """A reader's question and the team's reply to it: returns (question, reply) ids."""
    from app.moderation import services

    question = add_comment(name="Maria", body="Is this stretch safe in pregnancy?")
    with app.app_context():
        reply = services.reply(question, moderator.record, "Ask your midwife first, please.")
        return question, reply.id


def pin(browser, comment_id: int, next_url: str = URL):
    return browser.post(f"/moderation/comments/{comment_id}/pin", data={"next": next_url})


def unpin(browser, comment_id: int, next_url: str = URL):
    return browser.post(f"/moderation/comments/{comment_id}/unpin", data={"next": next_url})


def pinned_box(app, url: str = URL):
    return soup_of(app.test_client().get(url)).find(id="pinned-answer")


def test_a_pinned_reply_shows_first_and_stays_in_its_thread(app, staff, thread):
    question, reply = thread
    response = pin(staff, reply)
    assert response.status_code == 303
    assert response.headers["Location"] == URL
    soup = soup_of(app.test_client().get(URL))
    box = soup.find(id="pinned-answer")
    assert box.find("h3").get_text() == "Answer from the Relief team"
    assert "Ask your midwife first, please." in box.get_text()
    assert "In reply to Maria" in box.get_text()
    assert box.find("a", string="See it in the discussion")["href"] == f"{URL}#comment-{reply}"
    # Above the discussion, and still in place in the thread: one element per id.
    section = soup.find(id="comments")
    assert section.find(id="pinned-answer").find_next("ol", class_="comment-list")
    in_thread = soup.find(id=f"comment-{reply}")
    assert in_thread.find_parent(id=f"comment-{question}")
    assert "Ask your midwife first, please." in in_thread.get_text()
    ids = [tag["id"] for tag in soup.find_all(id=True)]
    assert len(ids) == len(set(ids))


def test_the_label_names_the_site(app, staff, thread):
    app.config["SITE_NAME"] = "Easeful"
    pin(staff, thread[1])
    assert pinned_box(app).find("h3").get_text() == "Answer from the Easeful team"


def test_a_readers_comment_pinned_is_not_called_the_teams_answer(app, staff, add_comment):
    cid = add_comment(name="Maria", body="What worked for me: ten pelvic tilts a day.")
    pin(staff, cid)
    box = pinned_box(app)
    assert box.find("h3").get_text() == "Pinned by the Relief team"
    assert "Maria" in box.get_text()


def test_pinning_another_replaces_it_one_per_page(app, staff, thread, add_comment):
    other = add_comment(name="Tom", body="Another good answer.")
    pin(staff, thread[1])
    response = pin(staff, other)
    assert "replaces comment" in staff.get(URL).get_data(as_text=True)
    assert response.status_code == 303
    soup = soup_of(app.test_client().get(URL))
    assert len(soup.select(".pinned-answer")) == 1
    assert "Another good answer." in soup.find(id="pinned-answer").get_text()
    with app.app_context():
        assert db.session.get(Article, 1).pinned_comment_id == other
        events = db.session.scalars(select(ModerationEvent).order_by(ModerationEvent.id)).all()
        assert (events[-1].action.value, events[-1].comment_id) == ("pin", other)
        assert events[-1].detail.endswith(f"in place of comment {thread[1]}")
        assert events[-1].moderator_email == "mod@example.com"


def test_each_page_has_its_own_pin(app, staff, thread, add_comment):
    on_remedy = add_comment(remedy_slug="remedy-2", body="On the remedy page.")
    pin(staff, thread[1])
    pin(staff, on_remedy, REMEDY)
    assert "Ask your midwife" in pinned_box(app).get_text()
    assert "On the remedy page." in pinned_box(app, REMEDY).get_text()
    with app.app_context():
        assert db.session.get(Remedy, 2).pinned_comment_id == on_remedy


@pytest.mark.parametrize("status", [CommentStatus.PENDING, CommentStatus.SPAM])
def test_only_an_approved_comment_can_be_pinned(app, staff, add_comment, status):
    cid = add_comment(status=status, body="Not public.")
    response = pin(staff, cid)
    assert response.status_code == 303
    assert "Only an approved comment can be pinned" in staff.get(URL).get_data(as_text=True)
    assert pinned_box(app) is None
    with app.app_context():
        assert db.session.get(Article, 1).pinned_comment_id is None


def test_unapproving_stops_it_showing_as_pinned(app, staff, thread):
    reply = thread[1]
    pin(staff, reply)
    staff.post(f"/moderation/comments/{reply}/unapprove", data={"next": "/moderation/"})
    assert pinned_box(app) is None
    assert "Ask your midwife" not in app.test_client().get(URL).get_data(as_text=True)
    # The queue says why it is not shown; approving it again brings it back.
    row = soup_of(staff.get("/moderation/?status=pending")).find(id=f"queue-{reply}")
    assert "Not shown at the top until approved again" in row.get_text()
    staff.post(f"/moderation/comments/{reply}/approve", data={"next": "/moderation/"})
    assert pinned_box(app) is not None


def test_unpin_takes_it_down_and_leaves_it_in_its_thread(app, staff, thread):
    reply = thread[1]
    pin(staff, reply)
    assert unpin(staff, reply).status_code == 303
    soup = soup_of(app.test_client().get(URL))
    assert soup.find(id="pinned-answer") is None
    assert soup.find(id=f"comment-{reply}")
    unpin(staff, reply)
    assert f"Comment {reply} is not pinned." in staff.get(URL).get_data(as_text=True)


def test_deleting_the_pinned_comment_empties_the_pin(app, staff, thread):
    reply = thread[1]
    pin(staff, reply)
    staff.post(f"/moderation/comments/{reply}/trash", data={"next": "/moderation/"})
    staff.post(f"/moderation/comments/{reply}/delete", data={"next": "/moderation/"})
    with app.app_context():
        assert db.session.get(Comment, reply) is None
        assert db.session.get(Article, 1).pinned_comment_id is None
    assert app.test_client().get(URL).status_code == 200


def test_the_cached_page_changes_when_a_comment_is_pinned(app, staff, thread):
    reader = app.test_client()
    first = reader.get(URL)
    assert first.headers.get("ETag")  # served from the shared page cache
    pin(staff, thread[1])
    again = reader.get(URL, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert soup_of(again).find(id="pinned-answer")
    unpin(staff, thread[1])
    assert soup_of(reader.get(URL)).find(id="pinned-answer") is None


def test_moderators_pin_from_the_page_and_the_queue(app, staff, thread):
    reply = thread[1]
    page = soup_of(staff.get(URL))
    form = page.find(id=f"comment-{reply}").find("form", class_="comment__pin")
    assert form["action"] == f"/moderation/comments/{reply}/pin"
    assert form.find("input", attrs={"name": "next"})["value"] == f"{URL}#comment-{reply}"
    assert "Pin to the top" in form.get_text()
    row = soup_of(staff.get("/moderation/?status=approved")).find(id=f"queue-{reply}")
    assert row.find("button", formaction=f"/moderation/comments/{reply}/pin")
    pin(staff, reply, f"{URL}#comment-{reply}")
    page = soup_of(staff.get(URL))
    assert page.find(id=f"comment-{reply}").find(
        "form", action=f"/moderation/comments/{reply}/unpin"
    )
    row = soup_of(staff.get("/moderation/?status=approved")).find(id=f"queue-{reply}")
    assert "At the top of its page" in row.get_text()
    assert row.find("button", formaction=f"/moderation/comments/{reply}/unpin")


def test_readers_get_no_pin_controls(app, thread):
    assert soup_of(app.test_client().get(URL)).select(".comment__pin") == []


def test_only_moderators_can_pin(app, client, thread):
    response = pin(client, thread[1])
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    assert pinned_box(app) is None


def test_pinning_needs_the_csrf_token(app, staff, thread):
    app.config["WTF_CSRF_ENABLED"] = True
    response = pin(staff, thread[1])
    assert response.status_code == 400
    assert pinned_box(app) is None


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "99999999999999999999"])
def test_hostile_ids_are_a_404(staff, thread, bad):
    assert pin(staff, bad).status_code == 404
    assert unpin(staff, bad).status_code == 404


def test_an_unknown_comment_is_said_to_be_gone(staff, article):
    pin(staff, 2**31 - 1)
    assert "no longer exists" in staff.get(URL).get_data(as_text=True)


def test_a_get_on_pin_is_refused(staff, thread):
    assert staff.get(f"/moderation/comments/{thread[1]}/pin").status_code == 405
