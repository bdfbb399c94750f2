"""The moderator's workspace: compact rows, select all, the moderator's order, landing
back at the next row, Undo, and "Needs a careful answer" first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select, update

from app.extensions import db
from app.models import (
    Comment,
    CommentStatus,
    ModerationAction,
    ModerationEvent,
    Moderator,
    QueueOrder,
    utcnow,
)
from tests.conftest import about_comments

PENDING, APPROVED, SPAM, TRASH = (
    CommentStatus.PENDING,
    CommentStatus.APPROVED,
    CommentStatus.SPAM,
    CommentStatus.TRASH,
)


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def row_ids(client, url="/moderation/") -> list[int]:
    return [int(li["data-comment"]) for li in soup_of(client.get(url)).select("li.queue-row")]


def status_of(app, comment_id):
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        return None if comment is None or comment.deleted_at else comment.status


def events(app) -> list[ModerationEvent]:
    with app.app_context():
        found = list(
            db.session.scalars(
                select(ModerationEvent).where(about_comments()).order_by(ModerationEvent.id)
            )
        )
        for event in found:
            _ = event.items  # loaded while the session is open
        return found


def undo_id(client, response) -> int:
    """Follow an action's redirect and return the event id its Undo button posts to."""
    page = soup_of(client.get(response.headers["Location"]))
    form = page.select_one("form.undo-form")
    assert form is not None, page.get_text(" ", strip=True)[:500]
    assert form.find("button").get_text(strip=True) == "Undo"
    return int(form["action"].rsplit("/", 1)[1])


def queue_form(client, url="/moderation/") -> dict:
    """What the queue's form sends besides the chosen rows: next, order, seen_status."""
    soup = soup_of(client.get(url))
    form = soup.select_one("form.bulk-form")
    return {
        name: form.find("input", attrs={"name": name})["value"]
        for name in ("next", "order", "seen_status")
    }


# --- Rows -------------------------------------------------------------------------------


def test_a_reply_shows_the_start_of_the_text_it_answers(client, mod, add_comment):
    long_text = "Hamid's question " + "word " * 80
    parent = add_comment(name="Hamid", body=long_text)
    reply = add_comment(status=PENDING, parent=parent, body="Same here, thanks")
    row = soup_of(client.get("/moderation/")).select_one(f"#queue-{reply}")
    quote = row.select_one("blockquote.queue-row__parent")
    assert "In reply to Hamid" in quote.get_text(" ", strip=True)
    quoted = quote.find("q").get_text()
    assert quoted.startswith("Hamid's question word")
    assert len(quoted) <= 201 and quoted.endswith("…")
    # The comment's own text comes first, the line of facts beneath it.
    main = row.select_one(".queue-row__main")
    order = [child["class"][0] for child in main.find_all(recursive=False)]
    assert order.index("queue-row__text") < order.index("queue-meta")


def test_red_flags_come_first_with_a_badge_and_their_own_tab(app, client, mod, add_comment):
    thanks = add_comment(status=PENDING, body="Thank you!")
    urgent = add_comment(
        status=PENDING, body="My legs went numb", red_flags="numbness\nloss of bladder control"
    )
    add_comment(status=APPROVED, body="old flagged", red_flags="numbness")  # not pending
    assert row_ids(client) == [urgent, thanks]  # flagged first, even though newer
    soup = soup_of(client.get("/moderation/"))
    tabs = soup.select("nav.tabs a")
    assert tabs[0].get_text(" ", strip=True) == "Needs a careful answer 1"
    flags = soup.select_one(f"#queue-{urgent} .queue-row__flags").get_text(" ", strip=True)
    assert "Needs a careful answer" in flags
    assert "numbness" in flags and "loss of bladder control" in flags
    assert soup.select_one(f"#queue-{thanks} .queue-row__flags") is None
    assert row_ids(client, "/moderation/?status=careful") == [urgent]
    careful = soup_of(client.get("/moderation/?status=careful"))
    assert (
        careful.select_one("nav.tabs a[aria-current]")
        .get_text(" ", strip=True)
        .startswith("Needs a careful answer")
    )
    assert careful.find("input", attrs={"name": "seen_status"})["value"] == "pending"


