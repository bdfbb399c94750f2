"""Site settings saved by admins: the value in force, defaults, the log, the page.

The setting in force is what an admin saved, else config; every change is logged with
its old and new value, and reaches other app instances on the same database at once.
"""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select, update

from app import create_app, site_settings
from app.auth.services import add_moderator
from app.extensions import db
from app.models import (
    Comment,
    CommentStatus,
    ModerationEvent,
    Moderator,
    ModeratorRole,
)
from config import TestConfig
from tests.conftest import MODERATOR_PASSWORD

URL = "/back-spasms/"
SETTINGS_URL = "/moderation/settings"


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def reset_buttons(soup) -> list:
    return [b for b in soup.find_all("button") if "Reset to default" in b.get_text()]


@pytest.fixture
def admin(app, moderator):
    """The first moderator is an admin; return their row."""
    return moderator.record


def log_lines(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = db.session.scalars(select(ModerationEvent).order_by(ModerationEvent.id))
        return [(e.action.value, e.moderator_email, e.detail) for e in rows]


def form_of(client) -> dict[str, str]:
    """The settings form as the page shows it, as a browser would send it back."""
    soup = soup_of(client.get(SETTINGS_URL))
    form = soup.select_one("form.settings-form")
    data = {i["name"]: i.get("value", "") for i in form.select("input[name]")}
    data.update({t["name"]: t.get_text().lstrip("\n") for t in form.select("textarea")})
    for select_ in form.select("select"):
        chosen = select_.select_one("option[selected]") or select_.select_one("option")
        data[select_["name"]] = chosen["value"]
    return data


# --- The service ------------------------------------------------------------------------


def test_a_setting_never_saved_is_the_config_value(app):
    app.config["COMMENTS_MAX_LINKS"] = 7
    with app.app_context():
        assert site_settings.get("COMMENTS_MAX_LINKS") == 7
        assert site_settings.get("COMMENTS_RED_FLAGS") == TestConfig.COMMENTS_RED_FLAGS
        assert site_settings.get("COMMENTS_CLOSE_AFTER_DAYS") == 0
        # Settings that are not on the page come from config as before.
        assert site_settings.get("COMMENTS_EDIT_MINUTES") == 15


def test_saving_changes_the_value_in_force_and_logs_old_and_new(app, admin):
    with app.app_context():
        lines = site_settings.save(
            {
                "COMMENTS_MODERATION": "all",
                "COMMENTS_MAX_LINKS": " 4 ",
                "COMMENTS_MODERATION_WORDS": "cure\n\n  miracle   cure \nCURE\n",
                "COMMENTS_MIN_SECONDS": "2.5",
            },
            admin,
        )
        assert site_settings.get("COMMENTS_MODERATION") == "all"
        assert site_settings.get("COMMENTS_MAX_LINKS") == 4
        assert site_settings.get("COMMENTS_MODERATION_WORDS") == ("cure", "miracle cure")
        assert site_settings.get("COMMENTS_MIN_SECONDS") == 2.5
    assert lines == [
        "Which new comments wait for a moderator: first \u2192 all",
        "Hold comments with this many links or more: 2 links \u2192 4 links",
        'Moderation words: added "cure", "miracle cure"',
        "Hold comments sent sooner than this after the form was shown: "
        "3 seconds \u2192 2.5 seconds",
    ]
    assert [(a, who) for a, who, _ in log_lines(app)] == [
        ("moderator_add", "command line"),
        *[("settings", "mod@example.com")] * 4,
    ]
    assert [detail for *_, detail in log_lines(app)[1:]] == lines


def test_word_lists_log_what_was_added_and_removed(app, admin):
    with app.app_context():
        site_settings.save({"COMMENTS_DISALLOWED_WORDS": "casino\nviagra"}, admin)
        site_settings.save({"COMMENTS_DISALLOWED_WORDS": "viagra\nloan"}, admin)
    assert log_lines(app)[-1][2] == 'Disallowed words: added "loan"; removed "casino"'


def test_saving_the_same_values_changes_and_logs_nothing(app, admin):
    with app.app_context():
        assert site_settings.save({"COMMENTS_MODERATION": "first"}, admin) == []
        site_settings.save({"COMMENTS_MAX_LINKS": "5"}, admin)
        assert site_settings.save({"COMMENTS_MAX_LINKS": "5"}, admin) == []
    assert len(log_lines(app)) == 2


def test_a_value_equal_to_the_default_follows_config_again(app, admin):
    with app.app_context():
        site_settings.save({"COMMENTS_MAX_LINKS": "5"}, admin)
        lines = site_settings.save({"COMMENTS_MAX_LINKS": "2"}, admin)
        assert lines == [
            "Hold comments with this many links or more: 5 links \u2192 2 links (the default)"
        ]
        state = next(
            s for s in site_settings.all_settings() if s.setting.name == "COMMENTS_MAX_LINKS"
        )
        assert state.is_default
    # The operator changes the default later: the setting follows it.
    app.config["COMMENTS_MAX_LINKS"] = 9
    with app.app_context():
        assert site_settings.get("COMMENTS_MAX_LINKS") == 9


def test_reset_returns_to_config_and_is_logged(app, admin):
    with app.app_context():
        site_settings.save({"COMMENTS_RED_FLAGS": "fell\nnumb"}, admin)
        assert site_settings.get("COMMENTS_RED_FLAGS") == ("fell", "numb")
        line = site_settings.reset("COMMENTS_RED_FLAGS", admin)
        assert site_settings.get("COMMENTS_RED_FLAGS") == TestConfig.COMMENTS_RED_FLAGS
        assert site_settings.reset("COMMENTS_RED_FLAGS", admin) is None  # already
    assert line.startswith("Red-flag phrases: reset to the default (added ")
    assert log_lines(app)[-1] == ("settings", "mod@example.com", line)


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("COMMENTS_MODERATION", "sometimes", "Choose one of the options."),
        ("COMMENTS_MAX_LINKS", "-1", "Enter a whole number from 0 to 100."),
        ("COMMENTS_MAX_LINKS", "2.5", "Enter a whole number from 0 to 100."),
        ("COMMENTS_MAX_LINKS", "1e9", "Enter a whole number from 0 to 100."),
        ("COMMENTS_MAX_LINKS", "\u0662", "Enter a whole number from 0 to 100."),
        ("COMMENTS_MAX_LINKS", "1_0", "Enter a whole number from 0 to 100."),
        ("COMMENTS_MIN_SECONDS", "nan", "Enter a number from 0 to 600."),
        ("COMMENTS_MIN_SECONDS", "inf", "Enter a number from 0 to 600."),
        ("COMMENTS_FLOOD_SECONDS", "", "Enter a number from 0 to 86400."),
        ("COMMENTS_CLOSE_AFTER_DAYS", "9" * 400, "Enter a whole number from 0 to 36500."),
        ("COMMENTS_MODERATION_WORDS", "ok\nbad\u200bword", "Line 2 contains a hidden character"),
        ("COMMENTS_MODERATION_WORDS", "x" * 101, "Line 1 is longer than 100 characters"),
        ("COMMENTS_RED_FLAGS", "\n".join(f"w{n}" for n in range(501)), "at most"),
        ("COMMENTS_RED_FLAGS", "nul\x00", "hidden character"),
        ("SECRET_KEY", "x", "There is no such setting."),
    ],
)
def test_refused_values_save_nothing(app, admin, name, raw, message):
    with app.app_context():
        with pytest.raises(site_settings.InvalidSettings) as refused:
            site_settings.save({"COMMENTS_MODERATION": "all", name: raw}, admin)
        assert message in refused.value.errors[name]
        assert site_settings.get("COMMENTS_MODERATION") == "first"
    assert len(log_lines(app)) == 1


