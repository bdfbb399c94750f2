"""``flask comments import-disqus``: a Disqus export read, matched to pages, imported once.

The fixture (tests/fixtures/transfer/disqus.xml) is shaped as Disqus writes it: two
categories, five threads (one matched by its slug, one by its path, one by nothing, one
deleted but still at a page's path, one without comments), and posts with replies listed
before their parents, a spam one, a deleted one that lost its text and author, one
without an email or IP (as newer exports are), and HTML with links and entities.
"""

from __future__ import annotations

import gzip
import hashlib
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Article, CommentStatus, Remedy
from app.transfer import disqus
from app.transfer.records import (
    SourceComment,
    SourceEnd,
    SourcePost,
    SourceSite,
    TransferError,
)
from tests.conftest import ROOT
from tests.imported import comment_count, comments_by_source

FIXTURES = Path(__file__).parent / "fixtures" / "transfer"
DISQUS = FIXTURES / "disqus.xml"
WORDPRESS = FIXTURES / "wordpress.xml"
SITE = "disqus:backcareblog"

REPORT = [
    "Disqus site disqus:backcareblog",
    "  /back-spasms/: 2 approved",
    "  /back-spasms/remedy-1/: 2 approved, 1 spam, 1 trash",
    "  /back-spasms/remedy-2/: 1 approved",
    "Without a valid email (imported; they can never be notified): 2",
    "Threads that match no page (skipped; use --map THREAD=PAGE_PATH):",
    "  'Neck stretches for desk workers' (5410003, neck-stretches): 2 comment(s); "
    "no page has its name or path",
    "Imported 7 comment(s).",
]


def import_disqus(runner, path: Path = DISQUS, *options: str):
    return runner.invoke(args=["comments", "import-disqus", str(path), *options])


def page_ids(app) -> dict[str, tuple[int, int | None]]:
    """PageKey parts by path: "/back-spasms/" -> (article id, None)."""
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == "back-spasms"))
        pages = {"/back-spasms/": (article.id, None)}
        for remedy in article.remedies:
            pages[f"/back-spasms/{remedy.slug}/"] = (article.id, remedy.id)
    return pages


# The reader, on its own ------------------------------------------------------------


def test_reader_yields_the_forum_then_threads_then_posts():
    records = list(disqus.read(DISQUS))
    assert records[0] == SourceSite("disqus:backcareblog", "Disqus", post_word="thread")
    # Last, the fingerprint the importer compares between its two readings.
    assert records[-1] == SourceEnd(hashlib.sha256(DISQUS.read_bytes()).hexdigest())
    threads = [r for r in records if isinstance(r, SourcePost)]
    assert threads == [
        SourcePost(
            key="thread 5410001",
            name="back-spasms",
            link="https://backcare.example/2019/03/back-spasms/",
            title="How to relieve back spasms",
            kind="thread",
            ids=("5410001", "12 https://backcare.example/?p=12"),
        ),
        SourcePost(
            key="thread 5410002",
            name="remedy-1",
            link="https://backcare.example/back-spasms/remedy-1/",
            title="Remedy 1: heat & rest",
            kind="thread",
            ids=("5410002",),
        ),
        SourcePost(
            key="thread 5410003",
            name="neck-stretches-for-desk-workers",
            link="https://backcare.example/2019/05/neck-stretches-for-desk-workers/",
            title="Neck stretches for desk workers",
            kind="thread",
            ids=("5410003", "neck-stretches"),
        ),
        SourcePost(
            key="thread 5410004",
            name="remedy-2",
            link="http://www.backcare.example/back-spasms/remedy-2",
            title="Remedy 2 (old address)",
            kind="thread",
            ids=("5410004",),
        ),
        SourcePost(
            key="thread 5410005",
            name="about",
            link="https://backcare.example/about/",
            title="About",
            kind="thread",
            ids=("5410005",),
        ),
    ]
    posts = {r.source_id: r for r in records if isinstance(r, SourceComment)}
    assert list(posts) == [
        "77000102",
        "77000101",
        "77000201",
        "77000202",
        "77000204",
        "77000203",
        "77000301",
        "77000302",
        "77000401",
    ]
    assert posts["77000102"] == SourceComment(
        post_key="thread 5410001",
        source_id="77000102",
        parent_id="77000101",
        kind="comment",
        author_name="Sam Reply",
        author_email="Sam.Reply@Example.org",
        author_url="",
        author_ip="198.51.100.23",
        created_at=datetime(2019, 3, 5, 10, 15, tzinfo=UTC),
        status=CommentStatus.APPROVED,
        raw_status="approved",
        html="<p>Same here &#8212; heat helped me too.</p>",
    )
    assert posts["77000101"].author_name == "Zoë O'Brien"  # &apos; decoded by XML
    assert posts["77000201"].author_email == ""
    assert posts["77000202"].status is CommentStatus.SPAM
    assert posts["77000203"].status is CommentStatus.TRASH
    assert posts["77000401"].author_ip == ""  # Disqus's 255.255.255.255: not known


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2013-01-01T12:00:00Z", datetime(2013, 1, 1, 12, tzinfo=UTC)),
        ("2012-12-12T12:12:12", datetime(2012, 12, 12, 12, 12, 12, tzinfo=UTC)),
        ("2013-01-01T14:00:00+02:00", datetime(2013, 1, 1, 12, tzinfo=UTC)),
        ("2011-x09-30T22:48:43Z", None),
        ("", None),
    ],
)
def test_disqus_dates_are_read_as_utc(value, expected):
    assert disqus.parse_date(value) == expected


