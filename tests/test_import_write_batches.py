"""How `flask comments import-wxr` writes: whole threads, a statement per batch.

The importer inserts its comments in batches of plain INSERTs and reads their ids back
by source id (``app.transfer.importer._flush``), then links the replies.  These check
that threads come out whole whatever the order of the file, and that a large file costs
a few statements, not one per comment (what made 100,000 comments slow).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event, select

from app.extensions import db
from app.models import Comment, CommentStatus

FIXTURE = Path(__file__).parent / "fixtures" / "transfer" / "wordpress.xml"


def import_file(app, runner, path: Path) -> str:
    with app.app_context():
        result = runner.invoke(args=["comments", "import-wxr", str(path)])
    assert result.exit_code == 0, result.output
    return result.output


def by_source_id() -> dict[str, Comment]:
    """The imported comments by their id in the file (call in an app context)."""
    comments = db.session.scalars(select(Comment).where(Comment.source_id.is_not(None)))
    return {comment.source_id: comment for comment in comments}


def wxr(comments: int) -> str:
    """A WordPress export of one post, /back-spasms/, where each even-numbered comment
    answers the next one, listed after it."""
    items = []
    for n in range(1, comments + 1):
        parent = n + 1 if n % 2 == 0 and n < comments else 0
        items.append(
            "<wp:comment>"
            f"<wp:comment_id>{n}</wp:comment_id>"
            f"<wp:comment_author><![CDATA[Reader {n}]]></wp:comment_author>"
            f"<wp:comment_author_email>reader{n % 300}@example.com</wp:comment_author_email>"
            f"<wp:comment_author_IP>198.51.100.{n % 250}</wp:comment_author_IP>"
            "<wp:comment_date_gmt>2024-01-02 03:04:05</wp:comment_date_gmt>"
            f"<wp:comment_content><![CDATA[<p>Heat helped, day {n}.</p>]]></wp:comment_content>"
            f"<wp:comment_approved>{'0' if n % 7 == 0 else '1'}</wp:comment_approved>"
            f"<wp:comment_parent>{parent}</wp:comment_parent>"
            "</wp:comment>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel>'
        "<wp:wxr_version>1.2</wp:wxr_version>"
        "<wp:base_site_url>https://old-blog.example</wp:base_site_url>"
        "<item><title>Back spasms</title><link>https://old-blog.example/back-spasms/</link>"
        "<wp:post_id>7</wp:post_id><wp:post_name>back-spasms</wp:post_name>"
        + "".join(items)
        + "</item></channel></rss>"
    )


def test_replies_listed_before_their_parents_join_their_threads(app, runner, article):
    output = import_file(app, runner, FIXTURE)

    assert "Imported 7 comment(s)." in output
    with app.app_context():
        found = by_source_id()
        ann, bea, sam = found["101"], found["102"], found["103"]
        assert (ann.parent_id, ann.root_id) == (None, None)
        assert (bea.parent_id, bea.root_id) == (ann.id, ann.id)
        assert (sam.parent_id, sam.root_id) == (bea.id, ann.id)
        assert found["104"].status is CommentStatus.PENDING
        assert found["104"].red_flags == "numbness"
        assert found["101"].red_flags == ""
        assert found["106"].status_before_trash is CommentStatus.APPROVED


def test_a_large_file_is_written_a_batch_per_statement(app, runner, article, tmp_path):
    path = tmp_path / "export.xml"
    path.write_text(wxr(2_500), encoding="utf-8")
    inserts: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO COMMENTS"):
            inserts.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    try:
        output = import_file(app, runner, path)
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", count)

    assert "Imported 2500 comment(s)." in output
    assert len(inserts) <= 5  # three batches of at most 1,000, not 2,500 statements
    with app.app_context():
        found = by_source_id()
        assert len(found) == 2_500
        assert sum(c.parent_id is not None for c in found.values()) == 1_249
        for n in range(2, 2_500, 2):
            reply, parent = found[str(n)], found[str(n + 1)]
            assert (reply.parent_id, reply.root_id) == (parent.id, parent.id)
        assert found["14"].status is CommentStatus.PENDING
        assert found["13"].author_email == "reader13@example.com"


def test_importing_again_adds_nothing(app, runner, article, tmp_path):
    path = tmp_path / "export.xml"
    path.write_text(wxr(1_200), encoding="utf-8")
    import_file(app, runner, path)
    with app.app_context():
        first = {source_id: comment.id for source_id, comment in by_source_id().items()}

    output = import_file(app, runner, path)

    assert "Imported 0 comment(s)." in output
    assert "Already imported before, left as they are: 1200" in output
    with app.app_context():
        assert {source_id: c.id for source_id, c in by_source_id().items()} == first
