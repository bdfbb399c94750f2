"""Admins and moderators: the CLI, the browser, and the one admin the site always keeps."""

from __future__ import annotations

import threading

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from app import create_app
from app.auth.services import AccountError, add_moderator, change_role, remove_moderator
from app.extensions import db
from app.models import ModerationEvent, Moderator, ModeratorRole
from config import TestConfig
from tests.conftest import MODERATOR_PASSWORD

ADMIN, MODERATOR = ModeratorRole.ADMIN, ModeratorRole.MODERATOR
PAGE = "/moderation/moderators"


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def roles(app) -> dict[str, str]:
    with app.app_context():
        return {m.email: m.role.value for m in db.session.scalars(select(Moderator))}


def log_lines(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = db.session.scalars(select(ModerationEvent).order_by(ModerationEvent.id))
        return [(e.action.value, e.moderator_email, e.detail) for e in rows]


def add(runner, email: str, *flags: str):
    return runner.invoke(
        args=["moderators", "add", email, "--password-stdin", *flags],
        input=f"{MODERATOR_PASSWORD}\n",
    )


# --- The command line -------------------------------------------------------------------


def test_the_first_account_is_an_admin_and_says_so(app, runner):
    first = add(runner, "first@example.com")
    assert first.exit_code == 0
    assert "as an admin, since the site had no admin yet" in first.output
    second = add(runner, "second@example.com")
    assert second.output.strip() == "Added moderator second@example.com (moderator)."
    third = add(runner, "third@example.com", "--admin")
    assert third.output.strip() == "Added moderator third@example.com (admin)."
    assert roles(app) == {
        "first@example.com": "admin",
        "second@example.com": "moderator",
        "third@example.com": "admin",
    }
    listed = runner.invoke(args=["moderators", "list"]).output
    assert "second@example.com\tRelief team\tmoderator\tlast login: never" in listed
    assert [(a, who) for a, who, _ in log_lines(app)] == [("moderator_add", "command line")] * 3


def test_set_role_from_the_command_line_keeps_the_last_admin(app, runner):
    add(runner, "first@example.com")
    add(runner, "second@example.com")
    refused = runner.invoke(args=["moderators", "set-role", "first@example.com", "moderator"])
    assert refused.exit_code != 0
    assert "only admin: make someone else an admin first" in refused.output
    promoted = runner.invoke(args=["moderators", "set-role", "Second@Example.com", "admin"])
    assert promoted.output.strip() == "second@example.com is now an admin."
    demoted = runner.invoke(args=["moderators", "set-role", "first@example.com", "moderator"])
    assert demoted.exit_code == 0
    assert roles(app) == {"first@example.com": "moderator", "second@example.com": "admin"}
    assert log_lines(app)[-1] == (
        "moderator_role",
        "command line",
        "Relief team (first@example.com): admin \u2192 moderator",
    )
    bad = runner.invoke(args=["moderators", "set-role", "first@example.com", "owner"])
    assert bad.exit_code != 0
    unknown = runner.invoke(args=["moderators", "set-role", "nobody@example.com", "admin"])
    assert "No moderator has the email nobody@example.com" in unknown.output


def test_the_last_admin_cannot_be_removed_from_the_command_line(app, runner):
    add(runner, "first@example.com")
    add(runner, "second@example.com")
    refused = runner.invoke(args=["moderators", "remove", "first@example.com"])
    assert refused.exit_code != 0 and "only admin" in refused.output
    assert runner.invoke(args=["moderators", "remove", "second@example.com"]).exit_code == 0
    assert roles(app) == {"first@example.com": "admin"}
    assert log_lines(app)[-1] == (
        "moderator_remove",
        "command line",
        "removed Relief team (second@example.com)",
    )


def test_two_demotions_at_once_leave_one_admin(app):
    """Each admin demotes the other at the same moment, from two app instances (as two
    workers would): the check runs inside the write transaction, so one is refused."""
    with app.app_context():
        one = add_moderator("one@example.com", MODERATOR_PASSWORD, "One", role=ADMIN)
        two = add_moderator("two@example.com", MODERATOR_PASSWORD, "Two", role=ADMIN)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    # Two apps, made here: CPython 3.11 can fail to compile werkzeug's URL builders
    # when two threads do it at once ("AST constructor recursion depth mismatch").
    workers = [create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url) for _ in range(2)]
    start = threading.Barrier(2, timeout=30)
    results: dict[str, str] = {}

    def demote(actor: Moderator, target: str) -> None:
        worker = workers.pop()
        with worker.app_context():
            me = db.session.get(Moderator, actor.id)
            start.wait()
            try:
                change_role(target, MODERATOR, by=me)
                results[target] = "done"
            except AccountError as exc:
                results[target] = str(exc)
            finally:
                db.session.remove()
                db.engine.dispose()

    threads = [
        threading.Thread(target=demote, args=(one, "two@example.com")),
        threading.Thread(target=demote, args=(two, "one@example.com")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    outcomes = sorted(results.values(), key=lambda outcome: outcome != "done")
    assert len(outcomes) == 2 and outcomes[0] == "done"
    assert list(roles(app).values()).count("admin") == 1
    # The loser was no longer an admin (or, had it gone first, the last one).
    assert "Only an admin" in outcomes[1] or "only admin" in outcomes[1]


def test_a_moderator_cannot_manage_moderators_through_the_service(app):
    with app.app_context():
        add_moderator("admin@example.com", MODERATOR_PASSWORD, "Ann")
        plain = add_moderator("plain@example.com", MODERATOR_PASSWORD, "Pat")
        with pytest.raises(AccountError, match="Only an admin"):
            change_role("plain@example.com", ADMIN, by=plain)
        with pytest.raises(AccountError, match="Only an admin"):
            remove_moderator("admin@example.com", by=plain)
        with pytest.raises(AccountError, match="Only an admin"):
            add_moderator("x@example.com", MODERATOR_PASSWORD, "X", by=plain)
    assert roles(app) == {"admin@example.com": "admin", "plain@example.com": "moderator"}


# --- The browser ------------------------------------------------------------------------


@pytest.fixture
def team(app, client, moderator):
    """mod@example.com (the admin, logged in) and pat@example.com (a moderator)."""
    with app.app_context():
        add_moderator("pat@example.com", MODERATOR_PASSWORD, "Pat")
    moderator.login()
    return client


def ids(app) -> dict[str, int]:
    with app.app_context():
        return {m.email: m.id for m in db.session.scalars(select(Moderator))}


def test_the_page_lists_moderators_with_role_and_last_login(team):
    soup = soup_of(team.get(PAGE))
    cards = soup.select(".moderator-card")
    text = [c.get_text(" ", strip=True) for c in cards]
    assert "Relief team (you) Email mod@example.com Role Admin Last login" in text[0]
    assert "never" not in text[0]
    assert text[1].startswith("Pat Email pat@example.com Role Moderator Last login never")
    assert soup.find("a", href=PAGE, string="Moderators")


def test_an_admin_adds_a_moderator_who_can_then_log_in(app, team):
    response = team.post(
        PAGE,
        data={
            "name": "Sam",
            "email": " Sam@Example.com ",
            "role": "admin",
            "password": "a long first password",
        },
    )
    assert response.status_code == 303
    assert "Added Sam (sam@example.com) as admin." in team.get(PAGE).get_data(as_text=True)
    assert roles(app)["sam@example.com"] == "admin"
    assert log_lines(app)[-1] == (
        "moderator_add",
        "mod@example.com",
        "added Sam (sam@example.com) as admin",
    )
    other = app.test_client()
    login = other.post(
        "/auth/login", data={"email": "sam@example.com", "password": "a long first password"}
    )
    assert login.status_code == 303


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "pat@example.com"}, "email", "There is already a moderator"),
        ({"email": "not-an-address"}, "email", "Enter an email address like"),
        ({"email": "a\u202e@example.com"}, "email", "U+202E"),
        ({"password": "short"}, "password", "Use at least 12 characters."),
        ({"name": ""}, "name", "Enter their name"),
        ({"name": "n" * 101}, "name", "Keep the name to 100 characters."),
        ({"role": "owner"}, "role", "Not a valid choice"),
    ],
)
def test_a_refused_new_moderator_keeps_what_was_typed(app, team, data, field, message):
    form = {"name": "Sam", "email": "sam@example.com", "role": "moderator", "password": "x" * 12}
    response = team.post(PAGE, data={**form, **data})
    assert response.status_code == 422
    soup = soup_of(response)
    error = soup.select_one(f"#{field}-error")
    assert message in error.get_text()
    if field == "name" and data["name"]:
        assert soup.select_one("#name")["value"] == data["name"]
    if field == "email":
        assert soup.select_one("#email")["value"] == data["email"]
    assert soup.select_one("#password").get("value") in (None, "")  # never sent back
    assert len(roles(app)) == 2