# --- Select all ---------------------------------------------------------------------------


def test_select_all_without_javascript_reloads_with_every_row_checked(client, mod, add_comment):
    ids = [add_comment(status=PENDING) for _ in range(3)]
    soup = soup_of(client.get("/moderation/?status=pending"))
    link = soup.select_one("a.select-all__link")
    assert link.get_text(strip=True) == "Select all on this page"
    assert all(not box.has_attr("checked") for box in soup.select("input[name=ids]"))
    selected = soup_of(client.get(link["href"]))
    assert sorted(int(b["value"]) for b in selected.select("input[name=ids][checked]")) == ids
    assert selected.select_one("[data-selected-count]").get_text() == "3 selected"
    # Acting from that page must not come back to a page with everything checked.
    form = selected.select_one("form.bulk-form")
    assert "select" not in form.find("input", attrs={"name": "next"})["value"]


# --- Order -------------------------------------------------------------------------------


def test_each_moderator_chooses_oldest_or_newest_first(app, client, mod, add_comment):
    first, second = add_comment(status=PENDING), add_comment(status=PENDING)
    assert row_ids(client) == [first, second]  # oldest first by default
    response = client.post(
        "/moderation/queue-order", data={"order": "newest", "next": "/moderation/?page=1"}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/moderation/?page=1"
    assert row_ids(client) == [second, first]
    assert mod.record.queue_order is QueueOrder.NEWEST
    # Another moderator keeps their own order.
    with app.app_context():
        from app.auth.services import add_moderator

        add_moderator("other@example.com", "another long password", "Other")
    other = app.test_client()
    other.post(
        "/auth/login", data={"email": "other@example.com", "password": "another long password"}
    )
    assert row_ids(other) == [first, second]


@pytest.mark.parametrize("junk", ["", "random", "OLDEST", "newest\x00", "ö" * 300])
def test_order_junk_is_refused_kindly(client, mod, add_comment, junk):
    response = client.post("/moderation/queue-order", data={"order": junk})
    assert response.status_code == 303
    assert "Choose oldest first or newest first." in client.get("/moderation/").get_data(
        as_text=True
    )
    assert mod.record.queue_order is QueueOrder.OLDEST


# --- Back where they were -----------------------------------------------------------------


def test_an_action_returns_to_the_same_page_at_the_next_row(app, client, mod, add_comment):
    app.config["MODERATION_PER_PAGE"] = 3
    ids = [add_comment(status=PENDING) for _ in range(7)]
    url = "/moderation/?status=pending&page=2"
    form = queue_form(client, url)
    assert form["order"] == ",".join(map(str, ids[3:6]))
    response = client.post(
        f"/moderation/comments/{ids[4]}/approve", data={**form, "expected": "pending"}
    )
    assert response.headers["Location"] == f"{url}#queue-{ids[5]}"
    # The last row of the page: back to the row before it.
    form = queue_form(client, url)
    assert form["order"] == ",".join(map(str, [ids[3], ids[5], ids[6]]))
    response = client.post(
        f"/moderation/comments/{ids[6]}/spam", data={**form, "expected": "pending"}
    )
    assert response.headers["Location"] == f"{url}#queue-{ids[5]}"


def test_a_bulk_action_returns_to_the_row_after_the_selection(app, client, mod, add_comment):
    ids = [add_comment(status=PENDING) for _ in range(5)]
    form = queue_form(client)
    response = client.post(
        "/moderation/bulk", data={**form, "ids": [ids[1], ids[2]], "action": "approve"}
    )
    assert response.headers["Location"] == f"/moderation/#queue-{ids[3]}"
    assert "2 comments approved." in client.get("/moderation/").get_data(as_text=True)


def test_replying_from_the_queue_comes_back_to_it(app, client, mod, add_comment):
    first, second = add_comment(status=PENDING), add_comment(status=PENDING)
    soup = soup_of(client.get("/moderation/"))
    reply = soup.select_one(f"#queue-{first} a[data-action=reply]")
    page = soup_of(client.get(reply["href"]))
    back = page.find("input", attrs={"name": "next"})["value"]
    assert back == f"/moderation/#queue-{second}"
    response = client.post(reply["href"], data={"comment": "An answer", "next": back})
    assert response.headers["Location"] == back
    assert status_of(app, first) is APPROVED


@pytest.mark.parametrize(
    "target", ["https://evil.example.com/", "//evil.example.com", "/\\evil.example.com"]
)
def test_a_foreign_next_is_never_followed(app, client, mod, add_comment, target):
    cid = add_comment(status=PENDING)
    for url, data in (
        (f"/moderation/comments/{cid}/approve", {"expected": "pending"}),
        ("/moderation/queue-order", {"order": "newest"}),
        ("/moderation/undo/1", {}),
    ):
        response = client.post(url, data={**data, "next": target, "order": str(cid)})
        location = response.headers["Location"]
        assert location.startswith("/moderation/") and "evil" not in location


# --- Bulk in the log ----------------------------------------------------------------------


def test_a_bulk_action_is_one_log_entry_naming_every_comment(app, client, mod, add_comment):
    ids = [add_comment(status=PENDING) for _ in range(3)]
    client.post("/moderation/bulk", data={"ids": [str(i) for i in ids], "action": "spam"})
    (event,) = events(app)
    assert event.action is ModerationAction.SPAM and event.comment_id is None
    assert event.detail == f"bulk: comments {ids[0]}, {ids[1]}, {ids[2]}"
    assert [(i.comment_id, i.status_before, i.status_after) for i in event.items] == [
        (i, PENDING, SPAM) for i in ids
    ]
    log = client.get("/moderation/log").get_data(as_text=True)
    assert f"bulk: comments {ids[0]}, {ids[1]}, {ids[2]}" in log


def test_a_single_action_records_its_comment_before_and_after(app, client, mod, add_comment):
    cid = add_comment(status=APPROVED)
    client.post(f"/moderation/comments/{cid}/trash", data={"expected": "approved"})
    (event,) = events(app)
    assert event.comment_id == cid
    assert [(i.comment_id, i.status_before, i.status_after) for i in event.items] == [
        (cid, APPROVED, TRASH)
    ]


# --- Undo --------------------------------------------------------------------------------


def test_undo_puts_a_bulk_action_back_and_is_logged(app, client, mod, add_comment):
    ids = [add_comment(status=PENDING) for _ in range(3)]
    response = client.post(
        "/moderation/bulk",
        data={"ids": [str(i) for i in ids], "action": "approve", "next": "/moderation/"},
    )
    event_id = undo_id(client, response)
    assert [status_of(app, i) for i in ids] == [APPROVED] * 3
    undone = client.post(f"/moderation/undo/{event_id}", data={"next": "/moderation/?page=1"})
    assert undone.status_code == 303
    assert undone.headers["Location"] == f"/moderation/?page=1#queue-{ids[0]}"
    assert [status_of(app, i) for i in ids] == [PENDING] * 3
    assert "Undone: 3 comments put back as they were." in client.get("/moderation/").get_data(
        as_text=True
    )
    last = events(app)[-1]
    assert last.action is ModerationAction.UNDO and last.undoes_event_id == event_id
    assert last.moderator_email == "mod@example.com"
    assert f"undid mod@example.com's approve (log entry {event_id})" in last.detail
    log = soup_of(client.get("/moderation/log"))
    assert log.select("tbody tr")[0].find_all("td")[2].get_text(strip=True) == "undo"


def test_undo_of_a_trash_restores_the_earlier_status_and_restore_still_works(
    app, client, mod, add_comment
):
    cid = add_comment(status=APPROVED, body="visible again")
    response = client.post(
        f"/moderation/comments/{cid}/trash",
        data={"expected": "approved", "next": "/moderation/?status=approved"},
    )
    event_id = undo_id(client, response)
    client.post(f"/moderation/undo/{event_id}")
    assert status_of(app, cid) is APPROVED
    assert "visible again" in app.test_client().get("/back-spasms/").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Comment, cid).status_before_trash is None


