"""Leave a Reply over HTTP: success, each refusal, and what each browser sees."""

from __future__ import annotations

import itertools
import re

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.orm import undefer

from app.extensions import db
from app.models import Comment, CommentStatus

URL = "/back-spasms/"


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def stored(app) -> list[Comment]:
    with app.app_context():
        query = select(Comment).options(undefer(Comment.author_email)).order_by(Comment.id)
        return list(db.session.scalars(query))


def field_error(soup: BeautifulSoup, name: str) -> str:
    error = soup.find(id=f"{name}-error")
    return error.get_text(" ", strip=True) if error else ""


def assert_text_kept(soup: BeautifulSoup, data: dict) -> None:
    assert soup.find("textarea", id="comment").get_text().strip() == data["comment"].strip()
    for name in ("name", "email", "website"):
        if data.get(name):
            assert soup.find("input", id=name)["value"] == data[name].strip()


def test_form_has_the_public_field_names_and_accessible_markup(client, article):
    soup = soup_of(client.get(URL))
    form = soup.find("form", class_="comment-form")
    names = {tag["name"] for tag in form.find_all(["input", "textarea"]) if tag.get("name")}
    assert {"comment", "name", "email", "website", "parent_id", "remember"} <= names
    assert soup.find(id="reply-title").get_text(strip=True) == "Leave a Reply"
    email = form.find("input", id="email")
    described = [soup.find(id=i).get_text(strip=True) for i in email["aria-describedby"].split()]
    assert "Your email address will not be published." in described
    assert email["autocomplete"] == "email" and email["type"] == "email"
    assert form.find("input", id="name")["autocomplete"] == "name"
    assert form.find("input", id="website")["autocomplete"] == "url"
    for name in ("comment", "name", "email"):
        label = form.find("label", attrs={"for": name})
        assert label.find(class_="required").get_text() == "*"
    assert form.find("label", attrs={"for": "website"}).find(class_="required") is None
    assert not form.find("input", id="remember").has_attr("checked")
    assert "Required fields are marked" in form.get_text()


def test_comments_heading_follows_the_page_headings(client, article):
    soup = soup_of(client.get(URL))
    levels = [int(h.name[1]) for h in soup.find_all(["h1", "h2", "h3", "h4"])]
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))
    assert soup.find(id="comments-title").name == "h2"


def test_new_commenter_is_held_and_sees_their_pending_comment(app, client, article, comment_form):
    response = client.post(URL, data=comment_form(comment="My first comment"))

    assert response.status_code == 303
    [comment] = stored(app)
    assert response.headers["Location"] == f"{URL}#comment-{comment.id}"
    assert comment.status is CommentStatus.PENDING
    assert comment.reason == "new commenter"
    page = soup_of(client.get(URL))
    assert "Your comment is awaiting moderation." in page.get_text()
    pending = page.find(id=f"comment-{comment.id}")
    assert "My first comment" in pending.get_text()
    assert pending.find(class_="comment--pending")


def test_pending_comment_is_hidden_from_everyone_else(app, client, article, comment_form):
    client.post(URL, data=comment_form(comment="Only mine for now"))
    other = app.test_client()
    assert b"Only mine for now" not in other.get(URL).data
    assert b"Only mine for now" in client.get(URL).data


def test_previously_approved_commenter_is_published(
    app, client, article, comment_form, add_comment
):
    add_comment(name="Ada Reader", email="ada@example.com")
    response = client.post(URL, data=comment_form(comment="Second thoughts"))
    assert response.status_code == 303
    newest = stored(app)[-1]
    assert newest.status is CommentStatus.APPROVED
    anonymous = app.test_client().get(URL)
    assert b"Second thoughts" in anonymous.data
    assert "Thank you: your comment is published." in client.get(URL).get_data(as_text=True)


def test_email_is_stored_normalised_and_text_exactly(app, client, article, comment_form):
    client.post(URL, data=comment_form(email="Ada@EXAMPLE.COM", comment="  Hi\r\nthere  "))
    [comment] = stored(app)
    assert comment.author_email == "Ada@example.com"
    assert comment.body == "Hi\nthere"
    assert comment.ip == "127.0.0.1"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("comment", "", "Please write your comment."),
        ("comment", "x" * 5001, "the limit is 5,000 characters"),
        ("name", "", "Please enter your name."),
        ("email", "nobody", "Enter an email address like name@example.com."),
        ("website", "javascript:alert(1)", "starts with http:// or https://"),
    ],
)
def test_invalid_fields_show_errors_by_the_field_and_keep_everything(
    app, client, article, comment_form, field, value, message
):
    data = comment_form(
        comment="Keep this text\nplease", name="Ada", website="https://ada.example.com"
    )
    data[field] = value
    response = client.post(URL, data=data)

    assert response.status_code == 422
    soup = soup_of(response)
    assert message in field_error(soup, field)
    control = soup.find(id=field)
    assert control["aria-invalid"] == "true"
    assert f"{field}-error" in control["aria-describedby"]
    summary = soup.find(id="error-summary")
    assert summary.has_attr("autofocus") and summary["tabindex"] == "-1"
    # The form posts to #error-summary, so browsers focus the summary even without JS.
    assert soup.find("form", class_="comment-form")["action"].endswith("#error-summary")
    assert summary.find("a", href=f"#{field}")
    kept = {k: v for k, v in data.items() if k != field}
    kept.setdefault("comment", "")
    if field != "comment":
        assert_text_kept(soup, kept)
    else:
        assert soup.find("input", id="name")["value"] == "Ada"
    assert stored(app) == []


