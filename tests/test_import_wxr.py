"""`flask comments import-wxr`: a WordPress export's comments, brought in whole.

The fixture (tests/fixtures/transfer/wordpress.xml) is shaped as WordPress 6's Tools >
Export writes it: replies listed before their parents, CDATA with HTML, a pingback, a
spam and a trash comment, comments without a usable email, a post that maps to nothing
and an attachment without comments.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Article,
    CommentStatus,
    ModerationAction,
    ModerationEvent,
    OutgoingMail,
    Remedy,
)
from app.transfer import wxr
from app.transfer.html_text import html_to_text
from app.transfer.importer import import_comments
from app.transfer.records import SourceEnd, TransferError
from tests.imported import comment_count, comments_by_source

WXR = Path(__file__).parent / "fixtures" / "transfer" / "wordpress.xml"


def run_import(runner, path, *extra):
    return runner.invoke(args=["comments", "import-wxr", str(path), *extra])


def page_state(app) -> list[tuple]:
    with app.app_context():
        articles = db.session.execute(select(Article.comment_count, Article.cache_version))
        remedies = db.session.execute(
            select(Remedy.slug, Remedy.comment_count, Remedy.cache_version).order_by(Remedy.slug)
        )
        return [tuple(row) for row in articles] + [tuple(row) for row in remedies]


def wxr_file(tmp_path, comments: str, *, site="https://old.example", name="back-spasms") -> Path:
    """A minimal WXR file with one post (``name``) holding ``comments``."""
    path = tmp_path / "export.xml"
    path.write_text(
        f"""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Old</title><link>{site}</link>
<wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>{site}</wp:base_site_url>
<item><title>Post</title><link>{site}/?p=5</link><wp:post_id>5</wp:post_id>
<wp:post_name>{name}</wp:post_name><wp:post_type>post</wp:post_type>
{comments}
</item></channel></rss>""",
        encoding="utf-8",
    )
    return path


def wp_comment(
    comment_id,
    parent=0,
    *,
    text="A comment.",
    status="1",
    date="2024-01-01 10:00:00",
    name="Reader",
    email="reader@example.com",
    ip="192.0.2.1",
    kind="comment",
) -> str:
    return f"""<wp:comment><wp:comment_id>{comment_id}</wp:comment_id>