def test_an_admin_changes_a_role_and_cannot_demote_the_last_admin(app, team):
    people = ids(app)
    response = team.post(f"{PAGE}/{people['mod@example.com']}/role", data={"role": "moderator"})
    assert response.status_code == 303
    page = team.get(PAGE).get_data(as_text=True)
    assert "mod@example.com is the only admin: make someone else an admin first." in page
    assert (
        team.post(f"{PAGE}/{people['pat@example.com']}/role", data={"role": "admin"}).status_code
        == 303
    )
    assert roles(app)["pat@example.com"] == "admin"
    # Now the admin can step down, and loses the page at once.
    team.post(f"{PAGE}/{people['mod@example.com']}/role", data={"role": "moderator"})
    assert roles(app)["mod@example.com"] == "moderator"
    assert team.get(PAGE).status_code == 403


@pytest.mark.parametrize("role", ["", "owner", "ADMIN", "\x00"])
def test_a_forged_role_changes_nothing(app, team, role):
    pat = ids(app)["pat@example.com"]
    team.post(f"{PAGE}/{pat}/role", data={"role": role})
    assert "Choose Moderator or Admin." in team.get(PAGE).get_data(as_text=True)
    assert roles(app)["pat@example.com"] == "moderator"


@pytest.mark.parametrize(
    "path", ["999/role", "999/remove", "0/remove", "abc/remove", "99999999999/role"]
)
def test_unknown_moderator_ids_are_404(team, path):
    method = "post" if path.endswith("role") else "get"
    assert getattr(team, method)(f"{PAGE}/{path}", data={"role": "admin"}).status_code == 404