def test_everything_is_kept_on_a_many_field_refusal(client, article, comment_form):
    response = client.post(URL, data=comment_form(comment="My text", name="", email="bad"))
    soup = soup_of(response)
    assert soup.find("textarea", id="comment").get_text().strip() == "My text"
    assert soup.find("input", id="email")["value"] == "bad"
    assert len(soup.find(id="error-summary").find_all("li")) == 2


# The comment form has no session token (its page is shared by every reader): a form a
# browser sent from another site's page is refused by its Origin / Sec-Fetch-Site.
CROSS_SITE = [
    {"Origin": "https://attacker.example"},
    {"Origin": "null"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site", "Origin": "http://blog.localhost"},
    {"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"},
]
SAME_ORIGIN = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}


@pytest.mark.parametrize("headers", CROSS_SITE, ids=lambda h: " ".join(h.values()))
def test_a_cross_site_post_is_refused_kindly_with_text_kept(
    app, client, article, comment_form, headers
):
    app.config["WTF_CSRF_ENABLED"] = True  # as in production: the form needs no token
    data = comment_form(comment="Typed with care")
    response = client.post(URL, data=data, headers=headers)

    assert response.status_code == 403
    assert response.headers["Cache-Control"] == "private, no-store"
    soup = soup_of(response)
    assert "sent from a page on another website" in soup.find(id="error-summary").get_text()
    assert_text_kept(soup, data)
    assert stored(app) == []

    again = client.post(URL, data=data, headers=SAME_ORIGIN)
    assert again.status_code == 303
    assert len(stored(app)) == 1


