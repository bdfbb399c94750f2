"""URL converters for article and remedy addresses.

An article's slug may not take the first segment of another area's URLs: without this,
``GET /auth/logout`` would be redirected to ``/auth/logout/`` as if it were a remedy page
instead of answering 405.
"""

from __future__ import annotations

import re

from werkzeug.routing import BaseConverter

from app.pages.store import SLUGS as PLAIN_PAGE_SLUGS

SLUG_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"
# Other areas' first segments, and the plain pages (/about/, /privacy/, ...).
RESERVED = frozenset({"auth", "moderation", "email-action", "static", "healthz"}) | frozenset(
    PLAIN_PAGE_SLUGS
)
_SLUG = re.compile(rf"^{SLUG_PATTERN}$")


def is_valid_slug(slug: str) -> bool:
    """Whether ``slug`` is lowercase words joined by hyphens."""
    return bool(_SLUG.match(slug))


class SlugConverter(BaseConverter):
    """A remedy's slug: lowercase words joined by hyphens."""

    regex = SLUG_PATTERN


class ArticleSlugConverter(BaseConverter):
    """An article's slug: a slug that is not the name of another area of the site."""

    regex = r"(?!(?:" + "|".join(map(re.escape, sorted(RESERVED))) + r")/)" + SLUG_PATTERN
