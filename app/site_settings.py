"""The comment settings in force: what the admins saved, else the app's config.

Every part of the app reads these settings through :func:`get`, so that a change made
on /moderation/settings reaches every worker process at once, without a restart.  The
environment (config.py) gives the defaults: a setting never saved, or reset, is the
config value.

Public functions: :func:`get`, :func:`value_at`, :func:`all_settings`, :func:`save`,
:func:`reset`, and :data:`SETTINGS` (what may be changed, with each one's rules).

How every worker stays fresh: the ``site_settings`` table is never deleted from, and
each save gives the rows it changes a revision one above the highest.  Each app keeps
one parsed copy of the table in ``app.extensions`` with the revision it was read at.
The first :func:`get` of a request (of an app context) reads ``max(revision)``, a
single indexed row, and re-reads the table only when that moved; the rest of the request
uses the same copy (kept in ``g``), so one request never mixes old and new values.
Measured on SQLite with every setting saved (`python bench/settings_freshness.py`, 2
cores): the revision check takes about 0.56 ms a request, reading the table 0.65 ms and
decoding it too 0.74 ms; most of it is the round trip and transaction any query pays.
The copy saves the rest, and it keeps word lists the same tuples from request to
request, so their compiled patterns are reused (``app.comments.policy.word_matcher``).
The revision check itself is a statement built once and run on the session's
connection, which skips the ORM's statement building and execution (about 50 µs of
the 75 µs it cost a request).
"""

from __future__ import annotations

import enum
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from flask import current_app, g
from sqlalchemy import func, select

from app.comments.policy import fold
from app.db import serialise_on, write_transaction
from app.extensions import db
from app.models import ModerationAction, ModerationEvent, Moderator, SiteSetting, utcnow
from app.shared import statements
from app.shared.validators import describe, hidden_characters

_EXTENSION = "relief.site_settings"
_REQUEST_COPY = "relief_site_settings"

_WHOLE = re.compile(r"[0-9]+")
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")

# Limits on a word list: enough for any real list, small enough to match fast.
MAX_WORDS = 500
MAX_WORD_LENGTH = 100


class Kind(enum.Enum):
    """How a setting is typed and stored."""

    CHOICE = "choice"
    INT = "int"
    FLOAT = "float"
    WORDS = "words"  # one word or phrase per line


class InvalidValue(ValueError):
    """A typed value a setting cannot take; ``str()`` says why, for the form."""


class InvalidSettings(ValueError):
    """Some values were refused; nothing was saved.  ``errors``: name -> message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))


class NotAnAdmin(PermissionError):
    """The moderator saving is not an admin (any more: demoted since the page was
    asked for); nothing was saved."""


@dataclass(frozen=True)
class Setting:
    """One setting an admin may change, and the rules its values follow."""

    name: str  # the config key
    label: str
    hint: str
    kind: Kind
    minimum: float = 0
    maximum: float = 0
    unit: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)

    def parse(self, raw: str) -> Any:
        """Return the value typed in ``raw``, normalised.

        :raise InvalidValue: saying what is wrong, for the field.
        """
        raw = raw if isinstance(raw, str) else ""
        if self.kind is Kind.WORDS:
            return _parse_words(raw)
        text = raw.strip()
        if self.kind is Kind.CHOICE:
            if text not in {value for value, _ in self.choices}:
                raise InvalidValue("Choose one of the options.")
            return text
        whole = self.kind is Kind.INT
        range_text = f"from {_number(self.minimum)} to {_number(self.maximum)}"
        what = "a whole number" if whole else "a number"
        # Plain ASCII digits: int() and float() also take "1_0", "\u0662", "nan", "1e9".
        shape = _WHOLE if whole else _DECIMAL
        if not shape.fullmatch(text) or len(text) > 20:
            raise InvalidValue(f"Enter {what} {range_text}.")
        number = int(text) if whole else float(text)
        if not math.isfinite(number) or not self.minimum <= number <= self.maximum:
            raise InvalidValue(f"Enter {what} {range_text}.")
        return number

    def normalise(self, value: Any) -> Any:
        """Return a config or stored value in this setting's type (a tuple for words)."""
        if self.kind is Kind.WORDS:
            return tuple(str(word).strip() for word in value if str(word).strip())
        if self.kind is Kind.INT:
            return int(value)
        if self.kind is Kind.FLOAT:
            return float(value)
        return str(value)

    def as_text(self, value: Any) -> str:
        """Return ``value`` as the form shows it (words one per line)."""
        if self.kind is Kind.WORDS:
            return "\n".join(value)
        if self.kind is Kind.FLOAT:
            return _number(value)
        return str(value)

    def describe(self, value: Any) -> str:
        """Return ``value`` in a few words, for the log and the page."""
        if self.kind is Kind.WORDS:
            return f"{len(value)} word{'' if len(value) == 1 else 's'}" if value else "none"
        if self.kind is Kind.CHOICE:
            return str(value)
        return f"{_number(value)}{' ' + self.unit if self.unit else ''}"


