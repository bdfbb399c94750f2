"""The plain-text and Markdown parsers, tested as pure functions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.content.importer import (
    ArticleFormatError,
    parse_markdown,
    parse_plain_text,
    slugify,
)
from app.content.routing import is_valid_slug
from tests.conftest import ROOT, SEED_FILE

BASIC = """Easing Back Spasms
A spasm is a sudden tightening.
It can hurt.

1. Rest
Give your back a break.
2. Stretching
Gentle stretches help. Try these:
Child's Pose: Sit back on your heels.
Cat-Cow Stretch: Arch, then round your back.
Do them daily.
3. Doctor
See a doctor if it persists.
With care, most spasms pass.
Leave a Reply
Your email address will not be published. Required fields are marked *"""


def test_seed_file_parses_into_eight_remedies_without_footer():
    parsed = parse_plain_text(SEED_FILE.read_text(encoding="utf-8"))

    assert parsed.title.startswith("Again Spasm Therapy")
    assert [r.number for r in parsed.remedies] == list(range(1, 9))
    assert [r.title for r in parsed.remedies] == [
        "Relaxation and Good Physique Mechanics",
        "Stretching and Mild Exercise routines",
        "Heat and Chilly Therapy",
        "Therapeutic massage Therapy",
        "Above-the-Counter Drugs",
        "Posture Recognition and Ergonomics",
        "Hydration and Nourishment",
        "Looking for Clinical Focus",
    ]
    stretches = parsed.remedies[1]
    assert [i.label for i in stretches.items] == ["Baby’s Pose", "Cat-Cow Stretch", "Pelvic Tilt"]
    assert stretches.body[-1].endswith("Basic stretches for instance:")
    assert stretches.closing == [
        "Carrying out these stretches routinely can boost versatility and lessen the "
        "frequency of again spasms."
    ]
    assert [i.label for i in parsed.remedies[2].items] == ["Cold Packs", "Heat Therapy"]
    assert parsed.closing[0].startswith("By incorporating these tactics")
    assert len(parsed.intro) == 1
    everything = repr(parsed)
    assert "Leave a Reply" not in everything
    assert "will not be published" not in everything


def test_basic_layout():
    parsed = parse_plain_text(BASIC)

    assert parsed.title == "Easing Back Spasms"
    assert parsed.slug == "easing-back-spasms"
    assert parsed.intro == ["A spasm is a sudden tightening.", "It can hurt."]
    assert parsed.summary == "A spasm is a sudden tightening."
    assert [r.slug for r in parsed.remedies] == ["rest", "stretching", "doctor"]
    stretching = parsed.remedies[1]
    assert stretching.body == ["Gentle stretches help. Try these:"]
    assert [(i.label, i.text) for i in stretching.items] == [
        ("Child's Pose", "Sit back on your heels."),
        ("Cat-Cow Stretch", "Arch, then round your back."),
    ]
    assert stretching.closing == ["Do them daily."]
    assert parsed.remedies[2].body == ["See a doctor if it persists."]
    assert parsed.closing == ["With care, most spasms pass."]


@pytest.mark.parametrize(
    "headings",
    [
        ["1.", "2.", "3."],
        ["one.", "two.", "three."],
        ["One.", "TWO.", "Three."],
        ["1.", "two.", "3."],
        ["One.", "2.", "three."],
    ],
)
def test_heading_numbers_may_be_digits_or_words_in_any_mix(headings):
    text = BASIC.replace("1. Rest", f"{headings[0]} Rest")
    text = text.replace("2. Stretching", f"{headings[1]} Stretching")
    text = text.replace("3. Doctor", f"{headings[2]} Doctor")

    parsed = parse_plain_text(text)

    assert [(r.number, r.title) for r in parsed.remedies] == [
        (1, "Rest"),
        (2, "Stretching"),
        (3, "Doctor"),
    ]


def test_eight_as_a_word_heading():
    lines = ["Title", "Intro."]
    words = ["one", "Two", "3", "four", "Five", "6", "seven", "Eight"]
    for n, word in enumerate(words, start=1):
        lines += [f"{word}. Section {n}", f"Text {n}."]
    parsed = parse_plain_text("\n".join(lines))
    assert [r.number for r in parsed.remedies] == list(range(1, 9))


@pytest.mark.parametrize(
    "transform",
    [
        pytest.param(lambda t: t.replace("\n", "\r\n"), id="crlf"),
        pytest.param(lambda t: t.replace("\n", "\r"), id="old-mac-cr"),
        pytest.param(lambda t: "\ufeff" + t, id="byte-order-mark"),
        pytest.param(lambda t: t.replace("\n", "\n\n\n"), id="extra-blank-lines"),
        pytest.param(lambda t: "\n\n" + t + "\n\n\n", id="blank-lines-around"),
        pytest.param(lambda t: t.replace("\n", "   \n"), id="trailing-spaces"),
        pytest.param(lambda t: t.split("\nLeave a Reply")[0], id="missing-footer"),
    ],
)
def test_layout_variants_parse_the_same(transform):
    assert parse_plain_text(transform(BASIC)) == parse_plain_text(BASIC)


def test_curly_quotes_are_kept_in_labels_and_text():
    text = BASIC.replace("Child's Pose", "Child’s Pose").replace(
        "Gentle stretches help.", "“Gentle” stretches help."
    )
    stretching = parse_plain_text(text).remedies[1]
    assert stretching.items[0].label == "Child’s Pose"
    assert stretching.body[0].startswith("“Gentle”")


def test_a_sentence_starting_with_a_number_word_is_not_a_heading():
    text = BASIC.replace("Give your back a break.", "One. That is all it takes.")
    parsed = parse_plain_text(text)
    assert parsed.remedies[0].body == ["One. That is all it takes."]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("2. Stretching", "3. Stretching", "skips ahead"),
        ("3. Doctor", "2. Doctor", "repeats"),
        ("1. Rest", "2. Rest", "expected section 1"),
        ("2. Stretching", "four. Stretching", "found 4"),
    ],
)
def test_numbering_that_skips_or_repeats_is_a_clear_error(old, new, message):
    with pytest.raises(ArticleFormatError, match=message):
        parse_plain_text(BASIC.replace(old, new))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no text"),
        ("\n\n  \n", "no text"),
        ("Leave a Reply\nYour email address will not be published.", "no text"),
        ("Shopping list\nEggs\nMilk: two pints\nBread", "No numbered sections"),
        ("def main():\n    return 1\n", "No numbered sections"),
        ("1. Rest\nGive your back a break.", "first line should be the article's title"),
    ],
)
def test_a_file_that_is_not_an_article_is_a_clear_error(text, message):
    with pytest.raises(ArticleFormatError, match=message):
        parse_plain_text(text)


def test_duplicate_section_titles_are_refused():
    text = BASIC.replace("3. Doctor", "3. Rest")
    with pytest.raises(ArticleFormatError, match="share the address 'rest'"):
        parse_plain_text(text)


def test_explicit_slug_wins():
    assert parse_plain_text(BASIC, slug="mine").slug == "mine"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Heat and Cold", "heat-and-cold"),
        ("Baby’s Pose", "babys-pose"),
        ("Crème brûlée!", "creme-brulee"),
        ("!!!", "untitled"),
        ("a " * 80, "-".join(["a"] * 30)),
        # Punctuation and apostrophes: straight and curly ones read the same.
        ("Heat & cold: what works?", "heat-cold-what-works"),
        ("Don't stop; don’t start", "dont-stop-dont-start"),
        ("  --Leading and trailing--  ", "leading-and-trailing"),
        ("Rest/ice (RICE) 24h", "rest-ice-rice-24h"),
        # Non-ASCII letters become their plain letters where they have one.
        ("Straße & Œuvre: Ærø, Łódź", "strasse-oeuvre-aero-lodz"),
        ("Ünïcödé ﬁne", "unicode-fine"),
        # At most 60 characters, cut at a word boundary.
        ("word " * 10 + "abcdefghij", "-".join(["word"] * 10) + "-abcdefghij"),  # exactly 60
        ("word " * 10 + "abcdefghijk", "-".join(["word"] * 10)),  # 61: the last word goes
        (
            "Again Spasm Therapy: Fast and Successful Approaches to Loosen up Your Muscles",
            "again-spasm-therapy-fast-and-successful-approaches-to-loosen",
        ),
        # One word longer than the limit is cut inside the word, not lost.
        ("x" * 70, "x" * 60),
        (
            "Pneumonoultramicroscopicsilicovolcanoconiosis" * 2 + " and more",
            ("pneumonoultramicroscopicsilicovolcanoconiosis" * 2)[:60],
        ),
    ],
)
def test_slugify(title, slug):
    assert slugify(title) == slug
    assert len(slug) <= 60


@given(st.text(max_size=300))
def test_any_title_gives_a_valid_short_slug(title):
    slug = slugify(title)
    assert is_valid_slug(slug)
    assert len(slug) <= 60


@pytest.mark.parametrize("title", ["Боль в спине", "背中の痛み", "?!", "\u2013"])
def test_a_title_with_nothing_to_make_an_address_of_asks_for_a_slug(title):
    text = BASIC.replace("Easing Back Spasms", title, 1)
    with pytest.raises(ArticleFormatError, match="--slug"):
        parse_plain_text(text)
    assert parse_plain_text(text, slug="back-pain").slug == "back-pain"


def test_an_overlong_slug_is_refused():
    with pytest.raises(ArticleFormatError, match="120"):
        parse_plain_text(BASIC, slug="a" * 121)
    assert parse_plain_text(BASIC, slug="a" * 120).slug == "a" * 120


def test_imported_text_is_a_draft():
    assert parse_plain_text(BASIC).draft is True


MARKDOWN = """---
title: "Easing back spasms"
slug: back-spasms
summary: Eight ways to ease a spasm.
published: 2026-01-02
updated: 2026-02-03
reviewed: 2026-03-04
---

