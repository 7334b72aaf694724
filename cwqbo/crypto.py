"""Encryption of secrets at rest (Fernet, with key rotation through MultiFernet)."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


class SecretError(RuntimeError):
    """A stored secret cannot be read with any configured ENCRYPTION_KEY."""


class SecretBox:
    """Encrypt with the first key; decrypt with any, so old keys can be rotated out."""

    def __init__(self, keys: list[str]):
        if not keys:
            raise SecretError("No ENCRYPTION_KEY configured.")
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        except ValueError:
            raise SecretError(
                "ENCRYPTION_KEY must be one or more comma-separated Fernet keys "
                "(32 url-safe base64-encoded bytes each)."
            ) from None

    def encrypt(self, plaintext: str) -> str:
        """Return the ciphertext of plaintext as text."""
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        """Return the plaintext of a value encrypted with any configured key."""
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise SecretError(
                "A stored secret could not be decrypted: ENCRYPTION_KEY changed without keeping "
                "the old key. Put the old key after the new one (comma-separated)."
            ) from None

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypt a value under the first (newest) key."""
        return self._fernet.rotate(ciphertext.encode()).decode()


def secret_box() -> SecretBox:
    """Return the SecretBox of the current app."""
    return SecretBox(current_app.config["ENCRYPTION_KEYS"])
