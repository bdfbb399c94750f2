"""The comment policy: plain functions over plain data, defaults after WordPress.

``decide`` turns a submission and what we know of its author into a
:class:`Decision` (approved, pending or spam, with the reason moderators see).  The
``check_*`` functions are hard stops: they raise a :class:`CommentRefused` subclass, which
the form shows next to the comment.  Nothing here touches the request or the database.

The checks run in this order, and the first that decides wins:

1. ``honeypot``: a bot filled the hidden field (spam);
2. ``disallowed_word`` (spam);
3. ``spam_rule``: a moderator's spam rule matches the email, its domain or the IP;
4. (``red_flag``: the comment may describe an emergency; always held);
5. ``hold_rule``: a moderator's hold rule matches (held);
6. ``trust_rule``: a moderator trusts this email (published): a trusted commenter skips
   every check below, but never those above;
7. ``too_many_links``, 8. ``moderation_word``, 9. ``too_fast`` (held);
10. ``moderation_mode``: all, none, or a commenter's first comment held.

Rules apply to the next comment sent, never to those already stored.  A comment a rule
sends to spam is answered as any held one (``awaiting moderation``), so nobody learns
from the answer that a rule exists.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from app.comments import lookalikes
from app.comments.text import find_links
from app.models import CommentStatus


class ModerationMode(StrEnum):
    """Which new comments wait for a moderator."""

    FIRST = "first"  # a commenter's first comment (WordPress's default)
    ALL = "all"
    NONE = "none"


@dataclass(frozen=True)
class PolicySettings:
    """The thresholds, from config."""

    mode: ModerationMode = ModerationMode.FIRST
    max_links: int = 2  # this many links or more: held
    moderation_words: tuple[str, ...] = ()  # any of these: held
    disallowed_words: tuple[str, ...] = ()  # any of these: spam
    min_seconds: float = 3.0  # sent sooner after the form was shown: held
    max_form_age: float = 3600.0  # a form shown longer ago than this: refused
    verified_only: bool = False  # "first" trusts only returning commenters who confirmed
    flood_seconds: float = 15.0  # one comment per this many seconds per browser and network
    red_flags: tuple[str, ...] = ()  # any of these in the text: held for a careful answer


@dataclass(frozen=True)
class Submission:
    """What a commenter sent, already shape-checked by the form."""

    name: str
    email: str
    website: str | None
    text: str
    honeypot_filled: bool = False
    # Seconds between showing the form and sending it; None when the signed stamp is
    # missing or forged.
    seconds_to_submit: float | None = None


@dataclass(frozen=True)
class RuleHits:
    """The moderators' commenter rules that match a submission, by what they do; each
    says what matched ("email", "domain example.com", "IP 192.0.2.0/24"), or None."""

    spam: str | None = None
    hold: str | None = None
    trust: str | None = None


@dataclass(frozen=True)
class AuthorHistory:
    """What the database knows about the author."""

    has_approved_comment: bool = False
    # Whether the author confirmed their email address (nothing confirms one yet).
    verified: bool = False
    # The active commenter rules that match this email, its domain or the sender's IP.
    rules: RuleHits = RuleHits()


# The comments table keeps a reason of at most this many characters.
MAX_REASON = 200


@dataclass(frozen=True)
class Decision:
    """The status a new comment gets, and why; ``red_flags``: the red-flag phrases found
    in it (stored with the comment, for the moderators' "needs a careful answer")."""

    status: CommentStatus
    reason: str
    red_flags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.reason) > MAX_REASON:
            object.__setattr__(self, "reason", self.reason[: MAX_REASON - 1] + "\u2026")


class CommentRefused(Exception):
    """A comment that is not stored at all; ``str()`` is the message for the commenter."""

    field = "comment"
    http_status = 422


class ReplyRefused(CommentRefused):
    """The comment replies to something it may not reply to."""

    field = "parent_id"


