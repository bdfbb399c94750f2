"""The queue a page at a time: "Next" and "Previous" read on from the rows a moderator
saw (a cursor in the link), numbered pages by position, and each page costs the same
whatever its depth."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import event, select, update

from app.extensions import db
from app.models import Comment, CommentStatus, Moderator, QueueOrder

PENDING, APPROVED, SPAM = CommentStatus.PENDING, CommentStatus.APPROVED, CommentStatus.SPAM


def soup_of(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.data, "html.parser")


def rows(page: BeautifulSoup) -> list[int]:
    return [int(li["data-comment"]) for li in page.select("li.queue-row")]


def link(page: BeautifulSoup, rel: str) -> str | None:
    found = page.select_one(f"nav.comment-pages a[rel={rel}]")
    return found["href"] if found else None


def current(page: BeautifulSoup) -> str:
    return page.select_one("nav.comment-pages a[aria-current=page]").get_text()


def walk(client, url: str, rel: str = "next") -> list[list[int]]:
    """Every page from ``url`` on, following ``rel`` links."""
    pages = []
    while url:
        page = soup_of(client.get(url))
        pages.append(rows(page))
        url = link(page, rel)
        assert len(pages) < 50, "the pager goes round in circles"
    return pages


def set_order(app, email: str, order: QueueOrder) -> None:
    with app.app_context():
        db.session.execute(
            update(Moderator).where(Moderator.email == email).values(queue_order=order)
        )
        db.session.commit()


def test_next_reads_on_from_the_last_row_shown(app, client, mod, add_comment):
    app.config["MODERATION_PER_PAGE"] = 2
    ids = [add_comment(status=PENDING) for _ in range(5)]
    first = soup_of(client.get("/moderation/?status=pending"))
    assert link(first, "prev") is None
    second = soup_of(client.get(link(first, "next")))
    assert rows(second) == ids[2:4]
    assert current(second) == "2"
    query = parse_qs(urlsplit(link(first, "next")).query)
    assert query["status"] == ["pending"] and query["page"] == ["2"] and "after" in query
    assert walk(client, "/moderation/") == [ids[0:2], ids[2:4], ids[4:5]]


def test_comments_acted_on_meanwhile_skip_no_row(app, client, mod, add_comment):
    """Another moderator approves the rows this one is looking at: "Next" still shows
    the rows after them, where an offset would have jumped past two of them."""
    app.config["MODERATION_PER_PAGE"] = 2
    ids = [add_comment(status=PENDING) for _ in range(6)]
    first = soup_of(client.get("/moderation/"))
    with app.app_context():
        db.session.execute(update(Comment).where(Comment.id.in_(ids[:2])).values(status=APPROVED))
        db.session.commit()
    assert rows(soup_of(client.get(link(first, "next")))) == ids[2:4]
    assert rows(soup_of(client.get("/moderation/?page=2"))) == ids[4:6]  # by position


def test_previous_reads_back_from_the_first_row_shown(app, client, mod, add_comment):
    app.config["MODERATION_PER_PAGE"] = 2
    ids = [add_comment(status=PENDING) for _ in range(5)]
    last = soup_of(client.get("/moderation/?page=3"))
    assert rows(last) == ids[4:5] and link(last, "next") is None
    assert walk(client, link(last, "prev"), "prev") == [ids[2:4], ids[0:2]]
    # Fewer than a page left before the cursor (the first rows were acted on): the
    # first page, as it is now.
    second = soup_of(client.get("/moderation/?page=2"))
    with app.app_context():
        db.session.execute(update(Comment).where(Comment.id == ids[0]).values(status=SPAM))
        db.session.commit()
    back = soup_of(client.get(link(second, "prev")))
    assert rows(back) == [ids[1], ids[2]] and current(back) == "1"
    assert link(back, "prev") is None


@pytest.mark.parametrize("order", [QueueOrder.OLDEST, QueueOrder.NEWEST])
def test_careful_comments_come_first_across_pages_in_either_order(
    app, client, mod, add_comment, order
):
    app.config["MODERATION_PER_PAGE"] = 2
    calm = [add_comment(status=PENDING) for _ in range(3)]
    careful = [add_comment(status=PENDING, red_flags="numb") for _ in range(3)]
    set_order(app, mod.email, order)
    if order is QueueOrder.NEWEST:
        calm, careful = calm[::-1], careful[::-1]
    everything = careful + calm
    expected = [everything[0:2], everything[2:4], everything[4:6]]
    assert walk(client, "/moderation/") == expected
    assert [rows(soup_of(client.get(f"/moderation/?page={n}"))) for n in (1, 2, 3)] == expected
    last = soup_of(client.get("/moderation/?page=3"))
    assert walk(client, link(last, "prev"), "prev") == expected[1::-1]
    assert walk(client, "/moderation/?status=careful") == [careful[0:2], careful[2:3]]


@pytest.mark.parametrize(
    ("per_page", "careful", "calm"), [(3, 4, 4), (2, 3, 4), (2, 4, 3), (1, 2, 3)]
)
@pytest.mark.parametrize("order", [QueueOrder.OLDEST, QueueOrder.NEWEST])
def test_numbered_pages_near_the_end_are_read_from_there_and_show_the_same_rows(
    app, client, mod, add_comment, per_page, careful, calm, order
):
    app.config["MODERATION_PER_PAGE"] = per_page
    calm_ids = [add_comment(status=PENDING) for _ in range(calm)]
    careful_ids = [add_comment(status=PENDING, red_flags="numb") for _ in range(careful)]
    set_order(app, mod.email, order)
    step = -1 if order is QueueOrder.NEWEST else 1
    everything = careful_ids[::step] + calm_ids[::step]
    pages = -(-len(everything) // per_page)
    numbered = [rows(soup_of(client.get(f"/moderation/?page={n}"))) for n in range(1, pages + 1)]
    assert numbered == [everything[i : i + per_page] for i in range(0, len(everything), per_page)]
    assert numbered == walk(client, "/moderation/")
    last = soup_of(client.get(f"/moderation/?page={pages}"))
    assert link(last, "next") is None and current(last) == str(pages)


def test_rows_sent_at_the_same_instant_are_each_shown_once(app, client, mod, add_comment):
    app.config["MODERATION_PER_PAGE"] = 2
    ids = [add_comment(status=PENDING) for _ in range(7)]
    with app.app_context():
        same = datetime(2026, 1, 1, 0, 2, 0, 123456, tzinfo=UTC)  # before the last one
        db.session.execute(update(Comment).where(Comment.id.in_(ids[1:6])).values(created_at=same))
        db.session.commit()
    assert [cid for page in walk(client, "/moderation/") for cid in page] == ids
    set_order(app, mod.email, QueueOrder.NEWEST)
    assert [cid for page in walk(client, "/moderation/") for cid in page] == ids[::-1]


def test_pager_keeps_the_tab_and_filters_but_no_one_off_selection(
    app, client, mod, add_comment, article
):
    app.config["MODERATION_PER_PAGE"] = 1
    for _ in range(3):
        add_comment(status=SPAM, body="spam about heat")
    with app.app_context():
        from app.models import Article

        article_id = db.session.scalar(select(Article.id))
    page = soup_of(client.get(f"/moderation/?status=spam&q=heat&on={article_id}&select=all"))
    for rel in ("next",):
        query = parse_qs(urlsplit(link(page, rel)).query)
        assert query["status"] == ["spam"] and query["q"] == ["heat"]
        assert query["on"] == [str(article_id)] and "select" not in query
    numbered = [a["href"] for a in page.select("nav.comment-pages a:not([rel])")]
    assert all("after" not in href and "before" not in href for href in numbered)


def test_an_action_on_a_cursor_page_comes_back_to_it(app, client, mod, add_comment):
    app.config["MODERATION_PER_PAGE"] = 2
    ids = [add_comment(status=PENDING) for _ in range(6)]
    url = link(soup_of(client.get("/moderation/")), "next")
    form = soup_of(client.get(url)).select_one("form.bulk-form")
    back = form.find("input", attrs={"name": "next"})["value"]
    assert parse_qs(urlsplit(back).query)["after"] == parse_qs(urlsplit(url).query)["after"]
    response = client.post(
        f"/moderation/comments/{ids[2]}/approve",
        data={"next": back, "order": f"{ids[2]},{ids[3]}", "expected": "pending"},
    )
    assert response.headers["Location"] == f"{back}#queue-{ids[3]}"
    assert rows(soup_of(client.get(response.headers["Location"]))) == ids[3:5]


def test_switching_the_order_starts_the_tab_again(app, client, mod, add_comment):
    app.config["MODERATION_PER_PAGE"] = 2
    for _ in range(5):
        add_comment(status=PENDING)
    page = soup_of(client.get(link(soup_of(client.get("/moderation/")), "next")))
    back = page.select_one("form.order-form input[name=next]")["value"]
    assert "after" not in back and "page" not in back


@pytest.mark.parametrize(
    "cursor",
    [
        "x",
        "",
        "1.2",
        "1.2.3.4",
        "2.1767225600000000.1",  # a segment the tab does not have
        "5.1767225600000000.1",
        "0.-5.1",
        "0.1767225600000000.0",
        "0.99999999999999999999.1",
        "0.1767225600000000.99999999999999999999",
        "0.1767225600000000.2147483648",  # past PostgreSQL's INTEGER
        "0.1767225600000000.9223372036854775807",
        "1.1767225600000000.+5",
        "1.1767225600000000. 5",
        "01.1767225600000000.5",
        "0.1e5.1",
        "0.١٢٣.1",  # digits, but not ASCII ones
        "0.1767225600000000.1\x00",
        "0." + "9" * 400 + ".1",
    ],
)
@pytest.mark.parametrize("direction", ["after", "before"])
def test_a_cursor_that_is_not_one_shows_the_numbered_page(
    app, client, mod, add_comment, cursor, direction
):
    app.config["MODERATION_PER_PAGE"] = 2
    ids = [add_comment(status=PENDING) for _ in range(3)]
    response = client.get("/moderation/", query_string={direction: cursor, "page": "2"})
    assert rows(soup_of(response)) == ids[2:3]


def test_a_cursor_past_the_last_row_shows_the_numbered_page(app, client, mod, add_comment):
    app.config["MODERATION_PER_PAGE"] = 2
    ids = [add_comment(status=PENDING) for _ in range(3)]
    far = "1." + str(int(datetime(9000, 1, 1, tzinfo=UTC).timestamp()) * 10**6) + ".1"
    assert rows(soup_of(client.get(f"/moderation/?page=1&after={far}"))) == ids[0:2]


# --- What a page costs ----------------------------------------------------------------------


def statements_for(app, client, url: str, *, pragmas: bool = False) -> list[str]:
    """The SQL statements a GET of ``url`` runs (transaction control left out, and
    SQLite's PRAGMAs unless ``pragmas``)."""
    seen: list[str] = []
    skipped = (
        ("BEGIN", "COMMIT", "ROLLBACK") if pragmas else ("BEGIN", "PRAGMA", "COMMIT", "ROLLBACK")
    )

    def count(conn, cursor, statement, *args):
        if not statement.startswith(skipped):
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return seen


def test_a_deep_page_runs_no_more_statements_than_the_first_one(app, client, mod, add_comment):
    app.config["MODERATION_PER_PAGE"] = 2
    for n in range(12):
        add_comment(status=PENDING, red_flags="numb" if n % 5 == 0 else "")
    first = soup_of(client.get("/moderation/"))
    client.get("/moderation/")  # the site's settings and counts are read once per app
    deep = walk(client, "/moderation/")
    assert len(deep) == 6
    url = link(first, "next")
    for _ in range(3):
        url = link(soup_of(client.get(url)), "next")
    deep_page = statements_for(app, client, url)
    assert len(deep_page) <= len(statements_for(app, client, "/moderation/"))


def explain_sqlite(app, statement_text: str, parameters) -> str:
    with app.app_context():
        cursor = db.session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement_text, parameters
        )
        return "\n".join(row[-1] for row in cursor.fetchall())