@pytest.mark.parametrize(
    ("link", "name"),
    [
        ("https://backcare.example/2019/03/back-spasms/", "back-spasms"),
        ("http://radio-t.umputun.com/2011/03/229_8880.html", "229_8880"),
        ("https://backcare.example/caf%C3%A9-stretches", "café-stretches"),
        ("https://backcare.example/", ""),
        ("", ""),
    ],
)
def test_a_threads_name_is_the_last_segment_of_its_link(link, name):
    assert disqus.page_name(link) == name


# Importing the fixture -------------------------------------------------------------


def test_import_stores_every_field_as_the_export_has_it(app, runner, article):
    result = import_disqus(runner)
    assert result.exit_code == 0, result.output
    rows = comments_by_source(app)
    pages = page_ids(app)
    assert set(rows) == {
        "77000101",
        "77000102",
        "77000201",
        "77000202",
        "77000203",
        "77000204",
        "77000401",
    }  # not the two comments of the thread that matches no page

    zoe = rows["77000101"]
    assert (zoe.article_id, zoe.remedy_id) == pages["/back-spasms/"]
    assert zoe.author_name == "Zoë O'Brien"
    assert zoe.author_email == "zoe@example.com"
    assert zoe.author_website is None
    assert zoe.body == (
        "Heat & gentle stretching worked for me.\n\n"
        "The NHS page (https://www.nhs.uk/conditions/back-pain/) has more <good> advice."
    )
    assert zoe.created_at == datetime(2019, 3, 4, 18, 40, 3, tzinfo=UTC)
    assert zoe.status is CommentStatus.APPROVED
    assert zoe.ip == "203.0.113.0/24"  # older than IP_RETENTION_DAYS: anonymised already
    assert zoe.client_net is None
    assert zoe.source_site == SITE
    assert zoe.reason == "imported from Disqus"
    assert zoe.notify is False and zoe.owner_digest is None
    assert zoe.parent_id is None and zoe.root_id is None

    sam = rows["77000102"]  # listed before its parent in the file
    assert sam.parent_id == zoe.id and sam.root_id == zoe.id
    assert sam.author_email == "Sam.Reply@example.org"  # the domain normalised
    assert sam.body == "Same here \u2014 heat helped me too."

    quiet = rows["77000201"]
    assert (quiet.article_id, quiet.remedy_id) == pages["/back-spasms/remedy-1/"]
    assert quiet.author_email == "" and quiet.email_digest == ""  # never notified
    assert quiet.ip is None

    spam = rows["77000202"]
    assert spam.status is CommentStatus.SPAM
    assert spam.body == "Buy relief pills here (http://pills.example.com/)"

    deleted = rows["77000203"]
    assert deleted.status is CommentStatus.TRASH
    assert deleted.status_before_trash is CommentStatus.PENDING  # restored: checked again
    assert deleted.author_name == "Anonymous" and deleted.body == ""

    ben = rows["77000204"]
    assert ben.status is CommentStatus.APPROVED
    assert ben.parent_id == deleted.id and ben.root_id == deleted.id
    assert ben.body == (
        "I saw the comment above before it went:\n"
        "please see a doctor if the pain spreads to your legs."
    )
    assert ben.ip == "2001:db8::/48"

    early = rows["77000401"]  # its thread was deleted in Disqus; its page is here
    assert (early.article_id, early.remedy_id) == pages["/back-spasms/remedy-2/"]
    assert early.ip is None
    assert early.created_at == datetime(2018, 11, 20, 21, 5, 44, tzinfo=UTC)