def test_an_admin_demoted_while_saving_saves_and_resets_nothing(app, admin):
    with app.app_context():
        site_settings.save({"COMMENTS_RED_FLAGS": "fell"}, admin)
        logged = log_lines(app)
        stale = db.session.get(Moderator, admin.id)  # as the request loaded them: an admin
        assert stale.is_admin
        with db.engine.begin() as other_request:  # another admin demotes them meanwhile
            other_request.execute(
                update(Moderator)
                .where(Moderator.id == admin.id)
                .values(role=ModeratorRole.MODERATOR)
            )
        with pytest.raises(site_settings.NotAnAdmin):
            site_settings.save({"COMMENTS_RED_FLAGS": "numb"}, stale)
        with pytest.raises(site_settings.NotAnAdmin):
            site_settings.reset("COMMENTS_RED_FLAGS", stale)
        assert site_settings.get("COMMENTS_RED_FLAGS") == ("fell",)
    assert log_lines(app) == logged


def test_another_app_on_the_same_database_sees_a_change_at_once(app, admin):
    """Two app instances stand for two worker processes: each keeps its own copy."""
    other = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with other.app_context():
            assert site_settings.get("COMMENTS_MODERATION") == "first"  # copy made
        with app.app_context():
            site_settings.save({"COMMENTS_MODERATION": "none"}, admin)
        with other.app_context():
            assert site_settings.get("COMMENTS_MODERATION") == "none"
        with app.app_context():
            site_settings.reset("COMMENTS_MODERATION", admin)
        with other.app_context():
            assert site_settings.get("COMMENTS_MODERATION") == "first"
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_one_request_sees_one_version_of_the_settings(app, admin):
    """A change made elsewhere during a request shows from the next request on."""
    other = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with app.app_context():
            assert site_settings.get("COMMENTS_MAX_LINKS") == 2
            with other.app_context():
                site_settings.save({"COMMENTS_MAX_LINKS": "6"}, db.session.merge(admin))
            assert site_settings.get("COMMENTS_MAX_LINKS") == 2
        with app.app_context():
            assert site_settings.get("COMMENTS_MAX_LINKS") == 6
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_comment_follows_the_saved_words_and_mode(app, client, article, comment_form, admin):
    with app.app_context():
        site_settings.save(
            {"COMMENTS_MODERATION": "none", "COMMENTS_MODERATION_WORDS": "cure"}, admin
        )
    client.post(URL, data=comment_form(comment="Is there a cure?"))
    client.post(URL, data=comment_form(comment="A secure chair helps."))
    with app.app_context():
        rows = db.session.scalars(select(Comment).order_by(Comment.id)).all()
        assert [(c.status, c.reason) for c in rows] == [
            (CommentStatus.PENDING, 'moderation word: "cure"'),
            (CommentStatus.APPROVED, "moderation is off"),
        ]