class DuplicateComment(CommentRefused):
    """The same author already said the same thing on this page."""

    http_status = 409

    def __init__(self) -> None:
        super().__init__("Duplicate comment detected; it looks as though you've already said that!")


class FormExpired(CommentRefused):
    """The form was shown too long ago (or its stamp is from nowhere we know)."""

    def __init__(self) -> None:
        super().__init__(
            "This form was opened too long ago, so we could not take your comment. "
            "Nothing is lost: your comment is below in a fresh form. Please send it again."
        )


class CommentsClosed(CommentRefused):
    """The page no longer takes comments (a moderator closed it, or it is old)."""

    http_status = 403

    def __init__(self) -> None:
        super().__init__(
            "Comments on this page are closed, so your comment was not posted. "
            "Here is what you wrote, so you can keep a copy:"
        )


def check_open(closed: bool) -> None:
    """:raise CommentsClosed: when the page is closed to new comments."""
    if closed:
        raise CommentsClosed()


class FloodLimited(CommentRefused):
    """The author or their address sent a comment moments ago."""

    http_status = 429

    def __init__(self, wait_seconds: int) -> None:
        self.wait_seconds = wait_seconds
        unit = "second" if wait_seconds == 1 else "seconds"
        super().__init__(
            f"You are posting comments too quickly. Please wait {wait_seconds} {unit} "
            "and send it again; your comment is kept below."
        )


@dataclass(frozen=True)
class ParentFacts:
    """What a reply's target is: its page and whether it is public."""

    page: tuple[int, int | None]
    status: CommentStatus


def check_reply(parent: ParentFacts | None, page: tuple[int, int | None]) -> None:
    """Allow a reply only to an approved comment on the same page.

    :raise ReplyRefused: when the parent is missing, not approved, or on another page.
    """
    if parent is None or parent.status is not CommentStatus.APPROVED:
        raise ReplyRefused(
            "The comment you are replying to is not available. Your comment is kept: "
            "send it as a new comment, or pick another comment to reply to."
        )
    if parent.page != page:
        raise ReplyRefused(
            "The comment you are replying to belongs to another page. Your comment is kept: "
            "send it here as a new comment instead."
        )


def check_duplicate(is_duplicate: bool) -> None:
    """:raise DuplicateComment: when the same email already sent this text to this page."""
    if is_duplicate:
        raise DuplicateComment()


def check_form_age(seconds_to_submit: float | None, max_age: float) -> None:
    """Refuse a form whose signed stamp is older than ``max_age`` seconds.

    A missing or forged stamp is not refused here: ``too_fast`` holds it for a person.

    :raise FormExpired: when the stamp is genuine but too old.
    """
    if seconds_to_submit is not None and max_age > 0 and seconds_to_submit > max_age:
        raise FormExpired()


def check_flood(last_comment_at: datetime | None, now: datetime, seconds: float) -> None:
    """Allow one comment per ``seconds`` from one client (its browser or its network).

    :raise FloodLimited: with the whole seconds left to wait.
    """
    if last_comment_at is None or seconds <= 0:
        return
    elapsed = now - last_comment_at
    if elapsed < timedelta(seconds=seconds):
        left = seconds - elapsed.total_seconds()
        raise FloodLimited(max(1, int(left + 0.999)))


# Apostrophes people type for "can't": the typewriter one, the curly ones, the modifier
# letter, the prime and the backtick.
# The acute accent, the modifier prime, the saltillo, the Armenian apostrophe, the
# reversed quotation mark, the reversed prime and the heavy comma too: read before
# compatibility normalisation, which would turn the acute accent into a space and a mark.
# A pattern, not str.translate: translate looks every character up in a dict once the
# text is not ASCII (13 ms for a comment that compatibility normalisation makes 90,000
# characters long, against under 1 ms here).
_APOSTROPHES = re.compile("[\u2019\u2018\u02bc\u2032`\u00b4\u02b9\ua78c\u055a\u201b\u2035\u275c]")
# Unicode's default-ignorable code points (DerivedCoreProperties.txt): they draw nothing,
# so "via\u200bgra" or "blad\u00adder" reads as the listed word and must match as it.
_IGNORABLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)


