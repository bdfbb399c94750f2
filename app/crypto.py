"""Encryption of commenter emails at rest (Fernet from ``cryptography``).

The keys come from ``EMAIL_ENCRYPTION_KEYS`` (comma-separated Fernet keys, newest first),
kept apart from the database.  Tokens made with any listed key can be read; new tokens
use the first.  ``flask keys rotate`` re-encrypts every stored email with the first key,
after which older keys can be dropped.  Lookups never decrypt: they use the keyed hash
(``digest_of``), a blind index, made here too since it shares the keys' secrecy.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app

EXTENSION_KEY = "relief.email_cipher"


class EncryptionKeyError(ValueError):
    """The configured encryption keys are missing or malformed."""


class EmailCipher:
    """Encrypts and decrypts emails with a list of Fernet keys (the first is current)."""

    def __init__(self, keys: list[bytes]):
        if not keys:
            raise EncryptionKeyError("At least one encryption key is needed.")
        try:
            self._fernets = [Fernet(key) for key in keys]
        except (ValueError, TypeError):
            raise EncryptionKeyError(
                "EMAIL_ENCRYPTION_KEYS must be Fernet keys (flask keys generate makes one)."
            ) from None
        self._multi = MultiFernet(self._fernets)

    def encrypt(self, value: str) -> str:
        """Return a token for ``value`` made with the current key."""
        return self._multi.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Return the value of a token made with any configured key.

        :raise EncryptionKeyError: when no configured key can read it.
        """
        try:
            return self._multi.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise EncryptionKeyError(
                "A stored email cannot be decrypted with EMAIL_ENCRYPTION_KEYS: "
                "was a key removed before `flask keys rotate` ran?"
            ) from None

    def rotate(self, token: str) -> str:
        """Return the token re-encrypted with the current key.

        :raise EncryptionKeyError: when no configured key can read it.
        """
        try:
            return self._multi.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise EncryptionKeyError(
                "A stored email cannot be decrypted with EMAIL_ENCRYPTION_KEYS: "
                "was a key removed before `flask keys rotate` ran?"
            ) from None

    def is_current(self, token: str) -> bool:
        """Whether the current key made this token."""
        try:
            self._fernets[0].decrypt(token.encode("ascii"))
            return True
        except InvalidToken:
            return False


def generate_key() -> str:
    """Return a new random Fernet key."""
    return Fernet.generate_key().decode("ascii")


def keys_from_config(config) -> list[bytes]:
    """The configured keys; in development, one derived from SECRET_KEY if none is set."""
    raw = config.get("EMAIL_ENCRYPTION_KEYS") or ""
    keys = [k.strip().encode("ascii") for k in raw.split(",") if k.strip()]
    if keys:
        return keys
    digest = hashlib.sha256(b"relief.email-encryption:" + config["SECRET_KEY"].encode()).digest()
    return [base64.urlsafe_b64encode(digest)]


def init_app(app: Flask) -> None:
    """Build the app's cipher from its config."""
    app.extensions[EXTENSION_KEY] = EmailCipher(keys_from_config(app.config))


def cipher() -> EmailCipher:
    """The current app's cipher."""
    return current_app.extensions[EXTENSION_KEY]


def email_digest(key: bytes, normalised_email: str) -> str:
    """Return the keyed hash (HMAC-SHA256, hex) of an email: a blind index, never the email."""
    return hmac.new(key, normalised_email.encode("utf-8"), hashlib.sha256).hexdigest()


def digest_key() -> bytes:
    """Return the key of the keyed email hash (EMAIL_HASH_KEY, else from SECRET_KEY)."""
    configured = current_app.config.get("EMAIL_HASH_KEY")
    if configured:
        return configured.encode()
    secret = current_app.config["SECRET_KEY"].encode()
    return hashlib.sha256(b"relief.email-digest:" + secret).digest()


def digest_of(email: str) -> str:
    """Return the keyed hash of an email, ignoring case (Ada@ and ada@ are one person)."""
    return email_digest(digest_key(), email.casefold())
