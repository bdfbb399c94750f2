"""`flask comments export-wxr`: a WordPress export (WXR 1.2) of every page and comment,
read back with defusedxml, and imported into a second Relief by `import-wxr`."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from defusedxml import ElementTree
from sqlalchemy import select, text, update

from app import crypto
from app.comments.privacy import anonymise_ip
from app.comments.services import remove_for_good
from app.content.loading import upsert_article
from app.db import write_transaction
from app.extensions import db
from app.models import Article, Comment, Commenting, CommentStatus, Remedy, utcnow
from app.transfer import wxr
from app.transfer.export import cdata
from app.transfer.export import text as xml_text
from app.transfer.records import SourceComment
from tests.conftest import app_on_fresh_database, make_article

WP = "http://wordpress.org/export/1.2/"
NS = {
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "wp": WP,
}
WARNING = "This file holds commenters' email addresses in clear text"
PAGE_FIELDS = (
    "title", "link", "pubDate", "dc:creator", "guid", "description", "content:encoded",
    "excerpt:encoded", "wp:post_id", "wp:post_date", "wp:post_date_gmt", "wp:comment_status",
    "wp:ping_status", "wp:post_name", "wp:status", "wp:post_parent", "wp:menu_order",
    "wp:post_type", "wp:post_password", "wp:is_sticky",
)  # fmt: skip
COMMENT_FIELDS = (
    "comment_id", "comment_author", "comment_author_email", "comment_author_url",
    "comment_author_IP", "comment_date", "comment_date_gmt", "comment_content",
    "comment_approved", "comment_type", "comment_parent", "comment_user_id",
)  # fmt: skip


def export(app, path: Path, *options: str):
    return app.test_cli_runner().invoke(args=["comments", "export-wxr", str(path), *options])


def field(element, name: str) -> str | None:
    found = element.find(name, NS)
    return None if found is None else (found.text or "")


def items(path: Path) -> dict[str, object]:
    """The file's items by wp:post_name (slugs are unique in the test article)."""
    channel = ElementTree.parse(path).getroot().find("channel")
    return {field(item, "wp:post_name"): item for item in channel.findall("item")}


def comments_of(item) -> dict[str, dict[str, str]]:
    """An item's comments as {author: {field: value}}, with meta under "meta"."""
    found = {}
    for element in item.findall("wp:comment", NS):
        values = {name: field(element, f"wp:{name}") for name in COMMENT_FIELDS}
        values["meta"] = {
            field(meta, "wp:meta_key"): field(meta, "wp:meta_value")
            for meta in element.findall("wp:commentmeta", NS)
        }
        found[values["comment_author"]] = values
    return found


def set_columns(app, comment_id: int, **values) -> None:
    with app.app_context(), write_transaction():
        db.session.execute(update(Comment).where(Comment.id == comment_id).values(**values))


def set_commenting(app, remedy_slug: str, commenting: Commenting) -> None:
    with app.app_context(), write_transaction():
        db.session.execute(
            update(Remedy).where(Remedy.slug == remedy_slug).values(commenting=commenting)
        )


# --- The file ---


def test_file_declares_wordpress_namespaces_and_the_channel(app, article, tmp_path):
    path = tmp_path / "site.xml"
    result = export(app, path)
    assert result.exit_code == 0, result.output

    raw = path.read_text(encoding="utf-8")
    assert raw.startswith('<?xml version="1.0" encoding="UTF-8" ?>\n')
    for prefix, uri in NS.items():
        assert f'xmlns:{prefix}="{uri}"' in raw
    root = ElementTree.parse(path).getroot()
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert field(channel, "title") == "Relief"
    assert field(channel, "link") == "http://localhost"
    assert field(channel, "description")
    assert field(channel, "pubDate").endswith(" +0000")
    assert field(channel, "language") == "en-GB"
    assert field(channel, "wp:wxr_version") == "1.2"
    assert field(channel, "wp:base_site_url") == "http://localhost"
    assert field(channel, "wp:base_blog_url") == "http://localhost"
    assert field(channel, "generator") == "Relief"
    assert '<!-- generator="Relief" created="' in raw


