"""Commenter rules as the comment service reads them: what a rule's value may be, and
which rules match a new comment.

A rule matches by one of three things (``RuleTarget``):

- an **email**: its keyed digest (``app.crypto.digest_of``), as comments keep it;
- a **domain**: the part after the @, lowercase, in its ASCII (IDNA) form, and every
  subdomain of it (a rule for ``example.com`` also matches ``ada@mail.example.com``);
- an **IP**: one address, or the network around it of a few fixed sizes (IPv4: /16,
  /24, /32; IPv6: /32, /48, /56, /64, /128).  Fixed sizes let one indexed query find
  every rule that covers an address: the candidates are that address's few networks.

Everything a new comment is matched against is found in one query on the
``(target, value)`` index; expired rules match nothing.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime
from functools import cache, lru_cache

import idna
from sqlalchemy import and_, bindparam, or_, select

from app.comments.policy import RuleHits
from app.models import CommenterRule, RuleKind, RuleTarget
from app.netaddr import MAX_ADDRESS
from app.shared import statements

IPV4_PREFIXES = (16, 24, 32)
IPV6_PREFIXES = (32, 48, 56, 64, 128)
MAX_DOMAIN = 253
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")

# Addresses at these domains belong to a great many unrelated people: a rule on one of
# them asks the moderator to confirm first.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "hotmail.com",
        "hotmail.co.uk",
        "outlook.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.com",
        "yandex.com",
        "yandex.ru",
        "mail.ru",
        "zoho.com",
        "qq.com",
        "163.com",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "btinternet.com",
    }
)


class InvalidRuleValue(ValueError):
    """The value typed for a rule is not one; ``str()`` says what to type instead."""


def normalise_domain(text: str) -> str:
    """Return a domain as rules keep it: lowercase ASCII (IDNA), no trailing dot.

    Accepts ``example.com``, ``@Example.COM``, ``bücher.de`` (kept as
    ``xn--bcher-kva.de``).

    :raise InvalidRuleValue: for anything that is not a domain with at least two labels.
    """
    value = text.strip().removeprefix("@").rstrip(".")
    problem = InvalidRuleValue(
        "Enter a domain such as example.com (the part of an email address after the @)."
    )
    if not value or len(value) > MAX_DOMAIN * 4 or any(ch.isspace() for ch in value):
        raise problem
    try:
        ascii_form = idna.encode(value, uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError, ValueError):
        raise problem from None
    labels = ascii_form.split(".")
    if (
        len(ascii_form) > MAX_DOMAIN
        or len(labels) < 2
        or not all(_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise problem
    return ascii_form


def display_domain(ascii_form: str) -> str:
    """Return a stored domain as people read it (``bücher.de``), or as stored."""
    try:
        return idna.decode(ascii_form)
    except (idna.IDNAError, UnicodeError, ValueError):
        return ascii_form


def normalise_network(text: str) -> str:
    """Return an IP address or network as rules keep it, in CIDR form.

    ``192.0.2.7`` becomes ``192.0.2.7/32``; ``2001:db8::1/64`` becomes
    ``2001:db8::/64`` (host bits dropped); an IPv4-mapped IPv6 address is its IPv4.

    :raise InvalidRuleValue: when it is no address, or the network is not one of the
        sizes rules use.
    """
    value = text.strip()
    # "%": an IPv6 zone ("fe80::1%eth0"), which no sender's address has.
    if not value or len(value) > MAX_ADDRESS + 4 or "%" in value:
        raise InvalidRuleValue("Enter an IP address such as 192.0.2.7 or 2001:db8::1.")
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise InvalidRuleValue(
            "Enter an IP address such as 192.0.2.7 or 2001:db8::1, or a network such as "
            "192.0.2.0/24 or 2001:db8:1:2::/64."
        ) from None
    if isinstance(network, ipaddress.IPv6Network) and network.prefixlen == 128:
        mapped = network.network_address.ipv4_mapped
        if mapped is not None:
            network = ipaddress.ip_network(f"{mapped}/32")
    allowed = IPV4_PREFIXES if network.version == 4 else IPV6_PREFIXES
    if network.prefixlen not in allowed:
        sizes = ", ".join(f"/{p}" for p in allowed)
        raise InvalidRuleValue(
            f"An IPv{network.version} rule covers one address or a network of {sizes}."
        )
    return str(network)


def networks_of(address: str | None) -> list[str]:
    """Return every network a rule may name that holds ``address`` (none if unreadable)."""
    return list(_networks((address or "").strip()))


@lru_cache(maxsize=1024)
def _networks(address: str) -> tuple[str, ...]:
    # Cached: a reader sends from the same address again, and ipaddress is slow to build.
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ()
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefixes = IPV4_PREFIXES if ip.version == 4 else IPV6_PREFIXES
    return tuple(str(ipaddress.ip_network((ip, p), strict=False)) for p in prefixes)


def domain_of(email: str) -> str | None:
    """Return the rules' form of an address's domain, or None if it has none."""
    _, at, domain = email.rpartition("@")
    if not at:
        return None
    return _rule_domain(domain)


@lru_cache(maxsize=1024)
def _rule_domain(domain: str) -> str | None:
    # Cached: most commenters share a few domains, and IDNA encoding is slow.
    try:
        return normalise_domain(domain)
    except InvalidRuleValue:
        return None


def domains_of(email: str) -> list[str]:
    """Return an address's domain and its parent domains (``a.b.com``, ``b.com``)."""
    domain = domain_of(email)
    if domain is None:
        return []
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def describe(rule: CommenterRule) -> str:
    """What a rule matched, in a comment's reason ("email", "domain example.com"...)."""
    return _describe(rule.target, rule.value)


def _describe(target: RuleTarget, value: str) -> str:
    if target is RuleTarget.EMAIL:
        return "email"
    if target is RuleTarget.DOMAIN:
        return f"domain {display_domain(value)}"
    return f"IP {value}"


def active_clause(now):
    """SQL condition: the rule has not expired by ``now`` (a time or a bound parameter)."""
    return or_(CommenterRule.expires_at.is_(None), CommenterRule.expires_at > now)


def matching(email_digest: str, email: str, ip: str | None, now: datetime) -> RuleHits:
    """Return the active rules that match a new comment, by what they do (one query)."""
    rows = statements.execute(
        _matching_query(),
        {
            "digest": email_digest,
            "domains": domains_of(email),
            "networks": networks_of(ip),
            "now": now,
        },
    )
    found: dict[RuleKind, str] = {}
    for kind, target, value in rows:
        found.setdefault(kind, _describe(target, value))
    return RuleHits(
        spam=found.get(RuleKind.SPAM),
        hold=found.get(RuleKind.HOLD),
        trust=found.get(RuleKind.TRUST),
    )


@cache
def _matching_query():
    """The statement of ``matching``, built once: the rules for this email's digest, its
    domains and its networks, on the ``(target, value)`` index; the oldest first."""
    rule = CommenterRule
    return (
        select(rule.kind, rule.target, rule.value)
        .where(
            or_(
                and_(rule.target == RuleTarget.EMAIL, rule.value == bindparam("digest")),
                and_(
                    rule.target == RuleTarget.DOMAIN,
                    rule.value.in_(bindparam("domains", expanding=True)),
                ),
                and_(
                    rule.target == RuleTarget.IP,
                    rule.value.in_(bindparam("networks", expanding=True)),
                ),
            ),
            active_clause(bindparam("now")),
        )
        .order_by(rule.id)
    )
