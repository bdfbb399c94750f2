"""A commenter edits or deletes their own comment, from the browser that sent it, for
COMMENTS_EDIT_MINUTES; everyone else (and everyone later) is refused kindly."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select, update

from app.comments import own
from app.extensions import db
from app.models import (
    Article,
    Comment,
    CommentRevision,
    CommentStatus,
    ModerationAction,
    ModerationEvent,
)

URL = "/back-spasms/"
EDITABLE = "editable_comment_keys"


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def new_id(response) -> int:
    return int(re.search(r"#comment-(\d+)$", response.headers["Location"]).group(1))


@pytest.fixture
def send(app, article, comment_form):
    """Send a comment from ``browser`` (a fresh one by default); return (browser, id).

    Published at once unless ``held``: the policy would hold a first comment.
    """

    def make(text: str = "Heat helped me a lot.", browser=None, held: bool = False, **fields):
        app.config["COMMENTS_MODERATION"] = "all" if held else "none"
        browser = browser or app.test_client()
        response = browser.post(URL, data=comment_form(comment=text, **fields))
        assert response.status_code == 303, response.status_code
        app.config["COMMENTS_MODERATION"] = "first"
        return browser, new_id(response)

    return make


def comment(app, comment_id: int) -> Comment | None:
    with app.app_context():
        return db.session.get(Comment, comment_id)


def age(app, comment_id: int, minutes: float) -> None:
    """Make a comment look as if it was sent ``minutes`` ago."""
    with app.app_context():
        row = db.session.get(Comment, comment_id)
        row.created_at = row.created_at - timedelta(minutes=minutes)
        db.session.commit()


def edit_form(browser, comment_id: int) -> dict:
    """The edit form's fields as the browser got them."""
    soup = soup_of(browser.get(f"/comments/{comment_id}/edit"))
    fields = {i["name"]: i.get("value", "") for i in soup.select("form input[name]")}
    fields["comment"] = soup.find("textarea", id="comment").get_text().strip()
    return fields


def edit(browser, comment_id: int, text: str):
    return browser.post(
        f"/comments/{comment_id}/edit", data={**edit_form(browser, comment_id), "comment": text}
    )


def log(app) -> list[tuple[str, str, int | None, str]]:
    with app.app_context():
        rows = db.session.scalars(select(ModerationEvent).order_by(ModerationEvent.id))
        return [(e.action.value, e.moderator_email, e.comment_id, e.detail) for e in rows]


def public(app) -> str:
    return app.test_client().get(URL).get_data(as_text=True)


# --- Who sees Edit and Delete -----------------------------------------------------------


def test_the_sending_browser_sees_edit_and_delete_with_the_minutes_left(app, send):
    owner, cid = send()
    soup = soup_of(owner.get(URL))
    controls = soup.select_one(f"#comment-{cid} .comment__own")
    assert (
        controls.find("a", href=f"/comments/{cid}/edit")
        .get_text(" ", strip=True)
        .startswith("Edit")
    )
    assert controls.find("a", href=f"/comments/{cid}/delete")
    assert "15 min left" in controls.get_text()
    assert not soup_of(app.test_client().get(URL)).select(".comment__own")


def test_the_links_go_when_the_time_is_up(app, send):
    owner, cid = send()
    age(app, cid, 15)
    assert not soup_of(owner.get(URL)).select(".comment__own")


def test_the_window_is_a_setting(app, send):
    app.config["COMMENTS_EDIT_MINUTES"] = 30
    owner, cid = send()
    assert "30 min left" in soup_of(owner.get(URL)).select_one(".comment__own").get_text()
    age(app, cid, 20)
    assert edit(owner, cid, "Still in time.").status_code == 303


def test_a_published_comments_browser_gets_shared_pages_again_once_the_time_is_up(app, send):
    owner, _ = send()
    owner.get(URL)  # the "published" notice
    assert "no-store" in owner.get(URL).headers["Cache-Control"]  # Edit and Delete: its own
    with owner.session_transaction() as session:
        session[EDITABLE] = [[secret, 1.0] for secret, _ in session[EDITABLE]]
    owner.get(URL)
    with owner.session_transaction() as session:
        assert EDITABLE not in session
    shared = owner.get(URL)
    assert shared.headers.get("ETag") and "no-store" not in shared.headers["Cache-Control"]