@pytest.mark.parametrize(
    "url",
    [
        "/moderation/",
        "/moderation/?status=approved",
        "/moderation/?status=careful",
        "/moderation/?status=reported",
        "/moderation/?page=3",
    ],
)
def test_the_queue_reads_indexes_in_order_and_never_sorts_a_tab_on_sqlite(
    app, client, mod, add_comment, url
):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite's plans; PostgreSQL's are read in bench/workspace_queries.py")
    app.config["MODERATION_PER_PAGE"] = 2
    for n in range(8):
        add_comment(status=[PENDING, APPROVED][n % 2], red_flags="numb" if n == 2 else "")
    executed: list[tuple[str, tuple]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if "FROM comments" in statement and not statement.startswith("EXPLAIN"):
            executed.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert executed
    for statement, parameters in executed:
        plan = explain_sqlite(app, statement, parameters)
        # Every read of the comments table goes through an index or the primary key
        # (the tab counts read the whole queue index, once per MODERATION_COUNTS_SECONDS)...
        whole = r"SCAN comments(?! USING COVERING INDEX ix_comments_queue)"
        assert not re.search(whole, plan), (statement, plan)
        if "comment_reports" in statement:
            # ...the few reported comments by id (and sorted: they are few)...
            assert "SEARCH comments USING INTEGER PRIMARY KEY" in plan, (statement, plan)
        elif "ORDER BY" in statement and "LIMIT" in statement:
            # ...and a tab in order from its index, never sorted in a temporary tree.
            assert "TEMP B-TREE" not in plan, (statement, plan)
            assert re.search(r"USING (COVERING )?INDEX ix_comments_(queue|careful)", plan), plan


def test_row_links_are_those_url_for_gives_whatever_the_filters(app, client, mod, add_comment):
    """Rows build their links from patterns (app/moderation/row_links.py): each must be
    the address url_for gives, with the page's own address (search text with "#", "&"
    and accents) as where to come back to."""
    name = "Zoë #1 & co/?"
    root = add_comment(status=APPROVED, name="Root")
    ids = [
        add_comment(status=APPROVED, name=name, parent=root),
        add_comment(status=APPROVED, name=name, remedy_slug="remedy-2"),
    ]
    page = soup_of(client.get("/moderation/", query_string={"status": "approved", "q": name}))
    assert rows(page) == ids  # the search shows both
    here = page.select_one("#bulk-form input[name=next]")["value"]
    with app.test_request_context():
        from flask import url_for

        for comment_id, following in zip(ids, ids[::-1], strict=True):
            row = page.select_one(f"li#queue-{comment_id}")
            found = {
                tag.get("data-action") or tag.get_text(" ", strip=True).split()[0]: (
                    tag.get("formaction") or tag["href"]
                )
                for tag in row.select(".queue-row__actions [formaction], .queue-row__actions a")
            }
            assert found == {
                "unapprove": url_for("moderation.act", comment_id=comment_id, action="unapprove"),
                "spam": url_for("moderation.act", comment_id=comment_id, action="spam"),
                "trash": url_for("moderation.act", comment_id=comment_id, action="trash"),
                "edit": url_for("moderation.edit", comment_id=comment_id, next=here),
                "reply": url_for(
                    "moderation.reply", comment_id=comment_id, next=f"{here}#queue-{following}"
                ),
                "Trust": url_for("moderation.rules.new", comment_id=comment_id, next=here),
                "Pin": url_for("moderation.pin", comment_id=comment_id),
            }
        pages = [a["href"] for a in page.select(".queue-meta a")]
        assert pages == [
            url_for("content.article", slug="back-spasms"),
            url_for("content.remedy", article_slug="back-spasms", remedy_slug="remedy-2"),
        ]
        parent = page.select_one(".queue-row__parent-who a")["href"]
        assert parent == url_for("content.article", slug="back-spasms", _anchor=f"comment-{root}")


def test_comments_that_came_in_since_the_worker_counted_are_shown(app, client, mod, add_comment):
    """The tab counts a worker keeps for a few seconds are only counts: the list itself
    shows the waiting comments, oldest first, however old the worker's count."""
    app.config.update(MODERATION_COUNTS_SECONDS=3600, MODERATION_PER_PAGE=2)
    assert rows(soup_of(client.get("/moderation/"))) == []  # counted: none waiting
    ids = [add_comment(status=PENDING) for _ in range(3)]  # sent through another worker
    first = soup_of(client.get("/moderation/"))
    assert rows(first) == ids[:2]
    assert rows(soup_of(client.get(link(first, "next")))) == ids[2:]


def test_the_first_page_starts_at_the_oldest_whatever_the_count(app, client, mod, add_comment):
    app.config.update(MODERATION_COUNTS_SECONDS=3600, MODERATION_PER_PAGE=2)
    ids = [add_comment(status=PENDING)]
    assert rows(soup_of(client.get("/moderation/"))) == ids  # counted: one waiting
    ids += [add_comment(status=PENDING) for _ in range(3)]
    assert rows(soup_of(client.get("/moderation/"))) == ids[:2]
