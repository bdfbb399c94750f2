"""A moderator's workspace: saved replies, the overview above the queue, readers'
questions without a team answer, each comment's edit history, and the log's filters."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from flask_migrate import upgrade
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import (
    Article,
    Comment,
    CommentRevision,
    CommentStatus,
    ModerationAction,
    ModerationEvent,
    ModerationEventItem,
    Moderator,
    SavedReply,
)
from app.moderation import overview, saved_replies
from app.moderation.history import word_diff
from config import TestConfig
from tests.conftest import MODERATOR_PASSWORD, about_comments, make_article
from tests.test_migrations import empty_database_url  # noqa: F401  (a fixture)

PENDING, APPROVED, SPAM, TRASH = (
    CommentStatus.PENDING,
    CommentStatus.APPROVED,
    CommentStatus.SPAM,
    CommentStatus.TRASH,
)


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def textarea(page: BeautifulSoup, field_id: str = "comment") -> str:
    """A textarea's text as a browser reads it (the first line break is markup's)."""
    return page.find("textarea", id=field_id).get_text().removeprefix("\r\n")


def add_saved(app, title="Thanks", body="Thank you, {name}.") -> int:
    with app.app_context():
        reply = SavedReply(title=title, body=body)
        db.session.add(reply)
        db.session.commit()
        return reply.id


def saved_rows(app) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.scalars(select(SavedReply).order_by(SavedReply.id))
        return [(r.title, r.body) for r in rows]


# --- Placeholders ----------------------------------------------------------------------

VALUES = {"name": "Ada", "page": "Heat", "help_link": "https://relief.example/heat/#get-help"}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (
            "Hi {name}, see {page}: {help_link}",
            "Hi Ada, see Heat: https://relief.example/heat/#get-help",
        ),
        # str.format would read each of these as an instruction; here they stay as typed.
        ("{__class__}", "{__class__}"),
        ("{0}", "{0}"),
        ("{name.__init__}", "{name.__init__}"),
        ("{name!r} {page:>99999}", "{name!r} {page:>99999}"),
        ("{name.__class__.__mro__}", "{name.__class__.__mro__}"),
        ("{NAME} { name } {nam}", "{NAME} { name } {nam}"),
        ("{{name}}", "{Ada}"),
        ("{", "{"),
        ("}{name", "}{name"),
        ("<script>alert(1)</script> {name}", "<script>alert(1)</script> Ada"),
    ],
)
def test_only_the_documented_placeholders_are_filled_in(typed, expected):
    assert saved_replies.expand(typed, VALUES) == expected


def test_a_value_holding_a_placeholder_is_not_expanded_again():
    values = {**VALUES, "name": "{page} {help_link}"}
    assert saved_replies.expand("{name}", values) == "{page} {help_link}"


def test_huge_text_with_many_placeholders_expands_in_one_pass():
    typed = "{name}" * 5000 + "{0}" * 1000
    assert saved_replies.expand(typed, VALUES) == "Ada" * 5000 + "{0}" * 1000


# --- The shipped reply, on a fresh install ----------------------------------------------


def test_the_shipped_reply_exists_after_upgrade_and_posts_with_the_page_help_link(
    empty_database_url,  # noqa: F811
):
    from app.auth.services import add_moderator
    from app.comments.services import build_comment
    from app.content.loading import upsert_article
    from app.shared.pages import PageKey

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=empty_database_url)
    try:
        with app.app_context():
            upgrade()
            shipped = db.session.scalars(select(SavedReply)).all()
            assert [r.title for r in shipped] == ["Get help: urgent symptoms"]
            body = shipped[0].body
            assert "{help_link}" in body and "999" in body and "NHS 111" in body
            upsert_article(make_article())
            add_moderator("mod@example.com", MODERATOR_PASSWORD, "Relief team")
            article = db.session.scalar(select(Article))
            remedy = article.remedies[0]
            comment = build_comment(
                PageKey(article.id, remedy.id),
                parent=None,
                status=PENDING,
                reason="red flags",
                name="Sam",
                email="sam@example.com",
                website=None,
                body="My legs went numb and I can't feel my bottom. Is that normal?",
                now=datetime.now(UTC),
            )
            db.session.add(comment)
            db.session.commit()
            comment_id, reply_id = comment.id, shipped[0].id
        client = app.test_client()
        client.post(
            "/auth/login", data={"email": "mod@example.com", "password": MODERATOR_PASSWORD}
        )

        form = client.get(f"/moderation/comments/{comment_id}/reply?saved={reply_id}")
        assert form.status_code == 200
        filled = textarea(soup(form))
        link = "http://localhost/back-spasms/remedy-1/#get-help"
        assert filled.startswith("Thank you for telling us, Sam.")
        assert link in filled and "{" not in filled

        sent = client.post(
            f"/moderation/comments/{comment_id}/reply",
            data={"comment": filled, "next": "/moderation/"},
        )
        assert sent.status_code == 303
        page = client.get("/back-spasms/remedy-1/").get_data(as_text=True)
        assert f'href="{link}"' in page  # the site's reply, under the comment, links to it
        with app.app_context():
            site_reply = db.session.scalar(select(Comment).where(Comment.moderator_id.is_not(None)))
            assert site_reply.parent_id == comment_id and site_reply.status is APPROVED
            assert db.session.get(Comment, comment_id).status is APPROVED
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_shipped_reply_says_what_the_get_help_file_says():
    """Its emergency and urgent advice match content/get-help.yml's, in the same words."""
    import yaml

    from tests.conftest import ROOT

    migration = next((ROOT / "migrations" / "versions").glob("ad4a51ebc7e8_*.py")).read_text()
    tiers = {
        t["key"]: t
        for t in yaml.safe_load((ROOT / "content" / "get-help.yml").read_text())["tiers"]
    }
    assert "999" in tiers["emergency"]["action"] and "999" in migration
    assert "NHS 111" in tiers["urgent"]["action"] and "NHS 111" in migration
    assert "emergency department" in tiers["emergency"]["action"]
    assert "nearest emergency department" in migration


