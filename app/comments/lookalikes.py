"""Text as a reader sees it, for the word lists: letters that look like others, read as
those others, in the words where that can only be a disguise.

A spammer who knows that "casino" sends a comment to spam writes it with a Cyrillic "es"
and "a" (U+0441, U+0430) among the Latin letters, or in squared capitals: to a reader it
says "casino", to a plain comparison it does not.  ``fold`` (in ``app.comments.policy``)
already turns full-width and mathematical letters into plain ones.  This reading also
reads, one letter at a time (so that no word boundary moves):

- in a word that mixes scripts (Latin and Cyrillic, Greek and Latin...), which no
  language writes: every letter as the Latin letters it is drawn like (decancer, a
  maintained Rust library made for this, tells which: Cyrillic "es" as "c", Greek
  capital rho as "p"; a letter it would read as anything but Latin letters stays, such
  as a Hebrew yod), Latin letters without their accents, marks piled on it as nothing;
- in a word of Latin letters: only the styled forms no language writes with (squared,
  circled, parenthesised and small-capital letters, regional indicators), and marks
  left piled on it after composition, as nothing.

Left alone, because ordinary text is written so: a word wholly in another script (a
Russian "vot" is not "bot", even quoted in an English comment) and accented Latin
letters in a word of Latin letters (the Vietnamese "cam" with a hook above is not
"cam").  So a word spelled wholly in Cyrillic or Greek lookalikes, or with accents
added, still passes these lists (the rest of the policy decides).  Words all ASCII are
never read, and a text that is all ASCII costs nothing.  The reading is for matching
only: it is never stored or shown.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import decancer_py

# A word: letters, digits and underscores of any script, the combining marks that may be
# piled on them, and the enclosed and squared letters (symbols to Unicode, letters to a
# reader).  Everything else (spaces, punctuation, other symbols) separates words.
_WORD = re.compile(
    r"[\w\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f"
    r"\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff"
    r"\u302a-\u302f\u3099\u309a\ufe20-\ufe2f\u2460-\u24ff\U0001f100-\U0001f1ff]+"
)
LATIN, MARK, OTHER_SYMBOL = "LATIN", "MARK", "COMMON"


def as_seen(text: str) -> str | None:
    """Return ``text`` (NFKC-normalised, hidden characters removed, not case-folded)
    with lookalike letters read as the Latin letters they look like (see the module's
    docstring for which), or None when no word was read differently."""
    if text.isascii():
        return None
    # Each different word read once: words repeat, in any text and by the thousand in a
    # comment made to be slow to read (one word 5,000 times took 70 ms word by word).
    readings = {
        word: reading
        for word in set(_WORD.findall(text))
        if not word.isascii() and (reading := _word_read(word)) is not None
    }
    if not readings:
        return None
    return _WORD.sub(lambda match: readings.get(match.group(), match.group()), text)


# Words longer than this are read afresh each time: no word of any language is, and a
# cache of 4,096 words of 5,000 letters would hold tens of megabytes per worker.
CACHED_WORD = 40


def _word_read(word: str) -> str | None:
    """How one word that is not all ASCII reads, or None when it reads as written."""
    return _read_short(word) if len(word) <= CACHED_WORD else _read(word)


def _read(word: str) -> str | None:
    scripts = {_script(c) for c in word} - {MARK, OTHER_SYMBOL}
    if len(scripts) > 1:
        reading = "".join(_reading(c) for c in word)
    elif scripts == {LATIN}:
        reading = "".join(_styled(c) for c in word)
    else:
        return None
    return reading if reading != word else None


_read_short = lru_cache(maxsize=4096)(_read)


def as_listed(phrase: str) -> str:
    """Return a listed word or phrase (NFKC-normalised, hidden characters removed) with
    every word read as a mixed-script word is: what its disguises read as."""
    if phrase.isascii():
        return phrase
    return _WORD.sub(lambda match: "".join(_reading(c) for c in match.group()), phrase)


# Latin letters in forms that no language writes with, read even in a word of Latin
# letters alone (by words of their Unicode names).
_STYLED = ("SQUARED", "CIRCLED", "PARENTHESIZED", "SMALL CAPITAL", "REGIONAL INDICATOR")


@lru_cache(maxsize=4096)
def _script(character: str) -> str:
    """The script of one character of a word, as the first word of its Unicode name
    (LATIN, CYRILLIC, GREEK...; enclosed and squared Latin letters count as LATIN);
    MARK for a combining mark; COMMON for digits and the like."""
    if character.isascii():
        return LATIN if character.isalpha() else OTHER_SYMBOL
    if unicodedata.category(character).startswith("M"):
        return MARK
    name = unicodedata.name(character, "")
    if "LATIN" in name.split():
        return LATIN
    if not character.isalpha():
        return OTHER_SYMBOL
    return name.split(" ", 1)[0]


@lru_cache(maxsize=4096)
def _styled(character: str) -> str:
    """One character of a word of Latin letters: a styled letter read as the plain one, a
    combining mark as nothing, anything else as it is."""
    if unicodedata.category(character).startswith("M"):
        return ""  # a mark left over after composition: piled on, read as nothing
    name = unicodedata.name(character, "")
    if any(style in name for style in _STYLED):
        return _reading(character)
    return character


@lru_cache(maxsize=4096)
def _reading(character: str) -> str:
    """How one character of a mixed-script word reads: itself (ASCII), nothing (a
    combining mark), a Latin letter without its marks ("ss" for sharp s), the Latin
    letters it is drawn like (decancer), or itself when it is drawn like none."""
    if character.isascii():
        return character
    if unicodedata.category(character).startswith("M"):
        return ""
    if unicodedata.name(character, "").startswith("LATIN "):
        plain = "".join(
            c for c in unicodedata.normalize("NFD", character) if not unicodedata.combining(c)
        )
        if plain.isascii() and plain.isalpha():
            return plain
        if character.casefold().isascii():
            return character.casefold()  # sharp s as "ss"
    try:
        reading = str(decancer_py.parse(character, disable_bidi=True))
    except UnicodeError:  # a lone surrogate, which no browser sends
        return character
    return reading if reading.isascii() and reading.isalpha() else character
