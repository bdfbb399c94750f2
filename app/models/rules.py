"""Commenter rules: moderators' standing decisions about a commenter's next comments."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.comments import _enum
from app.models.moderation import Moderator
from app.models.types import EncryptedText, UTCDateTime, utcnow


class RuleKind(enum.Enum):
    """What a rule does to the next comment it matches."""

    TRUST = "trust"  # published at once (unless a harder check holds it)
    HOLD = "hold"  # waits for a moderator
    SPAM = "spam"  # goes straight to spam


class RuleTarget(enum.Enum):
    """What a rule matches a comment by."""

    EMAIL = "email"  # the commenter's address (its keyed digest)
    DOMAIN = "domain"  # the domain of the address, and its subdomains
    IP = "ip"  # the sender's address, or a network (CIDR) around it


class CommenterRule(db.Model):
    """A moderator's rule: trust, hold or spam whatever an email, domain or IP sends next.

    ``value`` is what lookups compare: for an email its keyed digest
    (``app.crypto.digest_of``), never the address; for a domain its lowercase ASCII
    (IDNA) form; for an IP the network in CIDR form (``192.0.2.7/32``,
    ``2001:db8:1:2::/64``).  One rule per target and value: a new one replaces it.
    """

    __tablename__ = "commenter_rules"
    __table_args__ = (
        # The comment service's one lookup: (target, value) IN (...candidates).
        UniqueConstraint("target", "value", name="uq_commenter_rules_target_value"),
        Index("ix_commenter_rules_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RuleKind] = mapped_column(_enum(RuleKind))
    target: Mapped[RuleTarget] = mapped_column(_enum(RuleTarget))
    value: Mapped[str] = mapped_column(String(255))
    # An email rule's address, encrypted at rest (as Comment.author_email), so that
    # moderators see whom it is about; empty for the other targets.
    email: Mapped[str | None] = mapped_column(EncryptedText, deferred=True)
    note: Mapped[str] = mapped_column(String(200), default="", server_default="")
    moderator_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderators.id", ondelete="SET NULL")
    )
    # Kept as text, as in the audit log, so the list outlives a removed moderator.
    moderator_email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None: never expires.  An expired rule matches nothing and is shown as expired.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    moderator: Mapped[Moderator | None] = relationship()

    def active(self, now: datetime | None = None) -> bool:
        """Whether the rule still applies (it has no expiry, or it is in the future)."""
        return self.expires_at is None or self.expires_at > (now or utcnow())

    def __repr__(self) -> str:
        return f"<CommenterRule {self.kind.value} {self.target.value}>"
