"""The comment settings in force: what the admins saved, else the app's config.

Every part of the app reads these settings through :func:`get`, so that a change made
in the browser reaches every worker.  (Backed by config alone until the settings page
lands.)
"""

from __future__ import annotations

from typing import Any

from flask import current_app


def get(name: str) -> Any:
    """Return the value in force for the setting ``name`` (a config key)."""
    return current_app.config[name]
