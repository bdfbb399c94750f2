"""The moderation queue: every action and what the public page shows after it."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Comment,
    CommentRevision,
    CommentStatus,
    ModerationAction,
    ModerationEvent,
)
from tests.conftest import about_comments

PENDING, APPROVED, SPAM, TRASH = (
    CommentStatus.PENDING,
    CommentStatus.APPROVED,
    CommentStatus.SPAM,
    CommentStatus.TRASH,
)
PUBLIC = "/back-spasms/"


def status_of(app, comment_id: int):
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        return None if comment is None else comment.status


def public_text(app) -> str:
    return app.test_client().get(PUBLIC).get_data(as_text=True)


def log_actions(app) -> list[tuple[str, int | None]]:
    with app.app_context():
        query = select(ModerationEvent).where(about_comments()).order_by(ModerationEvent.id)
        return [(e.action.value, e.comment_id) for e in db.session.scalars(query)]


def act(client, comment_id, action, expected=None):
    data = {"next": "/moderation/"}
    if expected:
        data["expected"] = expected.value
    return client.post(f"/moderation/comments/{comment_id}/{action}", data=data)


def test_queue_shows_pending_oldest_first_with_everything_a_moderator_needs(
    client, mod, add_comment
):
    parent = add_comment(name="Parent", body="the parent")
    older = add_comment(status=PENDING, name="Older", email="older@example.com")
    newer = add_comment(
        status=PENDING,
        name="Newer",
        email="newer@example.com",
        website="https://newer.example.com",
        parent=parent,
        body="line one\n\nline two",
    )
    soup = BeautifulSoup(client.get("/moderation/").data, "html.parser")
    rows = soup.select("li.queue-row")
    assert [r["id"] for r in rows] == [f"queue-{older}", f"queue-{newer}"]
    text = rows[1].get_text(" ", strip=True)
    for expected in (
        "Newer",
        "newer@example.com",
        "https://newer.example.com",
        "Easing back spasms",
        "line one",
        "line two",
        "Reason test",
        "In reply to Parent",
        "the parent",
    ):
        assert expected in text, expected
    reply_link = rows[1].select_one(".queue-row__parent a")
    assert reply_link["href"] == f"{PUBLIC}#comment-{parent}"
    tabs = [a.get_text(" ", strip=True) for a in soup.select("nav.tabs a")]
    assert tabs == [
        "Needs a careful answer 0",
        "Pending 2",
        "Approved 1",
        "Spam 0",
        "Trash 0",
        "Reported 0",
    ]
    assert soup.select_one(".site-nav .badge").get_text() == "2"


def test_approve_makes_it_public_at_once(app, client, mod, add_comment):
    cid = add_comment(status=PENDING, body="now you see me")
    assert "now you see me" not in public_text(app)
    response = act(client, cid, "approve", PENDING)
    assert response.status_code == 303 and response.headers["Location"] == "/moderation/"
    assert status_of(app, cid) is APPROVED
    assert "now you see me" in public_text(app)
    assert f"Comment {cid} approved." in client.get("/moderation/").get_data(as_text=True)
    assert log_actions(app) == [("approve", cid)]


def test_approval_lets_the_authors_next_comment_through(app, client, mod, comment_form):
    commenter = app.test_client()
    commenter.post(PUBLIC, data=comment_form(comment="first"))
    first = db_first_id(app)
    assert status_of(app, first) is PENDING
    act(client, first, "approve", PENDING)
    commenter.post(PUBLIC, data=comment_form(comment="second"))
    with app.app_context():
        second = db.session.scalar(select(Comment).where(Comment.body == "second"))
        assert second.status is APPROVED
        assert second.reason == "previously approved commenter"


def db_first_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Comment.id).order_by(Comment.id))


@pytest.mark.parametrize(
    ("start", "action", "end", "public"),
    [
        (APPROVED, "unapprove", PENDING, False),
        (PENDING, "spam", SPAM, False),
        (APPROVED, "spam", SPAM, False),
        (SPAM, "not_spam", PENDING, False),
        (APPROVED, "trash", TRASH, False),
        (PENDING, "trash", TRASH, False),
    ],
)
def test_status_actions(app, client, mod, add_comment, start, action, end, public):
    cid = add_comment(status=start, body="watch this text")
    assert act(client, cid, action, start).status_code == 303
    assert status_of(app, cid) is end
    assert ("watch this text" in public_text(app)) is public


def test_restore_returns_to_the_status_before_trash(app, client, mod, add_comment):
    approved = add_comment(status=APPROVED, body="was public")
    act(client, approved, "trash", APPROVED)
    assert "was public" not in public_text(app)
    act(client, approved, "restore", TRASH)
    assert status_of(app, approved) is APPROVED
    assert "was public" in public_text(app)


def test_an_action_that_does_not_apply_is_refused(app, client, mod, add_comment):
    cid = add_comment(status=APPROVED)
    act(client, cid, "approve")
    assert "does not apply" in client.get("/moderation/").get_data(as_text=True)
    assert log_actions(app) == []


def test_two_moderators_on_one_comment_first_wins_second_is_told(app, client, mod, add_comment):
    cid = add_comment(status=PENDING)
    other = app.test_client()
    mod.login(client=other)
    assert act(client, cid, "approve", PENDING).status_code == 303
    act(other, cid, "spam", PENDING)
    assert status_of(app, cid) is APPROVED
    page = other.get("/moderation/").get_data(as_text=True)
    assert "Someone changed this comment meanwhile: it is now approved" in page
    assert log_actions(app) == [("approve", cid)]


def test_unknown_action_is_404(client, mod, add_comment):
    cid = add_comment(status=PENDING)
    assert client.post(f"/moderation/comments/{cid}/explode").status_code == 404
    assert client.post(f"/moderation/comments/{cid}/delete_all").status_code == 404


def test_delete_needs_confirmation_and_only_from_spam_or_trash(app, client, mod, add_comment):
    approved = add_comment(status=APPROVED)
    spam = add_comment(status=SPAM, body="spammy")
    confirm = client.get(f"/moderation/comments/{spam}/delete")
    assert confirm.status_code == 200
    assert b"cannot be undone" in confirm.data
    assert status_of(app, spam) is SPAM  # the GET changed nothing
    client.post(f"/moderation/comments/{spam}/delete", data={"next": "/moderation/?status=spam"})
    assert status_of(app, spam) is None
    client.post(f"/moderation/comments/{approved}/delete")
    assert status_of(app, approved) is APPROVED
    assert ("delete", None) in log_actions(app)


def test_the_log_keeps_nothing_of_a_deleted_comments_author(app, client, mod, add_comment):
    spam = add_comment(status=SPAM, name="Private Person", body="spammy")
    client.post(f"/moderation/comments/{spam}/delete")
    log = client.get("/moderation/log").get_data(as_text=True)
    assert f"comment {spam}" in log
    assert "Private Person" not in log


def test_deleting_a_comment_with_replies_keeps_the_thread(app, client, mod, add_comment):
    root = add_comment(body="root words", name="Rooty")
    reply = add_comment(parent=root, body="reply words")
    act(client, root, "trash", APPROVED)
    client.post(f"/moderation/comments/{root}/delete")
    page = public_text(app)
    assert "This comment was removed." in page
    assert "reply words" in page
    assert "root words" not in page and "Rooty" not in page
    with app.app_context():
        tomb = db.session.get(Comment, root)
        assert tomb.deleted_at is not None
        assert tomb.author_email == "" and tomb.body == ""
    trash_tab = client.get("/moderation/?status=trash").get_data(as_text=True)
    assert f"queue-{root}" not in trash_tab
    assert status_of(app, reply) is APPROVED


def test_bulk_actions(app, client, mod, add_comment):
    ids = [add_comment(status=PENDING, body=f"bulk {n}") for n in range(3)]
    keep = add_comment(status=PENDING, body="not selected")
    response = client.post(
        "/moderation/bulk",
        data={"ids": [str(i) for i in ids], "action": "approve", "next": "/moderation/"},
    )
    assert response.status_code == 303
    assert [status_of(app, i) for i in ids] == [APPROVED] * 3
    assert status_of(app, keep) is PENDING
    page = public_text(app)
    assert all(f"bulk {n}" in page for n in range(3))
    assert "3 comments approved." in client.get("/moderation/").get_data(as_text=True)

    client.post("/moderation/bulk", data={"ids": [str(i) for i in ids], "action": "trash"})
    assert [status_of(app, i) for i in ids] == [TRASH] * 3
    assert "bulk 0" not in public_text(app)


def test_bulk_skips_comments_the_action_does_not_apply_to(app, client, mod, add_comment):
    pending = add_comment(status=PENDING)
    approved = add_comment(status=APPROVED)
    client.post(
        "/moderation/bulk", data={"ids": [str(pending), str(approved)], "action": "approve"}
    )
    assert "1 comment approved. 1 skipped" in client.get("/moderation/").get_data(as_text=True)


def test_bulk_leaves_comments_another_moderator_moved_meanwhile(app, client, mod, add_comment):
    """Found by an attack review: a bulk "Spam" marked a comment that another moderator
    had approved after the queue was shown."""
    first, second = add_comment(status=PENDING), add_comment(status=PENDING)
    queue = BeautifulSoup(client.get("/moderation/").data, "html.parser")
    seen = queue.find("input", attrs={"name": "seen_status"})["value"]
    act(client, second, "approve", PENDING)  # the other moderator, meanwhile
    client.post(
        "/moderation/bulk",
        data={"ids": [str(first), str(second)], "action": "spam", "seen_status": seen},
    )
    assert status_of(app, first) is SPAM
    assert status_of(app, second) is APPROVED
    message = client.get("/moderation/").get_data(as_text=True)
    assert "1 comment marked as spam. 1 changed by someone else meanwhile" in message


def test_bulk_delete_keeps_what_the_moderator_saw_through_the_confirmation(
    app, client, mod, add_comment
):
    ids = [add_comment(status=TRASH) for _ in range(2)]
    data = {"ids": [str(i) for i in ids], "action": "delete", "seen_status": "trash"}
    confirm = BeautifulSoup(client.post("/moderation/bulk", data=data).data, "html.parser")
    assert confirm.find("input", attrs={"name": "seen_status"})["value"] == "trash"
    act(client, ids[0], "restore", TRASH)  # someone restores one before the confirmation
    client.post("/moderation/bulk", data={**data, "confirmed": "yes"})
    assert status_of(app, ids[0]) is not None
    assert status_of(app, ids[1]) is None


def test_bulk_delete_asks_first(app, client, mod, add_comment):
    ids = [add_comment(status=TRASH) for _ in range(2)]
    data = {"ids": [str(i) for i in ids], "action": "delete"}
    confirm = client.post("/moderation/bulk", data=data)
    assert confirm.status_code == 200 and b"Delete 2 comments permanently?" in confirm.data
    assert all(status_of(app, i) is TRASH for i in ids)
    client.post("/moderation/bulk", data={**data, "confirmed": "yes"})
    assert all(status_of(app, i) is None for i in ids)


@pytest.mark.parametrize("data", [{"action": "approve"}, {"ids": "1", "action": "bogus"}, {}])
def test_bulk_without_selection_or_action_says_so(client, mod, data):
    response = client.post("/moderation/bulk", data={**data, "next": "/moderation/"})
    assert response.status_code == 303
    follow = client.get("/moderation/").get_data(as_text=True)
    assert "Select at least one comment" in follow or "Choose an action" in follow


def test_empty_spam(app, client, mod, add_comment):
    spam = [add_comment(status=SPAM) for _ in range(3)]
    other = add_comment(status=PENDING)
    assert client.get("/moderation/empty-spam").status_code == 200
    assert all(status_of(app, i) is SPAM for i in spam)
    client.post("/moderation/empty-spam")
    assert all(status_of(app, i) is None for i in spam)
    assert status_of(app, other) is PENDING
    assert ("empty_spam", None) in log_actions(app)


def edit_version(client, comment_id: int) -> str:
    """Open the edit form like a moderator and return the version it carries."""
    soup = BeautifulSoup(client.get(f"/moderation/comments/{comment_id}/edit").data, "html.parser")
    return soup.find("input", attrs={"name": "version"})["value"]


def test_edit_changes_the_public_text_and_keeps_the_old_one(app, client, mod, add_comment):
    cid = add_comment(body="tpyo here", name="Ann")
    form = client.get(f"/moderation/comments/{cid}/edit")
    soup = BeautifulSoup(form.data, "html.parser")
    assert soup.find("textarea", id="comment").get_text().strip() == "tpyo here"
    response = client.post(
        f"/moderation/comments/{cid}/edit",
        data={
            "comment": "typo fixed <script>x</script>",
            "name": "Ann B",
            "website": "",
            "version": soup.find("input", attrs={"name": "version"})["value"],
        },
    )
    assert response.status_code == 303
    page = public_text(app)
    assert "typo fixed &lt;script&gt;x&lt;/script&gt;" in page and "tpyo" not in page
    assert "Ann B" in page
    with app.app_context():
        revision = db.session.scalar(select(CommentRevision))
        assert revision.body == "tpyo here" and revision.author_name == "Ann"
        assert db.session.get(Comment, cid).edited_at is not None
        event = db.session.scalar(select(ModerationEvent).where(about_comments()))
        assert event.action is ModerationAction.EDIT
        assert event.detail == "changed text, name"


def test_edit_refuses_bad_input_and_keeps_it(app, client, mod, add_comment):
    cid = add_comment(body="original")
    response = client.post(
        f"/moderation/comments/{cid}/edit",
        data={"comment": "new words", "name": "", "website": "javascript:alert(1)"},
    )
    assert response.status_code == 422
    soup = BeautifulSoup(response.data, "html.parser")
    assert "Please enter your name." in soup.get_text()
    assert "http:// or https://" in soup.get_text()
    assert soup.find("textarea", id="comment").get_text().strip() == "new words"
    assert soup.find(id="error-summary-title").get_text() == "There is a problem with your changes"
    assert "original" in public_text(app)


def test_two_moderators_editing_one_comment_the_redaction_stays(app, client, mod, add_comment):
    private = "Call me on 555 0100, I live at 1 Main Street."
    cid = add_comment(body=private, name="Ann Example")
    other = app.test_client()
    mod.login(client=other)
    first, second = edit_version(client, cid), edit_version(other, cid)
    url = f"/moderation/comments/{cid}/edit"

    redacted = {"comment": "Call me [removed].", "name": "Ann E.", "website": ""}
    assert client.post(url, data={**redacted, "version": first}).status_code == 303
    typed = {"comment": private + " Thanks for the tips!", "name": "Ann Example", "website": ""}
    response = other.post(url, data={**typed, "version": second})

    assert response.status_code == 409
    soup = BeautifulSoup(response.data, "html.parser")
    text = soup.get_text(" ", strip=True)
    assert "This comment was changed by someone else meanwhile" in text
    assert soup.find("textarea", id="comment").get_text().strip() == typed["comment"]
    current = soup.find(id="current-version").get_text(" ", strip=True)
    assert "Call me [removed]." in current and "Ann E." in current
    page = public_text(app)
    assert "Call me [removed]." in page and "555 0100" not in page and "Ann Example" not in page
    with app.app_context():
        assert db.session.get(Comment, cid).body == "Call me [removed]."
        assert len(db.session.scalars(select(CommentRevision)).all()) == 1
    assert log_actions(app) == [("edit", cid)]

    # Having seen the current text, saving again is a deliberate choice, and it works.
    again = soup.find("input", attrs={"name": "version"})["value"]
    final = {**typed, "comment": "Call me [removed]. Thanks for the tips!", "name": "Ann E."}
    assert other.post(url, data={**final, "version": again}).status_code == 303
    assert "Thanks for the tips!" in public_text(app)


@pytest.mark.parametrize("version", [None, "", "0" * 64, "x" * 5000])
def test_an_edit_without_the_current_version_saves_nothing(app, client, mod, add_comment, version):
    cid = add_comment(body="original words")
    data = {"comment": "new words", "name": "Reader", "website": ""}
    if version is not None:
        data["version"] = version
    response = client.post(f"/moderation/comments/{cid}/edit", data=data)
    assert response.status_code == 409
    assert "changed by someone else meanwhile" in response.get_data(as_text=True)
    assert "original words" in public_text(app)


def test_reply_as_moderator_is_published_and_marked(app, client, mod, add_comment):
    parent = add_comment(status=PENDING, name="Asker", body="a question")
    response = client.post(f"/moderation/comments/{parent}/reply", data={"comment": "An answer"})
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"{PUBLIC}#comment-")
    assert status_of(app, parent) is APPROVED  # replying approves the question
    soup = BeautifulSoup(app.test_client().get(PUBLIC).data, "html.parser")
    reply = soup.find("article", class_="comment--site")
    assert "An answer" in reply.get_text()
    assert "Relief team" in reply.get_text()
    assert [a for a, _ in log_actions(app)] == ["approve", "reply"]


def test_reply_to_spam_is_refused(app, client, mod, add_comment):
    cid = add_comment(status=SPAM)
    response = client.post(f"/moderation/comments/{cid}/reply", data={"comment": "no"})
    assert response.status_code == 409
    assert "only reply to approved or pending" in response.get_data(as_text=True)
    assert status_of(app, cid) is SPAM


def test_filter_by_page_and_search(app, client, mod, add_comment):
    with app.app_context():
        from app.models import Article

        article = db.session.scalar(select(Article))
        remedy = article.remedies[1]
        article_id, remedy_id = article.id, remedy.id
    on_article = add_comment(
        status=PENDING, body="about the article", name="Alpha", email="alpha@example.com"
    )
    on_remedy = add_comment(
        status=PENDING,
        remedy_slug="remedy-2",
        body="about stretching",
        name="Beta",
        email="beta@example.com",
    )

    def shown(**params):
        soup = BeautifulSoup(client.get("/moderation/", query_string=params).data, "html.parser")
        return {int(r["id"].split("-")[1]) for r in soup.select("li.queue-row")}

    assert shown() == {on_article, on_remedy}
    assert shown(on=str(article_id)) == {on_article}
    assert shown(on=f"{article_id}.{remedy_id}") == {on_remedy}
    assert shown(q="stretching") == {on_remedy}
    assert shown(q="ALPHA") == {on_article}
    assert shown(q="beta@EXAMPLE.com") == {on_remedy}
    assert shown(q="127.0.0.1") == set()  # add_comment stores no IP
    assert shown(q="%") == set()  # wildcards are matched literally


def test_search_by_ip(app, client, mod, comment_form):
    app.test_client().post(
        PUBLIC, data=comment_form(), environ_base={"REMOTE_ADDR": "198.51.100.23"}
    )
    soup = BeautifulSoup(client.get("/moderation/?q=198.51.100.23").data, "html.parser")
    assert len(soup.select("li.queue-row")) == 1


def test_queue_pages(app, client, mod, add_comment):
    app.config["MODERATION_PER_PAGE"] = 2
    for _ in range(5):
        add_comment(status=PENDING)
    soup = BeautifulSoup(client.get("/moderation/?page=3").data, "html.parser")
    assert len(soup.select("li.queue-row")) == 1
    # The last page: numbered links to every page, and "Previous" (no "Next").
    links = [a.get_text() for a in soup.select("nav.comment-pages a")]
    assert links == ["Previous", "1", "2", "3"]


def test_audit_log_lists_who_did_what(app, client, mod, add_comment):
    cid = add_comment(status=PENDING, name="Logged")
    act(client, cid, "approve", PENDING)
    act(client, cid, "trash", APPROVED)
    soup = BeautifulSoup(client.get("/moderation/log").data, "html.parser")
    rows = [
        [td.get_text(" ", strip=True) for td in tr.find_all("td")]
        for tr in soup.tbody.find_all("tr")
    ]
    # The oldest line: the moderator's account being added (test_moderator_roles.py).
    assert [r[2] for r in rows] == ["trash", "approve", "moderator add"]
    rows = rows[:2]
    assert all(r[1] == "mod@example.com" for r in rows)
    assert all(f"#{cid} by Logged" in r[3] for r in rows)


def test_audit_log_has_pages_and_a_page_past_the_end_shows_the_last(app, client, mod):
    with app.app_context():
        db.session.add_all(
            ModerationEvent(
                moderator_email="mod@example.com",
                action=ModerationAction.APPROVE,
                detail=f"event {n}",
            )
            for n in range(54)  # and the line that added the moderator: 55
        )
        db.session.commit()

    def details(url):
        soup = BeautifulSoup(client.get(url).data, "html.parser")
        cells = [tr.find_all("td")[4].get_text(strip=True) for tr in soup.tbody.find_all("tr")]
        return soup, cells

    first, cells = details("/moderation/log")
    assert len(cells) == 50
    assert first.find("a", href="/moderation/log?page=2")
    _, last = details("/moderation/log?page=2")
    assert len(last) == 5
    assert details("/moderation/log?page=99")[1] == last
    # Larger than any database integer: still the last page, never a server error.
    assert details("/moderation/log?page=99999999999999999999")[1] == last


def test_moderation_pages_are_not_cached(client, mod):
    assert client.get("/moderation/").headers["Cache-Control"] == "no-store"


def test_huge_comment_ids_are_404_not_500(client, mod):
    assert client.get("/moderation/comments/99999999999999999999/edit").status_code == 404
    response = client.post(
        "/moderation/bulk", data={"ids": "99999999999999999999", "action": "trash"}
    )
    assert response.status_code == 303
