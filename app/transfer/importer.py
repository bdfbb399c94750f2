"""Importing another system's comments: plan from the whole file, then write it at once.

The file is read twice.  The first reading checks all of it (a truncated or hostile
file fails here, before anything is written), matches its posts to Relief's pages,
leaves out what cannot be imported and finds what an earlier import already brought
(by source site and id): that is the report, and all ``--dry-run`` does.  The second
reading writes the new comments in one transaction, in batches, and then links replies
to their parents, which may come anywhere in the file; it commits only if it read the
same bytes as the first (their SHA-256), so a file replaced or rewritten in between
writes nothing.  Memory grows with the number of comments only by a few small entries
each (ids, parents), never with their text.

Imported comments are stored as they were there: no policy runs on them (they were
moderated already), no email is sent, pending ones wait in the moderation queue (with
their red flags found, so health questions come first).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import insert, inspect, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from app.comments import policy
from app.comments.privacy import CLI_ACTOR, anonymise_ip
from app.comments.services import build_comment, policy_settings, touch_pages
from app.db import write_transaction
from app.extensions import db
from app.models import Comment, CommentStatus, ModerationAction, ModerationEvent, utcnow
from app.shared.pages import PageKey
from app.transfer.cleaning import CleanComment, prepare
from app.transfer.matching import Match, PageIndex
from app.transfer.records import (
    Record,
    SourceComment,
    SourceEnd,
    SourcePost,
    SourceSite,
    TransferError,
)

BATCH = 1000
STATUS_ORDER = (
    CommentStatus.APPROVED,
    CommentStatus.PENDING,
    CommentStatus.SPAM,
    CommentStatus.TRASH,
)


@dataclass
class Unmatched:
    """A post whose comments stay behind, and why."""

    post: SourcePost
    comments: int
    why: str


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    system: str = ""
    site: str = ""
    post_word: str = "post"  # what the file calls a page with comments
    dry_run: bool = False
    # Per page path, the new comments by status.
    pages: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    already: int = 0
    skipped: Counter = field(default_factory=Counter)
    unmatched: list[Unmatched] = field(default_factory=list)
    without_email: int = 0
    orphans: int = 0
    unused_maps: list[str] = field(default_factory=list)

    @property
    def imported(self) -> int:
        """How many comments are new."""
        return sum(sum(counts.values()) for counts in self.pages.values())

    def lines(self) -> list[str]:
        """The report, line by line, as the command prints it."""
        verb = "Would import" if self.dry_run else "Imported"
        out = [f"{self.system} site {self.site}" + (" (dry run: nothing written)" * self.dry_run)]
        for path, counts in sorted(self.pages.items()):
            per_status = ", ".join(f"{counts[s]} {s.value}" for s in STATUS_ORDER if counts[s])
            out.append(f"  {path}: {per_status}")
        if self.already:
            out.append(f"Already imported before, left as they are: {self.already}")
        if self.without_email:
            out.append(
                f"Without a valid email (imported; they can never be notified): "
                f"{self.without_email}"
            )
        if self.orphans:
            out.append(
                f"Replies whose parent is not in the file (imported as top-level): {self.orphans}"
            )
        for reason, count in sorted(self.skipped.items()):
            out.append(f"Skipped, {reason}: {count}")
        if self.unmatched:
            word = self.post_word
            out.append(
                f"{word.capitalize()}s that match no page (skipped; use --map "
                f"{word.upper()}=PAGE_PATH):"
            )
            for item in self.unmatched:
                ids = ", ".join(item.post.ids) or item.post.key
                out.append(
                    f"  {item.post.title or '(untitled)'!r} ({ids}): {item.comments} "
                    f"comment(s); {item.why}"
                )
        for name in self.unused_maps:
            out.append(f"--map {name}: no {self.post_word} of the file has this name or id")
        out.append(f"{verb} {self.imported} comment(s).")
        return out


@dataclass
class _Plan:
    """What the first reading decided, for the second to carry out."""

    site: SourceSite
    pages: dict[str, Match]  # post key -> page
    parents: dict[str, str | None]  # new comment's source id -> parent's, if any
    # new comment's source id -> its thread (a new comment's source id, or an id here)
    roots: dict[str, str | int]
    existing: dict[str, tuple[int, int | None, PageKey]]  # source id -> (id, root, page)
    count: int
    end: SourceEnd  # how the reading ended: the second must end the same


def import_comments(
    read: Callable[[], Iterator[Record]],
    maps: tuple[str, ...] = (),
    dry_run: bool = False,
) -> ImportReport:
    """Import what ``read()`` yields (see the module's docstring); return the report.

    Needs a request context (page paths).

    :raise TransferError: when the file is not readable as a whole (nothing written).
    """
    index = PageIndex.load(maps)
    report = ImportReport(dry_run=dry_run)
    plan = _plan(read(), index, report)
    if not dry_run and plan.count:
        try:
            _write(read(), plan)
        except IntegrityError:
            # The unique index on (source site, id): another import of the same site
            # wrote some of these comments after this one planned.
            raise TransferError(
                f"Another import of {plan.site.site} imported the same comments meanwhile: "
                "this one wrote nothing. Run it again to add any that are left."
            ) from None
        except OperationalError as exc:
            if "database is locked" not in str(exc.orig):
                raise
            # SQLite: another writer (another import) held the lock past the busy timeout.
            raise TransferError(
                "The database stayed busy with another write (another import?) for longer "
                "than SQLITE_BUSY_TIMEOUT_MS: nothing written. Run it again once that is done."
            ) from None
    return report


def _records(records: Iterable[Record]) -> tuple[SourceSite, Iterator[Record]]:
    iterator = iter(records)
    first = next(iterator, None)
    if not isinstance(first, SourceSite):
        raise TransferError("The file does not say which site it comes from.")
    return first, _to_the_end(iterator)


def _to_the_end(records: Iterator[Record]) -> Iterator[Record]:
    """Yield ``records`` up to and including the reading's ``SourceEnd``, which must
    come, and last: the fingerprint vouches only for what came before it, and without
    one a file changed before the second reading could not be told from the one checked.
    """
    for record in records:
        yield record
        if isinstance(record, SourceEnd):
            if next(records, None) is not None:
                raise TransferError("The file went on after its end: nothing written.")
            return
    raise TransferError("The file was not read to its end: nothing written.")


def _own_site() -> str:
    from app.transfer.wxr import site_id

    return site_id(current_app.config.get("SITE_URL") or "")


def _plan(records: Iterable[Record], index: PageIndex, report: ImportReport) -> _Plan:
    site, records = _records(records)
    report.system, report.site, report.post_word = site.system, site.site, site.post_word
    if site.site == _own_site():
        raise TransferError(
            f"This file was exported from this site ({site.site}): importing it would "
            "give every comment a second copy."
        )
    existing = {
        row.source_id: (row.id, row.root_id, PageKey(row.article_id, row.remedy_id))
        for row in db.session.execute(
            select(
                Comment.source_id,
                Comment.id,
                Comment.root_id,
                Comment.article_id,
                Comment.remedy_id,
            ).where(Comment.source_site == site.site)
        )
    }
    posts: dict[str, SourcePost] = {}
    per_post: dict[str, list[tuple[str, CommentStatus, str | None, bool]]] = defaultdict(list)
    seen: set[str] = set()
    end = None  # the reading's last record: _to_the_end refuses a reading without one
    for record in records:
        if isinstance(record, SourcePost):
            posts[record.key] = record
        elif isinstance(record, SourceEnd):
            end = record
        elif isinstance(record, SourceComment):
            prepared = prepare(record)
            if isinstance(prepared, str):
                report.skipped[prepared] += 1
            elif prepared.source_id in seen:
                report.skipped["listed twice in the file"] += 1
            else:
                seen.add(prepared.source_id)
                per_post[record.post_key].append(
                    (
                        prepared.source_id,
                        prepared.status,
                        prepared.parent_id,
                        bool(prepared.email),
                    )
                )
    pages: dict[str, Match] = {}
    parents: dict[str, str | None] = {}
    used_maps: set[str] = set()
    page_of: dict[str, PageKey] = {}
    for key, comments in per_post.items():
        post = posts.get(key) or SourcePost(key=key, name="", link="", title="", kind="")
        match, how = index.match(post)
        if match is None:
            report.unmatched.append(Unmatched(post, len(comments), how))
            continue
        if how.startswith("--map "):
            used_maps.add(how.removeprefix("--map "))
        pages[key] = match
        for source_id, status, parent, has_email in comments:
            if source_id in existing:
                report.already += 1
                continue
            parents[source_id] = parent
            page_of[source_id] = match.key
            report.pages[match.path][status] += 1
            report.without_email += not has_email
    report.unused_maps = index.unused_maps(used_maps)
    roots = _threads(parents, page_of, existing, report)
    return _Plan(site, pages, parents, roots, existing, len(parents), end)


def _threads(
    parents: dict[str, str | None],
    page_of: dict[str, PageKey],
    existing: dict[str, tuple[int, int | None, PageKey]],
    report: ImportReport,
) -> dict[str, str | int]:
    """Return each new comment's thread: the source id of its new top-level comment, or
    the id here of an earlier import's top-level comment.

    A reply whose parent is missing, on another page, or in a loop of replies becomes
    top-level itself (its entry in ``parents`` is set to None) and is counted.
    """
    for source_id, parent in parents.items():
        if parent is None:
            continue
        parent_page = existing[parent][2] if parent in existing else page_of.get(parent)
        if parent_page != page_of[source_id]:
            parents[source_id] = None
            report.orphans += 1
    roots: dict[str, str | int] = {}
    for source_id in parents:
        path: list[str] = []
        on_path: set[str] = set()
        current = source_id
        while current not in roots:
            parent = parents[current]
            if parent is None:
                top: str | int = current
                roots[current] = current
                break
            if parent in existing:
                comment_id, root_id, _page = existing[parent]
                top = roots[current] = root_id or comment_id
                break
            if parent in on_path or parent == current:
                parents[current] = None  # a loop: the thread starts here
                report.orphans += 1
                top = roots[current] = current
                break
            path.append(current)
            on_path.add(current)
            current = parent
        else:
            top = roots[current]
        for member in path:
            roots[member] = top
    return roots


def _write(records: Iterable[Record], plan: _Plan) -> None:
    site, records = _records(records)
    if site != plan.site:
        raise TransferError("The file changed while it was being imported: nothing written.")
    now = utcnow()
    settings = policy_settings()
    flags = policy.word_matcher(tuple(settings.red_flags))
    ip_cutoff = now - timedelta(days=current_app.config["IP_RETENTION_DAYS"])
    ids = {source_id: row[0] for source_id, row in plan.existing.items()}
    written = 0
    end = None
    with write_transaction():
        batch: list[dict] = []
        for record in records:
            if isinstance(record, SourceEnd):
                end = record
            if not isinstance(record, SourceComment) or record.post_key not in plan.pages:
                continue
            prepared = prepare(record)
            if isinstance(prepared, str) or prepared.source_id not in plan.parents:
                continue
            if prepared.source_id in ids:
                continue  # listed twice: the first one was taken
            row = _row(prepared, plan.pages[record.post_key].key, plan, ip_cutoff, flags)
            batch.append(_values(row))
            ids[prepared.source_id] = 0  # taken; its id is read once all are written
            if len(batch) >= BATCH:
                written += _flush(batch)
        written += _flush(batch)
        if written != plan.count or end != plan.end:
            # Replaced or rewritten since the first reading (even with as many comments):
            # the transaction is rolled back.
            raise TransferError("The file changed while it was being imported: nothing written.")
        _read_ids(plan.site, ids)
        _link_threads(plan, ids)
        touch_pages({match.key for match in plan.pages.values()}, now)
        db.session.add(
            ModerationEvent(
                moderator_email=CLI_ACTOR,
                action=ModerationAction.IMPORT,
                detail=f"{written} comment(s) from {plan.site.system} site {plan.site.site}",
                created_at=now,
            )
        )


def _row(comment: CleanComment, page: PageKey, plan: _Plan, ip_cutoff: datetime, flags) -> Comment:
    """The comment as stored: no owner, no notification; an old IP already anonymised."""
    old = comment.created_at < ip_cutoff
    row = build_comment(
        page,
        parent=None,
        status=comment.status,
        reason=f"imported from {plan.site.system}",
        name=comment.name,
        email=comment.email,
        website=comment.website,
        body=comment.body,
        now=comment.created_at,
        ip=anonymise_ip(comment.ip) if comment.ip and old else comment.ip,
    )
    if not comment.email:
        row.email_digest = ""  # no address: it matches nobody's, and is never notified
    if old or not comment.ip:
        row.client_net = None  # as `flask comments purge-ips` leaves an old comment
    row.status_before_trash = comment.status_before_trash
    row.source_site = plan.site.site
    row.source_id = comment.source_id
    # Set on every row (empty unless held), so that every row has the same columns.
    row.red_flags = (
        "\n".join(flags.find(comment.body)) if comment.status is CommentStatus.PENDING else ""
    )
    return row


def _values(row: Comment) -> dict:
    """The column values ``build_comment`` and ``_row`` gave a new row, by attribute name."""
    state = inspect(row)
    return {
        attr.key: state.dict[attr.key]
        for attr in state.mapper.column_attrs
        if attr.key in state.dict
    }


def _flush(batch: list[dict]) -> int:
    """Insert a batch of rows in one statement; let go of them.

    An INSERT without RETURNING: the ORM's unit of work would fetch each new id with a
    statement of its own (SQLite cannot say in which order a multi-row insert made
    them), one round trip per comment; the ids are read back by source id instead.
    Every row sets the same columns, and none set to None has a default, so writing
    NULLs (``render_nulls``) stores what the unit of work would and keeps one batch.
    """
    if not batch:
        return 0
    db.session.execute(insert(Comment).execution_options(render_nulls=True), batch)
    count = len(batch)
    batch.clear()
    return count


def _read_ids(site: SourceSite, ids: dict[str, int]) -> None:
    """Record the id here of every comment imported from ``site``, by its source id.

    Read in chunks (``yield_per``), so that 100,000 rows never sit in memory at once.
    """
    query = select(Comment.source_id, Comment.id).where(Comment.source_site == site.site)
    for source_id, comment_id in db.session.execute(query.execution_options(yield_per=BATCH)):
        ids[source_id] = comment_id


def _link_threads(plan: _Plan, ids: dict[str, int]) -> None:
    """Set each new reply's parent and thread, now that every comment has its id."""
    changes = []
    for source_id, parent in plan.parents.items():
        if parent is None:
            continue
        top = plan.roots[source_id]
        changes.append(
            {
                "id": ids[source_id],
                "parent_id": ids[parent],
                "root_id": ids[top] if isinstance(top, str) else top,
            }
        )
        if len(changes) >= BATCH:
            db.session.execute(update(Comment), changes)
            changes.clear()
    if changes:
        db.session.execute(update(Comment), changes)
