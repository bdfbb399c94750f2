"""Property tests (Hypothesis): no email leaks, and no input makes the server fail."""

from __future__ import annotations

import hashlib
from urllib.parse import quote_from_bytes, urljoin, urlsplit

from bs4 import BeautifulSoup
from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update

from app.comments.forms import normalise_text
from app.crypto import digest_of
from app.extensions import db
from app.models import Comment, CommentStatus, OutgoingMail, Subscription
from app.shared.urls import MAX_ID, parse_id, safe_next
from tests.test_reply_notifications import Site, body_of, confirm_link, expect, link_in

FIXTURES_OK = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PUBLIC = [
    "/",
    "/back-spasms/",
    "/back-spasms/remedy-2/",
    "/sitemap.xml",
    "/robots.txt",
    # The Atom feeds: the site's, and the pages' (the comment is on /back-spasms/).
    "/comments.atom",
    "/back-spasms/feed.atom",
    "/back-spasms/remedy-2/feed.atom",
    "/comments/manage/",
    "/comments/manage/sent",
]


def forms_of(email: str) -> list[bytes]:
    out = []
    for variant in {email, email.lower(), email.casefold()}:
        raw = variant.encode()
        out += [
            raw,
            hashlib.md5(raw).hexdigest().encode(),
            hashlib.sha1(raw).hexdigest().encode(),
            hashlib.sha256(raw).hexdigest().encode(),
        ]
    return out


@FIXTURES_OK
@given(email=st.emails())
def test_no_accepted_email_ever_reaches_a_public_response(app, article, comment_form, email):
    try:
        normalised = validate_email(
            email, check_deliverability=False, test_environment=True
        ).normalized
    except EmailNotValidError:
        return  # refused by the form: nothing stored
    client = app.test_client()
    response = client.post("/back-spasms/", data=comment_form(email=email, comment="Hello."))
    if response.status_code != 303:
        return  # too long for the form, for example
    with app.app_context():
        db.session.execute(update(Comment).values(status=CommentStatus.APPROVED))
        db.session.commit()
        ids = db.session.scalars(select(Comment.id)).all()
        keyed = digest_of(normalised).encode()  # the stored blind index
    reader = app.test_client()
    # Reporting a comment: its report page, the answer to a report and the thanks.
    reported = reader.post(f"/report/{ids[-1]}", data={"reason": "abuse"})
    thanks = reported.headers.get("Location", "/report/sent")
    for url in [*PUBLIC, *(f"/report/{i}" for i in ids), thanks]:
        got = reader.get(url)
        raw = got.get_data() + str(got.headers).encode()
        raw += reported.get_data() + str(reported.headers).encode()
        for form in [*forms_of(normalised), keyed]:
            assert form not in raw, (url, form)
        if url in ("/comments.atom", "/back-spasms/feed.atom"):
            assert b'<content type="text">Hello.</content>' in raw  # the comment is there


@FIXTURES_OK
@given(email=st.emails())
def test_no_email_reaches_an_authors_own_pages_or_a_pinned_answer(
    app, article, comment_form, moderator, email
):
    """The edit and delete pages (the author's and a stranger's view), a refused edit,
    and the page with the comment pinned at the top never carry the address."""
    from app.moderation import services

    try:
        normalised = validate_email(
            email, check_deliverability=False, test_environment=True
        ).normalized
    except EmailNotValidError:
        return
    app.config["COMMENTS_MODERATION"] = "none"
    owner = app.test_client()
    response = owner.post("/back-spasms/", data=comment_form(email=email, comment="Hello."))
    if response.status_code != 303:
        return
    cid = int(response.headers["Location"].rpartition("#comment-")[2])
    with app.app_context():
        services.pin(cid, moderator.record)
    edit, delete = f"/comments/{cid}/edit", f"/comments/{cid}/delete"
    answers = [
        owner.get(edit),
        owner.post(edit, data={"comment": ""}),  # refused: the form comes back
        owner.get(delete),
        owner.post(edit, data={"comment": "Hello, edited.", "version": "stale"}),
        owner.get("/back-spasms/"),
    ]
    stranger = app.test_client()
    answers += [stranger.get(edit), stranger.post(delete), stranger.get("/back-spasms/")]
    assert b"pinned-answer" in answers[-1].data
    for got in answers:
        raw = got.get_data() + str(got.headers).encode()
        for form in forms_of(normalised):
            assert form not in raw, (got.request.path, form)