# --- Saved replies: list, add, edit, delete ---------------------------------------------


def test_a_moderator_adds_edits_and_deletes_a_saved_reply(app, client, mod):
    empty = client.get("/moderation/saved-replies")
    assert "There are no saved replies yet." in empty.get_data(as_text=True)

    added = client.post(
        "/moderation/saved-replies/new",
        data={"title": "Thanks", "body": "Thank you, {name}.\n\nSee {help_link}"},
    )
    assert added.status_code == 303 and added.headers["Location"] == "/moderation/saved-replies"
    assert saved_rows(app) == [("Thanks", "Thank you, {name}.\n\nSee {help_link}")]
    listing = client.get("/moderation/saved-replies").get_data(as_text=True)
    assert "Thanks" in listing and "Last changed by Relief team" in listing
    reply_id = add_saved(app, "Another", "x")

    form = client.get(f"/moderation/saved-replies/{reply_id}/edit")
    assert soup(form).find("input", id="title")["value"] == "Another"
    changed = client.post(
        f"/moderation/saved-replies/{reply_id}/edit", data={"title": "Renamed", "body": "y"}
    )
    assert changed.status_code == 303
    assert saved_rows(app)[1] == ("Renamed", "y")

    confirm = client.get(f"/moderation/saved-replies/{reply_id}/delete")
    assert confirm.status_code == 200 and "Delete the saved reply “Renamed”?" in html.unescape(
        confirm.get_data(as_text=True)
    )
    assert len(saved_rows(app)) == 2  # a GET changes nothing
    gone = client.post(f"/moderation/saved-replies/{reply_id}/delete")
    assert gone.status_code == 303
    assert saved_rows(app) == [("Thanks", "Thank you, {name}.\n\nSee {help_link}")]
    again = client.post(f"/moderation/saved-replies/{reply_id}/delete", follow_redirects=True)
    assert "no longer exists" in again.get_data(as_text=True)

    with app.app_context():
        log = db.session.scalars(
            select(ModerationEvent).where(about_comments()).order_by(ModerationEvent.id)
        ).all()
        assert [(e.action, e.moderator_email) for e in log] == [
            (ModerationAction.SAVED_REPLY, "mod@example.com")
        ] * 3
        assert "added saved reply “Thanks”" in log[0].detail
        assert "deleted saved reply “Renamed”" in log[2].detail


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        ({"title": "", "body": "x"}, "title", "Enter a title"),
        ({"title": "   ", "body": "x"}, "title", "Enter a title"),
        ({"title": "t" * 101, "body": "x"}, "title", "at most 100 characters"),
        ({"title": "a\u202eb", "body": "x"}, "title", "invisible or direction-changing"),
        ({"title": "t", "body": ""}, "body", "Please write"),
        ({"title": "t", "body": "x" * 5001}, "body", "too long"),
        ({"title": "t", "body": "bad \x00 byte"}, "body", "control character"),
    ],
)
def test_a_bad_saved_reply_is_refused_next_to_the_field_with_the_text_kept(
    app, client, mod, fields, field_id, message
):
    response = client.post("/moderation/saved-replies/new", data=fields)
    assert response.status_code == 422
    page = soup(response)
    error = page.find(id=f"{field_id}-error")
    assert error is not None and message in error.get_text()
    assert saved_rows(app) == []
    if field_id == "title" and fields["body"]:
        assert textarea(page, "body") == fields["body"]