def fold(text: str) -> str:
    """Return ``text`` as the word matching compares it: compatibility-normalised (a
    full-width or ligature letter is the plain one), case-folded (ß is ss), with every
    apostrophe the typewriter one and without the characters that draw nothing."""
    return _folded(_visible(text))


def _visible(text: str) -> str:
    """``text`` compatibility-normalised, with every apostrophe the typewriter one and
    without the characters that draw nothing, not case-folded: what
    ``lookalikes.as_seen`` reads, and what ``_folded`` folds."""
    return _IGNORABLE.sub("", unicodedata.normalize("NFKC", _typewriter(text)))


def _folded(visible: str) -> str:
    """``fold`` of a text already made ``_visible``: case-folded, composed again (case
    folding decomposes some letters), apostrophes made typewriter ones again."""
    return unicodedata.normalize("NFC", _typewriter(visible.casefold()))


def _typewriter(text: str) -> str:
    """``text`` with every apostrophe the typewriter one."""
    if text.isascii():  # the backtick is the one other apostrophe in ASCII
        return text.replace("`", "'")
    return _APOSTROPHES.sub("'", text)


def _key(phrase: str) -> str:
    """A phrase as found or as listed, folded and with single spaces: what maps a match
    back to the listed phrase."""
    return " ".join(fold(phrase).split())


@dataclass(frozen=True)
class WordMatcher:
    """Whole-word, case-insensitive matching of a list of words and phrases, in the text
    as typed and as it looks (``lookalikes``)."""

    pattern: re.Pattern[str] | None
    phrases: dict[str, str]  # folded key -> the phrase as listed
    # The same for the phrases as they look: a listed "café" is also found as "cafe" in
    # the text as it looks, which reads "café" typed with a Cyrillic a as "cafe".
    seen_pattern: re.Pattern[str] | None = None
    seen_phrases: dict[str, str] = field(default_factory=dict)

    def find(self, text: str) -> list[str]:
        """Return the listed phrases found in ``text``, in the order they appear (those
        found only in the text as it looks after the others), each once; where phrases
        overlap, the longest wins ("fell off" over "fell")."""
        if self.pattern is None:
            return []
        found: dict[str, None] = {}
        typed, seen = _readings(text)
        searches = [(self.pattern, self.phrases, typed)]
        if seen is not None and self.seen_pattern is not None:
            searches.append((self.seen_pattern, self.seen_phrases, seen))
        for pattern, phrases, haystack in searches:
            for match in pattern.finditer(haystack):
                # Folding what was folded changes nothing, so the key is there; if
                # Unicode ever proved otherwise, the text found is named, not an error.
                key = _key(match.group())
                found.setdefault(phrases.get(key, key), None)
        return list(found)


@lru_cache(maxsize=4)
def _readings(text: str) -> tuple[str, str | None]:
    """``text`` as the word lists are searched in it: folded as typed, and folded as it
    looks (None when it looks as typed).  Normalised once: the last few texts are kept,
    since the moderation words and the disallowed words search the same one in turn."""
    visible = _visible(text)
    seen = lookalikes.as_seen(visible)
    return _folded(visible), (fold(seen) if seen is not None else None)


