"""Review of issue 13 (a moderator's workspace): hostile inputs found by an outside
review, each shown by a test."""

from __future__ import annotations

import signal
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from app.extensions import db
from app.models import Comment, CommenterRule, CommentRevision, CommentStatus

# --- Commenter rules: an end date at the edge of the calendar ---------------------------


@pytest.mark.parametrize("day", ["9999-12-31", "9999-12-30"])
def test_a_rule_ending_at_the_end_of_the_calendar_is_never_a_server_error(
    app, client, mod, add_comment, day
):
    comment_id = add_comment(status=CommentStatus.PENDING)
    response = client.post(
        f"/moderation/comments/{comment_id}/rule",
        data={"rule": "hold-email", "expires": "date", "expires_on": day, "next": "/moderation/"},
    )
    assert response.status_code in (303, 422)
    if response.status_code == 422:
        assert day in response.get_data(as_text=True)  # the typed date is kept
    with app.app_context():
        rules = list(db.session.scalars(select(CommenterRule)))
        assert len(rules) == (1 if response.status_code == 303 else 0)
    assert client.get("/moderation/rules").status_code == 200


# --- Word lists: characters that draw nothing, inside a listed word ---------------------

URL = "/back-spasms/"
# Zero-width space, soft hyphen, word joiner, zero-width (non-)joiner, byte order mark,
# combining grapheme joiner, variation selector: none of them shows in the comment.
INVISIBLE = ["\u200b", "\u00ad", "\u2060", "\u200d", "\u200c", "\ufeff", "\u034f", "\ufe0f"]


@pytest.mark.parametrize("hidden", INVISIBLE)
def test_an_invisible_character_inside_a_disallowed_word_does_not_publish_it(
    app, client, article, comment_form, moderator, hidden
):
    from app import site_settings

    with app.app_context():
        admin = moderator.record
        site_settings.save(
            {"COMMENTS_MODERATION": "none", "COMMENTS_DISALLOWED_WORDS": "viagra"}, admin
        )
    client.post(URL, data=comment_form(comment=f"Cheap via{hidden}gra here."))
    with app.app_context():
        comment = db.session.scalar(select(Comment))
        assert comment is not None
        assert (comment.status, comment.reason) == (CommentStatus.SPAM, 'disallowed word: "viagra"')


@pytest.mark.parametrize("hidden", INVISIBLE)
def test_an_invisible_character_inside_a_red_flag_still_holds_the_comment(hidden):
    from app.comments.policy import PolicySettings, red_flags_in

    settings = PolicySettings(red_flags=("bladder", "chest pain"))
    text = f"I cannot control my blad{hidden}der and have chest{hidden} pain."
    assert red_flags_in(text, settings) == ("bladder", "chest pain")


# --- Edit history: a diff an author can make enormous -----------------------------------


@contextmanager
def hang_guard(seconds: int, what: str):
    """Fail (rather than hang the run for minutes) when ``what`` has not answered after
    ``seconds``: a guard against a blow-up, not a measure of speed."""

    class Hung(Exception):
        pass

    def stop(signum, frame):
        raise Hung

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    except Hung:
        raise AssertionError(f"{what} had not answered after {seconds} s") from None
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_history_of_an_edit_between_repetitive_texts_answers_and_reads_back_both(
    app, client, mod, add_comment
):
    # A reader may send 5,000 characters and edit them in their first minutes: "a a a..."
    # edited to "b a b a..." made the word diff compare ~2,500 words with ~2,500 words the
    # slow way (minutes of one worker, twice over), on a page any moderator opens.
    old, new = "a " * 2499 + "a", "b a " * 1249 + "b a"
    cid = add_comment(body=old)
    with app.app_context():
        comment = db.session.get(Comment, cid)
        db.session.add(
            CommentRevision(
                comment_id=cid,
                author_name=comment.author_name,
                author_website=None,
                body=old,
                by_author=True,
                created_at=datetime(2026, 1, 2, tzinfo=UTC),
            )
        )
        comment.body = new
        db.session.commit()
    with hang_guard(60, "the history page"):
        response = client.get(f"/moderation/comments/{cid}/history")
    assert response.status_code == 200
    diff = BeautifulSoup(response.data, "html.parser").find(class_="history__diff")
    for hidden in diff.find_all(class_="visually-hidden"):
        hidden.decompose()
    # Read back: what stayed and what was removed is the old text, what stayed and what
    # was added the new one.
    before = "".join(n.get_text() if n.name != "ins" else "" for n in diff.children)
    after = "".join(n.get_text() if n.name != "del" else "" for n in diff.children)
    assert (before, after) == (old, new)
    assert diff.find("ins") is not None


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("a " * 2499 + "a", "b a " * 1249 + "b a"),
        ("one two three " * 300, "one two four " * 300),
        ("  lead\n\nx y z", "lead\n\nx  y z "),
        ("same", "same same"),
        ("", "new words"),
    ],
)
def test_word_diff_always_reads_back_both_texts(old, new):
    from app.moderation.history import word_diff

    pieces = word_diff(old, new)
    assert "".join(p.text for p in pieces if p.kind != "added") == old
    assert "".join(p.text for p in pieces if p.kind != "removed") == new


