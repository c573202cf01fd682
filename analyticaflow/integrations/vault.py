"""Sealing and opening stored credentials with the credentials key ring.

The current key (``ANALYTICAFLOW_CREDENTIALS_KEY``, else ``<data dir>/credentials.key``) encrypts; the current
key and the previous ones (``ANALYTICAFLOW_CREDENTIALS_PREVIOUS_KEYS``, ``<data dir>/credentials.previous-keys``)
decrypt, so a rotation never makes a stored grant unreadable half-way. Each value is bound to its row through
the associated data (``integration:<id>``, ``link:<id>``): a ciphertext copied to another row does not open.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from analyticaflow.connectors.credentials import Credentials
from analyticaflow.connectors.crypto import CredentialsKey, decrypt, encrypt, load_key
from analyticaflow.connectors.secret import Secret

PREVIOUS_KEYS_FILE = "credentials.previous-keys"


@dataclass(frozen=True)
class KeyRing:
    current: CredentialsKey
    previous: tuple[CredentialsKey, ...] = ()

    @property
    def readable(self) -> tuple[CredentialsKey, ...]:
        return (self.current, *self.previous)


def previous_keys_path() -> Path:
    return Path(settings.DATA_DIR) / PREVIOUS_KEYS_FILE


def load_previous_keys() -> tuple[CredentialsKey, ...]:
    texts = list(settings.ANALYTICAFLOW_CREDENTIALS_PREVIOUS_KEYS)
    path = previous_keys_path()
    if path.exists():
        texts += [line for line in path.read_text().splitlines() if line.strip()]
    keys: dict[str, CredentialsKey] = {}
    for text in texts:
        key = CredentialsKey.from_base64(text)
        keys.setdefault(key.key_id, key)
    return tuple(keys.values())


def key_ring() -> KeyRing:
    current = load_key(data_dir=Path(settings.DATA_DIR))
    return KeyRing(current=current, previous=tuple(k for k in load_previous_keys() if k.key_id != current.key_id))


def integration_context(integration_id: int) -> bytes:
    return f"integration:{integration_id}".encode()


def link_context(link_id: int) -> bytes:
    return f"link:{link_id}".encode()


def seal_credentials(credentials: Credentials, *, context: bytes, ring: KeyRing | None = None) -> tuple[str, str]:
    """``(ciphertext, key id)`` of a grant under the current key."""
    ring = ring or key_ring()
    return credentials.encrypt(key=ring.current, context=context), ring.current.key_id


def open_credentials(ciphertext: str, *, context: bytes, ring: KeyRing | None = None) -> Credentials:
    return Credentials.decrypt(ciphertext, keys=(ring or key_ring()).readable, context=context)


def seal_secret(secret: Secret, *, context: bytes, ring: KeyRing | None = None) -> str:
    return encrypt(secret.reveal().encode(), key=(ring or key_ring()).current, context=context)


def open_secret(ciphertext: str, *, context: bytes, ring: KeyRing | None = None) -> Secret:
    return Secret(decrypt(ciphertext, keys=(ring or key_ring()).readable, context=context).decode())