def test_saved_replies_show_hostile_text_as_text(app, client, mod):
    add_saved(app, "<script>alert(1)</script>", '<img src=x onerror=alert(2)> "{name}"')
    page = client.get("/moderation/saved-replies").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("bad", ["0", "abc", "-1", str(10**30), "999"])
def test_unknown_saved_reply_ids_are_404(client, mod, bad):
    for path in (
        f"/moderation/saved-replies/{bad}/edit",
        f"/moderation/saved-replies/{bad}/delete",
    ):
        assert client.get(path).status_code == 404


def test_editing_a_saved_reply_deleted_meanwhile_says_so(app, client, mod):
    reply_id = add_saved(app)
    with app.app_context():
        db.session.delete(db.session.get(SavedReply, reply_id))
        db.session.commit()
    response = client.post(
        f"/moderation/saved-replies/{reply_id}/edit", data={"title": "t", "body": "b"}
    )
    assert response.status_code == 404


# --- The reply form offers them ----------------------------------------------------------


def test_the_reply_form_offers_each_saved_reply_filled_in_for_this_comment(
    app, client, mod, add_comment
):
    cid = add_comment(remedy_slug="remedy-2", name="Ada <b>", status=PENDING, body="Why?")
    reply_id = add_saved(app, "Help", "Dear {name}, on {page}: {help_link} {0}")
    page = soup(client.get(f"/moderation/comments/{cid}/reply"))
    use = page.find("a", attrs={"data-saved-reply": True})
    assert use.get_text() == "Use “Help”"
    assert use["href"].startswith(f"/moderation/comments/{cid}/reply?saved={reply_id}")
    expected = (
        "Dear Ada <b>, on Remedy number 2: http://localhost/back-spasms/remedy-2/#get-help {0}"
    )
    assert use["data-text"] == expected  # escaped in the attribute, whole once parsed
    assert textarea(page) == ""
    assert page.select_one("script[src^='/static/js/saved-replies.js']") is not None

    filled = soup(client.get(use["href"]))
    assert textarea(filled) == expected
    assert filled.find("form", class_="stack-form")["action"] == f"/moderation/comments/{cid}/reply"


@pytest.mark.parametrize("bad", ["abc", "-1", "0", str(10**30), "999", ""])
def test_an_unknown_saved_reply_leaves_the_form_empty_and_says_so(client, mod, add_comment, bad):
    cid = add_comment()
    response = client.get(f"/moderation/comments/{cid}/reply?saved={bad}")
    assert response.status_code == 200
    assert "That saved reply no longer exists" in response.get_data(as_text=True)
    assert textarea(soup(response)) == ""


