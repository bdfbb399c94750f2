"""The site's own Markdown (remedy text, plain pages): what an author may write, and
what can never reach a reader's page however the text was written."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from app import create_app
from app.content.importer import ArticleFormatError, parse_markdown
from app.shared.markdown import escape, plain_text, problems, render
from config import TestConfig
from tests.test_importer import MARKDOWN


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("## Not a section", "use ### or ####"),
        ("# Title", "use ### or ####"),
        ("![A drawing](https://cdn.example.com/a.svg)", "images must be files of this site"),
        ("![A drawing](//cdn.example.com/a.svg)", "images must be files of this site"),
        ("![A drawing](/static/../app/config.py)", "images must be files of this site"),
        ("![](/static/img/a.svg)", "has no alt text"),
        ("[x](ftp://example.com/)", "links must be http(s), mailto"),
        ("[x](//evil.example/)", "links must be http(s), mailto"),
    ],
)
def test_what_an_author_may_not_write_is_named(source, problem):
    assert any(problem in found for found in problems(source))


def test_what_an_author_may_write_passes():
    good = (
        "### Steps\n\n1. One\n2. Two\n\n![A person kneeling](/static/img/stretches/a.svg)\n\n"
        "[NHS](https://www.nhs.uk/) [next page](../massage/) [mail](mailto:team@example.com)"
    )
    assert problems(good) == []


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        "[click](JAVASCRIPT:alert(1))",
        "![x](javascript:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
    ],
)
def test_nothing_active_ever_reaches_the_page(source):
    html = str(render(source))
    assert "<script" not in html and '<img src="x"' not in html
    # Shown as text at most: never an address a click or an image would load.
    for attribute in ('href="javascript', 'src="javascript', 'href="data:', "onerror="):
        assert attribute not in html.lower().replace("onerror=alert(1)&gt;", "")


def test_images_follow_the_mount_point_and_load_lazily():
    html = str(render("![A person](/static/img/stretches/a.svg)", "/relief"))
    assert 'src="/relief/static/img/stretches/a.svg"' in html and 'loading="lazy"' in html


def test_heading_ids_are_unique_and_avoid_the_pages_own():
    html = str(
        render("### Get help\n\n### How to do it\n\n### How to do it", "", frozenset({"get-help"}))
    )
    assert (
        'id="get-help-2"' in html and 'id="how-to-do-it"' in html and 'id="how-to-do-it-2"' in html
    )


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=200))
def test_escaped_text_reads_exactly_as_written(line):
    """Plain text from the client's file is stored as Markdown: it must read the same."""
    expected = " ".join(line.split())
    assert " ".join(plain_text(escape(line))) == expected


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("Try these:", "## Unnumbered\n\nTry these:", "use ### or ####"),
        ("Try these:", "![](/static/img/a.svg)\n\nTry these:", "no alt text"),
        ("Summary: Stretch gently, every day.", "Summary: " + "Long. " * 80, "summary must be"),
    ],
)
def test_a_section_that_breaks_the_rules_is_refused_by_name(old, new, message):
    with pytest.raises(ArticleFormatError, match=f"Section 2.*{message}"):
        parse_markdown(MARKDOWN.replace(old, new))


def test_the_migration_turns_old_remedy_rows_into_markdown_that_reads_the_same(tmp_path):
    from flask_migrate import upgrade

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        from app.extensions import db

        upgrade(revision="9f1a16320cec")
        db.session.execute(
            text(
                "INSERT INTO articles (id, slug, title, summary, intro, closing, published_on,"
                " updated_on, created_at, modified_at, published) VALUES (1, 'a', 'A', 'S', '',"
                " '', '2026-01-01', '2026-01-01', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 1)"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO remedies (id, article_id, position, slug, title, summary, body,"
                " closing, changed_at) VALUES (1, 1, 1, 'r', 'R', 'S', :body, 'After *all*.',"
                " '2026-01-01 00:00:00')"
            ),
            {"body": "1. Rest <b>now</b>.\n\nThen move."},
        )
        db.session.execute(
            text(
                "INSERT INTO remedy_items (remedy_id, position, label, text) VALUES"
                " (1, 1, 'Cat-Cow', 'On all fours_ [x](y)'), (1, 2, 'Pelvic tilt', 'Lie down.')"
            )
        )
        db.session.commit()
        upgrade()
        stored = db.session.execute(text("SELECT text FROM remedies")).scalar_one()
        html = str(render(stored))
        assert plain_text(stored) == [
            "1. Rest <b>now</b>.",
            "Then move.",
            "Cat-Cow: On all fours_ [x](y)",
            "Pelvic tilt: Lie down.",
            "After *all*.",
        ]
        assert "<b>" not in html and html.count("<li>") == 2 and "<strong>Cat-Cow:</strong>" in html
        db.session.remove()
        db.engine.dispose()