def test_each_article_and_remedy_is_a_page_item_with_every_field(app, article, tmp_path):
    set_commenting(app, "remedy-2", Commenting.CLOSED)
    path = tmp_path / "site.xml"
    assert export(app, path).exit_code == 0

    pages = items(path)
    assert list(pages) == ["back-spasms", "remedy-1", "remedy-2", "remedy-3"]
    for item in pages.values():
        missing = [name for name in PAGE_FIELDS if field(item, name) is None]
        assert not missing, missing
        assert field(item, "wp:post_type") == "page"
        assert field(item, "wp:status") == "publish"
        assert field(item, "wp:ping_status") == "closed"
        assert field(item, "wp:is_sticky") == "0"
        assert item.find("guid").get("isPermaLink") == "false"
    top, first, second = pages["back-spasms"], pages["remedy-1"], pages["remedy-2"]
    assert [field(i, "wp:post_id") for i in pages.values()] == ["1", "2", "3", "4"]
    assert field(top, "title") == "Easing back spasms"
    assert field(top, "link") == "http://localhost/back-spasms/"
    assert field(first, "link") == "http://localhost/back-spasms/remedy-1/"
    assert field(top, "wp:post_parent") == "0"
    assert field(first, "wp:post_parent") == "1" and field(second, "wp:post_parent") == "1"
    assert (field(top, "wp:menu_order"), field(second, "wp:menu_order")) == ("0", "2")
    assert field(top, "content:encoded") == "<p>Summary of Easing back spasms.</p>"
    assert field(top, "wp:post_date") == "2026-01-02 00:00:00"
    assert field(top, "pubDate") == "Fri, 02 Jan 2026 00:00:00 +0000"
    assert field(first, "wp:comment_status") == "open"
    assert field(second, "wp:comment_status") == "closed"


def test_an_unpublished_article_and_its_remedies_are_drafts(app, article, tmp_path):
    with app.app_context(), write_transaction():
        db.session.execute(update(Article).values(published=False))
    path = tmp_path / "site.xml"
    assert export(app, path).exit_code == 0

    assert {field(item, "wp:status") for item in items(path).values()} == {"draft"}


def test_every_comment_field_is_written_with_the_email_decrypted(
    app, article, add_comment, tmp_path
):
    comment_id = add_comment(
        remedy_slug="remedy-1",
        name="Ada Reader",
        email="ada@example.com",
        website="https://ada.example.com/?a=1&b=2",
        body="Heat helped.",
    )
    set_columns(app, comment_id, ip="203.0.113.9")
    with app.app_context():  # stored encrypted: the file is where it becomes readable
        stored = db.session.scalar(
            text(f"SELECT author_email FROM comments WHERE id = {comment_id}")
        )
    assert "ada@example.com" not in stored
    path = tmp_path / "site.xml"

    result = export(app, path)

    assert result.exit_code == 0, result.output
    assert WARNING in result.output
    assert "keep it private, delete it when done" in result.output
    assert f"Wrote {path}: 4 page(s), 1 comment(s)" in result.output
    written = comments_of(items(path)["remedy-1"])["Ada Reader"]
    assert written == {
        "comment_id": str(comment_id),
        "comment_author": "Ada Reader",
        "comment_author_email": "ada@example.com",
        "comment_author_url": "https://ada.example.com/?a=1&b=2",
        "comment_author_IP": "203.0.113.9",
        "comment_date": "2026-01-01 00:01:00",
        "comment_date_gmt": "2026-01-01 00:01:00",
        "comment_content": "Heat helped.",
        "comment_approved": "1",
        "comment_type": "comment",
        "comment_parent": "0",
        "comment_user_id": "0",
        "meta": {},
    }
    assert comments_of(items(path)["back-spasms"]) == {}


