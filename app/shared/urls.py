"""Values that arrive in URLs and forms and steer the server: where to go next, which row.

Both helpers are strict on purpose.  A ``next`` that is not plainly a path on this site,
or an id that is not plainly a number a database row can have, is treated as absent:
the caller falls back to its default instead of answering with an error (or worse, a
redirect of the sender's choosing).
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit, urlunsplit

from werkzeug.routing import BaseConverter, ValidationError

# The largest id accepted from outside.  Id columns are INTEGER: 64 bits on SQLite but
# 32 on PostgreSQL, which refuses a larger number in a query (an error, so a 500).
MAX_ID = 2**31 - 1
_MAX_ID_DIGITS = len(str(MAX_ID))


def parse_id(value: str | None) -> int | None:
    """Return ``value`` as a row id, or None unless it is plainly one.

    Only ASCII digits, no sign, no spaces, no underscores, from 1 to :data:`MAX_ID`.
    ``str.isdigit`` alone is not enough: it accepts "²" and "١٢", and ``int()``
    accepts " 12", "+12" and "1_2".
    """
    if not isinstance(value, str) or not 0 < len(value) <= _MAX_ID_DIGITS:
        return None
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


class IdConverter(BaseConverter):
    """``<id:name>`` in a route: a row id by :func:`parse_id` (werkzeug's ``int`` takes
    "١٢" and "00012" too); anything else is a 404."""

    regex = rf"[0-9]{{1,{_MAX_ID_DIGITS}}}"

    def to_python(self, value: str) -> int:
        """Return the id, or refuse the match (a 404) when it is not a plain one."""
        number = parse_id(value)
        if number is None or str(number) != value:  # one URL per row: no leading zeros
            raise ValidationError()
        return number

    def to_url(self, value: int) -> str:
        """Write the id as plain digits."""
        return str(int(value))


def _plain(text: str) -> bool:
    """True if ``text`` has no control, format or separator character and no backslash
    (browsers read a backslash as a slash, so "/\\evil.example" names a host)."""
    return text.isprintable() and " " not in text and "\\" not in text


def safe_next(target: str | None, default: str) -> str:
    """Return ``target`` if it is plainly a path on this site, else ``default``.

    Refused: a scheme or host, a leading ``//``, a backslash, any control character
    (CR and LF would split the Location header; browsers drop TAB, CR and LF from a
    URL, so "/<TAB>/evil.example" would read as "//evil.example"), spaces, anything outside
    ASCII (a sent Location must equal the checked one), and anything that does not
    survive splitting and joining again.  The same checks run on the percent-decoded
    text, so "%0d%0a" and "%2F%2F" are refused too.
    """
    if not isinstance(target, str) or not target.isascii() or not _plain(target):
        return default
    if not target.startswith("/") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or urlunsplit(parts) != target:
        return default
    decoded = unquote(target, errors="replace")
    if decoded.startswith("//") or not _plain(decoded.replace(" ", "")):
        return default
    return target