def test_a_saved_reply_posts_under_the_comment_with_its_help_link(app, client, mod, add_comment):
    cid = add_comment(name="Ada")
    reply_id = add_saved(app, "Help", "Thank you, {name}. Please read: {help_link}")
    filled = soup(client.get(f"/moderation/comments/{cid}/reply?saved={reply_id}"))
    text_ = textarea(filled)
    response = client.post(f"/moderation/comments/{cid}/reply", data={"comment": text_})
    assert response.status_code == 303
    public = soup(client.get("/back-spasms/"))
    site = public.find("a", href="http://localhost/back-spasms/#get-help")
    assert site is not None
    assert "Thank you, Ada. Please read:" in site.find_parent(class_="comment__body").get_text()


# --- The overview above the queue --------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "words"),
    [
        (timedelta(seconds=5), "1 minute"),
        (timedelta(minutes=5), "5 minutes"),
        (timedelta(minutes=59), "59 minutes"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(hours=47, minutes=59), "47 hours"),
        (timedelta(days=2), "2 days"),
        (timedelta(days=3, hours=23), "3 days"),
        (timedelta(seconds=-30), "1 minute"),  # a clock a little behind
    ],
)
def test_ages_read_as_words(age, words):
    assert overview.age_in_words(age) == words


def test_the_queue_shows_the_oldest_waiting_comment_and_red_flags(app, client, mod, add_comment):
    add_comment(status=APPROVED)  # older, but not waiting
    first = add_comment(status=PENDING)
    add_comment(status=PENDING)
    with app.app_context():
        db.session.get(Comment, first).red_flags = "numb\nchest pain"
        db.session.commit()
        oldest = db.session.get(Comment, first).created_at
    box = soup(client.get("/moderation/")).find("section", class_="overview")
    words = overview.age_in_words(datetime.now(UTC) - oldest)
    assert f"Oldest waiting: {words}" in " ".join(box.get_text().split())
    assert box.find("time")["datetime"] == oldest.isoformat() == "2026-01-01T00:02:00+00:00"
    assert "1 held comment with red flags" in " ".join(box.get_text().split())


def test_with_nothing_waiting_the_overview_says_so(client, mod, add_comment):
    add_comment(status=APPROVED, body="No question here.")
    add_comment(status=TRASH)
    box = soup(client.get("/moderation/")).find("section", class_="overview")
    text_ = " ".join(box.get_text().split())
    assert "Nothing is waiting for a decision." in text_
    assert "0 held comments with red flags" in text_
    assert "0 questions without a team answer" in text_


# --- Questions without a team answer -----------------------------------------------------


def site_reply(app, parent: int, status=APPROVED) -> int:
    from app.comments.services import build_comment
    from app.shared.pages import PageKey

    with app.app_context():
        parent_row = db.session.get(Comment, parent)
        moderator = db.session.scalar(select(Moderator))
        reply = build_comment(
            PageKey.of(parent_row),
            parent=parent_row,
            status=status,
            reason="moderator reply",
            name=moderator.name,
            email=moderator.email,
            website=None,
            body="We answered? Yes.",
            now=datetime.now(UTC),
            moderator_id=moderator.id,
        )
        db.session.add(reply)
        db.session.commit()
        return reply.id


def pin_comment(app, comment_id: int) -> None:
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        row = comment.remedy if comment.remedy_id else comment.article
        row.pinned_comment_id = comment_id
        db.session.commit()


@pytest.fixture
def questions(app, mod, add_comment):
    """A set of comments, each named after whether it should be listed."""
    c = {}
    c["answered_deep"] = add_comment(body="Is heat better than ice?")
    reader = add_comment(parent=c["answered_deep"], body="I use heat.")
    deeper = add_comment(parent=reader, body="Me too")
    site_reply(app, deeper)  # three levels down: still the team's answer
    c["pinned"] = add_comment(remedy_slug="remedy-1", body="What about ice?")
    pin_comment(app, c["pinned"])
    c["open"] = add_comment(body="Does stretching help?")
    c["pending"] = add_comment(status=PENDING, body="Pending?")
    c["spam"] = add_comment(status=SPAM, body="Cheap pills?")
    c["trash"] = add_comment(status=TRASH, body="Trashed?")
    c["statement"] = add_comment(body="Heat helped me.")
    c["reader_answered"] = add_comment(body="How long should I rest?")
    add_comment(parent=c["reader_answered"], body="A day or two.")
    c["trashed_answer"] = add_comment(remedy_slug="remedy-2", body="Can I swim?")
    site_reply(app, c["trashed_answer"], status=TRASH)
    c["pinned_below"] = add_comment(body="Is walking ok?")
    good = add_comment(parent=c["pinned_below"], body="Walking is fine, gently.")
    pin_comment(app, good)
    c["reply_with_question"] = add_comment(parent=c["open"], body="Did you try yoga?")
    return c