@lru_cache(maxsize=64)
def word_matcher(words: tuple[str, ...]) -> WordMatcher:
    """Compile a list of words and phrases into one pattern (cached per list), and one
    for the phrases as they look.

    A phrase matches only as whole words: not preceded or followed by a letter, digit or
    underscore of any script, so "cure" finds "Cure!" but not "secure", and "straße"
    finds "STRASSE".  Spaces inside a phrase match any run of white space.
    """
    phrases: dict[str, str] = {}
    for word in words:
        key = _key(word)
        if key:
            phrases.setdefault(key, word.strip())
    if not phrases:
        return WordMatcher(None, {})
    seen_phrases: dict[str, str] = {}
    for phrase in phrases.values():
        seen_phrases.setdefault(_key(lookalikes.as_listed(_visible(phrase))), phrase)
    return WordMatcher(_whole_words(phrases), phrases, _whole_words(seen_phrases), seen_phrases)


def _whole_words(keys: Iterable[str]) -> re.Pattern[str]:
    """One pattern finding any of ``keys`` (from ``_key``) as whole words."""
    # Longest first: at one position the alternation takes the first that matches.
    alternatives = [
        r"\s+".join(re.escape(part) for part in key.split(" "))
        for key in sorted(keys, key=len, reverse=True)
    ]
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


def _word_hit(words: Sequence[str], submission: Submission) -> str | None:
    """Return the first listed word found (as a whole word) in the name, email, website
    or text, or None."""
    haystack = "\n".join(
        [submission.name, submission.email, submission.website or "", submission.text]
    )
    found = word_matcher(tuple(words)).find(haystack)
    return found[0] if found else None


def red_flags_in(text: str, settings: PolicySettings) -> tuple[str, ...]:
    """Return the red-flag phrases found in a comment's text, in the order they appear.

    Only the text is read: a surname such as Fell is no emergency.
    """
    return tuple(word_matcher(tuple(settings.red_flags)).find(text))


Check = Callable[[Submission, AuthorHistory, PolicySettings], Decision | None]


def honeypot(sub: Submission, _h: AuthorHistory, _s: PolicySettings) -> Decision | None:
    """A bot filled the field that people never see: spam."""
    if sub.honeypot_filled:
        return Decision(CommentStatus.SPAM, "honeypot field filled")
    return None


def disallowed_word(sub: Submission, _h: AuthorHistory, s: PolicySettings) -> Decision | None:
    """A word from the disallowed list anywhere in name, email, website or text: spam."""
    word = _word_hit(s.disallowed_words, sub)
    return Decision(CommentStatus.SPAM, f'disallowed word: "{word}"') if word else None


def red_flag(sub: Submission, _h: AuthorHistory, s: PolicySettings) -> Decision | None:
    """A phrase that may describe an emergency or a reader at risk: held for a careful
    answer, whatever the author's history and even with moderation off."""
    found = red_flags_in(sub.text, s)
    if not found:
        return None
    return Decision(
        CommentStatus.PENDING, f"needs a careful answer: {', '.join(found)}", red_flags=found
    )


def _rule_reason(prefix: str, matched: str) -> str:
    return f"{prefix}: {matched}"[:200]  # Comment.reason's width


def spam_rule(_sub: Submission, h: AuthorHistory, _s: PolicySettings) -> Decision | None:
    """A moderator's spam rule matches the email, its domain or the IP: spam."""
    if h.rules.spam:
        return Decision(CommentStatus.SPAM, _rule_reason("spam rule", h.rules.spam))
    return None


def hold_rule(_sub: Submission, h: AuthorHistory, _s: PolicySettings) -> Decision | None:
    """A moderator's hold rule matches the email, its domain or the IP: held."""
    if h.rules.hold:
        return Decision(CommentStatus.PENDING, _rule_reason("hold rule", h.rules.hold))
    return None


def trust_rule(_sub: Submission, h: AuthorHistory, _s: PolicySettings) -> Decision | None:
    """A moderator trusts this commenter: published, past links, words, speed and mode."""
    if h.rules.trust:
        return Decision(CommentStatus.APPROVED, "trusted commenter")
    return None


def too_many_links(sub: Submission, _h: AuthorHistory, s: PolicySettings) -> Decision | None:
    """Link-heavy comments wait for a moderator."""
    count = len(find_links(sub.text))
    if s.max_links > 0 and count >= s.max_links:
        return Decision(CommentStatus.PENDING, f"{count} links")
    return None


