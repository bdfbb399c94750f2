"""Column types and defaults shared by every model."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Text
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Return the current time in UTC (a callable default, evaluated per row)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no zone and returns naive values; this makes both backends agree.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class EncryptedText(TypeDecorator):
    """Text stored encrypted with the app's email cipher (see app/crypto.py).

    Bound values are encrypted and results decrypted; an empty string stays empty (a
    scrubbed comment).  Encryption is not deterministic, so never filter on such a
    column: use its keyed hash instead.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        from app.crypto import cipher

        return cipher().encrypt(value) if value else value

    def process_result_value(self, value: str | None, dialect) -> str | None:
        from app.crypto import cipher

        return cipher().decrypt(value) if value else value
