"""Commenter rules: trust, hold or spam the next comments from an email, a domain or an
IP, made from a queue row, listed, removed, audited, and ignored once expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select, text

from app.comments import rules as matching
from app.comments.policy import AuthorHistory, PolicySettings, RuleHits, Submission, decide
from app.extensions import db
from app.models import (
    Comment,
    CommenterRule,
    CommentStatus,
    ModerationAction,
    ModerationEvent,
    RuleKind,
    RuleTarget,
)

PENDING, APPROVED, SPAM = CommentStatus.PENDING, CommentStatus.APPROVED, CommentStatus.SPAM
PUBLIC = "/back-spasms/"


@pytest.fixture
def send(app, comment_form):
    """Post a comment through the real public form from ``ip``; return (id, status)."""

    def post(ip: str = "192.0.2.7", **fields):
        reader = app.test_client()
        reader.environ_base["REMOTE_ADDR"] = ip
        fields.setdefault("comment", f"Heat helped me a lot ({datetime.now().timestamp()}).")
        response = reader.post(PUBLIC, data=comment_form(**fields))
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        with app.app_context():
            comment = db.session.scalar(select(Comment).order_by(Comment.id.desc()))
            return comment.id, comment.status, comment.reason

    return post


def make_rule(client, comment_id: int, follow_redirects: bool = False, **fields):
    data = {"rule": "hold-email", "expires": "never", "next": "/moderation/"}
    data.update(fields)
    return client.post(
        f"/moderation/comments/{comment_id}/rule", data=data, follow_redirects=follow_redirects
    )


def rules_in_db(app) -> list[CommenterRule]:
    with app.app_context():
        return list(db.session.scalars(select(CommenterRule).order_by(CommenterRule.id)))


def expire_all(app) -> None:
    with app.app_context():
        db.session.execute(
            text("UPDATE commenter_rules SET expires_at = :past"),
            {"past": datetime.now(UTC) - timedelta(minutes=1)},
        )
        db.session.commit()


def approve(client, comment_id):
    return client.post(f"/moderation/comments/{comment_id}/approve", data={})


# --- The policy, pure ------------------------------------------------------------------

SUB = Submission("Ada", "ada@example.com", None, "Hello", seconds_to_submit=60)


@pytest.mark.parametrize(
    ("hits", "status", "reason"),
    [
        (RuleHits(spam="email"), SPAM, "spam rule: email"),
        (RuleHits(hold="IP 192.0.2.0/24"), PENDING, "hold rule: IP 192.0.2.0/24"),
        (RuleHits(trust="email"), APPROVED, "trusted commenter"),
        (RuleHits(spam="email", trust="email"), SPAM, "spam rule: email"),
        (
            RuleHits(hold="domain example.com", trust="email"),
            PENDING,
            "hold rule: domain example.com",
        ),
    ],
)
def test_rules_decide_in_their_order(hits, status, reason):
    decision = decide(SUB, AuthorHistory(rules=hits), PolicySettings())
    assert (decision.status, decision.reason) == (status, reason)


def test_trust_never_beats_the_honeypot_or_a_disallowed_word():
    trusted = AuthorHistory(rules=RuleHits(trust="email"))
    bot = Submission("Ada", "ada@example.com", None, "Hi", honeypot_filled=True)
    assert decide(bot, trusted, PolicySettings()).status is SPAM
    settings = PolicySettings(disallowed_words=("casino",))
    worded = Submission("Ada", "ada@example.com", None, "casino", seconds_to_submit=60)
    assert decide(worded, trusted, settings).status is SPAM


def test_trust_skips_links_words_speed_and_the_mode():
    trusted = AuthorHistory(rules=RuleHits(trust="email"))
    settings = PolicySettings(max_links=1, moderation_words=("cure",), mode="all")
    busy = Submission("Ada", "a@example.com", None, "cure https://x.example", seconds_to_submit=0.1)
    assert decide(busy, trusted, settings).status is APPROVED


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Example.COM", "example.com"),
        ("@example.com.", "example.com"),
        ("Bücher.DE", "xn--bcher-kva.de"),
        ("xn--bcher-kva.de", "xn--bcher-kva.de"),
    ],
)
def test_domains_are_kept_lowercase_and_in_idna(typed, stored):
    assert matching.normalise_domain(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "localhost",
        "exa mple.com",
        "-bad.com",
        "a..com",
        "192.0.2.1",
        "x" * 300 + ".com",
        "<script>.com",
        "ex_ample.com",
        "a@b.com",
    ],
)
def test_what_is_no_domain_is_refused(typed):
    with pytest.raises(matching.InvalidRuleValue):
        matching.normalise_domain(typed)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("192.0.2.7", "192.0.2.7/32"),
        ("192.0.2.7/24", "192.0.2.0/24"),
        ("2001:DB8::1", "2001:db8::1/128"),
        ("2001:db8:1:2:3:4:5:6/64", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7/32"),
    ],
)
def test_ips_are_kept_as_networks(typed, stored):
    assert matching.normalise_network(typed) == stored


@pytest.mark.parametrize(
    "typed", ["", "1.2.3", "192.0.2.0/8", "2001:db8::/20", "example.com", "1" * 500]
)
def test_what_is_no_usable_ip_is_refused(typed):
    with pytest.raises(matching.InvalidRuleValue):
        matching.normalise_network(typed)


# --- Through the real form ---------------------------------------------------------------


def test_hold_rule_holds_the_next_comment_and_stops_when_expired(app, client, mod, send):
    first, _, _ = send(email="ada@example.com")
    approve(client, first)
    assert send(email="ada@example.com")[1] is APPROVED  # a returning commenter
    assert make_rule(client, first, rule="hold-email").status_code == 303
    assert send(email="ADA@example.com")[1:] == (PENDING, "hold rule: email")
    expire_all(app)
    assert send(email="ada@example.com")[1] is APPROVED


def test_spam_rule_answers_like_any_held_comment_and_stops_when_expired(
    app, client, mod, send, comment_form
):
    first, _, _ = send(email="bot@example.com")
    make_rule(client, first, rule="spam-email")
    reader = app.test_client()
    reader.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    response = reader.post(
        PUBLIC, data=comment_form(email="bot@example.com"), follow_redirects=True
    )
    with app.app_context():
        latest = db.session.scalar(select(Comment).order_by(Comment.id.desc()))
        assert (latest.status, latest.reason) == (SPAM, "spam rule: email")
    page = response.get_data(as_text=True)
    assert "Your comment is awaiting moderation" in page
    assert "spam" not in page.lower().replace("spasm", "")
    expire_all(app)
    assert send(email="bot@example.com")[1] is PENDING  # a new commenter again


def test_trust_rule_publishes_the_next_comment_at_once(app, client, mod, send):
    first, status, _ = send(email="friend@example.com", name="Friend")
    assert status is PENDING
    make_rule(client, first, rule="trust-email")
    assert send(email="friend@example.com", comment="See https://a.example and https://b.example")[
        1:
    ] == (
        APPROVED,
        "trusted commenter",
    )
    expire_all(app)
    # A returning commenter now, but links hold their comment again, as anyone's.
    again = send(
        email="friend@example.com", name="Friend", comment="https://a.example https://b.example"
    )
    assert again[1:] == (PENDING, "2 links")


def test_a_domain_rule_matches_any_case_and_subdomains(app, client, mod, send):
    first, _, _ = send(email="someone@example.com")
    assert make_rule(client, first, rule="hold-domain", domain="example.com").status_code == 303
    approve(client, send(email="other@trusted.example.org")[0])
    assert send(email="sub@Example.COM")[1:] == (PENDING, "hold rule: domain example.com")
    assert send(email="a@mail.example.com")[1] is PENDING
    assert send(email="other@trusted.example.org")[1] is APPROVED


def test_an_idn_domain_rule_matches_unicode_and_punycode_addresses(app, client, mod, send):
    first, _, _ = send(email="kim@bücher.de")
    response = client.get(f"/moderation/comments/{first}/rule")
    assert 'value="bücher.de"' in response.get_data(as_text=True)
    make_rule(client, first, rule="spam-domain", domain="BÜCHER.de")
    assert rules_in_db(app)[0].value == "xn--bcher-kva.de"
    assert send(email="jo@xn--bcher-kva.de")[1:] == (SPAM, "spam rule: domain bücher.de")
    assert "anyone at bücher.de (xn--bcher-kva.de)" in client.get("/moderation/rules").get_data(
        as_text=True
    )


def test_an_ipv6_rule_covers_the_senders_64(app, client, mod, send):
    first, _, _ = send(ip="2001:db8:1:2::99", email="v6@example.com")
    page = client.get(f"/moderation/comments/{first}/rule").get_data(as_text=True)
    assert 'value="2001:db8:1:2::/64"' in page
    make_rule(client, first, rule="spam-ip", ip="2001:db8:1:2::/64")
    assert send(ip="2001:db8:1:2:ffff::1", email="new@example.net")[1:] == (
        SPAM,
        "spam rule: IP 2001:db8:1:2::/64",
    )
    assert send(ip="2001:db8:1:3::1", email="new2@example.net")[1] is PENDING
    assert send(ip="2001:db8:1:3::1", email="new3@example.net")[2] == "new commenter"


def test_an_ipv4_network_rule(app, client, mod, send):
    first, _, _ = send(ip="203.0.113.77")
    make_rule(client, first, rule="hold-ip", ip="203.0.113.0/24")
    assert send(ip="203.0.113.5", email="x@example.net")[2] == "hold rule: IP 203.0.113.0/24"


def test_a_second_rule_on_the_same_value_updates_the_first(app, client, mod, send):
    first, _, _ = send(email="dup@example.com")
    make_rule(client, first, rule="hold-email")
    response = make_rule(client, first, rule="spam-email", expires="7", follow_redirects=True)
    assert "Rule updated" in response.get_data(as_text=True)
    stored = rules_in_db(app)
    assert [(r.kind, r.target) for r in stored] == [(RuleKind.SPAM, RuleTarget.EMAIL)]
    assert stored[0].expires_at is not None


def test_email_rules_keep_no_plain_address(app, client, mod, send):
    first, _, _ = send(email="secret.person@example.com")
    make_rule(client, first, rule="hold-email")
    with app.app_context():
        raw = db.session.execute(text("SELECT value, email FROM commenter_rules")).one()
    assert "secret.person" not in raw[0] and "secret.person" not in raw[1]
    listing = client.get("/moderation/rules").get_data(as_text=True)
    assert "secret.person@example.com" in listing  # moderators see it, decrypted
    with app.app_context():
        details = " ".join(db.session.scalars(select(ModerationEvent.detail)))
    assert "secret.person" not in details


def test_rules_list_shows_who_when_and_expired_rules(app, client, mod, send):
    first, _, _ = send(ip="192.0.2.50", email="x@example.com")
    make_rule(
        client,
        first,
        rule="hold-ip",
        ip="192.0.2.50",
        note="<script>alert(1)</script> repeat",
        expires="1",
    )
    expire_all(app)
    html = client.get("/moderation/rules").get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    card = soup.select_one(".rule-card")
    assert "rule-card--expired" in card["class"]
    assert "Expired" in card.get_text() and "IP 192.0.2.50" in card.get_text()
    assert "mod@example.com" in card.get_text()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_removing_a_rule_is_audited_and_stops_it(app, client, mod, send):
    first, _, _ = send(email="gone@example.com")
    make_rule(client, first, rule="spam-email")
    rule_id = rules_in_db(app)[0].id
    response = client.post(f"/moderation/rules/{rule_id}/remove", follow_redirects=True)
    assert "Rule removed" in response.get_data(as_text=True)
    assert rules_in_db(app) == []
    assert send(email="gone@example.com")[1] is PENDING
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(ModerationEvent))]
    assert actions.count(ModerationAction.RULE_ADD) == 1
    assert actions.count(ModerationAction.RULE_REMOVE) == 1
    again = client.post(f"/moderation/rules/{rule_id}/remove", follow_redirects=True)
    assert "no longer exists" in again.get_data(as_text=True)


def test_spam_rule_can_also_spam_the_pending_comments(app, client, mod, send):
    first, _, _ = send(email="flood@example.com")
    second, _, _ = send(email="flood@example.com", comment="again")
    other, _, _ = send(email="someone.else@example.com")
    response = make_rule(
        client, first, rule="spam-email", apply_existing="y", follow_redirects=True
    )
    assert "2 pending comments marked as spam" in response.get_data(as_text=True)
    with app.app_context():
        statuses = {c.id: c.status for c in db.session.scalars(select(Comment))}
    assert statuses[first] is SPAM and statuses[second] is SPAM and statuses[other] is PENDING


def test_a_free_mail_domain_asks_to_confirm(app, client, mod, send):
    first, _, _ = send(email="someone@gmail.com")
    response = make_rule(client, first, rule="hold-domain", domain="gmail.com")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "free email service" in page and 'name="confirm_broad"' in page
    assert rules_in_db(app) == []
    assert (
        make_rule(
            client, first, rule="hold-domain", domain="gmail.com", confirm_broad="y"
        ).status_code
        == 303
    )
    assert rules_in_db(app)[0].value == "gmail.com"


# --- Hostile input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"rule": "trust-ip"}, "Not a valid choice"),
        ({"rule": "<b>spam</b>-email"}, "Not a valid choice"),
        ({"rule": ""}, "Choose what to do"),
        ({"rule": "hold-ip", "ip": "not an ip <script>"}, "Enter an IP address"),
        ({"rule": "hold-ip", "ip": "10.0.0.0/8"}, "covers one address or a network"),
        ({"rule": "hold-domain", "domain": "x" * 290}, "Enter a domain"),
        ({"rule": "hold-domain", "domain": "é" * 301}, "at most 253"),
        ({"rule": "hold-domain", "domain": "ex\u202eample.com"}, "Enter a domain"),
        ({"expires": "999"}, "Not a valid choice"),
        ({"expires": "date"}, "Enter the date"),
        ({"expires": "date", "expires_on": "2001-01-01"}, "from today onwards"),
        ({"expires": "date", "expires_on": "tomorrow"}, "Not a valid date"),
        ({"note": "n" * 5000}, "200 characters"),
    ],
)
def test_forged_or_odd_rules_are_refused_next_to_the_field(app, client, mod, send, fields, message):
    first, _, _ = send()
    response = make_rule(client, first, **fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert rules_in_db(app) == []
    if "ip" in fields:  # the typed text is kept, escaped
        assert "<script>" not in page


def test_a_rule_for_an_unknown_comment_is_404(client, mod):
    assert client.get("/moderation/comments/999999/rule").status_code == 404
    assert make_rule(client, 999999).status_code == 404
    assert client.get("/moderation/comments/abc/rule").status_code == 404


def test_a_rule_post_without_csrf_is_refused(app, client, mod, send):
    first, _, _ = send()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = make_rule(client, first)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert rules_in_db(app) == []


def test_removing_without_csrf_is_refused(app, client, mod, send):
    first, _, _ = send()
    make_rule(client, first)
    rule_id = rules_in_db(app)[0].id
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/moderation/rules/{rule_id}/remove").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert len(rules_in_db(app)) == 1


def test_readers_never_reach_the_rules(app, send, article):
    first, _, _ = send()
    reader = app.test_client()
    for path in ("/moderation/rules", f"/moderation/comments/{first}/rule"):
        assert reader.get(path).status_code == 302
    assert (
        reader.post(f"/moderation/comments/{first}/rule", data={"rule": "trust-email"}).status_code
        == 302
    )
    assert rules_in_db(app) == []


def test_the_queue_row_links_to_the_rule_form(client, mod, send):
    first, _, _ = send()
    soup = BeautifulSoup(client.get("/moderation/").get_data(as_text=True), "html.parser")
    link = soup.select_one(f"#queue-{first} a[href^='/moderation/comments/{first}/rule']")
    assert link is not None and "Trust or block" in link.get_text()


def test_the_rule_form_is_prefilled_from_the_comment(client, mod, send):
    first, _, _ = send(ip="192.0.2.44", email="pre@Example.com")
    soup = BeautifulSoup(
        client.get(f"/moderation/comments/{first}/rule").get_data(as_text=True), "html.parser"
    )
    assert soup.select_one("#ip")["value"] == "192.0.2.44"
    assert soup.select_one("#domain")["value"] == "example.com"
    assert "pre@example.com" in soup.get_text()
    assert len(soup.select("input[type=radio][name=rule]")) == 7


def test_no_rule_from_the_sites_own_reply(app, client, mod, send):
    first, _, _ = send()
    approve(client, first)
    client.post(f"/moderation/comments/{first}/reply", data={"comment": "Thanks!"})
    with app.app_context():
        reply = db.session.scalar(select(Comment).where(Comment.moderator_id.is_not(None)))
    assert client.get(f"/moderation/comments/{reply.id}/rule").status_code == 404
    assert make_rule(client, reply.id, rule="trust-email").status_code == 404
    assert rules_in_db(app) == []