# --- Editing ----------------------------------------------------------------------------


def test_edit_inside_the_window_saves_keeps_the_old_text_and_shows_edited(app, send):
    owner, cid = send("Heat helpd me.")
    form = soup_of(owner.get(f"/comments/{cid}/edit"))
    assert form.find("textarea", id="comment").get_text().strip() == "Heat helpd me."
    response = edit(owner, cid, "Heat helped me.")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"#comment-{cid}")

    page = soup_of(owner.get(response.headers["Location"]))
    mine = page.select_one(f"#comment-{cid}")
    assert "Your changes are saved." in mine.get_text()
    assert "Heat helped me." in mine.get_text()
    assert "edited" in soup_of(app.test_client().get(URL)).select_one(".comment__when").get_text()
    with app.app_context():
        (revision,) = db.session.scalars(select(CommentRevision)).all()
        assert (revision.comment_id, revision.body, revision.by_author) == (
            cid,
            "Heat helpd me.",
            True,
        )
        assert revision.moderator_id is None
        assert db.session.get(Comment, cid).edited_at is not None
    assert log(app)[-1][:3] == ("author_edit", own.AUTHOR_ACTOR, cid)


def test_an_edit_that_adds_two_links_is_held_again_and_leaves_the_public_page(app, send):
    owner, cid = send("Stretching helped.")
    reader = app.test_client()
    assert "Stretching helped." in reader.get(URL).get_data(as_text=True)
    with app.app_context():
        version = db.session.get(Article, 1).cache_version

    text = "Buy at https://a.example.com and https://b.example.com"
    response = edit(owner, cid, text)
    assert response.status_code == 303

    held = comment(app, cid)
    assert held.status is CommentStatus.PENDING
    assert held.reason == "edited by its author: 2 links"
    page = reader.get(URL).get_data(as_text=True)
    assert "a.example.com" not in page and "Stretching helped." not in page
    assert "No comments yet" in page
    with app.app_context():
        article = db.session.get(Article, 1)
        assert article.comment_count == 0
        assert article.cache_version > version
    # The owner still sees it, marked as held.
    mine = soup_of(owner.get(response.headers["Location"])).select_one(f"#comment-{cid}")
    assert "comment--pending" in mine.select_one("article")["class"]
    assert "a person will check your comment before it appears again" in mine.get_text()
    assert log(app)[-1][3] == "changed text; pending: edited by its author: 2 links"


def test_an_edit_with_a_moderation_word_is_held_again(app, send):
    app.config["COMMENTS_MODERATION_WORDS"] = ["casino"]
    owner, cid = send()
    edit(owner, cid, "Try the casino.")
    assert comment(app, cid).status is CommentStatus.PENDING


def test_an_edit_with_a_disallowed_word_goes_to_spam_but_looks_held_to_its_owner(app, send):
    app.config["COMMENTS_DISALLOWED_WORDS"] = ["viagra"]
    owner, cid = send()
    response = edit(owner, cid, "Cheap viagra here.")
    assert comment(app, cid).status is CommentStatus.SPAM
    mine = soup_of(owner.get(response.headers["Location"])).select_one(f"#comment-{cid}")
    assert "comment--pending" in mine.select_one("article")["class"]
    assert "viagra" not in public(app)


def test_a_clean_edit_of_a_published_comment_stays_published(app, send):
    owner, cid = send()
    edit(owner, cid, "Heat and rest helped me a lot.")
    assert comment(app, cid).status is CommentStatus.APPROVED
    assert "Heat and rest helped me a lot." in public(app)


def test_an_edit_never_publishes_a_held_comment(app, send):
    owner, cid = send("Held for a person.", held=True)
    response = edit(owner, cid, "Held, and now tidied.")
    assert response.status_code == 303
    assert comment(app, cid).status is CommentStatus.PENDING
    mine = soup_of(owner.get(response.headers["Location"])).select_one(f"#comment-{cid}")
    assert "Held, and now tidied." in mine.get_text()
    assert "still awaiting moderation" in mine.get_text()
    assert "Held, and now tidied." not in public(app)