@pytest.mark.parametrize("token", [None, "forged", "a-token-from-another-session"])
def test_a_csrf_token_sent_anyway_is_ignored_and_the_origin_decides(
    app, client, article, comment_form, token
):
    app.config["WTF_CSRF_ENABLED"] = True
    refused = client.post(
        URL, data=comment_form(csrf_token=token), headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert refused.status_code == 403
    assert stored(app) == []
    assert (
        client.post(URL, data=comment_form(csrf_token=token), headers=SAME_ORIGIN).status_code
        == 303
    )
    assert len(stored(app)) == 1


def test_a_post_without_origin_headers_still_needs_a_genuine_fresh_stamp(
    app, client, article, comment_form, stamp, add_comment
):
    """Neither header (curl, an old browser) passes the origin check, as in Go's
    CrossOriginProtection; the signed stamp must still be genuine (else the comment is
    held) and fresh (else refused)."""
    app.config["WTF_CSRF_ENABLED"] = True
    add_comment(name="Ada Reader", email="ada@example.com")  # a returning commenter
    assert client.post(URL, data=comment_form(rendered_at="forged")).status_code == 303
    assert stored(app)[-1].status is CommentStatus.PENDING
    assert stored(app)[-1].reason == "form stamp missing or invalid"
    stale = comment_form(comment="Another one.", rendered_at=stamp(2 * 3600))
    assert client.post(URL, data=stale).status_code == 422
    assert len(stored(app)) == 2


def test_flood_limit_answers_429_with_the_form_and_text(app, client, article, comment_form):
    app.config["COMMENTS_FLOOD_SECONDS"] = 15
    assert client.post(URL, data=comment_form(comment="First")).status_code == 303
    data = comment_form(comment="Second, too soon", email="other@example.com")
    response = client.post(URL, data=data)

    assert response.status_code == 429
    soup = soup_of(response)
    assert "posting comments too quickly" in field_error(soup, "comment")
    assert_text_kept(soup, data)
    assert len(stored(app)) == 1


def test_flood_limit_follows_the_browser_to_another_address(app, article, comment_form):
    app.config["COMMENTS_FLOOD_SECONDS"] = 15
    browser = app.test_client()
    assert browser.post(URL, data=comment_form(comment="One")).status_code == 303
    response = browser.post(
        URL, data=comment_form(comment="Two"), environ_base={"REMOTE_ADDR": "10.1.2.3"}
    )
    assert response.status_code == 429


def test_flood_limit_says_nothing_about_someone_elses_email(app, article, comment_form):
    """Found by an attack review: limiting per email answered 429 to a stranger exactly
    when the guessed address had commented moments ago (and let anyone silence it)."""
    app.config["COMMENTS_FLOOD_SECONDS"] = 15
    assert app.test_client().post(URL, data=comment_form(comment="One")).status_code == 303
    stranger = app.test_client().post(
        URL, data=comment_form(comment="Two"), environ_base={"REMOTE_ADDR": "10.1.2.3"}
    )
    assert stranger.status_code == 303


def test_duplicate_is_refused_with_text_kept(app, client, article, comment_form):
    data = comment_form(comment="Same words")
    assert client.post(URL, data=data).status_code == 303
    response = client.post(URL, data=data)

    assert response.status_code == 409
    soup = soup_of(response)
    assert "Duplicate comment detected" in field_error(soup, "comment")
    assert_text_kept(soup, data)
    assert len(stored(app)) == 1


def test_same_text_on_another_page_is_not_a_duplicate(client, article, comment_form):
    data = comment_form(comment="Same words")
    assert client.post(URL, data=data).status_code == 303
    assert client.post(f"{URL}remedy-1/", data=data).status_code == 303


def test_honeypot_is_stored_as_spam_but_answered_like_held(app, client, article, comment_form):
    response = client.post(URL, data=comment_form(fax="http://spam.example.com"))
    assert response.status_code == 303
    [comment] = stored(app)
    assert comment.status is CommentStatus.SPAM
    assert comment.reason == "honeypot field filled"
    assert "Your comment is awaiting moderation." in client.get(URL).get_data(as_text=True)


def test_too_fast_is_held_with_reason(app, client, article, comment_form, stamp, add_comment):
    add_comment(name="Ada Reader", email="ada@example.com")
    client.post(URL, data=comment_form(rendered_at=stamp(seconds=1)))
    assert stored(app)[-1].status is CommentStatus.PENDING
    assert "after the form was shown" in stored(app)[-1].reason


def test_forged_stamp_is_held(app, client, article, comment_form, add_comment):
    add_comment(name="Ada Reader", email="ada@example.com")
    client.post(URL, data=comment_form(rendered_at="forged"))
    assert stored(app)[-1].reason == "form stamp missing or invalid"


def test_links_and_words_are_held(app, client, article, comment_form, add_comment):
    add_comment(name="Ada Reader", email="ada@example.com")
    app.config["COMMENTS_MODERATION_WORDS"] = ("miracle",)
    app.config["COMMENTS_DISALLOWED_WORDS"] = ("casino",)
    client.post(URL, data=comment_form(comment="see http://a.com and http://b.com"))
    client.post(URL, data=comment_form(comment="a miracle cure"))
    client.post(URL, data=comment_form(comment="best casino"))
    assert [(c.status, c.reason) for c in stored(app)[1:]] == [
        (CommentStatus.PENDING, "2 links"),
        (CommentStatus.PENDING, 'moderation word: "miracle"'),
        (CommentStatus.SPAM, 'disallowed word: "casino"'),
    ]


def test_words_typed_with_lookalike_letters_are_held_and_refused_alike(
    app, client, article, comment_form, add_comment
):
    add_comment(name="Ada Reader", email="ada@example.com")
    app.config["COMMENTS_MODERATION_WORDS"] = ("miracle",)
    app.config["COMMENTS_DISALLOWED_WORDS"] = ("casino",)
    client.post(URL, data=comment_form(comment="a m\u0456r\u0430cle cure"))  # Cyrillic i, a
    client.post(URL, data=comment_form(comment="best \U0001f172asino"))  # a squared C
    assert [(c.status, c.reason) for c in stored(app)[1:]] == [
        (CommentStatus.PENDING, 'moderation word: "miracle"'),
        (CommentStatus.SPAM, 'disallowed word: "casino"'),
    ]
    # Kept as typed: the lookalikes are read, never stored.
    assert stored(app)[1].body == "a m\u0456r\u0430cle cure"


@pytest.mark.parametrize("mode", ["all", "none"])
def test_moderation_mode_from_config(app, client, article, comment_form, mode):
    app.config["COMMENTS_MODERATION"] = mode
    client.post(URL, data=comment_form())
    expected = CommentStatus.PENDING if mode == "all" else CommentStatus.APPROVED
    assert stored(app)[0].status is expected


def test_reply_form_without_javascript(client, article, add_comment):
    parent = add_comment(name="Bea")
    soup = soup_of(client.get(f"{URL}?replyto={parent}"))
    assert soup.find(id="reply-title").get_text(strip=True) == "Replying to Bea"
    assert soup.find("input", id="parent_id")["value"] == str(parent)
    assert soup.find(id="cancel-reply")["href"] == f"{URL}#respond"
    reply_link = soup.find("a", attrs={"data-reply-to": str(parent)})
    assert reply_link["href"] == f"{URL}?replyto={parent}#respond"


@pytest.mark.parametrize("replyto", ["999", "abc", "-1", ""])
def test_reply_form_ignores_unknown_targets(client, article, replyto):
    soup = soup_of(client.get(f"{URL}?replyto={replyto}"))
    assert soup.find(id="reply-title").get_text(strip=True) == "Leave a Reply"


def test_reply_is_stored_under_its_parent(app, client, article, comment_form, add_comment):
    parent = add_comment(name="Bea")
    response = client.post(URL, data=comment_form(parent_id=str(parent), comment="Agreed"))
    assert response.status_code == 303
    reply = stored(app)[-1]
    assert reply.parent_id == parent and reply.root_id == parent


@pytest.mark.parametrize("status", [CommentStatus.PENDING, CommentStatus.SPAM, CommentStatus.TRASH])
def test_reply_to_unapproved_comment_is_refused(
    app, client, article, comment_form, add_comment, status
):
    parent = add_comment(status=status)
    data = comment_form(parent_id=str(parent), comment="Reply text kept")
    response = client.post(URL, data=data)
    assert response.status_code == 422
    soup = soup_of(response)
    assert "not available" in soup.find(id="error-summary").get_text()
    assert_text_kept(soup, data)
    assert len(stored(app)) == 1


def test_reply_to_missing_comment_is_refused(app, client, article, comment_form):
    response = client.post(URL, data=comment_form(parent_id="4242"))
    assert response.status_code == 422
    assert stored(app) == []


def test_reply_to_comment_on_another_page_is_refused(
    app, client, article, comment_form, add_comment
):
    elsewhere = add_comment(remedy_slug="remedy-1")
    response = client.post(URL, data=comment_form(parent_id=str(elsewhere)))
    assert response.status_code == 422
    assert b"belongs to another page" in response.data


def test_remember_me_sets_a_signed_httponly_cookie_and_prefills(app, client, article, comment_form):
    response = client.post(URL, data=comment_form(remember="y", website="https://ada.example.com"))
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if "relief_commenter" in h)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    soup = soup_of(client.get(URL))
    assert soup.find("input", id="name")["value"] == "Ada Reader"
    assert soup.find("input", id="email")["value"] == "ada@example.com"
    assert soup.find("input", id="website")["value"] == "https://ada.example.com"
    assert soup.find("input", id="remember").has_attr("checked")


