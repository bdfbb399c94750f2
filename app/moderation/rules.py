"""Commenter rules, as moderators make and remove them (each change is in the audit log).

What a rule's value may be, and how a new comment is matched, is in
``app.comments.rules``.  Rules apply to the next comment; the moderator may also send a
commenter's pending comments to spam with a spam rule (a bulk action, logged as such).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import undefer

from app.comments.rules import (
    FREE_MAIL_DOMAINS,
    InvalidRuleValue,
    display_domain,
    domains_of,
    networks_of,
    normalise_domain,
    normalise_network,
)
from app.db import serialise_on, write_transaction
from app.extensions import db
from app.models import (
    Comment,
    CommenterRule,
    CommentStatus,
    ModerationAction,
    ModerationEvent,
    Moderator,
    RuleKind,
    RuleTarget,
    utcnow,
)
from app.moderation import services

# What a moderator may choose from a comment: (kind, target).  Trust is by email only:
# trusting a whole domain or network would publish strangers' comments at once.
CHOICES: dict[str, tuple[RuleKind, RuleTarget]] = {
    "trust-email": (RuleKind.TRUST, RuleTarget.EMAIL),
    "hold-email": (RuleKind.HOLD, RuleTarget.EMAIL),
    "spam-email": (RuleKind.SPAM, RuleTarget.EMAIL),
    "hold-ip": (RuleKind.HOLD, RuleTarget.IP),
    "spam-ip": (RuleKind.SPAM, RuleTarget.IP),
    "hold-domain": (RuleKind.HOLD, RuleTarget.DOMAIN),
    "spam-domain": (RuleKind.SPAM, RuleTarget.DOMAIN),
}
EXPIRY_DAYS = {"1": 1, "7": 7, "30": 30}
MAX_NOTE = 200


class RuleInputError(services.ModerationError):
    """A rule that cannot be made as asked; ``field`` names the form field to mark."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class BroadDomain(RuleInputError):
    """A free-mail domain: the moderator must confirm a rule that hits so many people."""


@dataclass(frozen=True)
class Suggestion:
    """What a comment offers a rule to match: its email, its sender's IP (or /64), its
    email's domain (for people to read, and as rules keep it)."""

    email: str
    ip: str | None
    domain: str | None


def suggest(comment: Comment) -> Suggestion:
    """Return the values the rule form starts from for ``comment``.

    An IPv6 sender is offered as its /64: one client picks any address in it.
    """
    ip = None
    if comment.ip:
        try:
            address = ipaddress.ip_address(comment.ip)
        except ValueError:
            address = None
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            ip = str(address.ipv4_mapped)
        elif isinstance(address, ipaddress.IPv6Address):
            ip = str(ipaddress.ip_network((address, 64), strict=False))
        elif address is not None:
            ip = str(address)
    domains = domains_of(comment.author_email or "")
    return Suggestion(
        comment.author_email or "", ip, display_domain(domains[0]) if domains else None
    )


def expiry(choice: str, on: date | None, now: datetime) -> datetime | None:
    """Return when a rule expires: never, in 1, 7 or 30 days, or at the end of a date
    (UTC).

    :raise RuleInputError: for an unknown choice, or a date missing or not in the future.
    """
    if choice == "never":
        return None
    if choice in EXPIRY_DAYS:
        return now + timedelta(days=EXPIRY_DAYS[choice])
    if choice == "date":
        if on is None:
            raise RuleInputError("expires_on", "Enter the date the rule ends, such as 2027-01-31.")
        try:
            end = datetime.combine(on + timedelta(days=1), time(), tzinfo=UTC)
        except OverflowError:  # 9999-12-31: its end is past the last date Python has
            raise RuleInputError("expires_on", "Choose an earlier date.") from None
        if end <= now:
            raise RuleInputError("expires_on", "Choose a date from today onwards.")
        return end
    raise RuleInputError("expires", "Choose when the rule ends.")