def test_any_moderator_may_undo_and_the_log_says_who(app, client, mod, add_comment):
    cid = add_comment(status=PENDING)
    response = client.post(f"/moderation/comments/{cid}/spam", data={"expected": "pending"})
    event_id = undo_id(client, response)
    with app.app_context():
        from app.auth.services import add_moderator

        add_moderator("other@example.com", "another long password", "Other")
    other = app.test_client()
    other.post(
        "/auth/login", data={"email": "other@example.com", "password": "another long password"}
    )
    other.post(f"/moderation/undo/{event_id}")
    assert status_of(app, cid) is PENDING
    last = events(app)[-1]
    assert last.moderator_email == "other@example.com"
    assert "mod@example.com's spam" in last.detail


def test_undo_too_late_is_refused_kindly(app, client, mod, add_comment):
    cid = add_comment(status=PENDING)
    response = client.post(f"/moderation/comments/{cid}/approve", data={"expected": "pending"})
    event_id = undo_id(client, response)
    with app.app_context():
        db.session.execute(
            update(ModerationEvent)
            .where(ModerationEvent.id == event_id)
            .values(created_at=utcnow() - timedelta(minutes=10, seconds=5))
        )
        db.session.commit()
    response = client.post(f"/moderation/undo/{event_id}")
    assert response.status_code == 303
    page = client.get("/moderation/").get_data(as_text=True)
    assert "Too late to undo that action: Undo works for 10 minutes." in page
    assert status_of(app, cid) is APPROVED
    assert events(app)[-1].action is ModerationAction.APPROVE