<wp:comment_author><![CDATA[{name}]]></wp:comment_author>
<wp:comment_author_email>{email}</wp:comment_author_email>
<wp:comment_author_url></wp:comment_author_url>
<wp:comment_author_IP>{ip}</wp:comment_author_IP>
<wp:comment_date>{date}</wp:comment_date><wp:comment_date_gmt>{date}</wp:comment_date_gmt>
<wp:comment_content><![CDATA[{text}]]></wp:comment_content>
<wp:comment_approved>{status}</wp:comment_approved><wp:comment_type>{kind}</wp:comment_type>
<wp:comment_parent>{parent}</wp:comment_parent><wp:comment_user_id>0</wp:comment_user_id>
</wp:comment>"""


def test_every_field_thread_and_status_is_kept(app, article, runner):
    result = run_import(runner, WXR)
    assert result.exit_code == 0, result.output
    rows = comments_by_source(app)
    assert set(rows) == {"101", "102", "103", "104", "105", "106", "201"}

    ann, bea, sam = rows["101"], rows["102"], rows["103"]
    # Threads rebuilt although the replies come first in the file.
    assert (ann.parent_id, ann.root_id) == (None, None)
    assert (bea.parent_id, bea.root_id) == (ann.id, ann.id)
    assert (sam.parent_id, sam.root_id) == (bea.id, ann.id)
    assert ann.author_name == "Ann Original"
    assert ann.author_email == "ann@example.com"
    assert ann.author_website == "http://ann.example.com"
    assert sam.author_email == "Sam.Reply@example.org"  # normalised: the domain's case
    assert sam.author_website == "https://sam.example.org/"
    # The GMT date, not the local one (10:30 in the file's local time).
    assert bea.created_at == datetime(2024, 1, 9, 9, 30, tzinfo=UTC)
    assert ann.created_at == datetime(2019, 3, 6, 12, tzinfo=UTC)
    assert ann.approved_at == ann.created_at
    # Comments older than IP_RETENTION_DAYS arrive as `purge-ips` would leave them.
    assert ann.ip == "203.0.113.0/24" and sam.ip == "2001:db8::/48"
    assert ann.client_net is None
    # HTML made plain text: paragraphs and line breaks kept, link targets kept as URLs.
    assert ann.body == "My spasms come at night.\n\nWhat helps you?\nHeat or ice?"
    assert bea.body == (
        "Try the knee-to-chest stretch.\nIt eases mine within minutes.\n\n"
        "See the NHS page (https://www.nhs.uk/conditions/back-pain/) & ask a GP."
    )
    assert sam.body == "Replying to Bea's reply: the stretch helped me too."

    assert {s: rows[s].status for s in ("104", "105", "106")} == {
        "104": CommentStatus.PENDING,
        "105": CommentStatus.SPAM,
        "106": CommentStatus.TRASH,
    }
    # WordPress's own note of where a trashed comment was: restoring approves it again.
    assert rows["106"].status_before_trash is CommentStatus.APPROVED
    assert rows["104"].approved_at is None
    # A pending health question waits at the front of the queue, for a careful answer.
    assert rows["104"].red_flags == "numbness"
    assert all(row.source_site == "https://backcare.example" for row in rows.values())
    assert {row.reason for row in rows.values()} == {"imported from WordPress"}

    # No email, or one that is not an address: imported without one, matching nobody's.
    dan, hal = rows["104"], rows["201"]
    assert (dan.author_email, dan.email_digest) == ("", "")
    assert (hal.author_email, hal.email_digest) == ("", "")
    assert hal.author_website is None  # javascript: is no website
    assert hal.ip is None  # "unknown" is no address
    assert hal.body == "A hot water bottle & a towel <3"
    with app.app_context():
        remedy = db.session.scalar(select(Remedy).where(Remedy.slug == "remedy-1"))
        assert (hal.article_id, hal.remedy_id) == (remedy.article_id, remedy.id)
        assert ann.remedy_id is None
        # Imported, not new: nobody is emailed about them.
        assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == 0
        # The log says who brought what, and from where (no names, no addresses).
        entry = db.session.scalar(
            select(ModerationEvent).where(ModerationEvent.action == ModerationAction.IMPORT)
        )
        assert entry.moderator_email == "command line"
        assert entry.detail == "7 comment(s) from WordPress site https://backcare.example"


def test_the_report_says_what_went_where_and_what_was_left(app, article, runner):
    result = run_import(runner, WXR)
    lines = result.output.splitlines()
    assert lines[0] == "WordPress site https://backcare.example"
    assert "  /back-spasms/: 3 approved, 1 pending, 1 spam, 1 trash" in lines
    assert "  /back-spasms/remedy-1/: 1 approved" in lines
    assert "Skipped, pingback: 1" in lines
    assert "Without a valid email (imported; they can never be notified): 2" in lines
    assert "Posts that match no page (skipped; use --map POST=PAGE_PATH):" in lines
    assert "  'Hello world!' (1, hello-world): 1 comment(s); no page has its name or path" in lines
    assert "spine" not in result.output  # an attachment without comments is no news
    assert lines[-1] == "Imported 7 comment(s)."


def test_readers_see_the_approved_comments_threaded_and_no_email(app, article, runner, client):
    before = page_state(app)
    run_import(runner, WXR)
    after = page_state(app)
    assert after[0][0] == 3  # the article page's approved comments
    assert after[0][1] > before[0][1]  # its cached copy is stale now
    assert after[1][:2] == ("remedy-1", 1) and after[1][2] > before[1][2]

    page = client.get("/back-spasms/").get_data(as_text=True)
    for shown in ("Ann Original", "Bea Answer", "Sam Reply", "knee-to-chest stretch"):
        assert shown in page
    for hidden in ("Dan Waiting", "Cheap Pills", "Tom Trashed", "@example"):
        assert hidden not in page
    assert '<a href="https://www.nhs.uk/conditions/back-pain/"' in page
    rows = comments_by_source(app)
    # Sam's reply sits inside Bea's, inside Ann's.
    ann_at = page.index(f'id="comment-{rows["101"].id}"')
    bea_at = page.index(f'id="comment-{rows["102"].id}"')
    sam_at = page.index(f'id="comment-{rows["103"].id}"')
    assert ann_at < bea_at < sam_at


def test_importing_again_adds_and_changes_nothing(app, article, runner):
    run_import(runner, WXR)
    rows = comments_by_source(app)
    state = page_state(app)
    result = run_import(runner, WXR)
    assert result.exit_code == 0
    assert "Already imported before, left as they are: 7" in result.output
    assert result.output.splitlines()[-1] == "Imported 0 comment(s)."
    assert page_state(app) == state
    again = comments_by_source(app)
    assert {k: (v.id, v.status, v.body, v.parent_id) for k, v in again.items()} == {
        k: (v.id, v.status, v.body, v.parent_id) for k, v in rows.items()
    }


def test_a_later_export_adds_only_its_new_replies_to_the_old_threads(
    app, article, runner, tmp_path
):
    run_import(runner, WXR)
    later = wxr_file(
        tmp_path,
        wp_comment(102, 101, text="Old reply, again")
        + wp_comment(108, 103, text="A reply to Sam", date="2024-02-01 10:00:00"),
        site="https://backcare.example/",
    )
    result = run_import(runner, later)
    assert result.exit_code == 0, result.output
    assert "Already imported before, left as they are: 1" in result.output
    rows = comments_by_source(app)
    assert rows["108"].parent_id == rows["103"].id
    assert rows["108"].root_id == rows["101"].id
    assert rows["102"].body.startswith("Try the knee-to-chest")  # left as it was


def test_dry_run_reports_the_same_and_writes_nothing(app, article, runner):
    state = page_state(app)
    result = run_import(runner, WXR, "--dry-run")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "WordPress site https://backcare.example (dry run: nothing written)"
    assert "  /back-spasms/: 3 approved, 1 pending, 1 spam, 1 trash" in lines
    assert lines[-1] == "Would import 7 comment(s)."
    assert comment_count(app) == 0
    assert page_state(app) == state


def test_map_sends_a_post_to_a_page_of_your_choice(app, article, runner):
    result = run_import(runner, WXR, "--map", "hello-world=/back-spasms/remedy-2/")
    assert result.exit_code == 0, result.output
    assert "  /back-spasms/remedy-2/: 1 approved" in result.output
    assert "Posts that match no page" not in result.output
    with app.app_context():
        remedy = db.session.scalar(select(Remedy).where(Remedy.slug == "remedy-2"))
    assert comments_by_source(app)["1"].remedy_id == remedy.id


def test_map_by_post_id_wins_over_the_name(app, article, runner):
    result = run_import(runner, WXR, "--map", "12=/back-spasms/remedy-3/")
    assert "  /back-spasms/remedy-3/: 3 approved, 1 pending, 1 spam, 1 trash" in result.output


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ("hello-world=/no-such-page/", "no page of this site has the path /no-such-page/"),
        ("hello-world", "write it as POST=PAGE_PATH"),
        ("=/back-spasms/", "write it as POST=PAGE_PATH"),
    ],
)
def test_a_map_to_no_page_stops_before_anything_is_written(app, article, runner, mapping, message):
    result = run_import(runner, WXR, "--map", mapping)
    assert result.exit_code != 0
    assert message in result.output
    assert "Nothing was imported." in result.output
    assert comment_count(app) == 0


@pytest.mark.parametrize("how", ["rewritten in place", "replaced by another file"])
def test_a_file_changed_between_the_two_readings_writes_nothing(app, article, tmp_path, how):
    """Same number of comments, other words: only the bytes tell the readings apart."""
    path = wxr_file(tmp_path, wp_comment(1, text="The words that were checked."))
    readings = []

    def read():
        if readings:  # the second reading: someone changed the file since the first
            other = wxr_file(tmp_path / "other", wp_comment(1, text="Words nobody checked."))
            if how == "rewritten in place":
                path.write_bytes(other.read_bytes())
            else:
                os.replace(other, path)
        readings.append(how)
        return wxr.read(path)

    (tmp_path / "other").mkdir()
    site = app.test_request_context(base_url=app.config["SITE_URL"])
    with site, pytest.raises(TransferError, match="changed while it was being imported"):
        import_comments(read)
    assert len(readings) == 2
    assert comment_count(app) == 0


def test_a_reading_without_its_end_writes_nothing(app, article, tmp_path):
    """A reader that stops without the file's fingerprint cannot show that the second
    reading read the file the first one checked."""
    path = wxr_file(tmp_path, wp_comment(1) + wp_comment(2))

    def read():
        return (record for record in wxr.read(path) if not isinstance(record, SourceEnd))

    site = app.test_request_context(base_url=app.config["SITE_URL"])
    with site, pytest.raises(TransferError, match="not read to its end: nothing written"):
        import_comments(read)
    assert comment_count(app) == 0


@pytest.mark.parametrize("reading", [1, 2])
def test_a_reading_that_goes_on_after_its_end_writes_nothing(app, article, tmp_path, reading):
    """The fingerprint vouches for what was read before it: a comment after it, in
    either reading, stops the import."""
    path = wxr_file(tmp_path, wp_comment(1) + wp_comment(2))
    records = list(wxr.read(path))
    readings = []

    def read():
        readings.append(None)
        if len(readings) == reading:
            return iter([*records, records[-2]])
        return iter(records)

    site = app.test_request_context(base_url=app.config["SITE_URL"])
    with site, pytest.raises(TransferError, match="went on after its end: nothing written"):
        import_comments(read)
    assert comment_count(app) == 0


def test_a_reading_ends_with_the_sha256_of_the_file(tmp_path):
    path = wxr_file(tmp_path, wp_comment(1))
    records = list(wxr.read(path))
    assert records[-1] == SourceEnd(hashlib.sha256(path.read_bytes()).hexdigest())
    assert sum(isinstance(record, SourceEnd) for record in records) == 1


def test_a_map_that_matches_no_post_is_pointed_out(app, article, runner):
    result = run_import(runner, WXR, "--map", "typo-post=/back-spasms/remedy-2/")
    assert "--map typo-post: no post of the file has this name or id" in result.output


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel>
<wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://x.example</wp:base_site_url>
<item><wp:post_name>back-spasms</wp:post_name><wp:comment><wp:comment_id>1</wp:comment_id>
<wp:comment_content>&lol9;</wp:comment_content><wp:comment_approved>1</wp:comment_approved>
<wp:comment_date_gmt>2024-01-01 00:00:00</wp:comment_date_gmt></wp:comment></item>
</channel></rss>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rss [ <!ENTITY secret SYSTEM "{target}"> ]>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel>
<wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://x.example</wp:base_site_url>
<item><wp:post_name>back-spasms</wp:post_name><wp:comment><wp:comment_id>1</wp:comment_id>
<wp:comment_content>&secret;</wp:comment_content><wp:comment_approved>1</wp:comment_approved>
<wp:comment_date_gmt>2024-01-01 00:00:00</wp:comment_date_gmt></wp:comment></item>
</channel></rss>"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE rss SYSTEM "http://127.0.0.1:9/evil.dtd">
<rss version="2.0"><channel/></rss>"""