def test_import_prints_the_report_per_page_and_status(runner, article):
    result = import_disqus(runner)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == REPORT


def test_import_updates_the_pages_counts_and_cache_versions(app, runner, article):
    def state():
        with app.app_context():
            art = db.session.scalar(select(Article).where(Article.slug == "back-spasms"))
            remedies = {
                r.slug: (r.comment_count, r.cache_version)
                for r in db.session.scalars(select(Remedy).where(Remedy.article_id == art.id))
            }
            return (art.comment_count, art.cache_version), remedies

    (count, version), remedies = state()
    assert count == 0
    assert import_disqus(runner).exit_code == 0
    (new_count, new_version), new_remedies = state()
    assert new_count == 2  # approved comments on the article page itself
    assert new_version > version
    assert new_remedies["remedy-1"][0] == 2  # spam and trash are not counted
    assert new_remedies["remedy-1"][1] > remedies["remedy-1"][1]
    assert new_remedies["remedy-2"] == (1, remedies["remedy-2"][1] + 1)
    assert new_remedies["remedy-3"] == remedies["remedy-3"]  # untouched


def test_imported_comments_show_on_their_pages(client, runner, article):
    assert import_disqus(runner).exit_code == 0
    page = client.get("/back-spasms/remedy-1/").get_data(as_text=True)
    assert "Does this work for sciatica too?" in page
    assert "please see a doctor if the pain spreads to your legs." in page
    assert "This comment was removed." in page  # the deleted parent holds the thread
    assert "relief pills" not in page
    article_page = client.get("/back-spasms/").get_data(as_text=True)
    assert "Zo\u00eb O&#39;Brien" in article_page
    assert "Same here \u2014 heat helped me too." in article_page


def test_importing_again_adds_nothing(app, runner, article):
    assert import_disqus(runner).exit_code == 0
    before = comments_by_source(app)
    again = import_disqus(runner)
    assert again.exit_code == 0, again.output
    assert "Already imported before, left as they are: 7" in again.output
    assert again.output.splitlines()[-1] == "Imported 0 comment(s)."
    after = comments_by_source(app)
    assert {k: (v.id, v.parent_id, v.status) for k, v in after.items()} == {
        k: (v.id, v.parent_id, v.status) for k, v in before.items()
    }


