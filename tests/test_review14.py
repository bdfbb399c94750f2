"""Review of issue 14's import: hostile export files, run through the real commands.

Each test is a file an outsider could hand the operator (an edited WordPress export, a
Disqus export holding whatever strangers typed) and what the operator must see: the
file refused with its reason, or imported as the comment form would have it; never a
traceback, never half an import.
"""

from __future__ import annotations

import sqlite3
import time
import tracemalloc
from pathlib import Path

import pytest

from app.transfer import wxr
from app.transfer.importer import import_comments
from app.transfer.records import TransferError
from tests.conftest import app_on_fresh_database
from tests.test_import_disqus import HEAD, import_disqus, post
from tests.test_import_wxr import comment_count, page_state, run_import, wp_comment, wxr_file


def test_a_disqus_date_beyond_the_calendar_is_unreadable_not_a_crash(
    app, article, runner, tmp_path
):
    """Year 1 an hour east of UTC is year 0 in UTC, which Python cannot hold."""
    path = tmp_path / "dates.xml"
    path.write_text(
        HEAD
        + post("10", "").replace("2020-02-02T10:00:00Z", "0001-01-01T00:00:00+01:00")
        + post("11", "").replace("2020-02-02T10:00:00Z", "9999-12-31T23:59:59-01:00")
        + post("12", "")
        + "</disqus>\n",
        encoding="utf-8",
    )
    result = import_disqus(runner, path)
    assert result.exit_code == 0, result.output
    assert "Skipped, no readable date: 2" in result.output
    assert "Imported 1 comment(s)." in result.output


def test_an_encoding_the_reader_cannot_decode_is_refused_with_the_reason(
    app, article, runner, tmp_path
):
    state = page_state(app)
    for encoding in ("UTF-7", "shift_jis", "x-made-up"):
        path = wxr_file(tmp_path, wp_comment(1))
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace('encoding="UTF-8"', f'encoding="{encoding}"'), "utf-8")
        for command in (run_import, import_disqus):
            result = command(runner, path)
            assert result.exit_code == 1, result.output
            assert "declares an encoding that cannot be read" in result.output
            assert "Nothing was imported." in result.output
    assert comment_count(app) == 0
    assert page_state(app) == state


def test_a_site_address_longer_than_the_database_keeps_is_refused(app, article, runner, tmp_path):
    """source_site is VARCHAR(200): PostgreSQL would refuse the rows mid-import."""
    site = "https://old.example/" + "blog/" * 40
    result = run_import(runner, wxr_file(tmp_path, wp_comment(1), site=site))
    assert result.exit_code == 1, result.output
    assert "its site address (<wp:base_site_url>) is longer than 200 characters" in result.output
    assert "Nothing was imported." in result.output
    assert comment_count(app) == 0


def test_a_second_import_of_the_same_file_at_the_same_time_stops_cleanly(
    app, article, runner, tmp_path
):
    """Two operators (or a retried cron job) import one file at once: the second planned
    before the first wrote.  The unique index stops its duplicates; it must say so, not
    crash, and write nothing."""
    path = wxr_file(tmp_path, wp_comment(1) + wp_comment(2, parent=1))
    readings = 0

    def read():
        nonlocal readings
        readings += 1
        if readings == 2:  # between this import's plan and its write, the other one runs
            with app.app_context():
                assert "Imported 2 comment(s)." in run_import(runner, path).output
        return wxr.read(path)

    with (
        app.test_request_context(),
        pytest.raises(TransferError, match="imported the same comments meanwhile"),
    ):
        import_comments(read)
    assert comment_count(app) == 2
    again = run_import(runner, path)
    assert "Already imported before, left as they are: 2" in again.output