def hostile_files(tmp_path) -> dict[str, tuple[Path, str]]:
    whole = WXR.read_bytes()
    files = {
        "billion laughs": (BILLION_LAUGHS, "declares a DTD or entities"),
        "external file entity": (
            EXTERNAL_ENTITY.format(target="file:///etc/passwd"),
            "declares a DTD or entities",
        ),
        "external URL entity": (
            EXTERNAL_ENTITY.format(target="http://127.0.0.1:9/secret"),
            "declares a DTD or entities",
        ),
        "external DTD": (EXTERNAL_DTD, "declares a DTD or entities"),
        "truncated": (whole[: len(whole) * 2 // 3], "is not well-formed XML"),
        "cut after the last comment": (whole[: whole.rindex(b"</item>")], "not well-formed"),
        "not XML": (b"\x89PNG\r\n\x1a\n\x00\x00binary", "is not well-formed XML"),
        "empty": (b"", "is not well-formed XML"),
        "Atom, not WXR": (
            '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry/></feed>',
            "its first element is <feed>, not <rss>",
        ),
        "RSS, not WXR": (
            '<rss version="2.0"><channel><title>A blog</title><item><title>x</title></item>'
            "</channel></rss>",
            "it has no <wp:wxr_version>",
        ),
        "no site named": (
            '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel>'
            "<wp:wxr_version>1.2</wp:wxr_version><item/></channel></rss>",
            "does not name its site",
        ),
    }
    out = {}
    for n, (name, (content, message)) in enumerate(files.items()):
        path = tmp_path / f"hostile-{n}.xml"
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        out[name] = (path, message)
    return out


@pytest.mark.parametrize(
    "case",
    [
        "billion laughs",
        "external file entity",
        "external URL entity",
        "external DTD",
        "truncated",
        "cut after the last comment",
        "not XML",
        "empty",
        "Atom, not WXR",
        "RSS, not WXR",
        "no site named",
    ],
)
@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry-run"])
def test_a_hostile_or_broken_file_is_refused_and_nothing_is_written(
    app, article, runner, tmp_path, case, dry_run
):
    path, message = hostile_files(tmp_path)[case]
    state = page_state(app)
    result = run_import(runner, path, *(["--dry-run"] if dry_run else []))
    assert result.exit_code == 1
    assert message in result.output
    assert "Nothing was imported." in result.output
    assert "Traceback" not in result.output
    assert "root:" not in result.output  # /etc/passwd was never read into anything
    assert comment_count(app) == 0
    assert page_state(app) == state


def test_a_missing_file_is_named(app, article, runner, tmp_path):
    result = run_import(runner, tmp_path / "nowhere.xml")
    assert result.exit_code == 1
    assert "Cannot read" in result.output and "nowhere.xml" in result.output


def test_a_file_exported_from_this_very_site_is_refused(app, article, runner, tmp_path):
    own = app.config["SITE_URL"]
    result = run_import(runner, wxr_file(tmp_path, wp_comment(1), site=own))
    assert result.exit_code == 1
    assert "exported from this site" in result.output
    assert comment_count(app) == 0


def test_replies_to_missing_parents_loops_and_other_pages_become_top_level(
    app, article, runner, tmp_path
):
    path = tmp_path / "threads.xml"
    other = wxr_file(tmp_path, wp_comment(50, text="On another page"), name="remedy-2")
    body = wxr_file(
        tmp_path,
        wp_comment(1, 999, text="Parent missing")
        + wp_comment(2, 3, text="Loop one")
        + wp_comment(3, 2, text="Loop two")
        + wp_comment(4, 3, text="Inside the loop")
        + wp_comment(5, 50, text="Parent on another page"),
    ).read_text()
    second_item = other.read_text().split("<item>", 1)[1].split("</item>", 1)[0]
    path.write_text(body.replace("</item>", f"</item><item>{second_item}</item>", 1))
    result = run_import(runner, path)
    assert result.exit_code == 0, result.output
    assert "Replies whose parent is not in the file (imported as top-level): 3" in result.output
    rows = comments_by_source(app)
    assert rows["1"].parent_id is None and rows["5"].parent_id is None
    loop = {rows["2"].parent_id, rows["3"].parent_id}
    assert None in loop and loop != {None}  # one of the two starts the thread
    top = rows["2"] if rows["2"].parent_id is None else rows["3"]
    assert rows["4"].root_id == top.id
    for row in rows.values():
        assert row.parent_id is None or row.root_id is not None


def test_fields_a_reader_could_not_have_typed_are_cleaned_or_skipped(
    app, article, runner, tmp_path
):
    long_name = "N" * 300
    path = wxr_file(
        tmp_path,
        wp_comment(1, name="Ev\u202eil\u200b  Name")
        + wp_comment(2, name=long_name)
        + wp_comment(3, name="")
        + wp_comment("drop;table", text="bad id")
        + wp_comment(4, text="first")
        + wp_comment(4, text="second with the same id")
        + wp_comment(5, status="weird")
        + wp_comment(6, date="yesterday")
        + wp_comment(7, text="<p> </p>")
        + wp_comment(8, kind="trackback")
        + wp_comment(9, email="a@b.c\u200b")
        + wp_comment(10, text="<script>alert(1)</script>Safe text")
        + wp_comment(11, ip="fe80::1%" + "x" * 60, text="see \u202ehttps://evil.example")
        + wp_comment(12, date="2999-01-01 00:00:00"),
    )
    result = run_import(runner, path)
    assert result.exit_code == 0, result.output
    for line in (
        "Skipped, listed twice in the file: 1",
        "Skipped, no readable date: 1",
        "Skipped, no text: 1",
        "Skipped, no usable comment id: 1",
        "Skipped, trackback: 1",
        "Skipped, unknown status 'weird': 1",
        "Skipped, dated in the future: 1",
    ):
        assert line in result.output
    rows = comments_by_source(app)
    assert set(rows) == {"1", "2", "3", "4", "9", "10", "11"}
    assert rows["1"].author_name == "Ev il Name"
    assert rows["2"].author_name == "N" * 100
    assert rows["3"].author_name == "Anonymous"
    assert rows["4"].body == "first"
    assert rows["9"].author_email == ""
    assert rows["10"].body == "Safe text"
    assert rows["11"].ip is None  # a scoped address names no client (and is too long)
    assert rows["11"].body == "see https://evil.example"  # no bidi override kept


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://ok.example/path?q=1", True),
        ("http://localhost:8000/", True),
        ("https://user:pass@evil.example/", False),
        ("https://ok.example:notaport/", False),
        ("https://nodot/", False),
        ("ftp://files.example/", False),
        ("https://spa ce.example/", False),
        ("https://" + "a" * 200 + ".example/", False),
    ],
)
def test_a_website_is_kept_only_if_the_comment_form_would_take_it(
    app, article, runner, tmp_path, url, kept
):
    comment = wp_comment(1).replace(
        "<wp:comment_author_url></wp:comment_author_url>",
        f"<wp:comment_author_url><![CDATA[{url}]]></wp:comment_author_url>",
    )
    run_import(runner, wxr_file(tmp_path, comment))
    assert comments_by_source(app)["1"].author_website == (url if kept else None)


