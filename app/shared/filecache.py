"""Files the site reads often and edits rarely, parsed once per change.

A process keeps each parsed file with the file's modification time and size, and checks
only those on each use: an edited file shows at once, without a restart, and an
unchanged one costs a ``stat``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")


class FileCache(Generic[T]):
    """Parsed files of one kind, each kept until its file (or ``extra``) changes."""

    def __init__(self, parse: Callable[[Path, str], T]) -> None:
        """:param parse: turns a file's path and text into the value to keep; it may
        raise, and nothing is kept when it does."""
        self._parse = parse
        self._kept: dict[Path, tuple[Hashable, T]] = {}
        self._lock = threading.Lock()

    def version(self, path: Path, extra: Hashable = ()) -> Hashable | None:
        """What identifies the file's current content: None when there is no file."""
        try:
            stat = Path(path).stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        return (stat.st_mtime_ns, stat.st_size, extra)

    def get(self, path: Path, extra: Hashable = ()) -> T | None:
        """Return the parsed ``path``, or None when it has no file.

        :param extra: anything else the parse depends on (settings it quotes).
        :raise UnicodeDecodeError: for a file that is not UTF-8.
        """
        path = Path(path)
        version = self.version(path, extra)
        if version is None:
            return None
        with self._lock:
            kept = self._kept.get(path)
        if kept is not None and kept[0] == version:
            return kept[1]
        value = self._parse(path, path.read_text(encoding="utf-8"))
        with self._lock:
            self._kept[path] = (version, value)
        return value
