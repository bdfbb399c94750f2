"""How long the comment policy takes over the longest comments the form accepts.

`python bench/word_lists.py`: runs ``policy.decide`` (the word lists, the red flags, the
link count) over 5,000-character comments with every word list set, each text new to
the caches as a comment sent is, and prints milliseconds of CPU per comment:

- English words;
- Russian words (not ASCII: what ``str.translate`` was slow on);
- English words with Cyrillic lookalike letters in them (read letter by letter);
- one character that compatibility normalisation turns into 18 (U+FDFA), 5,000 times
  (90,000 characters once read);
- one word of 5,000 letters mixing Latin with letters of every other script that no
  earlier comment used: every letter read on its own (the slowest text we found).

The flood limit bounds how many such comments one client sends; this says what each
costs.  Nothing is asserted (speed is measured here, not tested).
"""

from __future__ import annotations

import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.comments import policy
from app.comments.forms import MAX_COMMENT

COMMENTS = 30
SETTINGS = policy.PolicySettings(
    moderation_words=("casino", "viagra", "free money", "crypto", "miracle cure"),
    disallowed_words=("porn", "loan offer", "bitcoin", "escort"),
    red_flags=("numb groin", "can't pee", "lost control of my bladder", "fever", "fell"),
)
LENGTH = MAX_COMMENT - 4  # and a number, so that each comment is new to the caches


def repeated(unit: str):
    """Comments of ``unit`` repeated to the form's limit."""
    return lambda n: (unit * (LENGTH // len(unit) + 1))[:LENGTH] + f"{n:04d}"


def one_mixed_word(n: int) -> str:
    """One word: a Latin a, then letters of every other script, none used by the comment
    before: no cache of words or letters helps, and each letter is read on its own."""
    start = n * LENGTH % (len(_LETTERS) - LENGTH)
    return "a" + "".join(_LETTERS[start : start + LENGTH - 1]) + f"{n:04d}"


# Letters outside Latin and ASCII that normalisation and case folding leave as they are.
_LETTERS = [
    c
    for c in map(chr, range(0x100, 0x30000))
    if c.isalpha()
    and unicodedata.normalize("NFKC", c) == c
    and len(c.casefold()) == 1
    and not unicodedata.name(c, "LATIN").startswith("LATIN")
]


TEXTS = {
    "English": repeated("My back went into spasm again this morning. "),
    "Russian": repeated("Спина снова болит после долгой работы за столом. "),
    # "The best casino bonus is here for you today." with Cyrillic T, e, c, a, o.
    "English with Cyrillic lookalike letters": repeated(
        "\u0422h\u0435 b\u0435st \u0441\u0430sin\u043e b\u043enus is h\u0435r\u0435 for you today. "
    ),
    "U+FDFA x 5,000": repeated("\ufdfa"),
    "one word of 5,000 letters of every script": one_mixed_word,
}


def per_comment(text_of) -> float:
    """Milliseconds of CPU per comment whose text is ``text_of(n)``."""
    history = policy.AuthorHistory(has_approved_comment=True)
    submissions = [
        policy.Submission(name="Reader", email="reader@example.com", website=None, text=text_of(n))
        for n in range(COMMENTS + 2)
    ]
    for submission in submissions[:2]:  # patterns compiled
        policy.decide(submission, history, SETTINGS)
    start = time.process_time()
    for submission in submissions[2:]:
        policy.decide(submission, history, SETTINGS)
    return (time.process_time() - start) / COMMENTS * 1000


def main() -> None:
    print("| comment of 5,000 characters | CPU ms per comment |")
    print("| --- | ---: |")
    for label, text_of in TEXTS.items():
        print(f"| {label} | {per_comment(text_of):.1f} |")


if __name__ == "__main__":
    main()