def _number(value: float) -> str:
    """3.0 as "3", 2.5 as "2.5"."""
    return str(int(value)) if float(value).is_integer() else str(value)


def _parse_words(raw: str) -> tuple[str, ...]:
    """One word or phrase per line: blank lines dropped, repeats (ignoring case) once.

    :raise InvalidValue: for hidden or control characters, a phrase longer than
        MAX_WORD_LENGTH, or more than MAX_WORDS phrases.
    """
    words: dict[str, str] = {}
    for number, line in enumerate(raw.splitlines(), start=1):
        word = " ".join(line.split())
        if not word:
            continue
        hidden = hidden_characters(word, allow_joiners=True)
        if hidden:
            raise InvalidValue(f"Line {number} contains a hidden character, {describe(hidden)}.")
        if len(word) > MAX_WORD_LENGTH:
            raise InvalidValue(
                f"Line {number} is longer than {MAX_WORD_LENGTH} characters: "
                "use short words or phrases."
            )
        words.setdefault(fold(word), word)
    if len(words) > MAX_WORDS:
        raise InvalidValue(f"Keep the list to {MAX_WORDS} words or phrases at most.")
    return tuple(words.values())


MODES = (
    ("first", "First comments: until one of theirs is approved"),
    ("all", "All comments"),
    ("none", "None: publish at once"),
)

# What admins may change, in the order the settings page shows them.
SETTINGS: tuple[Setting, ...] = (
    Setting(
        "COMMENTS_MODERATION",
        "Which new comments wait for a moderator",
        "First comments: a commenter waits until one of their comments is approved. "
        "Red flags, links, moderation words and fast senders are held whatever this says.",
        Kind.CHOICE,
        choices=MODES,
    ),
    Setting(
        "COMMENTS_MAX_LINKS",
        "Hold comments with this many links or more",
        "0 turns this check off.",
        Kind.INT,
        0,
        100,
        "links",
    ),
    Setting(
        "COMMENTS_MODERATION_WORDS",
        "Moderation words",
        "One word or phrase per line. A comment with any of them (in its name, email, "
        "website or text) waits for a moderator. Whole words only, any case: "
        "\u201ccure\u201d holds \u201cCure!\u201d but not \u201csecure\u201d.",
        Kind.WORDS,
    ),
    Setting(
        "COMMENTS_DISALLOWED_WORDS",
        "Disallowed words",
        "One word or phrase per line. A comment with any of them goes straight to spam.",
        Kind.WORDS,
    ),
    Setting(
        "COMMENTS_RED_FLAGS",
        "Red-flag phrases",
        "One phrase per line. A comment whose text has any of them may describe an "
        "emergency: it always waits for a careful answer, whoever wrote it.",
        Kind.WORDS,
    ),
    Setting(
        "COMMENTS_MIN_SECONDS",
        "Hold comments sent sooner than this after the form was shown",
        "Bots are fast; people take a while to type. Counted from when the page was "
        "rendered: the page anonymous readers share is renewed each "
        "PAGE_STAMP_REFRESH_SECONDS (a minute), so it may be that much older than when "
        "it was shown, and only the quickest bots are caught. 0 turns this check off.",
        Kind.FLOAT,
        0,
        600,
        "seconds",
    ),
    Setting(
        "COMMENTS_FLOOD_SECONDS",
        "One comment per this many seconds from one reader",
        "Counted per browser and per network. 0: no limit.",
        Kind.FLOAT,
        0,
        86_400,
        "seconds",
    ),
    Setting(
        "COMMENTS_CLOSE_AFTER_DAYS",
        "Close comments on a page this many days after it was published",
        "0: comments never close.",
        Kind.INT,
        0,
        36_500,
        "days",
    ),
)
BY_NAME: dict[str, Setting] = {setting.name: setting for setting in SETTINGS}


