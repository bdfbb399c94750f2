"""The comment policy, rule by rule, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.comments import policy
from app.comments.policy import (
    AuthorHistory,
    Decision,
    DuplicateComment,
    FloodLimited,
    ModerationMode,
    ParentFacts,
    PolicySettings,
    ReplyRefused,
    Submission,
    decide,
)
from app.models import CommentStatus

APPROVED, PENDING, SPAM = CommentStatus.APPROVED, CommentStatus.PENDING, CommentStatus.SPAM
KNOWN = AuthorHistory(has_approved_comment=True)
NEW = AuthorHistory(has_approved_comment=False)
SETTINGS = PolicySettings()


def sub(**fields) -> Submission:
    base = {
        "name": "Ada",
        "email": "ada@example.com",
        "website": None,
        "text": "Heat helped.",
        "seconds_to_submit": 30.0,
    }
    return Submission(**{**base, **fields})


def test_new_commenter_is_held():
    assert decide(sub(), NEW, SETTINGS) == Decision(PENDING, "new commenter")


def test_previously_approved_commenter_is_approved():
    assert decide(sub(), KNOWN, SETTINGS) == Decision(APPROVED, "previously approved commenter")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("one link https://a.example.com", APPROVED),
        ("https://a.example.com and https://b.example.com", PENDING),
        ("bare domains count too: a.example.com, b.example.org", PENDING),
        ("three http://a.com http://b.com http://c.com", PENDING),
    ],
)
def test_two_or_more_links_are_held(text, expected):
    decision = decide(sub(text=text), KNOWN, SETTINGS)
    assert decision.status is expected
    if expected is PENDING:
        assert decision.reason.endswith(" links")


def test_link_reason_counts_the_links():
    assert decide(sub(text="http://a.com http://b.com"), KNOWN, SETTINGS).reason == "2 links"


@pytest.mark.parametrize("field", ["name", "email", "website", "text"])
def test_moderation_words_hold_wherever_they_appear(field):
    settings = PolicySettings(moderation_words=("Casino",))
    value = {
        "name": "casino fan",
        "email": "casino@example.com",
        "website": "https://casino.example.com",
        "text": "I like the CASINO.",
    }[field]
    assert decide(sub(**{field: value}), KNOWN, settings) == Decision(
        PENDING, 'moderation word: "Casino"'
    )


@pytest.mark.parametrize("field", ["name", "email", "website", "text"])
def test_disallowed_words_are_spam_wherever_they_appear(field):
    settings = PolicySettings(disallowed_words=("viagra",))
    value = {
        "name": "ViAgRa",
        "email": "viagra@example.com",
        "website": "https://viagra.example.com",
        "text": "cheap VIAGRA",
    }[field]
    assert decide(sub(**{field: value}), KNOWN, settings) == Decision(
        SPAM, 'disallowed word: "viagra"'
    )


def test_disallowed_beats_moderation_words_and_links():
    settings = PolicySettings(moderation_words=("pills",), disallowed_words=("viagra",))
    text = "viagra pills http://a.com http://b.com"
    assert decide(sub(text=text), KNOWN, settings).status is SPAM


def test_filled_honeypot_is_spam():
    assert decide(sub(honeypot_filled=True), KNOWN, SETTINGS) == Decision(
        SPAM, "honeypot field filled"
    )


@pytest.mark.parametrize(("seconds", "status"), [(0.5, PENDING), (2.99, PENDING), (3.0, APPROVED)])
def test_sent_faster_than_three_seconds_is_held(seconds, status):
    decision = decide(sub(seconds_to_submit=seconds), KNOWN, SETTINGS)
    assert decision.status is status
    if status is PENDING:
        assert "after the form was shown" in decision.reason


def test_missing_or_forged_form_stamp_is_held():
    decision = decide(sub(seconds_to_submit=None), KNOWN, SETTINGS)
    assert decision == Decision(PENDING, "form stamp missing or invalid")


@pytest.mark.parametrize(
    ("mode", "history", "expected"),
    [
        (ModerationMode.FIRST, NEW, PENDING),
        (ModerationMode.FIRST, KNOWN, APPROVED),
        (ModerationMode.ALL, KNOWN, PENDING),
        (ModerationMode.ALL, NEW, PENDING),
        (ModerationMode.NONE, NEW, APPROVED),
    ],
)
def test_moderation_modes(mode, history, expected):
    assert decide(sub(), history, PolicySettings(mode=mode)).status is expected


def test_no_moderation_still_holds_link_spam_and_catches_honeypot():
    settings = PolicySettings(mode=ModerationMode.NONE)
    assert decide(sub(text="http://a.com http://b.com"), NEW, settings).status is PENDING
    assert decide(sub(honeypot_filled=True), NEW, settings).status is SPAM


PAGE = (1, None)


@pytest.mark.parametrize(
    ("parent", "message"),
    [
        (None, "not available"),
        (ParentFacts(PAGE, PENDING), "not available"),
        (ParentFacts(PAGE, SPAM), "not available"),
        (ParentFacts(PAGE, CommentStatus.TRASH), "not available"),
        (ParentFacts((1, 7), APPROVED), "another page"),
        (ParentFacts((2, None), APPROVED), "another page"),
    ],
)
def test_reply_to_missing_unapproved_or_elsewhere_is_refused(parent, message):
    with pytest.raises(ReplyRefused, match=message):
        policy.check_reply(parent, PAGE)


def test_reply_to_approved_comment_on_same_page_is_allowed():
    policy.check_reply(ParentFacts(PAGE, APPROVED), PAGE)


def test_duplicate_is_refused_with_wordpress_message():
    with pytest.raises(DuplicateComment) as refused:
        policy.check_duplicate(True)
    assert str(refused.value) == (
        "Duplicate comment detected; it looks as though you've already said that!"
    )
    policy.check_duplicate(False)


NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("ago", "wait"), [(0, 15), (1, 14), (14.2, 1), (14.99, 1)])
def test_flood_control_says_how_long_to_wait(ago, wait):
    with pytest.raises(FloodLimited) as refused:
        policy.check_flood(NOW - timedelta(seconds=ago), NOW, 15)
    assert refused.value.wait_seconds == wait
    assert f"wait {wait} second" in str(refused.value)
    assert refused.value.http_status == 429


@pytest.mark.parametrize("last", [None, NOW - timedelta(seconds=15), NOW - timedelta(days=1)])
def test_flood_control_lets_later_comments_through(last):
    policy.check_flood(last, NOW, 15)


def test_flood_control_off():
    policy.check_flood(NOW, NOW, 0)
