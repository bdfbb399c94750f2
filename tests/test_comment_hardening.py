"""What an attack review found in Leave a Reply, each pinned by a test: cache markers in
reader text, replayed form stamps, trusting typed identities, personalised responses
kept by caches, hidden characters, malformed reply targets, IPv6 floods."""

from __future__ import annotations

import re
import time

from bs4 import BeautifulSoup
from sqlalchemy import func, select

from app.comments.stamps import seconds_since_stamp
from app.extensions import db
from app.models import Comment, CommentStatus

URL = "/back-spasms/"


def age_of(app, stamp: str) -> float | None:
    with app.test_request_context():
        return seconds_since_stamp(stamp)


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def count_comments(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Comment))


# --- Text that looks like the page's own fields -----------------------------------------


def test_text_that_looks_like_form_fields_is_shown_as_written(
    app, article, add_comment, steady_era
):
    """Found by an attack review when the cached page had markers filled in per reader;
    the shared page is now kept exactly as rendered, and this stays pinned."""
    app.config["WTF_CSRF_ENABLED"] = True
    text = (
        '__RELIEF_CSRF_TOKEN__ and __RELIEF_FORM_STAMP__ name="rendered_at" value="x" '
        "https://evil.example.com/?t=__RELIEF_CSRF_TOKEN__"
    )
    add_comment(body=text)
    pages = [reader.get(URL) for reader in (app.test_client(), app.test_client())]
    assert pages[0].data == pages[1].data  # rendered, then from the worker's copy
    for page in pages:
        soup = soup_of(page)
        body = soup.select_one(".comment__body")
        assert body.get_text() == text
        assert body.find("a")["href"] == "https://evil.example.com/?t=__RELIEF_CSRF_TOKEN__"
        assert soup.find("input", attrs={"name": "csrf_token"}) is None
        (stamp,) = soup.find_all("input", attrs={"name": "rendered_at"})
        age = age_of(app, stamp["value"])
        assert 0 <= age <= app.config["PAGE_STAMP_REFRESH_SECONDS"]


# --- Form stamps expire ----------------------------------------------------------------


def test_an_expired_form_is_refused_with_the_text_kept_and_a_fresh_form(
    app, client, article, comment_form, stamp
):
    data = comment_form(comment="Written yesterday, sent today.", rendered_at=stamp(26 * 3600))
    response = client.post(URL, data=data)
    assert response.status_code == 422
    soup = soup_of(response)
    assert "opened too long ago" in soup.find(id="error-summary").get_text()
    assert soup.find("textarea", id="comment").get_text().strip() == data["comment"]
    assert soup.find("input", id="name")["value"] == data["name"]
    fresh = soup.find("input", attrs={"name": "rendered_at"})["value"]
    assert 0 <= age_of(app, fresh) < 60
    assert count_comments(app) == 0


def test_the_maximum_age_is_a_setting(app, client, article, comment_form, stamp):
    app.config["COMMENTS_FORM_MAX_AGE_SECONDS"] = 600
    assert client.post(URL, data=comment_form(rendered_at=stamp(900))).status_code == 422
    assert client.post(URL, data=comment_form(rendered_at=stamp(300))).status_code == 303


# --- Auto-approval and typed identities ------------------------------------------------


def test_the_stricter_mode_holds_a_returning_commenter_who_has_not_confirmed(
    app, client, article, comment_form, add_comment
):
    add_comment(name="Ada Reader", email="ada@example.com", body="An earlier comment.")
    app.config["COMMENTS_APPROVE_VERIFIED_ONLY"] = True
    client.post(URL, data=comment_form(comment="Is this me, or someone using my email?"))
    with app.app_context():
        newest = db.session.scalars(select(Comment).order_by(Comment.id.desc())).first()
    assert newest.status is CommentStatus.PENDING
    assert newest.reason == "returning commenter, address not confirmed"


# --- Personalised responses are private ------------------------------------------------


def assert_private(response):
    assert response.headers["Cache-Control"] == "private, no-store", response.headers


