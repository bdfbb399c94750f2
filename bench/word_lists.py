"""How long the comment policy takes over the longest comments the form accepts.

`python bench/word_lists.py`: runs ``policy.decide`` (the word lists, the red flags, the
link count) over 5,000-character comments with every word list set, each text new to
the caches as a comment sent is, and prints milliseconds per comment:

- English words;
- Russian words (not ASCII: what ``str.translate`` was slow on);
- English words with Cyrillic lookalike letters in them (read letter by letter);
- one character that compatibility normalisation turns into 18 (U+FDFA), 5,000 times:
  the slowest text to read that the form lets through (90,000 characters once read).

The flood limit bounds how many such comments one client sends; this says what each
costs.  Nothing is asserted (speed is measured here, not tested).
"""

from __future__ import annotations

import sys
import time
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
TEXTS = {
    "English": "My back went into spasm again this morning. ",
    "Russian": "Спина снова болит после долгой работы за столом. ",
    # "The best casino bonus is here for you today." with Cyrillic T, e, c, a, o.
    "lookalike letters": (
        "\u0422h\u0435 b\u0435st \u0441\u0430sin\u043e b\u043enus is h\u0435r\u0435 for you today. "
    ),
    "U+FDFA x 5,000": "\ufdfa",
}


def per_comment(unit: str) -> float:
    """Milliseconds per comment of ``unit`` repeated to the form's limit."""
    body = (unit * (MAX_COMMENT // len(unit) + 1))[: MAX_COMMENT - 4]
    history = policy.AuthorHistory(has_approved_comment=True)
    submissions = [
        policy.Submission(
            name="Reader", email="reader@example.com", website=None, text=f"{body}{n:04d}"
        )
        for n in range(COMMENTS + 2)
    ]
    for submission in submissions[:2]:  # patterns compiled, caches warm
        policy.decide(submission, history, SETTINGS)
    start = time.perf_counter()
    for submission in submissions[2:]:
        policy.decide(submission, history, SETTINGS)
    return (time.perf_counter() - start) / COMMENTS * 1000


def main() -> None:
    print("| comment of 5,000 characters | ms per comment |")
    print("| --- | ---: |")
    for label, unit in TEXTS.items():
        print(f"| {label} | {per_comment(unit):.1f} |")


if __name__ == "__main__":
    main()