def _value(
    comment: Comment, target: RuleTarget, typed_ip: str, typed_domain: str, confirmed: bool
) -> tuple[str, str | None]:
    """Return the rule's stored value (and its email, for an email rule)."""
    if target is RuleTarget.EMAIL:
        if not comment.email_digest or not comment.author_email:
            raise RuleInputError("rule", "This comment has no email address to match.")
        return comment.email_digest, comment.author_email
    if target is RuleTarget.IP:
        try:
            return normalise_network(typed_ip), None
        except InvalidRuleValue as exc:
            raise RuleInputError("ip", str(exc)) from None
    try:
        domain = normalise_domain(typed_domain)
    except InvalidRuleValue as exc:
        raise RuleInputError("domain", str(exc)) from None
    if domain in FREE_MAIL_DOMAINS and not confirmed:
        raise BroadDomain(
            "domain",
            f"{domain} is a free email service used by a great many people: a rule on it "
            "holds or removes all their comments. Tick the box below to confirm, or "
            "choose this email address instead.",
        )
    return domain, None


def _event(
    moderator: Moderator, action: ModerationAction, comment_id: int | None, detail: str
) -> None:
    """A line in the audit log.  Not ``services._log``: a rule about a comment's author
    does not act on the comment, so its author's edit window stays as it is."""
    db.session.add(
        ModerationEvent(
            moderator_id=moderator.id,
            moderator_email=moderator.email,
            comment_id=comment_id,
            action=action,
            detail=detail,
        )
    )


def _what(rule: CommenterRule) -> str:
    """A rule in the log's words: never an email address or an IP (the log outlives
    what a commenter's erasure removes)."""
    if rule.target is RuleTarget.DOMAIN:
        return f"{rule.kind.value} rule on domain {rule.value}"
    return f"{rule.kind.value} rule on {'an email' if rule.target is RuleTarget.EMAIL else 'an IP'}"


@dataclass(frozen=True)
class RuleMade:
    """What making a rule did: the rule, whether it replaced one, and a sentence."""

    rule_id: int
    replaced: bool
    message: str


def make_rule(
    comment_id: int,
    moderator: Moderator,
    choice: str,
    *,
    ip: str = "",
    domain: str = "",
    expires_at: datetime | None = None,
    note: str = "",
    confirm_broad: bool = False,
    now: datetime | None = None,
) -> RuleMade:
    """Make the rule ``choice`` from a comment, or update the rule already on that
    email, domain or IP (one rule per value: never two active rules for one value).

    :raise RuleInputError: for an unknown choice or an invalid IP or domain (its
        ``field`` says which), or a free-mail domain not confirmed.
    :raise services.CommentGone: when the comment no longer exists.
    """
    now = now or utcnow()
    if choice not in CHOICES:
        raise RuleInputError("rule", "Choose what to do with this commenter's next comments.")
    kind, target = CHOICES[choice]
    note = " ".join(note.split())[:MAX_NOTE]
    with write_transaction():
        # PostgreSQL: two saves of one new value (a double click) take turns, so the
        # second updates the first's rule instead of failing on the unique constraint.
        serialise_on("commenter-rules")
        comment = services.get_comment(comment_id)
        if comment is None:
            raise services.CommentGone("That comment no longer exists.")
        if comment.is_site_reply:
            raise RuleInputError("rule", "This is the site's own reply: rules are for readers.")
        value, email = _value(comment, target, ip, domain, confirm_broad)
        rule = db.session.scalar(
            select(CommenterRule)
            .where(CommenterRule.target == target, CommenterRule.value == value)
            .with_for_update()
        )
        replaced = rule is not None
        before = _what(rule) if rule is not None else ""
        if rule is None:
            rule = CommenterRule(target=target, value=value)
            db.session.add(rule)
        rule.kind, rule.email, rule.note, rule.expires_at = kind, email, note, expires_at
        rule.moderator_id, rule.moderator_email, rule.created_at = (
            moderator.id,
            moderator.email,
            now,
        )
        db.session.flush()
        ends = f", until {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else ", no expiry"
        detail = f"{_what(rule)} (rule {rule.id}){ends}"
        if replaced:
            detail += f"; replaces the earlier {before}"
        _event(moderator, ModerationAction.RULE_ADD, comment.id, detail)
        verb = "updated" if replaced else "saved"
        made = RuleMade(rule.id, replaced, f"Rule {verb}: {describe_for_moderators(rule)}.")
    return made