@dataclass(frozen=True)
class _Copy:
    """The saved settings as one worker last read them."""

    revision: int | None
    values: dict[str, Any]  # only the settings saved with a value
    rows: dict[str, tuple[datetime, str]] = field(default_factory=dict)  # when, by whom


def _read_table() -> _Copy:
    values, rows = {}, {}
    revision = None
    for row in db.session.scalars(select(SiteSetting)):
        revision = max(revision or 0, row.revision)
        setting = BY_NAME.get(row.name)
        rows[row.name] = (row.updated_at, row.updated_by)
        if setting is None or row.value is None:
            continue
        try:
            values[row.name] = setting.normalise(json.loads(row.value))
        except (ValueError, TypeError):  # edited by hand into nonsense: the default holds
            current_app.logger.warning("Ignoring the unreadable saved setting %s", row.name)
    return _Copy(revision, values, rows)


def _saved() -> _Copy:
    """The saved settings, checked once per request (app context) against the table."""
    if _REQUEST_COPY in g:
        return g.get(_REQUEST_COPY)
    revision = statements.execute(_latest_revision()).scalar()
    copy = current_app.extensions.get(_EXTENSION)
    if copy is None or copy.revision != revision:
        copy = _read_table()
        current_app.extensions[_EXTENSION] = copy
    setattr(g, _REQUEST_COPY, copy)
    return copy


@cache
def _latest_revision():
    """The one statement every request pays for: built once, run on the connection (the
    ORM session's own execution costs more than the query)."""
    return select(func.max(SiteSetting.revision))


def _forget() -> None:
    """Drop this process's copy after a change: the next read sees the change."""
    g.pop(_REQUEST_COPY, None)
    current_app.extensions.pop(_EXTENSION, None)


def value_at(name: str, revision: int | None) -> Any:
    """Return the value in force for ``name`` if this worker's copy of the saved
    settings is the one at ``revision`` (the table's highest, read by the caller along
    with something else, in one query); else raise LookupError, and let a request read
    it with :func:`get`, which brings the copy up to date.

    For a hot path that must not spend a query of its own (app.content.page_layer).
    """
    copy = current_app.extensions.get(_EXTENSION)
    if copy is None or copy.revision != revision:
        raise LookupError(f"no copy of the settings at revision {revision}")
    if name in copy.values:
        return copy.values[name]
    return current_app.config[name]


def get(name: str) -> Any:
    """Return the value in force for the setting ``name`` (a config key): what an admin
    saved, else the app's config."""
    if name in BY_NAME:
        saved = _saved().values
        if name in saved:
            return saved[name]
    return current_app.config[name]


def default(name: str) -> Any:
    """Return the config value of the setting ``name``, in its type."""
    return BY_NAME[name].normalise(current_app.config[name])


@dataclass(frozen=True)
class SettingState:
    """One setting as the settings page shows it."""

    setting: Setting
    value: Any
    default: Any
    is_default: bool
    changed_at: datetime | None
    changed_by: str


def all_settings() -> list[SettingState]:
    """Return every setting admins may change, with its value in force and its default."""
    copy = _saved()
    states = []
    for setting in SETTINGS:
        when, who = copy.rows.get(setting.name, (None, ""))
        overridden = setting.name in copy.values
        states.append(
            SettingState(
                setting=setting,
                value=copy.values[setting.name] if overridden else default(setting.name),
                default=default(setting.name),
                is_default=not overridden,
                changed_at=when,
                changed_by=who,
            )
        )
    return states


def _difference(setting: Setting, before: Any, after: Any) -> str:
    """What changed, in words: "first → all", or the words added and removed."""
    if setting.kind is not Kind.WORDS:
        return f"{setting.describe(before)} \u2192 {setting.describe(after)}"
    old, new = {fold(w) for w in before}, {fold(w) for w in after}
    parts = []
    added = [w for w in after if fold(w) not in old]
    removed = [w for w in before if fold(w) not in new]
    if added:
        parts.append("added " + ", ".join(f'"{w}"' for w in added))
    if removed:
        parts.append("removed " + ", ".join(f'"{w}"' for w in removed))
    return "; ".join(parts) or "reordered"