def test_questions_without_a_team_answer_are_listed_oldest_first(app, client, questions):
    listed = [c for c in ("open", "reader_answered", "trashed_answer", "reply_with_question")]
    with app.app_context():
        page = overview.unanswered_questions(1, 50)
        assert [c.id for c in page.items] == [questions[name] for name in listed]
        assert page.total == overview.unanswered_count() == 4
    response = client.get("/moderation/questions")
    items = soup(response).find_all("li", class_="questions__item")
    assert [li["id"] for li in items] == [f"question-{questions[n]}" for n in listed]
    first = items[0]
    assert "Does stretching help?" in first.get_text()
    assert first.find("a", href=f"/back-spasms/#comment-{questions['open']}").get_text() == (
        "Easing back spasms"
    )
    assert first.find("time")["datetime"].startswith("2026-01-01T")
    reply = first.find("a", class_="button")
    assert reply["href"].startswith(f"/moderation/comments/{questions['open']}/reply?next=")
    box = soup(client.get("/moderation/")).find("section", class_="overview")
    assert box.find("a", href="/moderation/questions").get_text(" ", strip=True) == (
        "4 questions without a team answer"
    )


def test_answering_a_question_takes_it_off_the_list(app, client, questions):
    client.post(f"/moderation/comments/{questions['open']}/reply", data={"comment": "Yes, gently."})
    with app.app_context():
        ids = [c.id for c in overview.unanswered_questions(1, 50).items]
    assert questions["open"] not in ids and questions["reply_with_question"] in ids


def test_the_questions_page_pages_and_clamps(app, client, mod, add_comment):
    for n in range(3):
        add_comment(body=f"Question {n}?")
    with app.app_context():
        page = overview.unanswered_questions(10**6, 2)
    assert (page.page, page.pages, page.total, len(page.items)) == (2, 2, 3, 1)
    for bad in ("abc", "-5", str(10**30)):
        assert client.get(f"/moderation/questions?page={bad}").status_code == 200


def test_no_questions_says_so(client, mod):
    assert "Every question has an answer" in client.get("/moderation/questions").get_data(
        as_text=True
    )


def explain_sqlite(app, statement) -> str:
    """SQLite's plan for ``statement`` as the app runs it: with bound parameters."""
    from sqlalchemy import event

    def explain(conn, cursor, sql, parameters, context, executemany):
        return "EXPLAIN QUERY PLAN " + sql, parameters

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", explain, retval=True)
        try:
            rows = db.session.connection().execute(statement).cursor.fetchall()
        finally:
            event.remove(db.engine, "before_cursor_execute", explain)
        return "\n".join(row[-1] for row in rows)


def test_the_questions_and_overview_queries_use_their_indexes_on_sqlite(app, article, add_comment):
    from sqlalchemy import func

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite's plan; PostgreSQL's is checked in bench/ at 100,000 comments")
    question = add_comment(body="Why?")
    pin_comment(app, add_comment(parent=question, body="Because."))
    with app.app_context():
        statement = select(func.count()).select_from(Comment).where(*overview._unanswered())
    plan = explain_sqlite(app, statement)
    assert "ix_comments_questions" in plan, plan
    assert "ix_comments_site_replies" in plan, plan  # the site's replies, found by index
    assert "INTEGER PRIMARY KEY" in plan, plan  # the pinned ones, by id
    assert not re.search(r"SCAN comments(?! USING)", plan), plan
    assert "ix_comments_queue" not in plan, plan  # no approved-wide read