def test_an_anonymised_ip_is_written_as_wordpress_leaves_one(app, article, add_comment, tmp_path):
    four = add_comment(name="Four")
    six = add_comment(name="Six")
    unknown = add_comment(name="Unknown")
    set_columns(app, four, ip=anonymise_ip("203.0.113.9"))
    set_columns(app, six, ip=anonymise_ip("2001:db8:1:2::7"))
    set_columns(app, unknown, ip=anonymise_ip("not an address"))
    path = tmp_path / "site.xml"
    assert export(app, path).exit_code == 0

    written = comments_of(items(path)["back-spasms"])
    assert written["Four"]["comment_author_IP"] == "203.0.113.0"
    assert written["Six"]["comment_author_IP"] == "2001:db8:1::"
    assert written["Unknown"]["comment_author_IP"] == ""


# --- Statuses ---


def four_statuses(app, add_comment) -> dict[str, int]:
    ids = {status.value: add_comment(name=status.value, status=status) for status in CommentStatus}
    set_columns(app, ids["trash"], status_before_trash=CommentStatus.APPROVED)
    return ids


def test_statuses_map_to_wordpress_values_and_spam_is_left_out(app, article, add_comment, tmp_path):
    four_statuses(app, add_comment)
    held_then_trashed = add_comment(name="held trash", status=CommentStatus.TRASH)
    set_columns(app, held_then_trashed, status_before_trash=CommentStatus.PENDING)
    path = tmp_path / "site.xml"

    result = export(app, path)

    assert result.exit_code == 0, result.output
    assert "4 comment(s) (1 approved, 1 pending, 2 trash)" in result.output
    written = comments_of(items(path)["back-spasms"])
    assert {name: c["comment_approved"] for name, c in written.items()} == {
        "approved": "1",
        "pending": "0",
        "trash": "trash",
        "held trash": "trash",
    }
    assert written["trash"]["meta"] == {"_wp_trash_meta_status": "1"}
    assert written["held trash"]["meta"] == {"_wp_trash_meta_status": "0"}
    assert written["approved"]["meta"] == {}


def test_status_option_chooses_what_is_exported(app, article, add_comment, tmp_path):
    four_statuses(app, add_comment)
    path = tmp_path / "site.xml"

    result = export(app, path, "--status", "spam, approved")

    assert result.exit_code == 0, result.output
    assert "2 comment(s) (1 spam, 1 approved)" in result.output
    written = comments_of(items(path)["back-spasms"])
    assert {name: c["comment_approved"] for name, c in written.items()} == {
        "approved": "1",
        "spam": "spam",
    }


@pytest.mark.parametrize("value", ["approved,deleted", "", "APPROVED;pending"])
def test_an_unknown_status_is_refused_and_nothing_is_written(app, article, tmp_path, value):
    path = tmp_path / "site.xml"

    result = export(app, path, "--status", value)

    assert result.exit_code == 2
    assert "is not a status; choose from pending, approved, spam, trash" in result.output
    assert not path.exists()


# --- Threads ---


def test_replies_point_at_their_parents_id(app, article, add_comment, tmp_path):
    top = add_comment(name="Top")
    reply = add_comment(name="Reply", parent=top)
    add_comment(name="Deeper", parent=reply)
    path = tmp_path / "site.xml"
    assert export(app, path).exit_code == 0

    written = comments_of(items(path)["back-spasms"])
    assert written["Top"]["comment_parent"] == "0"
    assert written["Reply"]["comment_parent"] == str(top)
    assert written["Deeper"]["comment_parent"] == str(reply)


def test_a_reply_whose_parent_is_left_out_becomes_top_level(app, article, add_comment, tmp_path):
    top = add_comment(name="Top")
    add_comment(name="Reply", parent=top)
    set_columns(app, top, status=CommentStatus.SPAM)  # marked as spam after the reply
    path = tmp_path / "site.xml"
    assert export(app, path).exit_code == 0

    written = comments_of(items(path)["back-spasms"])
    assert list(written) == ["Reply"]
    assert written["Reply"]["comment_parent"] == "0"


