"""Credentials encryption at rest: AES-256-GCM under a key from the environment or the data dir.

Token format (ASCII, safe for a text column): ``af1.<key_id>.<nonce>.<ciphertext>`` with base64url parts.
The key id (first 12 hex digits of SHA-256 of the key) says which key encrypted a value, so a rotation can
re-encrypt old values with :func:`rotate` while both keys are known. The key id and the caller's
``context`` (e.g. ``b"integration:42"``) are authenticated as associated data: a value copied to another
row or re-labelled with another key id fails to decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from analyticaflow.connectors.errors import CredentialsUnreadable
from analyticaflow.errors import AppError

KEY_ENV = "ANALYTICAFLOW_CREDENTIALS_KEY"
KEY_FILE_NAME = "credentials.key"
FORMAT = "af1"
NONCE_BYTES = 12


class CredentialsKeyInvalid(AppError):
    code = "credentials_key_invalid"
    status_code = 500
    default_message = "The credentials key is not a base64-encoded 32-byte key."


class CredentialsKey:
    """A 256-bit AES key and its id. The repr never shows the key."""

    __slots__ = ("_key", "key_id")

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise CredentialsKeyInvalid(f"The credentials key must be 32 bytes, got {len(key)}.")
        self._key = bytes(key)
        self.key_id = hashlib.sha256(self._key).hexdigest()[:12]

    @classmethod
    def generate(cls) -> CredentialsKey:
        return cls(AESGCM.generate_key(bit_length=256))

    @classmethod
    def from_base64(cls, text: str) -> CredentialsKey:
        try:
            raw = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise CredentialsKeyInvalid("The credentials key is not valid base64.") from exc
        return cls(raw)

    def to_base64(self) -> str:
        return base64.b64encode(self._key).decode()

    def aead(self) -> AESGCM:
        return AESGCM(self._key)

    def __repr__(self) -> str:
        return f"CredentialsKey(key_id={self.key_id!r})"

    def __reduce__(self):
        raise TypeError("credentials keys are not pickled")


def load_key(*, data_dir: Path, environ: Mapping[str, str] | None = None) -> CredentialsKey:
    """The key from ``ANALYTICAFLOW_CREDENTIALS_KEY`` (base64), else ``<data_dir>/credentials.key``.

    The key file is created with mode 0600 on first use; concurrent first uses agree on one key.
    """
    environ = os.environ if environ is None else environ
    from_env = environ.get(KEY_ENV, "").strip()
    if from_env:
        return CredentialsKey.from_base64(from_env)
    path = Path(data_dir) / KEY_FILE_NAME
    if not path.exists():
        key = CredentialsKey.generate()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first; read theirs below
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(key.to_base64() + "\n")
            return key
    return CredentialsKey.from_base64(path.read_text())


def default_key() -> CredentialsKey:
    """The product's key: environment first, else the key file in the configured data dir."""
    return load_key(data_dir=settings.DATA_DIR)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _associated_data(key_id: str, context: bytes) -> bytes:
    return f"{FORMAT}.{key_id}.".encode() + context


def encrypt(plaintext: bytes, *, key: CredentialsKey, context: bytes = b"") -> str:
    """Encrypt ``plaintext``; the result names the key id and carries a fresh random 96-bit nonce."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = key.aead().encrypt(nonce, plaintext, _associated_data(key.key_id, context))
    return f"{FORMAT}.{key.key_id}.{_b64(nonce)}.{_b64(sealed)}"


def key_id_of(token: str) -> str:
    """The id of the key a token was encrypted with."""
    return _split(token)[0]


def _split(token: str) -> tuple[str, bytes, bytes]:
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != FORMAT:
        raise CredentialsUnreadable("Stored credentials are not in the af1 format.")
    try:
        nonce, sealed = _unb64(parts[2]), _unb64(parts[3])
    except (binascii.Error, ValueError) as exc:
        raise CredentialsUnreadable("Stored credentials are not valid base64.") from exc
    if len(nonce) != NONCE_BYTES:
        raise CredentialsUnreadable("Stored credentials carry a nonce of the wrong size.")
    return parts[1], nonce, sealed


def decrypt(token: str, *, keys: CredentialsKey | Iterable[CredentialsKey], context: bytes = b"") -> bytes:
    """Decrypt with whichever of ``keys`` has the token's key id."""
    key_id, nonce, sealed = _split(token)
    candidates = [keys] if isinstance(keys, CredentialsKey) else list(keys)
    key = next((candidate for candidate in candidates if candidate.key_id == key_id), None)
    if key is None:
        raise CredentialsUnreadable(f"Stored credentials were encrypted with key {key_id}, which is not configured.")
    try:
        return key.aead().decrypt(nonce, sealed, _associated_data(key_id, context))
    except InvalidTag as exc:
        raise CredentialsUnreadable("Stored credentials failed authentication (tampered or wrong context).") from exc


def rotate(token: str, *, old_key: CredentialsKey, new_key: CredentialsKey, context: bytes = b"") -> str:
    """Re-encrypt a token under ``new_key``. Tokens already under ``new_key`` are returned unchanged."""
    if key_id_of(token) == new_key.key_id:
        return token
    return encrypt(decrypt(token, keys=old_key, context=context), key=new_key, context=context)