def test_when_every_comment_is_held_every_edit_of_a_public_one_is_too(app, send):
    owner, cid = send()
    app.config["COMMENTS_MODERATION"] = "all"
    edit(owner, cid, "A small change.")
    assert comment(app, cid).status is CommentStatus.PENDING


def test_saving_the_same_text_changes_nothing(app, send):
    owner, cid = send()
    response = edit(owner, cid, "Heat helped me a lot.")
    assert response.status_code == 303
    assert "Nothing was changed." in owner.get(URL).get_data(as_text=True)
    assert comment(app, cid).edited_at is None
    with app.app_context():
        assert db.session.scalars(select(CommentRevision)).all() == []


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "Please write your comment."), ("x" * 5001, "Your comment is too long")],
)
def test_an_invalid_edit_is_refused_with_the_text_kept(app, send, text, message):
    owner, cid = send()
    response = edit(owner, cid, text)
    assert response.status_code == 422
    soup = soup_of(response)
    assert message in soup.find(id="error-summary").get_text()
    assert soup.find("textarea", id="comment").get_text().strip() == text
    assert comment(app, cid).body == "Heat helped me a lot."


def test_a_moderators_change_meanwhile_is_not_undone(app, send, moderator):
    owner, cid = send("Call me on 555 0100.")
    fields = edit_form(owner, cid)
    with app.app_context():
        from app.moderation import services

        row = db.session.get(Comment, cid)
        services.edit(
            cid,
            moderator.record,
            row.author_name,
            None,
            "Call me [removed].",
            version=services.version_of(row),
        )
    response = owner.post(
        f"/comments/{cid}/edit", data={**fields, "comment": "Call me on 555 0100, evenings."}
    )
    # A moderator's redaction stands: the author can no longer change the comment, and
    # is told why, with what they typed shown back.
    assert response.status_code == 409
    text = soup_of(response).get_text(" ")
    assert "A moderator has already acted on this comment" in text
    assert "Call me on 555 0100, evenings." in text
    assert comment(app, cid).body == "Call me [removed]."
    assert owner.post(f"/comments/{cid}/delete").status_code == 409
    assert comment(app, cid).body == "Call me [removed]."
    # And the links are gone from the page.
    assert not soup_of(owner.get(URL)).find("a", href=f"/comments/{cid}/edit")


def test_a_comment_trashed_meanwhile_can_no_longer_be_edited(app, send):
    owner, cid = send()
    fields = edit_form(owner, cid)
    with app.app_context():
        db.session.execute(update(Comment).values(status=CommentStatus.TRASH))
        db.session.commit()
    response = owner.post(f"/comments/{cid}/edit", data={**fields, "comment": "Changed."})
    assert response.status_code == 410
    soup = soup_of(response)
    assert "can no longer be changed" in soup.find("h1").get_text()
    assert soup.find("textarea", id="typed").get_text().strip() == "Changed."
    assert comment(app, cid).body == "Heat helped me a lot."


def test_edits_moments_apart_are_flood_limited(app, send):
    owner, cid = send()
    app.config["COMMENTS_FLOOD_SECONDS"] = 15
    assert edit(owner, cid, "First change.").status_code == 303
    response = edit(owner, cid, "Second change.")
    assert response.status_code == 429
    assert response.headers["Retry-After"]
    assert soup_of(response).find("textarea", id="comment").get_text().strip() == "Second change."
    assert comment(app, cid).body == "First change."


# --- Deleting ---------------------------------------------------------------------------


def test_delete_asks_first_then_removes_it(app, send):
    owner, cid = send("I regret sharing this.")
    confirm = owner.get(f"/comments/{cid}/delete")
    assert confirm.status_code == 200
    soup = soup_of(confirm)
    assert "Delete your comment?" in soup.find("h1").get_text()
    assert "I regret sharing this." in soup.get_text()
    assert comment(app, cid) is not None  # a GET changes nothing

    response = owner.post(f"/comments/{cid}/delete")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("#comments")
    assert comment(app, cid) is None
    page = owner.get(URL).get_data(as_text=True)
    assert "Your comment is deleted." in page
    assert "I regret sharing this." not in page
    with app.app_context():
        assert db.session.get(Article, 1).comment_count == 0
    assert log(app)[-1] == ("author_delete", own.AUTHOR_ACTOR, None, f"comment {cid}")
    with owner.session_transaction() as session:
        assert EDITABLE not in session