def test_a_tombstone_is_left_out_and_its_replies_go_to_its_parent(
    app, article, add_comment, tmp_path
):
    top = add_comment(name="Top")
    removed = add_comment(name="Removed", parent=top)
    removed_too = add_comment(name="Removed too", parent=removed)
    gone_at_the_top = add_comment(name="Gone at the top")
    spam = add_comment(name="Spam", status=CommentStatus.SPAM)
    under_spam = add_comment(name="Removed under spam", parent=spam)
    for parent in (removed_too, gone_at_the_top, under_spam):
        add_comment(name=f"Reply to {parent}", parent=parent)
    with app.app_context(), write_transaction():
        for comment_id in (removed, removed_too, gone_at_the_top, under_spam):
            remove_for_good(db.session.get(Comment, comment_id), utcnow())
    path = tmp_path / "site.xml"

    result = export(app, path)

    assert result.exit_code == 0, result.output
    written = comments_of(items(path)["back-spasms"])
    assert set(written) == {"Top"} | {
        f"Reply to {p}" for p in (removed_too, gone_at_the_top, under_spam)
    }
    assert "" not in written  # no scrubbed, nameless comment
    assert written[f"Reply to {removed_too}"]["comment_parent"] == str(top)  # 2 tombstones up
    assert written[f"Reply to {gone_at_the_top}"]["comment_parent"] == "0"
    assert written[f"Reply to {under_spam}"]["comment_parent"] == "0"  # spam is left out


# --- Dates and text ---


def test_dates_are_local_to_the_timezone_and_gmt(app, article, add_comment, tmp_path):
    winter = add_comment(name="Winter")
    summer = add_comment(name="Summer")
    set_columns(app, winter, created_at=datetime(2026, 1, 15, 12, 30, 5, 999, tzinfo=UTC))
    set_columns(app, summer, created_at=datetime(2026, 7, 1, 0, 30, tzinfo=UTC))
    path = tmp_path / "site.xml"

    result = export(app, path, "--timezone", "America/New_York")

    assert result.exit_code == 0, result.output
    written = comments_of(items(path)["back-spasms"])
    assert written["Winter"]["comment_date"] == "2026-01-15 07:30:05"
    assert written["Winter"]["comment_date_gmt"] == "2026-01-15 12:30:05"
    assert written["Summer"]["comment_date"] == "2026-06-30 20:30:00"
    assert written["Summer"]["comment_date_gmt"] == "2026-07-01 00:30:00"
    page = items(path)["back-spasms"]
    assert field(page, "wp:post_date") == "2026-01-02 00:00:00"
    assert field(page, "wp:post_date_gmt") == "2026-01-02 05:00:00"


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "../../etc/passwd", ""])
def test_an_unknown_timezone_is_refused(app, article, tmp_path, zone):
    path = tmp_path / "site.xml"

    result = export(app, path, "--timezone", zone)

    assert result.exit_code == 2
    assert "is not a time zone name" in result.output
    assert not path.exists()


def test_text_stays_literal_and_xml_stays_well_formed(app, article, add_comment, tmp_path):
    add_comment(
        name="Tom ]]> & <Jerry>",
        # (PostgreSQL refuses NUL in text: the pure test below has it.)
        body="a <b> & c\nsecond line ]]> end\n\nNew paragraph\x01\x0b\x1f\ufffe done",
    )
    path = tmp_path / "site.xml"
    assert export(app, path).exit_code == 0

    raw = path.read_bytes()
    assert not any(byte in raw for byte in (b"\x01", b"\x0b", b"\x1f", "\ufffe".encode()))
    written = comments_of(items(path)["back-spasms"])
    # Names are HTML in WordPress too ("<Jerry>" raw would be stripped there as a tag).
    assert list(written) == ["Tom ]]&gt; &amp; &lt;Jerry&gt;"]
    assert written["Tom ]]&gt; &amp; &lt;Jerry&gt;"]["comment_content"] == (
        "a &lt;b&gt; &amp; c\nsecond line ]]&gt; end\n\nNew paragraph done"
    )


@pytest.mark.parametrize(
    "value",
    ["plain", "]]>", "a]]>b]]>", "]]]]>", "x]]", "<![CDATA[", "nul\x00 bell\x07 \ud800 end"],
)
def test_cdata_sections_read_back_as_the_text(value):
    parsed = ElementTree.fromstring(f"<d><r>{cdata(value)}</r><t>{xml_text(value)}</t></d>")
    expected = "".join(char for char in value if char not in "\x00\x07\ud800")

    assert parsed.find("r").text == expected
    assert parsed.find("t").text == expected