def test_dry_run_reports_and_writes_nothing(app, runner, article):
    result = import_disqus(runner, DISQUS, "--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Disqus site disqus:backcareblog (dry run: nothing written)"
    assert lines[1:-1] == REPORT[1:-1]
    assert lines[-1] == "Would import 7 comment(s)."
    assert comment_count(app) == 0


@pytest.mark.parametrize(
    "name",
    [
        "5410003",  # its Disqus id
        "neck-stretches",  # the identifier the site gave Disqus
        "https://backcare.example/2019/05/neck-stretches-for-desk-workers/",  # its link
    ],
)
def test_map_sends_a_thread_to_a_page(app, runner, article, name):
    result = import_disqus(runner, DISQUS, "--map", f"{name}=/back-spasms/remedy-3/")
    assert result.exit_code == 0, result.output
    assert "  /back-spasms/remedy-3/: 2 approved" in result.output
    assert "match no page" not in result.output
    assert "Imported 9 comment(s)." in result.output
    rows = comments_by_source(app)
    first, reply = rows["77000301"], rows["77000302"]
    assert (first.article_id, first.remedy_id) == page_ids(app)["/back-spasms/remedy-3/"]
    assert reply.parent_id == first.id and reply.root_id == first.id


def test_map_takes_an_identifier_with_an_equals_sign(app, runner, article):
    """The WordPress plugin's identifiers are "ID URL", and the URL has "?p=ID"."""
    result = import_disqus(
        runner, DISQUS, "--map", "12 https://backcare.example/?p=12=/back-spasms/remedy-3/"
    )
    assert result.exit_code == 0, result.output
    assert "  /back-spasms/remedy-3/: 2 approved" in result.output
    assert "  /back-spasms/: " not in result.output
    assert (rows := comments_by_source(app))["77000101"].remedy_id is not None
    assert rows["77000102"].parent_id == rows["77000101"].id


def test_a_map_that_names_no_thread_is_reported(runner, article):
    result = import_disqus(runner, DISQUS, "--dry-run", "--map", "no-such-thread=/back-spasms/")
    assert result.exit_code == 0, result.output
    assert "--map no-such-thread: no thread of the file has this name or id" in result.output


def test_a_map_to_a_path_that_is_no_page_is_refused(app, runner, article):
    result = import_disqus(runner, DISQUS, "--map", "5410003=/no/such/page/")
    assert result.exit_code != 0
    assert "no page of this site has the path /no/such/page/" in result.output
    assert comment_count(app) == 0


# Statuses Disqus writes less often -------------------------------------------------

HEAD = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">\n'
    '<thread dsq:id="1"><id/><forum>tiny</forum>'
    "<link>https://old.example/back-spasms/</link><title>Back</title></thread>\n"
)


def post(dsq_id: str, flags: str, message: str = "<p>Is this safe in pregnancy?</p>") -> str:
    return (
        f'<post dsq:id="{dsq_id}"><message><![CDATA[{message}]]></message>'
        f"<createdAt>2020-02-02T10:00:00Z</createdAt>{flags}"
        "<author><name>Reader</name><email>reader@example.com</email></author>"
        '<thread dsq:id="1"/></post>\n'
    )


def test_unapproved_posts_wait_in_the_queue_and_unknown_flags_are_skipped(
    app, runner, article, tmp_path
):
    path = tmp_path / "tiny.xml"
    path.write_text(
        HEAD
        + post("10", "<isDeleted>false</isDeleted><isApproved>false</isApproved>")
        + post("11", "<isDeleted>false</isDeleted><isSpam>maybe</isSpam>")
        + post("12", "<isDeleted>true</isDeleted><isSpam>true</isSpam>")
        + "</disqus>\n",
        encoding="utf-8",
    )
    result = import_disqus(runner, path)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Disqus site disqus:tiny",
        "  /back-spasms/: 1 pending, 1 spam",
        "Skipped, unknown status 'isSpam=maybe': 1",
        "Imported 2 comment(s).",
    ]
    assert comments_by_source(app)["10"].status is CommentStatus.PENDING