def test_deleting_a_comment_with_replies_leaves_the_placeholder(app, send, add_comment):
    owner, cid = send("My question, with too much detail.")
    add_comment(parent=cid, name="Tom", body="A reply that stays.")
    owner.post(f"/comments/{cid}/delete")
    page = public(app)
    assert "This comment was removed." in page
    assert "A reply that stays." in page
    assert "too much detail" not in page
    scrubbed = comment(app, cid)
    assert scrubbed.deleted_at is not None and scrubbed.body == ""


def test_a_held_comment_can_be_deleted_too(app, send):
    owner, cid = send("Held, then regretted.", held=True)
    assert owner.post(f"/comments/{cid}/delete").status_code == 303
    assert comment(app, cid) is None


# --- Refusals ---------------------------------------------------------------------------


def test_another_browser_cannot_edit_or_delete(app, send):
    _, cid = send()
    stranger = app.test_client()
    for method, path in (
        ("GET", "edit"),
        ("POST", "edit"),
        ("GET", "delete"),
        ("POST", "delete"),
    ):
        response = stranger.open(
            f"/comments/{cid}/{path}", method=method, data={"comment": "Mine now."}
        )
        assert response.status_code == 403
        soup = soup_of(response)
        assert "cannot be changed from here" in soup.find("h1").get_text()
        assert "only from the browser that sent it" in soup.get_text()
        assert "Heat helped me a lot." not in soup.get_text()
    assert comment(app, cid).body == "Heat helped me a lot."


def test_an_unknown_id_and_someone_elses_comment_are_answered_alike(app, send):
    _, cid = send()
    stranger = app.test_client()
    theirs = stranger.get(f"/comments/{cid}/edit")
    unknown = stranger.get(f"/comments/{2**31 - 1}/edit")
    assert theirs.status_code == unknown.status_code == 403
    assert theirs.data == unknown.data


def test_bare_or_forged_ids_in_the_session_give_nothing(app, send):
    _, cid = send()
    intruder = app.test_client()
    with intruder.session_transaction() as session:
        session["own_comment_keys"] = [str(cid), "guess", cid]
        session[EDITABLE] = [[str(cid), 9e12], ["forged-secret", 9e12], [cid, 9e12], "x", 7]
    assert intruder.get(f"/comments/{cid}/edit").status_code == 403
    assert intruder.post(f"/comments/{cid}/delete").status_code == 403
    assert not soup_of(intruder.get(URL)).select(".comment__own")
    assert comment(app, cid) is not None


def test_after_the_window_both_routes_refuse_kindly_and_keep_the_text(app, send):
    owner, cid = send()
    fields = edit_form(owner, cid)
    age(app, cid, 16)
    got = owner.get(f"/comments/{cid}/edit")
    assert got.status_code == 403
    soup = soup_of(got)
    assert soup.find("h1").get_text() == "The time for changes has passed"
    assert "15 minutes" in soup.get_text()
    assert soup.find("a", string="Contact us")
    assert soup.find("a", string="Back to the page")["href"].endswith(f"#comment-{cid}")

    sent = owner.post(f"/comments/{cid}/edit", data={**fields, "comment": "Too late, sadly."})
    assert sent.status_code == 403
    assert soup_of(sent).find("textarea", id="typed").get_text().strip() == "Too late, sadly."
    assert owner.post(f"/comments/{cid}/delete").status_code == 403
    assert comment(app, cid).body == "Heat helped me a lot."


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "99999999999999999999", "1.5", "01", "%00"])
@pytest.mark.parametrize("action", ["edit", "delete"])
def test_hostile_ids_are_a_plain_404(app, send, bad, action):
    owner, _ = send()
    for method in ("GET", "POST"):
        response = owner.open(f"/comments/{bad}/{action}", method=method)
        assert response.status_code == 404
        assert b"Page not found" in response.data


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_refused(app, send, method):
    owner, cid = send()
    assert owner.open(f"/comments/{cid}/edit", method=method).status_code == 405
    assert owner.open(f"/comments/{cid}/delete", method=method).status_code == 405
    assert comment(app, cid) is not None