# --- The file on disk ---


def test_the_file_is_owner_only_even_when_it_existed_open_to_all(
    app, article, add_comment, tmp_path
):
    add_comment(email="private@example.com")
    path = tmp_path / "site.xml"
    path.write_text("an older export")
    path.chmod(0o644)

    result = export(app, path)

    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "private@example.com" in path.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_symlink_at_path_is_replaced_not_followed(app, article, add_comment, tmp_path):
    add_comment(email="private@example.com")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = elsewhere / "notes.txt"
    target.write_text("someone else's file")
    target.chmod(0o644)
    path = tmp_path / "site.xml"
    path.symlink_to(target)

    result = export(app, path)

    assert result.exit_code == 0, result.output
    assert target.read_text() == "someone else's file"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert not path.is_symlink()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "private@example.com" in path.read_text(encoding="utf-8")


def test_a_missing_folder_is_refused(app, article, tmp_path):
    path = tmp_path / "no-such-folder" / "site.xml"

    result = export(app, path)

    assert result.exit_code == 1
    assert f"The folder {path.parent} does not exist" in result.output
    assert "Nothing was written" in result.output
    assert not path.parent.exists()


def test_a_failed_export_leaves_the_old_file_and_no_temporary_file(
    app, article, add_comment, tmp_path
):
    add_comment()
    path = tmp_path / "site.xml"
    path.write_text("the previous export")
    # The key the emails were stored with is gone (removed before `flask keys rotate`).
    app.extensions[crypto.EXTENSION_KEY] = crypto.EmailCipher([Fernet.generate_key()])

    result = export(app, path)

    assert result.exit_code == 1
    assert "cannot be decrypted" in result.output
    assert path.read_text() == "the previous export"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


# --- The round trip: export here, import into a second, fresh Relief ---


def snapshot(app) -> tuple[dict[str, list[tuple]], dict[str, int]]:
    """Per page path, each comment as a reader or moderator sees it, with its parent
    named by author and text (ids differ between the two sites); and each page's count
    of approved comments."""
    with app.app_context():
        articles = {a.id: a for a in db.session.scalars(select(Article))}
        remedies = {r.id: r for r in db.session.scalars(select(Remedy))}
        rows = db.session.scalars(
            select(Comment).where(Comment.deleted_at.is_(None)).order_by(Comment.created_at)
        ).all()
        by_id = {row.id: row for row in rows}
        pages: dict[str, list[tuple]] = {}
        for row in rows:
            path = f"/{articles[row.article_id].slug}/" + (
                f"{remedies[row.remedy_id].slug}/" if row.remedy_id else ""
            )
            parent = by_id.get(row.parent_id)
            pages.setdefault(path, []).append(
                (
                    row.author_name,
                    row.author_email,
                    row.author_website,
                    row.ip,
                    row.created_at.replace(microsecond=0),
                    row.status,
                    row.status_before_trash,
                    row.body,
                    (parent.author_name, parent.body) if parent else None,
                )
            )
        counts = {f"/{a.slug}/": a.comment_count for a in articles.values()} | {
            f"/{articles[r.article_id].slug}/{r.slug}/": r.comment_count for r in remedies.values()
        }
    return pages, counts


