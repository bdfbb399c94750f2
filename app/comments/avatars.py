"""Local identicon avatars: a small symmetric pattern drawn in SVG, no third party.

An avatar is drawn from the name the commenter typed, never from their email: nobody
has confirmed that address, so a picture derived from it would let anyone who types a
regular's email borrow their face, and a held comment's picture would confirm a guessed
address.  The name is shown beside the picture anyway, so the picture reveals nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from app.models import Comment


@dataclass(frozen=True)
class Identicon:
    """A symmetric 5 x 5 pattern and its colour, drawn from a seed."""

    hue: int
    cells: tuple[tuple[int, int], ...]

    @property
    def path(self) -> str:
        """The filled cells as one SVG path (a few hundred bytes, not a rect each)."""
        return "".join(f"M{x} {y}h1v1h-1z" for x, y in self.cells)


@lru_cache(maxsize=4096)
def identicon(seed_text: str) -> Identicon:
    """Return the identicon for a seed; the same seed, the same art."""
    seed = hashlib.sha256(b"relief-identicon:" + seed_text.encode("utf-8")).digest()
    cells = []
    for row in range(5):
        for column in range(3):
            bit = seed[1 + row * 3 + column] & 1
            if bit:
                cells.append((column, row))
                if column < 2:
                    cells.append((4 - column, row))
    return Identicon(hue=seed[0] * 360 // 256, cells=tuple(sorted(cells)))


def avatar_for(comment: Comment) -> Identicon:
    """Return a comment's identicon, drawn from its author's name (case ignored)."""
    return identicon("name:" + comment.author_name.strip().casefold())
