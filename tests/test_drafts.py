"""Drafts: imported articles stay out of public view until a reviewed publish."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select, text

from app.content.importer import slugify
from app.content.loading import upsert_article
from app.extensions import db
from app.models import Article, Comment
from tests.conftest import ROOT, SEED_FILE, make_article

SEED_SLUG = slugify(SEED_FILE.read_text(encoding="utf-8").splitlines()[0])
SEED_TITLE = "Again Spasm Therapy"
SEED_REMEDY = "relaxation-and-good-physique-mechanics"
REVIEWER = "Dr Ada Lovelace, GP"


def sitemap_locations(client) -> list[str]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    return [loc.text for loc in ET.fromstring(response.data).findall("s:url/s:loc", ns)]


def stored(app, slug: str = SEED_SLUG) -> Article | None:
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == slug))
        if article is not None:
            db.session.expunge(article)
        return article


@pytest.fixture
def imported(runner):
    """Import the client's seed file; return the command's output."""
    result = runner.invoke(args=["content", "import", str(SEED_FILE)])
    assert result.exit_code == 0, result.output
    return result.output


def assert_public_cannot_see(client, slug: str = SEED_SLUG, title: str = SEED_TITLE) -> None:
    """A reader (and a search engine) finds no trace of the article anywhere."""
    assert client.get(f"/{slug}/").status_code == 404
    assert client.get(f"/{slug}/{SEED_REMEDY}/").status_code == 404
    assert title not in client.get("/").get_data(as_text=True)
    assert not [loc for loc in sitemap_locations(client) if f"/{slug}/" in loc]


# --- import makes drafts ----------------------------------------------------------------


def test_imported_article_is_invisible_to_the_public(app, client, imported):
    assert "draft" in imported.lower()
    assert f"flask content publish {SEED_SLUG}" in imported
    assert_public_cannot_see(client)
    assert stored(app).published is False


def test_comments_cannot_be_sent_to_a_draft(app, client, imported, comment_form):
    for url in (f"/{SEED_SLUG}/", f"/{SEED_SLUG}/{SEED_REMEDY}/"):
        response = client.post(url, data=comment_form())
        assert response.status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


def test_moderator_sees_a_draft_with_banner_and_noindex(client, imported, moderator):
    moderator.login()
    for url in (f"/{SEED_SLUG}/", f"/{SEED_SLUG}/{SEED_REMEDY}/"):
        response = client.get(url)
        assert response.status_code == 200
        soup = BeautifulSoup(response.data, "html.parser")
        banner = next(
            tag for tag in soup.find_all(attrs={"role": "status"}) if "Draft" in tag.get_text()
        )
        assert "Draft: not public" in banner.get_text(" ", strip=True)
        assert banner.find_parent("main") is not None
        assert soup.find("meta", attrs={"name": "robots"})["content"] == "noindex"
        assert response.headers["X-Robots-Tag"] == "noindex"
        assert response.headers["Cache-Control"] == "private, no-store"
        assert "ETag" not in response.headers


def test_published_pages_carry_no_banner_and_no_noindex(client, article):
    soup = BeautifulSoup(client.get("/back-spasms/").data, "html.parser")
    assert "Draft: not public" not in soup.get_text()
    assert soup.find("meta", attrs={"name": "robots"}) is None


def test_the_public_never_gets_a_cached_draft(app, client, imported, moderator):
    moderator.login()
    for url in (f"/{SEED_SLUG}/", f"/{SEED_SLUG}/{SEED_REMEDY}/"):
        assert client.get(url).status_code == 200
    moderator.logout()
    anonymous = app.test_client()
    assert_public_cannot_see(anonymous)
    assert_public_cannot_see(client)


def test_moderator_can_comment_on_a_draft(app, client, imported, moderator, comment_form):
    moderator.login()
    response = client.post(f"/{SEED_SLUG}/", data=comment_form())
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 1


def test_the_home_page_ignores_drafts(app, client, article):
    with app.app_context():
        parsed = make_article(slug="neck-pain", title="Easing neck pain")
        parsed.draft = True
        upsert_article(parsed)
    home = client.get("/").get_data(as_text=True)
    # One public article: the home page is that article itself.
    assert '<h1 id="article-title">Easing back spasms</h1>' in home
    assert "neck-pain" not in home
    assert not [loc for loc in sitemap_locations(client) if "neck-pain" in loc]


# --- publish and unpublish -----------------------------------------------------------


def test_publish_without_a_review_is_refused_with_the_reason(app, client, runner, imported):
    result = runner.invoke(args=["content", "publish", SEED_SLUG])
    assert result.exit_code != 0
    assert "no review on record" in result.output
    assert "--reviewed-by" in result.output
    assert "Traceback" not in result.output
    assert_public_cannot_see(client)


def test_publish_with_a_reviewer_records_the_review_and_publishes(app, client, runner, imported):
    result = runner.invoke(args=["content", "publish", SEED_SLUG, "--reviewed-by", REVIEWER])
    assert result.exit_code == 0, result.output
    assert "Published" in result.output

    article = stored(app)
    assert article.published is True
    assert article.reviewed_on == date.today()
    assert article.reviewed_by == REVIEWER
    page = client.get(f"/{SEED_SLUG}/")
    assert page.status_code == 200
    assert "Draft: not public" not in page.get_data(as_text=True)
    assert "Last reviewed" in page.get_data(as_text=True)
    assert client.get(f"/{SEED_SLUG}/{SEED_REMEDY}/").status_code == 200
    assert SEED_TITLE in client.get("/").get_data(as_text=True)
    assert f"http://localhost/{SEED_SLUG}/" in sitemap_locations(client)


@pytest.mark.parametrize(
    ("reviewer", "message"),
    [
        ("", "NAME, ROLE"),
        ("Ada Lovelace", "NAME, ROLE"),
        (", GP", "NAME, ROLE"),
        ("Ada Lovelace,   ", "NAME, ROLE"),
        ("Ada\u202e Lovelace, GP", "control"),
        ("Ada\n, GP", "control"),
        ("A" * 200 + ", GP", "200"),
    ],
)
def test_publish_refuses_a_malformed_reviewer(app, client, runner, imported, reviewer, message):
    result = runner.invoke(args=["content", "publish", SEED_SLUG, "--reviewed-by", reviewer])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    article = stored(app)
    assert (article.published, article.reviewed_on, article.reviewed_by) == (False, None, None)


def test_publish_with_a_reviewed_date_in_the_front_matter_needs_no_reviewer(
    app, client, runner, tmp_path
):
    folder = tmp_path / "content"
    shutil.copytree(ROOT / "content", folder)
    source = folder / "relieve-back-spasms.md"
    source.write_text(source.read_text().replace("---\n", "---\ndraft: true\n", 1))
    assert runner.invoke(args=["content", "load", "--dir", str(folder)]).exit_code == 0
    assert client.get("/relieve-back-spasms/").status_code == 404

    result = runner.invoke(args=["content", "publish", "relieve-back-spasms"])
    assert result.exit_code == 0, result.output
    assert client.get("/relieve-back-spasms/").status_code == 200


def test_unpublish_hides_the_article_again(app, client, runner, imported):
    runner.invoke(args=["content", "publish", SEED_SLUG, "--reviewed-by", REVIEWER])
    # A reader's visit puts the pages in the rendered-page cache.
    assert client.get(f"/{SEED_SLUG}/").status_code == 200
    assert client.get(f"/{SEED_SLUG}/{SEED_REMEDY}/").status_code == 200
    assert client.get("/").status_code == 200

    result = runner.invoke(args=["content", "unpublish", SEED_SLUG])
    assert result.exit_code == 0, result.output
    assert "draft" in result.output.lower()
    assert_public_cannot_see(client)
    # The review stays on record: publishing again needs no new reviewer.
    again = runner.invoke(args=["content", "publish", SEED_SLUG])
    assert again.exit_code == 0, again.output
    assert client.get(f"/{SEED_SLUG}/").status_code == 200
    assert stored(app).reviewed_by == REVIEWER


def test_publish_and_unpublish_bump_the_cache_versions(app, runner, imported):
    before = stored(app).cache_version
    runner.invoke(args=["content", "publish", SEED_SLUG, "--reviewed-by", REVIEWER])
    published = stored(app).cache_version
    runner.invoke(args=["content", "unpublish", SEED_SLUG])
    assert before < published < stored(app).cache_version


@pytest.mark.parametrize("command", ["publish", "unpublish"])
def test_unknown_slug_is_a_clear_error(runner, command):
    result = runner.invoke(args=["content", command, "no-such-article"])
    assert result.exit_code != 0
    assert "No article" in result.output
    assert "Traceback" not in result.output


# --- what import and load do to existing articles -------------------------------------


def test_import_never_overwrites_a_published_article(client, runner, imported, tmp_path):
    runner.invoke(args=["content", "publish", SEED_SLUG, "--reviewed-by", REVIEWER])
    path = tmp_path / "changed.txt"
    path.write_text(SEED_FILE.read_text(encoding="utf-8").replace("Hydration", "Water"))

    result = runner.invoke(args=["content", "import", str(path)])

    assert result.exit_code != 0
    assert "published" in result.output
    assert "Nothing was imported" in result.output
    assert "Hydration" in client.get(f"/{SEED_SLUG}/").get_data(as_text=True)


def test_reimporting_changed_text_clears_the_review(app, runner, imported, tmp_path):
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == SEED_SLUG))
        article.reviewed_on, article.reviewed_by = date(2026, 1, 1), REVIEWER
        db.session.commit()
    unchanged = runner.invoke(args=["content", "import", str(SEED_FILE)])
    assert unchanged.exit_code == 0, unchanged.output
    assert stored(app).reviewed_by == REVIEWER

    path = tmp_path / "changed.txt"
    path.write_text(SEED_FILE.read_text(encoding="utf-8").replace("Hydration", "Water"))
    assert runner.invoke(args=["content", "import", str(path)]).exit_code == 0
    article = stored(app)
    assert (article.reviewed_on, article.reviewed_by) == (None, None)
    refused = runner.invoke(args=["content", "publish", SEED_SLUG])
    assert refused.exit_code != 0


def test_import_slug_option_still_wins(app, client, runner):
    result = runner.invoke(args=["content", "import", str(SEED_FILE), "--slug", "spasms"])
    assert result.exit_code == 0, result.output
    assert stored(app, "spasms").published is False
    assert client.get("/spasms/").status_code == 404


def test_import_refuses_an_overlong_slug(app, runner):
    result = runner.invoke(args=["content", "import", str(SEED_FILE), "--slug", "a" * 121])
    assert result.exit_code != 0
    assert "120" in result.output
    assert "Traceback" not in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Article)) == 0


def load_folder(runner, tmp_path, front_matter: str = ""):
    folder = tmp_path / "content"
    folder.mkdir(exist_ok=True)
    source = (ROOT / "content" / "relieve-back-spasms.md").read_text(encoding="utf-8")
    (folder / "relieve-back-spasms.md").write_text(
        source.replace("---\n", f"---\n{front_matter}", 1), encoding="utf-8"
    )
    return runner.invoke(args=["content", "load", "--dir", str(folder)])


def test_the_shipped_article_is_published_by_load(client, runner, tmp_path):
    result = load_folder(runner, tmp_path)
    assert result.exit_code == 0, result.output
    assert client.get("/relieve-back-spasms/").status_code == 200


def test_draft_true_in_front_matter_makes_a_draft(app, client, runner, tmp_path):
    result = load_folder(runner, tmp_path, "draft: true\n")
    assert result.exit_code == 0, result.output
    assert "draft" in result.output
    assert client.get("/relieve-back-spasms/").status_code == 404


def test_draft_true_in_front_matter_unpublishes_a_published_article(client, runner, tmp_path):
    load_folder(runner, tmp_path)
    assert client.get("/relieve-back-spasms/").status_code == 200
    load_folder(runner, tmp_path, "draft: true\n")
    assert client.get("/relieve-back-spasms/").status_code == 404


@pytest.mark.parametrize("front_matter", ["", "draft: false\n"])
def test_load_never_republishes_an_unpublished_article(client, runner, tmp_path, front_matter):
    load_folder(runner, tmp_path)
    assert runner.invoke(args=["content", "unpublish", "relieve-back-spasms"]).exit_code == 0
    result = load_folder(runner, tmp_path, front_matter)
    assert result.exit_code == 0, result.output
    assert client.get("/relieve-back-spasms/").status_code == 404


def test_a_draft_value_that_is_not_true_or_false_is_refused(runner, tmp_path):
    result = load_folder(runner, tmp_path, "draft: maybe\n")
    assert result.exit_code != 0
    assert "draft" in result.output
    assert "true or false" in result.output


# --- the migration --------------------------------------------------------------------


def test_existing_articles_stay_published_after_the_migration(tmp_path):
    from flask_migrate import upgrade

    from app import create_app
    from config import TestConfig

    url = f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade(revision="5d2e8a7c41b9")
        db.session.execute(
            text(
                "INSERT INTO articles (id, slug, title, summary, intro, closing, published_on,"
                " updated_on, created_at, modified_at) VALUES (1, 'a', 'A', 'S', '', '',"
                " '2026-01-01', '2026-01-01', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
        db.session.commit()
        upgrade()
        assert db.session.execute(text("SELECT published, reviewed_by FROM articles")).all() == [
            (1, None)
        ]
        db.session.remove()
        db.engine.dispose()


def test_load_keeps_the_latest_review_on_record(app, runner, tmp_path):
    load_folder(runner, tmp_path, "draft: true\n")
    published = runner.invoke(
        args=["content", "publish", "relieve-back-spasms", "--reviewed-by", REVIEWER]
    )
    assert published.exit_code == 0, published.output
    # The file still names its own, earlier or same-day review: the recorded one stays.
    load_folder(runner, tmp_path)
    article = stored(app, "relieve-back-spasms")
    assert (article.reviewed_on, article.reviewed_by) == (date.today(), REVIEWER)

    # A newer date in the file is its own review (by the reviewer the file names), not
    # the earlier reviewer's.
    newer = date.today().replace(year=date.today().year + 1)
    source = tmp_path / "content" / "relieve-back-spasms.md"
    text = source.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^reviewed: .*$", f"reviewed: {newer}", text)
    text = re.sub(
        r"(?m)^next_review: .*$", f"next_review: {newer.replace(year=newer.year + 1)}", text
    )
    source.write_text(text)
    result = runner.invoke(args=["content", "load", "--dir", str(source.parent)])
    assert result.exit_code == 0, result.output
    article = stored(app, "relieve-back-spasms")
    assert (article.reviewed_on, article.reviewed_by) == (
        newer,
        "Relief editorial team, Editorial review",
    )
    assert article.published is True


def test_the_moderation_queue_can_filter_by_a_draft_page(app, client, imported, moderator):
    moderator.login()
    queue = BeautifulSoup(client.get("/moderation/").data, "html.parser")
    with app.app_context():
        draft = stored(app)
    assert queue.find("option", value=str(draft.id)), "a draft's comments need a filter too"
