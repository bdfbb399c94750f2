"""Fingerprinted static files: ``url_for('static', ...)`` adds ``?v=<content hash>``, and
a request that carries the current hash may be cached by browsers for a year."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, request
from werkzeug.wrappers import Response

ONE_YEAR = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    """Add the fingerprint to static URLs and the long cache headers to their responses."""
    folder = Path(app.static_folder or "")
    hashes: dict[str, tuple[float, str]] = {}

    def fingerprint(filename: str) -> str | None:
        path = folder / filename
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return None
        cached = hashes.get(filename)
        if cached is None or cached[0] != mtime:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            cached = hashes[filename] = (mtime, digest)
        return cached[1]

    @app.url_defaults
    def add_fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = fingerprint(values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def cache_fingerprinted(response: Response) -> Response:
        if request.endpoint == "static" and response.status_code == 200:
            filename = (request.view_args or {}).get("filename", "")
            if request.args.get("v") and request.args["v"] == fingerprint(filename):
                response.cache_control.public = True
                response.cache_control.max_age = ONE_YEAR
                response.cache_control.immutable = True
                response.cache_control.no_cache = None
        return response
