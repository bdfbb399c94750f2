"""Text as a reader sees it, for the word lists: letters that look like others, read as
those others.

A spammer who knows that "casino" sends a comment to spam writes it with a Cyrillic "es"
and "a" (U+0441, U+0430), in Greek capitals, with an accent on the o, or in squared
capitals: to a reader it says "casino", to a plain comparison it does not.  ``fold`` (in
``app.comments.policy``) already turns full-width and mathematical letters into plain
ones; this reading also reads, word by word:

- a Latin letter with marks added as the plain letter ("ó" as "o"; "ß" stays "ss");
- a letter of another script drawn like a Latin one as that letter (decancer, a
  maintained Rust library made for this, tells which: Cyrillic "es" as "c", Greek
  capital rho as "p"), one letter at a time, so that no word boundary moves; a letter
  it would read as anything but Latin letters stays as it is (Hebrew yod, CJK);
- enclosed and squared Latin letters as the letters; combining marks piled on a word
  ("zalgo") as nothing.

Which words are read: every word that mixes scripts or holds a Latin letter, and, in a
text written mostly in Latin letters, a word wholly in another script too ("free"
followed by "sex" spelled in Cyrillic).  In a text written mostly in another script its
own words are left alone: a Russian "vot" ("here", in Cyrillic) is not read as "bot".
Words that are all ASCII are never read, and a text that is all ASCII costs nothing.
The reading is for matching only: it is never stored or shown.
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
    r"[\w\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
    r"\u2460-\u24ff\U0001f100-\U0001f1ff]+"
)
LATIN, MARK, OTHER_SYMBOL = "LATIN", "MARK", "COMMON"


@lru_cache(maxsize=16)  # the three word lists read the same text in turn
def as_seen(text: str) -> str | None:
    """Return ``text`` (NFKC-normalised, hidden characters removed, not case-folded)
    with lookalike letters read as the Latin letters they look like, or None when no
    word was read differently."""
    if text.isascii():
        return None
    words = [(match, [_script(c) for c in match.group()]) for match in _WORD.finditer(text)]
    latin = other = 0
    for _match, scripts in words:
        for script in scripts:
            if script == LATIN:
                latin += 1
            elif script not in (MARK, OTHER_SYMBOL):
                other += 1
    mostly_latin = latin > other
    parts, end = [], 0
    for match, scripts in words:
        word = match.group()
        if word.isascii():
            continue
        kinds = set(scripts) - {MARK, OTHER_SYMBOL}
        if not (LATIN in kinds or len(kinds) > 1 or mostly_latin):
            continue
        reading = "".join(_reading(c) for c in word)
        if reading != word:
            parts += [text[end : match.start()], reading]
            end = match.end()
    if not parts:
        return None
    return "".join([*parts, text[end:]])


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
def _reading(character: str) -> str:
    """How one character of a word reads: itself (ASCII), nothing (a combining mark), a
    Latin letter without its marks ("ss" for sharp s), or the Latin letters it is drawn
    like (decancer), or itself when it is drawn like none."""
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