# --- Edit history ------------------------------------------------------------------------


def edit_as_moderator(app, client, cid, **fields):
    from app.moderation import services

    with app.app_context():
        comment = db.session.get(Comment, cid)
        data = {
            "comment": comment.body,
            "name": comment.author_name,
            "website": comment.author_website or "",
            "version": services.version_of(comment),
        }
    data.update(fields)
    response = client.post(f"/moderation/comments/{cid}/edit", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)


def test_history_shows_every_version_with_hostile_text_escaped_and_the_changes(
    app, client, mod, add_comment
):
    cid = add_comment(name="Ann", body="<script>alert(1)</script> heat helped me a lot")
    with app.app_context():  # its author edited it first, from their browser
        comment = db.session.get(Comment, cid)
        db.session.add(
            CommentRevision(
                comment_id=cid,
                author_name=comment.author_name,
                author_website=None,
                body=comment.body,
                by_author=True,
                created_at=datetime(2026, 1, 2, tzinfo=UTC),
            )
        )
        comment.body = "<script>alert(1)</script> heat helped me a <b>lot</b>"
        db.session.commit()
    edit_as_moderator(
        app,
        client,
        cid,
        comment="heat <img src=x onerror=alert(2)> helped me a <b>lot</b>",
        name="<i>Ann</i>",
        website="https://ann.example.com",
    )
    response = client.get(f"/moderation/comments/{cid}/history")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<script>" not in body and "<img src=x" not in body and "<b>lot" not in body
    page = soup(response)
    versions = page.find_all("li", class_="history__version")
    assert [v.find("h2").get_text() for v in versions] == [
        "Version 1",
        "Version 2",
        "Version 3 (current)",
    ]
    meta = [" ".join(v.find("p", class_="history__meta").get_text().split()) for v in versions]
    assert meta[0].startswith("Written by its author")
    assert meta[1].startswith("Edited by its author, 2 January 2026")
    assert meta[2].startswith("Edited by Relief team (mod@example.com)")
    assert (
        versions[0].find(class_="history__text").get_text()
        == "<script>alert(1)</script> heat helped me a lot"
    )
    second = versions[1].find(class_="history__diff")
    assert [d.get_text() for d in second.find_all("del")] == ["[removed: lot]"]
    assert [i.get_text() for i in second.find_all("ins")] == ["[added: <b>lot</b>]"]
    third = versions[2]
    removed = [d.get_text() for d in third.find(class_="history__diff").find_all("del")]
    added = [i.get_text() for i in third.find(class_="history__diff").find_all("ins")]
    assert removed == ["[removed: <script>alert(1)</script> ]"]
    assert added == ["[added: <img src=x onerror=alert(2)> ]"]
    assert third.find("del").find(class_="visually-hidden") is not None
    names = third.find("dt", string="Name").find_next("dd")
    assert names.find("del").get_text() == "[removed: Ann]"
    assert names.find("ins").get_text() == "[added: <i>Ann</i>]"
    website = third.find("dt", string="Website").find_next("dd")
    assert website.find("ins").get_text() == "[added: https://ann.example.com]"


def test_the_edit_page_and_the_log_link_to_the_history(app, client, mod, add_comment):
    cid = add_comment(body="first words")
    other = add_comment(body="never edited")
    edit_as_moderator(app, client, cid, comment="second words")
    history = f"/moderation/comments/{cid}/history"
    assert soup(client.get(f"/moderation/comments/{cid}/edit")).find("a", href=history)
    log = soup(client.get("/moderation/log"))
    assert log.find("a", href=history).get_text() == f"History of comment {cid}"
    unedited = client.get(f"/moderation/comments/{other}/history")
    assert "never been edited" in unedited.get_data(as_text=True)


@pytest.mark.parametrize("bad", ["999", "0", str(10**30)])
def test_history_of_an_unknown_comment_is_404(client, mod, bad):
    assert client.get(f"/moderation/comments/{bad}/history").status_code == 404


