"""Each moderator's own preferences page: queue order, shortcuts, moderation email."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import Moderator, NotifyMode, QueueOrder
from tests.conftest import MODERATOR_PASSWORD, ModeratorHelper

PAGE = "/moderation/preferences"
SAVE = {"queue_order": "newest", "shortcuts": "off", "notify_mode": "daily"}
MISSING = {
    "queue_order": "Choose which comments come first in the queue.",
    "shortcuts": "Choose whether keyboard shortcuts are on or off.",
    "notify_mode": "Choose when to be emailed about comments waiting for moderation.",
}


def row(app, email: str = "mod@example.com") -> Moderator:
    with app.app_context():
        return db.session.scalar(select(Moderator).where(Moderator.email == email))


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def checked(soup: BeautifulSoup) -> dict[str, str]:
    return {i["name"]: i["value"] for i in soup.select("input[type=radio][checked]")}


@pytest.fixture
def other(app, client, runner):
    """A second moderator."""
    result = runner.invoke(
        args=["moderators", "add", "other@example.com", "--password-stdin"],
        input=f"{MODERATOR_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    return ModeratorHelper(app, client, "other@example.com")


def test_page_shows_the_stored_choices_as_radio_groups(client, moderator):
    moderator.login()
    response = client.get(PAGE)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    soup = soup_of(response)
    assert soup.h1.get_text(strip=True) == "Your preferences"
    legends = [legend.get_text(" ", strip=True) for legend in soup.select("fieldset legend")]
    assert legends == [
        "Which comments come first in the queue? *",
        "Keyboard shortcuts in the queue *",
        "Email me about comments waiting for moderation *",
    ]
    assert checked(soup) == {"queue_order": "oldest", "shortcuts": "on", "notify_mode": "now"}
    for radio in soup.select("input[type=radio]"):
        assert soup.find("label", attrs={"for": radio["id"]}), radio
    assert "daily digest" in soup.get_text()
    assert "08:00 UTC" in soup.get_text()
    form = soup.find("form", class_="preferences-form")
    assert form["method"] == "post"
    # Reached from every moderation page.
    queue = soup_of(client.get("/moderation/"))
    assert queue.find("a", href=PAGE, string="Preferences")


def test_saving_stores_the_choices_and_says_so(app, client, moderator):
    moderator.login()
    response = client.post(PAGE, data=SAVE)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(PAGE)
    page = client.get(PAGE)
    assert "Your preferences are saved." in page.get_data(as_text=True)
    assert checked(soup_of(page)) == SAVE
    saved = row(app)
    assert saved.queue_order is QueueOrder.NEWEST
    assert saved.shortcuts is False
    assert saved.notify_mode is NotifyMode.DAILY


@pytest.mark.parametrize(
    "data",
    [
        {"queue_order": "sideways", "shortcuts": "off", "notify_mode": "daily"},
        {"queue_order": "newest", "shortcuts": "maybe", "notify_mode": "daily"},
        {"queue_order": "newest", "shortcuts": "off", "notify_mode": "weekly"},
        {"queue_order": "newest", "shortcuts": "off", "notify_mode": ""},
        {"queue_order": "NEWEST", "shortcuts": "ON", "notify_mode": "Daily"},
        {"shortcuts": "off"},
        {"queue_order": "\u202enewest", "shortcuts": "off\x00", "notify_mode": "dai\u0301ly"},
        {"queue_order": "x" * 5_000, "shortcuts": "off", "notify_mode": "daily"},
    ],
)
def test_junk_is_refused_next_to_its_field_and_nothing_changes(app, client, moderator, data):
    moderator.login()
    response = client.post(PAGE, data=data)
    assert response.status_code == 422
    soup = soup_of(response)
    assert soup.find(id="error-summary")
    bad = [name for name in SAVE if data.get(name) != SAVE[name]]
    for name in bad:
        fieldset = soup.find("fieldset", id=name)
        error = fieldset.find(class_="field__error")
        assert error.get_text(strip=True) == MISSING[name]
        assert fieldset["aria-describedby"] == error["id"]
        summary_link = soup.select_one(f"#error-summary a[href='#{name}']")
        assert summary_link.get_text(strip=True) == MISSING[name]
    for name in set(SAVE) - set(bad):
        assert not soup.find("fieldset", id=name).find(class_="field__error")
    # A valid choice that was sent stays chosen; junk is never echoed as a choice.
    assert all(SAVE[name] == value for name, value in checked(soup).items())
    saved = row(app)
    assert (saved.queue_order, saved.shortcuts, saved.notify_mode) == (
        QueueOrder.OLDEST,
        True,
        NotifyMode.NOW,
    )


def test_a_choice_sent_twice_counts_once(app, client, moderator):
    moderator.login()
    data = MultiDict([*SAVE.items(), ("notify_mode", "never")])
    assert client.post(PAGE, data=data).status_code == 303
    assert row(app).notify_mode is NotifyMode.DAILY  # the first, as a browser sends one


def test_without_csrf_nothing_is_saved(app, client, moderator):
    moderator.login()
    app.config["WTF_CSRF_ENABLED"] = True
    refused = client.post(PAGE, data=SAVE)
    assert refused.status_code == 400
    assert row(app).notify_mode is NotifyMode.NOW
    forged = client.post(PAGE, data={**SAVE, "csrf_token": "forged"})
    assert forged.status_code == 400
    assert row(app).notify_mode is NotifyMode.NOW
    token = soup_of(client.get(PAGE)).find("input", attrs={"name": "csrf_token"})["value"]
    saved = client.post(PAGE, data={**SAVE, "csrf_token": token})
    assert saved.status_code == 303
    assert row(app).notify_mode is NotifyMode.DAILY


def test_a_moderator_changes_only_their_own_preferences(app, client, moderator, other):
    other_id = row(app, "other@example.com").id
    moderator.login()
    response = client.post(
        PAGE,
        data={
            **SAVE,
            "id": str(other_id),
            "moderator_id": str(other_id),
            "email": "other@example.com",
        },
    )
    assert response.status_code == 303
    assert row(app).notify_mode is NotifyMode.DAILY
    untouched = row(app, "other@example.com")
    assert (untouched.queue_order, untouched.shortcuts, untouched.notify_mode) == (
        QueueOrder.OLDEST,
        True,
        NotifyMode.NOW,
    )
    # There is no address for anyone else's preferences.
    for path in (f"{PAGE}/{other_id}", f"{PAGE}?id={other_id}"):
        client.post(path, data={**SAVE, "notify_mode": "never"})
        assert row(app, "other@example.com").notify_mode is NotifyMode.NOW
    # And the other moderator sees their own.
    client.post("/auth/logout")
    other.login()
    assert checked(soup_of(client.get(PAGE)))["notify_mode"] == "now"


def test_anonymous_visitors_are_sent_to_log_in(app, client, moderator):
    for response in (client.get(PAGE), client.post(PAGE, data=SAVE)):
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login?next=")
    assert row(app).notify_mode is NotifyMode.NOW


def test_a_removed_account_saves_nothing(app, client, moderator, runner):
    moderator.login()
    # Another admin first: the last admin cannot be removed.
    added = runner.invoke(
        args=["moderators", "add", "boss@example.com", "--admin", "--password-stdin"],
        input="another-long-password-123\n",
    )
    assert added.exit_code == 0, added.output
    removed = runner.invoke(args=["moderators", "remove", "mod@example.com"])
    assert removed.exit_code == 0, removed.output
    response = client.post(PAGE, data=SAVE)
    assert response.status_code in (302, 303)
    assert "/auth/login" in response.headers["Location"]


# --- When the digests start counting --------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "stamp"),
    [
        # From "at once" they have heard of everything: the next digest is a period away.
        ("now", "hourly", "now"),
        ("now", "daily", "now"),
        # From "never" they have heard of nothing: the first digest goes at once.
        ("never", "hourly", None),
        ("never", "daily", None),
        # Between digests, the last one's time stands.
        ("hourly", "daily", "kept"),
        ("daily", "hourly", "kept"),
        ("daily", "never", "kept"),
    ],
)
def test_switching_email_mode_sets_where_digests_start(
    app, client, moderator, before, after, stamp
):
    earlier = datetime(2026, 5, 5, 8, 0, tzinfo=UTC)
    with app.app_context():
        record = db.session.scalar(select(Moderator))
        record.notify_mode, record.digest_sent_at = NotifyMode(before), earlier
        db.session.commit()
    moderator.login()
    response = client.post(PAGE, data={**SAVE, "notify_mode": after})
    assert response.status_code == 303
    sent_at = row(app).digest_sent_at
    if stamp == "now":
        assert sent_at > earlier
    elif stamp == "kept":
        assert sent_at == earlier
    else:
        assert sent_at is None


# --- The form without HTTP, and the command line ----------------------------------------


def test_form_turns_choices_into_preferences(app):
    from app.moderation.forms import PreferencesForm

    with app.test_request_context(method="POST", data=SAVE):
        form = PreferencesForm()
        assert form.validate(), form.errors
        chosen = form.chosen()
    assert chosen.queue_order is QueueOrder.NEWEST
    assert chosen.shortcuts is False
    assert chosen.notify_mode is NotifyMode.DAILY


def test_set_notify_command(app, runner, moderator):
    result = runner.invoke(args=["moderators", "set-notify", "MOD@example.com ", "hourly"])
    assert result.exit_code == 0, result.output
    assert "mod@example.com: moderation email set to hourly." in result.output
    assert row(app).notify_mode is NotifyMode.HOURLY
    bad = runner.invoke(args=["moderators", "set-notify", "mod@example.com", "weekly"])
    assert bad.exit_code != 0
    assert "weekly" in bad.output
    unknown = runner.invoke(args=["moderators", "set-notify", "nobody@example.com", "never"])
    assert unknown.exit_code != 0
    assert "No moderator with the address 'nobody@example.com'" in unknown.output
    assert row(app).notify_mode is NotifyMode.HOURLY
