"""The repository itself: what a fresh clone gets must work on any machine."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Absolute paths of one machine (its temp folder, root's home, the project's checkouts);
# built from parts so that this file does not name them itself.
MACHINE_PATH = re.compile(r"(?<![\w.~-])/(?:" + "|".join(["tmp", "root", "work"]) + r")/")


def git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(scope="module")
def index() -> list[tuple[str, str, str]]:
    """(mode, object id, path) of every tracked file."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout (an unpacked archive has no index to check)")
    entries = []
    for line in git("ls-files", "--stage", "-z").split("\0"):
        if line:
            meta, path = line.split("\t", 1)
            mode, object_id, _stage = meta.split()
            entries.append((mode, object_id, path))
    return entries


def test_no_tracked_symlink_points_outside_the_repository(index):
    outside = {}
    for mode, object_id, path in index:
        if mode != "120000":
            continue
        target = git("cat-file", "blob", object_id)
        inside = os.path.normpath(os.path.join(os.path.dirname(path), target))
        if os.path.isabs(target) or inside == ".." or inside.startswith("../"):
            outside[path] = target
    assert outside == {}


def test_no_tracked_file_names_a_path_of_this_machine(index):
    found = {}
    for mode, _object_id, path in index:
        if mode == "120000" or not (ROOT / path).is_file():
            continue
        data = (ROOT / path).read_bytes()
        if b"\0" in data:
            continue  # binary
        hits = MACHINE_PATH.findall(data.decode("utf-8", errors="replace"))
        if hits:
            found[path] = hits
    assert found == {}