def test_a_page_showing_my_held_comment_is_private(client, article, comment_form):
    client.post(URL, data=comment_form())
    response = client.get(URL)
    assert "awaiting moderation" in response.get_data(as_text=True)
    assert_private(response)


def test_a_form_prefilled_from_remember_me_is_private(client, article, comment_form):
    client.post(URL, data=comment_form(remember="y"))
    with client.session_transaction() as session:
        session.clear()  # no held comment: only the cookie personalises the page
    response = client.get(URL)
    assert soup_of(response).find("input", id="email")["value"] == "ada@example.com"
    assert_private(response)


def test_refusals_are_private(app, client, article, comment_form):
    assert_private(client.post(URL, data=comment_form(email="not-an-email")))
    app.config["COMMENTS_FLOOD_SECONDS"] = 15
    client.post(URL, data=comment_form())
    flooded = client.post(URL, data=comment_form(comment="Again, at once."))
    assert flooded.status_code == 429
    assert_private(flooded)
    assert 1 <= int(flooded.headers["Retry-After"]) <= 15


def test_the_email_action_confirmation_page_is_private(client, article):
    assert_private(client.get("/email-action/not-a-real-link"))


# --- Hidden characters and malformed reply targets -------------------------------------


def test_a_disguised_name_is_refused_next_to_the_field_with_the_text_kept(
    app, client, article, comment_form
):
    data = comment_form(name="Relief\u200b team", comment="Trust me, I am the team.")
    response = client.post(URL, data=data)
    assert response.status_code == 422
    soup = soup_of(response)
    assert "ZERO WIDTH SPACE" in soup.find(id="name-error").get_text()
    assert soup.find("textarea", id="comment").get_text().strip() == data["comment"]
    assert count_comments(app) == 0


def test_a_link_whose_target_hides_characters_is_refused(app, client, article, comment_form):
    response = client.post(URL, data=comment_form(comment="See https://exa\u00admple.com/"))
    assert response.status_code == 422
    assert "web address in your comment" in soup_of(response).find(id="comment-error").get_text()
    assert count_comments(app) == 0


def test_a_malformed_reply_target_is_refused_not_posted_at_the_top(
    app, client, article, comment_form, add_comment
):
    add_comment()
    response = client.post(URL, data=comment_form(parent_id="1\u00b9", comment="A reply."))
    assert response.status_code == 422
    summary = soup_of(response).find(id="error-summary").get_text()
    assert "could not tell which comment you are replying to" in summary
    assert soup_of(response).find("textarea", id="comment").get_text().strip() == "A reply."
    assert count_comments(app) == 1


# --- The flood limit counts an IPv6 /64 as one client -----------------------------------


def post_from(app, address: str, comment_form, email: str):
    client = app.test_client()
    return client.post(
        URL,
        data=comment_form(email=email, comment=f"From {address}."),
        environ_overrides={"REMOTE_ADDR": address},
    )


def test_the_flood_limit_counts_an_ipv6_64_as_one_client(app, article, comment_form):
    app.config["COMMENTS_FLOOD_SECONDS"] = 15
    assert post_from(app, "2001:db8::1", comment_form, "one@example.com").status_code == 303
    same_network = post_from(app, "2001:db8::ffff:2", comment_form, "two@example.com")
    assert same_network.status_code == 429
    assert re.search(r"wait \d+ seconds?", same_network.get_data(as_text=True))
    other = post_from(app, "2001:db8:0:1::1", comment_form, "three@example.com")
    assert other.status_code == 303


# --- The page cache cannot be poisoned or flooded --------------------------------------


def test_a_prefix_from_a_proxy_never_reaches_readers_at_the_root(app, article):
    """Found by an attack review: a SCRIPT_NAME from a proxy put every link under it,
    and the cached page went to every reader."""
    app.test_client().get(URL, environ_overrides={"SCRIPT_NAME": "/x"})
    soup = soup_of(app.test_client().get(URL))
    assert soup.find("form", class_="comment-form")["action"].startswith(URL)
    assert "/x/" not in soup.find("link", rel="canonical")["href"]