# --- The page ---------------------------------------------------------------------------


def test_the_page_shows_every_setting_with_its_default(client, moderator):
    moderator.login()
    response = client.get(SETTINGS_URL)
    assert response.status_code == 200
    soup = soup_of(response)
    assert soup.h1.get_text() == "Comment settings"
    assert soup.select_one("select#comments_moderation option[selected]")["value"] == "first"
    links = soup.select_one("input#comments_max_links")
    assert (links["type"], links["min"], links["max"], links["value"]) == (
        "number",
        "0",
        "100",
        "2",
    )
    flags = soup.select_one("textarea#comments_red_flags").get_text()
    assert "numb" in flags.splitlines() and "can't pee" in flags.splitlines()
    assert len(soup.select(".setting")) == len(site_settings.SETTINGS)
    assert len(soup.select(".setting .badge:-soup-contains('Default')")) == len(
        site_settings.SETTINGS
    )
    assert not reset_buttons(soup)
    # Admins see the nav link.
    assert soup.find("a", href=SETTINGS_URL, string="Settings")


def test_saving_through_the_page_flashes_and_marks_what_changed(app, client, moderator):
    moderator.login()
    data = form_of(client)
    data.update(comments_moderation="all", comments_moderation_words="cure\nmiracle")
    response = client.post(SETTINGS_URL, data=data)
    assert response.status_code == 303
    page = soup_of(client.get(SETTINGS_URL))
    flash = page.select_one(".flash, [role=status], .flashes").get_text(" ", strip=True)
    assert "Settings saved" in flash and 'added "cure", "miracle"' in flash
    changed = page.select_one("#setting-comments_moderation_words")
    assert "Changed" in changed.get_text() and "by mod@example.com" in changed.get_text()
    assert len(reset_buttons(changed)) == 1 and len(reset_buttons(page)) == 2
    with app.app_context():
        assert site_settings.get("COMMENTS_MODERATION") == "all"
    # Only the changed settings were logged.
    assert [a for a, *_ in log_lines(app)].count("settings") == 2


@pytest.mark.parametrize("action", ["save", "reset"])
def test_an_admin_demoted_while_the_request_runs_gets_the_403_and_nothing_changes(
    app, client, moderator, action
):
    moderator.login()
    data = form_of(client)
    data.update(comments_moderation_words="cure")
    assert client.post(SETTINGS_URL, data=data).status_code == 303
    logged = log_lines(app)

    def demoted_past_the_guard():
        """Another admin's demotion commits just after this request passed the check."""
        with db.engine.begin() as other_request:
            other_request.execute(
                update(Moderator)
                .where(Moderator.email == "mod@example.com")
                .values(role=ModeratorRole.MODERATOR)
            )

    app.before_request_funcs.setdefault("admin", []).append(demoted_past_the_guard)
    if action == "save":
        response = client.post(SETTINGS_URL, data={**data, "comments_moderation": "all"})
    else:
        response = client.post(f"{SETTINGS_URL}/COMMENTS_MODERATION_WORDS/reset")
    assert response.status_code == 403
    assert "Only admins can open this page" in response.get_data(as_text=True)
    with app.app_context():
        assert site_settings.get("COMMENTS_MODERATION") == "first"
        assert site_settings.get("COMMENTS_MODERATION_WORDS") == ("cure",)
    assert log_lines(app) == logged