def test_one_word_changed_in_a_long_repetitive_comment_is_still_shown_as_one_word():
    from app.moderation.history import word_diff

    old = "a " * 1500 + "cure " + "a " * 999
    new = "a " * 1500 + "help " + "a " * 999
    changed = [(p.kind, p.text) for p in word_diff(old, new) if p.kind != "same"]
    assert changed == [("removed", "cure "), ("added", "help ")]


# --- Commenter rules: a note with characters that hide or that a database refuses -------


@pytest.mark.parametrize("note", ["spam\x00bot", "see \u202egpj.exe", "tab\tand\x1bescape"])
def test_a_rule_note_with_control_or_direction_characters_is_refused_next_to_it(
    app, client, mod, add_comment, note
):
    comment_id = add_comment(status=CommentStatus.PENDING)
    response = client.post(
        f"/moderation/comments/{comment_id}/rule",
        data={"rule": "hold-email", "expires": "never", "note": note, "next": "/moderation/"},
    )
    assert response.status_code == 422
    page = BeautifulSoup(response.data, "html.parser")
    assert page.find(id="note")["value"] == note  # the typed text is kept
    assert "invisible" in page.get_text() or "control" in page.get_text()
    with app.app_context():
        assert list(db.session.scalars(select(CommenterRule))) == []


# --- Commenter rules: the same rule sent twice at once (a double click) -----------------


def test_the_same_new_rule_saved_twice_at_once_is_one_rule_and_no_error(
    app, article, moderator, add_comment
):
    """Two workers save a rule on the same new value at the same moment, twenty times:
    each time one rule results, and neither request fails (on PostgreSQL the second
    insert used to hit the unique (target, value) constraint: a 500)."""
    import threading

    from app import create_app
    from app.models import Moderator
    from app.moderation import rules
    from config import TestConfig

    comment_id = add_comment(status=CommentStatus.PENDING)
    me_id = moderator.record.id
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    workers = [create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url) for _ in range(2)]
    errors: list[str] = []
    try:
        for round_ in range(20):
            start = threading.Barrier(2)

            def save(worker, start=start, domain=f"round{round_}.example"):
                with worker.app_context():
                    me = db.session.get(Moderator, me_id)
                    start.wait()
                    try:
                        rules.make_rule(comment_id, me, "hold-domain", domain=domain)
                    except Exception as exc:  # what a request would turn into a 500
                        errors.append(f"{type(exc).__name__}: {exc}"[:200])
                    finally:
                        db.session.remove()

            threads = [threading.Thread(target=save, args=(w,)) for w in workers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
    finally:
        for worker in workers:
            with worker.app_context():
                db.engine.dispose()
    assert errors == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CommenterRule)) == 20


# --- Commenter rules: an IPv6 address with a zone ---------------------------------------


@pytest.mark.parametrize("typed", ["fe80::1%eth0", "2001:db8::1%1"])
def test_an_ipv6_address_with_a_zone_is_refused_rather_than_saved_to_match_nothing(typed):
    # "fe80::1%eth0" was kept as "fe80::1%eth0/128": no sender's address ever has a zone,
    # so the rule would be listed as blocking an IP and never hold anything.
    from app.comments.rules import InvalidRuleValue, normalise_network

    with pytest.raises(InvalidRuleValue):
        normalise_network(typed)
