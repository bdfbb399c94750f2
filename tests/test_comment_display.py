"""What readers see of comments: threads, the depth limit, pages, counts, markup."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from app.models import CommentStatus

URL = "/back-spasms/"


def soup_at(client, url: str = URL) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200
    return BeautifulSoup(response.data, "html.parser")


def shown_ids(soup: BeautifulSoup) -> list[int]:
    return [int(li["id"].split("-")[1]) for li in soup.select("li.comment-item")]


def parent_of(soup: BeautifulSoup, comment_id: int) -> int | None:
    li = soup.find(id=f"comment-{comment_id}")
    holder = li.find_parent("li", class_="comment-item")
    return int(holder["id"].split("-")[1]) if holder else None


def test_only_approved_comments_are_shown_oldest_first(client, article, add_comment):
    first = add_comment(body="first approved")
    add_comment(status=CommentStatus.PENDING, body="pending words")
    add_comment(status=CommentStatus.SPAM, body="spam words")
    add_comment(status=CommentStatus.TRASH, body="trash words")
    second = add_comment(body="second approved")
    soup = soup_at(client)
    assert shown_ids(soup) == [first, second]
    text = soup.get_text()
    for hidden in ("pending words", "spam words", "trash words"):
        assert hidden not in text


@pytest.mark.parametrize(
    "query",
    ["?status=pending", "?page=0", "?page=-3", "?page=abc", "?page=999", "?replyto=2", "?all=1"],
)
def test_query_strings_never_reveal_held_comments(client, article, add_comment, query):
    add_comment(body="visible")
    held = add_comment(status=CommentStatus.PENDING, body="held back")
    response = client.get(URL + query)
    assert response.status_code == 200
    assert b"held back" not in response.data
    assert f"comment-{held}".encode() not in response.data


def test_replies_nest_under_their_parents(client, article, add_comment):
    a = add_comment(name="A")
    b = add_comment(name="B", parent=a)
    c = add_comment(name="C", parent=b)
    d = add_comment(name="D")
    soup = soup_at(client)
    assert shown_ids(soup) == [a, b, c, d]
    assert parent_of(soup, b) == a
    assert parent_of(soup, c) == b
    assert parent_of(soup, d) is None


def test_replies_past_the_depth_limit_keep_their_parent_and_say_so(
    app, client, article, add_comment
):
    app.config["COMMENTS_THREAD_DEPTH"] = 3
    ids = [add_comment(name="Level1")]
    for level in range(2, 6):
        ids.append(add_comment(name=f"Level{level}", parent=ids[-1]))
    soup = soup_at(client)
    # Levels 4 and 5 are shown at level 3, inside level 2's list, after level 3.
    assert parent_of(soup, ids[2]) == ids[1]
    assert parent_of(soup, ids[3]) == ids[1]
    assert parent_of(soup, ids[4]) == ids[1]
    deep = soup.find(id=f"comment-{ids[4]}")
    context = deep.find(class_="comment__context")
    assert context.get_text(" ", strip=True) == "In reply to Level4"
    assert context.a["href"] == f"#comment-{ids[3]}"
    assert soup.find(id=f"comment-{ids[2]}").find(class_="comment__context") is None


def test_default_depth_is_five(client, article, add_comment):
    ids = [add_comment()]
    for _ in range(5):
        ids.append(add_comment(parent=ids[-1]))
    soup = soup_at(client)
    assert parent_of(soup, ids[4]) == ids[3]  # level 5 nests
    assert parent_of(soup, ids[5]) == ids[3]  # level 6 is shown at level 5


def test_removed_comment_with_replies_keeps_the_thread_whole(client, article, add_comment):
    root = add_comment(body="secret root text", name="Gone")
    reply = add_comment(parent=root, body="still here")
    add_comment(status=CommentStatus.TRASH, parent=root, body="trashed leaf")
    with client.application.app_context():
        from app.comments.services import touch_pages
        from app.extensions import db
        from app.models import Comment
        from app.shared.pages import PageKey

        comment = db.session.get(Comment, root)
        comment.status = CommentStatus.TRASH
        touch_pages([PageKey.of(comment)])
        db.session.commit()
    soup = soup_at(client)
    removed = soup.find(id=f"comment-{root}")
    assert "This comment was removed." in removed.get_text()
    assert "secret root text" not in soup.get_text()
    assert "Gone" not in soup.get_text()
    assert "trashed leaf" not in soup.get_text()
    assert parent_of(soup, reply) == root
    assert soup.find(id="comments-title").get_text(strip=True) == "1 comment"


def test_pagination_by_top_level_thread(app, client, article, add_comment):
    app.config["COMMENTS_PER_PAGE"] = 2
    roots = [add_comment(name=f"Root{n}") for n in range(5)]
    reply = add_comment(parent=roots[0])
    page1 = soup_at(client)
    assert shown_ids(page1) == [roots[0], reply, roots[1]]
    page2 = soup_at(client, URL + "?page=2")
    assert shown_ids(page2) == [roots[2], roots[3]]
    page3 = soup_at(client, URL + "?page=3")
    assert shown_ids(page3) == [roots[4]]
    nav = page2.find("nav", class_="comment-pages")
    assert nav.find("a", rel="prev")["href"] == f"{URL}#comments"
    assert nav.find("a", rel="next")["href"] == f"{URL}?page=3#comments"
    assert nav.find("a", attrs={"aria-current": "page"}).get_text() == "2"
    assert page2.find("link", rel="canonical")["href"].endswith(f"{URL}?page=2")
    assert shown_ids(soup_at(client, URL + "?page=99")) == [roots[4]]


def test_redirect_after_reply_goes_to_the_threads_page(
    app, client, article, add_comment, comment_form
):
    app.config["COMMENTS_PER_PAGE"] = 2
    roots = [add_comment(name="Ada Reader", email="ada@example.com") for _ in range(3)]
    response = client.post(URL, data=comment_form(parent_id=str(roots[2]), comment="late reply"))
    assert response.headers["Location"].startswith(f"{URL}?page=2#comment-")


def test_counts_in_heading_and_table_of_contents(client, article, add_comment):
    add_comment()
    add_comment()
    add_comment(status=CommentStatus.PENDING)
    add_comment(remedy_slug="remedy-2")
    soup = soup_at(client)
    assert soup.find(id="comments-title").get_text(strip=True) == "2 comments"
    # A count only where there are comments, never split across lines.
    entries = [li.get_text(" ", strip=True) for li in soup.select(".toc__list li")]
    assert entries == ["Remedy number 1", "Remedy number 2 (1\xa0comment)", "Remedy number 3"]
    remedy = soup_at(client, URL + "remedy-2/")
    assert remedy.find(id="comments-title").get_text(strip=True) == "1 comment"
    add_comment(remedy_slug="remedy-2")
    counts = [span.get_text() for span in soup_at(client).select(".toc__count")]
    assert counts == ["(2\xa0comments)"]


def test_every_comment_has_a_permalink_and_time(client, article, add_comment):
    cid = add_comment()
    item = soup_at(client).find(id=f"comment-{cid}")
    time = item.find("time")
    assert time["datetime"].startswith("2026-01-01T00:")
    assert time.find_parent("a")["href"] == f"{URL}#comment-{cid}"


def test_name_links_to_website_with_nofollow_ugc(client, article, add_comment):
    cid = add_comment(name="Web Person", website="https://person.example.com")
    link = soup_at(client).find(id=f"comment-{cid}").find(class_="comment__author").a
    assert link["href"] == "https://person.example.com"
    assert link["rel"] == ["nofollow", "ugc"]


def test_comment_text_is_plain_text_with_links(client, article, add_comment):
    cid = add_comment(body="<b>hi</b>\nsee https://example.com\n\nbye")
    body = soup_at(client).find(id=f"comment-{cid}").find(class_="comment__body")
    assert [p.get_text() for p in body.find_all("p")] == [
        "<b>hi</b>\nsee https://example.com",
        "bye",
    ]
    assert body.find("b") is None
    assert body.a["rel"] == ["nofollow", "ugc", "noopener"]


def test_avatar_is_a_local_svg_not_gravatar(client, article, add_comment):
    cid = add_comment(email="face@example.com")
    item = soup_at(client).find(id=f"comment-{cid}")
    assert item.find("svg", class_="avatar")
    assert "gravatar" not in str(item).lower()
    assert item.find("img") is None