def describe_for_moderators(rule: CommenterRule) -> str:
    """A rule in a sentence, for moderators ("hold everything from 192.0.2.0/24")."""
    verb = {
        RuleKind.TRUST: "trust (publish at once)",
        RuleKind.HOLD: "hold everything from",
        RuleKind.SPAM: "send to spam everything from",
    }[rule.kind]
    return f"{verb} {shown_value(rule)}"


def shown_value(rule: CommenterRule) -> str:
    """What a rule matches, as moderators read it: the address (decrypted), the domain
    (in Unicode, with its ASCII form if different), or the IP network."""
    if rule.target is RuleTarget.EMAIL:
        return rule.email or "(an erased address)"
    if rule.target is RuleTarget.DOMAIN:
        readable = display_domain(rule.value)
        return f"anyone at {readable}" + (f" ({rule.value})" if readable != rule.value else "")
    network = ipaddress.ip_network(rule.value)
    single = network.prefixlen == network.max_prefixlen
    return f"IP {network.network_address}" if single else f"IP network {rule.value}"


def remove_rule(rule_id: int, moderator: Moderator) -> str:
    """Remove a rule; return a sentence saying so.

    :raise services.ModerationError: when the rule is gone (removed meanwhile).
    """
    with write_transaction():
        rule = db.session.get(CommenterRule, rule_id, with_for_update=True)
        if rule is None:
            raise services.ModerationError(
                "That rule no longer exists: someone may have removed it meanwhile."
            )
        _event(moderator, ModerationAction.RULE_REMOVE, None, f"{_what(rule)} (rule {rule.id})")
        message = f"Rule removed: {describe_for_moderators(rule)}."
        db.session.delete(rule)
    return message


def all_rules() -> list[CommenterRule]:
    """Every rule, newest first (expired ones too: the list marks them)."""
    return list(
        db.session.scalars(
            select(CommenterRule)
            .options(undefer(CommenterRule.email))
            .order_by(CommenterRule.created_at.desc(), CommenterRule.id.desc())
        )
    )


def pending_matches(rule_id: int) -> list[int]:
    """Return the ids of readers' pending comments a rule matches (for "also mark
    their pending comments as spam").  Held comments are few: matched here, not in SQL,
    so that a domain rule can read the encrypted addresses."""
    rule = db.session.get(CommenterRule, rule_id)
    if rule is None:
        return []
    query = select(Comment).where(
        Comment.status == CommentStatus.PENDING,
        Comment.deleted_at.is_(None),
        Comment.moderator_id.is_(None),
    )
    if rule.target is RuleTarget.EMAIL:
        return [c.id for c in db.session.scalars(query.where(Comment.email_digest == rule.value))]
    if rule.target is RuleTarget.IP:
        return [
            c.id
            for c in db.session.scalars(query.where(Comment.ip.is_not(None)))
            if rule.value in networks_of(c.ip)
        ]
    comments = db.session.scalars(query.options(undefer(Comment.author_email)))
    return [c.id for c in comments if rule.value in domains_of(c.author_email or "")]


def spam_pending(rule_id: int, moderator: Moderator) -> int:
    """Send the readers' pending comments that a rule matches to spam (one bulk action
    in the log); return how many."""
    ids = pending_matches(rule_id)
    if not ids:
        return 0
    result = services.act_on_many(
        ids, ModerationAction.SPAM, moderator, expected=CommentStatus.PENDING
    )
    return result.done
