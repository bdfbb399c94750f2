"""Reading an export as a stream of XML elements, safely and in bounded memory.

defusedxml's ``iterparse`` with ``forbid_dtd``: an export never declares a DTD, so any
``<!DOCTYPE>`` is refused before a single entity is declared, expanded or fetched (the
billion-laughs file, an external entity pointing at ``/etc/passwd`` or at a URL).  Each
element is handed over when it ends and cleared by the caller's loop, so a file of any
size takes the memory of one comment at a time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError
from xml.parsers.expat import errors

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from app.transfer.records import TransferError

GZIP_MAGIC = b"\x1f\x8b"  # how a gzip file starts (Disqus sends its export gzipped)
# What expat says when the input stops before the document does: an element, a tag or
# a CDATA section left open.
ENDS_EARLY = frozenset(
    errors.codes[message]
    for message in (
        errors.XML_ERROR_NO_ELEMENTS,
        errors.XML_ERROR_UNCLOSED_TOKEN,
        errors.XML_ERROR_UNCLOSED_CDATA_SECTION,
    )
)


MAX_HELD = 100_000  # elements a reader may hold at once: a post holds a few dozen


class Holding:
    """Counts the elements of a file that a reader holds: started and not let go.

    A reader lets go of each post and comment once it is read; what it holds besides is
    the open elements and the fields of the post being read.  A file that would make it
    hold more (millions of elements outside the posts, or inside one) is refused when
    the count passes MAX_HELD, instead of being read into memory.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0

    def take(self) -> None:
        """Count an element that has started.

        :raise TransferError: when that makes more than MAX_HELD.
        """
        self.count += 1
        if self.count > MAX_HELD:
            raise TransferError(
                f"{self.path} has more than {MAX_HELD:,} elements outside its posts and "
                "comments, or inside one of them, which no export has: refused."
            )

    def let_go(self, parent: Element, element: Element) -> None:
        """Remove ``element`` (read) from ``parent`` and stop counting it and its children."""
        self.count -= sum(1 for _ in element.iter())
        parent.remove(element)


def local(tag: str) -> str:
    """Return a tag's name without its namespace ("{http://...}comment" -> "comment")."""
    return tag.rpartition("}")[2]


class Fingerprint:
    """The SHA-256 of the bytes ``events`` has read from a file so far."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()

    def reader(self, source: BinaryIO) -> _Hashing:
        """Wrap ``source`` so that what is read from it is counted in."""
        return _Hashing(source, self._hash)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class _Hashing:
    """A file whose ``read`` also feeds a hash (all that ``iterparse`` asks of a file)."""

    def __init__(self, source: BinaryIO, digest) -> None:
        self._source, self._digest = source, digest

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self._digest.update(data)
        return data


def events(path: Path, fingerprint: Fingerprint | None = None) -> Iterator[tuple[str, Element]]:
    """Yield ``("start" | "end", element)`` for the file at ``path``; ``fingerprint``,
    when given, takes in every byte read.

    :raise TransferError: for a file that cannot be opened, is still gzipped, declares
        an encoding that cannot be read, is not well-formed XML, is truncated, or
        declares a DTD or entities.
    """
    try:
        source = open(path, "rb")  # noqa: SIM115 (closed below, also when abandoned)
    except OSError as exc:
        raise TransferError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    if source.read(2) == GZIP_MAGIC:
        source.close()
        raise TransferError(f"{path} is compressed (gzip): unpack it first (gunzip {path}).")
    source.seek(0)
    try:
        parser = iterparse(
            fingerprint.reader(source) if fingerprint is not None else source,
            events=("start", "end"),
            forbid_dtd=True,
            forbid_entities=True,
            forbid_external=True,
        )
        yield from parser
    except DefusedXmlException as exc:
        raise TransferError(
            f"{path} declares a DTD or entities ({type(exc).__name__}), which an export "
            "never does: refused, nothing was read from disk or network."
        ) from None
    except (ValueError, LookupError) as exc:
        # expat reads only single-byte encodings besides UTF-8 and UTF-16; the name in
        # the XML declaration may be one Python does not even know.
        raise TransferError(
            f"{path} declares an encoding that cannot be read ({exc}): save it as UTF-8."
        ) from None
    except ParseError as exc:
        line, column = exc.position
        reason = "it ends early (truncated?)" if exc.code in ENDS_EARLY else str(exc)
        raise TransferError(
            f"{path} is not well-formed XML at line {line}, column {column}: {reason}."
        ) from None
    finally:
        source.close()


def text_of(element: Element | None) -> str:
    """Return an element's text ("" when absent)."""
    return (element.text or "") if element is not None else ""