# Files that are refused, with nothing written --------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE disqus [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
<thread dsq:id="1"><forum>evil</forum><link>https://x.example/back-spasms/</link></thread>
<post dsq:id="2"><message>&lol3;</message><createdAt>2020-01-01T00:00:00Z</createdAt>
<author><name>x</name></author><thread dsq:id="1"/></post>
</disqus>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE disqus [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
<thread dsq:id="1"><forum>evil</forum><link>https://x.example/back-spasms/</link></thread>
<post dsq:id="2"><message>&secret;</message><createdAt>2020-01-01T00:00:00Z</createdAt>
<author><name>x</name></author><thread dsq:id="1"/></post>
</disqus>
"""

NOT_DISQUS = """<?xml version="1.0"?>
<comments><comment id="1">Hello</comment></comments>
"""

NO_FORUM = """<?xml version="1.0"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
<post dsq:id="2"><message>Hi there</message><createdAt>2020-01-01T00:00:00Z</createdAt>
<author><name>x</name></author><thread dsq:id="1"/></post>
</disqus>
"""


def truncated() -> bytes:
    data = DISQUS.read_bytes()
    return data[: data.index(b'<post dsq:id="77000204">') + 60]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (BILLION_LAUGHS.encode(), "declares a DTD or entities"),
        (EXTERNAL_ENTITY.encode(), "declares a DTD or entities"),
        (truncated(), "is not well-formed XML at line"),
        (WORDPRESS.read_bytes(), "is not a Disqus export: its first element is <rss>"),
        (NOT_DISQUS.encode(), "is not a Disqus export: its first element is <comments>"),
        (NO_FORUM.encode(), "does not name its Disqus forum"),
        (gzip.compress(DISQUS.read_bytes()), "is compressed (gzip): unpack it first"),
        (b"", "it ends early (truncated?)"),
    ],
    ids=[
        "billion-laughs",
        "external-entity",
        "truncated",
        "wordpress-file",
        "other-root",
        "no-forum",
        "gzipped",
        "empty",
    ],
)
def test_files_that_are_not_a_whole_disqus_export_are_refused_with_nothing_written(
    app, runner, article, add_comment, tmp_path, content, message
):
    add_comment()  # a comment already here stays the only one
    path = tmp_path / "export.xml"
    path.write_bytes(content)
    result = import_disqus(runner, path)
    assert result.exit_code == 1
    assert message in result.output
    assert "Nothing was imported." in result.output
    assert "root:" not in result.output  # the secret's content appears nowhere
    assert comment_count(app) == 1


def test_a_wordpress_file_is_pointed_at_import_wxr(runner, article):
    result = import_disqus(runner, WORDPRESS)
    assert "use `flask comments import-wxr`" in result.output


def test_a_disqus_file_given_to_import_wxr_is_pointed_at_import_disqus(app, runner, article):
    result = runner.invoke(args=["comments", "import-wxr", str(DISQUS)])
    assert result.exit_code == 1
    assert "is not a WordPress export (WXR): its first element is <disqus>" in result.output
    assert "use `flask comments import-disqus`" in result.output
    assert comment_count(app) == 0


def test_a_file_cut_inside_a_comment_is_reported_as_truncated(tmp_path):
    """The cut comes after complete threads and posts, inside a CDATA section."""
    path = tmp_path / "cut.xml"
    path.write_bytes(truncated())
    with pytest.raises(TransferError, match="ends early"):
        list(disqus.read(path))


# Bounded memory --------------------------------------------------------------------


def test_reading_takes_the_memory_of_one_post_not_of_the_file(tmp_path):
    """Each thread and post is let go once read: peak memory stays far below the
    file's size."""
    message = "<p>" + "Heat and rest helped. " * 90 + "</p>"  # about 2 kB
    path = tmp_path / "big.xml"
    with path.open("w", encoding="utf-8") as out:
        out.write(HEAD)
        for n in range(4000):
            out.write(post(str(100 + n), "<isDeleted>false</isDeleted>", message))
        out.write("</disqus>\n")
    size = path.stat().st_size
    assert size > 8_000_000
    count, peak = reading_peak(path)
    assert count == 4000
    assert peak < size / 20, f"peak {peak} bytes for a file of {size}"


# Measured in a Python of its own: tracemalloc counts the allocations of every thread of
# its process, and a thread another test left running (a mail drain) would count here.
READING_PEAK = """
import sys, tracemalloc
from pathlib import Path
from app.transfer import disqus
from app.transfer.records import SourceComment
tracemalloc.start()
count = sum(1 for r in disqus.read(Path(sys.argv[1])) if isinstance(r, SourceComment))
print(count, tracemalloc.get_traced_memory()[1])
"""


def reading_peak(path: Path) -> tuple[int, int]:
    """(comments read, peak bytes allocated) of reading the Disqus file at ``path``."""
    done = subprocess.run(
        [sys.executable, "-c", READING_PEAK, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    count, peak = done.stdout.split()
    return int(count), int(peak)