def moderation_word(sub: Submission, _h: AuthorHistory, s: PolicySettings) -> Decision | None:
    """A word from the moderation list: held."""
    word = _word_hit(s.moderation_words, sub)
    return Decision(CommentStatus.PENDING, f'moderation word: "{word}"') if word else None


def too_fast(sub: Submission, _h: AuthorHistory, s: PolicySettings) -> Decision | None:
    """Sent faster than a person types, or with a missing or forged form stamp: held."""
    if sub.seconds_to_submit is None:
        return Decision(CommentStatus.PENDING, "form stamp missing or invalid")
    if sub.seconds_to_submit < s.min_seconds:
        return Decision(
            CommentStatus.PENDING, f"sent {sub.seconds_to_submit:.1f} s after the form was shown"
        )
    return None


def moderation_mode(sub: Submission, h: AuthorHistory, s: PolicySettings) -> Decision:
    """The last word: all held, none held, or held until a first comment is approved."""
    if s.mode is ModerationMode.ALL:
        return Decision(CommentStatus.PENDING, "all comments are held")
    if s.mode is ModerationMode.NONE:
        return Decision(CommentStatus.APPROVED, "moderation is off")
    if h.has_approved_comment and s.verified_only and not h.verified:
        return Decision(CommentStatus.PENDING, "returning commenter, address not confirmed")
    if h.has_approved_comment:
        return Decision(CommentStatus.APPROVED, "previously approved commenter")
    return Decision(CommentStatus.PENDING, "new commenter")


# The order is the module docstring's: spam first, then red flags (before anything that
# can approve), then the moderators' hold and trust rules.
CHECKS: tuple[Check, ...] = (
    honeypot,
    disallowed_word,
    spam_rule,
    red_flag,
    hold_rule,
    trust_rule,
    too_many_links,
    moderation_word,
    too_fast,
    moderation_mode,
)


def decide(submission: Submission, history: AuthorHistory, settings: PolicySettings) -> Decision:
    """Return the first decision that a check in CHECKS makes."""
    for check in CHECKS:
        decision = check(submission, history, settings)
        if decision is not None:
            return decision
    raise AssertionError("moderation_mode always decides")  # pragma: no cover


# How much an edit may tighten a comment's status: never from held back to public.
_STRICTNESS = {
    CommentStatus.APPROVED: 0,
    CommentStatus.PENDING: 1,
    CommentStatus.SPAM: 2,
    CommentStatus.TRASH: 3,
}


def all_held(_sub: Submission, _h: AuthorHistory, s: PolicySettings) -> Decision | None:
    """When every comment waits for a person, so does every edit of a public one."""
    if s.mode is ModerationMode.ALL:
        return Decision(CommentStatus.PENDING, "all comments are held")
    return None


# What an author's edit is checked against: the text rules of a new comment.  The form
# timing and the author's history were settled when the comment was first sent.
EDIT_CHECKS: tuple[Check, ...] = (
    disallowed_word,
    red_flag,
    too_many_links,
    moderation_word,
    all_held,
)


def decide_edit(
    submission: Submission, current: CommentStatus, settings: PolicySettings
) -> Decision | None:
    """Return the stricter status an author's edit leads to, or None if it stays.

    An edit can hold a published comment again (red flags, links, moderation words) or
    send it to spam (disallowed words); it never makes a held comment public.  The
    decision carries the red flags of the new text (``red_flags_in`` gives them when
    the status stays).
    """
    for check in EDIT_CHECKS:
        decision = check(submission, AuthorHistory(), settings)
        if decision is not None and _STRICTNESS[decision.status] > _STRICTNESS[current]:
            return Decision(
                decision.status,
                f"edited by its author: {decision.reason}",
                red_flags=red_flags_in(submission.text, settings),
            )
    return None
