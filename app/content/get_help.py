"""When to get help: the one threshold the whole site states.

Read from ``GET_HELP_FILE`` (``content/get-help.yml``): a title, the words above each
list of symptoms (``lead_in``), and tiers, most urgent first, each with a label
("Emergency: call now"), what to do, the symptoms that belong to it, and a few words
more for the full section.  Every article and remedy page shows it as a short box near
the top; the remedy an article names (``get_help_in``) shows it in full.  Both are drawn
from this one file, so they cannot disagree; edit it, and every page says the new thing
at once (the rendered-page cache key holds its version).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from flask import Flask, current_app

from app.shared.filecache import FileCache
from app.shared.validators import describe, hidden_characters

EXTENSION_KEY = "relief.get_help"
TIER_KEY = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
MAX_TEXT = 600
MAX_SYMPTOMS = 12


class GetHelpFormatError(ValueError):
    """The file is not a "When to get help" this site can show; the message says why."""


@dataclass(frozen=True)
class Tier:
    """One level of urgency: what it is called, what to do, and when."""

    key: str
    label: str
    action: str
    symptoms: tuple[str, ...]
    more: str = ""


@dataclass(frozen=True)
class GetHelp:
    """The tiers, most urgent first."""

    title: str
    tiers: tuple[Tier, ...]
    # Above each tier's symptoms ("Back pain with any of these:").
    lead_in: str = ""


def _text(value: object, where: str, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise GetHelpFormatError(f"{where} must be text, not {value!r}.")
    if hidden_characters(value):
        raise GetHelpFormatError(
            f"{where} contains an invisible or control character "
            f"({describe(hidden_characters(value))}); type it plainly."
        )
    text = " ".join(value.split())
    if len(text) > MAX_TEXT:
        raise GetHelpFormatError(f"{where} is {len(text)} characters long; at most {MAX_TEXT}.")
    return text


def _tier(number: int, entry: object) -> Tier:
    where = f"Tier {number}"
    if not isinstance(entry, dict):
        raise GetHelpFormatError(f"{where} must have a key, label, action and symptoms.")
    key = entry.get("key")
    if not isinstance(key, str) or not TIER_KEY.match(key):
        raise GetHelpFormatError(f"{where} needs a 'key' of lowercase letters and hyphens.")
    symptoms = entry.get("symptoms")
    if not isinstance(symptoms, list) or not symptoms or len(symptoms) > MAX_SYMPTOMS:
        raise GetHelpFormatError(f"{where} ({key}) needs a list of 1 to {MAX_SYMPTOMS} symptoms.")
    return Tier(
        key=key,
        label=_text(entry.get("label"), f"{where} ({key}) label"),
        action=_text(entry.get("action"), f"{where} ({key}) action"),
        symptoms=tuple(
            _text(symptom, f"{where} ({key}) symptom {n}") for n, symptom in enumerate(symptoms, 1)
        ),
        more=_text(entry.get("more"), f"{where} ({key}) more", required=False),
    )


def parse_get_help(text: str) -> GetHelp:
    """Parse the file's text.

    :raise GetHelpFormatError: for YAML that does not parse, a missing title, no tiers,
        a tier without its key, label, action or symptoms, or two tiers with one key.
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise GetHelpFormatError(f"Not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise GetHelpFormatError("The file must hold a title and a list of tiers.")
    tiers = data.get("tiers")
    if not isinstance(tiers, list) or not tiers:
        raise GetHelpFormatError("The file needs 'tiers': a list, most urgent first.")
    parsed = tuple(_tier(number, entry) for number, entry in enumerate(tiers, 1))
    keys = [tier.key for tier in parsed]
    if len(set(keys)) != len(keys):
        raise GetHelpFormatError(f"Two tiers share a key: {', '.join(keys)}.")
    return GetHelp(
        title=_text(data.get("title"), "The title"),
        tiers=parsed,
        lead_in=_text(data.get("lead_in"), "The lead_in", required=False),
    )


def _parse_file(path: Path, text: str) -> GetHelp:
    try:
        return parse_get_help(text)
    except GetHelpFormatError as exc:
        raise GetHelpFormatError(f"{path}: {exc}") from None


def init_app(app: Flask) -> None:
    """Give ``app`` its own cache of the parsed file."""
    app.extensions[EXTENSION_KEY] = FileCache(_parse_file)


def get_help() -> GetHelp | None:
    """The current app's "When to get help", or None when GET_HELP_FILE does not exist.

    :raise GetHelpFormatError: naming the file, when it does not parse.
    """
    return current_app.extensions[EXTENSION_KEY].get(current_app.config["GET_HELP_FILE"])


def shown() -> GetHelp | None:
    """What pages show: :func:`get_help`, or None (logged as an error) when the file is
    broken. A mistake in the file must not take every page down with it; ``flask
    content load`` and ``flask content status`` refuse it loudly instead."""
    try:
        return get_help()
    except (GetHelpFormatError, UnicodeDecodeError) as exc:
        current_app.logger.error("When to get help is not shown: %s", exc)
        return None


def version() -> object:
    """What identifies the file's current text (for the rendered-page cache key)."""
    cache: FileCache[GetHelp] = current_app.extensions[EXTENSION_KEY]
    return cache.version(current_app.config["GET_HELP_FILE"])
