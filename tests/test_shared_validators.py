"""Which characters count as hidden: invisible, reordering or control characters."""

import pytest

from app.shared.validators import describe, has_visible_characters, hidden_characters


@pytest.mark.parametrize(
    "text",
    [
        "Ada\u200bLovelace",  # zero-width space
        "Ada\u00adLovelace",  # soft hyphen
        "\u202eecalevoL",  # right-to-left override
        "Ada\u2066Lovelace\u2069",  # isolates
        "Ada\u200fLovelace",  # right-to-left mark
        "Ada\ufeff",  # byte order mark
        "\u3164",  # Hangul filler: a "blank" name
        "Ada\x00",
        "Ada\x1b[31m",
        "\u2800",  # braille blank
        "x\U000e0041y",  # a tag character outside a flag: shows as "xy"
        "Ada\u2028Approve",  # line separator: a new line in many mail programs
        "Ada\u2029",  # paragraph separator
    ],
)
def test_invisible_reordering_and_control_characters_are_found(text):
    assert hidden_characters(text, allow_joiners=True)


@pytest.mark.parametrize(
    "text",
    [
        "Ada Lovelace",
        "Zoë Ångström",
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian needs the ZWNJ
        "👩\u200d⚕️",  # emoji with a zero-width joiner and a variation selector
        "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",  # England
        "محمد",
    ],
)
def test_ordinary_names_in_any_script_pass(text):
    assert hidden_characters(text, allow_joiners=True) == ""


def test_joiners_are_refused_where_they_are_not_allowed():
    assert hidden_characters("exa\u200dmple.com") == "\u200d"


def test_newlines_pass_only_when_asked():
    assert hidden_characters("a\nb", newlines=True) == ""
    assert hidden_characters("a\nb") == "\n"
    assert hidden_characters("a\u2028b\u2029c", newlines=True) == ""
    assert hidden_characters("a\u2028b") == "\u2028"


def test_the_message_names_the_character():
    assert describe("\u200b") == "U+200B (ZERO WIDTH SPACE)"
    assert describe("\x00") == "U+0000 (control character)"


@pytest.mark.parametrize(
    ("text", "shows"),
    [
        ("Ada", True),
        ("\u0661", True),
        ("\U0001f642", True),
        ("-", True),
        ("\u200c", False),
        ("\u2800", False),
        ("\ufe0f", False),
        ("\u3164\u3164", False),
    ],
)
def test_a_value_must_show_something(text, shows):
    assert has_visible_characters(text) is shows