def test_removing_asks_first_then_removes(app, team):
    pat = ids(app)["pat@example.com"]
    confirm = soup_of(team.get(f"{PAGE}/{pat}/remove"))
    assert confirm.h1.get_text() == "Remove Pat?"
    assert roles(app).get("pat@example.com") == "moderator"
    assert team.post(f"{PAGE}/{pat}/remove").status_code == 303
    assert "pat@example.com" not in roles(app)
    assert log_lines(app)[-1] == (
        "moderator_remove",
        "mod@example.com",
        "removed Pat (pat@example.com)",
    )


def test_the_last_admin_cannot_remove_themselves(app, team):
    me = ids(app)["mod@example.com"]
    assert "your own account" in team.get(f"{PAGE}/{me}/remove").get_data(as_text=True)
    team.post(f"{PAGE}/{me}/remove")
    assert "only admin" in team.get(PAGE).get_data(as_text=True)
    assert roles(app)["mod@example.com"] == "admin"


def test_an_admin_may_remove_themselves_when_another_admin_stays(app, team):
    people = ids(app)
    team.post(f"{PAGE}/{people['pat@example.com']}/role", data={"role": "admin"})
    response = team.post(f"{PAGE}/{people['mod@example.com']}/remove")
    assert response.headers["Location"] == "/auth/login"
    assert roles(app) == {"pat@example.com": "admin"}
    assert team.get("/moderation/").status_code == 302  # logged out: the account is gone
    action, who, _ = log_lines(app)[-1]
    assert (action, who) == ("moderator_remove", "mod@example.com")


def test_moderator_forms_need_a_csrf_token(app, team):
    app.config["WTF_CSRF_ENABLED"] = True
    pat = ids(app)["pat@example.com"]
    assert team.post(f"{PAGE}/{pat}/role", data={"role": "admin"}).status_code == 400
    assert team.post(f"{PAGE}/{pat}/remove").status_code == 400
    assert (
        team.post(
            PAGE,
            data={"name": "S", "email": "s@example.com", "role": "admin", "password": "x" * 12},
        ).status_code
        == 400
    )
    assert roles(app) == {"mod@example.com": "admin", "pat@example.com": "moderator"}