A spasm is a sudden
tightening of a muscle.

It can hurt.

## 1. Rest {#rest-first}

Give your back a break.

## 2. Stretching

Summary: Stretch gently, every day.

Try these:

- **Child's pose:** Sit back on your heels.
- **Cat-cow:** Arch, then
  round your back.

Do them daily.

***

With care, most spasms pass.
"""


def test_markdown_article():
    parsed = parse_markdown(MARKDOWN)

    assert parsed.title == "Easing back spasms"
    assert parsed.slug == "back-spasms"
    assert parsed.intro == ["A spasm is a sudden tightening of a muscle.", "It can hurt."]
    assert [r.slug for r in parsed.remedies] == ["rest-first", "stretching"]
    rest, stretching = parsed.remedies
    # Without a summary of its own, a section is summed up by its first sentence.
    assert rest.summary == "Give your back a break."
    assert rest.text == "Give your back a break."
    # A "Summary:" paragraph is for the overview: it is not part of the section's text.
    assert stretching.summary == "Stretch gently, every day."
    assert stretching.text == (
        "Try these:\n\n- **Child's pose:** Sit back on your heels.\n"
        "- **Cat-cow:** Arch, then\n  round your back.\n\nDo them daily."
    )
    assert parsed.closing == ["With care, most spasms pass."]
    assert str(parsed.reviewed_on) == "2026-03-04"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("summary: Eight ways to ease a spasm.\n", "", "missing: summary"),
        ("published: 2026-01-02", "published: soon", "must be a date"),
        ("## 2. Stretching", "## 3. Stretching", "skips ahead"),
        ('title: "Easing back spasms"', "title: [unclosed", "not valid YAML"),
    ],
)
def test_markdown_errors_are_clear(old, new, message):
    with pytest.raises(ArticleFormatError, match=message):
        parse_markdown(MARKDOWN.replace(old, new))


def test_shipped_content_covers_the_seed_facts():
    parsed = parse_markdown((ROOT / "content" / "relieve-back-spasms.md").read_text())

    assert len(parsed.remedies) == 8
    stretches = parsed.remedies[1].text
    for stretch in ("Child's Pose", "Cat-Cow", "Pelvic Tilt"):
        # Each stretch: its own heading, a drawing, then numbered steps.
        section = stretches.split(f"### {stretch}\n", 1)[1].split("\n### ", 1)[0]
        assert section.lstrip().startswith("![Line drawing of ")
        assert "\n1. " in section and "\n3. " in section
        assert "Stop if the pain gets worse or spreads down a leg." in section
    cold_and_heat = parsed.remedies[2].text
    assert "15 to 20 minutes" in cold_and_heat
    assert "Never go to sleep lying on a heat pad" in cold_and_heat


@pytest.mark.parametrize("slug", ["moderation", "auth", "Has Caps", "under_score", "-x"])
def test_reserved_or_malformed_slugs_are_refused(slug):
    with pytest.raises(ArticleFormatError, match="slug"):
        parse_plain_text(BASIC, slug=slug)
    with pytest.raises(ArticleFormatError, match="slug"):
        parse_markdown(MARKDOWN.replace("slug: back-spasms", f"slug: {slug}"))


@pytest.mark.parametrize(
    ("line", "draft"),
    [("", False), ("draft: false\n", False), ("draft: true\n", True), ("draft: yes\n", True)],
)
def test_markdown_draft_flag(line, draft):
    assert parse_markdown(MARKDOWN.replace("---\n", f"---\n{line}", 1)).draft is draft


@pytest.mark.parametrize("value", ["maybe", "'true'", "1", "[true]"])
def test_markdown_draft_must_be_true_or_false(value):
    with pytest.raises(ArticleFormatError, match="'draft' must be true or false"):
        parse_markdown(MARKDOWN.replace("---\n", f"---\ndraft: {value}\n", 1))


# --- trust: author, reviewer, next review, sources ------------------------------------

TRUST = """author: Relief editorial team
author_type: organization
reviewed_by: "Relief editorial team, Editorial review"
next_review: 2027-03-04
sources:
  - title: "Back pain"
    publisher: NHS
    url: https://www.nhs.uk/conditions/back-pain/
  - title: "Low back pain and sciatica in over 16s"
    url: https://www.nice.org.uk/guidance/ng59
