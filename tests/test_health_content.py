"""The shipped article as a reader gets it: one threshold for getting help, stated the
same way in the box on every page and in the full section; an overview that says
nothing twice; the cautions the guidance asks for; none of the seed's spun sentences."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from app.content.get_help import GetHelpFormatError, parse_get_help
from app.content.importer import ArticleFormatError, parse_markdown
from app.content.loading import load_directory
from tests.conftest import ROOT, SEED_FILE

ARTICLE = "/relieve-back-spasms/"
SHIPPED = ROOT / "content" / "relieve-back-spasms.md"
# What the issue asks each tier to hold, in words a reader would recognise.
TIERS = {
    "emergency": [
        "genitals or buttocks",
        "bladder or bowels",
        "both legs",
        "chest pain",
        "serious fall",
    ],
    "urgent": [
        "high temperature",
        "weight loss",
        "swelling or lump",
        "worse at night",
        "cancer",
        "minor fall",
    ],
    "see-a-doctor": ["few weeks", "daily activities", "keep coming back"],
}
# Parts of a page that are not its own body text: shared by design on every page.
CHROME = ".get-help, .get-help-full, .trust, .disclaimer, .breadcrumb, .pager, .toc, .comments"


@pytest.fixture
def shipped(app):
    """The shipped article, loaded as `make run` loads it."""
    with app.app_context():
        load_directory(ROOT / "content")
    return parse_markdown(SHIPPED.read_text(encoding="utf-8"))


def soup_of(client, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.data, "html.parser")


def words(node) -> str:
    return " ".join(node.get_text(" ").split())


def tiers_in(container) -> dict[str, tuple[str, str, list[str]]]:
    """Each tier shown in ``container``: its label, what to do, and its symptoms."""
    return {
        tier["data-tier"]: (
            words(tier.find("h3")),
            words(tier.select_one(".get-help__action")),
            [words(li) for li in tier.select(".get-help__symptoms li")],
        )
        for tier in container.select("[data-tier]")
    }


def page_urls(parsed) -> list[str]:
    return [ARTICLE] + [f"{ARTICLE}{remedy.slug}/" for remedy in parsed.remedies]


def test_every_page_carries_the_help_box_near_the_top_with_one_threshold(client, shipped):
    full_page = soup_of(client, f"{ARTICLE}{shipped.get_help_in}/")
    full = tiers_in(full_page.find(id="when-to-get-help"))
    assert list(full) == ["emergency", "urgent", "see-a-doctor"]
    for tier, phrases in TIERS.items():
        symptoms = " ".join(full[tier][2])
        for phrase in phrases:
            assert phrase in symptoms, (tier, phrase)
    assert all(number in full["emergency"][1] for number in ("999", "911", "112"))

    for url in page_urls(shipped):
        soup = soup_of(client, url)
        box = soup.find(id="get-help")
        assert box is not None, url
        # Near the top: before the page's own text, long before the comments.
        body = soup.select_one(".remedy-body, .toc")
        assert box in body.find_all_previous("aside"), url
        # The box, on every page, says exactly what the full section says.
        assert tiers_in(box) == full, url
        assert box.select_one(".get-help__tier--emergency h3").get_text().startswith("Emergency")


def test_the_full_section_is_in_remedy_8_only(client, shipped):
    assert shipped.get_help_in == shipped.remedies[7].slug
    for url in page_urls(shipped):
        found = soup_of(client, url).find(id="when-to-get-help")
        assert (found is not None) == url.endswith(f"/{shipped.get_help_in}/"), url
    full = soup_of(client, f"{ARTICLE}{shipped.get_help_in}/").find(id="when-to-get-help")
    assert "cauda equina syndrome" in words(full)


def test_no_other_part_of_the_site_states_a_threshold_of_its_own(client, shipped):
    """The footer, the disclaimer and the plain pages point to the box, and state no
    symptoms that could disagree with it."""
    for url in [*page_urls(shipped), "/about/", "/contact/", "/editorial-policy/"]:
        soup = soup_of(client, url)
        for node in soup.select(
            ".get-help, .get-help-full, .remedy-body, .lead, .closing, .remedy-section"
        ):
            node.decompose()
        text = words(soup).lower()
        for symptom in ("bladder", "numbness", "fever", "few days", "high temperature"):
            assert symptom not in text, (url, symptom)


def test_the_article_is_an_overview_that_shares_no_paragraph_with_its_remedy_pages(client, shipped):
    article = soup_of(client, ARTICLE)
    sections = article.select(".remedy-section")
    assert len(sections) == 8
    for section, remedy in zip(sections, shipped.remedies, strict=True):
        assert words(section.find("h2")).endswith(remedy.title)
        summary = words(section.select_one(".remedy-section__summary"))
        assert summary == remedy.summary and 1 <= summary.count(". ") + 1 <= 3
        assert section.find("a", href=f"{ARTICLE}{remedy.slug}/")

    def paragraphs(soup) -> set[str]:
        main = soup.find("article")
        for node in main.select(CHROME):
            node.decompose()
        return {words(p) for p in main.find_all(["p", "li"]) if len(words(p)) > 40}

    overview = paragraphs(article)
    assert overview
    for remedy in shipped.remedies:
        page = paragraphs(soup_of(client, f"{ARTICLE}{remedy.slug}/"))
        assert len(page) >= 3, remedy.slug
        assert not overview & page, remedy.slug


def test_the_table_of_contents_lists_every_remedy_and_counts_only_comments(client, shipped):
    toc = soup_of(client, ARTICLE).select(".toc__list li")
    assert [words(li.find("a")) for li in toc] == [r.title for r in shipped.remedies]
    assert not soup_of(client, ARTICLE).select(".toc__count")


def test_the_stretches_have_drawings_steps_holds_and_when_to_stop(client, shipped):
    soup = soup_of(client, f"{ARTICLE}{shipped.remedies[1].slug}/")
    for name, image in [
        ("Child's Pose", "childs-pose.svg"),
        ("Cat-Cow", "cat-cow.svg"),
        ("Pelvic Tilt", "pelvic-tilt.svg"),
    ]:
        heading = soup.find("h3", string=name)
        assert heading is not None, name
        img = heading.find_next("img")
        assert img["src"] == f"/static/img/stretches/{image}"
        assert len(img["alt"]) > 40 and "Line drawing" in img["alt"]
        with client.get(img["src"]) as served:
            assert served.status_code == 200 and served.mimetype == "image/svg+xml"
            assert b"<script" not in served.data and b"href" not in served.data
        steps = heading.find_next("ol").find_all("li")
        assert len(steps) >= 3
        until_next = []
        for node in heading.find_all_next(["p", "h3"]):
            if node.name == "h3":
                break
            until_next.append(words(node))
        told = " ".join(until_next)
        assert re.search(r"\d+ (to \d+ )?(seconds|times)", told), name
        assert "Stop if the pain gets worse or spreads down a leg." in told, name


def test_the_cautions_the_guidance_asks_for_are_stated(shipped):
    text = {remedy.slug: " ".join(remedy.text.split()) for remedy in shipped.remedies}
    first = shipped.remedies[0]
    assert "keep moving" in first.summary.lower() or "keeping moving" in first.summary.lower()
    assert "bed" in text[first.slug]
    medicines = text["over-the-counter-medicines"]
    for caution in (
        "stomach ulcer",
        "asthma",
        "kidney",
        "heart disease",
        "pregnant",
        "blood thinner",
        "over 65",
        "Paracetamol on its own is not recommended for low back pain",
        "Never give aspirin to anyone under 16",
        "more than the dose on the pack",
        "more than a week or two",
        "acetaminophen",
    ):
        assert caution in medicines, caution
    heat = text["cold-and-heat"]
    for caution in (
        "in a towel",
        "15 to 20 minutes",
        "Never go to sleep",
        "diabetes",
        "nerve damage",
    ):
        assert caution in heat, caution
    water = text["water-and-nutrition"]
    assert "little evidence" in water and "pharmacist" in water


def test_no_spun_sentence_of_the_seed_survives_anywhere():
    """Six words in a row from the client's machine-spun original, anywhere in the
    shipped content, would be a copied sentence."""

    def shingles(text: str, size: int = 6) -> set[tuple[str, ...]]:
        tokens = re.findall(r"[a-z']+", text.lower().replace("’", "'"))
        return {tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}

    seed = shingles(SEED_FILE.read_text(encoding="utf-8"))
    shipped = sorted(Path(ROOT / "content").rglob("*.*"))
    assert SHIPPED in shipped
    for path in shipped:
        text = path.read_text(encoding="utf-8")
        assert not shingles(text) & seed, path.name
        assert not re.search(r"\bagain spasms?\b", text, re.IGNORECASE), path.name


def test_one_spelling_throughout(shipped):
    text = SHIPPED.read_text(encoding="utf-8") + (ROOT / "content" / "get-help.yml").read_text()
    prose = re.sub(r"(?m)^(author_type|url|  url):.*$", "", text)
    for american in (
        r"\bcolor",
        r"\bcenter\b",
        r"\borganiz",
        r"\bpediatric",
        r"\bdiarrhea",
        r"\bbehavior",
    ):
        assert not re.search(american, prose, re.IGNORECASE), american


# "When to get help" as a file: hostile or broken input is refused with the reason.


GOOD = """
title: Get help now
lead_in: "Back pain with any of these:"
tiers:
  - key: emergency
    label: "Emergency: call now"
    action: Call 112.
    symptoms: [chest pain]
