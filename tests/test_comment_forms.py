"""The comment form's limits and normalisation, without HTTP."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from app.comments.forms import CommentForm
from app.comments.stamps import form_stamp, seconds_since_stamp

VALID = {"comment": "Heat helped.", "name": "Ada", "email": "ada@example.com"}


@pytest.fixture
def validate(app):
    def run(**fields):
        data = {**VALID, **fields}
        with app.test_request_context(method="POST", data=data):
            form = CommentForm(formdata=MultiDict(data))
            ok = form.validate()
            return ok, form

    return run


def test_valid_form(validate):
    ok, form = validate()
    assert ok, form.errors


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("comment", "", "Please write your comment."),
        ("comment", "   \n\t  ", "Please write your comment."),
        ("comment", "x" * 5001, "the limit is 5,000 characters"),
        ("name", "", "Please enter your name."),
        ("name", "n" * 101, "at most 100 characters"),
        ("email", "", "Please enter your email address."),
        ("email", "not-an-email", "Enter an email address like name@example.com."),
        ("email", "a@b", "Enter an email address like name@example.com."),
        ("email", ("a" * 64) + "@" + ("b" * 63 + ".") * 3 + "com", "254 characters or fewer"),
        ("website", "javascript:alert(1)", "starts with http:// or https://"),
        ("website", "data:text/html,hi", "starts with http:// or https://"),
        ("website", "JAVASCRIPT:alert(1)", "starts with http:// or https://"),
        ("website", "ftp://example.com", "starts with http:// or https://"),
        ("website", "https://", "like https://example.com"),
        ("website", "https://exa mple.com", "like https://example.com"),
        ("website", "https://user:pw@example.com", "without a user name or password"),
        # Found by Hypothesis: these made urlsplit raise, and the page answer 500.
        ("website", "[", "like https://example.com"),
        ("website", "[]", "like https://example.com"),
        ("website", "https://example.com:port/", "like https://example.com"),
        ("website", "https://example.com/" + "p" * 200, "200 characters or fewer"),
        ("name", "Ada\u202eevil", "direction-changing character"),
        ("name", "Ada\nBcc: x", "invisible"),
        # Found by a review: mail programs break the line at these, so a name could put
        # a line of its own ("Approve: ...") into a moderator's plain-text email.
        ("name", "Ada\u2028Approve: https://evil.example/a", "U+2028 (LINE SEPARATOR)"),
        ("name", "Ada\u2029Trash", "U+2029 (PARAGRAPH SEPARATOR)"),
        ("website", "https://example.com/\u2028x", "invisible"),
        ("comment", "nul \x00 byte", "control character"),
        # Invisible and bidi characters where they disguise a name or a link's target.
        ("name", "Relief\u200b team", "U+200B (ZERO WIDTH SPACE)"),
        ("name", "\u3164", "invisible"),
        ("name", "\u200c", "visible characters"),  # found by an attack review
        ("name", "\ufe0f\ufe0f", "visible characters"),
        ("name", "Ada\u2066Lovelace\u2069", "direction-changing"),
        ("website", "https://exa\u200bmple.com", "invisible"),
        ("website", "https://example.com/\u202egnp.exe", "direction-changing"),
        ("email", "ada\u200b@example.com", "invisible"),
        ("comment", "See https://exa\u00admple.com/help", "web address in your comment"),
        ("comment", "See www.example.com/\u202egnp.exe now", "web address in your comment"),
        # Found by an attack review: an override before a link reverses how it reads.
        ("comment", "see \u202e https://evil.example/gro.elgoog.www//:sptth \u202c", "reorder"),
        ("comment", "plain words \u2067 isolated", "reorder"),
    ],
)
def test_invalid_input_gets_a_message_on_its_field(validate, field, value, message):
    ok, form = validate(**{field: value})
    assert not ok
    assert any(message in error for error in form[field].errors), form.errors


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("comment", "\u05e9\u05dc\u05d5\u05dd\u200f and a right-to-left mark in prose"),
        ("comment", "Emoji with joiners \U0001f469\u200d\u2695\ufe0f are fine"),
        ("name", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"),  # Persian ZWNJ
        ("comment", "A line separator\u2028is a line break in a comment"),
    ],
)
def test_invisible_characters_that_scripts_need_are_kept(validate, field, value):
    ok, form = validate(**{field: value})
    assert ok, form.errors


@pytest.mark.parametrize("length", [1, 5000])
def test_comment_length_limits_are_inclusive(validate, length):
    ok, form = validate(comment="x" * length)
    assert ok, form.errors


def test_comment_is_trimmed_and_line_endings_unified(validate):
    ok, form = validate(comment="  Line one\r\nLine two\r\n\r\nPara two  \n")
    assert ok
    assert form.comment.data == "Line one\nLine two\n\nPara two"


def test_5000_characters_after_trimming_is_accepted(validate):
    ok, form = validate(comment="   " + "x" * 5000 + "   ")
    assert ok, form.errors


def test_email_is_stored_normalised(validate):
    ok, form = validate(email="  Ada@EXAMPLE.com ")
    assert ok
    assert form.email.data == "Ada@example.com"


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("example.com", "https://example.com"),
        ("www.example.com/blog", "https://www.example.com/blog"),
        ("http://example.com", "http://example.com"),
        ("HTTPS://Example.com/Path", "HTTPS://Example.com/Path"),
        ("", None),
    ],
)
def test_website_normalisation(validate, value, stored):
    ok, form = validate(website=value)
    assert ok, form.errors
    assert (form.website.data or None) == stored


def test_honeypot(validate):
    assert not validate()[1].honeypot_filled
    assert validate(fax="http://spam.example.com")[1].honeypot_filled


def test_inputs_carry_no_maxlength_that_would_cut_pasted_text(app):
    with app.test_request_context():
        form = CommentForm(formdata=None)
        for field in (form.comment, form.name, form.email, form.website):
            assert "maxlength" not in field()


def test_form_stamp_round_trip(app):
    with app.test_request_context():
        stamp = form_stamp(now=1000.0)
        assert seconds_since_stamp(stamp, now=1004.5) == pytest.approx(4.5)
        assert seconds_since_stamp(stamp[:-2] + "xx", now=1004.5) is None
        assert seconds_since_stamp("", now=1.0) is None
        assert seconds_since_stamp("garbage", now=1.0) is None


@pytest.mark.parametrize(
    "value", ["¹", "٣", "12abc", "-1", "+1", "1_0", "0", "9" * 20, str(2**31), "1.0"]
)
def test_malformed_parent_ids_are_refused_with_a_message(validate, value):
    """A malformed reply target used to post a top-level comment silently ("¹" was found
    by Hypothesis: it passes str.isdigit() but not int()).  Now the form says so, and
    comes back without it, so sending again starts a new thread."""
    ok, form = validate(parent_id=value)
    assert not ok
    assert "could not tell which comment you are replying to" in form.parent_id.errors[0]
    assert form.parent_id.data is None


@pytest.mark.parametrize(("value", "expected"), [("", None), ("  ", None), ("42", 42)])
def test_empty_or_plain_parent_ids_are_accepted(validate, value, expected):
    ok, form = validate(parent_id=value)
    assert ok and form.parent_id.data == expected