"""


def with_trust(trust: str = TRUST) -> str:
    return MARKDOWN.replace("---\n", f"---\n{trust}", 1)


def test_markdown_trust_keys():
    parsed = parse_markdown(with_trust())

    assert parsed.author == "Relief editorial team"
    assert parsed.author_organization is True
    assert parsed.reviewed_by == "Relief editorial team, Editorial review"
    assert str(parsed.next_review_on) == "2027-03-04"
    assert [(s.title, s.url, s.publisher) for s in parsed.sources] == [
        ("Back pain", "https://www.nhs.uk/conditions/back-pain/", "NHS"),
        ("Low back pain and sciatica in over 16s", "https://www.nice.org.uk/guidance/ng59", None),
    ]


def test_markdown_trust_keys_are_optional():
    parsed = parse_markdown(MARKDOWN)

    assert (parsed.author, parsed.reviewed_by, parsed.next_review_on) == (None, None, None)
    assert parsed.author_organization is False
    assert parsed.sources == []


def test_an_author_is_a_person_unless_it_says_otherwise():
    parsed = parse_markdown(with_trust("author: Ada Writer\n"))
    assert (parsed.author, parsed.author_organization) == ("Ada Writer", False)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("url: https://www.nhs.uk", "url: javascript://www.nhs.uk", "http or https"),
        ("url: https://www.nhs.uk", "url: ftp://www.nhs.uk", "http or https"),
        ("url: https://www.nhs.uk", "url: //www.nhs.uk", "http or https"),
        ("url: https://www.nhs.uk/conditions/back-pain/", "url: 'https://'", "http or https"),
        ("url: https://www.nhs.uk/conditions/back-pain/", "url: 'https://a b/'", "http or https"),
        ('title: "Back pain"', 'name: "Back pain"', "needs a 'title'"),
        ('title: "Back pain"', "title: ''", "title"),
        ("    url: https://www.nhs.uk/conditions/back-pain/\n", "", "url"),
        ("sources:\n", "sources: https://example.com\nx:\n", "list"),
        ("next_review: 2027-03-04", "next_review: soon", "'next_review' must be a date"),
        ("next_review: 2027-03-04", "next_review: 2026-13-01", "month must be in 1..12"),
        ("next_review: 2027-03-04", "next_review: 2026-03-04", "after"),
        ("next_review: 2027-03-04", "next_review: 2025-01-01", "after"),
        ("author: Relief editorial team", "author: ''", "author"),
        ("author: Relief editorial team", 'author: "Relief\\u202eteam"', "author"),
        ("author: Relief editorial team", 'author: "Relief\\nteam"', "author"),
        ("author: Relief editorial team", "author: [a, b]", "author"),
        ("author_type: organization", "author_type: robot", "author_type"),
        ('reviewed_by: "Relief', 'reviewed_by: "Relief\\u200b', "reviewed_by"),
        ("Relief editorial team, Editorial review", "Relief editorial team", "NAME, ROLE"),
        ('title: "Back pain"', 'title: "Back\\u202epain"', "title"),
        ("publisher: NHS", "publisher: [NHS]", "publisher"),
    ],
)
def test_markdown_trust_errors_are_clear(old, new, message):
    text = with_trust()
    assert old in text
    with pytest.raises(ArticleFormatError, match=message):
        parse_markdown(text.replace(old, new, 1))


def test_a_next_review_needs_a_reviewed_date():
    with pytest.raises(ArticleFormatError, match="reviewed"):
        parse_markdown(with_trust().replace("reviewed: 2026-03-04\n", ""))


def test_shipped_content_names_its_team_and_sources():
    parsed = parse_markdown((ROOT / "content" / "relieve-back-spasms.md").read_text())

    assert parsed.author == "Relief editorial team"
    assert parsed.author_organization is True
    assert parsed.reviewed_by.startswith("Relief editorial team, ")
    assert parsed.next_review_on == parsed.reviewed_on.replace(year=parsed.reviewed_on.year + 1)
    assert {
        "https://www.nhs.uk/conditions/back-pain/",
        "https://www.nice.org.uk/guidance/ng59",
    } <= {s.url for s in parsed.sources}