def test_a_recent_comment_keeps_its_ip_for_moderators(app, article, runner, tmp_path):
    recent = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S")
    run_import(runner, wxr_file(tmp_path, wp_comment(1, ip="198.51.100.7", date=recent)))
    row = comments_by_source(app)["1"]
    assert row.ip == "198.51.100.7"
    assert row.client_net == "198.51.100.7"


def test_an_imported_address_is_found_by_the_privacy_tools(app, article, runner, tmp_path):
    run_import(runner, wxr_file(tmp_path, wp_comment(1, email="Mixed@Example.COM")))
    result = runner.invoke(args=["comments", "export", "--email", "mixed@example.com"])
    assert result.exit_code == 0, result.output
    assert "A comment." in result.output


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>One</p><p>Two<br />three</p>", "One\n\nTwo\nthree"),
        ("Line one\nLine two\n\n\n\nNext", "Line one\nLine two\n\nNext"),
        ('see <a href="https://example.com/">example.com</a>', "see example.com"),
        ('<a href="https://a.example/x">here</a>', "here (https://a.example/x)"),
        ('<a href="javascript:alert(1)">click</a>', "click"),
        ("a &lt; b &amp;&amp; c &#8217;d&#8217; &nbsp;e", "a < b && c \u2019d\u2019  e"),
        ("<style>p{}</style><b>bold</b>", "bold"),
        ("<blockquote>Quoted</blockquote>Answer", "Quoted\n\nAnswer"),
        ('<img src="x.png" alt="a smile">', "a smile"),
    ],
)
def test_comment_html_becomes_plain_text(html, text):
    assert html_to_text(html) == text