def test_round_trip_through_wxr_into_a_fresh_site_keeps_every_comment(
    app, article, add_comment, moderator, tmp_path
):
    from app.moderation.services import reply as site_reply

    now = utcnow().replace(microsecond=0)
    ago = iter(timedelta(hours=h) for h in range(48, 0, -1))

    def made(comment_id: int, ip: str | None = "198.51.100.7", when=None) -> int:
        set_columns(app, comment_id, ip=ip, created_at=when or now - next(ago))
        return comment_id

    question = made(
        add_comment(
            name="Zoë Ünicode-Ärztin 山田",
            email="zoe@example.com",
            website="https://zoe.example.com/blog",
            body=(
                "My spasms come at night.\nHeat helps a little.\n\n"
                "I read https://www.nhs.uk/conditions/back-pain/?tab=1&x=2 - is that right?"
            ),
        ),
        ip="2001:db8::7",
    )
    answer = made(add_comment(name="Bea & Co <3", email="bea@example.net", parent=question))
    with app.app_context():
        team_reply = site_reply(answer, moderator.record, "Thanks: see a GP if it lasts.")
    made(team_reply.id, ip=None)
    made(add_comment(name="Cy", parent=team_reply.id, body="Will do <b>now</b> & ]]>"))
    on_remedy = {"remedy_slug": "remedy-1"}
    made(add_comment(name="Dee", status=CommentStatus.PENDING, body="Ice?", **on_remedy))
    made(add_comment(name="Spam", status=CommentStatus.SPAM, website="https://s.example"))
    on_remedy = {"remedy_slug": "remedy-2"}
    trashed = made(add_comment(name="Tess", status=CommentStatus.TRASH, **on_remedy))
    set_columns(app, trashed, status_before_trash=CommentStatus.APPROVED)
    last_year = now - timedelta(days=400)
    made(add_comment(name="Old", **on_remedy), ip="203.0.113.9", when=last_year)
    purged = anonymise_ip("2001:db8:5:6::1")  # `flask comments purge-ips` ran here
    made(add_comment(name="Older", **on_remedy), ip=purged, when=last_year - timedelta(days=1))
    path = tmp_path / "exported.xml"

    result = export(
        app, path, "--status", "approved,pending,spam,trash", "--timezone", "Europe/Berlin"
    )

    assert result.exit_code == 0, result.output
    assert "9 comment(s) (6 approved, 1 pending, 1 spam, 1 trash)" in result.output
    before, counts_before = snapshot(app)
    second_db = f"sqlite:///{tmp_path / 'second.sqlite3'}"
    with app_on_fresh_database(
        SQLALCHEMY_DATABASE_URI=second_db, SITE_URL="https://new.example"
    ) as second:
        with second.app_context():
            upsert_article(make_article())
        imported = second.test_cli_runner().invoke(args=["comments", "import-wxr", str(path)])
        assert imported.exit_code == 0, imported.output
        assert "Imported 9 comment(s)." in imported.output
        after, counts_after = snapshot(second)
        again = second.test_cli_runner().invoke(args=["comments", "import-wxr", str(path)])
        assert "Already imported before, left as they are: 9" in again.output

    def aged(comment: tuple) -> bool:
        return comment[4] < now - timedelta(days=30)

    expected = {
        page: [
            # The importer anonymises the IP of a comment older than IP_RETENTION_DAYS.
            (*c[:3], anonymise_ip(c[3]) if aged(c) and "/" not in c[3] else c[3], *c[4:])
            for c in comments
        ]
        for page, comments in before.items()
    }
    assert after == expected
    assert set(after) == {"/back-spasms/", "/back-spasms/remedy-1/", "/back-spasms/remedy-2/"}
    names = [c[0] for c in after["/back-spasms/"]]
    assert names == ["Zoë Ünicode-Ärztin 山田", "Bea & Co <3", "Relief team", "Cy", "Spam"]
    assert counts_after == counts_before
    assert counts_after == {
        "/back-spasms/": 4,
        "/back-spasms/remedy-1/": 0,
        "/back-spasms/remedy-2/": 2,
        "/back-spasms/remedy-3/": 0,
    }


def test_the_wxr_reader_decodes_names_as_wordpress_stores_them(tmp_path):
    """WordPress keeps a commenter's name HTML-escaped (its `_wp_specialchars` filter):
    "Sam & Co <3" is "Sam &amp; Co &lt;3" in its export, and must not show so here."""
    fixture = Path(__file__).parent / "fixtures" / "transfer" / "wordpress.xml"
    path = tmp_path / "wordpress.xml"
    path.write_text(
        fixture.read_text(encoding="utf-8").replace("Sam Reply", "Sam &amp; Co &lt;3 &amp;amp;"),
        encoding="utf-8",
    )

    names = [r.author_name for r in wxr.read(path) if isinstance(r, SourceComment)]

    assert names[0] == "Sam & Co <3 &amp;"
    assert "Bea Answer" in names
