"""The public listing reads each page of threads in order from its index, stopping at
the rows the page needs: removed threads, remedy pages and equal times keep every
thread in its place."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import event, update

from app.extensions import db
from app.models import Comment, CommentStatus

URL = "/back-spasms/"


def shown_roots(client, url: str) -> list[int]:
    response = client.get(url)
    assert response.status_code == 200
    soup = BeautifulSoup(response.data, "html.parser")
    return [int(li["id"].split("-")[1]) for li in soup.select("ol.comment-list > li")]


@pytest.mark.parametrize("remedy", [None, "remedy-2"])
def test_removed_threads_keep_their_place_on_every_page(app, client, article, add_comment, remedy):
    app.config["COMMENTS_PER_PAGE"] = 2
    app.config["PAGE_CACHE_SIZE"] = 0
    url = URL + (f"{remedy}/" if remedy else "")
    roots = [add_comment(remedy_slug=remedy) for _ in range(6)]
    add_comment(remedy_slug=remedy, parent=roots[3])  # keeps roots[3] as a placeholder
    add_comment(remedy_slug=remedy, status=CommentStatus.PENDING)  # never shown
    with app.app_context():
        db.session.execute(
            update(Comment).where(Comment.id == roots[3]).values(status=CommentStatus.TRASH)
        )
        db.session.commit()
    pages = [shown_roots(client, f"{url}?page={n}") for n in (1, 2, 3)]
    assert pages == [roots[0:2], roots[2:4], roots[4:6]]
    assert "This comment was removed." in client.get(f"{url}?page=2").get_data(as_text=True)


def test_a_reply_lands_on_its_threads_page_when_threads_share_an_instant(
    app, client, article, add_comment, comment_form
):
    app.config["COMMENTS_PER_PAGE"] = 2
    roots = [add_comment(name="Ada Reader", email="ada@example.com") for _ in range(5)]
    with app.app_context():
        same = datetime(2026, 1, 1, 0, 3, 0, 250000, tzinfo=UTC)
        db.session.execute(update(Comment).where(Comment.id.in_(roots)).values(created_at=same))
        db.session.commit()
    for index, page in ((0, None), (1, None), (2, 2), (3, 2), (4, 3)):
        response = client.post(
            URL, data=comment_form(parent_id=str(roots[index]), comment=f"r{index}")
        )
        location = response.headers["Location"]
        expected = f"{URL}?page={page}#comment-" if page else f"{URL}#comment-"
        assert location.startswith(expected), (index, location)


def test_the_listing_reads_top_level_comments_in_index_order_on_sqlite(
    app, client, article, add_comment
):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite's plans; PostgreSQL's are read in bench/workspace_queries.py")
    app.config["COMMENTS_PER_PAGE"] = 2
    app.config["PAGE_CACHE_SIZE"] = 0
    for remedy in (None, "remedy-2"):
        roots = [add_comment(remedy_slug=remedy) for _ in range(5)]
        add_comment(remedy_slug=remedy, parent=roots[0])
    executed: list[tuple[str, tuple]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if "FROM comments" in statement:
            executed.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        for url in (URL + "?page=2", URL + "remedy-2/?page=2"):
            assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    plans = []
    with app.app_context():
        connection = db.session.connection()
        for statement, parameters in executed:
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            plans.append("\n".join(row[-1] for row in rows))
    # SQLite takes "remedy_id IS NULL" as fixing remedy_id, so the remedy pages' index
    # serves the article page too (PostgreSQL reads ix_comments_article_roots there).
    assert sum("_roots" in plan for plan in plans) >= 4, plans  # counts and pages, twice
    for plan in plans:
        assert not re.search(r"SCAN comments\b(?! USING)", plan), plan
        roots_read = re.findall(r".*ix_comments_(?:article|remedy)_roots.*", plan)
        assert all("COVERING" in line for line in roots_read), plan