def test_unchecked_remember_me_clears_the_cookie(client, article, comment_form):
    client.post(URL, data=comment_form(remember="y"))
    response = client.post(URL, data=comment_form(comment="Another one"))
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if "relief_commenter" in h)
    assert re.search(r"Expires=Thu, 01 Jan 1970|Max-Age=0", cookie)
    soup = soup_of(client.get(URL))
    assert not soup.find("input", id="name").get("value")


def test_tampered_remember_cookie_is_ignored(client, article):
    client.set_cookie("relief_commenter", "eyJuYW1lIjoiTWFsbG9yeSJ9.forged")
    soup = soup_of(client.get(URL))
    assert not soup.find("input", id="name").get("value")


def test_comment_on_remedy_page(app, client, article, comment_form):
    response = client.post(f"{URL}remedy-2/", data=comment_form())
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"{URL}remedy-2/#comment-")
    assert stored(app)[0].remedy_id is not None


def test_comments_survive_a_content_reload(app, client, article, add_comment):
    from app.content.loading import upsert_article
    from tests.conftest import make_article

    on_article = add_comment(body="On the article")
    on_remedy = add_comment(remedy_slug="remedy-2", body="On remedy two")
    with app.app_context():
        edited = make_article(title="Retitled")
        edited.remedies[1].title = "Renamed remedy"
        upsert_article(edited)
    assert b"On the article" in client.get(URL).data
    assert b"On remedy two" in client.get(f"{URL}remedy-2/").data
    assert {c.id for c in stored(app)} == {on_article, on_remedy}


def test_removing_a_remedy_with_comments_is_refused(app, article, add_comment):
    from app.content.importer import ArticleFormatError
    from app.content.loading import upsert_article
    from tests.conftest import make_article

    add_comment(remedy_slug="remedy-3")
    with app.app_context(), pytest.raises(ArticleFormatError, match=r"remedy-3.*1 comment"):
        upsert_article(make_article(remedies=2))
    assert b"Remedy number 3" in app.test_client().get(f"{URL}remedy-3/").data