NOTIFY_PAGES = ["/comments/manage/", "/comments/manage/sent"]


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(first=st.emails(), second=st.emails())
def test_no_email_reaches_another_commenter_nor_any_new_page(
    app, article, moderator, smtp_server, comment_form, first, second
):
    """Reply notifications end to end: the replier's address never reaches the
    subscriber's email, and neither address reaches a public page, the confirmation or
    unsubscribe pages, their headers, or the List-Unsubscribe header."""
    try:
        first, second = (
            validate_email(e, check_deliverability=False, test_environment=True).normalized
            for e in (first, second)
        )
    except EmailNotValidError:
        return
    if first.casefold() == second.casefold():
        return
    with app.app_context():  # each example starts afresh
        for model in (OutgoingMail, Subscription, Comment):
            db.session.execute(delete(model))
        db.session.commit()
    smtp_server.messages.clear()
    site = Site(app, comment_form, smtp_server)
    reader = app.test_client()
    data = comment_form(comment="A question", email=first, name="First", notify="y")
    if reader.post("/back-spasms/", data=data).status_code != 303:
        return  # refused by the form (too long, for example): nothing stored
    link = confirm_link(expect(smtp_server, first, 1)[0])
    pages = [reader.get(link), reader.post(link)]
    with app.app_context():
        question = db.session.scalar(select(Comment.id))
    site.approve(question)
    data = comment_form(comment="An answer", email=second, name="Second", parent_id=question)
    if app.test_client().post("/back-spasms/", data=data).status_code != 303:
        return
    with app.app_context():
        answer = db.session.scalar(select(Comment.id).where(Comment.body == "An answer"))
    site.approve(answer)
    notice = next(m for m in expect(smtp_server, first, 3) if "An answer" in body_of(m))
    stop = link_in(notice, "Stop all emails")
    pages += [reader.get(stop), *(reader.get(url) for url in PUBLIC + NOTIFY_PAGES)]
    # Everything but the subscriber's own address (To) and the test server's note of it.
    own = {"to", "x-rcptto"}
    headers = "".join(f"{k}: {v}\n" for k, v in notice.items() if k.lower() not in own)
    raw_notice = (headers + body_of(notice)).encode()
    for form in forms_of(second):
        assert form not in raw_notice
    for page in pages:
        raw = page.get_data() + str(page.headers).encode()
        for form in forms_of(first) + forms_of(second):
            assert form not in raw, form


text_values = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "\u202e",
            "\ud800",
            "0",
            "-1",
            "9" * 30,
            "%",
            "javascript:x",
            "a" * 6000,
            "\r\n\r\n",
            "<script>",
            "null",
            "[]",
            "{}",
            "🙂" * 300,
        ]
    ),
)
FIELDS = [
    "comment",
    "name",
    "email",
    "website",
    "parent_id",
    "remember",
    "rendered_at",
    "fax",
    "csrf_token",
    "extra",
]


def _form_body(fields: list[tuple[str, str | bytes]]) -> bytes:
    parts = []
    for name, value in fields:
        raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
        parts.append(f"{name}=".encode() + quote_from_bytes(raw).encode())
    return b"&".join(parts)