"""


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("title: Get help now\n", "", "The title must be text"),
        ("  - key: emergency", "  - key: Emergency!", "lowercase"),
        ("symptoms: [chest pain]", "symptoms: []", "1 to 12 symptoms"),
        ("symptoms: [chest pain]", "symptoms: chest pain", "1 to 12 symptoms"),
        ("    action: Call 112.\n", "", "action must be text"),
        ("Call 112.", "Call 112.\u202e", "invisible or control character"),
        ("tiers:", "tiers: [", "Not valid YAML"),
    ],
)
def test_a_broken_get_help_file_is_refused_with_the_reason(old, new, message):
    assert parse_get_help(GOOD).tiers[0].symptoms == ("chest pain",)
    with pytest.raises(GetHelpFormatError, match=re.escape(message)):
        parse_get_help(GOOD.replace(old, new))


def test_two_tiers_with_one_key_are_refused():
    doubled = GOOD + GOOD.split("tiers:\n", 1)[1]
    with pytest.raises(GetHelpFormatError, match="share a key"):
        parse_get_help(doubled)


def test_an_edit_to_the_file_shows_at_once_even_on_cached_pages(app, client, shipped, tmp_path):
    copy = tmp_path / "get-help.yml"
    shutil.copy(ROOT / "content" / "get-help.yml", copy)
    app.config["GET_HELP_FILE"] = copy
    url = f"{ARTICLE}massage/"
    assert "chest pain" in words(soup_of(client, url).find(id="get-help"))
    soup_of(client, url)  # now served from the rendered-page cache
    copy.write_text(copy.read_text().replace("chest pain", "pain in your chest"))
    box = words(soup_of(client, url).find(id="get-help"))
    assert "pain in your chest" in box


def test_a_broken_file_never_takes_the_pages_down(app, client, shipped, tmp_path, caplog):
    broken = tmp_path / "get-help.yml"
    broken.write_text("tiers: [")
    app.config["GET_HELP_FILE"] = broken
    response = client.get(ARTICLE)
    assert response.status_code == 200
    soup = BeautifulSoup(response.data, "html.parser")
    assert soup.find(id="get-help") is None
    # The notice by the form still says something true, and links nowhere that is missing.
    assert not soup.select('a[href="#get-help"]')
    assert "When to get help is not shown" in caplog.text


def test_content_load_refuses_a_broken_get_help_file(app, runner, tmp_path):
    folder = tmp_path / "content"
    folder.mkdir()
    shutil.copy(SHIPPED, folder)
    (folder / "get-help.yml").write_text("tiers: [")
    app.config["GET_HELP_FILE"] = folder / "get-help.yml"
    result = runner.invoke(args=["content", "load", "--dir", str(folder)])
    assert result.exit_code != 0
    assert "get-help.yml" in result.output and "Traceback" not in result.output


def test_an_article_names_a_real_section_for_the_full_help():
    text = SHIPPED.read_text(encoding="utf-8")
    with pytest.raises(ArticleFormatError, match="get_help_in"):
        parse_markdown(text.replace("get_help_in: when-to-see-a-doctor", "get_help_in: nowhere"))
