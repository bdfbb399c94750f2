"""Text as a reader sees it, for the word lists: letters that look like others, read as
those others.

A spammer who knows that "cure" holds a comment writes it with a Cyrillic "es" and
"ie" (U+0441, U+0435), with an accent on the c, in enclosed or black-letter capitals:
to a reader it says "cure", to a plain comparison it does not.  ``fold`` (in
``app.comments.policy``) already turns full-width and mathematical letters into plain
ones; decancer (decancer-py, a maintained Rust library made for this) also reads
homoglyphs from other scripts, letters with added accents, enclosed and styled letters
as the Latin letters they are drawn like.  The word lists look for their words in that
reading as well as in the text itself, so what was found before is still found, and an
accented or foreign word that is listed still matches as typed.

Text that is all ASCII has no such letters and is not read again (most comments, at no
cost).  The reading is for matching only: it is never stored or shown.  Text in another
script is read letter by letter as Latin (the Russian word for "how" reads "kak"), so a
listed Latin word could, rarely, match a word of another language that is drawn the
same way; the moderation log names the word that was found.
"""

from __future__ import annotations

import decancer_py


def as_seen(folded: str) -> str | None:
    """Return ``folded`` (already case-folded by ``fold``) with every lookalike letter
    read as the letter it looks like, or None when that is the text itself."""
    if folded.isascii():
        return None
    try:
        seen = str(decancer_py.parse(folded))
    except UnicodeError:  # a lone surrogate, which no browser sends: nothing to read
        return None
    return None if seen == folded else seen
