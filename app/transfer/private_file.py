"""Writing a file that only its owner may read, and that appears whole or not at all.

An export holds commenters' email addresses in clear text.  The file is first written
under a new, unguessable name in the same folder, created with mode 0600 (``O_EXCL``: a
file or link already there is never opened; ``O_NOFOLLOW``: nor a link followed), synced
to disk and then renamed onto the target.  The rename replaces whatever was at the
target: an older file readable by others is not reused with its permissions, and a
symbolic link there is replaced itself, not followed to somewhere else.  A failure
leaves the target as it was and removes the partial file.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

OWNER_ONLY = 0o600


class PrivateFileError(Exception):
    """The file cannot be written there; ``str()`` says why, for the person running it."""


@contextmanager
def private_file(path: Path) -> Iterator[TextIO]:
    """Yield a UTF-8 text stream that becomes the file ``path`` (mode 0600) when the
    block ends without an exception.

    :raise PrivateFileError: when ``path``'s folder does not exist, or ``path`` is a
        folder, or the file cannot be created or replaced.
    """
    folder = path.parent
    if not folder.is_dir():
        raise PrivateFileError(f"The folder {folder} does not exist: create it first.")
    if path.is_dir() and not path.is_symlink():
        raise PrivateFileError(f"{path} is a folder: give the name of the file to write.")
    temporary = folder / f".{path.name}.{secrets.token_hex(8)}.tmp"
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(temporary, flags, OWNER_ONLY)
    except OSError as exc:
        raise PrivateFileError(f"Cannot create a file in {folder}: {exc.strerror}.") from None
    try:
        os.fchmod(descriptor, OWNER_ONLY)  # whatever the umask left
        with open(descriptor, "w", encoding="utf-8", newline="\n") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException as exc:
        temporary.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise PrivateFileError(f"Cannot write {path}: {exc.strerror or exc}.") from None
        raise
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (where the system allows opening a folder)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