@pytest.mark.parametrize(
    "written",
    [
        "http://backcare.example",
        "https://www.backcare.example/",
        "https://BACKCARE.example:443",
        "http://www.backcare.example:80/",
    ],
)
def test_one_site_however_its_address_is_written(app, article, runner, tmp_path, written):
    """A site that moved to https, or dropped its www., is still the same source."""
    run_import(runner, WXR)
    again = wxr_file(tmp_path, wp_comment(101, text="Ann again"), site=written)
    result = run_import(runner, again)
    assert "Already imported before, left as they are: 1" in result.output
    assert comment_count(app) == 7


def test_this_sites_own_export_is_recognised_however_spelled(app, article, runner, tmp_path):
    own = app.config["SITE_URL"].replace("://", "://www.") + "/"
    result = run_import(runner, wxr_file(tmp_path, wp_comment(1), site=own))
    assert result.exit_code == 1
    assert "exported from this site" in result.output


def test_a_comment_longer_than_wordpress_allows_is_skipped(app, article, runner, tmp_path):
    path = wxr_file(tmp_path, wp_comment(1, text="x" * 65_526) + wp_comment(2, text="ok"))
    result = run_import(runner, path)
    assert "Skipped, longer than WordPress allows: 1" in result.output
    assert set(comments_by_source(app)) == {"2"}
