"""Readers' reports about published comments: taking one, holding back a comment that
several readers reported, and reading them for the moderators.

Whatever happens to a report (stored, a repeat from the same browser or network, the
one that holds the comment back), its sender gets the same thanks: nothing tells a
reader who else reported a comment, or how many did.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.comments.services import touch_pages
from app.comments.signals import comment_held
from app.db import serialise_on, write_transaction
from app.extensions import db
from app.models import (
    Comment,
    CommentReport,
    CommentStatus,
    ModerationAction,
    ModerationEvent,
    ReportReason,
    utcnow,
)
from app.netaddr import client_network
from app.shared.pages import PageKey

# Who the audit log names for a hold that no moderator made.
SYSTEM_ACTOR = "system"
THROTTLE_WINDOW = timedelta(hours=1)
# Statuses in which a comment's open reports still ask for a moderator's decision.
AWAITING_DECISION = (CommentStatus.APPROVED, CommentStatus.PENDING)

NOT_REPORTABLE = (
    "This comment cannot be reported. It may have been removed, or it is not published "
    "at the moment."
)


class ReportRefused(Exception):
    """A report that cannot be taken; ``str()`` is the message for the reader."""

    http_status = 400


class NotReportable(ReportRefused):
    """The comment is not published (or does not exist, or its page is not public).

    One message and one status for every such case, so that the answer never tells
    whether a held comment exists.
    """

    http_status = 404

    def __init__(self) -> None:
        super().__init__(NOT_REPORTABLE)


class TooManyReports(ReportRefused):
    """This client network sent COMMENTS_REPORTS_PER_HOUR reports within the hour."""

    http_status = 429

    def __init__(self, wait_seconds: int) -> None:
        self.wait_seconds = wait_seconds
        minutes = max(1, math.ceil(wait_seconds / 60))
        when = "a minute" if minutes == 1 else f"{minutes} minutes"
        super().__init__(
            "You have sent a lot of reports in the last hour, so we cannot take this one "
            f"yet. Please try again in {when}. Your note is kept below."
        )


def new_browser_key() -> str:
    """Return a fresh random key for a reporting browser (192 random bits)."""
    return secrets.token_urlsafe(24)


def browser_digest(key: str) -> str:
    """Return what the database keeps of a browser key (its SHA-256, in hex)."""
    return hashlib.sha256(b"relief.comment-reporter:" + key.encode()).hexdigest()


@dataclass(frozen=True)
class NewReport:
    """A shape-checked report and where it came from.

    ``browser_key`` is the random key in the sender's cookie; only its digest is stored.
    """

    reason: ReportReason
    note: str
    browser_key: str
    ip: str | None = None


@dataclass(frozen=True)
class ReportOutcome:
    """What became of a report (for tests and logs; the reader is thanked either way)."""

    stored: bool
    held: bool = False


def is_reportable(comment: Comment | None) -> bool:
    """Whether the public may report ``comment``: it is published on a public page."""
    return (
        comment is not None
        and comment.status is CommentStatus.APPROVED
        and comment.deleted_at is None
        and comment.article.published
    )


def reportable(comment_id: int) -> Comment | None:
    """Return the comment if the public may report it, else None (whatever the reason)."""
    comment = db.session.get(Comment, comment_id)
    return comment if is_reportable(comment) else None


def report_comment(comment_id: int, new: NewReport, now: datetime | None = None) -> ReportOutcome:
    """Store a reader's report; hold the comment back once enough readers reported it.

    A second report on one comment from the same browser or the same client network is
    not stored (and not refused).  Once COMMENTS_REPORTS_TO_HOLD open reports, each from
    a different network, stand against a published comment, it goes back to the queue
    as pending, in the same transaction, with the page's counts and cache versions
    refreshed and a line in the audit log; moderators are told as for any held comment.

    :raise NotReportable: when the comment is not published on a public page (any more).
    :raise TooManyReports: when the sender's network reached COMMENTS_REPORTS_PER_HOUR.
    """
    now = now or utcnow()
    config = current_app.config
    # Per /48 for IPv6: one person may hold hundreds of /64s, and enough reports hold
    # someone else's comment.
    network = client_network(new.ip, ipv6_prefix=48)
    digest = browser_digest(new.browser_key)
    try:
        with write_transaction():
            # One network's reports take turns, so the throttle counts each of them.
            serialise_on(f"report-from:{network or 'unknown'}")
            # Read afresh under the lock: the view's earlier copy may be out of date.
            comment = db.session.get(
                Comment, comment_id, with_for_update=True, populate_existing=True
            )
            if not is_reportable(comment):
                raise NotReportable()
            _check_throttle(network, now, config["COMMENTS_REPORTS_PER_HOUR"])
            if _already_reported(comment_id, digest, network):
                return ReportOutcome(stored=False)
            db.session.add(
                CommentReport(
                    comment_id=comment_id,
                    reason=new.reason,
                    note=new.note,
                    reporter_digest=digest,
                    client_net=network,
                    created_at=now,
                )
            )
            db.session.flush()
            held = _hold_if_reported(comment, config["COMMENTS_REPORTS_TO_HOLD"], now)
    except IntegrityError:
        # The unique rules caught a simultaneous repeat: it counts once, as above.
        return ReportOutcome(stored=False)
    if held:
        comment_held.send(current_app._get_current_object(), comment_id=comment_id)
    return ReportOutcome(stored=True, held=held)


def _check_throttle(network: str | None, now: datetime, per_hour: int) -> None:
    """Refuse a network's report once it sent ``per_hour`` within the last hour."""
    if not per_hour or not network:
        return
    recent = db.session.scalars(
        select(CommentReport.created_at)
        .where(
            CommentReport.client_net == network,
            CommentReport.created_at > now - THROTTLE_WINDOW,
        )
        .order_by(CommentReport.created_at)
        .limit(per_hour)
    ).all()
    if len(recent) >= per_hour:
        wait = recent[0] + THROTTLE_WINDOW - now
        raise TooManyReports(max(1, math.ceil(wait.total_seconds())))