def test_an_import_that_waits_too_long_for_the_sqlite_lock_stops_cleanly(tmp_path):
    """On SQLite a second import waits for the first's write lock only so long."""
    url = f"sqlite:///{tmp_path / 'locked.sqlite3'}"
    with app_on_fresh_database(
        SQLALCHEMY_DATABASE_URI=url, SQLITE_BUSY_TIMEOUT_MS=100, with_article=True
    ) as app:
        path = wxr_file(tmp_path, wp_comment(1))
        other = sqlite3.connect(tmp_path / "locked.sqlite3")
        other.execute("BEGIN IMMEDIATE")  # the first import, still writing
        try:
            result = app.test_cli_runner().invoke(args=["comments", "import-wxr", str(path)])
        finally:
            other.rollback()
            other.close()
        assert result.exit_code == 1, result.output
        assert "stayed busy with another write (another import?)" in result.output
        assert "Nothing was imported." in result.output
        assert comment_count(app) == 0


@pytest.mark.parametrize(
    "html",
    [
        "<a " * 20_000,  # start tags that never close: 47 s before
        "<!--" * 20_000,
        "<![CDATA[x>" * 40_000,
        " " * 100_000 + "x",  # a run of spaces: the trailing-space pattern backtracked
    ],
    ids=["unclosed-tags", "unclosed-comments", "cdata-sections", "spaces"],
)
def test_a_comment_made_to_stall_the_html_parser_is_imported_at_once(
    app, article, runner, tmp_path, html
):
    path = tmp_path / "stall.xml"
    path.write_text(HEAD + post("10", "", html) + "</disqus>\n", encoding="utf-8")
    started = time.monotonic()
    result = import_disqus(runner, path)
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 5


def flood(tmp_path, head: str, opening: str, closing: str, count: int = 300_000) -> Path:
    """A file whose ``count`` empty elements sit between ``opening`` and ``closing``."""
    path = tmp_path / "flood.xml"
    with path.open("w", encoding="utf-8") as out:
        out.write(head + opening)
        for _ in range(count // 1000):
            out.write("<x/>" * 1000)
        out.write(closing)
    return path


WXR_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel>'
    "<wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://x.example</wp:base_site_url>"
)


@pytest.mark.parametrize(
    ("reader", "head", "opening", "closing"),
    [
        ("import-wxr", WXR_HEAD, "</channel>", "</rss>"),  # after the channel
        ("import-wxr", WXR_HEAD, "<item>", "</item></channel></rss>"),
        ("import-wxr", WXR_HEAD, "<item><wp:comment>", "</wp:comment></item></channel></rss>"),
        ("import-wxr", WXR_HEAD, "<item>" + "<x>" * 5, "</x>" * 5 + "</item></channel></rss>"),
        ("import-disqus", HEAD, '<post dsq:id="9">', "</post></disqus>"),
        ("import-disqus", HEAD, "<post><message>", "</message></post></disqus>"),
    ],
    ids=["wxr-outside", "wxr-item", "wxr-comment", "wxr-deep", "disqus-post", "disqus-message"],
)
def test_millions_of_elements_the_reader_keeps_are_refused_not_read_into_memory(
    app, article, runner, tmp_path, reader, head, opening, closing
):
    """300,000 empty elements (1.2 MB) used to take some 30 MB, and so on: a 1 GB file
    of them would need tens of GB."""
    path = flood(tmp_path, head, opening, closing)
    tracemalloc.start()
    try:
        result = runner.invoke(args=["comments", reader, str(path), "--dry-run"])
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.exit_code == 1, result.output
    assert "more than 100,000 elements" in result.output
    assert peak < 20_000_000, f"peak {peak} bytes"


def test_an_item_inside_an_item_is_refused_not_imported_onto_the_wrong_page(
    app, article, runner, tmp_path
):
    """Both items were numbered by the last one started: the outer post's comments
    went to the inner post's page and the inner's to the outer's."""
    inner = "<item><wp:post_name>remedy-2</wp:post_name>" + wp_comment(5) + "</item>"
    path = wxr_file(tmp_path, wp_comment(1) + inner + wp_comment(2))
    result = run_import(runner, path)
    assert result.exit_code == 1, result.output
    assert "an <item> inside another" in result.output
    assert comment_count(app) == 0