def test_a_missing_csrf_token_changes_nothing_and_keeps_the_text(app, send):
    owner, cid = send()
    app.config["WTF_CSRF_ENABLED"] = True
    fields = edit_form(owner, cid)
    assert fields["csrf_token"]
    del fields["csrf_token"]
    response = owner.post(f"/comments/{cid}/edit", data={**fields, "comment": "Typed with care"})
    assert response.status_code == 400
    soup = soup_of(response)
    assert "Your session expired" in soup.find(id="error-summary").get_text()
    assert soup.find("textarea", id="comment").get_text().strip() == "Typed with care"
    assert comment(app, cid).body == "Heat helped me a lot."

    refused = owner.post(f"/comments/{cid}/delete", data={"csrf_token": "forged"})
    assert refused.status_code == 400
    assert b"Your session expired" in refused.data
    assert comment(app, cid) is not None
    token = soup_of(owner.get(f"/comments/{cid}/delete")).find(
        "input", attrs={"name": "csrf_token"}
    )["value"]
    assert owner.post(f"/comments/{cid}/delete", data={"csrf_token": token}).status_code == 303


def test_own_pages_are_personal_and_not_indexed(app, send):
    owner, cid = send()
    for path in (f"/comments/{cid}/edit", f"/comments/{cid}/delete"):
        for browser in (owner, app.test_client()):
            response = browser.get(path)
            assert response.headers["Cache-Control"] == "private, no-store"
            assert soup_of(response).find("meta", attrs={"name": "robots"})["content"] == (
                "noindex"
            )


def test_the_log_names_the_author_as_who(app, send, moderator):
    owner, cid = send()
    edit(owner, cid, "Changed by me.")
    staff = app.test_client()
    moderator.login(client=staff)
    row = soup_of(staff.get("/moderation/log")).select("tbody tr")[0]
    assert own.AUTHOR_ACTOR in row.get_text()
    assert "author edit" in row.get_text()


def test_moderators_see_the_earlier_versions_and_who_replaced_them(app, send, moderator):
    owner, cid = send("First words.")
    edit(owner, cid, "Second words.")
    staff = app.test_client()
    moderator.login(client=staff)
    section = soup_of(staff.get(f"/moderation/comments/{cid}/edit")).find(
        "section", class_="revisions"
    )
    assert "First words." in section.get_text()
    assert "by its author" in section.get_text()


def test_an_approved_or_pinned_comment_stays_as_the_moderator_approved_it(app, send, moderator):
    """Review finding: an author rewrote a comment after a moderator approved and
    pinned it ("see https://evil.example for the real cure")."""
    owner, cid = send("Heat helped me on the first day.")
    fields = edit_form(owner, cid)
    with app.app_context():
        from app.moderation import services

        if comment(app, cid).status is not CommentStatus.APPROVED:
            services.act(cid, ModerationAction.APPROVE, moderator.record)
        services.pin(cid, moderator.record)
    refused = owner.post(
        f"/comments/{cid}/edit", data={**fields, "comment": "See the real cure elsewhere."}
    )
    assert refused.status_code == 409
    assert comment(app, cid).body == "Heat helped me on the first day."


def test_a_moderator_never_approves_words_they_did_not_see(app, client, send, moderator):
    """Review finding: the author edited a held comment after the moderator loaded the
    queue; Approve published the new words."""
    owner, cid = send("A harmless first comment.", held=True)
    assert comment(app, cid).status is CommentStatus.PENDING
    moderator.login(client=client)
    queue = soup_of(client.get("/moderation/"))
    seen = queue.find("button", formaction=f"/moderation/comments/{cid}/approve")["value"]
    marker = queue.find("input", attrs={"name": f"seen-edit-{cid}"})["value"]
    fields = edit_form(owner, cid)
    assert (
        owner.post(
            f"/comments/{cid}/edit", data={**fields, "comment": "Stop your medication now."}
        ).status_code
        == 303
    )
    client.post(f"/moderation/comments/{cid}/approve", data={"expected": seen})
    assert comment(app, cid).status is CommentStatus.PENDING
    client.post(
        "/moderation/bulk",
        data={
            "ids": [str(cid)],
            "action": "approve",
            "seen_status": "pending",
            f"seen-edit-{cid}": marker,
        },
    )
    assert comment(app, cid).status is CommentStatus.PENDING