def test_double_undo_is_refused_kindly(app, client, mod, add_comment):
    cid = add_comment(status=PENDING)
    response = client.post(f"/moderation/comments/{cid}/approve", data={"expected": "pending"})
    event_id = undo_id(client, response)
    client.post(f"/moderation/undo/{event_id}")
    client.post(f"/moderation/comments/{cid}/approve", data={"expected": "pending"})
    assert client.post(f"/moderation/undo/{event_id}").status_code == 303
    page = client.get("/moderation/").get_data(as_text=True)
    assert "That action was already undone by mod@example.com." in page
    assert status_of(app, cid) is APPROVED  # the second approval stands
    assert [e.action.value for e in events(app)] == ["approve", "undo", "approve"]


def test_undo_leaves_a_comment_that_moved_since_and_says_so(app, client, mod, add_comment):
    moved, kept = add_comment(status=PENDING), add_comment(status=PENDING)
    response = client.post(
        "/moderation/bulk", data={"ids": [str(moved), str(kept)], "action": "approve"}
    )
    event_id = undo_id(client, response)
    client.post(f"/moderation/comments/{moved}/trash", data={"expected": "approved"})
    client.post(f"/moderation/undo/{event_id}")
    assert status_of(app, moved) is TRASH
    assert status_of(app, kept) is PENDING
    page = client.get("/moderation/").get_data(as_text=True)
    assert f"Undone: comment {kept} is pending again." in page
    assert f"Left as they are, changed since: comment {moved} (now trash)." in page


def test_undo_when_every_comment_moved_or_went_changes_nothing(app, client, mod, add_comment):
    cid = add_comment(status=PENDING)
    response = client.post(f"/moderation/comments/{cid}/spam", data={"expected": "pending"})
    event_id = undo_id(client, response)
    client.post(f"/moderation/comments/{cid}/delete")
    client.post(f"/moderation/undo/{event_id}")
    page = client.get("/moderation/?status=spam").get_data(as_text=True)
    assert f"Nothing was undone. No longer there: comment {cid}." in page
    assert ModerationAction.UNDO not in [e.action for e in events(app)]


def test_what_cannot_be_undone_is_refused_kindly(app, client, mod, add_comment):
    spam = add_comment(status=SPAM)
    asked = add_comment(status=PENDING)
    client.post(f"/moderation/comments/{spam}/delete")
    client.post(f"/moderation/comments/{asked}/reply", data={"comment": "An answer"})
    for event in events(app):  # delete, the approval by replying, the reply
        client.post(f"/moderation/undo/{event.id}")
        page = client.get("/moderation/").get_data(as_text=True)
        assert "cannot be undone" in page, event.action
    assert status_of(app, asked) is APPROVED
    assert ModerationAction.UNDO not in [e.action for e in events(app)]