def test_word_diff_keeps_spaces_and_reads_back_both_texts():
    old, new = "a b\n\nc d e", "a x\n\nc e f"
    pieces = word_diff(old, new)
    assert "".join(p.text for p in pieces if p.kind != "added") == old
    assert "".join(p.text for p in pieces if p.kind != "removed") == new


# --- The log's filters -------------------------------------------------------------------


@pytest.fixture
def logged(app, mod, add_comment):
    """Log entries by two moderators, of several actions, one a bulk entry naming three
    comments, over three days."""
    from app.auth.services import add_moderator

    ids = [add_comment() for _ in range(4)]
    with app.app_context():
        add_moderator("other@example.com", MODERATOR_PASSWORD, "Other")

        def entry(email, action, day, comment_id=None, items=()):
            event = ModerationEvent(
                moderator_email=email,
                action=action,
                comment_id=comment_id,
                detail=f"{action.value} on day {day}",
                created_at=datetime(2026, 3, day, 12, tzinfo=UTC),
                items=[
                    ModerationEventItem(comment_id=i, status_before=PENDING, status_after=APPROVED)
                    for i in items
                ],
            )
            db.session.add(event)

        entry("mod@example.com", ModerationAction.APPROVE, 1, ids[0], items=[ids[0]])
        entry("other@example.com", ModerationAction.APPROVE, 2, None, items=ids[1:4])
        entry("other@example.com", ModerationAction.SPAM, 2, ids[1], items=[ids[1]])
        entry("mod@example.com", ModerationAction.TRASH, 3, ids[2])
        db.session.commit()
    return ids


def details(response) -> list[str]:
    rows = soup(response).select("table.log tbody tr")
    cells = [row.find_all("td") for row in rows]
    # Adding the fixtures' moderators is in the log too; these tests are about the rest.
    return [c[-1].get_text() for c in cells if c[2].get_text() != "moderator add"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["trash on day 3", "spam on day 2", "approve on day 2", "approve on day 1"]),
        ("who=other@example.com", ["spam on day 2", "approve on day 2"]),
        ("action=approve", ["approve on day 2", "approve on day 1"]),
        ("since=2026-03-02", ["trash on day 3", "spam on day 2", "approve on day 2"]),
        ("until=2026-03-02", ["spam on day 2", "approve on day 2", "approve on day 1"]),
        ("since=2026-03-02&until=2026-03-02", ["spam on day 2", "approve on day 2"]),
        ("who=mod@example.com&action=approve", ["approve on day 1"]),
        (
            "who=other@example.com&action=approve&since=2026-03-02&until=2026-03-02",
            ["approve on day 2"],
        ),
        ("since=9999-12-31", []),
        (
            "until=9999-12-31",
            ["trash on day 3", "spam on day 2", "approve on day 2", "approve on day 1"],
        ),
        ("since=0001-01-01&until=0001-01-01", []),
    ],
)
def test_log_filters_each_and_combined(client, logged, query, expected):
    response = client.get(f"/moderation/log?{query}")
    assert response.status_code == 200
    assert details(response) == expected
    if not expected:
        assert "No entries match this filter." in response.get_data(as_text=True)


def test_the_comment_filter_finds_bulk_entries_naming_the_comment(client, logged):
    second, third = logged[1], logged[2]
    assert details(client.get(f"/moderation/log?comment={second}")) == [
        "spam on day 2",
        "approve on day 2",
    ]
    assert details(client.get(f"/moderation/log?comment={third}")) == [
        "trash on day 3",
        "approve on day 2",
    ]
    both = client.get(f"/moderation/log?comment={third}&action=approve&who=other@example.com")
    assert details(both) == ["approve on day 2"]
    assert details(client.get("/moderation/log?comment=999999")) == []


def test_log_entries_name_every_comment_a_bulk_action_changed(client, logged):
    rows = soup(client.get("/moderation/log?action=approve&who=other@example.com")).select(
        "table.log tbody tr"
    )
    items = rows[0].select("ul.log__items li")
    assert [li.a.get_text() for li in items] == [f"#{i}" for i in logged[1:4]]
    assert items[0].a["href"] == f"/moderation/log?comment={logged[1]}"
    assert "pending → approved" in items[0].get_text()


