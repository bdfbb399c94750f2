"""Loading articles into the database: idempotence, updates in place, the CLI."""

from __future__ import annotations

import shutil

from sqlalchemy import func, select

from app.content.importer import ParsedRemedy
from app.content.loading import upsert_article
from app.extensions import db
from app.models import Article, Remedy
from tests.conftest import ROOT, SEED_FILE, make_article


def snapshot() -> list[tuple]:
    """Every content row as plain tuples, ids included."""
    rows = []
    for model in (Article, Remedy):
        columns = [c for c in model.__table__.columns if c.name not in {"modified_at"}]
        rows.append(sorted(tuple(r) for r in db.session.execute(select(*columns))))
    return rows


def test_loading_twice_gives_the_same_rows(app):
    with app.app_context():
        upsert_article(make_article())
        first = snapshot()
        upsert_article(make_article())
        assert snapshot() == first
        assert db.session.scalar(select(func.count()).select_from(Remedy)) == 3


def test_edits_update_rows_in_place(app):
    with app.app_context():
        upsert_article(make_article())
        ids = dict(db.session.execute(select(Remedy.slug, Remedy.id)).all())

        edited = make_article(title="Easing back spasms, revised")
        edited.remedies[0].title = "Rest, revised"
        edited.remedies[0].slug = "rest-revised"  # a new address at the same position
        edited.remedies[1].body = ["New body."]
        result = upsert_article(edited)

        assert not result.created
        article = db.session.scalar(select(Article))
        assert article.title == "Easing back spasms, revised"
        by_position = {r.position: r for r in article.remedies}
        assert by_position[1].id == ids["remedy-1"]
        assert by_position[1].slug == "rest-revised"
        assert by_position[2].id == ids["remedy-2"]
        assert by_position[2].text.startswith("New body.\n\n- **Cat-cow:** ")


def test_reordered_remedies_keep_their_rows(app):
    with app.app_context():
        upsert_article(make_article())
        ids = dict(db.session.execute(select(Remedy.slug, Remedy.id)).all())
        reordered = make_article()
        first, second, third = reordered.remedies
        reordered.remedies = [
            ParsedRemedy(1, third.title, third.slug, third.body),
            ParsedRemedy(2, first.title, first.slug, first.body),
            ParsedRemedy(3, second.title, second.slug, second.body, second.items),
        ]
        upsert_article(reordered)
        now = dict(db.session.execute(select(Remedy.slug, Remedy.id)).all())
        assert now == ids
        order = db.session.scalars(select(Remedy.slug).order_by(Remedy.position)).all()
        assert order == ["remedy-3", "remedy-1", "remedy-2"]


def test_removed_remedies_are_removed(app):
    with app.app_context():
        upsert_article(make_article(remedies=3))
        result = upsert_article(make_article(remedies=2))
        assert result.remedies_removed == 1
        assert db.session.scalars(select(Remedy.slug).order_by(Remedy.position)).all() == [
            "remedy-1",
            "remedy-2",
        ]


def test_cli_load_is_idempotent(app, runner, tmp_path):
    folder = tmp_path / "content"
    shutil.copytree(ROOT / "content", folder)

    first = runner.invoke(args=["content", "load", "--dir", str(folder)])
    second = runner.invoke(args=["content", "load", "--dir", str(folder)])

    assert first.exit_code == 0, first.output
    assert "Created 'relieve-back-spasms': 8 remedies" in first.output
    assert "Updated 'relieve-back-spasms': 8 remedies (0 added, 0 removed)" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Article)) == 1
        assert db.session.scalar(select(func.count()).select_from(Remedy)) == 8


def test_cli_load_reports_a_broken_file_by_name(runner, tmp_path):
    (tmp_path / "broken.md").write_text("---\ntitle: x\n---\nno sections\n")
    result = runner.invoke(args=["content", "load", "--dir", str(tmp_path)])
    assert result.exit_code != 0
    assert "broken.md" in result.output
    assert "Traceback" not in result.output


def test_cli_imports_the_seed_file_exactly_as_it_is(app, runner):
    result = runner.invoke(args=["content", "import", str(SEED_FILE)])
    again = runner.invoke(args=["content", "import", str(SEED_FILE)])

    assert result.exit_code == 0, result.output
    assert "8 remedies" in result.output
    assert "(0 added, 0 removed)" in again.output
    with app.app_context():
        article = db.session.scalar(select(Article))
        assert article.title.startswith("Again Spasm Therapy")
        remedies = article.remedies
        assert [r.position for r in remedies] == list(range(1, 9))
        assert remedies[0].title == "Relaxation and Good Physique Mechanics"
        assert remedies[7].title == "Looking for Clinical Focus"
        # The labelled lines are a list, each entry led by its label in bold.
        assert remedies[1].text.count("\n- **") == 3
        for label in ("Baby’s Pose", "Cat-Cow Stretch", "Pelvic Tilt"):
            assert f"- **{label}:** " in remedies[1].text
        assert "- **Cold Packs:** " in remedies[2].text
        assert "- **Heat Therapy:** " in remedies[2].text
        stored = " ".join([article.intro, article.closing] + [r.text for r in remedies])
        assert "Leave a Reply" not in stored
        assert "will not be published" not in stored
        assert article.closing.startswith("By incorporating")


def test_cli_import_refuses_a_non_article_and_writes_nothing(app, runner, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Groceries\nEggs\nMilk\n")
    result = runner.invoke(args=["content", "import", str(path)])

    assert result.exit_code != 0
    assert "No numbered sections" in result.output
    assert "Nothing was imported" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Article)) == 0


def test_cli_import_refuses_binary(runner, tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    result = runner.invoke(args=["content", "import", str(path)])
    assert result.exit_code != 0
    assert "not UTF-8 text" in result.output


def test_an_edit_bumps_cache_versions_and_a_reload_does_not(app):
    def versions():
        return (
            db.session.scalar(select(Article.cache_version)),
            sorted(db.session.scalars(select(Remedy.cache_version))),
        )

    with app.app_context():
        upsert_article(make_article())
        first = versions()
        upsert_article(make_article())
        assert versions() == first
        upsert_article(make_article(title="A new title"))
        article_version, remedy_versions = versions()
        assert article_version == first[0] + 1
        assert remedy_versions == [v + 1 for v in first[1]]