@FIXTURES_OK
@given(
    fields=st.lists(
        st.tuples(st.sampled_from(FIELDS), st.one_of(text_values, st.binary(max_size=200))),
        max_size=14,
    ),
    target=st.sampled_from(["/back-spasms/", "/back-spasms/remedy-2/", "/back-spasms/?page=x"]),
)
def test_any_form_post_is_answered_without_a_server_error(
    app, article, add_comment, target, fields
):
    client = app.test_client()
    response = client.post(
        target,
        data=_form_body(fields),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in {303, 400, 409, 413, 422, 429}, response.status_code
    if response.status_code in {400, 409, 422, 429}:
        soup = BeautifulSoup(response.data, "html.parser")
        assert soup.find(id="error-summary"), "a refusal must say what is wrong"
        sent = [v for k, v in fields if k == "comment"]
        if len(sent) == 1 and isinstance(sent[0], str) and not {"\ud800", "\x00"} & set(sent[0]):
            kept = soup.find("textarea", id="comment").get_text()
            # The app turns a lone CR into a newline, as browsers do.
            assert kept.strip() == (normalise_text(sent[0]) or "").strip()


@FIXTURES_OK
@given(
    path=st.sampled_from(
        [
            "/",
            "/back-spasms/",
            "/back-spasms/remedy-1/",
            "/auth/login",
            "/sitemap.xml",
            "/email-action/x",
            "/moderation/",
            "/comments.atom",
            "/back-spasms/feed.atom",
            "/back-spasms/remedy-1/feed.atom",
            "/comments/manage/",
            "/comments/manage/yours",
            "/comments/manage/open/x",
            "/comments/notifications/confirm/x",
            "/comments/notifications/stop/x",
        ]
    ),
    params=st.lists(
        st.tuples(
            st.sampled_from(["page", "replyto", "q", "next", "status", "x"]),
            st.one_of(text_values, st.binary(max_size=50)),
        ),
        max_size=6,
    ),
)
def test_any_query_string_is_answered_without_a_server_error(
    app, article, add_comment, path, params
):
    query = "&".join(
        f"{k}={quote_from_bytes(v if isinstance(v, bytes) else v.encode('utf-8', 'surrogatepass'))}"
        for k, v in params
    )
    response = app.test_client().get(f"{path}?{query}")
    assert response.status_code in {200, 302, 403, 404, 410}, response.status_code


def test_huge_numbers_in_the_query_string_are_harmless(app, article):
    """Found by Hypothesis: ?replyto=<a number beyond SQLite's integers> answered 500."""
    client = app.test_client()
    for query in ("replyto=99999999999999999999", "page=99999999999999999999", "replyto=-5"):
        assert client.get(f"/back-spasms/?{query}").status_code == 200


@FIXTURES_OK
@given(
    segment=st.text(max_size=40),
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
)
def test_any_path_is_answered_without_a_server_error(app, article, segment, method):
    # safe="": a "/" in the segment is sent encoded, so the path never starts with "//"
    # (which the test client would read as a host name, never reaching the app).
    path = "/" + quote_from_bytes(segment.encode("utf-8", "surrogatepass"), safe="") + "/"
    response = app.test_client().open(path, method=method)
    assert response.status_code < 500


@FIXTURES_OK
@given(email=text_values, password=text_values)
def test_any_login_attempt_is_answered_without_a_server_error(app, email, password):
    body = _form_body([("email", email), ("password", password)])
    response = app.test_client().post(
        "/auth/login", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in {400, 401, 413, 429}


# --- Moderation: next paths and ids ------------------------------------------------------

next_values = st.one_of(
    text_values,
    st.text(alphabet=st.sampled_from("/\\:%0aAdD.?#@ \r\n\t\x00\u2028\u0661"), max_size=24),
    st.text(max_size=30).map(lambda t: "/moderation/" + t),
)


@given(target=next_values)
def test_safe_next_never_leaves_the_site_nor_breaks_a_header(target):
    from werkzeug.utils import redirect

    result = safe_next(target, "/moderation/")
    assert result in {target, "/moderation/"}
    location = redirect(result).headers["Location"]  # raises on CR/LF in a header
    assert location == result
    assert urlsplit(urljoin("https://relief.example/moderation/x", location)).netloc == (
        "relief.example"
    )


@given(value=st.one_of(text_values, st.integers().map(str), st.integers().map(lambda n: f" {n}")))
def test_parse_id_gives_a_database_sized_number_or_nothing(value):
    number = parse_id(value)
    assert number is None or (1 <= number <= MAX_ID and value.isascii() and value.isdigit())


@FIXTURES_OK
@given(
    params=st.lists(
        st.tuples(
            st.sampled_from(["on", "q", "status", "page", "next"]),
            st.one_of(text_values, st.binary(max_size=50)),
        ),
        max_size=5,
    ),
    ids=st.lists(st.one_of(text_values, st.integers().map(str)), max_size=4),
    target=next_values,
)
def test_any_moderation_query_next_or_ids_is_answered_without_a_server_error(
    app, article, moderator, add_comment, params, ids, target
):
    client = app.test_client()
    moderator.login(client=client)
    query = "&".join(
        f"{k}={quote_from_bytes(v if isinstance(v, bytes) else v.encode('utf-8', 'surrogatepass'))}"
        for k, v in params
    )
    assert client.get(f"/moderation/?{query}").status_code == 200
    body = _form_body([("action", "trash"), ("next", target), *(("ids", i) for i in ids)])
    response = client.post(
        "/moderation/bulk", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//")


@FIXTURES_OK
@given(
    segment=st.one_of(text_values, st.integers().map(str)),
    action=st.sampled_from(["edit", "delete"]),
    method=st.sampled_from(["GET", "POST", "PUT"]),
    fields=st.lists(
        st.tuples(
            st.sampled_from(["comment", "version", "csrf_token", "x"]),
            st.one_of(text_values, st.binary(max_size=100)),
        ),
        max_size=4,
    ),
)
def test_any_own_comment_request_is_answered_without_a_server_error(
    app, article, add_comment, segment, action, method, fields
):
    """Any id, method and form on the author's edit and delete routes: a kind refusal."""
    add_comment(body="Someone's comment.")
    raw = segment.encode("utf-8", "surrogatepass")
    path = f"/comments/{quote_from_bytes(raw, safe='')}/{action}"
    response = app.test_client().open(
        path,
        method=method,
        data=_form_body(fields),
        content_type="application/x-www-form-urlencoded",
    )
    # 308: an empty id makes "//", which the router merges into one slash.
    assert response.status_code in {308, 403, 404, 405, 413}, response.status_code