def test_a_refused_value_is_shown_next_to_its_field_with_the_typed_text_kept(
    app, client, moderator
):
    moderator.login()
    data = form_of(client)
    data.update(
        comments_max_links="lots",
        comments_moderation_words="fine\nhidden\u202eword",
        comments_moderation="all",
    )
    response = client.post(SETTINGS_URL, data=data)
    assert response.status_code == 422
    soup = soup_of(response)
    links = soup.select_one("#setting-comments_max_links")
    assert (
        links.select_one(".field__error").get_text(strip=True)
        == "Enter a whole number from 0 to 100."
    )
    assert links.select_one("input")["value"] == "lots"
    assert links.select_one("input")["aria-invalid"] == "true"
    words = soup.select_one("#setting-comments_moderation_words")
    assert "hidden character" in words.select_one(".field__error").get_text()
    assert "hidden\u202eword" in words.select_one("textarea").get_text()
    assert soup.select_one("#error-summary")
    # Nothing was saved, not even the valid mode.
    with app.app_context():
        assert site_settings.get("COMMENTS_MODERATION") == "first"


def test_reset_button_puts_a_setting_back(app, client, moderator, admin):
    with app.app_context():
        site_settings.save({"COMMENTS_FLOOD_SECONDS": "60"}, admin)
    moderator.login()
    response = client.post(f"{SETTINGS_URL}/COMMENTS_FLOOD_SECONDS/reset", data=form_of(client))
    assert response.status_code == 303
    assert "reset to the default" in client.get(SETTINGS_URL).get_data(as_text=True)
    with app.app_context():
        assert site_settings.get("COMMENTS_FLOOD_SECONDS") == 0.0


@pytest.mark.parametrize("name", ["SECRET_KEY", "nope", "COMMENTS_EDIT_MINUTES"])
def test_resetting_an_unknown_setting_is_404(client, moderator, name):
    moderator.login()
    assert client.post(f"{SETTINGS_URL}/{name}/reset").status_code == 404


@pytest.fixture
def plain_moderator(app, client, moderator):
    """A second account, a moderator (not an admin), logged in."""
    with app.app_context():
        add_moderator("plain@example.com", MODERATOR_PASSWORD, "Pat", role=ModeratorRole.MODERATOR)
    client.post("/auth/login", data={"email": "plain@example.com", "password": MODERATOR_PASSWORD})
    return client


ADMIN_URLS = [
    ("GET", SETTINGS_URL),
    ("POST", SETTINGS_URL),
    ("POST", f"{SETTINGS_URL}/COMMENTS_MODERATION/reset"),
    ("GET", "/moderation/moderators"),
    ("POST", "/moderation/moderators"),
    ("POST", "/moderation/moderators/1/role"),
    ("GET", "/moderation/moderators/1/remove"),
    ("POST", "/moderation/moderators/1/remove"),
]


@pytest.mark.parametrize(("method", "path"), ADMIN_URLS)
def test_a_moderator_who_is_not_an_admin_gets_a_friendly_403(app, plain_moderator, method, path):
    data = {"comments_moderation": "none", "role": "moderator", "email": "x@example.com"}
    response = plain_moderator.open(path, method=method, data=data)
    assert response.status_code == 403
    soup = soup_of(response)
    assert soup.h1.get_text() == "Only admins can open this page"
    assert "Ask one of them" in soup.get_text()
    with app.app_context():
        assert site_settings.get("COMMENTS_MODERATION") == "first"
        assert db.session.scalar(select(Moderator).where(Moderator.id == 1)).is_admin
    assert [a for a, *_ in log_lines(app)] == ["moderator_add", "moderator_add"]


def test_a_moderator_who_is_not_an_admin_sees_no_admin_links(plain_moderator):
    soup = soup_of(plain_moderator.get("/moderation/"))
    assert not soup.find("a", href=SETTINGS_URL)
    assert not soup.find("a", href="/moderation/moderators")


def test_a_settings_post_without_csrf_token_is_refused(app, client, moderator):
    app.config["WTF_CSRF_ENABLED"] = True
    moderator.login()
    response = client.post(SETTINGS_URL, data={"comments_moderation": "none"})
    assert response.status_code == 400
    assert client.post(f"{SETTINGS_URL}/COMMENTS_MODERATION/reset").status_code == 400
    with app.app_context():
        assert site_settings.get("COMMENTS_MODERATION") == "first"


@pytest.mark.parametrize(
    "value",
    [
        "\x00",
        "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),
        "\U0001d520\U0001d532\U0001d52f\U0001d522\n" * 400,  # fraktur "cure"
        "a" * 60_000,
    ],
)
def test_hostile_values_never_cause_a_server_error(client, moderator, value):
    moderator.login()
    data = form_of(client)
    for key in data:
        data[key] = value
    response = client.post(SETTINGS_URL, data=data)
    assert response.status_code in (413, 422)