def test_pages_past_the_end_share_one_cache_entry(app, article, add_comment, steady_era):
    """Found by an attack review: ?page=2 to ?page=300 of a one-page discussion each took
    a cache slot and pushed every real page out."""
    add_comment()
    reader = app.test_client()
    for number in range(1, 40):
        assert reader.get(f"{URL}?page={number}").status_code == 200
    assert len(app.extensions["relief.page_cache"]) == 1


def test_typing_the_teams_name_and_a_moderators_email_is_not_published(
    app, article, comment_form, add_comment, moderator
):
    """Found by an attack review: site replies counted as an approved commenter, so the
    team's name with a guessed login email was published at once (and confirmed it)."""
    parent = add_comment()
    staff = app.test_client()
    moderator.login(client=staff)
    staff.post(f"/moderation/comments/{parent}/reply", data={"comment": "The team answers."})
    impostor = app.test_client()
    impostor.post(
        URL,
        data=comment_form(name="Relief team", email="mod@example.com", comment="Official!"),
    )
    with app.app_context():
        newest = db.session.scalars(select(Comment).order_by(Comment.id.desc())).first()
    assert newest.body == "Official!"
    assert newest.status is CommentStatus.PENDING


# --- Found by a code review ------------------------------------------------------------


def test_erasing_a_person_leaves_the_comment_counts_right(
    app, runner, client, article, add_comment
):
    add_comment(email="eve@example.com", name="Eve", body="Eve's words")
    add_comment(email="other@example.com", name="Other", body="Other words")
    result = runner.invoke(args=["comments", "erase", "--email", "eve@example.com", "--yes"])
    assert result.exit_code == 0, result.output
    heading = soup_of(client.get(URL)).find(id="comments-title").get_text(strip=True)
    assert heading == "1 comment"


def test_a_published_comment_sent_twice_is_stored_once(app, client, article, comment_form):
    app.config["COMMENTS_MODERATION"] = "none"
    data = comment_form(comment="Sent twice by a double click.")
    assert client.post(URL, data=data).status_code == 303
    assert client.post(URL, data=data).status_code == 409
    assert count_comments(app) == 1


def test_a_page_kept_past_its_stamp_era_is_sent_again(app, client, article, monkeypatch):
    """A 304 would hand back the old form, whose stamp ages towards the form's maximum
    age: once a stamp era (PAGE_STAMP_REFRESH_SECONDS) ends, the page is rendered
    again, with a new stamp and a new ETag."""
    from app.content import page_cache

    first = client.get(URL)
    etag = first.headers["ETag"]
    assert client.get(URL, headers={"If-None-Match": etag}).status_code == 304
    later = time.time() + app.config["PAGE_STAMP_REFRESH_SECONDS"]
    monkeypatch.setattr(page_cache.time, "time", lambda: later)
    again = client.get(URL, headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert again.headers["ETag"] != etag
    stamp = soup_of(again).find("input", attrs={"name": "rendered_at"})["value"]
    # time.time is patched for every module: the age is counted from ``later``.
    assert 0 <= age_of(app, stamp) <= app.config["PAGE_STAMP_REFRESH_SECONDS"]


def test_simultaneous_comments_from_one_client_pass_the_flood_limit_once(
    app, article, comment_form
):
    """Found by a code review: on PostgreSQL two requests at the same instant could both
    pass the check-then-insert flood rule (SQLite's BEGIN IMMEDIATE already serialises)."""
    from concurrent.futures import ThreadPoolExecutor

    app.config["COMMENTS_FLOOD_SECONDS"] = 15
    forms = [comment_form(email=f"n{n}@example.com", comment=f"At once {n}.") for n in range(8)]

    def send(data):
        return (
            app.test_client()
            .post(URL, data=data, environ_overrides={"REMOTE_ADDR": "203.0.113.50"})
            .status_code
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = sorted(pool.map(send, forms))
    assert answers == [303] + [429] * 7
    assert count_comments(app) == 1