def test_the_filter_form_keeps_its_values_and_the_pager_keeps_the_filters(app, client, mod):
    with app.app_context():
        for n in range(60):
            db.session.add(
                ModerationEvent(
                    moderator_email="mod@example.com",
                    action=ModerationAction.APPROVE,
                    detail=str(n),
                    created_at=datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=n),
                )
            )
        db.session.commit()
    response = client.get("/moderation/log?who=mod@example.com&action=approve&since=2026-03-01")
    page = soup(response)
    assert page.find("select", id="who").find("option", selected=True)["value"] == "mod@example.com"
    assert page.find("select", id="action").find("option", selected=True)["value"] == "approve"
    assert page.find("input", id="since")["value"] == "2026-03-01"
    assert page.find("input", id="since")["type"] == "date"
    second = page.select_one("nav.comment-pages a[href*='page=2']")["href"]
    assert parse_qs(urlsplit(second).query) == {
        "who": ["mod@example.com"],
        "action": ["approve"],
        "since": ["2026-03-01"],
        "page": ["2"],
    }
    assert "60 entries match this filter." in page.get_text()
    assert len(details(client.get(second))) == 10


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("since=2026-13-40", "since", "Enter a real date"),
        ("until=2026-02-30", "until", "Enter a real date"),
        ("since=abc", "since", "Enter a real date"),
        ("since=26-1-1", "since", "Enter a real date"),
        ("since=2026-01-01T00:00", "since", "Enter a real date"),
        ("since=%EF%BC%92026-01-01", "since", "Enter a real date"),
        ("since=2026-03-02&until=2026-03-01", "until", "same as or after"),
        ("comment=-1", "comment", "Enter a comment number"),
        ("comment=abc", "comment", "Enter a comment number"),
        ("comment=0", "comment", "Enter a comment number"),
        (f"comment={10**30}", "comment", "Enter a comment number"),
        ("comment=%D9%A1%D9%A2", "comment", "Enter a comment number"),
        ("who=someone@evil.example", "who", "Choose one of the options"),
        ("action=drop_table", "action", "Choose one of the options"),
    ],
)
def test_bad_filters_are_shown_next_to_the_field_never_an_error_page(
    client, logged, query, field, message
):
    response = client.get(f"/moderation/log?{query}")
    assert response.status_code == 422
    page = soup(response)
    assert message in page.find(id=f"{field}-error").get_text()
    assert page.find(id=field)["aria-invalid"] == "true"
    assert page.find(id="error-summary") is not None
    assert details(response) == []
    assert "Correct the filter above" in page.get_text()
    typed = page.find("input", id=field)
    if typed is not None:  # what was typed stays, to be corrected
        assert typed["value"] == parse_qs(query)[field][0]


def test_the_who_list_names_moderators_and_the_others_who_write_in_the_log(client, logged):
    options = [o["value"] for o in soup(client.get("/moderation/log")).select("#who option")]
    assert options[:3] == ["", "other@example.com", "mod@example.com"] or options[:3] == [
        "",
        "mod@example.com",
        "other@example.com",
    ]
    assert "the comment's author" in options and "system" in options


def test_the_log_filter_queries_use_indexes_on_sqlite(app, logged):
    from app.moderation import audit

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite's plan; PostgreSQL's is checked in bench/")
    for filters, index in [
        (audit.LogFilter(comment_id=5), "ix_moderation_events_comment"),
        (audit.LogFilter(comment_id=5), "ix_moderation_event_items_comment"),
        (audit.LogFilter(who="mod@example.com"), "ix_moderation_events_actor"),
        (audit.LogFilter(action=ModerationAction.APPROVE), "ix_moderation_events_action"),
    ]:
        statement = select(ModerationEvent.id).where(*audit._conditions(filters))
        plan = explain_sqlite(app, statement)
        assert index in plan, plan
        assert not re.search(r"SCAN moderation_events(?! USING)", plan), plan