def _locked_rows(moderator: Moderator) -> tuple[dict[str, SiteSetting], int]:
    """Take the settings' write turn; return the rows and the next revision.

    :raise NotAnAdmin: when ``moderator``'s row, read afresh inside the transaction, is
        no admin's (any more).  On PostgreSQL the row stays locked until the save
        commits, so a demotion waits for it rather than passing it unseen.
    """
    serialise_on("site-settings")  # PostgreSQL: saves take turns, revisions never repeat
    fresh = db.session.get(Moderator, moderator.id, populate_existing=True, with_for_update=True)
    if fresh is None or not fresh.is_admin:
        raise NotAnAdmin("Only an admin can change the site's settings.")
    rows = {row.name: row for row in db.session.scalars(select(SiteSetting))}
    return rows, max((row.revision for row in rows.values()), default=0) + 1


def _store(
    rows: dict[str, SiteSetting],
    setting: Setting,
    value: Any,
    revision: int,
    moderator: Moderator,
    now: datetime,
) -> None:
    """Write one setting (None: the default again) and log what changed."""
    row = rows.get(setting.name)
    if row is None:
        row = SiteSetting(name=setting.name)
        db.session.add(row)
    if value is not None and setting.kind is Kind.WORDS:
        value = list(value)
    row.value = None if value is None else json.dumps(value, ensure_ascii=False)
    row.revision = revision
    row.updated_at = now
    row.updated_by = moderator.email


def _log(moderator: Moderator, detail: str, now: datetime) -> None:
    db.session.add(
        ModerationEvent(
            moderator_id=moderator.id,
            moderator_email=moderator.email,
            action=ModerationAction.SETTINGS,
            detail=detail,
            created_at=now,
        )
    )


def save(changes: Mapping[str, str], moderator: Moderator) -> list[str]:
    """Save the typed values of some settings; return what changed, one line each.

    Values equal to the config default are stored as "the default" (the setting then
    follows config again).  Each change is one line in the moderation log naming the
    setting, its old and new value (for word lists, the words added and removed).
    Takes effect at once in every worker (see the module's docstring).

    :raise InvalidSettings: when any value is refused or a name is unknown; then
        nothing is saved.
    :raise NotAnAdmin: when ``moderator`` is not an admin (any more); nothing is saved.
    """
    errors: dict[str, str] = {}
    parsed: dict[str, Any] = {}
    for name, raw in changes.items():
        setting = BY_NAME.get(name)
        if setting is None:
            errors[name] = "There is no such setting."
            continue
        try:
            parsed[name] = setting.parse(raw)
        except InvalidValue as exc:
            errors[name] = str(exc)
    if errors:
        raise InvalidSettings(errors)
    now = utcnow()
    done = []
    with write_transaction():
        rows, revision = _locked_rows(moderator)
        for name, value in parsed.items():
            setting = BY_NAME[name]
            row = rows.get(name)
            before = _stored_value(setting, row)
            if value == before:
                continue
            is_default = value == default(name)
            _store(rows, setting, None if is_default else value, revision, moderator, now)
            line = f"{setting.label}: {_difference(setting, before, value)}"
            if is_default:
                line += " (the default)"
            _log(moderator, line, now)
            done.append(line)
    _forget()
    return done


def _stored_value(setting: Setting, row: SiteSetting | None) -> Any:
    """The value in force as the locked row says (the default when none)."""
    if row is not None and row.value is not None:
        try:
            return setting.normalise(json.loads(row.value))
        except (ValueError, TypeError):
            pass
    return default(setting.name)


def reset(name: str, moderator: Moderator) -> str | None:
    """Put the setting ``name`` back to its config default; return the log line, or
    None when it already was the default.

    :raise InvalidSettings: for an unknown name.
    :raise NotAnAdmin: when ``moderator`` is not an admin (any more).
    """
    setting = BY_NAME.get(name)
    if setting is None:
        raise InvalidSettings({name: "There is no such setting."})
    now = utcnow()
    with write_transaction():
        rows, revision = _locked_rows(moderator)
        row = rows.get(name)
        if row is None or row.value is None:
            return None
        before = _stored_value(setting, row)
        _store(rows, setting, None, revision, moderator, now)
        line = (
            f"{setting.label}: reset to the default ({_difference(setting, before, default(name))})"
        )
        _log(moderator, line, now)
    _forget()
    return line
