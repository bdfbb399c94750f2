"""Which Relief page an exported post's comments go to.

A post matches a page by, in this order: an explicit ``--map POST=PAGE_PATH`` (POST is
its name or id in the other system, or its link), the path of its link equal to a page's
path, or its name (``wp:post_name``) equal to the slug of exactly one page.  Anything
else is not matched: the import lists it with its comments and leaves it out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from flask import request
from sqlalchemy import select

from app.extensions import db
from app.models import Article
from app.shared.pages import PageKey, page_url
from app.transfer.records import SourcePost, TransferError


def normal_path(path_or_url: str) -> str:
    """A link's path as pages are compared: decoded, lower case, with one final slash."""
    path = unquote(urlsplit(path_or_url.strip()).path).lower()
    return "/" + path.strip("/") + "/" if path.strip("/") else "/"


@dataclass(frozen=True)
class Match:
    """A matched page: its key and its path, as the report names it."""

    key: PageKey
    path: str


@dataclass
class PageIndex:
    """Relief's pages by path and by slug, and the ``--map`` choices."""

    by_path: dict[str, Match] = field(default_factory=dict)
    by_slug: dict[str, list[Match]] = field(default_factory=lambda: defaultdict(list))
    mapped: dict[str, Match] = field(default_factory=dict)

    @classmethod
    def load(cls, maps: tuple[str, ...] = ()) -> PageIndex:
        """Read every page (drafts too) and check each ``POST=PAGE_PATH`` of ``maps``.

        Needs a request context for the site's paths.

        :raise TransferError: for a map without "=", or with a path that is no page.
        """
        index = cls()
        root = request.script_root.lower()
        for article in db.session.scalars(select(Article).order_by(Article.id)):
            pages = [(None, article.slug)] + [(r, r.slug) for r in article.remedies]
            for remedy, slug in pages:
                path = page_url(article.slug, remedy.slug if remedy else None)
                match = Match(PageKey(article.id, remedy.id if remedy else None), path)
                index.by_path[normal_path(path)] = match
                if root and normal_path(path).startswith(root + "/"):
                    index.by_path[normal_path(path)[len(root) :]] = match
                index.by_slug[slug.lower()].append(match)
        for item in maps:
            # The last "=": a page path never holds one, a post's link or id may
            # ("https://example.com/?p=12", Disqus's "12 https://example.com/?p=12").
            post, sep, path = item.rpartition("=")
            if not sep or not post.strip() or not path.strip():
                raise TransferError(f"--map {item!r}: write it as POST=PAGE_PATH.")
            match = index.by_path.get(normal_path(path))
            if match is None:
                raise TransferError(f"--map {item!r}: no page of this site has the path {path}.")
            index.mapped[post.strip()] = match
        return index

    def match(self, post: SourcePost) -> tuple[Match | None, str]:
        """Return the page for ``post`` (or None) and how it was matched or why not."""
        for name in (*post.ids, post.link):
            if name and name in self.mapped:
                return self.mapped[name], f"--map {name}"
        if post.link:
            found = self.by_path.get(normal_path(post.link))
            if found:
                return found, "link"
        candidates = self.by_slug.get(post.name.lower(), []) if post.name else []
        if len(candidates) == 1:
            return candidates[0], "name"
        if candidates:
            return None, f"its name {post.name!r} is the slug of several pages"
        return None, "no page has its name or path"

    def unused_maps(self, used: set[str]) -> list[str]:
        """The ``--map`` names that matched no post of the file."""
        return sorted(set(self.mapped) - used)