def _already_reported(comment_id: int, digest: str, network: str | None) -> bool:
    """Whether this browser, or anyone on this network, already reported the comment
    (a dismissed report included: dismissing does not invite the same reader back)."""
    senders = [CommentReport.reporter_digest == digest]
    if network:
        senders.append(CommentReport.client_net == network)
    query = select(exists().where(CommentReport.comment_id == comment_id, or_(*senders)))
    return bool(db.session.scalar(query))


def open_report_count(comment_id: int) -> int:
    """Count a comment's reports that no moderator dismissed.

    Each comes from a different client network (the unique rule), also those whose
    network was cleared after IP_RETENTION_DAYS: so this counts distinct networks.
    """
    query = select(func.count()).where(
        CommentReport.comment_id == comment_id, CommentReport.dismissed_at.is_(None)
    )
    return db.session.scalar(query) or 0


def _is_pinned(comment: Comment) -> bool:
    page = comment.remedy if comment.remedy_id is not None else comment.article
    return page is not None and page.pinned_comment_id == comment.id


def _hold_if_reported(comment: Comment, threshold: int, now: datetime) -> bool:
    """Send a published comment back to the queue once ``threshold`` readers reported it."""
    if threshold <= 0 or comment.status is not CommentStatus.APPROVED:
        return False
    if comment.is_site_reply or _is_pinned(comment):
        # The team's own words are never taken down by readers alone: their reports
        # wait in the Reported tab for a moderator.
        return False
    count = open_report_count(comment.id)
    if count < threshold:
        return False
    comment.status = CommentStatus.PENDING
    comment.reason = f"reported by {count} readers"
    db.session.add(
        ModerationEvent(
            moderator_id=None,
            moderator_email=SYSTEM_ACTOR,
            comment_id=comment.id,
            action=ModerationAction.HOLD,
            detail=comment.reason,
            created_at=now,
        )
    )
    db.session.flush()
    touch_pages([PageKey.of(comment)], now)  # after the change: it recounts the page
    return True


# --- For moderators ----------------------------------------------------------------


def open_reports_filter():
    """SQL condition: the comment has reports awaiting a decision (and is not gone).

    The status is said as "none of the others": a condition no index can serve, so
    that SQLite, which keeps no statistics, reads the few reported comments by id
    rather than every approved and pending one from the queue's index.
    """
    open_ids = select(CommentReport.comment_id).where(CommentReport.dismissed_at.is_(None))
    decided = [status for status in CommentStatus if status not in AWAITING_DECISION]
    return (
        Comment.id.in_(open_ids),
        Comment.status.not_in(decided),
        Comment.deleted_at.is_(None),
    )


def reported_count() -> int:
    """Count the comments whose reports await a moderator's decision."""
    query = select(func.count()).select_from(Comment).where(*open_reports_filter())
    return db.session.scalar(query) or 0


def reports_for(comment_ids: list[int]) -> dict[int, list[CommentReport]]:
    """Return every report on these comments, oldest first, by comment id."""
    if not comment_ids:
        return {}
    found: dict[int, list[CommentReport]] = {}
    query = (
        select(CommentReport)
        .where(CommentReport.comment_id.in_(comment_ids))
        .options(selectinload(CommentReport.dismissed_by))
        .order_by(CommentReport.created_at, CommentReport.id)
    )
    for report in db.session.scalars(query):
        found.setdefault(report.comment_id, []).append(report)
    return found


def dismiss_open_reports(comment_id: int, moderator_id: int, now: datetime) -> int:
    """Mark a comment's open reports as dismissed by a moderator; return how many.

    Call inside the moderator's write transaction (it does not commit).
    """
    result = db.session.execute(
        update(CommentReport)
        .where(CommentReport.comment_id == comment_id, CommentReport.dismissed_at.is_(None))
        .values(dismissed_at=now, dismissed_by_id=moderator_id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def forget_networks(before: datetime) -> int:
    """Clear the client network of reports sent before ``before`` (IP retention).

    Call inside a write transaction; return how many reports changed.
    """
    result = db.session.execute(
        update(CommentReport)
        .where(CommentReport.created_at < before, CommentReport.client_net.is_not(None))
        .values(client_net=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
