"""Review of issue 14's import: hostile export files, run through the real commands.

Each test is a file an outsider could hand the operator (an edited WordPress export, a
Disqus export holding whatever strangers typed) and what the operator must see: the
file refused with its reason, or imported as the comment form would have it; never a
traceback, never half an import.
"""

from __future__ import annotations

from tests.test_import_disqus import HEAD, import_disqus, post


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
