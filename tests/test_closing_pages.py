"""Pages closed to new comments: by a moderator or by age; existing comments, counts and
feeds stay; a comment sent anyway is refused kindly with its text kept, never stored."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import Article, Comment, Commenting, ModerationAction, ModerationEvent
from app.models.content import comments_closed
from tests.conftest import about_comments

ARTICLE = "/back-spasms/"
REMEDY = "/back-spasms/remedy-2/"
CLOSED_SENTENCE = "Comments on this page are closed, so your comment was not posted."


def ids(app, remedy_slug: str | None = None) -> str:
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == "back-spasms"))
        if remedy_slug is None:
            return str(article.id)
        remedy = next(r for r in article.remedies if r.slug == remedy_slug)
        return f"{article.id}.{remedy.id}"


def set_state(client, page: str, state: str):
    return client.post("/moderation/pages", data={"page": page, "state": state})


def comment_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Comment))


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


# --- The rule, pure ----------------------------------------------------------------------

TODAY = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("state", "published", "days", "closed"),
    [
        (Commenting.AUTO, date(2026, 5, 1), 0, False),  # 0: never by age
        (Commenting.AUTO, date(2026, 5, 1), 31, True),  # the 31st day after: closed
        (Commenting.AUTO, date(2026, 5, 1), 32, False),
        (Commenting.OPEN, date(2000, 1, 1), 30, False),  # kept open
        (Commenting.CLOSED, date(2026, 5, 31), 0, True),
        (Commenting.CLOSED, date(2026, 5, 31), 365, True),
    ],
)
def test_when_a_page_is_closed(state, published, days, closed):
    assert comments_closed(state, published, days, TODAY) is closed


# --- A moderator closes and opens pages ----------------------------------------------------


def test_closing_a_page_removes_its_form_and_reply_links_at_once(app, client, mod, add_comment):
    reader = app.test_client()
    cid = add_comment(body="Heat helped.")
    before = soup_of(reader.get(ARTICLE))  # now in the page cache
    assert before.select_one("form.comment-form") and before.select("a.reply-link")
    assert set_state(client, ids(app), "closed").status_code == 303
    after = soup_of(reader.get(ARTICLE))
    assert after.select_one("form.comment-form") is None
    assert after.select("a.reply-link") == []
    assert "Comments are closed." in after.get_text()
    assert after.select_one(f"#comment-{cid}") is not None  # comments stay
    assert "1 comment" in after.select_one("#comments-title").get_text()
    feed = reader.get("/back-spasms/feed.atom")
    assert feed.status_code == 200 and "Heat helped." in feed.get_data(as_text=True)
    # Remedy pages are pages of their own: still open.
    assert soup_of(reader.get(REMEDY)).select_one("form.comment-form") is not None


def test_reopening_brings_the_form_back_and_both_are_logged(app, client, mod):
    set_state(client, ids(app), "closed")
    response = set_state(client, ids(app), "open")
    assert response.status_code == 303
    assert soup_of(app.test_client().get(ARTICLE)).select_one("form.comment-form") is not None
    with app.app_context():
        events = db.session.scalars(
            select(ModerationEvent).where(
                ModerationEvent.action != ModerationAction.MODERATOR_ADD  # the fixture's
            )
        )
        actions = [e.action for e in events]
    assert actions == [ModerationAction.PAGE_CLOSE, ModerationAction.PAGE_OPEN]


def test_the_pages_list_shows_counts_and_states(app, client, mod, add_comment):
    add_comment(remedy_slug="remedy-2")
    add_comment(remedy_slug="remedy-2")
    set_state(client, ids(app, "remedy-1"), "closed")
    soup = soup_of(client.get("/moderation/pages"))
    cards = soup.select(".page-card")
    assert len(cards) == 4  # the article and its three remedies
    remedy_1 = soup.select_one(f"#page-{ids(app)}-{ids(app, 'remedy-1').split('.')[1]}")
    assert "Closed by a moderator" in remedy_1.get_text()
    assert remedy_1.select_one("button[value=open]") is not None
    remedy_2 = soup.select_one(f"#page-{ids(app)}-{ids(app, 'remedy-2').split('.')[1]}")
    assert "Comments2" in remedy_2.get_text().replace("\n", "").replace(" ", "")
    assert remedy_2.select_one("button[value=closed]") is not None


# --- A comment sent to a closed page ---------------------------------------------------------


@pytest.mark.parametrize("path", [ARTICLE, REMEDY])
def test_a_comment_to_a_closed_page_is_refused_kindly_and_kept(
    app, client, mod, comment_form, path
):
    page = ids(app) if path == ARTICLE else ids(app, "remedy-2")
    set_state(client, page, "closed")
    typed = "My long story about heat\nand <b>ice</b> — 日本語"
    response = app.test_client().post(path, data=comment_form(comment=typed))
    assert response.status_code == 403
    soup = soup_of(response)
    assert CLOSED_SENTENCE in soup.get_text()
    assert "Here is what you wrote" in soup.get_text()
    kept = soup.select_one("textarea#kept-comment")
    assert kept is not None and kept.has_attr("readonly") and kept.get_text() == typed
    assert soup.select_one("form.comment-form") is None
    assert comment_count(app) == 0
    assert response.headers["Cache-Control"] == "private, no-store"


def test_a_reply_to_a_closed_page_is_refused_too(app, client, mod, comment_form, add_comment):
    parent = add_comment()
    set_state(client, ids(app), "closed")
    response = app.test_client().post(
        ARTICLE, data=comment_form(parent_id=str(parent), comment="A reply")
    )
    assert response.status_code == 403
    assert CLOSED_SENTENCE in response.get_data(as_text=True)
    assert comment_count(app) == 1


@pytest.mark.parametrize(
    "data",
    [
        {},  # nothing at all
        {"comment": "x" * 60_000},  # far past the comment's limit (not past the body limit)
        {"comment": "hi", "parent_id": "not a number", "rendered_at": "forged"},
        {"comment": "<script>alert(1)</script>"},
    ],
)
def test_odd_posts_to_a_closed_page_never_fail_nor_store(app, client, mod, data):
    set_state(client, ids(app), "closed")
    response = app.test_client().post(ARTICLE, data=data)
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert CLOSED_SENTENCE in body and "<script>alert(1)</script>" not in body
    assert comment_count(app) == 0


def test_a_comment_to_a_closed_page_with_csrf_on_is_still_answered_kindly(
    app, client, mod, comment_form
):
    set_state(client, ids(app), "closed")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = app.test_client().post(ARTICLE, data=comment_form(comment="kept"))
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 403
    assert "kept" in soup_of(response).select_one("#kept-comment").get_text()


def test_the_service_refuses_a_page_closed_after_the_form_was_checked(app, article):
    """The close may land between the view's check and the write: the service checks
    again inside its transaction."""
    from app.comments import services
    from app.comments.policy import CommentsClosed
    from app.shared.pages import PageKey

    with app.app_context():
        db.session.execute(text("UPDATE articles SET commenting = 'closed'"))
        db.session.commit()
        article_id = db.session.scalar(select(Article.id))
        with app.test_request_context(), pytest.raises(CommentsClosed):
            services.submit_comment(
                PageKey(article_id),
                services.NewComment("Ada", "ada@example.com", None, "hi", seconds_to_submit=60),
            )
    assert comment_count(app) == 0


def test_an_author_may_still_edit_their_comment_on_a_closed_page(app, client, mod, comment_form):
    reader = app.test_client()
    reader.post(ARTICLE, data=comment_form(comment="First words"))
    with app.app_context():
        cid = db.session.scalar(select(Comment.id))
    set_state(client, ids(app), "closed")
    edit = reader.get(f"/comments/{cid}/edit")
    assert edit.status_code == 200
    version = soup_of(edit).select_one("input[name=version]")["value"]
    response = reader.post(
        f"/comments/{cid}/edit",
        data={"comment": "Better words", "name": "Ada Reader", "website": "", "version": version},
    )
    assert response.status_code in (302, 303)
    with app.app_context():
        assert db.session.get(Comment, cid).body == "Better words"


# --- Closing by age ------------------------------------------------------------------------


def test_pages_close_by_age_without_any_version_bump(app, article, comment_form):
    reader = app.test_client()
    assert soup_of(reader.get(ARTICLE)).select_one("form.comment-form") is not None  # cached
    # Published 2026-01-02 in the fixture: make it yesterday-minus-N.
    app.config["COMMENTS_CLOSE_AFTER_DAYS"] = 30
    with app.app_context():
        db.session.execute(
            text("UPDATE articles SET published_on = :d"),
            {"d": date.today() - timedelta(days=29)},
        )
        db.session.commit()
    # Not a cache-version change: only the date moved (as time passing would do).
    assert soup_of(reader.get(ARTICLE)).select_one("form.comment-form") is not None
    with app.app_context():
        db.session.execute(
            text("UPDATE articles SET published_on = :d"),
            {"d": date.today() - timedelta(days=30)},
        )
        db.session.commit()
    closed = soup_of(reader.get(ARTICLE))
    assert closed.select_one("form.comment-form") is None
    assert "Comments are closed." in closed.get_text()
    assert soup_of(reader.get(REMEDY)).select_one("form.comment-form") is None  # its remedies
    response = reader.post(ARTICLE, data=comment_form())
    assert response.status_code == 403 and comment_count(app) == 0


def test_a_moderator_can_keep_an_aged_page_open(app, client, mod, comment_form):
    app.config["COMMENTS_CLOSE_AFTER_DAYS"] = 10
    with app.app_context():
        db.session.execute(
            text("UPDATE articles SET published_on = :d"), {"d": date.today() - timedelta(days=400)}
        )
        db.session.commit()
    listing = soup_of(client.get("/moderation/pages"))
    assert "Closed automatically" in listing.select_one(f"#page-{ids(app)}-0").get_text()
    set_state(client, ids(app), "open")
    with app.app_context():
        assert db.session.scalar(select(Article.commenting)) is Commenting.OPEN
    assert app.test_client().post(ARTICLE, data=comment_form()).status_code == 303
    assert comment_count(app) == 1


# --- Hostile -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"page": "999999", "state": "closed"},
        {"page": "1.999999", "state": "closed"},
        {"page": "abc", "state": "closed"},
        {"page": "1", "state": "maybe"},
        {"page": "1.", "state": "closed"},
        {},
    ],
)
def test_forged_page_changes_change_nothing(app, client, mod, data):
    response = client.post("/moderation/pages", data=data, follow_redirects=True)
    assert response.status_code == 200
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(ModerationEvent).where(about_comments())
            )
            == 0
        )
        assert db.session.scalar(select(Article.commenting)) is Commenting.AUTO


def test_a_remedy_of_another_article_is_not_found(app, client, mod):
    from app.content.loading import upsert_article
    from tests.conftest import make_article

    with app.app_context():
        upsert_article(make_article(slug="other", title="Other"))
        other = db.session.scalar(select(Article).where(Article.slug == "other"))
        remedy_id = other.remedies[0].id
    response = client.post(
        "/moderation/pages",
        data={"page": f"{ids(app)}.{remedy_id}", "state": "closed"},
        follow_redirects=True,
    )
    assert "no longer exists" in response.get_data(as_text=True)


def test_page_changes_need_csrf_and_a_moderator(app, client, mod):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert set_state(client, ids(app), "closed").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    reader = app.test_client()
    assert reader.get("/moderation/pages").status_code == 302
    assert set_state(reader, ids(app), "closed").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Article.commenting)) is Commenting.AUTO