@pytest.mark.parametrize("event_id", ["999999", "2147483647"])
def test_undo_of_an_unknown_entry_is_refused_kindly(client, mod, event_id):
    response = client.post(f"/moderation/undo/{event_id}")
    assert response.status_code == 303
    assert "There is no such action to undo." in client.get("/moderation/").get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["abc", "-1", "0012", "1.5", "99999999999999999999", "%EF%BC%91", "1%00"]
)
def test_undo_of_a_forged_id_is_404(client, mod, path):
    assert client.post(f"/moderation/undo/{path}").status_code == 404


def test_undo_and_actions_only_by_post(client, mod):
    assert client.get("/moderation/undo/1").status_code == 405
    assert client.get("/moderation/queue-order").status_code == 405


def test_undo_without_a_csrf_token_changes_nothing(app, client, mod, add_comment):
    cid = add_comment(status=PENDING)
    response = client.post(f"/moderation/comments/{cid}/approve", data={"expected": "pending"})
    event_id = undo_id(client, response)
    app.config["WTF_CSRF_ENABLED"] = True
    refused = client.post(f"/moderation/undo/{event_id}")
    assert refused.status_code == 400
    assert client.post("/moderation/queue-order", data={"order": "newest"}).status_code == 400
    app.config["WTF_CSRF_ENABLED"] = False
    assert status_of(app, cid) is APPROVED
    assert mod.record.queue_order is QueueOrder.OLDEST


def test_non_ids_in_the_order_field_are_ignored(app, client, mod, add_comment):
    ids = [add_comment(status=PENDING) for _ in range(2)]
    response = client.post(
        f"/moderation/comments/{ids[0]}/approve",
        data={
            "expected": "pending",
            "next": "/moderation/",
            "order": f"x,{ids[0]},-3,١٢,99999999999999999999,{ids[1]}",
        },
    )
    assert response.headers["Location"] == f"/moderation/#queue-{ids[1]}"


def test_shortcuts_follow_the_moderators_preference(app, client, mod, add_comment):
    add_comment(status=PENDING)
    soup = soup_of(client.get("/moderation/"))
    assert soup.select_one("#queue-page")["data-shortcuts"] == "on"
    assert soup.select_one("#shortcuts-list") is not None
    assert soup.find("script", src=lambda s: s and "js/moderation.js" in s)
    with app.app_context():
        db.session.execute(update(Moderator).values(shortcuts=False))
        db.session.commit()
    soup = soup_of(client.get("/moderation/"))
    assert soup.select_one("#queue-page")["data-shortcuts"] == "off"
    assert soup.select_one("#shortcuts-list") is None


def test_url_for_arguments_in_the_query_cannot_send_links_off_the_site(
    app, client, mod, add_comment
):
    app.config["MODERATION_PER_PAGE"] = 1
    for _ in range(2):
        add_comment(status=PENDING)
    response = client.get(
        "/moderation/?status=pending&_external=1&_scheme=javascript&_anchor=x&page=1"
    )
    assert response.status_code == 200
    soup = soup_of(response)
    hrefs = [a["href"] for a in soup.select("main a[href]")]
    hrefs += [i["value"] for i in soup.select("input[name=next]")]
    assert hrefs and all(h.startswith("/") and "javascript" not in h for h in hrefs), hrefs


def test_deleting_in_bulk_offers_no_undo(app, client, mod, add_comment):
    ids = [add_comment(status=TRASH) for _ in range(2)]
    response = client.post(
        "/moderation/bulk",
        data={"ids": [str(i) for i in ids], "action": "delete", "confirmed": "yes"},
    )
    page = soup_of(client.get(response.headers["Location"]))
    assert "2 comments deleted permanently." in page.get_text()
    assert page.select_one("form.undo-form") is None
