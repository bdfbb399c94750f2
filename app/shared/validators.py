"""Checks on typed text that every form shares: characters that hide or disguise text.

Invisible characters (zero-width spaces, soft hyphens, fillers) and the bidirectional
controls (which reorder what follows them) let a name pass for another person's, or a
link show one address and lead to another.  Control characters cannot be stored by
every database.
"""

from __future__ import annotations

import unicodedata

from wtforms.validators import ValidationError

ZERO_WIDTH_JOINERS = frozenset("\u200c\u200d")  # needed in Persian, Indic names, emoji
# Letters that draw nothing: Hangul fillers and the combining grapheme joiner.
BLANK_LETTERS = frozenset("\u034f\u115f\u1160\u2800\u3164\uffa0")
TAGS = range(0xE0020, 0xE0080)  # emoji subdivision flags (England, Scotland, Wales)
BLACK_FLAG = "\U0001f3f4"  # the only character tags may follow
LINE_BREAKS = frozenset("\t\n\r\u2028\u2029")  # what multi-line text may hold
# The explicit embedding, override and isolate controls: they reorder everything after
# them, a link included ("\u202e" shows an address backwards).  The marks (LRM, RLM,
# ALM) only nudge neutral characters and are ordinary in Arabic and Hebrew text.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def hidden_characters(text: str, *, allow_joiners: bool = False, newlines: bool = False) -> str:
    """Return the characters of ``text`` that are invisible, reorder text, are controls
    or break the line.

    The line and paragraph separators (U+2028, U+2029) count: many mail programs and
    editors start a new line at them, so a name holding one could put a line of its own
    choosing ("Approve: https://...") into a plain-text email.

    :param allow_joiners: let the zero-width (non-)joiners and emoji tag characters
        through, as names in several scripts and some emoji need them.
    :param newlines: let tab, line feed, carriage return and the two separators through.
    """
    found = []
    flag = BLACK_FLAG in text
    for char in text:
        if newlines and char in LINE_BREAKS:
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp") or char in BLANK_LETTERS:
            found.append(char)
        elif category == "Cf":
            if allow_joiners and (char in ZERO_WIDTH_JOINERS or (flag and ord(char) in TAGS)):
                continue
            found.append(char)
    return "".join(found)


def has_visible_characters(text: str) -> bool:
    """Whether ``text`` shows anything: a letter, digit, punctuation mark or symbol."""
    return any(
        unicodedata.category(char)[0] in "LNPS" and char not in BLANK_LETTERS for char in text
    )


def describe(chars: str) -> str:
    """Name the first offending character for a message: "U+200B (ZERO WIDTH SPACE)"."""
    char = chars[0]
    return f"U+{ord(char):04X} ({unicodedata.name(char, 'control character')})"


def no_control_characters(form, field) -> None:
    """WTForms validator for multi-line text: refuse control characters other than tab
    and newline, and the bidirectional controls that reorder what follows them.  Other
    formatting characters pass: right-to-left marks belong in Arabic and Hebrew text
    (links in it are checked apart)."""
    found = field.data and "".join(
        c
        for c in field.data
        if (unicodedata.category(c) == "Cc" and c not in "\t\n\r") or c in BIDI_CONTROLS
    )
    if found:
        raise ValidationError(
            f"{field.label.text} contains an invisible control character ({describe(found)}) "
            "that we cannot accept (it can hide or reorder text). Please remove it."
        )


def no_hidden_characters(allow_joiners: bool):
    """WTForms validator for one-line fields: refuse invisible, reordering and control
    characters.

    :param allow_joiners: names may hold the zero-width joiners that some scripts and
        emoji need; addresses may not.
    """

    def validator(form, field) -> None:
        found = field.data and hidden_characters(field.data, allow_joiners=allow_joiners)
        if found:
            raise ValidationError(
                f"{field.label.text} contains an invisible or direction-changing character "
                f"({describe(found)}). Please remove it, or type it again."
            )

    return validator


def visible(form, field) -> None:
    """WTForms validator: refuse a value made only of invisible or blank characters."""
    if field.data and not has_visible_characters(field.data):
        raise ValidationError(
            f"{field.label.text} must contain letters or other visible characters."
        )
